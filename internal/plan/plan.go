// Package plan computes what must change in AWS to make it match the access
// model: Compute diffs a desired state.State against a live one and returns a
// Plan of typed Changes, each with a stable, readable address such as
// assignment/333333333333/ReadOnly/group:Engineers. A Plan is data only: it
// is rendered by internal/render, saved as JSON (see docs/plan-apply.md for
// the schema) and executed by internal/apply. The package is pure: no AWS
// SDK, no CLI framework, no I/O.
package plan

import (
	"fmt"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// FormatVersion is the version of the JSON plan format written by Marshal.
const FormatVersion = 1

// Action is what a change does to its object.
type Action string

// The actions, in the order a person reads them.
const (
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
)

// Symbol is the one-glyph mark of an action in human output.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	case Replace:
		return "-/+"
	}
	return "?"
}

// Kind is the type of object a change is about.
type Kind string

// The kinds, in the order apply handles them.
const (
	KindUser          Kind = "user"
	KindGroup         Kind = "group"
	KindMembership    Kind = "membership"
	KindPermissionSet Kind = "permission_set"
	KindProvision     Kind = "provision"
	KindAssignment    Kind = "assignment"
	KindRole          Kind = "role"
	KindSAMLProvider  Kind = "saml_provider"
)

// Kinds lists every kind in apply order.
var Kinds = []Kind{KindUser, KindGroup, KindMembership, KindPermissionSet, KindProvision, KindAssignment, KindSAMLProvider, KindRole}

func (k Kind) rank() int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	return len(Kinds)
}

// Address names one object, stably across runs, e.g. user/alice or
// provision/ReadOnly/333333333333. Addresses sort and target changes.
type Address string

// UserAddress is the address of an Identity Store user.
func UserAddress(userName string) Address { return Address("user/" + userName) }

// GroupAddress is the address of an Identity Store group.
func GroupAddress(name string) Address { return Address("group/" + name) }

// MembershipAddress is the address of a user's membership in a group.
func MembershipAddress(group, user string) Address {
	return Address("membership/" + group + "/" + user)
}

// PermissionSetAddress is the address of a permission set.
func PermissionSetAddress(name string) Address { return Address("permission_set/" + name) }

// ProvisionAddress is the address of pushing a permission set's latest
// version to one account.
func ProvisionAddress(permissionSet, accountID string) Address {
	return Address("provision/" + permissionSet + "/" + accountID)
}

// AssignmentAddress is the address of an account assignment; the principal
// is written type:name with type "group" or "user".
func AssignmentAddress(a state.Assignment) Address {
	return Address(fmt.Sprintf("assignment/%s/%s/%s", a.AccountID, a.PermissionSet, a.Principal()))
}

// RoleAddress is the address of an IAM role in an account.
func RoleAddress(accountID, name string) Address { return Address("role/" + accountID + "/" + name) }

// Diff holds an object as it is (Before, nil when it does not exist yet) and
// as it will be (After, nil when it is deleted).
type Diff[T any] struct {
	Before *T `json:"before,omitempty"`
	After  *T `json:"after,omitempty"`
}

