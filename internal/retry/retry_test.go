package retry

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCeiling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		base, limit time.Duration
		n           int
		want        time.Duration
	}{
		{"no doubling", 200 * time.Millisecond, 10 * time.Second, 0, 200 * time.Millisecond},
		{"doubled three times", 200 * time.Millisecond, 10 * time.Second, 3, 1600 * time.Millisecond},
		{"equal to the limit", time.Second, 8 * time.Second, 3, 8 * time.Second},
		{"above the limit", 200 * time.Millisecond, 10 * time.Second, 6, 10 * time.Second},
		{"overflow to zero", 1 << 40, time.Hour, 30, time.Hour},
		{"overflow to negative", math.MaxInt64 / 2, time.Hour, 1, time.Hour},
		{"large base, no doubling", 2 * time.Hour, time.Hour, 0, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Ceiling(tt.base, tt.limit, tt.n)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Ceiling(%v, %v, %d) (-want +got):\n%s", tt.base, tt.limit, tt.n, diff)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    time.Duration
	}{
		{"one nanosecond", 1},
		{"ten nanoseconds", 10},
		{"a second", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[bool]bool{} // lower half, upper half
			for range 1000 {
				got := Jitter(tt.d)
				if got < 0 || got >= tt.d {
					t.Fatalf("Jitter(%v) = %v, want in [0, %v)", tt.d, got, tt.d)
				}
				seen[got >= tt.d/2] = true
			}
			if tt.d > 1 && len(seen) != 2 {
				t.Errorf("Jitter(%v): 1000 draws all in one half of the range, want spread", tt.d)
			}
		})
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"timer fires", context.Background(), time.Millisecond, nil},
		{"context already ended", cancelled, time.Hour, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := Sleep(tt.ctx, tt.d)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Sleep = %v, want %v", err, tt.want)
			}
			if tt.want == nil && time.Since(start) < tt.d {
				t.Errorf("Sleep returned after %v, before %v", time.Since(start), tt.d)
			}
		})
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Sleep(ctx, time.Hour) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Sleep = %v, want %v", err, context.DeadlineExceeded)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Sleep did not return when its context ended")
	}
}
