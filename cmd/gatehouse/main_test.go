//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/cli"
)

// TestOneSignalStops runs the built gatehouse on a model that never ends (a
// named pipe kept open and empty): reading it ignores the context, so only
// the watchdog can stop it. One SIGTERM, or one SIGINT, must end it with
// exit code 130.
func TestOneSignalStops(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gatehouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "gatehouse.yaml")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "validate", "-f", fifo)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			// Opening the pipe for writing returns once gatehouse has opened
			// it for reading: it is then inside the command, its signal
			// handling in place, blocked reading a model that never ends.
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, err := w.WriteString("version: 1\n"); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Fatalf("gatehouse still runs a minute after one %v; stderr:\n%s", sig, stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Errorf("gatehouse ended with %v, want exit code %d", err, exitInterrupted)
			}
			if !strings.Contains(stderr.String(), "gatehouse: interrupted") {
				t.Errorf("stderr = %q, want it to say gatehouse was interrupted", stderr.String())
			}
		})
	}
}

func TestForcesExit(t *testing.T) {
	d := cli.DefaultDeps()
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{[]string{"validate", "-f", "x.yaml"}, true},
		{[]string{"profiles"}, true},
		{nil, true},
		{[]string{"no-such-command"}, true},
		{[]string{"exec", "prod/Admin", "--", "bash"}, false},
		{[]string{"exec"}, false},
	} {
		if got := forcesExit(tt.args, d); got != tt.want {
			t.Errorf("forcesExit(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
