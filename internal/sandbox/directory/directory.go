// Package directory reads, from moto, what IAM Identity Center knows of the
// people who sign in to the sandbox: Identity Store users and their groups,
// account assignments, permission sets and the organization's accounts, and
// joins them into what each user may reach through the portal.
package directory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	isdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motoclient"
)

// Errors of lookups that found nothing.
var (
	ErrNoSuchUser          = errors.New("no such user in the Identity Store")
	ErrNoSuchPermissionSet = errors.New("no such permission set")
)

// Directory reads Identity Center state from moto, live on every call.
type Directory struct {
	conn motoclient.Conn
}

// New reads through conn.
func New(conn motoclient.Conn) *Directory { return &Directory{conn: conn} }

// Entitlement is one account and role a user may reach through the portal.
type Entitlement struct {
	AccountID        string
	AccountName      string
	Email            string
	RoleName         string // the permission set's name
	PermissionSetARN string
	SessionDuration  time.Duration
}

// PermissionSet is what the portal and the reserved roles need of a
// permission set.
type PermissionSet struct {
	Name            string
	SessionDuration time.Duration
}

// Account is what the portal shows of an account.
type Account struct {
	Name  string
	Email string
}

// Instance returns the Identity Center instance of the management account.
func (d *Directory) Instance(ctx context.Context) (arn, storeID string, err error) {
	out, err := d.conn.SSOAdmin().ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		return "", "", fmt.Errorf("listing Identity Center instances of %s: %w", d.conn.Management(), err)
	}
	if len(out.Instances) == 0 {
		return "", "", fmt.Errorf("account %s has no Identity Center instance", d.conn.Management())
	}
	in := out.Instances[0]
	return aws.ToString(in.InstanceArn), aws.ToString(in.IdentityStoreId), nil
}

// UserID looks a user up by user name.
func (d *Directory) UserID(ctx context.Context, userName string) (string, error) {
	_, store, err := d.Instance(ctx)
	if err != nil {
		return "", err
	}
	out, err := d.conn.IdentityStore().GetUserId(ctx, &identitystore.GetUserIdInput{
		IdentityStoreId: aws.String(store),
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath:  aws.String("userName"),
			AttributeValue: isdoc.NewLazyDocument(userName),
		}},
	})
	var nf *istypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return "", fmt.Errorf("user %q: %w", userName, ErrNoSuchUser)
	}
	if err != nil {
		return "", fmt.Errorf("looking up user %q in Identity Store %s: %w", userName, store, err)
	}
	return aws.ToString(out.UserId), nil
}

// assignment is one account assignment of a principal.
type assignment struct {
	AccountID        string
	PermissionSetARN string
}

type principal struct {
	id  string
	typ ssotypes.PrincipalType
}

// Entitlements lists what a user may reach: the assignments to the user and
// to the groups the user belongs to.
func (d *Directory) Entitlements(ctx context.Context, userID, userName string) ([]Entitlement, error) {
	inst, store, err := d.Instance(ctx)
	if err != nil {
		return nil, err
	}
	principals := []principal{{userID, ssotypes.PrincipalTypeUser}}
	groups := identitystore.NewListGroupMembershipsForMemberPaginator(d.conn.IdentityStore(), &identitystore.ListGroupMembershipsForMemberInput{
		IdentityStoreId: aws.String(store),
		MemberId:        &istypes.MemberIdMemberUserId{Value: userID},
	})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing groups of user %s: %w", userName, err)
		}
		for _, m := range page.GroupMemberships {
			principals = append(principals, principal{aws.ToString(m.GroupId), ssotypes.PrincipalTypeGroup})
		}
	}
	var rows []assignment
	for _, p := range principals {
		got, err := d.assignmentsOf(ctx, inst, p)
		if err != nil {
			return nil, err
		}
		rows = append(rows, got...)
	}
	sets := map[string]PermissionSet{}
	for _, r := range rows {
		if _, ok := sets[r.PermissionSetARN]; ok {
			continue
		}
		info, err := d.PermissionSet(ctx, inst, r.PermissionSetARN)
		if errors.Is(err, ErrNoSuchPermissionSet) {
			continue // moto keeps assignments of deleted sets; AWS does not
		}
		if err != nil {
			return nil, err
		}
		sets[r.PermissionSetARN] = info
	}
	accounts, err := d.OrgAccounts(ctx)
	if err != nil {
		return nil, err
	}
	return buildEntitlements(rows, sets, accounts), nil
}