// Field is one attribute that an update changes, both sides written for
// people (lists comma-separated, policies as JSON). For list attributes,
// Added and Removed name the items that change.
type Field struct {
	Name    string   `json:"name"`
	Before  string   `json:"before"`
	After   string   `json:"after"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Change is one thing apply does. Exactly one of the object fields is set,
// the one named by Kind.
type Change struct {
	Address Address `json:"address"`
	Kind    Kind    `json:"kind"`
	Action  Action  `json:"action"`
	// Reason says why, when it is not plain from the model: drift, an
	// out-of-date account, or pruning of an unmanaged object.
	Reason string `json:"reason,omitempty"`
	// Pruned marks the deletion of an unmanaged object asked for by --prune.
	Pruned bool `json:"pruned,omitempty"`
	// Fields lists the attributes an update changes.
	Fields []Field `json:"fields,omitempty"`

	User          *Diff[state.User]          `json:"user,omitempty"`
	Group         *Diff[state.Group]         `json:"group,omitempty"`
	Membership    *Diff[Membership]          `json:"membership,omitempty"`
	PermissionSet *Diff[state.PermissionSet] `json:"permission_set,omitempty"`
	Provision     *Diff[Provision]           `json:"provision,omitempty"`
	Assignment    *Diff[state.Assignment]    `json:"assignment,omitempty"`
	Role          *Diff[state.Role]          `json:"role,omitempty"`
	SAMLProvider  *Diff[state.SAMLProvider]  `json:"saml_provider,omitempty"`
	// Notes warn about what the live object is now, e.g. a trust policy
	// whose principal became a bare unique ID, each with what to do.
	Notes []string `json:"notes,omitempty"`
}

// Unmanaged is a live object that gatehouse neither created nor finds in the
// model: shown, never changed unless --prune.
type Unmanaged struct {
	Address Address `json:"address"`
	Kind    Kind    `json:"kind"`
	// Note says what --prune would do, or why it cannot.
	Note string `json:"note,omitempty"`
}

// Target says which Identity Center instance a plan was computed against.
type Target struct {
	Region          string `json:"region,omitempty"`
	InstanceARN     string `json:"instance_arn"`
	IdentityStoreID string `json:"identity_store_id"`
}

// Scope records what the live read covered, so that applying a saved plan
// reads the same things and its fingerprint can be compared.
type Scope struct {
	// IdentitySource is "internal" or "external".
	IdentitySource string `json:"identity_source"`
	// MembershipGroups are the groups whose members were read.
	MembershipGroups []string `json:"membership_groups,omitempty"`
	// Unread lists attributes the endpoint could not report (an emulator's
	// gaps), which the plan therefore did not compare.
	Unread []string `json:"unread,omitempty"`
	// IAM says which accounts' IAM roles and SAML providers were read, and
	// how gatehouse reaches them (see RoleScope).
	IAM *IAMScope `json:"iam,omitempty"`
}

// Plan is the full set of changes that makes live match desired.
type Plan struct {
	FormatVersion int    `json:"format_version"`
	Target        Target `json:"target"`
	Scope         Scope  `json:"scope"`
	// Fingerprint identifies the live state the plan was computed from; a
	// saved plan is refused when the live state's fingerprint differs.
	Fingerprint string `json:"live_fingerprint"`
	// ModelDigest identifies the desired state the model expanded to (the
	// SHA-256 of its canonical JSON, as Fingerprint is for the live state).
	ModelDigest string      `json:"model_digest,omitempty"`
	Prune       bool        `json:"prune,omitempty"`
	Changes     []Change    `json:"changes"`
	Unmanaged   []Unmanaged `json:"unmanaged"`
	// Conflicts are objects the model names that exist but that gatehouse
	// did not create: left alone, and keeping AWS from matching the model.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	Summary   Summary    `json:"summary"`
}

// Summary counts changes by action.
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Replace   int `json:"replace"`
	Delete    int `json:"delete"`
	Unmanaged int `json:"unmanaged"`
}

// Total is the number of changes.
func (s Summary) Total() int { return s.Create + s.Update + s.Replace + s.Delete }

// Summarize counts the changes of p.
func Summarize(changes []Change, unmanaged int) Summary {
	s := Summary{Unmanaged: unmanaged}
	for _, c := range changes {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Replace:
			s.Replace++
		case Delete:
			s.Delete++
		}
	}
	return s
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Pruned returns the changes that delete unmanaged objects (--prune), which
// apply lists and confirms separately.
func (p *Plan) Pruned() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Pruned {
			out = append(out, c)
		}
	}
	return out
}

// sortChanges orders changes by kind (apply order), then address.
func sortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		if ri, rj := cs[i].Kind.rank(), cs[j].Kind.rank(); ri != rj {
			return ri < rj
		}
		return cs[i].Address < cs[j].Address
	})
}

func sortUnmanaged(us []Unmanaged) {
	sort.SliceStable(us, func(i, j int) bool {
		if ri, rj := us[i].Kind.rank(), us[j].Kind.rank(); ri != rj {
			return ri < rj
		}
		return us[i].Address < us[j].Address
	})
}
