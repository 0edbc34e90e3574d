package ssologin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// RedirectPath is the path of the PKCE loopback redirect; Identity Center
// accepts only this one.
const RedirectPath = "/oauth/callback"

// registeredRedirect is the redirect URI registered: RFC 8252 lets a
// loopback redirect use any port at authorization time.
const registeredRedirect = "http://127.0.0.1" + RedirectPath

// LoginOptions configure Login.
type LoginOptions struct {
	Session Session
	Flow    Flow
	// Open opens a URL in the user's browser; nil means the URL is only
	// printed. A failure to open is reported and the flow goes on.
	Open func(url string) error
	// Out receives instructions for the user (the user code, URLs).
	Out io.Writer
	// Keychain stores the token in the OS keychain instead of the AWS CLI
	// cache.
	Keychain bool
	// ClientName is registered with Identity Center (default "gatehouse").
	ClientName string
	// Timeout bounds the wait for approval in the browser (default 10 min;
	// the device flow also ends when its code expires).
	Timeout time.Duration
}

// Login signs the user in with the chosen flow and caches the token.
func (m *Manager) Login(ctx context.Context, o LoginOptions) (*Token, error) {
	if o.Session.StartURL == "" || o.Session.Region == "" {
		return nil, hint.New(o.Session.String()+": no start URL or region",
			"give --start-url and --region, or add sso_start_url and sso_region to the [sso-session] in ~/.aws/config")
	}
	if o.Keychain && m.Keyring == nil {
		return nil, hint.New("the OS keychain is not available here", "log in without --token-store keychain")
	}
	if o.ClientName == "" {
		o.ClientName = "gatehouse"
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var (
		t   *Token
		err error
	)
	switch o.Flow {
	case FlowDeviceCode:
		t, err = m.deviceLogin(ctx, o)
	case FlowPKCE:
		t, err = m.pkceLogin(ctx, o)
	default:
		return nil, fmt.Errorf("unknown sign-in flow %q", o.Flow)
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return nil, hint.Wrap(fmt.Errorf("signing in to %s: nobody approved the sign-in within %s", o.Session, o.Timeout),
			"run the command again and approve the request in the browser")
	}
	if err != nil {
		return nil, fmt.Errorf("signing in to %s: %w", o.Session, err)
	}
	if err := m.Save(o.Session, t, o.Keychain); err != nil {
		return nil, fmt.Errorf("saving the token of %s: %w", o.Session, err)
	}
	return t, nil
}

// registration returns the cached client registration of a flow, or
// registers a new client and caches it.
func (m *Manager) registration(ctx context.Context, o LoginOptions) (*Registration, error) {
	s := o.Session
	path := registrationPath(m.Files.Dir, o.Flow, s)
	if r := loadRegistration(path); r.usable(o.Flow, s.Scopes(), m.now()) {
		return r, nil
	}
	in := &ssooidc.RegisterClientInput{
		ClientName: ptr(o.ClientName + "-" + string(o.Flow)),
		ClientType: ptr("public"),
		Scopes:     s.Scopes(),
		GrantTypes: o.Flow.grantTypes(),
	}
	if o.Flow == FlowPKCE {
		in.RedirectUris = []string{registeredRedirect}
		in.IssuerUrl = &s.StartURL
	}
	out, err := m.NewOIDC(s.Region).RegisterClient(ctx, in)
	if err != nil {
		if refused := startURLRefused(err, s); refused != nil && o.Flow == FlowPKCE {
			return nil, refused // the start URL is the issuer of a PKCE client
		}
		return nil, fmt.Errorf("registering a client with IAM Identity Center: %w", err)
	}
	r := &Registration{
		ClientID:              deref(out.ClientId),
		ClientSecret:          deref(out.ClientSecret),
		ExpiresAt:             time.Unix(out.ClientSecretExpiresAt, 0).UTC(),
		Scopes:                s.Scopes(),
		GrantTypes:            o.Flow.grantTypes(),
		AuthorizationEndpoint: deref(out.AuthorizationEndpoint),
	}
	if r.ClientID == "" || r.ClientSecret == "" {
		return nil, errors.New("registering a client with IAM Identity Center: the answer has no client ID or secret")
	}
	if err := saveRegistration(path, r); err != nil {
		return nil, fmt.Errorf("caching the client registration: %w", err)
	}
	return r, nil
}

func (m *Manager) newToken(s Session, r *Registration, out *ssooidc.CreateTokenOutput, issued time.Time) (*Token, error) {
	if out.AccessToken == nil || *out.AccessToken == "" {
		return nil, errors.New("the token endpoint returned no access token")
	}
	return &Token{
		StartURL:              s.StartURL,
		Region:                s.Region,
		AccessToken:           *out.AccessToken,
		ExpiresAt:             issued.Add(time.Duration(out.ExpiresIn) * time.Second).Truncate(time.Second),
		ClientID:              r.ClientID,
		ClientSecret:          r.ClientSecret,
		RegistrationExpiresAt: r.ExpiresAt,
		RefreshToken:          deref(out.RefreshToken),
	}, nil
}

// deviceLogin runs the device authorization grant: show a code, let the
// user approve it in any browser, poll for the token.
func (m *Manager) deviceLogin(ctx context.Context, o LoginOptions) (*Token, error) {
	s := o.Session
	r, err := m.registration(ctx, o)
	if err != nil {
		return nil, err
	}
	client := m.NewOIDC(s.Region)
	auth, err := client.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: &r.ClientID, ClientSecret: &r.ClientSecret, StartUrl: &s.StartURL,
	})
	if err != nil {
		var ic *types.InvalidClientException
		if errors.As(err, &ic) {
			// The cached registration was revoked: forget it so the next
			// attempt registers afresh.
			_ = removeRegistration(registrationPath(m.Files.Dir, o.Flow, s))
		}
		if refused := startURLRefused(err, s); refused != nil {
			return nil, refused
		}
		return nil, fmt.Errorf("starting the device authorization: %w", err)
	}
	verify := deref(auth.VerificationUriComplete)
	if verify == "" {
		verify = deref(auth.VerificationUri)
	}
	code := deref(auth.UserCode)
	say(o.Out, "To sign in to %s, open this page and check that it shows the code below:\n\n    %s\n\n    Code: %s\n\n", s, verify, code)
	if o.Open != nil {
		if err := o.Open(verify); err != nil {
			say(o.Out, "Could not open a browser (%v); open the page above yourself.\n", err)
		}
	}
	say(o.Out, "Waiting for approval...\n")

	interval := time.Duration(auth.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	deadline := m.now().Add(time.Duration(auth.ExpiresIn) * time.Second)
	if auth.ExpiresIn <= 0 {
		deadline = m.now().Add(10 * time.Minute)
	}
	for {
		issued := m.now()
		out, err := client.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: &r.ClientID, ClientSecret: &r.ClientSecret,
			GrantType: ptr(GrantDeviceCode), DeviceCode: auth.DeviceCode,
		})
		if err == nil {
			return m.newToken(s, r, out, issued)
		}
		var (
			pending *types.AuthorizationPendingException
			slow    *types.SlowDownException
			expired *types.ExpiredTokenException
			denied  *types.AccessDeniedException
		)
		switch {
		case errors.As(err, &pending):
		case errors.As(err, &slow):
			interval += 5 * time.Second
		case errors.As(err, &expired):
			return nil, hint.New("the sign-in code expired before it was approved", "run the command again and approve the code sooner")
		case errors.As(err, &denied):
			return nil, hint.New("the sign-in request was denied in the browser", "run the command again and choose Allow")
		default:
			return nil, fmt.Errorf("waiting for approval: %w", err)
		}
		if m.now().Add(interval).After(deadline) {
			return nil, hint.New("the sign-in code expired before it was approved", "run the command again and approve the code sooner")
		}
		if err := m.sleep(ctx, interval); err != nil {
			return nil, err
		}
	}
}

