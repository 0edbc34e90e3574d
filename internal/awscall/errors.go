package awscall

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// Class is what kind of failure an error is, for retrying and explaining.
type Class int

// The classes, from "try again" to "someone must act".
const (
	Other Class = iota
	// Throttled: the service asked the caller to slow down.
	Throttled
	// TransientConflict: another operation on the same object is in
	// progress ("conflicting operation", IAM's ConcurrentModification).
	TransientConflict
	// Refused: the connection was refused, so the request never left.
	Refused
	// Transport: the connection broke (reset, EOF, timeout): the request
	// may or may not have reached AWS.
	Transport
	// Server: AWS answered with a server error (5xx).
	Server
	// AccessDenied: the credentials may not do this.
	AccessDenied
	// Credentials: the credentials are missing, expired or invalid.
	Credentials
	// NotFound: the object does not exist.
	NotFound
	// Conflict: the object already exists (a permanent conflict).
	Conflict
	// Quota: a service quota is reached.
	Quota
	// Invalid: AWS refused the request's content.
	Invalid
)

// Throttling reports whether the service wants the call again later.
func (c Class) Throttling() bool { return c == Throttled || c == TransientConflict }

// Transient reports a failure below or beside the API: the network or the
// service itself.
func (c Class) Transient() bool { return c == Refused || c == Transport || c == Server }

// Classify says what kind of failure err is.
func Classify(err error) Class {
	if err == nil {
		return Other
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if c := classifyCode(ae.ErrorCode(), ae.ErrorMessage()); c != Other {
			return c
		}
	}
	switch status := StatusCode(err); {
	case status == 429:
		return Throttled
	case status >= 500:
		return Server
	}
	if ae != nil {
		return Other
	}
	return classifyTransport(err)
}

func classifyCode(code, msg string) Class {
	switch code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
		"SlowDown", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException":
		return Throttled
	case "ConcurrentModification", "ConcurrentModificationException", "OperationAbortedException":
		return TransientConflict
	case "ConflictException":
		if transientConflict(msg) {
			return TransientConflict
		}
		return Conflict
	case "EntityAlreadyExists", "AlreadyExistsException", "DuplicateAccountException", "DuplicatePolicyException":
		return Conflict
	case "InternalServerException", "InternalFailure", "InternalError", "ServiceUnavailable", "ServiceUnavailableException", "ServiceFailure", "ServiceException":
		return Server
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "UnauthorizedException":
		return AccessDenied
	case "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
		"InvalidSignatureException", "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestExpired", "MissingAuthenticationToken":
		return Credentials
	case "NoSuchEntity", "ResourceNotFoundException", "NotFoundException":
		return NotFound
	case "LimitExceeded", "LimitExceededException", "ServiceQuotaExceededException", "ConstraintViolationException":
		return Quota
	case "ValidationException", "ValidationError", "MalformedPolicyDocument", "InvalidInput", "InvalidParameterValue", "InvalidInputException":
		return Invalid
	}
	if strings.HasSuffix(code, "NotFoundException") {
		return NotFound
	}
	return Other
}

// transientConflict tells "there is a conflicting operation in process" (try
// again later) from a permanent conflict such as "already exists", which
// retrying would never fix.
func transientConflict(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "conflicting operation") || strings.Contains(m, "in process") ||
		strings.Contains(m, "in progress") || strings.Contains(m, "try again")
}

func classifyTransport(err error) Class {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return Refused
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		// A dial that failed (refused, no route, no such host) sent nothing.
		return Refused
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return Transport
	}
	var se *smithyhttp.RequestSendError
	if errors.As(err, &se) {
		return Transport
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"):
		return Refused
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"), strings.Contains(msg, "broken pipe"):
		return Transport
	}
	return Other
}

