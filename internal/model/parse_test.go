package model

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestParseEveryKey decodes a model that uses every key of the format and
// compares the result field by field.
func TestParseEveryKey(t *testing.T) {
	t.Parallel()
	src := lines(
		"version: 1",
		"identity_center:",
		"  region: eu-west-1",
		"  identity_source: internal",
		"  start_url: https://acme.awsapps.com/start",
		"  hub_account: hub",
		"  provisioning_role: GatehouseProvisioner",
		"  instance_arn: arn:aws:sso:::instance/ssoins-72234e1d20e1e68d",
		"  identity_store_id: d-9067642ac7",
		"accounts:",
		`  hub: { id: "111111111111" }`,
		"  prod: { id: '222222222222', ou: Workloads/Prod, tags: { env: prod } }",
		"  client:",
		`    id: "333333333333"`,
		"    external: true",
		"    admin_role: arn:aws:iam::333333333333:role/Provisioner",
		"    saml:",
		"      metadata: client.xml",
		"      provider: AcmeSSO",
		"      role: Consultant",
		"      policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]",
		"users:",
		"  alice: { email: alice@example.com, given_name: Alice, family_name: Doe, display_name: Al }",
		"groups:",
		"  Engineers: { description: All engineers, members: [alice] }",
		"permission_sets:",
		"  Admin:",
		"    description: Full access",
		"    session_duration: PT8H",
		"    relay_state: https://console.aws.amazon.com/",
		"    managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess]",
		"    customer_managed_policies: [Deploy, /team/Audit, { name: Ops, path: /ops/ }]",
		"    permissions_boundary: { managed_policy: arn:aws:iam::aws:policy/PowerUserAccess }",
		`    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "iam:*", Resource: "*" }] }`,
		"    tags: { team: platform }",
		"  Json:",
		"    session_duration: 90m",
		"    permissions_boundary: { customer_managed_policy: { name: Boundary } }",
		`    inline_policy: '{ "Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"} }'`,
		"assignments:",
		"  - { groups: [Engineers], users: [alice], permission_sets: [Admin], accounts: [prod, client] }",
		"  - { groups: [Engineers], permission_sets: [Admin], accounts: all }",
		"  - { groups: [Engineers], permission_sets: [Admin], accounts: { ou: [Workloads, Sandbox], tags: { env: dev }, exclude: [hub] } }",
		"  - { groups: [Engineers], permission_sets: [Admin], accounts: { all: true, names: [client] } }",
		"  - { users: alice, permission_sets: Admin, accounts: prod }",
		"roles:",
		"  Deploy:",
		"    description: CI deployments",
		"    path: /ci/",
		"    accounts: [prod]",
		"    trust:",
		"      - { account: hub, principal: role/ci-*, external_id: abc123, mfa: true, principal_org_id: o-a1b2c3d4e5 }",
		"      - { role: Source@hub, tighten: true }",
		"      - { permission_set: Admin, account: hub }",
		`      - { account: "444444444444" }`,
		"    can_assume: [Source@hub]",
		"    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]",
		`    inline_policy: { Version: "2012-10-17", Statement: { Effect: Allow, Action: "s3:*", Resource: "*" } }`,
		"    max_session: 2h",
		"    conditions: { external_id: xyz, principal_org_id: o-a1b2c3d4e5 }",
		"    tags: { owner: ci }",
		"    adopt: true",
		"    permissions_boundary: { managed_policy: arn:aws:iam::aws:policy/PowerUserAccess }",
		"  Source: { accounts: [hub], trust: [{ account: hub }, { role: Deploy@prod }] }",
	)
	got, probs := Parse("m.yaml", []byte(src))
	for _, p := range probs {
		t.Errorf("unexpected problem: %s", p)
	}
	at := func(line, col int) Pos { return Pos{File: "m.yaml", Line: line, Col: col} }
	want := &Model{
		File:    "m.yaml",
		Version: 1,
		IdentityCenter: IdentityCenter{
			Region: "eu-west-1", IdentitySource: "internal", StartURL: "https://acme.awsapps.com/start", HubAccount: "hub",
			ProvisioningRole: "GatehouseProvisioner", InstanceARN: "arn:aws:sso:::instance/ssoins-72234e1d20e1e68d", IdentityStoreID: "d-9067642ac7",
			Pos: at(2, 1),
		},
		Accounts: []Account{
			{Name: "hub", ID: "111111111111", Pos: at(11, 3)},
			{Name: "prod", ID: "222222222222", OU: "Workloads/Prod", Tags: map[string]string{"env": "prod"}, Pos: at(12, 3)},
			{Name: "client", ID: "333333333333", External: true, AdminRole: "arn:aws:iam::333333333333:role/Provisioner", Pos: at(13, 3),
				SAML: &SAMLAccess{Metadata: "client.xml", Provider: "AcmeSSO", Role: "Consultant", Policies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, Pos: at(18, 7)}},
		},
		Users:  []User{{Name: "alice", Email: "alice@example.com", GivenName: "Alice", FamilyName: "Doe", DisplayName: "Al", Pos: at(23, 3)}},
		Groups: []Group{{Name: "Engineers", Description: "All engineers", Members: []string{"alice"}, MemberPos: []Pos{at(25, 54)}, Pos: at(25, 3)}},
		PermissionSets: []PermissionSet{
			{
				Name: "Admin", Description: "Full access", SessionDuration: 8 * time.Hour, RelayState: "https://console.aws.amazon.com/",
				ManagedPolicies:         []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
				CustomerManagedPolicies: []PolicyRef{{Name: "Deploy"}, {Name: "Audit", Path: "/team/"}, {Name: "Ops", Path: "/ops/"}},
				PermissionsBoundary:     &Boundary{ManagedPolicyARN: "arn:aws:iam::aws:policy/PowerUserAccess"},
				InlinePolicy:            `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`,
				Tags:                    map[string]string{"team": "platform"},
				Pos:                     at(27, 3),
			},
			{
				Name: "Json", SessionDuration: 90 * time.Minute,
				PermissionsBoundary: &Boundary{CustomerManaged: &PolicyRef{Name: "Boundary"}},
				InlinePolicy:        `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`,
				Pos:                 at(36, 3),
			},
		},
		Assignments: []Assignment{
			{Groups: []string{"Engineers"}, Users: []string{"alice"}, PermissionSets: []string{"Admin"}, Accounts: AccountSelector{Names: []string{"prod", "client"}, Pos: at(41, 80)}, Pos: at(41, 5)},
			{Groups: []string{"Engineers"}, PermissionSets: []string{"Admin"}, Accounts: AccountSelector{All: true, Pos: at(42, 64)}, Pos: at(42, 5)},
			{Groups: []string{"Engineers"}, PermissionSets: []string{"Admin"}, Accounts: AccountSelector{OUs: []string{"Workloads", "Sandbox"}, Tags: map[string]string{"env": "dev"}, Exclude: []string{"hub"}, Pos: at(43, 64)}, Pos: at(43, 5)},
			{Groups: []string{"Engineers"}, PermissionSets: []string{"Admin"}, Accounts: AccountSelector{All: true, Names: []string{"client"}, Pos: at(44, 64)}, Pos: at(44, 5)},
			{Users: []string{"alice"}, PermissionSets: []string{"Admin"}, Accounts: AccountSelector{Names: []string{"prod"}, Pos: at(45, 55)}, Pos: at(45, 5)},
		},
		Roles: []Role{
			{
				Name: "Deploy", Description: "CI deployments", Path: "/ci/",
				Accounts: AccountSelector{Names: []string{"prod"}, Pos: at(50, 15)},
				Trust: []TrustEntry{
					{Account: "hub", Principal: "role/ci-*", Conditions: Conditions{ExternalID: "abc123", MFA: true, PrincipalOrgID: "o-a1b2c3d4e5"}, Pos: at(52, 9)},
					{Role: "Source@hub", Tighten: true, Pos: at(53, 9)},
					{PermissionSet: "Admin", Account: "hub", Pos: at(54, 9)},
					{Account: "444444444444", Pos: at(55, 9)},
				},
				CanAssume:           []RoleRef{{Role: "Source", Account: "hub", Pos: at(56, 18)}},
				ManagedPolicies:     []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
				InlinePolicy:        `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
				MaxSession:          2 * time.Hour,
				Conditions:          Conditions{ExternalID: "xyz", PrincipalOrgID: "o-a1b2c3d4e5"},
				Tags:                map[string]string{"owner": "ci"},
				Adopt:               true,
				PermissionsBoundary: &Boundary{ManagedPolicyARN: "arn:aws:iam::aws:policy/PowerUserAccess"},
				Pos:                 at(47, 3),
			},
			{Name: "Source", Accounts: AccountSelector{Names: []string{"hub"}, Pos: at(64, 23)}, Trust: []TrustEntry{{Account: "hub", Pos: at(64, 38)}, {Role: "Deploy@prod", Pos: at(64, 56)}}, Pos: at(64, 3)},
		},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Model{}, "Positions")); diff != "" {
		t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
	}
	if probs := Validate(got); len(probs) > 0 {
		t.Errorf("Validate() found problems in a valid model:\n%s", probs)
	}
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"empty file", "", []string{"1:1: the file holds no access model"}},
		{"syntax error", lines("version: 1", "accounts: [a", "users: {}"), []string{"3:1: YAML syntax error: ',' or ']' must be specified"}},
		{"missing version", lines("accounts: {}"), []string{"1:1: missing `version`"}},
		{"unsupported version", lines("version: 2"), []string{"1:10: unsupported version 2"}},
		{"top level not a mapping", lines("- version: 1"), []string{"1:1: the model must be a mapping, not a list"}},
		{"two documents", lines("version: 1", "---", "version: 1"), []string{"3:1: more than one YAML document in the file"}},
		{"unknown keys with suggestions", lines("version: 1", "acounts: {}", "permission_sets:", "  Admin: { sesion_duration: 8h, colour: red }"), []string{
			`2:1: unknown key "acounts" in the model`,
			`4:12: unknown key "sesion_duration" in permission set Admin`,
			`4:33: unknown key "colour" in permission set Admin`,
		}},
		{"duplicate names and keys", lines("version: 1", "users:", "  alice: { email: a@b.c, email: d@e.f }", "  alice: {}"), []string{
			`3:26: key "email" appears twice in user alice`,
			"3:3: user alice has no given_name, family_name",
			`4:3: duplicate name "alice" in users`,
		}},
		{"account ID traps", lines(
			"version: 1",
			"accounts:",
			"  a: { id: 012345678901 }",
			`  b: { id: "12345678901" }`,
			"  c: { id: 123456789012.0 }",
			"  d: { id: 1234567890123 }",
			"  e: { id: [1] }",
			"  f: { id: }",
			"  g: {}",
			"  h: { id: 123456789012 }",
		), []string{
			"3:12: account a id 012345678901 is an unquoted number with a leading zero: YAML does not keep it as written",
			`4:12: account b id "12345678901" is not a 12-digit account ID`,
			"5:12: account c id 123456789012.0 is read by YAML as a decimal number, not an account ID",
			"6:12: account d id 1234567890123 is not a 12-digit account ID",
			"7:12: account e id must be a 12-digit account ID, not a list",
			"8:11: account f id is empty",
			"9:3: account g has no id",
		}},
		{"durations", lines("version: 1", "permission_sets:", "  A: { session_duration: 8 hours }", "  B: { session_duration: 8 }", "  C: { session_duration: PT }"), []string{
			`3:26: session_duration: "8 hours" is not a duration`,
			"4:26: session_duration must be a duration, not a number",
			`5:26: session_duration: "PT" is not a duration`,
		}},
		{"wrong types", lines("version: 1", "groups:", "  G: { members: { alice: x } }", "accounts:", "  a: { id: \"111111111111\", external: yes }"), []string{
			"3:17: members must be a list, not a mapping",
			"5:38: external must be true or false, not a string",
		}},
		{"unquoted ARN with a colon inside brackets", lines("version: 1", "permission_sets:", "  A: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }"), []string{
			"3:27: managed_policies entry is a mapping, not a string",
		}},
		{"identity source", lines("version: 1", "identity_center: { identity_source: scim }"), []string{
			`2:37: identity_source "scim" is not internal or external`,
		}},
		{"selectors", lines("version: 1", "assignments:", "  - { groups: [G], permission_sets: [P] }", "  - { groups: [G], permission_sets: [P], accounts: {} }", "  - { groups: [G], permission_sets: [P], accounts: { exclude: [a] } }"), []string{
			"3:5: assignment has no accounts",
			"4:52: accounts selects no account",
			"5:52: accounts selects no account",
			`3:16: unknown group "G"`, `3:38: unknown permission set "P"`,
			`4:16: unknown group "G"`, `4:38: unknown permission set "P"`,
			`5:16: unknown group "G"`, `5:38: unknown permission set "P"`,
			`5:64: unknown account "a"`,
		}},
		{"role references", lines("version: 1", "roles:", "  R: { accounts: [a], trust: [{ account: a }], can_assume: [R@, noat] }", "accounts: { a: { id: \"111111111111\" } }"), []string{
			`3:61: role reference "R@" is not Name@account`,
			`3:65: role reference "noat" is not Name@account`,
		}},
		{"policy JSON that does not parse", lines("version: 1", "permission_sets:", "  A:", "    inline_policy: |", `      {"Version": "2012-10-17",`, `       "Statement": [] x}`), []string{
			"4:20: inline_policy is not valid JSON: invalid character 'x' after object key:value pair at line 2, column 18",
		}},
		{"anchors and merge keys", lines(
			"version: 1",
			"base: &base { email: a@example.com, given_name: A, family_name: B }",
			"users:",
			"  alice: { <<: *base }",
			"  bob: { <<: *nope }",
		), []string{
			`2:1: unknown key "base" in the model`,
			"5:14: unknown alias *nope",
			"5:3: user bob has no email, given_name, family_name",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := check(t, tt.src)
			want := append([]string(nil), tt.want...)
			sortLines(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse()+Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// sortLines orders "line:col: message" strings the way Problems.Sort does.
func sortLines(ls []string) {
	ps := make(Problems, len(ls))
	for i, l := range ls {
		var line, col int
		var msg string
		if _, err := fmt.Sscanf(l, "%d:%d:", &line, &col); err != nil {
			panic(err)
		}
		msg = l[len(fmt.Sprintf("%d:%d: ", line, col)):]
		ps[i] = Problem{Pos: Pos{Line: line, Col: col}, Message: msg}
	}
	ps.Sort()
	for i, p := range ps {
		ls[i] = fmt.Sprintf("%d:%d: %s", p.Pos.Line, p.Pos.Col, p.Message)
	}
}

func TestPositions(t *testing.T) {
	t.Parallel()
	src := lines(
		"version: 1",
		"accounts:",
		`  prod: { id: "222222222222", tags: { env: prod } }`,
		"permission_sets:",
		"  Admin:",
		"    session_duration: 8h",
		"    managed_policies:",
		"      - arn:aws:iam::aws:policy/A",
		"      - arn:aws:iam::aws:policy/B",
		"    inline_policy:",
		`      Version: "2012-10-17"`,
		"      Statement:",
		"        - Effect: Allow",
		"          Action: [s3:GetObject, s3:PutObject]",
	)
	m, probs := Parse("m.yaml", []byte(src))
	if len(probs) > 0 {
		t.Fatalf("Parse() problems: %s", probs)
	}
	tests := []struct {
		path      string
		line, col int
	}{
		{"accounts", 2, 1},
		{"accounts.prod", 3, 3},
		{"accounts.prod.id", 3, 15},
		{"accounts.prod.tags.env", 3, 44},
		{"permission_sets.Admin.session_duration", 6, 23},
		{"permission_sets.Admin.managed_policies", 7, 5},
		{"permission_sets.Admin.managed_policies[1]", 9, 9},
		{"permission_sets.Admin.inline_policy.Statement[0]", 13, 11},
		{"permission_sets.Admin.inline_policy.Statement[0].Action[1]", 14, 34},
		// Not written: the nearest enclosing path.
		{"permission_sets.Admin.description", 5, 3},
		{"permission_sets.Admin.inline_policy.Statement[0].Resource", 13, 11},
		{"permission_sets.Admin.managed_policies[7]", 7, 5},
		{"roles.Nope.trust[0]", 1, 1},
		{"", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			want := Pos{File: "m.yaml", Line: tt.line, Col: tt.col}
			if got := m.At(tt.path); got != want {
				t.Errorf("At(%q) = %v, want %v", tt.path, got, want)
			}
		})
	}
}

func TestParentPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a.b[2]":        "a.b",
		"a.b":           "a",
		"a":             "",
		"[0]":           "",
		"a.b[1].c":      "a.b[1]",
		"tags.team.env": "tags.team",
	} {
		if got := parentPath(in); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		13 * time.Hour:             "13h",
		30 * time.Minute:           "30m",
		90 * time.Minute:           "1h30m",
		12*time.Hour + time.Second: "12h0m1s",
		500 * time.Millisecond:     "500ms",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWildcardMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"role/ci-*", "role/ci-deploy", true},
		{"role/ci-*", "role/cd-deploy", false},
		{"role/*", "role/path/Name", true},
		{"role/?i", "role/ci", true},
		{"role/?i", "role/cci", false},
		{"*", "", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestHTTPSURL(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"https://d-9067c2a1f3.awsapps.com/start": true,
		"https://sso.example.com":                true,
		"http://127.0.0.1:4566/start":            true,
		"http://localhost:8080/start":            true,
		"http://[::1]:8080/start":                true,
		"http://acme.awsapps.com/start":          false,
		"acme.awsapps.com/start":                 false,
		"https://user:pw@acme.awsapps.com/start": false,
		"https:///start":                         false,
		"ftp://acme.awsapps.com":                 false,
	} {
		if got := httpsURL(s); got != want {
			t.Errorf("httpsURL(%q) = %v, want %v", s, got, want)
		}
	}
}
