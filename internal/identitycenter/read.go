package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// pageSize is MaxResults for every list call: the largest AWS accepts.
const pageSize = 100

// ReadScope says which group memberships Read reads: those of the groups
// gatehouse manages (a plan), or all of them (import).
type ReadScope struct {
	MembershipGroups []string
	AllMemberships   bool
}

// Read reads the instance's live state: every user and group of the
// Identity Store, the memberships of the groups in scope, every permission
// set with all its attributes and the accounts where it is out of date, and
// every account assignment.
//
// Assignments are read per principal (ListAccountAssignmentsForPrincipal for
// each user and group), the cheapest complete strategy when principals are
// fewer than (account, provisioned permission set) pairs; it finds
// assignments made by hand in the console too. Its cost, with U users, G
// groups and P permission sets, is U + G calls plus one per extra page
// (docs/performance.md).
func (c *Client) Read(ctx context.Context, scope ReadScope) (*state.State, error) {
	if c.Instance.ARN == "" {
		return nil, errors.New("reading Identity Center: no instance (call Discover first)")
	}
	r := &reader{c: c, scope: scope, inst: c.Instance}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return r.permissionSets(gctx) })
	g.Go(func() error { return r.principals(gctx) })
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("reading Identity Center instance %s: %w", shortARN(c.Instance.ARN), err)
	}
	s, err := r.assemble()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.memberships = r.membershipIDs
	c.mu.Unlock()
	return s, nil
}

type principalRef struct {
	typ, id, name string
}

type assignmentRow struct {
	principal principalRef
	accountID string
	psARN     string
}

type reader struct {
	c     *Client
	scope ReadScope
	inst  Instance

	mu            sync.Mutex
	users         []idstypes.User
	groups        []idstypes.Group
	sets          []state.PermissionSet
	rows          []assignmentRow
	members       map[string][]string // group name -> user IDs
	membershipIDs map[string][]string // groupID/userID -> membership IDs
}

