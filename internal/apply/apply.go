// Package apply executes a plan against a Target (Identity Center and its
// Identity Store) and a RoleTarget (IAM in many accounts) in dependency
// order and within AWS's quotas:
//
//  0. IAM SAML providers, then roles in trust order (roles.go),
//  1. users and groups (created or updated),
//  2. group memberships,
//  3. permission sets and their policies,
//  4. provisioning of changed permission sets to the accounts that are out
//     of date (at most MaxProvisions at once, one per account),
//  5. assignments to create (at most MaxCreates outstanding),
//  6. assignments to delete (after the creates, so that a change of
//     principal never drops a permission set's last assignment in an
//     account, which would delete and re-create its AWSReservedSSO role),
//  7. permission sets, groups and users to delete,
//  8. IAM roles, then SAML providers, to delete.
//
// Steps 1-2 (Identity Store, which has its own quota) run beside steps 3-4;
// step 5 starts once both 1 and 4 are done.
//
// Changes to one (account, permission set) pair never run at the same time.
// A change that fails is reported and the rest goes on where it can: what
// depends on a failed change is skipped. Every change is idempotent with
// respect to a fresh read of AWS, so an interrupted apply is completed by
// planning and applying again. Progress is reported through a callback.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Options bound the work in flight. The zero value gives AWS's quotas.
type Options struct {
	// MaxCreates bounds outstanding CreateAccountAssignment requests; AWS
	// allows 15. MaxDeletes bounds outstanding deletions likewise.
	MaxCreates int
	MaxDeletes int
	// MaxProvisions bounds concurrent ProvisionPermissionSet; AWS allows 3.
	MaxProvisions int
	// Workers bounds the other changes in flight; default 8 (the Target's
	// rate limiter paces the calls themselves).
	Workers int
	// Progress, when set, is called after each change, from one goroutine
	// at a time.
	Progress func(Event)
	// Roles changes IAM roles and SAML providers (roles.go); needed when
	// the plan has such changes.
	Roles RoleTarget
}

func (o Options) withDefaults() Options {
	if o.MaxCreates <= 0 {
		o.MaxCreates = 15
	}
	if o.MaxDeletes <= 0 {
		o.MaxDeletes = 15
	}
	if o.MaxProvisions <= 0 {
		o.MaxProvisions = 3
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	return o
}

// Status is how a change ended.
type Status string

// Statuses.
const (
	Done    Status = "done"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Event reports one finished change and the progress so far.
type Event struct {
	Change   plan.Change
	Status   Status
	Err      error // why it failed or was skipped
	Finished int   // changes finished so far, this one included
	Total    int
}

// Outcome is how one change ended.
type Outcome struct {
	Address plan.Address
	Action  plan.Action
	Status  Status
	Err     error
}

// Result is the outcome of a run.
type Result struct {
	Outcomes []Outcome // in plan order
}

// Count returns how many changes ended with status s.
func (r Result) Count(s Status) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Status == s {
			n++
		}
	}
	return n
}

// Err is nil when every change was done, and otherwise an error listing
// the failures and the number of skipped changes.
func (r Result) Err() error {
	var lines []string
	for _, o := range r.Outcomes {
		if o.Status == Failed {
			lines = append(lines, fmt.Sprintf("  %s: %v", o.Address, o.Err))
		}
	}
	failed, skipped := r.Count(Failed), r.Count(Skipped)
	if failed == 0 && skipped == 0 {
		return nil
	}
	msg := fmt.Sprintf("apply incomplete: %d of %d changes failed, %d skipped because they depend on them", failed, len(r.Outcomes), skipped)
	if len(lines) > 0 {
		msg += ":\n" + strings.Join(lines, "\n")
	}
	return hint.New(msg, "fix the cause and run `gatehouse apply` again: it plans from AWS as it is now and does only what is left")
}

// Run applies p. live is the state p was computed from (or one with the
// same fingerprint): it gives the IDs of existing users, groups and
// permission sets. Run returns when every change has ended or ctx is done.
func Run(ctx context.Context, p *plan.Plan, live *state.State, t Target, opts Options) Result {
	r := &run{
		t: t, opts: opts.withDefaults(), total: len(p.Changes),
		ids:      newIDs(live),
		status:   map[plan.Address]Status{},
		errs:     map[plan.Address]error{},
		pairLock: map[string]*sync.Mutex{},

		blockedPairs:      map[string]plan.Address{},
		blockedSets:       map[string]plan.Address{},
		blockedPrincipals: map[plan.Address]plan.Address{},
	}
	byPhase := map[int][]plan.Change{}
	for _, c := range p.Changes {
		byPhase[phaseOf(c)] = append(byPhase[phaseOf(c)], c)
	}
	run := func(phase int) {
		cs, limit := byPhase[phase], r.opts.Workers
		switch phase {
		case phaseProvisions:
			limit = r.opts.MaxProvisions
			cs = interleave(cs, func(c plan.Change) string { return c.Provision.After.AccountID })
		case phaseCreateAssignments:
			limit = r.opts.MaxCreates
			cs = interleave(cs, pairOf)
		case phaseDeleteAssignments:
			limit = r.opts.MaxDeletes
			cs = interleave(cs, pairOf)
		}
		r.phase(ctx, cs, limit)
	}
	// Identity Store and Identity Center have separate quotas, so their
	// work overlaps where nothing depends on it: users, groups and
	// memberships run beside permission sets and provisioning; assignments
	// wait for the users and groups they name.
	principalsDone, storeDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(storeDone)
		run(phasePrincipals)
		close(principalsDone)
		run(phaseMemberships)
	}()
	r.iamCreates(ctx, byPhase) // roles.go
	run(phasePermissionSets)
	run(phaseProvisions)
	<-principalsDone
	run(phaseCreateAssignments)
	run(phaseDeleteAssignments)
	<-storeDone
	run(phaseDeletes)
	r.iamDeletes(ctx, byPhase)
	res := Result{}
	for _, c := range p.Changes {
		st, ok := r.status[c.Address]
		err := r.errs[c.Address]
		if !ok {
			st, err = Skipped, ctx.Err()
			if err == nil {
				err = errors.New("not reached")
			}
		}
		res.Outcomes = append(res.Outcomes, Outcome{Address: c.Address, Action: c.Action, Status: st, Err: err})
	}
	return res
}

