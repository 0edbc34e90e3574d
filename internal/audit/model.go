package audit

import (
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// FromModel builds the audit's input from the model alone (audit --from
// model), offline:
//
//   - the organization is made of the model's member accounts, with the ou
//     and tags the model expects (an ou, tags or all selector sees those
//     accounts only), its management account the hub;
//   - Identity Center holds the model's users, groups, permission sets and
//     assignments, hop permission sets included;
//   - IAM holds the roles the model makes (its roles, the hop roles of
//     external accounts, the SAML roles) in every account of the model;
//     the AWSReservedSSO roles of the assignments are made from their
//     permission sets, their ARNs ending in "*" (AWS picks the suffix);
//   - AWS managed policies are not read: access that depends on one is
//     conditional, on a key naming it (UnreadPolicyKey).
//
// What the model makes is all "managed"; findings still lint every trust
// policy the model derives.
func FromModel(m *model.Model) (*Input, error) {
	org := &state.Organization{}
	ous := map[string]bool{}
	for _, a := range m.Accounts {
		if a.External {
			continue
		}
		org.Accounts = append(org.Accounts, state.OrgAccount{ID: a.ID, Name: a.Name, Status: "ACTIVE", OUPath: a.OU, Tags: a.Tags})
		if a.OU != "" {
			parts := strings.Split(a.OU, "/")
			for i := range parts {
				ous[strings.Join(parts[:i+1], "/")] = true
			}
		}
	}
	slices.SortFunc(org.Accounts, func(x, y state.OrgAccount) int { return strings.Compare(x.ID, y.ID) })
	org.OUs = sortedKeys(ous)
	if hub, ok := m.Account(m.IdentityCenter.HubAccount); ok {
		org.ManagementAccountID = hub.ID
	}
	desired, err := expand.Desired(m, org)
	if err != nil {
		return nil, err
	}
	rows, err := expand.Rows(m, org)
	if err != nil {
		return nil, err
	}
	iam := map[string]*state.IAMAccount{}
	for _, a := range m.Accounts {
		iam[a.ID] = &state.IAMAccount{AccountID: a.ID}
	}
	for _, key := range sortedKeys(desired.Roles) {
		r := desired.Roles[key]
		acct, ok := iam[r.AccountID]
		if !ok {
			acct = &state.IAMAccount{AccountID: r.AccountID}
			iam[r.AccountID] = acct
		}
		r.Managed = true
		acct.Roles = append(acct.Roles, r)
	}
	return &Input{
		Source:         "model",
		Org:            org,
		IdentityCenter: desired,
		Region:         m.IdentityCenter.Region,
		IAM:            iam,
		AWSPolicies:    map[string]string{},
		SAML:           SAMLGrants(m, rows),
		Model:          m,
		Desired:        desired,
	}, nil
}

// SAMLGrants are the model's grants to external accounts reached through
// an Identity Center SAML application (seed 004), from the expanded rows.
func SAMLGrants(m *model.Model, rows []expand.Row) []SAMLGrant {
	var out []SAMLGrant
	for _, r := range rows {
		if !r.External {
			continue
		}
		a, ok := m.AccountByID(r.AccountID)
		if !ok || a.SAML == nil {
			continue
		}
		out = append(out, SAMLGrant{
			Assignment: state.Assignment{AccountID: r.AccountID, PermissionSet: r.PermissionSet, PrincipalType: r.PrincipalType, PrincipalName: r.PrincipalName},
			RoleARN:    trust.SAMLRoleARN(a),
		})
	}
	return out
}
