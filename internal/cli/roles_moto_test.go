package cli

// End-to-end tests of the IAM side of plan and apply against the sandbox
// (moto behind the front, see script_test.go): roles in
// the management account, a member account and an external account of
// another organization, read back through the IAM and SSO Admin APIs and
// compared structurally (moto does not enforce trust, so what is checked is
// the documents gatehouse wrote).

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/organization/orgfixture"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

const clientAccount = "444455556666"

// rolesWorld is moto with an organization (management and production) and
// the admin's environment for gatehouse.
type rolesWorld struct {
	cfg        aws.Config
	env        map[string]string
	dir        string
	mgmt, prod string
}

func newRolesWorld(t *testing.T) *rolesWorld {
	t.Helper()
	cfg := awstest.Config(t)
	spec, err := orgfixture.Parse("account production ou=Workloads/Prod\n")
	if err != nil {
		t.Fatal(err)
	}
	f, err := orgfixture.Create(context.Background(), cfg, spec)
	if err != nil {
		t.Fatal(err)
	}
	w := &rolesWorld{cfg: cfg, env: map[string]string{}, dir: t.TempDir(), mgmt: f.ManagementID, prod: f.Accounts["production"]}
	for _, kv := range awstest.Env(awstest.Server(t).URL) {
		k, v, _ := strings.Cut(kv, "=")
		w.env[k] = v
	}
	w.env["AWS_CONFIG_FILE"] = filepath.Join(w.dir, "config")
	w.env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(w.dir, "credentials")
	return w
}

// model writes the model (MGMT, PROD and CLIENT stand for the account IDs)
// and returns its path.
func (w *rolesWorld) model(t *testing.T, text string) string {
	t.Helper()
	text = strings.NewReplacer("MGMT", w.mgmt, "PROD", w.prod, "CLIENT", clientAccount).Replace(text)
	path := filepath.Join(w.dir, "gatehouse.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (w *rolesWorld) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runGatehouse(t, w.env, args...)
}

func (w *rolesWorld) mustRun(t *testing.T, wantCode int, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, code := w.run(t, args...)
	if code != wantCode {
		t.Fatalf("gatehouse %s exited %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, stdout, stderr)
	}
	return stdout, stderr
}

// iamIn reaches an account as an operator would by hand, not through the
// code under test.
func (w *rolesWorld) iamIn(account string) *iam.Client {
	if account == w.mgmt {
		return iam.NewFromConfig(w.cfg)
	}
	roleARN := "arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"
	if account == clientAccount {
		roleARN = "arn:aws:iam::" + clientAccount + ":role/AcmeProvisioner"
	}
	cfg := w.cfg.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(w.cfg), roleARN))
	return iam.NewFromConfig(cfg)
}

func (w *rolesWorld) role(t *testing.T, account, name string) (trustDoc string, tags map[string]string, inline map[string]string) {
	t.Helper()
	ctx := context.Background()
	cl := w.iamIn(account)
	got, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	if err != nil {
		t.Fatalf("reading role %s in %s: %v", name, account, err)
	}
	trustDoc, err = url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatal(err)
	}
	tags = map[string]string{}
	for _, tg := range got.Role.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	inline = map[string]string{}
	names, err := cl.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &name})
	if err != nil {
		t.Fatal(err)
	}
	for _, pn := range names.PolicyNames {
		doc, err := cl.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String(pn)})
		if err != nil {
			t.Fatal(err)
		}
		inline[pn], _ = url.QueryUnescape(aws.ToString(doc.PolicyDocument))
	}
	return trustDoc, tags, inline
}

func samePolicy(t *testing.T, what, got, want string) {
	t.Helper()
	if !policy.Equal(got, want) {
		t.Errorf("%s =\n%s\nwant (structurally)\n%s", what, got, want)
	}
}