func (r *reader) permissionSets(ctx context.Context) error {
	var arns []string
	err := pages(func(token *string) (*string, error) {
		out, err := call(ctx, r.c, svcSSO, "ListPermissionSets", "of the instance", read, func(ctx context.Context) (*ssoadmin.ListPermissionSetsOutput, error) {
			return r.c.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: &r.inst.ARN, MaxResults: aws.Int32(pageSize), NextToken: token})
		})
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.PermissionSets...)
		return out.NextToken, nil
	})
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, arn := range arns {
		g.Go(func() error {
			ps, err := r.permissionSet(gctx, arn)
			if err != nil {
				return err
			}
			r.mu.Lock()
			r.sets = append(r.sets, ps)
			r.mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// permissionSet reads one permission set: its attributes, policies,
// boundary, tags and out-of-date accounts, each with its own call, in
// parallel.
func (r *reader) permissionSet(ctx context.Context, arn string) (state.PermissionSet, error) {
	ps := state.PermissionSet{ARN: arn}
	what := "permission set " + shortARN(arn)
	in := func() (*string, *string) { return &r.inst.ARN, aws.String(arn) }
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		i, p := in()
		out, err := call(gctx, r.c, svcSSO, "DescribePermissionSet", what, read, func(ctx context.Context) (*ssoadmin.DescribePermissionSetOutput, error) {
			return r.c.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: i, PermissionSetArn: p})
		})
		if err != nil {
			return err
		}
		d := out.PermissionSet
		ps.Name, ps.Description = aws.ToString(d.Name), aws.ToString(d.Description)
		ps.SessionDuration, ps.RelayState = aws.ToString(d.SessionDuration), aws.ToString(d.RelayState)
		return nil
	})
	g.Go(func() error {
		return pages(func(token *string) (*string, error) {
			i, p := in()
			out, err := call(gctx, r.c, svcSSO, "ListManagedPoliciesInPermissionSet", what, read, func(ctx context.Context) (*ssoadmin.ListManagedPoliciesInPermissionSetOutput, error) {
				return r.c.sso.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: i, PermissionSetArn: p, MaxResults: aws.Int32(pageSize), NextToken: token})
			})
			if err != nil {
				return nil, err
			}
			for _, mp := range out.AttachedManagedPolicies {
				ps.ManagedPolicies = append(ps.ManagedPolicies, aws.ToString(mp.Arn))
			}
			return out.NextToken, nil
		})
	})
	var cmps []state.PolicyRef
	g.Go(func() error {
		return pages(func(token *string) (*string, error) {
			i, p := in()
			out, err := call(gctx, r.c, svcSSO, "ListCustomerManagedPolicyReferencesInPermissionSet", what, read, func(ctx context.Context) (*ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetOutput, error) {
				return r.c.sso.ListCustomerManagedPolicyReferencesInPermissionSet(ctx, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: i, PermissionSetArn: p, MaxResults: aws.Int32(pageSize), NextToken: token})
			})
			if err != nil {
				return nil, err
			}
			for _, ref := range out.CustomerManagedPolicyReferences {
				cmps = append(cmps, policyRef(ref))
			}
			return out.NextToken, nil
		})
	})
	var inline string
	g.Go(func() error {
		i, p := in()
		out, err := call(gctx, r.c, svcSSO, "GetInlinePolicyForPermissionSet", what, read, func(ctx context.Context) (*ssoadmin.GetInlinePolicyForPermissionSetOutput, error) {
			return r.c.sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: i, PermissionSetArn: p})
		})
		if err != nil {
			return err
		}
		inline = aws.ToString(out.InlinePolicy)
		return nil
	})
	g.Go(func() error {
		i, p := in()
		out, err := call(gctx, r.c, svcSSO, "GetPermissionsBoundaryForPermissionSet", what, read, func(ctx context.Context) (*ssoadmin.GetPermissionsBoundaryForPermissionSetOutput, error) {
			return r.c.sso.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: i, PermissionSetArn: p})
		})
		if errorCode(err) == "ResourceNotFoundException" {
			return nil // no boundary attached
		}
		if err != nil {
			return err
		}
		ps.PermissionsBoundary = boundary(out.PermissionsBoundary)
		return nil
	})
	var tags map[string]string
	g.Go(func() error {
		return pages(func(token *string) (*string, error) {
			out, err := call(gctx, r.c, svcSSO, "ListTagsForResource", what, read, func(ctx context.Context) (*ssoadmin.ListTagsForResourceOutput, error) {
				return r.c.sso.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: &r.inst.ARN, ResourceArn: aws.String(arn), NextToken: token})
			})
			if err != nil {
				return nil, err
			}
			for _, t := range out.Tags {
				if tags == nil {
					tags = map[string]string{}
				}
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			return out.NextToken, nil
		})
	})
	var outdated []string
	g.Go(func() error {
		var err error
		outdated, err = r.outdatedAccounts(gctx, arn, what)
		return err
	})
	if err := g.Wait(); err != nil {
		return state.PermissionSet{}, err
	}
	sort.Strings(ps.ManagedPolicies)
	sortRefs(cmps)
	ps.CustomerManagedPolicies = cmps
	if inline != "" {
		if canon, err := policy.Canonical(inline); err == nil {
			inline = canon
		}
	}
	ps.InlinePolicy = inline
	if v, ok := tags[state.OwnerTagKey]; ok && v == state.OwnerTagValue {
		ps.Managed = true
		delete(tags, state.OwnerTagKey)
	}
	if len(tags) > 0 {
		ps.Tags = tags
	}
	ps.OutdatedAccounts = outdated
	return ps, nil
}

