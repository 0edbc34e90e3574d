package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	isdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// reservedPrefix starts the name of every role Identity Center creates.
const reservedPrefix = "AWSReservedSSO_"

// inlinePolicyName is the name AWS gives a permission set's inline policy on
// its AWSReservedSSO role.
const inlinePolicyName = "AwsSSOInlinePolicy"

// Entitlement is one account and role a user may reach through the portal.
type Entitlement struct {
	AccountID        string
	AccountName      string
	Email            string
	RoleName         string // the permission set's name
	PermissionSetARN string
	SessionDuration  time.Duration
}

// backend reads and changes moto's state as AWS itself would: as the
// management account for Identity Center, and inside each account for IAM.
type backend struct {
	cfg    aws.Config // pointed at moto itself, not at the front
	mgmt   string
	region string
	logf   func(format string, args ...any)

	roleMu sync.Mutex // one role reconcile at a time, as AWS does per account
	// roleAccounts are the accounts the front has made reserved roles in:
	// outside an organization (in tests) they are the only way to find them.
	roleAccounts map[string]bool
}

// noteRoleAccount remembers an account that holds reserved roles; b.roleMu
// must be held.
func (b *backend) noteRoleAccount(account string) {
	if b.roleAccounts == nil {
		b.roleAccounts = map[string]bool{}
	}
	b.roleAccounts[account] = true
}

// knownAccounts are the accounts that may hold reserved roles: the
// organization's, the management account, and those the front made roles in.
func (b *backend) knownAccounts(ctx context.Context) (map[string]bool, error) {
	org, err := b.orgAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{b.mgmt: true}
	for id := range org {
		out[id] = true
	}
	b.roleMu.Lock()
	for id := range b.roleAccounts {
		out[id] = true
	}
	b.roleMu.Unlock()
	return out, nil
}

// in returns a copy of the config whose requests run as account (moto's
// x-moto-account-id header).
func (b *backend) in(account string) aws.Config {
	c := b.cfg.Copy()
	c.APIOptions = append(slices.Clone(c.APIOptions), smithyhttp.SetHeaderValue(headerMotoAccount, account))
	return c
}

func (b *backend) iamIn(account string) *iam.Client { return iam.NewFromConfig(b.in(account)) }
func (b *backend) ssoAdmin() *ssoadmin.Client       { return ssoadmin.NewFromConfig(b.in(b.mgmt)) }
func (b *backend) idStore() *identitystore.Client   { return identitystore.NewFromConfig(b.in(b.mgmt)) }
func (b *backend) orgs() *organizations.Client      { return organizations.NewFromConfig(b.in(b.mgmt)) }

// instance returns the Identity Center instance of the management account.
func (b *backend) instance(ctx context.Context) (arn, storeID string, err error) {
	out, err := b.ssoAdmin().ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		return "", "", fmt.Errorf("listing Identity Center instances of %s: %w", b.mgmt, err)
	}
	if len(out.Instances) == 0 {
		return "", "", fmt.Errorf("account %s has no Identity Center instance", b.mgmt)
	}
	in := out.Instances[0]
	return aws.ToString(in.InstanceArn), aws.ToString(in.IdentityStoreId), nil
}

// errNoSuchUser is returned when a user name is not in the Identity Store.
var errNoSuchUser = errors.New("no such user in the Identity Store")

// user looks a user up by user name.
func (b *backend) user(ctx context.Context, userName string) (Identity, error) {
	_, store, err := b.instance(ctx)
	if err != nil {
		return Identity{}, err
	}
	out, err := b.idStore().GetUserId(ctx, &identitystore.GetUserIdInput{
		IdentityStoreId: aws.String(store),
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath:  aws.String("userName"),
			AttributeValue: isdoc.NewLazyDocument(userName),
		}},
	})
	var nf *istypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return Identity{}, fmt.Errorf("user %q: %w", userName, errNoSuchUser)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("looking up user %q in Identity Store %s: %w", userName, store, err)
	}
	return Identity{UserID: aws.ToString(out.UserId), UserName: userName}, nil
}

// assignmentRow is one account assignment as ListAccountAssignmentsForPrincipal reports it.
type assignmentRow struct {
	AccountID        string
	PermissionSetARN string
}

// permissionSetInfo is what the portal needs of a permission set.
type permissionSetInfo struct {
	Name            string
	SessionDuration time.Duration
}

// orgAccountInfo is what the portal shows of an account.
type orgAccountInfo struct {
	Name  string
	Email string
}

