package ssologin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/gofrs/flock"

	"github.com/gatehouse-dev/gatehouse/internal/retry"
)

// Session is an IAM Identity Center sign-in configuration: an
// [sso-session] section of ~/.aws/config, or the start URL and region of a
// legacy profile (Name empty).
type Session struct {
	Name     string
	StartURL string
	Region   string
	// ConfiguredScopes are the sso_registration_scopes as configured, nil
	// when the key is absent (it is part of the registration cache name).
	ConfiguredScopes []string
}

// Key is the token cache key: the session name, or the start URL.
func (s Session) Key() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

// Scopes are the scopes registered: the configured ones or DefaultScopes.
func (s Session) Scopes() []string {
	if len(s.ConfiguredScopes) > 0 {
		return s.ConfiguredScopes
	}
	return DefaultScopes
}

// String names the session for messages.
func (s Session) String() string {
	if s.Name != "" {
		return fmt.Sprintf("sso-session %q", s.Name)
	}
	return "start URL " + s.StartURL
}

// LoginArgs returns the `gatehouse login` arguments that sign in to s.
func (s Session) LoginArgs() string {
	if s.Name != "" {
		return "--sso-session " + s.Name
	}
	return "--start-url " + s.StartURL + " --region " + s.Region
}

// ParseScopes splits an sso_registration_scopes value as the AWS CLI does:
// comma-separated, trimmed, empty entries dropped.
func ParseScopes(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// OIDC is the part of the SSO OIDC API that signing in uses;
// *ssooidc.Client implements it.
type OIDC interface {
	RegisterClient(ctx context.Context, in *ssooidc.RegisterClientInput, opts ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error)
	StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, opts ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error)
	CreateToken(ctx context.Context, in *ssooidc.CreateTokenInput, opts ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error)
}

// LoginRequiredError says that no usable token exists and the user has to
// sign in; it carries the command to run as its hint.
type LoginRequiredError struct {
	Session Session
	Reason  string // e.g. "not logged in", "the token expired and could not be refreshed: ..."
}

func (e *LoginRequiredError) Error() string { return e.Session.String() + ": " + e.Reason }

// Hint tells the user what to run. A legacy profile (sso_start_url without
// sso_session) has a token only after `aws sso login`; gatehouse's logins are
// sso-sessions.
func (e *LoginRequiredError) Hint() string {
	if e.Session.Name == "" {
		return "the profile names sso_start_url without sso_session: run `aws sso login --profile PROFILE`, " +
			"or put the start URL in an [sso-session NAME], set sso_session = NAME in the profile and run `gatehouse login --sso-session NAME`"
	}
	return "run `gatehouse login " + e.Session.LoginArgs() + "`"
}

// Manager signs in and keeps tokens fresh.
type Manager struct {
	// Files is the AWS CLI's cache directory (tokens and client registrations).
	Files FileStore
	// Keyring is the OS keychain store; nil when it is not available.
	Keyring Store
	// StateDir holds gatehouse's own state: refresh locks and the marks of
	// sessions whose token lives in the keychain.
	StateDir string
	// NewOIDC returns an SSO OIDC client for a region.
	NewOIDC func(region string) OIDC
	// AuthorizeURL returns the OIDC authorize endpoint of a region, used by
	// the PKCE flow when the client registration names none.
	AuthorizeURL func(region string) string
	Now          func() time.Time
	// Sleep waits between device-flow polls; time.Sleep-like with a context
	// when nil.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) sleep(ctx context.Context, d time.Duration) error {
	if m.Sleep != nil {
		return m.Sleep(ctx, d)
	}
	return retry.Sleep(ctx, d)
}

func (m *Manager) keychainMark(s Session) string {
	return filepath.Join(m.StateDir, "keychain", CacheKey(s.Key()))
}

// InKeychain reports whether the session's token is kept in the OS keychain.
func (m *Manager) InKeychain(s Session) bool {
	_, err := os.Stat(m.keychainMark(s))
	return err == nil
}

// store returns where the session's token lives.
func (m *Manager) store(s Session) (Store, error) {
	if !m.InKeychain(s) {
		return m.Files, nil
	}
	if m.Keyring == nil {
		return nil, fmt.Errorf("%s: the token is kept in the OS keychain, which is not available here", s)
	}
	return m.Keyring, nil
}

// Load returns the cached token of a session, or a LoginRequiredError when
// there is none.
func (m *Manager) Load(s Session) (*Token, error) {
	st, err := m.store(s)
	if err != nil {
		return nil, err
	}
	t, err := st.Load(s.Key())
	if errors.Is(err, ErrNotFound) {
		return nil, &LoginRequiredError{Session: s, Reason: "not logged in"}
	}
	return t, err
}

