package apply

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// The recorder is also a RoleTarget.

func (f *recorder) Create(ctx context.Context, r state.Role) error {
	return f.op(ctx, "create-role", r.AccountID+"/"+r.Name, "")
}
func (f *recorder) Update(ctx context.Context, desired, live state.Role) error {
	return f.op(ctx, "update-role", live.AccountID+"/"+live.Name, "")
}
func (f *recorder) Delete(ctx context.Context, live state.Role) error {
	if !live.Managed {
		return errors.New("refusing to delete an unmanaged role")
	}
	return f.op(ctx, "delete-role", live.AccountID+"/"+live.Name, "")
}
func (f *recorder) CreateSAMLProvider(ctx context.Context, p state.SAMLProvider) (string, error) {
	return state.SAMLProviderARN(p.AccountID, p.Name), f.op(ctx, "create-saml", p.AccountID+"/"+p.Name, "")
}
func (f *recorder) UpdateSAMLProvider(ctx context.Context, desired, live state.SAMLProvider) error {
	return f.op(ctx, "update-saml", live.AccountID+"/"+live.Name, "")
}
func (f *recorder) DeleteSAMLProvider(ctx context.Context, live state.SAMLProvider) error {
	return f.op(ctx, "delete-saml", live.AccountID+"/"+live.Name, "")
}

const (
	hubAcct    = "111111111111"
	prodAcct   = "333333333333"
	clientAcct = "444444444444"
)

func trustRoot(acct string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`
}

// trustExact trusts a role by its exact ARN (tighten: true).
func trustExact(acct, name string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:role/` + name + `"},"Action":"sts:AssumeRole"}]}`
}

func stateRole(acct, name, doc string, managed bool) state.Role {
	return state.Role{AccountID: acct, Name: name, Path: "/", TrustPolicy: doc, InlinePolicies: map[string]string{},
		MaxSessionDuration: 3600, Tags: map[string]string{state.ManagedTagKey: state.ManagedTagValue}, Managed: managed}
}