// PKCE holds the secrets of one authorization-code + PKCE exchange.
type PKCE struct {
	Verifier  string
	Challenge string // base64url(SHA-256(Verifier)), no padding
	State     string
}

// NewPKCE returns a fresh verifier (43 characters from 32 random bytes),
// its S256 challenge and a random state.
func NewPKCE() (PKCE, error) {
	var v, st [32]byte
	if _, err := rand.Read(v[:]); err != nil {
		return PKCE{}, err
	}
	if _, err := rand.Read(st[:]); err != nil {
		return PKCE{}, err
	}
	p := PKCE{Verifier: base64.RawURLEncoding.EncodeToString(v[:]), State: base64.RawURLEncoding.EncodeToString(st[:])}
	p.Challenge = challengeOf(p.Verifier)
	return p, nil
}

// challengeOf returns the S256 code challenge of a verifier (RFC 7636).
func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL builds the browser URL of the authorization request, as the
// AWS CLI does (its parameter is "scopes").
func AuthorizeURL(endpoint, clientID, redirectURI string, scopes []string, p PKCE) string {
	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("client_id", clientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("state", p.State)
	q.Set("code_challenge_method", "S256")
	q.Set("scopes", strings.Join(scopes, " "))
	q.Set("code_challenge", p.Challenge)
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	return endpoint + sep + q.Encode()
}

// pkceLogin runs the authorization-code grant with PKCE and a loopback
// redirect. The listener is bound before the browser opens, so the redirect
// can never arrive before anyone listens.
func (m *Manager) pkceLogin(ctx context.Context, o LoginOptions) (*Token, error) {
	s := o.Session
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on the loopback interface for the sign-in redirect: %w", err)
	}
	defer ln.Close()
	redirect := "http://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + RedirectPath

	r, err := m.registration(ctx, o)
	if err != nil {
		return nil, err
	}
	p, err := NewPKCE()
	if err != nil {
		return nil, err
	}
	endpoint := r.AuthorizationEndpoint
	if endpoint == "" && m.AuthorizeURL != nil {
		endpoint = m.AuthorizeURL(s.Region)
	}
	if endpoint == "" {
		endpoint = "https://oidc." + s.Region + ".amazonaws.com/authorize"
	}
	authURL := AuthorizeURL(endpoint, r.ClientID, redirect, s.Scopes(), p)

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler:           callbackHandler(p.State, func(code string, err error) { done <- result{code, err} }),
	}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	say(o.Out, "To sign in to %s, approve the request in your browser. If it does not open, visit:\n\n    %s\n\n", s, authURL)
	if o.Open != nil {
		if err := o.Open(authURL); err != nil {
			say(o.Out, "Could not open a browser (%v); open the page above yourself, on this machine.\n", err)
		}
	}
	say(o.Out, "Waiting for approval...\n")
	var res result
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res = <-done:
	}
	if res.err != nil {
		return nil, res.err
	}
	issued := m.now()
	out, err := m.NewOIDC(s.Region).CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: &r.ClientID, ClientSecret: &r.ClientSecret,
		GrantType: ptr(GrantAuthCode), Code: &res.code,
		CodeVerifier: &p.Verifier, RedirectUri: &redirect,
	})
	if err != nil {
		return nil, fmt.Errorf("exchanging the authorization code: %w", err)
	}
	return m.newToken(s, r, out, issued)
}

