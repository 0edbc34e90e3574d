// Package state holds AWS-shaped state that gatehouse compares: the
// organization's accounts (read live), and the Identity Center and IAM
// objects either desired (expanded from the access model) or live (read by
// the adapters). It is pure data plus the expansion of a model against an
// organization; internal/plan diffs a desired State against a live one.
package state

// OrgAccount is an account of the organization as Organizations reports it.
type OrgAccount struct {
	ID     string
	Name   string
	Email  string
	Status string // ACTIVE, SUSPENDED, PENDING_CLOSURE
	OUPath string // path from the root, e.g. "Workloads/Prod"; "" at the root
	Tags   map[string]string
}

// Active reports whether the account can receive access.
func (a OrgAccount) Active() bool { return a.Status == "" || a.Status == "ACTIVE" }

// Organization is what the organization adapter reads.
type Organization struct {
	ID                  string // o-...
	ManagementAccountID string
	Accounts            []OrgAccount // sorted by ID
	OUs                 []string     // every OU path, sorted
}

// Account returns the account with the given ID.
func (o *Organization) Account(id string) (OrgAccount, bool) {
	for _, a := range o.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return OrgAccount{}, false
}

// Principal types, as Identity Center names them.
const (
	PrincipalGroup = "GROUP"
	PrincipalUser  = "USER"
)

// User is an Identity Store user.
type User struct {
	UserName    string
	DisplayName string
	GivenName   string
	FamilyName  string
	Email       string
	ID          string // live only: the Identity Store user ID
}

// Group is an Identity Store group with its members' user names, sorted.
type Group struct {
	DisplayName string
	Description string
	Members     []string
	ID          string // live only
}

// PolicyRef is a customer-managed policy reference (name and path).
type PolicyRef struct {
	Name string
	Path string // always set; "/" by default
}

// Boundary is a permissions boundary: one of ManagedPolicyARN or CustomerManaged.
type Boundary struct {
	ManagedPolicyARN string
	CustomerManaged  *PolicyRef
}

// PermissionSet is an Identity Center permission set with all its attributes.
// Lists are sorted so that two equal sets compare equal.
type PermissionSet struct {
	Name                    string
	Description             string
	SessionDuration         string // ISO 8601, e.g. "PT8H"; always set ("PT1H" by default)
	RelayState              string
	ManagedPolicies         []string
	CustomerManagedPolicies []PolicyRef
	PermissionsBoundary     *Boundary
	InlinePolicy            string // canonical JSON, "" when none
	Tags                    map[string]string

	ARN string // live only
	// OutdatedAccounts lists, live only, the accounts where the permission set
	// is provisioned but not at its latest version.
	OutdatedAccounts []string
	// Managed is live only: the set carries gatehouse's ownership marker.
	Managed bool
}

// Assignment gives a principal a permission set in an account.
type Assignment struct {
	AccountID     string
	PermissionSet string // name
	PrincipalType string // PrincipalGroup or PrincipalUser
	PrincipalName string // group display name or user name
}

// Role is an IAM role in one account.
type Role struct {
	AccountID          string
	Name               string
	Path               string // "/" by default
	Description        string
	TrustPolicy        string // canonical JSON
	ManagedPolicies    []string
	InlinePolicies     map[string]string // policy name -> canonical JSON
	MaxSessionDuration int               // seconds, 3600..43200
	Tags               map[string]string
	Managed            bool // live only: carries gatehouse's ownership tag
	// PermissionsBoundary is the ARN of the role's permissions boundary
	// policy, "" when none (a hop role carries its permission set's).
	PermissionsBoundary string
	// Adopt is desired only: take over a same-named role not made by
	// gatehouse (the model's adopt: true) instead of reporting it.
	Adopt bool
}

// SAMLProvider is an IAM SAML identity provider in one account (the SAML
// path of an external account, see docs/cross-account.md).
type SAMLProvider struct {
	AccountID        string
	Name             string
	MetadataDocument string // the identity provider's SAML metadata XML
	Tags             map[string]string
	ARN              string // live only
	Managed          bool   // live only: carries gatehouse's ownership tag
}

// State is one side of a comparison. Maps are keyed by name; Roles by
// "accountID/name".
type State struct {
	Users          map[string]User
	Groups         map[string]Group
	PermissionSets map[string]PermissionSet
	Assignments    []Assignment // sorted, no duplicates
	Roles          map[string]Role
	// SAMLProviders is keyed by "accountID/name" (SAMLProviderKey).
	SAMLProviders map[string]SAMLProvider
}

// RoleKey is the key of a role in State.Roles.
func RoleKey(accountID, name string) string { return accountID + "/" + name }

// SAMLProviderKey is the key of a SAML provider in State.SAMLProviders.
func SAMLProviderKey(accountID, name string) string { return accountID + "/" + name }

// New returns an empty State with its maps made.
func New() *State {
	return &State{
		Users:          map[string]User{},
		Groups:         map[string]Group{},
		PermissionSets: map[string]PermissionSet{},
		Roles:          map[string]Role{},
		SAMLProviders:  map[string]SAMLProvider{},
	}
}
