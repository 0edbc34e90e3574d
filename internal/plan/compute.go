package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Identity sources, as the model writes them.
const (
	IdentitySourceInternal = "internal"
	IdentitySourceExternal = "external"
)

// Attributes an endpoint may be unable to report (Scope.Unread).
const (
	UnreadTags     = "tags"
	UnreadBoundary = "permissions_boundary"
)

// Options tune Compute.
type Options struct {
	// Target is recorded in the plan as is.
	Target Target
	// Scope says what the live read covered; IdentitySource "" means internal.
	Scope Scope
	// Prune turns unmanaged objects into deletions (Change.Pruned).
	Prune bool
}

// Compute returns the changes that make live match desired.
//
// Ownership: gatehouse manages the users, groups and permission sets that
// desired names, the permission sets live marks as created by gatehouse
// (state.PermissionSet.Managed), the memberships of managed groups and every
// assignment of a managed permission set. Everything else in live is listed
// as Unmanaged, or deleted when opts.Prune is set. With an external identity
// source, users and groups are never changed and must exist.
func Compute(desired, live *state.State, opts Options) (*Plan, error) {
	if opts.Scope.IdentitySource == "" {
		opts.Scope.IdentitySource = IdentitySourceInternal
	}
	c := &computer{desired: desired, live: live, opts: opts}
	if err := c.principals(); err != nil {
		return nil, err
	}
	c.permissionSets()
	c.provisions()
	c.assignments()
	c.samlProviders() // roles.go
	c.roles()
	sortChanges(c.changes)
	sortUnmanaged(c.unmanaged)
	if c.changes == nil {
		c.changes = []Change{}
	}
	if c.unmanaged == nil {
		c.unmanaged = []Unmanaged{}
	}
	return &Plan{
		FormatVersion: FormatVersion,
		Target:        opts.Target,
		Scope:         opts.Scope,
		Fingerprint:   Fingerprint(live),
		ModelDigest:   Fingerprint(desired),
		Prune:         opts.Prune,
		Changes:       c.changes,
		Unmanaged:     c.unmanaged,
		Conflicts:     c.conflicts,
		Summary:       Summarize(c.changes, len(c.unmanaged)),
	}, nil
}

type computer struct {
	desired, live *state.State
	opts          Options
	changes       []Change
	unmanaged     []Unmanaged
	// changedSets are permission sets whose update must reach the accounts.
	changedSets map[string]bool
	// conflicts are objects the model names that gatehouse did not create.
	conflicts []Conflict
}

func (c *computer) add(ch Change) { c.changes = append(c.changes, ch) }

// leaveOrPrune lists an unmanaged object, or deletes it under --prune.
func (c *computer) leaveOrPrune(ch Change, note string) {
	if c.opts.Prune {
		ch.Action = Delete
		ch.Pruned = true
		ch.Reason = "unmanaged, removed by --prune"
		c.add(ch)
		return
	}
	c.unmanaged = append(c.unmanaged, Unmanaged{Address: ch.Address, Kind: ch.Kind, Note: note})
}

const pruneNote = "not in the model; apply --prune deletes it"

func (c *computer) external() bool { return c.opts.Scope.IdentitySource == IdentitySourceExternal }

