package identitycenter

import (
	"testing"
	"time"
)

// TestObserveAimsTheFirstPoll checks how the estimate of an asynchronous
// operation's duration moves: the first one seen sets it; one seen done at
// the first poll lowers it by half a percent (it may have ended earlier);
// one seen running, then done, puts it halfway between the two polls,
// where the end was.
func TestObserveAimsTheFirstPoll(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name          string
		before        time.Duration // 0: no estimate yet
		running, done time.Duration
		want          time.Duration
	}{
		{"first seen, at the first poll", 0, 0, 2100 * ms, 2100 * ms},
		{"first seen, at a later poll", 0, 1000 * ms, 2300 * ms, 2300 * ms},
		{"done at the first poll: a little earlier", 2000 * ms, 0, 2000 * ms, 1990 * ms},
		{"done at the first poll, late: still a little earlier", 2000 * ms, 0, 2400 * ms, 1990 * ms},
		{"early poll: halfway between the polls", 2000 * ms, 1900 * ms, 2100 * ms, 2000 * ms},
		{"early poll, long operation: halfway again", 2000 * ms, 2600 * ms, 3000 * ms, 2800 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &Client{typical: map[string]time.Duration{}}
			if tt.before > 0 {
				c.typical["create"] = tt.before
			}
			c.observe("create", tt.running, tt.done)
			if got := c.typical["create"]; got != tt.want {
				t.Errorf("estimate = %v, want %v", got, tt.want)
			}
		})
	}
}