// outdatedAccounts lists the accounts where the permission set is
// provisioned at an older version. The accounts AWS reports as
// LATEST_PERMISSION_SET_NOT_PROVISIONED are checked against those it reports
// as provisioned at the latest version, asked only when the first list is not
// empty: an account in both is being provisioned right now (or the endpoint
// ignores the status filter, as moto does) and is left out.
func (r *reader) outdatedAccounts(ctx context.Context, arn, what string) ([]string, error) {
	list := func(status ssotypes.ProvisioningStatus) (map[string]bool, error) {
		accts := map[string]bool{}
		err := pages(func(token *string) (*string, error) {
			out, err := call(ctx, r.c, svcSSO, "ListAccountsForProvisionedPermissionSet", what, read, func(ctx context.Context) (*ssoadmin.ListAccountsForProvisionedPermissionSetOutput, error) {
				return r.c.sso.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
					InstanceArn: &r.inst.ARN, PermissionSetArn: aws.String(arn), ProvisioningStatus: status, MaxResults: aws.Int32(pageSize), NextToken: token,
				})
			})
			if err != nil {
				return nil, err
			}
			for _, a := range out.AccountIds {
				accts[a] = true
			}
			return out.NextToken, nil
		})
		return accts, err
	}
	stale, err := list(ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned)
	if err != nil || len(stale) == 0 {
		return nil, err
	}
	fresh, err := list(ssotypes.ProvisioningStatusLatestPermissionSetProvisioned)
	if err != nil {
		return nil, err
	}
	var out []string
	for a := range stale {
		if !fresh[a] {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (r *reader) principals(ctx context.Context) error {
	store := r.inst.IdentityStoreID
	ig, ictx := errgroup.WithContext(ctx)
	ig.Go(func() error {
		return pages(func(token *string) (*string, error) {
			out, err := call(ictx, r.c, svcStore, "ListUsers", "of "+store, read, func(ctx context.Context) (*identitystore.ListUsersOutput, error) {
				return r.c.store.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: &store, MaxResults: aws.Int32(pageSize), NextToken: token})
			})
			if err != nil {
				return nil, err
			}
			r.users = append(r.users, out.Users...)
			return out.NextToken, nil
		})
	})
	ig.Go(func() error {
		return pages(func(token *string) (*string, error) {
			out, err := call(ictx, r.c, svcStore, "ListGroups", "of "+store, read, func(ctx context.Context) (*identitystore.ListGroupsOutput, error) {
				return r.c.store.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: &store, MaxResults: aws.Int32(pageSize), NextToken: token})
			})
			if err != nil {
				return nil, err
			}
			r.groups = append(r.groups, out.Groups...)
			return out.NextToken, nil
		})
	})
	if err := ig.Wait(); err != nil {
		return err
	}

	var principals []principalRef
	for _, u := range r.users {
		id, name := aws.ToString(u.UserId), aws.ToString(u.UserName)
		principals = append(principals, principalRef{typ: state.PrincipalUser, id: id, name: name})
	}
	inScope := map[string]bool{}
	for _, g := range r.scope.MembershipGroups {
		inScope[g] = true
	}
	r.members = map[string][]string{}
	r.membershipIDs = map[string][]string{}
	pg, pctx := errgroup.WithContext(ctx)
	for _, g := range r.groups {
		id, name := aws.ToString(g.GroupId), aws.ToString(g.DisplayName)
		principals = append(principals, principalRef{typ: state.PrincipalGroup, id: id, name: name})
		if r.scope.AllMemberships || inScope[name] {
			pg.Go(func() error { return r.memberships(pctx, id, name) })
		}
	}
	for _, p := range principals {
		pg.Go(func() error { return r.assignmentsOf(pctx, p) })
	}
	return pg.Wait()
}

func (r *reader) memberships(ctx context.Context, groupID, name string) error {
	store := r.inst.IdentityStoreID
	var ids []string
	mids := map[string][]string{}
	err := pages(func(token *string) (*string, error) {
		out, err := call(ctx, r.c, svcStore, "ListGroupMemberships", "of group "+name, read, func(ctx context.Context) (*identitystore.ListGroupMembershipsOutput, error) {
			return r.c.store.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: &store, GroupId: &groupID, MaxResults: aws.Int32(pageSize), NextToken: token})
		})
		if err != nil {
			return nil, err
		}
		for _, m := range out.GroupMemberships {
			if u, ok := m.MemberId.(*idstypes.MemberIdMemberUserId); ok {
				ids = append(ids, u.Value)
				key := groupID + "/" + u.Value
				mids[key] = append(mids[key], aws.ToString(m.MembershipId))
			}
		}
		return out.NextToken, nil
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.members[name] = ids
	for k, v := range mids {
		r.membershipIDs[k] = v
	}
	r.mu.Unlock()
	return nil
}

