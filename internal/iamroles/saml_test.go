package iamroles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// TestSAMLPath is seed 004: in the client account, the IAM SAML provider
// from Identity Center's metadata and a role trusting it; the attribute
// mapping names both.
func TestSAMLPath(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	meta, err := os.ReadFile("../trust/testdata/identity-center-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(modelHead, "    admin_role: arn:aws:iam::CLIENT:role/AcmeProvisioner\n",
		"    admin_role: arn:aws:iam::CLIENT:role/AcmeProvisioner\n    saml:\n      metadata: acme-sso.xml\n      role: AcmeEngineer\n      policies: [\"arn:aws:iam::CLIENT:policy/gatehouse-test-readonly\"]\n", 1)
	m := w.model(t, text)
	// model.Load reads the metadata file; the world parses the model text.
	for _, a := range m.Accounts {
		if a.SAML != nil {
			a.SAML.MetadataXML = string(meta)
		}
	}
	s := w.desired(t, m)
	c := New(OptionsFromModel(m, w.cfg))

	desired := s.SAMLProviders[state.SAMLProviderKey(w.external, trust.DefaultSAMLProvider)]
	arn, err := c.CreateSAMLProvider(ctx, desired)
	if err != nil {
		t.Fatalf("CreateSAMLProvider() error: %v", err)
	}
	if want := "arn:aws:iam::" + w.external + ":saml-provider/AWSIdentityCenter"; arn != want {
		t.Errorf("provider ARN = %s, want %s", arn, want)
	}
	createInOrder(t, c, s.Roles)
	live := checkLiveEqualsDesired(t, c, s.Roles)
	wantTrust, _ := policy.Canonical(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":"` + arn + `"},"Action":"sts:AssumeRoleWithSAML",
		"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`)
	if got := live[w.external+"/AcmeEngineer"].TrustPolicy; got != wantTrust {
		t.Errorf("SAML role trust = %s\nwant %s", got, wantTrust)
	}
	wantMapping := []trust.SAMLMapping{{Account: "abccorp-prod", Value: arn + ",arn:aws:iam::" + w.external + ":role/AcmeEngineer"}}
	if diff := cmp.Diff(wantMapping, trust.SAMLMappings(m)); diff != "" {
		t.Errorf("SAMLMappings() mismatch (-want +got):\n%s", diff)
	}

	providers, err := c.ReadSAMLProviders(ctx, w.external)
	if err != nil {
		t.Fatalf("ReadSAMLProviders() error: %v", err)
	}
	if len(providers) != 1 || providers[0].Name != "AWSIdentityCenter" || providers[0].MetadataDocument != desired.MetadataDocument || providers[0].ARN != arn {
		t.Fatalf("ReadSAMLProviders() = %+v, want the provider with its metadata", providers)
	}
	// moto keeps no tags on SAML providers (AWS returns them from
	// GetSAMLProvider), so the provider reads back unmanaged here; the
	// ownership rule is checked on that state as AWS would present it.
	got := providers[0]
	if err := c.DeleteSAMLProvider(ctx, got); !errors.As(err, new(*UnmanagedError)) {
		t.Errorf("DeleteSAMLProvider() of an untagged provider = %v, want an *UnmanagedError", err)
	}
	got.Managed = true
	got.Tags = desired.Tags
	changed := desired
	changed.MetadataDocument = strings.ReplaceAll(desired.MetadataDocument, "portal.sso.eu-west-1.", "portal.sso.eu-west-2.")
	if err := c.UpdateSAMLProvider(ctx, changed, got); err != nil {
		t.Fatalf("UpdateSAMLProvider() error: %v", err)
	}
	providers, _ = c.ReadSAMLProviders(ctx, w.external)
	if len(providers) != 1 || providers[0].MetadataDocument != changed.MetadataDocument {
		t.Fatalf("metadata after update = %+v, want the new document", providers)
	}
	// A document that only differs in layout is not uploaded again.
	got.MetadataDocument = changed.MetadataDocument
	reformatted := changed
	reformatted.MetadataDocument = strings.ReplaceAll(changed.MetadataDocument, "\n    ", "\n\t")
	if err := c.UpdateSAMLProvider(ctx, reformatted, got); err != nil {
		t.Fatalf("UpdateSAMLProvider() error: %v", err)
	}
	providers, _ = c.ReadSAMLProviders(ctx, w.external)
	if len(providers) != 1 || providers[0].MetadataDocument != changed.MetadataDocument {
		t.Errorf("a layout-only change was uploaded: %+v", providers)
	}
	if err := c.DeleteSAMLProvider(ctx, got); err != nil {
		t.Fatalf("DeleteSAMLProvider() error: %v", err)
	}
	if providers, _ = c.ReadSAMLProviders(ctx, w.external); len(providers) != 0 {
		t.Errorf("providers after delete = %+v", providers)
	}
}

// TestSessions: the admin's own account directly, member accounts through
// the provisioning role, client accounts through admin_profile; a profile
// that reaches the wrong account is refused.
func TestSessions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dir := t.TempDir()
	// Profiles an admin would have: the admin's keys, and role profiles
	// chained from them. The endpoint is moto's.
	cfgFile := filepath.Join(dir, "config")
	endpoint := aws.ToString(w.cfg.BaseEndpoint)
	if err := os.WriteFile(cfgFile, []byte(`[profile admin]
aws_access_key_id = AKIAGATEHOUSETEST000
aws_secret_access_key = gatehouse-test-secret
services = moto

[profile acme]
role_arn = arn:aws:iam::`+w.external+`:role/AcmeProvisioner
source_profile = admin
services = moto

[profile wrong]
role_arn = arn:aws:iam::`+w.members[1]+`:role/OrganizationAccountAccessRole
source_profile = admin
services = moto

[services moto]
sts =
  endpoint_url = `+endpoint+`
iam =
  endpoint_url = `+endpoint+`
`), 0o600); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(modelHead, "    admin_role: arn:aws:iam::CLIENT:role/AcmeProvisioner\n", "    admin_profile: acme\n", 1)
	m := w.model(t, text)
	opts := OptionsFromModel(m, w.cfg)
	opts.LoadProfile = profileLoader(cfgFile)
	c := New(opts)

	for _, acct := range []string{w.mgmt, w.members[0], w.external} {
		r := state.Role{AccountID: acct, Name: "SessionProbe", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.mgmt + `:root"},"Action":"sts:AssumeRole"}]}`,
			Tags: map[string]string{state.ManagedTagKey: state.ManagedTagValue}}
		if err := c.Create(ctx, r); err != nil {
			t.Fatalf("Create in %s error: %v", acct, err)
		}
		if _, err := w.iamIn(t, acct).GetRole(ctx, iamGetRole("SessionProbe")); err != nil {
			t.Errorf("the probe role is not in %s: %v", acct, err)
		}
	}
	if _, err := w.iamIn(t, w.members[1]).GetRole(ctx, iamGetRole("SessionProbe")); !isNotFound(err) {
		t.Errorf("the probe role leaked into %s: %v", w.members[1], err)
	}

	m2 := w.model(t, strings.Replace(modelHead, "    admin_role: arn:aws:iam::CLIENT:role/AcmeProvisioner\n", "    admin_profile: wrong\n", 1))
	opts2 := OptionsFromModel(m2, w.cfg)
	opts2.LoadProfile = profileLoader(cfgFile)
	_, err := New(opts2).ReadRoles(ctx, w.external, nil)
	if err == nil || !strings.Contains(err.Error(), "AWS profile wrong reaches account "+w.members[1]+", not abccorp-prod ("+w.external+")") {
		t.Errorf("ReadRoles through a profile of the wrong account = %v", err)
	}

	m3 := w.model(t, strings.Replace(modelHead, "    admin_role: arn:aws:iam::CLIENT:role/AcmeProvisioner\n", "", 1))
	_, err = New(OptionsFromModel(m3, w.cfg)).ReadRoles(ctx, w.external, nil)
	if err == nil || !strings.Contains(err.Error(), "external account abccorp-prod ("+w.external+") has neither admin_role nor admin_profile") {
		t.Errorf("ReadRoles in an unreachable account = %v", err)
	}
}

// profileLoader loads profiles from a config file of the test's own, the
// way the SDK loads any profile.
func profileLoader(file string) func(context.Context, string) (aws.Config, error) {
	return func(ctx context.Context, profile string) (aws.Config, error) {
		return config.LoadDefaultConfig(ctx,
			config.WithSharedConfigFiles([]string{file}),
			config.WithSharedCredentialsFiles([]string{}),
			config.WithSharedConfigProfile(profile),
			config.WithRegion(awstest.Region),
			config.WithRetryMaxAttempts(1))
	}
}

func iamGetRole(name string) *iam.GetRoleInput { return &iam.GetRoleInput{RoleName: aws.String(name)} }
