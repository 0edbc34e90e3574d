package model

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// The keys of each part of the format. They are the public interface
// documented in docs/access-model.md.
var (
	topKeys            = []string{"version", "identity_center", "accounts", "users", "groups", "permission_sets", "assignments", "roles"}
	identityCenterKeys = []string{"region", "identity_source", "start_url", "hub_account", "provisioning_role", "instance_arn", "identity_store_id"}
	accountKeys        = []string{"id", "external", "ou", "tags", "admin_role", "admin_profile", "saml"}
	samlKeys           = []string{"metadata", "provider", "role", "policies", "permission_set"}
	userKeys           = []string{"email", "given_name", "family_name", "display_name"}
	groupKeys          = []string{"description", "members"}
	permissionSetKeys  = []string{"description", "session_duration", "relay_state", "managed_policies", "customer_managed_policies", "permissions_boundary", "inline_policy", "tags"}
	policyRefKeys      = []string{"name", "path"}
	boundaryKeys       = []string{"managed_policy", "customer_managed_policy"}
	assignmentKeys     = []string{"groups", "users", "permission_sets", "accounts"}
	selectorKeys       = []string{"all", "names", "ou", "tags", "exclude"}
	roleKeys           = []string{"description", "path", "accounts", "trust", "can_assume", "managed_policies", "inline_policy", "permissions_boundary", "max_session", "conditions", "tags", "adopt"}
	trustKeys          = []string{"account", "principal", "role", "permission_set", "tighten", "external_id", "mfa", "principal_org_id"}
	conditionKeys      = []string{"external_id", "mfa", "principal_org_id"}
)

func (d *decoder) decodeModel(body ast.Node, m *Model) {
	sawVersion := false
	ok := d.fields(body, "the model", topKeys, func(key string, keyN, v ast.Node) {
		switch key {
		case "version":
			sawVersion = true
			vn := d.resolve(v)
			iv, isInt := vn.(*ast.IntegerNode)
			if !isInt || iv.Token.Value != "1" {
				d.errorf(v, "this gatehouse reads format version 1; write `version: 1`", "unsupported version %s", d.str(v, "version"))
				return
			}
			m.Version = 1
		case "identity_center":
			d.decodeIdentityCenter(v, &m.IdentityCenter)
			m.IdentityCenter.Pos = d.pos(keyN)
		case "accounts":
			d.named(v, "accounts", func(name string, kn, b ast.Node) { m.Accounts = append(m.Accounts, d.decodeAccount(name, kn, b)) })
		case "users":
			d.named(v, "users", func(name string, kn, b ast.Node) { m.Users = append(m.Users, d.decodeUser(name, kn, b)) })
		case "groups":
			d.named(v, "groups", func(name string, kn, b ast.Node) { m.Groups = append(m.Groups, d.decodeGroup(name, kn, b)) })
		case "permission_sets":
			d.named(v, "permission_sets", func(name string, kn, b ast.Node) {
				m.PermissionSets = append(m.PermissionSets, d.decodePermissionSet(name, kn, b))
			})
		case "assignments":
			d.decodeAssignments(v, m)
		case "roles":
			d.named(v, "roles", func(name string, kn, b ast.Node) { m.Roles = append(m.Roles, d.decodeRole(name, kn, b)) })
		}
	})
	if ok && !sawVersion {
		d.probs = append(d.probs, Problem{Pos: Pos{File: d.file, Line: 1, Col: 1}, Message: "missing `version`", Hint: "add `version: 1` at the top"})
	}
}

func (d *decoder) decodeIdentityCenter(n ast.Node, ic *IdentityCenter) {
	d.fields(n, "identity_center", identityCenterKeys, func(key string, _, v ast.Node) {
		s := d.str(v, "identity_center."+key)
		switch key {
		case "region":
			ic.Region = s
		case "identity_source":
			if s != IdentitySourceInternal && s != IdentitySourceExternal {
				d.errorf(v, "use internal (gatehouse manages users and groups) or external (an IdP provisions them through SCIM)", "identity_source %q is not internal or external", s)
			}
			ic.IdentitySource = s
		case "start_url":
			ic.StartURL = s
		case "hub_account":
			ic.HubAccount = s
		case "provisioning_role":
			ic.ProvisioningRole = s
		case "instance_arn":
			ic.InstanceARN = s
		case "identity_store_id":
			ic.IdentityStoreID = s
		}
	})
}

