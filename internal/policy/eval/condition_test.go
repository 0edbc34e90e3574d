package eval

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// condRequest asks whether alice may read an object with an identity
// policy allowing it under condition (a Condition block's JSON): the
// decision is allowed when the condition holds, implicit_deny when it
// fails, conditional when it is unknown.
func condRequest(ctx *Context, condition string) Request {
	return condRequestV("2012-10-17", ctx, condition)
}

func condRequestV(version string, ctx *Context, condition string) Request {
	p, err := ParsePolicy([]byte(`{"Version":"` + version + `","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":` + condition + `}}`))
	if err != nil {
		panic(err)
	}
	return Request{Principal: alice, Action: "s3:GetObject", Resource: bucketObject, ResourceAccount: acctA, Context: ctx, IdentityPolicies: []*Policy{p}}
}

// ctxWith is a complete context with single-valued keys (key, value, ...).
func ctxWith(kv ...string) *Context {
	c := complete()
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

// Spec 4.3: every operator, its comparison rules, negation, and policy
// value types.
func TestConditionOperators(t *testing.T) {
	t.Parallel()
	const (
		holds = Allowed
		fails = ImplicitDeny
	)
	c := func(name, docPage string, ctx *Context, condition string, want Decision) rule {
		return rule{name: name, doc: docPage, req: condRequest(ctx, condition), want: want}
	}
	vpc := ctxWith("aws:SourceVpc", "vpc-111")
	runRules(t, []rule{
		c("StringEquals matches exactly", docOperators, vpc, `{"StringEquals":{"aws:SourceVpc":"vpc-111"}}`, holds),
		c("StringEquals compares with case", docOperators, vpc, `{"StringEquals":{"aws:SourceVpc":"VPC-111"}}`, fails),
		c("StringEquals: * is literal", docOperators, vpc, `{"StringEquals":{"aws:SourceVpc":"vpc-*"}}`, fails),
		c("StringEquals: values are ORed", docLogic, vpc, `{"StringEquals":{"aws:SourceVpc":["vpc-222","vpc-111"]}}`, holds),
		c("StringNotEquals holds when no value matches", docOperators, vpc, `{"StringNotEquals":{"aws:SourceVpc":["vpc-222","vpc-333"]}}`, holds),
		c("StringNotEquals: values are NORed", docLogic, vpc, `{"StringNotEquals":{"aws:SourceVpc":["vpc-222","vpc-111"]}}`, fails),
		c("StringEqualsIgnoreCase ignores case", docOperators, vpc, `{"StringEqualsIgnoreCase":{"aws:SourceVpc":"VPC-111"}}`, holds),
		c("StringNotEqualsIgnoreCase ignores case", docOperators, vpc, `{"StringNotEqualsIgnoreCase":{"aws:SourceVpc":"VPC-111"}}`, fails),
		c("StringLike: * is any run", docOperators, vpc, `{"StringLike":{"aws:SourceVpc":"vpc-*"}}`, holds),
		c("StringLike: ? is one character", docOperators, vpc, `{"StringLike":{"aws:SourceVpc":"vpc-1?1"}}`, holds),
		c("StringLike compares with case", docOperators, vpc, `{"StringLike":{"aws:SourceVpc":"VPC-*"}}`, fails),
		c("StringNotLike", docOperators, vpc, `{"StringNotLike":{"aws:SourceVpc":["vpc-2*","vpc-3*"]}}`, holds),
		c("StringNotLike fails on a match", docOperators, vpc, `{"StringNotLike":{"aws:SourceVpc":"vpc-1*"}}`, fails),

		c("NumericEquals compares numbers, not text", docOperators, ctxWith("s3:max-keys", "10"), `{"NumericEquals":{"s3:max-keys":"10.0"}}`, holds),
		c("NumericEquals accepts a JSON number", docOperators, ctxWith("s3:max-keys", "10"), `{"NumericEquals":{"s3:max-keys":10}}`, holds),
		c("NumericNotEquals", docOperators, ctxWith("s3:max-keys", "10"), `{"NumericNotEquals":{"s3:max-keys":["11","12"]}}`, holds),
		c("NumericLessThan", docOperators, ctxWith("s3:max-keys", "9.5"), `{"NumericLessThan":{"s3:max-keys":"10"}}`, holds),
		c("NumericLessThan is strict", docOperators, ctxWith("s3:max-keys", "10"), `{"NumericLessThan":{"s3:max-keys":"10"}}`, fails),
		c("NumericLessThanEquals", docOperators, ctxWith("s3:max-keys", "10"), `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, holds),
		c("NumericGreaterThan with negatives", docOperators, ctxWith("s3:max-keys", "-1"), `{"NumericGreaterThan":{"s3:max-keys":"-2"}}`, holds),
		c("NumericGreaterThanEquals", docOperators, ctxWith("s3:max-keys", "0.25"), `{"NumericGreaterThanEquals":{"s3:max-keys":"0.250"}}`, holds),
		c("Numeric: a request value that is not a number fails", docOperators, ctxWith("s3:max-keys", "ten"), `{"NumericLessThan":{"s3:max-keys":"10"}}`, fails),
		c("Numeric negated: an invalid request value fails too", docOperators, ctxWith("s3:max-keys", "ten"), `{"NumericNotEquals":{"s3:max-keys":"10"}}`, fails),
		c("Numeric negated: an invalid policy value fails", docOperators, ctxWith("s3:max-keys", "5"), `{"NumericNotEquals":{"s3:max-keys":["10","x"]}}`, fails),

		c("DateEquals: ISO 8601 and epoch seconds", docOperators, ctxWith("aws:CurrentTime", "2024-01-01T00:00:00Z"), `{"DateEquals":{"aws:CurrentTime":"1704067200"}}`, holds),
		c("DateEquals: an offset", docOperators, ctxWith("aws:CurrentTime", "2024-01-01T01:00:00+01:00"), `{"DateEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, holds),
		c("DateEquals: no zone is UTC", docOperators, ctxWith("aws:CurrentTime", "2024-01-01T00:00:00"), `{"DateEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, holds),
		c("DateEquals: a date alone is midnight UTC", docOperators, ctxWith("aws:CurrentTime", "2024-01-01T00:00:00Z"), `{"DateEquals":{"aws:CurrentTime":"2024-01-01"}}`, holds),
		c("DateNotEquals", docOperators, ctxWith("aws:CurrentTime", "2024-01-02"), `{"DateNotEquals":{"aws:CurrentTime":"2024-01-01"}}`, holds),
		c("DateLessThan", docOperators, ctxWith("aws:CurrentTime", "2023-12-31T23:59:59Z"), `{"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, holds),
		c("DateLessThanEquals", docOperators, ctxWith("aws:CurrentTime", "2024-01-01T00:00:00Z"), `{"DateLessThanEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, holds),
		c("DateGreaterThan", docOperators, ctxWith("aws:TokenIssueTime", "2024-06-01T12:00:00.5Z"), `{"DateGreaterThan":{"aws:TokenIssueTime":"2024-06-01T12:00:00Z"}}`, holds),
		c("DateGreaterThanEquals is not strict", docOperators, ctxWith("aws:TokenIssueTime", "1717243200"), `{"DateGreaterThanEquals":{"aws:TokenIssueTime":"2024-06-01T12:00:00Z"}}`, holds),
		c("Date: a value that is not a date fails", docOperators, ctxWith("aws:CurrentTime", "yesterday"), `{"DateLessThan":{"aws:CurrentTime":"2024-01-01"}}`, fails),
		c("Date negated: an invalid value fails", docOperators, ctxWith("aws:CurrentTime", "yesterday"), `{"DateNotEquals":{"aws:CurrentTime":"2024-01-01"}}`, fails),

		c("Bool: true in any case", docOperators, ctxWith("aws:SecureTransport", "TRUE"), `{"Bool":{"aws:SecureTransport":"true"}}`, holds),
		c("Bool accepts a JSON boolean", docOperators, ctxWith("aws:SecureTransport", "false"), `{"Bool":{"aws:SecureTransport":false}}`, holds),
		c("Bool: a value that is not a boolean fails", docOperators, ctxWith("aws:SecureTransport", "yes"), `{"Bool":{"aws:SecureTransport":"true"}}`, fails),
		c("BinaryEquals compares the text", docOperators, ctxWith("s3:x-amz-content", "QmluYXJ5"), `{"BinaryEquals":{"s3:x-amz-content":"QmluYXJ5"}}`, holds),
		c("BinaryEquals fails on other text", docOperators, ctxWith("s3:x-amz-content", "QmluYXJ5"), `{"BinaryEquals":{"s3:x-amz-content":"qmluyxj5"}}`, fails),

		c("IpAddress: a CIDR", docOperators, ctxWith("aws:SourceIp", "203.0.113.7"), `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, holds),
		c("IpAddress: an address", docOperators, ctxWith("aws:SourceIp", "203.0.113.7"), `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, holds),
		c("IpAddress: IPv6", docOperators, ctxWith("aws:SourceIp", "2001:db8::1"), `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, holds),
		c("IpAddress: outside the range", docOperators, ctxWith("aws:SourceIp", "198.51.100.1"), `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, fails),
		c("IpAddress: an invalid request address fails", docOperators, ctxWith("aws:SourceIp", "not-an-ip"), `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, fails),
		c("NotIpAddress: outside the range", docOperators, ctxWith("aws:SourceIp", "198.51.100.1"), `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, holds),
		c("NotIpAddress: v4 against a v6 range is not in range", docOperators, ctxWith("aws:SourceIp", "203.0.113.7"), `{"NotIpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, holds),
		c("NotIpAddress: an invalid request address fails", docOperators, ctxWith("aws:SourceIp", "not-an-ip"), `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, fails),
		c("NotIpAddress: an invalid policy value fails", docOperators, ctxWith("aws:SourceIp", "198.51.100.1"), `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/33"}}`, fails),

		c("ArnLike: wildcards per segment", docOperators, ctxWith("aws:PrincipalArn", devRole), `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ops/*"}}`, holds),
		c("ArnEquals honours wildcards like ArnLike", docOperators, ctxWith("aws:PrincipalArn", devRole), `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/ops/D?v"}}`, holds),
		c("ArnLike compares with case", docOperators, ctxWith("aws:PrincipalArn", devRole), `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ops/dev"}}`, fails),
		c("ArnLike: a wildcard never crosses a colon", docOperators, ctxWith("aws:SourceArn", "arn:aws:someservice:us-east-2:111122223333:finance/a:b"),
			`{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, fails),
		c("StringLike on the same values crosses the colon", docOperators, ctxWith("aws:SourceArn", "arn:aws:someservice:us-east-2:111122223333:finance/a:b"),
			`{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, holds),
		c("ArnLike: a request value with fewer than six fields fails", docOperators, ctxWith("aws:SourceArn", "role/ops"), `{"ArnLike":{"aws:SourceArn":"*"}}`, fails),
		c("ArnNotLike: an invalid request value fails", docOperators, ctxWith("aws:SourceArn", "role/ops"), `{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:role/*"}}`, fails),
		c("ArnNotEquals: a valid value that does not match", docOperators, ctxWith("aws:PrincipalArn", devRole), `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}`, holds),

		c("operators are matched without case", docOperators, vpc, `{"stringequals":{"aws:SourceVpc":"vpc-111"}}`, holds),
		c("an unrecognised operator is false", docOperators, vpc, `{"StringEqualz":{"aws:SourceVpc":"vpc-111"}}`, fails),
		c("an unrecognised operator is false even without keys", docOperators, vpc, `{"StringEqualz":{}}`, fails),
		c("an unknown qualifier is false", docOperators, vpc, `{"ForSomeValues:StringEquals":{"aws:SourceVpc":"vpc-111"}}`, fails),
		c("Null with IfExists is false", docOperators, vpc, `{"NullIfExists":{"aws:SourceVpc":"false"}}`, fails),
		c("Null with a qualifier is false", docOperators, vpc, `{"ForAnyValue:Null":{"aws:SourceVpc":"false"}}`, fails),
		c("operators are ANDed", docLogic, vpc, `{"StringEquals":{"aws:SourceVpc":"vpc-111"},"Null":{"aws:SourceVpc":"true"}}`, fails),
		c("keys under an operator are ANDed", docLogic, ctxWith("aws:SourceVpc", "vpc-111", "aws:SourceVpce", "vpce-1"),
			`{"StringEquals":{"aws:SourceVpc":"vpc-111","aws:SourceVpce":"vpce-2"}}`, fails),
		c("an empty Condition holds", docCondition, vpc, `{}`, holds),
		c("a value that is an object: the statement never applies", docCondition, vpc, `{"StringEquals":{"aws:SourceVpc":{"v":"vpc-111"}}}`, fails),
		c("a Condition that is not an object: the statement never applies", docCondition, vpc, `["StringEquals"]`, fails),
		c("key names are matched without case", docCondition, ctxWith("AWS:SOURCEVPC", "vpc-111"), `{"StringEquals":{"aws:SourceVpc":"vpc-111"}}`, holds),
	})
}

// Spec 4.3: single- and multi-valued keys, the set qualifiers, and the
// four key states.
func TestConditionKeyStates(t *testing.T) {
	t.Parallel()
	paths := func() *Context {
		return complete().SetMulti("aws:PrincipalOrgPaths", []string{"o-1/r-1/ou-a/", "o-1/r-1/ou-b/"})
	}
	empty := func() *Context { return complete().SetMulti("aws:TagKeys", []string{}) }
	c := func(name, docPage string, ctx *Context, condition string, want Decision, keys ...string) rule {
		return rule{name: name, doc: docPage, req: condRequest(ctx, condition), want: want, keys: keys}
	}
	runRules(t, []rule{
		c("a multi-valued key never satisfies a plain operator", docMultiValued, paths(), `{"StringLike":{"aws:PrincipalOrgPaths":"o-1/*"}}`, ImplicitDeny),
		c("a multi-valued key never satisfies a plain negated operator", docMultiValued, paths(), `{"StringNotLike":{"aws:PrincipalOrgPaths":"x*"}}`, ImplicitDeny),
		c("a multi-valued key with one element is still multi-valued", docMultiValued, complete().SetMulti("aws:TagKeys", []string{"team"}), `{"StringEquals":{"aws:TagKeys":"team"}}`, ImplicitDeny),
		c("ForAnyValue: some request value satisfies", docMultiValued, paths(), `{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-1/r-1/ou-b/*"}}`, Allowed),
		c("ForAnyValue: no request value satisfies", docMultiValued, paths(), `{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-2/*"}}`, ImplicitDeny),
		c("ForAllValues: every request value satisfies", docMultiValued, paths(), `{"ForAllValues:StringLike":{"aws:PrincipalOrgPaths":["o-1/r-1/ou-a/*","o-1/r-1/ou-b/*"]}}`, Allowed),
		c("ForAllValues: one request value does not", docMultiValued, paths(), `{"ForAllValues:StringLike":{"aws:PrincipalOrgPaths":"o-1/r-1/ou-a/*"}}`, ImplicitDeny),
		c("ForAnyValue on an empty set fails", docMultiValued, empty(), `{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}`, ImplicitDeny),
		c("ForAllValues on an empty set holds", docMultiValued, empty(), `{"ForAllValues:StringEquals":{"aws:TagKeys":"team"}}`, Allowed),
		c("a single-valued key reads as a one-element set", docMultiValued, ctxWith("aws:PrincipalOrgID", "o-1"), `{"ForAnyValue:StringEquals":{"aws:PrincipalOrgID":"o-1"}}`, Allowed),
		c("ForAllValues:StringNotEquals: no request value is in the set", docMultiValued, paths(), `{"ForAllValues:StringNotEquals":{"aws:PrincipalOrgPaths":["o-9/"]}}`, Allowed),
		c("ForAllValues:StringNotEquals: one request value is in the set", docMultiValued, paths(), `{"ForAllValues:StringNotEquals":{"aws:PrincipalOrgPaths":["o-1/r-1/ou-a/"]}}`, ImplicitDeny),
		c("ForAnyValue:StringNotEquals: some request value is outside the set", docMultiValued, paths(), `{"ForAnyValue:StringNotEquals":{"aws:PrincipalOrgPaths":["o-1/r-1/ou-a/"]}}`, Allowed),
		c("ForAnyValue:StringNotEquals: every request value is in the set", docMultiValued, paths(), `{"ForAnyValue:StringNotEquals":{"aws:PrincipalOrgPaths":["o-1/r-1/ou-a/","o-1/r-1/ou-b/"]}}`, ImplicitDeny),

		c("absent: Null true holds", docOperators, complete(), `{"Null":{"aws:SourceVpc":"true"}}`, Allowed),
		c("absent: Null false fails", docOperators, complete(), `{"Null":{"aws:SourceVpc":false}}`, ImplicitDeny),
		c("absent: IfExists holds", docOperators, complete(), `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-111"}}`, Allowed),
		c("absent: ForAllValues holds", docMultiValued, complete(), `{"ForAllValues:StringEquals":{"aws:TagKeys":"team"}}`, Allowed),
		c("absent: a negated operator holds", docOperators, complete(), `{"StringNotEquals":{"aws:PrincipalOrgID":"o-1"}}`, Allowed),
		c("absent: NotIpAddress holds", docOperators, complete(), `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, Allowed),
		c("absent: ForAnyValue fails", docMultiValued, complete(), `{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}`, ImplicitDeny),
		c("absent: ForAnyValue with a negated operator fails (the ForAnyValue rule wins: spec's reading, AWS says ForAnyValue is false on a missing key)",
			docMultiValued, complete(), `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"team"}}`, ImplicitDeny),
		c("absent: ForAnyValue with IfExists holds (AWS-unclear, the spec's choice: the IfExists rule)", docOperators,
			complete(), `{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"team*"}}`, Allowed),
		c("absent: a plain operator fails", docOperators, complete(), `{"StringEquals":{"aws:SourceVpc":"vpc-111"}}`, ImplicitDeny),
		c("absent: Bool fails (an MFA Deny with Bool misses long-term keys)", docOperators, complete(), `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, ImplicitDeny),
		c("present: Null false holds", docOperators, ctxWith("aws:SourceVpc", "vpc-111"), `{"Null":{"aws:SourceVpc":"false"}}`, Allowed),
		c("present: Null true fails", docOperators, ctxWith("aws:SourceVpc", "vpc-111"), `{"Null":{"aws:SourceVpc":"true"}}`, ImplicitDeny),
		c("present: IfExists compares", docOperators, ctxWith("aws:SourceVpc", "vpc-111"), `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-222"}}`, ImplicitDeny),
		c("present with an unknown value: Null is decided", docOperators, complete().UnknownValue("aws:SourceVpc"), `{"Null":{"aws:SourceVpc":"false"}}`, Allowed),
		c("present with an unknown value: Null true fails", docOperators, complete().UnknownValue("aws:SourceVpc"), `{"Null":{"aws:SourceVpc":"true"}}`, ImplicitDeny),
		c("present with an unknown value: other operators are unknown", docOperators, complete().UnknownValue("aws:SourceVpc"),
			`{"StringEquals":{"aws:SourceVpc":"vpc-111"}}`, Conditional, "aws:SourceVpc"),
		c("present with an unknown value: IfExists is unknown", docOperators, complete().UnknownValue("aws:SourceVpc"),
			`{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-111"}}`, Conditional, "aws:SourceVpc"),
		c("unknown: operators are unknown, named as written", docOperators, NewContext(), `{"StringEquals":{"sts:ExternalId":"x"}}`, Conditional, "sts:ExternalId"),
		c("unknown: Null is unknown", docOperators, NewContext(), `{"Null":{"aws:SourceVpc":"true"}}`, Conditional, "aws:SourceVpc"),
		c("unknown: a negated operator is unknown", docOperators, NewContext(), `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`, Conditional, "aws:SourceVpc"),
		c("an unknown key under an unrecognised operator: still false", docOperators, NewContext(), `{"StringEqualz":{"aws:SourceVpc":"vpc-1"}}`, ImplicitDeny),

		c("lookup: a complete context makes unlisted keys absent", docConditionKeys, complete(), `{"StringEqualsIfExists":{"sts:ExternalId":"x"}}`, Allowed),
		c("lookup: by default unlisted keys are unknown", docConditionKeys, NewContext(), `{"StringEqualsIfExists":{"sts:ExternalId":"x"}}`, Conditional, "sts:ExternalId"),
		c("lookup: an exact list entry", docConditionKeys, NewContext().Absent("sts:ExternalId"), `{"StringEqualsIfExists":{"sts:ExternalId":"x"}}`, Allowed),
		c("lookup: a prefix entry", docConditionKeys, NewContext().Absent("aws:PrincipalTag/*"), `{"StringEquals":{"aws:PrincipalTag/team":"x"}}`, ImplicitDeny),
		c("lookup: the longest prefix decides", docConditionKeys, NewContext().Absent("aws:PrincipalTag/*").Unknown("aws:PrincipalTag/te*"),
			`{"StringEquals":{"aws:PrincipalTag/team":"x"}}`, Conditional, "aws:PrincipalTag/team"),
		c("lookup: a prefix matches without case", docConditionKeys, NewContext().UnknownValue("AWS:PRINCIPALTAG/*"),
			`{"Null":{"aws:PrincipalTag/team":"false"}}`, Allowed),
		c("lookup: the context wins over a prefix", docConditionKeys, NewContext().Absent("aws:PrincipalTag/*").Set("aws:PrincipalTag/team", "x"),
			`{"StringEquals":{"aws:PrincipalTag/team":"x"}}`, Allowed),
		c("lookup: an exact entry wins over a longer prefix", docConditionKeys, NewContext().Absent("aws:PrincipalTag/team").UnknownValue("aws:PrincipalTag/t*"),
			`{"Null":{"aws:PrincipalTag/team":"true"}}`, Allowed),
	})
}

// Spec 4.3: policy variables.
func TestPolicyVariables(t *testing.T) {
	t.Parallel()
	home := func(ctx *Context, resource string, version string) Request {
		p, err := ParsePolicy([]byte(`{"Version":"` + version + `","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + resource + `"}]}`))
		if err != nil {
			panic(err)
		}
		return Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/notes.txt", ResourceAccount: acctA, Context: ctx, IdentityPolicies: []*Policy{p}}
	}
	user := func(name string) *Context { return complete().Set("aws:username", name) }
	c := func(name string, ctx *Context, condition string, want Decision, keys ...string) rule {
		return rule{name: name, doc: docVariables, req: condRequest(ctx, condition), want: want, keys: keys}
	}
	runRules(t, []rule{
		{name: "a variable in Resource takes the key's value", doc: docVariables, req: home(user("alice"), "arn:aws:s3:::home/${aws:username}/*", "2012-10-17"), want: Allowed},
		{name: "a variable in Resource: another value does not match", doc: docVariables, req: home(user("bob"), "arn:aws:s3:::home/${aws:username}/*", "2012-10-17"), want: ImplicitDeny},
		{name: "variable names are matched without case", doc: docVariables, req: home(user("alice"), "arn:aws:s3:::home/${AWS:UserName}/*", "2012-10-17"), want: Allowed},
		{name: "without Version 2012-10-17 a variable is literal text", doc: docVariables, req: home(user("alice"), "arn:aws:s3:::home/${aws:username}/*", "2008-10-17"), want: ImplicitDeny},
		{name: "without a Version a variable is literal text", doc: docVariables, req: func() Request {
			p, _ := ParsePolicy([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`))
			r := home(user("alice"), "", "2012-10-17")
			r.IdentityPolicies = []*Policy{p}
			return r
		}(), want: ImplicitDeny},
		{name: "a * in the value is not a wildcard", doc: docVariables, req: home(user("*"), "arn:aws:s3:::home/${aws:username}/*", "2012-10-17"), want: ImplicitDeny},
		{name: "an absent key without default never matches", doc: docVariables, req: home(complete(), "arn:aws:s3:::home/${aws:username}/*", "2012-10-17"), want: ImplicitDeny},
		{name: "an absent key takes the default", doc: docVariables, req: home(complete(), "arn:aws:s3:::home/${aws:username, 'alice'}/*", "2012-10-17"), want: Allowed},
		{name: "an empty value is no value: the default", doc: docVariables, req: home(user(""), "arn:aws:s3:::home/${aws:username,'alice'}/*", "2012-10-17"), want: Allowed},
		{name: "a multi-valued key cannot be a variable", doc: docVariables,
			req: home(complete().SetMulti("aws:username", []string{"alice"}), "arn:aws:s3:::home/${aws:username}/*", "2012-10-17"), want: ImplicitDeny},
		{name: "an unknown key leaves the match unknown", doc: docVariables, req: home(NewContext(), "arn:aws:s3:::home/${aws:username}/*", "2012-10-17"),
			want: Conditional, keys: []string{"aws:username"}},
		{name: "an unknown key with a default is still unknown", doc: docVariables, req: home(NewContext(), "arn:aws:s3:::home/${aws:username, 'x'}/*", "2012-10-17"),
			want: Conditional, keys: []string{"aws:username"}},
		{name: "a variable in an ARN field compared without case", doc: docVariables,
			req: home(complete().Set("aws:PrincipalTag/partition", "AWS"), "arn:${aws:PrincipalTag/partition}:s3:::home/alice/*", "2012-10-17"), want: Allowed},
		{name: "an unknown variable leaves its whole field unknown, even if its literal text differs (spec 4.3: the comparison is unknown)", doc: docVariables,
			req: home(NewContext(), "arn:aws:s3:::other/${aws:username}/*", "2012-10-17"), want: Conditional, keys: []string{"aws:username"}},
		{name: "a field without the variable still decides", doc: docVariables,
			req: home(NewContext(), "arn:aws:s3:eu-west-1::${aws:username}/*", "2012-10-17"), want: ImplicitDeny},
		{name: "escape ${*} is a literal *", doc: docVariables, req: func() Request {
			r := home(complete(), "arn:aws:s3:::home/alice/${*}", "2012-10-17")
			r.Resource = "arn:aws:s3:::home/alice/*"
			return r
		}(), want: Allowed},
		{name: "escape ${*} does not match other text", doc: docVariables, req: home(complete(), "arn:aws:s3:::home/alice/${*}", "2012-10-17"), want: ImplicitDeny},

		c("StringEquals with a variable", complete().Set("aws:PrincipalTag/team", "red").Set("s3:prefix", "red"), `{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team}"}}`, Allowed),
		c("StringLike: the variable's text is literal, the policy's * is a wildcard", complete().Set("aws:username", "a?").Set("s3:prefix", "a?/x"),
			`{"StringLike":{"s3:prefix":"${aws:username}/*"}}`, Allowed),
		c("StringLike: a ? from the variable matches only ?", complete().Set("aws:username", "a?").Set("s3:prefix", "ab/x"),
			`{"StringLike":{"s3:prefix":"${aws:username}/*"}}`, ImplicitDeny),
		c("StringEqualsIgnoreCase with a variable", complete().Set("aws:username", "Alice").Set("s3:prefix", "alice"), `{"StringEqualsIgnoreCase":{"s3:prefix":"${aws:username}"}}`, Allowed),
		c("ArnLike with a variable", complete().Set("aws:PrincipalAccount", acctA).Set("aws:SourceArn", "arn:aws:sns:eu-west-1:111122223333:topic"),
			`{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:*"}}`, Allowed),
		c("ArnLike: a variable's colon stays inside its segment", complete().Set("aws:PrincipalTag/x", "111122223333:topic").Set("aws:SourceArn", "arn:aws:sns:eu-west-1:111122223333:topic"),
			`{"ArnLike":{"aws:SourceArn":"arn:aws:sns:eu-west-1:${aws:PrincipalTag/x}"}}`, ImplicitDeny),
		c("Bool with a variable", complete().Set("aws:PrincipalTag/mfa", "true").Set("aws:MultiFactorAuthPresent", "true"),
			`{"Bool":{"aws:MultiFactorAuthPresent":"${aws:PrincipalTag/mfa}"}}`, Allowed),
		c("Numeric values take no variables", complete().Set("aws:PrincipalTag/max", "10").Set("s3:max-keys", "10"),
			`{"NumericEquals":{"s3:max-keys":"${aws:PrincipalTag/max}"}}`, ImplicitDeny),
		c("an absent variable never matches, for a negated operator too", ctxWith("aws:SourceVpce", "vpce-1"),
			`{"StringNotEquals":{"aws:SourceVpce":"${aws:PrincipalTag/vpce}"}}`, ImplicitDeny),
		c("an unknown variable makes the comparison unknown", ctxWith("aws:SourceVpce", "vpce-1").Unknown("aws:PrincipalTag/*"),
			`{"StringNotEquals":{"aws:SourceVpce":"${aws:PrincipalTag/vpce}"}}`, Conditional, "aws:PrincipalTag/vpce"),
		c("a value-unknown variable makes the comparison unknown", ctxWith("aws:SourceVpce", "vpce-1").UnknownValue("aws:PrincipalTag/vpce"),
			`{"StringEquals":{"aws:SourceVpce":"${aws:PrincipalTag/vpce}"}}`, Conditional, "aws:PrincipalTag/vpce"),
		c("another policy value can still decide an unknown variable's comparison", ctxWith("aws:SourceVpce", "vpce-1"),
			`{"StringEquals":{"aws:SourceVpce":["${aws:PrincipalTag/vpce}","vpce-1"]}}`, Allowed),
		c("escape ${$} is a literal $", ctxWith("s3:prefix", "$HOME"), `{"StringEquals":{"s3:prefix":"${$}HOME"}}`, Allowed),
		c("escape ${?} is a literal ?", ctxWith("s3:prefix", "a"), `{"StringLike":{"s3:prefix":"${?}"}}`, ImplicitDeny),
		{name: "without Version 2012-10-17 escapes are literal text too", doc: docVariables,
			req: condRequestV("2008-10-17", ctxWith("s3:prefix", "${$}"), `{"StringEquals":{"s3:prefix":"${$}"}}`), want: Allowed},
	})
}

// The comparison helpers, directly.
func TestParseDecimal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want int
		ok   bool
	}{
		{"10", "10.0", 0, true}, {"-0", "0", 0, true}, {"+5", "5", 0, true}, {"007", "7", 0, true},
		{"0.5", "0.45", 1, true}, {"0.4", "0.45", -1, true}, {"-1", "-2", 1, true}, {"-1.5", "1", -1, true},
		{"12345678901234567890", "12345678901234567891", -1, true}, {".5", "0.5", 0, true}, {"5.", "5", 0, true},
		{"1e3", "1000", 0, false}, {"", "0", 0, false}, {"-", "0", 0, false}, {"0x10", "16", 0, false}, {"NaN", "0", 0, false},
	} {
		a, okA := parseDecimal(tt.a)
		b, okB := parseDecimal(tt.b)
		if okA && okB != tt.ok {
			t.Errorf("parseDecimal(%q), (%q): ok = %v %v, want %v", tt.a, tt.b, okA, okB, tt.ok)
			continue
		}
		if tt.ok && cmpDecimal(a, b) != tt.want {
			t.Errorf("cmpDecimal(%q, %q) = %d, want %d", tt.a, tt.b, cmpDecimal(a, b), tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"2024-01-01":                1704067200,
		"2024-01-01T00:00:00Z":      1704067200,
		"2024-01-01t00:00:00z":      1704067200,
		"2024-01-01T01:00:00+01:00": 1704067200,
		"2024-01-01T01:00:00+0100":  1704067200,
		"2024-01-01T00:00":          1704067200,
		"2024-01-01T00:00:00.000Z":  1704067200,
		"1704067200":                1704067200,
		"-1":                        -1,
	} {
		d, ok := parseDate(in)
		if !ok || d.t.Unix() != want {
			t.Errorf("parseDate(%q) = %v, %v; want %d", in, d.t, ok, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01", "2024-01-01T25:00:00Z", "1.5", "99999999999999999999"} {
		if _, ok := parseDate(bad); ok {
			t.Errorf("parseDate(%q) accepted", bad)
		}
	}
}

func TestParseOperator(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]operator{
		"StringEquals":                        {base: opStringEquals},
		"stringNOTequals":                     {base: opStringEquals, negated: true},
		"ForAnyValue:StringLike":              {base: opStringLike, qual: qualAny},
		"ForAllValues:StringNotLikeIfExists":  {base: opStringLike, negated: true, ifExists: true, qual: qualAll},
		"ArnEquals":                           {base: opArnLike},
		"NotIpAddressIfExists":                {base: opIPAddress, negated: true, ifExists: true},
		"Null":                                {base: opNull},
		"NullIfExists":                        {},
		"ForAllValues:Null":                   {},
		"For:StringEquals":                    {},
		"IfExists":                            {},
		"StringEqualsIfExistsIfExists":        {},
		"ForAnyValue:ForAllValues:StringLike": {},
	} {
		if diff := cmp.Diff(want, parseOperator(in), cmp.AllowUnexported(operator{})); diff != "" {
			t.Errorf("parseOperator(%q) mismatch (-want +got):\n%s", in, diff)
		}
	}
}
