package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/render"
)

var auditFormats = []string{"table", "json", "csv", "html"}

type auditOptions struct {
	file   string
	filter audit.Filter
	from   string
	output string
	out    string
	failOn string
	aws    awsOptions
}

func newAuditCmd(d Deps) *cobra.Command {
	var opts auditOptions
	cmd := &cobra.Command{
		Use:   "audit [-f MODEL] [--principal NAME] [--account NAME|ID] [--role ARN] [--from live|model] [--output table|json|csv|html] [--out FILE] [--fail-on SEVERITY]",
		Short: "Show who can really reach which account and role, by which path, and weak trust",
		Long: `Audit answers "who can reach production, and how?" from what AWS really holds,
not from what the model intends: a permission set made by hand and assigned in the
console shows up, and so does a role someone edited to trust a vendor.

It reads the organization and its SCPs, Identity Center (users, groups and their
members, every permission set and assignment) and IAM in every account gatehouse can
enter (member accounts through identity_center.provisioning_role, external accounts
through admin_role or admin_profile): roles with their trust and identity policies
and boundaries, AWSReservedSSO roles included, IAM users and groups. Then it follows
every path: a person is a member of a group, the group is assigned a permission set
in an account (its AWSReservedSSO role), and that role may assume other roles,
across accounts and organizations, to the end of the chain. Each "may assume" is
decided by gatehouse's policy evaluator on both sides: the caller's identity
policies, boundary and SCPs, and the target's trust policy (see 'gatehouse
simulate'). What the audit cannot know (an sts:ExternalId, MFA, a source IP)
makes a step conditional, and the report names those condition keys.

One row per (person or outside principal, account, role reached) gives the path,
the decision (allowed or conditional), the unknown conditions, whether the path
chains roles (sessions capped at one hour) and whether the model grants every step
(managed) or some of it was made by hand. Findings lint every trust and identity
policy (public roles, third parties without ExternalId, dangling principals, ...)
and list access granted outside the model. docs/audit.md describes the graph, the
rules and the formats.

--from model audits the model alone, offline: no AWS call. Roles the model makes
and AWSReservedSSO roles of its assignments are shown; the suffix AWS gives an
AWSReservedSSO role is unknown, so those ARNs end in "*". AWS managed policies are
not read offline: access that depends on one is conditional on a key that names it.

Formats: table (for people), json (a stable document, docs/audit.md), csv (the
access review a reviewer signs: one line per row, three empty review columns), html
(one self-contained page: people x accounts, click a cell for its paths, findings
with filters). Without --out the report goes to stdout; --out writes the file (mode
0600: it says who can reach what).

--fail-on SEVERITY (critical, high, medium, low, info) exits 2 when a finding of that
severity or worse exists, after writing the report: for CI.`,
		Example: `  # who can reach production, and how
  gatehouse audit --account production

  # everything alice can reach
  gatehouse audit --principal alice

  # the review spreadsheet for this quarter
  gatehouse audit --output csv --out access-review.csv

  # the report page to hand over
  gatehouse audit --output html --out audit.html

  # in CI: fail on high or critical findings, keep the JSON
  gatehouse audit --output json --out audit.json --fail-on high

  # offline, from the model alone
  gatehouse audit --from model`,
		GroupID: "admin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAudit(cmd.Context(), d, opts)
		},
	}
	addFileFlag(cmd, &opts.file)
	cmd.Flags().StringVar(&opts.filter.Principal, "principal", "", "only rows of this principal: an Identity Center user name, an IAM ARN or an account ID")
	cmd.Flags().StringVar(&opts.filter.Account, "account", "", "only rows and findings of this account: its model name or 12-digit ID")
	cmd.Flags().StringVar(&opts.filter.Role, "role", "", "only rows reaching this role, and its findings: the role ARN")
	cmd.Flags().StringVar(&opts.from, "from", "live", "live (read AWS) or model (the model alone, offline)")
	addOutputFlag(cmd, &opts.output, auditFormats...)
	cmd.Flags().StringVar(&opts.out, "out", "", "write the report to `FILE` (mode 0600) instead of stdout")
	cmd.Flags().StringVar(&opts.failOn, "fail-on", "", "exit 2 when a finding of this `SEVERITY` or worse exists: critical, high, medium, low or info")
	addAWSFlags(cmd, &opts.aws)
	return cmd
}

