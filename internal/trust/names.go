package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Ownership and naming conventions gatehouse applies to the IAM objects it
// creates (documented in docs/cross-account.md).
const (
	// InlinePolicyName names the inline policy that carries a role's
	// inline_policy (or, for a hop or SAML role, its permission set's).
	InlinePolicyName = "gatehouse-inline"
	// CanAssumePolicyName names the inline policy can_assume generates.
	CanAssumePolicyName = "gatehouse-can-assume"

	// HopRolePrefix starts the name of the role gatehouse creates in an
	// external account for a permission set: "gatehouse-<PermissionSet>".
	HopRolePrefix = "gatehouse-"

	// DefaultSAMLProvider and DefaultSAMLRole name the SAML provider and role
	// of an external account's saml: block when the model leaves them out.
	DefaultSAMLProvider = "AWSIdentityCenter"
	DefaultSAMLRole     = "IdentityCenterAccess"
)

// AWS name limits.
const (
	maxPermissionSetName = 32
	maxRoleName          = 64
	maxSAMLProviderName  = 128
)

var (
	// nameChars is IAM's and Identity Center's character set for role and
	// permission set names: [\w+=,.@-].
	nameChars         = regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]+$`)
	notNameChar       = regexp.MustCompile(`[^A-Za-z0-9_+=,.@-]`)
	samlProviderChars = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	accountIDPattern  = regexp.MustCompile(`^[0-9]{12}$`)
	// rolePath is IAM's path syntax: "/" or "/a/b/".
	rolePath = regexp.MustCompile(`^/(?:[\x21-\x7E]+/)?$`)
)

// SSORolePatterns returns the two aws:PrincipalArn patterns that match the
// AWSReservedSSO role Identity Center creates for permissionSet in account:
// without the region path segment (Identity Center in us-east-1) and with it
// (every other region). The suffix wildcard survives the role being deleted
// and re-created with a new suffix when the set's last assignment goes.
func SSORolePatterns(accountID, permissionSet string) []string {
	base := "arn:" + state.Partition + ":iam::" + accountID + ":role/aws-reserved/sso.amazonaws.com/"
	role := "AWSReservedSSO_" + permissionSet + "_*"
	return []string{base + role, base + "*/" + role}
}

// HopSetName derives the name of the hub permission set that hops into
// account (a model account name) as permissionSet: "<account>-<set>", with
// characters Identity Center refuses replaced by "-". A name longer than
// Identity Center's 32 characters is cut and ends with "-" and six hex digits
// of a hash of both names, so it stays stable and distinct.
func HopSetName(account, permissionSet string) string {
	full := notNameChar.ReplaceAllString(account, "-") + "-" + permissionSet
	if len(full) <= maxPermissionSetName {
		return full
	}
	sum := sha256.Sum256([]byte(account + "\x00" + permissionSet))
	suffix := hex.EncodeToString(sum[:3])
	head := strings.TrimRight(full[:maxPermissionSetName-len(suffix)-1], "-_.,+=@")
	return head + "-" + suffix
}

// HopRoleName is the name of the role a hop permission set assumes in an
// external account: "gatehouse-<PermissionSet>" (at most 42 characters, since
// permission set names have at most 32).
func HopRoleName(permissionSet string) string { return HopRolePrefix + permissionSet }
