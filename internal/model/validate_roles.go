package model

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

func (v *validator) checkRoles() {
	for _, r := range v.m.Roles {
		p := "roles." + r.Name
		v.roleName(r, p)
		if !v.tooLong(p+".description", "description of role "+r.Name, r.Description, maxRoleDescription) && !descriptionRe.MatchString(r.Description) {
			v.add(p+".description", "use plain Latin-1 text", "description of role %s has characters IAM does not accept", r.Name)
		}
		v.selector(p+".accounts", r.Accounts)
		ids, complete := v.accountIDs(r.Accounts)
		if !complete {
			ids = nil
		}
		if len(r.Trust) == 0 {
			v.add(p, "add trust: [{account: NAME}], [{role: Name@account}] or [{permission_set: NAME}]", "role %s trusts no one, so no one can assume it", r.Name)
		}
		for i, t := range r.Trust {
			v.trustEntry(r, t, fmt.Sprintf("%s.trust[%d]", p, i))
		}
		v.conditions(p+".conditions", r.Conditions)
		for i, ref := range r.CanAssume {
			v.canAssume(r, ref, fmt.Sprintf("%s.can_assume[%d]", p, i))
		}
		v.rolePolicies(p+".managed_policies", "role "+r.Name, r.ManagedPolicies, ids)
		if r.InlinePolicy != "" {
			v.inlinePolicy(p+".inline_policy", "role "+r.Name, r.InlinePolicy, policy.RoleInline)
			if n := policy.Size(r.InlinePolicy); n <= policy.RoleInlineLimit {
				if total := n + v.canAssumeFloor(r); total > policy.RoleInlineLimit {
					v.add(p+".inline_policy", "move statements to managed policies: IAM counts all inline policies of a role together",
						"inline_policy and the can_assume policy of role %s add up to at least %d characters; IAM allows %d", r.Name, total, policy.RoleInlineLimit)
				}
			}
		}
		v.boundary(p+".permissions_boundary", r.PermissionsBoundary)
		v.session(p+".max_session", "max_session of role "+r.Name, "IAM role sessions last from 1h to 12h", r.MaxSession)
		if n := v.trustFloor(r); n > policy.TrustPolicyLimit {
			v.add(p+".trust", fmt.Sprintf("trust fewer entries, or split the role; the quota \"Role trust policy length\" is adjustable up to %d in Service Quotas, and gatehouse checks against the default", policy.TrustPolicyMaxLimit),
				"the trust policy of role %s needs at least %d characters; IAM's default quota is %d", r.Name, n, policy.TrustPolicyLimit)
		}
		v.tags(p+".tags", "role "+r.Name, r.Tags)
	}
}

func (v *validator) roleName(r Role, p string) {
	v.iamName(p, "role", r.Name, maxRoleName)
	for _, prefix := range reservedRoleName {
		if strings.HasPrefix(r.Name, prefix) {
			v.add(p, "choose another name: AWS creates and protects these roles itself", "role name %s starts with %s, which AWS reserves", r.Name, prefix)
		}
	}
	if r.Path == "" {
		return
	}
	if !iamPathRe.MatchString(r.Path) || len(r.Path) > maxRolePath {
		v.add(p+".path", "write a path that starts and ends with /, such as /gatehouse/", "path %q of role %s is not an IAM path", r.Path, r.Name)
		return
	}
	for _, prefix := range reservedRolePath {
		if strings.HasPrefix(r.Path, prefix) {
			v.add(p+".path", "choose another path: AWS reserves it for the roles it manages", "path %s of role %s is reserved by AWS", r.Path, r.Name)
		}
	}
}

