package apply

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
)

// FuzzRunSavedPlan: whatever a plan file holds, once the reader accepts
// it, apply runs it to the end without panicking and reports one outcome
// per change. The fuzzer edits the JSON of real plans; each edit is sealed
// again (plan.Marshal) so that it reaches apply instead of stopping at the
// digest check.
//
//	go test ./internal/apply -run '^$' -fuzz FuzzRunSavedPlan -fuzztime 60s
func FuzzRunSavedPlan(f *testing.F) {
	for _, p := range []*plan.Plan{first(bigPlan(f)), first(crossPlan(f))} {
		data, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var edited plan.Plan
		if json.Unmarshal(data, &edited) != nil {
			return
		}
		sealed, err := plan.Marshal(&edited)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		p, err := plan.Unmarshal(sealed)
		if err != nil {
			return
		}
		rec := newRecorder()
		rec.delay = 0
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res := Run(ctx, p, nil, rec, Options{Roles: rec})
		if ctx.Err() != nil {
			t.Fatalf("Run of a plan of %d changes did not end in 20s", len(p.Changes))
		}
		if len(res.Outcomes) != len(p.Changes) {
			t.Errorf("%d outcomes for %d changes", len(res.Outcomes), len(p.Changes))
		}
	})
}

func first[A, B any](a A, _ B) A { return a }
