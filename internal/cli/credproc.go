package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
)

type credProcOptions struct {
	profile string
}

func newCredentialProcessCmd(d Deps) *cobra.Command {
	var opts credProcOptions
	cmd := &cobra.Command{
		Use:   "credential-process --profile PROFILE",
		Short: "Print a profile's credentials for the AWS credential_process setting",
		Long: `Credential-process prints the credentials of a profile as the JSON the AWS CLI and SDKs
expect from a credential_process command (Version 1, with Expiration), so that

  [profile prod/Admin]
  credential_process = /usr/local/bin/gatehouse credential-process --profile prod/Admin

works in every tool. Profiles written by ` + "`gatehouse profiles --credential-process`" + ` run
gatehouse-credential-process instead, a small companion binary that takes the same
arguments, answers cache hits itself in a couple of milliseconds, and hands anything
else to this command.

Credentials are cached (0600, under gatehouse's cache directory) until 15 minutes before
they expire: a cached answer costs one small file read and no network call. When many
processes ask at once (Terraform, parallel jobs), one fetches and the others wait for
it; an SSO token about to expire is refreshed once.

It never opens a browser: when you are not logged in it fails with the
` + "`gatehouse login`" + ` command to run. Credentials of chained (external) profiles last
at most one hour, as AWS allows.`,
		Example: `  gatehouse credential-process --profile production/ReadOnly`,
		GroupID: "engineer",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCredentialProcess(cmd.Context(), d, opts)
		},
	}
	cmd.Flags().StringVar(&opts.profile, "profile", "", "the AWS profile to give credentials for")
	_ = cmd.MarkFlagRequired("profile")
	return cmd
}

func runCredentialProcess(ctx context.Context, d Deps, opts credProcOptions) error {
	p, err := enginePaths(d.Getenv)
	if err != nil {
		return err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	// The fast path: no engine, no config parsing, no network.
	if c, ok := credentials.ReadCached(p.Credentials, p.Config, opts.profile, now()); ok {
		_, err := d.Stdout.Write(credentials.ProcessJSON(c))
		return err
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	c, err := e.resolver.Credentials(ctx, opts.profile)
	if err != nil {
		return err
	}
	_, err = d.Stdout.Write(credentials.ProcessJSON(c))
	return err
}
