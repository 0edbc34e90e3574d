package motopatch_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motopatch"
)

// python3 runs a script with stdin and args and fails the test, with Python's
// message, if it exits non-zero.
func python3(t *testing.T, script, stdin string, args ...string) {
	t.Helper()
	cmd := exec.Command("python3", append([]string{"-c", script}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3: %v\n%s", err, out.String())
	}
}

// Each patch must at least be Python: a syntax error fails here, naming the
// file and line, rather than as a moto server that never starts.
func TestPatchesCompile(t *testing.T) {
	t.Parallel()
	for _, p := range motopatch.Patches() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			if strings.TrimSpace(p.Source) == "" {
				t.Fatal("the patch is empty")
			}
			python3(t, "import sys; compile(sys.stdin.read(), sys.argv[1], 'exec')", p.Source, p.Name)
		})
	}
}

// The preamble loads into moto without error: what compiles can still name
// something moto's version lacks, which only running it shows.
func TestPreambleLoadsIntoMoto(t *testing.T) {
	t.Parallel()
	python3(t, "import sys; exec(compile(sys.stdin.read(), 'preamble', 'exec'), {'__name__': 'preamble'})", motopatch.Preamble())
}
