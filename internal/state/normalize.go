package state

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults AWS applies to what leaves them out. Normalize fills them in, so
// that a desired object built from the model and the same object read back
// from AWS compare equal without anyone applying a default again.
const (
	// DefaultSessionDuration is a permission set's session length when it
	// sets none, as Identity Center applies it.
	DefaultSessionDuration = "PT1H"
	// DefaultPath is the IAM path of a role or policy that names none.
	DefaultPath = "/"
	// DefaultMaxSession is IAM's default and minimum role session length in
	// seconds; MaxMaxSession its maximum.
	DefaultMaxSession = 3600
	MaxMaxSession     = 43200
)

// Partition is the AWS partition of every ARN gatehouse writes.
const Partition = "aws"

// RootARN is the ARN that delegates trust to a whole account.
func RootARN(accountID string) string {
	return "arn:" + Partition + ":iam::" + accountID + ":root"
}

// RoleARN is the ARN of a role with its path (DefaultPath when empty).
func RoleARN(accountID, path, name string) string {
	return "arn:" + Partition + ":iam::" + accountID + ":role" + cmp.Or(path, DefaultPath) + name
}

// PolicyARN is the ARN of a customer-managed policy in an account.
func PolicyARN(accountID, path, name string) string {
	return "arn:" + Partition + ":iam::" + accountID + ":policy" + cmp.Or(path, DefaultPath) + name
}

// SAMLProviderARN is the ARN of an IAM SAML provider.
func SAMLProviderARN(accountID, name string) string {
	return "arn:" + Partition + ":iam::" + accountID + ":saml-provider/" + name
}

// ISODuration writes a session length as Identity Center wants it: ISO 8601
// such as "PT8H" or "PT1H30M"; zero (or less) is the default, PT1H.
func ISODuration(d time.Duration) string {
	if d <= 0 {
		return DefaultSessionDuration
	}
	s := int64(d / time.Second)
	h, m, sec := s/3600, s%3600/60, s%60
	var b strings.Builder
	b.WriteString("PT")
	if h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if sec > 0 || b.Len() == 2 {
		fmt.Fprintf(&b, "%dS", sec)
	}
	return b.String()
}

var isoDuration = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// Seconds parses an ISO 8601 duration of hours, minutes and seconds such as
// PT8H or PT1H30M, as Identity Center writes session durations. A bare
// number of seconds ("3600", which some emulators store) is read too.
func Seconds(d string) (int, bool) {
	if n, err := strconv.Atoi(d); err == nil && n > 0 {
		return n, true
	}
	m := isoDuration.FindStringSubmatch(d)
	if m == nil || d == "PT" {
		return 0, false
	}
	total := 0
	for i, mult := range []int{3600, 60, 1} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return 0, false
			}
			total += n * mult
		}
	}
	return total, true
}

// NormalizeDuration writes a session length in the one form ISODuration
// produces (PT60M and 3600 become PT1H; "" becomes the default). A value it
// cannot read is kept as it is, so that a plan shows it.
func NormalizeDuration(d string) string {
	if d == "" {
		return DefaultSessionDuration
	}
	if s, ok := Seconds(d); ok {
		return ISODuration(time.Duration(s) * time.Second)
	}
	return d
}

// Normalize returns the user as gatehouse compares it: the display name
// defaults to "GivenName FamilyName", as the model documents.
func (u User) Normalize() User {
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	}
	return u
}

// Normalize returns the group with its members sorted and unique.
func (g Group) Normalize() Group {
	g.Members = sortedSet(g.Members)
	return g
}

// Normalize returns the permission set with its defaults filled in and its
// lists sorted: session duration in canonical ISO 8601, policy paths "/"
// when empty, managed policies and references sorted and unique, empty
// maps nil.
func (p PermissionSet) Normalize() PermissionSet {
	p.SessionDuration = NormalizeDuration(p.SessionDuration)
	p.ManagedPolicies = sortedSet(p.ManagedPolicies)
	refs := make([]PolicyRef, len(p.CustomerManagedPolicies))
	for i, r := range p.CustomerManagedPolicies {
		refs[i] = r.Normalize()
	}
	slices.SortFunc(refs, func(a, b PolicyRef) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Name, b.Name))
	})
	p.CustomerManagedPolicies = slices.Compact(refs)
	if len(p.CustomerManagedPolicies) == 0 {
		p.CustomerManagedPolicies = nil
	}
	if b := p.PermissionsBoundary; b != nil {
		nb := &Boundary{ManagedPolicyARN: b.ManagedPolicyARN}
		if b.CustomerManaged != nil {
			r := b.CustomerManaged.Normalize()
			nb.CustomerManaged = &r
		}
		p.PermissionsBoundary = nb
	}
	p.Tags = mapOrNil(p.Tags)
	p.OutdatedAccounts = sortedSet(p.OutdatedAccounts)
	return p
}

// Normalize returns the reference with its path defaulted to "/".
func (r PolicyRef) Normalize() PolicyRef {
	r.Path = cmp.Or(r.Path, DefaultPath)
	return r
}

// Normalize returns the role with its defaults filled in: path "/", session
// length 3600 s, managed policies sorted and unique, empty maps nil.
func (r Role) Normalize() Role {
	r.Path = cmp.Or(r.Path, DefaultPath)
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = DefaultMaxSession
	}
	r.ManagedPolicies = sortedSet(r.ManagedPolicies)
	r.InlinePolicies = mapOrNil(r.InlinePolicies)
	r.Tags = mapOrNil(r.Tags)
	return r
}

// Normalize returns the provider with empty tags nil.
func (p SAMLProvider) Normalize() SAMLProvider {
	p.Tags = mapOrNil(p.Tags)
	return p
}

// SortAssignments orders assignments by account, permission set, principal
// type and principal name (the order of their plan addresses) and removes
// duplicates.
func SortAssignments(as []Assignment) []Assignment {
	slices.SortFunc(as, func(a, b Assignment) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.PermissionSet, b.PermissionSet),
			cmp.Compare(a.PrincipalType, b.PrincipalType), cmp.Compare(a.PrincipalName, b.PrincipalName))
	})
	return slices.Compact(as)
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func mapOrNil[M ~map[string]string](m M) M {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
