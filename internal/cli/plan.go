package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/render"
)

var planFormats = []string{"human", "json"}

type planOptions struct {
	file             string
	out              string
	output           string
	detailedExitcode bool
	prune            bool
	aws              awsOptions
}

func newPlanCmd(d Deps) *cobra.Command {
	var opts planOptions
	cmd := &cobra.Command{
		Use:   "plan [-f FILE] [-out PLANFILE] [--detailed-exitcode] [--output human|json] [--prune]",
		Short: "Show what apply would change in Identity Center and IAM to match the model",
		Long: `Plan reads the access model, AWS Organizations and IAM Identity Center (users,
groups, memberships, permission sets with every attribute, every account
assignment) and IAM in every account (the roles and SAML providers of the model and
the ones gatehouse made) and prints the changes that would make AWS match the
model. Nothing in AWS is changed.

Each change has a stable address and an action:
  +    create    user/alice, group/Engineers, membership/Engineers/alice
  ~    update    permission_set/ReadOnly (the attributes that change are listed)
  -    delete    assignment/333333333333/ReadOnly/group:Engineers
  -/+  replace
  provision/ReadOnly/333333333333 pushes a changed permission set to an account.
  role/333333333333/EngineerAccess and saml_provider/444444444444/AWSIdentityCenter
  are IAM objects (docs/cross-account.md); a trust policy whose principal became a
  bare AROA... unique ID is flagged with a note saying how to fix it.

gatehouse manages what the model names and the permission sets it created. An
assignment of a managed permission set that the model does not make (one made by
hand in the console, say) is drift and planned for deletion. Anything else is listed
as unmanaged and left alone; --prune plans to delete it. A role or SAML provider the
model names that gatehouse did not make is a conflict: listed, never changed (set
adopt: true on a role to take it over).

-out PLANFILE saves the plan (JSON, mode 0600) for 'gatehouse apply PLANFILE',
which refuses it if Identity Center changed since. --output json prints the same
JSON on stdout (schema: docs/plan-apply.md). --detailed-exitcode exits 0 when there
is nothing to change, 2 when there are changes or conflicts, 1 on error.`,
		Example: `  # what would change
  gatehouse plan

  # save it, review it, apply exactly it
  gatehouse plan -out tonight.plan
  gatehouse apply tonight.plan

  # in CI: tell drift (exit 2) from errors (exit 1)
  gatehouse plan --detailed-exitcode; status=$?
  [ $status -eq 2 ] && echo "AWS differs from the model"

  # every assignment to delete, for a script
  gatehouse plan --output json | jq -r '.changes[] | select(.kind=="assignment" and .action=="delete") | .address'`,
		GroupID: "admin",
		// Flags are parsed in RunE so that terraform's single-dash -out works.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseFlags(cmd, args, 0); err != nil {
				return err
			}
			return runPlan(cmd.Context(), d, opts)
		},
	}
	addFileFlag(cmd, &opts.file)
	cmd.Flags().StringVar(&opts.out, "out", "", "save the plan to `FILE`, for gatehouse apply FILE (also -out)")
	cmd.Flags().StringVar(&opts.output, "output", "human", "output format: human or json")
	cmd.Flags().BoolVar(&opts.detailedExitcode, "detailed-exitcode", false, "exit 0 when there are no changes, 2 when there are, 1 on error")
	cmd.Flags().BoolVar(&opts.prune, "prune", false, "plan to delete unmanaged objects too (assignments, permission sets, users, groups)")
	addAWSFlags(cmd, &opts.aws)
	return cmd
}

// parseFlags parses a command's flags itself (DisableFlagParsing), accepting
// terraform's single-dash -out, and checks that at most maxArgs positional
// arguments remain.
func parseFlags(cmd *cobra.Command, args []string, maxArgs int) error {
	var fixed []string
	for i, a := range args {
		if a == "--" {
			fixed = append(fixed, args[i:]...)
			break
		}
		if a == "-out" || strings.HasPrefix(a, "-out=") {
			a = "-" + a
		}
		fixed = append(fixed, a)
	}
	err := cmd.Flags().Parse(fixed)
	if err != nil && !errors.Is(err, pflag.ErrHelp) {
		return usageError{err}
	}
	if help, _ := cmd.Flags().GetBool("help"); help || err != nil {
		if herr := cmd.Help(); herr != nil {
			return herr
		}
		return hint.WithExitCode(errSilent, ExitOK)
	}
	if n := cmd.Flags().NArg(); n > maxArgs {
		return usageError{fmt.Errorf("%s takes at most %d argument(s), got %d: %s", cmd.Name(), maxArgs, n, strings.Join(cmd.Flags().Args(), " "))}
	}
	return nil
}

func runPlan(ctx context.Context, d Deps, opts planOptions) error {
	if !slices.Contains(planFormats, opts.output) {
		return usageError{fmt.Errorf("--output %q is not a format plan writes: use human or json", opts.output)}
	}
	pl, err := computePlan(ctx, d, opts.file, opts.aws, opts.prune)
	if err != nil {
		return err
	}
	p := pl.Plan
	if opts.output == "json" {
		err = render.PlanJSON(d.Stdout, p)
	} else {
		err = render.Plan(d.Stdout, p, render.PlanOptions{Color: useColor(d)})
	}
	if err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	if opts.out != "" {
		data, err := plan.Marshal(p)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(opts.out, data, 0o600); err != nil {
			return hint.Wrap(fmt.Errorf("saving the plan: %w", err), "check that the directory exists and is writable")
		}
		fmt.Fprintf(d.Stderr, "Saved the plan to %s. Apply exactly it with: gatehouse apply %s\n", opts.out, opts.out)
	}
	if opts.detailedExitcode && (!p.Empty() || len(p.Conflicts) > 0) {
		return hint.WithExitCode(errSilent, ExitChanges)
	}
	return nil
}

// computePlan loads the model and has the pipeline read AWS and diff; the
// notes and progress of the read go to stderr.
func computePlan(ctx context.Context, d Deps, file string, ao awsOptions, prune bool) (*pipeline.Planned, error) {
	m, err := model.Load(file)
	if err != nil {
		return nil, err
	}
	opts, err := pipelineOptions(ctx, d, ao, m.IdentityCenter.Region)
	if err != nil {
		return nil, err
	}
	pl, err := pipeline.Plan(ctx, m, opts, prune)
	finishProgress(d, opts)
	if err != nil {
		return nil, err
	}
	noteUnreachable(d, pl.Plan.Scope.IAM)
	return pl, nil
}

// useColor reports whether stdout wants ANSI colours: a terminal, and no
// NO_COLOR (https://no-color.org).
func useColor(d Deps) bool {
	return d.StdoutTTY && d.Getenv("NO_COLOR") == "" && d.Getenv("TERM") != "dumb"
}
