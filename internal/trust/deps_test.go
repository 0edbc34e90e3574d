package trust

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPure keeps the package free of the AWS SDK, the CLI framework and
// adapters: it must stay testable without AWS and usable by plan and audit.
func TestPure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/aws/", "github.com/spf13/cobra", "gatehouse/internal/cli", "gatehouse/internal/iamroles", "gatehouse/internal/state"} {
			if strings.Contains(dep, banned) {
				t.Errorf("trust imports %s", dep)
			}
		}
	}
}
