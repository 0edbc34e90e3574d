package audit

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// maxHops bounds how many roles a path chains through. AWS sets no limit,
// but paths longer than this are not worth an auditor's time to read and
// a cycle of trust must end somewhere.
const maxHops = 8

// hop is a role reached from a starting node, and how.
type hop struct {
	to    *node
	steps []Step
	keys  []string // the union of the steps' unknown keys, sorted
}

func (h hop) conditional() bool { return len(h.keys) > 0 }

// better reports whether a is a better way to reach the same role than b:
// allowed over conditional, then fewer conditions, then shorter, then more
// of it from the model.
func better(a, b hop) bool {
	if a.conditional() != b.conditional() {
		return !a.conditional()
	}
	if len(a.keys) != len(b.keys) {
		return len(a.keys) < len(b.keys)
	}
	if len(a.steps) != len(b.steps) {
		return len(a.steps) < len(b.steps)
	}
	return managedSteps(a.steps) > managedSteps(b.steps)
}

func managedSteps(steps []Step) int {
	n := 0
	for _, s := range steps {
		if s.Managed {
			n++
		}
	}
	return n
}

// closure returns every role reachable by assuming roles from start, with
// the best path to each (breadth first, improved while a better path turns
// up), start excluded. principal is how start calls: its ARN, or a role
// session's ARN when the session name matters.
func (a *auditor) closure(start *node, principal string) []hop {
	best := map[string]hop{start.arn: {to: start}}
	frontier := []hop{{to: start}}
	for depth := 0; depth < maxHops && len(frontier) > 0; depth++ {
		var next []hop
		for _, h := range frontier {
			from := h.to
			p := from.arn
			if from == start {
				p = principal
			}
			for _, to := range a.g.candidates(from.account) {
				if to == from {
					continue
				}
				e := a.g.assume(from, to, p)
				if !e.ok {
					continue
				}
				step := Step{Kind: StepAssumeRole, From: from.arn, To: to.arn, Conditions: e.keys, Managed: a.managedTrust(from, to)}
				nh := hop{to: to, steps: append(slices.Clone(h.steps), step), keys: union(h.keys, e.keys)}
				if old, ok := best[to.arn]; ok && (old.to == start || !better(nh, old)) {
					continue
				}
				best[to.arn] = nh
				next = append(next, nh)
			}
		}
		frontier = next
	}
	delete(best, start.arn)
	out := make([]hop, 0, len(best))
	for _, h := range best {
		out = append(out, h)
	}
	slices.SortFunc(out, func(x, y hop) int { return strings.Compare(x.to.arn, y.to.arn) })
	return out
}

// roleClosure is closure from a role, any session of it, memoized: every
// person reaching the role shares it.
func (a *auditor) roleClosure(r *node) []hop {
	if c, ok := a.closures[r.arn]; ok {
		return c
	}
	c := a.closure(r, r.arn)
	a.closures[r.arn] = c
	return c
}

// managedTrust reports whether the model grants from the right to assume
// to: to is a role of the model whose trust policy is the one the model
// derives (not edited by hand), and from is a principal the model made (an
// AWSReservedSSO role of one of its permission sets, or one of its roles).
func (a *auditor) managedTrust(from, to *node) bool {
	d := a.in.Desired
	if d == nil || to.role == nil {
		return false
	}
	want, ok := d.Roles[to.role.Key()]
	if !ok || !policy.Equal(want.TrustPolicy, to.role.TrustPolicy) {
		return false
	}
	switch {
	case from.sso != "":
		_, ok := d.PermissionSets[from.sso]
		return ok
	case from.role != nil:
		_, ok := d.Roles[from.role.Key()]
		return ok
	}
	return false
}

