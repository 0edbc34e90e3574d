package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// sandboxFlags are what up and serve share: which accounts, and how the
// sandbox behaves.
type sandboxFlags struct {
	file            string
	accounts        string
	port            int
	portalRateLimit float64
	managedPolicies bool
	password        string
	tokenTTL        time.Duration
}

func addSandboxFlags(cmd *cobra.Command, f *sandboxFlags) {
	fl := cmd.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "access model whose accounts (IDs, names, OUs, tags, external accounts) the sandbox creates")
	fl.StringVar(&f.accounts, "accounts", "", "`FILE` of accounts: a model holding only version: 1 and accounts: (instead of -f)")
	fl.IntVar(&f.port, "port", 0, "loopback port of the sandbox (default: a free one)")
	fl.Float64Var(&f.portalRateLimit, "portal-rate-limit", 0, "throttle the SSO portal API to this many requests per second, as AWS does (0: no limit)")
	fl.BoolVar(&f.managedPolicies, "managed-policies", true, "make AWS-managed IAM policies attachable to roles (costs about 13 MB and 1 s per account)")
	fl.StringVar(&f.password, "password", sandbox.DefaultPassword, "the password every Identity Store user signs in with")
	fl.DurationVar(&f.tokenTTL, "token-ttl", time.Hour, "lifetime of the access tokens the sign-in issues")
}

// layout loads the accounts the sandbox starts with.
func (f sandboxFlags) layout() (sandbox.Layout, error) {
	path := f.file
	switch {
	case f.file != "" && f.accounts != "":
		return sandbox.Layout{}, usageError{errors.New("give -f MODEL or --accounts FILE, not both")}
	case f.accounts != "":
		path = f.accounts
	case f.file == "":
		return sandbox.Layout{Management: sandbox.LayoutAccount{Name: "management", ID: sandbox.DefaultManagementAccount}}, nil
	}
	m, err := model.Load(path)
	if err != nil {
		return sandbox.Layout{}, hint.Wrap(fmt.Errorf("loading %s:\n%w", path, err), "run `gatehouse validate -f "+path+"` and fix what it reports")
	}
	l := sandbox.LayoutFromModel(m)
	return l, l.Check()
}

type serveOptions struct {
	sandboxFlags
	readyFD int
}

func newServeCmd(io streams) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [-f MODEL | --accounts FILE]",
		Short: "Run the sandbox in the foreground until interrupted",
		Long: `Run the sandbox in the foreground: start moto and the front, create the accounts of the
model, print the environment and serve until interrupted (Ctrl-C). This is what
` + "`up`" + ` runs in the background.`,
		Example: `  gatehouse-sandbox serve -f gatehouse.yaml
  gatehouse-sandbox serve --port 4566 --portal-rate-limit 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), io, o)
		},
	}
	addSandboxFlags(cmd, &o.sandboxFlags)
	cmd.Flags().IntVar(&o.readyFD, "ready-fd", 0, "file descriptor to report readiness on (used by up)")
	_ = cmd.Flags().MarkHidden("ready-fd")
	return cmd
}

func runServe(ctx context.Context, io streams, o serveOptions) error {
	var ready *os.File
	if o.readyFD > 0 {
		ready = os.NewFile(uintptr(o.readyFD), "ready")
		defer ready.Close()
	}
	fail := func(err error) error {
		if ready != nil {
			_ = json.NewEncoder(ready).Encode(state{Error: err.Error(), Hint: hint.Of(err)})
		}
		return err
	}
	l, err := o.layout()
	if err != nil {
		return fail(err)
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{
		Addr:              net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port)),
		ManagementAccount: l.Management.ID,
		Region:            l.Region,
		Password:          o.password,
		AccessTokenTTL:    o.tokenTTL,
		PortalRateLimit:   o.portalRateLimit,
		Moto:              motoserver.Options{LoadManagedPolicies: o.managedPolicies},
		Log:               io.errw,
	})
	if err != nil {
		return fail(err)
	}
	defer sb.Stop()
	boot, err := sb.Bootstrap(ctx, l)
	if err != nil {
		return fail(fmt.Errorf("creating the sandbox's accounts: %w", err))
	}
	st := state{
		PID:               os.Getpid(),
		MotoPID:           sb.MotoPID(),
		URL:               sb.URL(),
		StartURL:          sb.StartURL(),
		Region:            sb.Region(),
		ManagementAccount: sb.ManagementAccount(),
		Env:               sb.Env(),
		Bootstrap:         &boot,
		StartedAt:         time.Now().UTC().Truncate(time.Second),
	}
	if ready != nil {
		if err := json.NewEncoder(ready).Encode(st); err != nil {
			return fmt.Errorf("reporting readiness: %w", err)
		}
		ready.Close()
		ready = nil
	} else {
		fmt.Fprint(io.out, exportLines(st.Env))
		printSummary(io, st)
		fmt.Fprintln(io.errw, "serving until interrupted (Ctrl-C)")
	}
	select {
	case <-ctx.Done():
	case <-sb.Done():
		return errors.New("the moto server exited; the sandbox stops too")
	}
	return sb.Stop()
}
