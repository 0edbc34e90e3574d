package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

type execOptions struct {
	nest   bool
	server bool
}

func newExecCmd(d Deps) *cobra.Command {
	var opts execOptions
	cmd := &cobra.Command{
		Use:   "exec [PROFILE] [--] [COMMAND [ARG...]]",
		Short: "Run a command with a profile's credentials in its environment",
		Long: `Exec runs a command with the credentials of a profile in its environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION,
AWS_REGION and AWS_DEFAULT_REGION, and GATEHOUSE_PROFILE naming the profile);
AWS_PROFILE and AWS_DEFAULT_PROFILE are removed so that nothing contradicts them.
Without a command it starts $SHELL. The command's exit code is exec's.

Credentials in the environment do not refresh themselves: chained (external) profiles
last an hour. For long jobs prefer ` + "`aws --profile`" + ` or credential_process profiles.

With --server the command gets no credentials in its environment but a credentials
server of its own (see ` + "`gatehouse serve`" + `): AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN, which every SDK and the AWS CLI follow and which
refresh, for as long as the command runs.

Exec refuses to run inside another gatehouse exec (GATEHOUSE_PROFILE is set), where it
is easy to lose track of which account you act in; --nest allows it.

Without PROFILE, on a terminal, a fuzzy picker lists your profiles.`,
		Example: `  gatehouse exec production/ReadOnly -- aws s3 ls
  gatehouse exec abccorp-prod/Admin -- terraform plan
  gatehouse exec production/ReadOnly          # a shell with the credentials
  gatehouse exec --server abccorp-prod/Admin -- terraform apply   # refreshed as it runs`,
		GroupID: "engineer",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExec(cmd.Context(), d, opts, args, cmd.ArgsLenAtDash())
		},
	}
	cmd.Flags().SetInterspersed(false) // flags after PROFILE belong to the command
	cmd.Flags().BoolVar(&opts.nest, "nest", false, "allow running inside another gatehouse exec")
	cmd.Flags().BoolVar(&opts.server, "server", false, "serve refreshing credentials to the command (container credentials protocol) instead of putting them in its environment")
	return cmd
}

func runExec(ctx context.Context, d Deps, opts execOptions, args []string, dash int) error {
	var profileArgs, command []string
	switch {
	case dash == 0:
		command = args
	case dash > 0:
		profileArgs, command = args[:dash], args[dash:]
	case len(args) > 0:
		profileArgs, command = args[:1], args[1:]
		if len(command) > 0 && command[0] == "--" {
			command = command[1:]
		}
	}
	if len(profileArgs) > 1 {
		return usageError{fmt.Errorf("exec takes one profile before --, got %d", len(profileArgs))}
	}
	if cur := d.Getenv(credentials.EnvProfileVar); cur != "" && !opts.nest {
		return hint.New(fmt.Sprintf("already inside `gatehouse exec` of profile %s", cur),
			"exit that shell first, or pass --nest to run inside it anyway")
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	profile, err := e.chooseProfile(profileArgs)
	if err != nil {
		return err
	}
	var (
		c   credentials.Credentials
		env []string
	)
	if opts.server {
		srv, ln, sc, err := e.startServer(ctx, profile, 0)
		if err != nil {
			return err
		}
		sctx, stop := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- srv.Serve(sctx, ln) }()
		defer func() { stop(); <-served }()
		c = sc
		env = credentials.ServerEnviron(os.Environ(), credentials.ServerVars(profile, serverURL(ln), srv.Token, c.Region))
	} else {
		if c, err = e.resolver.Credentials(ctx, profile); err != nil {
			return err
		}
		env = credentials.Environ(os.Environ(), credentials.EnvVars(profile, c))
	}
	if len(command) == 0 {
		command = []string{firstNonEmpty(d.Getenv("SHELL"), "/bin/sh")}
		until := "until " + c.Expiration.Local().Format("15:04")
		if opts.server {
			until = "served and refreshed while it runs"
		}
		fmt.Fprintf(d.Stderr, "Starting %s with the credentials of %s (%s); exit to leave.\n", command[0], profile, until)
	}
	path, err := exec.LookPath(command[0])
	if err != nil {
		return hint.Wrap(fmt.Errorf("running %s: %w", command[0], err), "check the command name and your PATH")
	}
	child := exec.Command(path, command[1:]...)
	child.Stdin, child.Stdout, child.Stderr = d.Stdin, d.Stdout, d.Stderr
	child.Env = env
	// Ctrl-C reaches the child through the terminal; gatehouse only waits
	// for it and passes its exit code on.
	err = child.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return hint.WithExitCode(errSilent, code)
	}
	if err != nil {
		return fmt.Errorf("running %s: %w", command[0], err)
	}
	return nil
}
