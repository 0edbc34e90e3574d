// Package oidc is the sandbox's IAM Identity Center OIDC authority: client
// registration, device authorization, authorization code with PKCE, access
// and refresh tokens, all in memory, answered with AWS's SSO OIDC wire
// shapes; and the two pages people see (device approval, sign-in for the
// authorization code), which sign users of the Identity Store in.
package oidc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// Errors of Decide and LookupUserCode.
var (
	ErrUnknownCode = errors.New("no device authorization has this user code")
	ErrCodeExpired = errors.New("the user code has expired")
	ErrCodeUsed    = errors.New("the user code was already approved or denied")
)

var (
	errUnknownCode = hint.Wrap(ErrUnknownCode, "check the code the login command printed, or list pending codes: GET /sandbox/device-authorizations")
	errCodeExpired = hint.Wrap(ErrCodeExpired, "start the login again: device codes last 10 minutes")
)

// OAuth grant types as SSO OIDC names them.
const (
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	grantRefreshToken      = "refresh_token"
	grantAuthorizationCode = "authorization_code"
)

// scopeAccountAccess is the registration scope that makes Identity Center
// issue refresh tokens usable for role credentials.
const scopeAccountAccess = "sso:account:access"

// userCodeAlphabet has no vowels and no look-alikes (RFC 8628 §6.1).
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// Identity is a signed-in Identity Store user.
type Identity struct {
	UserID   string
	UserName string
}

// client is a registered OIDC client.
type client struct {
	id, secret   string
	name         string
	clientType   string
	scopes       []string
	grantTypes   []string // empty: a legacy registration (device code + refresh)
	redirectURIs []string
	issuedAt     time.Time
	expiresAt    time.Time
}

func (c *client) allows(grant string) bool {
	if len(c.grantTypes) == 0 {
		return grant == grantDeviceCode || grant == grantRefreshToken
	}
	return slices.Contains(c.grantTypes, grant)
}

// deviceAuth is one StartDeviceAuthorization.
type deviceAuth struct {
	deviceCode string
	userCode   string
	clientID   string
	startURL   string
	expiresAt  time.Time
	interval   time.Duration
	lastPoll   time.Time
	approved   *Identity
	denied     bool
	consumed   bool
}

// authCode is one code issued by the PKCE authorization endpoint.
type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	who         Identity
	expiresAt   time.Time
	used        bool
}

// grant is a sign-in: the user, the client and the current refresh token.
// Logout revokes it, and with it every access token it issued.
type grant struct {
	who          Identity
	clientID     string
	refreshToken string // "" when the client registered no account-access scope
	revoked      bool
}

// accessToken is an issued bearer token.
type accessToken struct {
	grant     *grant
	expiresAt time.Time
}

// tokenResponse is CreateToken's answer.
type tokenResponse struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	RefreshToken string `json:"refreshToken,omitempty"`
}

// Authority is the sandbox's SSO OIDC state: clients, device authorizations,
// authorization codes and tokens, all in memory. It holds no I/O so its rules
// are tested directly.
type Authority struct {
	now            func() time.Time
	tokenTTL       time.Duration
	deviceTTL      time.Duration
	interval       time.Duration
	registrationTT time.Duration

	mu        sync.Mutex
	clients   map[string]*client
	devices   map[string]*deviceAuth // by device code
	userCodes map[string]*deviceAuth // by normalized user code
	codes     map[string]*authCode
	refresh   map[string]*grant
	tokens    map[string]*accessToken
}

// NewAuthority makes an empty authority: access tokens last tokenTTL, device
// authorizations deviceTTL, and clients are told to poll every interval.
func NewAuthority(now func() time.Time, tokenTTL, deviceTTL, interval time.Duration) *Authority {
	return &Authority{
		now:            now,
		tokenTTL:       tokenTTL,
		deviceTTL:      deviceTTL,
		interval:       interval,
		registrationTT: 90 * 24 * time.Hour,
		clients:        map[string]*client{},
		devices:        map[string]*deviceAuth{},
		userCodes:      map[string]*deviceAuth{},
		codes:          map[string]*authCode{},
		refresh:        map[string]*grant{},
		tokens:         map[string]*accessToken{},
	}
}

