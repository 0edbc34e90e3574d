package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/organization/orgfixture"
)

const killModel = `version: 1
identity_center:
  region: us-east-1
accounts:
  a1: { id: "%[1]s" }
  a2: { id: "%[2]s" }
  a3: { id: "%[3]s" }
  a4: { id: "%[4]s" }
users:
  alice: { email: alice@example.com, given_name: Alice, family_name: Doe }
  bob: { email: bob@example.com, given_name: Bob, family_name: Roe }
  carol: { email: carol@example.com, given_name: Carol, family_name: Poe }
groups:
  Engineers: { members: [alice, bob, carol] }
  Ops: { members: [bob] }
  Auditors: { members: [carol] }
permission_sets:
  ReadOnly:
    session_duration: 8h
    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  Admin:
    managed_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"]
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "iam:*", Resource: "*" }] }
  Billing:
    managed_policies: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
assignments:
  - groups: [Engineers, Auditors]
    permission_sets: [ReadOnly]
    accounts: [a1, a2, a3, a4]
  - groups: [Ops]
    permission_sets: [Admin, Billing]
    accounts: [a1, a2, a3, a4]
  - users: [alice]
    permission_sets: [Admin]
    accounts: [a1, a2]
`

// killReduced is killModel after a clean-up: carol, Ops, Auditors and
// Billing go (with --prune for the users and groups, which carry no
// ownership mark), and 15 of the 18 assignments with them.
const killReduced = `version: 1
identity_center:
  region: us-east-1
accounts:
  a1: { id: "%[1]s" }
  a2: { id: "%[2]s" }
  a3: { id: "%[3]s" }
  a4: { id: "%[4]s" }
users:
  alice: { email: alice@example.com, given_name: Alice, family_name: Doe }
  bob: { email: bob@example.com, given_name: Bob, family_name: Roe }
groups:
  Engineers: { members: [alice, bob] }
permission_sets:
  ReadOnly:
    session_duration: 8h
    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  Admin:
    managed_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"]
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "iam:*", Resource: "*" }] }
assignments:
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: [a1, a2]
  - users: [alice]
    permission_sets: [Admin]
    accounts: [a1]
`

// What Identity Center holds once killModel, or killReduced, is applied.
var (
	killFull    = counts{users: 3, groups: 3, sets: 3, assignments: 18, members: 5}
	killCleaned = counts{users: 2, groups: 1, sets: 2, assignments: 3, members: 2}
)

// killWorld is a fresh moto with four accounts, a model file and the
// environment of a gatehouse process pointed at the sandbox front.
type killWorld struct {
	bin, dir, file string
	env            []string
	cfg            aws.Config
	accounts       []string
}

func newKillWorld(t *testing.T) *killWorld {
	t.Helper()
	bin, err := exec.LookPath("gatehouse") // the test binary, put on PATH by testscript.Main
	if err != nil {
		t.Fatalf("the gatehouse command is not on PATH: %v", err)
	}
	ctx := context.Background()
	srv := awstest.Server(t)
	if err := srv.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := awstest.ConfigFor(t, srv.URL)
	spec, err := orgfixture.Parse("account a1\naccount a2\naccount a3\naccount a4\n")
	if err != nil {
		t.Fatal(err)
	}
	fix, err := orgfixture.Create(ctx, cfg, spec)
	if err != nil {
		t.Fatal(err)
	}
	vars := fix.Env()
	w := &killWorld{bin: bin, dir: t.TempDir(), cfg: cfg,
		accounts: []string{vars["ACCOUNT_a1"], vars["ACCOUNT_a2"], vars["ACCOUNT_a3"], vars["ACCOUNT_a4"]}}
	w.file = filepath.Join(w.dir, "gatehouse.yaml")
	w.model(t, killModel)
	w.env = w.envFor(sharedFront(t).URL(), "home")
	return w
}

