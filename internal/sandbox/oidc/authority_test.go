package oidc

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestAuthority() (*Authority, *fakeClock) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	return NewAuthority(clk.now, time.Hour, 10*time.Minute, time.Second), clk
}

func mustRegister(t *testing.T, a *Authority, req registerRequest) registerResponse {
	t.Helper()
	resp, oerr := a.register(req)
	if oerr != nil {
		t.Fatalf("register: %v", oerr)
	}
	return resp
}

var deviceClient = registerRequest{ClientName: "test", ClientType: "public", Scopes: []string{scopeAccountAccess}}

func errType(e *oidcError) string {
	if e == nil {
		return ""
	}
	return e.typ
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  registerRequest
		want string // error type, "" for success
	}{
		{"device client", deviceClient, ""},
		{"no name", registerRequest{ClientType: "public"}, "InvalidRequestException"},
		{"confidential", registerRequest{ClientName: "x", ClientType: "confidential"}, "InvalidRequestException"},
		{"unknown grant", registerRequest{ClientName: "x", ClientType: "public", GrantTypes: []string{"password"}}, "UnsupportedGrantTypeException"},
		{"both flows", registerRequest{ClientName: "x", ClientType: "public", GrantTypes: []string{grantDeviceCode, grantAuthorizationCode}}, "InvalidScopeException"},
		{"pkce without redirect", registerRequest{ClientName: "x", ClientType: "public", GrantTypes: []string{grantAuthorizationCode}, IssuerURL: "https://x"}, "InvalidRequestException"},
		{"pkce without issuer", registerRequest{ClientName: "x", ClientType: "public", GrantTypes: []string{grantAuthorizationCode}, RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}}, "InvalidRequestException"},
		{"http redirect off loopback", registerRequest{ClientName: "x", ClientType: "public", GrantTypes: []string{grantAuthorizationCode}, IssuerURL: "https://x", RedirectURIs: []string{"http://example.com/cb"}}, "InvalidRedirectUriException"},
		{"pkce client", registerRequest{ClientName: "x", ClientType: "public", GrantTypes: []string{grantAuthorizationCode, grantRefreshToken}, IssuerURL: "https://x", RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := newTestAuthority()
			resp, oerr := a.register(tt.req)
			if got := errType(oerr); got != tt.want {
				t.Fatalf("register error = %q, want %q", got, tt.want)
			}
			if oerr == nil && (resp.ClientID == "" || resp.ClientSecret == "" || resp.ClientSecretExpiresAt <= resp.ClientIDIssuedAt) {
				t.Errorf("register response %+v lacks an id, a secret or a future expiry", resp)
			}
		})
	}
}

func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	alice := &Identity{UserID: "u-1", UserName: "alice"}
	type step struct {
		advance time.Duration
		approve *Identity // approve (or with deny, deny) before polling
		deny    bool
		want    string // error type of the poll, "" for a token
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"pending then approved", []step{{want: "AuthorizationPendingException"}, {advance: time.Second, approve: alice}}},
		{"polling too fast", []step{{want: "AuthorizationPendingException"}, {advance: 100 * time.Millisecond, want: "SlowDownException"}, {advance: time.Second, want: "AuthorizationPendingException"}}},
		{"device code used twice", []step{{approve: alice}, {advance: time.Second, want: "InvalidGrantException"}}},
		{"expired", []step{{advance: 11 * time.Minute, want: "ExpiredTokenException"}}},
		{"denied", []step{{deny: true, want: "AccessDeniedException"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, clk := newTestAuthority()
			reg := mustRegister(t, a, deviceClient)
			dev, oerr := a.startDevice(deviceRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://acme.awsapps.com/start"}, "http://127.0.0.1:1/device")
			if oerr != nil {
				t.Fatal(oerr)
			}
			if !strings.HasSuffix(dev.VerificationURIComplete, "user_code="+dev.UserCode) || dev.ExpiresIn != 600 || dev.Interval != 1 {
				t.Errorf("device authorization %+v", dev)
			}
			for i, s := range tt.steps {
				clk.advance(s.advance)
				if s.approve != nil {
					if err := a.Decide(dev.UserCode, s.approve); err != nil {
						t.Fatalf("step %d: approve: %v", i, err)
					}
				}
				if s.deny {
					if err := a.Decide(dev.UserCode, nil); err != nil {
						t.Fatalf("step %d: deny: %v", i, err)
					}
				}
				tok, oerr := a.createToken(tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantDeviceCode, DeviceCode: dev.DeviceCode})
				if got := errType(oerr); got != s.want {
					t.Fatalf("step %d: CreateToken error = %q, want %q", i, got, s.want)
				}
				if oerr == nil {
					if who, ok := a.Identify(tok.AccessToken); !ok || who != *alice {
						t.Errorf("step %d: token identifies %+v, %v; want alice", i, who, ok)
					}
					if tok.RefreshToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
						t.Errorf("step %d: token response %+v", i, tok)
					}
				}
			}
		})
	}
}