// registerRequest is RegisterClient's body.
type registerRequest struct {
	ClientName   string   `json:"clientName"`
	ClientType   string   `json:"clientType"`
	Scopes       []string `json:"scopes"`
	RedirectURIs []string `json:"redirectUris"`
	GrantTypes   []string `json:"grantTypes"`
	IssuerURL    string   `json:"issuerUrl"`
}

// registerResponse is RegisterClient's answer.
type registerResponse struct {
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	ClientIDIssuedAt      int64  `json:"clientIdIssuedAt"`
	ClientSecretExpiresAt int64  `json:"clientSecretExpiresAt"`
}

func (a *Authority) register(req registerRequest) (registerResponse, *oidcError) {
	if req.ClientName == "" {
		return registerResponse{}, errInvalidRequest("clientName is required")
	}
	if req.ClientType != "public" {
		return registerResponse{}, errInvalidRequest("clientType must be public")
	}
	for _, g := range req.GrantTypes {
		switch g {
		case grantDeviceCode, grantRefreshToken, grantAuthorizationCode:
		default:
			return registerResponse{}, errUnsupportedGrantType("unsupported grant type " + g)
		}
	}
	if slices.Contains(req.GrantTypes, grantDeviceCode) && slices.Contains(req.GrantTypes, grantAuthorizationCode) {
		// As AWS: register one client per flow.
		return registerResponse{}, errInvalidScope("a client cannot combine the device_code and authorization_code grants; register one client per flow")
	}
	if slices.Contains(req.GrantTypes, grantAuthorizationCode) {
		if len(req.RedirectURIs) == 0 {
			return registerResponse{}, errInvalidRequest("redirectUris are required for the authorization_code grant")
		}
		if req.IssuerURL == "" {
			return registerResponse{}, errInvalidRequest("issuerUrl is required for the authorization_code grant")
		}
	}
	for _, u := range req.RedirectURIs {
		if !validRedirectURI(u) {
			return registerResponse{}, errInvalidRedirectURI("redirect URI " + u + " must be https, or http on a loopback address")
		}
	}
	now := a.now()
	c := &client{
		id:           "gh" + wire.RandomToken(24),
		secret:       wire.RandomToken(48),
		name:         req.ClientName,
		clientType:   req.ClientType,
		scopes:       slices.Clone(req.Scopes),
		grantTypes:   slices.Clone(req.GrantTypes),
		redirectURIs: slices.Clone(req.RedirectURIs),
		issuedAt:     now,
		expiresAt:    now.Add(a.registrationTT),
	}
	a.mu.Lock()
	a.clients[c.id] = c
	a.mu.Unlock()
	return registerResponse{
		ClientID:              c.id,
		ClientSecret:          c.secret,
		ClientIDIssuedAt:      c.issuedAt.Unix(),
		ClientSecretExpiresAt: c.expiresAt.Unix(),
	}, nil
}

// clientLocked authenticates a client; a.mu must be held.
func (a *Authority) clientLocked(id, secret string) (*client, *oidcError) {
	c, ok := a.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		return nil, errInvalidClient("Invalid client credentials")
	}
	if !a.now().Before(c.expiresAt) {
		return nil, errInvalidClient("Client registration has expired; register the client again")
	}
	return c, nil
}

// deviceRequest is StartDeviceAuthorization's body.
type deviceRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	StartURL     string `json:"startUrl"`
}