func (d *decoder) decodeAccount(name string, keyN, n ast.Node) Account {
	a := Account{Name: name, Pos: d.pos(keyN)}
	sawID := false
	d.fields(n, "account "+name, accountKeys, func(key string, _, v ast.Node) {
		switch key {
		case "id":
			sawID = true
			a.ID = d.accountID(v, "account "+name+" id")
		case "external":
			a.External = d.boolean(v, "external")
		case "ou":
			a.OU = d.str(v, "ou")
		case "tags":
			a.Tags = d.strMap(v, "tags")
		case "admin_role":
			a.AdminRole = d.str(v, "admin_role")
		case "admin_profile":
			a.AdminProfile = d.str(v, "admin_profile")
		case "saml":
			s := &SAMLAccess{Pos: d.pos(v)}
			d.fields(v, "saml of account "+name, samlKeys, func(key string, _, v ast.Node) {
				switch key {
				case "metadata":
					s.Metadata = d.str(v, "saml.metadata")
				case "provider":
					s.Provider = d.str(v, "saml.provider")
				case "role":
					s.Role = d.str(v, "saml.role")
				case "policies":
					s.Policies, _ = d.strList(v, "saml.policies")
				case "permission_set":
					s.PermissionSet = d.str(v, "saml.permission_set")
				}
			})
			a.SAML = s
		}
	})
	if !sawID {
		d.errorf(keyN, `add id: "123456789012"`, "account %s has no id", name)
	}
	return a
}

func (d *decoder) decodeUser(name string, keyN, n ast.Node) User {
	u := User{Name: name, Pos: d.pos(keyN)}
	d.fields(n, "user "+name, userKeys, func(key string, _, v ast.Node) {
		s := d.str(v, key)
		switch key {
		case "email":
			u.Email = s
		case "given_name":
			u.GivenName = s
		case "family_name":
			u.FamilyName = s
		case "display_name":
			u.DisplayName = s
		}
	})
	return u
}

func (d *decoder) decodeGroup(name string, keyN, n ast.Node) Group {
	g := Group{Name: name, Pos: d.pos(keyN)}
	d.fields(n, "group "+name, groupKeys, func(key string, _, v ast.Node) {
		switch key {
		case "description":
			g.Description = d.str(v, "description")
		case "members":
			g.Members, g.MemberPos = d.strList(v, "members")
		}
	})
	return g
}

func (d *decoder) decodePermissionSet(name string, keyN, n ast.Node) PermissionSet {
	p := PermissionSet{Name: name, Pos: d.pos(keyN)}
	d.fields(n, "permission set "+name, permissionSetKeys, func(key string, _, v ast.Node) {
		switch key {
		case "description":
			p.Description = d.str(v, "description")
		case "session_duration":
			p.SessionDuration = d.duration(v, "session_duration")
		case "relay_state":
			p.RelayState = d.str(v, "relay_state")
		case "managed_policies":
			p.ManagedPolicies, _ = d.strList(v, "managed_policies")
		case "customer_managed_policies":
			p.CustomerManagedPolicies = d.policyRefs(v, "customer_managed_policies")
		case "permissions_boundary":
			p.PermissionsBoundary = d.boundary(v)
		case "inline_policy":
			p.InlinePolicy = d.policyJSON(v, "inline_policy")
		case "tags":
			p.Tags = d.strMap(v, "tags")
		}
	})
	return p
}

// policyRefs reads customer-managed policy references: a name, "path/name",
// or {name, path}.
func (d *decoder) policyRefs(n ast.Node, what string) []PolicyRef {
	n = d.resolve(n)
	if isNull(n) {
		return nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "write a list of policy names or {name, path}", "%s must be a list, not %s", what, describe(n))
		return nil
	}
	var out []PolicyRef
	for _, item := range seq.Values {
		if r, ok := d.policyRef(item, what); ok {
			out = append(out, r)
		}
	}
	return out
}

