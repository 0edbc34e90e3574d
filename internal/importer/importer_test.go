package importer

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func org() *state.Organization {
	return &state.Organization{ID: "o-abc", ManagementAccountID: "111111111111", Accounts: []state.OrgAccount{
		{ID: "111111111111", Name: "management", Status: "ACTIVE"},
		{ID: "222222222222", Name: "Staging Env", Status: "ACTIVE"},
		{ID: "333333333333", Name: "production", Status: "ACTIVE"},
		{ID: "444444444444", Name: "production", Status: "ACTIVE"},
		{ID: "555555555555", Name: "old", Status: "SUSPENDED"},
	}}
}

func liveState() *state.State {
	s := state.New()
	s.Users["alice"] = state.User{UserName: "alice", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com", ID: "u1"}
	s.Users["bob@example.com"] = state.User{UserName: "bob@example.com", DisplayName: "Bobby", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com", ID: "u2"}
	s.Users["yes"] = state.User{UserName: "yes", DisplayName: "Y Es", GivenName: "Y", FamilyName: "Es", Email: "y@example.com", ID: "u3"}
	s.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Description: "All engineers: everyone", Members: []string{"alice", "bob@example.com"}, ID: "g1"}
	s.Groups["Ops Team"] = state.Group{DisplayName: "Ops Team", ID: "g2"}
	s.PermissionSets["ReadOnly"] = state.PermissionSet{Name: "ReadOnly", SessionDuration: "PT8H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, ARN: "arn:1"}
	s.PermissionSets["Billing"] = state.PermissionSet{Name: "Billing", SessionDuration: "PT1H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/job-function/Billing"}, ARN: "arn:2"}
	s.PermissionSets["Admin"] = state.PermissionSet{
		Name: "Admin", Description: "Full access", SessionDuration: "PT1H30M", RelayState: "https://console.aws.amazon.com/",
		ManagedPolicies:         []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
		CustomerManagedPolicies: []state.PolicyRef{{Name: "Base", Path: "/"}, {Name: "Extra", Path: "/team/"}},
		PermissionsBoundary:     &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "Fence", Path: "/b/"}},
		InlinePolicy:            `{"Statement":[{"Action":["sts:AssumeRole"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`,
		Tags:                    map[string]string{"team": "platform", "cost-center": "42"},
		ARN:                     "arn:3",
	}
	g := func(acct, ps, name string) state.Assignment {
		return state.Assignment{AccountID: acct, PermissionSet: ps, PrincipalType: state.PrincipalGroup, PrincipalName: name}
	}
	u := func(acct, ps, name string) state.Assignment {
		return state.Assignment{AccountID: acct, PermissionSet: ps, PrincipalType: state.PrincipalUser, PrincipalName: name}
	}
	s.Assignments = []state.Assignment{
		// Engineers and Ops Team: ReadOnly and Billing everywhere but management: one entry.
		g("222222222222", "ReadOnly", "Engineers"), g("333333333333", "ReadOnly", "Engineers"), g("444444444444", "ReadOnly", "Engineers"),
		g("222222222222", "Billing", "Engineers"), g("333333333333", "Billing", "Engineers"), g("444444444444", "Billing", "Engineers"),
		g("222222222222", "ReadOnly", "Ops Team"), g("333333333333", "ReadOnly", "Ops Team"), g("444444444444", "ReadOnly", "Ops Team"),
		g("222222222222", "Billing", "Ops Team"), g("333333333333", "Billing", "Ops Team"), g("444444444444", "Billing", "Ops Team"),
		u("111111111111", "Admin", "alice"), u("111111111111", "Admin", "yes"),
		u("555555555555", "Admin", "alice"), // suspended account: left out
		u("999999999999", "Admin", "alice"), // not in the organization: left out
	}
	state.SortAssignments(s.Assignments)
	return s
}

// TestImportPlansClean writes a model from a live state, loads it as a
// user's file would be, expands it and plans it against the same live state:
// the plan must be empty.
func TestImportPlansClean(t *testing.T) {
	t.Parallel()
	live := liveState()
	res := Model(live, org(), Options{Region: "us-east-1", InstanceARN: "arn:aws:sso:::instance/ssoins-1"})
	goldenFile(t, "import.golden", res.YAML)
	wantWarnings := []string{
		"account old (555555555555) is SUSPENDED; its assignments are left out (gatehouse gives no access to inactive accounts)",
		"account 999999999999 has assignments but is not in the organization; they are left out (plan will show them as unmanaged or drift)",
		"IAM roles are not imported: declare the roles the model should own under roles: with adopt: true (see docs/migrate-from-terraform.md)",
	}
	if diff := cmp.Diff(wantWarnings, res.Warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}

	m, probs := model.Parse("gatehouse.yaml", res.YAML)
	probs = append(probs, model.Validate(m)...)
	if len(probs) > 0 {
		t.Fatalf("the imported model is not valid:\n%v\n%s", probs, res.YAML)
	}
	desired, err := expand.Desired(m, org())
	if err != nil {
		t.Fatalf("expanding the imported model: %v", err)
	}
	// The two assignments outside active organization accounts are the
	// only difference, and they are the ones the warnings name.
	for _, acct := range []string{"555555555555", "999999999999"} {
		live.Assignments = slices_delete(live.Assignments, acct)
	}
	p, err := plan.Compute(desired, live, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || len(p.Unmanaged) != 0 {
		t.Errorf("plan of the imported model is not clean: %+v\nunmanaged %+v", p.Changes, p.Unmanaged)
	}
}

func TestImportExternal(t *testing.T) {
	t.Parallel()
	live := liveState()
	live.Users["unassigned"] = state.User{UserName: "unassigned", ID: "u9"}
	res := Model(live, org(), Options{External: true})
	text := string(res.YAML)
	for _, want := range []string{"identity_source: external", "  alice: {}", "  Ops Team: {}"} {
		if !strings.Contains(text, want) {
			t.Errorf("model lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"members:", "unassigned", "email:"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("model with an external identity source has %q:\n%s", unwanted, text)
		}
	}
	m, probs := model.Parse("gatehouse.yaml", res.YAML)
	if probs = append(probs, model.Validate(m)...); len(probs) > 0 {
		t.Fatalf("the imported model is not valid:\n%v", probs)
	}
}

func TestScalar(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"alice", "yes", "No", "true", "123", "0123", "a: b", "x #y", "Ops Team", "-lead", "@x", "ünï", `q"uote`, "trailing ", "", "~", "a,b", "[x]", "{y}", "*", "!tag", "%p", "arn:aws:iam::aws:policy/ReadOnlyAccess"} {
		t.Run(s, func(t *testing.T) {
			src := "k: [" + scalar(s) + "]\nm: " + scalar(s) + "\n"
			m, probs := model.Parse("x.yaml", []byte("version: 1\ngroups:\n  G: { description: "+scalar(s)+" }\n"))
			if len(probs) > 0 {
				t.Fatalf("scalar(%q) = %s does not parse: %v", s, scalar(s), probs)
			}
			if got := m.Groups[0].Description; got != s {
				t.Errorf("scalar(%q) = %s reads back as %q (%s)", s, scalar(s), got, src)
			}
		})
	}
}

func slices_delete(as []state.Assignment, acct string) []state.Assignment {
	var out []state.Assignment
	for _, a := range as {
		if a.AccountID != acct {
			out = append(out, a)
		}
	}
	return out
}

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}
