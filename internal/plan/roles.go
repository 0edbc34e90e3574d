package plan

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// This file plans the IAM side of the model: roles in every account (the
// model's roles:, the roles of external accounts' hop permission sets, the
// SAML roles) and SAML providers. See docs/cross-account.md.

// SAMLProviderAddress is the address of an IAM SAML provider in an account.
func SAMLProviderAddress(accountID, name string) Address {
	return Address("saml_provider/" + accountID + "/" + name)
}

// Conflict is an object the model names that exists in AWS but that
// gatehouse did not create. gatehouse neither changes nor takes it over (a
// role can be adopted with adopt: true), so AWS cannot match the model until
// someone resolves it.
type Conflict struct {
	Address Address `json:"address"`
	Kind    Kind    `json:"kind"`
	Message string  `json:"message"`
	Hint    string  `json:"hint"`
}

// IAMScope records which accounts' IAM roles and SAML providers the plan
// read and how gatehouse reaches them, so that applying a saved plan reads
// the same and can tell whether anything moved.
type IAMScope struct {
	// ProvisioningRole is the role assumed in member accounts.
	ProvisioningRole string `json:"provisioning_role"`
	// Accounts are the accounts read, sorted by ID.
	Accounts []IAMAccount `json:"accounts"`
	// Unreachable lists accounts the model wants nothing in that could not
	// be read: roles gatehouse left there, if any, are not planned.
	Unreachable []IAMAccount `json:"unreachable,omitempty"`
	// SAMLMappings are the attribute-mapping values to paste into the
	// Identity Center SAML applications of external accounts (no API does
	// it); apply prints them.
	SAMLMappings []SAMLMapping `json:"saml_mappings,omitempty"`
}

// IAMAccount is one account of an IAMScope.
type IAMAccount struct {
	ID           string `json:"id"`
	Name         string `json:"name,omitempty"`
	External     bool   `json:"external,omitempty"`
	AdminRole    string `json:"admin_role,omitempty"`
	AdminProfile string `json:"admin_profile,omitempty"`
	// Roles are the role names the model wants in the account: they are
	// read whoever made them, to report a hand-made namesake.
	Roles []string `json:"roles,omitempty"`
	// Reason says why an unreachable account could not be read.
	Reason string `json:"reason,omitempty"`
}

// SAMLMapping is the value of the https://aws.amazon.com/SAML/Attributes/Role
// attribute mapping of one external account's SAML application.
type SAMLMapping struct {
	Account string `json:"account"`
	Value   string `json:"value"`
}

const (
	reasonNoLongerInModel = "created by gatehouse, no longer in the model"
	reasonAdopt           = "adopt: true: gatehouse takes over a role it did not create"
	reasonPath            = "IAM cannot change a role's path: deleted and created again"
	conflictRoleHint      = "gatehouse never takes over a role made by hand: set adopt: true on the role in the model to take it over, rename the role in the model, or delete the hand-made one"
	conflictSAMLHint      = "gatehouse never takes over a SAML provider made by hand: set saml.provider to another name in the model, or delete the hand-made one"
)

func (c *computer) conflict(addr Address, kind Kind, what, name, accountID, hint string) {
	c.conflicts = append(c.conflicts, Conflict{
		Address: addr, Kind: kind, Hint: hint,
		Message: fmt.Sprintf("%s %s in account %s exists and was not created by gatehouse (it has no %s=%s tag): left untouched",
			what, name, accountID, state.ManagedTagKey, state.ManagedTagValue),
	})
}

// roles plans the IAM roles. gatehouse manages the roles desired names and
// the live roles that carry its ownership tag: a managed role that desired
// no longer names is deleted. A live role of a desired name without the tag
// is a Conflict, unless desired adopts it. A change of path is a replace.
// Live trust policies whose principal became a bare unique ID are flagged
// with a note on the change that repairs them.
func (c *computer) roles() {
	for _, key := range sortedKeys(c.desired.Roles) {
		want := c.desired.Roles[key]
		addr := RoleAddress(want.AccountID, want.Name)
		have, ok := c.live.Roles[key]
		if !ok {
			c.add(Change{Address: addr, Kind: KindRole, Action: Create, Role: &Diff[state.Role]{After: object(want)}})
			continue
		}
		if !have.Managed && !want.Adopt {
			c.conflict(addr, KindRole, "role", have.Name, have.AccountID, conflictRoleHint)
			continue
		}
		notes := brokenTrustNotes(have.TrustPolicy)
		after := object(want)
		if have.Path != want.Path {
			c.add(Change{Address: addr, Kind: KindRole, Action: Replace, Reason: reasonPath, Notes: notes,
				Fields: []Field{{Name: "path", Before: have.Path, After: want.Path}},
				Role:   &Diff[state.Role]{Before: object(have), After: after}})
			continue
		}
		fields := roleFields(have, want)
		if len(fields) == 0 {
			continue
		}
		ch := Change{Address: addr, Kind: KindRole, Action: Update, Fields: fields, Notes: notes,
			Role: &Diff[state.Role]{Before: object(have), After: after}}
		if !have.Managed {
			ch.Reason = reasonAdopt
		}
		c.add(ch)
	}
	for _, key := range sortedKeys(c.live.Roles) {
		if _, ok := c.desired.Roles[key]; ok {
			continue
		}
		have := c.live.Roles[key]
		if !have.Managed {
			continue // read because the model names it: not gatehouse's to remove
		}
		c.add(Change{Address: RoleAddress(have.AccountID, have.Name), Kind: KindRole, Action: Delete,
			Reason: reasonNoLongerInModel, Role: &Diff[state.Role]{Before: object(have)}})
	}
}