// Save stores a token: in the OS keychain when keychain is true (and then
// removes any plaintext copy), else in the AWS CLI cache.
func (m *Manager) Save(s Session, t *Token, keychain bool) error {
	if !keychain {
		if err := m.Files.Save(s.Key(), t); err != nil {
			return err
		}
		if m.InKeychain(s) {
			if m.Keyring != nil {
				_ = m.Keyring.Delete(s.Key())
			}
			_ = os.Remove(m.keychainMark(s))
		}
		return nil
	}
	if m.Keyring == nil {
		return errors.New("the OS keychain is not available here")
	}
	if err := m.Keyring.Save(s.Key(), t); err != nil {
		return err
	}
	if err := WritePrivateFile(m.keychainMark(s), nil); err != nil {
		return err
	}
	return m.Files.Delete(s.Key())
}

// Remove deletes the session's token wherever it is kept.
func (m *Manager) Remove(s Session) error {
	var errs []error
	errs = append(errs, m.Files.Delete(s.Key()))
	if m.InKeychain(s) {
		if m.Keyring != nil {
			errs = append(errs, m.Keyring.Delete(s.Key()))
		}
		if err := os.Remove(m.keychainMark(s)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Token returns a valid access token for the session, refreshing it with
// the refresh token when less than RefreshWindow remains. Concurrent
// processes refresh once: the refresh runs under a file lock, and a process
// that waited for the lock first re-reads the token another one may have
// just refreshed. When a refresh fails, a token that has not yet expired is
// still returned.
func (m *Manager) Token(ctx context.Context, s Session) (*Token, error) {
	t, err := m.Load(s)
	if err != nil {
		return nil, err
	}
	if t.Remaining(m.now()) > RefreshWindow {
		return t, nil
	}
	if !t.Refreshable(m.now()) {
		return m.unrefreshable(s, t)
	}
	unlock, err := m.lock(ctx, "token-"+CacheKey(s.Key()))
	if err != nil {
		return nil, err
	}
	defer unlock()
	if t, err = m.Load(s); err != nil {
		return nil, err
	}
	if t.Remaining(m.now()) > RefreshWindow {
		return t, nil // another process refreshed it while we waited
	}
	if !t.Refreshable(m.now()) {
		return m.unrefreshable(s, t)
	}
	fresh, rerr := m.refresh(ctx, s, t)
	if rerr != nil {
		if t.Remaining(m.now()) > 0 {
			return t, nil
		}
		return nil, &LoginRequiredError{Session: s, Reason: "the token expired and could not be refreshed: " + rerr.Error()}
	}
	if err := m.Save(s, fresh, m.InKeychain(s)); err != nil {
		return nil, fmt.Errorf("saving the refreshed token of %s: %w", s, err)
	}
	return fresh, nil
}

func (m *Manager) unrefreshable(s Session, t *Token) (*Token, error) {
	if t.Remaining(m.now()) > 0 {
		return t, nil
	}
	return nil, &LoginRequiredError{Session: s, Reason: "the token expired at " + formatTime(t.ExpiresAt) + " and cannot be refreshed"}
}

func (m *Manager) refresh(ctx context.Context, s Session, t *Token) (*Token, error) {
	out, err := m.NewOIDC(s.Region).CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId:     &t.ClientID,
		ClientSecret: &t.ClientSecret,
		GrantType:    ptr(GrantRefresh),
		RefreshToken: &t.RefreshToken,
	})
	if err != nil {
		return nil, err
	}
	fresh := *t
	fresh.AccessToken = deref(out.AccessToken)
	fresh.ExpiresAt = m.now().Add(time.Duration(out.ExpiresIn) * time.Second).Truncate(time.Second)
	if out.RefreshToken != nil && *out.RefreshToken != "" {
		fresh.RefreshToken = *out.RefreshToken
	}
	if fresh.AccessToken == "" {
		return nil, errors.New("the token endpoint returned no access token")
	}
	return &fresh, nil
}

// lock takes an exclusive cross-process lock named name under StateDir and
// returns its release. It waits up to a minute.
func (m *Manager) lock(ctx context.Context, name string) (func(), error) {
	return Lock(ctx, filepath.Join(m.StateDir, "locks", name+".lock"))
}

// Lock takes an exclusive cross-process lock on path (created 0600 in a
// 0700 directory) and returns its release. The lock is released by the OS
// when the process dies, so a killed process never leaves it held. It waits
// up to a minute, or until ctx ends.
func Lock(ctx context.Context, path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the lock directory: %w", err)
	}
	l := flock.New(path, flock.SetPermissions(0o600))
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ok, err := l.TryLockContext(lctx, 10*time.Millisecond)
	if err != nil || !ok {
		if err == nil {
			err = errors.New("timed out")
		}
		return nil, fmt.Errorf("waiting for the lock %s: %w", path, err)
	}
	return func() { _ = l.Unlock() }, nil
}

func ptr[T any](v T) *T { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// say writes a message for the user, ignoring write errors (stderr).
func say(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
