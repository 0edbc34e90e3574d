package state

import (
	"errors"
	"fmt"
	"maps"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// expandRoles adds to s the model's IAM roles in every selected account and,
// for each (external account, permission set) pair an assignment names, the
// role in the external account, the hop permission set in the hub and the
// hop's assignments in the hub account; for an external account with saml:,
// the SAML provider and its role (see internal/trust and
// docs/cross-account.md). s must already hold the model's permission sets, so
// that a hop set taking a name of theirs is an error rather than an
// overwrite. Problems are returned together as an *ExpandError.
//
// The SAML metadata an account's saml: names is the content model.Load read
// (model.SAMLAccess.MetadataXML): expansion does no I/O.
func expandRoles(m *model.Model, org *Organization, s *State) error {
	if org == nil {
		org = &Organization{}
	}
	res, err := trust.Expand(trust.Input{
		Model:               m,
		ManagementAccountID: org.ManagementAccountID,
		Select: func(sel model.AccountSelector) ([]string, model.Problems) {
			targets, probs := selectAccounts(m, org, sel)
			ids := make([]string, len(targets))
			for i, t := range targets {
				ids[i] = t.ID
			}
			return ids, probs
		},
	})
	var probs model.Problems
	if errors.As(err, &probs) {
		return &ExpandError{Problems: probs}
	}
	if err != nil {
		return err
	}
	for _, r := range res.Roles {
		s.Roles[RoleKey(r.AccountID, r.Name)] = Role{
			AccountID:           r.AccountID,
			Name:                r.Name,
			Path:                r.Path,
			Description:         r.Description,
			TrustPolicy:         r.TrustPolicy,
			ManagedPolicies:     r.ManagedPolicies,
			InlinePolicies:      r.InlinePolicies,
			MaxSessionDuration:  r.MaxSessionDuration,
			Tags:                r.Tags,
			PermissionsBoundary: r.PermissionsBoundary,
			Adopt:               r.Adopt,
		}
	}
	for _, h := range res.HopSets {
		if _, clash := s.PermissionSets[h.Name]; clash {
			// trust.Expand checks the model's sets; this guards sets added
			// to s some other way.
			probs = append(probs, model.Problem{Pos: m.IdentityCenter.Pos,
				Message: fmt.Sprintf("hop permission set %s for external account %s with permission set %s has the name of another permission set", h.Name, h.Account, h.PermissionSet),
				Hint:    "rename the permission set or the account"})
			continue
		}
		s.PermissionSets[h.Name] = PermissionSet{
			Name:            h.Name,
			Description:     h.Description,
			SessionDuration: h.SessionDuration,
			InlinePolicy:    h.InlinePolicy,
		}
	}
	for _, a := range res.HopAssignments {
		s.Assignments = append(s.Assignments, Assignment{
			AccountID:     a.AccountID,
			PermissionSet: a.PermissionSet,
			PrincipalType: a.PrincipalType,
			PrincipalName: a.PrincipalName,
		})
	}
	if s.SAMLProviders == nil {
		s.SAMLProviders = map[string]SAMLProvider{}
	}
	for _, p := range res.SAMLProviders {
		s.SAMLProviders[SAMLProviderKey(p.AccountID, p.Name)] = SAMLProvider{
			AccountID:        p.AccountID,
			Name:             p.Name,
			MetadataDocument: p.MetadataDocument,
			Tags:             maps.Clone(p.Tags),
		}
	}
	if len(probs) > 0 {
		return &ExpandError{Problems: probs}
	}
	return nil
}
