// Command gatehouse-sandbox runs a local stand-in for AWS: moto server (IAM,
// STS, Organizations, SSO Admin, Identity Store) behind a front that answers
// the IAM Identity Center sign-in (SSO OIDC), the SSO portal and the console
// federation endpoint, all on one loopback port. `up` starts it in the
// background with the accounts of a model and prints the environment to use
// it; `down` stops exactly what `up` started.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse-dev/gatehouse/internal/exit"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// streams are where a command writes: data to out, messages to errw.
type streams struct {
	out  io.Writer
	errw io.Writer
}

// usageError marks mistakes in the command line (exit.Usage).
type usageError struct{ error }

func (u usageError) Unwrap() error    { return u.error }
func (u usageError) UsageError() bool { return true }

// run executes the command line and returns the exit code, as every
// gatehouse command does (internal/exit): 0 ok, 1 error, 64 usage error,
// 130 interrupted.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	io := streams{out: stdout, errw: stderr}
	root := &cobra.Command{
		Use:   "gatehouse-sandbox",
		Short: "A local stand-in for AWS with a real IAM Identity Center sign-in",
		Long: `gatehouse-sandbox runs moto server (IAM, STS, Organizations, SSO Admin, Identity Store)
behind a front that answers the IAM Identity Center sign-in (SSO OIDC: device code,
authorization code with PKCE, refresh), the SSO portal and the console federation
endpoint, on one loopback port. Use it to try an access model before production,
and to run gatehouse, the AWS CLI and the SDKs with no AWS account.

  eval "$(gatehouse-sandbox up -f examples/startup.yaml)"
  gatehouse apply -f examples/startup.yaml --auto-approve
  gatehouse login --start-url "$GATEHOUSE_SANDBOX_START_URL" --region "$AWS_REGION"
      # open the printed URL and sign in as a user of the model, password sandbox
  gatehouse-sandbox down`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newUpCmd(io), newDownCmd(io), newStatusCmd(io), newEnvCmd(io), newApproveCmd(io), newServeCmd(io))
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return exit.Report(stderr, "gatehouse-sandbox", root.ExecuteContext(ctx))
}

// outputFlag adds --output text|json.
func outputFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "output", "o", "text", "output format: text or json")
}

func checkOutput(o string) error {
	if o != "text" && o != "json" {
		return usageError{fmt.Errorf("--output %q: use text or json", o)}
	}
	return nil
}
