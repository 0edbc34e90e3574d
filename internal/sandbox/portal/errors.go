package portal

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// apiError is a portal error as AWS sends it: the type in X-Amzn-Errortype
// and a JSON body with a message.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func errUnauthorized() *apiError {
	return &apiError{http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid"}
}

func errTooManyRequests() *apiError {
	return &apiError{http.StatusTooManyRequests, "TooManyRequestsException", "HTTP 429 Unknown Code"}
}

func errInvalidRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidRequestException", msg}
}

// errForbidden is what AWS answers when the user may not use the role
// ("ForbiddenException: No access"); the service model does not list it.
func errForbidden() *apiError {
	return &apiError{http.StatusForbidden, "ForbiddenException", "No access"}
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("X-Amzn-Errortype", e.typ)
	wire.WriteJSON(w, e.status, map[string]string{"message": e.msg})
}
