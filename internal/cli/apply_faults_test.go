package cli

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
)

// TestApplyUnderFaults runs the real gatehouse against moto (with the
// sandbox's preamble; the sandbox front answers only requests addressed to
// its own port, which a TCP proxy cannot rewrite) through a proxy that
// resets, cuts and delays a share of its connections (bounded in count and
// time): apply, then apply --prune of a smaller model, each
// run again until it succeeds. Every run either succeeds or fails with an
// error (exit 1); a plan under faults either is right (no changes once
// applied) or fails; and Identity Center ends exactly as each model says,
// nothing made twice, nothing lost.
func TestApplyUnderFaults(t *testing.T) {
	scriptMu.Lock()
	defer scriptMu.Unlock()
	w := newKillWorld(t)
	proxy := awstest.StartFaultProxy(t, awstest.Server(t).URL, awstest.FaultOptions{Share: 0.4, MaxFaults: 150, For: 90 * time.Second, Seed: seed()})
	faulty := w.envFor(proxy.URL, "home")

	converge := func(args ...string) {
		t.Helper()
		for attempt := 1; ; attempt++ {
			code, out := w.exec(t, faulty, args...)
			switch {
			case code == 0:
				return
			case code != 1:
				t.Fatalf("gatehouse %s under faults exited %d (attempt %d), want 0 or 1:\n%s", strings.Join(args, " "), code, attempt, out)
			case attempt == 50: // the faults end after 90 s, and with them the failures
				t.Fatalf("gatehouse %s still fails after %d attempts (faults so far %v):\n%s", strings.Join(args, " "), attempt, proxy.Faults(), out)
			}
			t.Logf("attempt %d of %s failed, as a run may under faults:\n%s", attempt, args[0], lastLines(out, 3))
		}
	}
	// A plan under faults must never show a change that is not there.
	plansClean := func(args ...string) {
		t.Helper()
		for range 3 {
			code, out := w.exec(t, faulty, append([]string{"plan", "--detailed-exitcode"}, args...)...)
			if code != 0 && code != 1 {
				t.Fatalf("plan under faults exited %d, want 0 (or 1 for a failed read):\n%s", code, out)
			}
			if code == 1 {
				t.Logf("a plan under faults failed, as it may:\n%s", lastLines(out, 4))
			}
		}
		w.run(t, w.env, 0, append([]string{"plan", "--detailed-exitcode"}, args...)...)
	}

	converge("apply", "-f", w.file, "--auto-approve")
	plansClean("-f", w.file)
	assertCounts(t, w.cfg, w.accounts, killFull)

	w.model(t, killReduced)
	converge("apply", "-f", w.file, "--prune", "--auto-approve")
	plansClean("-f", w.file, "--prune")
	assertCounts(t, w.cfg, w.accounts, killCleaned)

	faults := proxy.Faults()
	for _, f := range []awstest.Fault{awstest.Reset, awstest.Cut, awstest.Delay} {
		if faults[f] == 0 {
			t.Errorf("no %v fault happened (%v): the test did not test it", f, faults)
		}
	}
	t.Logf("faults: %v", faults)
}

// exec runs gatehouse to the end and returns its exit code and output.
func (w *killWorld) exec(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// seed is the proxy's seed: 12, or GATEHOUSE_FAULT_SEED to explore others.
func seed() uint64 {
	if v, err := strconv.ParseUint(os.Getenv("GATEHOUSE_FAULT_SEED"), 10, 64); err == nil {
		return v
	}
	return 12
}
