// Package identitycenter is the adapter between IAM Identity Center (the
// sso-admin API) plus its Identity Store and gatehouse's state: it discovers
// the instance, reads everything a plan compares (users, groups, memberships,
// permission sets with every attribute, every account assignment) into a
// state.State, and performs the writes internal/apply asks for.
//
// Every call goes through internal/awscall: Identity Center calls, read or
// write, share one adaptive limiter per instance (AWS allows about 20 calls
// per second, shared), and Identity Store calls have their own. A create
// whose outcome is unknown (the connection broke after it was sent) is
// checked against AWS before it is sent again, so an interrupted run never
// creates a duplicate.
package identitycenter

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/retry"
)

// Options tune the client. The zero value suits AWS's published quotas.
type Options struct {
	// Rate is Identity Center calls per second, shared by every call to the
	// instance; default 18 (AWS allows 20: the rest is left for polls of
	// other tools and for timing jitter). Burst defaults to 2, so that no
	// one-second window sees more than Rate+2 calls, while two calls that
	// come together (a status poll that frees a creation slot and the next
	// create) need not wait for each other.
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
		o.Burst = 2
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
	sso    *ssoadmin.Client
	store  *identitystore.Client
	opts   Options
	region string
	// idc and idstore pace and retry the calls (internal/awscall).
	idc, idstore *awscall.Service
	stats        *awscall.Stats

	// Instance is set by Discover (or by the caller, for a saved plan).
	Instance Instance

	mu sync.Mutex
	// memberships maps group ID + "/" + user ID to membership IDs, from the
	// last read, so that removing a member costs no lookup.
	memberships map[string][]string
	// typical is how long asynchronous operations of each kind took so far.
	typical map[string]time.Duration
}

// New returns a client using cfg's credentials, region and endpoints. The
// SDK's own retries are turned off: internal/awscall retries what is safe.
// Calls are counted in stats (a new counter when nil), which the caller may
// share with other adapters.
func New(cfg aws.Config, opts Options, stats ...*awscall.Stats) *Client {
	opts = opts.withDefaults()
	st := awscall.NewStats()
	if len(stats) > 0 && stats[0] != nil {
		st = stats[0]
	}
	pol := awscall.Policy{MaxAttempts: opts.MaxAttempts, MaxTransient: 3, BaseDelay: opts.BaseDelay, MaxDelay: opts.MaxDelay}
	inflight := opts.Concurrency
	idc := awscall.NewService("sso-admin", float64(opts.Rate), inflight, st)
	idc.Limiter = awscall.NewLimiter(float64(opts.Rate), opts.Burst)
	idc.Policy, idc.EndpointVariable = pol, "AWS_ENDPOINT_URL_SSO_ADMIN"
	store := awscall.NewService("identitystore", float64(opts.StoreRate), inflight, st)
	store.Limiter = awscall.NewLimiter(float64(opts.StoreRate), opts.Burst)
	store.Policy, store.EndpointVariable = pol, "AWS_ENDPOINT_URL_IDENTITYSTORE"
	return &Client{
		sso:         ssoadmin.NewFromConfig(cfg, func(o *ssoadmin.Options) { awscall.NoSDKRetries(&o.Retryer) }),
		store:       identitystore.NewFromConfig(cfg, func(o *identitystore.Options) { awscall.NoSDKRetries(&o.Retryer) }),
		opts:        opts,
		region:      cfg.Region,
		idc:         idc,
		idstore:     store,
		stats:       st,
		memberships: map[string][]string{},
		typical:     map[string]time.Duration{},
	}
}

// Stats returns a copy of the call counters.
func (c *Client) Stats() awscall.Snapshot { return c.stats.Snapshot() }

// ResetStats zeroes the counters (benchmarks measure one phase at a time).
func (c *Client) ResetStats() { c.stats.Reset() }

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

// mode says what may be retried besides throttling (awscall.Mode).
type mode = awscall.Mode

const (
	read       = awscall.Read
	idempotent = awscall.Idempotent
	create     = awscall.Create
)

// call runs one AWS operation through the instance's or the Identity
// Store's awscall.Service. what names the object for error messages
// ("permission set ReadOnly").
func call[T any](ctx context.Context, c *Client, svc service, op, what string, m mode, fn func(context.Context) (T, error)) (T, error) {
	s := c.idc
	if svc == svcStore {
		s = c.idstore
	}
	return awscall.Do(ctx, s, awscall.Call{Op: op, What: what, Mode: m}, fn)
}

// sleep waits for d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	return retry.Sleep(ctx, d)
}

// unknown reports a create whose outcome is unknown.
func unknown(err error) bool { return errors.Is(err, awscall.ErrUnknownOutcome) }

func errorCode(err error) string { return awscall.Code(err) }
