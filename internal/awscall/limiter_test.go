package awscall

import (
	"context"
	"testing"
	"time"
)

// TestLimiterSettlesUnderTheCeiling: after a throttle the pace comes back
// quickly to just under the rate that was throttled, then creeps towards it,
// so that a strict quota costs few retries and little time.
func TestLimiterSettlesUnderTheCeiling(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	l := NewLimiter(20, 1)
	l.now = func() time.Time { return now }
	succeed := func(n int) {
		for range n {
			l.Succeeded()
		}
	}
	l.Throttled() // throttled at 20: the ceiling
	if got := l.Rate(); got != 18 {
		t.Fatalf("after a throttle: %v calls/s, want 18", got)
	}
	succeed(13)
	if got := l.Rate(); got < 19.3 || got >= 19.5 {
		t.Errorf("13 calls after the cut: %.3f calls/s, want back just under the ceiling (19.3 to 19.5)", got)
	}
	succeed(100)
	if got := l.Rate(); got < 19.6 || got >= 20 {
		t.Errorf("113 calls after the cut: %.3f calls/s, want creeping towards 20 (19.6 to 20)", got)
	}

	// A throttle below the configured rate lowers the ceiling: the pace
	// settles under the new one.
	now = now.Add(2 * time.Second)
	l.Throttled()
	ceiling := l.ceiling
	succeed(200)
	if got := float64(l.Rate()); got > float64(ceiling)*1.03 || got < float64(ceiling)*0.97 {
		t.Errorf("200 calls after a throttle at %.2f: %.3f calls/s, want within 3%% of it", float64(ceiling), got)
	}
}

// TestLimiterRecoversWhenTheLimitRises: well above the last throttled rate
// the pace climbs quickly again, so a throttling episode that is over
// costs a few hundred calls at most.
func TestLimiterRecoversWhenTheLimitRises(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	l := NewLimiter(20, 1)
	l.now = func() time.Time { return now }
	for range 20 {
		now = now.Add(2 * time.Second)
		l.Throttled()
	}
	if got := l.Rate(); got != 10 {
		t.Fatalf("after sustained throttling: %v, want the floor 10", got)
	}
	n := 0
	for ; l.Rate() < 20 && n < 1000; n++ {
		l.Succeeded()
	}
	if n > 200 {
		t.Errorf("%d calls to get from the floor back to 20, want at most 200", n)
	}
}

// TestLimiterSpacesCallsAsTheyLeave: a call let go by the token bucket
// right behind one that left late (its caller's timer fired late on a busy
// machine) waits out the interval, so that the two do not reach a strict
// quota together.
func TestLimiterSpacesCallsAsTheyLeave(t *testing.T) {
	t.Parallel()
	l := NewLimiter(20, 1) // its bucket holds a token: it would let a call go at once
	calm := NewLimiter(20, 1)
	if err := calm.Wait(context.Background()); err != nil || !calm.lastGo.IsZero() {
		t.Errorf("a limiter whose service never throttled spaces its calls (%v)", err)
	}
	l.Throttled()         // the service is strict
	l.lim.SetLimit(20)    // at the same pace, for the arithmetic below
	l.lastGo = time.Now() // a call left just now
	start := time.Now()
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 45*time.Millisecond {
		t.Errorf("a call right behind another went after %s, want about 50 ms (one interval at 20 calls/s)", waited)
	}
	// A limiter with a burst lets two calls go together until its service
	// throttles; then it gives up the burst and spaces them too.
	burst := NewLimiter(20, 2)
	for range 2 {
		if err := burst.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !burst.lastGo.IsZero() {
		t.Error("a limiter with a burst spaced its calls before any throttle")
	}
	burst.Throttled()
	burst.lim.SetLimit(20)
	burst.lastGo = time.Now()
	start = time.Now()
	if err := burst.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 45*time.Millisecond {
		t.Errorf("after a throttle, a limiter with a burst let a call go %s behind another, want about 50 ms", waited)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.lastGo = time.Now().Add(time.Hour)
	if err := l.Wait(ctx); err == nil {
		t.Error("Wait with an ended context returned nil")
	}
}
