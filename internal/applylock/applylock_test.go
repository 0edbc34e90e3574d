package applylock

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/bench/quotaproxy"
	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const instance = "ssoins-1111111111111111"

// world is moto's IAM and a clock tests move by hand.
type world struct {
	t   *testing.T
	cfg aws.Config
	mu  sync.Mutex
	now time.Time
}

func newWorld(t *testing.T) *world {
	return &world{t: t, cfg: awstest.Config(t), now: time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)}
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

// opts are the options of one apply: its own lock directory (another
// machine, unless two share one) and the lock in moto's IAM.
func (w *world) opts(dir string) Options {
	w.t.Helper()
	r, err := NewIAM(context.Background(), w.cfg, instance, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return Options{Name: instance, Dir: dir, Remote: r, Now: w.clock, Heartbeat: time.Hour}
}

// role reads the lock role's tags, nil when there is no role.
func (w *world) role() map[string]string {
	w.t.Helper()
	out, err := iam.NewFromConfig(w.cfg).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(RoleName(instance))})
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchEntity") {
			return nil
		}
		w.t.Fatal(err)
	}
	tags := map[string]string{}
	for _, t := range out.Role.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if aws.ToString(out.Role.Path) != RolePath {
		w.t.Errorf("lock role path %q, want %q", aws.ToString(out.Role.Path), RolePath)
	}
	return tags
}

func acquire(t *testing.T, o Options) *Lock {
	t.Helper()
	l, err := Acquire(context.Background(), o)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	return l
}

// held checks that err is a *HeldError naming holder h, with a hint.
func held(t *testing.T, err error, h Holder, remote bool, where string) {
	t.Helper()
	var he *HeldError
	if !errors.As(err, &he) {
		t.Fatalf("Acquire = %v, want a *HeldError", err)
	}
	if he.Remote != remote || he.Holder.ID != h.ID || he.Holder.PID != h.PID {
		t.Errorf("HeldError names %+v (remote %v), want %+v (remote %v)", he.Holder, he.Remote, h, remote)
	}
	msg := err.Error()
	for _, want := range []string{"another apply is running", "since " + h.Since.Format("2006-01-02 15:04:05 UTC"), "from host " + h.Host, "(pid " + strconv.Itoa(h.PID) + ")", where} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if remote && !strings.Contains(hint.Of(err), "--force-unlock") {
		t.Errorf("hint %q does not say how to break a stuck lock", hint.Of(err))
	}
}

func release(t *testing.T, l *Lock) {
	t.Helper()
	if err := l.Release(context.Background()); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

// TestAnotherMachineIsRefused: two applies with their own lock files (two
// machines) exclude each other through AWS; the second learns who holds
// the lock, since when and from where, and gets it once it is released.
func TestAnotherMachineIsRefused(t *testing.T) {
	w := newWorld(t)
	a := acquire(t, w.opts(t.TempDir()))
	tags := w.role()
	if tags[tagID] != a.Holder().ID || tags[tagWho] == "" || tags[tagExpires] != "2030-01-02T10:05:00Z" {
		t.Errorf("lock role tags = %v", tags)
	}
	w.advance(time.Minute)
	_, err := Acquire(context.Background(), w.opts(t.TempDir()))
	held(t, err, a.Holder(), true, "the IAM role /gatehouse/gatehouse-apply-lock-ssoins-1111111111111111 in account 123456789012")
	if !strings.Contains(err.Error(), "since 2030-01-02 10:00:00 UTC (1m0s ago)") || !strings.Contains(err.Error(), "lapses at 10:05:00 UTC") {
		t.Errorf("message %q does not date the lock", err)
	}
	release(t, a)
	if tags := w.role(); tags != nil {
		t.Errorf("the lock role outlived Release: %v", tags)
	}
	b := acquire(t, w.opts(t.TempDir()))
	release(t, b)
}

// TestSameMachineIsRefusedWithoutAWS: the lock file alone keeps two applies
// of one machine apart.
func TestSameMachineIsRefusedWithoutAWS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := Options{Name: instance, Dir: dir}
	a := acquire(t, o)
	_, err := Acquire(context.Background(), o)
	held(t, err, a.Holder(), false, "the lock file "+dir+"/apply-"+instance+".lock on this machine")
	release(t, a)
	if _, err := os.Stat(dir + "/apply-" + instance + ".lock.holder"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("holder file after Release: %v", err)
	}
	b := acquire(t, o)
	release(t, b)
}