const seedModel = `version: 1
identity_center:
  region: us-east-1
accounts:
  management: { id: "MGMT" }
  production: { id: "PROD" }
  abccorp-prod:
    id: "CLIENT"
    external: true
    admin_role: arn:aws:iam::CLIENT:role/AcmeProvisioner
users:
  alice: { email: alice@example.com, given_name: Alice, family_name: Doe }
groups:
  Engineers: { members: [alice] }
permission_sets:
  EngineerSignIn:
    session_duration: 8h
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "sts:AssumeRole", Resource: "*" }] }
  ReadOnly:
    session_duration: 4h
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:Get*", Resource: "*" }] }
assignments:
  - groups: [Engineers]
    permission_sets: [EngineerSignIn]
    accounts: [management]
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: [abccorp-prod]
roles:
  EngineerIdentity:
    accounts: [management]
    trust: [{ permission_set: EngineerSignIn, account: management }]
    can_assume: [EngineerAccess@production]
  EngineerAccess:
    accounts: [production]
    trust: [{ role: EngineerIdentity@management, tighten: true }]
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:List*", Resource: "*" }] }
    tags: { team: platform }
  Deployer:
    accounts: [production]
    trust: [{ account: management, principal: role/ci-*, external_id: ci-7f3e, mfa: true }]
    max_session: 2h
`

// TestRolesApplyAgainstMoto: seed 000's pair with tighten: true and seed
// 001's hop build in a single apply, every document is exactly what the
// model says, and the next plan is clean.
func TestRolesApplyAgainstMoto(t *testing.T) {
	w := newRolesWorld(t)
	file := w.model(t, seedModel)
	w.mustRun(t, 0, "apply", "-f", file, "--auto-approve")

	mgmt, prod := w.mgmt, w.prod
	trustDoc, tags, inline := w.role(t, prod, "EngineerAccess")
	samePolicy(t, "EngineerAccess trust", trustDoc, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::`+mgmt+`:role/EngineerIdentity"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`)
	samePolicy(t, "EngineerAccess inline policy", inline[trust.InlinePolicyName],
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}`)
	if tags[state.ManagedTagKey] != state.ManagedTagValue || tags["team"] != "platform" {
		t.Errorf("EngineerAccess tags = %v, want the ownership tag and team=platform", tags)
	}

	trustDoc, _, inline = w.role(t, mgmt, "EngineerIdentity")
	samePolicy(t, "EngineerIdentity trust", trustDoc, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::`+mgmt+`:root"},"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
		"Condition":{"ArnLike":{"aws:PrincipalArn":[
			"arn:aws:iam::`+mgmt+`:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_EngineerSignIn_*",
			"arn:aws:iam::`+mgmt+`:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_EngineerSignIn_*"]}}}]}`)
	samePolicy(t, "EngineerIdentity can_assume policy", inline[trust.CanAssumePolicyName], `{"Version":"2012-10-17","Statement":[{
		"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity"],"Resource":"arn:aws:iam::`+prod+`:role/EngineerAccess"}]}`)

	trustDoc, _, _ = w.role(t, prod, "Deployer")
	samePolicy(t, "Deployer trust", trustDoc, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::`+mgmt+`:root"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
		"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::`+mgmt+`:role/ci-*"},
			"StringEquals":{"sts:ExternalId":"ci-7f3e"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)

	hopSet := trust.HopSetName("abccorp-prod", "ReadOnly")
	trustDoc, _, inline = w.role(t, clientAccount, trust.HopRolePrefix+"ReadOnly")
	samePolicy(t, "hop role trust", trustDoc, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::`+mgmt+`:root"},"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
		"Condition":{"ArnLike":{"aws:PrincipalArn":[
			"arn:aws:iam::`+mgmt+`:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_`+hopSet+`_*",
			"arn:aws:iam::`+mgmt+`:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_`+hopSet+`_*"]}}}]}`)
	samePolicy(t, "hop role policy (the permission set's)", inline[trust.InlinePolicyName],
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`)

	// The hop permission set in the hub: assume exactly that role.
	ctx := context.Background()
	sso := ssoadmin.NewFromConfig(w.cfg)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	instARN := inst.Instances[0].InstanceArn
	sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: instARN})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, arn := range sets.PermissionSets {
		d, err := sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: instARN, PermissionSetArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(d.PermissionSet.Name) != hopSet {
			continue
		}
		found = true
		if got := aws.ToString(d.PermissionSet.SessionDuration); got != "PT4H" {
			t.Errorf("hop set session duration = %s, want ReadOnly's PT4H", got)
		}
		pol, err := sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: instARN, PermissionSetArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		samePolicy(t, "hop permission set policy", aws.ToString(pol.InlinePolicy), `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
			"Resource":"arn:aws:iam::`+clientAccount+`:role/gatehouse-ReadOnly"}]}`)
		assigned, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: instARN, PermissionSetArn: aws.String(arn), AccountId: aws.String(mgmt)})
		if err != nil {
			t.Fatal(err)
		}
		if len(assigned.AccountAssignments) != 1 {
			t.Errorf("hop set assignments in the hub = %d, want 1 (Engineers)", len(assigned.AccountAssignments))
		}
	}
	if !found {
		t.Errorf("no permission set %s in Identity Center", hopSet)
	}

	w.mustRun(t, 0, "plan", "-f", file, "--detailed-exitcode")
}