// trustEntry checks one entry of a role's trust: exactly one subject, the
// qualifiers that go with it, and the references it makes.
func (v *validator) trustEntry(r Role, t TrustEntry, p string) {
	var subjects []string
	if t.Account != "" && t.PermissionSet == "" {
		subjects = append(subjects, "account")
	}
	if t.Role != "" {
		subjects = append(subjects, "role")
	}
	if t.PermissionSet != "" {
		subjects = append(subjects, "permission_set")
	}
	switch {
	case len(subjects) == 0:
		v.add(p, "add account: NAME, role: Name@account or permission_set: NAME", "trust entry of role %s names no one to trust", r.Name)
	case len(subjects) > 1:
		v.add(p, "write one trust entry per subject", "trust entry of role %s names both %s and %s; it must name one", r.Name, subjects[0], subjects[1])
	}
	if t.Principal != "" {
		if t.Account == "" || t.Role != "" || t.PermissionSet != "" {
			v.add(p+".principal", "use principal with account only, to narrow it: {account: NAME, principal: role/ci-*}", "principal narrows an account trust, but this entry trusts a %s", firstOr(subjects, "nobody"))
		} else if m := principalARNRe.FindStringSubmatch(t.Principal); m != nil {
			if id := v.accountID(t.Account); id != "" && m[3] != id {
				v.add(p+".principal", "name a principal of the trusted account, or trust its account instead", "principal %s is in account %s, not in the trusted account %s (%s)", t.Principal, m[3], t.Account, id)
			}
		} else if !principalRe.MatchString(t.Principal) {
			v.add(p+".principal", "write a pattern such as role/ci-* or user/alice, matched against aws:PrincipalArn", "principal %q is not role/NAME or user/NAME", t.Principal)
		}
	}
	if t.Tighten && t.Role == "" {
		v.add(p+".tighten", "remove it: tighten names the exact role ARN of a role: entry once that role exists", "tighten applies to role entries only")
	}
	if t.Account != "" && t.Role == "" {
		if _, ok := v.accounts[t.Account]; !ok && !isAccountID(t.Account) {
			v.add(p+".account", unknownHint(t.Account, "account", "accounts", v.accountNames)+"; or write a 12-digit account ID", "unknown account %q", t.Account)
		}
	}
	if t.Role != "" {
		v.roleRef(p+".role", t.Role, "trust")
	}
	if t.PermissionSet != "" {
		v.ref(p+".permission_set", "permission set", "permission_sets", t.PermissionSet, v.permissionSetNames, v.permissionSets[t.PermissionSet])
		if t.Conditions.MFA || r.Conditions.MFA {
			v.add(p, "remove mfa for this entry: Identity Center sessions do not report MFA to IAM; require MFA in Identity Center instead", "role %s requires MFA, which a session of permission set %s never has", r.Name, t.PermissionSet)
		}
	}
	v.conditions(p, t.Conditions)
}

