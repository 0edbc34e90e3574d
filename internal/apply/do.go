package apply

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// ids resolves names to the IDs AWS wants: from the live state, and from
// what this run creates.
type ids struct {
	mu     sync.Mutex
	users  map[string]string
	groups map[string]string
	sets   map[string]string
}

func newIDs(live *state.State) *ids {
	x := &ids{users: map[string]string{}, groups: map[string]string{}, sets: map[string]string{}}
	if live == nil {
		return x
	}
	for n, u := range live.Users {
		x.users[n] = u.ID
	}
	for n, g := range live.Groups {
		x.groups[n] = g.ID
	}
	for n, p := range live.PermissionSets {
		x.sets[n] = p.ARN
	}
	return x
}

func (x *ids) get(m map[string]string, name string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return m[name]
}

func (x *ids) set(m map[string]string, name, id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	m[name] = id
}

func (r *run) userID(name string) (string, error) {
	if err := r.needs(plan.UserAddress(name)); err != nil {
		return "", err
	}
	if id := r.ids.get(r.ids.users, name); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("user %s is not in the Identity Store", name)
}

func (r *run) groupID(name string) (string, error) {
	if err := r.needs(plan.GroupAddress(name)); err != nil {
		return "", err
	}
	if id := r.ids.get(r.ids.groups, name); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("group %s is not in the Identity Store", name)
}

func (r *run) setARN(name string) (string, error) {
	if err := r.needs(plan.PermissionSetAddress(name)); err != nil {
		return "", err
	}
	if arn := r.ids.get(r.ids.sets, name); arn != "" {
		return arn, nil
	}
	return "", fmt.Errorf("permission set %s does not exist", name)
}

func (r *run) principalID(typ, name string) (string, error) {
	if typ == state.PrincipalGroup {
		return r.groupID(name)
	}
	return r.userID(name)
}

func (r *run) assignmentRef(a *state.Assignment) (AssignmentRef, error) {
	ref := AssignmentRef{AccountID: a.AccountID, PermissionSet: a.PermissionSet, PrincipalType: a.PrincipalType, PrincipalName: a.PrincipalName}
	var err error
	if ref.PermissionSetARN, err = r.setARN(a.PermissionSet); err != nil {
		return ref, err
	}
	ref.PrincipalID, err = r.principalID(a.PrincipalType, a.PrincipalName)
	return ref, err
}

func principalAddress(typ, name string) plan.Address {
	if typ == state.PrincipalGroup {
		return plan.GroupAddress(name)
	}
	return plan.UserAddress(name)
}

// do carries out one change.
func (r *run) do(ctx context.Context, c plan.Change) error {
	switch c.Kind {
	case plan.KindUser:
		return r.user(ctx, c)
	case plan.KindGroup:
		return r.group(ctx, c)
	case plan.KindMembership:
		return r.membership(ctx, c)
	case plan.KindPermissionSet:
		return r.permissionSet(ctx, c)
	case plan.KindProvision:
		p := c.Provision.After
		arn, err := r.setARN(p.PermissionSet)
		if err != nil {
			return err
		}
		defer r.lockPair("account/" + p.AccountID)()
		return r.t.Provision(ctx, arn, p.AccountID)
	case plan.KindAssignment:
		return r.assignment(ctx, c)
	case plan.KindRole:
		return r.role(ctx, c) // roles.go
	case plan.KindSAMLProvider:
		return r.samlProvider(ctx, c)
	}
	return fmt.Errorf("apply does not handle %s changes", c.Kind)
}

func (r *run) user(ctx context.Context, c plan.Change) error {
	d := c.User
	switch c.Action {
	case plan.Create:
		id, err := r.t.CreateUser(ctx, *d.After)
		if err != nil {
			return err
		}
		r.ids.set(r.ids.users, d.After.UserName, id)
		return nil
	case plan.Update:
		return r.t.UpdateUser(ctx, d.Before.ID, *d.After)
	case plan.Delete:
		if err := r.needsPrincipal(state.PrincipalUser, d.Before.UserName); err != nil {
			return err
		}
		return r.t.DeleteUser(ctx, d.Before.ID)
	}
	return unsupported(c)
}

