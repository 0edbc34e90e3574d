package model

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// check parses and validates src and returns each problem as
// "line:col: message", sorted. It fails the test if a problem has no hint
// or no line.
func check(t *testing.T, src string) []string {
	t.Helper()
	m, probs := Parse("m.yaml", []byte(src))
	probs = append(probs, Validate(m)...)
	var out []string
	for _, p := range probs.Sort() {
		if p.Hint == "" {
			t.Errorf("problem without a hint: %s", p)
		}
		if p.Pos.Line <= 0 || p.Pos.Col <= 0 || p.Pos.File != "m.yaml" {
			t.Errorf("problem without a position: %s", p)
		}
		out = append(out, fmt.Sprintf("%d:%d: %s", p.Pos.Line, p.Pos.Col, p.Message))
	}
	return out
}

// lines joins YAML lines, so that a case's line numbers can be read off
// the source.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"empty model is valid", lines("version: 1"), nil},
		{
			"identity center settings",
			lines(
				"version: 1",
				"identity_center:",
				"  region: US-East-1",
				"  start_url: http://portal.example.com/start",
				"  hub_account: managment",
				"  provisioning_role: Org Access",
				"  instance_arn: arn:aws:sso:::instance/x",
				"  identity_store_id: store",
				"accounts:",
				`  management: { id: "111111111111" }`,
			),
			[]string{
				`3:11: region "US-East-1" is not an AWS region code`,
				`4:14: start_url "http://portal.example.com/start" is not an https URL`,
				`5:16: unknown account "managment"`,
				`6:22: provisioning_role "Org Access" is not an IAM role name`,
				`7:17: instance_arn "arn:aws:sso:::instance/x" is not an Identity Center instance ARN`,
				`8:22: identity_store_id "store" is not an Identity Store ID`,
			},
		},
		{
			"identity center settings that are fine",
			lines(
				"version: 1",
				"identity_center:",
				"  region: us-gov-west-1",
				"  start_url: http://127.0.0.1:4566/start",
				"  hub_account: management",
				"  instance_arn: arn:aws:sso:::instance/ssoins-72234e1d20e1e68d",
				"  identity_store_id: d-9067642ac7",
				"accounts:",
				`  management: { id: "111111111111" }`,
			),
			nil,
		},
		{
			"hub account must be a member account",
			lines(
				"version: 1",
				"identity_center: { hub_account: client }",
				"accounts:",
				"  client:",
				`    id: "222222222222"`,
				"    external: true",
				"    admin_profile: client-admin",
			),
			[]string{"2:33: hub_account client is an external account; hop permission sets can only be assigned in the organization"},
		},
		{
			"account names, IDs, OUs and tags",
			lines(
				"version: 1",
				"accounts:",
				`  management: { id: "111111111111" }`,
				`  "prod@eu": { id: "111111111111" }`,
				"  staging:",
				`    id: "333333333333"`,
				"    ou: /Workloads/Staging/",
				`    tags: { "aws:env": staging, team: "a|b", "": x }`,
			),
			[]string{
				`4:3: account name "prod@eu" has characters other than letters, digits and . _ + -`,
				"4:20: account ID 111111111111 is used by both management and prod@eu",
				`7:9: ou "/Workloads/Staging/" starts or ends with /`,
				`8:24: tag "aws:env" of account staging: the key starts with aws:, which AWS reserves`,
				`8:39: tag "team" of account staging: the value has characters other than letters, digits, spaces and _ . : / = + - @`,
				`8:50: tag "" of account staging: the key is empty`,
			},
		},
		{
			"more than 50 tags",
			lines("version: 1", "accounts:", "  a:", `    id: "111111111111"`, "    tags: {"+manyTags(51)+"}"),
			[]string{"5:5: account a has 51 tags; AWS allows 50"},
		},
		{
			"external accounts",
			lines(
				"version: 1",
				"accounts:",
				`  c1: { id: "222222222222", external: true }`,
				"  c2:",
				`    id: "333333333333"`,
				"    external: true",
				"    admin_role: arn:aws:iam::444444444444:role/Provisioner",
				"    admin_profile: c2",
				"    ou: Clients",
				"  c3:",
				`    id: "555555555555"`,
				"    external: true",
				"    admin_role: role/Provisioner",
			),
			[]string{
				"3:3: external account c1 has no admin_role or admin_profile: gatehouse cannot reach it",
				"7:17: admin_role is a role in account 444444444444, not in c2 (333333333333)",
				"8:20: external account c2 has both admin_role and admin_profile",
				"9:9: external account c2 cannot have an ou",
				`13:17: admin_role "role/Provisioner" is not an IAM role ARN`,
			},
		},
		{
			"member accounts cannot have what external ones have",
			lines(
				"version: 1",
				"accounts:",
				"  prod:",
				`    id: "222222222222"`,
				"    admin_role: arn:aws:iam::222222222222:role/Provisioner",
				"    admin_profile: prod",
				"    saml: { metadata: m.xml, role: R, permission_set: P }",
				"permission_sets: { P: {} }",
			),
			[]string{
				"5:17: member account prod cannot have admin_role",
				"6:20: member account prod cannot have admin_profile",
				"7:5: member account prod cannot have saml",
			},
		},
		{
			"saml access",
			lines(
				"version: 1",
				"accounts:",
				"  c1:",
				`    id: "222222222222"`,
				"    external: true",
				"    admin_profile: c1",
				"    saml:",
				"      provider: Identity Center",
				"      role: Read Only",
				"      permission_set: ReadOnyl",
				`      policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::999999999999:policy/X"]`,
				"  c2:",
				`    id: "333333333333"`,
				"    external: true",
				"    admin_profile: c2",
				"    saml: { provider: AWSIdentityCenter }",
				"permission_sets:",
				"  ReadOnly: {}",
			),
			[]string{
				"7:5: saml of account c1 has no metadata",
				`8:17: saml provider "Identity Center" is not an IAM SAML provider name`,
				`9:13: saml role "Read Only" is not an IAM role name`,
				"10:23: saml of account c1 has both policies and permission_set",
				`10:23: unknown permission set "ReadOnyl"`,
				"11:60: managed policy arn:aws:iam::999999999999:policy/X belongs to account 999999999999, but saml role of account c1 is also created in account 222222222222",
				"16:5: saml of account c2 has no metadata",
			},
		},
		{
			"users of an internal identity source",
			lines(
				"version: 1",
				"users:",
				"  alice: { email: alice.example.com }",
				"  bob smith: { email: bob@example.com, given_name: Bob, family_name: Smith }",
				"  carol: { email: carol@example.com, given_name: Carol, family_name: Jones, display_name: "+strings.Repeat("x", 1025)+" }",
			),
			[]string{
				"3:3: user alice has no given_name, family_name",
				`3:19: email "alice.example.com" of user alice is not an email address`,
				`4:3: user name "bob smith" is not an Identity Store user name`,
				"5:91: display_name of user carol is 1025 characters long; AWS allows 1024",
			},
		},
		{
			"users of an external identity source need no attributes",
			lines("version: 1", "identity_center: { identity_source: external }", "users:", "  alice: {}", "groups:", "  Engineers: {}"),
			nil,
		},
		{
			"group members",
			lines(
				"version: 1",
				"users:",
				"  alice: { email: a@example.com, given_name: A, family_name: D }",
				"groups:",
				"  Engineers:",
				"    members: [alice, alcie, alice]",
			),
			[]string{
				`6:22: unknown user "alcie"`,
				"6:29: user alice is listed twice in group Engineers (first as member 1)",
			},
		},
		{
			"group members with an external identity source",
			lines("version: 1", "identity_center: { identity_source: external }", "users: { alice: {} }", "groups:", "  Engineers: { members: [alice] }"),
			[]string{"5:25: group Engineers lists members, but its members come from the identity provider"},
		},
		{
			"permission set names and attributes",
			lines(
				"version: 1",
				"permission_sets:",
				"  ThisNameIsFarTooLongForIdentityCtr: {}",
				"  Read Only: {}",
				"  Admin:",
				"    description: "+strings.Repeat("d", 701),
				"    session_duration: 13h",
				"    relay_state: https://console.aws.amazon.com/<x>",
				"  Short:",
				"    session_duration: 30m",
				"    relay_state: https://console.aws.amazon.com/"+strings.Repeat("x", 220),
				"    description: naïve ✓",
			),
			[]string{
				`3:3: permission set name "ThisNameIsFarTooLongForIdentityCtr" is 34 characters long; AWS allows 32`,
				`4:3: permission set name "Read Only" has characters other than letters, digits and + = , . @ _ -`,
				"6:18: description of permission set Admin is 701 characters long; AWS allows 700",
				"7:23: session_duration of permission set Admin is 13h, outside 1h to 12h",
				"8:18: relay_state of permission set Admin has characters Identity Center does not accept",
				"10:23: session_duration of permission set Short is 30m, outside 1h to 12h",
				"11:18: relay_state of permission set Short is 251 characters long; AWS allows 240",
				"12:18: description of permission set Short has characters Identity Center does not accept",
			},
		},
		{
			"permission set policies",
			lines(
				"version: 1",
				"permission_sets:",
				"  Admin:",
				"    managed_policies:",
				"      - arn:aws:iam::aws:policy/AdministratorAccess",
				"      - arn:aws:iam::aws:policy/AdministratorAccess",
				"      - arn:aws:iam::111111111111:policy/Deploy",
				"      - arn:aws:iam:aws:policy/Typo",
				"      - arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
				`    customer_managed_policies: [Deploy, "team/Deploy", {name: bad name, path: nopath}, "/Deploy"]`,
				"    permissions_boundary: { managed_policy: arn:aws:iam::111111111111:policy/Boundary }",
				"  Bounded:",
				"    permissions_boundary: { customer_managed_policy: { name: Boundary, path: team } }",
				"  Bounded2:",
				"    permissions_boundary: { managed_policy: arn:aws:iam::aws:boundary }",
			),
			[]string{
				"6:9: managed policy arn:aws:iam::aws:policy/AdministratorAccess is listed twice",
				"7:9: managed policy arn:aws:iam::111111111111:policy/Deploy is a customer managed policy of account 111111111111; a permission set's managed_policies are AWS managed only",
				`8:9: managed policy "arn:aws:iam:aws:policy/Typo" is not an IAM policy ARN`,
				`10:41: customer managed policy path "team/" is not an IAM path`,
				`10:63: customer managed policy name "bad name" is not an IAM policy name`,
				`10:79: customer managed policy path "nopath" is not an IAM path`,
				"10:88: customer managed policy /Deploy is listed twice",
				"11:45: permissions boundary arn:aws:iam::111111111111:policy/Boundary is a customer managed policy; name it with customer_managed_policy",
				`13:78: customer managed policy path "team" is not an IAM path`,
				`15:45: permissions boundary "arn:aws:iam::aws:boundary" is not an IAM policy ARN`,
			},
		},
		{
			"role permissions boundary",
			lines(
				"version: 1",
				"accounts: { a: { id: \"111111111111\" } }",
				"roles:",
				"  R1: { accounts: [a], trust: [{ account: a }], permissions_boundary: { managed_policy: arn:aws:iam::111111111111:policy/Fence } }",
				"  R2: { accounts: [a], trust: [{ account: a }], permissions_boundary: { customer_managed_policy: { name: Fence, path: nope } } }",
				"  R3: { accounts: [a], trust: [{ account: a }], permissions_boundary: { managed_policy: arn:aws:iam::aws:policy/PowerUserAccess } }",
			),
			[]string{
				"4:89: permissions boundary arn:aws:iam::111111111111:policy/Fence is a customer managed policy; name it with customer_managed_policy",
				`5:119: customer managed policy path "nope" is not an IAM path`,
			},
		},
		{
			"more than 20 policies in a permission set",
			lines("version: 1", "permission_sets:", "  Big:", "    managed_policies: ["+policyARNs("aws", 15)+"]", "    customer_managed_policies: [c1, c2, c3, c4, c5, c6]"),
			[]string{"4:23: permission set Big has 21 managed and customer managed policies; Identity Center allows 20"},
		},
		{
			"permission set inline policy written in YAML points at the element",
			lines(
				"version: 1",
				"permission_sets:",
				"  Admin:",
				"    inline_policy:",
				`      Version: "2012-10-17"`,
				"      Statement:",
				"        - Effect: allow",
				"          Action: s3:GetObject",
				`          Resource: "*"`,
				"        - Effect: Allow",
				"          Actions: [s3:PutObject]",
				"          Resource: my-bucket",
				"          Principal: { AWS: x }",
			),
			[]string{
				`7:19: inline_policy of permission set Admin: Statement[0].Effect: Effect "allow" is not Allow or Deny`,
				"10:11: inline_policy of permission set Admin: Statement[1]: statement has neither Action nor NotAction",
				`11:20: inline_policy of permission set Admin: Statement[1].Actions: unknown element "Actions"`,
				`12:21: inline_policy of permission set Admin: Statement[1].Resource: resource "my-bucket" is not an ARN`,
				"13:11: inline_policy of permission set Admin: Statement[1].Principal: Principal is not allowed in a permission set inline policy",
			},
		},
		{
			"permission set inline policy written as JSON",
			lines(
				"version: 1",
				"permission_sets:",
				"  Broken:",
				`    inline_policy: '{"Version": "2012-10-17", "Statement": [}'`,
				"  NoVersion:",
				"    inline_policy: |",
				`      {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`,
			),
			[]string{
				"4:20: inline_policy is not valid JSON: invalid character '}' looking for beginning of value at line 1, column 41",
				"6:20: inline_policy of permission set NoVersion: Version is missing",
			},
		},
		{
			"permission set inline policy over the size limit",
			lines("version: 1", "permission_sets:", "  Big:", "    inline_policy: '"+bigPolicy(10300)+"'"),
			[]string{"4:20: inline_policy of permission set Big: the policy is 10300 characters without whitespace; Identity Center allows 10240 in a permission set's inline policy"},
		},
		{
			"assignments",
			lines(
				"version: 1",
				"accounts:",
				`  prod: { id: "222222222222" }`,
				`  client: { id: "333333333333", external: true, admin_profile: c }`,
				"users: { alice: { email: a@example.com, given_name: A, family_name: D } }",
				"groups: { Engineers: { members: [alice] } }",
				"permission_sets: { Admin: {}, ReadOnly: {} }",
				"assignments:",
				"  - accounts: [prod]",
				"  - groups: [Enginers]",
				"    users: [alcie]",
				"    permission_sets: [Admn, ReadOnyl]",
				"    accounts: [prd, client]",
				"  - groups: [Engineers]",
				"    permission_sets: [Admin]",
				`    accounts: { all: true, exclude: [client, nope], ou: /Workloads, tags: { "aws:env": prod } }`,
				"  - groups: [Engineers]",
				"    permission_sets: [Admin]",
				"    accounts: { ou: [A//B, Workloads], names: [client] }",
			),
			[]string{
				"9:5: assignment 1 gives access to no one: it has no groups or users",
				"9:5: assignment 1 has no permission_sets",
				`10:14: unknown group "Enginers"`,
				`11:13: unknown user "alcie"`,
				`12:23: unknown permission set "Admn"`,
				`12:29: unknown permission set "ReadOnyl"`,
				`13:16: unknown account "prd"`,
				"16:38: exclude names external account client, which all and ou never select",
				`16:46: unknown account "nope"`,
				`16:57: ou "/Workloads" starts or ends with /`,
				`16:88: tag "aws:env" of the selector: the key starts with aws:, which AWS reserves`,
				`19:22: ou "A//B" has an empty part`,
			},
		},
		{
			"an external account reached through saml needs no hub",
			lines(
				"version: 1",
				"accounts:",
				"  client:",
				`    id: "333333333333"`,
				"    external: true",
				"    admin_profile: c",
				"    saml: { metadata: m.xml, role: R, permission_set: ReadOnly }",
				"groups: { G: {} }",
				"permission_sets: { ReadOnly: {} }",
				"assignments:",
				"  - { groups: [G], permission_sets: [ReadOnly], accounts: [client] }",
			),
			nil,
		},
		{
			"a selector of tags alone reaches external accounts",
			lines(
				"version: 1",
				"accounts:",
				`  client: { id: "333333333333", external: true, admin_profile: c, tags: { client: abc } }`,
				"groups: { G: {} }",
				"permission_sets: { P: {} }",
				"assignments:",
				"  - { groups: [G], permission_sets: [P], accounts: { tags: { client: abc }, exclude: [client] } }",
				"roles:",
				"  Src: { accounts: { tags: { client: abc } }, trust: [{ account: client }], can_assume: [Dst@client] }",
				"  Dst: { accounts: { tags: { client: abc } }, trust: [{ role: Src@client }] }",
				"  Everywhere: { accounts: all, trust: [{ account: client }] }",
				"  Other: { accounts: { tags: { client: xyz } }, trust: [{ account: client }] }",
				"  Last: { accounts: [client], trust: [{ role: Everywhere@client }, { role: Other@client }] }",
			),
			[]string{
				"13:47: role Everywhere is not created in account client",
				"13:76: role Other is not created in account client",
			},
		},
		{
			"reserved tags, MFA with permission sets, principals of another account, fractions of seconds",
			lines(
				"version: 1",
				`accounts: { prod: { id: "222222222222" }, tools: { id: "333333333333" } }`,
				"permission_sets:",
				`  P: { tags: { "gatehouse:managed": "true" } }`,
				"roles:",
				"  R:",
				"    accounts: [prod]",
				"    max_session: 1h30m0.5s",
				`    tags: { "gatehouse:owner": me }`,
				"    trust:",
				`      - { account: tools, principal: "arn:aws:iam::444444444444:role/ci" }`,
				`      - { account: tools, principal: "arn:aws:iam::333333333333:role/ci" }`,
				"      - { permission_set: P, account: prod, mfa: true }",
			),
			[]string{
				`4:37: tag "gatehouse:managed" of permission set P is reserved for gatehouse`,
				"8:18: max_session of role R is 1h30m0.5s, not a whole number of seconds",
				`9:32: tag "gatehouse:owner" of role R is reserved for gatehouse`,
				"11:38: principal arn:aws:iam::444444444444:role/ci is in account 444444444444, not in the trusted account tools (333333333333)",
				"13:9: role R requires MFA, which a session of permission set P never has",
			},
		},
		{
			"role names, paths and settings",
			lines(
				"version: 1",
				"accounts: { prod: { id: \"222222222222\" } }",
				"roles:",
				"  AWSReservedSSO_Admin:",
				"    path: /aws-reserved/x/",
				"    accounts: [prod]",
				"    trust: [{ account: prod }]",
				"  Deploy:",
				"    path: deploy",
				"    description: "+strings.Repeat("d", 1001),
				"    accounts: [prod]",
				"    max_session: 13h",
				"    tags: { \"aws:team\": x }",
				"  Orphan:",
				"    accounts: [prod]",
			),
			[]string{
				"4:3: role name AWSReservedSSO_Admin starts with AWSReservedSSO_, which AWS reserves",
				"5:11: path /aws-reserved/x/ of role AWSReservedSSO_Admin is reserved by AWS",
				"8:3: role Deploy trusts no one, so no one can assume it",
				`9:11: path "deploy" of role Deploy is not an IAM path`,
				"10:18: description of role Deploy is 1001 characters long; AWS allows 1000",
				"12:18: max_session of role Deploy is 13h, outside 1h to 12h",
				`13:25: tag "aws:team" of role Deploy: the key starts with aws:, which AWS reserves`,
				"14:3: role Orphan trusts no one, so no one can assume it",
			},
		},
		{
			"trust entries",
			lines(
				"version: 1",
				"identity_center: { region: us-east-1 }",
				"accounts:",
				`  management: { id: "111111111111" }`,
				`  prod: { id: "222222222222" }`,
				"permission_sets: { Admin: {} }",
				"roles:",
				"  Source:",
				"    accounts: [management]",
				"    trust: [{ account: management }]",
				"  Deploy:",
				"    accounts: [prod]",
				"    trust:",
				"      - {}",
				"      - { role: Source@management, permission_set: Admin }",
				"      - { role: Source@management, principal: role/x }",
				"      - { account: management, principal: arn:aws:iam::x }",
				"      - { account: management, tighten: true }",
				"      - { account: mgmt }",
				`      - { account: "999999999999" }`,
				"      - { role: Source }",
				"      - { role: Sorce@management }",
				"      - { role: Source@prd }",
				"      - { role: Source@prod }",
				"      - { role: Unmanaged@prod }",
				"      - { permission_set: Admn, account: management }",
				"      - { permission_set: Admin }",
				`      - { account: prod, external_id: "x", principal_org_id: o-123 }`,
				`    conditions: { external_id: "has space" }`,
			),
			[]string{
				"14:9: trust entry of role Deploy names no one to trust",
				"15:9: trust entry of role Deploy names both role and permission_set; it must name one",
				"16:47: principal narrows an account trust, but this entry trusts a role",
				`17:43: principal "arn:aws:iam::x" is not role/NAME or user/NAME`,
				"18:41: tighten applies to role entries only",
				`19:20: unknown account "mgmt"`,
				`21:17: role reference "Source" is not Name@account`,
				`22:17: unknown role "Sorce" in Sorce@management`,
				`23:17: unknown account "prd"`,
				"24:17: role Source is not created in account prod",
				`25:17: unknown role "Unmanaged" in Unmanaged@prod`,
				`26:27: unknown permission set "Admn"`,
				"28:39: external_id is not 2-1224 characters of letters, digits and + = , . @ : / _ -",
				`28:62: principal_org_id "o-123" is not an organization ID`,
				"29:32: external_id is not 2-1224 characters of letters, digits and + = , . @ : / _ -",
			},
		},
		{
			"can_assume",
			lines(
				"version: 1",
				"accounts:",
				`  management: { id: "111111111111" }`,
				`  prod: { id: "222222222222" }`,
				"roles:",
				"  Source:",
				"    accounts: [management]",
				"    trust: [{ account: management }]",
				"    can_assume: [Target@prod, Target@management, Nope@prod, Open@prod, Narrow@prod, Pattern@prod, Source@management, Target]",
				"  Target:",
				"    accounts: [prod]",
				"    trust: [{ account: prod }]",
				"  Open:",
				"    accounts: { all: true }",
				`    trust: [{ account: "111111111111" }]`,
				"  Narrow:",
				"    accounts: [prod]",
				"    trust: [{ account: management, principal: role/ci-* }]",
				"  Pattern:",
				"    accounts: [prod]",
				"    trust: [{ account: management, principal: role/Sour* }]",
			),
			[]string{
				"9:18: role Target in prod does not trust role Source, so it cannot be assumed from it",
				"9:31: role Target is not created in account management",
				`9:50: unknown role "Nope" in Nope@prod`,
				"9:72: role Narrow in prod does not trust role Source, so it cannot be assumed from it",
				`9:118: role reference "Target" is not Name@account`,
			},
		},
		{
			"role policies",
			lines(
				"version: 1",
				"accounts:",
				`  management: { id: "111111111111" }`,
				`  prod: { id: "222222222222" }`,
				"roles:",
				"  Deploy:",
				"    accounts: [prod, management]",
				"    trust: [{ account: management }]",
				"    managed_policies:",
				"      - arn:aws:iam::111111111111:policy/Deploy",
				"      - arn:aws:iam::aws:policy/ReadOnlyAccess",
				"      - arn:aws:iam::aws:policy/ReadOnlyAccess",
				"      - not-an-arn",
				"    inline_policy: { Version: 2012-10-17, Statement: [] }",
				"  Many:",
				"    accounts: all",
				"    trust: [{ account: management }]",
				"    managed_policies: ["+policyARNs("111111111111", 11)+"]",
			),
			[]string{
				"10:9: managed policy arn:aws:iam::111111111111:policy/Deploy belongs to account 111111111111, but role Deploy is also created in account 222222222222",
				"12:9: managed policy arn:aws:iam::aws:policy/ReadOnlyAccess is listed twice",
				`13:9: managed policy "not-an-arn" is not an IAM policy ARN`,
				"14:54: inline_policy of role Deploy: Statement: Statement is an empty list",
				"18:23: role Many has 11 managed policies; IAM's default quota is 10 per role",
			},
		},
		{
			"role inline policies add up with can_assume",
			lines(
				"version: 1",
				"accounts:",
				`  prod: { id: "222222222222" }`,
				"roles:",
				"  Big:",
				"    accounts: [prod]",
				"    trust: [{ account: prod }]",
				"    can_assume: [Big@prod]",
				"    inline_policy: '"+bigPolicy(10200)+"'",
				"  Bigger:",
				"    accounts: [prod]",
				"    trust: [{ account: prod }]",
				"    inline_policy: '"+bigPolicy(10300)+"'",
			),
			[]string{
				"9:20: inline_policy and the can_assume policy of role Big add up to at least 10323 characters; IAM allows 10240",
				"13:20: inline_policy of role Bigger: the policy is 10300 characters without whitespace; IAM allows 10240 for all inline policies of a role",
			},
		},
		{
			"trust policy over IAM's default quota",
			lines(
				"version: 1",
				"accounts: { prod: { id: \"222222222222\" }, tools: { id: \"333333333333\" } }",
				"roles:",
				"  Wide:",
				"    accounts: [prod]",
				"    trust: ["+trustPrincipals("tools", 55)+"]",
				"  AlmostWide:",
				"    accounts: [prod]",
				"    trust: ["+trustPrincipals("tools", 50)+"]",
			),
			[]string{"6:12: the trust policy of role Wide needs at least 2156 characters; IAM's default quota is 2048"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, check(t, tt.src)); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateHints checks that hints name the fix, using what the model
// does hold.
func TestValidateHints(t *testing.T) {
	t.Parallel()
	src := lines(
		"version: 1",
		"accounts:",
		`  management: { id: "111111111111" }`,
		`  production: { id: "222222222222" }`,
		"users: { alice: { email: a@example.com, given_name: A, family_name: D } }",
		"groups: { Engineers: {}, Admins: {} }",
		"permission_sets: { ReadOnly: {} }",
		"assignments:",
		"  - { groups: [Enginers, Auditors], permission_sets: [ReadOnly], accounts: [prod] }",
		"  - { users: [bob], permission_sets: [Admin], accounts: [management] }",
		"roles:",
		"  Source: { accounts: [management], trust: [{ account: management }], can_assume: [Target@production] }",
		"  Target: { accounts: [production], trust: [{ account: production }] }",
		"  Other: { accounts: [management], trust: [{ role: Robot@management }] }",
	)
	m, probs := Parse("m.yaml", []byte(src))
	probs = append(probs, Validate(m)...)
	var got []string
	for _, p := range probs.Sort() {
		got = append(got, p.Message+" => "+p.Hint)
	}
	want := []string{
		`unknown group "Enginers" => did you mean Engineers?`,
		`unknown group "Auditors" => define it under groups:, or use one of Engineers, Admins`,
		`unknown account "prod" => did you mean production?`,
		`unknown user "bob" => define it under users:, or use one of alice`,
		`unknown permission set "Admin" => define it under permission_sets:, or use one of ReadOnly`,
		"role Target in production does not trust role Source, so it cannot be assumed from it => add {role: Source@management} to the trust of role Target",
		`unknown role "Robot" in Robot@management => define it under roles:, or to trust a role gatehouse does not manage write {account: management, principal: role/Robot}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hints mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateNil(t *testing.T) {
	t.Parallel()
	if got := Validate(nil); got != nil {
		t.Errorf("Validate(nil) = %v, want nothing", got)
	}
}

// TestValidateBuiltModel checks a model built in code, without positions:
// problems still point at the file.
func TestValidateBuiltModel(t *testing.T) {
	t.Parallel()
	m := &Model{File: "built.yaml", Version: 1, Groups: []Group{{Name: "G", Members: []string{"nobody"}}}}
	got := Validate(m)
	want := Problems{{Pos: Pos{File: "built.yaml", Line: 1, Col: 1}, Message: `unknown user "nobody"`, Hint: "no user is defined: add it under users:"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
	}
}

func manyTags(n int) string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("k%d: v", i)
	}
	return strings.Join(tags, ", ")
}

func policyARNs(account string, n int) string {
	arns := make([]string, n)
	for i := range arns {
		arns[i] = fmt.Sprintf("arn:aws:iam::%s:policy/P%d", account, i)
	}
	return strings.Join(arns, ", ")
}

// trustPrincipals returns n trust entries, each adding 37 characters to
// the trust policy's floor.
func trustPrincipals(account string, n int) string {
	entries := make([]string, n)
	for i := range entries {
		entries[i] = fmt.Sprintf("{ account: %s, principal: role/deployment-pipeline-runner-%02d }", account, i)
	}
	return strings.Join(entries, ", ")
}

// bigPolicy returns a valid policy of exactly n characters.
func bigPolicy(n int) string {
	const head = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`
	const tail = `"}]}`
	return head + strings.Repeat("b", n-len(head)-len(tail)) + tail
}