// envFor is the environment of a gatehouse process against endpoint, with
// its own home (and so its own apply lock files) under the world's
// directory: two homes stand for two machines.
func (w *killWorld) envFor(endpoint, home string) []string {
	return append(awstest.Env(endpoint), "HOME="+filepath.Join(w.dir, home), "PATH="+os.Getenv("PATH"),
		"AWS_CONFIG_FILE="+filepath.Join(w.dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(w.dir, "none"))
}

// model writes a model template with the world's account IDs.
func (w *killWorld) model(t *testing.T, tmpl string) {
	t.Helper()
	text := fmt.Sprintf(tmpl, w.accounts[0], w.accounts[1], w.accounts[2], w.accounts[3])
	if err := os.WriteFile(w.file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// exitCode runs gatehouse to the end and returns its exit code and output.
func (w *killWorld) exitCode(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// run runs gatehouse to the end and checks its exit code.
func (w *killWorld) run(t *testing.T, env []string, wantCode int, args ...string) string {
	t.Helper()
	code, out := w.exitCode(t, env, args...)
	if code != wantCode {
		t.Fatalf("gatehouse %s exited %d, want %d:\n%s", strings.Join(args, " "), code, wantCode, out)
	}
	return out
}

// TestApplyKilledThenCompleted kills the real gatehouse binary with SIGKILL
// at several points of an apply against moto, runs apply again, and checks
// that Identity Center then matches the model exactly, with nothing created
// twice (moto, unlike AWS, stores duplicate assignments and memberships).
// The killed apply leaves its lock in AWS: the next apply takes it over,
// since its process is gone.
func TestApplyKilledThenCompleted(t *testing.T) {
	scriptMu.Lock() // the scripts share the moto server
	defer scriptMu.Unlock()
	// 32 changes: 3 users, 3 groups, 5 memberships, 3 permission sets,
	// 18 assignments. The kill points spread over every phase.
	// Up to 15 assignments are in flight at once, so a late kill can land
	// after AWS has done all of them and only gatehouse's report of them
	// is lost: such a run still checks convergence and the lock takeover,
	// and most kill points must leave work to do.
	interrupted := 0
	for _, killAfter := range []int{1, 5, 9, 13, 20, 24} {
		t.Run(fmt.Sprintf("after-%d", killAfter), func(t *testing.T) {
			w := newKillWorld(t)
			done := killApplyAfter(t, w.bin, w.env, killAfter, "apply", "-f", w.file, "--auto-approve")
			if done >= 32 {
				t.Fatalf("the apply finished (%d changes) before it was killed: the test did not test an interruption", done)
			}
			switch code, out := w.exitCode(t, w.env, "plan", "-f", w.file, "--detailed-exitcode"); code {
			case 2:
				interrupted++
			case 0:
				t.Logf("killed after %d reported changes, AWS had already made the rest", done)
			default:
				t.Fatalf("plan after the kill exited %d:\n%s", code, out)
			}
			out := w.run(t, w.env, 0, "apply", "-f", w.file, "--auto-approve")
			if !strings.Contains(out, "apply: taking over the apply lock held since") || !strings.Contains(out, "is gone from this machine") {
				t.Errorf("the apply after the kill did not say it took over the dead apply's lock:\n%s", out)
			}
			w.run(t, w.env, 0, "plan", "-f", w.file, "--detailed-exitcode")
			assertCounts(t, w.cfg, w.accounts, killFull)
		})
	}
	if interrupted < 4 {
		t.Errorf("only %d of 6 kills left work to do: the test hardly tested an interruption", interrupted)
	}
}

// TestApplyKilledWhileDeleting kills an apply that removes most of what a
// first apply made (assignments, memberships, a permission set, and with
// --prune a user and two groups): the next apply deletes what is left and
// nothing else.
func TestApplyKilledWhileDeleting(t *testing.T) {
	scriptMu.Lock()
	defer scriptMu.Unlock()
	// About 20 changes (15 assignments, a membership, a permission set,
	// two groups, a user); the kill points spread over them.
	for _, killAfter := range []int{1, 6, 12, 17} {
		t.Run(fmt.Sprintf("after-%d", killAfter), func(t *testing.T) {
			w := newKillWorld(t)
			w.run(t, w.env, 0, "apply", "-f", w.file, "--auto-approve")
			w.model(t, killReduced)
			total := planTotal(t, w.run(t, w.env, 2, "plan", "-f", w.file, "--prune", "--detailed-exitcode"))
			done := killApplyAfter(t, w.bin, w.env, killAfter, "apply", "-f", w.file, "--prune", "--auto-approve")
			if done >= total {
				t.Fatalf("the apply finished (%d of %d changes) before it was killed", done, total)
			}
			w.run(t, w.env, 2, "plan", "-f", w.file, "--prune", "--detailed-exitcode")
			w.run(t, w.env, 0, "apply", "-f", w.file, "--prune", "--auto-approve")
			w.run(t, w.env, 0, "plan", "-f", w.file, "--prune", "--detailed-exitcode")
			assertCounts(t, w.cfg, w.accounts, killCleaned)
		})
	}
}

// TestApplyTwiceAtOnce runs an apply, stops it (SIGSTOP) once it has made
// its first change, and starts a second one: from the same machine (the
// same lock files), from another (its own lock files, so only the lock in
// AWS can stop it), and from another with a plan saved before the first
// began (the lock is taken before the plan's freshness check). The second
// is refused, naming the first; the first, resumed, ends with AWS matching
// the model and nothing made twice.
func TestApplyTwiceAtOnce(t *testing.T) {
	scriptMu.Lock()
	defer scriptMu.Unlock()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, home, where string
		saved             bool // the second applies a plan saved before the first started
	}{
		{"same-machine", "home", "its lock is the lock file ", false},
		{"other-machine", "elsewhere", "its lock is the IAM role /gatehouse/gatehouse-apply-lock-ssoins-", false},
		{"saved-plan", "elsewhere", "its lock is the IAM role /gatehouse/gatehouse-apply-lock-ssoins-", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newKillWorld(t)
			second := []string{"apply", "-f", w.file, "--auto-approve"}
			if tt.saved {
				saved := filepath.Join(w.dir, "saved.plan")
				w.run(t, w.env, 0, "plan", "-f", w.file, "-out", saved)
				second = []string{"apply", saved}
			}
			first := startApply(t, w.bin, w.env, "apply", "-f", w.file, "--auto-approve")
			first.waitChanges(t, 1)
			first.signal(t, syscall.SIGSTOP)
			out := w.run(t, w.envFor(sharedFront(t).URL(), tt.home), 1, second...)
			for _, want := range []string{"gatehouse: another apply is running, since ", fmt.Sprintf("from host %s (pid %d)", host, first.cmd.Process.Pid), tt.where, "hint: wait for that apply to end"} {
				if !strings.Contains(out, want) {
					t.Errorf("the second apply's output lacks %q:\n%s", want, out)
				}
			}
			first.signal(t, syscall.SIGCONT)
			if err := first.wait(); err != nil {
				t.Fatalf("the first apply, resumed: %v\n%s", err, first.output())
			}
			w.run(t, w.env, 0, "plan", "-f", w.file, "--detailed-exitcode")
			assertCounts(t, w.cfg, w.accounts, killFull)
		})
	}
}

var planSummary = regexp.MustCompile(`Plan: (\d+) to create, (\d+) to update, (\d+) to replace, (\d+) to delete`)

// planTotal reads the number of changes from a plan's summary line.
func planTotal(t *testing.T, out string) int {
	t.Helper()
	m := planSummary.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary line in the plan:\n%s", out)
	}
	total := 0
	for _, n := range m[1:] {
		v, _ := strconv.Atoi(n)
		total += v
	}
	return total
}

// running is a gatehouse process whose stderr is read as it comes.
type running struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{} // stderr closed
}