func TestCreateTokenClientErrors(t *testing.T) {
	t.Parallel()
	a, _ := newTestAuthority()
	reg := mustRegister(t, a, deviceClient)
	pkce := mustRegister(t, a, registerRequest{ClientName: "p", ClientType: "public", GrantTypes: []string{grantAuthorizationCode}, IssuerURL: "https://x", RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}})
	tests := []struct {
		name string
		req  tokenRequest
		want string
	}{
		{"wrong secret", tokenRequest{ClientID: reg.ClientID, ClientSecret: "nope", GrantType: grantDeviceCode, DeviceCode: "x"}, "InvalidClientException"},
		{"unknown client", tokenRequest{ClientID: "nope", ClientSecret: "nope", GrantType: grantDeviceCode}, "InvalidClientException"},
		{"missing fields", tokenRequest{ClientID: reg.ClientID}, "InvalidRequestException"},
		{"unknown grant", tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: "password"}, "UnsupportedGrantTypeException"},
		{"grant not registered", tokenRequest{ClientID: pkce.ClientID, ClientSecret: pkce.ClientSecret, GrantType: grantRefreshToken, RefreshToken: "x"}, "UnauthorizedClientException"},
		{"unknown device code", tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantDeviceCode, DeviceCode: "nope"}, "InvalidGrantException"},
		{"unknown refresh token", tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantRefreshToken, RefreshToken: "nope"}, "InvalidGrantException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, oerr := a.createToken(tt.req)
			if got := errType(oerr); got != tt.want {
				t.Fatalf("CreateToken error = %q, want %q", got, tt.want)
			}
			if tt.want == "InvalidClientException" && oerr.status != 401 {
				t.Errorf("InvalidClientException status = %d, want 401", oerr.status)
			}
		})
	}
}

// login runs a device flow to a token.
func login(t *testing.T, a *Authority, reg registerResponse, who Identity) tokenResponse {
	t.Helper()
	dev, oerr := a.startDevice(deviceRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://x/start"}, "http://127.0.0.1:1/device")
	if oerr != nil {
		t.Fatal(oerr)
	}
	if err := a.Decide(dev.UserCode, &who); err != nil {
		t.Fatal(err)
	}
	tok, oerr := a.createToken(tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantDeviceCode, DeviceCode: dev.DeviceCode})
	if oerr != nil {
		t.Fatal(oerr)
	}
	return tok
}

func TestRefreshRotatesAndExpiryAndLogout(t *testing.T) {
	t.Parallel()
	a, clk := newTestAuthority()
	reg := mustRegister(t, a, deviceClient)
	bob := Identity{UserID: "u-2", UserName: "bob"}
	first := login(t, a, reg, bob)

	clk.advance(2 * time.Hour)
	if _, ok := a.Identify(first.AccessToken); ok {
		t.Fatal("an access token past its expiry still identifies its user")
	}
	second, oerr := a.createToken(tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantRefreshToken, RefreshToken: first.RefreshToken})
	if oerr != nil {
		t.Fatalf("refresh: %v", oerr)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Errorf("refresh returned refresh token %q; want a new one", second.RefreshToken)
	}
	if who, ok := a.Identify(second.AccessToken); !ok || who != bob {
		t.Errorf("refreshed token identifies %+v, %v; want bob", who, ok)
	}
	if _, oerr := a.createToken(tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantRefreshToken, RefreshToken: first.RefreshToken}); errType(oerr) != "InvalidGrantException" {
		t.Errorf("reusing a spent refresh token: %v, want InvalidGrantException", oerr)
	}
	if !a.Logout(second.AccessToken) {
		t.Fatal("logout of a valid token failed")
	}
	if _, ok := a.Identify(second.AccessToken); ok {
		t.Error("a logged-out token still identifies its user")
	}
	if _, oerr := a.createToken(tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantRefreshToken, RefreshToken: second.RefreshToken}); errType(oerr) != "InvalidGrantException" {
		t.Errorf("refresh after logout: %v, want InvalidGrantException", oerr)
	}
}

