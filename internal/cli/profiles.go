package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

type profilesOptions struct {
	reach             reachOptions
	dryRun            bool
	template          string
	region            string
	credentialProcess bool
	processCommand    string
}

func newProfilesCmd(d Deps) *cobra.Command {
	var opts profilesOptions
	cmd := &cobra.Command{
		Use:   "profiles [--dry-run]",
		Short: "Write an AWS profile for every account and role you can reach",
		Long: `Profiles writes, to ~/.aws/config (or $AWS_CONFIG_FILE), the [sso-session] you logged
in with and one profile per account and role you can reach, so that
` + "`aws --profile NAME`" + `, the SDKs and Terraform just work:

  [profile production/ReadOnly]
  sso_session = acme
  sso_account_id = 333333333333
  sso_role_name = ReadOnly
  region = eu-west-1

Accounts of other organizations reached through a hop permission set (see list) get a
chained profile (source_profile + role_arn) that the AWS CLI and SDKs assume for you.

Everything gatehouse writes sits between two marker comments; every byte outside them
is kept as it is. Each run replaces the block, so profiles you lost access to go away.
The write is atomic, locked against concurrent runs, and the previous file is kept in
config.gatehouse.bak. --dry-run prints the change as a unified diff and writes nothing.

Names come from --template, a Go template over .AccountName .AccountID .RoleName
.Session .External (default "{{.AccountName}}/{{.RoleName}}"); characters other than
letters, digits and . _ - / @ + = , : become "-". Two profiles with one name, or a
name already used outside the block, is an error.

--credential-process writes profiles that run ` + "`gatehouse credential-process`" + ` instead:
needed with --token-store keychain, and a fast cache for tools that start often.`,
		Example: `  gatehouse profiles --dry-run
  gatehouse profiles
  gatehouse profiles -f gatehouse.yaml --template '{{.AccountName}}.{{.RoleName}}'
  gatehouse profiles --credential-process`,
		GroupID: "engineer",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runProfiles(cmd.Context(), d, opts)
		},
	}
	addReachFlags(cmd, &opts.reach)
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "print the change as a unified diff; write nothing")
	cmd.Flags().StringVar(&opts.template, "template", credentials.DefaultTemplate, "profile name template")
	cmd.Flags().StringVar(&opts.region, "default-region", "", "the region key of every profile (default: Identity Center's region)")
	cmd.Flags().BoolVar(&opts.credentialProcess, "credential-process", false, "write credential_process profiles that call gatehouse")
	cmd.Flags().StringVar(&opts.processCommand, "process-command", "", "the binary credential_process runs, gatehouse or gatehouse-credential-process (default: gatehouse-credential-process next to this binary, else on PATH)")
	return cmd
}

