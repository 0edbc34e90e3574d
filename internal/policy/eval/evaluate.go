// Package eval is gatehouse's offline IAM policy evaluator: given a
// principal, an action, a resource (or a resource pattern), the request
// context and every policy that bears on the request (identity policies,
// permissions boundary, session policies, the resource's policy, SCPs and
// RCPs by level, a VPC endpoint policy), it decides as AWS documents:
// allowed, explicit_deny or implicit_deny, and conditional when the answer
// depends on inputs the request marks unknown (a caller-chosen context
// key, a role session's name).
//
// It is pure: no I/O, no AWS SDK. Policies are parsed once (ParsePolicy)
// and shared by many evaluations; Evaluate is safe for concurrent use.
// The contract, rule by rule, is docs/simulate.md and the table tests.
package eval

import (
	"fmt"
	"strings"
)

// Decision is the answer to one request.
type Decision string

// The four decisions.
const (
	// Allowed: the request is allowed whatever the unknown inputs are.
	Allowed Decision = "allowed"
	// ExplicitDeny: a Deny statement (or a service rule) refuses it
	// whatever the unknown inputs are.
	ExplicitDeny Decision = "explicit_deny"
	// ImplicitDeny: it cannot be allowed, and no Deny surely refuses it.
	ImplicitDeny Decision = "implicit_deny"
	// Conditional: whether it is allowed depends on unknown inputs,
	// listed in Result.UnknownKeys.
	Conditional Decision = "conditional"
)

// The kinds of policy named in Result.DeniedBy.
const (
	KindIdentity           = "identity"
	KindPermissionBoundary = "permission_boundary"
	KindSession            = "session"
	KindSCP                = "scp"
	KindRCP                = "rcp"
	KindResource           = "resource"
	KindVPCEndpoint        = "vpc_endpoint"
	KindServiceRule        = "service_rule"
)

// SessionName is the name Result.UnknownKeys uses for a role session's
// name when the principal is a role (any session of it) and a policy names
// one particular session.
const SessionName = "session_name"

// Level is one node of the organization (root, OU or account) with the
// SCPs or RCPs attached to it.
type Level struct {
	Target   string // r-..., ou-..., or an account id; informative only
	Policies []*Policy
}

// Request is one question: may Principal perform Action on Resource (or on
// some resource matching ResourcePattern), given these policies and this
// context? Exactly one of Resource and ResourcePattern is set.
type Request struct {
	// Principal is an IAM user, role (any session of it), role session,
	// federated user or root ARN, a service principal
	// (lambda.amazonaws.com), a SAML/OIDC provider ARN, or "anonymous".
	Principal string
	// Action is service:Action, compared without case.
	Action string
	// Resource is taken literally; "*" for actions without resource-level
	// permissions.
	Resource string
	// ResourcePattern is "*" or an ARN pattern: the question becomes "is
	// the action allowed on at least one resource matching it".
	ResourcePattern string
	// ResourceAccount owns the resource. Default: the ARN's account
	// field, or the principal's account for "*".
	ResourceAccount string
	// Context holds the request context; nil means every key is unknown.
	Context *Context

	IdentityPolicies   []*Policy
	PermissionBoundary *Policy   // nil: no boundary
	SessionPolicies    []*Policy // empty: no session policy
	ResourcePolicy     *Policy   // nil: the resource has none
	SCPs               []Level   // empty: no SCP applies
	RCPs               []Level   // customer RCPs only; RCPFullAWSAccess is implied
	VPCEndpointPolicy  *Policy   // nil: not through an endpoint, or no policy
}

// Result is the decision with what explains it.
type Result struct {
	Decision Decision
	// UnknownKeys, for Conditional: the context keys (as written in the
	// policies) whose unknown state left the decision open, and
	// SessionName when a role's session name did; sorted.
	UnknownKeys []string
	// DeniedBy, for a deny: the kinds of policy that refused the request
	// or lacked the Allow it needed (Kind* constants), in a fixed order.
	DeniedBy []string
}

