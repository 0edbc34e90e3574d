package exit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

func TestReport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		err      error
		code     int
		printed  string
		noOutput bool
	}{
		{"nil", nil, OK, "", true},
		{"plain error", errors.New("reading x: boom"), Error, "gatehouse: reading x: boom\n", false},
		{"hint", hint.Wrap(errors.New("no region"), "pass --region"), Error, "gatehouse: no region\nhint: pass --region\n", false},
		{"marked usage", Usagef("--output %q: use json", "yaml"), Usage, "gatehouse: --output \"yaml\": use json\nhint: see 'gatehouse --help'\n", false},
		{"cobra unknown flag", errors.New("unknown flag: --bogus"), Usage, "gatehouse: unknown flag: --bogus\nhint: see 'gatehouse --help'\n", false},
		{"cobra arguments", errors.New("accepts 0 arg(s), received 1"), Usage, "", false},
		{"explicit code wins", hint.WithExitCode(ErrSilent, Act), Act, "", true},
		{"explicit code over usage", hint.WithExitCode(Usagef("bad file"), 2), 2, "gatehouse: bad file\n", false},
		{"interrupted", fmt.Errorf("reading: %w", context.Canceled), Interrupted, "gatehouse: interrupted\n", false},
		{"multi-line message printed as is", errors.New("3 problems:\n  a\n  b"), Error, "3 problems:\n  a\n  b\n", false},
	} {
		var out strings.Builder
		code := Report(&out, "gatehouse", tc.err)
		if code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.code)
		}
		if tc.noOutput && out.Len() != 0 {
			t.Errorf("%s: printed %q, want nothing", tc.name, out.String())
		}
		if tc.printed != "" && out.String() != tc.printed {
			t.Errorf("%s: printed %q, want %q", tc.name, out.String(), tc.printed)
		}
	}
	if !IsUsage(fmt.Errorf("wrapped: %w", UsageError(errors.New("x")))) || IsUsage(errors.New("x")) || UsageError(nil) != nil {
		t.Error("IsUsage/UsageError mismatch")
	}
}