// The phases, in order.
const (
	phasePrincipals = iota
	phaseMemberships
	phasePermissionSets
	phaseProvisions
	phaseCreateAssignments
	phaseDeleteAssignments
	phaseDeletes
)

func phaseOf(c plan.Change) int {
	switch c.Kind {
	case plan.KindUser, plan.KindGroup:
		if c.Action == plan.Delete {
			return phaseDeletes
		}
		return phasePrincipals
	case plan.KindMembership:
		return phaseMemberships
	case plan.KindPermissionSet:
		if c.Action == plan.Delete {
			return phaseDeletes
		}
		return phasePermissionSets
	case plan.KindProvision:
		return phaseProvisions
	case plan.KindAssignment:
		if c.Action == plan.Delete {
			return phaseDeleteAssignments
		}
		return phaseCreateAssignments
	case plan.KindRole, plan.KindSAMLProvider:
		return iamPhaseOf(c)
	}
	return phaseDeletes
}

func pairOf(c plan.Change) string {
	a := c.Assignment.After
	if a == nil {
		a = c.Assignment.Before
	}
	return a.AccountID + "/" + a.PermissionSet
}

// interleave orders changes round-robin over their keys, so that workers
// taking them in order rarely wait on the same (account, permission set).
func interleave(cs []plan.Change, key func(plan.Change) string) []plan.Change {
	groups := map[string][]plan.Change{}
	var keys []string
	for _, c := range cs {
		k := key(c)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	sort.Strings(keys)
	out := make([]plan.Change, 0, len(cs))
	for len(out) < len(cs) {
		for _, k := range keys {
			if g := groups[k]; len(g) > 0 {
				out = append(out, g[0])
				groups[k] = g[1:]
			}
		}
	}
	return out
}

type run struct {
	t     Target
	opts  Options
	total int
	ids   *ids

	mu       sync.Mutex
	finished int
	status   map[plan.Address]Status
	errs     map[plan.Address]error
	pairLock map[string]*sync.Mutex
	progress sync.Mutex

	// What a change that did not happen blocks, and which change it was:
	// (account/permission set) pairs whose deletes must wait for a create,
	// permission sets and principals whose assignments were not all deleted.
	blockedPairs      map[string]plan.Address
	blockedSets       map[string]plan.Address
	blockedPrincipals map[plan.Address]plan.Address
}

// phase runs cs with at most limit in flight and returns when all ended.
func (r *run) phase(ctx context.Context, cs []plan.Change, limit int) {
	work := make(chan plan.Change)
	var wg sync.WaitGroup
	for range min(limit, len(cs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				r.one(ctx, c)
			}
		}()
	}
	for _, c := range cs {
		if ctx.Err() != nil {
			break
		}
		select {
		case work <- c:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
}

// skipError says a change was not tried because one it depends on did not
// happen.
type skipError struct{ dep plan.Address }

func (e skipError) Error() string { return fmt.Sprintf("%s did not happen", e.dep) }

func (r *run) one(ctx context.Context, c plan.Change) {
	if ctx.Err() != nil {
		return
	}
	err := r.do(ctx, c)
	if ctx.Err() != nil && err != nil {
		return // interrupted: reported as not reached
	}
	st := Done
	var se skipError
	switch {
	case errors.As(err, &se):
		st = Skipped
	case err != nil:
		st = Failed
	}
	// progress is taken first so that events arrive in Finished order.
	r.progress.Lock()
	defer r.progress.Unlock()
	r.mu.Lock()
	r.status[c.Address] = st
	r.errs[c.Address] = err
	if st != Done {
		r.record(c)
	}
	r.finished++
	ev := Event{Change: c, Status: st, Err: err, Finished: r.finished, Total: r.total}
	r.mu.Unlock()
	if r.opts.Progress != nil {
		r.opts.Progress(ev)
	}
}

// failed reports whether the change at addr was tried and did not happen.
func (r *run) failed(addr plan.Address) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.status[addr]
	return ok && st != Done
}

// needs returns a skipError when any of addrs did not happen.
func (r *run) needs(addrs ...plan.Address) error {
	for _, a := range addrs {
		if r.failed(a) {
			return skipError{dep: a}
		}
	}
	return nil
}

func (r *run) lockPair(key string) func() {
	r.mu.Lock()
	l, ok := r.pairLock[key]
	if !ok {
		l = &sync.Mutex{}
		r.pairLock[key] = l
	}
	r.mu.Unlock()
	l.Lock()
	return l.Unlock
}
