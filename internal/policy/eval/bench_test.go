package eval

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system CPU time: on a machine shared
// with other work, throughput per CPU second is the figure that does not
// depend on the neighbours (run with -cpu 1).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPolicy builds a 10-statement policy of the given kind, every
// statement with conditions, several matching sts:AssumeRole so that their
// conditions are evaluated: the shape of real SCPs, boundaries and trust
// policies rather than a best case.
func benchPolicy(kind string, effectOf func(i int) string) *Policy {
	actions := []string{`"sts:AssumeRole"`, `["ec2:Describe*","ec2:Get*"]`, `"sts:*"`, `["s3:GetObject","s3:PutObject"]`,
		`"*"`, `"iam:Get*"`, `["sts:AssumeRole","sts:TagSession"]`, `"kms:Decrypt"`, `"sts:Assume*"`, `"logs:*"`}
	conds := []string{
		`{"StringEquals":{"aws:PrincipalOrgID":"o-bench0001"}}`,
		`{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_*","arn:aws:iam::*:role/ci/*"]}}`,
		`{"StringLike":{"aws:PrincipalTag/team":["platform-*","sre"]},"Bool":{"aws:SecureTransport":"true"}}`,
		`{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`,
		`{"StringNotEqualsIfExists":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}`,
		`{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-bench0001/r-ab12/ou-ab12-prod*"}}`,
		`{"StringEquals":{"sts:ExternalId":"bench-ext-id"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`,
		`{"Null":{"aws:PrincipalTag/cost-center":"false"}}`,
		`{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`,
		`{"StringEquals":{"aws:PrincipalAccount":["111122223333","222233334444"]}}`,
	}
	// A Deny states a perimeter: its condition is false for the
	// benchmark's principal, or depends on a caller-chosen key.
	denyConds := []string{
		`{"StringNotEquals":{"aws:PrincipalOrgID":"o-bench0001"}}`,
		`{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_*","arn:aws:iam::*:role/ci/*"]}}`,
		`{"StringNotLike":{"aws:PrincipalTag/team":["platform-*","sre"]}}`,
		`{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`,
		`{"StringNotEqualsIfExists":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}`,
		`{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-bench0001/*"}}`,
		`{"StringNotEquals":{"sts:ExternalId":"bench-ext-id"}}`,
		`{"Null":{"aws:PrincipalTag/cost-center":"true"}}`,
		`{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`,
		`{"StringNotEquals":{"aws:PrincipalAccount":["111122223333","222233334444"]}}`,
	}
	var sts []string
	for i := range 10 {
		cond := conds[i]
		if effectOf(i) == "Deny" {
			cond = denyConds[i]
		}
		principal := ""
		if kind == "resource" || kind == "endpoint" {
			principal = `"Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::222233334444:role/ci/Deployer"]},`
		}
		resource := `"Resource":"*",`
		if kind != "resource" {
			resource = fmt.Sprintf(`"Resource":["arn:aws:iam::*:role/target-%d","arn:aws:iam::444455556666:role/*"],`, i)
		}
		sts = append(sts, fmt.Sprintf(`{"Sid":"S%d","Effect":"%s",%s"Action":%s,%s"Condition":%s}`,
			i, effectOf(i), principal, actions[i], resource, cond))
	}
	p, err := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`))
	if err != nil {
		panic(err)
	}
	return p
}

// benchRequest is a cross-account sts:AssumeRole by an Identity Center
// session, with identity policies, a boundary, a session policy, a trust
// policy, three SCP levels, two RCP levels and a VPC endpoint policy, all
// of 10 statements with conditions.
func benchRequest() Request {
	allow := func(int) string { return "Allow" }
	mixed := func(i int) string {
		if i%3 == 2 {
			return "Deny"
		}
		return "Allow"
	}
	deny := func(int) string { return "Deny" }
	return Request{
		Principal: "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Platform_0123456789abcdef/dana",
		Action:    "sts:AssumeRole",
		Resource:  "arn:aws:iam::444455556666:role/target-3",
		IdentityPolicies: []*Policy{
			benchPolicy("identity", allow), benchPolicy("identity", mixed),
		},
		PermissionBoundary: benchPolicy("boundary", allow),
		SessionPolicies:    []*Policy{benchPolicy("session", allow)},
		ResourcePolicy:     benchPolicy("resource", mixed),
		SCPs: []Level{
			{Target: "r-ab12", Policies: []*Policy{benchPolicy("scp", allow)}},
			{Target: "ou-ab12-prod", Policies: []*Policy{benchPolicy("scp", mixed)}},
			{Target: "111122223333", Policies: []*Policy{benchPolicy("scp", allow)}},
		},
		RCPs: []Level{
			{Target: "r-cd34", Policies: []*Policy{benchPolicy("rcp", deny)}},
			{Target: "444455556666", Policies: []*Policy{benchPolicy("rcp", deny)}},
		},
		VPCEndpointPolicy: benchPolicy("endpoint", allow),
	}
}

// benchContext is the audit's usual context: principal-derived keys known,
// tags known (the rest absent), caller-chosen keys unknown.
func benchContext() *Context {
	return NewContext().
		Set("aws:PrincipalArn", "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Platform_0123456789abcdef").
		Set("aws:PrincipalAccount", "111122223333").
		Set("aws:PrincipalOrgID", "o-bench0001").
		SetMulti("aws:PrincipalOrgPaths", []string{"o-bench0001/r-ab12/ou-ab12-prod/"}).
		Set("aws:PrincipalTag/team", "platform-core").
		Set("aws:PrincipalTag/cost-center", "cc-42").
		Absent("aws:PrincipalTag/*")
}

// BenchmarkEvaluate measures single-core evaluations per second of one
// request whose every layer holds 10-statement policies with conditions:
// "conditional" is the audit's case (caller-chosen keys unknown: a second,
// explaining pass runs), "allowed" a complete context.
func BenchmarkEvaluate(b *testing.B) {
	for _, tt := range []struct {
		name string
		ctx  *Context
		want Decision
	}{
		{"conditional", benchContext(), Conditional},
		{"allowed", benchContext().Complete(true).
			Set("aws:SecureTransport", "true").Set("aws:SourceIp", "10.1.2.3").Set("aws:RequestedRegion", "eu-west-1").
			Set("sts:ExternalId", "bench-ext-id").Set("aws:MultiFactorAuthAge", "120").Set("aws:CurrentTime", "2026-03-01T10:00:00Z"), Allowed},
	} {
		b.Run(tt.name, func(b *testing.B) {
			r := benchRequest()
			r.Context = tt.ctx
			res, err := Evaluate(&r)
			if err != nil || res.Decision != tt.want {
				b.Fatalf("Evaluate = %+v, %v; want %s", res, err, tt.want)
			}
			b.ReportAllocs()
			cpu := cpuTime(b)
			for b.Loop() {
				if _, err := Evaluate(&r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
			b.ReportMetric(float64(b.N)/(cpuTime(b)-cpu).Seconds(), "evals/cpu-s")
		})
	}
}

// BenchmarkParsePolicy measures parsing one 10-statement policy.
func BenchmarkParsePolicy(b *testing.B) {
	var sts []string
	for i := range 10 {
		sts = append(sts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":["sts:AssumeRole","s3:Get*"],"Resource":["arn:aws:iam::*:role/t-%d","arn:aws:s3:::b/*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ci/*"}}}`, i, i))
	}
	doc := []byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePolicy(doc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "policies/s")
}