func runProfiles(ctx context.Context, d Deps, opts profilesOptions) error {
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	r, err := e.reach(ctx, opts.reach)
	if err != nil {
		return err
	}
	popts := credentials.ProfileOptions{Session: r.session, Template: opts.template, Region: opts.region}
	if len(r.externals) > 0 {
		// Chained profiles name their sessions after the Identity Center
		// user, whom the credentials of any of their roles name.
		hop := r.externals[0].Via
		if popts.UserName, err = e.resolver.UserName(ctx, r.session, hop.AccountID, hop.RoleName); err != nil {
			return fmt.Errorf("learning your Identity Center user name for the chained profiles: %w", err)
		}
	}
	if opts.credentialProcess || opts.processCommand != "" {
		if popts.ProcessCommand, err = processCommand(d, opts.processCommand); err != nil {
			return err
		}
	}

	if popts.ProcessCommand == "" && e.tokens.InKeychain(r.session) {
		fmt.Fprintf(d.Stderr, "Note: the token of %s is in the OS keychain, which the AWS CLI and SDKs cannot read: "+
			"their sso_session profiles will ask for `aws sso login`. `gatehouse profiles --credential-process` writes profiles that work.\n", r.session)
	}
	var made []credentials.GeneratedProfile
	change := func(cur []byte) ([]byte, error) {
		f := awsconfig.Parse(cur)
		sess, defined := f.SSOSession(r.session.Name)
		popts.WriteSession = !defined || sess.Managed
		sections, m, err := credentials.BuildProfiles(r.inventory.Accounts, r.externals, popts)
		if err != nil {
			return nil, err
		}
		made = m
		if clash := credentials.Collisions(f, sections); len(clash) > 0 {
			return nil, hint.New(fmt.Sprintf("%s already has profile%s %s outside gatehouse's block", e.paths.Config, plural(len(clash)), strings.Join(clash, ", ")),
				"rename or remove those profiles, or choose another --template")
		}
		body, err := awsconfig.Render(sections)
		if err != nil {
			return nil, err
		}
		next, err := awsconfig.ReplaceManaged(cur, body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.paths.Config, err) // "config: line 12: ..."
		}
		return next, nil
	}

	if opts.dryRun {
		cur, err := os.ReadFile(e.paths.Config)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("reading the AWS config file: %w", err)
		}
		next, err := change(cur)
		if err != nil {
			return err
		}
		diff := awsconfig.Diff(e.paths.Config, cur, next)
		if diff == "" {
			fmt.Fprintf(d.Stderr, "%s is up to date (%d profiles).\n", e.paths.Config, len(made))
			return nil
		}
		fmt.Fprint(d.Stdout, diff)
		return nil
	}
	res, err := awsconfig.Update(ctx, e.paths.Config, change)
	if err != nil {
		return err
	}
	added, removed := managedChanges(res.Old, res.New)
	if !res.Changed {
		fmt.Fprintf(d.Stderr, "%s is up to date (%d profiles).\n", res.Path, len(made))
		return nil
	}
	fmt.Fprintf(d.Stderr, "Wrote %d profiles to %s (%d new, %d removed)", len(made), res.Path, len(added), len(removed))
	if res.Backup != "" {
		fmt.Fprintf(d.Stderr, "; the previous file is in %s", res.Backup)
	}
	fmt.Fprintln(d.Stderr, ".")
	for _, n := range removed {
		fmt.Fprintf(d.Stderr, "  - %s\n", n)
	}
	for _, n := range added {
		fmt.Fprintf(d.Stderr, "  + %s\n", n)
	}
	return nil
}

// managedChanges compares the managed profiles of two versions of the file.
func managedChanges(old, new []byte) (added, removed []string) {
	names := func(data []byte) map[string]bool {
		m := map[string]bool{}
		for _, s := range awsconfig.Parse(data).Sections() {
			if s.Managed && s.Kind == awsconfig.KindProfile {
				m[s.Name] = true
			}
		}
		return m
	}
	o, n := names(old), names(new)
	for k := range n {
		if !o[k] {
			added = append(added, k)
		}
	}
	for k := range o {
		if !n[k] {
			removed = append(removed, k)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

// processCommand returns the start of the credential_process lines: the
// given command, else the companion gatehouse-credential-process found
// next to this binary or on PATH (it answers cache hits without starting
// gatehouse), else this binary's own credential-process command.
func processCommand(d Deps, given string) (string, error) {
	if given != "" {
		return credentials.ProcessCommand(given), nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the gatehouse binary for credential_process: %w", err)
	}
	if p, err := filepath.EvalSymlinks(self); err == nil {
		self = p
	}
	name := credcache.CompanionName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if c := filepath.Join(filepath.Dir(self), name); isExecutable(c) {
		return credentials.ProcessCommand(c), nil
	}
	if c, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(c); err == nil {
			return credentials.ProcessCommand(abs), nil
		}
	}
	fmt.Fprintf(d.Stderr, "Note: %s is neither next to %s nor on PATH: the profiles run `gatehouse credential-process`, "+
		"which answers from the cache about 3x slower. Install both binaries side by side.\n", name, self)
	return credentials.ProcessCommand(self), nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && (runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0)
}
