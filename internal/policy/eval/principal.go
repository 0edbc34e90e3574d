package eval

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval/jsontree"
)

// principalKind is the kind of the request's principal (spec 2.1).
type principalKind uint8

const (
	principalUser principalKind = iota + 1
	principalRole
	principalSession
	principalFederated
	principalRoot
	principalService
	principalAnonymous
	// principalProvider is a SAML or OIDC identity provider ARN, the
	// principal of AssumeRoleWithSAML/WithWebIdentity: like a service, it
	// is matched only by a Federated entry (or "*").
	principalProvider
)

// isIAM reports whether the principal is an IAM principal: identity
// policies, boundaries, session policies and SCPs bind it.
func (k principalKind) isIAM() bool { return k >= principalUser && k <= principalRoot }

// requestPrincipal is the parsed request principal.
type requestPrincipal struct {
	kind      principalKind
	raw       string
	partition string
	account   string
	// roleName is the role's name (last path segment) for a role or a role
	// session, lower-cased: IAM role names are unique without case.
	roleName string
	// serviceLinked is true for a role under /aws-service-role/.
	serviceLinked bool
}

// parsePrincipal reads the request principal.
func parsePrincipal(s string) (requestPrincipal, error) {
	p := requestPrincipal{raw: s}
	if s == "anonymous" {
		p.kind = principalAnonymous
		return p, nil
	}
	f, ok := splitARN(s)
	if !ok {
		if isServiceName(s) {
			p.kind = principalService
			return p, nil
		}
		return p, fmt.Errorf("principal: %q is neither an IAM or STS ARN, a service principal (lambda.amazonaws.com) nor \"anonymous\"", s)
	}
	p.partition, p.account = f[fieldPartition], f[fieldAccount]
	bad := func(what string) (requestPrincipal, error) {
		return p, fmt.Errorf("principal: %q is not %s", s, what)
	}
	if p.partition == "" || f[fieldRegion] != "" || !isAccountID(p.account) {
		return bad("an IAM or STS principal ARN (arn:PARTITION:iam::ACCOUNT:... or arn:PARTITION:sts::ACCOUNT:..., with a 12-digit account)")
	}
	res := f[fieldResource]
	switch f[fieldService] {
	case "iam":
		switch {
		case res == "root":
			p.kind = principalRoot
		case strings.HasPrefix(res, "user/"):
			if lastSegment(res) == "" {
				return bad("a user ARN: the user name is empty")
			}
			p.kind = principalUser
		case strings.HasPrefix(res, "role/"):
			name := lastSegment(res)
			if name == "" {
				return bad("a role ARN: the role name is empty")
			}
			p.kind, p.roleName = principalRole, strings.ToLower(name)
			p.serviceLinked = strings.HasPrefix(res, "role/aws-service-role/")
		case strings.HasPrefix(res, "saml-provider/") || strings.HasPrefix(res, "oidc-provider/"):
			p.kind = principalProvider
		default:
			return bad("an IAM principal: expected root, user/..., role/..., saml-provider/... or oidc-provider/...")
		}
	case "sts":
		parts := strings.Split(res, "/")
		switch {
		case parts[0] == "assumed-role" && len(parts) == 3 && parts[1] != "" && parts[2] != "":
			p.kind, p.roleName = principalSession, strings.ToLower(parts[1])
		case parts[0] == "federated-user" && len(parts) == 2 && parts[1] != "":
			p.kind = principalFederated
		default:
			return bad("an STS principal: expected assumed-role/ROLE/SESSION or federated-user/NAME")
		}
	default:
		return bad("an IAM or STS ARN")
	}
	return p, nil
}

