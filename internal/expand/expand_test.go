package expand

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

func at(line int) model.Pos { return model.Pos{File: "m.yaml", Line: line, Col: 3} }

// testOrg is an organization with nested OUs, an OU whose name starts like
// another's (Workloads/Production), an account the model does not name and
// a suspended one.
func testOrg() *state.Organization {
	return &state.Organization{
		ID:                  "o-test",
		ManagementAccountID: "111111111111",
		OUs:                 []string{"Workloads", "Workloads/Dev", "Workloads/Prod", "Workloads/Prod/EU", "Workloads/Production"},
		Accounts: []state.OrgAccount{
			{ID: "111111111111", Name: "Management", Status: "ACTIVE", Tags: map[string]string{"env": "mgmt"}},
			{ID: "222222222222", Name: "Dev", Status: "ACTIVE", OUPath: "Workloads/Dev", Tags: map[string]string{"env": "dev"}},
			{ID: "333333333333", Name: "Production", Status: "ACTIVE", OUPath: "Workloads/Prod", Tags: map[string]string{"env": "prod", "team": "core"}},
			{ID: "444444444444", Name: "EU", Status: "ACTIVE", OUPath: "Workloads/Prod/EU", Tags: map[string]string{"env": "prod"}},
			{ID: "555555555555", Name: "Unnamed", Status: "ACTIVE", OUPath: "Workloads/Prod", Tags: map[string]string{"env": "prod"}},
			{ID: "666666666666", Name: "Old", Status: "SUSPENDED", OUPath: "Workloads/Prod", Tags: map[string]string{"env": "prod"}},
			{ID: "777777777777", Name: "Prodlike", Status: "ACTIVE", OUPath: "Workloads/Production", Tags: map[string]string{"env": "prod-like"}},
		},
	}
}

func testAccounts() []model.Account {
	return []model.Account{
		{Name: "management", ID: "111111111111", Pos: at(3)},
		{Name: "dev", ID: "222222222222", OU: "Workloads/Dev", Pos: at(4)},
		{Name: "production", ID: "333333333333", OU: "Workloads/Prod", Tags: map[string]string{"env": "prod"}, Pos: at(5)},
		{Name: "eu-prod", ID: "444444444444", Pos: at(6)},
		{Name: "old", ID: "666666666666", Pos: at(7)},
		{Name: "client", ID: "999999999999", External: true, Tags: map[string]string{"env": "prod"}, Pos: at(8)},
		{Name: "client-dev", ID: "888888888888", External: true, Tags: map[string]string{"env": "dev"}, Pos: at(9)},
	}
}

// selected is what a test expects a selector to choose.
type selected struct {
	ID       string
	Name     string
	External bool
}