// brokenTrustNotes describes the principals of a live trust policy that
// have become bare unique IDs, each with its fix.
func brokenTrustNotes(doc string) []string {
	broken, err := trust.FindBroken(doc)
	if err != nil {
		return nil // a live document gatehouse cannot read is replaced by the update anyway
	}
	var notes []string
	for _, b := range broken {
		notes = append(notes, "broken trust: "+b.Message()+"; fix: "+b.Fix())
	}
	return notes
}

func roleFields(have, want state.Role) []Field {
	var fs []Field
	add := func(name, before, after string) {
		if before != after {
			fs = append(fs, Field{Name: name, Before: before, After: after})
		}
	}
	addList := func(name string, before, after []string) {
		if b, a := joinList(before), joinList(after); b != a {
			fs = append(fs, Field{Name: name, Before: b, After: a, Added: minus(after, before), Removed: minus(before, after)})
		}
	}
	add("description", have.Description, want.Description)
	if !policy.Equal(have.TrustPolicy, want.TrustPolicy) {
		fs = append(fs, Field{Name: "trust_policy", Before: have.TrustPolicy, After: want.TrustPolicy})
	}
	add("max_session_duration", strconv.Itoa(have.MaxSessionDuration), strconv.Itoa(want.MaxSessionDuration))
	add("permissions_boundary", have.PermissionsBoundary, want.PermissionsBoundary)
	addList("managed_policies", have.ManagedPolicies, want.ManagedPolicies)
	names := slices.Sorted(maps.Keys(have.InlinePolicies))
	names = append(names, slices.Sorted(maps.Keys(want.InlinePolicies))...)
	slices.Sort(names)
	for _, n := range slices.Compact(names) {
		if b, a := have.InlinePolicies[n], want.InlinePolicies[n]; !policy.Equal(b, a) {
			fs = append(fs, Field{Name: InlinePolicyField(n), Before: b, After: a})
		}
	}
	addList("tags", tagList(have.Tags), tagList(want.Tags))
	return fs
}

// InlinePolicyField is the Field name of a role's inline policy called name.
func InlinePolicyField(name string) string { return "inline_policy/" + name }

func joinList(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// samlProviders plans the IAM SAML providers, with the same ownership rule
// as roles; metadata documents are compared by what they say to IAM.
func (c *computer) samlProviders() {
	for _, key := range sortedKeys(c.desired.SAMLProviders) {
		want := c.desired.SAMLProviders[key]
		addr := SAMLProviderAddress(want.AccountID, want.Name)
		have, ok := c.live.SAMLProviders[key]
		if !ok {
			c.add(Change{Address: addr, Kind: KindSAMLProvider, Action: Create, SAMLProvider: &Diff[state.SAMLProvider]{After: object(want)}})
			continue
		}
		if !have.Managed {
			c.conflict(addr, KindSAMLProvider, "SAML provider", have.Name, have.AccountID, conflictSAMLHint)
			continue
		}
		var fields []Field
		if !trust.SameMetadata(have.MetadataDocument, want.MetadataDocument) {
			fields = append(fields, Field{Name: "metadata_document", Before: describeMetadata(have.MetadataDocument), After: describeMetadata(want.MetadataDocument)})
		}
		var missing []string
		for _, k := range sortedKeys(want.Tags) {
			if v, ok := have.Tags[k]; !ok || v != want.Tags[k] {
				missing = append(missing, k+"="+want.Tags[k])
			}
		}
		if len(missing) > 0 {
			fields = append(fields, Field{Name: "tags", Before: joinList(tagList(have.Tags)), After: joinList(tagList(want.Tags)), Added: missing})
		}
		if len(fields) == 0 {
			continue
		}
		after := object(want)
		after.ARN = have.ARN
		c.add(Change{Address: addr, Kind: KindSAMLProvider, Action: Update, Fields: fields,
			SAMLProvider: &Diff[state.SAMLProvider]{Before: object(have), After: after}})
	}
	for _, key := range sortedKeys(c.live.SAMLProviders) {
		if _, ok := c.desired.SAMLProviders[key]; ok {
			continue
		}
		have := c.live.SAMLProviders[key]
		if !have.Managed {
			continue // an identity provider of someone else's: not gatehouse's
		}
		c.add(Change{Address: SAMLProviderAddress(have.AccountID, have.Name), Kind: KindSAMLProvider, Action: Delete,
			Reason: reasonNoLongerInModel, SAMLProvider: &Diff[state.SAMLProvider]{Before: object(have)}})
	}
}

// describeMetadata says in one line what a SAML metadata document says to
// IAM, for the plan: documents are long, and only these parts matter.
func describeMetadata(doc string) string {
	md, err := trust.ParseMetadata([]byte(doc))
	if err != nil {
		return fmt.Sprintf("a document of %d bytes that is not valid SAML metadata", len(doc))
	}
	var fps []string
	for _, c := range md.Certificates {
		fps = append(fps, c.SHA256[:16])
	}
	return fmt.Sprintf("entity %s, sign-in %s, certificates %s", md.EntityID, md.SSOURL, joinList(fps))
}
