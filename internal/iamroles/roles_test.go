package iamroles

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// ignoreSides ignores the fields only one side of a comparison has
// (Managed is read, Adopt is desired) and nil versus empty.
var ignoreSides = cmp.Options{cmpopts.IgnoreFields(state.Role{}, "Managed", "Adopt"), cmpopts.EquateEmpty()}

// createInOrder creates the desired roles in trust.CreateOrder's order,
// as apply will, and returns that order.
func createInOrder(t *testing.T, c *Client, roles map[string]state.Role) []string {
	t.Helper()
	docs := map[string]string{}
	for k, r := range roles {
		docs[k] = r.TrustPolicy
	}
	order, err := trust.CreateOrder(docs)
	if err != nil {
		t.Fatalf("CreateOrder() error: %v", err)
	}
	for _, k := range order {
		if err := c.Create(context.Background(), roles[k]); err != nil {
			t.Fatalf("Create(%s) error: %v", k, err)
		}
	}
	return order
}

// readLive reads, through the adapter, every account the given roles live
// in, asking for their names, and returns what it finds by key.
func readLive(t *testing.T, c *Client, accounts []string, names []string) map[string]state.Role {
	t.Helper()
	live := map[string]state.Role{}
	for _, acct := range accounts {
		roles, err := c.ReadRoles(context.Background(), acct, names)
		if err != nil {
			t.Fatalf("ReadRoles(%s) error: %v", acct, err)
		}
		for _, r := range roles {
			live[state.RoleKey(r.AccountID, r.Name)] = r
		}
	}
	return live
}

func accountsAndNames(roles map[string]state.Role) (accounts, names []string) {
	for _, r := range roles {
		accounts = append(accounts, r.AccountID)
		names = append(names, r.Name)
	}
	slices.Sort(accounts)
	slices.Sort(names)
	return slices.Compact(accounts), slices.Compact(names)
}

// checkLiveEqualsDesired is what makes the next plan clean: reading the
// accounts back gives exactly the desired roles, all marked as gatehouse's.
func checkLiveEqualsDesired(t *testing.T, c *Client, desired map[string]state.Role) map[string]state.Role {
	t.Helper()
	accounts, names := accountsAndNames(desired)
	live := readLive(t, c, accounts, names)
	if diff := cmp.Diff(desired, live, ignoreSides); diff != "" {
		t.Errorf("live roles differ from desired (-desired +live):\n%s", diff)
	}
	for k, r := range live {
		if !r.Managed {
			t.Errorf("live role %s is not marked as managed", k)
		}
	}
	return live
}

