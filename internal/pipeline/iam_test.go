package pipeline

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

func TestIAMScope(t *testing.T) {
	m, probs := model.Parse("gatehouse.yaml", []byte(`version: 1
identity_center: { provisioning_role: GatehouseProvisioner }
accounts:
  management: { id: "111111111111" }
  production: { id: "333333333333" }
  client: { id: "444444444444", external: true, admin_role: "arn:aws:iam::444444444444:role/P" }
  other: { id: "555555555555", external: true, admin_profile: other-admin }
`))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	org := &state.Organization{Accounts: []state.OrgAccount{
		{ID: "111111111111", Name: "Management", Status: "ACTIVE"},
		{ID: "222222222222", Name: "Unnamed", Status: "ACTIVE"},
		{ID: "333333333333", Name: "Production", Status: "ACTIVE"},
		{ID: "666666666666", Name: "Closed", Status: "SUSPENDED"},
	}}
	desired := state.New()
	for _, r := range []state.Role{{AccountID: "333333333333", Name: "B"}, {AccountID: "333333333333", Name: "A"}, {AccountID: "444444444444", Name: "gatehouse-Admin"}} {
		desired.Roles[state.RoleKey(r.AccountID, r.Name)] = r
	}
	want := &plan.IAMScope{
		ProvisioningRole: "GatehouseProvisioner",
		Accounts: []plan.IAMAccount{
			{ID: "111111111111", Name: "management"},
			{ID: "222222222222", Name: "Unnamed"},
			{ID: "333333333333", Name: "production", Roles: []string{"A", "B"}},
			{ID: "444444444444", Name: "client", External: true, AdminRole: "arn:aws:iam::444444444444:role/P", Roles: []string{"gatehouse-Admin"}},
			{ID: "555555555555", Name: "other", External: true, AdminProfile: "other-admin"},
		},
	}
	if diff := cmp.Diff(want, IAMScope(m, org, desired)); diff != "" {
		t.Errorf("IAMScope() mismatch (-want +got):\n%s", diff)
	}
}
