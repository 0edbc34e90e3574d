package audit

// Knowledge is what the lint of a policy knows about its surroundings.
type Knowledge struct {
	// OrgID is the organization gatehouse reads ("o-..."), "" when none.
	OrgID string
	// Members are the account IDs of that organization.
	Members map[string]bool
	// Known are the accounts gatehouse knows: Members and the external
	// accounts of the model. An account outside Known is a third party.
	Known map[string]bool
	// Region is Identity Center's region (the AWSReservedSSO role path has
	// no region segment in us-east-1).
	Region string
	// PermissionSets are the names of every permission set, to find
	// AWSReservedSSO_<name>_* patterns that also match a longer name.
	PermissionSets []string
}

// TrustSubject is a role whose trust policy is linted.
type TrustSubject struct {
	AccountID string
	ARN       string // the role's ARN, with its path
	// Managed says gatehouse made the role (its hop and model roles carry
	// gatehouse's ownership tag).
	Managed bool
	// Document is the trust policy (JSON, as IAM returns it or
	// canonical).
	Document string
}

// IdentitySubject is a principal (role, IAM user or group, permission
// set) whose identity policies are linted.
type IdentitySubject struct {
	AccountID string
	// Resource names the principal in findings: a role, user or group
	// ARN, or a permission set ARN or name.
	Resource string
	// Policies are the principal's own policy documents by name (inline
	// policy name, or managed policy ARN).
	Policies map[string]string
}
