package trust

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// base is the model every test extends: a hub (management), two member
// accounts and a client account of another organization.
const base = `version: 1
identity_center:
  region: eu-west-1
  hub_account: management
accounts:
  management: { id: "111111111111" }
  staging: { id: "222222222222" }
  production: { id: "333333333333" }
  abccorp-prod:
    id: "444444444444"
    external: true
    admin_role: arn:aws:iam::444444444444:role/AcmeProvisioner
users:
  alice: { email: alice@acme.com, given_name: Alice, family_name: Doe }
  bob: { email: bob@acme.com, given_name: Bob, family_name: Roe }
groups:
  Engineers: { members: [alice] }
  Contractors: { members: [bob] }
permission_sets:
  ReadOnly:
    session_duration: 8h
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
  Admin:
    managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
  Admin_Billing:
    managed_policies: [arn:aws:iam::aws:policy/job-function/Billing]
`

// parse loads base+extra through the real model loader.
func parse(t *testing.T, extra string) *model.Model {
	t.Helper()
	m, probs := model.Parse("gatehouse.yaml", []byte(base+extra))
	if len(probs) > 0 {
		t.Fatalf("test model does not parse:\n%v", probs)
	}
	readMetadataFiles(m)
	return m
}

// readMetadataFiles does what model.Load does for SAML metadata: it reads
// each account's metadata file (here from testdata/) into MetadataXML,
// leaving it empty when the file cannot be read.
func readMetadataFiles(m *model.Model) {
	for _, a := range m.Accounts {
		if a.SAML == nil || a.SAML.Metadata == "" {
			continue
		}
		if doc, err := os.ReadFile("testdata/" + a.SAML.Metadata); err == nil {
			a.SAML.MetadataXML = string(doc)
		}
	}
}

// selectorIn resolves selectors as model expansion does, against an
// organization made of the model's member accounts, with management the
// organization's management account.
func selectorIn(m *model.Model, management string) *state.Selector {
	org := &state.Organization{ID: "o-test", ManagementAccountID: management}
	for _, a := range m.Accounts {
		if !a.External {
			org.Accounts = append(org.Accounts, state.OrgAccount{ID: a.ID, Name: a.Name, Status: "ACTIVE"})
		}
	}
	slices.SortFunc(org.Accounts, func(a, b state.OrgAccount) int { return strings.Compare(a.ID, b.ID) })
	return state.NewSelector(m, org)
}

func expandModel(t *testing.T, extra string) (*Result, error) {
	t.Helper()
	m := parse(t, extra)
	return Expand(Input{Model: m, Selector: selectorIn(m, "111111111111")})
}

func mustCanonical(t *testing.T, doc string) string {
	t.Helper()
	c, err := policy.Canonical(doc)
	if err != nil {
		t.Fatalf("test policy %s: %v", doc, err)
	}
	return c
}

func roleByKey(t *testing.T, res *Result, key string) state.Role {
	t.Helper()
	for _, r := range res.Roles {
		if r.Key() == key {
			return r
		}
	}
	var keys []string
	for _, r := range res.Roles {
		keys = append(keys, r.Key())
	}
	t.Fatalf("no role %s in result (have %v)", key, keys)
	return state.Role{}
}

