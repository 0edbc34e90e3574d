package trust

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// pair is an (external account, permission set) pair that assignments name,
// with the principals of every such assignment.
type pair struct {
	account    model.Account
	set        string
	principals map[[2]string]bool // {type, name}
	pos        model.Pos          // the first assignment naming the pair
	hop        string
}

func (p *pair) String() string {
	return fmt.Sprintf("external account %s with permission set %s (assignment at %s)", p.account.Name, p.set, p.pos)
}

// externalPairs collects the (external account, permission set) pairs of all
// assignments, sorted by account name then set.
func (e *expander) externalPairs() []*pair {
	byKey := map[[2]string]*pair{}
	for _, a := range e.m.Assignments {
		// The selector's problems are model expansion's to report.
		ids, _ := e.in.Selector.IDs(a.Accounts)
		for _, id := range ids {
			acct, ok := e.m.AccountByID(id)
			// An account with saml: is signed into through its SAML
			// application instead of a hop (seed 004): no hop for it.
			if !ok || !acct.External || acct.SAML != nil {
				continue
			}
			for _, set := range a.PermissionSets {
				k := [2]string{acct.Name, set}
				p := byKey[k]
				if p == nil {
					p = &pair{account: acct, set: set, principals: map[[2]string]bool{}, pos: a.Pos}
					byKey[k] = p
				}
				for _, g := range a.Groups {
					p.principals[[2]string{state.PrincipalGroup, g}] = true
				}
				for _, u := range a.Users {
					p.principals[[2]string{state.PrincipalUser, u}] = true
				}
			}
		}
	}
	pairs := slices.Collect(maps.Values(byKey))
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].account.Name != pairs[j].account.Name {
			return pairs[i].account.Name < pairs[j].account.Name
		}
		return pairs[i].set < pairs[j].set
	})
	return pairs
}

// hops derives, for every pair, the role in the external account, the hop
// set in the hub and the hop's assignments.
func (e *expander) hops(pairs []*pair) {
	if len(pairs) == 0 {
		return
	}
	hub, ok := e.hubID(pairs[0].pos)
	if !ok {
		return
	}
	// Name every hop first: trust documents exclude sets whose names extend
	// another's, so all names must be known before any document is written.
	byName := map[string]*pair{}
	var named []*pair
	for _, p := range pairs {
		if _, ok := e.m.PermissionSet(p.set); !ok {
			e.problem(p.pos, "name a permission set of permission_sets:", "assignment names permission set %s, which is not in the model", p.set)
			continue
		}
		p.hop = HopSetName(p.account.Name, p.set)
		if ps, clash := e.m.PermissionSet(p.hop); clash {
			e.problem(ps.Pos, "rename the permission set or the account", "permission set %s has the name gatehouse derives for the hop set of %s", ps.Name, p)
			continue
		}
		if prev, clash := byName[p.hop]; clash {
			e.problem(p.pos, "rename one of the accounts or permission sets", "hop permission set name %s is derived twice: for %s and for %s", p.hop, prev, p)
			continue
		}
		byName[p.hop] = p
		named = append(named, p)
	}
	for _, p := range named {
		e.setNames[p.hop] = true
	}
	for _, p := range named {
		ps, _ := e.m.PermissionSet(p.set)
		roleName := HopRoleName(p.set)
		roleARN := state.RoleARN(p.account.ID, state.DefaultPath, roleName)
		managed, inline, boundary, err := permissionSetPolicies(ps, p.account.ID)
		if err != nil {
			e.problem(ps.Pos, "write inline_policy as an IAM policy document", "permission set %s: %v", ps.Name, err)
			continue
		}
		e.addRole(state.Role{
			AccountID:           p.account.ID,
			Name:                roleName,
			Description:         fmt.Sprintf("Permission set %s, reached from hub permission set %s (managed by gatehouse)", p.set, p.hop),
			TrustPolicy:         render(e.permissionSetStatement(hub, p.hop)),
			ManagedPolicies:     managed,
			InlinePolicies:      inline,
			MaxSessionDuration:  state.DefaultMaxSession, // a hop is role chaining: AWS caps it at 1h anyway
			PermissionsBoundary: boundary,
			Tags:                managedTags(nil),
		}, origin{p.String(), p.pos})
		e.res.HopSets = append(e.res.HopSets, state.PermissionSet{
			Name:            p.hop,
			Description:     fmt.Sprintf("Hop to %s in %s (%s) as %s", roleName, p.account.Name, p.account.ID, p.set),
			SessionDuration: state.ISODuration(ps.SessionDuration),
			InlinePolicy: render(statement{
				Effect:   "Allow",
				Action:   []string{actionAssumeRole, actionSetSourceIdentity, actionTagSession},
				Resource: []string{roleARN},
			}),
		}.Normalize())
		for pr := range p.principals {
			e.res.HopAssignments = append(e.res.HopAssignments, state.Assignment{
				AccountID: hub, PermissionSet: p.hop, PrincipalType: pr[0], PrincipalName: pr[1],
			})
		}
	}
}

// permissionSetPolicies returns a permission set's policies as a role in
// account carries them: AWS-managed ARNs as they are, customer-managed
// references as ARNs in that account, the inline policy under
// InlinePolicyName, and the boundary as a policy ARN.
func permissionSetPolicies(ps model.PermissionSet, accountID string) (managed []string, inline map[string]string, boundary string, err error) {
	managed = slices.Clone(ps.ManagedPolicies)
	for _, ref := range ps.CustomerManagedPolicies {
		managed = append(managed, state.PolicyARN(accountID, ref.Path, ref.Name))
	}
	managed = sortedUnique(managed)
	inline = map[string]string{}
	if ps.InlinePolicy != "" {
		doc, err := policy.Canonical(ps.InlinePolicy)
		if err != nil {
			return nil, nil, "", fmt.Errorf("inline_policy: %w", err)
		}
		inline[InlinePolicyName] = doc
	}
	return managed, inline, boundaryARN(ps.PermissionsBoundary, accountID), nil
}

// checkReachable reports roles in external accounts that gatehouse has no
// way into.
func (e *expander) checkReachable() {
	reported := map[string]bool{}
	for _, r := range e.res.Roles {
		a, ok := e.m.AccountByID(r.AccountID)
		if !ok || !a.External || a.AdminRole != "" || a.AdminProfile != "" || reported[a.Name] {
			continue
		}
		reported[a.Name] = true
		e.problem(a.Pos, "add admin_role: arn:aws:iam::"+a.ID+":role/NAME (a role there that trusts you) or admin_profile: PROFILE",
			"external account %s has neither admin_role nor admin_profile, so gatehouse cannot create role %s there (asked for by %s)", a.Name, r.Name, e.sources[r.Key()].source)
	}
}
