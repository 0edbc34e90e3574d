// Package motoserver starts, resets and stops a moto server process (the AWS
// emulator gatehouse's tests and sandbox run against). It knows nothing about
// testing; internal/awstest wraps it for test binaries and internal/sandbox
// puts the Identity Center portal/OIDC front before it.
package motoserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// Options tune the moto process.
type Options struct {
	// Python is the interpreter to run; default "python3" (or $GATEHOUSE_PYTHON).
	Python string
	// LoadManagedPolicies makes AWS-managed policies (arn:aws:iam::aws:policy/...)
	// attachable to IAM roles. It costs about 13 MB and 1 s per account, so
	// leave it off for many-account work.
	LoadManagedPolicies bool
	// Log receives moto's own output (request log lines). Nil discards it.
	Log io.Writer
	// StartTimeout bounds the wait for the server to answer; default 60 s.
	StartTimeout time.Duration
	// Preamble is Python code run in the server process before moto's server
	// starts, e.g. to extend moto where it lacks a feature (the sandbox uses
	// it to let CreateAccount take a requested account ID). Empty runs
	// `python3 -m moto.server` as is.
	Preamble string
}

// Server is a running moto server on a loopback port.
type Server struct {
	URL string // http://127.0.0.1:PORT
	PID int

	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
}

var runningOn = regexp.MustCompile(`Running on (http://127\.0\.0\.1:[0-9]+)`)

// CheckInstalled reports, with a hint naming what to install, whether python3
// and moto's server module are available.
func CheckInstalled(ctx context.Context, python string) error {
	if python == "" {
		python = defaultPython()
	}
	if _, err := exec.LookPath(python); err != nil {
		return hint.Wrap(fmt.Errorf("moto server needs %s, which is not on PATH", python),
			"install Python 3 (Debian: apt-get install python3) or set GATEHOUSE_PYTHON to an interpreter that has moto")
	}
	out, err := exec.CommandContext(ctx, python, "-c", "import moto.server, flask").CombinedOutput()
	if err != nil {
		return hint.Wrap(fmt.Errorf("%s cannot import moto's server: %s", python, lastLine(string(out))),
			"from a clone of gatehouse, run `eval \"$(scripts/setup.sh demo)\"`: it installs moto 5.2.1 into the project's .venv and says which python to use (or set GATEHOUSE_PYTHON to an interpreter that has moto)")
	}
	return nil
}

func defaultPython() string {
	if p := os.Getenv("GATEHOUSE_PYTHON"); p != "" {
		return p
	}
	return "python3"
}

// Start runs `python3 -m moto.server -H 127.0.0.1 -p 0`, reads the port it
// chose from its output and waits until it answers. The process is put in its
// own process group and, on Linux, dies with its parent.
func Start(ctx context.Context, opts Options) (*Server, error) {
	python := opts.Python
	if python == "" {
		python = defaultPython()
	}
	if err := CheckInstalled(ctx, python); err != nil {
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	args := []string{"-m", "moto.server"}
	if opts.Preamble != "" {
		args = []string{"-c", opts.Preamble + "\nimport moto.server\nmoto.server.main()\n"}
	}
	cmd := exec.Command(python, append(args, "-H", "127.0.0.1", "-p", "0")...)
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		// MOTO_ACCOUNT_ID pins every request to one account and so disables
		// the multi-account behaviour gatehouse depends on.
		if strings.HasPrefix(kv, "MOTO_ACCOUNT_ID=") || strings.HasPrefix(kv, "MOTO_IAM_LOAD_MANAGED_POLICIES=") {
			continue
		}
		env = append(env, kv)
	}
	if opts.LoadManagedPolicies {
		env = append(env, "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	}
	cmd.Env = env
	cmd.SysProcAttr = sysProcAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("starting moto server: %w", err)
	}
	cmd.Stdout = cmd.Stderr // both streams go through the same scanner
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto server: %w", err)
	}
	s := &Server{cmd: cmd, PID: cmd.Process.Pid, done: make(chan struct{})}
	urlCh := make(chan string, 1)
	var tail strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found {
				if m := runningOn.FindStringSubmatch(line); m != nil {
					found = true
					urlCh <- m[1]
				} else if tail.Len() < 4096 {
					tail.WriteString(line + "\n")
				}
			}
			if opts.Log != nil {
				fmt.Fprintln(opts.Log, line)
			}
		}
	}()
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()

	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	select {
	case s.URL = <-urlCh:
	case <-s.done:
		return nil, fmt.Errorf("moto server exited before it was ready (%v): %s", s.waitErr, lastLine(tail.String()))
	case <-deadline.C:
		_ = s.Stop()
		return nil, fmt.Errorf("moto server printed no address within %s", timeout)
	case <-ctx.Done():
		_ = s.Stop()
		return nil, ctx.Err()
	}
	if err := s.waitReady(ctx, deadline.C); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, deadline <-chan time.Time) error {
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := client.Get(s.URL + "/moto-api/data.json")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-s.done:
			return fmt.Errorf("moto server exited while starting: %v", s.waitErr)
		case <-deadline:
			return fmt.Errorf("moto server at %s did not become ready", s.URL)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Reset wipes all emulated state (POST /moto-api/reset).
func (s *Server) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("resetting moto server: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("resetting moto server: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Done is closed when the process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop sends SIGTERM to the process it started, waits up to 5 s, then sends
// SIGKILL. It is safe to call more than once.
func (s *Server) Stop() error {
	var err error
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			// moto has been seen ignoring SIGTERM while busy.
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	if s.waitErr != nil {
		var ee *exec.ExitError
		if !errors.As(s.waitErr, &ee) {
			err = s.waitErr
		}
	}
	return err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
