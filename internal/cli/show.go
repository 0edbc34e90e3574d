package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/render"
)

var showFormats = []string{"table", "json"}

type showOptions struct {
	file   string
	output string
	aws    awsOptions
}

func newShowCmd(d Deps) *cobra.Command {
	var opts showOptions
	cmd := &cobra.Command{
		Use:   "show [-f FILE] [--output table|json]",
		Short: "Expand the access model into who gets which permission set in which account",
		Long: `Show reads the access model and AWS Organizations (accounts, OU paths, tags) and prints
every concrete grant the model makes: principal, account, permission set, and the
assignment (file:line:col) that grants it. Nothing in AWS is changed.

Selectors are evaluated against Organizations as it is now: {ou: Workloads/Prod}
matches every active account in that OU or below it, {tags: {env: prod}} every
active account carrying the tags (and external accounts by their tags in the
model), all every active member account. Accounts of other organizations
(external: true) are marked "(external)": they are reached by role chaining
from the hub account.

The ou and tags written on a member account are expectations: when Organizations
disagrees, show lists every mismatch with its position and exits 1.

The table goes to stdout and a one-line summary to stderr. --output json writes
{"format_version": 1, "organization_id": "o-...", "rows": [...]} where each row has
principal_type ("group" or "user"), principal, account_id, account_name, external,
permission_set and assignment.

Organizations is read with the admin's AWS credentials (--profile, or the SDK's usual
chain) in identity_center.region of the model unless --region is given.`,
		Example: `  # who gets what, as a table
  gatehouse show

  # as JSON, e.g. every account the group Engineers reaches
  gatehouse show -f examples/startup.yaml --output json |
    jq -r '.rows[] | select(.principal == "Engineers") | .account_name'

  # with a named AWS profile of the management account
  gatehouse show --profile org-admin`,
		GroupID: "admin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runShow(cmd.Context(), d, opts)
		},
	}
	addFileFlag(cmd, &opts.file)
	addOutputFlag(cmd, &opts.output, showFormats...)
	addAWSFlags(cmd, &opts.aws)
	return cmd
}

// addOutputFlag adds --output (-o) with the formats a command writes, the
// first being the default, and their shell completion.
func addOutputFlag(cmd *cobra.Command, output *string, formats ...string) {
	cmd.Flags().StringVarP(output, "output", "o", formats[0], "output format: "+strings.Join(formats, ", "))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}

// checkOutput refuses an --output value that is not one of formats.
func checkOutput(cmd string, output string, formats ...string) error {
	if !slices.Contains(formats, output) {
		return usageError{fmt.Errorf("--output %q is not a format %s writes: use %s", output, cmd, strings.Join(formats, " or "))}
	}
	return nil
}

func runShow(ctx context.Context, d Deps, opts showOptions) error {
	if err := checkOutput("show", opts.output, showFormats...); err != nil {
		return err
	}
	m, err := model.Load(opts.file)
	if err != nil {
		return err
	}
	popts, err := pipelineOptions(ctx, d, opts.aws, m.IdentityCenter.Region)
	if err != nil {
		return err
	}
	org, err := pipeline.ReadOrganization(ctx, m, &popts)
	finishProgress(d, popts)
	if err != nil {
		return err
	}
	rows, err := expand.Rows(m, org)
	if err != nil {
		return err
	}
	out := render.Show{OrganizationID: org.ID, Rows: rows}
	if opts.output == "json" {
		err = render.ShowJSON(d.Stdout, out)
	} else {
		err = render.ShowTable(d.Stdout, out)
	}
	if err != nil {
		return hint.Wrap(fmt.Errorf("writing the expansion: %w", err), "check where standard output goes")
	}
	return render.ShowSummaryLine(d.Stderr, render.ShowSummary{
		Rows:           expand.SummarizeRows(rows),
		OrganizationID: org.ID,
		OrgAccounts:    len(org.Accounts),
		Calls:          popts.Stats.Snapshot().Total(),
	})
}
