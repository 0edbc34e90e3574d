package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
)

// TestSmoke runs the benchmark at a tiny size, behind the quota proxy, so
// that CI keeps it working; it checks the report's shape, not its timings.
func TestSmoke(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, size{Accounts: 3, PermissionSets: 2, Groups: 3, Users: 2, Assignments: 8, Proxy: true, Roles: true, Audit: true})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`(?m)^apply from empty: 23 changes in `, // 19 in Identity Center, 4 roles
		`(?m)^  sso-admin:CreateAccountAssignment +8 +8$`,
		`(?m)^  calls: \d+ made for a lower bound of \d+ \(1\.00x\)`,
		`(?m)^plan with no changes: 0 changes in `,
		`(?m)^  quota proxy: \d+ calls seen, \d+ throttled, 0 conflicts`,
		`(?m)^    per principal \(chosen\): users \+ groups += 5$`,
		`(?m)^  iam:GetAccountAuthorizationDetails +4 +4$`,
		`(?m)^audit: read in .*: \d+ access rows, \d+ findings$`,
	} {
		if !regexp.MustCompile(want).Match(out.Bytes()) {
			t.Errorf("the report lacks %s:\n%s", want, out.String())
		}
	}
}
