package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/applylock"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/render"
)

type applyOptions struct {
	file        string
	planFile    string
	autoApprove bool
	prune       bool
	lock        bool
	forceUnlock bool
	aws         awsOptions
}

func newApplyCmd(d Deps) *cobra.Command {
	var opts applyOptions
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE] [-f FILE] [--auto-approve] [--prune] [--lock=false] [--force-unlock]",
		Short: "Make Identity Center and IAM roles match the model",
		Long: `Apply makes IAM Identity Center match the access model.

Without PLANFILE it plans as 'gatehouse plan' does, shows the plan and asks for
confirmation on a terminal; --auto-approve skips the question (for CI). When stdin is
not a terminal and --auto-approve is not given, apply refuses to change anything.

With PLANFILE (saved by 'gatehouse plan -out PLANFILE') it applies exactly that plan,
without asking: it refuses a plan file edited after it was saved (its digest no longer
matches), re-reads Identity Center and refuses the plan if anything changed since it
was made.

Changes run in dependency order: users and groups, memberships, permission sets and
their policies, provisioning of changed permission sets to the accounts that are out
of date, assignments to create, then assignments to delete (create before delete, so
that a change of principal never deletes and re-creates an AWSReservedSSO role), then
permission sets, groups and users to delete. IAM comes first and last: SAML providers,
then roles in trust order (a role that a tightened trust names is created before the
role trusting it) before Identity Center; roles, then SAML providers, deleted after it.
After a successful apply, the attribute-mapping value of each SAML application is
printed (paste it into Identity Center; no API does it). Conflicts (roles made by hand
that the model names) are left alone and make apply exit 1 after everything else.
Identity Center's quotas are kept: about 20 calls per second, at most 15 assignments
being created and 3 permission sets being provisioned at once, one change per account
and permission set at a time.

A change that fails is reported and the rest goes on where it can; apply then exits 1
with a summary. An interrupted apply (Ctrl-C, a crash, a lost connection) leaves
nothing half-done that the next 'gatehouse apply' does not finish, and never creates
anything twice.

Only one apply runs at a time on an Identity Center instance: apply takes a lock
before it reads AWS and holds it until it ends. The lock is a file on this machine
(released by the OS when the process ends, however it ends) and an IAM role named
gatehouse-apply-lock-<instance> in the account of the credentials, renewed while the
apply runs and deleted at its end. Another apply meanwhile is refused, naming the
holder, since when and from where. A lock left by a killed apply never blocks the
next one: a holder whose process is gone from this machine is taken over, and one
on another machine lapses 5 minutes after its last renewal; --force-unlock removes
it at once. --lock=false takes the file lock only (no IAM permission needed), so
an apply from another machine could run at the same time.

--prune also deletes unmanaged objects (not in the model and not created by
gatehouse); they are listed before the question.`,
		Example: `  # plan, review, confirm
  gatehouse apply

  # in CI
  gatehouse apply --auto-approve

  # apply a reviewed plan; refused if Identity Center changed since
  gatehouse plan -out tonight.plan
  gatehouse apply tonight.plan

  # remove the lock of an apply that died on a machine that is gone
  gatehouse apply --force-unlock`,
		GroupID:            "admin",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseFlags(cmd, args, 1); err != nil {
				return err
			}
			if cmd.Flags().NArg() == 1 {
				opts.planFile = cmd.Flags().Arg(0)
				for _, f := range []string{"file", "prune"} {
					if f == "file" && opts.forceUnlock {
						continue
					}
					if cmd.Flags().Changed(f) {
						return usageError{fmt.Errorf("--%s cannot be used with a saved plan: it is decided when the plan is made (gatehouse plan --%s ... -out PLANFILE)", f, f)}
					}
				}
			}
			return runApply(cmd.Context(), d, opts)
		},
	}
	addFileFlag(cmd, &opts.file)
	cmd.Flags().BoolVar(&opts.autoApprove, "auto-approve", false, "apply without asking for confirmation")
	cmd.Flags().BoolVar(&opts.prune, "prune", false, "also delete unmanaged objects (listed before the question)")
	cmd.Flags().BoolVar(&opts.lock, "lock", true, "take the apply lock in AWS too (an IAM role); false: only the lock of this machine")
	cmd.Flags().BoolVar(&opts.forceUnlock, "force-unlock", false, "remove the apply lock in AWS of an apply that is dead, then exit (applies nothing)")
	addAWSFlags(cmd, &opts.aws)
	return cmd
}

