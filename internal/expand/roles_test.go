package expand

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// crossModel holds seed 000's role pair (in every Prod account through an
// OU selector), seed 001's client account reached by hop permission sets,
// and seed 004's SAML path for a second client.
const crossModel = `version: 1
identity_center:
  region: eu-west-1
accounts:
  management: { id: "111111111111" }
  production: { id: "333333333333" }
  abccorp-prod:
    id: "999999999999"
    external: true
    admin_role: arn:aws:iam::999999999999:role/AcmeProvisioner
  xyz-prod:
    id: "888888888888"
    external: true
    admin_profile: xyz-admin
    saml: { metadata: testdata/identity-center-metadata.xml, permission_set: ReadOnly }
users:
  alice: { email: alice@acme.com, given_name: Alice, family_name: Doe }
groups:
  Engineers: { members: [alice] }
permission_sets:
  ReadOnly:
    session_duration: 8h
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
assignments:
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: [production, abccorp-prod]
roles:
  EngineerIdentity:
    accounts: [management]
    trust: [{ account: management }]
    can_assume: [EngineerAccess@production]
  EngineerAccess:
    accounts: { ou: Workloads/Prod }
    trust: [{ role: EngineerIdentity@management }]
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
`

func crossOrg() *state.Organization {
	return &state.Organization{
		ID:                  "o-test",
		ManagementAccountID: "111111111111",
		OUs:                 []string{"Workloads", "Workloads/Prod"},
		Accounts: []state.OrgAccount{
			{ID: "111111111111", Name: "Management", Status: "ACTIVE"},
			{ID: "333333333333", Name: "Production", Status: "ACTIVE", OUPath: "Workloads/Prod"},
			{ID: "444444444444", Name: "EU", Status: "ACTIVE", OUPath: "Workloads/Prod"},
		},
	}
}

// loadCross parses text as a model and gives its SAML accounts the
// metadata in testdata, as model.Load would after reading the file.
func loadCross(t *testing.T, text string) *model.Model {
	t.Helper()
	meta, err := os.ReadFile("testdata/identity-center-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	m, probs := model.Parse(filepath.Join(t.TempDir(), "gatehouse.yaml"), []byte(text))
	if len(probs) > 0 {
		t.Fatalf("test model does not parse:\n%v", probs)
	}
	for _, a := range m.Accounts {
		if a.SAML != nil {
			a.SAML.MetadataXML = string(meta)
		}
	}
	return m
}

func TestDesiredRoles(t *testing.T) {
	t.Parallel()
	s, err := Desired(loadCross(t, crossModel), crossOrg())
	if err != nil {
		t.Fatalf("Desired() error: %v", err)
	}
	var keys []string
	for k := range s.Roles {
		keys = append(keys, k)
	}
	wantKeys := []string{
		"111111111111/EngineerIdentity",
		"333333333333/EngineerAccess",
		"444444444444/EngineerAccess", // the OU selector sees accounts the model does not name
		"888888888888/IdentityCenterAccess",
		"999999999999/gatehouse-ReadOnly",
	}
	if diff := cmp.Diff(wantKeys, slices.Sorted(slices.Values(keys))); diff != "" {
		t.Errorf("role keys mismatch (-want +got):\n%s", diff)
	}
	access := s.Roles["333333333333/EngineerAccess"]
	if !strings.Contains(access.TrustPolicy, `"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::111111111111:role/EngineerIdentity"]}`) ||
		access.Tags[state.ManagedTagKey] != state.ManagedTagValue || access.MaxSessionDuration != 3600 {
		t.Errorf("EngineerAccess = %+v, want trust by aws:PrincipalArn, the ownership tag and 1h sessions", access)
	}
	hop, ok := s.PermissionSets["abccorp-prod-ReadOnly"]
	if !ok {
		t.Fatalf("no hop permission set; sets: %v", s.PermissionSets)
	}
	wantHop := state.PermissionSet{
		Name:            "abccorp-prod-ReadOnly",
		Description:     "Hop to gatehouse-ReadOnly in abccorp-prod (999999999999) as ReadOnly",
		SessionDuration: "PT8H",
		InlinePolicy:    `{"Statement":[{"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],"Effect":"Allow","Resource":["arn:aws:iam::999999999999:role/gatehouse-ReadOnly"]}],"Version":"2012-10-17"}`,
	}
	if diff := cmp.Diff(wantHop, hop); diff != "" {
		t.Errorf("hop permission set mismatch (-want +got):\n%s", diff)
	}
	wantAssignments := []state.Assignment{
		{AccountID: "111111111111", PermissionSet: "abccorp-prod-ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: "333333333333", PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
	}
	if diff := cmp.Diff(wantAssignments, s.Assignments); diff != "" {
		t.Errorf("assignments mismatch (-want +got):\n%s", diff)
	}
	p, ok := s.SAMLProviders[state.SAMLProviderKey("888888888888", trust.DefaultSAMLProvider)]
	if !ok || !strings.Contains(p.MetadataDocument, "<md:EntityDescriptor") || p.Tags[state.ManagedTagKey] != state.ManagedTagValue {
		t.Errorf("SAML provider = %+v (found %v), want the metadata model.Load read, tagged", p, ok)
	}
	if got := s.Roles["888888888888/IdentityCenterAccess"].MaxSessionDuration; got != 8*3600 {
		t.Errorf("SAML role max session = %d, want the permission set's 8h", got)
	}
}

func TestDesiredRemovingExternalAssignmentRemovesAllThreeParts(t *testing.T) {
	t.Parallel()
	text := strings.Replace(crossModel, "accounts: [production, abccorp-prod]", "accounts: [production]", 1)
	s, err := Desired(loadCross(t, text), crossOrg())
	if err != nil {
		t.Fatalf("Desired() error: %v", err)
	}
	if _, ok := s.Roles["999999999999/gatehouse-ReadOnly"]; ok {
		t.Error("the role in the external account is still desired")
	}
	if _, ok := s.PermissionSets["abccorp-prod-ReadOnly"]; ok {
		t.Error("the hop permission set is still desired")
	}
	for _, a := range s.Assignments {
		if a.PermissionSet == "abccorp-prod-ReadOnly" {
			t.Errorf("hop assignment %+v is still desired", a)
		}
	}
}

func TestDesiredRoleProblems(t *testing.T) {
	t.Parallel()
	text := strings.Replace(crossModel, "trust: [{ role: EngineerIdentity@management }]", "trust: [{ role: EngineerIdentity@production }]", 1)
	_, err := Desired(loadCross(t, text), crossOrg())
	var ee *Error
	if !errors.As(err, &ee) {
		t.Fatalf("Desired() error = %v, want an *Error", err)
	}
	if len(ee.Problems) != 1 || !strings.Contains(ee.Problems[0].Message, "role EngineerIdentity is not created in account production (333333333333)") {
		t.Errorf("problems = %v, want the one about EngineerIdentity@production", ee.Problems)
	}
}
