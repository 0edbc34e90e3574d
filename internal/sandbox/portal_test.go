package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssoptypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
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

func portalClient(t testing.TB, sb *sandbox.Sandbox) *sso.Client {
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

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sb := newSandbox(t, sandbox.Options{Now: clock, AccessTokenTTL: 15 * time.Minute})
	portalWorld(t, sb)
	_, tok := deviceLogin(t, sb, "alice")
	if tok.ExpiresIn != 900 {
		t.Errorf("expiresIn = %d, want 900", tok.ExpiresIn)
	}
	p := portalClient(t, sb)
	if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	mu.Lock()
	now = now.Add(16 * time.Minute)
	mu.Unlock()
	_, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	assertHTTPError(t, err, http.StatusUnauthorized, "UnauthorizedException")
}

// reservedRoles lists the AWSReservedSSO roles in account with their
// inline policy names and attached policy ARNs.
func reservedRoles(t *testing.T, cfg aws.Config, account string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(cfg, func(o *iam.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-moto-account-id", account))
	})
	out, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/sso.amazonaws.com/")})
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string][]string{}
	for _, r := range out.Roles {
		var pols []string
		inline, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: r.RoleName})
		if err != nil {
			t.Fatal(err)
		}
		pols = append(pols, inline.PolicyNames...)
		attached, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: r.RoleName})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range attached.AttachedPolicies {
			pols = append(pols, aws.ToString(p.PolicyArn))
		}
		name := aws.ToString(r.RoleName)
		roles[name[:strings.LastIndexByte(name, '_')]] = pols
	}
	return roles
}

func TestProvisioningUpdatesTheRolesPolicies(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	cfg := adminConfig(t, sb)
	w := seed(t, cfg, []string{"alice"}, nil, map[string]string{"Deploy": ""})
	w.assign(t, cfg, false, prod, "Deploy", "USER", "alice")
	if diff := cmp.Diff(map[string][]string{"AWSReservedSSO_Deploy": nil}, reservedRoles(t, cfg, prod)); diff != "" {
		t.Fatalf("role before provisioning mismatch (-want +got):\n%s", diff)
	}

	// A customer-managed policy in the account, referenced by the set, and
	// an inline policy; then provisioning, as gatehouse apply does.
	inProd := iam.NewFromConfig(cfg, func(o *iam.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-moto-account-id", prod))
	})
	if _, err := inProd.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("DeployBoundary"), Path: aws.String("/ops/"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	admin := ssoadmin.NewFromConfig(cfg)
	ps := aws.String(w.sets["Deploy"])
	if _, err := admin.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
		InstanceArn: aws.String(w.instance), PermissionSetArn: ps,
		CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("DeployBoundary"), Path: aws.String("/ops/")},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: aws.String(w.instance), PermissionSetArn: ps,
		InlinePolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: aws.String(w.instance), PermissionSetArn: ps,
		TargetType: ssotypes.ProvisionTargetTypeAllProvisionedAccounts}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"AWSReservedSSO_Deploy": {"AwsSSOInlinePolicy", "arn:aws:iam::" + prod + ":policy/ops/DeployBoundary"}}
	if diff := cmp.Diff(want, reservedRoles(t, cfg, prod)); diff != "" {
		t.Errorf("role after provisioning mismatch (-want +got):\n%s", diff)
	}
}

func TestReconcileCatchesChangesMadeDirectlyOnMoto(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	front := adminConfig(t, sb)
	w := seed(t, front, []string{"alice"}, nil, map[string]string{"ReadOnly": ""})
	direct := awstest.ConfigFor(t, sb.MotoURL()) // bypasses the front
	w.assign(t, direct, false, staging, "ReadOnly", "USER", "alice")
	if got := reservedRoles(t, front, staging); len(got) != 0 {
		t.Fatalf("a role appeared without the front seeing the assignment: %v", got)
	}
	post := func() {
		t.Helper()
		resp, err := http.Post(sb.URL()+"/sandbox/reconcile", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reconcile answered %d", resp.StatusCode)
		}
	}
	post()
	if got := reservedRoles(t, front, staging); len(got) != 1 {
		t.Fatalf("after reconcile the roles are %v, want AWSReservedSSO_ReadOnly", got)
	}
	w.assign(t, direct, true, staging, "ReadOnly", "USER", "alice")
	post()
	if got := reservedRoles(t, front, staging); len(got) != 0 {
		t.Fatalf("after the assignment went and reconcile ran, the roles are %v", got)
	}
}
