// Package identitycenter is the adapter between IAM Identity Center (the
// sso-admin API) plus its Identity Store and gatehouse's state: it discovers
// the instance, reads everything a plan compares (users, groups, memberships,
// permission sets with every attribute, every account assignment) into a
// state.State, and performs the writes internal/apply asks for.
//
// Every Identity Center call, read or write, goes through one token-bucket
// limiter per instance (AWS allows about 20 calls per second, shared), and
// Identity Store calls through their own. Throttling and "conflicting
// operation" errors are retried with jittered exponential backoff; reads are
// also retried on transport errors; nothing else is retried. A write whose
// outcome is unknown (the connection broke after it was sent) is checked
// against AWS before it is sent again, so an interrupted run never creates
// a duplicate.
package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/retry"
)

// OwnerTagKey is the tag gatehouse puts on every permission set it creates,
// so that a later run knows it may delete the set once the model drops it
// (docs/adr/0001-ownership.md). The reader removes it from the tags it
// reports and sets state.PermissionSet.Managed instead.
const (
	OwnerTagKey   = "gatehouse:managed-by"
	OwnerTagValue = "gatehouse"
)

// Options tune the client. The zero value suits AWS's published quotas.
type Options struct {
	// Rate is Identity Center calls per second, shared by every call to the
	// instance; default 18 (AWS allows 20: the rest is left for polls of
	// other tools and for timing jitter). Burst defaults to 1, so that no
	// one-second window sees more than Rate+1 calls.
	Rate  rate.Limit
	Burst int
	// StoreRate is Identity Store calls per second; default 18.
	StoreRate rate.Limit
	// Concurrency bounds the calls in flight; default 16.
	Concurrency int
	// MaxAttempts bounds the attempts of a throttled or conflicting call;
	// default 12.
	MaxAttempts int
	// BaseDelay is the first backoff, doubled up to MaxDelay with full
	// jitter; defaults 250ms and 20s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// PollDelay is the first wait before asking for the status of an
	// asynchronous operation, growing to PollMaxDelay; defaults 1s and 5s.
	PollDelay    time.Duration
	PollMaxDelay time.Duration
	// PollTimeout bounds the wait for one asynchronous operation; default 10m.
	PollTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Rate == 0 {
		o.Rate = 18
	}
	if o.Burst <= 0 {
		o.Burst = 1
	}
	if o.StoreRate == 0 {
		o.StoreRate = 18
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 250 * time.Millisecond
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 20 * time.Second
	}
	if o.PollDelay <= 0 {
		o.PollDelay = time.Second
	}
	if o.PollMaxDelay <= 0 {
		o.PollMaxDelay = 5 * time.Second
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 10 * time.Minute
	}
	return o
}

// Instance is an Identity Center instance and its Identity Store.
type Instance struct {
	ARN             string
	IdentityStoreID string
	OwnerAccountID  string
	Region          string
}

// Client reads and writes one Identity Center instance. It is safe for
// concurrent use.
type Client struct {
	sso      *ssoadmin.Client
	store    *identitystore.Client
	opts     Options
	region   string
	idc      *rate.Limiter
	storeLim *rate.Limiter
	inflight chan struct{}

	// Instance is set by Discover (or by the caller, for a saved plan).
	Instance Instance

	mu    sync.Mutex
	stats Stats
	// memberships maps group ID + "/" + user ID to membership IDs, from the
	// last read, so that removing a member costs no lookup.
	memberships map[string][]string
	// typical is how long asynchronous operations of each kind took so far.
	typical map[string]time.Duration
}

// New returns a client using cfg's credentials, region and endpoints. The
// SDK's own retries are turned off: the client retries what is safe itself.
func New(cfg aws.Config, opts Options) *Client {
	opts = opts.withDefaults()
	noRetry := func(r *aws.Retryer) { *r = aws.NopRetryer{} }
	return &Client{
		sso:         ssoadmin.NewFromConfig(cfg, func(o *ssoadmin.Options) { noRetry(&o.Retryer) }),
		store:       identitystore.NewFromConfig(cfg, func(o *identitystore.Options) { noRetry(&o.Retryer) }),
		opts:        opts,
		region:      cfg.Region,
		idc:         rate.NewLimiter(opts.Rate, opts.Burst),
		storeLim:    rate.NewLimiter(opts.StoreRate, opts.Burst),
		inflight:    make(chan struct{}, opts.Concurrency),
		stats:       Stats{Calls: map[string]int{}},
		memberships: map[string][]string{},
		typical:     map[string]time.Duration{},
	}
}

// Stats is what the client's calls cost so far.
type Stats struct {
	// Calls counts attempts by service:operation, e.g. "sso-admin:ListPermissionSets".
	Calls map[string]int
	// Throttled counts throttling and conflict answers that were retried.
	Throttled int
	// Retried counts every retried attempt, whatever the reason.
	Retried int
}

// Total is the number of calls made.
func (s Stats) Total() int {
	n := 0
	for _, v := range s.Calls {
		n += v
	}
	return n
}

// Operations returns the operations called, sorted.
func (s Stats) Operations() []string {
	ops := make([]string, 0, len(s.Calls))
	for k := range s.Calls {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	return ops
}

// Stats returns a copy of the counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Stats{Calls: make(map[string]int, len(c.stats.Calls)), Throttled: c.stats.Throttled, Retried: c.stats.Retried}
	for k, v := range c.stats.Calls {
		out.Calls[k] = v
	}
	return out
}

// ResetStats zeroes the counters (benchmarks measure one phase at a time).
func (c *Client) ResetStats() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats = Stats{Calls: map[string]int{}}
}

