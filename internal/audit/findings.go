package audit

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// Rule IDs of the trust- and identity-policy lint (docs/audit-findings.md
// describes each). They are part of the stable report format.
const (
	RulePolicyInvalid     = "POLICY-INVALID"
	RulePublic            = "TP-PUBLIC"
	RuleRoot              = "TP-ROOT"
	RuleThirdPartyNoExtID = "TP-3P-NOEXTID"
	RuleCrossOrg          = "TP-CROSSORG"
	RuleDangling          = "TP-DANGLING"
	RuleNotPrincipal      = "TP-NOTPRINCIPAL"
	RuleResource          = "TP-RESOURCE"
	RulePartialWildcard   = "TP-PARTIAL-WILDCARD"
	RuleForAllSingle      = "TP-FORALL-SINGLE"
	RuleMultiNoSet        = "TP-MULTI-NOSET"
	RuleNoMFA             = "TP-NOMFA"
	RuleSSOPattern        = "TP-SSO-PATTERN"
	RuleLikeMissing       = "TP-LIKE-MISSING"
	RuleServiceConfDep    = "TP-SVC-CONFDEP"
	RuleOIDC              = "TP-OIDC"
	RuleSAML              = "TP-SAML"
	RuleActionWide        = "TP-ACTION-WIDE"
	RuleRedundantSession  = "TP-REDUNDANT-SESSION"
	RuleAssumeStar        = "ID-ASSUME-STAR"
)

// Rule describes one lint rule.
type Rule struct {
	ID string
	// Severities are the severities its findings can have, worst first.
	Severities []string
	Summary    string
}

// Rules is the lint catalogue, in the order docs/audit-findings.md lists
// it.
var Rules = []Rule{
	{RulePolicyInvalid, []string{Medium}, "the policy document cannot be read"},
	{RulePublic, []string{Critical}, "any AWS principal can assume the role"},
	{RuleRoot, []string{Medium, Low}, "a whole account is trusted"},
	{RuleThirdPartyNoExtID, []string{High}, "a third-party account is trusted without an external ID"},
	{RuleCrossOrg, []string{Medium, Info}, "an account outside the organization is trusted"},
	{RuleDangling, []string{Low}, "a principal is the unique ID of a deleted role or user"},
	{RuleNotPrincipal, []string{High}, "NotPrincipal in a trust policy"},
	{RuleResource, []string{High}, "Resource or NotResource in a trust policy"},
	{RulePartialWildcard, []string{High}, "a wildcard inside a principal"},
	{RuleForAllSingle, []string{High}, "ForAllValues on a single-valued key"},
	{RuleMultiNoSet, []string{Medium}, "a plain operator on a multi-valued key"},
	{RuleNoMFA, []string{Medium, Low, Info}, "MFA is not required, or is required where it cannot be met"},
	{RuleSSOPattern, []string{Medium}, "an Identity Center role pattern that misses or overmatches"},
	{RuleLikeMissing, []string{Low}, "a wildcard with an operator that compares literally"},
	{RuleServiceConfDep, []string{Low}, "a service principal without aws:SourceAccount or aws:SourceArn"},
	{RuleOIDC, []string{High}, "an OIDC provider trusted without pinning audience or subject"},
	{RuleSAML, []string{High}, "a SAML provider trusted without SAML:aud"},
	{RuleActionWide, []string{Low}, "a trust Action with a wildcard or NotAction"},
	{RuleRedundantSession, []string{Info}, "a session ARN next to its role"},
	{RuleAssumeStar, []string{Medium}, "sts:AssumeRole on any role of any account"},
}

// LintTrust returns the findings of one role's trust policy, sorted by
// statement index then rule. It is pure and never panics; a document that
// cannot be read gives one POLICY-INVALID finding.
func LintTrust(s TrustSubject, k Knowledge) []Finding {
	l := &linter{account: s.AccountID, resource: s.ARN, k: k}
	d := parseLintDoc(s.Document)
	if d.problem != "" {
		l.add(nil, RulePolicyInvalid, Medium, "give the role a trust policy IAM accepts: a JSON object with a Statement list", "%s", d.problem)
		return l.out
	}
	for _, st := range d.stmts {
		if len(st.problems) > 0 {
			l.add(st, RulePolicyInvalid, Medium, "correct the statement: IAM refuses it as written", "%s", strings.Join(st.problems, "; "))
		}
		for _, rule := range trustRules {
			rule(l, st)
		}
	}
	l.redundantSessions(d)
	sort.SliceStable(l.out, func(i, j int) bool {
		a, b := l.out[i], l.out[j]
		if a.Statement != b.Statement {
			return a.Statement < b.Statement
		}
		return a.Rule < b.Rule
	})
	return l.out
}

// LintIdentity returns the findings of a principal's identity policies,
// sorted by policy name, then statement index, then rule; each message
// names its policy. It is pure and never panics.
func LintIdentity(s IdentitySubject, k Knowledge) []Finding {
	var all []Finding
	names := make([]string, 0, len(s.Policies))
	for n := range s.Policies {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		l := &linter{account: s.AccountID, resource: s.Resource, k: k, prefix: fmt.Sprintf("policy %s: ", name), awsManaged: strings.HasPrefix(name, awsManagedPrefix)}
		d := parseLintDoc(s.Policies[name])
		if d.problem != "" {
			l.add(nil, RulePolicyInvalid, Medium, "correct the policy document: IAM would refuse it", "%s", d.problem)
		}
		for _, st := range d.stmts {
			if len(st.problems) > 0 {
				l.add(st, RulePolicyInvalid, Medium, "correct the statement: IAM refuses it as written", "%s", strings.Join(st.problems, "; "))
			}
			ruleAssumeStar(l, st)
		}
		sort.SliceStable(l.out, func(i, j int) bool {
			a, b := l.out[i], l.out[j]
			if a.Statement != b.Statement {
				return a.Statement < b.Statement
			}
			return a.Rule < b.Rule
		})
		all = append(all, l.out...)
	}
	return all
}

