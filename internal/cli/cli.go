// Package cli is gatehouse's command tree: flags, output streams, exit codes.
// Each command lives in its own file as a constructor that parses flags into
// an options struct and a run function; logic lives in the core packages and
// adapters. Main is the only entry point and the one place that turns errors
// into a message, an optional hint line and an exit code.
package cli

import (
	"context"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/exit"
	"github.com/spf13/cobra"
)

// Exit codes (internal/exit has the table).
const (
	ExitOK      = exit.OK
	ExitError   = exit.Error
	ExitUsage   = exit.Usage // bad flags or arguments
	ExitChanges = exit.Act   // plan --detailed-exitcode: changes present
	ExitAct     = exit.Act   // audit --fail-on: findings at that severity
	ExitStopped = exit.Interrupted
)

// Deps are the process's dependencies, injected so tests can run commands in
// process with their own streams, environment and clock.
type Deps struct {
	Stdin  io.Reader
	Stdout io.Writer // data only: JSON, tables, credential_process output
	Stderr io.Writer // messages for people
	Getenv func(string) string
	Now    func() time.Time
	// StdoutTTY and StderrTTY say whether the streams are terminals (colour,
	// progress bars, prompts).
	StdoutTTY bool
	StderrTTY bool
	// StdinTTY says whether stdin is a terminal, where a person can answer
	// a confirmation prompt (apply).
	StdinTTY bool
	// OpenBrowser opens a URL for the user; nil means print it only.
	OpenBrowser func(url string) error
	// Version overrides the version reported by --version.
	Version string
}

// DefaultDeps returns the real process's dependencies.
func DefaultDeps() Deps {
	return Deps{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Getenv:    os.Getenv,
		Now:       time.Now,
		StdoutTTY: isTerminal(os.Stdout),
		StderrTTY: isTerminal(os.Stderr),
		StdinTTY:  isTerminal(os.Stdin),
		// Engineer commands (login, console) open URLs with it.
		OpenBrowser: openBrowser(os.Getenv),
	}
}

// usageError marks errors in the command line itself (exit.Usage).
type usageError struct{ err error }

func (u usageError) Error() string    { return u.err.Error() }
func (u usageError) Unwrap() error    { return u.err }
func (u usageError) UsageError() bool { return true }

// Main runs gatehouse with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, d Deps) int {
	root := NewRoot(d)
	root.SetArgs(args)
	root.SetIn(d.Stdin)
	root.SetOut(d.Stdout)
	root.SetErr(d.Stderr)
	err := root.ExecuteContext(ctx)
	return report(d.Stderr, err)
}

// report prints err for people and returns the exit code it maps to.
func report(w io.Writer, err error) int { return exit.Report(w, "gatehouse", err) }

// errSilent is returned by commands that have already said everything and
// only need a non-zero exit code (see hint.WithExitCode).
var errSilent = exit.ErrSilent

// NewRoot builds the command tree.
func NewRoot(d Deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "gatehouse",
		Short: "Centralized access to many AWS accounts",
		Long: `gatehouse declares who may reach which AWS account with which access, provisions it
onto IAM Identity Center and IAM, and gives every engineer one login for the CLI,
the SDKs and the browser.

Admin:    validate, show, plan, apply, import, audit, simulate
Engineer: login, logout, list, profiles, exec, env, credential-process, console, whoami, serve`,
		Version:       version(d),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetVersionTemplate("gatehouse {{.Version}}\n")
	root.AddGroup(&cobra.Group{ID: "admin", Title: "Admin commands:"}, &cobra.Group{ID: "engineer", Title: "Engineer commands:"})
	for _, c := range []*cobra.Command{
		newValidateCmd(d),
		newShowCmd(d),
		newPlanCmd(d),
		newApplyCmd(d),
		newImportCmd(d),
		newAuditCmd(d),
		newSimulateCmd(d),
		newLoginCmd(d),
		newLogoutCmd(d),
		newListCmd(d),
		newProfilesCmd(d),
		newExecCmd(d),
		newEnvCmd(d),
		newCredentialProcessCmd(d),
		newConsoleCmd(d),
		newWhoamiCmd(d),
		newServeCmd(d),
	} {
		root.AddCommand(c)
	}
	return root
}

func version(d Deps) string {
	if d.Version != "" {
		return d.Version
	}
	if v := buildVersion; v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// buildVersion is set with -ldflags "-X github.com/gatehouse-dev/gatehouse/internal/cli.buildVersion=v1.2.3".
var buildVersion string