// accountID returns the ID of an account given by name or ID, or "".
func (v *validator) accountID(nameOrID string) string {
	if a, ok := v.accounts[nameOrID]; ok && isAccountID(a.ID) {
		return a.ID
	}
	if isAccountID(nameOrID) {
		return nameOrID
	}
	return ""
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

// roleRef checks "Name@account": the role is in the model and is created in
// that account.
func (v *validator) roleRef(p, ref, use string) (Role, string, bool) {
	name, account, ok := strings.Cut(ref, "@")
	if !ok || name == "" || account == "" {
		v.add(p, "write it as RoleName@account-name", "role reference %q is not Name@account", ref)
		return Role{}, "", false
	}
	r, known := v.roles[name]
	hint := unknownHint(name, "role", "roles", v.roleNames)
	if use == "trust" && didYouMean(name, v.roleNames) == "" {
		hint = "define it under roles:, or to trust a role gatehouse does not manage write {account: " + account + ", principal: role/" + name + "}"
	}
	if !known {
		v.add(p, hint, "unknown role %q in %s", name, ref)
		return Role{}, "", false
	}
	if _, ok := v.accounts[account]; !ok {
		v.ref(p, "account", "accounts", account, v.accountNames, false)
		return Role{}, "", false
	}
	if selected, sure := v.selects(r.Accounts, account); sure && !selected {
		v.add(p, fmt.Sprintf("add %s to the accounts of role %s, or name an account it is in", account, name), "role %s is not created in account %s", name, account)
		return Role{}, "", false
	}
	return r, account, true
}

func (v *validator) canAssume(src Role, ref RoleRef, p string) {
	if ref.Role == "" || ref.Account == "" {
		return // malformed: reported while decoding
	}
	target, account, ok := v.roleRef(p, ref.String(), "can_assume")
	if !ok {
		return
	}
	if admitted, known := v.admits(target, src); known && !admitted {
		srcAccount := "ACCOUNT"
		if len(src.Accounts.Names) > 0 {
			srcAccount = src.Accounts.Names[0]
		}
		v.add(p, fmt.Sprintf("add {role: %s@%s} to the trust of role %s", src.Name, srcAccount, target.Name),
			"role %s in %s does not trust role %s, so it cannot be assumed from it", target.Name, account, src.Name)
	}
}

// admits reports whether target's trust lets sessions of src assume it,
// and whether that can be known from the model alone.
func (v *validator) admits(target, src Role) (admitted, known bool) {
	if _, complete := v.accountIDs(src.Accounts); !complete {
		return false, false
	}
	path := src.Path
	if path == "" {
		path = "/"
	}
	known = true
	for _, n := range src.Accounts.Names {
		a, ok := v.accounts[n]
		if !ok || contains(src.Accounts.Exclude, n) {
			continue
		}
		for _, t := range target.Trust {
			switch {
			case t.Role != "":
				if t.Role == src.Name+"@"+n {
					return true, true
				}
			case t.PermissionSet != "":
			case t.Account == n || (a.ID != "" && t.Account == a.ID):
				if t.Principal == "" || wildcardMatch(t.Principal, "role"+path+src.Name) {
					return true, true
				}
				if strings.HasPrefix(t.Principal, "arn:") {
					known = false
				}
			}
		}
	}
	return false, known
}

// rolePolicies checks the managed policies of an IAM role created in the
// accounts with the given IDs (nil when not known from the model).
func (v *validator) rolePolicies(p, owner string, arns, accountIDs []string) {
	seen := map[string]bool{}
	for i, s := range arns {
		ip := fmt.Sprintf("%s[%d]", p, i)
		if seen[s] {
			v.add(ip, "remove the second one", "managed policy %s is listed twice", s)
			continue
		}
		seen[s] = true
		a, ok := parsePolicyARN(s)
		if !ok {
			v.add(ip, "write a policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/Deploy", "managed policy %q is not an IAM policy ARN", s)
			continue
		}
		if a.Account == "aws" {
			continue
		}
		for _, id := range accountIDs {
			if isAccountID(id) && id != a.Account {
				v.add(ip, "IAM attaches only policies of the role's own account: use an AWS managed policy, or a role per account",
					"managed policy %s belongs to account %s, but %s is also created in account %s", s, a.Account, owner, id)
				break
			}
		}
	}
	if len(arns) > maxRoleManagedPolicies {
		v.add(p, "combine policies or use inline_policy; the quota \"Managed policies attached to an IAM role\" is adjustable up to 25 in Service Quotas, and gatehouse checks against the default",
			"%s has %d managed policies; IAM's default quota is %d per role", owner, len(arns), maxRoleManagedPolicies)
	}
}

func (v *validator) conditions(p string, c Conditions) {
	if id := c.ExternalID; id != "" && (!externalIDRe.MatchString(id) || utf8.RuneCountInString(id) < 2 || len(id) > 1224) {
		v.add(p+".external_id", "use 2-1224 characters of letters, digits and + = , . @ : / _ -", "external_id is not 2-1224 characters of letters, digits and + = , . @ : / _ -")
	}
	if c.PrincipalOrgID != "" && !orgIDRe.MatchString(c.PrincipalOrgID) {
		v.add(p+".principal_org_id", "write an organization ID such as o-a1b2c3d4e5, as aws organizations describe-organization shows it", "principal_org_id %q is not an organization ID", c.PrincipalOrgID)
	}
}

// The floors below are the fewest characters a generated policy can take:
// the frame every such policy needs, plus what each entry cannot do without
// in the most compact encoding (statements merged, accounts written as bare
// IDs, one pattern per permission set). Whatever document plan generates is
// at least that long, so a floor over a limit is a certain error; plan
// checks the exact documents.
const (
	trustFrame    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[]},"Action":"sts:AssumeRole"}]}`
	assumeFrame   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":[]}]}`
	bareAccount   = `"111111111111",`
	ssoRoleMin    = `"*AWSReservedSSO__*",`   // plus the permission set name
	roleARNMin    = `"arn:aws:iam::*:role/",` // plus the role name
	listEntryMin  = `"",`                     // quotes and comma around a value
	conditionsMin = `,"Condition":{"":{"":""}}`
)

// trustFloor returns the fewest characters the trust policy of r can take.
func (v *validator) trustFloor(r Role) int {
	n := len(trustFrame)
	accounts := map[string]bool{}
	conditions := !r.Conditions.IsZero()
	for _, t := range r.Trust {
		account := t.Account
		switch {
		case t.Role != "":
			name, acct, _ := strings.Cut(t.Role, "@")
			account = acct
			n += len(listEntryMin) + len(name)
		case t.PermissionSet != "":
			n += len(ssoRoleMin) + len(t.PermissionSet)
			if account == "" {
				account = v.m.IdentityCenter.HubAccount
			}
		case t.Principal != "":
			n += len(listEntryMin) + len(t.Principal)
		}
		accounts[account] = true
		n += len(t.Conditions.ExternalID) + len(t.Conditions.PrincipalOrgID)
		conditions = conditions || !t.Conditions.IsZero()
	}
	n += len(accounts) * len(bareAccount)
	n += len(r.Conditions.ExternalID) + len(r.Conditions.PrincipalOrgID)
	if conditions {
		n += len(conditionsMin)
	}
	return n
}

// canAssumeFloor returns the fewest characters the identity policy that
// lets r assume its can_assume targets can take.
func (v *validator) canAssumeFloor(r Role) int {
	if len(r.CanAssume) == 0 {
		return 0
	}
	n := len(assumeFrame)
	for _, ref := range r.CanAssume {
		n += len(roleARNMin) + len(ref.Role)
	}
	return n
}
