package sandbox

import (
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"net/url"
)

// pageData fills the page template.
type pageData struct {
	Title    string
	Message  string // a notice (e.g. "Request approved")
	Error    string
	Form     bool   // show the sign-in form
	Action   string // form target
	UserCode string // device page
	Client   string // the application asking
	UserName string
	Hidden   map[string]string // authorize page: the request's parameters
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · gatehouse sandbox</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#16191f}
h1{font-size:1.4rem} label{display:block;margin:.8rem 0 .2rem} input{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}
.code{font-family:monospace;font-size:1.6rem;letter-spacing:.15rem} .err{color:#b00020} .ok{color:#1d8102}
button{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem} small{color:#5f6b7a}
</style></head><body>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{end}}
{{if .Message}}<p class="ok" id="message">{{.Message}}</p>{{end}}
{{if .Form}}
<form method="post" action="{{.Action}}">
{{if .Client}}<p><b>{{.Client}}</b> asks for access to your AWS accounts.</p>{{end}}
{{if .Hidden}}{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}{{else}}
<label for="user_code">Code shown by your command line</label>
<input id="user_code" name="user_code" class="code" value="{{.UserCode}}" autocomplete="off">{{end}}
<label for="username">Username (an Identity Store user)</label>
<input id="username" name="username" value="{{.UserName}}" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<small>Every sandbox user's password is the sandbox password (default: sandbox).</small><br>
<button id="allow" name="decision" value="allow" type="submit">Allow access</button>
<button id="deny" name="decision" value="deny" type="submit">Deny</button>
</form>
{{end}}
<p><small>gatehouse sandbox: a local stand-in for AWS IAM Identity Center.</small></p>
</body></html>
`))

func (s *Sandbox) renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, d); err != nil {
		s.logger.Printf("rendering page %q: %v", d.Title, err)
	}
}

// signIn checks a user name and the sandbox password against the Identity Store.
func (s *Sandbox) signIn(r *http.Request, userName, password string) (Identity, string) {
	if userName == "" {
		return Identity{}, "Enter your username."
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(s.opts.Password)) != 1 {
		return Identity{}, "Incorrect username or password."
	}
	who, err := s.back.user(r.Context(), userName)
	if errors.Is(err, errNoSuchUser) {
		return Identity{}, "Incorrect username or password."
	}
	if err != nil {
		s.logger.Printf("sign-in of %s: %v", userName, err)
		return Identity{}, "The sandbox could not read the Identity Store; see its log."
	}
	return who, ""
}

func (s *Sandbox) handleStartPage(w http.ResponseWriter, _ *http.Request) {
	s.renderPage(w, http.StatusOK, pageData{
		Title:   "AWS access portal",
		Message: "Sign in from your command line (gatehouse login, or aws sso login with this start URL); approve the code it shows at " + s.url + "/device.",
	})
}

func (s *Sandbox) handleDevicePage(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("user_code")
	d := pageData{Title: "Authorize request", Form: true, Action: "/device", UserCode: code}
	if code != "" {
		client, err := s.auth.lookupUserCode(code)
		if err != nil {
			d.Error = pageMessage(err)
		}
		d.Client = client
	}
	s.renderPage(w, http.StatusOK, d)
}

func (s *Sandbox) handleDeviceSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Title: "Authorize request", Error: "Malformed form."})
		return
	}
	code, user := r.PostForm.Get("user_code"), r.PostForm.Get("username")
	d := pageData{Title: "Authorize request", Form: true, Action: "/device", UserCode: code, UserName: user}
	client, err := s.auth.lookupUserCode(code)
	if err != nil {
		d.Error = pageMessage(err)
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	d.Client = client
	who, msg := s.signIn(r, user, r.PostForm.Get("password"))
	if msg != "" {
		d.Error = msg
		s.renderPage(w, http.StatusUnauthorized, d)
		return
	}
	if r.PostForm.Get("decision") == "deny" {
		if err := s.auth.decide(code, nil); err != nil {
			d.Error = pageMessage(err)
			s.renderPage(w, http.StatusBadRequest, d)
			return
		}
		s.renderPage(w, http.StatusOK, pageData{Title: "Request denied", Message: "Request denied. The command line will report it; you can close this window."})
		return
	}
	if err := s.auth.decide(code, &who); err != nil {
		d.Error = pageMessage(err)
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	s.logger.Printf("user code %s approved for %s on the device page", normalizeUserCode(code), who.UserName)
	s.renderPage(w, http.StatusOK, pageData{
		Title:   "Request approved",
		Message: "Request approved for " + who.UserName + " (code " + normalizeUserCode(code) + "). You can close this window and return to the command line.",
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

func (s *Sandbox) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := authorizeParams(q)
	client, redirect, fatal := s.auth.checkAuthorize(req)
	if fatal != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Title: "Sign in", Error: fatal.desc})
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
	s.renderPage(w, http.StatusOK, pageData{Title: "Sign in", Form: true, Action: "/authorize", Client: client, Hidden: hidden})
}

func (s *Sandbox) handleAuthorizeSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Title: "Sign in", Error: "Malformed form."})
		return
	}
	req := authorizeParams(r.PostForm)
	client, redirect, fatal := s.auth.checkAuthorize(req)
	if fatal != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Title: "Sign in", Error: fatal.desc})
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
	who, msg := s.signIn(r, r.PostForm.Get("username"), r.PostForm.Get("password"))
	if msg != "" {
		hidden := map[string]string{}
		for k := range r.PostForm {
			if k != "username" && k != "password" && k != "decision" {
				hidden[k] = r.PostForm.Get(k)
			}
		}
		s.renderPage(w, http.StatusUnauthorized, pageData{Title: "Sign in", Form: true, Action: "/authorize", Client: client, Hidden: hidden, Error: msg, UserName: r.PostForm.Get("username")})
		return
	}
	code := s.auth.issueCode(req, who)
	s.logger.Printf("authorization code issued to %s for client %s", who.UserName, client)
	p := url.Values{"code": {code}}
	if req.State != "" {
		p.Set("state", req.State)
	}
	redirectWith(w, r, req.RedirectURI, p)
}
