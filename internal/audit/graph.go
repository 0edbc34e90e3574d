package audit

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/policy/eval"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// node is a principal that can call sts:AssumeRole: a role (any session of
// it), an IAM user, or a principal outside what the audit reads (an account
// trusted as a whole, or a role or user of such an account).
type node struct {
	kind    string // "role", "user", "outside"
	arn     string // role or user ARN; arn:aws:iam::ID:root for an outside account
	account string
	name    string

	// What the caller side of a request needs.
	identity []*eval.Policy
	boundary *eval.Policy
	scps     []eval.Level
	context  *eval.Context

	// Roles only.
	role     *state.Role
	trust    *eval.Policy // nil when the trust policy does not parse
	sso      string       // the permission set of an AWSReservedSSO role
	reserved bool         // under /aws-reserved/ or /aws-service-role/
}

// ssoRoleName matches an AWSReservedSSO role and captures its permission
// set: AWSReservedSSO_<set>_<16 hex digits>.
var ssoRoleName = regexp.MustCompile(`^AWSReservedSSO_(.+)_[0-9a-f]{16}$`)

// allowAll stands for what an outside principal's own account may grant it:
// the audit cannot read it, and the account's owner can grant anything.
var allowAll = mustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)

func mustParse(doc string) *eval.Policy {
	p, err := eval.ParsePolicy([]byte(doc))
	if err != nil {
		panic(err)
	}
	return p
}

// UnreadPolicyKey is the condition key that names a managed policy the
// audit could not read: access that depends on it is conditional on it.
const UnreadPolicyKey = "gatehouse:UnreadPolicy/"

// graph holds every node and the index of who trusts whom.
type graph struct {
	in *Input

	roles map[string]*node // by role ARN
	users map[string]*node // by user ARN
	// trustedBy maps an account ID to the roles whose trust names that
	// account (or a principal in it); "*" to roles trusting everyone.
	trustedBy map[string][]*node
	// outside are principals named by trust policies that the audit does
	// not read, by ARN.
	outside map[string]*node
	// starts are roles trusted by services or identity providers other
	// than Identity Center: workloads whose sessions start paths.
	starts []*node

	mu     sync.Mutex
	edges  map[[2]string]edge
	parsed map[string]*eval.Policy // by document
}

// edge is the decision on one "can assume" question.
type edge struct {
	ok   bool     // allowed or conditional
	keys []string // conditional: the unknown keys, sorted
}

func newGraph(in *Input) *graph {
	g := &graph{in: in, roles: map[string]*node{}, users: map[string]*node{}, trustedBy: map[string][]*node{},
		outside: map[string]*node{}, edges: map[[2]string]edge{}, parsed: map[string]*eval.Policy{}}
	for _, id := range slices.Sorted(maps.Keys(in.IAM)) {
		acct := in.IAM[id]
		groups := map[string]state.IAMGroup{}
		for _, gr := range acct.Groups {
			groups[gr.Name] = gr
		}
		for i := range acct.Roles {
			g.addRole(&acct.Roles[i], acct)
		}
		for _, u := range acct.Users {
			n := &node{kind: "user", arn: u.ARN, account: id, name: u.Name}
			docs := maps.Clone(u.InlinePolicies)
			if docs == nil {
				docs = map[string]string{}
			}
			managed := slices.Clone(u.ManagedPolicies)
			for _, gn := range u.Groups {
				gr := groups[gn]
				for k, v := range gr.InlinePolicies {
					docs["group "+gn+" "+k] = v
				}
				managed = append(managed, gr.ManagedPolicies...)
			}
			n.identity = g.identityPolicies(docs, managed, acct)
			n.boundary = g.boundaryPolicy(u.PermissionsBoundary, acct)
			n.scps = g.scpLevels(id)
			n.context = g.callerContext(n, u.Tags)
			g.users[n.arn] = n
		}
	}
	g.index()
	return g
}

