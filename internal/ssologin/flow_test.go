package ssologin

// These tests drive the flows' control logic (polling, slow-down, refresh
// under a lock, registration reuse) with a scripted OIDC double. The wire
// protocol itself is tested against the sandbox in internal/cli.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/zalando/go-keyring"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

type scriptedOIDC struct {
	mu          sync.Mutex
	registered  []*ssooidc.RegisterClientInput
	tokenErrs   []error // returned by CreateToken(device_code) in order, then success
	tokenCalls  []string
	refreshes   atomic.Int32
	refreshErr  error
	refreshWait time.Duration
	startErr    error // returned by StartDeviceAuthorization
}

func (f *scriptedOIDC) RegisterClient(_ context.Context, in *ssooidc.RegisterClientInput, _ ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registered = append(f.registered, in)
	n := len(f.registered)
	return &ssooidc.RegisterClientOutput{
		ClientId: ptr(fmt.Sprintf("client-%d", n)), ClientSecret: ptr("secret"),
		ClientSecretExpiresAt: time.Now().Add(90 * 24 * time.Hour).Unix(),
	}, nil
}

func (f *scriptedOIDC) StartDeviceAuthorization(context.Context, *ssooidc.StartDeviceAuthorizationInput, ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error) {
	if f.startErr != nil {
		return nil, f.startErr
	}
	return &ssooidc.StartDeviceAuthorizationOutput{
		DeviceCode: ptr("dev"), UserCode: ptr("ABCD-EFGH"), VerificationUri: ptr("https://verify"),
		VerificationUriComplete: ptr("https://verify?code=ABCD-EFGH"), ExpiresIn: 600, Interval: 1,
	}, nil
}

func (f *scriptedOIDC) CreateToken(_ context.Context, in *ssooidc.CreateTokenInput, _ ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error) {
	f.mu.Lock()
	f.tokenCalls = append(f.tokenCalls, *in.GrantType)
	f.mu.Unlock()
	switch *in.GrantType {
	case GrantRefresh:
		f.refreshes.Add(1)
		time.Sleep(f.refreshWait)
		if f.refreshErr != nil {
			return nil, f.refreshErr
		}
		return &ssooidc.CreateTokenOutput{AccessToken: ptr("refreshed"), ExpiresIn: 3600}, nil
	case GrantAuthCode:
		if *in.Code != "the-code" || challengeOf(*in.CodeVerifier) == "" {
			return nil, errors.New("bad code")
		}
		return &ssooidc.CreateTokenOutput{AccessToken: ptr("pkce-token"), ExpiresIn: 3600, RefreshToken: ptr("r1")}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.tokenErrs) > 0 {
		err := f.tokenErrs[0]
		f.tokenErrs = f.tokenErrs[1:]
		return nil, err
	}
	return &ssooidc.CreateTokenOutput{AccessToken: ptr("device-token"), ExpiresIn: 28800, RefreshToken: ptr("r0")}, nil
}

func newTestManager(t *testing.T, oidc OIDC, now func() time.Time) (*Manager, *[]time.Duration) {
	t.Helper()
	dir := t.TempDir()
	var slept []time.Duration
	return &Manager{
		Files:    FileStore{Dir: filepath.Join(dir, "sso", "cache")},
		StateDir: filepath.Join(dir, "state"),
		NewOIDC:  func(string) OIDC { return oidc },
		Now:      now,
		Sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			return nil
		},
	}, &slept
}

var testSession = Session{Name: "corp", StartURL: "https://d-123.awsapps.com/start", Region: "us-east-1"}

