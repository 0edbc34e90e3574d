package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Validate checks a decoded model for semantic problems: dangling
// references, duplicates, names, ARNs and values outside what AWS accepts,
// inline policies that are not valid IAM policies or exceed AWS's limits.
// It reports every problem it finds, sorted by position, each pointing at
// the value at fault (see Model.Positions) with a hint on how to fix it.
// It is pure: it reads nothing but m.
func Validate(m *Model) Problems {
	if m == nil {
		return nil
	}
	v := newValidator(m)
	v.checkIdentityCenter()
	v.checkAccounts()
	v.checkUsers()
	v.checkGroups()
	v.checkPermissionSets()
	v.checkAssignments()
	v.checkRoles()
	return v.probs.Sort()
}

type validator struct {
	m     *Model
	probs Problems

	accounts       map[string]Account
	roles          map[string]Role
	users          map[string]bool
	groups         map[string]bool
	permissionSets map[string]bool
	// names of each kind in file order, for "did you mean" hints
	accountNames, userNames, groupNames, permissionSetNames, roleNames []string
}

func newValidator(m *Model) *validator {
	v := &validator{
		m:              m,
		accounts:       map[string]Account{},
		roles:          map[string]Role{},
		users:          map[string]bool{},
		groups:         map[string]bool{},
		permissionSets: map[string]bool{},
	}
	for _, a := range m.Accounts {
		v.accounts[a.Name] = a
		v.accountNames = append(v.accountNames, a.Name)
	}
	for _, u := range m.Users {
		v.users[u.Name] = true
		v.userNames = append(v.userNames, u.Name)
	}
	for _, g := range m.Groups {
		v.groups[g.Name] = true
		v.groupNames = append(v.groupNames, g.Name)
	}
	for _, p := range m.PermissionSets {
		v.permissionSets[p.Name] = true
		v.permissionSetNames = append(v.permissionSetNames, p.Name)
	}
	for _, r := range m.Roles {
		v.roles[r.Name] = r
		v.roleNames = append(v.roleNames, r.Name)
	}
	return v
}

// add reports a problem at the value written at path.
func (v *validator) add(path, hint, format string, args ...any) {
	v.probs = append(v.probs, Problem{Pos: v.m.At(path), Message: fmt.Sprintf(format, args...), Hint: hint})
}

// ref reports name as unknown when it is not in known, with the closest
// known name as the hint. It returns whether name is known.
func (v *validator) ref(path, kind, section, name string, known []string, ok bool) bool {
	if ok {
		return true
	}
	v.add(path, unknownHint(name, kind, section, known), "unknown %s %q", kind, name)
	return false
}

// unknownHint suggests the closest known name, else lists what is defined.
func unknownHint(name, kind, section string, known []string) string {
	if s := didYouMean(name, known); s != "" {
		return "did you mean " + s + "?"
	}
	if len(known) == 0 {
		return fmt.Sprintf("no %s is defined: add it under %s:", kind, section)
	}
	list := known
	if len(list) > 8 {
		list = append(append([]string{}, list[:8]...), "…")
	}
	return fmt.Sprintf("define it under %s:, or use one of %s", section, strings.Join(list, ", "))
}

// tooLong reports a text value longer than max characters.
func (v *validator) tooLong(path, what, s string, max int) bool {
	if n := utf8.RuneCountInString(s); n > max {
		v.add(path, fmt.Sprintf("shorten it to %d characters", max), "%s is %d characters long; AWS allows %d", what, n, max)
		return true
	}
	return false
}

func (v *validator) tags(path, owner string, tags map[string]string) {
	if len(tags) > maxTags {
		v.add(path, fmt.Sprintf("keep at most %d tags", maxTags), "%s has %d tags; AWS allows %d", owner, len(tags), maxTags)
	}
	for _, k := range sortedKeys(tags) {
		if strings.HasPrefix(k, reservedTagPrefix) {
			v.add(path+"."+k, "remove it: gatehouse sets its own gatehouse: tags to mark what it manages", "tag %q of %s is reserved for gatehouse", k, owner)
			continue
		}
		if p := tagProblem(k, tags[k]); p != "" {
			v.add(path+"."+k, "tag keys are 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @", "tag %q of %s: %s", k, owner, p)
		}
	}
}