type service int

const (
	svcSSO service = iota
	svcStore
)

func (s service) String() string {
	if s == svcStore {
		return "identitystore"
	}
	return "sso-admin"
}

// mode says what may be retried besides throttling and transient conflicts.
type mode int

const (
	// read: transport and server errors too.
	read mode = iota
	// idempotent: a write that may be sent twice (put, attach, delete,
	// provision); retried like a read.
	idempotent
	// create: a write that could duplicate; nothing else is retried, and an
	// unknown outcome (transport or server error) is returned wrapping
	// errUnknownOutcome for the caller to check before sending it again.
	create
)

// errUnknownOutcome marks a write that may or may not have happened.
var errUnknownOutcome = errors.New("the request may or may not have been carried out")

// call runs one AWS operation within the limits, retrying what is safe.
// what names the object for error messages ("permission set ReadOnly").
func call[T any](ctx context.Context, c *Client, svc service, op, what string, m mode, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	lim := c.idc
	if svc == svcStore {
		lim = c.storeLim
	}
	for attempt := 1; ; attempt++ {
		select {
		case c.inflight <- struct{}{}:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
		err := lim.Wait(ctx)
		if err != nil {
			<-c.inflight
			return zero, err
		}
		c.count(svc, op)
		out, err := fn(ctx)
		<-c.inflight
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return zero, ctx.Err()
		}
		retry, throttled := retryable(err, m)
		if !retry || attempt >= c.opts.MaxAttempts || (!throttled && attempt >= 3) {
			if m == create && (isTransport(err) || statusCode(err) >= 500) {
				return zero, fmt.Errorf("%s %s: %w: %w", op, what, errUnknownOutcome, err)
			}
			return zero, explain(svc, op, what, attempt, err)
		}
		c.noteRetry(throttled)
		if err := sleep(ctx, c.backoff(attempt)); err != nil {
			return zero, err
		}
	}
}

func (c *Client) count(svc service, op string) {
	c.mu.Lock()
	c.stats.Calls[svc.String()+":"+op]++
	c.mu.Unlock()
}

func (c *Client) noteRetry(throttled bool) {
	c.mu.Lock()
	c.stats.Retried++
	if throttled {
		c.stats.Throttled++
	}
	c.mu.Unlock()
}

func (c *Client) backoff(attempt int) time.Duration {
	d := retry.Ceiling(c.opts.BaseDelay, c.opts.MaxDelay, min(attempt-1, 16))
	// Full jitter spreads the retries of many workers throttled at once.
	return retry.Jitter(d) + 1
}

// sleep waits for d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	return retry.Sleep(ctx, d)
}

// retryable classifies err: retry says to try again, throttled that AWS
// asked the caller to slow down (these get many more attempts).
func retryable(err error, m mode) (retry, throttled bool) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case isThrottleCode(code):
			return true, true
		case code == "ConflictException" && transientConflict(ae.ErrorMessage()):
			return true, true
		case m != create && (code == "InternalServerException" || code == "InternalFailure" || code == "ServiceUnavailable"):
			return true, false
		}
		return false, false
	}
	if m != create && (isTransport(err) || statusCode(err) >= 500) {
		return true, false
	}
	return false, false
}

func isThrottleCode(code string) bool {
	switch code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown":
		return true
	}
	return false
}

// transientConflict tells "there is a conflicting operation in process" (try
// again later) from a permanent conflict such as "already exists", which
// retrying would never fix.
func transientConflict(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "conflicting operation") || strings.Contains(m, "in process") ||
		strings.Contains(m, "in progress") || strings.Contains(m, "try again")
}

func statusCode(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// isTransport reports an error below HTTP: the request may not have reached
// AWS, or its answer never came back.
func isTransport(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection reset") || strings.Contains(msg, "EOF") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection refused")
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// explain turns an SDK error into one that names the operation and the
// object, with a hint for the errors people can fix.
func explain(svc service, op, what string, attempts int, err error) error {
	wrapped := fmt.Errorf("%s %s: %w", op, what, err)
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case isThrottleCode(code), code == "ConflictException" && transientConflict(ae.ErrorMessage()):
			return hint.Wrap(fmt.Errorf("%s %s: still refused after %d attempts: %w", op, what, attempts, err),
				"another tool may be using the instance's quota; run again later (the next run picks up where this one stopped)")
		case code == "AccessDeniedException" || code == "AccessDenied":
			return hint.Wrap(wrapped, fmt.Sprintf("the credentials need %s permissions on the Identity Center instance; use the management account or the delegated administrator", svc))
		case code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "InvalidSignatureException" ||
			code == "ExpiredToken" || code == "ExpiredTokenException" || code == "InvalidAccessKeyId":
			return hint.Wrap(fmt.Errorf("%s %s: the AWS credentials were rejected (%s)", op, what, code),
				"check --profile, or refresh expired credentials (e.g. aws sso login) and run again")
		}
		return wrapped
	}
	if strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "get credentials") {
		return hint.Wrap(fmt.Errorf("%s %s: no usable AWS credentials: %w", op, what, err),
			"pass --profile, set AWS_PROFILE, or export credentials for the management account")
	}
	if isTransport(err) {
		return hint.Wrap(wrapped, "check the network and the endpoint (AWS_ENDPOINT_URL_SSO_ADMIN, AWS_ENDPOINT_URL_IDENTITYSTORE)")
	}
	if statusCode(err) >= 500 {
		return hint.Wrap(wrapped, "the service failed; run again later")
	}
	return wrapped
}
