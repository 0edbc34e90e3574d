package apply

import (
	"context"
	"errors"
	"regexp"
	"slices"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// RoleTarget is what apply changes in IAM, in many accounts: roles and SAML
// providers (internal/iamroles implements it). Each method returns once the
// change is done, refuses to change an object gatehouse does not manage
// (unless the desired role adopts it), and treats an object already in the
// wanted state, or already gone, as done, so that an interrupted apply is
// finished by the next.
type RoleTarget interface {
	// Create makes a role; the roles its trust names as exact principals
	// exist already (apply orders the creates).
	Create(ctx context.Context, r state.Role) error
	// Update makes the live role match desired, sending only differences.
	Update(ctx context.Context, desired, live state.Role) error
	// Delete removes a managed role with its policies.
	Delete(ctx context.Context, live state.Role) error

	CreateSAMLProvider(ctx context.Context, p state.SAMLProvider) (arn string, err error)
	UpdateSAMLProvider(ctx context.Context, desired, live state.SAMLProvider) error
	DeleteSAMLProvider(ctx context.Context, live state.SAMLProvider) error
}

// The IAM phases. Creates and updates run before Identity Center's
// permission sets, so that a hop permission set is never usable before the
// role it reaches exists; deletions run after Identity Center's, in reverse:
// hop assignments, hop sets, then roles, then SAML providers.
const (
	phaseSAMLProviders = 100 + iota // create and update
	phaseRoles                      // create, update, replace: in trust order
	phaseRoleDeletes
	phaseSAMLDeletes
)

func iamPhaseOf(c plan.Change) int {
	del := c.Action == plan.Delete
	switch {
	case c.Kind == plan.KindSAMLProvider && del:
		return phaseSAMLDeletes
	case c.Kind == plan.KindSAMLProvider:
		return phaseSAMLProviders
	case del:
		return phaseRoleDeletes
	}
	return phaseRoles
}

// iamCreates creates and updates SAML providers, then roles, wave by wave:
// a role whose trust names another role of the plan as exact principal
// (tighten) runs in a wave after it, so IAM never sees a principal that does
// not exist yet.
func (r *run) iamCreates(ctx context.Context, byPhase map[int][]plan.Change) {
	r.phase(ctx, byPhase[phaseSAMLProviders], r.opts.Workers)
	for _, wave := range roleWaves(byPhase[phaseRoles]) {
		r.phase(ctx, wave, r.opts.Workers)
	}
}

// iamDeletes removes roles, then SAML providers (which roles trust).
func (r *run) iamDeletes(ctx context.Context, byPhase map[int][]plan.Change) {
	r.phase(ctx, byPhase[phaseRoleDeletes], r.opts.Workers)
	r.phase(ctx, byPhase[phaseSAMLDeletes], r.opts.Workers)
}

// roleWaves splits role changes into waves: wave 0 holds the roles that
// trust no role of cs by exact ARN, wave n+1 those whose deepest such
// dependency is in wave n. Within a wave, changes keep plan order.
func roleWaves(cs []plan.Change) [][]plan.Change {
	if len(cs) == 0 {
		return nil
	}
	docs := make(map[string]string, len(cs))
	byKey := make(map[string]plan.Change, len(cs))
	for _, c := range cs {
		k := state.RoleKey(c.Role.After.AccountID, c.Role.After.Name)
		docs[k] = c.Role.After.TrustPolicy
		byKey[k] = c
	}
	order, err := trust.CreateOrder(docs)
	if err != nil {
		// The plan checked for cycles; an unreadable document fails alone.
		return [][]plan.Change{cs}
	}
	level := map[string]int{}
	var waves [][]plan.Change
	for _, k := range order {
		level[k] = 0
		deps, _ := trust.ExactPrincipals(docs[k])
		for _, d := range deps {
			if l, ok := level[d]; ok && l+1 > level[k] {
				level[k] = l + 1
			}
		}
		for len(waves) <= level[k] {
			waves = append(waves, nil)
		}
		waves[level[k]] = append(waves[level[k]], byKey[k])
	}
	pos := make(map[plan.Address]int, len(cs))
	for i, c := range cs {
		pos[c.Address] = i
	}
	for _, w := range waves {
		slices.SortFunc(w, func(a, b plan.Change) int { return pos[a.Address] - pos[b.Address] })
	}
	return waves
}

var errNoRoleTarget = errors.New("apply was given no IAM target for roles and SAML providers")

// samlProviderInTrust matches the SAML providers a trust policy names as
// federated principals.
var samlProviderInTrust = regexp.MustCompile(`arn:aws[a-z-]*:iam::([0-9]{12}):saml-provider/([A-Za-z0-9._-]+)`)

// roleDeps are the changes a role's creation needs to have happened: the
// roles its trust names as exact principals and the SAML providers it
// trusts.
func roleDeps(role *state.Role) []plan.Address {
	var deps []plan.Address
	keys, _ := trust.ExactPrincipals(role.TrustPolicy)
	for _, k := range keys {
		acct, name := k[:12], k[13:]
		deps = append(deps, plan.RoleAddress(acct, name))
	}
	for _, m := range samlProviderInTrust.FindAllStringSubmatch(role.TrustPolicy, -1) {
		deps = append(deps, plan.SAMLProviderAddress(m[1], m[2]))
	}
	return deps
}

func (r *run) role(ctx context.Context, c plan.Change) error {
	if r.opts.Roles == nil {
		return errNoRoleTarget
	}
	d := c.Role
	if c.Action != plan.Delete {
		if err := r.needs(roleDeps(d.After)...); err != nil {
			return err
		}
	}
	switch c.Action {
	case plan.Create:
		return r.opts.Roles.Create(ctx, *d.After)
	case plan.Update:
		return r.opts.Roles.Update(ctx, *d.After, *d.Before)
	case plan.Replace:
		// A path cannot change: delete the role (gatehouse's, or one the
		// model adopts), then create it anew.
		live := *d.Before
		live.Managed = live.Managed || d.After.Adopt
		if err := r.opts.Roles.Delete(ctx, live); err != nil {
			return err
		}
		return r.opts.Roles.Create(ctx, *d.After)
	case plan.Delete:
		return r.opts.Roles.Delete(ctx, *d.Before)
	}
	return unsupported(c)
}

func (r *run) samlProvider(ctx context.Context, c plan.Change) error {
	if r.opts.Roles == nil {
		return errNoRoleTarget
	}
	d := c.SAMLProvider
	switch c.Action {
	case plan.Create:
		_, err := r.opts.Roles.CreateSAMLProvider(ctx, *d.After)
		return err
	case plan.Update:
		return r.opts.Roles.UpdateSAMLProvider(ctx, *d.After, *d.Before)
	case plan.Delete:
		return r.opts.Roles.DeleteSAMLProvider(ctx, *d.Before)
	}
	return unsupported(c)
}
