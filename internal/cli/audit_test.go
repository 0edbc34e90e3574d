package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idsdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// TestAuditAgainstTheSandbox applies testdata/audit/gatehouse.yaml to a
// sandbox, plants access by hand the way people do in the console (a
// permission set assigned outside the model, a public role, a vendor's
// account trusted without ExternalId, a trust naming a deleted role's unique
// ID), and checks that `gatehouse audit` reports each exactly as it should,
// and nothing for the caller whose boundary stops it.
func TestAuditAgainstTheSandbox(t *testing.T) {
	file := filepath.Join("testdata", "audit", "gatehouse.yaml")
	m, err := model.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{
		ManagementAccount: "111111111111",
		Region:            m.IdentityCenter.Region,
		Moto:              motoserver.Options{LoadManagedPolicies: true},
	})
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Stop(); err != nil {
			t.Errorf("stopping the sandbox: %v", err)
		}
	})
	if _, err := sb.Bootstrap(ctx, sandbox.LayoutFromModel(m)); err != nil {
		t.Fatalf("creating the accounts: %v", err)
	}
	env := sandboxAdminEnv(t, sb, m)
	admin := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(sb.URL()),
		Credentials: credentials.StaticCredentialsProvider{Value: sb.Credentials()}}

	// The boundary the model names must exist before apply.
	prodIAM := iam.NewFromConfig(assumeInto(t, admin, "333333333333"))
	mustDo(t, "creating the boundary policy", func() error {
		_, err := prodIAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("NoAssume"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
		return err
	})
	if stdout, stderr, code := runGatehouse(t, env, "apply", "-f", file, "--auto-approve"); code != 0 {
		t.Fatalf("apply exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// Planted by hand.
	plantBreakglass(t, admin, "bob", "333333333333")
	role := func(name, trust string) {
		mustDo(t, "creating role "+name, func() error {
			_, err := prodIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
			return err
		})
	}
	role("Public", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)
	role("Vendor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`)
	role("Old", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEDELETED01"},"Action":"sts:AssumeRole"}]}`)

	stdout, stderr, code := runGatehouse(t, env, "audit", "-f", file, "--output", "json")
	if code != 0 {
		t.Fatalf("audit exited %d\nstderr:\n%s", code, stderr)
	}
	var rep audit.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("audit --output json is not a report: %v\n%s", err, stdout)
	}
	if rep.Version != 1 || rep.Source != "live" {
		t.Errorf("version %d, source %q; want 1 and live", rep.Version, rep.Source)
	}
	rows := map[string]audit.Access{}
	for _, r := range rep.Access {
		rows[r.Principal.Type+":"+r.Principal.Name+" "+r.RoleARN] = r
	}
	find := func(principal, roleSuffix string) (audit.Access, bool) {
		for k, r := range rows {
			if strings.HasPrefix(k, principal+" ") && strings.Contains(r.RoleARN, roleSuffix) {
				return r, true
			}
		}
		return audit.Access{}, false
	}
	for _, tc := range []struct {
		name, principal, role string
		want                  bool
		decision              string
		conditions            string
		managed, chained      bool
	}{
		{"the model's grant", "user:alice", "/Deploy", true, audit.Allowed, "", true, true},
		{"a chain into the client organization needs the ExternalId", "user:alice", "/GlobexAccess", true, audit.Conditional, "sts:ExternalId", true, true},
		{"the permission set made by hand", "user:bob", "AWSReservedSSO_Breakglass_", true, audit.Allowed, "", false, false},
		{"what the hand-made set reaches", "user:bob", "/Deploy", true, audit.Allowed, "", false, true},
		{"a public role", "user:alice", "/Public", true, audit.Allowed, "", false, true},
		{"an outside account trusted without ExternalId", "account:999999999999", "/Vendor", true, audit.Allowed, "", false, false},
		{"a caller whose boundary lacks sts:AssumeRole", "user:carol", "/Deploy", false, "", "", false, false},
		{"a trust naming a deleted role", "", "/Old", false, "", "", false, false},
	} {
		r, ok := find(tc.principal, tc.role)
		if ok != tc.want {
			t.Errorf("%s: row %s -> %s present = %v, want %v", tc.name, tc.principal, tc.role, ok, tc.want)
			continue
		}
		if !ok {
			continue
		}
		if r.Decision != tc.decision || strings.Join(r.Conditions, ",") != tc.conditions || r.Managed != tc.managed || r.Chained != tc.chained {
			t.Errorf("%s: row = %+v; want decision %s, conditions %q, managed %v, chained %v", tc.name, r, tc.decision, tc.conditions, tc.managed, tc.chained)
		}
	}
	findings := map[string]audit.Finding{}
	for _, f := range rep.Findings {
		findings[f.Rule+" "+f.Resource] = f
	}
	for _, want := range []struct{ rule, resourceSuffix string }{
		{"UNMANAGED-ASSIGNMENT", "ps-"},
		{"TP-PUBLIC", ":role/Public"},
		{"TP-3P-NOEXTID", ":role/Vendor"},
		{"TP-DANGLING", ":role/Old"},
		{"UNMANAGED-TRUST", ":role/Vendor"},
	} {
		found := false
		for k, f := range findings {
			if strings.HasPrefix(k, want.rule+" ") && strings.Contains(f.Resource, want.resourceSuffix) && f.Account == "333333333333" {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s finding on %s:\n%+v", want.rule, want.resourceSuffix, rep.Findings)
		}
	}
	for k, f := range findings {
		if strings.Contains(f.Resource, ":role/Deploy") || strings.Contains(f.Resource, ":role/GlobexAccess") {
			// Deploy trusts its account as a whole (TP-ROOT, low); nothing
			// worse is expected of what the model makes.
			if audit.SeverityRank(f.Severity) < audit.SeverityRank(audit.Low) {
				t.Errorf("a role the model makes has a finding above low: %s %+v", k, f)
			}
		}
	}

	// --fail-on: exit 2 after writing the report; a severity nothing
	// reaches leaves the exit code alone.
	out := filepath.Join(t.TempDir(), "audit.json")
	if _, stderr, code := runGatehouse(t, env, "audit", "-f", file, "--output", "json", "--out", out, "--fail-on", "high"); code != 2 || !strings.Contains(stderr, "Wrote "+out) {
		t.Errorf("audit --fail-on high exited %d, want 2 after writing the report:\n%s", code, stderr)
	}
	if _, stderr, code := runGatehouse(t, env, "audit", "-f", file, "--account", "globex", "--principal", "alice", "--output", "json", "--fail-on", "critical"); code != 0 {
		t.Errorf("audit --fail-on critical with no critical finding exited %d:\n%s", code, stderr)
	}
	if _, _, code := runGatehouse(t, env, "audit", "-f", file, "--fail-on", "severe"); code != ExitUsage {
		t.Errorf("audit --fail-on severe exited %d, want the usage code", code)
	}
}

// assumeInto returns a configuration with the credentials of account's
// OrganizationAccountAccessRole, as an admin reaches a member account.
func assumeInto(t *testing.T, admin aws.Config, account string) aws.Config {
	t.Helper()
	out, err := sts.NewFromConfig(admin).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("test")})
	if err != nil {
		t.Fatalf("assuming into %s: %v", account, err)
	}
	cfg := admin.Copy()
	c := out.Credentials
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return cfg
}

// plantBreakglass makes, as a person in the console would, a permission set
// the model does not know with an inline policy allowing everything, and
// assigns it to user in account.
func plantBreakglass(t *testing.T, admin aws.Config, user, account string) {
	t.Helper()
	ctx := context.Background()
	sso := ssoadmin.NewFromConfig(admin)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) == 0 {
		t.Fatalf("finding the instance: %v", err)
	}
	instance, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	ps, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: instance, Name: aws.String("Breakglass"), SessionDuration: aws.String("PT1H")})
	if err != nil {
		t.Fatalf("creating Breakglass: %v", err)
	}
	psARN := ps.PermissionSet.PermissionSetArn
	mustDo(t, "putting Breakglass's policy", func() error {
		_, err := sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: instance, PermissionSetArn: psARN,
			InlinePolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
		return err
	})
	id, err := identitystore.NewFromConfig(admin).GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store,
		AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{Value: idstypes.UniqueAttribute{AttributePath: aws.String("userName"), AttributeValue: idsdoc.NewLazyDocument(user)}}})
	if err != nil {
		t.Fatalf("finding user %s: %v", user, err)
	}
	mustDo(t, "assigning Breakglass", func() error {
		_, err := sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: instance, PermissionSetArn: psARN,
			PrincipalId: id.UserId, PrincipalType: ssotypes.PrincipalTypeUser, TargetId: aws.String(account), TargetType: ssotypes.TargetTypeAwsAccount})
		return err
	})
}

func mustDo(t *testing.T, what string, fn func() error) {
	t.Helper()
	if err := fn(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