// deviceResponse is StartDeviceAuthorization's answer.
type deviceResponse struct {
	DeviceCode              string `json:"deviceCode"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
	ExpiresIn               int    `json:"expiresIn"`
	Interval                int    `json:"interval"`
}

func (a *Authority) startDevice(req deviceRequest, verificationURI string) (deviceResponse, *oidcError) {
	if req.ClientID == "" || req.ClientSecret == "" || req.StartURL == "" {
		return deviceResponse{}, errInvalidRequest("clientId, clientSecret and startUrl are required")
	}
	if u, err := url.Parse(req.StartURL); err != nil || u.Scheme == "" || u.Host == "" {
		return deviceResponse{}, errInvalidRequest("startUrl must be an absolute URL")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c, oerr := a.clientLocked(req.ClientID, req.ClientSecret)
	if oerr != nil {
		return deviceResponse{}, oerr
	}
	if !c.allows(grantDeviceCode) {
		return deviceResponse{}, errUnauthorizedClient("the client is not registered for the device_code grant")
	}
	a.expireLocked()
	d := &deviceAuth{
		deviceCode: wire.RandomToken(48),
		clientID:   c.id,
		startURL:   req.StartURL,
		expiresAt:  a.now().Add(a.deviceTTL),
		interval:   a.interval,
	}
	for {
		d.userCode = newUserCode()
		if _, taken := a.userCodes[d.userCode]; !taken {
			break
		}
	}
	a.devices[d.deviceCode] = d
	a.userCodes[d.userCode] = d
	interval := int(a.interval / time.Second)
	if interval < 1 {
		interval = 1
	}
	return deviceResponse{
		DeviceCode:              d.deviceCode,
		UserCode:                d.userCode,
		VerificationURI:         verificationURI,
		VerificationURIComplete: verificationURI + "?user_code=" + url.QueryEscape(d.userCode),
		ExpiresIn:               int(a.deviceTTL / time.Second),
		Interval:                interval,
	}, nil
}

// expireLocked forgets device authorizations and codes long past their
// expiry, so a long-running sandbox does not grow without bound.
func (a *Authority) expireLocked() {
	cutoff := a.now().Add(-time.Hour)
	for code, d := range a.devices {
		if d.expiresAt.Before(cutoff) {
			delete(a.devices, code)
			delete(a.userCodes, d.userCode)
		}
	}
	for code, c := range a.codes {
		if c.expiresAt.Before(cutoff) {
			delete(a.codes, code)
		}
	}
	for tok, t := range a.tokens {
		if t.expiresAt.Before(cutoff) {
			delete(a.tokens, tok)
		}
	}
}

// PendingAuthorization is a device authorization waiting for approval.
type PendingAuthorization struct {
	UserCode   string    `json:"userCode"`
	ClientName string    `json:"clientName"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Pending lists device authorizations that are neither approved, denied nor
// expired, oldest first.
func (a *Authority) Pending() []PendingAuthorization {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	var out []PendingAuthorization
	for _, d := range a.devices {
		if d.approved != nil || d.denied || d.consumed || !now.Before(d.expiresAt) {
			continue
		}
		name := ""
		if c, ok := a.clients[d.clientID]; ok {
			name = c.name
		}
		out = append(out, PendingAuthorization{UserCode: d.userCode, ClientName: name, ExpiresAt: d.expiresAt})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ExpiresAt.Equal(out[j].ExpiresAt) {
			return out[i].ExpiresAt.Before(out[j].ExpiresAt)
		}
		return out[i].UserCode < out[j].UserCode
	})
	return out
}

// LookupUserCode returns the client name of a pending user code.
func (a *Authority) LookupUserCode(userCode string) (clientName string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.pendingDeviceLocked(userCode)
	if err != nil {
		return "", err
	}
	if c, ok := a.clients[d.clientID]; ok {
		return c.name, nil
	}
	return "", nil
}

func (a *Authority) pendingDeviceLocked(userCode string) (*deviceAuth, error) {
	d, ok := a.userCodes[NormalizeUserCode(userCode)]
	switch {
	case !ok:
		return nil, errUnknownCode
	case !a.now().Before(d.expiresAt):
		return nil, errCodeExpired
	case d.approved != nil || d.denied || d.consumed:
		return nil, ErrCodeUsed
	}
	return d, nil
}

// Decide approves (who != nil) or denies (who == nil) a pending user code.
func (a *Authority) Decide(userCode string, who *Identity) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.pendingDeviceLocked(userCode)
	if err != nil {
		return err
	}
	if who == nil {
		d.denied = true
		return nil
	}
	id := *who
	d.approved = &id
	return nil
}