// entitlements lists what who may reach: assignments to the user and to the
// groups the user belongs to.
func (b *backend) entitlements(ctx context.Context, who Identity) ([]Entitlement, error) {
	inst, store, err := b.instance(ctx)
	if err != nil {
		return nil, err
	}
	principals := []struct {
		id  string
		typ ssotypes.PrincipalType
	}{{who.UserID, ssotypes.PrincipalTypeUser}}
	groups := identitystore.NewListGroupMembershipsForMemberPaginator(b.idStore(), &identitystore.ListGroupMembershipsForMemberInput{
		IdentityStoreId: aws.String(store),
		MemberId:        &istypes.MemberIdMemberUserId{Value: who.UserID},
	})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing groups of user %s: %w", who.UserName, err)
		}
		for _, m := range page.GroupMemberships {
			principals = append(principals, struct {
				id  string
				typ ssotypes.PrincipalType
			}{aws.ToString(m.GroupId), ssotypes.PrincipalTypeGroup})
		}
	}
	var rows []assignmentRow
	for _, p := range principals {
		pages := ssoadmin.NewListAccountAssignmentsForPrincipalPaginator(b.ssoAdmin(), &ssoadmin.ListAccountAssignmentsForPrincipalInput{
			InstanceArn:   aws.String(inst),
			PrincipalId:   aws.String(p.id),
			PrincipalType: p.typ,
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("listing assignments of %s %s: %w", p.typ, p.id, err)
			}
			for _, a := range page.AccountAssignments {
				rows = append(rows, assignmentRow{AccountID: aws.ToString(a.AccountId), PermissionSetARN: aws.ToString(a.PermissionSetArn)})
			}
		}
	}
	sets := map[string]permissionSetInfo{}
	for _, r := range rows {
		if _, ok := sets[r.PermissionSetARN]; ok {
			continue
		}
		info, err := b.permissionSet(ctx, inst, r.PermissionSetARN)
		if errors.Is(err, errNoSuchPermissionSet) {
			continue // moto keeps assignments of deleted sets; AWS does not
		}
		if err != nil {
			return nil, err
		}
		sets[r.PermissionSetARN] = info
	}
	accounts, err := b.orgAccounts(ctx)
	if err != nil {
		return nil, err
	}
	return buildEntitlements(rows, sets, accounts), nil
}

// buildEntitlements joins assignment rows with permission set and account
// details: one entitlement per (account, permission set), sorted by account
// then role name. Rows of unknown permission sets are dropped.
func buildEntitlements(rows []assignmentRow, sets map[string]permissionSetInfo, accounts map[string]orgAccountInfo) []Entitlement {
	seen := map[[2]string]bool{}
	var out []Entitlement
	for _, r := range rows {
		ps, ok := sets[r.PermissionSetARN]
		if !ok {
			continue
		}
		key := [2]string{r.AccountID, ps.Name}
		if seen[key] {
			continue
		}
		seen[key] = true
		acct := accounts[r.AccountID]
		if acct.Name == "" {
			acct.Name = r.AccountID
		}
		out = append(out, Entitlement{
			AccountID:        r.AccountID,
			AccountName:      acct.Name,
			Email:            acct.Email,
			RoleName:         ps.Name,
			PermissionSetARN: r.PermissionSetARN,
			SessionDuration:  ps.SessionDuration,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AccountID != out[j].AccountID {
			return out[i].AccountID < out[j].AccountID
		}
		return out[i].RoleName < out[j].RoleName
	})
	return out
}

var errNoSuchPermissionSet = errors.New("no such permission set")

func (b *backend) permissionSet(ctx context.Context, inst, arn string) (permissionSetInfo, error) {
	out, err := b.ssoAdmin().DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(arn),
	})
	var nf *ssotypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return permissionSetInfo{}, fmt.Errorf("permission set %s: %w", arn, errNoSuchPermissionSet)
	}
	if err != nil {
		return permissionSetInfo{}, fmt.Errorf("describing permission set %s: %w", arn, err)
	}
	ps := out.PermissionSet
	d, err := parseISODuration(aws.ToString(ps.SessionDuration))
	if err != nil {
		d = time.Hour
	}
	return permissionSetInfo{Name: aws.ToString(ps.Name), SessionDuration: d}, nil
}

// orgAccounts returns the accounts of the management account's organization
// (none when it has no organization).
func (b *backend) orgAccounts(ctx context.Context) (map[string]orgAccountInfo, error) {
	out := map[string]orgAccountInfo{}
	pages := organizations.NewListAccountsPaginator(b.orgs(), &organizations.ListAccountsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		var notInUse *orgtypes.AWSOrganizationsNotInUseException
		if errors.As(err, &notInUse) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing accounts of the organization of %s: %w", b.mgmt, err)
		}
		for _, a := range page.Accounts {
			out[aws.ToString(a.Id)] = orgAccountInfo{Name: aws.ToString(a.Name), Email: aws.ToString(a.Email)}
		}
	}
	return out, nil
}

