package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

type loginOptions struct {
	session    sessionOptions
	deviceCode bool
	pkce       bool
	noBrowser  bool
	tokenStore string
	timeout    time.Duration
}

func newLoginCmd(d Deps) *cobra.Command {
	var opts loginOptions
	cmd := &cobra.Command{
		Use:   "login [--sso-session NAME | --start-url URL --region REGION]",
		Short: "Sign in to IAM Identity Center once for the CLI, the SDKs and the browser",
		Long: `Login signs you in to IAM Identity Center and caches the token exactly where and how
the AWS CLI does (~/.aws/sso/cache/<sha1 of the session name>.json, mode 0600), so one
login serves gatehouse, the AWS CLI, the SDKs and Terraform. The token is refreshed
with its refresh token before it expires, so you sign in about once a day (as long as
your Identity Center session lasts).

Two flows:
  authorization code + PKCE (--use-pkce, the default when a browser can be opened here):
      your browser opens, you approve, it redirects to a one-time listener on 127.0.0.1.
  device code (--use-device-code, the default over SSH or without a display):
      gatehouse prints a URL and a code; open the URL on any device, check the code
      matches, approve.

The session comes from --sso-session (an [sso-session] of ~/.aws/config), else
$GATEHOUSE_SSO_SESSION, else the only [sso-session] there; --start-url and --region
name a new one (called "gatehouse" unless --sso-session says otherwise), which
` + "`gatehouse profiles`" + ` then writes to ~/.aws/config.

--token-store keychain keeps the token in the OS keychain instead of the plaintext
cache. The AWS CLI and SDKs cannot read it there: use profiles written with
` + "`gatehouse profiles --credential-process`" + `, which go through gatehouse.`,
		Example: `  # First time: name the access portal
  gatehouse login --start-url https://acme.awsapps.com/start --region eu-west-1

  # Later, or with an [sso-session acme] in ~/.aws/config
  gatehouse login --sso-session acme

  # Over SSH: approve on another device
  gatehouse login --use-device-code`,
		GroupID: "engineer",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogin(cmd.Context(), d, opts)
		},
	}
	addSessionFlags(cmd, &opts.session)
	cmd.Flags().BoolVar(&opts.deviceCode, "use-device-code", false, "use the device code flow (approve on any device)")
	cmd.Flags().BoolVar(&opts.pkce, "use-pkce", false, "use the authorization code flow with PKCE (browser on this machine)")
	cmd.Flags().BoolVar(&opts.noBrowser, "no-browser", false, "print the sign-in URL instead of opening a browser")
	cmd.Flags().StringVar(&opts.tokenStore, "token-store", "file", "where to keep the token: file (the AWS CLI cache) or keychain (the OS keychain)")
	cmd.Flags().DurationVar(&opts.timeout, "timeout", 10*time.Minute, "how long to wait for the approval")
	return cmd
}

func runLogin(ctx context.Context, d Deps, opts loginOptions) error {
	if opts.deviceCode && opts.pkce {
		return usageError{fmt.Errorf("--use-device-code and --use-pkce exclude each other")}
	}
	if opts.tokenStore != "file" && opts.tokenStore != "keychain" {
		return usageError{fmt.Errorf("--token-store %q: use file or keychain", opts.tokenStore)}
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	s, err := e.session(opts.session)
	if err != nil {
		return err
	}
	keychain := opts.tokenStore == "keychain"
	if keychain && !keyringAvailable() {
		return hint.New("the OS keychain is not available here (no Secret Service, Keychain or Credential Manager answered)",
			"log in with --token-store file, or start a keyring daemon (e.g. gnome-keyring) first")
	}
	flow := ssologin.FlowDeviceCode
	switch {
	case opts.pkce:
		flow = ssologin.FlowPKCE
	case opts.deviceCode:
	case canOpenBrowser(d) && !opts.noBrowser:
		flow = ssologin.FlowPKCE
	}
	open := d.OpenBrowser
	if opts.noBrowser {
		open = nil
	}
	tok, err := e.tokens.Login(ctx, ssologin.LoginOptions{
		Session: s, Flow: flow, Open: open, Out: d.Stderr, Keychain: keychain, Timeout: opts.timeout,
	})
	if err != nil {
		return err
	}
	where := e.tokens.Files.Path(s.Key())
	if keychain {
		where = e.tokens.Keyring.Where(s.Key())
	}
	fmt.Fprintf(d.Stderr, "Logged in to %s (%s) until %s; the token is in %s.\n",
		s, s.StartURL, tok.ExpiresAt.Local().Format("2006-01-02 15:04 MST"), where)
	if tok.RefreshToken == "" {
		fmt.Fprintln(d.Stderr, "IAM Identity Center gave no refresh token: you will have to log in again when it expires.")
	}
	if f, err := e.config(); err == nil {
		next := "gatehouse profiles"
		if args := credentials.SessionArgs(f, s, d.Getenv("GATEHOUSE_SSO_SESSION"), e.tokenOrigin); args != "" {
			next += " " + args
		}
		what := "a profile for every account you can reach"
		if _, ok := f.SSOSession(s.Name); !ok {
			what = "this session and " + what
		}
		fmt.Fprintf(d.Stderr, "Next: `%s` writes %s to %s.\n", next, what, e.paths.Config)
	}
	return nil
}