// tokenRequest is CreateToken's body.
type tokenRequest struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	GrantType    string   `json:"grantType"`
	DeviceCode   string   `json:"deviceCode"`
	Code         string   `json:"code"`
	RefreshToken string   `json:"refreshToken"`
	Scope        []string `json:"scope"`
	RedirectURI  string   `json:"redirectUri"`
	CodeVerifier string   `json:"codeVerifier"`
}

func (a *Authority) createToken(req tokenRequest) (tokenResponse, *oidcError) {
	if req.ClientID == "" || req.ClientSecret == "" || req.GrantType == "" {
		return tokenResponse{}, errInvalidRequest("clientId, clientSecret and grantType are required")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c, oerr := a.clientLocked(req.ClientID, req.ClientSecret)
	if oerr != nil {
		return tokenResponse{}, oerr
	}
	switch req.GrantType {
	case grantDeviceCode, grantRefreshToken, grantAuthorizationCode:
	default:
		return tokenResponse{}, errUnsupportedGrantType("unsupported grant type " + req.GrantType)
	}
	if !c.allows(req.GrantType) {
		return tokenResponse{}, errUnauthorizedClient("the client is not registered for the " + req.GrantType + " grant")
	}
	now := a.now()
	switch req.GrantType {
	case grantDeviceCode:
		d, ok := a.devices[req.DeviceCode]
		if !ok || d.clientID != c.id || d.consumed {
			return tokenResponse{}, errInvalidGrant("Invalid device code provided")
		}
		if !now.Before(d.expiresAt) {
			return tokenResponse{}, errExpiredToken("Device code has expired")
		}
		if d.denied {
			return tokenResponse{}, errAccessDenied("The user denied the authorization request")
		}
		if d.approved == nil {
			tooSoon := !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval/2
			d.lastPoll = now
			if tooSoon {
				return tokenResponse{}, errSlowDown()
			}
			return tokenResponse{}, errAuthorizationPending()
		}
		d.consumed = true
		return a.issueLocked(&grant{who: *d.approved, clientID: c.id}, c), nil
	case grantAuthorizationCode:
		ac, ok := a.codes[req.Code]
		if !ok || ac.used || ac.clientID != c.id {
			return tokenResponse{}, errInvalidGrant("Invalid authorization code provided")
		}
		if !now.Before(ac.expiresAt) {
			return tokenResponse{}, errInvalidGrant("Authorization code has expired")
		}
		if req.RedirectURI != ac.redirectURI {
			return tokenResponse{}, errInvalidGrant("redirectUri does not match the one of the authorization request")
		}
		if !verifyPKCE(ac.challenge, req.CodeVerifier) {
			return tokenResponse{}, errInvalidGrant("codeVerifier does not match the code challenge")
		}
		ac.used = true
		return a.issueLocked(&grant{who: ac.who, clientID: c.id}, c), nil
	default: // refresh token
		g, ok := a.refresh[req.RefreshToken]
		if !ok || g.clientID != c.id || g.revoked {
			return tokenResponse{}, errInvalidGrant("Invalid refresh token provided")
		}
		// Rotation: the old refresh token is spent.
		delete(a.refresh, req.RefreshToken)
		g.refreshToken = ""
		return a.issueLocked(g, c), nil
	}
}

// issueLocked mints an access token (and, for clients registered with the
// account-access scope, a refresh token) for g.
func (a *Authority) issueLocked(g *grant, c *client) tokenResponse {
	tok := "aoa" + wire.RandomToken(48)
	a.tokens[tok] = &accessToken{grant: g, expiresAt: a.now().Add(a.tokenTTL)}
	resp := tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(a.tokenTTL / time.Second)}
	if slices.Contains(c.scopes, scopeAccountAccess) {
		g.refreshToken = "aor" + wire.RandomToken(48)
		a.refresh[g.refreshToken] = g
		resp.RefreshToken = g.refreshToken
	}
	return resp
}

// Identify returns the user behind a bearer token, if it is valid.
func (a *Authority) Identify(token string) (Identity, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.tokens[token]
	if !ok || t.grant.revoked || !a.now().Before(t.expiresAt) {
		return Identity{}, false
	}
	return t.grant.who, true
}

