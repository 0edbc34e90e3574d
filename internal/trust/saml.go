package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// IAM's limits on a SAML metadata document (characters).
const (
	minSAMLMetadata = 1000
	maxSAMLMetadata = 10000000
)

const (
	samlProtocol    = "urn:oasis:names:tc:SAML:2.0:protocol"
	bindingPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	bindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
)

// Metadata is what an identity provider's SAML metadata says, as IAM uses it.
type Metadata struct {
	EntityID     string        // the issuer of the assertions
	SSOURL       string        // where the sign-in starts (HTTP-POST binding preferred)
	Certificates []Certificate // signing certificates
}

// Certificate describes a signing certificate of the metadata.
type Certificate struct {
	Subject   string
	NotBefore time.Time
	NotAfter  time.Time
	SHA256    string // hex fingerprint of the DER bytes
}

// xmlEntity is the part of a SAML 2.0 EntityDescriptor IAM reads. Tags have
// no namespace so that any prefix (md:, saml2:, none) matches.
type xmlEntity struct {
	XMLName  xml.Name `xml:"EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	IDP      []struct {
		Protocols string `xml:"protocolSupportEnumeration,attr"`
		Keys      []struct {
			Use   string   `xml:"use,attr"`
			Certs []string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"KeyDescriptor"`
		SSO []struct {
			Binding  string `xml:"Binding,attr"`
			Location string `xml:"Location,attr"`
		} `xml:"SingleSignOnService"`
	} `xml:"IDPSSODescriptor"`
	SP []struct{} `xml:"SPSSODescriptor"`
}

// ParseMetadata parses and checks an identity provider's SAML 2.0 metadata
// (the file IAM Identity Center offers for an "External AWS Account"
// application): one EntityDescriptor with an entityID, an IDPSSODescriptor for
// SAML 2.0 with at least one valid X.509 signing certificate, and an https
// single sign-on URL. The document must also fit IAM's size limits.
func ParseMetadata(doc []byte) (Metadata, error) {
	if n := len(doc); n < minSAMLMetadata || n > maxSAMLMetadata {
		return Metadata{}, fmt.Errorf("SAML metadata has %d characters; IAM accepts %d to %d", n, minSAMLMetadata, maxSAMLMetadata)
	}
	if bytes.Contains(doc, []byte("<!DOCTYPE")) || bytes.Contains(doc, []byte("<!ENTITY")) {
		return Metadata{}, errors.New("SAML metadata declares a DOCTYPE or entities, which metadata never needs")
	}
	var ent xmlEntity
	dec := xml.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&ent); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return Metadata{}, fmt.Errorf("SAML metadata is not well-formed XML: line %d: %s", se.Line, se.Msg)
		}
		return Metadata{}, fmt.Errorf("SAML metadata is not a SAML EntityDescriptor: %w", err)
	}
	md := Metadata{EntityID: strings.TrimSpace(ent.EntityID)}
	if md.EntityID == "" {
		return Metadata{}, errors.New("SAML metadata has no entityID")
	}
	if u, err := url.Parse(md.EntityID); err != nil || u.Scheme == "" {
		return Metadata{}, fmt.Errorf("SAML metadata entityID %q is not an absolute URI", md.EntityID)
	}
	if len(ent.IDP) == 0 {
		if len(ent.SP) > 0 {
			return Metadata{}, errors.New("SAML metadata describes a service provider, not an identity provider (download the IAM Identity Center SAML metadata file, not the AWS one)")
		}
		return Metadata{}, errors.New("SAML metadata has no IDPSSODescriptor")
	}
	idp := ent.IDP[0]
	if !strings.Contains(idp.Protocols, samlProtocol) {
		return Metadata{}, fmt.Errorf("SAML metadata's identity provider does not support SAML 2.0 (protocolSupportEnumeration %q)", idp.Protocols)
	}
	for _, k := range idp.Keys {
		if k.Use != "" && k.Use != "signing" {
			continue
		}
		for _, c := range k.Certs {
			cert, err := parseCertificate(c)
			if err != nil {
				return Metadata{}, err
			}
			md.Certificates = append(md.Certificates, cert)
		}
	}
	if len(md.Certificates) == 0 {
		return Metadata{}, errors.New("SAML metadata has no signing certificate (KeyDescriptor with X509Certificate)")
	}
	for _, binding := range []string{bindingPOST, bindingRedirect} {
		for _, s := range idp.SSO {
			if s.Binding == binding && md.SSOURL == "" {
				md.SSOURL = strings.TrimSpace(s.Location)
			}
		}
	}
	if md.SSOURL == "" {
		return Metadata{}, errors.New("SAML metadata has no SingleSignOnService with an HTTP-POST or HTTP-Redirect binding")
	}
	if u, err := url.Parse(md.SSOURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return Metadata{}, fmt.Errorf("SAML metadata's sign-on URL %q is not an https URL", md.SSOURL)
	}
	return md, nil
}

