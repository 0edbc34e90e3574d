package audit

// The report is the public output of `gatehouse audit --output json`
// (docs/audit.md). The keys and values written here are stable: keys may be
// added, never changed.

// FormatVersion is the version of the report format.
const FormatVersion = 1

// Report is everything the audit found: who can reach what, and the
// findings.
type Report struct {
	Version int    `json:"version"`
	Source  string `json:"source"` // "live" or "model"
	// Access has one row per (person or outside principal, account, role
	// reached), sorted by principal, account and role.
	Access []Access `json:"access"`
	// Findings are sorted by severity (worst first), rule, account and
	// resource.
	Findings []Finding `json:"findings"`
	// Accounts names the accounts the report mentions, by ID, for readers
	// (not part of the stable keys above).
	Accounts map[string]AccountInfo `json:"accounts,omitempty"`
	Summary  Summary                `json:"summary"`
}

// Principal types of access rows.
const (
	PrincipalUser    = "user"     // an Identity Center user
	PrincipalIAMUser = "iam_user" // an IAM user (long-term keys)
	PrincipalIAMRole = "iam_role" // an IAM role that starts a path (a workload, or a role outside what gatehouse reads)
	PrincipalAccount = "account"  // an outside account trusted as a whole
)

// Principal is who starts an access path.
type Principal struct {
	Type string `json:"type"`
	Name string `json:"name"`
	// ID is the Identity Store user ID, the ARN of an IAM user or role, or
	// the bare 12-digit ID of an account.
	ID string `json:"id"`
}

// Decisions of access rows (a denied path is no access at all).
const (
	Allowed     = "allowed"
	Conditional = "conditional"
)

// Access is one way a principal reaches a role in an account.
type Access struct {
	Principal Principal `json:"principal"`
	Account   string    `json:"account"` // 12-digit ID
	// RoleARN is the role reached; an AWSReservedSSO role whose suffix the
	// audit cannot know (--from model) ends in "*".
	RoleARN  string `json:"role_arn"`
	Decision string `json:"decision"`
	// Conditions are the condition keys the audit cannot know that decide
	// whether the access works (sts:ExternalId, aws:MultiFactorAuthPresent,
	// ...), sorted; empty when allowed.
	Conditions []string `json:"conditions"`
	// Chained is true when an assume_role step starts from a role session
	// (an AWSReservedSSO session included): AWS caps such sessions at one
	// hour.
	Chained bool `json:"chained"`
	// Managed is true only when every step of the path comes from the
	// model.
	Managed bool   `json:"managed"`
	Path    []Step `json:"path"`
	// AccountName is the account's name, for people (not a stable key).
	AccountName string `json:"account_name,omitempty"`
}

// Step kinds.
const (
	StepMemberOf   = "member_of"
	StepAssignment = "assignment"
	StepAssumeRole = "assume_role"
)

// Step is one hop of an access path. From and To are user and group names,
// permission set names, role ARNs and account IDs.
type Step struct {
	Kind          string `json:"kind"`
	From          string `json:"from"`
	To            string `json:"to"`
	PermissionSet string `json:"permission_set,omitempty"`
	// Conditions of this step alone, when conditional.
	Conditions []string `json:"conditions,omitempty"`
	// Managed says whether this step comes from the model.
	Managed bool `json:"managed"`
}

// Severities, worst first.
const (
	Critical = "critical"
	High     = "high"
	Medium   = "medium"
	Low      = "low"
	Info     = "info"
)

// Severities lists them worst first.
var Severities = []string{Critical, High, Medium, Low, Info}

// SeverityRank orders severities: 0 for critical, 4 for info, -1 unknown.
func SeverityRank(s string) int {
	for i, x := range Severities {
		if x == s {
			return i
		}
	}
	return -1
}

// Finding is one weakness found in a trust policy, an identity policy or
// the way access was granted.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Account  string `json:"account"`
	Resource string `json:"resource"`
	// Statement is the 0-based index of the statement at fault, -1 when
	// the finding is about the whole resource.
	Statement int    `json:"statement"`
	Sid       string `json:"sid,omitempty"`
	Message   string `json:"message"`
	Fix       string `json:"fix"`
}

// AccountInfo describes an account for people.
type AccountInfo struct {
	Name string `json:"name,omitempty"`
	// Kind is "member" (of the organization gatehouse reads), "external"
	// (of the model) or "outside" (neither).
	Kind string `json:"kind"`
}

// Summary counts the report.
type Summary struct {
	People      int            `json:"people"`
	Principals  int            `json:"principals"`
	Accounts    int            `json:"accounts"`
	Rows        int            `json:"rows"`
	Conditional int            `json:"conditional"`
	Unmanaged   int            `json:"unmanaged"`
	Findings    map[string]int `json:"findings"` // by severity
}
