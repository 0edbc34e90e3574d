// Package portal answers the IAM Identity Center access portal API the SDKs
// call for SSO credentials (list accounts, list account roles, get role
// credentials, logout) with AWS's wire shapes, from the entitlements moto's
// Identity Center state gives the signed-in user, and serves the portal's
// start page.
package portal

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/directory"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/oidc"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/page"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/reserved"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// Server answers the portal API.
type Server struct {
	Auth  *oidc.Authority
	Dir   *directory.Directory
	Roles *reserved.Roles
	// Limiter throttles the API as AWS does (TooManyRequestsException);
	// nil means no limit.
	Limiter *rate.Limiter
	// URL is the front's URL, which the start page names.
	URL string
	// Logf receives errors handled.
	Logf func(format string, args ...any)
}

// Register adds the portal API and the start page to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /assignment/accounts", s.handleListAccounts)
	mux.HandleFunc("GET /assignment/roles", s.handleListAccountRoles)
	mux.HandleFunc("GET /federation/credentials", s.handleGetRoleCredentials)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("GET /start", s.handleStartPage)
}

// user applies the rate limit and authenticates the bearer token.
func (s *Server) user(w http.ResponseWriter, r *http.Request) (oidc.Identity, bool) {
	if s.Limiter != nil && !s.Limiter.Allow() {
		writeError(w, errTooManyRequests())
		return oidc.Identity{}, false
	}
	who, ok := s.Auth.Identify(r.Header.Get("X-Amz-Sso_bearer_token"))
	if !ok {
		writeError(w, errUnauthorized())
		return oidc.Identity{}, false
	}
	return who, true
}

// entitlements answers who's entitlements or writes the error.
func (s *Server) entitlements(w http.ResponseWriter, r *http.Request, who oidc.Identity) ([]directory.Entitlement, bool) {
	ents, err := s.Dir.Entitlements(r.Context(), who.UserID, who.UserName)
	if err != nil {
		s.Logf("reading entitlements of %s: %v", who.UserName, err)
		writeError(w, &apiError{http.StatusInternalServerError, "InternalServerException", "the sandbox could not read Identity Center state"})
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

func (s *Server) handleListAccounts(w http.ResponseWriter, r *http.Request) {
	who, ok := s.user(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	start, size, perr := pageParams(q.Get("next_token"), q.Get("max_result"))
	if perr != nil {
		writeError(w, perr)
		return
	}
	ents, ok := s.entitlements(w, r, who)
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
	wire.WriteJSON(w, http.StatusOK, struct {
		NextToken   *string       `json:"nextToken"`
		AccountList []accountInfo `json:"accountList"`
	}{next, page})
}

func (s *Server) handleListAccountRoles(w http.ResponseWriter, r *http.Request) {
	who, ok := s.user(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	account := q.Get("account_id")
	if account == "" {
		writeError(w, errInvalidRequest("account_id is required"))
		return
	}
	start, size, perr := pageParams(q.Get("next_token"), q.Get("max_result"))
	if perr != nil {
		writeError(w, perr)
		return
	}
	ents, ok := s.entitlements(w, r, who)
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
	wire.WriteJSON(w, http.StatusOK, struct {
		NextToken *string    `json:"nextToken"`
		RoleList  []roleInfo `json:"roleList"`
	}{next, page})
}

func (s *Server) handleGetRoleCredentials(w http.ResponseWriter, r *http.Request) {
	who, ok := s.user(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	account, role := q.Get("account_id"), q.Get("role_name")
	if account == "" || role == "" {
		writeError(w, errInvalidRequest("account_id and role_name are required"))
		return
	}
	ents, ok := s.entitlements(w, r, who)
	if !ok {
		return
	}
	for _, e := range ents {
		if e.AccountID != account || e.RoleName != role {
			continue
		}
		creds, err := s.Roles.RoleCredentials(r.Context(), who.UserName, e)
		if err != nil {
			s.Logf("role credentials of %s for %s/%s: %v", who.UserName, account, role, err)
			writeError(w, &apiError{http.StatusInternalServerError, "InternalServerException", "the sandbox could not issue role credentials"})
			return
		}
		wire.WriteJSON(w, http.StatusOK, struct {
			RoleCredentials reserved.Credentials `json:"roleCredentials"`
		}{creds})
		return
	}
	writeError(w, errForbidden())
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if s.Limiter != nil && !s.Limiter.Allow() {
		writeError(w, errTooManyRequests())
		return
	}
	if !s.Auth.Logout(r.Header.Get("X-Amz-Sso_bearer_token")) {
		writeError(w, errUnauthorized())
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) handleStartPage(w http.ResponseWriter, _ *http.Request) {
	d := page.Data{
		Title:   "AWS access portal",
		Message: "Sign in from your command line (gatehouse login, or aws sso login with this start URL); approve the code it shows at " + s.URL + "/device.",
	}
	if err := page.Render(w, http.StatusOK, d); err != nil {
		s.Logf("rendering the start page: %v", err)
	}
}

// Page sizes: AWS clamps maxResults to 100.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// pageParams parses next_token and max_result.
func pageParams(token, maxResult string) (start, size int, perr *apiError) {
	size = defaultPageSize
	if maxResult != "" {
		n, err := strconv.Atoi(maxResult)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, 0, errInvalidRequest("max_result must be between 1 and 100")
		}
		size = n
	}
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		rest, ok := strings.CutPrefix(string(raw), "offset:")
		n, aerr := strconv.Atoi(rest)
		if err != nil || !ok || aerr != nil || n < 0 {
			return 0, 0, errInvalidRequest("next_token is invalid")
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