func (r *run) group(ctx context.Context, c plan.Change) error {
	d := c.Group
	switch c.Action {
	case plan.Create:
		id, err := r.t.CreateGroup(ctx, *d.After)
		if err != nil {
			return err
		}
		r.ids.set(r.ids.groups, d.After.DisplayName, id)
		return nil
	case plan.Update:
		return r.t.UpdateGroup(ctx, d.Before.ID, *d.After)
	case plan.Delete:
		if err := r.needsPrincipal(state.PrincipalGroup, d.Before.DisplayName); err != nil {
			return err
		}
		return r.t.DeleteGroup(ctx, d.Before.ID)
	}
	return unsupported(c)
}

func (r *run) membership(ctx context.Context, c plan.Change) error {
	m := c.Membership.After
	if c.Action == plan.Delete {
		m = c.Membership.Before
	}
	gid, err := r.groupID(m.Group)
	if err != nil {
		return err
	}
	uid, err := r.userID(m.User)
	if err != nil {
		return err
	}
	switch c.Action {
	case plan.Create:
		return r.t.AddMember(ctx, gid, uid)
	case plan.Delete:
		return r.t.RemoveMember(ctx, gid, uid)
	}
	return unsupported(c)
}

func (r *run) permissionSet(ctx context.Context, c plan.Change) error {
	d := c.PermissionSet
	switch c.Action {
	case plan.Create:
		arn, err := r.t.CreatePermissionSet(ctx, *d.After)
		if arn != "" {
			r.ids.set(r.ids.sets, d.After.Name, arn)
		}
		return err
	case plan.Update:
		return r.t.UpdatePermissionSet(ctx, d.Before.ARN, *d.Before, *d.After)
	case plan.Delete:
		r.mu.Lock()
		dep, blocked := r.blockedSets[d.Before.Name]
		r.mu.Unlock()
		if blocked {
			return skipError{dep: dep}
		}
		return r.t.DeletePermissionSet(ctx, d.Before.ARN)
	}
	return unsupported(c)
}

func (r *run) assignment(ctx context.Context, c plan.Change) error {
	a := c.Assignment.After
	if c.Action == plan.Delete {
		a = c.Assignment.Before
		// Create before delete: never remove what may be the pair's last
		// assignment while a create for the pair did not happen.
		r.mu.Lock()
		dep, blocked := r.blockedPairs[pairOf(c)]
		r.mu.Unlock()
		if blocked {
			return skipError{dep: dep}
		}
	}
	ref, err := r.assignmentRef(a)
	if err != nil {
		return err
	}
	defer r.lockPair(pairOf(c))()
	switch c.Action {
	case plan.Create:
		return r.t.CreateAssignment(ctx, ref)
	case plan.Delete:
		return r.t.DeleteAssignment(ctx, ref)
	}
	return unsupported(c)
}

// needsPrincipal blocks deleting a user or group whose assignments could not
// be deleted first.
func (r *run) needsPrincipal(typ, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if dep, ok := r.blockedPrincipals[principalAddress(typ, name)]; ok {
		return skipError{dep: dep}
	}
	return nil
}

// record notes, for a change that did not happen, what it blocks later on.
// Called with r.mu held.
func (r *run) record(c plan.Change) {
	if c.Kind != plan.KindAssignment {
		return
	}
	if c.Action == plan.Create {
		r.blockedPairs[pairOf(c)] = c.Address
		return
	}
	a := c.Assignment.Before
	r.blockedSets[a.PermissionSet] = c.Address
	r.blockedPrincipals[principalAddress(a.PrincipalType, a.PrincipalName)] = c.Address
}

func unsupported(c plan.Change) error {
	return fmt.Errorf("apply cannot %s a %s", strings.ToLower(string(c.Action)), strings.ReplaceAll(string(c.Kind), "_", " "))
}