func (c *computer) principals() error {
	if c.external() {
		return c.checkExternal()
	}
	for _, name := range sortedKeys(c.desired.Users) {
		want := c.desired.Users[name]
		have, ok := c.live.Users[name]
		if !ok {
			c.add(Change{Address: UserAddress(name), Kind: KindUser, Action: Create, User: &Diff[state.User]{After: object(want)}})
			continue
		}
		fields := userFields(have, want)
		if len(fields) > 0 {
			after := object(want)
			after.ID = have.ID
			c.add(Change{Address: UserAddress(name), Kind: KindUser, Action: Update, Fields: fields, User: &Diff[state.User]{Before: object(have), After: after}})
		}
	}
	for _, name := range sortedKeys(c.live.Users) {
		if _, ok := c.desired.Users[name]; !ok {
			c.leaveOrPrune(Change{Address: UserAddress(name), Kind: KindUser, User: &Diff[state.User]{Before: object(c.live.Users[name])}}, pruneNote)
		}
	}

	for _, name := range sortedKeys(c.desired.Groups) {
		want := c.desired.Groups[name]
		have, ok := c.live.Groups[name]
		if !ok {
			c.add(Change{Address: GroupAddress(name), Kind: KindGroup, Action: Create, Group: &Diff[state.Group]{After: groupObject(want)}})
		} else if have.Description != want.Description {
			after := groupObject(want)
			after.ID = have.ID
			c.add(Change{Address: GroupAddress(name), Kind: KindGroup, Action: Update,
				Fields: []Field{{Name: "description", Before: have.Description, After: want.Description}},
				Group:  &Diff[state.Group]{Before: groupObject(have), After: after}})
		}
		var liveMembers []string
		if ok {
			liveMembers = have.Members
		}
		for _, u := range minus(want.Members, liveMembers) {
			c.add(Change{Address: MembershipAddress(name, u), Kind: KindMembership, Action: Create, Membership: &Diff[Membership]{After: &Membership{Group: name, User: u}}})
		}
		for _, u := range minus(liveMembers, want.Members) {
			c.add(Change{Address: MembershipAddress(name, u), Kind: KindMembership, Action: Delete,
				Reason:     "not a member in the model",
				Membership: &Diff[Membership]{Before: &Membership{Group: name, User: u}}})
		}
	}
	for _, name := range sortedKeys(c.live.Groups) {
		if _, ok := c.desired.Groups[name]; !ok {
			c.leaveOrPrune(Change{Address: GroupAddress(name), Kind: KindGroup, Group: &Diff[state.Group]{Before: groupObject(c.live.Groups[name])}}, pruneNote)
		}
	}
	return nil
}

