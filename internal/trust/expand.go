package trust

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Input is what Expand needs: the model, and the organization's accounts
// through the selector that model expansion uses too.
type Input struct {
	Model *model.Model
	// Selector resolves account selectors against the organization; its
	// management account is the hub when identity_center.hub_account is
	// not set.
	Selector *state.Selector
}

// Result is everything Expand derives, sorted and normalized: roles and
// providers by key, hop permission sets by name, hop assignments as
// state.SortAssignments orders them.
type Result struct {
	Roles []state.Role
	// HopSets are permission sets of the hub whose only right is to assume
	// one role in one external account.
	HopSets []state.PermissionSet
	// HopAssignments assign the hop sets in the hub account.
	HopAssignments []state.Assignment
	SAMLProviders  []state.SAMLProvider
}

// Expand derives the roles, hop permission sets, hop assignments and SAML
// providers the model asks for. It reports every problem it finds as
// model.Problems with the position of the model entry at fault; the result
// is then nil.
func Expand(in Input) (*Result, error) {
	e := &expander{in: in, m: in.Model, res: &Result{}, sources: map[string]origin{}}
	if e.m == nil {
		return e.res, nil
	}
	if e.in.Selector == nil {
		e.in.Selector = state.NewSelector(e.m, nil)
	}
	e.index()
	pairs := e.externalPairs()
	e.hops(pairs)
	for _, r := range e.m.Roles {
		e.modelRole(r)
	}
	for _, a := range e.m.Accounts {
		if a.SAML != nil {
			e.saml(a)
		}
	}
	e.checkReachable()
	if len(e.probs) == 0 {
		e.checkOrder()
	}
	if len(e.probs) > 0 {
		return nil, e.probs.Sort()
	}
	e.sort()
	return e.res, nil
}

type expander struct {
	in    Input
	m     *model.Model
	res   *Result
	probs model.Problems

	// sources says, for messages, what in the model asks for each role
	// (by role key) and where.
	sources map[string]origin

	roles    map[string]model.Role
	selected map[string]map[string]bool // role name -> account IDs
	setNames map[string]bool            // model permission sets and hop sets
	hub      string                     // hub account ID, resolved on first use
	hubDone  bool
}

