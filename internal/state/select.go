package state

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/model"
)

// Target is an account a selector chose.
type Target struct {
	ID       string
	Name     string // the model's name for the account, else Organizations'
	External bool
}

// Selector resolves the model's account selectors against an organization.
// Model expansion (assignments) and trust derivation (roles) share it, so
// that both see the same accounts.
type Selector struct {
	m         *model.Model
	org       *Organization
	byName    map[string]model.Account // model accounts
	modelByID map[string]model.Account
	orgByID   map[string]OrgAccount
	ous       map[string]bool
}

// NewSelector indexes the model's accounts and the organization's; a nil
// organization is an empty one.
func NewSelector(m *model.Model, org *Organization) *Selector {
	if org == nil {
		org = &Organization{}
	}
	s := &Selector{m: m, org: org,
		byName: map[string]model.Account{}, modelByID: map[string]model.Account{},
		orgByID: make(map[string]OrgAccount, len(org.Accounts)), ous: make(map[string]bool, len(org.OUs)),
	}
	for _, a := range m.Accounts {
		if _, dup := s.byName[a.Name]; !dup {
			s.byName[a.Name] = a
		}
		if _, dup := s.modelByID[a.ID]; !dup {
			s.modelByID[a.ID] = a
		}
	}
	for _, a := range org.Accounts {
		s.orgByID[a.ID] = a
	}
	for _, ou := range org.OUs {
		s.ous[ou] = true
	}
	return s
}

// Organization returns the organization the selector reads.
func (s *Selector) Organization() *Organization { return s.org }

// OrgAccount returns the organization's account with the given ID.
func (s *Selector) OrgAccount(id string) (OrgAccount, bool) {
	a, ok := s.orgByID[id]
	return a, ok
}

// Select returns the accounts a selector chooses today, sorted by ID, and
// the problems of the selector itself (unknown account names or OUs):
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
// Suspended or closed accounts never receive access; a member account the
// organization does not have is left out (model expansion reports it).
func (s *Selector) Select(sel model.AccountSelector) ([]Target, model.Problems) {
	var probs model.Problems
	chosen := map[string]Target{}
	for _, name := range sel.Names {
		a, ok := s.byName[name]
		if !ok {
			probs = append(probs, unknownAccount(sel.Pos, name))
			continue
		}
		if a.External {
			chosen[a.ID] = Target{ID: a.ID, Name: a.Name, External: true}
			continue
		}
		if oa, ok := s.orgByID[a.ID]; ok && oa.Active() {
			chosen[a.ID] = Target{ID: a.ID, Name: a.Name}
		}
	}
	for _, ou := range sel.OUs {
		if !s.ous[ou] {
			probs = append(probs, unknownOU(sel.Pos, ou, s.org))
		}
	}
	if sel.All || len(sel.OUs) > 0 || len(sel.Tags) > 0 {
		for _, oa := range s.org.Accounts {
			if oa.Active() && inOUs(oa.OUPath, sel.OUs) && hasTags(oa.Tags, sel.Tags) {
				name := oa.Name
				if a, ok := s.modelByID[oa.ID]; ok {
					name = a.Name
				}
				chosen[oa.ID] = Target{ID: oa.ID, Name: name}
			}
		}
		if !sel.All && len(sel.OUs) == 0 {
			for _, a := range s.m.Accounts {
				if a.External && hasTags(a.Tags, sel.Tags) {
					chosen[a.ID] = Target{ID: a.ID, Name: a.Name, External: true}
				}
			}
		}
	}
	for _, name := range sel.Exclude {
		a, ok := s.byName[name]
		if !ok {
			probs = append(probs, unknownAccount(sel.Pos, name))
			continue
		}
		delete(chosen, a.ID)
	}
	out := slices.Collect(maps.Values(chosen))
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.ID, b.ID) })
	return out, probs
}

// IDs is Select returning account IDs only.
func (s *Selector) IDs(sel model.AccountSelector) ([]string, model.Problems) {
	targets, probs := s.Select(sel)
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.ID
	}
	return ids, probs
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
