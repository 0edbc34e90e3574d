// Package bootstrap creates the AWS a sandbox starts with, from the accounts
// of an access model: the management account's organization with its OUs and
// member accounts (with the model's fixed IDs, names and tags), and a second
// organization holding the external accounts with the admin roles their
// owners gave.
package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motoclient"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motopatch"
)

// Layout is the AWS a sandbox starts with: an organization (the management
// account and its member accounts, in OUs, with tags) and a second
// organization holding the external accounts.
type Layout struct {
	Management LayoutAccount
	Members    []LayoutAccount
	External   []LayoutAccount
	// ProvisioningRole is the role CreateAccount makes in each member
	// account, trusting the management account; default
	// OrganizationAccountAccessRole.
	ProvisioningRole string
	// Region is where Identity Center lives (the model's
	// identity_center.region); "" means the sandbox's default.
	Region string
}

// LayoutAccount is one account of a Layout.
type LayoutAccount struct {
	Name string
	ID   string // 12 digits
	OU   string // members: path from the root such as Workloads/Prod
	Tags map[string]string
	// AdminRole is, for an external account, the ARN of the role the
	// client gave the management account to manage it; Bootstrap creates it.
	AdminRole string
}

// LayoutFromModel takes the accounts of a model. The management account is
// identity_center.hub_account, else the account named "management", else
// moto's default account 123456789012.
func LayoutFromModel(m *model.Model) Layout {
	l := Layout{ProvisioningRole: m.IdentityCenter.ProvisioningRoleName(), Region: m.IdentityCenter.Region}
	mgmtName := m.IdentityCenter.HubAccount
	if _, ok := m.Account(mgmtName); !ok {
		mgmtName = "management"
	}
	for _, a := range m.Accounts {
		la := LayoutAccount{Name: a.Name, ID: a.ID, OU: a.OU, Tags: a.Tags, AdminRole: a.AdminRole}
		switch {
		case a.External:
			l.External = append(l.External, la)
		case a.Name == mgmtName:
			l.Management = la
		default:
			l.Members = append(l.Members, la)
		}
	}
	if l.Management.ID == "" {
		l.Management = LayoutAccount{Name: "management", ID: motoclient.DefaultAccount}
	}
	return l
}

// Check reports the first problem that would make Bootstrap fail halfway.
func (l Layout) Check() error {
	seen := map[string]string{}
	all := append(append([]LayoutAccount{l.Management}, l.Members...), l.External...)
	for _, a := range all {
		if !IsAccountID(a.ID) {
			return hint.New(fmt.Sprintf("account %s: id %q is not 12 digits", a.Name, a.ID), "quote account IDs in YAML: id: \"012345678901\"")
		}
		if other, dup := seen[a.ID]; dup {
			return hint.New(fmt.Sprintf("accounts %s and %s have the same id %s", other, a.Name, a.ID), "give every account its own id")
		}
		seen[a.ID] = a.Name
	}
	for _, a := range l.External {
		if a.AdminRole == "" {
			continue
		}
		acct, _, _, err := parseRoleARN(a.AdminRole)
		if err != nil {
			return fmt.Errorf("account %s: admin_role: %w", a.Name, err)
		}
		if acct != a.ID {
			return hint.New(fmt.Sprintf("account %s: admin_role %s is in account %s, not %s", a.Name, a.AdminRole, acct, a.ID), "the admin role lives in the external account itself")
		}
	}
	return nil
}

// parseRoleARN splits arn:aws:iam::<account>:role/<path>/<name>.
func parseRoleARN(arn string) (account, path, name string, err error) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	acct, res, ok2 := strings.Cut(rest, ":role/")
	if !ok || !ok2 || !IsAccountID(acct) || res == "" || strings.HasSuffix(res, "/") {
		return "", "", "", fmt.Errorf("%q is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)", arn)
	}
	path = "/"
	if i := strings.LastIndexByte(res, '/'); i >= 0 {
		path, res = "/"+res[:i+1], res[i+1:]
	}
	return acct, path, res, nil
}