// StatusCode is the HTTP status of AWS's answer, 0 when there was none.
func StatusCode(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// Code is AWS's error code ("AccessDeniedException"), "" when err is not an
// API error.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// IsNotFound reports an error saying the object does not exist.
func IsNotFound(err error) bool { return Classify(err) == NotFound }

// apiError is an AWS error shortened to "Code: message", keeping the SDK
// error underneath for errors.As.
type apiError struct {
	code, msg string
	err       error
}

func (e *apiError) Error() string {
	if e.msg == "" {
		return e.code
	}
	return e.code + ": " + e.msg
}
func (e *apiError) Unwrap() error { return e.err }

// Short shortens an SDK error ("operation error IAM: CreateRole, https
// response error StatusCode: 403, RequestID: ..., api error AccessDenied:
// ...") to its code and message; other errors are returned as they are.
func Short(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &apiError{code: ae.ErrorCode(), msg: ae.ErrorMessage(), err: err}
	}
	return err
}

// Explain turns the error of a call into one that names the operation, the
// object and the account, with a hint chosen by its class. Errors that
// already carry a hint are returned as they are.
func Explain(s *Service, c Call, attempts int, err error) error {
	if err == nil || hint.Of(err) != "" {
		return err
	}
	where := c.Op
	if c.What != "" {
		where += " " + c.What
	}
	if c.Account != "" {
		where += " in account " + c.Account
	}
	wrapped := fmt.Errorf("%s: %w", where, Short(err))
	if h, ok := s.CodeHints[Code(err)]; ok {
		return hint.Wrap(wrapped, h)
	}
	switch class := Classify(err); class {
	case Throttled, TransientConflict:
		return hint.Wrap(fmt.Errorf("%s: still refused after %d attempts: %w", where, attempts, Short(err)),
			"another tool may be using the "+s.Name+" quota; run again later (the next run picks up where this one stopped)")
	case AccessDenied:
		if s.AccessHint != "" {
			return hint.Wrap(wrapped, s.AccessHint)
		}
		h := "the credentials gatehouse uses may not call " + s.Name + ":" + c.Op
		if c.Account != "" {
			h = "the credentials gatehouse uses in account " + c.Account + " may not call " + s.Name + ":" + c.Op
		}
		return hint.Wrap(wrapped, h+"; use credentials that may (--profile), or grant the permission")
	case Credentials:
		return hint.Wrap(&explained{fmt.Sprintf("%s: the AWS credentials were rejected (%s)", where, Code(err)), err},
			"refresh them (for example `aws sso login`) or choose other credentials with --profile, then run again")
	case Refused, Transport:
		if short := network(err); short != "" {
			wrapped = &explained{where + ": " + short, err}
		}
		if loopback(err) {
			return hint.Wrap(wrapped, "is the sandbox running? `gatehouse-sandbox status` tells; `gatehouse-sandbox up` starts it")
		}
		h := "check the network"
		if s.EndpointVariable != "" {
			h += " and the endpoint (" + s.EndpointVariable + ")"
		}
		return hint.Wrap(wrapped, h+", then run again")
	case Server:
		return hint.Wrap(wrapped, "the service failed; run again later")
	case Quota:
		return hint.Wrap(wrapped, "an AWS quota is reached: raise it in Service Quotas, or change the model to need less")
	}
	if missingCredentials(err) {
		return hint.Wrap(&explained{fmt.Sprintf("%s: no usable AWS credentials", where), err},
			"pass --profile, set AWS_PROFILE, or export credentials for the management account")
	}
	return wrapped
}

// explained is an error with a message of its own that still unwraps to
// what AWS answered, so that Classify and Code work on it.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

func missingCredentials(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "get credentials") ||
		strings.Contains(msg, "no EC2 IMDS role found")
}

// network says in a few words what went wrong on the way to AWS: "cannot
// reach http://127.0.0.1:9/: connection refused"; "" when err says nothing
// more precise than itself.
func network(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return ""
	}
	cause := ue.Err
	var oe *net.OpError
	if errors.As(cause, &oe) && oe.Err != nil {
		cause = oe.Err
	}
	var se *os.SyscallError
	if errors.As(cause, &se) && se.Err != nil {
		cause = se.Err
	}
	return "cannot reach " + ue.URL + ": " + cause.Error()
}

// loopback reports whether err is about a request to this machine (the
// sandbox listens on loopback).
func loopback(err error) bool {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return false
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
