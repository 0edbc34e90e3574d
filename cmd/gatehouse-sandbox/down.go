package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/oidc"
)

type dirOptions struct {
	dir    string
	output string
}

func addDirFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "dir", "", "the sandbox's directory (default $GATEHOUSE_SANDBOX_DIR or ~/.local/state/gatehouse-sandbox)")
}

func newDownCmd(io streams) *cobra.Command {
	var o dirOptions
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the sandbox that up started",
		Long: `Stop the sandbox that up started: the front and the moto server, by the process IDs
up recorded (never by name), with SIGTERM and, after 15 seconds, SIGKILL. Every
account, user and assignment in it is gone afterwards.`,
		Example: `  gatehouse-sandbox down
  gatehouse-sandbox down --dir /tmp/my-sandbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDown(io, o) },
	}
	addDirFlag(cmd, &o.dir)
	return cmd
}

func runDown(io streams, o dirOptions) error {
	dir, err := sandboxDir(o.dir)
	if err != nil {
		return err
	}
	st, err := readState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(io.errw, "no sandbox is running (nothing recorded in "+dir+")")
		return nil
	}
	if err != nil {
		return err
	}
	lock := flock.New(filepath.Join(dir, lockName))
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("locking %s: %w", dir, err)
	}
	defer lock.Unlock()
	if isOurs(st.PID, "gatehouse-sandbox") {
		killed, err := stopPID(st.PID, 15*time.Second)
		if err != nil {
			return err
		}
		if killed {
			fmt.Fprintf(io.errw, "the sandbox (pid %d) ignored SIGTERM and was killed\n", st.PID)
		}
	}
	// The front stops moto when it exits, and moto dies with it anyway;
	// this catches a front that was killed before it could.
	if isOurs(st.MotoPID, "moto") {
		if _, err := stopPID(st.MotoPID, 10*time.Second); err != nil {
			return err
		}
	}
	if err := os.Remove(filepath.Join(dir, stateName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the sandbox state: %w", err)
	}
	fmt.Fprintf(io.errw, "sandbox stopped (pid %d, moto pid %d)\n", st.PID, st.MotoPID)
	return nil
}

// current returns the running sandbox or an error saying how to start one.
func current(dir string) (state, error) {
	d, err := sandboxDir(dir)
	if err != nil {
		return state{}, err
	}
	st, ok, err := running(d)
	if err != nil {
		return state{}, err
	}
	if !ok {
		return state{}, hint.New("no sandbox is running", "start one: eval \"$(gatehouse-sandbox up -f gatehouse.yaml)\"")
	}
	return st, nil
}

func newStatusCmd(io streams) *cobra.Command {
	var o dirOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether a sandbox is running, where, and with which accounts",
		Example: `  gatehouse-sandbox status
  gatehouse-sandbox status --output json | jq -r .url`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(o.output); err != nil {
				return err
			}
			st, err := current(o.dir)
			if err != nil {
				return err
			}
			if o.output == "json" {
				return printState(io, st, "json")
			}
			fmt.Fprintf(io.out, "running %s pid %d moto-pid %d since %s\n", st.URL, st.PID, st.MotoPID, st.StartedAt.Format(time.RFC3339))
			if st.Bootstrap != nil {
				for _, a := range st.Bootstrap.Accounts {
					fmt.Fprintf(io.out, "account %s %s external=%t ou=%s\n", a.Name, a.ID, a.External, a.OU)
				}
			}
			return nil
		},
	}
	addDirFlag(cmd, &o.dir)
	outputFlag(cmd, &o.output)
	return cmd
}

func newEnvCmd(io streams) *cobra.Command {
	var o dirOptions
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print the environment of the running sandbox again",
		Long:  "Print the export lines (or, with --output json, the state) that up printed.",
		Example: `  eval "$(gatehouse-sandbox env)"
  gatehouse-sandbox env --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(o.output); err != nil {
				return err
			}
			st, err := current(o.dir)
			if err != nil {
				return err
			}
			if o.output == "json" {
				enc := json.NewEncoder(io.out)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			fmt.Fprint(io.out, exportLines(st.Env))
			return nil
		},
	}
	addDirFlag(cmd, &o.dir)
	outputFlag(cmd, &o.output)
	return cmd
}

type approveOptions struct {
	dirOptions
	user string
	url  string
	wait time.Duration
}