func (e *expander) problem(pos model.Pos, hint, format string, args ...any) {
	e.probs = append(e.probs, model.Problem{Pos: pos, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// index resolves every role's accounts once.
func (e *expander) index() {
	e.roles = map[string]model.Role{}
	e.selected = map[string]map[string]bool{}
	e.setNames = map[string]bool{}
	for _, p := range e.m.PermissionSets {
		e.setNames[p.Name] = true
	}
	for _, r := range e.m.Roles {
		e.roles[r.Name] = r
		set := map[string]bool{}
		ids, probs := e.in.Selector.IDs(r.Accounts)
		e.probs = append(e.probs, probs...)
		for _, id := range ids {
			set[id] = true
		}
		e.selected[r.Name] = set
	}
}

// accountID resolves a model account name or a 12-digit ID.
func (e *expander) accountID(ref string) (string, bool) {
	if accountIDPattern.MatchString(ref) {
		return ref, true
	}
	if a, ok := e.m.Account(ref); ok && a.ID != "" {
		return a.ID, true
	}
	return "", false
}

func (e *expander) accountLabel(id string) string {
	if a, ok := e.m.AccountByID(id); ok {
		return a.Name + " (" + id + ")"
	}
	return id
}

// hubID returns the hub account: identity_center.hub_account, or the
// organization's management account.
func (e *expander) hubID(pos model.Pos) (string, bool) {
	if e.hubDone {
		return e.hub, e.hub != ""
	}
	e.hubDone = true
	ic := e.m.IdentityCenter
	switch {
	case ic.HubAccount != "":
		a, ok := e.m.Account(ic.HubAccount)
		switch {
		case !ok:
			e.problem(ic.Pos, "name an account of accounts:", "identity_center.hub_account %q is not an account of the model", ic.HubAccount)
		case a.External:
			e.problem(ic.Pos, "the hub must be the organization's account where Identity Center lives", "identity_center.hub_account %s is an external account", a.Name)
		default:
			e.hub = a.ID
		}
	case e.in.Selector.Organization().ManagementAccountID != "":
		e.hub = e.in.Selector.Organization().ManagementAccountID
	default:
		e.problem(pos, "set identity_center.hub_account", "the hub account is unknown: identity_center.hub_account is not set and the organization's management account was not read")
	}
	return e.hub, e.hub != ""
}

// roleARN resolves "Name@account" to the ARN of a role of the model that is
// created in that account.
func (e *expander) roleARN(ref model.RoleRef, what string) (string, bool) {
	r, ok := e.roles[ref.Role]
	if !ok {
		e.problem(ref.Pos, "name a role of roles:", "%s names role %s, which is not in the model", what, ref)
		return "", false
	}
	id, ok := e.accountID(ref.Account)
	if !ok {
		e.problem(ref.Pos, "name an account of accounts: or a 12-digit account ID", "%s names role %s in account %q, which is not an account of the model", what, ref, ref.Account)
		return "", false
	}
	if !e.selected[r.Name][id] {
		e.problem(ref.Pos, "add the account to the role's accounts, or name an account where it is created", "%s names role %s, but role %s is not created in account %s", what, ref, r.Name, e.accountLabel(id))
		return "", false
	}
	return state.RoleARN(id, r.Path, r.Name), true
}

var (
	principalOrgID  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	externalIDChars = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// conditions returns the role's conditions with the entry's on top: an
// entry's external_id and principal_org_id replace the role's, mfa adds.
func (e *expander) conditions(role, entry model.Conditions, pos model.Pos) model.Conditions {
	c := role
	if entry.ExternalID != "" {
		c.ExternalID = entry.ExternalID
	}
	if entry.PrincipalOrgID != "" {
		c.PrincipalOrgID = entry.PrincipalOrgID
	}
	c.MFA = c.MFA || entry.MFA
	if c.ExternalID != "" && (!externalIDChars.MatchString(c.ExternalID) || len(c.ExternalID) < 2 || len(c.ExternalID) > 1224) {
		e.problem(pos, "use 2 to 1224 characters of letters, digits and +=,.@:/-_", "external_id %q is not a valid sts:ExternalId", c.ExternalID)
	}
	if c.PrincipalOrgID != "" && !principalOrgID.MatchString(c.PrincipalOrgID) {
		e.problem(pos, "write the organization ID as o- followed by 10 to 32 lowercase letters or digits", "principal_org_id %q is not an organization ID", c.PrincipalOrgID)
	}
	return c
}

func addConditions(s *statement, c model.Conditions) {
	if c.ExternalID != "" {
		s.addCondition(opStringEquals, keyExternalID, c.ExternalID)
	}
	if c.PrincipalOrgID != "" {
		s.addCondition(opStringEquals, keyPrincipalOrgID, c.PrincipalOrgID)
	}
	if c.MFA {
		s.addCondition(opBool, keyMFAPresent, "true")
	}
}

// permissionSetStatement trusts the AWSReservedSSO role of permission set ps
// in account: the account's root narrowed by aws:PrincipalArn to both path
// forms, excluding the roles of other sets whose names start with "<ps>_"
// (AWSReservedSSO_Admin_* would match AWSReservedSSO_Admin_ReadOnly_...).
func (e *expander) permissionSetStatement(account, ps string) statement {
	s := statement{
		Effect:    "Allow",
		Principal: map[string][]string{"AWS": {state.RootARN(account)}},
		Action:    []string{actionAssumeRole, actionSetSourceIdentity, actionTagSession},
	}
	s.addCondition(opArnLike, keyPrincipalArn, SSORolePatterns(account, ps)...)
	for _, other := range slices.Sorted(maps.Keys(e.setNames)) {
		if strings.HasPrefix(other, ps+"_") {
			s.addCondition(opArnNotLike, keyPrincipalArn, SSORolePatterns(account, other)...)
		}
	}
	return s
}

// trustStatement turns one trust entry of role r into a statement. exact
// reports the ARN of a role named as exact principal (tighten), which must
// exist before r can be created.
func (e *expander) trustStatement(r model.Role, t model.TrustEntry) (statement, bool) {
	subjects := 0
	for _, s := range []string{t.Role, t.PermissionSet} {
		if s != "" {
			subjects++
		}
	}
	if t.Account != "" && t.PermissionSet == "" {
		subjects++
	}
	const oneSubject = "write one of {account: name}, {role: Name@account} or {permission_set: Name}"
	if subjects != 1 {
		e.problem(t.Pos, oneSubject, "role %s: trust entry must name exactly one of account, role or permission_set", r.Name)
		return statement{}, false
	}
	if t.Tighten && t.Role == "" {
		e.problem(t.Pos, "remove tighten, or trust a role: {role: Name@account, tighten: true}", "role %s: tighten applies only to a role trust entry", r.Name)
	}
	if t.Principal != "" && (t.Role != "" || t.PermissionSet != "") {
		e.problem(t.Pos, "principal narrows an account entry: {account: name, principal: role/ci-*}", "role %s: principal applies only to an account trust entry", r.Name)
	}
	cond := e.conditions(r.Conditions, t.Conditions, t.Pos)
	var s statement
	switch {
	case t.Role != "":
		role, account, ok := strings.Cut(t.Role, "@")
		if !ok || role == "" || account == "" {
			e.problem(t.Pos, "write it as RoleName@account-name", "role %s: trusted role %q is not Name@account", r.Name, t.Role)
			return statement{}, false
		}
		ref := model.RoleRef{Role: role, Account: account, Pos: t.Pos}
		arn, ok := e.roleARN(ref, "role "+r.Name+": trust entry")
		if !ok {
			return statement{}, false
		}
		accountID, _ := e.accountID(account)
		s = statement{Effect: "Allow", Action: []string{actionAssumeRole, actionSetSourceIdentity}}
		if t.Tighten {
			// IAM binds an exact role principal to the role's unique ID: it
			// must exist first (CreateOrder), and a re-created role breaks it.
			s.Principal = map[string][]string{"AWS": {arn}}
		} else {
			// Needs no existence check and survives re-creation.
			s.Principal = map[string][]string{"AWS": {state.RootARN(accountID)}}
			s.addCondition(opArnEquals, keyPrincipalArn, arn)
		}
	case t.PermissionSet != "":
		if !e.setNames[t.PermissionSet] {
			e.problem(t.Pos, "name a permission set of permission_sets:", "role %s: trust names permission set %s, which is not in the model", r.Name, t.PermissionSet)
			return statement{}, false
		}
		var account string
		if t.Account != "" {
			id, ok := e.accountID(t.Account)
			if !ok {
				e.problem(t.Pos, "name an account of accounts: or a 12-digit account ID", "role %s: trust names account %q, which is not an account of the model", r.Name, t.Account)
				return statement{}, false
			}
			account = id
		} else {
			id, ok := e.hubID(t.Pos)
			if !ok {
				return statement{}, false
			}
			account = id
		}
		s = e.permissionSetStatement(account, t.PermissionSet)
	default:
		id, ok := e.accountID(t.Account)
		if !ok {
			e.problem(t.Pos, "name an account of accounts: or a 12-digit account ID", "role %s: trust names account %q, which is not an account of the model", r.Name, t.Account)
			return statement{}, false
		}
		s = statement{
			Effect:    "Allow",
			Principal: map[string][]string{"AWS": {state.RootARN(id)}},
			Action:    []string{actionAssumeRole, actionSetSourceIdentity},
		}
		if t.Principal != "" {
			pattern, ok := e.principalPattern(r, t, id)
			if !ok {
				return statement{}, false
			}
			s.addCondition(opArnLike, keyPrincipalArn, pattern)
		}
	}
	addConditions(&s, cond)
	return s, true
}

// principalPattern turns an account entry's principal ("role/ci-*" or a full
// ARN in that account) into an aws:PrincipalArn pattern.
func (e *expander) principalPattern(r model.Role, t model.TrustEntry, accountID string) (string, bool) {
	p := t.Principal
	if strings.HasPrefix(p, "arn:") {
		if !strings.HasPrefix(p, "arn:"+state.Partition+":iam::"+accountID+":") {
			e.problem(t.Pos, "write a pattern such as role/ci-* or an ARN in the trusted account", "role %s: principal %q is not an IAM ARN in account %s", r.Name, p, e.accountLabel(accountID))
			return "", false
		}
		return p, true
	}
	if !strings.HasPrefix(p, "role/") && !strings.HasPrefix(p, "user/") {
		e.problem(t.Pos, "write role/NAME-PATTERN or user/NAME-PATTERN, e.g. role/ci-*", "role %s: principal %q is neither role/... nor user/...", r.Name, p)
		return "", false
	}
	return "arn:" + state.Partition + ":iam::" + accountID + ":" + p, true
}

// checkRoleSettings reports problems in a role's own settings (name, path,
// session, tags) once, whatever its accounts.
func (e *expander) checkRoleSettings(r model.Role) (path string, maxSession int, ok bool) {
	n := len(e.probs)
	if !nameChars.MatchString(r.Name) || len(r.Name) > maxRoleName {
		e.problem(r.Pos, "use at most 64 letters, digits and +=,.@-_", "role name %q is not a valid IAM role name", r.Name)
	}
	path = cmp.Or(r.Path, state.DefaultPath)
	if !rolePath.MatchString(path) || len(path) > 512 {
		e.problem(r.Pos, `write a path that starts and ends with "/", e.g. /gatehouse/`, "role %s: path %q is not a valid IAM path", r.Name, r.Path)
	}
	maxSession = state.DefaultMaxSession
	if r.MaxSession != 0 {
		maxSession = int(r.MaxSession / time.Second)
		if r.MaxSession%time.Second != 0 || maxSession < state.DefaultMaxSession || maxSession > state.MaxMaxSession {
			e.problem(r.Pos, "IAM allows 1h to 12h", "role %s: max_session %s is out of range", r.Name, r.MaxSession)
		}
	}
	if _, ok := r.Tags[state.ManagedTagKey]; ok {
		e.problem(r.Pos, "remove the tag: gatehouse sets it on every role it manages", "role %s: tag %s is reserved", r.Name, state.ManagedTagKey)
	}
	return path, maxSession, len(e.probs) == n
}

func managedTags(extra map[string]string) map[string]string {
	tags := map[string]string{state.ManagedTagKey: state.ManagedTagValue}
	for k, v := range extra {
		if k != state.ManagedTagKey {
			tags[k] = v
		}
	}
	return tags
}

// modelRole expands one role of roles: into every account it selects.
func (e *expander) modelRole(r model.Role) {
	path, maxSession, ok := e.checkRoleSettings(r)
	var stmts []statement
	for _, t := range r.Trust {
		if s, sok := e.trustStatement(r, t); sok {
			stmts = append(stmts, s)
		} else {
			ok = false
		}
	}
	if len(r.Trust) == 0 {
		e.problem(r.Pos, "add trust: [{account: name}] (or a role or permission_set entry)", "role %s trusts nobody", r.Name)
		ok = false
	}
	inline := map[string]string{}
	if r.InlinePolicy != "" {
		doc, err := policy.Canonical(r.InlinePolicy)
		if err != nil {
			e.problem(r.Pos, "write inline_policy as an IAM policy document", "role %s: inline_policy: %v", r.Name, err)
			ok = false
		}
		inline[InlinePolicyName] = doc
	}
	if len(r.CanAssume) > 0 {
		var arns []string
		for _, ref := range r.CanAssume {
			if arn, aok := e.roleARN(ref, "role "+r.Name+": can_assume"); aok {
				arns = append(arns, arn)
			} else {
				ok = false
			}
		}
		slices.Sort(arns)
		inline[CanAssumePolicyName] = render(statement{
			Effect:   "Allow",
			Action:   []string{actionAssumeRole, actionSetSourceIdentity},
			Resource: slices.Compact(arns),
		})
	}
	if !ok {
		return
	}
	trustDoc := render(stmts...)
	managed := sortedUnique(r.ManagedPolicies)
	for _, id := range slices.Sorted(maps.Keys(e.selected[r.Name])) {
		e.addRole(state.Role{
			AccountID:           id,
			Name:                r.Name,
			Path:                path,
			Description:         r.Description,
			TrustPolicy:         trustDoc,
			ManagedPolicies:     managed,
			InlinePolicies:      maps.Clone(inline),
			MaxSessionDuration:  maxSession,
			PermissionsBoundary: boundaryARN(r.PermissionsBoundary, id),
			Tags:                managedTags(r.Tags),
			Adopt:               r.Adopt,
		}, origin{fmt.Sprintf("role %s (%s)", r.Name, r.Pos), r.Pos})
	}
}

// boundaryARN resolves a permissions boundary of the model to a policy ARN
// in accountID ("" for none): a customer-managed policy is the one of that
// name and path in the account, as Identity Center resolves it too.
func boundaryARN(b *model.Boundary, accountID string) string {
	if b == nil {
		return ""
	}
	if b.CustomerManaged != nil {
		return state.PolicyARN(accountID, b.CustomerManaged.Path, b.CustomerManaged.Name)
	}
	return b.ManagedPolicyARN
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// origin is what in the model asks for a role, and where.
type origin struct {
	source string
	pos    model.Pos
}

// addRole adds a derived role, normalized. Two sources asking for the same
// role in one account is a problem naming both.
func (e *expander) addRole(r state.Role, o origin) {
	if prev, dup := e.sources[r.Key()]; dup {
		e.problem(o.pos, "rename one of them", "role %s in account %s is asked for twice: by %s and by %s", r.Name, e.accountLabel(r.AccountID), prev.source, o.source)
		return
	}
	e.sources[r.Key()] = o
	e.res.Roles = append(e.res.Roles, r.Normalize())
}

// checkOrder reports trust cycles among exact (tightened) role principals.
func (e *expander) checkOrder() {
	docs := make(map[string]string, len(e.res.Roles))
	for _, r := range e.res.Roles {
		docs[r.Key()] = r.TrustPolicy
	}
	_, err := CreateOrder(docs)
	var cycle *CycleError
	if errors.As(err, &cycle) {
		pos := e.m.IdentityCenter.Pos
		if o, ok := e.sources[cycle.Keys[0]]; ok {
			pos = o.pos
		}
		e.problem(pos, "drop tighten: true from one trust entry of the cycle (the aws:PrincipalArn form needs no order)", "%v", err)
	} else if err != nil {
		e.problem(e.m.IdentityCenter.Pos, "", "%v", err)
	}
}

func (e *expander) sort() {
	sort.Slice(e.res.Roles, func(i, j int) bool { return e.res.Roles[i].Key() < e.res.Roles[j].Key() })
	sort.Slice(e.res.HopSets, func(i, j int) bool { return e.res.HopSets[i].Name < e.res.HopSets[j].Name })
	e.res.HopAssignments = state.SortAssignments(e.res.HopAssignments)
	sort.Slice(e.res.SAMLProviders, func(i, j int) bool { return e.res.SAMLProviders[i].Key() < e.res.SAMLProviders[j].Key() })
}