// Bootstrapped is what Bootstrap created.
type Bootstrapped struct {
	OrganizationID         string                `json:"organizationId"`
	ExternalOrganizationID string                `json:"externalOrganizationId,omitempty"`
	InstanceARN            string                `json:"instanceArn"`
	IdentityStoreID        string                `json:"identityStoreId"`
	Accounts               []BootstrappedAccount `json:"accounts"`
}

// BootstrappedAccount is one account Bootstrap created.
type BootstrappedAccount struct {
	Name     string `json:"name"`
	ID       string `json:"id"`
	OU       string `json:"ou,omitempty"`
	External bool   `json:"external,omitempty"`
}

// externalManagementName names the management account of the second
// organization (a stand-in for the clients' own management accounts).
const externalManagementName = "external-management"

// Create creates the organizations of l in an empty moto, through conn
// (whose management account must be l's). It fills in everything of the
// result but the Identity Center instance.
func Create(ctx context.Context, conn motoclient.Conn, l Layout) (Bootstrapped, error) {
	if err := l.Check(); err != nil {
		return Bootstrapped{}, err
	}
	if l.ProvisioningRole == "" {
		l.ProvisioningRole = model.DefaultProvisioningRole
	}
	c := creator{conn: conn}
	var out Bootstrapped
	orgID, err := c.createOrganization(ctx, l.Management, l.ProvisioningRole, l.Members, &out)
	if err != nil {
		return Bootstrapped{}, err
	}
	out.OrganizationID = orgID
	if len(l.External) > 0 {
		taken := map[string]bool{l.Management.ID: true}
		for _, a := range append(l.Members, l.External...) {
			taken[a.ID] = true
		}
		extMgmt := "999999999999"
		for taken[extMgmt] {
			extMgmt = decrementID(extMgmt)
		}
		orgID, err := c.createOrganization(ctx, LayoutAccount{Name: externalManagementName, ID: extMgmt}, l.ProvisioningRole, l.External, &out)
		if err != nil {
			return Bootstrapped{}, err
		}
		out.ExternalOrganizationID = orgID
		for _, a := range l.External {
			if a.AdminRole == "" {
				continue
			}
			if err := c.createAdminRole(ctx, a, l.Management.ID); err != nil {
				return Bootstrapped{}, err
			}
		}
	}
	for i := range out.Accounts {
		// Every account of the second organization is outside ours.
		out.Accounts[i].External = i >= 1+len(l.Members)
	}
	return out, nil
}

// creator makes organizations, accounts and roles in moto.
type creator struct {
	conn motoclient.Conn
}

func withHeader(name, value string) func(*organizations.Options) {
	return func(o *organizations.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue(name, value))
	}
}

