package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// recorder is a Target that only records what it is asked and when: it
// checks the scheduler's own promises (quotas, order, what a failure
// blocks), which moto cannot show since it finishes every operation at once.
// What the calls do to AWS is tested against moto in apply_moto_test.go.
type recorder struct {
	delay time.Duration
	fail  map[string]bool // "create-assignment <address part>" etc.

	mu       sync.Mutex
	log      []string
	inflight map[string]int
	peak     map[string]int
	pairs    map[string]int
	overlap  []string
}

func newRecorder() *recorder {
	return &recorder{delay: 2 * time.Millisecond, fail: map[string]bool{}, inflight: map[string]int{}, peak: map[string]int{}, pairs: map[string]int{}}
}

func (f *recorder) op(ctx context.Context, kind, key, pair string) error {
	f.mu.Lock()
	f.inflight[kind]++
	f.peak[kind] = max(f.peak[kind], f.inflight[kind])
	if pair != "" {
		f.pairs[pair]++
		if f.pairs[pair] > 1 {
			f.overlap = append(f.overlap, pair)
		}
	}
	f.log = append(f.log, kind+" "+key)
	f.mu.Unlock()
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
	}
	f.mu.Lock()
	f.inflight[kind]--
	if pair != "" {
		f.pairs[pair]--
	}
	f.mu.Unlock()
	if f.fail[kind+" "+key] {
		return fmt.Errorf("%s %s: AWS reports FAILED: boom", kind, key)
	}
	return nil
}

func (f *recorder) CreateUser(ctx context.Context, u state.User) (string, error) {
	return "uid-" + u.UserName, f.op(ctx, "create-user", u.UserName, "")
}
func (f *recorder) UpdateUser(ctx context.Context, id string, u state.User) error {
	return f.op(ctx, "update-user", u.UserName, "")
}
func (f *recorder) DeleteUser(ctx context.Context, id string) error {
	return f.op(ctx, "delete-user", id, "")
}
func (f *recorder) CreateGroup(ctx context.Context, g state.Group) (string, error) {
	return "gid-" + g.DisplayName, f.op(ctx, "create-group", g.DisplayName, "")
}
func (f *recorder) UpdateGroup(ctx context.Context, id string, g state.Group) error {
	return f.op(ctx, "update-group", g.DisplayName, "")
}
func (f *recorder) DeleteGroup(ctx context.Context, id string) error {
	return f.op(ctx, "delete-group", id, "")
}
func (f *recorder) AddMember(ctx context.Context, g, u string) error {
	return f.op(ctx, "add-member", g+"/"+u, "")
}
func (f *recorder) RemoveMember(ctx context.Context, g, u string) error {
	return f.op(ctx, "remove-member", g+"/"+u, "")
}
func (f *recorder) CreatePermissionSet(ctx context.Context, ps state.PermissionSet) (string, error) {
	err := f.op(ctx, "create-ps", ps.Name, "")
	if err != nil {
		return "", err
	}
	return "arn-" + ps.Name, nil
}
func (f *recorder) UpdatePermissionSet(ctx context.Context, arn string, _, after state.PermissionSet) error {
	return f.op(ctx, "update-ps", after.Name, "")
}
func (f *recorder) DeletePermissionSet(ctx context.Context, arn string) error {
	return f.op(ctx, "delete-ps", arn, "")
}
func (f *recorder) Provision(ctx context.Context, arn, acct string) error {
	return f.op(ctx, "provision", arn+"/"+acct, "account "+acct)
}
func (f *recorder) CreateAssignment(ctx context.Context, a AssignmentRef) error {
	return f.op(ctx, "create-assignment", a.AccountID+"/"+a.PermissionSet+"/"+a.PrincipalName, a.AccountID+"/"+a.PermissionSet)
}
func (f *recorder) DeleteAssignment(ctx context.Context, a AssignmentRef) error {
	return f.op(ctx, "delete-assignment", a.AccountID+"/"+a.PermissionSet+"/"+a.PrincipalName, a.AccountID+"/"+a.PermissionSet)
}

