package cli

// Shared plumbing of the engineer commands (login, logout, list, profiles,
// exec, env, credential-process, console, whoami): where files live, which
// Identity Center session a command means, and how a browser is opened.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
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

// session works out which Identity Center session a command means
// (credentials.ChooseSession): the flags, else $GATEHOUSE_SSO_SESSION, else
// the config file, else the session's cached token.
func (e *engine) session(o sessionOptions) (ssologin.Session, error) {
	f, err := e.config()
	if err != nil {
		return ssologin.Session{}, err
	}
	return credentials.ChooseSession(f, e.paths.Config, credentials.SessionChoice{
		Name: firstNonEmpty(o.name, e.d.Getenv("GATEHOUSE_SSO_SESSION")), StartURL: o.startURL, Region: o.region,
	}, e.tokenOrigin)
}

// tokenOrigin reads the start URL and region of a session's cached token.
func (e *engine) tokenOrigin(s ssologin.Session) (string, string, bool) {
	t, err := e.tokens.Load(s)
	if err != nil {
		return "", "", false
	}
	return t.StartURL, t.Region, true
}

// openBrowser opens url in the user's browser: the command in $BROWSER
// when set ("%s" stands for the URL, else it is appended; what it prints
// goes to stderr, never to stdout, which may carry data), else the
// platform's opener, whose output is dropped: without a browser, xdg-open
// repeats the URL it was given, and a console sign-in URL is a credential.
// Its failure is reported by gatehouse, without the URL.
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
		browser.Stdout, browser.Stderr = io.Discard, io.Discard
		if err := browser.OpenURL(url); err != nil {
			return fmt.Errorf("no browser could be opened here (%v)", err)
		}
		return nil
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
