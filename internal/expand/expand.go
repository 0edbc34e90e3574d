// Package expand turns an access model into what gatehouse should make
// true, against the live organization: Rows (who gets which permission set
// in which account, for show and the audit) and Desired (the desired
// state.State that internal/plan diffs against live state). Account
// selectors are resolved by state.Selector, and IAM roles, hop permission
// sets and SAML providers are derived by internal/trust. The package is
// pure: no AWS SDK, no I/O.
package expand

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// Row is one concrete grant of the expanded model: a principal gets a
// permission set in an account. `gatehouse show` prints rows.
type Row struct {
	PrincipalType string // state.PrincipalGroup or state.PrincipalUser
	PrincipalName string // group display name or user name
	AccountID     string
	AccountName   string // the model's name for the account, else Organizations' name
	PermissionSet string
	// External is set for an account of another organization: the grant is
	// made by role chaining from the hub account (or the account's SAML
	// application), not by an Identity Center assignment in the account.
	External bool
	// Assignment is the position of the assignment that produced the row;
	// when several do, the first in the file.
	Assignment model.Pos
}

// Error lists every way the model and the organization disagree, each at
// its position in the model file.
type Error struct {
	Problems model.Problems
}

func (e *Error) Error() string { return e.Problems.Error() }

// Hint says what to do about the problems; the CLI prints it below them.
func (e *Error) Hint() string {
	n := len(e.Problems)
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("%d problem%s between the model and AWS Organizations: change the model or the organization so that they agree, then run again", n, s)
}

// Desired expands the model against the organization into the state
// gatehouse should make true: users, groups, permission sets, the Identity
// Center assignments of every member account each assignment selects, and,
// through internal/trust, IAM roles, SAML providers and the hop permission
// sets (with their assignments in the hub) of external accounts. Every
// object is normalized (state's Normalize methods) once, here.
//
// Every disagreement between the model and the organization is returned at
// once as an *Error; the State is then nil.
func Desired(m *model.Model, org *state.Organization) (*state.State, error) {
	sel := state.NewSelector(m, org)
	rows, probs := rows(m, sel)
	s := state.New()
	for _, u := range m.Users {
		s.Users[u.Name] = state.User{UserName: u.Name, DisplayName: u.DisplayName, GivenName: u.GivenName, FamilyName: u.FamilyName, Email: u.Email}.Normalize()
	}
	for _, g := range m.Groups {
		s.Groups[g.Name] = state.Group{DisplayName: g.Name, Description: g.Description, Members: g.Members}.Normalize()
	}
	for _, p := range m.PermissionSets {
		ps, err := PermissionSet(p)
		if err != nil {
			probs = append(probs, model.Problem{Pos: p.Pos, Message: fmt.Sprintf("permission set %s: inline_policy: %v", p.Name, err), Hint: "write the inline policy as one IAM policy JSON object"})
			continue
		}
		s.PermissionSets[p.Name] = ps
	}
	for _, r := range rows {
		if r.External {
			continue // reached through a role (and a hop set) or SAML: trust
		}
		s.Assignments = append(s.Assignments, state.Assignment{
			AccountID: r.AccountID, PermissionSet: r.PermissionSet,
			PrincipalType: r.PrincipalType, PrincipalName: r.PrincipalName,
		})
	}
	res, err := trust.Expand(trust.Input{Model: m, Selector: sel})
	var tprobs model.Problems
	switch {
	case errors.As(err, &tprobs):
		probs = append(probs, tprobs...)
	case err != nil:
		return nil, err
	default:
		for _, r := range res.Roles {
			s.Roles[r.Key()] = r
		}
		for _, h := range res.HopSets {
			if _, clash := s.PermissionSets[h.Name]; clash {
				probs = append(probs, model.Problem{Pos: m.IdentityCenter.Pos,
					Message: fmt.Sprintf("hop permission set %s has the name of another permission set", h.Name),
					Hint:    "rename the permission set or the account"})
				continue
			}
			s.PermissionSets[h.Name] = h
		}
		s.Assignments = append(s.Assignments, res.HopAssignments...)
		for _, p := range res.SAMLProviders {
			s.SAMLProviders[p.Key()] = p
		}
	}
	if len(probs) > 0 {
		return nil, &Error{Problems: probs.Sort()}
	}
	s.Assignments = state.SortAssignments(s.Assignments)
	return s, nil
}

// PermissionSet is the desired, normalized form of a permission set of the
// model (its inline policy canonical).
func PermissionSet(p model.PermissionSet) (state.PermissionSet, error) {
	inline, err := policy.Canonical(p.InlinePolicy)
	if err != nil {
		return state.PermissionSet{}, err
	}
	ps := state.PermissionSet{
		Name:            p.Name,
		Description:     p.Description,
		SessionDuration: state.ISODuration(p.SessionDuration),
		RelayState:      p.RelayState,
		ManagedPolicies: p.ManagedPolicies,
		InlinePolicy:    inline,
		Tags:            p.Tags,
	}
	for _, r := range p.CustomerManagedPolicies {
		ps.CustomerManagedPolicies = append(ps.CustomerManagedPolicies, state.PolicyRef{Name: r.Name, Path: r.Path})
	}
	if b := p.PermissionsBoundary; b != nil {
		ps.PermissionsBoundary = &state.Boundary{ManagedPolicyARN: b.ManagedPolicyARN}
		if b.CustomerManaged != nil {
			ps.PermissionsBoundary.CustomerManaged = &state.PolicyRef{Name: b.CustomerManaged.Name, Path: b.CustomerManaged.Path}
		}
	}
	return ps.Normalize(), nil
}

// Rows turns the model's assignments into concrete grants, sorted by
// principal, account name, account ID and permission set, without
// duplicates (accounts are chosen by state.Selector.Select).
//
// A member account of the model must exist in the organization, and its ou
// and tags are expectations that must match Organizations; an account marked
// external must not belong to the organization. Every such problem is
// returned together as an *Error, with the rows of everything else.
func Rows(m *model.Model, org *state.Organization) ([]Row, error) {
	rows, probs := rows(m, state.NewSelector(m, org))
	if len(probs) > 0 {
		return rows, &Error{Problems: probs.Sort()}
	}
	return rows, nil
}

func rows(m *model.Model, sel *state.Selector) ([]Row, model.Problems) {
	probs := checkAccounts(m, sel)
	selected := make([][]state.Target, len(m.Assignments))
	n := 0
	for i, a := range m.Assignments {
		var ps model.Problems
		selected[i], ps = sel.Select(a.Accounts)
		probs = append(probs, ps...)
		n += (len(a.Groups) + len(a.Users)) * len(a.PermissionSets) * len(selected[i])
	}
	rows := make([]Row, 0, n)
	for i, a := range m.Assignments {
		type principal struct{ typ, name string }
		var principals []principal
		for _, g := range a.Groups {
			principals = append(principals, principal{state.PrincipalGroup, g})
		}
		for _, u := range a.Users {
			principals = append(principals, principal{state.PrincipalUser, u})
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
	return sortRows(rows), probs
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
func checkAccounts(m *model.Model, sel *state.Selector) model.Problems {
	org := sel.Organization()
	var probs model.Problems
	for _, a := range m.Accounts {
		oa, inOrg := sel.OrgAccount(a.ID)
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
