package eval

import (
	"regexp"
	"testing"
)

var located = regexp.MustCompile(`^[a-z_]+(\[\d+\](\.policies\[\d+\])?)?(: | and )`)

// FuzzEvaluate: any policy text and any request neither panics nor gives
// an answer outside the contract; an invalid request is an error naming
// the field; evaluating twice gives the same result.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte(doc(allowAll)), alice, "s3:GetObject", bucketObject, false, "aws:SourceIp", "1.2.3.4")
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"NotAction":"iam:*","NotResource":"arn:aws:s3:::${aws:username}/*","Condition":{"ForAllValues:StringNotLikeIfExists":{"aws:TagKeys":["a*","${aws:PrincipalTag/x, 'd'}"]}}}}`),
		devRole, "s3:PutObject", "arn:aws:s3:::b/*", true, "aws:username", "bob")
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"NumericLessThanEquals":{"aws:MultiFactorAuthAge":3600},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/x"}}}]}`),
		devSession, "sts:AssumeRole", roleTargetB, false, "aws:CurrentTime", "1700000000")
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:*:*:*:*a?b*"}}`), "anonymous", "s3:GetObject", "*", true, "", "")
	f.Fuzz(func(t *testing.T, policy []byte, principal, action, resource string, pattern bool, key, value string) {
		p, err := ParsePolicy(policy)
		if err != nil {
			return
		}
		ctx := NewContext()
		if key != "" {
			ctx.Set(key, value).UnknownValue(key + "x").Absent(key + "*")
		}
		r := Request{Principal: principal, Action: action, Context: ctx, ResourceAccount: acctB,
			IdentityPolicies: []*Policy{p}, PermissionBoundary: p, SessionPolicies: []*Policy{p}, ResourcePolicy: p,
			SCPs: []Level{{Policies: []*Policy{p}}}, RCPs: []Level{{Policies: []*Policy{p}}}, VPCEndpointPolicy: p}
		if pattern {
			r.ResourcePattern = resource
		} else {
			r.Resource = resource
		}
		got, err := Evaluate(&r)
		if err != nil {
			if !located.MatchString(err.Error()) {
				t.Fatalf("error %q does not name the field", err)
			}
			return
		}
		switch got.Decision {
		case Allowed, ExplicitDeny, ImplicitDeny:
			if len(got.UnknownKeys) > 0 {
				t.Fatalf("unknown keys on %s", got.Decision)
			}
		case Conditional:
			if len(got.UnknownKeys) == 0 {
				t.Fatalf("conditional without unknown keys")
			}
		default:
			t.Fatalf("decision %q", got.Decision)
		}
		again, _ := Evaluate(&r)
		if again.Decision != got.Decision {
			t.Fatalf("not deterministic: %s then %s", got.Decision, again.Decision)
		}
	})
}
