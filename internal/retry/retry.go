// Package retry holds the waiting that gatehouse's AWS adapters share when
// they retry a call: a sleep that ends early when its context does, and the
// pieces of jittered exponential backoff (an exponentially growing, capped
// ceiling, and a uniformly random "full jitter" wait below it). Each adapter
// keeps its own retry loop, attempt counting and limits; only these pieces
// are common.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep waits for d, or until ctx ends, whichever comes first. It returns
// ctx's error when the context ended first, nil otherwise.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Ceiling returns base doubled n times (base<<n), or limit when that is more
// than limit or does not fit in a time.Duration. n must not be negative.
// Callers bound n themselves, each as their retry policy says.
func Ceiling(base, limit time.Duration, n int) time.Duration {
	d := base << n
	if d <= 0 || d > limit {
		return limit
	}
	return d
}

// Jitter returns a uniformly random duration in [0, d): the "full jitter"
// that keeps workers throttled together from retrying together. d must be
// positive.
func Jitter(d time.Duration) time.Duration {
	return rand.N(d)
}