func runAudit(ctx context.Context, d Deps, opts auditOptions) error {
	if err := checkOutput("audit", opts.output, auditFormats...); err != nil {
		return err
	}
	if opts.from != "live" && opts.from != "model" {
		return usageError{fmt.Errorf("--from %q: use live or model", opts.from)}
	}
	if opts.failOn != "" && audit.SeverityRank(opts.failOn) < 0 {
		return usageError{fmt.Errorf("--fail-on %q is not a severity: use %s", opts.failOn, strings.Join(audit.Severities, ", "))}
	}
	m, err := model.Load(opts.file)
	if err != nil {
		return err
	}
	var in *audit.Input
	if opts.from == "model" {
		if in, err = audit.FromModel(m); err != nil {
			return err
		}
	} else {
		popts, err := pipelineOptions(ctx, d, opts.aws, m.IdentityCenter.Region)
		if err != nil {
			return err
		}
		in, err = pipeline.ReadAudit(ctx, m, popts)
		finishProgress(d, popts)
		if err != nil {
			return err
		}
		noteUnread(d, in)
	}
	rep := audit.Run(in, opts.filter)
	var buf bytes.Buffer
	if err := writeAudit(&buf, d, rep, opts); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if opts.out == "" {
		if _, err := d.Stdout.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	} else {
		if err := atomicfile.Write(opts.out, buf.Bytes(), 0o600); err != nil {
			return hint.Wrap(fmt.Errorf("saving the report: %w", err), "check that the directory exists and is writable")
		}
		fmt.Fprintf(d.Stderr, "Wrote %s: %d access rows, %d findings.\n", opts.out, len(rep.Access), len(rep.Findings))
	}
	if opts.failOn != "" {
		if worst := rep.Worst(); worst != "" && audit.SeverityRank(worst) <= audit.SeverityRank(opts.failOn) {
			fmt.Fprintf(d.Stderr, "audit: %s finding(s) at %s or worse (--fail-on %s)\n", countAtLeast(rep, opts.failOn), opts.failOn, opts.failOn)
			return hint.WithExitCode(errSilent, ExitAct)
		}
	}
	return nil
}

func writeAudit(w io.Writer, d Deps, rep *audit.Report, opts auditOptions) error {
	switch opts.output {
	case "json":
		return render.AuditJSON(w, rep)
	case "csv":
		return render.AuditCSV(w, rep)
	case "html":
		return render.AuditHTML(w, rep, render.AuditHTMLOptions{Title: "gatehouse audit", Generated: d.Now()})
	}
	return render.AuditTable(w, rep, render.AuditTableOptions{Color: opts.out == "" && useColor(d)})
}

func countAtLeast(rep *audit.Report, sev string) string {
	n := 0
	for _, f := range rep.Findings {
		if audit.SeverityRank(f.Severity) <= audit.SeverityRank(sev) {
			n++
		}
	}
	return fmt.Sprint(n)
}

// noteUnread says which accounts' IAM the audit could not read: principals
// there are treated as outside.
func noteUnread(d Deps, in *audit.Input) {
	if len(in.Unread) == 0 {
		return
	}
	fmt.Fprintln(d.Stderr, "note: gatehouse cannot enter these accounts; their roles are not audited and their principals count as outside:")
	ids := make([]string, 0, len(in.Unread))
	for id := range in.Unread {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(d.Stderr, "  %s: %s\n", id, in.Unread[id])
	}
}