func (d *decoder) policyRef(n ast.Node, what string) (PolicyRef, bool) {
	n = d.resolve(n)
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		var r PolicyRef
		d.fields(n, what+" entry", policyRefKeys, func(key string, _, v ast.Node) {
			if key == "name" {
				r.Name = d.str(v, "name")
			} else {
				r.Path = d.str(v, "path")
			}
		})
		if r.Name == "" {
			d.errorf(n, "add name: PolicyName", "%s entry has no name", what)
			return r, false
		}
		return r, true
	default:
		s := d.str(n, what+" entry")
		if s == "" {
			return PolicyRef{}, false
		}
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			return PolicyRef{Path: s[:i+1], Name: s[i+1:]}, true
		}
		return PolicyRef{Name: s}, true
	}
}

func (d *decoder) boundary(n ast.Node) *Boundary {
	b := &Boundary{}
	d.fields(n, "permissions_boundary", boundaryKeys, func(key string, _, v ast.Node) {
		if key == "managed_policy" {
			b.ManagedPolicyARN = d.str(v, "managed_policy")
		} else if r, ok := d.policyRef(v, "customer_managed_policy"); ok {
			b.CustomerManaged = &r
		}
	})
	if b.ManagedPolicyARN != "" && b.CustomerManaged != nil {
		d.errorf(n, "keep one of them", "permissions_boundary has both managed_policy and customer_managed_policy")
	}
	if b.ManagedPolicyARN == "" && b.CustomerManaged == nil {
		d.errorf(n, "add managed_policy: ARN or customer_managed_policy: {name, path}", "permissions_boundary names no policy")
		return nil
	}
	return b
}

func (d *decoder) decodeAssignments(n ast.Node, m *Model) {
	n = d.resolve(n)
	if isNull(n) {
		return
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "write assignments as a list: - groups: [...]", "assignments must be a list, not %s", describe(n))
		return
	}
	for _, item := range seq.Values {
		a := Assignment{Pos: d.pos(item)}
		sawAccounts := false
		d.fields(item, "assignment", assignmentKeys, func(key string, _, v ast.Node) {
			switch key {
			case "groups":
				a.Groups, _ = d.strList(v, "groups")
			case "users":
				a.Users, _ = d.strList(v, "users")
			case "permission_sets":
				a.PermissionSets, _ = d.strList(v, "permission_sets")
			case "accounts":
				sawAccounts = true
				a.Accounts = d.selector(v, "accounts")
			}
		})
		if !sawAccounts {
			d.errorf(item, "add accounts: [name], all, or {ou: ..., tags: ...}", "assignment has no accounts")
		}
		m.Assignments = append(m.Assignments, a)
	}
}

// selector reads an account selector: a list of names, `all`, or a mapping
// with all/names/ou/tags/exclude.
func (d *decoder) selector(n ast.Node, what string) AccountSelector {
	n = d.resolve(n)
	s := AccountSelector{Pos: d.pos(n)}
	switch v := n.(type) {
	case nil, *ast.NullNode:
		d.errorf(n, "add account names, all, or {ou: ..., tags: ...}", "%s is empty", what)
	case *ast.SequenceNode:
		s.Names, _ = d.strList(v, what)
	case *ast.MappingNode, *ast.MappingValueNode:
		d.fields(n, what+" selector", selectorKeys, func(key string, _, v ast.Node) {
			switch key {
			case "all":
				s.All = d.boolean(v, "all")
			case "names":
				s.Names, _ = d.strList(v, "names")
			case "ou":
				s.OUs, _ = d.strList(v, "ou")
			case "tags":
				s.Tags = d.strMap(v, "tags")
			case "exclude":
				s.Exclude, _ = d.strList(v, "exclude")
			}
		})
		if s.IsZero() {
			d.errorf(n, "add names, all: true, ou or tags", "%s selects no account", what)
		}
	default:
		str := d.str(n, what)
		if str == "all" {
			s.All = true
		} else if str != "" {
			// A single account name.
			s.Names = []string{str}
		}
	}
	return s
}

