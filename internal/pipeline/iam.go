package pipeline

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/internal/iamroles"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// iamReadAccounts bounds the accounts whose IAM is read at once (each
// account has its own IAM quota; the bound keeps connections and memory
// modest).
const iamReadAccounts = 8

// IAMScope says which accounts' IAM a plan reads: every active account of
// the organization and every external account of the model, so that a role
// gatehouse made in an account the model no longer selects is found and
// deleted. The role names desired wants in each account are read whoever
// made them, to report a hand-made namesake. SAML providers are read in
// external accounts only: saml: exists only there.
func IAMScope(m *model.Model, org *state.Organization, desired *state.State) *plan.IAMScope {
	accts := map[string]*plan.IAMAccount{}
	for _, a := range org.Accounts {
		if a.Active() {
			accts[a.ID] = &plan.IAMAccount{ID: a.ID, Name: a.Name}
		}
	}
	for _, a := range m.Accounts {
		if a.External {
			accts[a.ID] = &plan.IAMAccount{ID: a.ID, External: true, AdminRole: a.AdminRole, AdminProfile: a.AdminProfile}
		}
		if x, ok := accts[a.ID]; ok {
			x.Name = a.Name
		}
	}
	for _, r := range desired.Roles {
		x, ok := accts[r.AccountID]
		if !ok {
			x = &plan.IAMAccount{ID: r.AccountID}
			accts[r.AccountID] = x
		}
		x.Roles = append(x.Roles, r.Name)
	}
	s := &plan.IAMScope{ProvisioningRole: m.IdentityCenter.ProvisioningRoleName()}
	for _, id := range slices.Sorted(maps.Keys(accts)) {
		x := accts[id]
		slices.Sort(x.Roles)
		s.Accounts = append(s.Accounts, *x)
	}
	for _, mp := range trust.SAMLMappings(m) {
		s.SAMLMappings = append(s.SAMLMappings, plan.SAMLMapping{Account: mp.Account, Value: mp.Value})
	}
	return s
}

// IAMClient returns the client that reaches the scope's accounts: the
// provisioning role in member accounts, admin_role or admin_profile in
// external ones.
func IAMClient(scope *plan.IAMScope, o *Options) *iamroles.Client {
	opts := iamroles.Options{Base: o.AWS, ProvisioningRole: scope.ProvisioningRole,
		External: map[string]iamroles.Access{}, Names: map[string]string{}, Rate: o.IAMRate, Stats: o.stats()}
	for _, a := range append(slices.Clone(scope.Accounts), scope.Unreachable...) {
		if a.Name != "" {
			opts.Names[a.ID] = a.Name
		}
		if a.External {
			opts.External[a.ID] = iamroles.Access{AdminRole: a.AdminRole, AdminProfile: a.AdminProfile}
		}
	}
	return iamroles.New(opts)
}

// ReadIAM reads the roles and SAML providers of the scope's accounts into
// live, a few accounts at a time, and returns the client that reached them
// (apply reuses its sessions). An account where the model wants nothing and
// that gatehouse cannot enter (an invited account without the provisioning
// role, say) is moved to scope.Unreachable with the reason, unless strict:
// applying a saved plan reads exactly what the plan read.
func ReadIAM(ctx context.Context, scope *plan.IAMScope, live *state.State, strict bool, o *Options) (*iamroles.Client, error) {
	client := IAMClient(scope, o)
	type read struct {
		roles []state.Role
		saml  []state.SAMLProvider
		err   error // not reachable
	}
	results := make([]read, len(scope.Accounts))
	var done atomic.Int64
	total := len(scope.Accounts)
	o.progress(Progress{Step: "iam", Total: total})
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(iamReadAccounts)
	for i, a := range scope.Accounts {
		g.Go(func() error {
			defer func() { o.progress(Progress{Step: "iam", Done: int(done.Add(1)), Total: total}) }()
			if _, err := client.IAM(gctx, a.ID); err != nil {
				if strict || len(a.Roles) > 0 || gctx.Err() != nil {
					return err
				}
				results[i].err = err
				return nil
			}
			roles, err := client.ReadRoles(gctx, a.ID, a.Roles)
			if err != nil {
				return err
			}
			var saml []state.SAMLProvider
			if a.External {
				if saml, err = client.ReadSAMLProviders(gctx, a.ID); err != nil {
					return err
				}
			}
			results[i] = read{roles: roles, saml: saml}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	o.progress(Progress{Step: "iam", Done: total, Total: total, Finished: true})
	var reached []plan.IAMAccount
	for i, a := range scope.Accounts {
		res := results[i]
		if res.err != nil {
			a.Reason = firstLine(res.err.Error())
			scope.Unreachable = append(scope.Unreachable, a)
			continue
		}
		reached = append(reached, a)
		for _, r := range res.roles {
			live.Roles[r.Key()] = r
		}
		for _, p := range res.saml {
			live.SAMLProviders[p.Key()] = p
		}
	}
	scope.Accounts = reached
	return client, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
