package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
)

func TestAfterApply(t *testing.T) {
	p := &plan.Plan{Scope: plan.Scope{IAM: &plan.IAMScope{SAMLMappings: []plan.SAMLMapping{{Account: "xyz", Value: "arn:p,arn:r"}}}}}
	var stderr strings.Builder
	if err := afterApply(Deps{Stderr: &stderr}, p); err != nil {
		t.Fatalf("afterApply() = %v, want nil without conflicts", err)
	}
	if !strings.Contains(stderr.String(), "https://aws.amazon.com/SAML/Attributes/Role:\n  xyz: arn:p,arn:r\n") {
		t.Errorf("afterApply() printed %q, want the mapping", stderr.String())
	}
	p.Conflicts = []plan.Conflict{{Address: "role/1/A", Message: "role A in account 1 exists and was not created by gatehouse", Hint: "set adopt: true"}}
	err := afterApply(Deps{Stderr: &strings.Builder{}}, p)
	if err == nil || !strings.Contains(err.Error(), "role A in account 1 exists") || hint.Of(err) != "set adopt: true" {
		t.Errorf("afterApply() = %v (hint %q), want the conflict with its hint", err, hint.Of(err))
	}
}

// TestRoleProblemsReportedOnce: a model's role problems are reported by
// validate and plan once each, in the model checker's words (plan stops at
// them before expanding roles).
func TestRoleProblemsReportedOnce(t *testing.T) {
	file := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(file, []byte(`version: 1
identity_center: { region: us-east-1 }
accounts:
  management: { id: "111111111111" }
  production: { id: "333333333333" }
roles:
  EngineerAccess:
    accounts: [production]
    trust: [{ role: Nope@management, tighten: true }]
    can_assume: [Missing@production]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
	for _, cmd := range []string{"validate", "plan"} {
		_, stderr, code := runGatehouse(t, env, cmd, "-f", file)
		if code != 1 {
			t.Fatalf("%s exited %d, want 1:\n%s", cmd, code, stderr)
		}
		for _, ref := range []string{"Nope@management", "Missing@production"} {
			n := 0
			for _, line := range strings.Split(stderr, "\n") {
				if strings.Contains(line, ref) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s reports %s on %d lines, want one:\n%s", cmd, ref, n, stderr)
			}
		}
	}
}
