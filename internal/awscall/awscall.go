// Package awscall is the one way gatehouse calls AWS. Every adapter
// (Identity Center and its Identity Store, IAM in many accounts,
// Organizations, the SSO portal) sends each call through Do, which gives it,
// by construction:
//
//   - pacing: one adaptive token bucket per service (Limiter) that slows
//     down when AWS throttles and speeds back up as calls succeed, and a
//     bound on calls in flight;
//   - retries by one policy: throttling and transient conflicts are retried
//     with jittered exponential backoff in every mode; network failures
//     (connection reset, EOF, timeouts) and server errors are retried on
//     reads and idempotent writes, never on a create whose effect is unknown
//     (the caller looks it up first: ErrUnknownOutcome); a connection that
//     was refused never reached AWS and is retried in every mode;
//   - call statistics by service and operation (Stats);
//   - errors that name the operation, the object and the account, with a
//     hint for what people can fix (Explain).
//
// The SDK's own retries are turned off for clients used this way
// (NoSDKRetries), so that nothing is retried twice over.
package awscall

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse-dev/gatehouse/internal/retry"
)

// Mode says what a call may have done when its answer is lost, and so what
// may be retried besides throttling.
type Mode int

const (
	// Read changes nothing: every transient failure is retried.
	Read Mode = iota
	// Idempotent is a write that may be sent twice (put, attach, delete,
	// tag, provision): retried like a read.
	Idempotent
	// Create could duplicate: beyond throttling and refused connections,
	// nothing is retried, and an unknown outcome (the connection broke after
	// the request was sent, or the server failed) is returned wrapping
	// ErrUnknownOutcome for the caller to check before sending it again.
	Create
)

// ErrUnknownOutcome marks a write that may or may not have happened.
var ErrUnknownOutcome = errors.New("the request may or may not have been carried out")

// Call describes one AWS operation for pacing, statistics and messages.
type Call struct {
	// Op is the API operation, e.g. "CreateAccountAssignment".
	Op string
	// What names the object for messages, e.g. "permission set ReadOnly".
	What string
	// Account labels the account the call acts in, when there is one, e.g.
	// "production (333333333333)".
	Account string
	Mode    Mode
}

// Policy bounds retries.
type Policy struct {
	// MaxAttempts bounds the attempts of a throttled or conflicting call
	// (default 12).
	MaxAttempts int
	// MaxTransient bounds the attempts of a call failing on the network or
	// with a server error (default 4).
	MaxTransient int
	// BaseDelay is the first backoff, doubled up to MaxDelay with full
	// jitter (defaults 250ms and 20s).
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 12
	}
	if p.MaxTransient <= 0 {
		p.MaxTransient = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 250 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 20 * time.Second
	}
	return p
}

// Service is one rate-limited AWS endpoint as gatehouse sees it: an
// Identity Center instance, its Identity Store, IAM of one account,
// Organizations, the SSO portal. A Service is safe for concurrent use.
type Service struct {
	// Name labels the service in statistics and messages ("sso-admin").
	Name string
	// Limiter paces the calls; nil means no pacing.
	Limiter *Limiter
	// Stats counts the calls; nil means not counted.
	Stats *Stats
	// Policy bounds retries.
	Policy Policy
	// EndpointVariable names what to check when the endpoint cannot be
	// reached, e.g. "AWS_ENDPOINT_URL_SSO_ADMIN".
	EndpointVariable string
	// AccessHint, when set, is the hint of an access-denied error (what the
	// credentials need, in the adapter's words).
	AccessHint string
	// CodeHints are hints for particular AWS error codes
	// ("MalformedPolicyDocument": "check the role's policies ...").
	CodeHints map[string]string
	// Sleep waits between attempts; retry.Sleep when nil (tests inject
	// their own clock).
	Sleep func(ctx context.Context, d time.Duration) error

	inflight chan struct{}
}

// NewService returns a service paced at rps calls per second (burst 1: no
// one-second window sees more than rps+1 calls, and the limiter adapts),
// with at most concurrency calls in flight (no bound when 0).
func NewService(name string, rps float64, concurrency int, stats *Stats) *Service {
	s := &Service{Name: name, Stats: stats}
	if rps > 0 {
		s.Limiter = NewLimiter(rps, 1)
	}
	if concurrency > 0 {
		s.inflight = make(chan struct{}, concurrency)
	}
	return s
}

// Do runs fn, one attempt of the call c, within s's pacing and retry
// policy, and returns its result or an error that Explain has made
// readable. The context's end stops waiting and retrying at once.
func Do[T any](ctx context.Context, s *Service, c Call, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	pol := s.Policy.withDefaults()
	transient := 0
	for attempt := 1; ; attempt++ {
		if err := s.acquire(ctx); err != nil {
			return zero, err
		}
		s.Stats.count(s.Name, c.Op)
		out, err := fn(ctx)
		s.release()
		if err == nil {
			s.Limiter.Succeeded()
			return out, nil
		}
		if ctx.Err() != nil {
			return zero, ctx.Err()
		}
		class := Classify(err)
		retryable := false
		switch {
		case class.Throttling():
			s.Limiter.Throttled()
			retryable = attempt < pol.MaxAttempts
		case class == Refused:
			transient++
			retryable = transient < pol.MaxTransient
		case class.Transient() && c.Mode != Create:
			transient++
			retryable = transient < pol.MaxTransient
		}
		if !retryable {
			if c.Mode == Create && class.Transient() && class != Refused {
				return zero, fmt.Errorf("%s %s: %w: %w", c.Op, c.What, ErrUnknownOutcome, err)
			}
			return zero, Explain(s, c, attempt, err)
		}
		s.Stats.retried(class.Throttling())
		if err := s.sleep(ctx, backoff(pol, attempt)); err != nil {
			return zero, err
		}
	}
}

func (s *Service) acquire(ctx context.Context) error {
	if s.inflight != nil {
		select {
		case s.inflight <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := s.Limiter.Wait(ctx); err != nil {
		s.release()
		return err
	}
	return nil
}

func (s *Service) release() {
	if s.inflight != nil {
		<-s.inflight
	}
}

func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	return retry.Sleep(ctx, d)
}

// backoff is full jitter: a uniformly random wait below an exponentially
// growing, capped ceiling, so that workers throttled together do not retry
// together.
func backoff(p Policy, attempt int) time.Duration {
	return retry.Jitter(retry.Ceiling(p.BaseDelay, p.MaxDelay, min(attempt-1, 16))) + time.Millisecond
}

// NoSDKRetries is a client option that turns the SDK's own retries off, for
// clients whose calls go through Do.
func NoSDKRetries(r *aws.Retryer) { *r = aws.NopRetryer{} }