func (c creator) createOrganization(ctx context.Context, mgmt LayoutAccount, role string, members []LayoutAccount, out *Bootstrapped) (string, error) {
	org, err := c.conn.Organizations(mgmt.ID, withHeader(motopatch.HeaderAccountName, mgmt.Name)).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	var already *orgtypes.AlreadyInOrganizationException
	if errors.As(err, &already) {
		return "", hint.New(fmt.Sprintf("account %s already has an organization", mgmt.ID), "bootstrap a fresh sandbox (gatehouse-sandbox down, then up)")
	}
	if err != nil {
		return "", fmt.Errorf("creating the organization of %s: %w", mgmt.ID, err)
	}
	orgs := c.conn.Organizations(mgmt.ID)
	roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return "", fmt.Errorf("reading the root of the organization of %s: %w", mgmt.ID, err)
	}
	if len(roots.Roots) == 0 {
		return "", fmt.Errorf("the organization of %s has no root", mgmt.ID)
	}
	rootID := aws.ToString(roots.Roots[0].Id)
	ous := map[string]string{"": rootID}
	if len(mgmt.Tags) > 0 {
		if _, err := orgs.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(mgmt.ID), Tags: orgTags(mgmt.Tags)}); err != nil {
			return "", fmt.Errorf("tagging account %s: %w", mgmt.Name, err)
		}
	}
	out.Accounts = append(out.Accounts, BootstrappedAccount{Name: mgmt.Name, ID: mgmt.ID})
	if err := place(ctx, orgs, ous, mgmt); err != nil {
		return "", err
	}
	for _, a := range members {
		created, err := c.conn.Organizations(mgmt.ID, withHeader(motopatch.HeaderAccountID, a.ID)).CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String(a.Name),
			Email:       aws.String(emailFor(a.Name)),
			RoleName:    aws.String(role),
			Tags:        orgTags(a.Tags),
		})
		if err != nil {
			return "", fmt.Errorf("creating account %s (%s): %w", a.Name, a.ID, err)
		}
		if got := aws.ToString(created.CreateAccountStatus.AccountId); got != a.ID {
			return "", hint.New(fmt.Sprintf("creating account %s: moto gave it id %s instead of %s", a.Name, got, a.ID),
				"start moto with sandbox.MotoPreamble (motoserver.Options.Preamble) so CreateAccount can take fixed IDs")
		}
		if err := place(ctx, orgs, ous, a); err != nil {
			return "", err
		}
		out.Accounts = append(out.Accounts, BootstrappedAccount{Name: a.Name, ID: a.ID, OU: a.OU})
	}
	return aws.ToString(org.Organization.Id), nil
}

// place moves an account into its OU, creating the OU path as needed.
func place(ctx context.Context, orgs *organizations.Client, ous map[string]string, a LayoutAccount) error {
	if a.OU == "" {
		return nil
	}
	path := ""
	for _, part := range strings.Split(strings.Trim(a.OU, "/"), "/") {
		parent := ous[path]
		if path != "" {
			path += "/"
		}
		path += part
		if _, ok := ous[path]; ok {
			continue
		}
		ou, err := orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(part)})
		if err != nil {
			return fmt.Errorf("creating OU %s: %w", path, err)
		}
		ous[path] = aws.ToString(ou.OrganizationalUnit.Id)
	}
	if _, err := orgs.MoveAccount(ctx, &organizations.MoveAccountInput{
		AccountId: aws.String(a.ID), SourceParentId: aws.String(ous[""]), DestinationParentId: aws.String(ous[path]),
	}); err != nil {
		return fmt.Errorf("moving account %s into %s: %w", a.Name, path, err)
	}
	return nil
}

// createAdminRole makes the role a client gives the consultancy: trusting
// the management account, allowed everything in the client account.
func (c creator) createAdminRole(ctx context.Context, a LayoutAccount, mgmt string) error {
	_, path, name, err := parseRoleARN(a.AdminRole)
	if err != nil {
		return err
	}
	roles := c.conn.IAM(a.ID)
	if _, err := roles.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(name),
		Path:     aws.String(path),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
			mgmt + `:root"},"Action":"sts:AssumeRole"}]}`),
		Description: aws.String("Lets the management account " + mgmt + " manage this account (created by the gatehouse sandbox)"),
	}); err != nil {
		return fmt.Errorf("creating admin role %s in %s: %w", a.AdminRole, a.Name, err)
	}
	if _, err := roles.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(name), PolicyName: aws.String("AdministratorAccess"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
	}); err != nil {
		return fmt.Errorf("granting admin role %s access: %w", a.AdminRole, err)
	}
	return nil
}

func orgTags(m map[string]string) []orgtypes.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tags := make([]orgtypes.Tag, 0, len(keys))
	for _, k := range keys {
		tags = append(tags, orgtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return tags
}

// emailFor is an account's root email in the sandbox.
func emailFor(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String() + "@sandbox.example.com"
}

// decrementID returns the 12-digit ID one below id.
func decrementID(id string) string {
	b := []byte(id)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] > '0' {
			b[i]--
			break
		}
		b[i] = '9'
	}
	return string(b)
}

// IsAccountID reports whether s is an AWS account ID: 12 digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}
