package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/organization/orgfixture"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
)

// inProcess prepares moto with one account and a model file, points the
// process's AWS environment at the sandbox front before it, and returns a function running
// gatehouse in process with the given stdin and terminal flags.
func inProcess(t *testing.T) (dir string, gh func(stdin string, tty bool, args ...string) (int, string, string)) {
	t.Helper()
	scriptMu.Lock()
	t.Cleanup(scriptMu.Unlock)
	srv := awstest.Fresh(t)
	fix, err := orgfixture.Create(context.Background(), awstest.ConfigFor(t, srv.URL), orgfixture.Spec{Accounts: []orgfixture.Account{{Name: "production"}}})
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	for _, kv := range awstest.Env(sharedFront(t).URL()) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	model := fmt.Sprintf(`version: 1
identity_center: { region: us-east-1 }
accounts:
  production: { id: "%s" }
groups:
  Engineers: {}
permission_sets:
  ReadOnly: { session_duration: 8h }
assignments:
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: [production]
`, fix.Accounts["production"])
	if err := os.WriteFile(filepath.Join(dir, "gatehouse.yaml"), []byte(model), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, func(stdin string, tty bool, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		d := Deps{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, StdinTTY: tty, StderrTTY: tty,
			Getenv: cacheEnv(dir), Now: time.Now}
		code := Main(context.Background(), append(args, "-f", filepath.Join(dir, "gatehouse.yaml")), d)
		return code, out.String(), errOut.String()
	}
}

func TestApplyAsksOnATerminal(t *testing.T) {
	_, gh := inProcess(t)
	code, out, errOut := gh("no\n", true, "apply")
	if code != 1 || !strings.Contains(errOut, "Apply these 3 changes to Identity Center arn:aws:sso:::instance/ssoins-") || !strings.Contains(errOut, "apply cancelled: nothing was changed") {
		t.Fatalf("answer no: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "+ permission_set/ReadOnly") {
		t.Errorf("apply did not show the plan before asking:\n%s", out)
	}
	if code, _, _ := gh("", false, "plan", "--detailed-exitcode"); code != 2 {
		t.Fatalf("after answering no, plan exits %d, want 2 (nothing changed)", code)
	}
	code, _, errOut = gh("yes\n", true, "apply")
	if code != 0 {
		t.Fatalf("answer yes: exit %d\n%s", code, errOut)
	}
	if code, _, _ := gh("", false, "plan", "--detailed-exitcode"); code != 0 {
		t.Fatalf("after answering yes, plan exits %d, want 0", code)
	}
}

func TestApplyListsWhatPruneDeletes(t *testing.T) {
	dir, gh := inProcess(t)
	if code, _, errOut := gh("", false, "apply", "--auto-approve"); code != 0 {
		t.Fatal(errOut)
	}
	// Drop the group from the model: the group becomes unmanaged.
	model, err := os.ReadFile(filepath.Join(dir, "gatehouse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(model), "groups:\n  Engineers: {}\n", "", 1)
	text = text[:strings.Index(text, "assignments:")]
	if err := os.WriteFile(filepath.Join(dir, "gatehouse.yaml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := gh("no\n", true, "apply", "--prune")
	if code != 1 || !strings.Contains(errOut, "--prune will delete these 1 unmanaged objects:\n  - group/Engineers\n") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestPlanOutIsPrivateAndAtomic(t *testing.T) {
	dir, gh := inProcess(t)
	file := filepath.Join(dir, "saved.plan")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := gh("", false, "plan", "-out", file); code != 0 {
		t.Fatal(errOut)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v, want 0600", fi.Mode().Perm())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Unmarshal(data); err != nil {
		t.Errorf("saved plan does not read back: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".saved.plan.*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// A directory that does not exist: a clear error, nothing written.
	code, _, errOut := gh("", false, "plan", "-out", filepath.Join(dir, "missing", "x.plan"))
	if code != 1 || !strings.Contains(errOut, "saving the plan") || !strings.Contains(errOut, "hint: ") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestProgress(t *testing.T) {
	ch := func(addr string) plan.Change {
		return plan.Change{Address: plan.Address(addr), Action: plan.Create}
	}
	tests := []struct {
		name string
		tty  bool
		want string
	}{
		{"log lines", false, "apply: [1/4] + user/a\napply: [2/4] + user/b: failed: boom\n"},
		{"bar", true, "\r\x1b[K[=======                       ] 1/4 user/a\r\x1b[K[2/4] + user/b: failed: boom\n\r\x1b[K[===============               ] 2/4 user/b\r\x1b[K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := &progress{w: &buf, tty: tt.tty}
			p.event(apply.Event{Change: ch("user/a"), Status: apply.Done, Finished: 1, Total: 4})
			p.event(apply.Event{Change: ch("user/b"), Status: apply.Failed, Err: errors.New("boom"), Finished: 2, Total: 4})
			p.finish()
			if buf.String() != tt.want {
				t.Errorf("progress wrote %q, want %q", buf.String(), tt.want)
			}
		})
	}
}
