package iamroles

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// externalAccount is the client account of another organization.
const externalAccount = "444455556666"

// testPolicy is a customer-managed policy created in every account of the
// world: moto can attach AWS-managed policies (arn:aws:iam::aws:policy/...)
// to roles only when it loads all of them for every account
// (MOTO_IAM_LOAD_MANAGED_POLICIES, ~13 MB and ~1 s per account), so the
// tests' roles carry customer-managed ones instead. On AWS both work alike.
const testPolicy = "gatehouse-test-readonly"

// world is an emulated AWS: an organization whose management account is
// the admin's, two member accounts (each with OrganizationAccountAccessRole,
// as Organizations creates them), and a client account in a second
// organization with a role the admin may assume (AcmeProvisioner).
type world struct {
	cfg      aws.Config // the admin, in the management account
	mgmt     string
	members  [2]string
	external string
	org      *state.Organization
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{cfg: awstest.Config(t), mgmt: awstest.ManagementAccount, external: externalAccount}
	orgs := organizations.NewFromConfig(w.cfg)
	created, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		t.Fatalf("creating the organization: %v", err)
	}
	w.org = &state.Organization{ID: aws.ToString(created.Organization.Id), ManagementAccountID: w.mgmt, OUs: []string{"Workloads"}}
	w.org.Accounts = append(w.org.Accounts, state.OrgAccount{ID: w.mgmt, Name: "management", Status: "ACTIVE"})
	for i, name := range []string{"production", "staging"} {
		out, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			t.Fatalf("creating account %s: %v", name, err)
		}
		w.members[i] = aws.ToString(out.CreateAccountStatus.AccountId)
		w.org.Accounts = append(w.org.Accounts, state.OrgAccount{ID: w.members[i], Name: name, Status: "ACTIVE", OUPath: "Workloads"})
	}
	// The client's own organization, and the role it lets the admin assume.
	ext := w.assume(t, "arn:aws:iam::"+w.external+":role/AcmeProvisioner")
	if _, err := organizations.NewFromConfig(ext).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatalf("creating the client's organization: %v", err)
	}
	if _, err := iam.NewFromConfig(ext).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("AcmeProvisioner"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.mgmt + `:root"},"Action":"sts:AssumeRole"}]}`),
	}); err != nil {
		t.Fatalf("creating the client's admin role: %v", err)
	}
	for _, acct := range []string{w.mgmt, w.members[0], w.members[1], w.external} {
		if _, err := w.iamIn(t, acct).CreatePolicy(ctx, &iam.CreatePolicyInput{
			PolicyName:     aws.String(testPolicy),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`),
		}); err != nil {
			t.Fatalf("creating the test policy in %s: %v", acct, err)
		}
	}
	return w
}

// assume returns the admin's config with credentials of roleARN.
func (w *world) assume(t *testing.T, roleARN string) aws.Config {
	t.Helper()
	cfg := w.cfg.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(w.cfg), roleARN))
	return cfg
}

// iamIn returns an IAM client for an account, reached the way an operator
// would by hand (not through the code under test).
func (w *world) iamIn(t *testing.T, account string) *iam.Client {
	t.Helper()
	switch account {
	case w.mgmt:
		return iam.NewFromConfig(w.cfg)
	case w.external:
		return iam.NewFromConfig(w.assume(t, "arn:aws:iam::"+w.external+":role/AcmeProvisioner"))
	}
	return iam.NewFromConfig(w.assume(t, "arn:aws:iam::"+account+":role/OrganizationAccountAccessRole"))
}

// model parses an access model written with the placeholders MGMT, PROD,
// STAGING and CLIENT for the world's account IDs.
func (w *world) model(t *testing.T, text string) *model.Model {
	t.Helper()
	text = strings.NewReplacer("MGMT", w.mgmt, "PROD", w.members[0], "STAGING", w.members[1], "CLIENT", w.external).Replace(text)
	m, probs := model.Parse("gatehouse.yaml", []byte(text))
	if len(probs) > 0 {
		t.Fatalf("test model does not parse:\n%v", probs)
	}
	return m
}

// desired expands the model against the world's organization.
func (w *world) desired(t *testing.T, m *model.Model) *state.State {
	t.Helper()
	s, err := expand.Desired(m, w.org)
	if err != nil {
		t.Fatalf("expand.Desired() error: %v", err)
	}
	return s
}

// modelHead declares the world's accounts.
const modelHead = `version: 1
identity_center:
  region: us-east-1
  hub_account: management
accounts:
  management: { id: "MGMT" }
  production: { id: "PROD" }
  staging: { id: "STAGING" }
  abccorp-prod:
    id: "CLIENT"
    external: true
    admin_role: arn:aws:iam::CLIENT:role/AcmeProvisioner
users:
  alice: { email: alice@acme.com, given_name: Alice, family_name: Doe }
groups:
  Engineers: { members: [alice] }
`
