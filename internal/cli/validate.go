package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/model"
)

type validateOptions struct {
	file string
}

func newValidateCmd(d Deps) *cobra.Command {
	var opts validateOptions
	cmd := &cobra.Command{
		Use:   "validate [-f FILE]",
		Short: "Check an access model and report every problem at once",
		Long: `Validate reads the access model and checks it without calling AWS: syntax, unknown
keys, references between accounts, users, groups, permission sets and roles, account
IDs, ARNs, durations, permission set names and inline policies.

It prints one line per problem as file:line:col: what is wrong (how to fix), sorted
by position, and exits 1; a valid model prints a one-line summary and exits 0.`,
		Example: `  gatehouse validate
  gatehouse validate -f examples/startup.yaml`,
		GroupID: "admin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runValidate(cmd.Context(), d, opts)
		},
	}
	addFileFlag(cmd, &opts.file)
	return cmd
}

func runValidate(_ context.Context, d Deps, opts validateOptions) error {
	m, err := model.Load(opts.file)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.Stdout, "%s is valid: %s\n", opts.file, summary(m))
	return nil
}

func summary(m *model.Model) string {
	return fmt.Sprintf("%d accounts, %d users, %d groups, %d permission sets, %d assignments, %d roles",
		len(m.Accounts), len(m.Users), len(m.Groups), len(m.PermissionSets), len(m.Assignments), len(m.Roles))
}

func addFileFlag(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVarP(file, "file", "f", model.DefaultFile, "access model file")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
}