func TestExpandSelectors(t *testing.T) {
	t.Parallel()
	member := func(id, name string) selected { return selected{ID: id, Name: name} }
	external := func(id, name string) selected { return selected{ID: id, Name: name, External: true} }
	var (
		mgmt      = member("111111111111", "management")
		dev       = member("222222222222", "dev")
		prod      = member("333333333333", "production")
		eu        = member("444444444444", "eu-prod")
		unnamed   = member("555555555555", "Unnamed") // not in the model: Organizations' name
		prodlike  = member("777777777777", "Prodlike")
		client    = external("999999999999", "client")
		clientDev = external("888888888888", "client-dev")
	)
	for _, tc := range []struct {
		name string
		sel  model.AccountSelector
		want []selected // in row order: by account name
	}{
		{"names, member and external", model.AccountSelector{Names: []string{"production", "client"}}, []selected{client, prod}},
		{"names, suspended account gets nothing", model.AccountSelector{Names: []string{"old"}}, nil},
		{"all: every active member, management included, no external", model.AccountSelector{All: true}, []selected{prodlike, unnamed, dev, eu, mgmt, prod}},
		{"all with exclude", model.AccountSelector{All: true, Exclude: []string{"management", "dev"}}, []selected{prodlike, unnamed, eu, prod}},
		{"ou matches nested OUs, not a name prefix", model.AccountSelector{OUs: []string{"Workloads/Prod"}}, []selected{unnamed, eu, prod}},
		{"several ous: any of them", model.AccountSelector{OUs: []string{"Workloads/Prod/EU", "Workloads/Dev"}}, []selected{dev, eu}},
		{"ou at the top", model.AccountSelector{OUs: []string{"Workloads"}}, []selected{prodlike, unnamed, dev, eu, prod}},
		{"tags: members by Organizations tags, externals by model tags", model.AccountSelector{Tags: map[string]string{"env": "prod"}}, []selected{unnamed, client, eu, prod}},
		{"tags: every tag must match", model.AccountSelector{Tags: map[string]string{"env": "prod", "team": "core"}}, []selected{prod}},
		{"ou and tags: AND, never external", model.AccountSelector{OUs: []string{"Workloads"}, Tags: map[string]string{"env": "prod"}}, []selected{unnamed, eu, prod}},
		{"all and tags: members only", model.AccountSelector{All: true, Tags: map[string]string{"env": "dev"}}, []selected{dev}},
		{"tags and exclude", model.AccountSelector{Tags: map[string]string{"env": "dev"}, Exclude: []string{"client-dev"}}, []selected{dev}},
		{"tags match an external only", model.AccountSelector{Tags: map[string]string{"env": "dev"}}, []selected{clientDev, dev}},
		{"names add to ou", model.AccountSelector{Names: []string{"dev"}, OUs: []string{"Workloads/Prod/EU"}}, []selected{dev, eu}},
		{"exclude wins over names", model.AccountSelector{Names: []string{"dev", "production"}, Exclude: []string{"dev"}}, []selected{prod}},
		{"nothing matches", model.AccountSelector{Tags: map[string]string{"env": "qa"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &model.Model{
				Accounts:    testAccounts(),
				Assignments: []model.Assignment{{Groups: []string{"Engineers"}, PermissionSets: []string{"ReadOnly"}, Accounts: tc.sel, Pos: at(20)}},
			}
			rows, err := Rows(m, testOrg())
			if err != nil {
				t.Fatalf("Rows() error: %v", err)
			}
			var got []selected
			for _, r := range rows {
				got = append(got, selected{ID: r.AccountID, Name: r.AccountName, External: r.External})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Rows() accounts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandRows(t *testing.T) {
	t.Parallel()
	m := &model.Model{
		Accounts: testAccounts(),
		Assignments: []model.Assignment{
			{Groups: []string{"Engineers", "Admins"}, Users: []string{"alice"}, PermissionSets: []string{"ReadOnly", "Admin"}, Accounts: model.AccountSelector{Names: []string{"production", "client"}}, Pos: at(20)},
			// Overlaps the first: the rows it repeats keep the first position.
			{Groups: []string{"Engineers"}, PermissionSets: []string{"ReadOnly"}, Accounts: model.AccountSelector{OUs: []string{"Workloads/Prod/EU", "Workloads/Prod"}}, Pos: at(24)},
		},
	}
	row := func(typ, principal, id, account, set string, ext bool, line int) Row {
		return Row{PrincipalType: typ, PrincipalName: principal, AccountID: id, AccountName: account, PermissionSet: set, External: ext, Assignment: at(line)}
	}
	want := []Row{
		row(state.PrincipalGroup, "Admins", "999999999999", "client", "Admin", true, 20),
		row(state.PrincipalGroup, "Admins", "999999999999", "client", "ReadOnly", true, 20),
		row(state.PrincipalGroup, "Admins", "333333333333", "production", "Admin", false, 20),
		row(state.PrincipalGroup, "Admins", "333333333333", "production", "ReadOnly", false, 20),
		row(state.PrincipalGroup, "Engineers", "555555555555", "Unnamed", "ReadOnly", false, 24),
		row(state.PrincipalGroup, "Engineers", "999999999999", "client", "Admin", true, 20),
		row(state.PrincipalGroup, "Engineers", "999999999999", "client", "ReadOnly", true, 20),
		row(state.PrincipalGroup, "Engineers", "444444444444", "eu-prod", "ReadOnly", false, 24),
		row(state.PrincipalGroup, "Engineers", "333333333333", "production", "Admin", false, 20),
		row(state.PrincipalGroup, "Engineers", "333333333333", "production", "ReadOnly", false, 20),
		row(state.PrincipalUser, "alice", "999999999999", "client", "Admin", true, 20),
		row(state.PrincipalUser, "alice", "999999999999", "client", "ReadOnly", true, 20),
		row(state.PrincipalUser, "alice", "333333333333", "production", "Admin", false, 20),
		row(state.PrincipalUser, "alice", "333333333333", "production", "ReadOnly", false, 20),
	}
	got, err := Rows(m, testOrg())
	if err != nil {
		t.Fatalf("Rows() error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rows() mismatch (-want +got):\n%s", diff)
	}
	wantSum := RowSummary{Rows: 14, Principals: 3, Accounts: 4, PermissionSets: 2}
	if diff := cmp.Diff(wantSum, SummarizeRows(got)); diff != "" {
		t.Errorf("SummarizeRows() mismatch (-want +got):\n%s", diff)
	}
}

func TestExpandProblems(t *testing.T) {
	t.Parallel()
	assign := func(sel model.AccountSelector) []model.Assignment {
		return []model.Assignment{{Groups: []string{"Engineers"}, PermissionSets: []string{"ReadOnly"}, Accounts: sel, Pos: at(30)}}
	}
	for _, tc := range []struct {
		name        string
		accounts    []model.Account
		assignments []model.Assignment
		positions   map[string]model.Pos // as model.Load records them
		want        model.Problems
		wantRows    int // rows still expanded for what is fine
	}{
		{
			name:     "member account not in the organization",
			accounts: []model.Account{{Name: "ghost", ID: "121212121212", Pos: at(3)}},
			want: model.Problems{{Pos: at(3), Message: "account ghost (121212121212) is not in organization o-test",
				Hint: "correct its id, or mark it `external: true` if it belongs to another organization"}},
		},
		{
			name:     "ou mismatch",
			accounts: []model.Account{{Name: "production", ID: "333333333333", OU: "Workloads/Dev", Pos: at(5)}},
			want: model.Problems{{Pos: at(5), Message: "account production (333333333333) is in OU Workloads/Prod in Organizations, but the model expects ou Workloads/Dev",
				Hint: "move the account in Organizations, or correct ou in the model"}},
		},
		{
			name:     "ou expected, account at the root",
			accounts: []model.Account{{Name: "management", ID: "111111111111", OU: "Workloads", Pos: at(3)}},
			want: model.Problems{{Pos: at(3), Message: "account management (111111111111) is in the root in Organizations, but the model expects ou Workloads",
				Hint: "move the account in Organizations, or correct ou in the model"}},
		},
		{
			name:     "tags differ and are missing",
			accounts: []model.Account{{Name: "production", ID: "333333333333", Tags: map[string]string{"env": "staging", "team": "core", "cost": "42"}, Pos: at(5)}},
			want: model.Problems{{Pos: at(5), Message: "account production (333333333333) tags do not match Organizations: cost=42 expected, Organizations has no tag cost; env=staging expected, Organizations has env=prod",
				Hint: "tag the account in Organizations, or correct tags in the model"}},
		},
		{
			name:     "external account that belongs to the organization",
			accounts: []model.Account{{Name: "dev", ID: "222222222222", External: true, Pos: at(4)}},
			want: model.Problems{{Pos: at(4), Message: "account dev (222222222222) is marked external but belongs to organization o-test",
				Hint: "remove `external: true`: member accounts get Identity Center assignments directly"}},
		},
		{
			name:        "unknown OU in a selector",
			accounts:    testAccounts(),
			assignments: assign(model.AccountSelector{OUs: []string{"Workloads/Prd", "Workloads/Dev"}, Pos: at(31)}),
			want: model.Problems{{Pos: at(31), Message: "OU Workloads/Prd does not exist in organization o-test",
				Hint: "write the path from the root, one of: Workloads, Workloads/Dev, Workloads/Prod, Workloads/Prod/EU, Workloads/Production"}},
			wantRows: 1,
		},
		{
			name:        "unknown account names",
			accounts:    testAccounts(),
			assignments: assign(model.AccountSelector{Names: []string{"prod", "dev"}, Exclude: []string{"staging"}, Pos: at(31)}),
			want: model.Problems{
				{Pos: at(31), Message: `account selector names unknown account "prod"`, Hint: "declare it under accounts: with its id"},
				{Pos: at(31), Message: `account selector names unknown account "staging"`, Hint: "declare it under accounts: with its id"},
			},
			wantRows: 1,
		},
		{
			name: "positions of id, external, ou and tags when the file recorded them",
			accounts: []model.Account{
				{Name: "production", ID: "333333333333", OU: "Workloads/Dev", Tags: map[string]string{"env": "dev"}, Pos: at(5)},
				{Name: "ghost", ID: "121212121212", Pos: at(8)},
				{Name: "dev", ID: "222222222222", External: true, Pos: at(10)},
			},
			positions: map[string]model.Pos{
				"accounts.production.ou":   {File: "m.yaml", Line: 6, Col: 9},
				"accounts.production.tags": {File: "m.yaml", Line: 7, Col: 11},
				"accounts.ghost.id":        {File: "m.yaml", Line: 9, Col: 9},
				"accounts.dev.external":    {File: "m.yaml", Line: 11, Col: 15},
			},
			want: model.Problems{
				{Pos: model.Pos{File: "m.yaml", Line: 6, Col: 9}, Message: "account production (333333333333) is in OU Workloads/Prod in Organizations, but the model expects ou Workloads/Dev", Hint: "move the account in Organizations, or correct ou in the model"},
				{Pos: model.Pos{File: "m.yaml", Line: 7, Col: 11}, Message: "account production (333333333333) tags do not match Organizations: env=dev expected, Organizations has env=prod", Hint: "tag the account in Organizations, or correct tags in the model"},
				{Pos: model.Pos{File: "m.yaml", Line: 9, Col: 9}, Message: "account ghost (121212121212) is not in organization o-test", Hint: "correct its id, or mark it `external: true` if it belongs to another organization"},
				{Pos: model.Pos{File: "m.yaml", Line: 11, Col: 15}, Message: "account dev (222222222222) is marked external but belongs to organization o-test", Hint: "remove `external: true`: member accounts get Identity Center assignments directly"},
			},
		},
		{
			name: "every problem at once, sorted by position",
			accounts: []model.Account{
				{Name: "production", ID: "333333333333", OU: "Workloads/Dev", Tags: map[string]string{"env": "dev"}, Pos: at(5)},
				{Name: "ghost", ID: "121212121212", Pos: at(3)},
			},
			assignments: assign(model.AccountSelector{OUs: []string{"Nope"}, Pos: at(31)}),
			want: model.Problems{
				{Pos: at(3), Message: "account ghost (121212121212) is not in organization o-test", Hint: "correct its id, or mark it `external: true` if it belongs to another organization"},
				{Pos: at(5), Message: "account production (333333333333) is in OU Workloads/Prod in Organizations, but the model expects ou Workloads/Dev", Hint: "move the account in Organizations, or correct ou in the model"},
				{Pos: at(5), Message: "account production (333333333333) tags do not match Organizations: env=dev expected, Organizations has env=prod", Hint: "tag the account in Organizations, or correct tags in the model"},
				{Pos: at(31), Message: "OU Nope does not exist in organization o-test", Hint: "write the path from the root, one of: Workloads, Workloads/Dev, Workloads/Prod, Workloads/Prod/EU, Workloads/Production"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &model.Model{Accounts: tc.accounts, Assignments: tc.assignments, Positions: tc.positions}
			rows, err := Rows(m, testOrg())
			var ee *Error
			if !errors.As(err, &ee) {
				t.Fatalf("Rows() error = %v, want an *Error", err)
			}
			if diff := cmp.Diff(tc.want, ee.Problems); diff != "" {
				t.Errorf("Rows() problems mismatch (-want +got):\n%s", diff)
			}
			if len(rows) != tc.wantRows {
				t.Errorf("Rows() gave %d rows, want %d", len(rows), tc.wantRows)
			}
			// Desired reports the same problems and no state.
			s, err := Desired(m, testOrg())
			if s != nil || !errors.As(err, &ee) {
				t.Fatalf("Desired() = %v, %v; want nil and an *Error", s, err)
			}
			if diff := cmp.Diff(tc.want, ee.Problems); diff != "" {
				t.Errorf("Desired() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDesired(t *testing.T) {
	t.Parallel()
	m := &model.Model{
		Accounts: testAccounts(),
		Users: []model.User{
			{Name: "alice", Email: "alice@example.com", GivenName: "Alice", FamilyName: "Doe"},
			{Name: "bob", Email: "bob@example.com", GivenName: "Bob", FamilyName: "Roe", DisplayName: "Bobby"},
		},
		Groups: []model.Group{
			{Name: "Engineers", Description: "All engineers", Members: []string{"bob", "alice"}},
			{Name: "Empty"},
		},
		PermissionSets: []model.PermissionSet{
			{Name: "ReadOnly", SessionDuration: 8 * time.Hour, ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AWSSupportAccess"}},
			{
				Name: "Admin", Description: "Full access", RelayState: "https://console.aws.amazon.com/",
				ManagedPolicies:         []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
				CustomerManagedPolicies: []model.PolicyRef{{Name: "Zeta"}, {Name: "Alpha", Path: "/team/"}, {Name: "Beta"}},
				PermissionsBoundary:     &model.Boundary{CustomerManaged: &model.PolicyRef{Name: "Boundary"}},
				InlinePolicy:            `{"Statement":{"Effect":"Allow","Resource":"*","Action":["s3:GetObject","ec2:Describe*"]},"Version":"2012-10-17"}`,
				Tags:                    map[string]string{"owner": "platform"},
				SessionDuration:         90 * time.Minute,
			},
			{Name: "Default", PermissionsBoundary: &model.Boundary{ManagedPolicyARN: "arn:aws:iam::aws:policy/PowerUserAccess"}},
		},
		Assignments: []model.Assignment{
			{Groups: []string{"Engineers"}, PermissionSets: []string{"ReadOnly"}, Accounts: model.AccountSelector{OUs: []string{"Workloads/Prod"}}, Pos: at(40)},
			{Users: []string{"alice"}, PermissionSets: []string{"Admin"}, Accounts: model.AccountSelector{Names: []string{"dev"}}, Pos: at(44)},
			{Groups: []string{"Engineers"}, PermissionSets: []string{"ReadOnly"}, Accounts: model.AccountSelector{Names: []string{"production"}}, Pos: at(48)},
		},
	}
	want := &state.State{
		Users: map[string]state.User{
			"alice": {UserName: "alice", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"},
			"bob":   {UserName: "bob", DisplayName: "Bobby", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com"},
		},
		Groups: map[string]state.Group{
			"Engineers": {DisplayName: "Engineers", Description: "All engineers", Members: []string{"alice", "bob"}},
			"Empty":     {DisplayName: "Empty"},
		},
		PermissionSets: map[string]state.PermissionSet{
			"ReadOnly": {Name: "ReadOnly", SessionDuration: "PT8H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/AWSSupportAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			"Admin": {
				Name: "Admin", Description: "Full access", SessionDuration: "PT1H30M", RelayState: "https://console.aws.amazon.com/",
				ManagedPolicies:         []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
				CustomerManagedPolicies: []state.PolicyRef{{Name: "Beta", Path: "/"}, {Name: "Zeta", Path: "/"}, {Name: "Alpha", Path: "/team/"}},
				PermissionsBoundary:     &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "Boundary", Path: "/"}},
				InlinePolicy:            `{"Statement":[{"Action":["ec2:Describe*","s3:GetObject"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`,
				Tags:                    map[string]string{"owner": "platform"},
			},
			"Default": {Name: "Default", SessionDuration: "PT1H", PermissionsBoundary: &state.Boundary{ManagedPolicyARN: "arn:aws:iam::aws:policy/PowerUserAccess"}},
		},
		// Sorted by account, permission set, principal; production is
		// selected twice but assigned once.
		Assignments: []state.Assignment{
			{AccountID: "222222222222", PermissionSet: "Admin", PrincipalType: state.PrincipalUser, PrincipalName: "alice"},
			{AccountID: "333333333333", PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
			{AccountID: "444444444444", PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
			{AccountID: "555555555555", PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		},
		Roles:         map[string]state.Role{},
		SAMLProviders: map[string]state.SAMLProvider{},
	}
	got, err := Desired(m, testOrg())
	if err != nil {
		t.Fatalf("Desired() error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Desired() mismatch (-want +got):\n%s", diff)
	}
}

// An external account is reached by role chaining from the hub (the roles
// and hop sets are expandRoles's): never by an assignment in the account.
func TestDesiredExternalNotAssignedDirectly(t *testing.T) {
	t.Parallel()
	accounts := testAccounts()
	for i := range accounts {
		if accounts[i].External {
			accounts[i].AdminRole = "arn:aws:iam::" + accounts[i].ID + ":role/Provisioner"
		}
	}
	m := &model.Model{
		File:           "m.yaml",
		IdentityCenter: model.IdentityCenter{HubAccount: "management"},
		Accounts:       accounts,
		Groups:         []model.Group{{Name: "Engineers"}},
		PermissionSets: []model.PermissionSet{{Name: "ReadOnly"}},
		Assignments: []model.Assignment{
			{Groups: []string{"Engineers"}, PermissionSets: []string{"ReadOnly"}, Accounts: model.AccountSelector{Names: []string{"client", "dev"}}, Pos: at(40)},
		},
	}
	got, err := Desired(m, testOrg())
	if err != nil {
		t.Fatalf("Desired() error: %v", err)
	}
	for _, a := range got.Assignments {
		if a.AccountID == "999999999999" {
			t.Errorf("Desired() assigns %v directly in the external account", a)
		}
	}
	want := state.Assignment{AccountID: "222222222222", PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"}
	if !slices.Contains(got.Assignments, want) {
		t.Errorf("Desired() assignments %v lack %v", got.Assignments, want)
	}
}

func TestDesiredBadInlinePolicy(t *testing.T) {
	t.Parallel()
	m := &model.Model{PermissionSets: []model.PermissionSet{{Name: "Broken", InlinePolicy: "{not json", Pos: at(12)}}}
	_, err := Desired(m, testOrg())
	var ee *Error
	if !errors.As(err, &ee) || len(ee.Problems) != 1 || ee.Problems[0].Pos != at(12) {
		t.Fatalf("Desired() error = %v; want one problem at m.yaml:12:3", err)
	}
	if got := ee.Hint(); got != "1 problem between the model and AWS Organizations: change the model or the organization so that they agree, then run again" {
		t.Errorf("Hint() = %q", got)
	}
}

func TestUsesTags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    model.Model
		want bool
	}{
		{"nothing", model.Model{Accounts: []model.Account{{Name: "a", OU: "X"}}, Assignments: []model.Assignment{{Accounts: model.AccountSelector{All: true}}}}, false},
		{"external tags only", model.Model{Accounts: []model.Account{{Name: "c", External: true, Tags: map[string]string{"env": "prod"}}}}, false},
		{"member expectation", model.Model{Accounts: []model.Account{{Name: "a", Tags: map[string]string{"env": "prod"}}}}, true},
		{"assignment selector", model.Model{Assignments: []model.Assignment{{Accounts: model.AccountSelector{Tags: map[string]string{"env": "prod"}}}}}, true},
		{"role selector", model.Model{Roles: []model.Role{{Accounts: model.AccountSelector{Tags: map[string]string{"env": "prod"}}}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := UsesTags(&tc.m); got != tc.want {
				t.Errorf("UsesTags() = %v, want %v", got, tc.want)
			}
		})
	}
}

// BenchmarkExpand expands a large setup: 3,000 accounts in 30 OUs (nested
// two deep), 100 of them named in the model, 20 assignments of 5 groups
// mixing ou, tags, all and names.
func BenchmarkExpand(b *testing.B) {
	org := &state.Organization{ID: "o-bench", ManagementAccountID: "100000000000"}
	m := &model.Model{}
	for i := range 30 {
		org.OUs = append(org.OUs, fmt.Sprintf("Workloads/Unit%02d", i))
	}
	org.OUs = append(org.OUs, "Workloads")
	sort.Strings(org.OUs)
	for i := range 3000 {
		a := state.OrgAccount{
			ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprintf("acct-%04d", i), Status: "ACTIVE",
			OUPath: fmt.Sprintf("Workloads/Unit%02d", i%30),
			Tags:   map[string]string{"env": []string{"prod", "dev", "staging"}[i%3], "team": fmt.Sprintf("t%d", i%7)},
		}
		org.Accounts = append(org.Accounts, a)
		if i%30 == 0 {
			m.Accounts = append(m.Accounts, model.Account{Name: a.Name, ID: a.ID})
		}
	}
	for i := range 20 {
		sel := model.AccountSelector{}
		switch i % 4 {
		case 0:
			sel.OUs = []string{fmt.Sprintf("Workloads/Unit%02d", i), "Workloads/Unit29"}
		case 1:
			sel.Tags = map[string]string{"env": "prod", "team": fmt.Sprintf("t%d", i%7)}
		case 2:
			sel.All, sel.Exclude = true, []string{m.Accounts[i].Name}
		case 3:
			sel.Names = []string{m.Accounts[i].Name, m.Accounts[i+1].Name}
		}
		m.Assignments = append(m.Assignments, model.Assignment{
			Groups: []string{fmt.Sprintf("g%d", i%5)}, PermissionSets: []string{"ReadOnly", "Admin"}, Accounts: sel, Pos: at(100 + i),
		})
	}
	var rows []Row
	for b.Loop() {
		var err error
		if rows, err = Rows(m, org); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)), "rows")
}