func TestExpandTrustPolicies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		roles string
		key   string // role whose trust policy is checked
		want  string // expected trust policy (any JSON spelling)
	}{
		{
			name: "account of the model",
			roles: `roles:
  Deploy: { accounts: [production], trust: [{ account: management }] }`,
			key: "333333333333/Deploy",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`,
		},
		{
			name: "account by id",
			roles: `roles:
  Deploy: { accounts: [production], trust: [{ account: "999999999999" }] }`,
			key: "333333333333/Deploy",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::999999999999:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`,
		},
		{
			name: "account narrowed to a principal pattern",
			roles: `roles:
  Deploy: { accounts: [production], trust: [{ account: management, principal: role/ci-* }] }`,
			key: "333333333333/Deploy",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
				"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/ci-*"}}}]}`,
		},
		{
			name: "account narrowed to a full ARN",
			roles: `roles:
  Deploy: { accounts: [production], trust: [{ account: management, principal: "arn:aws:iam::111111111111:user/alice" }] }`,
			key: "333333333333/Deploy",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
				"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:user/alice"}}}]}`,
		},
		{
			name: "role of the model by aws:PrincipalArn (default)",
			roles: `roles:
  Source: { accounts: [management], path: /ops/, trust: [{ account: management }] }
  Target: { accounts: [production], trust: [{ role: Source@management }] }`,
			key: "333333333333/Target",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
				"Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/ops/Source"}}}]}`,
		},
		{
			name: "role of the model tightened to its exact ARN",
			roles: `roles:
  Source: { accounts: [management], trust: [{ account: management }] }
  Target: { accounts: [production], trust: [{ role: Source@management, tighten: true }] }`,
			key: "333333333333/Target",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:role/Source"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`,
		},
		{
			name: "permission set of the hub, both path forms",
			roles: `roles:
  Auditor: { accounts: [production], trust: [{ permission_set: ReadOnly }] }`,
			key: "333333333333/Auditor",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
				"Condition":{"ArnLike":{"aws:PrincipalArn":[
					"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_*",
					"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_ReadOnly_*"]}}}]}`,
		},
		{
			name: "permission set excludes sets whose names extend it",
			roles: `roles:
  Break: { accounts: [production], trust: [{ permission_set: Admin }] }`,
			key: "333333333333/Break",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
				"Condition":{
					"ArnLike":{"aws:PrincipalArn":[
						"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_*",
						"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"]},
					"ArnNotLike":{"aws:PrincipalArn":[
						"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_Billing_*",
						"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_Billing_*"]}}}]}`,
		},
		{
			name: "permission set in another account",
			roles: `roles:
  Auditor: { accounts: [production], trust: [{ permission_set: ReadOnly, account: staging }] }`,
			key: "333333333333/Auditor",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::222222222222:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],
				"Condition":{"ArnLike":{"aws:PrincipalArn":[
					"arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_*",
					"arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_ReadOnly_*"]}}}]}`,
		},
		{
			name: "conditions on the entry",
			roles: `roles:
  Vendor:
    accounts: [production]
    trust: [{ account: "999999999999", external_id: acme-7f3a, mfa: true, principal_org_id: o-abcdefghij }]`,
			key: "333333333333/Vendor",
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::999999999999:root"},
				"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
				"Condition":{
					"StringEquals":{"sts:ExternalId":"acme-7f3a","aws:PrincipalOrgID":"o-abcdefghij"},
					"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
		},
		{
			name: "role conditions apply to every entry, an entry's value wins",
			roles: `roles:
  Vendor:
    accounts: [production]
    conditions: { external_id: role-wide, mfa: true }
    trust:
      - { account: management }
      - { account: staging, external_id: staging-only }`,
			key: "333333333333/Vendor",
			want: `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				 "Action":["sts:AssumeRole","sts:SetSourceIdentity"],
				 "Condition":{"StringEquals":{"sts:ExternalId":"role-wide"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
				{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},
				 "Action":["sts:AssumeRole","sts:SetSourceIdentity"],
				 "Condition":{"StringEquals":{"sts:ExternalId":"staging-only"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := expandModel(t, tt.roles)
			if err != nil {
				t.Fatalf("Expand() error: %v", err)
			}
			got := roleByKey(t, res, tt.key).TrustPolicy
			if diff := cmp.Diff(mustCanonical(t, tt.want), got); diff != "" {
				t.Errorf("trust policy of %s mismatch (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

// TestExpandSeed000 is seed 000's pair: EngineerIdentity in management may
// assume EngineerAccess in production, which trusts it.
func TestExpandSeed000(t *testing.T) {
	t.Parallel()
	res, err := expandModel(t, `roles:
  EngineerIdentity:
    description: Engineers' identity in management
    accounts: [management]
    trust: [{ account: management }]
    can_assume: [EngineerAccess@production, EngineerAccess@staging]
  EngineerAccess:
    accounts: [production, staging]
    path: /engineering/
    trust: [{ role: EngineerIdentity@management, tighten: true }]
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/ReadOnlyAccess]
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "iam:*", Resource: "*" }] }
    permissions_boundary: { customer_managed_policy: { name: EngineerBoundary, path: /fences/ } }
    max_session: 4h
    tags: { team: platform }
    adopt: true
`)
	if err != nil {
		t.Fatalf("Expand() error: %v", err)
	}
	accessTrust := mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::111111111111:role/EngineerIdentity"},
		"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`)
	access := func(account string) state.Role {
		return state.Role{
			AccountID: account, Name: "EngineerAccess", Path: "/engineering/",
			TrustPolicy:     accessTrust,
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			InlinePolicies: map[string]string{
				InlinePolicyName: mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`),
			},
			MaxSessionDuration: 4 * 3600,
			// A customer-managed boundary is the policy of that name in
			// each account the role is created in.
			PermissionsBoundary: "arn:aws:iam::" + account + ":policy/fences/EngineerBoundary",
			Tags:                map[string]string{state.ManagedTagKey: state.ManagedTagValue, "team": "platform"},
			Adopt:               true,
		}
	}
	want := []state.Role{
		{
			AccountID: "111111111111", Name: "EngineerIdentity", Path: "/",
			Description: "Engineers' identity in management",
			TrustPolicy: mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`),
			InlinePolicies: map[string]string{
				CanAssumePolicyName: mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
					"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
					"Resource":["arn:aws:iam::333333333333:role/engineering/EngineerAccess",
					            "arn:aws:iam::222222222222:role/engineering/EngineerAccess"]}]}`),
			},
			MaxSessionDuration: 3600,
			Tags:               map[string]string{state.ManagedTagKey: state.ManagedTagValue},
		},
		access("222222222222"),
		access("333333333333"),
	}
	if diff := cmp.Diff(want, res.Roles); diff != "" {
		t.Errorf("roles mismatch (-want +got):\n%s", diff)
	}
	docs := map[string]string{}
	for _, r := range res.Roles {
		docs[r.Key()] = r.TrustPolicy
	}
	order, err := CreateOrder(docs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"111111111111/EngineerIdentity", "222222222222/EngineerAccess", "333333333333/EngineerAccess"}, order); diff != "" {
		t.Errorf("CreateOrder() mismatch (-want +got):\n%s", diff)
	}
}

// TestExpandOrderPutsTrustedRoleFirst checks that the order depends on the
// trust, not on names: Alpha trusts Zulu exactly, so Zulu comes first.
func TestExpandOrderPutsTrustedRoleFirst(t *testing.T) {
	t.Parallel()
	res, err := expandModel(t, `roles:
  Alpha: { accounts: [production], trust: [{ role: Zulu@staging, tighten: true }] }
  Zulu: { accounts: [staging], trust: [{ role: Mike@management, tighten: true }] }
  Mike: { accounts: [management], trust: [{ account: management }] }
`)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, r := range res.Roles {
		docs[r.Key()] = r.TrustPolicy
	}
	order, err := CreateOrder(docs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"111111111111/Mike", "222222222222/Zulu", "333333333333/Alpha"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("CreateOrder() mismatch (-want +got):\n%s", diff)
	}
}

func TestExpandProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		extra string
		want  []string // substrings, one per expected problem, in position order
	}{
		{"unknown trusted role", `roles:
  R: { accounts: [production], trust: [{ role: Ghost@management }] }`,
			[]string{"trust entry names role Ghost@management, which is not in the model"}},
		{"trusted role not in that account", `roles:
  S: { accounts: [management], trust: [{ account: management }] }
  R: { accounts: [production], trust: [{ role: S@staging }] }`,
			[]string{"role S is not created in account staging (222222222222)"}},
		{"unknown trusted account", `roles:
  R: { accounts: [production], trust: [{ account: nowhere }] }`,
			[]string{`trust names account "nowhere", which is not an account of the model`}},
		{"two subjects", `roles:
  S: { accounts: [management], trust: [{ account: management }] }
  R: { accounts: [production], trust: [{ account: management, role: S@management }] }`,
			[]string{"trust entry must name exactly one of account, role or permission_set"}},
		{"tighten on an account", `roles:
  R: { accounts: [production], trust: [{ account: management, tighten: true }] }`,
			[]string{"tighten applies only to a role trust entry"}},
		{"principal on a role entry", `roles:
  S: { accounts: [management], trust: [{ account: management }] }
  R: { accounts: [production], trust: [{ role: S@management, principal: role/x }] }`,
			[]string{"principal applies only to an account trust entry"}},
		{"principal pattern of another kind", `roles:
  R: { accounts: [production], trust: [{ account: management, principal: group/admins }] }`,
			[]string{`principal "group/admins" is neither role/... nor user/...`}},
		{"principal ARN in another account", `roles:
  R: { accounts: [production], trust: [{ account: management, principal: "arn:aws:iam::222222222222:role/x" }] }`,
			[]string{"is not an IAM ARN in account management (111111111111)"}},
		{"max session out of range", `roles:
  R: { accounts: [production], max_session: 13h, trust: [{ account: management }] }`,
			[]string{"max_session 13h0m0s is out of range"}},
		{"reserved tag", `roles:
  R: { accounts: [production], tags: { "gatehouse:managed": "no" }, trust: [{ account: management }] }`,
			[]string{"tag gatehouse:managed is reserved"}},
		{"unknown permission set", `roles:
  R: { accounts: [production], trust: [{ permission_set: Nope }] }`,
			[]string{"trust names permission set Nope, which is not in the model"}},
		{"bad organization id", `roles:
  R: { accounts: [production], trust: [{ account: management, principal_org_id: org-1 }] }`,
			[]string{`principal_org_id "org-1" is not an organization ID`}},
		{"bad external id", `roles:
  R: { accounts: [production], trust: [{ account: management, external_id: "a b" }] }`,
			[]string{`external_id "a b" is not a valid sts:ExternalId`}},
		{"trusts nobody", `roles:
  R: { accounts: [production], trust: [] }`,
			[]string{"role R trusts nobody"}},
		{"can_assume a role not created there", `roles:
  S: { accounts: [management], trust: [{ account: management }] }
  R: { accounts: [production], trust: [{ account: management }], can_assume: [S@production] }`,
			[]string{"can_assume names role S@production, but role S is not created in account production (333333333333)"}},
		{"tighten cycle", `roles:
  A: { accounts: [production], trust: [{ role: B@staging, tighten: true }] }
  B: { accounts: [staging], trust: [{ role: A@production, tighten: true }] }`,
			[]string{"roles trust each other by exact ARN in a cycle (222222222222/B trusts 333333333333/A trusts 222222222222/B)"}},
		{"tighten on itself", `roles:
  A: { accounts: [production], trust: [{ role: A@production, tighten: true }] }`,
			[]string{"cycle (333333333333/A trusts 333333333333/A)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := expandModel(t, tt.extra)
			checkProblems(t, err, tt.want)
		})
	}
}

// checkProblems asserts err is model.Problems whose messages contain want,
// one each, in order.
func checkProblems(t *testing.T, err error, want []string) {
	t.Helper()
	var probs model.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("Expand() error = %v, want model.Problems", err)
	}
	if len(probs) != len(want) {
		t.Fatalf("Expand() reported %d problems, want %d:\n%v", len(probs), len(want), probs)
	}
	for i, p := range probs {
		if !strings.Contains(p.Message, want[i]) {
			t.Errorf("problem %d = %q, want it to contain %q", i, p.Message, want[i])
		}
		if p.Pos.Line == 0 {
			t.Errorf("problem %d has no line: %v", i, p)
		}
	}
}

func TestExpandHopCollisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model string
		want  []string
	}{
		{
			name: "model permission set has the hop's name",
			model: strings.Replace(base, "permission_sets:\n", "permission_sets:\n  abccorp-prod-Admin: {}\n", 1) + `assignments:
  - { groups: [Engineers], permission_sets: [Admin], accounts: [abccorp-prod] }
`,
			want: []string{"permission set abccorp-prod-Admin has the name gatehouse derives for the hop set of external account abccorp-prod with permission set Admin"},
		},
		{
			name: "two pairs derive the same hop name",
			model: strings.Replace(base, "accounts:\n", `accounts:
  abc/corp:
    id: "555555555555"
    external: true
    admin_role: arn:aws:iam::555555555555:role/AcmeProvisioner
  abc-corp:
    id: "666666666666"
    external: true
    admin_role: arn:aws:iam::666666666666:role/AcmeProvisioner
`, 1) + `assignments:
  - { groups: [Engineers], permission_sets: [Admin], accounts: [abc/corp, abc-corp] }
`,
			want: []string{"hop permission set name abc-corp-Admin is derived twice: for external account abc-corp with permission set Admin"},
		},
		{
			name: "model role takes the hop role's name in the external account",
			model: base + `assignments:
  - { groups: [Engineers], permission_sets: [Admin], accounts: [abccorp-prod] }
roles:
  gatehouse-Admin: { accounts: [abccorp-prod], trust: [{ account: management }] }
`,
			want: []string{"role gatehouse-Admin in account abccorp-prod (444444444444) is asked for twice"},
		},
		{
			name: "external account without admin role or profile",
			model: strings.Replace(base, "    admin_role: arn:aws:iam::444444444444:role/AcmeProvisioner\n", "", 1) + `roles:
  R: { accounts: [abccorp-prod], trust: [{ account: management }] }
`,
			want: []string{"external account abccorp-prod has neither admin_role nor admin_profile, so gatehouse cannot create role R there"},
		},
		{
			name: "external hub",
			model: strings.Replace(base, "hub_account: management", "hub_account: abccorp-prod", 1) + `roles:
  R: { accounts: [production], trust: [{ permission_set: Admin }] }
`,
			want: []string{"identity_center.hub_account abccorp-prod is an external account"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, probs := model.Parse("gatehouse.yaml", []byte(tt.model))
			if len(probs) > 0 {
				t.Fatalf("test model does not parse:\n%v", probs)
			}
			_, err := Expand(Input{Model: m, Selector: selectorIn(m, "111111111111")})
			checkProblems(t, err, tt.want)
		})
	}
}

// parseFull loads a whole model text through the real model loader.
func parseFull(t *testing.T, text string) *model.Model {
	t.Helper()
	m, probs := model.Parse("gatehouse.yaml", []byte(text))
	if len(probs) > 0 {
		t.Fatalf("test model does not parse:\n%v", probs)
	}
	readMetadataFiles(m)
	return m
}
