package eval

import "testing"

// identityRequest asks whether alice may run action on resource with the
// given identity policy statements, under AWS's complete context.
func identityRequest(action, resource string, statements ...string) Request {
	return Request{Principal: alice, Action: action, Resource: resource, ResourceAccount: acctA,
		Context: complete(), IdentityPolicies: pols(statements...)}
}

// patternRequest is identityRequest for a resource pattern.
func patternRequest(action, pattern string, statements ...string) Request {
	return Request{Principal: alice, Action: action, ResourcePattern: pattern, ResourceAccount: acctA,
		Context: complete(), IdentityPolicies: pols(statements...)}
}

// Spec 4.1: three values combined with Kleene logic.
func TestThreeValuedLogic(t *testing.T) {
	t.Parallel()
	unknownCtx := func() *Context { return NewContext().Set("aws:SourceVpc", "vpc-1") }
	cond := func(c string) string {
		return `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":` + c + `}`
	}
	req := func(statements ...string) Request {
		r := identityRequest("s3:GetObject", "arn:aws:s3:::home/sam/notes.txt", statements...)
		r.Context = unknownCtx()
		return r
	}
	runRules(t, []rule{
		{name: "and: true and unknown is unknown", doc: docLogic,
			req:  req(cond(`{"StringEquals":{"aws:SourceVpc":"vpc-1","sts:ExternalId":"x"}}`)),
			want: Conditional, keys: []string{"sts:ExternalId"}},
		{name: "and: false and unknown is false", doc: docLogic,
			req:  req(cond(`{"StringEquals":{"aws:SourceVpc":"vpc-2","sts:ExternalId":"x"}}`)),
			want: ImplicitDeny},
		{name: "or: true or unknown is true", doc: docEvalLogic,
			req:  req(cond(`{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`), cond(`{"StringEquals":{"sts:ExternalId":"x"}}`)),
			want: Allowed},
		{name: "or: false or unknown is unknown", doc: docEvalLogic,
			req:  req(cond(`{"StringEquals":{"aws:SourceVpc":"vpc-2"}}`), cond(`{"StringEquals":{"sts:ExternalId":"x"}}`)),
			want: Conditional, keys: []string{"sts:ExternalId"}},
		{name: "or of two unknowns names both keys", doc: docEvalLogic,
			req:  req(cond(`{"StringEquals":{"sts:ExternalId":"x"}}`), cond(`{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`)),
			want: Conditional, keys: []string{"aws:MultiFactorAuthPresent", "sts:ExternalId"}},
		{name: "not unknown is unknown (NotResource with an unknown variable)", doc: docNotResource,
			req:  req(`{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::home/${aws:username}/*"}`),
			want: Conditional, keys: []string{"aws:username"}},
	})
}