// callLog records the IAM operations a config's clients make.
type callLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *callLog) record(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("gatehouse-test-log",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if awsmiddleware.GetServiceID(ctx) == "IAM" {
					l.mu.Lock()
					l.ops = append(l.ops, awsmiddleware.GetOperationName(ctx))
					l.mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// writes returns the recorded operations that change something.
func (l *callLog) writes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, op := range l.ops {
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") {
			out = append(out, op)
		}
	}
	return out
}

const seed000 = modelHead + `roles:
  EngineerIdentity:
    accounts: [management]
    trust: [{ account: management }]
    can_assume: [EngineerAccess@production]
  EngineerAccess:
    accounts: [production]
    trust: [{ role: EngineerIdentity@management, tighten: true }]
    managed_policies: [arn:aws:iam::PROD:policy/gatehouse-test-readonly]
    max_session: 2h
    tags: { team: platform }
`

// TestSeed000PairInOnePass builds seed 000's EngineerIdentity ->
// EngineerAccess pair in one pass, the trusted role first, with the exact
// role ARN in EngineerAccess's trust (tighten) and no hand-edited ARN.
// moto does not check that a trusted principal exists, so the order itself
// is proven by trust's tests; here the order is followed and the result read
// back.
func TestSeed000PairInOnePass(t *testing.T) {
	w := newWorld(t)
	m := w.model(t, seed000)
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))
	order := createInOrder(t, c, s.Roles)
	if diff := cmp.Diff([]string{w.mgmt + "/EngineerIdentity", w.members[0] + "/EngineerAccess"}, order); diff != "" {
		t.Errorf("creation order mismatch (-want +got):\n%s", diff)
	}
	live := checkLiveEqualsDesired(t, c, s.Roles)

	access := live[w.members[0]+"/EngineerAccess"]
	wantTrust, _ := policy.Canonical(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::` + w.mgmt + `:role/EngineerIdentity"},
		"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`)
	if access.TrustPolicy != wantTrust {
		t.Errorf("EngineerAccess trust read back = %s, want %s", access.TrustPolicy, wantTrust)
	}
	identity := live[w.mgmt+"/EngineerIdentity"]
	wantAssume, _ := policy.Canonical(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
		"Resource":"arn:aws:iam::` + w.members[0] + `:role/EngineerAccess"}]}`)
	if got := identity.InlinePolicies[trust.CanAssumePolicyName]; got != wantAssume {
		t.Errorf("EngineerIdentity can_assume policy = %s, want %s", got, wantAssume)
	}

	// EngineerAccess went to production through the provisioning role, and
	// nowhere else.
	ctx := context.Background()
	if _, err := w.iamIn(t, w.members[0]).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("EngineerAccess")}); err != nil {
		t.Errorf("EngineerAccess is not in production: %v", err)
	}
	for _, acct := range []string{w.mgmt, w.members[1]} {
		if _, err := w.iamIn(t, acct).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("EngineerAccess")}); !isNotFound(err) {
			t.Errorf("GetRole(EngineerAccess) in %s = %v, want NoSuchEntity", acct, err)
		}
	}
	broken, err := trust.FindBroken(access.TrustPolicy)
	if err != nil || len(broken) != 0 {
		t.Errorf("FindBroken() = %v, %v on a healthy trust", broken, err)
	}
}

// TestReapplyMakesNoWrites: once applied, updating every role from what is
// live to what is desired changes nothing.
func TestReapplyMakesNoWrites(t *testing.T) {
	w := newWorld(t)
	m := w.model(t, seed000)
	s := w.desired(t, m)
	createInOrder(t, New(OptionsFromModel(m, w.cfg)), s.Roles)

	var log callLog
	cfg := w.cfg.Copy()
	log.record(&cfg)
	c := New(OptionsFromModel(m, cfg))
	live := checkLiveEqualsDesired(t, c, s.Roles)
	for k, want := range s.Roles {
		if err := c.Update(context.Background(), want, live[k]); err != nil {
			t.Fatalf("Update(%s) error: %v", k, err)
		}
		if err := c.Create(context.Background(), want); err != nil { // converges through Update
			t.Fatalf("Create(%s) of an existing managed role error: %v", k, err)
		}
	}
	if w := log.writes(); len(w) != len(s.Roles) || slices.ContainsFunc(w, func(op string) bool { return op != "CreateRole" }) {
		t.Errorf("re-applying made writes %v, want only the refused CreateRole of each role", w)
	}
}

// TestExternalAccountHop: seed 001's role in the client account, created
// through admin_role, trusting the hub's AWSReservedSSO role of the hop set;
// removing the assignment removes the role, the hop set and the hop
// assignment.
func TestExternalAccountHop(t *testing.T) {
	w := newWorld(t)
	text := modelHead + `permission_sets:
  Admin:
    session_duration: 4h
    customer_managed_policies: [gatehouse-test-readonly]
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "organizations:*", Resource: "*" }] }
assignments:
  - { groups: [Engineers], permission_sets: [Admin], accounts: [abccorp-prod, production] }
`
	m := w.model(t, text)
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))
	createInOrder(t, c, s.Roles)
	live := checkLiveEqualsDesired(t, c, s.Roles)

	role := live[w.external+"/gatehouse-Admin"]
	wantTrust, _ := policy.Canonical(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::` + w.mgmt + `:root"},
		"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
		"Condition":{"ArnLike":{"aws:PrincipalArn":[
			"arn:aws:iam::` + w.mgmt + `:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_abccorp-prod-Admin_*",
			"arn:aws:iam::` + w.mgmt + `:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_abccorp-prod-Admin_*"]}}}]}`)
	if role.TrustPolicy != wantTrust {
		t.Errorf("client role trust = %s\nwant %s", role.TrustPolicy, wantTrust)
	}
	if diff := cmp.Diff([]string{"arn:aws:iam::" + w.external + ":policy/gatehouse-test-readonly"}, role.ManagedPolicies); diff != "" {
		t.Errorf("client role managed policies mismatch (-want +got):\n%s", diff)
	}
	// The role exists in the client account only (reached by hand here).
	if _, err := w.iamIn(t, w.external).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("gatehouse-Admin")}); err != nil {
		t.Errorf("gatehouse-Admin is not in the client account: %v", err)
	}
	hop := s.PermissionSets["abccorp-prod-Admin"]
	wantHop, _ := policy.Canonical(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
		"Resource":"arn:aws:iam::` + w.external + `:role/gatehouse-Admin"}]}`)
	if hop.InlinePolicy != wantHop || hop.SessionDuration != "PT4H" || len(hop.ManagedPolicies) != 0 {
		t.Errorf("hop permission set = %+v, want only sts:AssumeRole (+SetSourceIdentity, TagSession) on the client role", hop)
	}
	wantHub := state.Assignment{AccountID: w.mgmt, PermissionSet: "abccorp-prod-Admin", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"}
	if !slices.Contains(s.Assignments, wantHub) {
		t.Errorf("assignments %v lack the hop assignment %v", s.Assignments, wantHub)
	}

	// Remove the client from the assignment: all three parts go.
	m2 := w.model(t, strings.Replace(text, "accounts: [abccorp-prod, production]", "accounts: [production]", 1))
	s2 := w.desired(t, m2)
	if _, ok := s2.PermissionSets["abccorp-prod-Admin"]; ok {
		t.Error("the hop permission set is still desired")
	}
	if slices.Contains(s2.Assignments, wantHub) {
		t.Error("the hop assignment is still desired")
	}
	if _, ok := s2.Roles[w.external+"/gatehouse-Admin"]; ok {
		t.Fatal("the client role is still desired")
	}
	for k, r := range live {
		if _, keep := s2.Roles[k]; !keep {
			if err := c.Delete(context.Background(), r); err != nil {
				t.Fatalf("Delete(%s) error: %v", k, err)
			}
		}
	}
	if left := readLive(t, c, []string{w.external}, []string{"gatehouse-Admin"}); len(left) != 0 {
		t.Errorf("roles left in the client account: %v", slices.Collect(maps.Keys(left)))
	}
}

// TestSecondOrganizationTrust: a model role in the client account (another
// organization) trusting the hub only from the hub's organization.
func TestSecondOrganizationTrust(t *testing.T) {
	w := newWorld(t)
	m := w.model(t, modelHead+`roles:
  AcmeAudit:
    accounts: [abccorp-prod]
    description: Audit access for Acme's engineers
    trust: [{ account: management, principal: role/auditors-*, principal_org_id: `+w.org.ID+`, external_id: acme-audit-1 }]
    managed_policies: [arn:aws:iam::CLIENT:policy/gatehouse-test-readonly]