func startApply(t *testing.T, bin string, env []string, args ...string) *running {
	t.Helper()
	r := &running{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	r.cmd.Env = env
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGCONT)
		_ = r.cmd.Process.Kill()
		<-r.done
	})
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.mu.Lock()
			r.lines = append(r.lines, sc.Text())
			r.mu.Unlock()
		}
	}()
	return r
}

func (r *running) changes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.lines {
		if strings.HasPrefix(l, "apply: [") {
			n++
		}
	}
	return n
}

func (r *running) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// waitChanges waits until the process has reported n finished changes.
func (r *running) waitChanges(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for r.changes() < n {
		select {
		case <-r.done:
			t.Fatalf("gatehouse ended before it reported %d changes:\n%s", n, r.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d changes:\n%s", n, r.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *running) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %v to gatehouse: %v", sig, err)
	}
}

// wait waits for the process's output to end, then for the process.
func (r *running) wait() error {
	<-r.done
	return r.cmd.Wait()
}

// killApplyAfter runs gatehouse with args and SIGKILLs it once it has
// reported n finished changes; it returns how many it had reported.
func killApplyAfter(t *testing.T, bin string, env []string, n int, args ...string) int {
	t.Helper()
	r := startApply(t, bin, env, args...)
	r.waitChanges(t, n)
	r.signal(t, syscall.SIGKILL)
	err := r.wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("apply was not killed (wait: %v):\n%s", err, r.output())
	}
	return r.changes()
}

// counts are what Identity Center holds, counted raw.
type counts struct{ users, groups, sets, assignments, members int }

// assertCounts lists users, groups, permission sets, assignments and
// memberships raw (the adapter's Read folds duplicates, which is what this
// must see) and compares their numbers with want.
func assertCounts(t *testing.T, cfg aws.Config, accounts []string, want counts) {
	t.Helper()
	ctx := context.Background()
	sso, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	got := counts{sets: len(sets.PermissionSets)}
	for _, ps := range sets.PermissionSets {
		for _, acct := range accounts {
			out, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: arn, AccountId: aws.String(acct), PermissionSetArn: aws.String(ps)})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, a := range out.AccountAssignments {
				k := aws.ToString(a.PrincipalId)
				if seen[k] {
					t.Errorf("duplicate assignment of %s to %s in %s", ps, k, acct)
				}
				seen[k] = true
				got.assignments++
			}
		}
	}
	users, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store})
	if err != nil {
		t.Fatal(err)
	}
	got.users = len(users.Users)
	groups, err := ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: store})
	if err != nil {
		t.Fatal(err)
	}
	got.groups = len(groups.Groups)
	for _, g := range groups.Groups {
		out, err := ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: g.GroupId})
		if err != nil {
			t.Fatal(err)
		}
		got.members += len(out.GroupMemberships)
	}
	if got != want {
		t.Errorf("Identity Center holds %+v, want %+v (a duplicate, or one lost)", got, want)
	}
}
