package render

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// planFixture is a plan with one change of every action and kind that
// Identity Center has, and unmanaged objects.
func planFixture(t *testing.T) *plan.Plan {
	t.Helper()
	live, desired := state.New(), state.New()
	live.Users["bob"] = state.User{UserName: "bob", DisplayName: "Bob", GivenName: "Bob", FamilyName: "Roe", Email: "old@example.com", ID: "u-bob"}
	live.Users["mallory"] = state.User{UserName: "mallory", DisplayName: "M", GivenName: "M", FamilyName: "X", ID: "u-m"}
	desired.Users["alice"] = state.User{UserName: "alice", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"}
	desired.Users["bob"] = state.User{UserName: "bob", DisplayName: "Bob", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com"}
	live.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Members: []string{"bob", "mallory"}, ID: "g-eng"}
	desired.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Members: []string{"alice", "bob"}}
	live.PermissionSets["ReadOnly"] = state.PermissionSet{Name: "ReadOnly", SessionDuration: "PT1H", ARN: "arn:ps-ro",
		ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		InlinePolicy:    `{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`}
	desired.PermissionSets["ReadOnly"] = state.PermissionSet{Name: "ReadOnly", SessionDuration: "PT8H",
		ManagedPolicies: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		InlinePolicy:    `{"Statement":[{"Action":["s3:GetObject","s3:ListBucket"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`}
	desired.PermissionSets["Admin"] = state.PermissionSet{Name: "Admin", SessionDuration: "PT1H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}}
	live.PermissionSets["Manual"] = state.PermissionSet{Name: "Manual", SessionDuration: "PT1H", ARN: "arn:ps-m"}
	live.Assignments = []state.Assignment{
		{AccountID: "333333333333", PermissionSet: "Manual", PrincipalType: "USER", PrincipalName: "mallory"},
		{AccountID: "333333333333", PermissionSet: "ReadOnly", PrincipalType: "GROUP", PrincipalName: "Engineers"},
		{AccountID: "333333333333", PermissionSet: "ReadOnly", PrincipalType: "USER", PrincipalName: "mallory"},
	}
	desired.Assignments = []state.Assignment{
		{AccountID: "333333333333", PermissionSet: "Admin", PrincipalType: "USER", PrincipalName: "alice"},
		{AccountID: "333333333333", PermissionSet: "ReadOnly", PrincipalType: "GROUP", PrincipalName: "Engineers"},
	}
	p, err := plan.Compute(desired, live, plan.Options{Target: plan.Target{InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlanHuman(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		plan func(t *testing.T) *plan.Plan
		opts PlanOptions
	}{
		{"plan-changes.golden", planFixture, PlanOptions{}},
		{"plan-changes-color.golden", planFixture, PlanOptions{Color: true}},
		{"plan-empty.golden", func(t *testing.T) *plan.Plan {
			p, err := plan.Compute(state.New(), state.New(), plan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, PlanOptions{}},
		{"plan-unmanaged-many.golden", func(t *testing.T) *plan.Plan {
			live := state.New()
			for i := range 7 {
				n := fmt.Sprintf("user%d", i)
				live.Users[n] = state.User{UserName: n}
			}
			p, err := plan.Compute(state.New(), live, plan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, PlanOptions{MaxUnmanaged: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Plan(&buf, tt.plan(t), tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())
		})
	}
}

func TestPlanJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := planFixture(t)
	p.Fingerprint = "sha256:fixture"
	if err := PlanJSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json.golden", buf.Bytes())
	back, err := plan.Unmarshal(buf.Bytes())
	if err != nil {
		t.Fatalf("the JSON output does not read back as a plan: %v", err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestLineDiff(t *testing.T) {
	t.Parallel()
	got := lineDiff([]string{"a", "b", "c"}, []string{"a", "x", "c", "d"})
	want := []string{"  a", "- b", "+ x", "  c", "+ d"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lineDiff mismatch (-want +got):\n%s", diff)
	}
}
