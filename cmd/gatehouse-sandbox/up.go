package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

type upOptions struct {
	sandboxFlags
	dir     string
	output  string
	timeout time.Duration
}

func newUpCmd(io streams) *cobra.Command {
	var o upOptions
	cmd := &cobra.Command{
		Use:   "up [-f MODEL | --accounts FILE]",
		Short: "Start the sandbox in the background and print its environment",
		Long: `Start moto and the sign-in front in the background, create the organization (the
management account and the member accounts of the model, with their IDs, names, OUs
and tags) and a second organization holding the model's external accounts, then
print the environment that points the AWS CLI, the SDKs and gatehouse at it:
AWS_ENDPOINT_URL_<SERVICE> for sso, sso-oidc, sts, iam, organizations, sso-admin
and identitystore, the region, and dummy credentials of the management account.

Stdout carries only the export lines (or JSON with --output json), so
  eval "$(gatehouse-sandbox up -f gatehouse.yaml)"
sets them in your shell. Users of the Identity Store sign in with the password
"sandbox". ` + "`gatehouse-sandbox down`" + ` stops exactly what up started.`,
		Example: `  eval "$(gatehouse-sandbox up -f examples/consultancy.yaml)"
  gatehouse-sandbox up --accounts accounts.yaml --output json
  gatehouse-sandbox up --portal-rate-limit 20     # AWS-like portal throttling`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(o.output); err != nil {
				return err
			}
			return runUp(cmd.Context(), io, o)
		},
	}
	addSandboxFlags(cmd, &o.sandboxFlags)
	cmd.Flags().StringVar(&o.dir, "dir", "", "directory for the sandbox's state and log (default $GATEHOUSE_SANDBOX_DIR or ~/.local/state/gatehouse-sandbox)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long to wait for the sandbox to be ready")
	outputFlag(cmd, &o.output)
	return cmd
}

func runUp(ctx context.Context, io streams, o upOptions) error {
	// Check the model here, so mistakes show before anything starts.
	if _, err := o.layout(); err != nil {
		return err
	}
	dir, err := sandboxDir(o.dir)
	if err != nil {
		return err
	}
	if err := ensureDir(dir); err != nil {
		return err
	}
	lock := flock.New(filepath.Join(dir, lockName))
	locked, err := lock.TryLock()
	if err != nil {
		return fmt.Errorf("locking %s: %w", dir, err)
	}
	if !locked {
		return hint.New("another gatehouse-sandbox up or down is running on "+dir, "wait for it, or use another --dir")
	}
	defer lock.Unlock()
	if st, ok, err := running(dir); err != nil {
		return err
	} else if ok {
		return hint.New(fmt.Sprintf("a sandbox is already running at %s (pid %d)", st.URL, st.PID),
			"use it (gatehouse-sandbox env prints its environment) or stop it first: gatehouse-sandbox down")
	}

	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to start it in the background: %w", err)
	}
	logPath := filepath.Join(dir, logName)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("opening the sandbox log: %w", err)
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("starting the sandbox: %w", err)
	}
	defer r.Close()
	args := []string{"serve", "--ready-fd", "3",
		"--port", strconv.Itoa(o.port),
		"--portal-rate-limit", strconv.FormatFloat(o.portalRateLimit, 'g', -1, 64),
		"--managed-policies=" + strconv.FormatBool(o.managedPolicies),
		"--password", o.password,
		"--token-ttl", o.tokenTTL.String(),
	}
	if o.file != "" {
		args = append(args, "-f", o.file)
	}
	if o.accounts != "" {
		args = append(args, "--accounts", o.accounts)
	}
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{w}
	// Its own session: the sandbox outlives this command and the terminal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("starting the sandbox: %w", err)
	}
	w.Close()
	fmt.Fprintf(io.errw, "starting the sandbox (pid %d, log %s)...\n", cmd.Process.Pid, logPath)

	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	msg := make(chan state, 1)
	go func() {
		var st state
		line, err := bufio.NewReader(r).ReadBytes('\n')
		if err != nil || json.Unmarshal(line, &st) != nil {
			st = state{Error: "the sandbox exited before it was ready"}
		}
		msg <- st
	}()
	var st state
	select {
	case st = <-msg:
	case <-time.After(o.timeout):
		st = state{Error: fmt.Sprintf("the sandbox was not ready within %s", o.timeout), Hint: "see the log " + logPath}
	case <-ctx.Done():
		st = state{Error: "interrupted"}
	}
	if st.Error != "" {
		_, _ = stopPID(cmd.Process.Pid, 10*time.Second)
		<-exited
		err := errors.New(st.Error)
		if st.Hint != "" {
			err = hint.Wrap(err, st.Hint)
		} else {
			err = hint.Wrap(err, "see the log "+logPath+":\n"+tail(logPath, 5))
		}
		return err
	}
	st.Dir, st.Log = dir, logPath
	if err := writeState(dir, st); err != nil {
		_, _ = stopPID(cmd.Process.Pid, 10*time.Second)
		return err
	}
	return printState(io, st, o.output)
}

// printState prints the environment (text: export lines) or the whole state
// (json) to stdout, and a summary for people to stderr.
func printState(io streams, st state, format string) error {
	if format == "json" {
		enc := json.NewEncoder(io.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		fmt.Fprint(io.out, exportLines(st.Env))
	}
	printSummary(io, st)
	fmt.Fprintln(io.errw, "  stop it with: gatehouse-sandbox down")
	return nil
}

// printSummary tells people what runs where.
func printSummary(io streams, st state) {
	fmt.Fprintf(io.errw, "gatehouse sandbox running at %s (pid %d)\n", st.URL, st.PID)
	fmt.Fprintf(io.errw, "  region %s, management account %s, start URL %s\n", st.Region, st.ManagementAccount, st.StartURL)
	if b := st.Bootstrap; b != nil {
		fmt.Fprintf(io.errw, "  Identity Center %s (identity store %s)\n", b.InstanceARN, b.IdentityStoreID)
		for _, a := range b.Accounts {
			where := "organization " + b.OrganizationID
			if a.External {
				where = "external organization " + b.ExternalOrganizationID
			}
			if a.OU != "" {
				where += ", OU " + a.OU
			}
			fmt.Fprintf(io.errw, "  account %-20s %s  (%s)\n", a.Name, a.ID, where)
		}
	}
	fmt.Fprintf(io.errw, "  sign in at %s/device as any Identity Store user, password: the sandbox password (default sandbox)\n", st.URL)
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
