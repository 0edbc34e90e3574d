package simulate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docExample is a request block of docs/simulate.md marked as an example,
// then the result block the page says it gives.
var docExample = regexp.MustCompile("(?s)<!-- simulate-example -->\n```json\n(.*?)\n```\ngives\n```json\n(.*?)\n```")

// The examples of docs/simulate.md give the results the page shows.
func TestSimulateDocExamples(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "simulate.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := docExample.FindAllSubmatch(page, -1)
	if len(examples) < 5 {
		t.Fatalf("found %d examples in docs/simulate.md, want at least 5", len(examples))
	}
	for _, ex := range examples {
		out, err := Run(ex[1])
		if err != nil {
			t.Errorf("example %.60s: %v", ex[1], err)
			continue
		}
		var want, got any
		if err := json.Unmarshal(ex[2], &want); err != nil {
			t.Fatalf("the documented result is not JSON: %v\n%s", err, ex[2])
		}
		if out.Batch {
			got = toAny(t, out.Results)
		} else {
			got = toAny(t, out.Results[0])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("docs/simulate.md example %.60s: result mismatch (-documented +got):\n%s", ex[1], diff)
		}
	}
}

func toAny(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
