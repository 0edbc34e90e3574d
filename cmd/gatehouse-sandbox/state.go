package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// stateName is the file in the sandbox directory that records a running
// sandbox; logName is its log.
const (
	stateName = "state.json"
	logName   = "sandbox.log"
	lockName  = "lock"
)

// state is what `up` records about the sandbox it started, and what `serve`
// reports when it is ready.
type state struct {
	PID               int                   `json:"pid"`
	MotoPID           int                   `json:"motoPid,omitempty"`
	URL               string                `json:"url"`
	StartURL          string                `json:"startUrl"`
	Region            string                `json:"region"`
	ManagementAccount string                `json:"managementAccount"`
	Env               []string              `json:"env"`
	Bootstrap         *sandbox.Bootstrapped `json:"bootstrap,omitempty"`
	Dir               string                `json:"dir,omitempty"`
	Log               string                `json:"log,omitempty"`
	StartedAt         time.Time             `json:"startedAt"`
	// Error and Hint are set instead when serve could not start.
	Error string `json:"error,omitempty"`
	Hint  string `json:"hint,omitempty"`
}

// sandboxDir is where up keeps the state and log: --dir, else
// $GATEHOUSE_SANDBOX_DIR, else $XDG_STATE_HOME/gatehouse-sandbox, else
// ~/.local/state/gatehouse-sandbox.
func sandboxDir(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if d := os.Getenv("GATEHOUSE_SANDBOX_DIR"); d != "" {
		return filepath.Abs(d)
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "gatehouse-sandbox"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", hint.Wrap(fmt.Errorf("finding the sandbox directory: %w", err), "pass --dir or set GATEHOUSE_SANDBOX_DIR")
	}
	return filepath.Join(home, ".local", "state", "gatehouse-sandbox"), nil
}

// ensureDir creates dir with mode 0700 and refuses one others can read.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating sandbox directory %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("reading sandbox directory %s: %w", dir, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return hint.Wrap(fmt.Errorf("sandbox directory %s is open to other users (%v)", dir, fi.Mode().Perm()), "chmod 700 it: it holds the sandbox's credentials")
		}
	}
	return nil
}

// readState reads the state file; fs.ErrNotExist when no sandbox was started.
func readState(dir string) (state, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateName))
	if err != nil {
		return state{}, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return state{}, hint.Wrap(fmt.Errorf("reading %s: %w", filepath.Join(dir, stateName), err), "remove the file if no sandbox is running")
	}
	return st, nil
}

// writeState writes the state file atomically with mode 0600.
func writeState(dir string, st state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, stateName), append(data, '\n'), 0o600)
}

// running returns the recorded sandbox if its process is still alive.
func running(dir string) (state, bool, error) {
	st, err := readState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return state{}, false, nil
	}
	if err != nil {
		return state{}, false, err
	}
	return st, isOurs(st.PID, "gatehouse-sandbox"), nil
}

// alive reports whether pid is a live process (zombies count as dead).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// Field 3, after the parenthesised command name, is the state.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return false
		}
	}
	return true
}

// isOurs reports whether pid is alive and, where /proc tells, runs a
// command line containing marker: a PID recorded long ago may have been
// reused by an unrelated process, which must not be signalled.
func isOurs(pid int, marker string) bool {
	if !alive(pid) {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return true // no /proc: trust the recorded PID
	}
	return strings.Contains(string(cmdline), marker)
}

// stopPID sends SIGTERM to pid, waits up to grace for it to exit, then sends
// SIGKILL. It reports whether the process had to be killed.
func stopPID(pid int, grace time.Duration) (killed bool, err error) {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return false, fmt.Errorf("stopping pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return false, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return true, fmt.Errorf("killing pid %d: %w", pid, err)
	}
	for range 100 {
		if !alive(pid) {
			return true, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true, fmt.Errorf("pid %d is still running after SIGKILL", pid)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// exportLines renders env as `export KEY=VALUE` lines.
func exportLines(env []string) string {
	var b strings.Builder
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	return b.String()
}