func newApproveCmd(io streams) *cobra.Command {
	var o approveOptions
	cmd := &cobra.Command{
		Use:   "approve [USER_CODE] --user NAME",
		Short: "Approve a pending device sign-in as an Identity Store user",
		Long: `Approve a pending device sign-in (what the browser page does) as an Identity Store
user. Without USER_CODE it approves the only pending sign-in. With --wait it first
waits, up to that long, until a sign-in is pending (the one named, or any): a
script can start a login in the background and approve it without a race. It uses
the scripts API of the sandbox: GET /sandbox/device-authorizations and POST
/sandbox/approve.`,
		Example: `  gatehouse-sandbox approve BCDF-GHJK --user alice

  # a login in a script, approved as the user dave
  gatehouse login --start-url "$GATEHOUSE_SANDBOX_START_URL" --region "$AWS_REGION" \
      --use-device-code --no-browser &
  gatehouse-sandbox approve --user dave --wait 30s
  wait`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(o.output); err != nil {
				return err
			}
			if o.user == "" {
				return usageError{errors.New("--user is required")}
			}
			code := ""
			if len(args) == 1 {
				code = args[0]
			}
			return runApprove(cmd.Context(), io, o, code)
		},
	}
	addDirFlag(cmd, &o.dir)
	outputFlag(cmd, &o.output)
	cmd.Flags().StringVarP(&o.user, "user", "u", "", "Identity Store user name to sign in as")
	cmd.Flags().StringVar(&o.url, "url", "", "sandbox URL (default: the running sandbox's)")
	cmd.Flags().DurationVar(&o.wait, "wait", 0, "wait up to this long (e.g. 30s) for the sign-in to be pending")
	return cmd
}

func runApprove(ctx context.Context, io streams, o approveOptions, code string) error {
	url := o.url
	if url == "" {
		st, err := current(o.dir)
		if err != nil {
			return err
		}
		url = st.URL
	}
	if o.wait > 0 {
		if err := waitPending(ctx, url, code, o.wait); err != nil {
			return err
		}
	}
	body, _ := json.Marshal(map[string]string{"userCode": code, "userName": o.user})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(url, "/")+"/sandbox/approve", strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return hint.Wrap(fmt.Errorf("approving: %w", err), "is the sandbox running? gatehouse-sandbox status")
	}
	defer resp.Body.Close()
	var out struct {
		UserCode string `json:"userCode"`
		UserName string `json:"userName"`
		Error    string `json:"error"`
		Hint     string `json:"hint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("approving: reading the sandbox's answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		err := errors.New(out.Error)
		if out.Hint != "" {
			err = hint.Wrap(err, out.Hint)
		}
		return err
	}
	if o.output == "json" {
		return json.NewEncoder(io.out).Encode(map[string]string{"userCode": out.UserCode, "userName": out.UserName})
	}
	fmt.Fprintf(io.errw, "approved %s for %s\n", out.UserCode, out.UserName)
	return nil
}

// waitPending polls the sandbox's pending device sign-ins until the one
// with userCode (any one, if userCode is empty) is there, or wait has gone
// by.
func waitPending(ctx context.Context, url, userCode string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	want := oidc.NormalizeUserCode(userCode)
	for {
		pending, err := pendingCodes(ctx, url)
		if err != nil && ctx.Err() == nil {
			return err
		}
		for _, c := range pending {
			if want == "" || oidc.NormalizeUserCode(c) == want {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			what := "no device sign-in became pending"
			if userCode != "" {
				what = "the sign-in " + userCode + " did not become pending"
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return hint.New(fmt.Sprintf("approving: %s within %s", what, wait), "start the login first (gatehouse login --use-device-code), or wait longer")
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pendingCodes lists the user codes of the sign-ins waiting for approval.
func pendingCodes(ctx context.Context, url string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(url, "/")+"/sandbox/device-authorizations", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, hint.Wrap(fmt.Errorf("listing pending sign-ins: %w", err), "is the sandbox running? gatehouse-sandbox status")
	}
	defer resp.Body.Close()
	var out struct {
		DeviceAuthorizations []sandbox.PendingAuthorization `json:"deviceAuthorizations"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("listing pending sign-ins: the sandbox answered HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("listing pending sign-ins: reading the sandbox's answer: %w", err)
	}
	codes := make([]string, len(out.DeviceAuthorizations))
	for i, a := range out.DeviceAuthorizations {
		codes[i] = a.UserCode
	}
	return codes, nil
}
