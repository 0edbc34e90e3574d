package cli

// Shared plumbing of the engineer commands (login, logout, list, profiles,
// exec, env, credential-process, console, whoami): where files live, which
// Identity Center session a command means, and how a browser is opened.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/cli/browser"
	"github.com/spf13/cobra"
	"github.com/zalando/go-keyring"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// defaultSessionName names the sso-session of a login that gives only a
// start URL and region.
const defaultSessionName = "gatehouse"

// enginePaths resolves where the engineer commands read and write
// (credcache.Locate: the companion binary finds the same files).
func enginePaths(getenv func(string) string) (credcache.Paths, error) {
	p, err := credcache.Locate(getenv)
	if err != nil {
		return credcache.Paths{}, hint.Wrap(err, "set HOME, or AWS_CONFIG_FILE and GATEHOUSE_CACHE_DIR")
	}
	return p, nil
}

// engine holds what the engineer commands share: paths, the token manager,
// the AWS client factory and a credential resolver.
type engine struct {
	d        Deps
	paths    credcache.Paths
	clients  credentials.Clients
	tokens   *ssologin.Manager
	resolver *credentials.Resolver
}

func newEngine(d Deps) (*engine, error) {
	p, err := enginePaths(d.Getenv)
	if err != nil {
		return nil, err
	}
	clients := credentials.Clients{Getenv: d.Getenv}
	tokens := &ssologin.Manager{
		Files:        ssologin.FileStore{Dir: p.SSOCache},
		Keyring:      ssologin.KeyringStore{},
		StateDir:     p.State,
		NewOIDC:      clients.OIDC,
		AuthorizeURL: clients.AuthorizeURL,
		Now:          d.Now,
	}
	return &engine{
		d: d, paths: p, clients: clients, tokens: tokens,
		resolver: &credentials.Resolver{
			ConfigPath: p.Config, CacheDir: p.Credentials, Tokens: tokens, Clients: clients, Now: d.Now,
		},
	}, nil
}

func (e *engine) now() time.Time {
	if e.d.Now != nil {
		return e.d.Now()
	}
	return time.Now()
}

// config reads and parses the AWS config file; a missing file is empty.
func (e *engine) config() (*awsconfig.File, error) {
	data, err := os.ReadFile(e.paths.Config)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the AWS config file: %w", err)
	}
	return awsconfig.Parse(data), nil
}

// sessionOptions are the flags that choose an Identity Center session.
type sessionOptions struct {
	name     string
	startURL string
	region   string
}

func addSessionFlags(cmd *cobra.Command, o *sessionOptions) {
	cmd.Flags().StringVar(&o.name, "sso-session", "", "the [sso-session] of ~/.aws/config to use (default: $GATEHOUSE_SSO_SESSION, else the only one)")
	cmd.Flags().StringVar(&o.startURL, "start-url", "", "the AWS access portal URL, e.g. https://acme.awsapps.com/start (with --region)")
	cmd.Flags().StringVar(&o.region, "region", "", "the region of IAM Identity Center (with --start-url)")
}

