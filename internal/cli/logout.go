package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

type logoutOptions struct {
	session sessionOptions
}

func newLogoutCmd(d Deps) *cobra.Command {
	var opts logoutOptions
	cmd := &cobra.Command{
		Use:   "logout [--sso-session NAME]",
		Short: "Sign out: revoke the token and remove it and every cached credential",
		Long: `Logout signs you out of IAM Identity Center: it revokes the access token at the portal
(so it stops working everywhere, including in the AWS CLI), removes it from the cache
(or the OS keychain), and removes the role credentials and account listing gatehouse
cached for the session. Your next command that needs AWS asks you to log in.`,
		Example: `  gatehouse logout
  gatehouse logout --sso-session acme`,
		GroupID: "engineer",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogout(cmd.Context(), d, opts)
		},
	}
	addSessionFlags(cmd, &opts.session)
	return cmd
}

func runLogout(ctx context.Context, d Deps, opts logoutOptions) error {
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	s, err := e.session(opts.session)
	if err != nil {
		return err
	}
	tok, err := e.tokens.Load(s)
	var lr *ssologin.LoginRequiredError
	switch {
	case errors.As(err, &lr):
		fmt.Fprintf(d.Stderr, "No token for %s: nothing to revoke.\n", s)
	case err != nil:
		return err
	case tok.Remaining(e.now()) > 0:
		_, rerr := e.clients.Portal(s.Region).Logout(ctx, &sso.LogoutInput{AccessToken: &tok.AccessToken})
		if rerr != nil {
			// The local copies go anyway: a token we cannot revoke should
			// at least not stay on disk.
			fmt.Fprintf(d.Stderr, "Could not revoke the token at the portal (%v); removing it here anyway.\n", rerr)
		}
	}
	var errs []error
	errs = append(errs, e.tokens.Remove(s))
	n, ferr := credentials.ForgetSession(e.paths.Credentials, s.Key())
	errs = append(errs, ferr, credentials.ForgetInventory(e.paths.Inventory, s))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing the cached token and credentials of %s: %w", s, err)
	}
	fmt.Fprintf(d.Stderr, "Logged out of %s; removed the token and %d cached credential%s.\n", s, n, plural(n))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