func runApply(ctx context.Context, d Deps, opts applyOptions) error {
	if opts.forceUnlock {
		return forceUnlock(ctx, d, opts)
	}
	if opts.planFile != "" {
		return applySaved(ctx, d, opts)
	}
	// The model first: a missing or broken file is the problem to report,
	// whoever would be asked to confirm.
	m, err := model.Load(opts.file)
	if err != nil {
		return err
	}
	if !opts.autoApprove && !d.StdinTTY {
		return hint.New("refusing to apply without confirmation: stdin is not a terminal",
			"review the changes with `gatehouse plan`, then run `gatehouse apply --auto-approve`, or apply a saved plan: `gatehouse apply PLANFILE`")
	}
	popts, err := pipelineOptions(ctx, d, opts.aws, m.IdentityCenter.Region)
	if err != nil {
		return err
	}
	popts.Lock = lockOptions(d, opts)
	pl, err := pipeline.Plan(ctx, m, popts, opts.prune)
	finishProgress(d, popts)
	if err != nil {
		return err
	}
	defer unlock(d, pl.Live)
	noteUnreachable(d, pl.Plan.Scope.IAM)
	p := pl.Plan
	if err := render.Plan(d.Stdout, p, render.PlanOptions{Color: useColor(d)}); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	if p.Empty() {
		return afterApply(d, p)
	}
	if !opts.autoApprove {
		if err := confirm(d, p); err != nil {
			return err
		}
	}
	return execute(ctx, d, p, pl.Live)
}

// confirm asks the person at the terminal to type yes.
func confirm(d Deps, p *plan.Plan) error {
	if pruned := p.Pruned(); len(pruned) > 0 {
		fmt.Fprintf(d.Stderr, "\n--prune will delete these %d unmanaged objects:\n", len(pruned))
		for _, c := range pruned {
			fmt.Fprintf(d.Stderr, "  - %s\n", c.Address)
		}
	}
	fmt.Fprintf(d.Stderr, "\nApply these %d changes to Identity Center %s? Only 'yes' is accepted: ", p.Summary.Total(), p.Target.InstanceARN)
	answer, err := bufio.NewReader(d.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if strings.TrimSpace(answer) != "yes" {
		return hint.WithExitCode(hint.New("apply cancelled: nothing was changed", "type yes to apply"), ExitError)
	}
	return nil
}

// applySaved applies a plan file after checking that Identity Center is as
// it was when the plan was made.
func applySaved(ctx context.Context, d Deps, opts applyOptions) error {
	data, err := os.ReadFile(opts.planFile)
	if err != nil {
		return hint.Wrap(fmt.Errorf("reading the plan: %w", err), "save a plan with `gatehouse plan -out FILE`")
	}
	p, err := plan.Unmarshal(data)
	if err != nil {
		return err
	}
	popts, err := pipelineOptions(ctx, d, opts.aws, p.Target.Region)
	if err != nil {
		return err
	}
	popts.Lock = lockOptions(d, opts)
	live, err := pipeline.Reread(ctx, p, opts.planFile, popts)
	finishProgress(d, popts)
	if err != nil {
		return err
	}
	defer unlock(d, live)
	if p.Empty() {
		fmt.Fprintln(d.Stderr, "The plan has no changes: nothing to apply.")
		return afterApply(d, p)
	}
	fmt.Fprintf(d.Stderr, "Applying %s: %s\n", opts.planFile, render.PlanSummary(p.Summary))
	return execute(ctx, d, p, live)
}

// execute runs the plan, reporting progress on stderr, and returns an error
// summarizing what failed.
func execute(ctx context.Context, d Deps, p *plan.Plan, live *pipeline.Live) error {
	start, callsBefore := d.Now(), live.IC.Stats().Total()
	prog := &progress{w: d.Stderr, tty: d.StderrTTY}
	res := pipeline.Apply(ctx, p, live, prog.event)
	prog.finish()
	if ctx.Err() != nil {
		fmt.Fprintf(d.Stderr, "Interrupted after %d of %d changes; run `gatehouse apply` again to finish.\n", res.Count(apply.Done), len(res.Outcomes))
		return ctx.Err()
	}
	if err := live.LockErr(); err != nil {
		return fmt.Errorf("apply stopped after %d of %d changes: %w", res.Count(apply.Done), len(res.Outcomes), err)
	}
	if err := res.Err(); err != nil {
		return err
	}
	elapsed := d.Now().Sub(start).Round(100 * time.Millisecond)
	fmt.Fprintf(d.Stderr, "Apply complete: %d changes in %s (%d AWS calls).\n", res.Count(apply.Done), elapsed, live.IC.Stats().Total()-callsBefore)
	return afterApply(d, p)
}

// progress shows apply's progress: a bar redrawn in place on a terminal,
// one line per change otherwise (logs, CI).
type progress struct {
	w     io.Writer
	tty   bool
	drawn bool
}

func (p *progress) event(e apply.Event) {
	line := fmt.Sprintf("[%d/%d] %s %s", e.Finished, e.Total, e.Change.Action.Symbol(), e.Change.Address)
	if e.Status != apply.Done {
		line += fmt.Sprintf(": %s: %v", e.Status, e.Err)
	}
	if !p.tty {
		fmt.Fprintln(p.w, "apply: "+line)
		return
	}
	if e.Status != apply.Done {
		fmt.Fprintf(p.w, "\r\x1b[K%s\n", line)
	}
	const width = 30
	filled := width * e.Finished / max(e.Total, 1)
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), e.Finished, e.Total, e.Change.Address)
	p.drawn = true
}