// TestDeadHolderIsTakenOver: a lock whose process is gone from this machine
// (an apply killed with SIGKILL) blocks nothing; a lock whose process runs
// on another machine is honoured until it lapses, then taken over.
func TestDeadHolderIsTakenOver(t *testing.T) {
	w := newWorld(t)
	a := acquire(t, w.opts(t.TempDir()))
	a.abandon() // as a killed process would: the role stays
	deadPID := a.Holder().PID

	// The same process still runs: honoured.
	_, err := Acquire(context.Background(), w.opts(t.TempDir()))
	held(t, err, a.Holder(), true, "gatehouse-apply-lock-")

	var notes []string
	o := w.opts(t.TempDir())
	o.Alive = func(pid int) bool { return pid != deadPID }
	o.Notify = func(m string) { notes = append(notes, m) }
	b := acquire(t, o)
	if len(notes) != 1 || !strings.Contains(notes[0], "its process (pid "+strconv.Itoa(deadPID)+") is gone from this machine") {
		t.Errorf("notes = %q", notes)
	}
	if got := w.role()[tagID]; got != b.Holder().ID {
		t.Errorf("lock role holds %s, want the new holder %s", got, b.Holder().ID)
	}
	b.abandon()

	// On another machine, a dead PID here says nothing: honoured until it
	// lapses.
	c := w.opts(t.TempDir())
	c.Alive = func(int) bool { return false }
	other := b.Holder()
	other.Machine = "another-machine"
	if err := c.Remote.remove(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Remote.create(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(context.Background(), c)
	held(t, err, other, true, "gatehouse-apply-lock-")
	w.advance(DefaultTTL + time.Second)
	notes = nil
	c.Notify = func(m string) { notes = append(notes, m) }
	d := acquire(t, c)
	if len(notes) != 1 || !strings.Contains(notes[0], "it lapsed at 2030-01-02 10:05:00 UTC") {
		t.Errorf("notes = %q", notes)
	}
	release(t, d)
}

// TestRenewKeepsTheLock: a renewed lock does not lapse at its first expiry;
// a lock taken over is found lost by the next renewal, and its former
// holder's Release leaves the new holder's lock alone.
func TestRenewKeepsTheLock(t *testing.T) {
	w := newWorld(t)
	a := acquire(t, w.opts(t.TempDir()))
	w.advance(4 * time.Minute)
	if err := a.Renew(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := w.role()[tagExpires]; got != "2030-01-02T10:09:00Z" {
		t.Errorf("expiry after renewal = %s, want 10:09", got)
	}
	w.advance(2 * time.Minute) // past the first expiry, before the second
	_, err := Acquire(context.Background(), w.opts(t.TempDir()))
	held(t, err, a.Holder(), true, "gatehouse-apply-lock-")

	w.advance(4 * time.Minute) // a stalled apply: its lock lapsed
	b := acquire(t, w.opts(t.TempDir()))
	err = a.Renew(context.Background())
	var lost *LostError
	if !errors.As(err, &lost) || !strings.Contains(err.Error(), "was taken over since 2030-01-02 10:10:00 UTC") || hint.Of(err) == "" {
		t.Errorf("Renew of a lock taken over = %v", err)
	}
	select {
	case <-a.Lost():
	default:
		t.Error("Lost() not closed after the lock was found lost")
	}
	if err := a.Release(context.Background()); err != nil {
		t.Errorf("Release of a lost lock: %v", err)
	}
	if got := w.role()[tagID]; got != b.Holder().ID {
		t.Errorf("the former holder's Release removed the new lock (role holds %q)", got)
	}
	release(t, b)
}

// TestHeartbeat: the heartbeat renews the lock by itself, and a lock
// removed from under it (force-unlock) cancels the work under Context.
func TestHeartbeat(t *testing.T) {
	w := newWorld(t)
	o := w.opts(t.TempDir())
	o.Heartbeat = 10 * time.Millisecond
	a := acquire(t, o)
	ctx, stop := a.Context(context.Background())
	defer stop()
	w.advance(time.Minute)
	waitFor(t, "the heartbeat to renew the lock", func() bool { return w.role()[tagExpires] == "2030-01-02T10:06:00Z" })

	h, found, err := ForceUnlock(context.Background(), o.Remote)
	if err != nil || !found || h.ID != a.Holder().ID {
		t.Fatalf("ForceUnlock = %+v, %v, %v", h, found, err)
	}
	waitFor(t, "the work under the lock to be cancelled", func() bool { return ctx.Err() != nil })
	var lost *LostError
	if cause := context.Cause(ctx); !errors.As(cause, &lost) || !strings.Contains(cause.Error(), "was removed") {
		t.Errorf("cause = %v", cause)
	}
	release(t, a)
	if _, found, err := ForceUnlock(context.Background(), o.Remote); found || err != nil {
		t.Errorf("ForceUnlock with no lock = %v, %v", found, err)
	}
}

// TestLostAnswerToCreate: the answer to CreateRole is lost; the role read
// back carries this apply's ID, so the lock is its own.
func TestLostAnswerToCreate(t *testing.T) {
	srv := awstest.Fresh(t)
	// IAM and STS speak the query protocol: every call is "POST /". Call 0
	// is GetCallerIdentity, call 1 CreateRole.
	proxy, err := quotaproxy.Start(quotaproxy.Options{Upstream: srv.URL, Rate: -1, Fault: func(_, _ string, n int) quotaproxy.Fault {
		if n == 1 {
			return quotaproxy.DropResponse
		}
		return quotaproxy.Pass
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	w := &world{t: t, cfg: awstest.ConfigFor(t, proxy.URL), now: time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)}
	a := acquire(t, w.opts(t.TempDir()))
	if got := w.role()[tagID]; got != a.Holder().ID {
		t.Errorf("lock role holds %q, want %q", got, a.Holder().ID)
	}
	if got := proxy.Stats().Calls["other:POST /"]; got < 3 {
		t.Errorf("%d calls: the lost answer was not checked", got)
	}
	release(t, a)
}

func TestHolderTags(t *testing.T) {
	t.Parallel()
	h := Holder{ID: "abc", Who: "arn:aws:sts::1:assumed-role/Admin/alice,bob", Host: "build#7", PID: 42, Machine: "m",
		Since: time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC), Expires: time.Date(2030, 1, 2, 10, 5, 0, 0, time.UTC)}
	back, ok := holderOf(h.tags())
	want := h
	want.Who, want.Host = "arn:aws:sts::1:assumed-role/Admin/alice_bob", "build_7"
	if !ok {
		t.Fatal("holderOf(tags) not ok")
	}
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("holder round trip mismatch (-want +got):\n%s", diff)
	}
	if _, ok := holderOf(map[string]string{tagID: "x"}); ok {
		t.Error("a holder without expiry read as ok")
	}
}

// abandon stops the heartbeat and the lock file as a killed process would,
// leaving the role.
func (l *Lock) abandon() {
	if l.stop != nil {
		close(l.stop)
		<-l.done
	}
	if l.local != nil {
		_ = l.local.fl.Unlock()
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
