package cli

// The world the engineer tests run in: a sandbox (moto behind the Identity
// Center front) with an organization, a member account, an external account
// of another organization, a user alice in group Engineers, and the
// permission sets and assignments an admin's apply would have made,
// including the hop permission set of seed 001. The world is made with the
// admin APIs through the front (which creates the AWSReservedSSO roles), so
// it does not depend on gatehouse's own apply.

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

const (
	extAccount  = "444455556666"
	extName     = "abccorp-prod"
	hopRole     = "gatehouse-Admin"
	testUser    = "alice"
	sandboxPass = sandbox.DefaultPassword
)

type engWorld struct {
	sb     *sandbox.Sandbox
	home   string
	config string // the AWS config file
	prodID string // the member account
	mgmtID string
	mgmt   string // the management account's name, as the portal shows it
	hopSet string // the hop permission set's name
	model  string // an access model naming the external account
}

// newEngWorld starts a sandbox on the shared moto (reset), builds the world
// and points this process's environment at it: HOME and AWS_CONFIG_FILE in
// a temporary directory, AWS_ENDPOINT_URL_<SERVICE> at the front, no AWS
// credentials. Subprocesses (the AWS CLI, gatehouse credential-process)
// inherit it.
func newEngWorld(t *testing.T, opts sandbox.Options) *engWorld {
	t.Helper()
	ctx := context.Background()
	opts.MotoURL = awstest.Fresh(t).URL
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Stop(); err != nil {
			t.Errorf("stopping the sandbox: %v", err)
		}
	})
	w := &engWorld{sb: sb, home: t.TempDir(), mgmtID: sb.ManagementAccount(), hopSet: trust.HopSetName(extName, "Admin")}
	w.config = filepath.Join(w.home, ".aws", "config")
	w.setEnv(t)

	c := sb.Credentials()
	cfg := awstest.ConfigFor(t, sb.URL())
	cfg.Credentials = awscreds.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")

	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	acct, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("production"), Email: aws.String("prod@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	w.prodID = aws.ToString(acct.CreateAccountStatus.AccountId)
	desc, err := orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(w.mgmtID)})
	if err != nil {
		t.Fatal(err)
	}
	w.mgmt = aws.ToString(desc.Account.Name)

	// The external account's role, trusting the hub (moto does not enforce
	// trust, so only its existence matters here).
	extCreds, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + extAccount + ":role/AcmeProvisioner"), RoleSessionName: aws.String("setup"),
	})
	if err != nil {
		t.Fatal(err)
	}
	extCfg := cfg.Copy()
	ec := extCreds.Credentials
	extCfg.Credentials = awscreds.NewStaticCredentialsProvider(*ec.AccessKeyId, *ec.SecretAccessKey, *ec.SessionToken)
	if _, err := iam.NewFromConfig(extCfg).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(hopRole),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.mgmtID + `:root"},"Action":"sts:AssumeRole"}]}`),
	}); err != nil {
		t.Fatal(err)
	}

	admin := ssoadmin.NewFromConfig(cfg)
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	instance, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	ids := identitystore.NewFromConfig(cfg)
	user, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{
		IdentityStoreId: store, UserName: aws.String(testUser), DisplayName: aws.String("Alice Doe"),
		Name: &istypes.Name{GivenName: aws.String("Alice"), FamilyName: aws.String("Doe")},
	})
	if err != nil {
		t.Fatal(err)
	}
	group, err := ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: store, DisplayName: aws.String("Engineers")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{
		IdentityStoreId: store, GroupId: group.GroupId, MemberId: &istypes.MemberIdMemberUserId{Value: *user.UserId},
	}); err != nil {
		t.Fatal(err)
	}
	sets := map[string]string{
		"ReadOnly": "",
		w.hopSet:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],"Resource":"arn:aws:iam::` + extAccount + `:role/` + hopRole + `"}]}`,
	}
	arns := map[string]*string{}
	for name, inline := range sets {
		out, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
			InstanceArn: instance, Name: aws.String(name),
			SessionDuration: aws.String("PT8H"), // moto stores an integer when it is omitted
		})
		if err != nil {
			t.Fatal(err)
		}
		arns[name] = out.PermissionSet.PermissionSetArn
		if inline != "" {
			if _, err := admin.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
				InstanceArn: instance, PermissionSetArn: arns[name], InlinePolicy: aws.String(inline),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, a := range []struct{ account, set string }{{w.prodID, "ReadOnly"}, {w.mgmtID, "ReadOnly"}, {w.mgmtID, w.hopSet}} {
		if _, err := admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
			InstanceArn: instance, TargetId: aws.String(a.account), TargetType: ssotypes.TargetTypeAwsAccount,
			PermissionSetArn: arns[a.set], PrincipalType: ssotypes.PrincipalTypeGroup, PrincipalId: group.GroupId,
		}); err != nil {
			t.Fatal(err)
		}
	}

	// The access model an admin keeps; the engineer points -f at it.
	w.model = filepath.Join(w.home, "gatehouse.yaml")
	writeFile(t, w.model, `version: 1