// linter collects the findings of one document.
type linter struct {
	account, resource string
	prefix            string // names the policy in identity findings
	awsManaged        bool   // the identity policy is AWS managed: it cannot be edited
	k                 Knowledge
	out               []Finding
}

// add records a finding about st (nil: the whole document).
func (l *linter) add(st *lintStmt, rule, severity, fix, format string, args ...any) {
	f := Finding{
		Rule: rule, Severity: severity, Account: l.account, Resource: l.resource,
		Statement: -1, Message: l.prefix + fmt.Sprintf(format, args...), Fix: fix,
	}
	if st != nil {
		f.Statement, f.Sid = st.index, st.sid
	}
	l.out = append(l.out, f)
}

// known reports whether gatehouse knows the account: a member of the
// organization it reads, or an external account of the model.
func (k Knowledge) known(account string) bool { return k.Known[account] || k.Members[account] }

func (k Knowledge) orgLabel() string {
	if k.OrgID != "" {
		return "organization " + k.OrgID
	}
	return "the organization gatehouse reads"
}

// orgIDOrPlaceholder is the organization ID for a fix, or a placeholder.
func (k Knowledge) orgIDOrPlaceholder() string {
	if k.OrgID != "" {
		return k.OrgID
	}
	return "o-YOUR-ORG-ID"
}

var trustRules = []func(*linter, *lintStmt){
	rulePublic, ruleRoot, ruleThirdParty, ruleCrossOrg, ruleDangling, ruleNotPrincipal, ruleResource,
	rulePartialWildcard, ruleForAllSingle, ruleMultiNoSet, ruleNoMFA, ruleSSOPattern, ruleLikeMissing,
	ruleServiceConfDep, ruleOIDC, ruleSAML, ruleActionWide,
}

// Condition keys the rules look at, as IAM spells them.
const (
	keyPrincipalArn      = "aws:PrincipalArn"
	keyPrincipalAccount  = "aws:PrincipalAccount"
	keyPrincipalOrgID    = "aws:PrincipalOrgID"
	keyPrincipalOrgPaths = "aws:PrincipalOrgPaths"
	keyExternalID        = "sts:ExternalId"
	keyMFAPresent        = "aws:MultiFactorAuthPresent"
	keyMFAAge            = "aws:MultiFactorAuthAge"
	keySAMLAud           = "SAML:aud"
)

// alwaysPresent keys are in every signed request, so IfExists on them
// changes nothing.
var alwaysPresent = map[string]bool{"aws:principalarn": true, "aws:principalaccount": true}

// likeOperator reports whether op reads * and ? as wildcards.
func likeOperator(base string) bool {
	switch base {
	case "StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals":
		return true
	}
	return false
}

