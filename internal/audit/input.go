// Package audit answers the auditor's question, "who can really reach what,
// and how?", from what AWS holds (or, offline, from what the model
// declares). It builds an access graph: Identity Center users, the groups
// they are members of, the assignments that give them a permission set's
// AWSReservedSSO role in an account, and "can assume" edges between
// principals and roles, each decided on both sides by the policy evaluator
// (internal/policy/eval: the caller's identity policies, boundary and SCPs,
// the target's trust policy), three-valued: a condition the audit cannot
// know (sts:ExternalId, MFA, source IP) makes an edge conditional and is
// named. Paths are followed across accounts and organizations to the end.
// It also lints trust and identity policies (findings.go) and reports access
// granted outside the model.
//
// The package is pure: it takes an Input and returns a Report; the
// pipeline reads AWS into the Input (internal/pipeline), the model gives one
// offline (FromModel).
package audit

import (
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Input is what the audit reads.
type Input struct {
	// Source is "live" or "model".
	Source string
	// Org is the organization gatehouse reads (nil when none): its
	// accounts, OU paths and IDs, root and management account.
	Org *state.Organization
	// SCPs maps a target (root "r-...", OU "ou-...", or account ID) to the
	// documents of the service control policies attached to it.
	SCPs map[string][]string
	// IdentityCenter holds the users, groups with their members,
	// permission sets and assignments.
	IdentityCenter *state.State
	// Region is Identity Center's region; it decides the path of the
	// AWSReservedSSO roles (none in us-east-1).
	Region string
	// IAM is what IAM holds in each account read, by account ID: roles
	// (AWSReservedSSO ones included), users, groups, customer policies.
	IAM map[string]*state.IAMAccount
	// Unread lists accounts whose IAM could not be read, with why.
	Unread map[string]string
	// AWSPolicies maps an AWS managed policy ARN to its document; a policy
	// missing here is unknown, which makes what depends on it conditional.
	AWSPolicies map[string]string
	// SAML are the grants of external accounts reached through an Identity
	// Center SAML application instead of a hop (seed 004): the principal
	// signs straight into the account's SAML role.
	SAML []SAMLGrant
	// Model is the access model, nil when none: what it grants is
	// "managed", anything else was made by hand. Desired is the model
	// expanded against Org (internal/expand).
	Model   *model.Model
	Desired *state.State
}

// accountKind says whether an account belongs to the organization read,
// is an external account of the model, or is outside both.
func (in *Input) accountKind(id string) string {
	if in.Org != nil {
		if _, ok := in.Org.Account(id); ok {
			return "member"
		}
	}
	if in.Model != nil {
		if a, ok := in.Model.AccountByID(id); ok && a.External {
			return "external"
		}
	}
	return "outside"
}

// accountName is the model's name for an account, else Organizations', else
// "".
func (in *Input) accountName(id string) string {
	if in.Model != nil {
		if a, ok := in.Model.AccountByID(id); ok {
			return a.Name
		}
	}
	if in.Org != nil {
		if a, ok := in.Org.Account(id); ok {
			return a.Name
		}
	}
	return ""
}

// SAMLGrant is an assignment of the model to an external account signed
// into through its SAML application: the principal reaches RoleARN.
type SAMLGrant struct {
	Assignment state.Assignment
	RoleARN    string
}
