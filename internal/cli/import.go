package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/identitycenter"
	"github.com/gatehouse-dev/gatehouse/internal/importer"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

type importOptions struct {
	out            string
	force          bool
	identitySource string
	instanceARN    string
	aws            awsOptions
}

func newImportCmd(d Deps) *cobra.Command {
	var opts importOptions
	cmd := &cobra.Command{
		Use:   "import [-o FILE] [--identity-source internal|external]",
		Short: "Write an access model from an existing Identity Center setup",
		Long: `Import reads IAM Identity Center (users, groups and their members, permission sets
with every attribute, every account assignment) and AWS Organizations, and writes an
access model such that 'gatehouse plan' on it shows no changes: the way to adopt an
existing setup.

The model is minimal and readable: assignments that give the same permission sets in
the same accounts are merged into one entry, accounts are named as Organizations names
them (made valid model names), and default values are left out. Selectors are never
invented: accounts are listed by name; replace lists with {ou: ...}, {tags: ...} or
all where that is what you mean, and check with 'gatehouse plan'.

Permission sets imported this way are managed from then on, but not marked as created
by gatehouse: removing one from the model later leaves it in place, unmanaged.

With --identity-source external (users and groups come from an identity provider
through SCIM) only the users and groups that assignments name are written, without
members.

The model goes to stdout, or to FILE with -o (never overwritten without --force).
Whatever could not be carried into the model (assignments in suspended accounts or
outside the organization) is listed on stderr.`,
		Example: `  gatehouse import -o gatehouse.yaml
  gatehouse plan -f gatehouse.yaml --detailed-exitcode   # 0: nothing to change

  # an Okta- or Entra-backed Identity Center
  gatehouse import --identity-source external -o gatehouse.yaml`,
		GroupID: "admin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runImport(cmd.Context(), d, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.out, "out", "o", "", "write the model to FILE instead of stdout")
	cmd.Flags().BoolVar(&opts.force, "force", false, "overwrite FILE if it exists")
	cmd.Flags().StringVar(&opts.identitySource, "identity-source", model.IdentitySourceInternal, "internal (gatehouse manages users and groups) or external (an IdP does, through SCIM)")
	cmd.Flags().StringVar(&opts.instanceARN, "instance-arn", "", "the Identity Center instance, when the credentials see more than one")
	addAWSFlags(cmd, &opts.aws)
	return cmd
}

func runImport(ctx context.Context, d Deps, opts importOptions) error {
	if opts.identitySource != model.IdentitySourceInternal && opts.identitySource != model.IdentitySourceExternal {
		return usageError{fmt.Errorf("--identity-source %q: use internal or external", opts.identitySource)}
	}
	if opts.out != "" && !opts.force {
		if _, err := os.Stat(opts.out); err == nil {
			return hint.New(fmt.Sprintf("%s exists: import does not overwrite a model", opts.out), "choose another file, or pass --force")
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checking %s: %w", opts.out, err)
		}
	}
	popts, err := pipelineOptions(ctx, d, opts.aws, "")
	if err != nil {
		return err
	}
	org, err := pipeline.ReadOrganization(ctx, nil, &popts)
	if err != nil {
		finishProgress(d, popts)
		return err
	}
	ic, err := pipeline.IdentityCenter(ctx, opts.instanceARN, "", &popts)
	if err != nil {
		finishProgress(d, popts)
		return err
	}
	external := opts.identitySource == model.IdentitySourceExternal
	live, err := pipeline.ReadIdentityCenter(ctx, ic, identitycenter.ReadScope{AllMemberships: !external}, &popts)
	finishProgress(d, popts)
	if err != nil {
		return err
	}
	res := importer.Model(live, org, importer.Options{Region: popts.AWS.Region, InstanceARN: ic.Instance.ARN, External: external})
	for _, w := range res.Warnings {
		fmt.Fprintln(d.Stderr, "warning: "+w)
	}
	if opts.out == "" {
		_, err := d.Stdout.Write(res.YAML)
		return err
	}
	if err := atomicfile.Write(opts.out, res.YAML, 0o644); err != nil {
		return hint.Wrap(err, "check that the directory exists and is writable")
	}
	fmt.Fprintf(d.Stderr, "Wrote %s: %d users, %d groups, %d permission sets, %d assignments. Check it with: gatehouse plan -f %s\n",
		opts.out, len(live.Users), len(live.Groups), len(live.PermissionSets), len(live.Assignments), opts.out)
	return nil
}