// callbackHandler answers the browser's redirect: it checks the state,
// reports the code or the error once, and tells the user to go back to the
// terminal.
func callbackHandler(state string, report func(code string, err error)) http.Handler {
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc(RedirectPath, func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		var (
			code string
			err  error
		)
		switch {
		case q.Get("state") != state:
			http.Error(w, "This sign-in answer does not belong to the running gatehouse login.", http.StatusBadRequest)
			return // a stray or forged request: keep waiting for the real one
		case q.Get("error") != "":
			err = fmt.Errorf("the sign-in was refused: %s %s", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			err = errors.New("the sign-in redirect carried no authorization code")
		default:
			code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		msg := "Signed in. You can close this tab and return to the terminal."
		if err != nil {
			msg = "Sign-in failed: " + err.Error()
		}
		fmt.Fprintf(w, "<!doctype html><title>gatehouse</title><p>%s</p>\n", html.EscapeString(msg))
		once.Do(func() { report(code, err) })
	})
	return mux
}

// startURLRefused explains an InvalidRequestException, which IAM Identity
// Center answers, often without a message, to a start URL it does not
// know in its region; nil for other errors.
func startURLRefused(err error, s Session) error {
	var ir *types.InvalidRequestException
	if !errors.As(err, &ir) {
		return nil
	}
	why := ir.ErrorMessage()
	if why == "" {
		why = "it gave no reason"
	}
	return hint.New(fmt.Sprintf("IAM Identity Center in %s refused the start URL %s (InvalidRequestException: %s)", s.Region, s.StartURL, why),
		"check --start-url (the AWS access portal URL your admin sent, e.g. https://acme.awsapps.com/start) and --region (the region of IAM Identity Center)")
}