// prepared is a validated request, with what every statement needs
// computed once.
type prepared struct {
	principal requestPrincipal
	action    string // lower-cased

	literal        bool // a Resource, not a ResourcePattern
	resourceStar   bool
	resourceIsARN  bool
	resourceFields [arnFields]string // partition..account lower-cased
	patternAll     bool
	patternFields  [arnFields]glob

	sameAccount      bool
	resourceRequired bool // the resource policy must grant (role trust, KMS key)
	hasBoundary      bool
	scpsApply        bool
}

// evaluator evaluates one prepared request. With track, unknown values
// carry the names that made them unknown (a second pass, run only for a
// conditional decision).
type evaluator struct {
	req   *prepared
	ctx   *Context
	r     *Request
	track bool
}

// unknown is an unknown value; the tracking pass keeps why.
func (e *evaluator) unknown(why *reasons) tri {
	if !e.track {
		return tri{v: maybe}
	}
	return tri{v: maybe, why: why}
}

// Evaluate decides r. It is pure and safe for concurrent use (the
// request's policies and context are only read). An invalid request
// returns an error naming the field.
func Evaluate(r *Request) (Result, error) {
	if r == nil {
		return Result{}, fmt.Errorf("request: nil")
	}
	p, err := prepare(r)
	if err != nil {
		return Result{}, err
	}
	ctx := r.Context
	if ctx == nil {
		ctx = NewContext()
	}
	e := evaluator{req: &p, ctx: ctx, r: r}
	v := e.run(nil)
	res := Result{Decision: v.decision()}

	// Service rules (spec 4.7) come last, over the policies' decision.
	if rule, ok := serviceRule(&p, r); ok {
		switch {
		case rule == Allowed:
			return Result{Decision: Allowed}, nil
		case v.explicit.isTrue():
			return Result{Decision: ExplicitDeny, DeniedBy: append(v.denyKinds(), KindServiceRule)}, nil
		}
		return Result{Decision: ImplicitDeny, DeniedBy: []string{KindServiceRule}}, nil
	}

	switch res.Decision {
	case ExplicitDeny:
		res.DeniedBy = v.denyKinds()
	case ImplicitDeny:
		res.DeniedBy = v.lackKinds()
	case Conditional:
		e.track = true
		t := e.run(&v)
		// Both an unknown Deny and an unknown grant leave the decision
		// open; a true or false side contributes no reason.
		res.UnknownKeys = union(t.explicit.why, t.allowed.why).list()
	}
	return res, nil
}

// verdict holds every kind's allow and deny for one request.
type verdict struct {
	iam                         bool
	identityAllow, identityDeny tri
	boundaryAllow, boundaryDeny tri
	sessionAllow, sessionDeny   tri
	scpAllow, scpDeny           tri
	rcpDeny                     tri
	resource                    [levels]tri
	resourceDeny                tri
	endpointAllow, endpointDeny tri
	sameAccount, required       bool
	grant, allowed, explicit    tri
}

// decision maps allowed and explicit to a decision (spec 4.6).
func (v *verdict) decision() Decision {
	switch v.explicit.v {
	case yes:
		return ExplicitDeny
	case no:
		switch v.allowed.v {
		case yes:
			return Allowed
		case no:
			return ImplicitDeny
		}
		return Conditional
	}
	if v.allowed.isFalse() {
		return ImplicitDeny
	}
	return Conditional
}

