package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssoptypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

const (
	prod    = "333333333333"
	staging = "222222222222"
	client  = "444444444444"
)

// portalWorld: alice is in Engineers (ReadOnly in prod and staging) and has
// Admin in prod herself; bob is in no group.
func portalWorld(t *testing.T, sb *sandbox.Sandbox) *world {
	t.Helper()
	cfg := adminConfig(t, sb)
	w := seed(t, cfg, []string{"alice", "bob"}, map[string][]string{"Engineers": {"alice"}},
		map[string]string{"ReadOnly": "", "Admin": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`})
	w.assign(t, cfg, false, prod, "ReadOnly", "GROUP", "Engineers")
	w.assign(t, cfg, false, staging, "ReadOnly", "GROUP", "Engineers")
	w.assign(t, cfg, false, prod, "Admin", "USER", "alice")
	return w
}

func portalClient(t *testing.T, sb *sandbox.Sandbox) *sso.Client {
	t.Helper()
	return sso.NewFromConfig(awstest.ConfigFor(t, sb.URL()))
}

func TestPortalListsWhatTheUserReaches(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	_, tok := deviceLogin(t, sb, "alice")
	p := portalClient(t, sb)

	// One account per page, so pagination is exercised.
	var accounts []string
	pages := sso.NewListAccountsPaginator(p, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(1)})
	calls := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		calls++
		for _, a := range page.AccountList {
			accounts = append(accounts, aws.ToString(a.AccountId))
		}
	}
	if diff := cmp.Diff([]string{staging, prod}, accounts); diff != "" {
		t.Errorf("ListAccounts mismatch (-want +got):\n%s", diff)
	}
	if calls != 2 {
		t.Errorf("ListAccounts took %d pages of 1, want 2", calls)
	}

	roles, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod)})
	if err != nil {
		t.Fatalf("ListAccountRoles: %v", err)
	}
	var names []string
	for _, r := range roles.RoleList {
		names = append(names, aws.ToString(r.RoleName))
	}
	if diff := cmp.Diff([]string{"Admin", "ReadOnly"}, names); diff != "" {
		t.Errorf("ListAccountRoles(prod) mismatch (-want +got):\n%s", diff)
	}
}

func TestGetRoleCredentialsGivesTheReservedRoleAndChainingWorks(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	_, tok := deviceLogin(t, sb, "alice")
	p := portalClient(t, sb)

	out, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod), RoleName: aws.String("ReadOnly")})
	if err != nil {
		t.Fatalf("GetRoleCredentials: %v", err)
	}
	rc := out.RoleCredentials
	if rc.Expiration < 1e12 {
		t.Errorf("expiration %d is not in epoch milliseconds", rc.Expiration)
	}
	cfg := awstest.ConfigFor(t, sb.URL())
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with role credentials: %v", err)
	}
	arn := aws.ToString(id.Arn)
	if aws.ToString(id.Account) != prod || !strings.HasPrefix(arn, "arn:aws:sts::"+prod+":assumed-role/AWSReservedSSO_ReadOnly_") || !strings.HasSuffix(arn, "/alice") {
		t.Errorf("caller = %s in %s, want AWSReservedSSO_ReadOnly_* session alice in %s", arn, aws.ToString(id.Account), prod)
	}

	// Chained: from the SSO session into a role of another organization.
	chained, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + client + ":role/ClientAdmin"), RoleSessionName: aws.String("alice"),
	})
	if err != nil {
		t.Fatalf("chained AssumeRole: %v", err)
	}
	cfg2 := cfg.Copy()
	c := chained.Credentials
	cfg2.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	id2, err := sts.NewFromConfig(cfg2).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id2.Account) != client {
		t.Errorf("chained caller account = %s, want %s", aws.ToString(id2.Account), client)
	}
}

func TestPortalErrors(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	_, tok := deviceLogin(t, sb, "bob")
	p := portalClient(t, sb)

	t.Run("no access to a role", func(t *testing.T) {
		_, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod), RoleName: aws.String("ReadOnly")})
		assertHTTPError(t, err, http.StatusForbidden, "ForbiddenException")
	})
	t.Run("bad token", func(t *testing.T) {
		_, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String("aoa-not-a-token")})
		var ue *ssoptypes.UnauthorizedException
		if !errors.As(err, &ue) {
			t.Fatalf("error = %v, want UnauthorizedException", err)
		}
		assertHTTPError(t, err, http.StatusUnauthorized, "UnauthorizedException")
	})
	t.Run("bad page size", func(t *testing.T) {
		_, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(101)})
		var ie *ssoptypes.InvalidRequestException
		if !errors.As(err, &ie) {
			t.Fatalf("error = %v, want InvalidRequestException", err)
		}
	})
	t.Run("bob reaches nothing", func(t *testing.T) {
		out, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.AccountList) != 0 || out.NextToken != nil {
			t.Errorf("bob's accounts = %v, next %v; want none", out.AccountList, out.NextToken)
		}
	})
	t.Run("logout revokes the token", func(t *testing.T) {
		if _, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		_, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
		var ue *ssoptypes.UnauthorizedException
		if !errors.As(err, &ue) {
			t.Fatalf("after logout: error = %v, want UnauthorizedException", err)
		}
	})
}

func TestPortalRateLimit(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{PortalRateLimit: 2})
	portalWorld(t, sb)
	_, tok := deviceLogin(t, sb, "alice")
	p := portalClient(t, sb)
	var throttled int
	for range 6 {
		_, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod)})
		var tm *ssoptypes.TooManyRequestsException
		switch {
		case errors.As(err, &tm):
			throttled++
			assertHTTPError(t, err, http.StatusTooManyRequests, "TooManyRequestsException")
		case err != nil:
			t.Fatal(err)
		}
	}
	if throttled == 0 {
		t.Error("6 back-to-back calls at a limit of 2/s were never throttled")
	}
}

func TestReservedRoleFollowsAssignments(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	cfg := adminConfig(t, sb)
	inline := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	w := seed(t, cfg, []string{"alice", "bob"}, map[string][]string{"Engineers": {"alice"}}, map[string]string{"ReadOnly": inline})

	reserved := func() []string {
		t.Helper()
		c := iam.NewFromConfig(cfg, func(o *iam.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-moto-account-id", prod))
		})
		out, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/sso.amazonaws.com/")})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.Path)+aws.ToString(r.RoleName))
			pol, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: r.RoleName, PolicyName: aws.String("AwsSSOInlinePolicy")})
			if err != nil {
				t.Errorf("inline policy of %s: %v", aws.ToString(r.RoleName), err)
			} else if !strings.Contains(aws.ToString(pol.PolicyDocument), "s3") {
				t.Errorf("inline policy of %s = %s, want the permission set's", aws.ToString(r.RoleName), aws.ToString(pol.PolicyDocument))
			}
		}
		return names
	}
	if got := reserved(); len(got) != 0 {
		t.Fatalf("reserved roles before any assignment: %v", got)
	}
	w.assign(t, cfg, false, prod, "ReadOnly", "GROUP", "Engineers")
	w.assign(t, cfg, false, prod, "ReadOnly", "USER", "bob")
	got := reserved()
	if len(got) != 1 || !strings.HasPrefix(got[0], "/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_") || len(got[0]) != len("/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_")+16 {
		t.Fatalf("reserved roles after two assignments = %v, want one AWSReservedSSO_ReadOnly_<16 hex>", got)
	}
	w.assign(t, cfg, true, prod, "ReadOnly", "GROUP", "Engineers")
	if got := reserved(); len(got) != 1 {
		t.Fatalf("reserved roles after removing one of two assignments = %v, want the role kept", got)
	}
	w.assign(t, cfg, true, prod, "ReadOnly", "USER", "bob")
	if got := reserved(); len(got) != 0 {
		t.Fatalf("reserved roles after the last assignment went = %v, want none", got)
	}
}

// assertHTTPError checks the HTTP status and X-Amzn-Errortype of an SDK error.
func assertHTTPError(t *testing.T, err error, status int, errType string) {
	t.Helper()
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v, want an HTTP %d response", err, status)
	}
	if re.HTTPStatusCode() != status {
		t.Errorf("HTTP status = %d, want %d", re.HTTPStatusCode(), status)
	}
	if got := re.Response.Header.Get("X-Amzn-Errortype"); got != errType {
		t.Errorf("X-Amzn-Errortype = %q, want %q", got, errType)
	}
}