// TestRolesHandMadeRoleIsReportedThenAdopted: a role of the model's name
// that gatehouse did not make is reported and left exactly as it was;
// adopt: true takes it over.
func TestRolesHandMadeRoleIsReportedThenAdopted(t *testing.T) {
	w := newRolesWorld(t)
	handTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.mgmt + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := w.iamIn(w.prod).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("EngineerAccess"), AssumeRolePolicyDocument: aws.String(handTrust),
	}); err != nil {
		t.Fatal(err)
	}
	file := w.model(t, seedModel)
	stdout, _ := w.mustRun(t, 2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(stdout, "! role/"+w.prod+"/EngineerAccess") || !strings.Contains(stdout, "set adopt: true") {
		t.Errorf("plan does not report the hand-made role with what to do:\n%s", stdout)
	}
	if strings.Contains(stdout, "~ role/"+w.prod+"/EngineerAccess") {
		t.Errorf("plan would update the hand-made role:\n%s", stdout)
	}
	_, stderr := w.mustRun(t, 1, "apply", "-f", file, "--auto-approve")
	if !strings.Contains(stderr, "role EngineerAccess in account "+w.prod+" exists and was not created by gatehouse") {
		t.Errorf("apply does not say what it left alone:\n%s", stderr)
	}
	trustDoc, tags, inline := w.role(t, w.prod, "EngineerAccess")
	samePolicy(t, "hand-made role's trust after apply", trustDoc, handTrust)
	if len(tags) != 0 || len(inline) != 0 {
		t.Errorf("apply touched the hand-made role: tags %v, inline policies %v", tags, inline)
	}

	adopted := w.model(t, strings.Replace(seedModel, "    trust: [{ role: EngineerIdentity@management, tighten: true }]",
		"    adopt: true\n    trust: [{ role: EngineerIdentity@management, tighten: true }]", 1))
	stdout, _ = w.mustRun(t, 2, "plan", "-f", adopted, "--detailed-exitcode")
	if !strings.Contains(stdout, "~ role/"+w.prod+"/EngineerAccess  ("+"adopt: true") {
		t.Errorf("plan does not take the role over:\n%s", stdout)
	}
	w.mustRun(t, 0, "apply", "-f", adopted, "--auto-approve")
	trustDoc, tags, _ = w.role(t, w.prod, "EngineerAccess")
	if tags[state.ManagedTagKey] != state.ManagedTagValue || strings.Contains(trustDoc, ":root") {
		t.Errorf("adopted role: tags %v, trust %s; want gatehouse's tag and the model's trust", tags, trustDoc)
	}
	w.mustRun(t, 0, "plan", "-f", adopted, "--detailed-exitcode")
}