`)
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))
	createInOrder(t, c, s.Roles)
	live := checkLiveEqualsDesired(t, c, s.Roles)
	want, _ := policy.Canonical(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::` + w.mgmt + `:root"},
		"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
		"Condition":{
			"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::` + w.mgmt + `:role/auditors-*"},
			"StringEquals":{"aws:PrincipalOrgID":"` + w.org.ID + `","sts:ExternalId":"acme-audit-1"}}}]}`)
	if got := live[w.external+"/AcmeAudit"].TrustPolicy; got != want {
		t.Errorf("trust = %s\nwant %s", got, want)
	}
}

// TestUnmanagedRoleIsReportedNotTakenOver: a hand-made role with the
// model's name is left alone, unless the model says adopt: true.
func TestUnmanagedRoleIsReportedNotTakenOver(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	handTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := w.iamIn(t, w.members[0]).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("EngineerAccess"), AssumeRolePolicyDocument: aws.String(handTrust),
		Tags: tagList(map[string]string{"owner": "someone"}),
	}); err != nil {
		t.Fatal(err)
	}
	m := w.model(t, seed000)
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))
	key := w.members[0] + "/EngineerAccess"

	err := c.Create(ctx, s.Roles[key])
	var um *UnmanagedError
	if !errors.As(err, &um) || um.Name != "EngineerAccess" || um.AccountID != w.members[0] {
		t.Fatalf("Create() over a hand-made role = %v, want an *UnmanagedError naming it", err)
	}
	for _, want := range []string{"role EngineerAccess in account production (" + w.members[0] + ") exists and was not created by gatehouse", "gatehouse:managed=true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if !strings.Contains(um.Hint(), "adopt: true") {
		t.Errorf("hint %q does not mention adopt: true", um.Hint())
	}
	live, err := c.ReadRole(ctx, w.members[0], "EngineerAccess")
	if err != nil || live == nil {
		t.Fatalf("ReadRole() = %v, %v", live, err)
	}
	if live.Managed || !policy.Equal(live.TrustPolicy, handTrust) || live.Tags["owner"] != "someone" {
		t.Fatalf("the hand-made role changed: %+v", live)
	}
	if err := c.Delete(ctx, *live); !errors.As(err, &um) {
		t.Errorf("Delete() of a hand-made role = %v, want an *UnmanagedError", err)
	}
	if err := c.Update(ctx, s.Roles[key], *live); !errors.As(err, &um) {
		t.Errorf("Update() of a hand-made role = %v, want an *UnmanagedError", err)
	}
	if roles, _ := c.ReadRoles(ctx, w.members[0], nil); len(roles) != 0 {
		t.Errorf("ReadRoles() without names returned unmanaged roles: %v", roles)
	}

	// adopt: true takes it over and makes it exactly the model's.
	adopted := strings.Replace(seed000, "    tags: { team: platform }\n", "    tags: { team: platform }\n    adopt: true\n", 1)
	m2 := w.model(t, adopted)
	s2 := w.desired(t, m2)
	if err := c.Create(ctx, s2.Roles[key]); err != nil {
		t.Fatalf("Create() with adopt: true error: %v", err)
	}
	got, err := c.ReadRole(ctx, w.members[0], "EngineerAccess")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s2.Roles[key], *got, ignoreSides); diff != "" || !got.Managed {
		t.Errorf("adopted role differs from desired (managed %v) (-desired +live):\n%s", got.Managed, diff)
	}
}