func assign(acct, ps, group string) state.Assignment {
	return state.Assignment{AccountID: acct, PermissionSet: ps, PrincipalType: state.PrincipalGroup, PrincipalName: group}
}

// bigPlan creates 3 permission sets and 30 groups, each group assigned every
// set in 4 accounts (360 assignments), provisions a changed set to 20
// accounts, and deletes 40 old assignments.
func bigPlan(t testing.TB) (*plan.Plan, *state.State) {
	t.Helper()
	desired, live := state.New(), state.New()
	for _, ps := range []string{"A", "B", "C"} {
		desired.PermissionSets[ps] = state.PermissionSet{Name: ps, SessionDuration: "PT1H"}
	}
	desired.PermissionSets["Old"] = state.PermissionSet{Name: "Old", SessionDuration: "PT2H"}
	live.PermissionSets["Old"] = state.PermissionSet{Name: "Old", SessionDuration: "PT1H", ARN: "arn-Old"}
	for g := range 30 {
		name := fmt.Sprintf("G%02d", g)
		desired.Groups[name] = state.Group{DisplayName: name}
		for _, ps := range []string{"A", "B", "C"} {
			for a := range 4 {
				desired.Assignments = append(desired.Assignments, assign(fmt.Sprintf("1000000000%02d", a), ps, name))
			}
		}
	}
	for u := range 5 {
		name := fmt.Sprintf("u%d", u)
		desired.Users[name] = state.User{UserName: name}
		g := desired.Groups["G00"]
		g.Members = append(g.Members, name)
		desired.Groups["G00"] = g
	}
	live.Groups["Gone"] = state.Group{DisplayName: "Gone", ID: "gid-Gone"}
	desired.Groups["Gone"] = live.Groups["Gone"]
	for a := range 20 {
		acct := fmt.Sprintf("2000000000%02d", a)
		desired.Assignments = append(desired.Assignments, assign(acct, "Old", "Gone"))
		live.Assignments = append(live.Assignments, assign(acct, "Old", "Gone"))
		live.Assignments = append(live.Assignments, assign(acct, "Old", "G00"), assign(acct, "Old", "G01"))
	}
	p, err := plan.Compute(desired, live, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, live
}

func TestRunRespectsQuotasAndOrder(t *testing.T) {
	p, live := bigPlan(t)
	f := newRecorder()
	var events []Event
	res := Run(context.Background(), p, live, f, Options{Progress: func(e Event) { events = append(events, e) }})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if n := res.Count(Done); n != len(p.Changes) {
		t.Errorf("%d of %d changes done", n, len(p.Changes))
	}
	if len(events) != len(p.Changes) || events[0].Total != len(p.Changes) {
		t.Errorf("progress: %d events for %d changes, total %d", len(events), len(p.Changes), events[0].Total)
	}
	for i, e := range events {
		if e.Finished != i+1 {
			t.Fatalf("event %d reports %d finished: events out of order", i, e.Finished)
		}
	}
	for kind, limit := range map[string]int{"create-assignment": 15, "delete-assignment": 15, "provision": 3} {
		if f.peak[kind] > limit {
			t.Errorf("%d %s in flight at once, quota is %d", f.peak[kind], kind, limit)
		}
		if f.peak[kind] < 2 {
			t.Errorf("%s never ran concurrently (peak %d)", kind, f.peak[kind])
		}
	}
	if len(f.overlap) > 0 {
		t.Errorf("changes to one (account, permission set) ran at once: %v", f.overlap[:min(5, len(f.overlap))])
	}
	// Dependencies: every op of a kind on the left ends before any op of
	// the kind on the right starts.
	first, last := map[string]int{}, map[string]int{}
	for i, l := range f.log {
		k, _, _ := strings.Cut(l, " ")
		if _, ok := first[k]; !ok {
			first[k] = i
		}
		last[k] = i
	}
	for _, dep := range [][2]string{
		{"create-user", "add-member"}, {"create-group", "add-member"}, {"create-group", "create-assignment"},
		{"create-ps", "provision"}, {"update-ps", "provision"}, {"provision", "create-assignment"},
		{"create-assignment", "delete-assignment"},
	} {
		before, after := dep[0], dep[1]
		if _, ok := first[after]; !ok {
			t.Fatalf("no %s in the log", after)
		}
		if last[before] > first[after] {
			t.Errorf("%s (last at %d) overlaps %s (first at %d)", before, last[before], after, first[after])
		}
	}
	// Identity Store work overlaps Identity Center work.
	if first["create-ps"] > last["create-group"] {
		t.Errorf("permission sets (first at %d) waited for groups (last at %d)", first["create-ps"], last["create-group"])
	}
}

func TestRunGoesOnAfterFailures(t *testing.T) {
	desired, live := state.New(), state.New()
	desired.Groups["Eng"] = state.Group{DisplayName: "Eng"}
	desired.Groups["Ops"] = state.Group{DisplayName: "Ops"}
	desired.PermissionSets["A"] = state.PermissionSet{Name: "A", SessionDuration: "PT1H"}
	desired.PermissionSets["B"] = state.PermissionSet{Name: "B", SessionDuration: "PT1H"}
	live.Groups["Old"] = state.Group{DisplayName: "Old", ID: "gid-Old"}
	live.PermissionSets["B"] = state.PermissionSet{Name: "B", SessionDuration: "PT1H", ARN: "arn-B"}
	desired.Assignments = []state.Assignment{assign("111111111111", "A", "Eng"), assign("111111111111", "B", "Ops"), assign("222222222222", "B", "Eng")}
	live.Assignments = []state.Assignment{assign("111111111111", "B", "Old"), assign("222222222222", "B", "Old")}
	p, err := plan.Compute(desired, live, plan.Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	f := newRecorder()
	f.fail["create-ps A"] = true                          // its assignment is skipped
	f.fail["create-assignment 111111111111/B/Ops"] = true // blocks the delete of Old's B there
	res := Run(context.Background(), p, live, f, Options{})
	got := map[string]Status{}
	for _, o := range res.Outcomes {
		got[string(o.Address)] = o.Status
	}
	want := map[string]Status{
		"group/Eng":                           Done,
		"group/Ops":                           Done,
		"group/Old":                           Skipped, // its assignment in 111111111111 stays
		"permission_set/A":                    Failed,
		"assignment/111111111111/A/group:Eng": Skipped,
		"assignment/111111111111/B/group:Ops": Failed,
		"assignment/222222222222/B/group:Eng": Done,
		"assignment/111111111111/B/group:Old": Skipped,
		"assignment/222222222222/B/group:Old": Done,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	err = res.Err()
	if err == nil {
		t.Fatal("Err() = nil after failures")
	}
	for _, s := range []string{"2 of 9 changes failed, 3 skipped", "assignment/111111111111/B/group:Ops: create-assignment 111111111111/B/Ops: AWS reports FAILED: boom"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Err() = %q, want it to contain %q", err, s)
		}
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	p, live := bigPlan(t)
	f := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	var n int
	res := Run(ctx, p, live, f, Options{Progress: func(e Event) {
		if n++; n == 10 {
			cancel()
		}
	}})
	if res.Count(Done) >= len(p.Changes) || res.Count(Skipped) == 0 {
		t.Fatalf("cancelled run: %d done, %d skipped of %d", res.Count(Done), res.Count(Skipped), len(p.Changes))
	}
	for _, o := range res.Outcomes {
		if o.Status == Skipped && !errors.Is(o.Err, context.Canceled) {
			t.Fatalf("%s skipped with %v, want context.Canceled", o.Address, o.Err)
		}
	}
}