func (d *Directory) assignmentsOf(ctx context.Context, inst string, p principal) ([]assignment, error) {
	var out []assignment
	pages := ssoadmin.NewListAccountAssignmentsForPrincipalPaginator(d.conn.SSOAdmin(), &ssoadmin.ListAccountAssignmentsForPrincipalInput{
		InstanceArn: aws.String(inst), PrincipalId: aws.String(p.id), PrincipalType: p.typ,
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing assignments of %s %s: %w", p.typ, p.id, err)
		}
		for _, a := range page.AccountAssignments {
			out = append(out, assignment{AccountID: aws.ToString(a.AccountId), PermissionSetARN: aws.ToString(a.PermissionSetArn)})
		}
	}
	return out, nil
}

// buildEntitlements joins assignments with permission set and account
// details: one entitlement per (account, permission set), sorted by account
// then role name. Assignments of unknown permission sets are dropped.
func buildEntitlements(rows []assignment, sets map[string]PermissionSet, accounts map[string]Account) []Entitlement {
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

// PermissionSet describes a permission set of instance inst. A session
// duration that is not PT#H#M#S counts as AWS's default, one hour.
func (d *Directory) PermissionSet(ctx context.Context, inst, arn string) (PermissionSet, error) {
	out, err := d.conn.SSOAdmin().DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(arn),
	})
	var nf *ssotypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return PermissionSet{}, fmt.Errorf("permission set %s: %w", arn, ErrNoSuchPermissionSet)
	}
	if err != nil {
		return PermissionSet{}, fmt.Errorf("describing permission set %s: %w", arn, err)
	}
	ps := out.PermissionSet
	dur, err := ParseISODuration(aws.ToString(ps.SessionDuration))
	if err != nil {
		dur = time.Hour
	}
	return PermissionSet{Name: aws.ToString(ps.Name), SessionDuration: dur}, nil
}

// PermissionSets lists the ARNs of the permission sets of instance inst.
func (d *Directory) PermissionSets(ctx context.Context, inst string) ([]string, error) {
	var sets []string
	pages := ssoadmin.NewListPermissionSetsPaginator(d.conn.SSOAdmin(), &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(inst)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing permission sets: %w", err)
		}
		sets = append(sets, page.PermissionSets...)
	}
	return sets, nil
}

// HasAssignment reports whether a permission set is assigned to anyone in
// account.
func (d *Directory) HasAssignment(ctx context.Context, inst, account, psARN string) (bool, error) {
	out, err := d.conn.SSOAdmin().ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(inst), AccountId: aws.String(account), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return false, fmt.Errorf("listing assignments of %s in %s: %w", psARN, account, err)
	}
	return len(out.AccountAssignments) > 0, nil
}

// OrgAccounts returns the accounts of the management account's organization
// (none when it has no organization).
func (d *Directory) OrgAccounts(ctx context.Context) (map[string]Account, error) {
	out := map[string]Account{}
	pages := organizations.NewListAccountsPaginator(d.conn.Organizations(d.conn.Management()), &organizations.ListAccountsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		var notInUse *orgtypes.AWSOrganizationsNotInUseException
		if errors.As(err, &notInUse) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing accounts of the organization of %s: %w", d.conn.Management(), err)
		}
		for _, a := range page.Accounts {
			out[aws.ToString(a.Id)] = Account{Name: aws.ToString(a.Name), Email: aws.ToString(a.Email)}
		}
	}
	return out, nil
}

// AssignedAccounts returns every account that has an assignment of any user
// or group of the Identity Store.
func (d *Directory) AssignedAccounts(ctx context.Context, inst string) (map[string]bool, error) {
	_, store, err := d.Instance(ctx)
	if err != nil {
		return nil, err
	}
	var all []principal
	users := identitystore.NewListUsersPaginator(d.conn.IdentityStore(), &identitystore.ListUsersInput{IdentityStoreId: aws.String(store)})
	for users.HasMorePages() {
		page, err := users.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing users: %w", err)
		}
		for _, u := range page.Users {
			all = append(all, principal{aws.ToString(u.UserId), ssotypes.PrincipalTypeUser})
		}
	}
	groups := identitystore.NewListGroupsPaginator(d.conn.IdentityStore(), &identitystore.ListGroupsInput{IdentityStoreId: aws.String(store)})
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
		got, err := d.assignmentsOf(ctx, inst, p)
		if err != nil {
			return nil, err
		}
		for _, a := range got {
			out[a.AccountID] = true
		}
	}
	return out, nil
}

// ParseISODuration parses the PT#H#M#S durations of permission sets.
func ParseISODuration(s string) (time.Duration, error) {
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
