package trust

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// seed001 is seed 001's setup: engineers of the hub reach the client
// account abccorp-prod (another organization) as Admin and Deploy, and
// contractors as Deploy only; production is an ordinary member account.
var seed001 = strings.Replace(base, "permission_sets:\n", `permission_sets:
  Deploy:
    session_duration: 2h
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    customer_managed_policies: [{ name: deploy, path: /team/ }, ci-artifacts]
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:PutObject", Resource: "*" }] }
    permissions_boundary: { customer_managed_policy: { name: Boundary } }
`, 1) + `assignments:
  - groups: [Engineers]
    users: [bob]
    permission_sets: [Admin, Deploy]
    accounts: [abccorp-prod, production]
  - groups: [Contractors]
    permission_sets: [Deploy]
    accounts: [abccorp-prod]
`

func TestExpandExternalAccount(t *testing.T) {
	t.Parallel()
	m := parseFull(t, seed001)
	res, err := Expand(Input{Model: m, Selector: selectorIn(m, "999999999999")})
	if err != nil {
		t.Fatalf("Expand() error: %v", err)
	}
	hubTrust := func(hop string) string {
		return mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::111111111111:root"},
			"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
			"Condition":{"ArnLike":{"aws:PrincipalArn":[
				"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_`+hop+`_*",
				"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_`+hop+`_*"]}}}]}`)
	}
	wantRoles := []state.Role{
		{
			AccountID: "444444444444", Name: "gatehouse-Admin", Path: "/",
			Description:        "Permission set Admin, reached from hub permission set abccorp-prod-Admin (managed by gatehouse)",
			TrustPolicy:        hubTrust("abccorp-prod-Admin"),
			ManagedPolicies:    []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
			MaxSessionDuration: 3600,
			Tags:               map[string]string{state.ManagedTagKey: state.ManagedTagValue},
		},
		{
			AccountID: "444444444444", Name: "gatehouse-Deploy", Path: "/",
			Description: "Permission set Deploy, reached from hub permission set abccorp-prod-Deploy (managed by gatehouse)",
			TrustPolicy: hubTrust("abccorp-prod-Deploy"),
			ManagedPolicies: []string{
				"arn:aws:iam::444444444444:policy/ci-artifacts",
				"arn:aws:iam::444444444444:policy/team/deploy",
				"arn:aws:iam::aws:policy/ReadOnlyAccess",
			},
			InlinePolicies: map[string]string{
				InlinePolicyName: mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`),
			},
			MaxSessionDuration:  3600,
			PermissionsBoundary: "arn:aws:iam::444444444444:policy/Boundary",
			Tags:                map[string]string{state.ManagedTagKey: state.ManagedTagValue},
		},
	}
	if diff := cmp.Diff(wantRoles, res.Roles); diff != "" {
		t.Errorf("roles mismatch (-want +got):\n%s", diff)
	}
	hopPolicy := func(role string) string {
		return mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
			"Resource":"arn:aws:iam::444444444444:role/`+role+`"}]}`)
	}
	wantSets := []state.PermissionSet{
		{
			Name: "abccorp-prod-Admin", Description: "Hop to gatehouse-Admin in abccorp-prod (444444444444) as Admin",
			SessionDuration: "PT1H", InlinePolicy: hopPolicy("gatehouse-Admin"),
		},
		{
			Name: "abccorp-prod-Deploy", Description: "Hop to gatehouse-Deploy in abccorp-prod (444444444444) as Deploy",
			SessionDuration: "PT2H", InlinePolicy: hopPolicy("gatehouse-Deploy"),
		},
	}
	if diff := cmp.Diff(wantSets, res.HopSets); diff != "" {
		t.Errorf("hop sets mismatch (-want +got):\n%s", diff)
	}
	// The hub is identity_center.hub_account (management), not the
	// organization's management account passed in.
	wantAssignments := []state.Assignment{
		{AccountID: "111111111111", PermissionSet: "abccorp-prod-Admin", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: "111111111111", PermissionSet: "abccorp-prod-Admin", PrincipalType: state.PrincipalUser, PrincipalName: "bob"},
		{AccountID: "111111111111", PermissionSet: "abccorp-prod-Deploy", PrincipalType: state.PrincipalGroup, PrincipalName: "Contractors"},
		{AccountID: "111111111111", PermissionSet: "abccorp-prod-Deploy", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: "111111111111", PermissionSet: "abccorp-prod-Deploy", PrincipalType: state.PrincipalUser, PrincipalName: "bob"},
	}
	if diff := cmp.Diff(wantAssignments, res.HopAssignments); diff != "" {
		t.Errorf("hop assignments mismatch (-want +got):\n%s", diff)
	}
}

func TestExpandExternalHubDefaultsToManagementAccount(t *testing.T) {
	t.Parallel()
	m := parseFull(t, strings.Replace(seed001, "  hub_account: management\n", "", 1))
	res, err := Expand(Input{Model: m, Selector: selectorIn(m, "999999999999")})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.HopAssignments {
		if a.AccountID != "999999999999" {
			t.Errorf("hop assignment %+v is not in the management account 999999999999", a)
		}
	}
	if !strings.Contains(res.Roles[0].TrustPolicy, "arn:aws:iam::999999999999:root") {
		t.Errorf("hop role trusts %s, want the management account", res.Roles[0].TrustPolicy)
	}
}

func TestExpandExternalHopsExcludeLongerNames(t *testing.T) {
	t.Parallel()
	// A hop named abccorp-prod-Admin would also match the AWSReservedSSO
	// role of a set named abccorp-prod-Admin_Billing.
	m := parseFull(t, strings.Replace(seed001, "accounts: [abccorp-prod]\n", "accounts: [abccorp-prod]\n  - { groups: [Engineers], permission_sets: [Admin_Billing], accounts: [abccorp-prod] }\n", 1))
	res, err := Expand(Input{Model: m, Selector: selectorIn(m, "111111111111")})
	if err != nil {
		t.Fatal(err)
	}
	got := roleByKey(t, res, "444444444444/gatehouse-Admin").TrustPolicy
	for _, want := range []string{`"ArnNotLike"`, "AWSReservedSSO_abccorp-prod-Admin_Billing_*"} {
		if !strings.Contains(got, want) {
			t.Errorf("trust of gatehouse-Admin = %s, want it to contain %s", got, want)
		}
	}
}

func TestExpandRemovingExternalAssignmentRemovesAllThreeParts(t *testing.T) {
	t.Parallel()
	without := strings.Replace(seed001, "    permission_sets: [Admin, Deploy]\n", "    permission_sets: [Deploy]\n", 1)
	m := parseFull(t, without)
	res, err := Expand(Input{Model: m, Selector: selectorIn(m, "111111111111")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Roles {
		if r.Name == "gatehouse-Admin" {
			t.Errorf("role %s is still derived", r.Key())
		}
	}
	for _, h := range res.HopSets {
		if h.Name == "abccorp-prod-Admin" {
			t.Errorf("hop set %s is still derived", h.Name)
		}
	}
	for _, a := range res.HopAssignments {
		if a.PermissionSet == "abccorp-prod-Admin" {
			t.Errorf("hop assignment %+v is still derived", a)
		}
	}
	if len(res.Roles) != 1 || len(res.HopSets) != 1 || len(res.HopAssignments) != 3 {
		t.Errorf("got %d roles, %d hop sets, %d hop assignments; want the Deploy pair's 1, 1, 3", len(res.Roles), len(res.HopSets), len(res.HopAssignments))
	}
}