// TestUpdateConverges changes everything a role has and reads it back.
func TestUpdateConverges(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := w.model(t, seed000)
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))
	createInOrder(t, c, s.Roles)
	if _, err := w.iamIn(t, w.members[0]).CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName: aws.String("Boundary"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
	}); err != nil {
		t.Fatal(err)
	}
	key := w.members[0] + "/EngineerAccess"
	live := readLive(t, c, []string{w.members[0]}, []string{"EngineerAccess"})[key]

	changed := live
	changed.Managed = false
	changed.Description = "Engineers in production"
	changed.MaxSessionDuration = 8 * 3600
	changed.TrustPolicy, _ = policy.Canonical(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::` + w.mgmt + `:root"},"Action":"sts:AssumeRole",
		"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	changed.ManagedPolicies = nil
	changed.InlinePolicies = map[string]string{trust.InlinePolicyName: `{"Statement":[{"Action":["ec2:Describe*"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`}
	changed.Tags = map[string]string{state.ManagedTagKey: state.ManagedTagValue, "cost-center": "42"}
	changed.PermissionsBoundary = "arn:aws:iam::" + w.members[0] + ":policy/Boundary"
	if err := c.Update(ctx, changed, live); err != nil {
		t.Fatalf("Update() error: %v", err)
	}
	got := readLive(t, c, []string{w.members[0]}, []string{"EngineerAccess"})[key]
	if diff := cmp.Diff(changed, got, ignoreSides); diff != "" {
		t.Errorf("role after Update differs (-want +got):\n%s", diff)
	}

	// And back again, dropping the inline policy and the boundary.
	if err := c.Update(ctx, s.Roles[key], got); err != nil {
		t.Fatalf("Update() back error: %v", err)
	}
	checkLiveEqualsDesired(t, c, map[string]state.Role{key: s.Roles[key]})

	moved, before := s.Roles[key], s.Roles[key]
	moved.Path = "/elsewhere/"
	before.Managed = true
	if err := c.Update(ctx, moved, before); err == nil || !strings.Contains(err.Error(), "IAM cannot change a role's path") {
		t.Errorf("Update() of the path = %v, want a refusal", err)
	}
}

// TestDeleteRemovesPoliciesFirst deletes roles that carry inline and
// managed policies (IAM refuses to delete them otherwise), twice.
func TestDeleteRemovesPoliciesFirst(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := w.model(t, seed000)
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))
	createInOrder(t, c, s.Roles)
	accounts, names := accountsAndNames(s.Roles)
	live := readLive(t, c, accounts, names)
	for k, r := range live {
		if err := c.Delete(ctx, r); err != nil {
			t.Fatalf("Delete(%s) error: %v", k, err)
		}
		if err := c.Delete(ctx, r); err != nil {
			t.Errorf("Delete(%s) of a deleted role error: %v", k, err)
		}
	}
	if left := readLive(t, c, accounts, names); len(left) != 0 {
		t.Errorf("roles left after Delete: %v", slices.Collect(maps.Keys(left)))
	}
	if _, err := w.iamIn(t, w.members[0]).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("EngineerAccess")}); !isNotFound(err) {
		t.Errorf("GetRole after Delete = %v, want NoSuchEntity", err)
	}
}

// TestBrokenTrustIsFoundAndRewritten: when a tightened trust's role is
// deleted and re-created, IAM shows the old unique ID in its place. moto
// does not do that translation, so the test writes what AWS would show;
// reading finds it, and updating from the model binds the trust again.
func TestBrokenTrustIsFoundAndRewritten(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := w.model(t, seed000)
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))
	createInOrder(t, c, s.Roles)
	key := w.members[0] + "/EngineerAccess"
	broken := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AROAZ6EXAMPLEDELETED1"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`
	if _, err := w.iamIn(t, w.members[0]).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String("EngineerAccess"), PolicyDocument: aws.String(broken),
	}); err != nil {
		t.Fatal(err)
	}
	live := readLive(t, c, []string{w.members[0]}, []string{"EngineerAccess"})[key]
	found, err := trust.FindBroken(live.TrustPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]trust.Broken{{Statement: 0, ID: "AROAZ6EXAMPLEDELETED1", Kind: "role"}}, found); diff != "" {
		t.Fatalf("FindBroken() mismatch (-want +got):\n%s", diff)
	}
	if err := c.Update(ctx, s.Roles[key], live); err != nil {
		t.Fatalf("Update() error: %v", err)
	}
	checkLiveEqualsDesired(t, c, s.Roles)
}