func parseCertificate(b64 string) (Certificate, error) {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, b64)
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return Certificate{}, fmt.Errorf("SAML metadata certificate is not base64: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return Certificate{}, fmt.Errorf("SAML metadata certificate is not an X.509 certificate: %w", err)
	}
	sum := sha256.Sum256(der)
	return Certificate{
		Subject:   cert.Subject.String(),
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
		SHA256:    hex.EncodeToString(sum[:]),
	}, nil
}

// SameMetadata reports whether two SAML metadata documents say the same to
// IAM (entity ID, sign-on URL and signing certificates), whatever their
// formatting; documents that do not parse are compared as trimmed text.
func SameMetadata(a, b string) bool {
	ma, errA := ParseMetadata([]byte(a))
	mb, errB := ParseMetadata([]byte(b))
	if errA != nil || errB != nil {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	if ma.EntityID != mb.EntityID || ma.SSOURL != mb.SSOURL || len(ma.Certificates) != len(mb.Certificates) {
		return false
	}
	for i := range ma.Certificates {
		if ma.Certificates[i].SHA256 != mb.Certificates[i].SHA256 {
			return false
		}
	}
	return true
}

// SAMLTrustPolicy is the trust policy of a role that an identity provider's
// SAML assertions sign into: the provider as federated principal,
// sts:AssumeRoleWithSAML, for the AWS sign-in audience only.
func SAMLTrustPolicy(providerARN string) string {
	s := statement{
		Effect:    "Allow",
		Principal: map[string][]string{"Federated": {providerARN}},
		Action:    []string{actionAssumeRoleSAML},
	}
	s.addCondition(opStringEquals, keySAMLAudience, SAMLAudience)
	return render(s)
}

// AttributeMapping is the value of the https://aws.amazon.com/SAML/Attributes/Role
// attribute the admin pastes into the Identity Center application: the
// provider ARN and the role ARN, comma-separated. There is no API for it.
func AttributeMapping(providerARN, roleARN string) string {
	return providerARN + "," + roleARN
}

// SAMLMapping is the attribute mapping of one external account's saml:.
type SAMLMapping struct {
	Account string // model account name
	Value   string // AttributeMapping of its provider and role
}

// SAMLMappings returns, for every account of the model with saml:, the
// attribute-mapping value to paste into its Identity Center application,
// sorted by account name. The CLI prints them after apply.
func SAMLMappings(m *model.Model) []SAMLMapping {
	var out []SAMLMapping
	for _, a := range m.Accounts {
		if a.SAML == nil {
			continue
		}
		provider, role := samlNames(a.SAML)
		out = append(out, SAMLMapping{
			Account: a.Name,
			Value:   AttributeMapping(state.SAMLProviderARN(a.ID, provider), state.RoleARN(a.ID, state.DefaultPath, role)),
		})
	}
	return out
}

func samlNames(s *model.SAMLAccess) (provider, role string) {
	provider, role = s.Provider, s.Role
	if provider == "" {
		provider = DefaultSAMLProvider
	}
	if role == "" {
		role = DefaultSAMLRole
	}
	return provider, role
}

// saml derives the SAML provider and role of an account's saml: block.
func (e *expander) saml(a model.Account) {
	s := a.SAML
	if !a.External {
		e.problem(s.Pos, "remove saml:, or mark the account external: true", "account %s: saml applies only to external accounts (member accounts are reached through permission sets)", a.Name)
		return
	}
	provider, roleName := samlNames(s)
	ok := true
	if !samlProviderChars.MatchString(provider) || len(provider) > maxSAMLProviderName {
		e.problem(s.Pos, "use at most 128 letters, digits and ._-", "account %s: SAML provider name %q is not valid", a.Name, provider)
		ok = false
	}
	if !nameChars.MatchString(roleName) || len(roleName) > maxRoleName {
		e.problem(s.Pos, "use at most 64 letters, digits and +=,.@-_", "account %s: saml.role %q is not a valid IAM role name", a.Name, roleName)
		ok = false
	}
	var doc []byte
	switch {
	case s.Metadata == "":
		e.problem(s.Pos, "download the SAML metadata file of the Identity Center application and set metadata: FILE", "account %s: saml has no metadata file", a.Name)
		ok = false
	case s.MetadataXML == "":
		// model.Load reads the file and reports why when it cannot.
		e.problem(s.Pos, "check that the file exists, relative to the model file, and load the model with model.Load", "account %s: SAML metadata %s was not read", a.Name, s.Metadata)
		ok = false
	default:
		doc = []byte(s.MetadataXML)
	}
	if doc != nil {
		if _, err := ParseMetadata(doc); err != nil {
			e.problem(s.Pos, "download the metadata again from the Identity Center application (Applications > the External AWS Account application > IAM Identity Center SAML metadata file)", "account %s: %s: %v", a.Name, s.Metadata, err)
			ok = false
		}
	}
	managed := sortedUnique(s.Policies)
	inline := map[string]string{}
	boundary := ""
	maxSession := state.DefaultMaxSession
	if s.PermissionSet != "" {
		ps, found := e.m.PermissionSet(s.PermissionSet)
		switch {
		case !found:
			e.problem(s.Pos, "name a permission set of permission_sets:", "account %s: saml.permission_set %s is not in the model", a.Name, s.PermissionSet)
			ok = false
		case len(s.Policies) > 0:
			e.problem(s.Pos, "keep either policies or permission_set", "account %s: saml has both policies and permission_set", a.Name)
			ok = false
		default:
			var err error
			if managed, inline, boundary, err = permissionSetPolicies(ps, a.ID); err != nil {
				e.problem(ps.Pos, "write inline_policy as an IAM policy document", "permission set %s: %v", ps.Name, err)
				ok = false
			}
			// AssumeRoleWithSAML is not chaining: the set's session length applies.
			if secs := int(ps.SessionDuration / time.Second); secs > maxSession {
				maxSession = min(secs, state.MaxMaxSession)
			}
		}
	}
	if !ok {
		return
	}
	providerARN := state.SAMLProviderARN(a.ID, provider)
	e.res.SAMLProviders = append(e.res.SAMLProviders, state.SAMLProvider{
		AccountID:        a.ID,
		Name:             provider,
		MetadataDocument: string(doc),
		Tags:             managedTags(nil),
	}.Normalize())
	e.addRole(state.Role{
		AccountID:           a.ID,
		Name:                roleName,
		Description:         fmt.Sprintf("Signed into from Identity Center through SAML provider %s (managed by gatehouse)", provider),
		TrustPolicy:         SAMLTrustPolicy(providerARN),
		ManagedPolicies:     managed,
		InlinePolicies:      inline,
		MaxSessionDuration:  maxSession,
		PermissionsBoundary: boundary,
		Tags:                managedTags(nil),
	}, origin{fmt.Sprintf("saml of account %s (%s)", a.Name, s.Pos), s.Pos})
}

// SAMLRoleARN is the ARN of the role an external account's saml: block
// signs users into ("" when the account has no saml:).
func SAMLRoleARN(a model.Account) string {
	if a.SAML == nil {
		return ""
	}
	_, role := samlNames(a.SAML)
	return state.RoleARN(a.ID, state.DefaultPath, role)
}