func (d *decoder) decodeRole(name string, keyN, n ast.Node) Role {
	r := Role{Name: name, Pos: d.pos(keyN)}
	sawAccounts := false
	d.fields(n, "role "+name, roleKeys, func(key string, _, v ast.Node) {
		switch key {
		case "description":
			r.Description = d.str(v, "description")
		case "path":
			r.Path = d.str(v, "path")
		case "accounts":
			sawAccounts = true
			r.Accounts = d.selector(v, "accounts")
		case "trust":
			r.Trust = d.trust(v)
		case "can_assume":
			names, pos := d.strList(v, "can_assume")
			for i, s := range names {
				r.CanAssume = append(r.CanAssume, d.roleRef(s, pos[i]))
			}
		case "managed_policies":
			r.ManagedPolicies, _ = d.strList(v, "managed_policies")
		case "inline_policy":
			r.InlinePolicy = d.policyJSON(v, "inline_policy")
		case "permissions_boundary":
			r.PermissionsBoundary = d.boundary(v)
		case "max_session":
			r.MaxSession = d.duration(v, "max_session")
		case "conditions":
			r.Conditions = d.conditions(v, conditionKeys, "conditions")
		case "tags":
			r.Tags = d.strMap(v, "tags")
		case "adopt":
			r.Adopt = d.boolean(v, "adopt")
		}
	})
	if !sawAccounts {
		d.errorf(keyN, "add accounts: [name]", "role %s has no accounts", name)
	}
	return r
}

func (d *decoder) roleRef(s string, pos Pos) RoleRef {
	role, account, ok := strings.Cut(s, "@")
	if !ok || role == "" || account == "" {
		d.probs = append(d.probs, Problem{Pos: pos, Message: "role reference " + quote(s) + " is not Name@account", Hint: "write it as RoleName@account-name"})
	}
	return RoleRef{Role: role, Account: account, Pos: pos}
}

func (d *decoder) conditions(n ast.Node, keys []string, what string) Conditions {
	var c Conditions
	d.fields(n, what, keys, func(key string, _, v ast.Node) {
		switch key {
		case "external_id":
			c.ExternalID = d.str(v, "external_id")
		case "mfa":
			c.MFA = d.boolean(v, "mfa")
		case "principal_org_id":
			c.PrincipalOrgID = d.str(v, "principal_org_id")
		}
	})
	return c
}

func (d *decoder) trust(n ast.Node) []TrustEntry {
	n = d.resolve(n)
	if isNull(n) {
		return nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "write trust as a list: - account: name", "trust must be a list, not %s", describe(n))
		return nil
	}
	var out []TrustEntry
	for _, item := range seq.Values {
		t := TrustEntry{Pos: d.pos(item)}
		d.fields(item, "trust entry", trustKeys, func(key string, _, v ast.Node) {
			switch key {
			case "account":
				vn := d.resolve(v)
				if _, isNum := vn.(*ast.IntegerNode); isNum {
					t.Account = d.accountID(v, "trusted account")
				} else if _, isFloat := vn.(*ast.FloatNode); isFloat {
					t.Account = d.accountID(v, "trusted account")
				} else {
					t.Account = d.str(v, "account")
				}
			case "principal":
				t.Principal = d.str(v, "principal")
			case "role":
				t.Role = d.str(v, "role")
			case "permission_set":
				t.PermissionSet = d.str(v, "permission_set")
			case "tighten":
				t.Tighten = d.boolean(v, "tighten")
			case "external_id":
				t.Conditions.ExternalID = d.str(v, "external_id")
			case "mfa":
				t.Conditions.MFA = d.boolean(v, "mfa")
			case "principal_org_id":
				t.Conditions.PrincipalOrgID = d.str(v, "principal_org_id")
			}
		})
		out = append(out, t)
	}
	return out
}

func quote(s string) string { return `"` + s + `"` }