// reservedRoleName is the name of the role a permission set gets in an
// account: AWSReservedSSO_<name>_<16 hex>. The suffix is stable for a
// (permission set, account) pair, so trust policies can name it.
func reservedRoleName(psName, psARN, account string) string {
	sum := sha256.Sum256([]byte(psARN + "|" + account))
	return reservedPrefix + psName + "_" + hex.EncodeToString(sum[:8])
}

// reservedRolePath is the path of Identity Center's roles: AWS adds the
// region except for us-east-1.
func reservedRolePath(region string) string {
	if region == "" || region == "us-east-1" {
		return "/aws-reserved/sso.amazonaws.com/"
	}
	return "/aws-reserved/sso.amazonaws.com/" + region + "/"
}

// roleARN builds a role's ARN from its account, path and name.
func roleARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":role" + path + name
}

// samlTrust is the trust policy of an AWSReservedSSO role, as AWS writes it.
func samlTrust(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account +
		`:saml-provider/AWSSSO_sandbox_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`
}

// reconcileRole makes the AWSReservedSSO role of a permission set exist in
// account exactly while the permission set has an assignment there. It
// returns the role's ARN ("" once deleted).
func (b *backend) reconcileRole(ctx context.Context, account, psARN string) (string, error) {
	b.roleMu.Lock()
	defer b.roleMu.Unlock()
	inst, _, err := b.instance(ctx)
	if err != nil {
		return "", err
	}
	ps, err := b.permissionSet(ctx, inst, psARN)
	if errors.Is(err, errNoSuchPermissionSet) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	out, err := b.ssoAdmin().ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(inst), AccountId: aws.String(account), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return "", fmt.Errorf("listing assignments of %s in %s: %w", ps.Name, account, err)
	}
	name, path := reservedRoleName(ps.Name, psARN, account), reservedRolePath(b.region)
	exists, err := b.roleExists(ctx, account, name)
	if err != nil {
		return "", err
	}
	assigned := len(out.AccountAssignments) > 0
	switch {
	case assigned && !exists:
		b.noteRoleAccount(account)
		if err := b.createReservedRole(ctx, account, name, path, ps); err != nil {
			return "", err
		}
		if err := b.syncRolePolicies(ctx, inst, account, psARN, name); err != nil {
			return "", err
		}
	case !assigned && exists:
		return "", b.deleteRole(ctx, account, name)
	case !assigned:
		return "", nil
	}
	return roleARN(account, path, name), nil
}

func (b *backend) roleExists(ctx context.Context, account, name string) (bool, error) {
	_, err := b.iamIn(account).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var nse *iamtypes.NoSuchEntityException
	if errors.As(err, &nse) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading role %s in %s: %w", name, account, err)
	}
	return true, nil
}

func (b *backend) createReservedRole(ctx context.Context, account, name, path string, ps permissionSetInfo) error {
	maxSession := int32(ps.SessionDuration / time.Second)
	maxSession = min(max(maxSession, 3600), 43200)
	_, err := b.iamIn(account).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		Path:                     aws.String(path),
		AssumeRolePolicyDocument: aws.String(samlTrust(account)),
		MaxSessionDuration:       aws.Int32(maxSession),
	})
	var exists *iamtypes.EntityAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("creating role %s in %s: %w", name, account, err)
	}
	b.logf("created role %s%s in %s for permission set %s", path, name, account, ps.Name)
	return nil
}

