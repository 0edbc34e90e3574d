package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/console"
	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

type consoleOptions struct {
	url              bool
	destination      string
	region           string
	duration         time.Duration
	browserProfile   bool
	firefoxContainer bool
}

func newConsoleCmd(d Deps) *cobra.Command {
	var opts consoleOptions
	cmd := &cobra.Command{
		Use:   "console [PROFILE]",
		Short: "Open the AWS console signed in as a profile",
		Long: `Console signs in to the AWS Management Console with the credentials of PROFILE
(through the federation endpoint: getSigninToken, then a login URL) and opens it in
your browser, or prints the URL with --url (it is a credential for 15 minutes: do not
share it). Without PROFILE on a terminal a picker lists your profiles; elsewhere the
credentials in the environment are used (e.g. inside ` + "`gatehouse exec`" + `).

Chained (external) profiles get at most an hour, and AWS refuses a --duration for them:
it is left out.

Several accounts side by side: a browser keeps one console session per cookie jar, so
give each profile its own:
  --browser-profile     launches Chromium (or $GATEHOUSE_CHROMIUM: chrome, brave, edge)
                        with a user-data directory of its own per AWS profile;
  --firefox-container   opens the URL in a Firefox container named after the profile
                        (needs the "Open external links in a container" add-on).

The federation endpoint is AWS's (signin.aws.amazon.com, or the GovCloud and China
ones by region); $GATEHOUSE_FEDERATION_ENDPOINT overrides it, e.g. for the sandbox.`,
		Example: `  gatehouse console production/ReadOnly
  gatehouse console abccorp-prod/Admin --browser-profile
  gatehouse console production/ReadOnly --destination https://console.aws.amazon.com/s3/home
  gatehouse console production/ReadOnly --url`,
		GroupID: "engineer",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConsole(cmd.Context(), d, opts, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.url, "url", false, "print the sign-in URL on stdout instead of opening it")
	f.StringVar(&opts.destination, "destination", "", "console page to open (default: the console home of the region)")
	f.StringVar(&opts.region, "region", "", "console region (default: the profile's)")
	f.DurationVar(&opts.duration, "duration", 0, "console session length, 15m to 12h (default: AWS's; ignored for chained profiles)")
	f.BoolVar(&opts.browserProfile, "browser-profile", false, "open in Chromium with a browser profile of its own for this AWS profile")
	f.BoolVar(&opts.firefoxContainer, "firefox-container", false, "open in a Firefox container named after the AWS profile")
	return cmd
}

func runConsole(ctx context.Context, d Deps, opts consoleOptions, args []string) error {
	if n := countTrue(opts.url, opts.browserProfile, opts.firefoxContainer); n > 1 {
		return usageError{fmt.Errorf("--url, --browser-profile and --firefox-container exclude each other")}
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	var (
		profile string
		creds   console.Credentials
		region  string
	)
	if len(args) == 0 && (!d.StdinTTY || !d.StderrTTY) && d.Getenv("AWS_SESSION_TOKEN") != "" {
		profile = firstNonEmpty(d.Getenv(credentials.EnvProfileVar), "environment")
		creds = console.Credentials{AccessKeyID: d.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: d.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: d.Getenv("AWS_SESSION_TOKEN")}
		region = firstNonEmpty(d.Getenv("AWS_REGION"), d.Getenv("AWS_DEFAULT_REGION"))
	} else {
		if profile, err = e.chooseProfile(args); err != nil {
			return err
		}
		c, err := e.resolver.Credentials(ctx, profile)
		if err != nil {
			return err
		}
		creds = console.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Chained: c.Chained}
		region = c.Region
	}
	if creds.Chained && opts.duration != 0 {
		fmt.Fprintln(d.Stderr, "A chained profile's console session lasts as long as its credentials (at most an hour): --duration is left out.")
	}
	loginURL, err := console.SignIn(ctx, console.Request{
		Credentials: creds, Region: firstNonEmpty(opts.region, region), Destination: opts.destination,
		Duration: opts.duration, Endpoint: d.Getenv(console.EndpointEnv),
	})
	if err != nil {
		return fmt.Errorf("signing in to the console as %s: %w", profile, err)
	}
	switch {
	case opts.url:
		_, err := fmt.Fprintln(d.Stdout, loginURL)
		return err
	case opts.browserProfile:
		bin := console.FindChromium(d.Getenv, exec.LookPath)
		if bin == "" {
			return hint.New("no Chromium-family browser found", "install chromium or set "+console.ChromiumEnv+" to your browser's binary")
		}
		argv := console.ChromiumArgs(bin, filepath.Join(e.paths.State, "browser"), profile, loginURL)
		if err := os.MkdirAll(filepath.Join(e.paths.State, "browser"), 0o700); err != nil {
			return err
		}
		c := exec.Command(argv[0], argv[1:]...)
		c.Stdout, c.Stderr = d.Stderr, d.Stderr
		if err := c.Start(); err != nil {
			return fmt.Errorf("starting %s: %w", bin, err)
		}
		go func() { _ = c.Wait() }()
		fmt.Fprintf(d.Stderr, "Opened the console of %s in %s with its own browser profile.\n", profile, filepath.Base(bin))
		return nil
	}
	target := loginURL
	if opts.firefoxContainer {
		target = console.FirefoxContainerURL(profile, loginURL)
	}
	if d.OpenBrowser == nil {
		return hint.New("no browser to open here", "pass --url and open the printed URL yourself")
	}
	if err := d.OpenBrowser(target); err != nil {
		return hint.Wrap(fmt.Errorf("opening the browser: %w", err), "pass --url and open the printed URL yourself")
	}
	fmt.Fprintf(d.Stderr, "Opened the console of %s in your browser.\n", profile)
	return nil
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