func (g *graph) addRole(r *state.Role, acct *state.IAMAccount) {
	n := &node{kind: "role", arn: r.ARN(), account: r.AccountID, name: r.Name, role: r}
	n.reserved = strings.HasPrefix(r.Path, "/aws-reserved/") || strings.HasPrefix(r.Path, "/aws-service-role/")
	if m := ssoRoleName.FindStringSubmatch(r.Name); m != nil && strings.HasPrefix(r.Path, "/aws-reserved/sso.amazonaws.com/") {
		n.sso = m[1]
	}
	n.trust = g.parse(r.TrustPolicy)
	n.identity = g.identityPolicies(r.InlinePolicies, r.ManagedPolicies, acct)
	n.boundary = g.boundaryPolicy(r.PermissionsBoundary, acct)
	n.scps = g.scpLevels(r.AccountID)
	n.context = g.callerContext(n, r.Tags)
	g.roles[n.arn] = n
}

// parse parses a document once per distinct text; nil when it is not a
// policy.
func (g *graph) parse(doc string) *eval.Policy {
	if doc == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.parsed[doc]; ok {
		return p
	}
	p, err := eval.ParsePolicy([]byte(doc))
	if err != nil {
		p = nil
	}
	g.parsed[doc] = p
	return p
}

// identityPolicies parses a principal's inline documents and the managed
// policies it has: customer managed ones from its account, AWS managed ones
// from Input.AWSPolicies. A policy that could not be read counts as one
// that may allow anything, on the condition named UnreadPolicyKey+ARN.
func (g *graph) identityPolicies(inline map[string]string, managed []string, acct *state.IAMAccount) []*eval.Policy {
	var out []*eval.Policy
	for _, k := range slices.Sorted(maps.Keys(inline)) {
		if p := g.parse(inline[k]); p != nil {
			out = append(out, p)
		}
	}
	for _, arn := range managed {
		out = append(out, g.managedPolicy(arn, acct))
	}
	return out
}

func (g *graph) managedPolicy(arn string, acct *state.IAMAccount) *eval.Policy {
	doc, ok := g.in.AWSPolicies[arn]
	if !ok && acct != nil {
		doc, ok = acct.Policies[arn]
	}
	if ok {
		if p := g.parse(doc); p != nil {
			return p
		}
	}
	return g.parse(unreadPolicy(arn))
}

