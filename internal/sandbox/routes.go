package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// maxBody bounds request bodies the front reads itself.
const maxBody = 1 << 20

// routes is the front's handler: OIDC, portal, pages, federation and the
// scripts API; everything else goes to moto.
func (s *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	// SSO OIDC.
	mux.HandleFunc("POST /client/register", s.handleRegister)
	mux.HandleFunc("POST /device_authorization", s.handleDeviceAuthorization)
	mux.HandleFunc("POST /token", s.handleToken)
	mux.HandleFunc("GET /authorize", s.handleAuthorizePage)
	mux.HandleFunc("POST /authorize", s.handleAuthorizeSubmit)
	// Pages for people.
	mux.HandleFunc("GET /device", s.handleDevicePage)
	mux.HandleFunc("POST /device", s.handleDeviceSubmit)
	mux.HandleFunc("GET /start", s.handleStartPage)
	// SSO portal.
	mux.HandleFunc("GET /assignment/accounts", s.handleListAccounts)
	mux.HandleFunc("GET /assignment/roles", s.handleListAccountRoles)
	mux.HandleFunc("GET /federation/credentials", s.handleGetRoleCredentials)
	mux.HandleFunc("POST /logout", s.handleLogout)
	// Console federation (signin.aws.amazon.com/federation).
	mux.HandleFunc("GET /federation", s.handleFederation)
	mux.HandleFunc("POST /federation", s.handleFederation)
	// Scripts and tests.
	mux.HandleFunc("POST /sandbox/approve", s.handleScriptApprove)
	mux.HandleFunc("GET /sandbox/device-authorizations", s.handleScriptPending)
	mux.HandleFunc("POST /sandbox/reconcile", s.handleScriptReconcile)
	mux.HandleFunc("GET /sandbox/health", s.handleHealth)
	// Everything else: moto.
	mux.Handle("/", s.proxy())
	return s.accessLog(mux)
}

// accessLog logs method, path (never the query: it can carry credentials)
// and status of the front's own endpoints.
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

// decodeJSON reads a JSON request body into v.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return err
	}
	if len(body) > maxBody {
		return errors.New("request body too large")
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	return json.Unmarshal(body, v)
}

// --- SSO OIDC ---

