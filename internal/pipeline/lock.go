package pipeline

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/applylock"
	"github.com/gatehouse-dev/gatehouse/internal/identitycenter"
)

// LockOptions make Plan and Reread take the apply lock of the instance
// (internal/applylock) once they have found it and before they read it, so
// that the read, a saved plan's freshness check and the apply all happen
// under the lock: no other apply can change Identity Center in between.
type LockOptions struct {
	// Dir holds this machine's lock files.
	Dir string
	// NoRemote skips the lock in AWS (apply --lock=false): only applies on
	// this machine are kept out.
	NoRemote bool
	// Notify, when set, hears that a dead apply's lock was taken over.
	Notify func(msg string)
	// TTL and Heartbeat tune the lock in AWS (applylock's defaults when 0).
	TTL, Heartbeat time.Duration
}

// lockApply takes the apply lock of ic's instance when o asks for one;
// nil otherwise.
func (o *Options) lockApply(ctx context.Context, ic *identitycenter.Client) (*applylock.Lock, error) {
	if o.Lock == nil {
		return nil, nil
	}
	name := InstanceID(ic.Instance.ARN)
	lo := applylock.Options{Name: name, Dir: o.Lock.Dir, Notify: o.Lock.Notify, TTL: o.Lock.TTL, Heartbeat: o.Lock.Heartbeat}
	if !o.Lock.NoRemote {
		r, err := applylock.NewIAM(ctx, o.AWS, name, o.stats())
		if err != nil {
			return nil, err
		}
		lo.Remote = r
	}
	return applylock.Acquire(ctx, lo)
}

// InstanceID is the ID at the end of an Identity Center instance ARN
// ("ssoins-..."), which names its apply lock.
func InstanceID(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// unlockOnError releases lock when *err is set: a plan or read that failed
// hands no lock to anyone.
func unlockOnError(lock *applylock.Lock, err *error) {
	if *err != nil && lock != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = lock.Release(ctx)
	}
}

// Unlock releases the apply lock the read took, if any. Call it once the
// apply ended (or was declined).
func (l *Live) Unlock(ctx context.Context) error {
	if l == nil || l.Lock == nil {
		return nil
	}
	return l.Lock.Release(ctx)
}

// LockErr says why an apply stopped for its lock: the lock was lost
// (*applylock.LostError) or could not be checked before the first change.
// nil when the apply held its lock throughout, or took none.
func (l *Live) LockErr() error {
	if l == nil || l.Lock == nil {
		return nil
	}
	if l.lockErr != nil {
		return l.lockErr
	}
	return l.Lock.Err()
}

// guard checks, just before the first change, that the lock is still this
// apply's, and returns a context that ends when the lock is lost.
func (l *Live) guard(ctx context.Context) (context.Context, context.CancelFunc) {
	if l.Lock == nil {
		return ctx, func() {}
	}
	if err := l.Lock.Verify(ctx); err != nil {
		var lost *applylock.LostError
		if !errors.As(err, &lost) {
			err = &applylock.LostError{Why: "it could not be checked before the first change: " + err.Error()}
		}
		l.lockErr = err
		ctx, cancel := context.WithCancelCause(ctx)
		cancel(err)
		return ctx, func() {}
	}
	return l.Lock.Context(ctx)
}

// ForceUnlock removes the apply lock in AWS of the instance (found as
// IdentityCenter finds it) whoever holds it, and returns who did; found is
// false when none was held. The apply it belonged to, if it still runs,
// stops at its next heartbeat.
func ForceUnlock(ctx context.Context, instanceARN, storeID string, o Options) (holder applylock.Holder, found bool, err error) {
	ic, err := IdentityCenter(ctx, instanceARN, storeID, &o)
	if err != nil {
		return holder, false, err
	}
	r, err := applylock.NewIAM(ctx, o.AWS, InstanceID(ic.Instance.ARN), o.stats())
	if err != nil {
		return holder, false, err
	}
	return applylock.ForceUnlock(ctx, r)
}
