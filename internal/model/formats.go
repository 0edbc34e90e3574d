package model

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// AWS limits the model is checked against. Sources: the API references of
// IAM, IAM Identity Center (sso-admin), Identity Store and Organizations,
// "IAM and AWS STS quotas" and "Quotas in IAM Identity Center". They are
// listed for users in docs/access-model.md.
const (
	maxPermissionSetName        = 32   // CreatePermissionSet Name
	maxPermissionSetDescription = 700  // CreatePermissionSet Description
	maxRelayState               = 240  // CreatePermissionSet RelayState
	maxPermissionSetPolicies    = 20   // AWS managed + customer managed per permission set (not adjustable)
	maxRoleName                 = 64   // CreateRole RoleName
	maxRoleDescription          = 1000 // CreateRole Description
	maxRolePath                 = 512  // CreateRole Path
	maxRoleManagedPolicies      = 10   // IAM default quota "Managed policies attached to an IAM role" (adjustable to 25)
	maxPolicyName               = 128  // IAM policy names
	maxTags                     = 50   // tags per resource (IAM, Identity Center, Organizations)
	maxTagKey                   = 128
	maxTagValue                 = 256
	maxUserName                 = 128  // Identity Store UserName
	maxIdentityStoreText        = 1024 // Identity Store names, group DisplayName and Description
	maxOUName                   = 128  // Organizations OU name
	maxSAMLProviderName         = 128  // IAM CreateSAMLProvider Name
	minSession                  = time.Hour
	maxSession                  = 12 * time.Hour
)

// reservedTagPrefix starts the tags gatehouse writes on what it manages
// (gatehouse:managed and the like); the model cannot set them.
const reservedTagPrefix = "gatehouse:"

const partitions = `(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)`

var (
	// IAM names: users, roles, policies, permission sets.
	iamNamePattern   = lazyRE(`^[\w+=,.@-]+$`)
	accountNameRe    = lazyRE(`^[\w.+-]+$`)
	userNameRe       = lazyRE(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
	regionRe         = lazyRE(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	instanceARNRe    = lazyRE(`^arn:` + partitions + `:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`)
	identityStoreRe  = lazyRE(`^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	roleARNRe        = lazyRE(`^arn:` + partitions + `:iam::(\d{12}):role(/(?:[\x21-\x7e]*/)?)([\w+=,.@-]+)$`)
	policyARNRe      = lazyRE(`^arn:` + partitions + `:iam::(aws|\d{12}):policy(/(?:[\x21-\x7e]*/)?)([\w+=,.@-]+)$`)
	iamPathRe        = lazyRE(`^/([\x21-\x7e]*/)?$`)
	tagRe            = lazyRE(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	externalIDRe     = lazyRE(`^[\w+=,.@:/-]+$`)
	orgIDRe          = lazyRE(`^o-[a-z0-9]{10,32}$`)
	principalRe      = lazyRE(`^(role|user)/[\x21-\x7e]+$`)
	principalARNRe   = lazyRE(`^arn:` + partitions + `:(iam|sts)::(\d{12}):(role|user|assumed-role)/[\x21-\x7e]+$`)
	emailRe          = lazyRE(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	samlProviderRe   = lazyRE(`^[\w._-]+$`)
	descriptionRe    = lazyRE("^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$")
	relayStateRe     = lazyRE(`^[a-zA-Z0-9&$@#\\/%?=~\-_'"|!:,.;*+\[\] (){}]+$`)
	reservedRoleName = []string{"AWSReservedSSO_", "AWSServiceRoleFor"}
	reservedRolePath = []string{"/aws-reserved/", "/aws-service-role/"}
)

// arn is a parsed IAM role or policy ARN.
type arn struct {
	Account string // 12 digits, or "aws" for AWS managed policies
	Path    string // "/" or "/a/b/"
	Name    string
}

func parseRoleARN(s string) (arn, bool) {
	m := roleARNRe.FindStringSubmatch(s)
	if m == nil || len(m[4]) > maxRoleName {
		return arn{}, false
	}
	return arn{Account: m[2], Path: m[3], Name: m[4]}, true
}

func parsePolicyARN(s string) (arn, bool) {
	m := policyARNRe.FindStringSubmatch(s)
	if m == nil || len(m[4]) > maxPolicyName {
		return arn{}, false
	}
	return arn{Account: m[2], Path: m[3], Name: m[4]}, true
}

// httpsURL reports whether s is an https URL with a host. Plain http is
// accepted for a loopback host only, where a local stand-in of Identity
// Center may listen.
func httpsURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		host := u.Hostname()
		ip, err := netip.ParseAddr(host)
		return host == "localhost" || (err == nil && ip.IsLoopback())
	default:
		return false
	}
}

// ouPathProblem says what is wrong with an OU path such as Workloads/Prod,
// or returns "".
func ouPathProblem(p string) string {
	if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return "starts or ends with /"
	}
	for _, seg := range strings.Split(p, "/") {
		if strings.TrimSpace(seg) == "" {
			return "has an empty part"
		}
		if utf8.RuneCountInString(seg) > maxOUName {
			return fmt.Sprintf("has a part longer than %d characters", maxOUName)
		}
	}
	return ""
}

// tagProblem says what is wrong with one tag, or returns "".
func tagProblem(k, v string) string {
	switch {
	case k == "":
		return "the key is empty"
	case utf8.RuneCountInString(k) > maxTagKey:
		return fmt.Sprintf("the key is longer than %d characters", maxTagKey)
	case utf8.RuneCountInString(v) > maxTagValue:
		return fmt.Sprintf("the value is longer than %d characters", maxTagValue)
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return "the key starts with aws:, which AWS reserves"
	case !tagRe.MatchString(k):
		return "the key has characters other than letters, digits, spaces and _ . : / = + - @"
	case !tagRe.MatchString(v):
		return "the value has characters other than letters, digits, spaces and _ . : / = + - @"
	}
	return ""
}

// sortedKeys returns the keys of m in order, so problems come out stable.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// formatDuration writes a duration the way people write it: 13h, 90m, 1h30m.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// wildcardMatch reports whether s matches pattern, where * matches any run
// of characters and ? any one character (IAM's StringLike).
func wildcardMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