func TestDeviceLoginPolls(t *testing.T) {
	f := &scriptedOIDC{tokenErrs: []error{
		&types.AuthorizationPendingException{}, &types.SlowDownException{}, &types.AuthorizationPendingException{},
	}}
	m, slept := newTestManager(t, f, time.Now)
	var out bytes.Buffer
	var opened string
	tok, err := m.Login(context.Background(), LoginOptions{
		Session: testSession, Flow: FlowDeviceCode, Out: &out,
		Open: func(u string) error { opened = u; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "device-token" || tok.RefreshToken != "r0" || tok.ClientID != "client-1" || tok.StartURL != testSession.StartURL {
		t.Errorf("token = %+v", tok)
	}
	if want := []time.Duration{time.Second, 6 * time.Second, 6 * time.Second}; fmt.Sprint(*slept) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v (slow down adds 5s)", *slept, want)
	}
	if !strings.Contains(out.String(), "Code: ABCD-EFGH") || opened != "https://verify?code=ABCD-EFGH" {
		t.Errorf("user code not shown or page not opened: %q, opened %q", out.String(), opened)
	}
	if g := f.registered[0].GrantTypes; strings.Join(g, ",") != GrantDeviceCode+","+GrantRefresh {
		t.Errorf("registered grant types %v", g)
	}
	// The token is in the AWS CLI cache; a second login reuses the
	// registration.
	if got, err := m.Load(testSession); err != nil || got.AccessToken != "device-token" {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	if _, err := m.Login(context.Background(), LoginOptions{Session: testSession, Flow: FlowDeviceCode}); err != nil {
		t.Fatal(err)
	}
	if len(f.registered) != 1 {
		t.Errorf("registered %d clients, want the cached registration reused", len(f.registered))
	}
	// The PKCE flow registers its own client.
	m.registrationOnly(t, FlowPKCE)
	if len(f.registered) != 2 || f.registered[1].RedirectUris[0] != "http://127.0.0.1/oauth/callback" || *f.registered[1].IssuerUrl != testSession.StartURL {
		t.Errorf("PKCE registration = %+v", f.registered[len(f.registered)-1])
	}
}

func (m *Manager) registrationOnly(t *testing.T, flow Flow) {
	t.Helper()
	if _, err := m.registration(context.Background(), LoginOptions{Session: testSession, Flow: flow, ClientName: "gatehouse"}); err != nil {
		t.Fatal(err)
	}
}

func TestDeviceLoginEnds(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantErr string
	}{
		{"code expired", &types.ExpiredTokenException{}, "expired before it was approved"},
		{"denied", &types.AccessDeniedException{}, "denied"},
		{"other error", errors.New("boom"), "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestManager(t, &scriptedOIDC{tokenErrs: []error{tt.err}}, time.Now)
			_, err := m.Login(context.Background(), LoginOptions{Session: testSession, Flow: FlowDeviceCode})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Login error = %v, want %q", err, tt.wantErr)
			}
			if _, err := m.Load(testSession); err == nil {
				t.Error("a token was saved after a failed login")
			}
		})
	}
}

// TestLoginRefusedStartURL: Identity Center answers a start URL it does not
// know with an InvalidRequestException, often without a message; the
// error says which URL and region were refused and what to check.
func TestLoginRefusedStartURL(t *testing.T) {
	for _, msg := range []string{"", "Invalid start url"} {
		f := &scriptedOIDC{startErr: &types.InvalidRequestException{Message: &msg}}
		m, _ := newTestManager(t, f, time.Now)
		_, err := m.Login(context.Background(), LoginOptions{Session: testSession, Flow: FlowDeviceCode})
		want := "IAM Identity Center in us-east-1 refused the start URL https://d-123.awsapps.com/start (InvalidRequestException: "
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(hint.Of(err), "check --start-url") {
			t.Errorf("Login with message %q: %v (hint %q)", msg, err, hint.Of(err))
		}
		if msg == "" && !strings.Contains(err.Error(), "it gave no reason") {
			t.Errorf("an empty message is not said: %v", err)
		}
	}
}