// run evaluates every kind of policy and combines them (spec 4.4, 4.5).
// The tracking pass gets the first pass's verdict and recomputes only the
// parts it left unknown: the others carry no reasons.
func (e *evaluator) run(prev *verdict) verdict {
	r, p := e.r, e.req
	var old verdict
	if prev != nil {
		old = *prev
	}
	redo := func(a, b tri) bool { return prev == nil || a.v == maybe || b.v == maybe }
	v := verdict{iam: p.principal.kind.isIAM(), sameAccount: p.sameAccount, required: p.resourceRequired}
	v.boundaryAllow, v.sessionAllow, v.scpAllow, v.endpointAllow = triTrue, triTrue, triTrue, triTrue
	if v.iam {
		v.identityAllow, v.identityDeny = old.identityAllow, old.identityDeny
		if redo(old.identityAllow, old.identityDeny) {
			v.identityAllow, v.identityDeny = e.plain(r.IdentityPolicies)
		}
		if r.PermissionBoundary != nil {
			v.boundaryAllow, v.boundaryDeny = old.boundaryAllow, old.boundaryDeny
			if redo(old.boundaryAllow, old.boundaryDeny) {
				v.boundaryAllow, v.boundaryDeny = e.plain([]*Policy{r.PermissionBoundary})
			}
		}
		if len(r.SessionPolicies) > 0 {
			v.sessionAllow, v.sessionDeny = old.sessionAllow, old.sessionDeny
			if redo(old.sessionAllow, old.sessionDeny) {
				v.sessionAllow, v.sessionDeny = e.plain(r.SessionPolicies)
			}
		}
		if p.scpsApply && len(r.SCPs) > 0 {
			v.scpAllow, v.scpDeny = old.scpAllow, old.scpDeny
			if redo(old.scpAllow, old.scpDeny) {
				v.scpAllow, v.scpDeny = e.levels(r.SCPs)
			}
		}
	}
	if len(r.RCPs) > 0 {
		v.rcpDeny = old.rcpDeny
		if redo(old.rcpDeny, triFalse) {
			_, v.rcpDeny = e.levels(r.RCPs)
		}
	}
	if r.ResourcePolicy != nil {
		v.resource, v.resourceDeny = old.resource, old.resourceDeny
		if redo(anyLevel(old.resource), old.resourceDeny) || redo(old.resource[levelDirect], old.resource[levelRole]) ||
			redo(old.resource[levelDirectSession], old.resource[levelAccount]) {
			v.resource, v.resourceDeny = e.resourcePolicy(r.ResourcePolicy)
		}
	}
	if r.VPCEndpointPolicy != nil {
		v.endpointAllow, v.endpointDeny = old.endpointAllow, old.endpointDeny
		if redo(old.endpointAllow, old.endpointDeny) {
			v.endpointAllow, v.endpointDeny = e.endpointPolicy(r.VPCEndpointPolicy)
		}
	}

	ds, d, role, acct := v.resource[levelDirectSession], v.resource[levelDirect], v.resource[levelRole], v.resource[levelAccount]
	filter := and(v.boundaryAllow, v.sessionAllow)
	idPath := and(v.identityAllow, filter)
	switch {
	case !v.iam:
		v.grant = or(d, ds)
	case !p.sameAccount:
		v.grant = and(or(or(ds, d), or(role, acct)), idPath)
	case p.resourceRequired:
		v.grant = or(or(ds, and(d, v.sessionAllow)), or(and(role, filter), and(acct, idPath)))
	default:
		v.grant = or(or(ds, and(d, v.sessionAllow)), or(and(role, filter), idPath))
	}
	v.allowed = and(and(v.grant, v.scpAllow), v.endpointAllow)
	v.explicit = or(or(or(v.identityDeny, v.boundaryDeny), or(v.sessionDeny, v.scpDeny)),
		or(or(v.rcpDeny, v.resourceDeny), v.endpointDeny))
	return v
}

// denyKinds lists the kinds whose Deny surely applies.
func (v *verdict) denyKinds() []string {
	var out []string
	add := func(t tri, kind string) {
		if t.isTrue() {
			out = append(out, kind)
		}
	}
	add(v.identityDeny, KindIdentity)
	add(v.boundaryDeny, KindPermissionBoundary)
	add(v.sessionDeny, KindSession)
	add(v.scpDeny, KindSCP)
	add(v.rcpDeny, KindRCP)
	add(v.resourceDeny, KindResource)
	add(v.endpointDeny, KindVPCEndpoint)
	return out
}