func (v *validator) checkIdentityCenter() {
	ic := v.m.IdentityCenter
	const p = "identity_center"
	if ic.Region != "" && !regionRe.MatchString(ic.Region) {
		v.add(p+".region", "write a region code such as us-east-1 or eu-west-1", "region %q is not an AWS region code", ic.Region)
	}
	if ic.StartURL != "" && !httpsURL(ic.StartURL) {
		v.add(p+".start_url", "write the AWS access portal URL shown in the Identity Center console, such as https://d-1234567890.awsapps.com/start", "start_url %q is not an https URL", ic.StartURL)
	}
	if ic.HubAccount != "" {
		a, ok := v.accounts[ic.HubAccount]
		if v.ref(p+".hub_account", "account", "accounts", ic.HubAccount, v.accountNames, ok) && a.External {
			v.add(p+".hub_account", "name a member account of your organization, usually the one Identity Center lives in", "hub_account %s is an external account; hop permission sets can only be assigned in the organization", ic.HubAccount)
		}
	}
	if r := ic.ProvisioningRole; r != "" && (!iamNamePattern.MatchString(r) || len(r) > maxRoleName) {
		v.add(p+".provisioning_role", "write a role name of 1-64 characters of letters, digits and + = , . @ _ -, such as OrganizationAccountAccessRole", "provisioning_role %q is not an IAM role name", r)
	}
	if ic.InstanceARN != "" && !instanceARNRe.MatchString(ic.InstanceARN) {
		v.add(p+".instance_arn", "write an ARN such as arn:aws:sso:::instance/ssoins-1234567890abcdef, or leave it out to discover it", "instance_arn %q is not an Identity Center instance ARN", ic.InstanceARN)
	}
	if ic.IdentityStoreID != "" && !identityStoreRe.MatchString(ic.IdentityStoreID) {
		v.add(p+".identity_store_id", "write an ID such as d-1234567890, or leave it out to discover it", "identity_store_id %q is not an Identity Store ID", ic.IdentityStoreID)
	}
}

func (v *validator) checkAccounts() {
	firstByID := map[string]string{}
	for _, a := range v.m.Accounts {
		p := "accounts." + a.Name
		if !accountNameRe.MatchString(a.Name) {
			v.add(p, "use letters, digits and . _ + -: account names become profile names and Name@account references", "account name %q has characters other than letters, digits and . _ + -", a.Name)
		}
		if isAccountID(a.ID) {
			if first, dup := firstByID[a.ID]; dup {
				v.add(p+".id", "each AWS account is listed once; keep one name for it", "account ID %s is used by both %s and %s", a.ID, first, a.Name)
			} else {
				firstByID[a.ID] = a.Name
			}
		}
		if a.OU != "" {
			if prob := ouPathProblem(a.OU); prob != "" {
				v.add(p+".ou", "write the OU path from the root, such as Workloads/Prod", "ou %q %s", a.OU, prob)
			}
		}
		v.tags(p+".tags", "account "+a.Name, a.Tags)
		if a.External {
			v.externalAccount(a, p)
		} else {
			v.memberAccount(a, p)
		}
	}
}

func (v *validator) externalAccount(a Account, p string) {
	switch {
	case a.AdminRole == "" && a.AdminProfile == "":
		v.add(p, fmt.Sprintf("add admin_role: arn:aws:iam::%s:role/NAME, a role in it that trusts your hub account, or admin_profile: an AWS profile that reaches it", idOr(a.ID)),
			"external account %s has no admin_role or admin_profile: gatehouse cannot reach it", a.Name)
	case a.AdminRole != "" && a.AdminProfile != "":
		v.add(p+".admin_profile", "keep one of them", "external account %s has both admin_role and admin_profile", a.Name)
	}
	if a.AdminRole != "" {
		if r, ok := parseRoleARN(a.AdminRole); !ok {
			v.add(p+".admin_role", fmt.Sprintf("write a role ARN such as arn:aws:iam::%s:role/AcmeProvisioner", idOr(a.ID)), "admin_role %q is not an IAM role ARN", a.AdminRole)
		} else if isAccountID(a.ID) && r.Account != a.ID {
			v.add(p+".admin_role", "use the role in this account that gatehouse should assume", "admin_role is a role in account %s, not in %s (%s)", r.Account, a.Name, a.ID)
		}
	}
	if a.OU != "" {
		v.add(p+".ou", "remove ou: an account of another organization has no OU in yours", "external account %s cannot have an ou", a.Name)
	}
	if a.SAML != nil {
		v.saml(a, p+".saml")
	}
}