// unreadPolicy stands for a managed policy whose document the audit could
// not read: anything may be allowed, on a condition the audit cannot know.
func unreadPolicy(arn string) string {
	key, _ := json.Marshal(UnreadPolicyKey + arn)
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{` + string(key) + `:"false"}}}]}`
}

func (g *graph) boundaryPolicy(arn string, acct *state.IAMAccount) *eval.Policy {
	if arn == "" {
		return nil
	}
	return g.managedPolicy(arn, acct)
}

// scpLevels are the SCPs of an account, one level per node from the root
// to the account; none for the management account (SCPs do not apply
// there), an account outside the organization, or an organization whose
// SCPs were not read.
func (g *graph) scpLevels(accountID string) []eval.Level {
	org := g.in.Org
	if org == nil || len(g.in.SCPs) == 0 || accountID == org.ManagementAccountID {
		return nil
	}
	a, ok := org.Account(accountID)
	if !ok {
		return nil
	}
	targets := []string{org.RootID}
	if a.OUPath != "" {
		parts := strings.Split(a.OUPath, "/")
		for i := range parts {
			targets = append(targets, org.OUIDs[strings.Join(parts[:i+1], "/")])
		}
	}
	targets = append(targets, accountID)
	var levels []eval.Level
	for _, t := range targets {
		docs := g.in.SCPs[t]
		if len(docs) == 0 {
			// Every node has at least FullAWSAccess in AWS; a node read with
			// none is one the reader could not see: it restricts nothing.
			continue
		}
		lv := eval.Level{Target: t}
		for _, d := range docs {
			if p := g.parse(d); p != nil {
				lv.Policies = append(lv.Policies, p)
			}
		}
		levels = append(levels, lv)
	}
	return levels
}

// orgPath is the aws:PrincipalOrgPaths value of an account of the
// organization: "o-.../r-.../ou-.../ou-.../".
func (g *graph) orgPath(accountID string) (string, bool) {
	org := g.in.Org
	if org == nil || org.ID == "" || org.RootID == "" {
		return "", false
	}
	a, ok := org.Account(accountID)
	if !ok {
		return "", false
	}
	p := org.ID + "/" + org.RootID + "/"
	if a.OUPath != "" {
		parts := strings.Split(a.OUPath, "/")
		for i := range parts {
			id := org.OUIDs[strings.Join(parts[:i+1], "/")]
			if id == "" {
				return "", false
			}
			p += id + "/"
		}
	}
	return p, true
}

// callerContext is what the audit knows of the request context of a call
// made by n: who it is (aws:PrincipalArn, aws:PrincipalAccount, its
// organization, its tags); everything the caller chooses (sts:ExternalId,
// MFA, source IP, session tags) stays unknown.
func (g *graph) callerContext(n *node, tags map[string]string) *eval.Context {
	c := eval.NewContext()
	if n.kind != "outside" || strings.Contains(n.arn, ":role/") || strings.Contains(n.arn, ":user/") {
		c.Set("aws:PrincipalArn", n.arn)
	}
	c.Set("aws:PrincipalAccount", n.account)
	c.Set("aws:PrincipalIsAWSService", "false")
	if org := g.in.Org; org != nil && org.ID != "" {
		if _, member := org.Account(n.account); member {
			c.Set("aws:PrincipalOrgID", org.ID)
			if p, ok := g.orgPath(n.account); ok {
				c.SetMulti("aws:PrincipalOrgPaths", []string{p})
			}
		}
	}
	if n.kind == "outside" {
		return c
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		c.Set("aws:PrincipalTag/"+k, tags[k])
	}
	c.Absent("aws:PrincipalTag/*")
	switch n.kind {
	case "role":
		c.Set("aws:PrincipalType", "AssumedRole")
		c.Absent("aws:username")
	case "user":
		c.Set("aws:PrincipalType", "User")
		c.Set("aws:username", n.name)
	}
	return c
}

// trustStatement is what the index needs of one trust statement.
type trustStatement struct {
	Principal json.RawMessage `json:"Principal"`
}

// index records, for every role, the accounts its trust policy names, and
// finds the principals outside what the audit reads and the workload roles
// whose sessions start paths.
func (g *graph) index() {
	for _, arn := range slices.Sorted(maps.Keys(g.roles)) {
		r := g.roles[arn]
		aws, other := trustPrincipals(r.role.TrustPolicy)
		seen := map[string]bool{}
		for _, p := range aws {
			acct := principalAccount(p)
			if acct == "" || seen[acct] {
				continue
			}
			seen[acct] = true
			g.trustedBy[acct] = append(g.trustedBy[acct], r)
			if acct != "*" && !g.read(acct) {
				g.addOutside(p, acct)
			}
		}
		if len(other) > 0 && r.sso == "" && !r.reserved {
			g.starts = append(g.starts, r)
		}
	}
}

// read reports whether the audit read IAM in an account.
func (g *graph) read(accountID string) bool {
	_, ok := g.in.IAM[accountID]
	return ok
}

// addOutside records a principal of an account the audit does not read:
// the account as a whole for a root or bare-ID principal, else the very
// role or user named.
func (g *graph) addOutside(principal, acct string) {
	arn := "arn:aws:iam::" + acct + ":root"
	name := acct
	if strings.Contains(principal, ":role/") || strings.Contains(principal, ":user/") {
		arn = principal
		name = principal[strings.LastIndex(principal, "/")+1:]
	}
	if _, ok := g.outside[arn]; ok {
		return
	}
	n := &node{kind: "outside", arn: arn, account: acct, name: name, identity: []*eval.Policy{allowAll}}
	n.context = g.callerContext(n, nil)
	g.outside[arn] = n
}

// trustPrincipals returns the AWS principals a trust policy's statements
// name (ARNs, account IDs, "*") and whether it names any other kind
// (Service, Federated, CanonicalUser).
func trustPrincipals(doc string) (aws []string, other []string) {
	canon, err := policy.Canonical(doc)
	if err != nil {
		return nil, nil
	}
	var d struct {
		Statement []trustStatement `json:"Statement"`
	}
	if json.Unmarshal([]byte(canon), &d) != nil {
		return nil, nil
	}
	for _, st := range d.Statement {
		var star string
		if json.Unmarshal(st.Principal, &star) == nil {
			if star == "*" {
				aws = append(aws, "*")
			}
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(st.Principal, &m) != nil {
			continue
		}
		for kind, raw := range m {
			var list []string
			if json.Unmarshal(raw, &list) != nil {
				var one string
				if json.Unmarshal(raw, &one) != nil {
					continue
				}
				list = []string{one}
			}
			if kind == "AWS" {
				aws = append(aws, list...)
			} else {
				// Identity Center's own SAML provider signs users into
				// their AWSReservedSSO roles: that path is the
				// assignment's, not a workload's.
				for _, v := range list {
					if !strings.Contains(v, ":saml-provider/AWSSSO_") {
						other = append(other, v)
					}
				}
			}
		}
	}
	sort.Strings(aws)
	return aws, other
}

var bareAccount = regexp.MustCompile(`^[0-9]{12}$`)

// principalAccount is the account an AWS principal belongs to: "*" for
// everyone, "" for what matches nobody (partial wildcards, unique IDs).
func principalAccount(p string) string {
	switch {
	case p == "*":
		return "*"
	case bareAccount.MatchString(p):
		return p
	case strings.HasPrefix(p, "arn:"):
		f := strings.SplitN(p, ":", 6)
		if len(f) == 6 && bareAccount.MatchString(f[4]) && !strings.ContainsAny(f[5], "*?") {
			return f[4]
		}
	}
	return ""
}

// candidates are the roles a caller in an account might assume: those
// whose trust names the account, and those trusting everyone.
func (g *graph) candidates(account string) []*node {
	return append(slices.Clone(g.trustedBy[account]), g.trustedBy["*"]...)
}

// assume decides whether from may assume the role to, on both sides: from's
// identity policies, boundary and SCPs, and to's trust policy.
func (g *graph) assume(from, to *node, principal string) edge {
	key := [2]string{principal, to.arn}
	g.mu.Lock()
	e, ok := g.edges[key]
	g.mu.Unlock()
	if ok {
		return e
	}
	e = g.decide(from, to, principal)
	g.mu.Lock()
	g.edges[key] = e
	g.mu.Unlock()
	return e
}

func (g *graph) decide(from, to *node, principal string) edge {
	if to.trust == nil || to.reserved {
		// AWS's own roles are entered by AWS (SAML, services), never by
		// AssumeRole from another principal.
		return edge{}
	}
	res, err := eval.Evaluate(&eval.Request{
		Principal:          principal,
		Action:             "sts:AssumeRole",
		Resource:           to.arn,
		Context:            from.context,
		IdentityPolicies:   from.identity,
		PermissionBoundary: from.boundary,
		SCPs:               from.scps,
		ResourcePolicy:     to.trust,
	})
	if err != nil {
		return edge{}
	}
	switch res.Decision {
	case eval.Allowed:
		return edge{ok: true}
	case eval.Conditional:
		return edge{ok: true, keys: res.UnknownKeys}
	}
	return edge{}
}
