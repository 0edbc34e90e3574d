package model

import (
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

func (v *validator) checkPermissionSets() {
	for _, ps := range v.m.PermissionSets {
		p := "permission_sets." + ps.Name
		v.iamName(p, "permission set", ps.Name, maxPermissionSetName)
		if !v.tooLong(p+".description", "description of permission set "+ps.Name, ps.Description, maxPermissionSetDescription) && !descriptionRe.MatchString(ps.Description) {
			v.add(p+".description", "use plain Latin-1 text", "description of permission set %s has characters Identity Center does not accept", ps.Name)
		}
		v.session(p+".session_duration", "session_duration of permission set "+ps.Name, "Identity Center sessions last from 1h to 12h", ps.SessionDuration)
		if ps.RelayState != "" && !v.tooLong(p+".relay_state", "relay_state of permission set "+ps.Name, ps.RelayState, maxRelayState) && !relayStateRe.MatchString(ps.RelayState) {
			v.add(p+".relay_state", "write a console URL such as https://console.aws.amazon.com/ec2/home", "relay_state of permission set %s has characters Identity Center does not accept", ps.Name)
		}
		v.permissionSetPolicies(ps, p)
		if ps.InlinePolicy != "" {
			v.inlinePolicy(p+".inline_policy", "permission set "+ps.Name, ps.InlinePolicy, policy.PermissionSetInline)
		}
		v.tags(p+".tags", "permission set "+ps.Name, ps.Tags)
	}
}

func (v *validator) permissionSetPolicies(ps PermissionSet, p string) {
	seen := map[string]bool{}
	for i, s := range ps.ManagedPolicies {
		ip := fmt.Sprintf("%s.managed_policies[%d]", p, i)
		if seen[s] {
			v.add(ip, "remove the second one", "managed policy %s is listed twice", s)
			continue
		}
		seen[s] = true
		a, ok := parsePolicyARN(s)
		switch {
		case !ok:
			v.add(ip, "write an AWS managed policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess", "managed policy %q is not an IAM policy ARN", s)
		case a.Account != "aws":
			v.add(ip, fmt.Sprintf("list it under customer_managed_policies as {name: %s, path: %s}: Identity Center attaches it by name in every account", a.Name, a.Path),
				"managed policy %s is a customer managed policy of account %s; a permission set's managed_policies are AWS managed only", s, a.Account)
		}
	}
	seenRef := map[PolicyRef]bool{}
	for i, r := range ps.CustomerManagedPolicies {
		ip := fmt.Sprintf("%s.customer_managed_policies[%d]", p, i)
		v.policyRef(ip, r)
		key := PolicyRef{Name: r.Name, Path: refPath(r.Path)}
		if seenRef[key] {
			v.add(ip, "remove the second one", "customer managed policy %s%s is listed twice", key.Path, key.Name)
		}
		seenRef[key] = true
	}
	if n := len(ps.ManagedPolicies) + len(ps.CustomerManagedPolicies); n > maxPermissionSetPolicies {
		v.add(p+".managed_policies", "combine policies, or move permissions to inline_policy; note that above 10, each account it reaches also needs its IAM quota \"Managed policies attached to an IAM role\" raised",
			"permission set %s has %d managed and customer managed policies; Identity Center allows %d", ps.Name, n, maxPermissionSetPolicies)
	}
	v.boundary(p+".permissions_boundary", ps.PermissionsBoundary)
}

// boundary checks a permissions boundary: an AWS managed policy ARN, or a
// customer-managed policy named by name and path.
func (v *validator) boundary(bp string, b *Boundary) {
	if b == nil {
		return
	}
	if b.ManagedPolicyARN != "" {
		a, ok := parsePolicyARN(b.ManagedPolicyARN)
		switch {
		case !ok:
			v.add(bp+".managed_policy", "write an AWS managed policy ARN such as arn:aws:iam::aws:policy/PowerUserAccess", "permissions boundary %q is not an IAM policy ARN", b.ManagedPolicyARN)
		case a.Account != "aws":
			v.add(bp+".managed_policy", fmt.Sprintf("write customer_managed_policy: {name: %s, path: %s}", a.Name, a.Path), "permissions boundary %s is a customer managed policy; name it with customer_managed_policy", b.ManagedPolicyARN)
		}
	}
	if b.CustomerManaged != nil {
		v.policyRef(bp+".customer_managed_policy", *b.CustomerManaged)
	}
}

// session checks a session length: 1h to 12h in whole seconds (0 means
// AWS's default of 1h).
func (v *validator) session(path, what, hint string, d time.Duration) {
	switch {
	case d == 0:
	case d < minSession || d > maxSession:
		v.add(path, hint, "%s is %s, outside 1h to 12h", what, formatDuration(d))
	case d%time.Second != 0:
		v.add(path, "write whole seconds, such as 1h30m", "%s is %s, not a whole number of seconds", what, formatDuration(d))
	}
}

func refPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// policyRef checks a customer managed policy named by name and path.
func (v *validator) policyRef(path string, r PolicyRef) {
	if !iamNamePattern.MatchString(r.Name) || len(r.Name) > maxPolicyName {
		v.add(path+".name", "use 1-128 characters of letters, digits and + = , . @ _ -", "customer managed policy name %q is not an IAM policy name", r.Name)
	}
	if r.Path != "" && (!iamPathRe.MatchString(r.Path) || len(r.Path) > maxRolePath) {
		v.add(path+".path", "write a path that starts and ends with /, such as /team/", "customer managed policy path %q is not an IAM path", r.Path)
	}
}

// inlinePolicy checks a policy document, placing each issue on the line of
// the element at fault when the policy is written in YAML.
func (v *validator) inlinePolicy(path, owner, doc string, kind policy.Kind) {
	for _, is := range policy.Validate(doc, kind) {
		p := path
		if is.Path != "" {
			p += "." + is.Path
		}
		v.add(p, is.Hint, "inline_policy of %s: %s", owner, is.Error())
	}
}

func (v *validator) checkAssignments() {
	for i, a := range v.m.Assignments {
		p := fmt.Sprintf("assignments[%d]", i)
		if len(a.Groups) == 0 && len(a.Users) == 0 {
			v.add(p, "add groups: [NAME] or users: [NAME]", "assignment %d gives access to no one: it has no groups or users", i+1)
		}
		if len(a.PermissionSets) == 0 {
			v.add(p, "add permission_sets: [NAME]", "assignment %d has no permission_sets", i+1)
		}
		for j, g := range a.Groups {
			v.ref(fmt.Sprintf("%s.groups[%d]", p, j), "group", "groups", g, v.groupNames, v.groups[g])
		}
		for j, u := range a.Users {
			v.ref(fmt.Sprintf("%s.users[%d]", p, j), "user", "users", u, v.userNames, v.users[u])
		}
		for j, ps := range a.PermissionSets {
			v.ref(fmt.Sprintf("%s.permission_sets[%d]", p, j), "permission set", "permission_sets", ps, v.permissionSetNames, v.permissionSets[ps])
		}
		v.selector(p+".accounts", a.Accounts)
	}
}

// namePath returns the path of entry j of a selector's list, which is
// written either as the selector itself ([a, b]) or under a key of it.
func (v *validator) namePath(selector, key string, j int) string {
	if key == "names" {
		if direct := fmt.Sprintf("%s[%d]", selector, j); v.hasPos(direct) {
			return direct
		}
	}
	return fmt.Sprintf("%s.%s[%d]", selector, key, j)
}

func (v *validator) hasPos(path string) bool {
	_, ok := v.m.Positions[path]
	return ok
}

// selector checks an account selector: named and excluded accounts exist,
// OU paths and tags are well formed, and exclusions can matter.
func (v *validator) selector(p string, s AccountSelector) {
	for j, name := range s.Names {
		_, ok := v.accounts[name]
		v.ref(v.namePath(p, "names", j), "account", "accounts", name, v.accountNames, ok)
	}
	// all and ou select member accounts only; a tags selector alone also
	// selects external accounts by the tags the model gives them.
	membersOnly := s.All || len(s.OUs) > 0
	for j, name := range s.Exclude {
		ep := v.namePath(p, "exclude", j)
		a, ok := v.accounts[name]
		if !v.ref(ep, "account", "accounts", name, v.accountNames, ok) {
			continue
		}
		if a.External && membersOnly && !contains(s.Names, name) {
			v.add(ep, "remove it: an external account is reached only when named, or by a selector of tags alone", "exclude names external account %s, which all and ou never select", name)
		}
	}
	for j, ou := range s.OUs {
		if prob := ouPathProblem(ou); prob != "" {
			op := fmt.Sprintf("%s.ou[%d]", p, j)
			if len(s.OUs) == 1 && !v.hasPos(op) {
				op = p + ".ou"
			}
			v.add(op, "write the OU path from the root, such as Workloads/Prod", "ou %q %s", ou, prob)
		}
	}
	for _, k := range sortedKeys(s.Tags) {
		if prob := tagProblem(k, s.Tags[k]); prob != "" {
			v.add(p+".tags."+k, "tag keys are 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @", "tag %q of the selector: %s", k, prob)
		}
	}
}

// accountIDs returns the IDs of the accounts a selector names, and whether
// the selector names its accounts only (so the list is complete).
func (v *validator) accountIDs(s AccountSelector) ([]string, bool) {
	var ids []string
	for _, n := range s.Names {
		if a, ok := v.accounts[n]; ok && !contains(s.Exclude, n) {
			ids = append(ids, a.ID)
		}
	}
	return ids, !(s.All || len(s.OUs) > 0 || len(s.Tags) > 0)
}

// selects reports whether a selector picks the named account: yes, no, or
// unknown when that depends on Organizations (ou, tags of member accounts).
func (v *validator) selects(s AccountSelector, name string) (selected, known bool) {
	if contains(s.Exclude, name) {
		return false, true
	}
	if contains(s.Names, name) {
		return true, true
	}
	a, ok := v.accounts[name]
	switch {
	case !s.All && len(s.OUs) == 0 && len(s.Tags) == 0:
		return false, true // names only
	case ok && a.External:
		// all and ou never pick external accounts; tags alone do, by the
		// tags the model gives them.
		return !s.All && len(s.OUs) == 0 && hasAllTags(a.Tags, s.Tags), true
	case s.All && len(s.OUs) == 0 && len(s.Tags) == 0:
		return true, true
	default:
		return false, false // decided by Organizations
	}
}

// iamName checks a name against IAM's rule: 1 to max characters of letters,
// digits and + = , . @ _ -.
func (v *validator) iamName(path, kind, name string, max int) {
	hint := fmt.Sprintf("%s names are 1-%d characters of letters, digits and + = , . @ _ -", kind, max)
	switch {
	case len(name) > max:
		v.add(path, hint, "%s name %q is %d characters long; AWS allows %d", kind, name, len(name), max)
	case !iamNamePattern.MatchString(name):
		v.add(path, hint, "%s name %q has characters other than letters, digits and + = , . @ _ -", kind, name)
	}
}

// hasAllTags reports whether tags hold every key and value of want.
func hasAllTags(tags, want map[string]string) bool {
	for k, v := range want {
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}