// crossPlan creates a SAML provider and the role trusting it, a chain of
// tightened roles (Access trusts Identity trusts Root by exact ARN), a hop
// permission set and its assignment; and removes an old hop (assignment,
// set, role in the client account) and an old SAML provider.
func crossPlan(t testing.TB) (*plan.Plan, *state.State) {
	t.Helper()
	desired, live := state.New(), state.New()
	desired.SAMLProviders["p"] = state.SAMLProvider{AccountID: clientAcct, Name: "IC", MetadataDocument: "<x/>"}
	desired.Roles["saml"] = stateRole(clientAcct, "IdentityCenterAccess",
		trust.SAMLTrustPolicy(state.SAMLProviderARN(clientAcct, "IC")), false)
	desired.Roles["access"] = stateRole(prodAcct, "Access", trustExact(hubAcct, "Identity"), false)
	desired.Roles["identity"] = stateRole(hubAcct, "Identity", trustExact(hubAcct, "Root"), false)
	desired.Roles["root"] = stateRole(hubAcct, "Root", trustRoot(hubAcct), false)
	desired.Groups["Engineers"] = state.Group{DisplayName: "Engineers", ID: "gid-Engineers"}
	live.Groups["Engineers"] = desired.Groups["Engineers"]
	desired.PermissionSets["client-Admin"] = state.PermissionSet{Name: "client-Admin", SessionDuration: "PT1H"}
	desired.Assignments = []state.Assignment{assign(hubAcct, "client-Admin", "Engineers")}

	live.PermissionSets["old-Admin"] = state.PermissionSet{Name: "old-Admin", SessionDuration: "PT1H", ARN: "arn-old-Admin", Managed: true}
	live.Assignments = []state.Assignment{assign(hubAcct, "old-Admin", "Engineers")}
	live.Roles["old"] = stateRole("555555555555", "gatehouse-Admin", trustRoot(hubAcct), true)
	live.SAMLProviders["old"] = state.SAMLProvider{AccountID: "555555555555", Name: "IC", Managed: true,
		Tags: map[string]string{state.ManagedTagKey: state.ManagedTagValue}}
	p, err := plan.Compute(desired, live, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, live
}

func TestRunRolesInOrder(t *testing.T) {
	p, live := crossPlan(t)
	f := newRecorder()
	res := Run(context.Background(), p, live, f, Options{Roles: f})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, l := range f.log {
		at[l] = i
	}
	before := func(a, b string) {
		t.Helper()
		ia, oka := at[a]
		ib, okb := at[b]
		if !oka || !okb || ia >= ib {
			t.Errorf("%q (at %d, done %v) must run before %q (at %d, done %v)\nlog: %v", a, ia, oka, b, ib, okb, f.log)
		}
	}
	before("create-saml "+clientAcct+"/IC", "create-role "+clientAcct+"/IdentityCenterAccess")
	before("create-role "+hubAcct+"/Root", "create-role "+hubAcct+"/Identity")
	before("create-role "+hubAcct+"/Identity", "create-role "+prodAcct+"/Access")
	before("create-role "+prodAcct+"/Access", "create-ps client-Admin")
	before("create-ps client-Admin", "create-assignment "+hubAcct+"/client-Admin/Engineers")
	before("delete-assignment "+hubAcct+"/old-Admin/Engineers", "delete-ps arn-old-Admin")
	before("delete-ps arn-old-Admin", "delete-role 555555555555/gatehouse-Admin")
	before("delete-role 555555555555/gatehouse-Admin", "delete-saml 555555555555/IC")
}

func TestRunRolesSkipsWhatAFailureBlocks(t *testing.T) {
	p, live := crossPlan(t)
	f := newRecorder()
	f.fail["create-role "+hubAcct+"/Identity"] = true
	f.fail["create-saml "+clientAcct+"/IC"] = true
	res := Run(context.Background(), p, live, f, Options{Roles: f})
	got := map[plan.Address]Status{}
	for _, o := range res.Outcomes {
		got[o.Address] = o.Status
	}
	want := map[plan.Address]Status{
		plan.SAMLProviderAddress(clientAcct, "IC"):             Failed,
		plan.RoleAddress(clientAcct, "IdentityCenterAccess"):   Skipped,
		plan.RoleAddress(hubAcct, "Root"):                      Done,
		plan.RoleAddress(hubAcct, "Identity"):                  Failed,
		plan.RoleAddress(prodAcct, "Access"):                   Skipped,
		plan.RoleAddress("555555555555", "gatehouse-Admin"):    Done,
		plan.SAMLProviderAddress("555555555555", "IC"):         Done,
		plan.PermissionSetAddress("client-Admin"):              Done,
		plan.PermissionSetAddress("old-Admin"):                 Done,
		"assignment/111111111111/client-Admin/group:Engineers": Done,
		"assignment/111111111111/old-Admin/group:Engineers":    Done,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "2 of 11 changes failed, 2 skipped") {
		t.Errorf("Err() = %v, want the failures counted", err)
	}
}

func TestRunRolesWithoutTarget(t *testing.T) {
	p, live := crossPlan(t)
	res := Run(context.Background(), p, live, newRecorder(), Options{})
	for _, o := range res.Outcomes {
		isIAM := strings.HasPrefix(string(o.Address), "role/") || strings.HasPrefix(string(o.Address), "saml_provider/")
		if isIAM && (o.Status == Done || (o.Status == Failed && !errors.Is(o.Err, errNoRoleTarget))) {
			t.Errorf("%s: %s %v, want it failed (or skipped) for want of an IAM target", o.Address, o.Status, o.Err)
		}
	}
}

func TestRunReplacesARoleByDeleteThenCreate(t *testing.T) {
	desired, live := state.New(), state.New()
	r := stateRole(prodAcct, "A", trustRoot(hubAcct), false)
	r.Path = "/new/"
	desired.Roles["a"] = r
	live.Roles["a"] = stateRole(prodAcct, "A", trustRoot(hubAcct), true)
	p, err := plan.Compute(desired, live, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := newRecorder()
	if err := Run(context.Background(), p, live, f, Options{Roles: f}).Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"delete-role " + prodAcct + "/A", "create-role " + prodAcct + "/A"}; !slices.Equal(f.log, want) {
		t.Errorf("log = %v, want %v", f.log, want)
	}
}

func TestRoleWaves(t *testing.T) {
	change := func(acct, name, doc string) plan.Change {
		return plan.Change{Address: plan.RoleAddress(acct, name), Kind: plan.KindRole, Action: plan.Create,
			Role: &plan.Diff[state.Role]{After: &state.Role{AccountID: acct, Name: name, TrustPolicy: doc}}}
	}
	cs := []plan.Change{
		change(prodAcct, "C", trustExact(prodAcct, "B")),
		change(prodAcct, "B", trustExact(hubAcct, "A")),
		change(hubAcct, "A", trustRoot(hubAcct)),
		change(hubAcct, "Z", trustRoot(hubAcct)),
		change(prodAcct, "D", trustExact(hubAcct, "A")),
	}
	var got [][]string
	for _, w := range roleWaves(cs) {
		var names []string
		for _, c := range w {
			names = append(names, c.Role.After.Name)
		}
		got = append(got, names)
	}
	want := [][]string{{"A", "Z"}, {"B", "D"}, {"C"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roleWaves() mismatch (-want +got):\n%s", diff)
	}
}