func TestNoRefreshTokenWithoutAccountAccessScope(t *testing.T) {
	t.Parallel()
	a, _ := newTestAuthority()
	reg := mustRegister(t, a, registerRequest{ClientName: "no-scopes", ClientType: "public"})
	tok := login(t, a, reg, Identity{UserID: "u", UserName: "u"})
	if tok.RefreshToken != "" {
		t.Errorf("a client registered without sso:account:access got refresh token %q", tok.RefreshToken)
	}
}

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	t.Parallel()
	verifier := strings.Repeat("v", 50)
	const redirect = "http://127.0.0.1:53111/oauth/callback"
	tests := []struct {
		name     string
		verifier string
		redirect string
		reuse    bool
		advance  time.Duration
		want     string
	}{
		{name: "good", verifier: verifier, redirect: redirect},
		{name: "wrong verifier", verifier: strings.Repeat("w", 50), redirect: redirect, want: "InvalidGrantException"},
		{name: "short verifier", verifier: "abc", redirect: redirect, want: "InvalidGrantException"},
		{name: "other redirect", verifier: verifier, redirect: "http://127.0.0.1:9/oauth/callback", want: "InvalidGrantException"},
		{name: "code used twice", verifier: verifier, redirect: redirect, reuse: true, want: "InvalidGrantException"},
		{name: "code expired", verifier: verifier, redirect: redirect, advance: 6 * time.Minute, want: "InvalidGrantException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, clk := newTestAuthority()
			reg := mustRegister(t, a, registerRequest{ClientName: "cli", ClientType: "public", Scopes: []string{scopeAccountAccess},
				GrantTypes: []string{grantAuthorizationCode, grantRefreshToken}, IssuerURL: "https://x/start", RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}})
			req := authorizeRequest{ResponseType: "code", ClientID: reg.ClientID, RedirectURI: redirect, State: "s", Challenge: challengeOf(verifier), ChallengeMode: "S256"}
			if _, redir, fatal := a.checkAuthorize(req); redir != nil || fatal != nil {
				t.Fatalf("checkAuthorize: %v %v", redir, fatal)
			}
			code := a.issueCode(req, Identity{UserID: "u", UserName: "alice"})
			treq := tokenRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantAuthorizationCode, Code: code, CodeVerifier: tt.verifier, RedirectURI: tt.redirect}
			if tt.reuse {
				if _, oerr := a.createToken(treq); oerr != nil {
					t.Fatal(oerr)
				}
			}
			clk.advance(tt.advance)
			tok, oerr := a.createToken(treq)
			if got := errType(oerr); got != tt.want {
				t.Fatalf("CreateToken error = %q, want %q", got, tt.want)
			}
			if oerr == nil && tok.RefreshToken == "" {
				t.Error("no refresh token for a client registered with sso:account:access")
			}
		})
	}
}

func TestCheckAuthorize(t *testing.T) {
	t.Parallel()
	a, _ := newTestAuthority()
	reg := mustRegister(t, a, registerRequest{ClientName: "cli", ClientType: "public", GrantTypes: []string{grantAuthorizationCode}, IssuerURL: "https://x", RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}})
	dev := mustRegister(t, a, deviceClient)
	good := authorizeRequest{ResponseType: "code", ClientID: reg.ClientID, RedirectURI: "http://127.0.0.1:4242/oauth/callback", Challenge: "c", ChallengeMode: "S256"}
	tests := []struct {
		name         string
		mutate       func(*authorizeRequest)
		redir, fatal string
	}{
		{name: "good", mutate: func(*authorizeRequest) {}},
		{name: "unknown client", mutate: func(r *authorizeRequest) { r.ClientID = "nope" }, fatal: "InvalidClientException"},
		{name: "unregistered redirect", mutate: func(r *authorizeRequest) { r.RedirectURI = "http://127.0.0.1:4242/elsewhere" }, fatal: "InvalidRedirectUriException"},
		{name: "plain PKCE", mutate: func(r *authorizeRequest) { r.ChallengeMode = "plain" }, redir: "InvalidRequestException"},
		{name: "no challenge", mutate: func(r *authorizeRequest) { r.Challenge = "" }, redir: "InvalidRequestException"},
		{name: "token response type", mutate: func(r *authorizeRequest) { r.ResponseType = "token" }, redir: "InvalidRequestException"},
		{name: "device client", mutate: func(r *authorizeRequest) { r.ClientID = dev.ClientID }, fatal: "InvalidRedirectUriException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			tt.mutate(&req)
			_, redir, fatal := a.checkAuthorize(req)
			if errType(redir) != tt.redir || errType(fatal) != tt.fatal {
				t.Errorf("checkAuthorize = redirect %q, fatal %q; want %q, %q", errType(redir), errType(fatal), tt.redir, tt.fatal)
			}
		})
	}
}

func TestRedirectAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		registered []string
		got        string
		want       bool
	}{
		{[]string{"http://127.0.0.1/oauth/callback"}, "http://127.0.0.1:5555/oauth/callback", true},
		{[]string{"http://127.0.0.1"}, "http://127.0.0.1:5555", true},
		{[]string{"http://127.0.0.1"}, "http://127.0.0.1:5555/", true},
		{[]string{"http://127.0.0.1/oauth/callback"}, "http://127.0.0.1:5555/other", false},
		{[]string{"http://127.0.0.1/oauth/callback"}, "http://localhost:5555/oauth/callback", false},
		{[]string{"https://app.example.com/cb"}, "https://app.example.com/cb", true},
		{[]string{"https://app.example.com/cb"}, "https://app.example.com:8443/cb", false},
		{[]string{"http://127.0.0.1/oauth/callback"}, "", false},
	}
	for _, tt := range tests {
		if got := redirectAllowed(tt.registered, tt.got); got != tt.want {
			t.Errorf("redirectAllowed(%v, %q) = %v, want %v", tt.registered, tt.got, got, tt.want)
		}
	}
}

func TestUserCodes(t *testing.T) {
	t.Parallel()
	for range 200 {
		c := newUserCode()
		if len(c) != 9 || c[4] != '-' || strings.Trim(c[:4]+c[5:], userCodeAlphabet) != "" {
			t.Fatalf("user code %q is not XXXX-XXXX of %s", c, userCodeAlphabet)
		}
	}
	for in, want := range map[string]string{"bcdf-ghjk": "BCDF-GHJK", "BCDFGHJK": "BCDF-GHJK", " bcdf ghjk ": "BCDF-GHJK", "abc": "ABC"} {
		if got := NormalizeUserCode(in); got != want {
			t.Errorf("NormalizeUserCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecideErrors(t *testing.T) {
	t.Parallel()
	a, clk := newTestAuthority()
	reg := mustRegister(t, a, deviceClient)
	dev, _ := a.startDevice(deviceRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://x/start"}, "http://127.0.0.1:1/device")
	if err := a.Decide("ZZZZ-ZZZZ", &Identity{}); !errors.Is(err, ErrUnknownCode) {
		t.Errorf("unknown code: %v, want ErrUnknownCode", err)
	}
	if got := a.Pending(); len(got) != 1 || got[0].UserCode != dev.UserCode || got[0].ClientName != "test" {
		t.Errorf("pending = %+v, want the one authorization", got)
	}
	if err := a.Decide(strings.ToLower(dev.UserCode), &Identity{UserName: "alice"}); err != nil {
		t.Fatalf("approving with a lower-case code: %v", err)
	}
	if err := a.Decide(dev.UserCode, &Identity{}); !errors.Is(err, ErrCodeUsed) {
		t.Errorf("second approval: %v, want ErrCodeUsed", err)
	}
	if got := a.Pending(); len(got) != 0 {
		t.Errorf("pending after approval = %+v, want none", got)
	}
	dev2, _ := a.startDevice(deviceRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://x/start"}, "http://127.0.0.1:1/device")
	clk.advance(11 * time.Minute)
	if err := a.Decide(dev2.UserCode, &Identity{}); !errors.Is(err, ErrCodeExpired) {
		t.Errorf("expired code: %v, want ErrCodeExpired", err)
	}
}

func TestStartDeviceErrors(t *testing.T) {
	t.Parallel()
	a, _ := newTestAuthority()
	reg := mustRegister(t, a, deviceClient)
	pkce := mustRegister(t, a, registerRequest{ClientName: "p", ClientType: "public", GrantTypes: []string{grantAuthorizationCode}, IssuerURL: "https://x", RedirectURIs: []string{"http://127.0.0.1/cb"}})
	tests := []struct {
		name string
		req  deviceRequest
		want string
	}{
		{"missing start URL", deviceRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret}, "InvalidRequestException"},
		{"relative start URL", deviceRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "start"}, "InvalidRequestException"},
		{"wrong secret", deviceRequest{ClientID: reg.ClientID, ClientSecret: "x", StartURL: "https://x"}, "InvalidClientException"},
		{"pkce-only client", deviceRequest{ClientID: pkce.ClientID, ClientSecret: pkce.ClientSecret, StartURL: "https://x"}, "UnauthorizedClientException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, oerr := a.startDevice(tt.req, "http://127.0.0.1:1/device")
			if got := errType(oerr); got != tt.want {
				t.Errorf("startDevice error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRegistrationExpires(t *testing.T) {
	t.Parallel()
	a, clk := newTestAuthority()
	reg := mustRegister(t, a, deviceClient)
	clk.advance(91 * 24 * time.Hour)
	_, oerr := a.startDevice(deviceRequest{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://x"}, "http://127.0.0.1:1/device")
	if errType(oerr) != "InvalidClientException" {
		t.Errorf("startDevice with an expired registration: %v, want InvalidClientException", oerr)
	}
}