// lackKinds lists, for an implicit deny, the kinds that lacked an Allow
// on the granting paths still open (spec 4.5).
func (v *verdict) lackKinds() []string {
	var out []string
	add := func(t tri, kind string) {
		if t.isFalse() {
			out = append(out, kind)
		}
	}
	open := func(t tri) bool { return !t.isFalse() }
	res := v.resource
	anyResource := open(res[levelDirectSession]) || open(res[levelDirect]) || open(res[levelRole]) || open(res[levelAccount])
	if v.grant.isFalse() {
		switch {
		case !v.iam:
			out = append(out, KindResource)
		case !v.sameAccount || !v.required:
			// the identity path is open (cross account: together with
			// the resource policy)
			add(v.identityAllow, KindIdentity)
			add(v.boundaryAllow, KindPermissionBoundary)
			add(v.sessionAllow, KindSession)
			if !v.sameAccount && !anyResource {
				out = append(out, KindResource)
			}
		case !anyResource:
			out = append(out, KindResource)
		default:
			// Same account, the resource policy must grant: name what is
			// missing on each level it reaches.
			if open(res[levelAccount]) {
				add(v.identityAllow, KindIdentity)
			}
			if open(res[levelAccount]) || open(res[levelRole]) {
				add(v.boundaryAllow, KindPermissionBoundary)
			}
			add(v.sessionAllow, KindSession)
		}
	}
	add(v.scpAllow, KindSCP)
	add(v.endpointAllow, KindVPCEndpoint)
	return out
}

// actionMatches reports whether s's Action/NotAction covers the request's
// action.
func (e *evaluator) actionMatches(s *statement) bool {
	m := false
	for i := range s.actions {
		if s.actions[i].match(e.req.action) {
			m = true
			break
		}
	}
	return m != s.notAction
}

// resourceMatches evaluates s's Resource/NotResource (spec 4.2): against
// the literal resource, or, for a pattern, by overlap or cover depending
// on the effect.
func (e *evaluator) resourceMatches(s *statement) tri {
	if s.anyResource {
		return triTrue
	}
	// For a pattern: an Allow's Resource needs some value to overlap, a
	// Deny's to cover; an Allow's NotResource applies when no value
	// covers, a Deny's when none overlaps.
	cover := s.effect == effectDeny
	if s.notResource {
		cover = !cover
	}
	m := triFalse
	for i := range s.resources {
		var t tri
		if e.req.literal {
			t = e.matchResource(&s.resources[i])
		} else {
			t = e.patternRelation(&s.resources[i], cover)
		}
		if m = or(m, t); m.isTrue() {
			break
		}
	}
	if s.notResource {
		return not(m)
	}
	return m
}

// conditions evaluates s's Condition block (AND).
func (e *evaluator) conditions(s *statement) tri {
	out := triTrue
	for i := range s.conds {
		if out = and(out, e.condition(&s.conds[i])); out.isFalse() {
			return out
		}
	}
	return out
}

// applies evaluates everything but the principal.
func (e *evaluator) applies(s *statement) tri {
	if s.never || !e.actionMatches(s) {
		return triFalse
	}
	r := e.resourceMatches(s)
	if r.isFalse() {
		return r
	}
	return and(r, e.conditions(s))
}

// plain evaluates policies whose Principal is ignored (identity,
// boundary, session, SCP, RCP): allow = some Allow applies, deny = some
// Deny applies.
func (e *evaluator) plain(ps []*Policy) (allow, deny tri) {
	for _, p := range ps {
		for i := range p.statements {
			s := &p.statements[i]
			switch s.effect {
			case effectAllow:
				if !allow.isTrue() {
					allow = or(allow, e.applies(s))
				}
			case effectDeny:
				if !deny.isTrue() {
					deny = or(deny, e.applies(s))
				}
			}
		}
	}
	return allow, deny
}

// levels evaluates SCPs or RCPs: allow needs some Allow at every level (a
// level without policies allows nothing); any level's Deny denies.
func (e *evaluator) levels(ls []Level) (allow, deny tri) {
	allow = triTrue
	for _, l := range ls {
		a, d := e.plain(l.Policies)
		allow = and(allow, a)
		deny = or(deny, d)
	}
	return allow, deny
}

// notPrincipalDenies is the AWS rule kept by the spec: a Deny with
// NotPrincipal applies to every IAM principal that has a permissions
// boundary, whatever NotPrincipal lists.
func (e *evaluator) notPrincipalDenies() bool {
	return e.req.principal.kind.isIAM() && e.req.hasBoundary
}

