package awscall

import (
	"maps"
	"slices"
	"sync"
)

// Stats counts calls by "service:Operation", every attempt included, and
// the retries among them. One Stats may be shared by several services (a
// plan's reads, say). It is safe for concurrent use; a nil *Stats counts
// nothing.
type Stats struct {
	mu        sync.Mutex
	calls     map[string]int
	throttled int
	retries   int
}

// NewStats returns empty counters.
func NewStats() *Stats { return &Stats{calls: map[string]int{}} }

func (s *Stats) count(service, op string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.calls[service+":"+op]++
	s.mu.Unlock()
}

func (s *Stats) retried(throttled bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.retries++
	if throttled {
		s.throttled++
	}
	s.mu.Unlock()
}

// Snapshot is a copy of the counters at one moment.
type Snapshot struct {
	// Calls counts attempts by "service:Operation", e.g.
	// "sso-admin:ListPermissionSets".
	Calls map[string]int
	// Throttled counts throttling and transient-conflict answers that were
	// retried.
	Throttled int
	// Retried counts every retried attempt, whatever the reason.
	Retried int
}

// Snapshot returns a copy of the counters.
func (s *Stats) Snapshot() Snapshot {
	if s == nil {
		return Snapshot{Calls: map[string]int{}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return Snapshot{Calls: maps.Clone(s.calls), Throttled: s.throttled, Retried: s.retries}
}

// Reset zeroes the counters (benchmarks measure one phase at a time).
func (s *Stats) Reset() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.throttled, s.retries = map[string]int{}, 0, 0
}

// Total is the number of calls made.
func (s Snapshot) Total() int {
	n := 0
	for _, v := range s.Calls {
		n += v
	}
	return n
}

// Operations returns the operations called, sorted.
func (s Snapshot) Operations() []string { return slices.Sorted(maps.Keys(s.Calls)) }

// Service returns the calls made to one service, by operation.
func (s Snapshot) Service(name string) int {
	n := 0
	for k, v := range s.Calls {
		if len(k) > len(name) && k[:len(name)] == name && k[len(name)] == ':' {
			n += v
		}
	}
	return n
}
