package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runSimulateCLI runs gatehouse in process with stdin and returns the exit
// code, stdout and stderr.
func runSimulateCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	d := Deps{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }, Now: time.Now}
	code := Main(context.Background(), args, d)
	return code, stdout.String(), stderr.String()
}

func TestSimulateCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const (
		request = `{"id":"r1","principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"*",
			"identity_policies":[{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}]}`
		invalid = `{"id":"bad","principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject"}`
	)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	single := write("single.json", request)
	batch := write("batch.json", "["+request+","+invalid+"]")
	garbage := write("garbage.json", "{not json")
	for _, tt := range []struct {
		name       string
		stdin      string
		args       []string
		code       int
		stdout     string // exact, or a prefix when it ends in "..."
		stderrHas  string
		stdoutJSON bool
	}{
		{name: "one request, text", args: []string{"simulate", "--input", single}, code: 0, stdout: "r1  allowed\n"},
		{name: "one request, JSON: one object", args: []string{"simulate", "--input", single, "--output", "json"}, code: 0,
			stdout: `{"id":"r1","decision":"allowed"}` + "\n", stdoutJSON: true},
		{name: "standard input", stdin: request, args: []string{"simulate", "-i", "-", "-o", "json"}, code: 0,
			stdout: `{"id":"r1","decision":"allowed"}` + "\n", stdoutJSON: true},
		{name: "a batch with an invalid request: results printed, exit 1", args: []string{"simulate", "--input", batch, "--output", "json"}, code: 1,
			stdout: `[{"id":"r1","decision":"allowed"},{"id":"bad","error":"request 1: resource: required...`, stderrHas: "1 of 2 requests is invalid", stdoutJSON: true},
		{name: "an invalid single request, exit 1", stdin: invalid, args: []string{"simulate", "--input", "-"}, code: 1,
			stdout: "bad  invalid: resource: required...", stderrHas: "the request is invalid"},
		{name: "no --input: exit 2, nothing on stdout", args: []string{"simulate"}, code: 2, stderrHas: "--input is required"},
		{name: "unreadable file: exit 2", args: []string{"simulate", "--input", filepath.Join(dir, "missing.json")}, code: 2, stderrHas: "reading " + filepath.Join(dir, "missing.json")},
		{name: "not JSON: exit 2, nothing on stdout", args: []string{"simulate", "--input", garbage}, code: 2, stderrHas: "not JSON"},
		{name: "a JSON scalar: exit 2", stdin: `"request"`, args: []string{"simulate", "--input", "-"}, code: 2, stderrHas: "expected a request object or an array"},
		{name: "an unknown --output: exit 2", args: []string{"simulate", "--input", single, "--output", "yaml"}, code: 2, stderrHas: `--output "yaml"`},
		{name: "an unknown flag: exit 2", args: []string{"simulate", "--inptu", single}, code: 2, stderrHas: "unknown flag"},
		{name: "an argument: exit 2", args: []string{"simulate", single}, code: 2, stderrHas: "takes no arguments"},
		{name: "help says what is not modelled", args: []string{"simulate", "--help"}, code: 0, stdout: "Simulate answers offline...", stderrHas: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runSimulateCLI(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if prefix, ok := strings.CutSuffix(tt.stdout, "..."); ok {
				if !strings.HasPrefix(stdout, prefix) {
					t.Errorf("stdout = %q, want it to start with %q", stdout, prefix)
				}
			} else if stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout, tt.stdout)
			}
			if tt.stdoutJSON {
				var v any
				if err := json.Unmarshal([]byte(stdout), &v); err != nil {
					t.Errorf("stdout is not one JSON value: %v", err)
				}
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.stderrHas)
			}
		})
	}
	_, help, _ := runSimulateCLI(t, "", "simulate", "--help")
	for _, s := range []string{"Not modelled", "Block Public Access", "delegated", "root user's implicit rights", "chaining"} {
		if !strings.Contains(help, s) {
			t.Errorf("--help does not mention %q", s)
		}
	}
}