// resourcePolicy evaluates the resource's policy: allows per principal
// match level, and the deny.
func (e *evaluator) resourcePolicy(p *Policy) (lv [levels]tri, deny tri) {
	for i := range p.statements {
		s := &p.statements[i]
		if s.effect == effectIgnored || !s.principal.present || s.principal.broken {
			continue
		}
		if s.effect == effectDeny && deny.isTrue() {
			continue
		}
		if s.never || !e.actionMatches(s) {
			continue
		}
		pl := e.principalLevels(&s.principal)
		if s.principal.not {
			m := not(anyLevel(pl))
			if s.effect == effectDeny && e.notPrincipalDenies() {
				m = triTrue
			}
			pl = [levels]tri{}
			pl[levelDirect] = m
		}
		if anyLevel(pl).isFalse() {
			continue
		}
		a := e.applies(s)
		if s.effect == effectDeny {
			deny = or(deny, and(a, anyLevel(pl)))
			continue
		}
		for l := range pl {
			lv[l] = or(lv[l], and(a, pl[l]))
		}
	}
	return lv, deny
}

// endpointPolicy evaluates a VPC endpoint policy: any principal level
// counts, and a statement without Principal applies to everyone.
func (e *evaluator) endpointPolicy(p *Policy) (allow, deny tri) {
	for i := range p.statements {
		s := &p.statements[i]
		if s.effect == effectIgnored || s.principal.broken {
			continue
		}
		who := triTrue
		if s.principal.present {
			who = anyLevel(e.principalLevels(&s.principal))
			if s.principal.not {
				who = not(who)
				if s.effect == effectDeny && e.notPrincipalDenies() {
					who = triTrue
				}
			}
		}
		if who.isFalse() {
			continue
		}
		t := and(who, e.applies(s))
		if s.effect == effectDeny {
			deny = or(deny, t)
		} else {
			allow = or(allow, t)
		}
	}
	return allow, deny
}

// prepare validates r and computes what every statement needs.
func prepare(r *Request) (prepared, error) {
	var p prepared
	var err error
	if p.principal, err = parsePrincipal(r.Principal); err != nil {
		return p, err
	}
	svc, name, ok := strings.Cut(r.Action, ":")
	if !ok || svc == "" || name == "" || strings.ContainsAny(r.Action, " \t\n,") {
		return p, fmt.Errorf("action: %q is not service:Action (for example sts:AssumeRole)", r.Action)
	}
	p.action = strings.ToLower(r.Action)

	switch {
	case r.Resource != "" && r.ResourcePattern != "":
		return p, fmt.Errorf("resource and resource_pattern are both set: give one")
	case r.Resource == "" && r.ResourcePattern == "":
		return p, fmt.Errorf("resource: give the resource ARN (\"*\" for actions without resource-level permissions) or a resource_pattern")
	}
	var account string // the account named by the resource, if any
	if r.Resource != "" {
		p.literal = true
		if r.Resource == "*" {
			p.resourceStar = true
		} else if f, ok := splitARN(r.Resource); ok {
			p.resourceIsARN = true
			for i := range fieldResource {
				f[i] = strings.ToLower(f[i])
			}
			p.resourceFields = f
			account = f[fieldAccount]
		}
	} else {
		if r.ResourcePattern == "*" {
			p.patternAll = true
		} else {
			f, ok := splitARN(r.ResourcePattern)
			if !ok {
				return p, fmt.Errorf("resource_pattern: %q is neither \"*\" nor an ARN pattern with six fields (arn:partition:service:region:account:resource)", r.ResourcePattern)
			}
			for i, s := range f {
				g := compileGlob(s)
				if i != fieldResource {
					g = g.lower()
				}
				p.patternFields[i] = g
			}
			if isAccountID(f[fieldAccount]) {
				account = f[fieldAccount]
			}
		}
	}

	switch {
	case r.ResourceAccount != "":
		if !isAccountID(r.ResourceAccount) {
			return p, fmt.Errorf("resource_account: %q is not a 12-digit account id", r.ResourceAccount)
		}
		account = r.ResourceAccount
	case p.resourceStar || p.patternAll:
		account = p.principal.account
	case account == "" && p.literal:
		return p, fmt.Errorf("resource_account: required: the resource %q has no account field (S3 buckets and objects have none); give the account that owns it", r.Resource)
	case account == "":
		return p, fmt.Errorf("resource_account: required: the account field of the pattern %q is not a literal account id; give the account that owns the resources", r.ResourcePattern)
	}
	p.sameAccount = p.principal.account != "" && p.principal.account == account
	p.resourceRequired = resourcePolicyRequired(&p, svc)
	p.hasBoundary = r.PermissionBoundary != nil
	p.scpsApply = !p.principal.serviceLinked

	if r.Context != nil && r.Context.Err() != nil {
		return p, r.Context.Err()
	}
	if err := checkPolicies(r); err != nil {
		return p, err
	}
	return p, nil
}

