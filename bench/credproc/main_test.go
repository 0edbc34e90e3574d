package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
)

// TestSmoke builds the three programs and measures two rounds, so that CI
// keeps the benchmark working; it checks the report's shape, not timings.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gatehouse")
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, 2, 1); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`(?m)^profile line: credential_process = \$TMP/bin/gatehouse-credential-process --profile prod/ReadOnly$`,
		`(?m)^  the profile's credential_process \(gatehouse-credential-process\) +[0-9.]+ ms`,
		`(?m)^  companion / hello world: +[0-9.]+x`,
	} {
		if !regexp.MustCompile(want).Match(out.Bytes()) {
			t.Errorf("the report lacks %s:\n%s", want, out.String())
		}
	}
}
