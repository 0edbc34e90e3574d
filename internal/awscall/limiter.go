package awscall

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces calls to one service and adapts to what the service
// answers. Spacing calls evenly at the client does not keep AWS's
// one-second windows under a quota once CPU load or the network adds
// jitter: two calls spaced 50 ms apart can arrive 10 ms apart. So a
// throttled call lowers the rate by a tenth (at most once a second, never
// below half the configured rate), and every successful call raises it by
// half a percent of the configured rate, up to it. Under a strict quota the
// pace settles just under the limit instead of losing a retry on every
// other call; once throttling stops, it recovers within a few hundred
// calls.
type Limiter struct {
	lim  *rate.Limiter
	max  rate.Limit
	now  func() time.Time
	mu   sync.Mutex
	last time.Time // when the rate was last cut
}

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
	return l.lim.Wait(ctx)
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
	l.lim.SetLimit(max(l.lim.Limit()*0.9, l.max/2))
}

// Succeeded lets the pace recover towards the configured rate.
func (l *Limiter) Succeeded() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur := l.lim.Limit(); cur < l.max {
		l.lim.SetLimit(min(cur+l.max/200, l.max))
	}
}

// Rate is the current pace in calls per second.
func (l *Limiter) Rate() float64 {
	if l == nil {
		return 0
	}
	return float64(l.lim.Limit())
}