// isServiceName accepts service principal names such as
// lambda.amazonaws.com: letters, digits, dots and dashes, with a dot.
func isServiceName(s string) bool {
	if !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func lastSegment(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }

// matchLevel is how a resource policy's Principal names the request's
// principal (spec 4.4): the level decides which other policies still
// limit the grant.
type matchLevel uint8

const (
	levelDirectSession matchLevel = iota // the request's session ARN, exactly
	levelDirect                          // "*", the user, a service, a federated or canonical id
	levelRole                            // the session's role
	levelAccount                         // the principal's account
	levels
)

// principalEntryKind classifies one compiled Principal entry.
type principalEntryKind uint8

const (
	entryNone    principalEntryKind = iota // matches nothing (partial wildcards, unique ids, garbage)
	entryAll                               // "*" or {"AWS": "*"}
	entryAccount                           // 111122223333 or arn:aws:iam::111122223333:root
	entryExact                             // a user or federated-user ARN: equal to the principal
	entrySession                           // an assumed-role session ARN
	entryRole                              // a role ARN: the role and its sessions
	entryOther                             // Service, Federated, CanonicalUser: equal to the principal string
)

type principalEntry struct {
	kind      principalEntryKind
	text      string // entryExact, entrySession, entryOther: the ARN or name
	partition string // "" for a bare account id: any partition
	account   string
	roleName  string // entrySession, entryRole: lower-cased
}

// principalSpec is a statement's Principal or NotPrincipal.
type principalSpec struct {
	present bool
	not     bool
	broken  bool // both Principal and NotPrincipal, or an unreadable value: never applies
	entries []principalEntry
}

// compilePrincipal reads a Principal/NotPrincipal value: "*", a bare
// string (read as {"AWS": value}) or an object of AWS, Service,
// Federated and CanonicalUser entries. Unreadable entries match nothing;
// ok is false when v is neither a string nor an object.
func compilePrincipal(v *jsontree.Value) (entries []principalEntry, ok bool) {
	switch v.Kind {
	case jsontree.String:
		if v.Text == "*" {
			return []principalEntry{{kind: entryAll}}, true
		}
		return []principalEntry{compileAWSEntry(v.Text)}, true
	case jsontree.Object:
	default:
		return nil, false
	}
	var out []principalEntry
	for i := range v.Members {
		m := &v.Members[i]
		for _, item := range stringList(&m.Value) {
			if !item.ok {
				continue
			}
			switch m.Name {
			case "AWS":
				out = append(out, compileAWSEntry(item.s))
			case "Service", "Federated", "CanonicalUser":
				out = append(out, principalEntry{kind: entryOther, text: item.s})
			}
		}
	}
	return out, true
}

// compileAWSEntry reads one "AWS" principal value.
func compileAWSEntry(s string) principalEntry {
	if s == "*" {
		return principalEntry{kind: entryAll}
	}
	if isAccountID(s) {
		return principalEntry{kind: entryAccount, account: s}
	}
	f, ok := splitARN(s)
	if !ok || strings.ContainsAny(s, "*?") || f[fieldPartition] == "" || f[fieldRegion] != "" || !isAccountID(f[fieldAccount]) {
		return principalEntry{}
	}
	e := principalEntry{partition: f[fieldPartition], account: f[fieldAccount], text: s}
	res := f[fieldResource]
	switch f[fieldService] {
	case "iam":
		switch {
		case res == "root":
			e.kind = entryAccount
		case strings.HasPrefix(res, "user/") && lastSegment(res) != "":
			e.kind = entryExact
		case strings.HasPrefix(res, "role/") && lastSegment(res) != "":
			e.kind, e.roleName = entryRole, strings.ToLower(lastSegment(res))
		}
	case "sts":
		parts := strings.Split(res, "/")
		switch {
		case parts[0] == "assumed-role" && len(parts) == 3 && parts[1] != "" && parts[2] != "":
			e.kind, e.roleName = entrySession, strings.ToLower(parts[1])
		case parts[0] == "federated-user" && len(parts) == 2 && parts[1] != "":
			e.kind = entryExact
		}
	}
	return e
}

// matchEntry says at which level, and how surely, entry names the request
// principal.
func (e *evaluator) matchEntry(en *principalEntry) (matchLevel, tri) {
	p := &e.req.principal
	switch en.kind {
	case entryAll:
		return levelDirect, triTrue
	case entryAccount:
		ok := p.kind.isIAM() && p.account == en.account && (en.partition == "" || en.partition == p.partition)
		return levelAccount, triOf(ok)
	case entryExact:
		// A federated-user ARN names that very session; a user ARN the user.
		if p.kind == principalFederated {
			return levelDirectSession, triOf(p.raw == en.text)
		}
		return levelDirect, triOf(p.kind == principalUser && p.raw == en.text)
	case entrySession:
		switch {
		case p.kind == principalSession:
			return levelDirectSession, triOf(p.raw == en.text)
		case p.kind == principalRole && p.partition == en.partition && p.account == en.account && p.roleName == en.roleName:
			// "Any session of this role": whether it is this one depends on
			// the session name.
			if e.ctx.complete {
				return levelDirectSession, triFalse
			}
			return levelDirectSession, e.unknown(sessionNameReason)
		}
		return levelDirectSession, triFalse
	case entryRole:
		ok := (p.kind == principalRole || p.kind == principalSession) &&
			p.partition == en.partition && p.account == en.account && p.roleName == en.roleName
		return levelRole, triOf(ok)
	case entryOther:
		return levelDirect, triOf(p.raw == en.text)
	}
	return levelDirect, triFalse
}

// principalLevels matches a Principal's entries, per level.
func (e *evaluator) principalLevels(spec *principalSpec) (lv [levels]tri) {
	for i := range spec.entries {
		l, t := e.matchEntry(&spec.entries[i])
		lv[l] = or(lv[l], t)
	}
	return lv
}

// anyLevel is the OR of all levels.
func anyLevel(lv [levels]tri) tri {
	out := triFalse
	for _, t := range lv {
		out = or(out, t)
	}
	return out
}
