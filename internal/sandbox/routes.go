package sandbox

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/directory"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/oidc"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/portal"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/proxy"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// routes is the front's handler: OIDC and its pages, portal, federation and
// the scripts API; everything else goes to moto. Every request passes the
// guard first.
func (s *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	(&oidc.Server{Auth: s.auth, URL: s.url, Password: s.opts.Password, LookUp: s.lookUp, Logf: s.logger.Printf}).Register(mux)
	(&portal.Server{Auth: s.auth, Dir: s.dir, Roles: s.roles, Limiter: s.limiter, URL: s.url, Logf: s.logger.Printf}).Register(mux)
	s.fed.Register(mux)
	mux.HandleFunc("POST /sandbox/approve", s.handleScriptApprove)
	mux.HandleFunc("GET /sandbox/device-authorizations", s.handleScriptPending)
	mux.HandleFunc("POST /sandbox/reconcile", s.handleScriptReconcile)
	mux.HandleFunc("GET /sandbox/health", s.handleHealth)
	mux.Handle("/", proxy.New(s.motoURL, s.roles, s.fed.NoteChained, s.logger.Printf))
	return s.accessLog(s.guard(mux))
}

// guard answers only requests meant for the sandbox by its user: addressed
// to a loopback name or address on the sandbox's own port (a web page that
// rebinds its own domain name to 127.0.0.1 sends its name as Host), and sent
// by no web page but the sandbox's own (a browser names the page's origin
// in Origin; command-line clients and SDKs send none).
func (s *Sandbox) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.ownHost(r.Host) {
			writeScriptError(w, http.StatusMisdirectedRequest, hint.New("the sandbox answers only requests addressed to 127.0.0.1:"+s.port+" (or localhost:"+s.port+")", "use the URL gatehouse-sandbox printed: "+s.url))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !s.ownOrigin(origin) {
			writeScriptError(w, http.StatusForbidden, hint.New("the sandbox refuses requests from other web pages (Origin "+origin+")", "call it from a terminal or a script, or use its own pages at "+s.url))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ownHost reports whether a Host header names the sandbox: a loopback name
// or address and the sandbox's port.
func (s *Sandbox) ownHost(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port: the scheme's default, never the sandbox's (it listens
		// on an unprivileged port).
		host, port = hostport, "80"
	}
	return port == s.port && wire.IsLoopback(host)
}

// ownOrigin reports whether an Origin header is a page of the sandbox.
func (s *Sandbox) ownOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Scheme == "http" && u.Path == "" && s.ownHost(u.Host)
}

// accessLog logs method, path (never the query: it can carry credentials)
// and status of every request.
func (s *Sandbox) accessLog(next http.Handler) http.Handler {
	if s.opts.Log == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.logger.Printf("%s %s %d %s", r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Millisecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// approveRequest is the body of POST /sandbox/approve and its answer.
type approveRequest struct {
	UserCode string `json:"userCode"`
	UserName string `json:"userName"`
}

// handleScriptApprove approves a device authorization as a user, without a
// password: it takes JSON only, which no other web page can send it.
func (s *Sandbox) handleScriptApprove(w http.ResponseWriter, r *http.Request) {
	example := `curl -s -X POST ` + s.url + `/sandbox/approve -H 'Content-Type: application/json' -d '{"userName":"alice"}'`
	if !wire.IsJSON(r) {
		writeScriptError(w, http.StatusUnsupportedMediaType, hint.New("the body must be JSON, sent with Content-Type: application/json", example))
		return
	}
	var req approveRequest
	if err := wire.DecodeJSON(r, &req); err != nil {
		writeScriptError(w, http.StatusBadRequest, hint.New("malformed JSON body: "+err.Error(), example))
		return
	}
	if req.UserName == "" {
		writeScriptError(w, http.StatusBadRequest, hint.New("userName is required", `send {"userCode":"BCDF-GHJK","userName":"alice"}`))
		return
	}
	code, err := s.approve(r.Context(), req.UserCode, req.UserName)
	if err != nil {
		status := http.StatusInternalServerError
		switch {
		case errors.Is(err, ErrUnknownCode):
			status = http.StatusNotFound
		case errors.Is(err, ErrCodeExpired), errors.Is(err, ErrCodeUsed):
			status = http.StatusConflict
		case errors.Is(err, directory.ErrNoSuchUser), req.UserCode == "":
			status = http.StatusBadRequest
		}
		writeScriptError(w, status, err)
		return
	}
	wire.WriteJSON(w, http.StatusOK, approveRequest{UserCode: code, UserName: req.UserName})
}

func (s *Sandbox) handleScriptPending(w http.ResponseWriter, _ *http.Request) {
	p := s.auth.Pending()
	if p == nil {
		p = []PendingAuthorization{}
	}
	wire.WriteJSON(w, http.StatusOK, struct {
		DeviceAuthorizations []PendingAuthorization `json:"deviceAuthorizations"`
	}{p})
}

func (s *Sandbox) handleScriptReconcile(w http.ResponseWriter, r *http.Request) {
	if err := s.Reconcile(r.Context()); err != nil {
		writeScriptError(w, http.StatusInternalServerError, err)
		return
	}
	wire.WriteJSON(w, http.StatusOK, struct {
		Reconciled bool `json:"reconciled"`
	}{true})
}

func (s *Sandbox) handleHealth(w http.ResponseWriter, _ *http.Request) {
	wire.WriteJSON(w, http.StatusOK, struct {
		OK                bool   `json:"ok"`
		ManagementAccount string `json:"managementAccount"`
		Region            string `json:"region"`
		StartURL          string `json:"startUrl"`
	}{true, s.opts.ManagementAccount, s.opts.Region, s.startURL})
}

// writeScriptError answers the scripts API: {"error": "...", "hint": "..."}.
func writeScriptError(w http.ResponseWriter, status int, err error) {
	body := map[string]string{"error": err.Error()}
	if h := hint.Of(err); h != "" {
		body["hint"] = h
	}
	wire.WriteJSON(w, status, body)
}