// Logout revokes the sign-in behind token: its access tokens and refresh token.
func (a *Authority) Logout(token string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.tokens[token]
	if !ok || t.grant.revoked {
		return false
	}
	t.grant.revoked = true
	delete(a.refresh, t.grant.refreshToken)
	return true
}

// authorizeRequest is what GET /authorize carries.
type authorizeRequest struct {
	ResponseType  string
	ClientID      string
	RedirectURI   string
	State         string
	Challenge     string
	ChallengeMode string
}

// checkAuthorize validates an authorization request. A non-nil redirect
// error means the request may be answered by redirecting to RedirectURI with
// an error; a non-nil fatal error means the redirect URI itself cannot be
// trusted and the page must show the error instead.
func (a *Authority) checkAuthorize(req authorizeRequest) (clientName string, redirect, fatal *oidcError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.clients[req.ClientID]
	if !ok || !a.now().Before(c.expiresAt) {
		return "", nil, errInvalidClient("unknown or expired client_id")
	}
	if !redirectAllowed(c.redirectURIs, req.RedirectURI) {
		return "", nil, errInvalidRedirectURI("redirect_uri is not registered for this client")
	}
	if !c.allows(grantAuthorizationCode) {
		return "", errUnauthorizedClient("the client is not registered for the authorization_code grant"), nil
	}
	if req.ResponseType != "code" {
		return "", errInvalidRequest("response_type must be code"), nil
	}
	if req.Challenge == "" || req.ChallengeMode != "S256" {
		return "", errInvalidRequest("PKCE is required: send code_challenge with code_challenge_method=S256"), nil
	}
	return c.name, nil, nil
}

// issueCode records an approved authorization request and returns its code.
func (a *Authority) issueCode(req authorizeRequest, who Identity) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expireLocked()
	code := wire.RandomToken(32)
	a.codes[code] = &authCode{
		clientID:    req.ClientID,
		redirectURI: req.RedirectURI,
		challenge:   req.Challenge,
		who:         who,
		expiresAt:   a.now().Add(5 * time.Minute),
	}
	return code
}

// verifyPKCE checks an S256 code verifier against its challenge (RFC 7636).
func verifyPKCE(challenge, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// validRedirectURI accepts https URIs and http URIs on a loopback host.
func validRedirectURI(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return wire.IsLoopback(u.Hostname())
	}
	return false
}

// redirectAllowed reports whether got matches a registered redirect URI:
// exactly, or, for loopback URIs, with any port (RFC 8252 §7.3).
func redirectAllowed(registered []string, got string) bool {
	g, err := url.Parse(got)
	if err != nil || got == "" {
		return false
	}
	for _, r := range registered {
		if r == got {
			return true
		}
		u, err := url.Parse(r)
		if err != nil || u.Scheme != "http" || g.Scheme != "http" || !wire.IsLoopback(u.Hostname()) {
			continue
		}
		if u.Hostname() == g.Hostname() && strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(g.Path, "/") && u.RawQuery == g.RawQuery {
			return true
		}
	}
	return false
}

// NormalizeUserCode makes "bcdf ghjk", "BCDFGHJK" and "BCDF-GHJK" equal.
func NormalizeUserCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	c := b.String()
	if len(c) == 8 {
		return c[:4] + "-" + c[4:]
	}
	return c
}

func newUserCode() string {
	out := make([]byte, 0, 9)
	var buf [1]byte
	for len(out) < 9 {
		if len(out) == 4 {
			out = append(out, '-')
			continue
		}
		if _, err := rand.Read(buf[:]); err != nil {
			panic("crypto/rand: " + err.Error()) // never fails on supported platforms
		}
		// Reject the top of the byte range so every letter is equally likely.
		if int(buf[0]) >= 256/len(userCodeAlphabet)*len(userCodeAlphabet) {
			continue
		}
		out = append(out, userCodeAlphabet[int(buf[0])%len(userCodeAlphabet)])
	}
	return string(out)
}
