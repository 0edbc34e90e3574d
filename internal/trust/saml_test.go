package trust

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

const metadataFile = "testdata/identity-center-metadata.xml"

func readMetadata(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(metadataFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	md, err := ParseMetadata([]byte(readMetadata(t)))
	if err != nil {
		t.Fatalf("ParseMetadata() error: %v", err)
	}
	const sso = "https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/MTExMTExMTExMTExX2lucy0wMTIzNDU2Nzg5YWJjZGVm"
	if md.EntityID != sso || md.SSOURL != sso {
		t.Errorf("EntityID, SSOURL = %q, %q; want %q for both (HTTP-POST binding preferred)", md.EntityID, md.SSOURL, sso)
	}
	if len(md.Certificates) != 1 {
		t.Fatalf("Certificates = %v, want one", md.Certificates)
	}
	c := md.Certificates[0]
	if !strings.Contains(c.Subject, "IAM Identity Center test") || !c.NotAfter.Equal(time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)) || len(c.SHA256) != 64 {
		t.Errorf("certificate = %+v, want the test certificate valid until 2045", c)
	}
}

func TestParseMetadataRejects(t *testing.T) {
	t.Parallel()
	good := readMetadata(t)
	pad := func(s string) string { // keep the document above IAM's minimum size
		return s + "<!--" + strings.Repeat(" ", 1000) + "-->"
	}
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"too small", "<md:EntityDescriptor/>", "IAM accepts 1000 to 10000000"},
		{"not XML", pad("this is not xml <"), "not well-formed XML"},
		{"another root", pad(`<html><body>sign in</body></html>`), "not a SAML EntityDescriptor"},
		{"DOCTYPE", strings.Replace(good, "<md:EntityDescriptor", `<!DOCTYPE x [<!ENTITY e "x">]><md:EntityDescriptor`, 1), "DOCTYPE or entities"},
		{"no entityID", strings.Replace(good, `entityID="https://portal`, `other="https://portal`, 1), "has no entityID"},
		{"relative entityID", strings.Replace(good, `entityID="https://`, `entityID="`, 1), "is not an absolute URI"},
		{"service provider metadata", pad(`<EntityDescriptor entityID="urn:amazon:webservices"><SPSSODescriptor/></EntityDescriptor>`), "describes a service provider"},
		{"no IdP descriptor", pad(`<EntityDescriptor entityID="urn:x"></EntityDescriptor>`), "has no IDPSSODescriptor"},
		{"not SAML 2.0", strings.Replace(good, `protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"`, `protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"`, 1), "does not support SAML 2.0"},
		{"certificate not base64", replaceCert(good, "!!!not base64!!!"), "certificate is not base64"},
		{"certificate not X.509", replaceCert(good, "aGVsbG8gd29ybGQ="), "not an X.509 certificate"},
		{"encryption key only", strings.Replace(good, `use="signing"`, `use="encryption"`, 1), "has no signing certificate"},
		{"no sign-on service", strings.ReplaceAll(good, "<md:SingleSignOnService", "<md:ArtifactResolutionService"), "has no SingleSignOnService"},
		{"plain http sign-on", strings.ReplaceAll(good, `Location="https://portal.sso.eu-west-1.amazonaws.com/saml/assertion`, `Location="http://portal.sso.eu-west-1.amazonaws.com/saml/assertion`), "is not an https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetadata([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseMetadata() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// replaceCert swaps the certificate text of the test metadata.
func replaceCert(doc, cert string) string {
	start := strings.Index(doc, "<ds:X509Certificate>") + len("<ds:X509Certificate>")
	end := strings.Index(doc, "</ds:X509Certificate>")
	return doc[:start] + cert + doc[end:] + strings.Repeat(" ", 1200)
}

func FuzzParseMetadata(f *testing.F) {
	f.Add(readMetadata(f))
	f.Add(`<EntityDescriptor entityID="urn:x"><IDPSSODescriptor/></EntityDescriptor>`)
	f.Fuzz(func(t *testing.T, doc string) {
		md, err := ParseMetadata([]byte(doc))
		if err == nil && (md.EntityID == "" || md.SSOURL == "" || len(md.Certificates) == 0) {
			t.Fatalf("ParseMetadata() accepted an incomplete document: %+v", md)
		}
	})
}

func TestSAMLTrustPolicyAndMapping(t *testing.T) {
	t.Parallel()
	provider := state.SAMLProviderARN("444444444444", "AWSIdentityCenter")
	want := mustCanonical(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":"arn:aws:iam::444444444444:saml-provider/AWSIdentityCenter"},
		"Action":"sts:AssumeRoleWithSAML",
		"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`)
	if diff := cmp.Diff(want, SAMLTrustPolicy(provider)); diff != "" {
		t.Errorf("SAMLTrustPolicy() mismatch (-want +got):\n%s", diff)
	}
	got := AttributeMapping(provider, state.RoleARN("444444444444", "/", "IdentityCenterAccess"))
	wantMapping := "arn:aws:iam::444444444444:saml-provider/AWSIdentityCenter,arn:aws:iam::444444444444:role/IdentityCenterAccess"
	if got != wantMapping {
		t.Errorf("AttributeMapping() = %q, want %q", got, wantMapping)
	}
}

func samlModel(saml string) string {
	return strings.Replace(base, "    admin_role: arn:aws:iam::444444444444:role/AcmeProvisioner\n",
		"    admin_role: arn:aws:iam::444444444444:role/AcmeProvisioner\n    saml:\n"+saml, 1)
}

func TestExpandSAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		saml       string
		wantRole   state.Role
		wantMapped string
	}{
		{
			name: "defaults with managed policies",
			saml: "      metadata: identity-center-metadata.xml\n      policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n",
			wantRole: state.Role{
				AccountID: "444444444444", Name: DefaultSAMLRole, Path: "/",
				Description:        "Signed into from Identity Center through SAML provider AWSIdentityCenter (managed by gatehouse)",
				TrustPolicy:        SAMLTrustPolicy("arn:aws:iam::444444444444:saml-provider/AWSIdentityCenter"),
				ManagedPolicies:    []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
				MaxSessionDuration: 3600,
				Tags:               map[string]string{state.ManagedTagKey: state.ManagedTagValue},
			},
			wantMapped: "arn:aws:iam::444444444444:saml-provider/AWSIdentityCenter,arn:aws:iam::444444444444:role/IdentityCenterAccess",
		},
		{
			name: "named, carrying a permission set",
			saml: "      metadata: identity-center-metadata.xml\n      provider: AcmeSSO\n      role: AcmeReadOnly\n      permission_set: ReadOnly\n",
			wantRole: state.Role{
				AccountID: "444444444444", Name: "AcmeReadOnly", Path: "/",
				Description:        "Signed into from Identity Center through SAML provider AcmeSSO (managed by gatehouse)",
				TrustPolicy:        SAMLTrustPolicy("arn:aws:iam::444444444444:saml-provider/AcmeSSO"),
				ManagedPolicies:    []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
				MaxSessionDuration: 8 * 3600,
				Tags:               map[string]string{state.ManagedTagKey: state.ManagedTagValue},
			},
			wantMapped: "arn:aws:iam::444444444444:saml-provider/AcmeSSO,arn:aws:iam::444444444444:role/AcmeReadOnly",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseFull(t, samlModel(tt.saml))
			res, err := Expand(Input{Model: m, Selector: selectorIn(m, "111111111111")})
			if err != nil {
				t.Fatalf("Expand() error: %v", err)
			}
			if diff := cmp.Diff([]state.Role{tt.wantRole}, res.Roles); diff != "" {
				t.Errorf("roles mismatch (-want +got):\n%s", diff)
			}
			if len(res.SAMLProviders) != 1 {
				t.Fatalf("SAMLProviders = %v, want one", res.SAMLProviders)
			}
			p := res.SAMLProviders[0]
			if p.AccountID != "444444444444" || p.MetadataDocument != readMetadata(t) || p.Tags[state.ManagedTagKey] != state.ManagedTagValue {
				t.Errorf("SAML provider = %+v, want the metadata file in 444444444444, tagged", p)
			}
			if got := state.SAMLProviderARN(p.AccountID, p.Name) + "," + res.Roles[0].ARN(); got != tt.wantMapped {
				t.Errorf("provider and role ARNs = %q, want %q", got, tt.wantMapped)
			}
			if diff := cmp.Diff([]SAMLMapping{{Account: "abccorp-prod", Value: tt.wantMapped}}, SAMLMappings(m)); diff != "" {
				t.Errorf("SAMLMappings() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandSAMLProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model string
		want  string
	}{
		{"no metadata", samlModel("      role: X\n"), "saml has no metadata file"},
		{"missing file", samlModel("      metadata: nowhere.xml\n"), "SAML metadata nowhere.xml was not read"},
		{"bad metadata", samlModel("      metadata: ../expand_test.go\n"), "not well-formed XML"},
		{"both policies and permission set", samlModel("      metadata: identity-center-metadata.xml\n      policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n      permission_set: ReadOnly\n"), "saml has both policies and permission_set"},
		{"unknown permission set", samlModel("      metadata: identity-center-metadata.xml\n      permission_set: Nope\n"), "saml.permission_set Nope is not in the model"},
		{"bad provider name", samlModel("      metadata: identity-center-metadata.xml\n      provider: has space\n"), `SAML provider name "has space" is not valid`},
		{"member account", strings.Replace(base, `staging: { id: "222222222222" }`, "staging:\n    id: \"222222222222\"\n    saml: { metadata: identity-center-metadata.xml }", 1), "saml applies only to external accounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseFull(t, tt.model)
			_, err := Expand(Input{Model: m, Selector: selectorIn(m, "111111111111")})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Expand() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestSameMetadata(t *testing.T) {
	t.Parallel()
	doc := readMetadata(t)
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", doc, doc, true},
		{"formatting only", doc, strings.ReplaceAll(doc, "\n    ", "\n\t") + "\n\n", true},
		{"another sign-on URL", doc, strings.ReplaceAll(doc, "portal.sso.eu-west-1.amazonaws.com/saml/assertion", "portal.sso.eu-west-2.amazonaws.com/saml/assertion"), false},
		{"another certificate", doc, replaceCert(doc, "MIIB"), false},
		{"unparsable, same text", "not xml", " not xml\n", true},
		{"unparsable, other text", "not xml", "other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameMetadata(tt.a, tt.b); got != tt.want {
				t.Errorf("SameMetadata() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestExpandSAMLReplacesHop checks seed 004's path: an external account
// signed into through its SAML application gets no hop permission set and
// no hop role, even when assignments name it; another external account
// still gets its hop.
func TestExpandSAMLReplacesHop(t *testing.T) {
	t.Parallel()
	text := strings.Replace(samlModel("      metadata: identity-center-metadata.xml\n      permission_set: ReadOnly\n"), "users:\n", `  other-client:
    id: "555555555555"
    external: true
    admin_role: arn:aws:iam::555555555555:role/AcmeProvisioner
users:
`, 1) + `assignments:
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: [abccorp-prod, other-client]
`
	m := parseFull(t, text)
	res, err := Expand(Input{Model: m, Selector: selectorIn(m, "111111111111")})
	if err != nil {
		t.Fatalf("Expand() error: %v", err)
	}
	var roles, sets []string
	for _, r := range res.Roles {
		roles = append(roles, r.Key())
	}
	for _, h := range res.HopSets {
		sets = append(sets, h.Name)
	}
	if diff := cmp.Diff([]string{"444444444444/IdentityCenterAccess", "555555555555/gatehouse-ReadOnly"}, roles); diff != "" {
		t.Errorf("roles mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"other-client-ReadOnly"}, sets); diff != "" {
		t.Errorf("hop sets mismatch (-want +got):\n%s", diff)
	}
}
