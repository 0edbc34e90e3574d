package awscall

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/retry"
)

// Limiter paces calls to one service and adapts to what the service
// answers. Spacing calls evenly at the client does not keep AWS's windows
// under a quota once CPU load or the network adds jitter: two calls spaced
// 50 ms apart can arrive 10 ms apart. So once a service has throttled, the
// limiter gives up its burst and keeps calls one interval apart as they
// go, not only as they were scheduled (a caller that woke late pushes the
// next one back), and a throttled call lowers the rate
// by a tenth (at most once a second, never below half the configured
// rate) and the limiter remembers the rate that was throttled, its
// ceiling. Each successful call then raises the rate: quickly (half a
// percent of the configured rate) back to just under the ceiling, slowly
// (a twentieth of that) across the few percent around it, where the
// service's real limit lies, and quickly again above it, where the limit
// has moved. Under a strict quota the pace settles just under the limit,
// throttled about once every hundred calls, instead of swinging between a
// tenth below and a retry on every other call; once throttling stops, the
// configured rate returns within a few hundred calls.
type Limiter struct {
	lim     *rate.Limiter
	max     rate.Limit
	now     func() time.Time
	mu      sync.Mutex
	last    time.Time  // when the rate was last cut
	ceiling rate.Limit // the rate last throttled; 0 before any throttle
	lastGo  time.Time  // when the last call went (once throttled), or was due to if nearly on time
}

// Adaptation steps, as fractions of the configured rate or of the ceiling.
const (
	cutFactor = 0.9 // a throttle's cut
	fastStep  = 1.0 / 200
	slowStep  = 1.0 / 4000
	slowBelow = 0.97 // the slow zone: from 0.97 of the ceiling...
	slowAbove = 1.03 // ...to 1.03 of it
)

// NewLimiter returns a limiter allowing rps calls per second with the
// given burst.
func NewLimiter(rps float64, burst int) *Limiter {
	return &Limiter{lim: rate.NewLimiter(rate.Limit(rps), max(burst, 1)), max: rate.Limit(rps), now: time.Now}
}

// Wait blocks until a call may go, or the context ends. A nil Limiter lets
// every call go at once.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	strict := l.ceiling > 0
	l.mu.Unlock()
	if !strict {
		return l.lim.Wait(ctx)
	}
	r := l.lim.Reserve()
	due := time.Now().Add(r.Delay())
	if err := retry.Sleep(ctx, r.Delay()); err != nil {
		r.Cancel()
		return err
	}
	return l.space(ctx, due)
}

// space lets a call of a limiter whose service throttled go at its due time, but
// not within one interval of the previous call as that one really went:
// on a loaded machine a caller's timer can fire tens of milliseconds late,
// and the token bucket would let the next caller go on time, right behind
// it, where a strict quota refuses the second call. A caller that woke
// late (by more than a fiftieth of the interval) pushes the next one
// back; the usual sub-millisecond lateness does not, so that the pace does
// not drift below the rate. Pushing back costs the lateness, so it starts
// only once the service has throttled: one with a bucket to spare absorbs
// two calls close together.
func (l *Limiter) space(ctx context.Context, due time.Time) error {
	for {
		l.mu.Lock()
		gap := time.Duration(float64(time.Second) / float64(l.lim.Limit()))
		allowed := due
		if next := l.lastGo.Add(gap); next.After(allowed) {
			allowed = next
		}
		now := time.Now()
		if !now.Before(allowed) {
			if now.Sub(allowed) > gap/50 {
				allowed = now
			}
			l.lastGo = allowed
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if err := retry.Sleep(ctx, allowed.Sub(now)); err != nil {
			return err
		}
	}
}

// Throttled slows the pace after the service refused a call for going too
// fast.
func (l *Limiter) Throttled() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.last) < time.Second {
		return // one throttling episode, one cut
	}
	l.last = now
	cur := l.lim.Limit()
	l.ceiling = cur
	l.lim.SetLimit(max(cur*cutFactor, l.max/2))
}

// Succeeded lets the pace recover towards the configured rate.
func (l *Limiter) Succeeded() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.lim.Limit()
	if cur >= l.max {
		return
	}
	step := l.max * fastStep
	if l.ceiling > 0 && cur >= l.ceiling*slowBelow && cur < l.ceiling*slowAbove {
		step = l.max * slowStep
	}
	l.lim.SetLimit(min(cur+step, l.max))
}

// Rate is the current pace in calls per second.
func (l *Limiter) Rate() float64 {
	if l == nil {
		return 0
	}
	return float64(l.lim.Limit())
}