// syncRolePolicies gives a reserved role the permission set's current
// policies, as provisioning does in AWS.
func (b *backend) syncRolePolicies(ctx context.Context, inst, account, psARN, name string) error {
	admin, roles := b.ssoAdmin(), b.iamIn(account)
	inline, err := admin.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return fmt.Errorf("reading inline policy of %s: %w", psARN, err)
	}
	if doc := aws.ToString(inline.InlinePolicy); doc != "" {
		if _, err := roles.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName), PolicyDocument: aws.String(doc),
		}); err != nil {
			return fmt.Errorf("putting the inline policy on %s in %s: %w", name, account, err)
		}
	} else {
		_, err := roles.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName)})
		var nse *iamtypes.NoSuchEntityException
		if err != nil && !errors.As(err, &nse) {
			return fmt.Errorf("removing the inline policy of %s in %s: %w", name, account, err)
		}
	}
	want := map[string]bool{}
	managed, err := admin.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return fmt.Errorf("listing managed policies of %s: %w", psARN, err)
	}
	for _, p := range managed.AttachedManagedPolicies {
		want[aws.ToString(p.Arn)] = true
	}
	customer, err := admin.ListCustomerManagedPolicyReferencesInPermissionSet(ctx, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return fmt.Errorf("listing customer managed policies of %s: %w", psARN, err)
	}
	for _, p := range customer.CustomerManagedPolicyReferences {
		path := aws.ToString(p.Path)
		if path == "" {
			path = "/"
		}
		want["arn:aws:iam::"+account+":policy"+path+aws.ToString(p.Name)] = true
	}
	attached, err := roles.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing policies of %s in %s: %w", name, account, err)
	}
	for _, p := range attached.AttachedPolicies {
		arn := aws.ToString(p.PolicyArn)
		if want[arn] {
			delete(want, arn)
			continue
		}
		if _, err := roles.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)}); err != nil {
			return fmt.Errorf("detaching %s from %s in %s: %w", arn, name, account, err)
		}
	}
	for _, arn := range slices.Sorted(maps.Keys(want)) {
		_, err := roles.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)})
		var nse *iamtypes.NoSuchEntityException
		if errors.As(err, &nse) {
			// AWS fails provisioning here; moto also lacks AWS-managed
			// policies unless started with LoadManagedPolicies. The role
			// still works for sign-in, so say so and go on.
			b.logf("policy %s does not exist in %s; role %s lacks it", arn, account, name)
			continue
		}
		if err != nil {
			return fmt.Errorf("attaching %s to %s in %s: %w", arn, name, account, err)
		}
	}
	return nil
}

// deleteRole removes a role with its policies.
func (b *backend) deleteRole(ctx context.Context, account, name string) error {
	roles := b.iamIn(account)
	attached, err := roles.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing policies of %s in %s: %w", name, account, err)
	}
	for _, p := range attached.AttachedPolicies {
		if _, err := roles.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: p.PolicyArn}); err != nil {
			return fmt.Errorf("detaching %s from %s in %s: %w", aws.ToString(p.PolicyArn), name, account, err)
		}
	}
	inline, err := roles.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing inline policies of %s in %s: %w", name, account, err)
	}
	for _, p := range inline.PolicyNames {
		if _, err := roles.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil {
			return fmt.Errorf("deleting inline policy %s of %s in %s: %w", p, name, account, err)
		}
	}
	if _, err := roles.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil {
		return fmt.Errorf("deleting role %s in %s: %w", name, account, err)
	}
	b.logf("deleted role %s in %s: its last assignment is gone", name, account)
	return nil
}

// provisioned refreshes the policies of the reserved roles of a permission
// set after ProvisionPermissionSet, in one account or in every account that
// has the role.
func (b *backend) provisioned(ctx context.Context, psARN, account string) error {
	inst, _, err := b.instance(ctx)
	if err != nil {
		return err
	}
	ps, err := b.permissionSet(ctx, inst, psARN)
	if errors.Is(err, errNoSuchPermissionSet) {
		return nil
	}
	if err != nil {
		return err
	}
	accounts := []string{account}
	if account == "" {
		all, err := b.knownAccounts(ctx)
		if err != nil {
			return err
		}
		accounts = slices.Sorted(maps.Keys(all))
	}
	b.roleMu.Lock()
	defer b.roleMu.Unlock()
	for _, acct := range accounts {
		name := reservedRoleName(ps.Name, psARN, acct)
		exists, err := b.roleExists(ctx, acct, name)
		if err != nil {
			return err
		}
		if !exists {
			continue
		}
		if err := b.syncRolePolicies(ctx, inst, acct, psARN, name); err != nil {
			return err
		}
	}
	return nil
}

