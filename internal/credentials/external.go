package credentials

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// External is an account of another organization that the user reaches by
// role chaining: the hop permission set Via (a role of the portal, in the
// hub account) may assume RoleARN.
type External struct {
	AccountID   string `json:"accountId" yaml:"account_id"`
	AccountName string `json:"accountName" yaml:"account_name"`
	// RoleName is the access the user gets there (the permission set whose
	// policies the role carries); it names the profile.
	RoleName   string `json:"roleName" yaml:"role_name"`
	RoleARN    string `json:"roleArn" yaml:"role_arn"`
	ExternalID string `json:"externalId,omitempty" yaml:"external_id,omitempty"`
	Region     string `json:"region,omitempty" yaml:"region,omitempty"`
	Via        Via    `json:"via" yaml:"via"`
}

// Via is the portal role (hub account and hop permission set) that reaches
// an external account. An empty AccountID matches the role in any account.
type Via struct {
	AccountID string `json:"accountId" yaml:"sso_account_id"`
	RoleName  string `json:"roleName" yaml:"sso_role_name"`
}

// Registry is the profile registry file an admin publishes for engineers
// who do not have the access model: the external accounts and the hops that
// reach them (see docs/engineer.md).
type Registry struct {
	Version          int        `yaml:"version"`
	ExternalAccounts []External `yaml:"external_accounts"`
}

// LoadRegistry reads a registry file (YAML, or JSON which is YAML too).
// Every problem is reported at once; unknown keys are errors.
func LoadRegistry(path string) ([]External, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the profile registry: %w", err)
	}
	var r Registry
	if err := yaml.UnmarshalWithOptions(data, &r, yaml.DisallowUnknownField()); err != nil {
		return nil, hint.Wrap(fmt.Errorf("reading the profile registry %s: %s", path, yaml.FormatError(err, false, false)),
			"see the registry format in docs/engineer.md")
	}
	var probs []string
	if r.Version != 1 {
		probs = append(probs, fmt.Sprintf("version is %d, want 1", r.Version))
	}
	for i, e := range r.ExternalAccounts {
		where := fmt.Sprintf("external_accounts[%d]", i)
		if !isAccountID(e.AccountID) {
			probs = append(probs, fmt.Sprintf("%s: account_id %q is not 12 digits", where, e.AccountID))
		}
		if e.AccountName == "" || e.RoleName == "" {
			probs = append(probs, where+": account_name and role_name are required")
		}
		if acct := accountOfARN(e.RoleARN); acct == "" || acct != e.AccountID {
			probs = append(probs, fmt.Sprintf("%s: role_arn %q is not a role of account %s", where, e.RoleARN, e.AccountID))
		}
		if e.Via.RoleName == "" {
			probs = append(probs, where+": via.sso_role_name is required")
		}
		if e.Via.AccountID != "" && !isAccountID(e.Via.AccountID) {
			probs = append(probs, fmt.Sprintf("%s: via.sso_account_id %q is not 12 digits", where, e.Via.AccountID))
		}
	}
	if len(probs) > 0 {
		return nil, hint.New(fmt.Sprintf("profile registry %s: %s", path, strings.Join(probs, "; ")), "see the registry format in docs/engineer.md")
	}
	return r.ExternalAccounts, nil
}

// ExternalsFromModel derives the external accounts of an access model: for
// each external account an assignment selects (by name, or by a selector of
// tags alone), and each permission set it
// gives there, the role gatehouse creates in the account and the hop
// permission set in the hub (identity_center.hub_account) that reaches it,
// named as internal/trust names them.
func ExternalsFromModel(m *model.Model) []External {
	hub := ""
	if a, ok := m.Account(m.IdentityCenter.HubAccount); ok {
		hub = a.ID
	}
	seen := map[[2]string]bool{}
	var out []External
	for _, as := range m.Assignments {
		for _, acct := range externalTargets(m, as.Accounts) {
			for _, ps := range as.PermissionSets {
				k := [2]string{acct.Name, ps}
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, External{
					AccountID:   acct.ID,
					AccountName: acct.Name,
					RoleName:    ps,
					RoleARN:     state.RoleARN(acct.ID, "/", trust.HopRoleName(ps)),
					Via:         Via{AccountID: hub, RoleName: trust.HopSetName(acct.Name, ps)},
				})
			}
		}
	}
	sortExternals(out)
	return out
}

// externalTargets returns the external accounts a selector chooses, as
// internal/state selects them: named ones, and with a selector of tags
// alone (no all, no ou) those whose tags match; less the excluded.
func externalTargets(m *model.Model, sel model.AccountSelector) []model.Account {
	chosen := map[string]bool{}
	for _, name := range sel.Names {
		chosen[name] = true
	}
	if !sel.All && len(sel.OUs) == 0 && len(sel.Tags) > 0 {
		for _, a := range m.Accounts {
			if a.External && hasTags(a.Tags, sel.Tags) {
				chosen[a.Name] = true
			}
		}
	}
	for _, name := range sel.Exclude {
		delete(chosen, name)
	}
	var out []model.Account
	for _, a := range m.Accounts {
		if a.External && chosen[a.Name] {
			out = append(out, a)
		}
	}
	return out
}

func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// LoadModelExternals reads an access model and returns its externals. The
// model is decoded but not validated: validation is the admin's job, and it
// needs files (SAML metadata) an engineer may not have.
func LoadModelExternals(path string) ([]External, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the access model: %w", err)
	}
	m, probs := model.Parse(path, data)
	if len(probs) > 0 {
		return nil, probs.Sort()
	}
	return ExternalsFromModel(m), nil
}

// Reachable keeps the externals whose hop role the user has in the portal
// listing, with the hub account filled in.
func Reachable(exts []External, accounts []Account) []External {
	var out []External
	for _, e := range exts {
		for _, a := range accounts {
			if e.Via.AccountID != "" && e.Via.AccountID != a.ID {
				continue
			}
			if contains(a.Roles, e.Via.RoleName) {
				e.Via.AccountID = a.ID
				out = append(out, e)
				break
			}
		}
	}
	sortExternals(out)
	return out
}

func sortExternals(exts []External) {
	sort.Slice(exts, func(i, j int) bool {
		if exts[i].AccountName != exts[j].AccountName {
			return exts[i].AccountName < exts[j].AccountName
		}
		return exts[i].RoleName < exts[j].RoleName
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isAccountID(s string) bool {
	return len(s) == 12 && strings.Trim(s, "0123456789") == ""
}
