package sandbox

import (
	"encoding/json"
	"net/http"
)

// oidcError is an SSO OIDC error as AWS sends it: the type in the
// X-Amzn-Errortype header, an OAuth-style JSON body.
type oidcError struct {
	status int
	typ    string // e.g. AuthorizationPendingException
	code   string // e.g. authorization_pending
	desc   string
}

func (e *oidcError) Error() string { return e.typ + ": " + e.desc }

// The SSO OIDC errors the front returns (status codes from the service model).
func errAuthorizationPending() *oidcError {
	return &oidcError{http.StatusBadRequest, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending"}
}

func errSlowDown() *oidcError {
	return &oidcError{http.StatusBadRequest, "SlowDownException", "slow_down", "Client is polling too fast; wait the interval between requests"}
}

func errExpiredToken(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "ExpiredTokenException", "expired_token", desc}
}

func errInvalidGrant(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "InvalidGrantException", "invalid_grant", desc}
}

func errInvalidClient(desc string) *oidcError {
	return &oidcError{http.StatusUnauthorized, "InvalidClientException", "invalid_client", desc}
}

func errInvalidRequest(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "InvalidRequestException", "invalid_request", desc}
}

func errUnauthorizedClient(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "UnauthorizedClientException", "unauthorized_client", desc}
}

func errUnsupportedGrantType(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "UnsupportedGrantTypeException", "unsupported_grant_type", desc}
}

func errInvalidScope(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "InvalidScopeException", "invalid_scope", desc}
}

func errInvalidRedirectURI(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "InvalidRedirectUriException", "invalid_redirect_uri", desc}
}

func errAccessDenied(desc string) *oidcError {
	return &oidcError{http.StatusBadRequest, "AccessDeniedException", "access_denied", desc}
}

func writeOIDCError(w http.ResponseWriter, e *oidcError) {
	w.Header().Set("X-Amzn-Errortype", e.typ)
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.desc})
}

// portalError is an SSO portal error: the type in X-Amzn-Errortype and a
// JSON body with a message.
type portalError struct {
	status int
	typ    string
	msg    string
}

func (e *portalError) Error() string { return e.typ + ": " + e.msg }

func errUnauthorized() *portalError {
	return &portalError{http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid"}
}

func errTooManyRequests() *portalError {
	return &portalError{http.StatusTooManyRequests, "TooManyRequestsException", "HTTP 429 Unknown Code"}
}

func errPortalInvalidRequest(msg string) *portalError {
	return &portalError{http.StatusBadRequest, "InvalidRequestException", msg}
}

// errForbidden is what AWS answers when the user may not use the role
// ("ForbiddenException: No access"); the service model does not list it.
func errForbidden() *portalError {
	return &portalError{http.StatusForbidden, "ForbiddenException", "No access"}
}

func writePortalError(w http.ResponseWriter, e *portalError) {
	w.Header().Set("X-Amzn-Errortype", e.typ)
	writeJSON(w, e.status, map[string]string{"message": e.msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
