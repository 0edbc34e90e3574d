//go:build unix

package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/imported.yaml from what gatehouse import writes")

// commandTimeout bounds each command the test runs; terraform apply against
// the sandbox takes under a minute on a loaded 2-core machine.
const commandTimeout = 5 * time.Minute

// The files of the migration, as the doc names them.
var (
	repoRoot     = filepath.Join("..", "..")
	terraformDir = filepath.Join(repoRoot, "examples", "terraform")
	migrateDir   = filepath.Join(terraformDir, "migrate")
)

// TestMigrateFromTerraform follows docs/migrate-from-terraform.md: Terraform
// creates seed 000's setup in the sandbox; gatehouse import writes the
// Identity Center part and plan is clean; the roles are added by hand with
// adopt: true; removed blocks make Terraform forget everything but the
// customer managed policy, destroying nothing; gatehouse apply adopts the
// roles and plan is clean; a change made through gatehouse leaves Terraform
// with nothing to do.
func TestMigrateFromTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end against the sandbox and Terraform; not with -short")
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not installed (Terraform 1.7 or newer is needed for removed blocks); this test follows docs/migrate-from-terraform.md with it")
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tmp := t.TempDir()
	bin := buildBinaries(t, abs(repoRoot), filepath.Join(tmp, "bin"))
	gh, sb := filepath.Join(bin, "gatehouse"), filepath.Join(bin, "gatehouse-sandbox")

	home := filepath.Join(tmp, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := baseEnv(home)
	if mirror := providerMirror(); mirror != "" {
		cfg := filepath.Join(tmp, "terraformrc")
		writeFile(t, cfg, fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror))
		env = append(env, "TF_CLI_CONFIG_FILE="+cfg)
		t.Logf("the AWS provider comes from the filesystem mirror %s", mirror)
	} else {
		t.Log("no filesystem mirror of hashicorp/aws found: terraform init downloads it (set GATEHOUSE_TF_PROVIDER_MIRROR to use one)")
	}

	sbEnv, url := startSandbox(t, sb, filepath.Join(migrateDir, "sandbox-accounts.yaml"), filepath.Join(tmp, "sandbox"), env)
	env = append(env, sbEnv...)
	r := &runner{t: t, env: env}

	// 1. Terraform creates seed 000's setup.
	work := filepath.Join(tmp, "terraform")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"versions.tf", "variables.tf", "providers.tf", "identity-center.tf", "roles.tf", "policy.tf"} {
		copyFile(t, filepath.Join(terraformDir, f), filepath.Join(work, f))
	}
	writeFile(t, filepath.Join(work, "sandbox_override.tf"), sandboxOverride(url))
	r.dir = work
	r.must(tf, "init", "-input=false", "-no-color")
	r.must(tf, "apply", "-auto-approve", "-input=false", "-no-color")

	// 2. gatehouse import writes Identity Center; plan is clean.
	r.dir = tmp
	model := filepath.Join(tmp, "gatehouse.yaml")
	_, stderr := r.must(gh, "import", "-o", model)
	// The one warning expected: import writes no IAM roles (step 3
	// declares them by hand, as docs/migrate-from-terraform.md says).
	const rolesNote = "warning: IAM roles are not imported"
	if !strings.Contains(stderr, rolesNote) {
		t.Errorf("import did not say that it leaves IAM roles out:\n%s", stderr)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "warning:") && !strings.HasPrefix(line, rolesNote) {
			t.Errorf("import warned: %s", line)
		}
	}
	imported := readFile(t, model)
	checkGolden(t, filepath.Join("testdata", "imported.yaml"), withoutHeader(imported))
	r.wantExit(0, gh, "plan", "-f", model, "--detailed-exitcode")

	// 3. The roles, by hand: gatehouse would adopt them, changing only what
	// adoption changes (its ownership tag, its form of the trust).
	writeFile(t, model, imported+"\n"+readFile(t, filepath.Join(migrateDir, "roles.yaml")))
	out, _ := r.exit(2, gh, "plan", "-f", model, "--output", "json", "--detailed-exitcode")
	checkAdoptPlan(t, out)

	// 4. Terraform forgets all but the customer managed policy, destroying
	// nothing.
	r.dir = work
	for _, f := range []string{"identity-center.tf", "roles.tf"} {
		if err := os.Remove(filepath.Join(work, f)); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, filepath.Join(migrateDir, "removed.tf"), filepath.Join(work, "removed.tf"))
	r.must(tf, "plan", "-out=tfplan", "-input=false", "-no-color")
	showJSON, _ := r.must(tf, "show", "-json", "tfplan")
	checkForgetPlan(t, showJSON)
	r.must(tf, "apply", "-input=false", "-no-color", "tfplan")
	list, _ := r.must(tf, "state", "list")
	if got := strings.Fields(list); !slices.Equal(got, []string{"aws_iam_policy.assume_production_access"}) {
		t.Errorf("terraform state list after the removal = %v, want only aws_iam_policy.assume_production_access", got)
	}
	r.wantExit(0, tf, "plan", "-detailed-exitcode", "-input=false", "-no-color")

	// 5. gatehouse adopts the roles; plan is clean.
	r.dir = tmp
	r.must(gh, "apply", "-f", model, "--auto-approve")
	r.wantExit(0, gh, "plan", "-f", model, "--detailed-exitcode")

	// 6. From now on gatehouse owns it: a change made through gatehouse
	// leaves Terraform with nothing to do.
	changed := strings.Replace(readFile(t, model), "session_duration: 4h", "session_duration: 2h", 1)
	if changed == readFile(t, model) {
		t.Fatal("the imported model has no PlatformAdmin session_duration: 4h to change")
	}
	writeFile(t, model, changed)
	r.exit(2, gh, "plan", "-f", model, "--detailed-exitcode")
	r.must(gh, "apply", "-f", model, "--auto-approve")
	r.wantExit(0, gh, "plan", "-f", model, "--detailed-exitcode")
	r.dir = work
	r.wantExit(0, tf, "plan", "-detailed-exitcode", "-input=false", "-no-color")
}