func TestPKCELogin(t *testing.T) {
	f := &scriptedOIDC{}
	m, _ := newTestManager(t, f, time.Now)
	m.AuthorizeURL = func(region string) string { return "https://oidc." + region + ".example/authorize" }
	browser := func(u string) error {
		// The browser: check the request, then follow the redirect with a
		// code, first with a forged state (ignored), then the real one.
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		q := pu.Query()
		if pu.Host != "oidc.us-east-1.example" || q.Get("code_challenge_method") != "S256" || q.Get("scopes") != "sso:account:access" {
			return fmt.Errorf("unexpected authorize URL %s", u)
		}
		go func() {
			redirect := q.Get("redirect_uri")
			if resp, err := http.Get(redirect + "?code=evil&state=forged"); err == nil {
				resp.Body.Close()
			}
			if resp, err := http.Get(redirect + "?code=the-code&state=" + url.QueryEscape(q.Get("state"))); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	tok, err := m.Login(context.Background(), LoginOptions{Session: testSession, Flow: FlowPKCE, Open: browser, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "pkce-token" || tok.RefreshToken != "r1" {
		t.Errorf("token = %+v", tok)
	}
}

func TestPKCELoginRefused(t *testing.T) {
	m, _ := newTestManager(t, &scriptedOIDC{}, time.Now)
	browser := func(u string) error {
		pu, _ := url.Parse(u)
		go func() {
			q := pu.Query()
			if resp, err := http.Get(q.Get("redirect_uri") + "?error=access_denied&state=" + url.QueryEscape(q.Get("state"))); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	_, err := m.Login(context.Background(), LoginOptions{Session: testSession, Flow: FlowPKCE, Open: browser, Timeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("Login error = %v, want access_denied", err)
	}
}

// TestTokenRefreshOnce: many goroutines (each with its own lock file
// handle, as separate processes would have) find a token about to expire;
// exactly one refreshes it, the others read the refreshed token.
func TestTokenRefreshOnce(t *testing.T) {
	f := &scriptedOIDC{refreshWait: 50 * time.Millisecond}
	now := time.Now()
	m, _ := newTestManager(t, f, func() time.Time { return now })
	old := &Token{StartURL: testSession.StartURL, AccessToken: "old", ExpiresAt: now.Add(10 * time.Minute),
		ClientID: "c", ClientSecret: "s", RefreshToken: "r", RegistrationExpiresAt: now.Add(time.Hour)}
	if err := m.Save(testSession, old, false); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := m.Token(context.Background(), testSession)
			if err == nil && tok.AccessToken != "refreshed" {
				err = fmt.Errorf("got token %q", tok.AccessToken)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	saved, _ := m.Load(testSession)
	if saved.RefreshToken != "r" || saved.StartURL != testSession.StartURL {
		t.Errorf("refreshed token lost fields: %+v", saved)
	}
}

func TestTokenStates(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	base := Token{AccessToken: "tok", ClientID: "c", ClientSecret: "s", RefreshToken: "r", RegistrationExpiresAt: now.Add(time.Hour)}
	tests := []struct {
		name        string
		left        time.Duration
		mutate      func(*Token)
		refreshErr  error
		want        string // access token returned
		wantErr     string
		wantRefresh int32
	}{
		{name: "fresh token is used as is", left: time.Hour, want: "tok"},
		{name: "under 15 minutes: refreshed", left: 14 * time.Minute, want: "refreshed", wantRefresh: 1},
		{name: "refresh fails, token still valid", left: 5 * time.Minute, refreshErr: errors.New("down"), want: "tok", wantRefresh: 1},
		{name: "refresh fails, token expired", left: -time.Minute, refreshErr: &types.InvalidGrantException{}, wantErr: "could not be refreshed", wantRefresh: 1},
		{name: "no refresh token, still valid", left: 5 * time.Minute, mutate: func(t *Token) { t.RefreshToken = "" }, want: "tok"},
		{name: "no refresh token, expired", left: -time.Second, mutate: func(t *Token) { t.RefreshToken = "" }, wantErr: "cannot be refreshed"},
		{name: "registration expired", left: -time.Second, mutate: func(t *Token) { t.RegistrationExpiresAt = now.Add(-time.Hour) }, wantErr: "cannot be refreshed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &scriptedOIDC{refreshErr: tt.refreshErr}
			m, _ := newTestManager(t, f, func() time.Time { return now })
			tok := base
			tok.ExpiresAt = now.Add(tt.left)
			if tt.mutate != nil {
				tt.mutate(&tok)
			}
			if err := m.Save(testSession, &tok, false); err != nil {
				t.Fatal(err)
			}
			got, err := m.Token(context.Background(), testSession)
			if tt.wantErr != "" {
				var lr *LoginRequiredError
				if !errors.As(err, &lr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Token error = %v, want a LoginRequiredError with %q", err, tt.wantErr)
				}
				if lr.Hint() != "run `gatehouse login --sso-session corp`" {
					t.Errorf("hint = %q", lr.Hint())
				}
			} else if err != nil || got.AccessToken != tt.want {
				t.Fatalf("Token = %v, %v; want %s", got, err, tt.want)
			}
			if n := f.refreshes.Load(); n != tt.wantRefresh {
				t.Errorf("%d refreshes, want %d", n, tt.wantRefresh)
			}
		})
	}
	m, _ := newTestManager(t, &scriptedOIDC{}, time.Now)
	if _, err := m.Token(context.Background(), testSession); err == nil || !strings.Contains(err.Error(), "not logged in") {
		t.Errorf("Token without login = %v", err)
	}
}

// TestKeychainStore: a login with the keychain store leaves no plaintext
// token, later loads and refreshes go to the keychain, and Remove clears it.
func TestKeychainStore(t *testing.T) {
	keyring.MockInit()
	now := time.Now()
	m, _ := newTestManager(t, &scriptedOIDC{}, func() time.Time { return now })
	m.Keyring = KeyringStore{Service: "test-keychain"}
	plain := &Token{AccessToken: "plain", ExpiresAt: now.Add(time.Hour)}
	if err := m.Save(testSession, plain, false); err != nil {
		t.Fatal(err)
	}
	tok := &Token{AccessToken: strings.Repeat("k", 3000), ExpiresAt: now.Add(10 * time.Minute), ClientID: "c", ClientSecret: "s",
		RefreshToken: "r", RegistrationExpiresAt: now.Add(time.Hour)}
	if err := m.Save(testSession, tok, true); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Files.Load(testSession.Key()); err != ErrNotFound {
		t.Errorf("plaintext token left behind: %v", err)
	}
	if !m.InKeychain(testSession) {
		t.Fatal("session not marked as kept in the keychain")
	}
	got, err := m.Token(context.Background(), testSession) // inside the window: refreshed, into the keychain
	if err != nil || got.AccessToken != "refreshed" {
		t.Fatalf("Token = %+v, %v", got, err)
	}
	if kt, err := m.Keyring.Load(testSession.Key()); err != nil || kt.AccessToken != "refreshed" {
		t.Errorf("keychain holds %+v, %v", kt, err)
	}
	if _, err := m.Files.Load(testSession.Key()); err != ErrNotFound {
		t.Errorf("refresh wrote a plaintext token: %v", err)
	}
	if err := m.Remove(testSession); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(testSession); err == nil || m.InKeychain(testSession) {
		t.Errorf("token still there after Remove: %v", err)
	}
	// Without a keychain, a keychain session says so instead of pretending
	// to be logged out.
	if err := m.Save(testSession, tok, true); err != nil {
		t.Fatal(err)
	}
	m.Keyring = nil
	if _, err := m.Load(testSession); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("Load without keychain = %v", err)
	}
}

func TestLoginRequiredHint(t *testing.T) {
	named := (&LoginRequiredError{Session: testSession, Reason: "not logged in"})
	if named.Error() != `sso-session "corp": not logged in` || named.Hint() != "run `gatehouse login --sso-session corp`" {
		t.Errorf("named session: %q / %q", named.Error(), named.Hint())
	}
	legacy := &LoginRequiredError{Session: Session{StartURL: "https://old/start", Region: "us-east-1"}, Reason: "not logged in"}
	if !strings.Contains(legacy.Hint(), "aws sso login --profile") || !strings.HasPrefix(legacy.Error(), "start URL https://old/start") {
		t.Errorf("legacy session: %q / %q", legacy.Error(), legacy.Hint())
	}
}
