package oidc

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
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
	wire.WriteJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.desc})
}
