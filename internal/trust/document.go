// Package trust derives the IAM side of gatehouse's access model: for every
// role of `roles:` in every selected account, the trust policy its `trust:`
// entries mean, the identity policy `can_assume:` means, its managed and
// inline policies, session length and tags; for every (external account,
// permission set) pair an assignment names, the role in the external account
// and the hop permission set in the hub (seed 001); for an external account
// with `saml:`, the IAM SAML provider and the role trusting it (seed 004).
// It also orders role creation so that a role named as an exact principal is
// created before the role that trusts it, and finds trust policies whose
// principal has become a bare unique ID.
//
// It is pure: no AWS SDK, no CLI framework, no I/O. docs/cross-account.md
// shows the documents it writes.
package trust

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Action names used in the documents gatehouse writes.
const (
	actionAssumeRole        = "sts:AssumeRole"
	actionAssumeRoleSAML    = "sts:AssumeRoleWithSAML"
	actionSetSourceIdentity = "sts:SetSourceIdentity"
	actionTagSession        = "sts:TagSession"
)

// Condition keys and operators used in trust policies.
const (
	keyPrincipalArn   = "aws:PrincipalArn"
	keyPrincipalOrgID = "aws:PrincipalOrgID"
	keyMFAPresent     = "aws:MultiFactorAuthPresent"
	keyExternalID     = "sts:ExternalId"
	keySAMLAudience   = "SAML:aud"

	opArnEquals    = "ArnEquals"
	opArnLike      = "ArnLike"
	opArnNotLike   = "ArnNotLike"
	opStringEquals = "StringEquals"
	opBool         = "Bool"
)

// SAMLAudience is the audience Identity Center's SAML assertions carry for the
// AWS console sign-in endpoint.
const SAMLAudience = "https://signin.aws.amazon.com/saml"

// policyVersion is the only policy language version with variables and the
// one AWS recommends.
const policyVersion = "2012-10-17"

// document is an IAM policy document as gatehouse writes it. Field order and
// list-valued fields keep the JSON stable; policy.Canonical normalizes it.
type document struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Effect    string                         `json:"Effect"`
	Principal map[string][]string            `json:"Principal,omitempty"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource,omitempty"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// addCondition adds values under operator op and key k.
func (s *statement) addCondition(op, k string, values ...string) {
	if s.Condition == nil {
		s.Condition = map[string]map[string][]string{}
	}
	if s.Condition[op] == nil {
		s.Condition[op] = map[string][]string{}
	}
	s.Condition[op][k] = append(s.Condition[op][k], values...)
}

// render returns the document in policy.Canonical form, the form State
// compares.
func render(stmts ...statement) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(document{Version: policyVersion, Statement: stmts}); err != nil {
		// Only strings, slices and maps of strings are encoded: this cannot fail.
		panic(fmt.Sprintf("encoding a generated policy: %v", err))
	}
	out, err := policy.Canonical(buf.String())
	if err != nil {
		panic(fmt.Sprintf("canonicalizing a generated policy: %v", err))
	}
	return out
}