// session works out which Identity Center session a command means: the
// --sso-session or $GATEHOUSE_SSO_SESSION, else the only [sso-session] of the
// config file, else (with --start-url) the one with that start URL or a new
// one named "gatehouse". Its start URL and region come from the config
// file, the flags, or the session's cached token, in that order; flags that
// contradict the config file are an error.
func (e *engine) session(o sessionOptions) (ssologin.Session, error) {
	f, err := e.config()
	if err != nil {
		return ssologin.Session{}, err
	}
	name := firstNonEmpty(o.name, e.d.Getenv("GATEHOUSE_SSO_SESSION"))
	sessions := f.SSOSessions()
	if name == "" {
		switch {
		case o.startURL != "":
			name = defaultSessionName
			for _, s := range sessions {
				if s.Value("sso_start_url") == o.startURL {
					name = s.Name
				}
			}
		case len(sessions) == 1:
			name = sessions[0].Name
		case len(sessions) > 1:
			var names []string
			for _, s := range sessions {
				names = append(names, s.Name)
			}
			sort.Strings(names)
			return ssologin.Session{}, hint.New(fmt.Sprintf("%s has several sso-sessions (%s)", e.paths.Config, strings.Join(names, ", ")),
				"choose one with --sso-session NAME or GATEHOUSE_SSO_SESSION")
		default:
			name = defaultSessionName
		}
	}
	if err := awsconfig.ValidName(name); err != nil {
		return ssologin.Session{}, hint.Wrap(fmt.Errorf("sso-session %s: %w", name, err), "choose another --sso-session name")
	}
	if _, ok := f.SSOSession(name); ok {
		s, err := credentials.SessionFromConfig(f, name)
		if err != nil {
			return ssologin.Session{}, err
		}
		if (o.startURL != "" && o.startURL != s.StartURL) || (o.region != "" && o.region != s.Region) {
			return ssologin.Session{}, hint.New(fmt.Sprintf("sso-session %s in %s has start URL %s in %s; the flags say %s in %s",
				name, e.paths.Config, s.StartURL, s.Region, firstNonEmpty(o.startURL, s.StartURL), firstNonEmpty(o.region, s.Region)),
				"drop --start-url and --region, or give another --sso-session name")
		}
		return s, nil
	}
	s := ssologin.Session{Name: name, StartURL: o.startURL, Region: o.region}
	if s.StartURL == "" || s.Region == "" {
		if t, err := e.tokens.Load(s); err == nil {
			s.StartURL = firstNonEmpty(s.StartURL, t.StartURL)
			s.Region = firstNonEmpty(s.Region, t.Region)
		}
	}
	if s.StartURL == "" || s.Region == "" {
		return ssologin.Session{}, hint.New(fmt.Sprintf("sso-session %s: no start URL and region", name),
			"give --start-url URL --region REGION (the AWS access portal URL and Identity Center's region), or add the [sso-session] to "+e.paths.Config)
	}
	return s, nil
}

// openBrowser opens url in the user's browser: the command in $BROWSER
// when set ("%s" stands for the URL, else it is appended), else the
// platform's opener. Anything the opener prints goes to stderr, never to
// stdout, which may carry data.
func openBrowser(getenv func(string) string) func(url string) error {
	return func(url string) error {
		if b := getenv("BROWSER"); b != "" {
			first, _, _ := strings.Cut(b, string(os.PathListSeparator))
			args := strings.Fields(first)
			if len(args) == 0 {
				return errors.New("BROWSER is blank")
			}
			replaced := false
			for i, a := range args {
				if strings.Contains(a, "%s") {
					args[i] = strings.ReplaceAll(a, "%s", url)
					replaced = true
				}
			}
			if !replaced {
				args = append(args, url)
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err != nil {
				return err
			}
			go func() { _ = cmd.Wait() }()
			return nil
		}
		browser.Stdout = os.Stderr
		return browser.OpenURL(url)
	}
}

// canOpenBrowser reports whether a browser on this machine can reach a
// loopback redirect: not over SSH, and on Linux only with a display or
// $BROWSER.
func canOpenBrowser(d Deps) bool {
	if d.OpenBrowser == nil {
		return false
	}
	if d.Getenv("BROWSER") != "" {
		return true
	}
	if d.Getenv("SSH_CONNECTION") != "" || d.Getenv("SSH_TTY") != "" || d.Getenv("SSH_CLIENT") != "" {
		return false
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return d.Getenv("DISPLAY") != "" || d.Getenv("WAYLAND_DISPLAY") != ""
}

// keyringAvailable reports whether the OS keychain answers.
func keyringAvailable() bool {
	_, err := keyring.Get(ssologin.KeyringService, "gatehouse-probe")
	return err == nil || errors.Is(err, keyring.ErrNotFound)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
