package state

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// DefaultSessionDuration is the session duration of a permission set that
// sets none, as Identity Center applies it.
const DefaultSessionDuration = "PT1H"

// Row is one concrete grant of the expanded model: a principal gets a
// permission set in an account. `gatehouse show` prints rows.
type Row struct {
	PrincipalType string // PrincipalGroup or PrincipalUser
	PrincipalName string // group display name or user name
	AccountID     string
	AccountName   string // the model's name for the account, else Organizations' name
	PermissionSet string
	// External is set for an account of another organization: the grant is
	// made by role chaining from the hub account, not by an Identity Center
	// assignment in the account.
	External bool
	// Assignment is the position of the assignment that produced the row;
	// when several do, the first in the file.
	Assignment model.Pos
}

// ExpandError lists every way the model and the organization disagree, each
// at its position in the model file.
type ExpandError struct {
	Problems model.Problems
}

func (e *ExpandError) Error() string { return e.Problems.Error() }

// Hint says what to do about the problems; the CLI prints it below them.
func (e *ExpandError) Hint() string {
	n := len(e.Problems)
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("%d problem%s between the model and AWS Organizations: change the model or the organization so that they agree, then run again", n, s)
}

// Desired expands the model against the organization into the state
// gatehouse should make true: users, groups (members sorted), permission sets
// (durations in ISO 8601, lists sorted, inline policy canonical,
// customer-managed policy paths defaulting to "/"), the Identity Center
// assignments of every member account each assignment selects, and, through
// expandRoles, IAM roles and the hop permission sets of external accounts.
//
// Every disagreement between the model and the organization is returned at
// once as an *ExpandError; the State is then nil.
func Desired(m *model.Model, org *Organization) (*State, error) {
	if org == nil {
		org = &Organization{}
	}
	rows, err := Expand(m, org)
	var probs model.Problems
	if err != nil {
		var ee *ExpandError
		if !errors.As(err, &ee) {
			return nil, err
		}
		probs = append(probs, ee.Problems...)
	}
	s := New()
	for _, u := range m.Users {
		s.Users[u.Name] = desiredUser(u)
	}
	for _, g := range m.Groups {
		s.Groups[g.Name] = Group{DisplayName: g.Name, Description: g.Description, Members: sortedCopy(g.Members)}
	}
	for _, p := range m.PermissionSets {
		ps, err := desiredPermissionSet(p)
		if err != nil {
			probs = append(probs, model.Problem{Pos: p.Pos, Message: fmt.Sprintf("permission set %s: inline_policy: %v", p.Name, err), Hint: "write the inline policy as one IAM policy JSON object"})
			continue
		}
		s.PermissionSets[p.Name] = ps
	}
	for _, r := range rows {
		if r.External {
			continue // reached through a role and a hop permission set: expandRoles
		}
		s.Assignments = append(s.Assignments, Assignment{
			AccountID: r.AccountID, PermissionSet: r.PermissionSet,
			PrincipalType: r.PrincipalType, PrincipalName: r.PrincipalName,
		})
	}
	if err := expandRoles(m, org, s); err != nil {
		var ee *ExpandError
		if !errors.As(err, &ee) {
			return nil, err
		}
		probs = append(probs, ee.Problems...)
	}
	if len(probs) > 0 {
		return nil, &ExpandError{Problems: probs.Sort()}
	}
	SortAssignments(s.Assignments)
	s.Assignments = slices.Compact(s.Assignments)
	return s, nil
}