// reconcileAll makes every account's AWSReservedSSO roles match the
// assignments: for tests and scripts that changed moto without going through
// the front.
func (b *backend) reconcileAll(ctx context.Context) error {
	inst, _, err := b.instance(ctx)
	if err != nil {
		return err
	}
	accounts, err := b.knownAccounts(ctx)
	if err != nil {
		return err
	}
	targets, err := b.assignmentTargets(ctx, inst)
	if err != nil {
		return err
	}
	for id := range targets {
		accounts[id] = true
	}
	var sets []string
	pages := ssoadmin.NewListPermissionSetsPaginator(b.ssoAdmin(), &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(inst)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing permission sets: %w", err)
		}
		sets = append(sets, page.PermissionSets...)
	}
	for acct := range accounts {
		keep := map[string]bool{}
		for _, ps := range sets {
			arn, err := b.reconcileRole(ctx, acct, ps)
			if err != nil {
				return err
			}
			if arn != "" {
				keep[arn[strings.LastIndexByte(arn, '/')+1:]] = true
			}
		}
		// Roles of permission sets that no longer exist.
		var stale []string
		roles := iam.NewListRolesPaginator(b.iamIn(acct), &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/sso.amazonaws.com/")})
		for roles.HasMorePages() {
			page, err := roles.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("listing reserved roles in %s: %w", acct, err)
			}
			for _, r := range page.Roles {
				if name := aws.ToString(r.RoleName); strings.HasPrefix(name, reservedPrefix) && !keep[name] {
					stale = append(stale, name)
				}
			}
		}
		for _, name := range stale {
			b.roleMu.Lock()
			err := b.deleteRole(ctx, acct, name)
			b.roleMu.Unlock()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// assignmentTargets returns every account that has an assignment of any
// user or group of the Identity Store.
func (b *backend) assignmentTargets(ctx context.Context, inst string) (map[string]bool, error) {
	_, store, err := b.instance(ctx)
	if err != nil {
		return nil, err
	}
	type principal struct {
		id  string
		typ ssotypes.PrincipalType
	}
	var all []principal
	users := identitystore.NewListUsersPaginator(b.idStore(), &identitystore.ListUsersInput{IdentityStoreId: aws.String(store)})
	for users.HasMorePages() {
		page, err := users.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing users: %w", err)
		}
		for _, u := range page.Users {
			all = append(all, principal{aws.ToString(u.UserId), ssotypes.PrincipalTypeUser})
		}
	}
	groups := identitystore.NewListGroupsPaginator(b.idStore(), &identitystore.ListGroupsInput{IdentityStoreId: aws.String(store)})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing groups: %w", err)
		}
		for _, g := range page.Groups {
			all = append(all, principal{aws.ToString(g.GroupId), ssotypes.PrincipalTypeGroup})
		}
	}
	out := map[string]bool{}
	for _, p := range all {
		pages := ssoadmin.NewListAccountAssignmentsForPrincipalPaginator(b.ssoAdmin(), &ssoadmin.ListAccountAssignmentsForPrincipalInput{
			InstanceArn: aws.String(inst), PrincipalId: aws.String(p.id), PrincipalType: p.typ,
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("listing assignments of %s %s: %w", p.typ, p.id, err)
			}
			for _, a := range page.AccountAssignments {
				out[aws.ToString(a.AccountId)] = true
			}
		}
	}
	return out, nil
}

// roleCredentials returns credentials of the reserved role behind e, from
// moto's STS, with the user name as the role session name (as AWS does).
func (b *backend) roleCredentials(ctx context.Context, who Identity, e Entitlement) (roleCreds, error) {
	arn, err := b.reconcileRole(ctx, e.AccountID, e.PermissionSetARN)
	if err != nil {
		return roleCreds{}, err
	}
	if arn == "" {
		return roleCreds{}, fmt.Errorf("permission set %s is no longer assigned in %s", e.RoleName, e.AccountID)
	}
	duration := int32(e.SessionDuration / time.Second)
	duration = min(max(duration, 900), 43200)
	out, err := sts.NewFromConfig(b.in(e.AccountID)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(arn),
		RoleSessionName: aws.String(sessionName(who.UserName)),
		DurationSeconds: aws.Int32(duration),
	})
	if err != nil {
		return roleCreds{}, fmt.Errorf("assuming %s: %w", arn, err)
	}
	c := out.Credentials
	return roleCreds{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration).UnixMilli(),
	}, nil
}

// roleCreds is GetRoleCredentials' roleCredentials object.
type roleCreds struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"` // epoch milliseconds
}

// sessionName makes a user name a valid role session name ([\w+=,.@-]{2,64}).
func sessionName(user string) string {
	var b strings.Builder
	for _, r := range user {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	for len(s) < 2 {
		s += "-"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// parseISODuration parses the PT#H#M#S durations of permission sets.
func parseISODuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(s, "PT")
	if !ok || rest == "" {
		return 0, fmt.Errorf("duration %q is not of the form PT#H#M#S", s)
	}
	var total time.Duration
	for rest != "" {
		i := strings.IndexAny(rest, "HMS")
		if i <= 0 {
			return 0, fmt.Errorf("duration %q is not of the form PT#H#M#S", s)
		}
		n := 0
		for _, c := range rest[:i] {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("duration %q is not of the form PT#H#M#S", s)
			}
			n = n*10 + int(c-'0')
			if n > 1_000_000 {
				return 0, fmt.Errorf("duration %q is too long", s)
			}
		}
		unit := map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}[rest[i]]
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	return total, nil
}
