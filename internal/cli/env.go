package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
)

type envOptions struct {
	output string
	shell  string
}

func newEnvCmd(d Deps) *cobra.Command {
	var opts envOptions
	cmd := &cobra.Command{
		Use:   "env [PROFILE]",
		Short: "Print a profile's credentials as shell variables",
		Long: `Env prints the credentials of a profile as commands that set them in your shell
(the same variables exec sets, after unsetting AWS_PROFILE and AWS_DEFAULT_PROFILE),
or as a JSON object with --output json. Evaluate it to act as the profile in the
current shell; the credentials do not refresh themselves.

Without PROFILE, on a terminal, a fuzzy picker lists your profiles (drawn on stderr,
so eval still works).`,
		Example: `  eval "$(gatehouse env production/ReadOnly)"
  gatehouse env production/ReadOnly --shell fish | source
  gatehouse env production/ReadOnly --shell powershell | Invoke-Expression
  gatehouse env production/ReadOnly --output json`,
		GroupID: "engineer",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEnv(cmd.Context(), d, opts, args)
		},
	}
	addOutputFlag(cmd, &opts.output, "shell", "json")
	cmd.Flags().StringVar(&opts.shell, "shell", credentials.ShellPOSIX, "shell syntax: sh (bash, zsh), fish or powershell")
	return cmd
}

func runEnv(ctx context.Context, d Deps, opts envOptions, args []string) error {
	if err := checkOutput("env", opts.output, "shell", "json"); err != nil {
		return err
	}
	if _, err := credentials.ShellLines(opts.shell, nil); err != nil {
		return usageError{err}
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	profile, err := e.chooseProfile(args)
	if err != nil {
		return err
	}
	c, err := e.resolver.Credentials(ctx, profile)
	if err != nil {
		return err
	}
	vars := credentials.EnvVars(profile, c)
	if opts.output == "json" {
		enc := json.NewEncoder(d.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(vars)
	}
	lines, err := credentials.ShellLines(opts.shell, vars)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(d.Stdout, lines)
	return err
}