identity_center:
  region: us-east-1
  hub_account: management
accounts:
  management: { id: "`+w.mgmtID+`" }
  production: { id: "`+w.prodID+`" }
  `+extName+`:
    id: "`+extAccount+`"
    external: true
    admin_role: arn:aws:iam::`+extAccount+`:role/AcmeProvisioner
users:
  alice: { email: alice@example.com, given_name: Alice, family_name: Doe }
groups:
  Engineers: { members: [alice] }
permission_sets:
  ReadOnly: { managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }
  Admin: { managed_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"] }
assignments:
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: [production, management]
  - groups: [Engineers]
    permission_sets: [Admin]
    accounts: [`+extName+`]
`)
	return w
}

// setEnv points this process (and its children) at the sandbox and a
// private HOME, with no AWS credentials or profile of the machine's.
func (w *engWorld) setEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "GATEHOUSE_") || k == "XDG_CACHE_HOME" || k == "BROWSER" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("HOME", w.home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(w.home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(w.home, ".aws", "credentials"))
	t.Setenv("GATEHOUSE_CACHE_DIR", filepath.Join(w.home, ".cache", "gatehouse"))
	t.Setenv("GATEHOUSE_FEDERATION_ENDPOINT", w.sb.URL()+"/federation")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	// The local login is not the Identity Center user: sessions must be
	// named after the latter.
	t.Setenv("USER", "localuser")
	for _, svc := range []string{"SSO", "SSO_OIDC", "STS", "IAM", "ORGANIZATIONS", "SSO_ADMIN", "IDENTITYSTORE"} {
		t.Setenv("AWS_ENDPOINT_URL_"+svc, w.sb.URL())
	}
}

// result is what a gatehouse run produced.
type result struct {
	stdout, stderr string
	code           int
}

// run runs gatehouse in this process with the world's environment and a
// browser that signs in as alice on the sandbox's pages.
func (w *engWorld) run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	d := Deps{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Now: time.Now,
		OpenBrowser: w.browser(t),
	}
	code := Main(context.Background(), args, d)
	return result{out.String(), errb.String(), code}
}

// mustRun is run that fails the test on a non-zero exit.
func (w *engWorld) mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := w.run(t, args...)
	if r.code != 0 {
		t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// browser plays the user's browser: for the PKCE flow it signs in on the
// sandbox's authorize page (which redirects to gatehouse's loopback
// listener); for the device flow it approves the code as alice.
func (w *engWorld) browser(t *testing.T) func(string) error {
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	return func(u string) error {
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if pu.Path == "/authorize" {
				form := pu.Query()
				form.Set("username", testUser)
				form.Set("password", sandboxPass)
				resp, err := http.PostForm(w.sb.URL()+"/authorize", form)
				if err != nil {
					t.Errorf("browser: %v", err)
					return
				}
				resp.Body.Close()
				return
			}
			if err := w.sb.Approve(context.Background(), "", testUser); err != nil {
				t.Errorf("browser: approving the device code: %v", err)
			}
		}()
		return nil
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