// checkAdoptPlan checks the plan of the imported model with the roles added:
// exactly the two roles, each an adoption that only tags it and rewrites its
// trust in gatehouse's form, and no conflict.
func checkAdoptPlan(t *testing.T, planJSON string) {
	t.Helper()
	var p struct {
		Changes []struct {
			Address string
			Action  string
			Reason  string
			Fields  []struct{ Name string }
		}
		Conflicts []struct{ Address, Message string }
	}
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		t.Fatalf("plan --output json: %v\n%s", err, planJSON)
	}
	var got []string
	for _, c := range p.Changes {
		var fields []string
		for _, f := range c.Fields {
			fields = append(fields, f.Name)
		}
		got = append(got, fmt.Sprintf("%s %s [%s] (%s)", c.Action, c.Address, strings.Join(fields, " "), c.Reason))
	}
	const adopt = "adopt: true: gatehouse takes over a role it did not create"
	want := []string{
		"update role/111122223333/EngineerIdentity [trust_policy tags] (" + adopt + ")",
		"update role/444455556666/EngineerAccess [trust_policy tags] (" + adopt + ")",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan with the roles added (-want +got):\n%s", diff)
	}
	if len(p.Conflicts) > 0 {
		t.Errorf("plan with the roles added has conflicts: %+v", p.Conflicts)
	}
}

// checkForgetPlan checks terraform show -json of the plan with the removed
// blocks: every resource instance of identity-center.tf and roles.tf is
// forgotten, nothing is destroyed, created or changed.
func checkForgetPlan(t *testing.T, showJSON string) {
	t.Helper()
	var p struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(showJSON), &p); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	forgotten := 0
	for _, rc := range p.ResourceChanges {
		switch a := strings.Join(rc.Change.Actions, ","); a {
		case "forget":
			forgotten++
		case "no-op":
			if rc.Address != "aws_iam_policy.assume_production_access" {
				t.Errorf("%s: no-op; want it forgotten", rc.Address)
			}
		default:
			t.Errorf("%s: terraform plans %s; want forget (nothing destroyed)", rc.Address, a)
		}
	}
	// Users 2, group 1, memberships 2, permission sets 2 with 3 policies,
	// assignments 3, roles 2 with 2 attachments.
	if forgotten != 17 {
		t.Errorf("terraform forgets %d resource instances, want 17", forgotten)
	}
}

// sandboxOverride points both AWS providers of examples/terraform at the
// sandbox (a Terraform override file merges into the providers as written).
func sandboxOverride(url string) string {
	endpoints := func(services ...string) string {
		var b strings.Builder
		for _, s := range services {
			fmt.Fprintf(&b, "    %-13s = %q\n", s, url)
		}
		return b.String()
	}
	return `# Written by the test: the sandbox's endpoints.
provider "aws" {
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  endpoints {
` + endpoints("iam", "identitystore", "organizations", "ssoadmin", "sts") + `  }
}

provider "aws" {
  alias                       = "production"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  endpoints {
` + endpoints("iam", "sts") + `  }
}
`
}