// SortAssignments orders assignments by account, permission set, principal
// type and principal name, the order of their plan addresses.
func SortAssignments(as []Assignment) {
	sort.Slice(as, func(i, j int) bool {
		a, b := as[i], as[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.PermissionSet != b.PermissionSet {
			return a.PermissionSet < b.PermissionSet
		}
		if a.PrincipalType != b.PrincipalType {
			return a.PrincipalType < b.PrincipalType
		}
		return a.PrincipalName < b.PrincipalName
	})
}

func desiredUser(u model.User) User {
	display := u.DisplayName
	if display == "" {
		display = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	}
	return User{UserName: u.Name, DisplayName: display, GivenName: u.GivenName, FamilyName: u.FamilyName, Email: u.Email}
}

func desiredPermissionSet(p model.PermissionSet) (PermissionSet, error) {
	inline, err := policy.Canonical(p.InlinePolicy)
	if err != nil {
		return PermissionSet{}, err
	}
	ps := PermissionSet{
		Name:            p.Name,
		Description:     p.Description,
		SessionDuration: ISODuration(p.SessionDuration),
		RelayState:      p.RelayState,
		ManagedPolicies: sortedCopy(p.ManagedPolicies),
		InlinePolicy:    inline,
		Tags:            mapCopy(p.Tags),
	}
	for _, r := range p.CustomerManagedPolicies {
		ps.CustomerManagedPolicies = append(ps.CustomerManagedPolicies, policyRef(r))
	}
	sort.Slice(ps.CustomerManagedPolicies, func(i, j int) bool {
		a, b := ps.CustomerManagedPolicies[i], ps.CustomerManagedPolicies[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Name < b.Name
	})
	ps.CustomerManagedPolicies = slices.Compact(ps.CustomerManagedPolicies)
	if b := p.PermissionsBoundary; b != nil {
		ps.PermissionsBoundary = &Boundary{ManagedPolicyARN: b.ManagedPolicyARN}
		if b.CustomerManaged != nil {
			r := policyRef(*b.CustomerManaged)
			ps.PermissionsBoundary.CustomerManaged = &r
		}
	}
	return ps, nil
}

func policyRef(r model.PolicyRef) PolicyRef {
	if r.Path == "" {
		r.Path = "/"
	}
	return PolicyRef{Name: r.Name, Path: r.Path}
}

// ISODuration writes a session duration as Identity Center wants it:
// ISO 8601 such as "PT8H" or "PT1H30M"; zero means the default, PT1H.
func ISODuration(d time.Duration) string {
	if d <= 0 {
		return DefaultSessionDuration
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := d % time.Minute / time.Second; s > 0 || b.Len() == 2 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// Expand turns the model's assignments into concrete rows, sorted by
// principal, account name, account ID and permission set, without
// duplicates. Account selectors read the organization:
//
//   - names select model accounts, member or external;
//   - all selects every active member account, the management account
//     included;
//   - ou selects active member accounts whose OU path is one of the given
//     paths or below one (several paths: any of them);
//   - tags selects accounts that carry every given tag: member accounts by
//     their tags in Organizations, external accounts by their tags in the
//     model; combined with all or ou, only member accounts;
//   - names add to what all/ou/tags select; exclude (names) removes.
//
// Suspended or closed accounts never receive access. A member account of the
// model must exist in the organization, and its ou and tags are expectations
// that must match Organizations; an account marked external must not belong
// to the organization. Every such problem is returned together as an
// *ExpandError, with the rows of everything else.
func Expand(m *model.Model, org *Organization) ([]Row, error) {
	if org == nil {
		org = &Organization{}
	}
	ix := newIndex(m, org)
	probs := checkAccounts(m, org, ix)
	selected := make([][]target, len(m.Assignments))
	n := 0
	for i, a := range m.Assignments {
		var ps model.Problems
		selected[i], ps = ix.selectAccounts(a.Accounts)
		probs = append(probs, ps...)
		n += (len(a.Groups) + len(a.Users)) * len(a.PermissionSets) * len(selected[i])
	}
	rows := make([]Row, 0, n)
	for i, a := range m.Assignments {
		type principal struct{ typ, name string }
		var principals []principal
		for _, g := range a.Groups {
			principals = append(principals, principal{PrincipalGroup, g})
		}
		for _, u := range a.Users {
			principals = append(principals, principal{PrincipalUser, u})
		}
		for _, p := range principals {
			for _, set := range a.PermissionSets {
				for _, t := range selected[i] {
					rows = append(rows, Row{
						PrincipalType: p.typ, PrincipalName: p.name,
						AccountID: t.ID, AccountName: t.Name, External: t.External,
						PermissionSet: set, Assignment: a.Pos,
					})
				}
			}
		}
	}
	rows = sortRows(rows)
	if len(probs) > 0 {
		return rows, &ExpandError{Problems: probs.Sort()}
	}
	return rows, nil
}

// sortRows sorts rows and keeps, of rows that grant the same thing, the one
// from the earliest assignment.
func sortRows(rows []Row) []Row {
	// Rows equal in every compared field are equal in all: no need for a
	// stable sort.
	slices.SortFunc(rows, func(a, b Row) int {
		if c := cmp.Compare(a.PrincipalType, b.PrincipalType); c != 0 {
			return c
		}
		if c := cmp.Compare(a.PrincipalName, b.PrincipalName); c != 0 {
			return c
		}
		if c := cmp.Compare(a.AccountName, b.AccountName); c != 0 {
			return c
		}
		if c := cmp.Compare(a.AccountID, b.AccountID); c != 0 {
			return c
		}
		if c := cmp.Compare(a.PermissionSet, b.PermissionSet); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Assignment.Line, b.Assignment.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Assignment.Col, b.Assignment.Col)
	})
	return slices.CompactFunc(rows, func(a, b Row) bool {
		return a.PrincipalType == b.PrincipalType && a.PrincipalName == b.PrincipalName &&
			a.AccountID == b.AccountID && a.PermissionSet == b.PermissionSet
	})
}

// checkAccounts holds the model's accounts to what Organizations says: the
// file must not lie.
func checkAccounts(m *model.Model, org *Organization, ix *index) model.Problems {
	var probs model.Problems
	for _, a := range m.Accounts {
		oa, inOrg := ix.orgByID[a.ID]
		if a.External {
			if inOrg {
				probs = append(probs, model.Problem{Pos: posOf(m, "accounts."+a.Name+".external", a.Pos),
					Message: fmt.Sprintf("account %s (%s) is marked external but belongs to organization %s", a.Name, a.ID, org.ID),
					Hint:    "remove `external: true`: member accounts get Identity Center assignments directly"})
			}
			continue
		}
		if !inOrg {
			probs = append(probs, model.Problem{Pos: posOf(m, "accounts."+a.Name+".id", a.Pos),
				Message: fmt.Sprintf("account %s (%s) is not in organization %s", a.Name, a.ID, org.ID),
				Hint:    "correct its id, or mark it `external: true` if it belongs to another organization"})
			continue
		}
		if a.OU != "" && a.OU != oa.OUPath {
			probs = append(probs, model.Problem{Pos: posOf(m, "accounts."+a.Name+".ou", a.Pos),
				Message: fmt.Sprintf("account %s (%s) is in %s in Organizations, but the model expects ou %s", a.Name, a.ID, ouName(oa.OUPath), a.OU),
				Hint:    "move the account in Organizations, or correct ou in the model"})
		}
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(a.Tags)) {
			want := a.Tags[k]
			got, ok := oa.Tags[k]
			switch {
			case !ok:
				diffs = append(diffs, fmt.Sprintf("%s=%s expected, Organizations has no tag %s", k, want, k))
			case got != want:
				diffs = append(diffs, fmt.Sprintf("%s=%s expected, Organizations has %s=%s", k, want, k, got))
			}
		}
		if len(diffs) > 0 {
			probs = append(probs, model.Problem{Pos: posOf(m, "accounts."+a.Name+".tags", a.Pos),
				Message: fmt.Sprintf("account %s (%s) tags do not match Organizations: %s", a.Name, a.ID, strings.Join(diffs, "; ")),
				Hint:    "tag the account in Organizations, or correct tags in the model"})
		}
	}
	return probs
}

// posOf is where the model file writes path (see model.Model.Positions), or
// fallback when the model was not loaded from a file.
func posOf(m *model.Model, path string, fallback model.Pos) model.Pos {
	if p, ok := m.Positions[path]; ok {
		return p
	}
	return fallback
}

func ouName(path string) string {
	if path == "" {
		return "the root"
	}
	return "OU " + path
}

// target is an account a selector chose.
type target struct {
	ID       string
	Name     string
	External bool
}

// index looks accounts up by name and ID in the model and the organization.
type index struct {
	m         *model.Model
	org       *Organization
	byName    map[string]model.Account // model accounts
	modelByID map[string]model.Account
	orgByID   map[string]OrgAccount
	ous       map[string]bool
}

func newIndex(m *model.Model, org *Organization) *index {
	ix := &index{m: m, org: org,
		byName: map[string]model.Account{}, modelByID: map[string]model.Account{},
		orgByID: make(map[string]OrgAccount, len(org.Accounts)), ous: make(map[string]bool, len(org.OUs)),
	}
	for _, a := range m.Accounts {
		if _, dup := ix.byName[a.Name]; !dup {
			ix.byName[a.Name] = a
		}
		if _, dup := ix.modelByID[a.ID]; !dup {
			ix.modelByID[a.ID] = a
		}
	}
	for _, a := range org.Accounts {
		ix.orgByID[a.ID] = a
	}
	for _, ou := range org.OUs {
		ix.ous[ou] = true
	}
	return ix
}

// selectAccounts returns the accounts a selector chooses today, sorted by
// ID, and the problems found in the selector (unknown names or OUs). Roles
// use the same selectors (see expandRoles).
func selectAccounts(m *model.Model, org *Organization, sel model.AccountSelector) ([]target, model.Problems) {
	if org == nil {
		org = &Organization{}
	}
	return newIndex(m, org).selectAccounts(sel)
}

func (ix *index) selectAccounts(sel model.AccountSelector) ([]target, model.Problems) {
	var probs model.Problems
	chosen := map[string]target{}
	for _, name := range sel.Names {
		a, ok := ix.byName[name]
		if !ok {
			probs = append(probs, unknownAccount(sel.Pos, name))
			continue
		}
		if a.External {
			chosen[a.ID] = target{ID: a.ID, Name: a.Name, External: true}
			continue
		}
		// A member account missing from the organization is reported by
		// checkAccounts; a suspended one receives nothing.
		if oa, ok := ix.orgByID[a.ID]; ok && oa.Active() {
			chosen[a.ID] = target{ID: a.ID, Name: a.Name}
		}
	}
	for _, ou := range sel.OUs {
		if !ix.ous[ou] {
			probs = append(probs, unknownOU(sel.Pos, ou, ix.org))
		}
	}
	if sel.All || len(sel.OUs) > 0 || len(sel.Tags) > 0 {
		for _, oa := range ix.org.Accounts {
			if oa.Active() && inOUs(oa.OUPath, sel.OUs) && hasTags(oa.Tags, sel.Tags) {
				name := oa.Name
				if a, ok := ix.modelByID[oa.ID]; ok {
					name = a.Name
				}
				chosen[oa.ID] = target{ID: oa.ID, Name: name}
			}
		}
		if !sel.All && len(sel.OUs) == 0 {
			for _, a := range ix.m.Accounts {
				if a.External && hasTags(a.Tags, sel.Tags) {
					chosen[a.ID] = target{ID: a.ID, Name: a.Name, External: true}
				}
			}
		}
	}
	for _, name := range sel.Exclude {
		a, ok := ix.byName[name]
		if !ok {
			probs = append(probs, unknownAccount(sel.Pos, name))
			continue
		}
		delete(chosen, a.ID)
	}
	out := slices.Collect(maps.Values(chosen))
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, probs
}

func unknownAccount(pos model.Pos, name string) model.Problem {
	return model.Problem{Pos: pos, Message: fmt.Sprintf("account selector names unknown account %q", name), Hint: "declare it under accounts: with its id"}
}

func unknownOU(pos model.Pos, ou string, org *Organization) model.Problem {
	h := "the organization has no OU"
	if len(org.OUs) > 0 {
		known := org.OUs
		more := ""
		if len(known) > 10 {
			known, more = known[:10], fmt.Sprintf(" and %d more", len(org.OUs)-10)
		}
		h = "write the path from the root, one of: " + strings.Join(known, ", ") + more
	}
	return model.Problem{Pos: pos, Message: fmt.Sprintf("OU %s does not exist in organization %s", ou, org.ID), Hint: h}
}

// inOUs reports whether an account at path is in one of ous or below it;
// no ous means no constraint.
func inOUs(path string, ous []string) bool {
	if len(ous) == 0 {
		return true
	}
	for _, ou := range ous {
		if path == ou || strings.HasPrefix(path, ou+"/") {
			return true
		}
	}
	return false
}

// hasTags reports whether have carries every tag of want.
func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// UsesTags reports whether anything in the model looks at account tags (a
// tags selector, or tags expected on a member account), so that the
// organization's tags must be read.
func UsesTags(m *model.Model) bool {
	for _, a := range m.Assignments {
		if len(a.Accounts.Tags) > 0 {
			return true
		}
	}
	for _, r := range m.Roles {
		if len(r.Accounts.Tags) > 0 {
			return true
		}
	}
	for _, a := range m.Accounts {
		if !a.External && len(a.Tags) > 0 {
			return true
		}
	}
	return false
}

// RowSummary counts what rows reach, for a one-line summary.
type RowSummary struct {
	Rows, Principals, Accounts, PermissionSets int
}

// SummarizeRows counts rows and the distinct principals, accounts and
// permission sets in them.
func SummarizeRows(rows []Row) RowSummary {
	principals, accounts, sets := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		principals[r.PrincipalType+":"+r.PrincipalName] = true
		accounts[r.AccountID] = true
		sets[r.PermissionSet] = true
	}
	return RowSummary{Rows: len(rows), Principals: len(principals), Accounts: len(accounts), PermissionSets: len(sets)}
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

func mapCopy(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