// checkExternal reports every user and group the model names that the
// identity provider has not provisioned into the Identity Store.
func (c *computer) checkExternal() error {
	var missing []string
	for _, name := range sortedKeys(c.desired.Users) {
		if _, ok := c.live.Users[name]; !ok {
			missing = append(missing, "user "+name)
		}
	}
	for _, name := range sortedKeys(c.desired.Groups) {
		if _, ok := c.live.Groups[name]; !ok {
			missing = append(missing, "group "+name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return hint.New(fmt.Sprintf("identity_source is external and the Identity Store has no %s", strings.Join(missing, ", ")),
		"create them in your identity provider and let it sync (SCIM), or fix the names in the model")
}

func userFields(have, want state.User) []Field {
	var fs []Field
	for _, f := range []struct{ name, before, after string }{
		{"display_name", have.DisplayName, want.DisplayName},
		{"given_name", have.GivenName, want.GivenName},
		{"family_name", have.FamilyName, want.FamilyName},
		{"email", have.Email, want.Email},
	} {
		if f.before != f.after {
			fs = append(fs, Field{Name: f.name, Before: f.before, After: f.after})
		}
	}
	return fs
}

func (c *computer) unread(attr string) bool { return slices.Contains(c.opts.Scope.Unread, attr) }

// managedSet reports whether gatehouse manages the permission set name.
func (c *computer) managedSet(name string) bool {
	if _, ok := c.desired.PermissionSets[name]; ok {
		return true
	}
	return c.live.PermissionSets[name].Managed
}

func (c *computer) permissionSets() {
	c.changedSets = map[string]bool{}
	for _, name := range sortedKeys(c.desired.PermissionSets) {
		want := c.desired.PermissionSets[name]
		have, ok := c.live.PermissionSets[name]
		if !ok {
			c.add(Change{Address: PermissionSetAddress(name), Kind: KindPermissionSet, Action: Create, PermissionSet: &Diff[state.PermissionSet]{After: permissionSetObject(want)}})
			continue
		}
		fields := c.permissionSetFields(have, want)
		if len(fields) == 0 {
			continue
		}
		after := permissionSetObject(want)
		after.ARN = have.ARN
		if c.unread(UnreadTags) {
			after.Tags = maps.Clone(have.Tags)
		}
		if c.unread(UnreadBoundary) {
			after.PermissionsBoundary = have.PermissionsBoundary
		}
		c.add(Change{Address: PermissionSetAddress(name), Kind: KindPermissionSet, Action: Update, Fields: fields,
			PermissionSet: &Diff[state.PermissionSet]{Before: permissionSetObject(have), After: after}})
		for _, f := range fields {
			if f.Name != "tags" {
				c.changedSets[name] = true
			}
		}
	}
	for _, name := range sortedKeys(c.live.PermissionSets) {
		if _, ok := c.desired.PermissionSets[name]; ok {
			continue
		}
		have := c.live.PermissionSets[name]
		ch := Change{Address: PermissionSetAddress(name), Kind: KindPermissionSet, PermissionSet: &Diff[state.PermissionSet]{Before: permissionSetObject(have)}}
		if have.Managed {
			ch.Action = Delete
			ch.Reason = "created by gatehouse, no longer in the model"
			c.add(ch)
			continue
		}
		c.leaveOrPrune(ch, pruneNote)
	}
}

func (c *computer) permissionSetFields(have, want state.PermissionSet) []Field {
	var fs []Field
	add := func(name, before, after string) {
		if before != after {
			fs = append(fs, Field{Name: name, Before: before, After: after})
		}
	}
	add("description", have.Description, want.Description)
	add("session_duration", have.SessionDuration, want.SessionDuration)
	add("relay_state", have.RelayState, want.RelayState)
	addList := func(name string, before, after []string) {
		if b, a := strings.Join(before, ", "), strings.Join(after, ", "); b != a {
			fs = append(fs, Field{Name: name, Before: b, After: a, Added: minus(after, before), Removed: minus(before, after)})
		}
	}
	addList("managed_policies", have.ManagedPolicies, want.ManagedPolicies)
	addList("customer_managed_policies", refList(have.CustomerManagedPolicies), refList(want.CustomerManagedPolicies))
	if !c.unread(UnreadBoundary) {
		add("permissions_boundary", have.PermissionsBoundary.String(), want.PermissionsBoundary.String())
	}
	if !policy.Equal(have.InlinePolicy, want.InlinePolicy) {
		fs = append(fs, Field{Name: "inline_policy", Before: have.InlinePolicy, After: want.InlinePolicy})
	}
	if !c.unread(UnreadTags) {
		addList("tags", tagList(have.Tags), tagList(want.Tags))
	}
	return fs
}

// provisions plans pushing permission sets to accounts whose copy is out of
// date: every account still assigned a set this plan changes, and every
// account live reports as not at the latest version. Accounts that receive
// a set for the first time get its latest version with the assignment.
func (c *computer) provisions() {
	liveAccts := assignedAccounts(c.live.Assignments)
	wantAccts := assignedAccounts(c.desired.Assignments)
	for _, name := range sortedKeys(c.desired.PermissionSets) {
		have, ok := c.live.PermissionSets[name]
		if !ok {
			continue
		}
		reasons := map[string]string{}
		for _, acct := range have.OutdatedAccounts {
			// An account losing every assignment of the set loses its role too.
			if liveAccts[name][acct] && !wantAccts[name][acct] {
				continue
			}
			reasons[acct] = "the account has an out-of-date version"
		}
		if c.changedSets[name] {
			for acct := range liveAccts[name] {
				if wantAccts[name][acct] {
					reasons[acct] = "the permission set changes"
				}
			}
		}
		for _, acct := range sortedKeys(reasons) {
			c.add(Change{Address: ProvisionAddress(name, acct), Kind: KindProvision, Action: Create, Reason: reasons[acct],
				Provision: &Diff[Provision]{After: &Provision{PermissionSet: name, AccountID: acct}}})
		}
	}
}

func (c *computer) assignments() {
	want := map[state.Assignment]bool{}
	for _, a := range c.desired.Assignments {
		want[a] = true
	}
	have := map[state.Assignment]bool{}
	for _, a := range c.live.Assignments {
		have[a] = true
	}
	for _, a := range c.desired.Assignments {
		if !have[a] {
			c.add(Change{Address: AssignmentAddress(a), Kind: KindAssignment, Action: Create, Assignment: &Diff[state.Assignment]{After: object(a)}})
		}
	}
	for _, a := range c.live.Assignments {
		if want[a] {
			continue
		}
		ch := Change{Address: AssignmentAddress(a), Kind: KindAssignment, Assignment: &Diff[state.Assignment]{Before: object(a)}}
		if c.managedSet(a.PermissionSet) {
			ch.Action = Delete
			ch.Reason = "not in the model"
			c.add(ch)
			continue
		}
		c.leaveOrPrune(ch, "permission set not managed by gatehouse; apply --prune deletes it")
	}
}

// assignedAccounts maps permission set -> accounts with an assignment of it.
func assignedAccounts(as []state.Assignment) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, a := range as {
		if out[a.PermissionSet] == nil {
			out[a.PermissionSet] = map[string]bool{}
		}
		out[a.PermissionSet][a.AccountID] = true
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// minus returns the elements of a not in b, sorted.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func refList(rs []state.PolicyRef) []string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.String())
	}
	sort.Strings(parts)
	return parts
}

func tagList(tags map[string]string) []string {
	var parts []string
	for _, k := range sortedKeys(tags) {
		parts = append(parts, k+"="+tags[k])
	}
	return parts
}