// providerMirror finds a filesystem mirror holding hashicorp/aws for this
// platform: $GATEHOUSE_TF_PROVIDER_MIRROR, a directory under /opt, or one of
// Terraform's implied local mirrors.
func providerMirror() string {
	platform := runtime.GOOS + "_" + runtime.GOARCH
	has := func(dir string) bool {
		m, _ := filepath.Glob(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws", "*", platform, "terraform-provider-aws*"))
		return len(m) > 0
	}
	if d := os.Getenv("GATEHOUSE_TF_PROVIDER_MIRROR"); d != "" {
		return d
	}
	var dirs []string
	if opt, err := filepath.Glob("/opt/*"); err == nil {
		dirs = append(dirs, opt...)
	}
	if h, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(h, ".terraform.d", "plugins"), filepath.Join(h, ".local", "share", "terraform", "plugins"))
	}
	dirs = append(dirs, "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins")
	for _, d := range dirs {
		if has(d) {
			return d
		}
	}
	return ""
}

// baseEnv is this process's environment without AWS or Terraform settings
// and with a throwaway home, so that nothing of the machine's user is read.
func baseEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "TF_") || k == "HOME" || k == "GATEHOUSE_SANDBOX_DIR" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "aws-credentials"),
		"CHECKPOINT_DISABLE=1", // no version check over the network
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
	)
}

func buildBinaries(t *testing.T, root, dir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator), "./cmd/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/...: %v\n%s", err, out)
	}
	return dir
}

// startSandbox runs gatehouse-sandbox up and returns its environment and
// URL; the sandbox is stopped when the test ends, by down and then by the
// PIDs it recorded.
func startSandbox(t *testing.T, sb, accounts, dir string, env []string) ([]string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, sb, "up", "--accounts", accounts, "--dir", dir, "--output", "json")
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var st struct {
		PID     int      `json:"pid"`
		MotoPID int      `json:"motoPid"`
		URL     string   `json:"url"`
		Env     []string `json:"env"`
	}
	if jerr := json.Unmarshal(out.Bytes(), &st); jerr == nil && st.PID > 0 {
		t.Cleanup(func() { stopSandbox(t, sb, dir, env, st.PID, st.MotoPID) })
	}
	if err != nil {
		t.Fatalf("gatehouse-sandbox up: %v\n%s", err, errb.String())
	}
	if st.URL == "" || len(st.Env) == 0 {
		t.Fatalf("gatehouse-sandbox up --output json printed no URL or environment:\n%s", out.String())
	}
	return st.Env, st.URL
}

func stopSandbox(t *testing.T, sb, dir string, env []string, pids ...int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sb, "down", "--dir", dir)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("gatehouse-sandbox down: %v\n%s", err, out)
	}
	// down waits for what it stops; a process that is still there a while
	// later is killed by its PID.
	deadline := time.Now().Add(30 * time.Second)
	for _, pid := range pids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("pid %d still running 30 s after gatehouse-sandbox down: killing it", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// alive reports whether pid is a running process (a zombie waiting for its
// parent to reap it is not).
func alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust kill
	}
	// pid (comm) STATE ...; comm may hold spaces and parentheses.
	rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

// runner runs commands in dir with env, each bounded by commandTimeout; a
// command that overruns gets SIGTERM in its process group (terraform and its
// provider plugin), then SIGKILL.
type runner struct {
	t   *testing.T
	env []string
	dir string
}

func (r *runner) run(name string, args ...string) (stdout, stderr string, code int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	code = 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		r.t.Fatalf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		r.t.Fatalf("%s %s did not finish within %s\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), commandTimeout, out.String(), errb.String())
	}
	r.t.Logf("%s %s: exit %d in %s", filepath.Base(name), strings.Join(args, " "), code, time.Since(start).Round(100*time.Millisecond))
	return out.String(), errb.String(), code
}

// exit runs a command that must exit with code.
func (r *runner) exit(want int, name string, args ...string) (string, string) {
	r.t.Helper()
	out, errb, code := r.run(name, args...)
	if code != want {
		r.t.Fatalf("%s %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), code, want, out, errb)
	}
	return out, errb
}

func (r *runner) must(name string, args ...string) (string, string) {
	r.t.Helper()
	return r.exit(0, name, args...)
}

func (r *runner) wantExit(want int, name string, args ...string) {
	r.t.Helper()
	r.exit(want, name, args...)
}

// withoutHeader drops import's opening comment, which names the instance
// and organization IDs the sandbox made up.
func withoutHeader(model string) string {
	lines := strings.Split(model, "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "#") {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		writeFile(t, path, got)
		return
	}
	if diff := cmp.Diff(readFile(t, path), got); diff != "" {
		t.Errorf("gatehouse import wrote (-%s +got):\n%s", path, diff)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	writeFile(t, to, readFile(t, from))
}
