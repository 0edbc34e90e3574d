// Package applylock keeps two `gatehouse apply` runs from changing one
// Identity Center at once (two applies racing both create what neither
// found, and leave duplicates). A Lock has two parts, taken in order:
//
//   - a lock file on this machine (flock): the OS releases it when its
//     process ends, however it ends, so two applies on one machine never
//     race, even without the AWS part;
//   - a lock in AWS, held across machines: an IAM role in the account of
//     the admin's credentials (IAM), created atomically, tagged with who
//     holds it and until when, renewed by a heartbeat while the apply runs,
//     and deleted at the end. A lock whose holder is dead (its process is
//     gone from this machine) or whose expiry passed is taken over; one
//     held by a live apply is a *HeldError naming it.
//
// docs/adr/0004-apply-lock.md records the choice of IAM and the guarantees.
package applylock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultTTL       = 5 * time.Minute
	DefaultHeartbeat = time.Minute
)

// Options say what to lock and how.
type Options struct {
	// Name is what is locked, e.g. the Identity Center instance ID; it
	// names the lock file and the role.
	Name string
	// Dir holds the lock files of this machine; "" takes no lock file.
	Dir string
	// Remote is the lock in AWS; nil takes none.
	Remote *IAM
	// TTL is how long the AWS lock lasts without renewal; Heartbeat how
	// often it is renewed. Defaults: DefaultTTL, DefaultHeartbeat.
	TTL       time.Duration
	Heartbeat time.Duration
	// Now is the clock (time.Now when nil). Alive says whether a process of
	// this machine runs (signal 0 when nil).
	Now   func() time.Time
	Alive func(pid int) bool
	// Notify, when set, is told when a dead holder's lock is taken over.
	Notify func(msg string)
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = min(DefaultHeartbeat, o.TTL/5)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Alive == nil {
		o.Alive = alive
	}
	return o
}

// HeldError says that another apply holds the lock.
type HeldError struct {
	Holder Holder
	// Where names the lock: "the lock file … on this machine" or "the IAM
	// role … in account …".
	Where string
	// Remote is set for the lock in AWS.
	Remote bool
	// Now is when the lock was found held.
	Now time.Time
}

func (e *HeldError) Error() string {
	msg := "another apply is running"
	if e.Holder != (Holder{}) {
		msg += ", " + e.Holder.Describe(e.Now)
	}
	msg += "; its lock is " + e.Where
	if e.Remote && !e.Holder.Expires.IsZero() {
		msg += fmt.Sprintf(", which lapses at %s unless that apply renews it", e.Holder.Expires.UTC().Format("15:04:05 MST"))
	}
	return msg
}

// Hint says what to do.
func (e *HeldError) Hint() string {
	if !e.Remote {
		return "wait for that apply to end, then run again (its lock is released when its process ends, even if it is killed)"
	}
	return "wait for that apply to end, then run again; if it is dead (its machine gone), check that it is, then remove its lock with `gatehouse apply --force-unlock`, or wait until the lock lapses"
}

// LostError says that a lock held for an apply is not held anymore.
type LostError struct{ Why string }

func (e *LostError) Error() string { return "the apply lock was lost: " + e.Why }

// Hint says what to do.
func (e *LostError) Hint() string {
	return "another apply may be running: check with `gatehouse plan`, then run `gatehouse apply` again; it does only what is left"
}