func (r *reader) assignmentsOf(ctx context.Context, p principalRef) error {
	what := strings.ToLower(p.typ) + " " + p.name
	var rows []assignmentRow
	err := pages(func(token *string) (*string, error) {
		out, err := call(ctx, r.c, svcSSO, "ListAccountAssignmentsForPrincipal", what, read, func(ctx context.Context) (*ssoadmin.ListAccountAssignmentsForPrincipalOutput, error) {
			return r.c.sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{
				InstanceArn: &r.inst.ARN, PrincipalId: &p.id, PrincipalType: ssotypes.PrincipalType(p.typ), MaxResults: aws.Int32(pageSize), NextToken: token,
			})
		})
		if err != nil {
			return nil, err
		}
		for _, a := range out.AccountAssignments {
			rows = append(rows, assignmentRow{principal: p, accountID: aws.ToString(a.AccountId), psARN: aws.ToString(a.PermissionSetArn)})
		}
		return out.NextToken, nil
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.rows = append(r.rows, rows...)
	r.mu.Unlock()
	return nil
}

func (r *reader) assemble() (*state.State, error) {
	s := state.New()
	userNames := map[string]string{}
	for _, u := range r.users {
		su := state.User{
			UserName:    aws.ToString(u.UserName),
			DisplayName: aws.ToString(u.DisplayName),
			Email:       primaryEmail(u.Emails),
			ID:          aws.ToString(u.UserId),
		}
		if u.Name != nil {
			su.GivenName, su.FamilyName = aws.ToString(u.Name.GivenName), aws.ToString(u.Name.FamilyName)
		}
		s.Users[su.UserName] = su
		userNames[su.ID] = su.UserName
	}
	for _, g := range r.groups {
		sg := state.Group{DisplayName: aws.ToString(g.DisplayName), Description: aws.ToString(g.Description), ID: aws.ToString(g.GroupId)}
		var members []string
		for _, id := range r.members[sg.DisplayName] {
			if name, ok := userNames[id]; ok {
				members = append(members, name)
			}
		}
		sg.Members = members
		s.Groups[sg.DisplayName] = sg.Normalize()
	}
	setNames := map[string]string{}
	for _, ps := range r.sets {
		if prev, dup := s.PermissionSets[ps.Name]; dup {
			return nil, hint.Wrap(fmt.Errorf("two permission sets are named %s (%s and %s)", ps.Name, prev.ARN, ps.ARN),
				"gatehouse matches permission sets by name: delete or rename one of them in the IAM Identity Center console")
		}
		s.PermissionSets[ps.Name] = ps.Normalize()
		setNames[ps.ARN] = ps.Name
	}
	for _, row := range r.rows {
		name, ok := setNames[row.psARN]
		if !ok {
			// An assignment of a permission set that no longer exists (an
			// emulator keeps them after DeletePermissionSet); nothing to do.
			continue
		}
		s.Assignments = append(s.Assignments, state.Assignment{AccountID: row.accountID, PermissionSet: name, PrincipalType: row.principal.typ, PrincipalName: row.principal.name})
	}
	s.Assignments = state.SortAssignments(s.Assignments)
	return s, nil
}

func primaryEmail(es []idstypes.Email) string {
	for _, e := range es {
		if e.Primary {
			return aws.ToString(e.Value)
		}
	}
	if len(es) > 0 {
		return aws.ToString(es[0].Value)
	}
	return ""
}

func policyRef(r ssotypes.CustomerManagedPolicyReference) state.PolicyRef {
	return state.PolicyRef{Name: aws.ToString(r.Name), Path: aws.ToString(r.Path)}.Normalize()
}

func boundary(b *ssotypes.PermissionsBoundary) *state.Boundary {
	if b == nil {
		return nil
	}
	if b.CustomerManagedPolicyReference != nil {
		ref := policyRef(*b.CustomerManagedPolicyReference)
		return &state.Boundary{CustomerManaged: &ref}
	}
	if b.ManagedPolicyArn != nil {
		return &state.Boundary{ManagedPolicyARN: *b.ManagedPolicyArn}
	}
	return nil
}

func sortRefs(rs []state.PolicyRef) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Path+rs[i].Name < rs[j].Path+rs[j].Name })
}

// pages calls fetch with each next token until there is none.
func pages(fetch func(token *string) (*string, error)) error {
	var token *string
	for {
		next, err := fetch(token)
		if err != nil {
			return err
		}
		if next == nil || *next == "" {
			return nil
		}
		token = next
	}
}

// shortARN keeps the last part of an ARN (ps-..., ssoins-...) for messages.
func shortARN(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
