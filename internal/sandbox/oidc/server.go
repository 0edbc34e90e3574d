package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/page"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// Server answers the SSO OIDC API and the pages people sign in on.
type Server struct {
	Auth *Authority
	// URL is the front's URL; the device page is URL + "/device".
	URL string
	// Password is what every Identity Store user types.
	Password string
	// LookUp finds an Identity Store user by user name; found is false
	// when there is none.
	LookUp func(ctx context.Context, userName string) (who Identity, found bool, err error)
	// Logf receives approvals and errors handled.
	Logf func(format string, args ...any)
}

// Register adds the OIDC endpoints and the sign-in pages to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /client/register", s.handleRegister)
	mux.HandleFunc("POST /device_authorization", s.handleDeviceAuthorization)
	mux.HandleFunc("POST /token", s.handleToken)
	mux.HandleFunc("GET /authorize", s.handleAuthorizePage)
	mux.HandleFunc("POST /authorize", s.handleAuthorizeSubmit)
	mux.HandleFunc("GET /device", s.handleDevicePage)
	mux.HandleFunc("POST /device", s.handleDeviceSubmit)
}

// answer decodes an OIDC request's JSON body into Req, asks do, and writes
// do's answer, or the OIDC error of a malformed body or of do.
func answer[Req, Resp any](w http.ResponseWriter, r *http.Request, do func(Req) (Resp, *oidcError)) {
	var req Req
	if err := wire.DecodeJSON(r, &req); err != nil {
		writeOIDCError(w, errInvalidRequest("malformed request body: "+err.Error()))
		return
	}
	resp, oerr := do(req)
	if oerr != nil {
		writeOIDCError(w, oerr)
		return
	}
	wire.WriteJSON(w, http.StatusOK, resp)
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	answer(w, r, s.Auth.register)
}

func (s *Server) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	answer(w, r, func(req deviceRequest) (deviceResponse, *oidcError) {
		return s.Auth.startDevice(req, s.URL+"/device")
	})
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	answer(w, r, s.Auth.createToken)
}

func (s *Server) render(w http.ResponseWriter, status int, d page.Data) {
	if err := page.Render(w, status, d); err != nil {
		s.Logf("rendering page %q: %v", d.Title, err)
	}
}

// signIn checks a user name and the sandbox password against the Identity
// Store; a non-empty message says why the sign-in failed.
func (s *Server) signIn(ctx context.Context, userName, password string) (Identity, string) {
	if userName == "" {
		return Identity{}, "Enter your username."
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(s.Password)) != 1 {
		return Identity{}, "Incorrect username or password."
	}
	who, found, err := s.LookUp(ctx, userName)
	if err != nil {
		s.Logf("sign-in of %s: %v", userName, err)
		return Identity{}, "The sandbox could not read the Identity Store; see its log."
	}
	if !found {
		return Identity{}, "Incorrect username or password."
	}
	return who, ""
}

func (s *Server) handleDevicePage(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("user_code")
	d := page.Data{Title: "Authorize request", Form: true, Device: true, Action: "/device", UserCode: code}
	if code != "" {
		client, err := s.Auth.LookupUserCode(code)
		if err != nil {
			d.Error = pageMessage(err)
		}
		d.Client = client
	}
	s.render(w, http.StatusOK, d)
}

// deviceSubmission is what the device page's script sends.
type deviceSubmission struct {
	UserCode string `json:"userCode"`
	UserName string `json:"userName"`
	Password string `json:"password"`
	Decision string `json:"decision"` // allow or deny
}