func (s *Sandbox) handleRegister(w http.ResponseWriter, r *http.Request) {
	var req registerRequest
	if err := decodeJSON(r, &req); err != nil {
		writeOIDCError(w, errInvalidRequest("malformed request body: "+err.Error()))
		return
	}
	resp, oerr := s.auth.register(req)
	if oerr != nil {
		writeOIDCError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Sandbox) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	var req deviceRequest
	if err := decodeJSON(r, &req); err != nil {
		writeOIDCError(w, errInvalidRequest("malformed request body: "+err.Error()))
		return
	}
	resp, oerr := s.auth.startDevice(req, s.url+"/device")
	if oerr != nil {
		writeOIDCError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Sandbox) handleToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		writeOIDCError(w, errInvalidRequest("malformed request body: "+err.Error()))
		return
	}
	resp, oerr := s.auth.createToken(req)
	if oerr != nil {
		writeOIDCError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// --- SSO portal ---

// portalUser applies the portal rate limit and authenticates the bearer token.
func (s *Sandbox) portalUser(w http.ResponseWriter, r *http.Request) (Identity, bool) {
	if s.limiter != nil && !s.limiter.Allow() {
		writePortalError(w, errTooManyRequests())
		return Identity{}, false
	}
	who, ok := s.auth.identify(r.Header.Get("X-Amz-Sso_bearer_token"))
	if !ok {
		writePortalError(w, errUnauthorized())
		return Identity{}, false
	}
	return who, true
}

// portalEntitlements answers a portal request's entitlements or writes the error.
func (s *Sandbox) portalEntitlements(w http.ResponseWriter, r *http.Request, who Identity) ([]Entitlement, bool) {
	ents, err := s.back.entitlements(r.Context(), who)
	if err != nil {
		s.logger.Printf("reading entitlements of %s: %v", who.UserName, err)
		writePortalError(w, &portalError{http.StatusInternalServerError, "InternalServerException", "the sandbox could not read Identity Center state"})
		return nil, false
	}
	return ents, true
}

type accountInfo struct {
	AccountID    string `json:"accountId"`
	AccountName  string `json:"accountName"`
	EmailAddress string `json:"emailAddress"`
}

type roleInfo struct {
	RoleName  string `json:"roleName"`
	AccountID string `json:"accountId"`
}

func (s *Sandbox) handleListAccounts(w http.ResponseWriter, r *http.Request) {
	who, ok := s.portalUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	start, size, perr := pageParams(q.Get("next_token"), q.Get("max_result"))
	if perr != nil {
		writePortalError(w, perr)
		return
	}
	ents, ok := s.portalEntitlements(w, r, who)
	if !ok {
		return
	}
	var all []accountInfo
	for _, e := range ents {
		if n := len(all); n > 0 && all[n-1].AccountID == e.AccountID {
			continue
		}
		all = append(all, accountInfo{AccountID: e.AccountID, AccountName: e.AccountName, EmailAddress: e.Email})
	}
	page, next := paginate(all, start, size)
	writeJSON(w, http.StatusOK, struct {
		NextToken   *string       `json:"nextToken"`
		AccountList []accountInfo `json:"accountList"`
	}{next, page})
}

func (s *Sandbox) handleListAccountRoles(w http.ResponseWriter, r *http.Request) {
	who, ok := s.portalUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	account := q.Get("account_id")
	if account == "" {
		writePortalError(w, errPortalInvalidRequest("account_id is required"))
		return
	}
	start, size, perr := pageParams(q.Get("next_token"), q.Get("max_result"))
	if perr != nil {
		writePortalError(w, perr)
		return
	}
	ents, ok := s.portalEntitlements(w, r, who)
	if !ok {
		return
	}
	var all []roleInfo
	for _, e := range ents {
		if e.AccountID == account {
			all = append(all, roleInfo{RoleName: e.RoleName, AccountID: e.AccountID})
		}
	}
	page, next := paginate(all, start, size)
	writeJSON(w, http.StatusOK, struct {
		NextToken *string    `json:"nextToken"`
		RoleList  []roleInfo `json:"roleList"`
	}{next, page})
}

func (s *Sandbox) handleGetRoleCredentials(w http.ResponseWriter, r *http.Request) {
	who, ok := s.portalUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	account, role := q.Get("account_id"), q.Get("role_name")
	if account == "" || role == "" {
		writePortalError(w, errPortalInvalidRequest("account_id and role_name are required"))
		return
	}
	ents, ok := s.portalEntitlements(w, r, who)
	if !ok {
		return
	}
	for _, e := range ents {
		if e.AccountID != account || e.RoleName != role {
			continue
		}
		creds, err := s.back.roleCredentials(r.Context(), who, e)
		if err != nil {
			s.logger.Printf("role credentials of %s for %s/%s: %v", who.UserName, account, role, err)
			writePortalError(w, &portalError{http.StatusInternalServerError, "InternalServerException", "the sandbox could not issue role credentials"})
			return
		}
		writeJSON(w, http.StatusOK, struct {
			RoleCredentials roleCreds `json:"roleCredentials"`
		}{creds})
		return
	}
	writePortalError(w, errForbidden())
}

func (s *Sandbox) handleLogout(w http.ResponseWriter, r *http.Request) {
	if s.limiter != nil && !s.limiter.Allow() {
		writePortalError(w, errTooManyRequests())
		return
	}
	if !s.auth.logout(r.Header.Get("X-Amz-Sso_bearer_token")) {
		writePortalError(w, errUnauthorized())
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Portal page sizes: AWS clamps maxResults to 100.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// pageParams parses next_token and max_result.
func pageParams(token, maxResult string) (start, size int, perr *portalError) {
	size = defaultPageSize
	if maxResult != "" {
		n, err := strconv.Atoi(maxResult)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, 0, errPortalInvalidRequest("max_result must be between 1 and 100")
		}
		size = n
	}
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		rest, ok := strings.CutPrefix(string(raw), "offset:")
		n, aerr := strconv.Atoi(rest)
		if err != nil || !ok || aerr != nil || n < 0 {
			return 0, 0, errPortalInvalidRequest("next_token is invalid")
		}
		start = n
	}
	return start, size, nil
}

// paginate returns items[start:start+size] and the token of the next page
// (nil on the last).
func paginate[T any](items []T, start, size int) ([]T, *string) {
	if start > len(items) {
		start = len(items)
	}
	end := min(start+size, len(items))
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	if end == len(items) {
		return page, nil
	}
	next := base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	return page, &next
}

// --- scripts API ---

type approveRequest struct {
	UserCode string `json:"userCode"`
	UserName string `json:"userName"`
}

func (s *Sandbox) handleScriptApprove(w http.ResponseWriter, r *http.Request) {
	var req approveRequest
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err != nil {
			writeScriptError(w, http.StatusBadRequest, err)
			return
		}
		req.UserCode, req.UserName = r.PostForm.Get("userCode"), r.PostForm.Get("userName")
	} else if err := decodeJSON(r, &req); err != nil {
		writeScriptError(w, http.StatusBadRequest, errors.New("malformed JSON body: "+err.Error()))
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
		case errors.Is(err, errNoSuchUser), req.UserCode == "":
			status = http.StatusBadRequest
		}
		writeScriptError(w, status, err)
		return
	}
	writeJSON(w, http.StatusOK, approveRequest{UserCode: code, UserName: req.UserName})
}

func (s *Sandbox) handleScriptPending(w http.ResponseWriter, _ *http.Request) {
	p := s.auth.pending()
	if p == nil {
		p = []PendingAuthorization{}
	}
	writeJSON(w, http.StatusOK, struct {
		DeviceAuthorizations []PendingAuthorization `json:"deviceAuthorizations"`
	}{p})
}

func (s *Sandbox) handleScriptReconcile(w http.ResponseWriter, r *http.Request) {
	if err := s.Reconcile(r.Context()); err != nil {
		writeScriptError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Reconciled bool `json:"reconciled"`
	}{true})
}

func (s *Sandbox) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct {
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
	writeJSON(w, status, body)
}