func union(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// row turns a path to a role into an access row.
func (a *auditor) row(p Principal, h hop) Access {
	row := Access{
		Principal:   p,
		Account:     h.to.account,
		RoleARN:     h.to.arn,
		Decision:    Allowed,
		Conditions:  []string{},
		Path:        h.steps,
		AccountName: a.in.accountName(h.to.account),
		Managed:     true,
	}
	if len(h.keys) > 0 {
		row.Decision = Conditional
		row.Conditions = h.keys
	}
	for _, s := range h.steps {
		if !s.Managed {
			row.Managed = false
		}
		// A step from a role is made with a role session (an
		// AWSReservedSSO session included): role chaining.
		if s.Kind == StepAssumeRole && strings.Contains(s.From, ":role/") {
			row.Chained = true
		}
	}
	return row
}

// people adds the rows of every Identity Center user: the AWSReservedSSO
// roles of their assignments (directly and through their groups), and
// every role those sessions can assume, to the end of the chain.
func (a *auditor) people() {
	ic := a.in.IdentityCenter
	if ic == nil {
		return
	}
	groupsOf := map[string][]string{}
	for _, g := range sortedKeys(ic.Groups) {
		for _, m := range ic.Groups[g].Members {
			groupsOf[m] = append(groupsOf[m], g)
		}
	}
	byPrincipal := map[string][]state.Assignment{}
	for _, as := range ic.Assignments {
		byPrincipal[as.Principal()] = append(byPrincipal[as.Principal()], as)
	}
	samlByPrincipal := map[string][]SAMLGrant{}
	for _, sg := range a.in.SAML {
		samlByPrincipal[sg.Assignment.Principal()] = append(samlByPrincipal[sg.Assignment.Principal()], sg)
	}
	for _, name := range sortedKeys(ic.Users) {
		u := ic.Users[name]
		p := Principal{Type: PrincipalUser, Name: name, ID: u.ID}
		if p.ID == "" {
			p.ID = name
		}
		rows := map[string]hop{}
		reach := func(as state.Assignment, via []Step) {
			sso := a.ssoRole(as)
			step := Step{Kind: StepAssignment, From: as.PrincipalName, To: sso.arn, PermissionSet: as.PermissionSet, Managed: a.managedAssignment(as)}
			first := hop{to: sso, steps: append(slices.Clone(via), step)}
			keep(rows, first)
			principal := sso.arn
			if a.namesSessions(sso) {
				// A trust names sessions of this role: the user's own
				// session name (the user name) decides.
				principal = sessionARN(sso, name)
			}
			var after []hop
			if principal == sso.arn {
				after = a.roleClosure(sso)
			} else {
				after = a.closure(sso, principal)
			}
			for _, h := range after {
				keep(rows, hop{to: h.to, steps: append(slices.Clone(first.steps), h.steps...), keys: h.keys})
			}
		}
		saml := func(as state.Assignment, via []Step) {
			for _, sg := range samlByPrincipal[as.Principal()] {
				r := a.g.roles[sg.RoleARN]
				if r == nil {
					r = &node{kind: "role", arn: sg.RoleARN, account: sg.Assignment.AccountID}
				}
				step := Step{Kind: StepAssignment, From: as.PrincipalName, To: sg.RoleARN, PermissionSet: sg.Assignment.PermissionSet, Managed: true}
				first := hop{to: r, steps: append(slices.Clone(via), step)}
				keep(rows, first)
				if r.role != nil {
					for _, h := range a.roleClosure(r) {
						keep(rows, hop{to: h.to, steps: append(slices.Clone(first.steps), h.steps...), keys: h.keys})
					}
				}
			}
		}
		for _, as := range byPrincipal["user:"+name] {
			reach(as, nil)
		}
		saml(state.Assignment{PrincipalType: state.PrincipalUser, PrincipalName: name}, nil)
		for _, g := range groupsOf[name] {
			via := []Step{{Kind: StepMemberOf, From: name, To: g, Managed: a.managedMember(g, name)}}
			for _, as := range byPrincipal["group:"+g] {
				reach(as, via)
			}
			saml(state.Assignment{PrincipalType: state.PrincipalGroup, PrincipalName: g}, via)
		}
		for _, h := range rows {
			a.add(a.row(p, h))
		}
	}
}

// keep records h in rows unless a better way to the same role is known.
func keep(rows map[string]hop, h hop) {
	if old, ok := rows[h.to.arn]; ok && !better(h, old) {
		return
	}
	rows[h.to.arn] = h
}

// namesSessions reports whether some trust policy names a session of r
// (arn:aws:sts::A:assumed-role/NAME/...), which only the session name can
// decide.
func (a *auditor) namesSessions(r *node) bool {
	prefix := "arn:aws:sts::" + r.account + ":assumed-role/" + r.name + "/"
	for _, to := range a.g.candidates(r.account) {
		if strings.Contains(to.role.TrustPolicy, prefix) {
			return true
		}
	}
	return false
}

func sessionARN(r *node, session string) string {
	return "arn:aws:sts::" + r.account + ":assumed-role/" + r.name + "/" + session
}

// ssoRole is the AWSReservedSSO role an assignment gives in its account:
// the one IAM holds there, or, when the account was not read (or the model
// is audited offline), one made from the permission set, its ARN ending in
// "*" since the suffix cannot be known.
func (a *auditor) ssoRole(as state.Assignment) *node {
	if acct, ok := a.in.IAM[as.AccountID]; ok {
		for i := range acct.Roles {
			r := &acct.Roles[i]
			if m := ssoRoleName.FindStringSubmatch(r.Name); m != nil && m[1] == as.PermissionSet {
				if n := a.g.roles[r.ARN()]; n != nil {
					return n
				}
			}
		}
	}
	key := as.AccountID + "/" + as.PermissionSet
	if n, ok := a.synthetic[key]; ok {
		return n
	}
	n := a.syntheticSSORole(as)
	a.synthetic[key] = n
	return n
}

// syntheticSSORole builds the AWSReservedSSO role of a permission set in
// an account from the permission set's definition.
func (a *auditor) syntheticSSORole(as state.Assignment) *node {
	path := "/aws-reserved/sso.amazonaws.com/"
	if a.in.Region != "" && a.in.Region != "us-east-1" {
		path += a.in.Region + "/"
	}
	name := "AWSReservedSSO_" + as.PermissionSet + "_*"
	r := &state.Role{AccountID: as.AccountID, Name: name, Path: path, InlinePolicies: map[string]string{}}
	if ps, ok := a.in.IdentityCenter.PermissionSets[as.PermissionSet]; ok {
		if ps.InlinePolicy != "" {
			r.InlinePolicies["AwsSSOInlinePolicy"] = ps.InlinePolicy
		}
		r.ManagedPolicies = slices.Clone(ps.ManagedPolicies)
		for _, ref := range ps.CustomerManagedPolicies {
			r.ManagedPolicies = append(r.ManagedPolicies, state.PolicyARN(as.AccountID, ref.Path, ref.Name))
		}
		r.PermissionsBoundary = ps.PermissionsBoundary.ARN(as.AccountID)
	}
	n := &node{kind: "role", arn: r.ARN(), account: r.AccountID, name: name, role: r, sso: as.PermissionSet}
	n.identity = a.g.identityPolicies(r.InlinePolicies, r.ManagedPolicies, a.in.IAM[as.AccountID])
	n.boundary = a.g.boundaryPolicy(r.PermissionsBoundary, a.in.IAM[as.AccountID])
	n.scps = a.g.scpLevels(as.AccountID)
	n.context = a.g.callerContext(n, nil)
	// The pattern stands for the role: aws:PrincipalArn conditions on
	// AWSReservedSSO_<set>_* still match it.
	return n
}

func (a *auditor) managedAssignment(as state.Assignment) bool {
	d := a.in.Desired
	if d == nil {
		return false
	}
	return slices.Contains(d.Assignments, as)
}

func (a *auditor) managedMember(group, user string) bool {
	d := a.in.Desired
	if d == nil {
		return false
	}
	g, ok := d.Groups[group]
	return ok && slices.Contains(g.Members, user)
}

// iamUsers adds the rows of IAM users: long-term keys can assume roles.
func (a *auditor) iamUsers() {
	for _, arn := range sortedKeys(a.g.users) {
		u := a.g.users[arn]
		p := Principal{Type: PrincipalIAMUser, Name: u.name, ID: u.arn}
		for _, h := range a.closure(u, u.arn) {
			a.add(a.row(p, h))
		}
	}
}

// workloads adds the rows of roles whose sessions start paths: roles a
// service or an identity provider other than Identity Center signs into.
func (a *auditor) workloads() {
	for _, r := range a.g.starts {
		p := Principal{Type: PrincipalIAMRole, Name: r.name, ID: r.arn}
		for _, h := range a.roleClosure(r) {
			a.add(a.row(p, h))
		}
	}
}

// outsiders adds the rows of principals outside what the audit reads: an
// account trusted as a whole, or a role or user of such an account.
func (a *auditor) outsiders() {
	for _, arn := range sortedKeys(a.g.outside) {
		o := a.g.outside[arn]
		p := Principal{Type: PrincipalAccount, Name: a.in.accountName(o.account), ID: o.account}
		switch {
		case strings.Contains(o.arn, ":role/"):
			p = Principal{Type: PrincipalIAMRole, Name: o.name, ID: o.arn}
		case strings.Contains(o.arn, ":user/"):
			p = Principal{Type: PrincipalIAMUser, Name: o.name, ID: o.arn}
		}
		if p.Name == "" {
			p.Name = o.account
		}
		for _, h := range a.closure(o, o.arn) {
			a.add(a.row(p, h))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortAccess(rows []Access) {
	slices.SortFunc(rows, func(x, y Access) int {
		return cmp.Or(cmp.Compare(x.Principal.Type, y.Principal.Type), cmp.Compare(x.Principal.Name, y.Principal.Name),
			cmp.Compare(x.Principal.ID, y.Principal.ID), cmp.Compare(x.Account, y.Account), cmp.Compare(x.RoleARN, y.RoleARN))
	})
}
