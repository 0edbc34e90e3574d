package iamroles

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// UnmanagedError reports an IAM object with a name the model uses that
// gatehouse did not create (it lacks the ownership tag). gatehouse leaves it
// alone unless the model says adopt: true.
type UnmanagedError struct {
	Kind      string // "role" or "SAML provider"
	AccountID string
	Account   string // the account as messages name it
	Name      string
}

func (e *UnmanagedError) Error() string {
	return fmt.Sprintf("%s %s in account %s exists and was not created by gatehouse (it has no %s=%s tag)",
		e.Kind, e.Name, e.Account, state.ManagedTagKey, state.ManagedTagValue)
}

// Hint says how to resolve the conflict.
func (e *UnmanagedError) Hint() string {
	if e.Kind == "role" {
		return "gatehouse never takes over a role made by hand: set adopt: true on the role in the model to take it over, rename the role in the model, or delete the hand-made one"
	}
	return "gatehouse never takes over a " + e.Kind + " made by hand: choose another name in the model, or delete the hand-made one"
}

// apiError is an AWS error shortened to "Code: message", keeping the SDK
// error underneath for errors.As.
type apiError struct {
	code, msg string
	err       error
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }
func (e *apiError) Unwrap() error { return e.err }

// unwrapAPI shortens an SDK error ("operation error IAM: CreateRole, https
// response error StatusCode: 403, RequestID: ..., api error AccessDenied:
// ...") to its code and message.
func unwrapAPI(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return &apiError{code: api.ErrorCode(), msg: api.ErrorMessage(), err: err}
	}
	return err
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func isAccessDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "InvalidClientTokenId":
		return true
	}
	return false
}

func isNotFound(err error) bool { return errorCode(err) == "NoSuchEntity" }

// fail turns an SDK error of action in an account into an error that names
// both, with a hint chosen by the error code.
func (c *Client) fail(accountID, action string, err error) error {
	if err == nil {
		return nil
	}
	var um *UnmanagedError
	if errors.As(err, &um) || hint.Of(err) != "" {
		return err
	}
	wrapped := fmt.Errorf("%s in account %s: %w", action, c.label(accountID), unwrapAPI(err))
	code := errorCode(err)
	switch {
	case isAccessDenied(code):
		return hint.Wrap(wrapped, "the credentials gatehouse uses in account "+c.label(accountID)+
			" may not do this: give the provisioning (or admin_role) role IAM rights on roles, role policies and SAML providers")
	case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired":
		return hint.Wrap(wrapped, "the admin's AWS session expired: sign in again and run again")
	case code == "Throttling" || code == "ThrottlingException" || strings.Contains(code, "Throttl"):
		return hint.Wrap(wrapped, "IAM throttled gatehouse: run again in a minute")
	case code == "LimitExceeded":
		return hint.Wrap(wrapped, "an IAM quota of the account is reached (roles per account, policies per role, policy size): raise it in Service Quotas or trim the model")
	case code == "MalformedPolicyDocument":
		return hint.Wrap(wrapped, "IAM refused a policy document: check the role's policies in the model (gatehouse validate), and that every principal a trust names exists")
	case code == "DeleteConflict":
		return hint.Wrap(wrapped, "something outside gatehouse still uses the role (an instance profile?): remove that use and run again")
	}
	return wrapped
}