// deviceOutcome is what the device page's script shows: a new title and
// message, or an error.
type deviceOutcome struct {
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

// handleDeviceSubmit approves or denies a device authorization for a user
// who signs in. It takes JSON only, so that no other web page can post it.
func (s *Server) handleDeviceSubmit(w http.ResponseWriter, r *http.Request) {
	if !wire.IsJSON(r) {
		wire.WriteJSON(w, http.StatusUnsupportedMediaType, deviceOutcome{Error: "The device form must be sent as JSON (Content-Type: application/json)."})
		return
	}
	var req deviceSubmission
	if err := wire.DecodeJSON(r, &req); err != nil {
		wire.WriteJSON(w, http.StatusBadRequest, deviceOutcome{Error: "Malformed request: " + err.Error()})
		return
	}
	if req.Decision != "allow" && req.Decision != "deny" {
		wire.WriteJSON(w, http.StatusBadRequest, deviceOutcome{Error: `The decision must be "allow" or "deny".`})
		return
	}
	if _, err := s.Auth.LookupUserCode(req.UserCode); err != nil {
		wire.WriteJSON(w, http.StatusBadRequest, deviceOutcome{Error: pageMessage(err)})
		return
	}
	who, msg := s.signIn(r.Context(), req.UserName, req.Password)
	if msg != "" {
		wire.WriteJSON(w, http.StatusUnauthorized, deviceOutcome{Error: msg})
		return
	}
	if req.Decision == "deny" {
		if err := s.Auth.Decide(req.UserCode, nil); err != nil {
			wire.WriteJSON(w, http.StatusBadRequest, deviceOutcome{Error: pageMessage(err)})
			return
		}
		wire.WriteJSON(w, http.StatusOK, deviceOutcome{Title: "Request denied", Message: "Request denied. The command line will report it; you can close this window."})
		return
	}
	if err := s.Auth.Decide(req.UserCode, &who); err != nil {
		wire.WriteJSON(w, http.StatusBadRequest, deviceOutcome{Error: pageMessage(err)})
		return
	}
	code := NormalizeUserCode(req.UserCode)
	s.Logf("user code %s approved for %s on the device page", code, who.UserName)
	wire.WriteJSON(w, http.StatusOK, deviceOutcome{
		Title:   "Request approved",
		Message: "Request approved for " + who.UserName + " (code " + code + "). You can close this window and return to the command line.",
	})
}

func pageMessage(err error) string {
	switch {
	case errors.Is(err, ErrUnknownCode):
		return "This code is not valid. Check the code shown by your command line."
	case errors.Is(err, ErrCodeExpired):
		return "This code has expired. Start the sign-in again from your command line."
	case errors.Is(err, ErrCodeUsed):
		return "This code was already used."
	}
	return "The request could not be completed."
}

// authorizeParams reads the authorization request from a query or form.
func authorizeParams(v url.Values) authorizeRequest {
	return authorizeRequest{
		ResponseType:  v.Get("response_type"),
		ClientID:      v.Get("client_id"),
		RedirectURI:   v.Get("redirect_uri"),
		State:         v.Get("state"),
		Challenge:     v.Get("code_challenge"),
		ChallengeMode: v.Get("code_challenge_method"),
	}
}

// redirectWith sends the browser back to the client's redirect URI with params.
func redirectWith(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func redirectError(w http.ResponseWriter, r *http.Request, req authorizeRequest, e *oidcError) {
	p := url.Values{"error": {e.code}, "error_description": {e.desc}}
	if req.State != "" {
		p.Set("state", req.State)
	}
	redirectWith(w, r, req.RedirectURI, p)
}

func (s *Server) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := authorizeParams(q)
	client, redirect, fatal := s.Auth.checkAuthorize(req)
	if fatal != nil {
		s.render(w, http.StatusBadRequest, page.Data{Title: "Sign in", Error: fatal.desc})
		return
	}
	if redirect != nil {
		redirectError(w, r, req, redirect)
		return
	}
	hidden := map[string]string{}
	for _, k := range []string{"response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scopes", "scope"} {
		if v := q.Get(k); v != "" {
			hidden[k] = v
		}
	}
	s.render(w, http.StatusOK, page.Data{Title: "Sign in", Form: true, Action: "/authorize", Client: client, Hidden: hidden})
}

func (s *Server) handleAuthorizeSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, page.Data{Title: "Sign in", Error: "Malformed form."})
		return
	}
	req := authorizeParams(r.PostForm)
	client, redirect, fatal := s.Auth.checkAuthorize(req)
	if fatal != nil {
		s.render(w, http.StatusBadRequest, page.Data{Title: "Sign in", Error: fatal.desc})
		return
	}
	if redirect != nil {
		redirectError(w, r, req, redirect)
		return
	}
	if r.PostForm.Get("decision") == "deny" {
		redirectError(w, r, req, errAccessDenied("The user denied the authorization request"))
		return
	}
	who, msg := s.signIn(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"))
	if msg != "" {
		hidden := map[string]string{}
		for k := range r.PostForm {
			if k != "username" && k != "password" && k != "decision" {
				hidden[k] = r.PostForm.Get(k)
			}
		}
		s.render(w, http.StatusUnauthorized, page.Data{Title: "Sign in", Form: true, Action: "/authorize", Client: client, Hidden: hidden, Error: msg, UserName: r.PostForm.Get("username")})
		return
	}
	code := s.Auth.issueCode(req, who)
	s.Logf("authorization code issued to %s for client %s", who.UserName, client)
	p := url.Values{"code": {code}}
	if req.State != "" {
		p.Set("state", req.State)
	}
	redirectWith(w, r, req.RedirectURI, p)
}