// restricts reports whether st has a condition on key that only some
// callers meet: a positive operator; not ForAllValues (true when the key is
// missing); not IfExists unless the key is always present; and no value
// that lets everyone through (only wildcards, or for aws:PrincipalArn a
// wildcard account).
func (st *lintStmt) restricts(key string) bool {
	for _, c := range st.conditions(key) {
		if !c.positive() || c.set == forAllValues || len(c.values) == 0 || (c.ifExists && !alwaysPresent[c.lkey]) {
			continue
		}
		ok := true
		for _, v := range c.values {
			if !restrictingValue(c.lkey, c.base, v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func restrictingValue(lkey, base, v string) bool {
	if !likeOperator(base) {
		return v != "" // compared as written
	}
	switch lkey {
	case "aws:principalarn":
		parts := strings.SplitN(v, ":", 6)
		if len(parts) < 6 {
			// Not an ARN: ArnLike never matches it but for "*"; StringLike
			// reads it as one pattern.
			if base == "StringLike" || base == "StringNotLike" {
				return !hasWildcard(v)
			}
			return v != "*"
		}
		return parts[4] != "" && !hasWildcard(parts[4]) && !onlyWildcards(parts[5])
	case "aws:principalorgpaths":
		first, _, _ := strings.Cut(v, "/")
		return first != "" && !hasWildcard(first)
	default:
		return v != "" && !hasWildcard(v)
	}
}

// principalAccounts returns the distinct accounts the statement's AWS
// principals name, in document order.
func (st *lintStmt) principalAccounts() []string {
	var out []string
	for _, p := range st.awsPrincipals() {
		if p.account != "" && !slices.Contains(out, p.account) {
			out = append(out, p.account)
		}
	}
	return out
}

func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

func jsonList(values []string) string {
	if len(values) == 1 {
		return strconv.Quote(values[0])
	}
	return "[" + quoteList(values) + "]"
}

// rulePublic: {"AWS": "*"} without a condition that limits who.
func rulePublic(l *linter, st *lintStmt) {
	if !st.allow() || !(st.principalStar || slices.Contains(st.principals["AWS"], "*")) {
		return
	}
	for _, k := range []string{keyPrincipalOrgID, keyPrincipalOrgPaths, keyPrincipalAccount, keyPrincipalArn} {
		if st.restricts(k) {
			return
		}
	}
	note := ""
	if len(st.conditions(keyExternalID)) > 0 {
		note = " (an sts:ExternalId condition does not limit who: the caller chooses the ID it sends)"
	}
	l.add(st, RulePublic, Critical,
		fmt.Sprintf(`replace "*" with the accounts or roles that need the role, or add "Condition": {"StringEquals": {"aws:PrincipalOrgID": %q}}`, l.k.orgIDOrPlaceholder()),
		`the statement trusts every AWS principal ("*") with no condition on aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalAccount or aws:PrincipalArn: any role or user of any AWS account whose own policies allow it can assume this role%s`, note)
}

// narrowed reports whether the statement limits an account principal to
// some of its roles and users.
func (st *lintStmt) narrowed() bool {
	return st.restricts(keyPrincipalArn) || st.restricts("aws:userid") || st.restricts("aws:username")
}

// ruleRoot: a whole account trusted, with nothing naming which of its
// principals.
func ruleRoot(l *linter, st *lintStmt) {
	if !st.allow() || st.narrowed() {
		return
	}
	var seen []string
	for _, p := range st.awsPrincipals() {
		if p.kind != pAccount || p.account == "" || slices.Contains(seen, p.account) {
			continue
		}
		seen = append(seen, p.account)
		sev, where := Medium, "another account"
		if p.account == l.account {
			sev, where = Low, "the role's own account"
		}
		l.add(st, RuleRoot, sev,
			fmt.Sprintf(`name the principals that need the role: add "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::%s:role/ROLE-NAME"}} (ArnLike with a pattern for a family of roles); unlike a role ARN in Principal it survives the role being re-created`, p.account),
			"the statement trusts account %s (%s) as a whole: every role and user there whose identity policies allow sts:AssumeRole on this role can assume it", p.account, where)
	}
}

// externalIDWeakness says why the statement's sts:ExternalId conditions do
// not require one agreed ID; "" when one of them does.
func (st *lintStmt) externalIDWeakness() string {
	conds := st.conditions(keyExternalID)
	if len(conds) == 0 {
		return "there is no sts:ExternalId condition"
	}
	var why []string
	for _, c := range conds {
		switch {
		case c.base == "Null":
			why = append(why, c.op+" only checks that some external ID is sent")
		case !c.positive():
			why = append(why, c.op+" admits every ID but those listed")
		case c.ifExists:
			why = append(why, c.op+" lets a caller that sends no external ID through")
		case c.set == forAllValues:
			why = append(why, c.op+" is true when no external ID is sent")
		case c.base != "StringEquals" && c.base != "StringEqualsIgnoreCase" && c.base != "StringLike":
			why = append(why, c.op+" is not a string comparison")
		case slices.ContainsFunc(c.values, func(v string) bool { return v == "" || (c.base == "StringLike" && hasWildcard(v)) }):
			why = append(why, c.op+" has a wildcard or empty value, so any ID passes")
		default:
			return ""
		}
	}
	return strings.Join(why, "; ")
}

// ruleThirdParty: an account gatehouse does not know, trusted without an
// external ID.
func ruleThirdParty(l *linter, st *lintStmt) {
	if !st.allow() {
		return
	}
	for _, acct := range st.principalAccounts() {
		if acct == l.account || l.k.known(acct) {
			continue
		}
		why := st.externalIDWeakness()
		if why == "" {
			return
		}
		l.add(st, RuleThirdPartyNoExtID, High,
			fmt.Sprintf(`add "Condition": {"StringEquals": {"sts:ExternalId": "ID-AGREED-WITH-THE-THIRD-PARTY"}}; if account %s is one of yours, declare it in the model's accounts (external: true)`, acct),
			"the statement trusts account %s, a third party (neither in %s nor an external account of the model), without requiring an external ID: %s", acct, l.k.orgLabel(), why)
	}
}

// ruleCrossOrg: an account outside the organization gatehouse reads.
func ruleCrossOrg(l *linter, st *lintStmt) {
	if !st.allow() || (l.k.OrgID == "" && len(l.k.Members) == 0) {
		return
	}
	for _, acct := range st.principalAccounts() {
		if acct == l.account || l.k.Members[acct] {
			continue
		}
		perimeter := fmt.Sprintf("a resource control policy that denies sts:AssumeRole* unless aws:PrincipalOrgID is %s or aws:PrincipalAccount is one of the accounts you list", l.k.orgIDOrPlaceholder())
		if l.k.Known[acct] {
			l.add(st, RuleCrossOrg, Info, "nothing to change if this trust is intended; to keep other accounts out, attach "+perimeter,
				"the statement trusts account %s, an external account of the model, outside %s", acct, l.k.orgLabel())
			continue
		}
		l.add(st, RuleCrossOrg, Medium,
			fmt.Sprintf("if account %s is meant to be trusted, declare it in the model's accounts with external: true; otherwise remove it. To bound trust across organizations, attach %s", acct, perimeter),
			"the statement trusts account %s, which is outside %s and not an account of the model", acct, l.k.orgLabel())
	}
}

// ruleDangling: a unique ID left where a deleted role or user was named.
func ruleDangling(l *linter, st *lintStmt) {
	for _, p := range st.awsPrincipals() {
		if p.kind != pUniqueID {
			continue
		}
		what := "role"
		if strings.HasPrefix(p.raw, "AIDA") {
			what = "user"
		}
		l.add(st, RuleDangling, Low,
			fmt.Sprintf(`remove %s; to trust a re-created %s, name its account ("arn:aws:iam::ACCOUNT:root") and add "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::ACCOUNT:%s/NAME"}}, which survives re-creation`, p.raw, what, what),
			"principal %s is the unique ID of a %s that was deleted: the statement matches nobody, not even a %s re-created with the same name", p.raw, what, what)
	}
}

func ruleNotPrincipal(l *linter, st *lintStmt) {
	if st.notPrincipal {
		l.add(st, RuleNotPrincipal, High,
			`name who may assume the role in Principal; to exclude some principals, add a Deny statement with "ArnLike": {"aws:PrincipalArn": [...]}`,
			"the statement uses NotPrincipal, which IAM does not accept in a role trust policy")
	}
}

func ruleResource(l *linter, st *lintStmt) {
	var which []string
	if st.hasResource {
		which = append(which, "Resource")
	}
	if st.hasNotRes {
		which = append(which, "NotResource")
	}
	if len(which) > 0 {
		l.add(st, RuleResource, High, "remove "+strings.Join(which, " and ")+": a trust policy's resource is the role itself",
			"the statement has %s, which IAM does not accept in a role trust policy", strings.Join(which, " and "))
	}
}

// rulePartialWildcard: wildcards IAM does not accept in Principal.
func rulePartialWildcard(l *linter, st *lintStmt) {
	if st.principalStar {
		l.add(st, RulePartialWildcard, High, `write the principals as an object: "Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"} (or {"AWS": "*"} with a condition on aws:PrincipalOrgID)`,
			`Principal is the bare string "*", which a role trust policy does not support`)
	}
	for _, typ := range []string{"AWS", "Service", "Federated", "CanonicalUser"} {
		for _, v := range st.principals[typ] {
			if !hasWildcard(v) || (typ == "AWS" && v == "*") {
				continue
			}
			fix := "name the exact " + strings.ToLower(typ) + " principal"
			if typ == "AWS" {
				acct := "ACCOUNT"
				if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && accountIDRe.MatchString(parts[4]) {
					acct = parts[4]
				}
				fix = fmt.Sprintf(`name the account ("arn:aws:iam::%s:root") and add "Condition": {"ArnLike": {"aws:PrincipalArn": %q}}`, acct, v)
			}
			l.add(st, RulePartialWildcard, High, fix,
				"principal %s %q has a wildcard inside it: IAM accepts * only as the whole AWS principal, so IAM refuses the document and it matches nobody", typ, v)
		}
	}
}

// singleValued keys hold one value per request.
var singleValued = map[string]bool{
	"aws:principalorgid": true, "aws:principalarn": true, "aws:principalaccount": true, "aws:principaltype": true,
	"aws:userid": true, "aws:username": true, "aws:sourceip": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceaccount": true, "aws:sourcearn": true, "aws:sourceorgid": true, "aws:sourceidentity": true,
	"aws:multifactorauthpresent": true, "aws:multifactorauthage": true, "aws:securetransport": true,
	"aws:requestedregion": true, "aws:principalisawsservice": true, "aws:viaawsservice": true,
	"aws:currenttime": true, "aws:epochtime": true, "aws:tokenissuetime": true, "aws:federatedprovider": true,
	"sts:externalid": true, "sts:rolesessionname": true, "sts:sourceidentity": true, "saml:aud": true,
}

func isSingleValued(lkey string) bool {
	if singleValued[lkey] {
		return true
	}
	for _, p := range []string{"aws:principaltag/", "aws:requesttag/", "aws:resourcetag/"} {
		if strings.HasPrefix(lkey, p) {
			return true
		}
	}
	return false
}

// multiValued keys hold a set of values per request.
var multiValued = map[string]bool{
	"aws:principalorgpaths": true, "aws:tagkeys": true, "sts:transitivetagkeys": true,
	"aws:principalservicenameslist": true, "aws:calledvia": true, "aws:sourceorgpaths": true,
	"aws:resourceorgpaths": true, "cognito-identity.amazonaws.com:amr": true,
}

// hasNullFalse reports whether the statement requires key to be present.
func (st *lintStmt) hasNullFalse(key string) bool {
	for _, c := range st.conditions(key) {
		if c.base == "Null" && slices.ContainsFunc(c.values, func(v string) bool { return strings.EqualFold(v, "false") }) {
			return true
		}
	}
	return false
}

// ruleForAllSingle: ForAllValues is vacuously true when the key is
// missing.
func ruleForAllSingle(l *linter, st *lintStmt) {
	if !st.allow() {
		return
	}
	for _, c := range st.conds {
		if c.set != forAllValues || !isSingleValued(c.lkey) || st.hasNullFalse(c.key) {
			continue
		}
		plain := c.op[len(forAllValues)+1:]
		l.add(st, RuleForAllSingle, High,
			fmt.Sprintf(`write "%s": {%q: %s} without ForAllValues:, or add "Null": {%q: "false"}`, plain, c.key, jsonList(c.values), c.key),
			"%s on %s, a single-valued key, is true when the request has no %s at all, so callers without one pass", c.op, c.key, c.key)
	}
}

// ruleMultiNoSet: a plain positive operator on a multi-valued key never
// matches.
func ruleMultiNoSet(l *linter, st *lintStmt) {
	for _, c := range st.conds {
		if c.set != "" || !multiValued[c.lkey] || !c.positive() {
			continue
		}
		op := c.op
		if c.lkey == "aws:principalorgpaths" && c.base == "StringEquals" {
			op = "StringLike"
		}
		l.add(st, RuleMultiNoSet, Medium,
			fmt.Sprintf(`write "ForAnyValue:%s": {%q: %s}`, op, c.key, jsonList(c.values)),
			"%s on %s, which holds a set of values, never matches without ForAnyValue: or ForAllValues:, so the statement never applies", c.op, c.key)
	}
}

// requiresMFA reports whether the statement admits only sessions created
// with MFA.
func (st *lintStmt) requiresMFA() bool {
	for _, c := range st.conditions(keyMFAPresent) {
		if c.base == "Bool" && !c.ifExists && c.set != forAllValues && slices.ContainsFunc(c.values, func(v string) bool { return strings.EqualFold(v, "true") }) {
			return true
		}
	}
	for _, c := range st.conditions(keyMFAAge) {
		if (c.base == "NumericLessThan" || c.base == "NumericLessThanEquals") && !c.ifExists && c.set != forAllValues {
			return true
		}
	}
	return false
}

// userPrincipals returns the IAM users, or aws:PrincipalArn patterns that
// match IAM users, the statement trusts.
func (st *lintStmt) userPrincipals() []string {
	var out []string
	for _, p := range st.awsPrincipals() {
		if p.kind == pUser {
			out = append(out, p.raw)
		}
	}
	for _, c := range st.conditions(keyPrincipalArn) {
		if !c.positive() {
			continue
		}
		for _, v := range c.values {
			parts := strings.SplitN(v, ":", 6)
			if len(parts) == 6 && (strings.HasPrefix(parts[5], "user/") || (likeOperator(c.base) && globMatch(parts[5], "user/someone", false))) {
				out = append(out, v)
			}
		}
	}
	return out
}

// onlyIdentityCenter reports whether everyone the statement trusts signs
// in through Identity Center: AWSReservedSSO roles, or a SAML provider.
func (st *lintStmt) onlyIdentityCenter() bool {
	if len(st.principals["Federated"]) > 0 {
		for _, v := range st.principals["Federated"] {
			if !strings.Contains(v, ":saml-provider/") {
				return false
			}
		}
		return len(st.principals["AWS"]) == 0 && !st.principalStar
	}
	seen := false
	for _, c := range st.conditions(keyPrincipalArn) {
		if !c.positive() {
			continue
		}
		for _, v := range c.values {
			if !strings.Contains(v, "AWSReservedSSO_") {
				return false
			}
			seen = true
		}
	}
	return seen
}

func ruleNoMFA(l *linter, st *lintStmt) {
	const requireMFA = `add "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}} (users then assume the role with --serial-number and --token-code)`
	if st.effect == "Deny" {
		for _, c := range st.conditions(keyMFAPresent) {
			if c.base == "Bool" && !c.ifExists && slices.ContainsFunc(c.values, func(v string) bool { return strings.EqualFold(v, "false") }) {
				l.add(st, RuleNoMFA, Medium, fmt.Sprintf(`write "BoolIfExists": {%q: "false"}, which also denies requests signed with long-term keys`, c.key),
					"the Deny on %s %s does not deny requests signed with long-term access keys, which carry no %s at all", c.op, c.key, c.key)
			}
		}
		return
	}
	if !st.allow() {
		return
	}
	if st.requiresMFA() {
		if st.onlyIdentityCenter() {
			l.add(st, RuleNoMFA, Low, "remove the MFA condition and require MFA when people sign in to Identity Center",
				"the statement requires MFA (%s), but it trusts only Identity Center sessions, which do not carry MFA: the condition is likely never met and the access does not work", keyMFAPresent)
		}
		return
	}
	if users := st.userPrincipals(); len(users) > 0 {
		l.add(st, RuleNoMFA, Medium, requireMFA,
			"the statement trusts IAM users (%s) without requiring MFA: a user's long-term access keys are enough to assume the role", strings.Join(users, ", "))
		return
	}
	if st.narrowed() {
		return
	}
	for _, p := range st.awsPrincipals() {
		if p.kind == pAccount && p.account != "" && p.account != l.account {
			l.add(st, RuleNoMFA, Info, "if people with IAM users assume this role, "+requireMFA,
				"the statement trusts account %s as a whole without requiring MFA: IAM users there could assume the role with long-term access keys alone", p.account)
			return
		}
	}
}

const ssoMarker = "AWSReservedSSO_"

// ssoSuffix stands for the suffix Identity Center gives an AWSReservedSSO
// role, to build ARNs the patterns are tried on.
const ssoSuffix = "0123456789abcdef"

// ssoName returns the permission set name in an AWSReservedSSO role name
// or pattern ("AWSReservedSSO_<name>_<suffix>"), "" when the text names
// none without wildcards.
func ssoName(v string) string {
	i := strings.Index(v, ssoMarker)
	if i < 0 {
		return ""
	}
	tail := v[i+len(ssoMarker):]
	j := strings.LastIndex(tail, "_")
	if j <= 0 || hasWildcard(tail[:j]) {
		return ""
	}
	return tail[:j]
}

// ssoForm is one way Identity Center's region puts the role in its path.
type ssoForm struct {
	label  string
	region string // "" for the form without a region segment
}

func ssoForms(region string) []ssoForm {
	switch region {
	case "us-east-1":
		return []ssoForm{{label: "the form without a region segment, which Identity Center in us-east-1 uses"}}
	case "":
		return []ssoForm{
			{label: "the form without a region segment (Identity Center in us-east-1)"},
			{label: "the form with a region segment (Identity Center in any other region)", region: "eu-west-1"},
		}
	default:
		return []ssoForm{{label: "the form with the region segment " + region + "/, which Identity Center in " + region + " uses", region: region}}
	}
}

func ssoRoleARN(account, permissionSet string, f ssoForm) string {
	arn := "arn:aws:iam::" + account + ":role/aws-reserved/sso.amazonaws.com/"
	if f.region != "" {
		arn += f.region + "/"
	}
	return arn + ssoMarker + permissionSet + "_" + ssoSuffix
}

// ruleSSOPattern checks how the statement names Identity Center roles.
func ruleSSOPattern(l *linter, st *lintStmt) {
	if !st.allow() {
		return
	}
	account := l.account
	if accts := st.principalAccounts(); len(accts) > 0 {
		account = accts[0]
	}
	exactFix := func(acct, name string) string {
		return fmt.Sprintf(`name the account ("arn:aws:iam::%s:root") and add "Condition": {"ArnLike": {"aws:PrincipalArn": %s}}`, acct, jsonList(trust.SSORolePatterns(acct, name)))
	}
	const exactWhy = "Identity Center deletes it when the permission set's last assignment in the account goes, and re-creates it with a new suffix"
	for _, p := range st.awsPrincipals() {
		if p.kind == pRole && strings.HasPrefix(p.name, ssoMarker) {
			l.add(st, RuleSSOPattern, Medium, exactFix(cmpOr(p.account, account), cmpOr(ssoName(p.name), "PERMISSION-SET")),
				"principal %s names one Identity Center role exactly: %s, and the trust then holds a bare unique ID that matches nobody", p.raw, exactWhy)
		}
	}
	type ref struct{ account, name string }
	var refs []ref
	for _, c := range st.conditions(keyPrincipalArn) {
		if !c.positive() {
			continue
		}
		for _, v := range c.values {
			if !strings.Contains(v, ssoMarker) {
				continue
			}
			acct := account
			if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && accountIDRe.MatchString(parts[4]) {
				acct = parts[4]
			}
			switch {
			case !hasWildcard(v):
				l.add(st, RuleSSOPattern, Medium, exactFix(acct, cmpOr(ssoName(v), "PERMISSION-SET")),
					"%s %s names one Identity Center role exactly (%s): %s, and the condition then matches no role", c.op, c.key, v, exactWhy)
			case !likeOperator(c.base):
				l.add(st, RuleSSOPattern, Medium, fmt.Sprintf(`write "ArnLike": {%q: %s}`, c.key, jsonList(c.values)),
					"%s compares %q literally: no role ARN holds a *, so the statement matches no Identity Center role", c.op, v)
			default:
				if n := ssoName(v); n != "" && !slices.Contains(refs, ref{acct, n}) {
					refs = append(refs, ref{acct, n})
				}
			}
		}
	}
	named := map[string]bool{}
	for _, r := range refs {
		named[r.name] = true
	}
	forms := ssoForms(l.k.Region)
	unknownRegion := ""
	if l.k.Region == "" {
		unknownRegion = " if Identity Center is in such a region (its region is not known here)"
	}
	for _, r := range refs {
		var missing, example []string
		for _, f := range forms {
			if arn := ssoRoleARN(r.account, r.name, f); !st.admits(keyPrincipalArn, arn) {
				missing, example = append(missing, f.label), append(example, arn)
			}
		}
		if len(missing) > 0 {
			l.add(st, RuleSSOPattern, Medium,
				fmt.Sprintf(`match both forms, as gatehouse does: "ArnLike": {"aws:PrincipalArn": %s}`, jsonList(trust.SSORolePatterns(r.account, r.name))),
				"the statement's aws:PrincipalArn conditions miss the role of permission set %s in %s, such as %s: people with %s cannot assume this role%s", r.name, strings.Join(missing, " and "), strings.Join(example, " and "), r.name, unknownRegion)
		}
		var collide []string
		for _, q := range l.k.PermissionSets {
			if named[q] || slices.Contains(collide, q) {
				continue
			}
			for _, f := range forms {
				if st.admits(keyPrincipalArn, ssoRoleARN(r.account, q, f)) {
					collide = append(collide, q)
					break
				}
			}
		}
		for _, q := range collide {
			l.add(st, RuleSSOPattern, Medium,
				fmt.Sprintf(`exclude it, as gatehouse does: add "ArnNotLike": {"aws:PrincipalArn": %s}`, jsonList(trust.SSORolePatterns(r.account, q))),
				"the pattern for permission set %s also matches the role of permission set %s (%s%s_... matches %s%s_...), so people with %s can assume this role too", r.name, q, ssoMarker, r.name, ssoMarker, q, q)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// likeFor maps a literal string operator to the operator that reads
// wildcards.
var likeFor = map[string]string{
	"StringEquals": "StringLike", "StringEqualsIgnoreCase": "StringLike",
	"StringNotEquals": "StringNotLike", "StringNotEqualsIgnoreCase": "StringNotLike",
}

// ruleLikeMissing: * or ? under an operator that compares literally.
func ruleLikeMissing(l *linter, st *lintStmt) {
	for _, c := range st.conds {
		like, ok := likeFor[c.base]
		if !ok {
			continue
		}
		var wild []string
		for _, v := range c.values {
			if hasWildcard(v) && !(c.lkey == "aws:principalarn" && strings.Contains(v, ssoMarker) && st.allow()) {
				wild = append(wild, v)
			}
		}
		if len(wild) == 0 {
			continue
		}
		if strings.HasSuffix(c.lkey, "arn") {
			like = strings.Replace(like, "String", "Arn", 1)
		}
		op := like
		if c.set != "" {
			op = c.set + ":" + op
		}
		if c.ifExists {
			op += "IfExists"
		}
		l.add(st, RuleLikeMissing, Low,
			fmt.Sprintf("write %q instead of %q to match the pattern, or escape a literal * as ${*}", op, c.op),
			"%s on %s compares %s literally: * and ? are wildcards only with the Like and Arn operators", c.op, c.key, quoteList(wild))
	}
}

// ruleServiceConfDep: a service principal with nothing tying it to this
// account's resources.
func ruleServiceConfDep(l *linter, st *lintStmt) {
	// Service-linked roles' trust cannot be edited.
	if !st.allow() || strings.Contains(l.resource, ":role/aws-service-role/") {
		return
	}
	var services []string
	for _, v := range st.principals["Service"] {
		// EC2 assumes instance-profile roles with no source resource to
		// name.
		if v != "ec2.amazonaws.com" && !hasWildcard(v) {
			services = append(services, v)
		}
	}
	if len(services) == 0 {
		return
	}
	for _, k := range []string{"aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths"} {
		if st.restricts(k) {
			return
		}
	}
	l.add(st, RuleServiceConfDep, Low,
		fmt.Sprintf(`where the service supports it, add "Condition": {"StringEquals": {"aws:SourceAccount": %q}} (or "ArnLike": {"aws:SourceArn": ...} naming the resources that use the role)`, cmpOr(l.account, "ACCOUNT")),
		"the statement trusts %s without aws:SourceAccount or aws:SourceArn: the service could be made to use this role for another account's resources (the confused deputy problem)", strings.Join(services, ", "))
}

// webIdentityProviders are the built-in web identity federation
// principals; others are oidc-provider ARNs.
var webIdentityProviders = []string{"cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com"}

// githubRepoPinned matches a GitHub OIDC subject whose repository owner
// has no wildcard: only that owner's workflows match.
var githubRepoPinned = regexp.MustCompile(`^repo:[^*?/:]+/`)

// ruleOIDC: web identity principals must be pinned to an audience and,
// for GitHub, to repositories.
func ruleOIDC(l *linter, st *lintStmt) {
	if !st.allow() {
		return
	}
	for _, v := range st.principals["Federated"] {
		host := ""
		if i := strings.Index(v, ":oidc-provider/"); i >= 0 {
			host = v[i+len(":oidc-provider/"):]
		} else if slices.Contains(webIdentityProviders, v) {
			host = v
		}
		if host == "" {
			continue
		}
		aud, sub := host+":aud", host+":sub"
		switch {
		case strings.HasPrefix(host, "token.actions.githubusercontent.com"):
			if why := githubSubjectWeakness(st, sub); why != "" {
				l.add(st, RuleOIDC, High,
					fmt.Sprintf(`add "Condition": {"StringEquals": {%q: "sts.amazonaws.com"}, "StringLike": {%q: "repo:OWNER/REPO:ref:refs/heads/BRANCH"}}`, aud, sub),
					"the statement trusts GitHub Actions (%s) but %s: a workflow of any repository on GitHub can assume the role", v, why)
			}
		case host == "cognito-identity.amazonaws.com":
			if !st.restricts(aud) {
				l.add(st, RuleOIDC, High, fmt.Sprintf(`add "Condition": {"StringEquals": {%q: "IDENTITY-POOL-ID"}}`, aud),
					"the statement trusts Cognito identities without %s: an identity of any identity pool, in any account, can assume the role", aud)
			}
		default:
			if !st.restricts(aud) && !st.restricts(sub) {
				l.add(st, RuleOIDC, High, fmt.Sprintf(`add "Condition": {"StringEquals": {%q: "CLIENT-ID", %q: "SUBJECT"}}`, aud, sub),
					"the statement trusts the web identity provider %s with no condition on %s or %s: any token that provider issues, for any application, can assume the role", v, aud, sub)
			}
		}
	}
}

// githubSubjectWeakness says why the statement does not pin GitHub
// repositories; "" when it does.
func githubSubjectWeakness(st *lintStmt, sub string) string {
	conds := st.conditions(sub)
	if len(conds) == 0 {
		return "has no condition on " + sub
	}
	for _, c := range conds {
		if !c.positive() || c.ifExists || c.set == forAllValues {
			continue
		}
		pinned := len(c.values) > 0
		for _, v := range c.values {
			if !githubRepoPinned.MatchString(v) {
				pinned = false
			}
		}
		if pinned {
			return ""
		}
	}
	return "its condition on " + sub + " does not name a repository owner without wildcards"
}

// identityCenterProvider names the SAML providers Identity Center creates
// for its own AWSReservedSSO roles.
var identityCenterProvider = regexp.MustCompile(`:saml-provider/AWSSSO_[A-Za-z0-9]+_DO_NOT_DELETE$`)

func ruleSAML(l *linter, st *lintStmt) {
	if !st.allow() {
		return
	}
	for _, v := range st.principals["Federated"] {
		if !strings.Contains(v, ":saml-provider/") || identityCenterProvider.MatchString(v) {
			continue
		}
		if !st.restricts(keySAMLAud) {
			l.add(st, RuleSAML, High,
				fmt.Sprintf(`add "Condition": {"StringEquals": {"SAML:aud": %q}}`, trust.SAMLAudience),
				"the statement trusts SAML provider %s without a SAML:aud condition: an assertion the provider signed for another audience can be used to assume the role", v)
		}
	}
}

// neededActions is the trust Action a statement's principals need.
func neededActions(st *lintStmt) []string {
	var out []string
	if len(st.principals["AWS"]) > 0 || st.principalStar || len(st.principals["Service"]) > 0 {
		out = append(out, "sts:AssumeRole")
	}
	for _, v := range st.principals["Federated"] {
		a := "sts:AssumeRoleWithWebIdentity"
		if strings.Contains(v, ":saml-provider/") {
			a = "sts:AssumeRoleWithSAML"
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = []string{"sts:AssumeRole"}
	}
	return out
}

// ruleActionWide: wildcard actions also allow the federation APIs.
func ruleActionWide(l *linter, st *lintStmt) {
	if !st.allow() {
		return
	}
	var wide []string
	for _, a := range st.actions {
		if hasWildcard(a) {
			wide = append(wide, a)
		}
	}
	fix := fmt.Sprintf(`list the actions the principals use: "Action": %s (add "sts:TagSession" or "sts:SetSourceIdentity" only if callers pass session tags or a source identity)`, jsonList(neededActions(st)))
	if len(wide) > 0 {
		l.add(st, RuleActionWide, Low, fix,
			"Action %s allows every STS action it matches, sts:AssumeRoleWithSAML and sts:AssumeRoleWithWebIdentity included, not only the one the principals need", quoteList(wide))
	}
	if st.hasNotAction {
		l.add(st, RuleActionWide, Low, fix, "NotAction allows every action but %s, the federation APIs included", quoteList(st.notActions))
	}
}

// redundantSessions: a session ARN trusted alongside its role, which
// covers every session.
func (l *linter) redundantSessions(d lintDoc) {
	roles := map[[2]string]bool{}
	for _, st := range d.stmts {
		if !st.allow() {
			continue
		}
		for _, p := range st.awsPrincipals() {
			if p.kind == pRole {
				roles[[2]string{p.account, p.name}] = true
			}
		}
	}
	for _, st := range d.stmts {
		if !st.allow() {
			continue
		}
		for _, p := range st.awsPrincipals() {
			if p.kind == pSession && roles[[2]string{p.account, p.name}] {
				l.add(st, RuleRedundantSession, Info, "remove the session ARN "+p.raw,
					"principal %s is one session of role %s, which the policy trusts as a whole", p.raw, p.name)
			}
		}
	}
}

// awsManagedPrefix starts the ARN of every AWS managed policy.
const awsManagedPrefix = "arn:aws:iam::aws:policy/"

// anyRoleSamples are role ARNs in two accounts: a resource pattern that
// matches both matches any role in any account.
var anyRoleSamples = []string{"arn:aws:iam::000000000001:role/any-role", "arn:aws:iam::999999999998:role/some/path/other-role"}

func matchesAnyRole(r string) bool {
	for _, s := range anyRoleSamples {
		if r != "*" && !arnLike(r, s) {
			return false
		}
	}
	return true
}

// ruleAssumeStar: an identity policy that lets its holder assume any role
// of any account.
func ruleAssumeStar(l *linter, st *lintStmt) {
	if !st.allow() {
		return
	}
	const assume = "sts:AssumeRole"
	covers := slices.ContainsFunc(st.actions, func(a string) bool { return actionMatches(a, assume) })
	if st.hasNotAction && !slices.ContainsFunc(st.notActions, func(a string) bool { return actionMatches(a, assume) }) {
		covers = true
	}
	if !covers {
		return
	}
	var any []string
	for _, r := range st.resources {
		if matchesAnyRole(r) {
			any = append(any, r)
		}
	}
	if st.hasNotRes {
		excluded := 0
		for _, s := range anyRoleSamples {
			if slices.ContainsFunc(st.notResources, func(r string) bool { return r == "*" || arnLike(r, s) }) {
				excluded++
			}
		}
		if excluded < len(anyRoleSamples) {
			any = append(any, "NotResource "+quoteList(st.notResources))
		}
	}
	if len(any) == 0 {
		return
	}
	for _, k := range []string{"aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths"} {
		if st.restricts(k) {
			return
		}
	}
	fix := fmt.Sprintf(`list the roles it needs in Resource ("arn:aws:iam::ACCOUNT:role/NAME"), or add "Condition": {"StringEquals": {"aws:ResourceOrgID": %q}} to keep it inside your organization`, l.k.orgIDOrPlaceholder())
	if l.awsManaged {
		fix = fmt.Sprintf(`an AWS managed policy cannot be edited: bound it with a permissions boundary or an inline policy that denies sts:AssumeRole* with "Condition": {"StringNotEquals": {"aws:ResourceOrgID": %q}}`, l.k.orgIDOrPlaceholder())
	}
	l.add(st, RuleAssumeStar, Medium, fix,
		"the statement allows sts:AssumeRole on %s: %s can assume every role, in any account, whose trust policy trusts its account or names it", quoteList(any), cmpOr(l.resource, "the principal"))
}