// checkPolicies refuses nil policies, naming where they are.
func checkPolicies(r *Request) error {
	for i, p := range r.IdentityPolicies {
		if p == nil {
			return fmt.Errorf("identity_policies[%d]: no policy", i)
		}
	}
	for i, p := range r.SessionPolicies {
		if p == nil {
			return fmt.Errorf("session_policies[%d]: no policy", i)
		}
	}
	for _, ls := range []struct {
		name   string
		levels []Level
	}{{"scps", r.SCPs}, {"rcps", r.RCPs}} {
		for i, l := range ls.levels {
			for j, p := range l.Policies {
				if p == nil {
					return fmt.Errorf("%s[%d].policies[%d]: no policy", ls.name, i, j)
				}
			}
		}
	}
	return nil
}

// resourcePolicyRequired reports whether only the resource policy can
// grant in the same account: sts: actions on an IAM role (its trust
// policy) and KMS keys (their key policy).
func resourcePolicyRequired(p *prepared, actionService string) bool {
	service, res := p.resourceService()
	switch {
	case service == "iam" && strings.HasPrefix(res, "role/"):
		return strings.EqualFold(actionService, "sts")
	case service == "kms" && strings.HasPrefix(res, "key/"):
		return true
	}
	return false
}

// resourceService returns the request's resource service and the literal
// beginning of its resource part (all of it for a literal resource).
func (p *prepared) resourceService() (service, resourcePrefix string) {
	switch {
	case p.literal && p.resourceIsARN:
		return p.resourceFields[fieldService], p.resourceFields[fieldResource]
	case !p.literal && !p.patternAll:
		s, ok := p.patternFields[fieldService].literal()
		if !ok {
			return "", ""
		}
		return s, literalPrefix(p.patternFields[fieldResource])
	}
	return "", ""
}

// literalPrefix returns the text before g's first wildcard.
func literalPrefix(g glob) string {
	switch g.kind {
	case globExact, globPrefix:
		return g.text
	case globGeneral:
		var sb strings.Builder
		for _, r := range g.runes {
			if r < 0 {
				break
			}
			sb.WriteRune(r)
		}
		return sb.String()
	}
	return ""
}

// Actions AWS refuses on resources it owns, whatever the policies allow
// (spec 4.7).
var (
	managedPolicyActions = setOf("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy",
		"iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy")
	reservedRoleActions = setOf("iam:AttachRolePolicy", "iam:CreateRole", "iam:CreateServiceLinkedRole",
		"iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
		"iam:DeleteServiceLinkedRole", "iam:DetachRolePolicy", "iam:PassRole",
		"iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole",
		"iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription")
	awsAliasActions = setOf("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// serviceRule returns the decision a service rule imposes, if one does:
// Allowed for sts:GetCallerIdentity (except anonymously), ImplicitDeny
// (explicit when a Deny also applies) for the protected resources. For a
// pattern, a protected-resource rule applies only when every resource of
// the pattern is protected.
func serviceRule(p *prepared, r *Request) (Decision, bool) {
	if p.action == "sts:getcalleridentity" && p.principal.kind != principalAnonymous {
		return Allowed, true
	}
	service, res := p.resourceService()
	account := ""
	if p.literal && p.resourceIsARN {
		account = p.resourceFields[fieldAccount]
	} else if !p.literal && !p.patternAll {
		account, _ = p.patternFields[fieldAccount].literal()
	}
	switch {
	case managedPolicyActions[p.action] && service == "iam" && account == "aws" && strings.HasPrefix(res, "policy/"),
		reservedRoleActions[p.action] && service == "iam" && strings.HasPrefix(res, "role/aws-reserved/"),
		awsAliasActions[p.action] && service == "kms" && strings.HasPrefix(res, "alias/aws/"):
		return ImplicitDeny, true
	}
	return "", false
}