// Spec 4.2: Effect, Action and NotAction, a missing Resource.
func TestStatementElements(t *testing.T) {
	t.Parallel()
	get := func(statements ...string) Request {
		return identityRequest("s3:GetObject", bucketObject, statements...)
	}
	runRules(t, []rule{
		{name: "Effect Allow grants", doc: docEffect, req: get(allowAll), want: Allowed},
		{name: "Effect Deny refuses", doc: docEffect, req: get(allowAll, denyAll), want: ExplicitDeny, deniedBy: []string{KindIdentity}},
		{name: "an Effect other than Allow or Deny is ignored (case counts)", doc: docEffect,
			req: get(`{"Effect":"allow","Action":"*","Resource":"*"}`), want: ImplicitDeny},
		{name: "an ignored Effect does not deny either", doc: docEffect,
			req: get(allowAll, `{"Effect":"DENY","Action":"*","Resource":"*"}`), want: Allowed},
		{name: "neither Action nor NotAction: an Allow never applies", doc: docAction,
			req: get(`{"Effect":"Allow","Resource":"*"}`), want: ImplicitDeny},
		{name: "neither Action nor NotAction: a Deny never applies", doc: docAction,
			req: get(allowAll, `{"Effect":"Deny","Resource":"*"}`), want: Allowed},
		{name: "both Action and NotAction: never applies (gatehouse's choice: IAM refuses such a statement)", doc: docNotAction,
			req: get(allowAll, `{"Effect":"Deny","Action":"*","NotAction":"ec2:*","Resource":"*"}`), want: Allowed},
		{name: "neither Resource nor NotResource applies to every resource", doc: docResource,
			req: get(`{"Effect":"Allow","Action":"s3:GetObject"}`), want: Allowed},
		{name: "Action * matches every action", doc: docAction, req: get(`{"Effect":"Allow","Action":"*","Resource":"*"}`), want: Allowed},
		{name: "Action matches without case", doc: docAction, req: get(`{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}`), want: Allowed},
		{name: "Action * wildcard is any run", doc: docAction, req: get(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`), want: Allowed},
		{name: "Action * may stand for the service", doc: docAction, req: get(`{"Effect":"Allow","Action":"*:GetObject","Resource":"*"}`), want: Allowed},
		{name: "Action ? is one character", doc: docAction, req: get(`{"Effect":"Allow","Action":"s3:GetObjec?","Resource":"*"}`), want: Allowed},
		{name: "Action ? is exactly one character", doc: docAction, req: get(`{"Effect":"Allow","Action":"s3:GetObject?","Resource":"*"}`), want: ImplicitDeny},
		{name: "Action of another action does not match", doc: docAction, req: get(`{"Effect":"Allow","Action":["s3:PutObject","ec2:*"],"Resource":"*"}`), want: ImplicitDeny},
		{name: "Action list: any value matches", doc: docAction, req: get(`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"}`), want: Allowed},
		{name: "Action with a comma matches nothing", doc: docAction, req: get(`{"Effect":"Allow","Action":"s3:GetObject,s3:PutObject","Resource":"*"}`), want: ImplicitDeny},
		{name: "Action with whitespace matches nothing", doc: docAction, req: get(`{"Effect":"Allow","Action":"s3:GetObject ","Resource":"*"}`), want: ImplicitDeny},
		{name: "Action without a service matches nothing", doc: docAction, req: get(`{"Effect":"Allow","Action":":GetObject","Resource":"*"}`), want: ImplicitDeny},
		{name: "Action without a name matches nothing", doc: docAction, req: get(`{"Effect":"Allow","Action":"s3:","Resource":"*"}`), want: ImplicitDeny},
		{name: "Action without a colon matches nothing", doc: docAction, req: get(`{"Effect":"Allow","Action":"GetObject","Resource":"*"}`), want: ImplicitDeny},
		{name: "NotAction applies to every other action", doc: docNotAction, req: get(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), want: Allowed},
		{name: "NotAction excludes the listed action", doc: docNotAction, req: get(`{"Effect":"Allow","NotAction":["iam:*","s3:Get*"],"Resource":"*"}`), want: ImplicitDeny},
		{name: "Deny with NotAction refuses everything else", doc: docNotAction, req: get(allowAll, `{"Effect":"Deny","NotAction":"ec2:*","Resource":"*"}`), want: ExplicitDeny},
		{name: "a malformed NotAction entry excludes nothing", doc: docNotAction,
			req: get(allowAll, `{"Effect":"Deny","NotAction":"s3:GetObject, s3:PutObject","Resource":"*"}`), want: ExplicitDeny},
		{name: "an Action that is an object: the statement never applies", doc: docAction,
			req: get(allowAll, `{"Effect":"Deny","Action":{"s3":"GetObject"},"Resource":"*"}`), want: Allowed},
	})
}

// Spec 4.2: Resource and NotResource against a literal resource.
func TestResourceLiteral(t *testing.T) {
	t.Parallel()
	allowOn := func(resource string, policyResource string) Request {
		return identityRequest("s3:GetObject", resource, `{"Effect":"Allow","Action":"*","Resource":`+policyResource+`}`)
	}
	logStream := "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/f:log-stream:2024/01/01"
	runRules(t, []rule{
		{name: "* matches every resource", doc: docResource, req: allowOn(bucketObject, `"*"`), want: Allowed},
		{name: "* matches the resource *", doc: docResource, req: allowOn("*", `"*"`), want: Allowed},
		{name: "the resource * is matched only by *", doc: docResource, req: allowOn("*", `"arn:aws:s3:::*"`), want: ImplicitDeny},
		{name: "exact ARN", doc: docResource, req: allowOn(bucketObject, `"arn:aws:s3:::reports/2024/q1.csv"`), want: Allowed},
		{name: "partition, service, region, account compare without case", doc: docARNs,
			req: allowOn(logStream, `"ARN:AWS:LOGS:EU-WEST-1:111122223333:log-group:*"`), want: Allowed},
		{name: "the resource part compares with case", doc: docResource, req: allowOn(bucketObject, `"arn:aws:s3:::Reports/*"`), want: ImplicitDeny},
		{name: "* in the resource part spans / and :", doc: docResource, req: allowOn(logStream, `"arn:aws:logs:eu-west-1:111122223333:log-group:*"`), want: Allowed},
		{name: "* in the resource part, in the middle", doc: docResource, req: allowOn(bucketObject, `"arn:aws:s3:::reports/*/q1.csv"`), want: Allowed},
		{name: "? is one character", doc: docResource, req: allowOn(bucketObject, `"arn:aws:s3:::reports/202?/q1.csv"`), want: Allowed},
		{name: "* in the region and account fields", doc: docResource, req: allowOn(logStream, `"arn:aws:logs:*:*:log-group:/aws/*"`), want: Allowed},
		{name: "a wildcard stays inside its field", doc: docResource, req: allowOn(logStream, `"arn:aws:logs:eu-*:log-group:*"`), want: ImplicitDeny},
		{name: "fewer than six fields ending in *: missing fields are *", doc: docResource, req: allowOn(bucketObject, `"arn:aws:s3:*"`), want: Allowed},
		{name: "fewer than six fields: a trailing * reaches across colons", doc: docResource, req: allowOn(logStream, `"arn:aws:logs:eu-*"`), want: Allowed},
		{name: "fewer than six fields ending in *, not matching", doc: docResource, req: allowOn(logStream, `"arn:aws:s3:*"`), want: ImplicitDeny},
		{name: "fewer than six fields without a trailing * matches nothing", doc: docResource, req: allowOn(bucketObject, `"arn:aws:s3"`), want: ImplicitDeny},
		{name: "a value that is neither * nor an ARN matches nothing", doc: docResource, req: allowOn(bucketObject, `"reports/*"`), want: ImplicitDeny},
		{name: "a request resource that is not an ARN is matched only by *", doc: docResource, req: allowOn("reports", `["arn:*","reports"]`), want: ImplicitDeny},
		{name: "* and ? in the request resource are ordinary characters", doc: docResource,
			req: allowOn("arn:aws:s3:::reports/*", `"arn:aws:s3:::reports/q1.csv"`), want: ImplicitDeny},
		{name: "a policy * matches a literal * in the resource", doc: docResource,
			req: allowOn("arn:aws:s3:::reports/*", `"arn:aws:s3:::reports/*"`), want: Allowed},
		{name: "Resource list: any value matches", doc: docResource, req: allowOn(bucketObject, `["arn:aws:s3:::other/*","arn:aws:s3:::reports/*"]`), want: Allowed},
		{name: "an empty Resource list matches nothing", doc: docResource, req: allowOn(bucketObject, `[]`), want: ImplicitDeny},
		{name: "IAM role ARNs include the path", doc: docResource,
			req: identityRequest("iam:GetRole", "arn:aws:iam::111122223333:role/ops/Deploy", `{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:role/Deploy"}`), want: ImplicitDeny},
		{name: "NotResource applies when no value matches", doc: docNotResource,
			req: identityRequest("s3:GetObject", bucketObject, `{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::secrets/*"}`), want: Allowed},
		{name: "NotResource does not apply to a listed resource", doc: docNotResource,
			req: identityRequest("s3:GetObject", bucketObject, `{"Effect":"Allow","Action":"*","NotResource":["arn:aws:s3:::secrets/*","arn:aws:s3:::reports/*"]}`), want: ImplicitDeny},
		{name: "Deny with NotResource refuses everything else", doc: docNotResource,
			req: identityRequest("s3:GetObject", bucketObject, allowAll, `{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::public/*"}`), want: ExplicitDeny},
		{name: "both Resource and NotResource: never applies (gatehouse's choice: IAM refuses such a statement)", doc: docNotResource,
			req: identityRequest("s3:GetObject", bucketObject, allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","NotResource":"arn:aws:s3:::public/*"}`), want: Allowed},
	})
}

// Spec 4.2: Resource and NotResource against a resource pattern: overlap
// for an Allow, cover for a Deny.
func TestResourcePattern(t *testing.T) {
	t.Parallel()
	const prod = "arn:aws:s3:::releases-prod/*"
	allow := func(pattern, resource string) Request {
		return patternRequest("s3:PutObject", pattern, `{"Effect":"Allow","Action":"*","Resource":`+resource+`}`)
	}
	deny := func(pattern, resource string) Request {
		return patternRequest("s3:PutObject", pattern, allowAll, `{"Effect":"Deny","Action":"*","Resource":`+resource+`}`)
	}
	runRules(t, []rule{
		{name: "Allow counts when a value overlaps the pattern", doc: docResource, req: allow(prod, `"arn:aws:s3:::releases-*/builds/*"`), want: Allowed},
		{name: "Allow does not count without overlap", doc: docResource, req: allow(prod, `"arn:aws:s3:::logs-*"`), want: ImplicitDeny},
		{name: "Allow: overlap is field by field, without case outside the resource part", doc: docResource, req: allow("arn:AWS:S3:::releases-prod/*", `"arn:aws:s3:::*/builds/*"`), want: Allowed},
		{name: "Allow: overlap needs every field", doc: docResource, req: allow("arn:aws:ec2:us-east-1:111122223333:instance/*", `"arn:aws:ec2:eu-*:*:instance/*"`), want: ImplicitDeny},
		{name: "Deny applies when a value covers the pattern", doc: docResource, req: deny("arn:aws:s3:::releases-prod/builds/*", `"arn:aws:s3:::releases-prod/*"`), want: ExplicitDeny},
		{name: "Deny does not apply when it only overlaps", doc: docResource, req: deny(prod, `"arn:aws:s3:::releases-prod/secret/*"`), want: Allowed},
		{name: "Deny: cover is field by field", doc: docResource,
			req: deny("arn:aws:ec2:us-east-1:111122223333:instance/*", `"arn:aws:ec2:us-*:111122223333:instance/*"`), want: ExplicitDeny},
		{name: "Deny: a wider region in the pattern is not covered", doc: docResource,
			req: deny("arn:aws:ec2:*:111122223333:instance/*", `"arn:aws:ec2:us-*:111122223333:instance/*"`), want: Allowed},
		{name: "Allow NotResource applies when no value covers", doc: docNotResource,
			req: patternRequest("s3:PutObject", prod, `{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::releases-prod/secret/*"}`), want: Allowed},
		{name: "Allow NotResource does not apply when a value covers", doc: docNotResource,
			req: patternRequest("s3:PutObject", "arn:aws:s3:::releases-prod/secret/a*", `{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::releases-prod/secret/*"}`), want: ImplicitDeny},
		{name: "Deny NotResource applies when no value overlaps", doc: docNotResource,
			req: patternRequest("s3:PutObject", prod, allowAll, `{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::other/*"}`), want: ExplicitDeny},
		{name: "Deny NotResource does not apply when a value overlaps", doc: docNotResource,
			req: patternRequest("s3:PutObject", prod, allowAll, `{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::releases-*"}`), want: Allowed},
		{name: "pattern *: every value overlaps it", doc: docResource, req: allow("*", `"arn:aws:s3:::x"`), want: Allowed},
		{name: "pattern *: even a value that is not an ARN overlaps it", doc: docResource, req: allow("*", `"bucket"`), want: Allowed},
		{name: "pattern *: only * covers it", doc: docResource, req: deny("*", `"arn:*"`), want: Allowed},
		{name: "pattern *: * covers it", doc: docResource, req: deny("*", `"*"`), want: ExplicitDeny},
		{name: "a value that is not an ARN neither overlaps nor covers an ARN pattern", doc: docResource, req: allow(prod, `"releases-prod/*"`), want: ImplicitDeny},
		{name: "* covers every pattern", doc: docResource, req: deny(prod, `"*"`), want: ExplicitDeny},
		{name: "? in the pattern is one character", doc: docResource, req: allow("arn:aws:s3:::b?/x", `"arn:aws:s3:::b/x"`), want: ImplicitDeny},
		{name: "short policy ARN against a pattern", doc: docResource, req: deny(prod, `"arn:aws:s3:*"`), want: ExplicitDeny},
	})
}

// Spec 4.2: Principal and NotPrincipal in a resource policy.
func TestPrincipalMatching(t *testing.T) {
	t.Parallel()
	// crossAccount asks for an object of account B's bucket, the caller's
	// identity policy allowing it: the bucket policy decides.
	crossAccount := func(principal, principalJSON string) Request {
		return Request{Principal: principal, Action: "s3:GetObject", Resource: bucketObject, ResourceAccount: acctB,
			Context: complete(), IdentityPolicies: pols(allowAll),
			ResourcePolicy: pol(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":` + principalJSON + `}`)}
	}
	noContext := func(r Request) Request { r.Context = nil; return r }
	withBoundary := func(r Request) Request { r.PermissionBoundary = pol(allowAll); return r }
	sameAccountDeny := func(principal, notPrincipal string) Request {
		return Request{Principal: principal, Action: "s3:GetObject", Resource: bucketObject, ResourceAccount: acctA,
			Context: complete(), IdentityPolicies: pols(allowAll),
			ResourcePolicy: pol(`{"Effect":"Deny","Action":"*","Resource":"*","NotPrincipal":` + notPrincipal + `}`)}
	}
	anon := func(principalJSON string) Request {
		r := crossAccount("anonymous", principalJSON)
		r.IdentityPolicies = nil
		return r
	}
	runRules(t, []rule{
		{name: `"*" matches every principal`, doc: docPrincipal, req: crossAccount(alice, `"*"`), want: Allowed},
		{name: `{"AWS":"*"} matches every principal`, doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"*"}`), want: Allowed},
		{name: `"*" matches anonymous`, doc: docPrincipal, req: anon(`"*"`), want: Allowed},
		{name: `an account entry does not match anonymous`, doc: docPrincipal, req: anon(`{"AWS":"111122223333"}`), want: ImplicitDeny},
		{name: "an account id matches a user of the account", doc: docPrincipal, req: crossAccount(alice, `{"AWS":"111122223333"}`), want: Allowed},
		{name: "an account id matches a role session of the account", doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"111122223333"}`), want: Allowed},
		{name: "an account id matches a federated user of the account", doc: docPrincipal, req: crossAccount(fedUser, `{"AWS":"111122223333"}`), want: Allowed},
		{name: "an account id matches the account's root", doc: docPrincipal, req: crossAccount(rootA, `{"AWS":"111122223333"}`), want: Allowed},
		{name: "an account root ARN is the account", doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"arn:aws:iam::111122223333:root"}`), want: Allowed},
		{name: "a bare string is read as an AWS entry", doc: docPrincipal, req: crossAccount(alice, `"arn:aws:iam::111122223333:root"`), want: Allowed},
		{name: "an account entry does not match another account", doc: docPrincipal, req: crossAccount(alice, `{"AWS":"999988887777"}`), want: ImplicitDeny},
		{name: "a user ARN matches that user", doc: docPrincipal, req: crossAccount(alice, `{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`), want: Allowed},
		{name: "a user ARN compares with case", doc: docPrincipal, req: crossAccount(alice, `{"AWS":"arn:aws:iam::111122223333:user/ops/Alice"}`), want: ImplicitDeny},
		{name: "a user ARN does not match another user", doc: docPrincipal, req: crossAccount(alice, `{"AWS":["arn:aws:iam::111122223333:user/bob"]}`), want: ImplicitDeny},
		{name: "a session ARN matches that session", doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"arn:aws:sts::111122223333:assumed-role/Dev/sam"}`), want: Allowed},
		{name: "a session ARN does not match another session of the role", doc: docPrincipal,
			req: crossAccount(devSession, `{"AWS":"arn:aws:sts::111122223333:assumed-role/Dev/kim"}`), want: ImplicitDeny},
		{name: "a session ARN and a role principal: unknown when the session name is", doc: docPrincipal,
			req: noContext(crossAccount(devRole, `{"AWS":"arn:aws:sts::111122223333:assumed-role/Dev/sam"}`)), want: Conditional, keys: []string{SessionName}},
		{name: "a session ARN and a role principal: no match with a complete context", doc: docPrincipal,
			req: crossAccount(devRole, `{"AWS":"arn:aws:sts::111122223333:assumed-role/Dev/sam"}`), want: ImplicitDeny},
		{name: "a session ARN and a role principal of another role", doc: docPrincipal,
			req: noContext(crossAccount(devRole, `{"AWS":"arn:aws:sts::111122223333:assumed-role/Ops/sam"}`)), want: ImplicitDeny},
		{name: "a role ARN matches any session of the role", doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"arn:aws:iam::111122223333:role/ops/Dev"}`), want: Allowed},
		{name: "a role ARN matches the role principal", doc: docPrincipal, req: crossAccount(devRole, `{"AWS":"arn:aws:iam::111122223333:role/Dev"}`), want: Allowed},
		{name: "a role ARN: the role name compares without case", doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"arn:aws:iam::111122223333:role/dev"}`), want: Allowed},
		{name: "a role ARN does not match the same name in another account", doc: docPrincipal,
			req: crossAccount("arn:aws:sts::999988887777:assumed-role/Dev/sam", `{"AWS":"arn:aws:iam::111122223333:role/Dev"}`), want: ImplicitDeny},
		{name: "a role ARN does not match a user", doc: docPrincipal, req: crossAccount(alice, `{"AWS":"arn:aws:iam::111122223333:role/alice"}`), want: ImplicitDeny},
		{name: "a federated-user ARN matches that federated user", doc: docPrincipal,
			req: crossAccount(fedUser, `{"AWS":"arn:aws:sts::111122223333:federated-user/carol"}`), want: Allowed},
		{name: "a service matches that service", doc: docPrincipal, req: crossAccount(lambdaSvc, `{"Service":"lambda.amazonaws.com"}`), want: Allowed},
		{name: "a service does not match another service", doc: docPrincipal, req: crossAccount(lambdaSvc, `{"Service":["ec2.amazonaws.com"]}`), want: ImplicitDeny},
		{name: "a Federated entry matches that provider", doc: docPrincipal,
			req: crossAccount("arn:aws:iam::111122223333:saml-provider/Corp", `{"Federated":"arn:aws:iam::111122223333:saml-provider/Corp"}`), want: Allowed},
		{name: "a CanonicalUser entry matches no IAM principal", doc: docPrincipal,
			req: crossAccount(alice, `{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`), want: ImplicitDeny},
		{name: "a partial wildcard in a role ARN matches nothing", doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"arn:aws:iam::111122223333:role/*"}`), want: ImplicitDeny},
		{name: "a wildcard account in a root ARN matches nothing", doc: docPrincipal, req: crossAccount(alice, `{"AWS":"arn:aws:iam::*:root"}`), want: ImplicitDeny},
		{name: "a unique id (deleted role) matches nothing", doc: docPrincipal, req: crossAccount(devSession, `{"AWS":"AROAEXAMPLEID0000000"}`), want: ImplicitDeny},
		{name: "entries are ORed", doc: docPrincipal,
			req: crossAccount(devSession, `{"AWS":["AROAEXAMPLEID0000000","arn:aws:iam::111122223333:role/Dev"],"Service":"ec2.amazonaws.com"}`), want: Allowed},
		{name: "a resource policy statement without Principal never applies", doc: docPrincipal,
			req: func() Request {
				r := crossAccount(alice, `"*"`)
				r.ResourcePolicy = pol(`{"Effect":"Allow","Action":"*","Resource":"*"}`)
				return r
			}(), want: ImplicitDeny},
		{name: "an unreadable Principal (a number): the statement never applies", doc: docPrincipal,
			req: crossAccount(alice, `0`), want: ImplicitDeny},
		{name: "Principal and NotPrincipal together: never applies (gatehouse's choice: IAM refuses it)", doc: docNotPrincipal,
			req: func() Request {
				r := crossAccount(alice, `"*"`)
				r.ResourcePolicy = pol(`{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*","NotPrincipal":{"AWS":"999988887777"}}`)
				return r
			}(), want: ImplicitDeny},
		{name: "NotPrincipal Allow grants to an unlisted principal", doc: docNotPrincipal,
			req: func() Request {
				r := crossAccount(alice, `"*"`)
				r.ResourcePolicy = pol(`{"Effect":"Allow","Action":"*","Resource":"*","NotPrincipal":{"AWS":"999988887777"}}`)
				return r
			}(), want: Allowed},
		{name: "NotPrincipal Allow does not grant to a listed principal", doc: docNotPrincipal,
			req: func() Request {
				r := crossAccount(alice, `"*"`)
				r.ResourcePolicy = pol(`{"Effect":"Allow","Action":"*","Resource":"*","NotPrincipal":{"AWS":"111122223333"}}`)
				return r
			}(), want: ImplicitDeny},
		{name: "NotPrincipal Deny refuses an unlisted principal", doc: docNotPrincipal,
			req: sameAccountDeny(alice, `{"AWS":"arn:aws:iam::111122223333:user/bob"}`), want: ExplicitDeny, deniedBy: []string{KindResource}},
		{name: "NotPrincipal Deny spares a listed principal", doc: docNotPrincipal,
			req: sameAccountDeny(alice, `{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`), want: Allowed},
		{name: "NotPrincipal Deny spares a principal listed at the role level", doc: docNotPrincipal,
			req: sameAccountDeny(devSession, `{"AWS":["arn:aws:iam::111122223333:role/Dev"]}`), want: Allowed},
		{name: "NotPrincipal Deny refuses a listed principal that has a permissions boundary", doc: docBoundaries,
			req: withBoundary(sameAccountDeny(alice, `{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`)), want: ExplicitDeny},
		{name: "Principal is ignored in identity policies", doc: docPrincipal,
			req: identityRequest("s3:GetObject", bucketObject, `{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"AWS":"999988887777"}}`), want: Allowed},
		{name: "NotPrincipal is ignored in identity policies", doc: docNotPrincipal,
			req: identityRequest("s3:GetObject", bucketObject, allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","NotPrincipal":{"AWS":"111122223333"}}`), want: ExplicitDeny},
	})
}
