package eval

import (
	"fmt"
	"strings"
	"testing"
)

// sameAccountGet asks whether principal may read an object of account A's
// bucket.
func sameAccountGet(principal string) Request {
	return Request{Principal: principal, Action: "s3:GetObject", Resource: bucketObject, ResourceAccount: acctA, Context: complete()}
}

// bucketPolicy allows s3:GetObject to principalJSON.
func bucketPolicy(principalJSON string) *Policy {
	return pol(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":` + principalJSON + `}`)
}

// with applies changes to a request.
func with(r Request, changes ...func(*Request)) Request {
	for _, c := range changes {
		c(&r)
	}
	return r
}

func identity(statements ...string) func(*Request) {
	return func(r *Request) { r.IdentityPolicies = append(r.IdentityPolicies, pol(statements...)) }
}
func boundary(statements ...string) func(*Request) {
	return func(r *Request) { r.PermissionBoundary = pol(statements...) }
}
func session(statements ...string) func(*Request) {
	return func(r *Request) { r.SessionPolicies = append(r.SessionPolicies, pol(statements...)) }
}
func resourcePolicy(p *Policy) func(*Request) { return func(r *Request) { r.ResourcePolicy = p } }
func scps(levels ...Level) func(*Request)     { return func(r *Request) { r.SCPs = levels } }
func rcps(levels ...Level) func(*Request)     { return func(r *Request) { r.RCPs = levels } }
func endpoint(statements ...string) func(*Request) {
	return func(r *Request) { r.VPCEndpointPolicy = pol(statements...) }
}
func account(a string) func(*Request) { return func(r *Request) { r.ResourceAccount = a } }

// Spec 4.4: which policies bind whom, and how each kind allows and denies.
func TestPolicyKinds(t *testing.T) {
	t.Parallel()
	base := sameAccountGet(alice)
	svc := with(sameAccountGet(lambdaSvc), resourcePolicy(bucketPolicy(`{"Service":"lambda.amazonaws.com"}`)))
	anon := with(sameAccountGet("anonymous"), resourcePolicy(bucketPolicy(`"*"`)))
	slr := with(sameAccountGet("arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"), identity(allowAll))
	runRules(t, []rule{
		{name: "identity: an Allow grants", doc: docSingleAccount, req: with(base, identity(allowGet)), want: Allowed},
		{name: "identity: no policy grants nothing", doc: docEvalLogic, req: base, want: ImplicitDeny, deniedBy: []string{KindIdentity}},
		{name: "identity: policies are ORed", doc: docEvalLogic, req: with(base, identity(allowOther), identity(allowGet)), want: Allowed},
		{name: "identity: a Deny in any policy refuses", doc: docEvalLogic, req: with(base, identity(allowAll), identity(denyAll)), want: ExplicitDeny, deniedBy: []string{KindIdentity}},

		{name: "boundary: absent, no restriction", doc: docBoundaries, req: with(base, identity(allowAll)), want: Allowed},
		{name: "boundary: must allow too", doc: docBoundaries, req: with(base, identity(allowAll), boundary(allowOther)), want: ImplicitDeny, deniedBy: []string{KindPermissionBoundary}},
		{name: "boundary: grants nothing by itself", doc: docBoundaries, req: with(base, boundary(allowAll)), want: ImplicitDeny, deniedBy: []string{KindIdentity}},
		{name: "boundary: a Deny refuses", doc: docBoundaries, req: with(base, identity(allowAll), boundary(allowAll, denyAll)), want: ExplicitDeny, deniedBy: []string{KindPermissionBoundary}},
		{name: "boundary: does not bind a service principal", doc: docBoundaries, req: with(svc, boundary(denyAll)), want: Allowed},

		{name: "session policies: none, no restriction", doc: docSessionPolicy, req: with(sameAccountGet(devSession), identity(allowAll)), want: Allowed},
		{name: "session policies: must allow too", doc: docSessionPolicy, req: with(sameAccountGet(devSession), identity(allowAll), session(allowOther)), want: ImplicitDeny, deniedBy: []string{KindSession}},
		{name: "session policies: any of them may allow", doc: docSessionPolicy, req: with(sameAccountGet(devSession), identity(allowAll), session(allowOther), session(allowGet)), want: Allowed},
		{name: "session policies: a Deny refuses", doc: docSessionPolicy, req: with(sameAccountGet(devSession), identity(allowAll), session(allowAll, denyAll)), want: ExplicitDeny, deniedBy: []string{KindSession}},
		{name: "identity policies do not bind anonymous", doc: docEvalLogic, req: with(anon, identity(denyAll)), want: Allowed},

		{name: "SCPs: an Allow at every level", doc: docSCPEvaluation, req: with(base, identity(allowAll), scps(lvl(allowAll), lvl(allowGet), lvl(allowAll))), want: Allowed},
		{name: "SCPs: a level without an Allow refuses", doc: docSCPEvaluation, req: with(base, identity(allowAll), scps(lvl(allowAll), lvl(allowOther), lvl(allowAll))), want: ImplicitDeny, deniedBy: []string{KindSCP}},
		{name: "SCPs: a level with no policy allows nothing", doc: docSCPEvaluation, req: with(base, identity(allowAll), scps(lvl(allowAll), Level{Target: "ou-empty"})), want: ImplicitDeny, deniedBy: []string{KindSCP}},
		{name: "SCPs: any policy of a level may allow", doc: docSCPEvaluation, req: with(base, identity(allowAll), scps(lvl(allowOther, allowGet))), want: Allowed},
		{name: "SCPs: a Deny at any level refuses", doc: docSCPEvaluation, req: with(base, identity(allowAll), scps(lvl(allowAll), lvl(allowAll, denyAll))), want: ExplicitDeny, deniedBy: []string{KindSCP}},
		{name: "SCPs: none, no restriction", doc: docSCPs, req: with(base, identity(allowAll)), want: Allowed},
		{name: "SCPs grant nothing by themselves", doc: docSCPs, req: with(base, scps(lvl(allowAll))), want: ImplicitDeny},
		{name: "SCPs bind the root user", doc: docSCPs, req: with(sameAccountGet(rootA), identity(allowAll), scps(lvl(allowAll, denyAll))), want: ExplicitDeny},
		{name: "SCPs do not bind service principals", doc: docSCPs, req: with(svc, scps(lvl(denyAll))), want: Allowed},
		{name: "SCPs do not bind anonymous", doc: docSCPs, req: with(anon, scps(lvl(allowOther))), want: Allowed},
		{name: "SCPs do not bind service-linked roles", doc: docSCPs, req: with(slr, scps(lvl(denyAll))), want: Allowed},

		{name: "RCPs: RCPFullAWSAccess is implied, an RCP without a matching Allow refuses nothing", doc: docRCPs, req: with(base, identity(allowAll), rcps(lvl(allowOther))), want: Allowed},
		{name: "RCPs: a Deny at any level refuses", doc: docRCPs, req: with(base, identity(allowAll), rcps(lvl(allowOther), lvl(denyAll))), want: ExplicitDeny, deniedBy: []string{KindRCP}},
		{name: "RCPs bind service principals", doc: docRCPs, req: with(svc, rcps(lvl(denyAll))), want: ExplicitDeny, deniedBy: []string{KindRCP}},
		{name: "RCPs bind anonymous", doc: docRCPs, req: with(anon, rcps(lvl(denyAll))), want: ExplicitDeny},
		{name: "RCPs grant nothing", doc: docRCPs, req: with(base, rcps(lvl(allowAll))), want: ImplicitDeny},

		{name: "resource policy: a Deny refuses at any principal level", doc: docEvalLogic,
			req: with(base, identity(allowAll), resourcePolicy(pol(`{"Effect":"Deny","Action":"*","Resource":"*","Principal":{"AWS":"111122223333"}}`))), want: ExplicitDeny, deniedBy: []string{KindResource}},
		{name: "resource policy: a Deny naming someone else refuses nothing", doc: docEvalLogic,
			req: with(base, identity(allowAll), resourcePolicy(pol(`{"Effect":"Deny","Action":"*","Resource":"*","Principal":{"AWS":"999988887777"}}`))), want: Allowed},

		{name: "VPC endpoint policy: absent, no restriction", doc: docVPCEndpoints, req: with(base, identity(allowAll)), want: Allowed},
		{name: "VPC endpoint policy: must allow", doc: docVPCEndpoints, req: with(base, identity(allowAll), endpoint(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)), want: ImplicitDeny, deniedBy: []string{KindVPCEndpoint}},
		{name: "VPC endpoint policy: a statement without Principal applies to everyone", doc: docVPCEndpoints, req: with(base, identity(allowAll), endpoint(allowGet)), want: Allowed},
		{name: "VPC endpoint policy: an account entry counts", doc: docVPCEndpoints,
			req: with(base, identity(allowAll), endpoint(`{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"AWS":"111122223333"}}`)), want: Allowed},
		{name: "VPC endpoint policy: another principal does not", doc: docVPCEndpoints,
			req: with(base, identity(allowAll), endpoint(`{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"}}`)), want: ImplicitDeny},
		{name: "VPC endpoint policy: NotPrincipal", doc: docVPCEndpoints,
			req: with(base, identity(allowAll), endpoint(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"}}`)), want: ExplicitDeny, deniedBy: []string{KindVPCEndpoint}},
		{name: "VPC endpoint policy: a Deny refuses", doc: docVPCEndpoints, req: with(base, identity(allowAll), endpoint(allowAll, denyAll)), want: ExplicitDeny, deniedBy: []string{KindVPCEndpoint}},
		{name: "VPC endpoint policy binds service principals too", doc: docVPCEndpoints, req: with(svc, endpoint(allowOther)), want: ImplicitDeny},
	})
}

// Spec 4.5: the granting paths, same account and cross account.
func TestGrantingPaths(t *testing.T) {
	t.Parallel()
	user := sameAccountGet(alice)
	sess := sameAccountGet(devSession)
	assume := func(principal, target string) Request {
		return Request{Principal: principal, Action: "sts:AssumeRole", Resource: target, Context: complete()}
	}
	trust := func(principalJSON string) func(*Request) {
		return resourcePolicy(pol(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":` + principalJSON + `}`))
	}
	const kmsKey = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	decrypt := Request{Principal: alice, Action: "kms:Decrypt", Resource: kmsKey, Context: complete()}
	keyPolicy := func(principalJSON string) func(*Request) {
		return resourcePolicy(pol(`{"Effect":"Allow","Action":"kms:*","Resource":"*","Principal":` + principalJSON + `}`))
	}
	cross := func(principal string) Request { return with(sameAccountGet(principal), account(acctB)) }
	runRules(t, []rule{
		{name: "same account: the identity path alone grants", doc: docSingleAccount, req: with(user, identity(allowGet)), want: Allowed},
		{name: "same account: the resource policy alone grants (naming the user)", doc: docSingleAccount,
			req: with(user, resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`))), want: Allowed},
		{name: "same account: naming the user passes the boundary's implicit deny", doc: docSingleAccount,
			req: with(user, boundary(allowOther), resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`))), want: Allowed},
		{name: "same account: naming the session ARN passes the session policy's implicit deny", doc: docSingleAccount,
			req: with(sess, session(allowOther), boundary(allowOther), resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:sts::111122223333:assumed-role/Dev/sam"}`))), want: Allowed},
		{name: "same account: naming the federated user passes its session policy (gatehouse reads it as a session ARN)", doc: docFederation,
			req: with(sameAccountGet(fedUser), session(allowOther), resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:sts::111122223333:federated-user/carol"}`))), want: Allowed},
		{name: "same account: * is a direct grant, limited by the session policy", doc: docPrincipal,
			req: with(sess, session(allowOther), resourcePolicy(bucketPolicy(`"*"`))), want: ImplicitDeny, deniedBy: []string{KindIdentity, KindSession}},
		{name: "same account: * is a direct grant, past the boundary", doc: docPrincipal,
			req: with(sess, boundary(allowOther), resourcePolicy(bucketPolicy(`"*"`))), want: Allowed},
		{name: "same account: naming the role is limited by the boundary", doc: docSingleAccount,
			req: with(sess, boundary(allowOther), resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:role/ops/Dev"}`))), want: ImplicitDeny, deniedBy: []string{KindIdentity, KindPermissionBoundary}},
		{name: "same account: naming the role is limited by the session policy", doc: docSingleAccount,
			req: with(sess, session(allowOther), resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:role/ops/Dev"}`))), want: ImplicitDeny},
		{name: "same account: naming the role needs no identity allow", doc: docSingleAccount,
			req: with(sess, resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:role/ops/Dev"}`))), want: Allowed},
		{name: "same account: naming the account delegates to identity policies", doc: docPrincipal,
			req: with(user, resourcePolicy(bucketPolicy(`{"AWS":"111122223333"}`))), want: ImplicitDeny, deniedBy: []string{KindIdentity}},
		{name: "same account: naming the account, with an identity allow", doc: docPrincipal,
			req: with(user, identity(allowGet), resourcePolicy(bucketPolicy(`{"AWS":"111122223333"}`))), want: Allowed},

		{name: "trust policy: naming the caller's role grants without identity policy", doc: docEvalLogic,
			req: with(assume(devSession, roleTarget), trust(`{"AWS":"arn:aws:iam::111122223333:role/Dev"}`)), want: Allowed},
		{name: "trust policy: naming the account needs an identity allow", doc: docEvalLogic,
			req: with(assume(devSession, roleTarget), trust(`{"AWS":"111122223333"}`)), want: ImplicitDeny, deniedBy: []string{KindIdentity}},
		{name: "trust policy: naming the account, with an identity allow", doc: docEvalLogic,
			req: with(assume(devSession, roleTarget), identity(allowAll), trust(`{"AWS":"111122223333"}`)), want: Allowed},
		{name: "trust policy required: an identity allow alone does not grant", doc: docEvalLogic,
			req: with(assume(devSession, roleTarget), identity(allowAll)), want: ImplicitDeny, deniedBy: []string{KindResource}},
		{name: "trust policy required: a trust naming someone else", doc: docEvalLogic,
			req: with(assume(devSession, roleTarget), identity(allowAll), trust(`{"AWS":"arn:aws:iam::111122223333:role/Ops"}`)), want: ImplicitDeny, deniedBy: []string{KindResource}},
		{name: "trust naming the user directly, boundary without sts:AssumeRole: allowed (AWS-unclear: spec 4.7 chooses the general resource-policy rule; verify live)", doc: docUpdateTrust,
			req: with(assume(alice, roleTarget), boundary(allowOther), trust(`{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`)), want: Allowed},
		{name: "only sts: actions on a role need the trust policy", doc: docSingleAccount,
			req: with(Request{Principal: alice, Action: "iam:GetRole", Resource: roleTarget, Context: complete()}, identity(allowAll)), want: Allowed},
		{name: "KMS key policy required: an identity allow alone does not grant", doc: docKMSKeyPolicies, req: with(decrypt, identity(allowAll)), want: ImplicitDeny},
		{name: "KMS key policy naming the account delegates to identity policies", doc: docKMSKeyPolicies,
			req: with(decrypt, identity(allowAll), keyPolicy(`{"AWS":"arn:aws:iam::111122223333:root"}`)), want: Allowed},
		{name: "KMS key policy naming the account, without identity allow", doc: docKMSKeyPolicies,
			req: with(decrypt, keyPolicy(`{"AWS":"arn:aws:iam::111122223333:root"}`)), want: ImplicitDeny},
		{name: "KMS key policy naming the user grants", doc: docKMSKeyPolicies,
			req: with(decrypt, keyPolicy(`{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`)), want: Allowed},

		{name: "cross account: resource allow and identity allow", doc: docCrossAccount,
			req: with(cross(alice), identity(allowGet), resourcePolicy(bucketPolicy(`{"AWS":"111122223333"}`))), want: Allowed},
		{name: "cross account: a resource policy naming the user still needs the identity allow", doc: docCrossAccount,
			req: with(cross(alice), resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:user/ops/alice"}`))), want: ImplicitDeny, deniedBy: []string{KindIdentity}},
		{name: "cross account: an identity allow without resource policy", doc: docCrossAccount,
			req: with(cross(alice), identity(allowAll)), want: ImplicitDeny, deniedBy: []string{KindResource}},
		{name: "cross account: the boundary limits the identity path", doc: docCrossAccount,
			req: with(cross(alice), identity(allowAll), boundary(allowOther), resourcePolicy(bucketPolicy(`"*"`))), want: ImplicitDeny, deniedBy: []string{KindPermissionBoundary}},
		{name: "cross account: the session policy limits the identity path, even for a grant naming the session", doc: docCrossAccount,
			req: with(cross(devSession), identity(allowAll), session(allowOther), resourcePolicy(bucketPolicy(`{"AWS":"arn:aws:sts::111122223333:assumed-role/Dev/sam"}`))), want: ImplicitDeny},
		{name: "cross account role assumption: trust and identity", doc: docCrossAccount,
			req: with(assume(devSession, roleTargetB), identity(allowAll), trust(`{"AWS":"arn:aws:iam::111122223333:role/Dev"}`)), want: Allowed},
		{name: "cross account role assumption: the trust naming the role is not enough", doc: docCrossAccount,
			req: with(assume(devSession, roleTargetB), trust(`{"AWS":"arn:aws:iam::111122223333:role/Dev"}`)), want: ImplicitDeny},
		{name: "cross account: the trusting account's SCPs do not bind the caller (only the caller's are given)", doc: docSCPs,
			req: with(assume(devSession, roleTargetB), identity(allowAll), trust(`"*"`), scps(lvl(allowAll))), want: Allowed},

		{name: "service principal: a direct grant", doc: docPrincipal,
			req: with(sameAccountGet(lambdaSvc), resourcePolicy(bucketPolicy(`{"Service":"lambda.amazonaws.com"}`))), want: Allowed},
		{name: "service principal: identity policies do not grant it", doc: docPrincipal,
			req: with(sameAccountGet(lambdaSvc), identity(allowAll)), want: ImplicitDeny, deniedBy: []string{KindResource}},
		{name: "anonymous: * grants", doc: docPrincipal, req: with(sameAccountGet("anonymous"), resourcePolicy(bucketPolicy(`"*"`))), want: Allowed},
		{name: "anonymous: without a resource policy nothing", doc: docPrincipal, req: sameAccountGet("anonymous"), want: ImplicitDeny},
	})
}

// Spec 4.6: explicit and allowed, three-valued, give the decision.
func TestDecisionTable(t *testing.T) {
	t.Parallel()
	const (
		allowIfExternalID = `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}`
		denyIfNoMFA       = `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`
	)
	r := Request{Principal: alice, Action: "s3:GetObject", Resource: bucketObject, ResourceAccount: acctA, Context: NewContext()}
	runRules(t, []rule{
		{name: "explicit true: explicit_deny, whatever allowed is", doc: docEvalLogic, req: with(r, identity(allowIfExternalID, denyAll)), want: ExplicitDeny},
		{name: "explicit false, allowed true: allowed", doc: docEvalLogic, req: with(r, identity(allowAll)), want: Allowed},
		{name: "explicit false, allowed false: implicit_deny", doc: docEvalLogic, req: with(r, identity(allowOther)), want: ImplicitDeny},
		{name: "explicit false, allowed unknown: conditional", doc: docEvalLogic, req: with(r, identity(allowIfExternalID)), want: Conditional, keys: []string{"sts:ExternalId"}},
		{name: "explicit unknown, allowed false: implicit_deny", doc: docEvalLogic, req: with(r, identity(allowOther, denyIfNoMFA)), want: ImplicitDeny},
		{name: "explicit unknown, allowed true: conditional on the Deny's keys", doc: docEvalLogic, req: with(r, identity(allowAll, denyIfNoMFA)), want: Conditional, keys: []string{"aws:MultiFactorAuthPresent"}},
		{name: "explicit unknown, allowed unknown: conditional on both", doc: docEvalLogic, req: with(r, identity(allowIfExternalID, denyIfNoMFA)),
			want: Conditional, keys: []string{"aws:MultiFactorAuthPresent", "sts:ExternalId"}},
	})
}

// Spec 4.7: service rules, applied over the policies' decision.
func TestServiceRules(t *testing.T) {
	t.Parallel()
	admin := func(principal, action, resource string, changes ...func(*Request)) Request {
		return with(Request{Principal: principal, Action: action, Resource: resource, ResourceAccount: acctA, Context: complete()}, changes...)
	}
	const (
		managed  = "arn:aws:iam::aws:policy/AdministratorAccess"
		reserved = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef"
	)
	runRules(t, []rule{
		{name: "sts:GetCallerIdentity is allowed despite an explicit deny", doc: docGetCallerID,
			req: admin(alice, "sts:GetCallerIdentity", "*", identity(denyAll)), want: Allowed},
		{name: "sts:GetCallerIdentity needs no policy", doc: docGetCallerID, req: admin(devSession, "STS:GetCallerIdentity", "*"), want: Allowed},
		{name: "sts:GetCallerIdentity is not granted to anonymous", doc: docGetCallerID, req: admin("anonymous", "sts:GetCallerIdentity", "*"), want: ImplicitDeny},
		{name: "an AWS managed policy cannot be changed", doc: docManagedPolicy,
			req: admin(alice, "iam:CreatePolicyVersion", managed, identity(allowAll)), want: ImplicitDeny, deniedBy: []string{KindServiceRule}},
		{name: "an AWS managed policy cannot be tagged", doc: docManagedPolicy,
			req: admin(alice, "iam:TagPolicy", "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess", identity(allowAll)), want: ImplicitDeny},
		{name: "a refused action also denied by a policy is an explicit deny", doc: docManagedPolicy,
			req: admin(alice, "iam:DeletePolicy", managed, identity(allowAll, denyAll)), want: ExplicitDeny, deniedBy: []string{KindIdentity, KindServiceRule}},
		{name: "reading an AWS managed policy is not refused", doc: docManagedPolicy, req: admin(alice, "iam:GetPolicy", managed, identity(allowAll)), want: Allowed},
		{name: "a customer managed policy can be changed", doc: docManagedPolicy,
			req: admin(alice, "iam:CreatePolicyVersion", "arn:aws:iam::111122223333:policy/Mine", identity(allowAll)), want: Allowed},
		{name: "an Identity Center reserved role cannot be changed", doc: docReservedSSO,
			req: admin(alice, "iam:PutRolePolicy", reserved, identity(allowAll)), want: ImplicitDeny, deniedBy: []string{KindServiceRule}},
		{name: "an Identity Center reserved role cannot be passed", doc: docReservedSSO, req: admin(alice, "iam:PassRole", reserved, identity(allowAll)), want: ImplicitDeny},
		{name: "an Identity Center reserved role can be read", doc: docReservedSSO, req: admin(alice, "iam:GetRole", reserved, identity(allowAll)), want: Allowed},
		{name: "an AWS managed key's alias cannot be changed", doc: docKMSAliases,
			req: admin(alice, "kms:DeleteAlias", "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3", identity(allowAll)), want: ImplicitDeny},
		{name: "a customer alias can be changed", doc: docKMSAliases,
			req: admin(alice, "kms:DeleteAlias", "arn:aws:kms:eu-west-1:111122223333:alias/app", identity(allowAll)), want: Allowed},
		{name: "a pattern entirely reserved is refused", doc: docReservedSSO,
			req:  with(Request{Principal: alice, Action: "iam:UpdateAssumeRolePolicy", ResourcePattern: "arn:aws:iam::111122223333:role/aws-reserved/*", Context: complete()}, identity(allowAll)),
			want: ImplicitDeny},
		{name: "a pattern reaching other roles is not refused", doc: docReservedSSO,
			req:  with(Request{Principal: alice, Action: "iam:UpdateAssumeRolePolicy", ResourcePattern: "arn:aws:iam::111122223333:role/*", Context: complete()}, identity(allowAll)),
			want: Allowed},
	})
}

// Invalid requests give an error naming the field (spec section 5).
func TestEvaluateInvalid(t *testing.T) {
	t.Parallel()
	ok := Request{Principal: alice, Action: "s3:GetObject", Resource: bucketObject, ResourceAccount: acctA}
	dup := NewContext().Set("sts:ExternalId", "x").Unknown("sts:externalid")
	for _, tt := range []struct {
		name string
		req  Request
		want string
	}{
		{"no principal", with(ok, func(r *Request) { r.Principal = "" }), "principal:"},
		{"a principal that is not one", with(ok, func(r *Request) { r.Principal = "alice" }), "principal:"},
		{"a principal with a short account", with(ok, func(r *Request) { r.Principal = "arn:aws:iam::1111:user/alice" }), "principal:"},
		{"a principal of another IAM kind", with(ok, func(r *Request) { r.Principal = "arn:aws:iam::111122223333:group/ops" }), "principal:"},
		{"a session ARN without a session name", with(ok, func(r *Request) { r.Principal = "arn:aws:sts::111122223333:assumed-role/Dev" }), "principal:"},
		{"no action", with(ok, func(r *Request) { r.Action = "" }), "action:"},
		{"an action without service", with(ok, func(r *Request) { r.Action = "GetObject" }), "action:"},
		{"both resource and pattern", with(ok, func(r *Request) { r.ResourcePattern = "*" }), "resource_pattern"},
		{"neither resource nor pattern", with(ok, func(r *Request) { r.Resource = "" }), "resource"},
		{"a pattern that is not an ARN", with(ok, func(r *Request) { r.Resource, r.ResourcePattern = "", "bucket/*" }), "resource_pattern:"},
		{"a pattern with five fields", with(ok, func(r *Request) { r.Resource, r.ResourcePattern = "", "arn:aws:s3::*" }), "resource_pattern:"},
		{"an S3 object without resource_account", with(ok, func(r *Request) { r.ResourceAccount = "" }), "resource_account: required"},
		{"a pattern with a wildcard account", with(ok, func(r *Request) {
			r.Resource, r.ResourcePattern, r.ResourceAccount = "", "arn:aws:iam::*:role/*", ""
		}), "resource_account: required"},
		{"a resource_account that is not an account", with(ok, func(r *Request) { r.ResourceAccount = "acct-a" }), "resource_account:"},
		{"a context key given twice", with(ok, func(r *Request) { r.Context = dup }), "unknown_keys: key \"sts:externalid\" is also in context"},
		{"a key twice in one list", with(ok, func(r *Request) { r.Context = NewContext().Absent("a", "a") }), "absent_keys: key \"a\" is listed twice"},
		{"a prefix in context", with(ok, func(r *Request) { r.Context = NewContext().Set("aws:PrincipalTag/*", "x") }), "context: key"},
		{"a * inside a key", with(ok, func(r *Request) { r.Context = NewContext().Absent("aws:*Tag") }), "absent_keys: key"},
		{"an empty key", with(ok, func(r *Request) { r.Context = NewContext().UnknownValue("") }), "unknown_value_keys: a key name is empty"},
		{"a nil identity policy", with(ok, func(r *Request) { r.IdentityPolicies = []*Policy{pol(allowAll), nil} }), "identity_policies[1]"},
		{"a nil session policy", with(ok, func(r *Request) { r.SessionPolicies = []*Policy{nil} }), "session_policies[0]"},
		{"a nil SCP", with(ok, func(r *Request) { r.SCPs = []Level{lvl(allowAll), {Policies: []*Policy{nil}}} }), "scps[1].policies[0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := tt.req
			_, err := Evaluate(&req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Evaluate() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Evaluate(nil); err == nil {
		t.Error("Evaluate(nil) gave no error")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ doc, want string }{
		{``, "must be a JSON object"},
		{`[]`, "must be a JSON object"},
		{`{"Version":"2012-10-17"}`, "the Statement is missing"},
		{`{"Statement":"Allow"}`, "the Statement must be an object or an array of objects, not a string"},
		{`{"Version":2012,"Statement":[]}`, "the Version must be a string"},
		{`{"Statement":[}`, "must be a JSON object"},
	} {
		if _, err := ParsePolicy([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParsePolicy(%q) error = %v, want one containing %q", tt.doc, err, tt.want)
		}
	}
	// Malformed statements inside a valid document are not errors.
	for _, d := range []string{
		`{"Statement":[1, "x", null, {"Effect":"Allow"}, {"Effect":"Maybe","Action":"*"}]}`,
		`{"Statement":{"Effect":"Allow","Action":{"a":1},"Resource":7,"Condition":"x","Principal":[]}}`,
		`{"Statement":[],"Id":"x","Extra":true}`,
	} {
		if _, err := ParsePolicy([]byte(d)); err != nil {
			t.Errorf("ParsePolicy(%s): %v", d, err)
		}
	}
}

// Policies and a context are shared by concurrent evaluations, as the
// audit does: run with -race.
func TestEvaluateConcurrent(t *testing.T) {
	t.Parallel()
	base := benchRequest()
	want := map[bool]Result{}
	for _, complete := range []bool{false, true} {
		r := base
		r.Context = benchContext().Complete(complete)
		res, err := Evaluate(&r)
		if err != nil {
			t.Fatal(err)
		}
		want[complete] = res
	}
	shared := map[bool]*Context{false: benchContext(), true: benchContext().Complete(true)}
	errs := make(chan string, 64)
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 50 {
				complete := (g+i)%2 == 0
				r := base
				r.Context = shared[complete]
				got, err := Evaluate(&r)
				if err != nil || got.Decision != want[complete].Decision || strings.Join(got.UnknownKeys, ",") != strings.Join(want[complete].UnknownKeys, ",") {
					errs <- fmt.Sprintf("goroutine %d: %+v, %v; want %+v", g, got, err, want[complete])
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if want[false].Decision != Conditional || want[true].Decision == Conditional {
		t.Errorf("the shared request should be conditional, then decided: %+v", want)
	}
}