// Lock is a held apply lock. Its methods are safe for concurrent use.
type Lock struct {
	o     Options
	local *localLock

	mu     sync.Mutex
	holder Holder
	lost   error
	lostCh chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

// Acquire takes the lock file, then the lock in AWS, without waiting: a
// lock held by a live apply is a *HeldError. A lock whose holder's process
// is gone from this machine, or whose expiry passed, is taken over (and
// Notify told). While the lock is held a heartbeat renews it; Release ends
// it.
func Acquire(ctx context.Context, opts Options) (*Lock, error) {
	o := opts.withDefaults()
	who := ""
	if o.Remote != nil {
		who = o.Remote.who
	}
	l := &Lock{o: o, holder: self(who, o.Now()), lostCh: make(chan struct{})}
	if o.Dir != "" {
		local, err := lockLocal(o.Dir, roleNameUnsafe.ReplaceAllString(o.Name, "-"), l.holder)
		if err != nil {
			var held *HeldError
			if errors.As(err, &held) {
				held.Now = o.Now()
			}
			return nil, err
		}
		l.local = local
	}
	if o.Remote != nil {
		if err := l.acquireRemote(ctx); err != nil {
			if l.local != nil {
				_ = l.local.release()
			}
			return nil, err
		}
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go l.heartbeat()
	}
	return l, nil
}

// maxTakeovers bounds the rounds of create, find it held by a dead
// holder, remove it: each round another contender won.
const maxTakeovers = 3

func (l *Lock) acquireRemote(ctx context.Context) error {
	r := l.o.Remote
	for range maxTakeovers + 1 {
		now := l.o.Now()
		l.holder.Since = now.UTC().Truncate(time.Second)
		l.holder.Expires = l.holder.Since.Add(l.o.TTL)
		err := r.create(ctx, l.holder)
		if !errors.Is(err, errExists) {
			return err
		}
		cur, found, err := r.read(ctx, l.o.TTL)
		if err != nil {
			return err
		}
		if !found {
			continue // released in between: try again
		}
		why := l.stale(cur, now)
		if why == "" {
			return &HeldError{Holder: cur, Where: r.Where(), Remote: true, Now: now}
		}
		if l.o.Notify != nil {
			l.o.Notify(fmt.Sprintf("taking over the apply lock held %s: %s", cur.Describe(now), why))
		}
		if err := r.remove(ctx); err != nil {
			return err
		}
	}
	return fmt.Errorf("taking the apply lock (%s): it changed hands %d times while gatehouse tried; run again", r.Where(), maxTakeovers)
}

// stale says why the lock of h may be taken over at now, or "" when it
// may not: its expiry passed, or its process is gone from this machine.
func (l *Lock) stale(h Holder, now time.Time) string {
	if !h.Expires.IsZero() && now.After(h.Expires) {
		return "it lapsed at " + h.Expires.UTC().Format("2006-01-02 15:04:05 MST")
	}
	if h.Machine != "" && h.Machine == l.holder.Machine && h.PID > 0 && !l.o.Alive(h.PID) {
		return fmt.Sprintf("its process (pid %d) is gone from this machine", h.PID)
	}
	return ""
}

// Holder is who holds the lock: this process.
func (l *Lock) Holder() Holder {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}

// Verify checks that the lock in AWS is still this process's: the last
// check before changing anything. It returns a *LostError when it is not.
func (l *Lock) Verify(ctx context.Context) error {
	if err := l.Err(); err != nil {
		return err
	}
	if l.o.Remote == nil {
		return nil
	}
	cur, found, err := l.o.Remote.read(ctx, l.o.TTL)
	if err != nil {
		return err
	}
	mine := l.Holder()
	switch {
	case !found:
		return l.fail(&LostError{Why: l.o.Remote.Where() + " was removed (by `gatehouse apply --force-unlock`?)"})
	case cur.ID != mine.ID:
		return l.fail(&LostError{Why: fmt.Sprintf("%s was taken over %s", l.o.Remote.Where(), cur.Describe(l.o.Now()))})
	}
	return nil
}

// Renew checks that the lock is still held and moves its expiry a TTL
// from now. The heartbeat calls it.
func (l *Lock) Renew(ctx context.Context) error {
	if err := l.Verify(ctx); err != nil || l.o.Remote == nil {
		return err
	}
	expires := l.o.Now().UTC().Truncate(time.Second).Add(l.o.TTL)
	if err := l.o.Remote.renew(ctx, expires); err != nil {
		return err
	}
	l.mu.Lock()
	l.holder.Expires = expires
	l.mu.Unlock()
	return nil
}

func (l *Lock) heartbeat() {
	defer close(l.done)
	t := time.NewTicker(l.o.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.o.TTL/2)
		err := l.Renew(ctx)
		cancel()
		var lost *LostError
		switch {
		case errors.As(err, &lost):
			return
		case err != nil && !l.o.Now().Before(l.Holder().Expires.Add(-l.o.Heartbeat)):
			// One more failure and the lock lapses while this apply
			// still runs: stop it first.
			l.fail(&LostError{Why: fmt.Sprintf("it could not be renewed before it lapsed: %v", err)})
			return
		}
	}
}

// fail records that the lock is lost and returns err.
func (l *Lock) fail(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		l.lost = err
		close(l.lostCh)
	}
	return l.lost
}

// Lost is closed when the lock is found lost.
func (l *Lock) Lost() <-chan struct{} { return l.lostCh }

// Err is the *LostError once the lock is lost, nil before.
func (l *Lock) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Context returns a context that is cancelled, with the *LostError as its
// cause, when the lock is lost: work under it stops instead of going on
// beside another apply.
func (l *Lock) Context(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	go func() {
		select {
		case <-l.lostCh:
			cancel(l.Err())
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(nil) }
}

// Release stops the heartbeat and removes the lock in AWS, if it is still
// this process's, then the lock file. Call it once.
func (l *Lock) Release(ctx context.Context) error {
	var err error
	if l.o.Remote != nil {
		close(l.stop)
		<-l.done
		if l.Err() == nil {
			if err = l.Verify(ctx); err == nil {
				err = l.o.Remote.remove(ctx)
			}
			var lost *LostError
			if errors.As(err, &lost) {
				err = nil // someone else's now: not ours to remove
			}
		}
	}
	if l.local != nil {
		if lerr := l.local.release(); err == nil {
			err = lerr
		}
	}
	return err
}

// ForceUnlock removes the lock in AWS whoever holds it and returns who
// did; found is false when no lock was held. It is for a lock whose apply
// is dead on a machine that is gone: the apply it belonged to, if it still
// runs, stops at its next heartbeat.
func ForceUnlock(ctx context.Context, r *IAM) (h Holder, found bool, err error) {
	h, found, err = r.read(ctx, DefaultTTL)
	if err != nil || !found {
		return h, found, err
	}
	return h, true, r.remove(ctx)
}
