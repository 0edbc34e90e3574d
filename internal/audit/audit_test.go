package audit

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

const (
	mgmt    = "111111111111"
	dev     = "222222222222"
	prod    = "333333333333"
	client  = "444444444444"
	outside = "999999999999"
)

// world is a small organization with most of what the audit must tell
// apart: a model's grants and hand-made ones, chains into a client account
// with an ExternalId, a public role, a third-party trust, a caller whose
// boundary stops it, a dangling principal.
func world() *Input {
	ssoPath := "/aws-reserved/sso.amazonaws.com/eu-west-1/"
	org := &state.Organization{ID: "o-test123456", ManagementAccountID: mgmt, RootID: "r-test",
		OUs: []string{"Workloads"}, OUIDs: map[string]string{"Workloads": "ou-test-work"},
		Accounts: []state.OrgAccount{
			{ID: mgmt, Name: "management", Status: "ACTIVE"},
			{ID: dev, Name: "dev", Status: "ACTIVE", OUPath: "Workloads"},
			{ID: prod, Name: "production", Status: "ACTIVE", OUPath: "Workloads"},
		}}
	ic := state.New()
	ic.Users["alice"] = state.User{UserName: "alice", ID: "u-alice"}
	ic.Users["bob"] = state.User{UserName: "bob", ID: "u-bob"}
	ic.Users["carol"] = state.User{UserName: "carol", ID: "u-carol"}
	ic.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Members: []string{"alice"}}
	ic.PermissionSets["ReadOnly"] = state.PermissionSet{Name: "ReadOnly", ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", Managed: true,
		InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/Deploy"}]}`}
	ic.PermissionSets["Admin"] = state.PermissionSet{Name: "Admin", ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin",
		InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}
	ic.PermissionSets["client-Hop"] = state.PermissionSet{Name: "client-Hop", ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-hop", Managed: true,
		InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],"Resource":"arn:aws:iam::444444444444:role/gatehouse-ReadOnly"}]}`}
	ic.Assignments = state.SortAssignments([]state.Assignment{
		{AccountID: prod, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: prod, PermissionSet: "Admin", PrincipalType: state.PrincipalUser, PrincipalName: "bob"},
		{AccountID: mgmt, PermissionSet: "client-Hop", PrincipalType: state.PrincipalUser, PrincipalName: "carol"},
	})
	sso := func(account, ps, suffix, inline string) state.Role {
		return state.Role{AccountID: account, Name: "AWSReservedSSO_" + ps + "_" + suffix, Path: ssoPath,
			TrustPolicy:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account + `:saml-provider/AWSSSO_abc_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`,
			InlinePolicies: map[string]string{"AwsSSOInlinePolicy": inline}}
	}
	trustAccount := func(account string, extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"` + extra + `}]}`
	}
	iam := map[string]*state.IAMAccount{
		mgmt: {AccountID: mgmt, Roles: []state.Role{
			sso(mgmt, "client-Hop", "0123456789abcdef", ic.PermissionSets["client-Hop"].InlinePolicy),
		}},
		dev: {AccountID: dev},
		prod: {AccountID: prod, Roles: []state.Role{
			sso(prod, "ReadOnly", "1111111111111111", ic.PermissionSets["ReadOnly"].InlinePolicy),
			sso(prod, "Admin", "2222222222222222", ic.PermissionSets["Admin"].InlinePolicy),
			{AccountID: prod, Name: "Deploy", Path: "/", TrustPolicy: trustAccount(prod, ""), Managed: true},
			{AccountID: prod, Name: "Public", Path: "/", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`},
			{AccountID: prod, Name: "Vendor", Path: "/", TrustPolicy: trustAccount(outside, "")},
			{AccountID: prod, Name: "Fenced", Path: "/", TrustPolicy: trustAccount(prod, "")},
			{AccountID: prod, Name: "Old", Path: "/", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AROAABCDEFGHIJKLMNOPQ"},"Action":"sts:AssumeRole"}]}`},
		}, Users: []state.IAMUser{
			{AccountID: prod, Name: "ci", Path: "/", ARN: "arn:aws:iam::" + prod + ":user/ci",
				InlinePolicies:      map[string]string{"assume": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::333333333333:role/Fenced"}]}`},
				PermissionsBoundary: "arn:aws:iam::333333333333:policy/NoAssume"},
		}, Policies: map[string]string{
			"arn:aws:iam::333333333333:policy/NoAssume": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		}},
		client: {AccountID: client, Roles: []state.Role{
			{AccountID: client, Name: "gatehouse-ReadOnly", Path: "/", Managed: true,
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
				"Condition":{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_client-Hop_*","arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_client-Hop_*"]},
				"StringEquals":{"sts:ExternalId":"globex-7f3a"}}}]}`},
		}},
	}
	desired := state.New()
	desired.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Members: []string{"alice"}}
	desired.PermissionSets["ReadOnly"] = ic.PermissionSets["ReadOnly"]
	desired.PermissionSets["client-Hop"] = ic.PermissionSets["client-Hop"]
	desired.Assignments = []state.Assignment{ic.Assignments[1], ic.Assignments[0]}
	desired.Assignments = state.SortAssignments([]state.Assignment{
		{AccountID: prod, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: mgmt, PermissionSet: "client-Hop", PrincipalType: state.PrincipalUser, PrincipalName: "carol"},
	})
	desired.Roles[prod+"/Deploy"] = iam[prod].Roles[2]
	desired.Roles[client+"/gatehouse-ReadOnly"] = iam[client].Roles[0]
	return &Input{Source: "live", Org: org, IdentityCenter: ic, Region: "eu-west-1", IAM: iam, Desired: desired}
}

// rowKey names a row for comparison: principal, role and decision with
// its conditions.
func rowKey(r Access) string {
	s := r.Principal.Type + ":" + r.Principal.Name + " -> " + r.RoleARN + " " + r.Decision
	if len(r.Conditions) > 0 {
		s += " [" + strings.Join(r.Conditions, ",") + "]"
	}
	if r.Chained {
		s += " chained"
	}
	if !r.Managed {
		s += " by-hand"
	}
	return s
}

func TestRunAccess(t *testing.T) {
	t.Parallel()
	rep := Run(world(), Filter{})
	var got []string
	for _, r := range rep.Access {
		got = append(got, rowKey(r))
	}
	ssoRO := "arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnly_1111111111111111"
	ssoAdmin := "arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_2222222222222222"
	ssoHop := "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_client-Hop_0123456789abcdef"
	want := []string{
		// Outside account 999999999999: trusted as a whole by Vendor, and,
		// like anyone, by Public.
		"account:999999999999 -> arn:aws:iam::333333333333:role/Public allowed by-hand",
		"account:999999999999 -> arn:aws:iam::333333333333:role/Vendor allowed by-hand",
		// ci's boundary lacks sts:AssumeRole, which Fenced (trusting the
		// account) needs; Public trusts everyone, which in the same
		// account needs no identity policy and passes the boundary.
		"iam_user:ci -> arn:aws:iam::333333333333:role/Public allowed by-hand",
		// alice: the model's group and assignment, then Deploy, which the
		// permission set may assume, and Public.
		"user:alice -> arn:aws:iam::333333333333:role/Deploy allowed chained",
		"user:alice -> arn:aws:iam::333333333333:role/Public allowed chained by-hand",
		"user:alice -> " + ssoRO + " allowed",
		// bob: an Admin assignment made by hand; Admin may assume anything
		// that trusts its account.
		"user:bob -> arn:aws:iam::333333333333:role/Deploy allowed chained by-hand",
		"user:bob -> arn:aws:iam::333333333333:role/Fenced allowed chained by-hand",
		"user:bob -> arn:aws:iam::333333333333:role/Public allowed chained by-hand",
		"user:bob -> " + ssoAdmin + " allowed by-hand",
		// carol: the hop into the client account needs the ExternalId.
		"user:carol -> " + ssoHop + " allowed",
		"user:carol -> arn:aws:iam::444444444444:role/gatehouse-ReadOnly conditional [sts:ExternalId] chained",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access mismatch (-want +got):\n%s", diff)
	}
	for _, r := range rep.Access {
		switch {
		case strings.HasSuffix(r.RoleARN, "/Fenced") && r.Principal.Type == PrincipalIAMUser:
			t.Errorf("user ci reaches Fenced although its boundary lacks sts:AssumeRole: %+v", r)
		case strings.HasSuffix(r.RoleARN, "/Old"):
			t.Errorf("a role trusting only a dangling unique ID is reached: %+v", r)
		}
	}
}

func TestRunPaths(t *testing.T) {
	t.Parallel()
	rep := Run(world(), Filter{Principal: "alice", Role: "arn:aws:iam::333333333333:role/Deploy"})
	if len(rep.Access) != 1 {
		t.Fatalf("filtered rows = %d, want 1: %+v", len(rep.Access), rep.Access)
	}
	r := rep.Access[0]
	var steps []string
	for _, s := range r.Path {
		steps = append(steps, s.Kind+" "+s.From+" > "+s.To+" "+s.PermissionSet)
	}
	want := []string{
		"member_of alice > Engineers ",
		"assignment Engineers > arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnly_1111111111111111 ReadOnly",
		"assume_role arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnly_1111111111111111 > arn:aws:iam::333333333333:role/Deploy ",
	}
	if diff := cmp.Diff(want, steps); diff != "" {
		t.Errorf("path mismatch (-want +got):\n%s", diff)
	}
	if r.Account != prod || r.AccountName != "production" || !r.Managed || !r.Chained {
		t.Errorf("row = %+v, want production, managed and chained", r)
	}
}

func TestRunFindsGrantsOutsideTheModel(t *testing.T) {
	t.Parallel()
	rep := Run(world(), Filter{})
	var got []string
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Rule, "UNMANAGED") || strings.HasPrefix(f.Rule, "DRIFT") {
			got = append(got, f.Rule+" "+f.Severity+" "+f.Account+" "+f.Resource)
		}
	}
	slices.Sort(got)
	want := []string{
		"UNMANAGED-ASSIGNMENT high 333333333333 arn:aws:sso:::permissionSet/ssoins-1/ps-admin",
		"UNMANAGED-TRUST low 333333333333 arn:aws:iam::333333333333:role/Fenced",
		"UNMANAGED-TRUST low 333333333333 arn:aws:iam::333333333333:role/Old",
		"UNMANAGED-TRUST medium 333333333333 arn:aws:iam::333333333333:role/Public",
		"UNMANAGED-TRUST medium 333333333333 arn:aws:iam::333333333333:role/Vendor",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
	// The lint's findings locate what the graph shows.
	lint := map[string]bool{}
	for _, f := range rep.Findings {
		lint[f.Rule+" "+f.Resource] = true
	}
	for _, want := range []string{
		"TP-PUBLIC arn:aws:iam::333333333333:role/Public",
		"TP-3P-NOEXTID arn:aws:iam::333333333333:role/Vendor",
		"TP-DANGLING arn:aws:iam::333333333333:role/Old",
	} {
		if !lint[want] {
			t.Errorf("no finding %s", want)
		}
	}
	if rep.Worst() != Critical {
		t.Errorf("Worst() = %q, want critical (the public role)", rep.Worst())
	}
}

func TestRunModelSuffixUnknown(t *testing.T) {
	t.Parallel()
	in := world()
	delete(in.IAM, mgmt) // the hub's roles unread: the SSO role is made from the permission set
	rep := Run(in, Filter{Principal: "carol"})
	var got []string
	for _, r := range rep.Access {
		got = append(got, rowKey(r))
	}
	want := []string{
		"user:carol -> arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_client-Hop_* allowed",
		"user:carol -> arn:aws:iam::444444444444:role/gatehouse-ReadOnly conditional [sts:ExternalId] chained",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access mismatch (-want +got):\n%s", diff)
	}
}

func TestRunSCPDeniesAssume(t *testing.T) {
	t.Parallel()
	in := world()
	in.SCPs = map[string][]string{
		"r-test":       {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		"ou-test-work": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/Public"}]}`},
	}
	rep := Run(in, Filter{Role: "arn:aws:iam::333333333333:role/Public"})
	var got []string
	for _, r := range rep.Access {
		got = append(got, rowKey(r))
	}
	// Only the outside account, which no SCP of this organization binds.
	want := []string{"account:999999999999 -> arn:aws:iam::333333333333:role/Public allowed by-hand"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("an SCP of the OU denies sts:AssumeRole on Public (-want +got):\n%s", diff)
	}
}
