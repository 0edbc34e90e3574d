// Package exit holds the exit codes every gatehouse command uses and the
// one reporter that turns a command's error into a message for people, an
// optional "hint:" line and that code. Both binaries (gatehouse and
// gatehouse-sandbox) report through it.
//
//	0   ok
//	1   error
//	2   something to act on: changes (plan --detailed-exitcode) or findings
//	    at the --fail-on severity (audit)
//	64  usage error: a flag, an argument or a value of the command line
//	130 interrupted
package exit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// The exit codes.
const (
	OK          = 0
	Error       = 1
	Act         = 2
	Usage       = 64 // sysexits' EX_USAGE
	Interrupted = 130
)

// usage marks errors in the command line itself.
type usage struct{ err error }

func (u usage) Error() string { return u.err.Error() }
func (u usage) Unwrap() error { return u.err }

// UsageError marks err as a mistake in the command line (exit code Usage).
func UsageError(err error) error {
	if err == nil {
		return nil
	}
	return usage{err}
}

// Usagef is UsageError(fmt.Errorf(format, args...)).
func Usagef(format string, args ...any) error { return usage{fmt.Errorf(format, args...)} }

// Marker is implemented by error types of other packages that mark usage
// errors themselves.
type Marker interface{ UsageError() bool }

// IsUsage reports whether err is a usage error: marked by UsageError or a
// Marker, or one of the command-line errors cobra makes itself (unknown
// command or flag, wrong number of arguments).
func IsUsage(err error) bool {
	var u usage
	if errors.As(err, &u) {
		return true
	}
	var m Marker
	if errors.As(err, &m) && m.UsageError() {
		return true
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "requires exactly"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// ErrSilent is returned by commands that have already said everything and
// only need a non-zero exit code (wrap it with hint.WithExitCode).
var ErrSilent = errors.New("silent")

// Report prints err for people on w, prefixed with prog ("gatehouse"),
// with its hint on a line of its own, and returns the exit code it maps to:
// an explicit hint.ExitCoder wins, then usage errors, then interruption.
func Report(w io.Writer, prog string, err error) int {
	if err == nil {
		return OK
	}
	code := Error
	var ec hint.ExitCoder
	explicit := errors.As(err, &ec)
	switch {
	case explicit:
		code = ec.ExitCode()
	case IsUsage(err):
		code = Usage
	}
	if errors.Is(err, ErrSilent) {
		return code
	}
	if !explicit && errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, prog+": interrupted")
		return Interrupted
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		fmt.Fprintln(w, msg)
	} else {
		fmt.Fprintln(w, prog+": "+msg)
	}
	if h := hint.Of(err); h != "" {
		fmt.Fprintln(w, "hint: "+h)
	}
	if code == Usage && hint.Of(err) == "" {
		fmt.Fprintf(w, "hint: see '%s --help'\n", prog)
	}
	return code
}