// TestRolesBrokenTrustIsFlaggedAndRepaired: when the role a tightened trust
// names is deleted and re-created, IAM shows the old unique ID in its place.
// moto does not do that substitution, so the test writes what IAM would
// show; plan flags it with the fix, and apply repairs it.
func TestRolesBrokenTrustIsFlaggedAndRepaired(t *testing.T) {
	w := newRolesWorld(t)
	file := w.model(t, seedModel)
	w.mustRun(t, 0, "apply", "-f", file, "--auto-approve")
	broken := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AROA3XFRBF535PLBIFPI4"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`
	if _, err := w.iamIn(w.prod).UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String("EngineerAccess"), PolicyDocument: aws.String(broken),
	}); err != nil {
		t.Fatal(err)
	}
	stdout, _ := w.mustRun(t, 2, "plan", "-f", file, "--detailed-exitcode")
	for _, want := range []string{"~ role/" + w.prod + "/EngineerAccess", "note: broken trust: trust statement 1 names AROA3XFRBF535PLBIFPI4", "fix: gatehouse apply rewrites the trust"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan does not say %q:\n%s", want, stdout)
		}
	}
	w.mustRun(t, 0, "apply", "-f", file, "--auto-approve")
	trustDoc, _, _ := w.role(t, w.prod, "EngineerAccess")
	samePolicy(t, "repaired trust", trustDoc, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::`+w.mgmt+`:role/EngineerIdentity"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`)
	w.mustRun(t, 0, "plan", "-f", file, "--detailed-exitcode")
}

// TestRolesSavedPlanCoversIAM: a saved plan records the IAM it read, is
// applied as saved, and is refused once a role changed since.
func TestRolesSavedPlanCoversIAM(t *testing.T) {
	w := newRolesWorld(t)
	file := w.model(t, seedModel)
	planFile := filepath.Join(w.dir, "roles.plan")
	w.mustRun(t, 2, "plan", "-f", file, "-out", planFile, "--detailed-exitcode")
	w.mustRun(t, 0, "apply", planFile)
	w.mustRun(t, 0, "plan", "-f", file, "--detailed-exitcode")

	w.mustRun(t, 0, "plan", "-f", file, "-out", planFile)
	if _, err := w.iamIn(w.prod).UpdateRole(context.Background(), &iam.UpdateRoleInput{
		RoleName: aws.String("EngineerAccess"), Description: aws.String("changed by hand"),
	}); err != nil {
		t.Fatal(err)
	}
	_, stderr := w.mustRun(t, 1, "apply", planFile)
	if !strings.Contains(stderr, "is stale") {
		t.Errorf("a saved plan was not refused after a role changed:\n%s", stderr)
	}
}

// TestRolesUnreachableAccount: an account gatehouse cannot enter is skipped
// with a note when the model wants nothing there, and is an error when it
// does.
func TestRolesUnreachableAccount(t *testing.T) {
	w := newRolesWorld(t)
	ghost := `version: 1
identity_center:
  region: us-east-1
accounts:
  management: { id: "MGMT" }
  ghost: { id: "777777777777", external: true, admin_profile: no-such-profile }
`
	file := w.model(t, ghost)
	stdout, stderr := w.mustRun(t, 0, "plan", "-f", file, "--output", "json")
	if !strings.Contains(stderr, "note: gatehouse cannot enter these accounts") || !strings.Contains(stderr, "ghost (777777777777): loading AWS profile no-such-profile") {
		t.Errorf("plan does not note the unreachable account:\n%s", stderr)
	}
	if !strings.Contains(stdout, `"unreachable": [`) || !strings.Contains(stdout, `"id": "777777777777"`) {
		t.Errorf("plan JSON does not record the unreachable account:\n%s", stdout)
	}

	file = w.model(t, ghost+`roles:
  Auditor:
    accounts: [ghost]
    trust: [{ account: management }]
`)
	_, stderr = w.mustRun(t, 1, "plan", "-f", file)
	if !strings.Contains(stderr, "loading AWS profile no-such-profile for account ghost (777777777777)") || !strings.Contains(stderr, "hint: ") {
		t.Errorf("plan does not fail on an account it must reach:\n%s", stderr)
	}
}
