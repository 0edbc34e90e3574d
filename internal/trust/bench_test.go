package trust

import (
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// BenchmarkExpand expands a large setup: two roles in each of 3,000 member
// accounts (seed 000's pair, the second trusting a hub permission set too)
// and 50 client accounts each reached with 3 permission sets.
func BenchmarkExpand(b *testing.B) {
	const members, clients = 3000, 50
	m := &model.Model{IdentityCenter: model.IdentityCenter{HubAccount: "hub"}}
	m.Accounts = append(m.Accounts, model.Account{Name: "hub", ID: "100000000000"})
	var all []string
	for i := range members {
		id := fmt.Sprintf("2%011d", i)
		all = append(all, id)
	}
	var clientNames []string
	for i := range clients {
		name := fmt.Sprintf("client-%02d", i)
		clientNames = append(clientNames, name)
		m.Accounts = append(m.Accounts, model.Account{Name: name, ID: fmt.Sprintf("3%011d", i), External: true, AdminRole: "arn:aws:iam::300000000000:role/Admin"})
	}
	for _, ps := range []string{"Admin", "ReadOnly", "Deploy"} {
		m.PermissionSets = append(m.PermissionSets, model.PermissionSet{Name: ps, ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}})
	}
	m.Assignments = []model.Assignment{{Groups: []string{"Engineers", "Ops"}, PermissionSets: []string{"Admin", "ReadOnly", "Deploy"}, Accounts: model.AccountSelector{Names: clientNames}}}
	m.Roles = []model.Role{
		{Name: "Identity", Accounts: model.AccountSelector{Names: []string{"hub"}}, Trust: []model.TrustEntry{{Account: "hub"}},
			CanAssume: []model.RoleRef{{Role: "Access", Account: "hub"}}},
		{Name: "Access", Accounts: model.AccountSelector{All: true}, ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			Trust: []model.TrustEntry{{Role: "Identity@hub", Tighten: true}, {PermissionSet: "Admin"}}},
	}
	org := &state.Organization{ID: "o-bench", ManagementAccountID: "100000000000",
		Accounts: []state.OrgAccount{{ID: "100000000000", Name: "hub", Status: "ACTIVE"}}}
	for _, id := range all {
		org.Accounts = append(org.Accounts, state.OrgAccount{ID: id, Name: id, Status: "ACTIVE"})
	}
	in := Input{Model: m, Selector: state.NewSelector(m, org)}
	var res *Result
	for b.Loop() {
		var err error
		if res, err = Expand(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Roles)), "roles")
	b.ReportMetric(float64(len(res.HopSets)), "hop-sets")
}
