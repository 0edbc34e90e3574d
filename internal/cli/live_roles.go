package cli

// The IAM side of plan and apply: which accounts' roles and SAML providers
// to read, reading them into the live state, and what apply says after it
// is done (the SAML attribute mappings, the conflicts it left alone).

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/iamroles"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// iamReadAccounts bounds the accounts whose IAM is read at once.
const iamReadAccounts = 8

// iamScope says which accounts' IAM roles and SAML providers a plan reads:
// every active account of the organization and every external account of
// the model, so that a role gatehouse made in an account the model no
// longer selects is found and deleted. The role names desired wants in each
// account are read whoever made them, to report a hand-made namesake.
func iamScope(m *model.Model, org *state.Organization, desired *state.State) *plan.IAMScope {
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

// readIAM reads the roles and SAML providers of the scope's accounts into
// live, a few accounts at a time, and returns the client that reached them
// (apply reuses its sessions). An account where the model wants nothing and
// that gatehouse cannot enter (an invited account without the provisioning
// role, say) is moved to scope.Unreachable with a note on stderr, unless
// strict: applying a saved plan reads exactly what the plan read.
func readIAM(ctx context.Context, d Deps, cfg aws.Config, scope *plan.IAMScope, live *state.State, strict bool) (*iamroles.Client, error) {
	o := iamroles.Options{Base: cfg, ProvisioningRole: scope.ProvisioningRole, External: map[string]iamroles.Access{}, Names: map[string]string{}}
	for _, a := range scope.Accounts {
		if a.Name != "" {
			o.Names[a.ID] = a.Name
		}
		if a.External {
			o.External[a.ID] = iamroles.Access{AdminRole: a.AdminRole, AdminProfile: a.AdminProfile}
		}
	}
	client := iamroles.New(o)
	type read struct {
		roles []state.Role
		saml  []state.SAMLProvider
		err   error // not reachable
	}
	results := make([]read, len(scope.Accounts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(iamReadAccounts)
	for i, a := range scope.Accounts {
		g.Go(func() error {
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
			saml, err := client.ReadSAMLProviders(gctx, a.ID)
			if err != nil {
				return err
			}
			results[i] = read{roles: roles, saml: saml}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var reached []plan.IAMAccount
	for i, a := range scope.Accounts {
		res := results[i]
		if res.err != nil {
			if len(scope.Unreachable) == 0 {
				fmt.Fprintln(d.Stderr, "note: gatehouse cannot enter these accounts; roles it made there earlier, if any, are not planned:")
			}
			fmt.Fprintf(d.Stderr, "  %s: %s\n", accountLabel(a), firstLine(res.err.Error()))
			a.Reason = firstLine(res.err.Error())
			scope.Unreachable = append(scope.Unreachable, a)
			continue
		}
		reached = append(reached, a)
		for _, r := range res.roles {
			live.Roles[state.RoleKey(r.AccountID, r.Name)] = r
		}
		for _, p := range res.saml {
			live.SAMLProviders[state.SAMLProviderKey(p.AccountID, p.Name)] = p
		}
	}
	scope.Accounts = reached
	return client, nil
}

func accountLabel(a plan.IAMAccount) string {
	if a.Name != "" {
		return a.Name + " (" + a.ID + ")"
	}
	return a.ID
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// roleTarget is the IAM target apply needs, nil when nothing was read.
func roleTarget(c *iamroles.Client) apply.RoleTarget {
	if c == nil {
		return nil
	}
	return c
}

// afterApply ends a successful apply: it prints the SAML attribute mappings
// to paste into Identity Center (the one step with no API) and fails when
// the plan left conflicts, which keep AWS from matching the model.
func afterApply(d Deps, p *plan.Plan) error {
	if p.Scope.IAM != nil && len(p.Scope.IAM.SAMLMappings) > 0 {
		fmt.Fprintln(d.Stderr, "\nPaste into each Identity Center SAML application (Applications > the application >")
		fmt.Fprintln(d.Stderr, "Attribute mappings), as the value of https://aws.amazon.com/SAML/Attributes/Role:")
		for _, m := range p.Scope.IAM.SAMLMappings {
			fmt.Fprintf(d.Stderr, "  %s: %s\n", m.Account, m.Value)
		}
	}
	return conflictsError(p.Conflicts)
}

// conflictsError reports the conflicts a plan leaves alone, or nil.
func conflictsError(cs []plan.Conflict) error {
	if len(cs) == 0 {
		return nil
	}
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = "  " + c.Message
	}
	return hint.New(fmt.Sprintf("%d object(s) the model names exist but were not made by gatehouse, and were left untouched:\n%s", len(cs), strings.Join(lines, "\n")),
		cs[0].Hint)
}