func (p *progress) finish() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// lockOptions say where apply keeps this machine's lock files (gatehouse's
// cache directory, as the engineer commands resolve it; a private
// directory under the system's temporary one when there is no home) and
// whether it takes the lock in AWS too.
func lockOptions(d Deps, opts applyOptions) *pipeline.LockOptions {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("gatehouse-%d", os.Getuid()))
	if p, err := enginePaths(d.Getenv); err == nil {
		dir = p.State
	}
	if !opts.lock {
		fmt.Fprintln(d.Stderr, "warning: --lock=false: the apply lock is taken on this machine only; an apply from another machine could run at the same time and leave duplicates")
	}
	return &pipeline.LockOptions{
		Dir:      filepath.Join(dir, "locks"),
		NoRemote: !opts.lock,
		Notify:   func(msg string) { fmt.Fprintln(d.Stderr, "apply: "+msg) },
	}
}

// unlock releases the apply lock, even after Ctrl-C, and says so when it
// cannot: the lock then lapses by itself.
func unlock(d Deps, live *pipeline.Live) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := live.Unlock(ctx); err != nil {
		fmt.Fprintf(d.Stderr, "warning: the apply lock was not removed: %v\nhint: it lapses by itself within %s; `gatehouse apply --force-unlock` removes it now\n",
			err, applylock.DefaultTTL)
	}
}

// forceUnlock removes the apply lock in AWS of the model's (or the saved
// plan's) Identity Center, whoever holds it.
func forceUnlock(ctx context.Context, d Deps, opts applyOptions) error {
	var region, instance, store string
	if opts.planFile != "" {
		data, err := os.ReadFile(opts.planFile)
		if err != nil {
			return fmt.Errorf("reading the plan: %w", err)
		}
		p, err := plan.Unmarshal(data)
		if err != nil {
			return err
		}
		region, instance, store = p.Target.Region, p.Target.InstanceARN, p.Target.IdentityStoreID
	} else {
		m, err := model.Load(opts.file)
		if err != nil {
			return err
		}
		region, instance, store = m.IdentityCenter.Region, m.IdentityCenter.InstanceARN, m.IdentityCenter.IdentityStoreID
	}
	popts, err := pipelineOptions(ctx, d, opts.aws, region)
	if err != nil {
		return err
	}
	h, found, err := pipeline.ForceUnlock(ctx, instance, store, popts)
	if err != nil {
		return err
	}
	if !found {
		fmt.Fprintln(d.Stderr, "No apply lock was held: nothing to remove.")
		return nil
	}
	fmt.Fprintf(d.Stderr, "Removed the apply lock held %s. If that apply still runs, it stops at its next heartbeat.\n", h.Describe(d.Now()))
	return nil
}