func (v *validator) memberAccount(a Account, p string) {
	const hint = "remove it: gatehouse reaches member accounts through identity_center.provisioning_role; it is for accounts with external: true"
	if a.AdminRole != "" {
		v.add(p+".admin_role", hint, "member account %s cannot have admin_role", a.Name)
	}
	if a.AdminProfile != "" {
		v.add(p+".admin_profile", hint, "member account %s cannot have admin_profile", a.Name)
	}
	if a.SAML != nil {
		v.add(p+".saml", "remove it: member accounts are reached through permission sets; saml is for accounts with external: true", "member account %s cannot have saml", a.Name)
	}
}

func (v *validator) saml(a Account, p string) {
	s := a.SAML
	if s.Metadata == "" {
		v.add(p, "add metadata: FILE, the SAML metadata downloaded from the Identity Center application \"External AWS Account\"", "saml of account %s has no metadata", a.Name)
	}
	if s.Role != "" && (!iamNamePattern.MatchString(s.Role) || len(s.Role) > maxRoleName) {
		v.add(p+".role", "use 1-64 characters of letters, digits and + = , . @ _ -", "saml role %q is not an IAM role name", s.Role)
	}
	if s.Provider != "" && (!samlProviderRe.MatchString(s.Provider) || len(s.Provider) > maxSAMLProviderName) {
		v.add(p+".provider", "use 1-128 characters of letters, digits and . _ -", "saml provider %q is not an IAM SAML provider name", s.Provider)
	}
	if len(s.Policies) > 0 && s.PermissionSet != "" {
		v.add(p+".permission_set", "keep one of them: the role carries either the listed policies or the permission set's", "saml of account %s has both policies and permission_set", a.Name)
	}
	if s.PermissionSet != "" {
		v.ref(p+".permission_set", "permission set", "permission_sets", s.PermissionSet, v.permissionSetNames, v.permissionSets[s.PermissionSet])
	}
	v.rolePolicies(p+".policies", "saml role of account "+a.Name, s.Policies, []string{a.ID})
}

func idOr(id string) string {
	if isAccountID(id) {
		return id
	}
	return "123456789012"
}

func (v *validator) checkUsers() {
	internal := v.m.IdentityCenter.IdentitySource != IdentitySourceExternal
	for _, u := range v.m.Users {
		p := "users." + u.Name
		if !userNameRe.MatchString(u.Name) || utf8.RuneCountInString(u.Name) > maxUserName {
			v.add(p, "use 1-128 characters without spaces, such as alice or alice@example.com", "user name %q is not an Identity Store user name", u.Name)
		}
		if internal {
			var missing []string
			for _, f := range []struct{ key, val string }{{"email", u.Email}, {"given_name", u.GivenName}, {"family_name", u.FamilyName}} {
				if strings.TrimSpace(f.val) == "" {
					missing = append(missing, f.key)
				}
			}
			if len(missing) > 0 {
				v.add(p, "with identity_source: internal, Identity Center needs email, given_name and family_name to create a user", "user %s has no %s", u.Name, strings.Join(missing, ", "))
			}
		}
		if u.Email != "" && !emailRe.MatchString(u.Email) {
			v.add(p+".email", "write an address such as alice@example.com", "email %q of user %s is not an email address", u.Email, u.Name)
		}
		for _, f := range []struct{ key, val string }{{"given_name", u.GivenName}, {"family_name", u.FamilyName}, {"display_name", u.DisplayName}} {
			v.tooLong(p+"."+f.key, f.key+" of user "+u.Name, f.val, maxIdentityStoreText)
		}
	}
}

func (v *validator) checkGroups() {
	external := v.m.IdentityCenter.IdentitySource == IdentitySourceExternal
	for _, g := range v.m.Groups {
		p := "groups." + g.Name
		v.tooLong(p, "group name "+g.Name, g.Name, maxIdentityStoreText)
		v.tooLong(p+".description", "description of group "+g.Name, g.Description, maxIdentityStoreText)
		if external && len(g.Members) > 0 {
			v.add(p+".members", "remove members: with identity_source: external your identity provider manages group membership", "group %s lists members, but its members come from the identity provider", g.Name)
			continue
		}
		seen := map[string]int{}
		for i, name := range g.Members {
			mp := fmt.Sprintf("%s.members[%d]", p, i)
			if first, dup := seen[name]; dup {
				v.add(mp, "remove the second one", "user %s is listed twice in group %s (first as member %d)", name, g.Name, first+1)
				continue
			}
			seen[name] = i
			v.ref(mp, "user", "users", name, v.userNames, v.users[name])
		}
	}
}
