package awscall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg}
}

func withStatus(status int, err error) error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}
}

func sendErr(rawURL string, err error) error {
	return &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: rawURL, Err: err}}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{}}
	for _, tc := range []struct {
		name string
		err  error
		want Class
	}{
		{"throttling", apiErr("ThrottlingException", "Rate exceeded"), Throttled},
		{"portal throttling by status", withStatus(429, errors.New("too many")), Throttled},
		{"IAM throttling", apiErr("Throttling", ""), Throttled},
		{"conflicting operation in progress", apiErr("ConflictException", "There is a conflicting operation in process"), TransientConflict},
		{"IAM concurrent modification", apiErr("ConcurrentModification", ""), TransientConflict},
		{"name already taken", apiErr("ConflictException", "PermissionSet with name Dev already exists"), Conflict},
		{"role exists", apiErr("EntityAlreadyExists", ""), Conflict},
		{"server error code", apiErr("InternalServerException", ""), Server},
		{"server error status", withStatus(503, errors.New("unavailable")), Server},
		{"access denied", apiErr("AccessDeniedException", "no"), AccessDenied},
		{"expired", apiErr("ExpiredTokenException", ""), Credentials},
		{"not found", apiErr("ResourceNotFoundException", ""), NotFound},
		{"IAM not found", apiErr("NoSuchEntity", ""), NotFound},
		{"other not found", apiErr("AWSOrganizationsNotFoundException", ""), NotFound},
		{"quota", apiErr("LimitExceeded", ""), Quota},
		{"invalid", apiErr("ValidationException", ""), Invalid},
		{"unknown code", apiErr("SomethingNew", ""), Other},
		{"connection refused", sendErr("http://127.0.0.1:1/", syscall.ECONNREFUSED), Refused},
		{"dial failure", sendErr("https://sso.example/", refused), Refused},
		{"connection reset", sendErr("https://sso.example/", syscall.ECONNRESET), Transport},
		{"EOF", sendErr("https://sso.example/", io.EOF), Transport},
		{"unexpected EOF", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), Transport},
		{"timeout", sendErr("https://sso.example/", &timeoutErr{}), Transport},
		{"plain error", errors.New("boom"), Other},
		{"nil", nil, Other},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify() = %d, want %d", tc.name, got, tc.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// script answers attempts with errs in order, then success.
type script struct {
	errs  []error
	calls int
}

func (s *script) fn(context.Context) (string, error) {
	s.calls++
	if s.calls <= len(s.errs) {
		return "", s.errs[s.calls-1]
	}
	return "ok", nil
}

func noSleep(context.Context, time.Duration) error { return nil }

func TestDoRetries(t *testing.T) {
	t.Parallel()
	reset := sendErr("https://sso.example/", syscall.ECONNRESET)
	refused := sendErr("https://sso.example/", syscall.ECONNREFUSED)
	throttle := apiErr("ThrottlingException", "slow down")
	for _, tc := range []struct {
		name      string
		mode      Mode
		errs      []error
		wantCalls int
		wantErr   string // "" for success
		unknown   bool   // the error wraps ErrUnknownOutcome
	}{
		{"success at once", Read, nil, 1, "", false},
		{"throttling is retried in every mode", Create, []error{throttle, throttle}, 3, "", false},
		{"transient conflict is retried", Create, []error{apiErr("ConflictException", "conflicting operation in process")}, 2, "", false},
		{"reset read is retried", Read, []error{reset, reset}, 3, "", false},
		{"reset idempotent write is retried", Idempotent, []error{reset}, 2, "", false},
		{"reset create is not retried: outcome unknown", Create, []error{reset}, 1, "connection reset", true},
		{"server error on create: outcome unknown", Create, []error{apiErr("InternalServerException", "")}, 1, "InternalServerException", true},
		{"refused create is retried: nothing was sent", Create, []error{refused}, 2, "", false},
		{"transient failures are bounded", Read, []error{reset, reset, reset, reset, reset}, 4, "connection reset", false},
		{"throttling is bounded", Read, []error{throttle, throttle, throttle, throttle, throttle, throttle, throttle, throttle, throttle, throttle, throttle, throttle, throttle}, 12, "still refused after 12 attempts", false},
		{"access denied is not retried", Read, []error{apiErr("AccessDeniedException", "no")}, 1, "AccessDeniedException: no", false},
		{"permanent conflict is not retried", Create, []error{apiErr("ConflictException", "already exists")}, 1, "already exists", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stats := NewStats()
			s := &Service{Name: "sso-admin", Stats: stats, Sleep: noSleep}
			sc := &script{errs: tc.errs}
			got, err := Do(context.Background(), s, Call{Op: "CreatePermissionSet", What: "permission set Dev", Mode: tc.mode}, sc.fn)
			if sc.calls != tc.wantCalls {
				t.Errorf("attempts = %d, want %d", sc.calls, tc.wantCalls)
			}
			if n := stats.Snapshot().Calls["sso-admin:CreatePermissionSet"]; n != tc.wantCalls {
				t.Errorf("counted %d calls, want %d", n, tc.wantCalls)
			}
			switch {
			case tc.wantErr == "" && (err != nil || got != "ok"):
				t.Fatalf("Do() = %q, %v; want ok", got, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Do() error = %v, want one containing %q", err, tc.wantErr)
			}
			if errors.Is(err, ErrUnknownOutcome) != tc.unknown {
				t.Errorf("errors.Is(ErrUnknownOutcome) = %v, want %v (err %v)", !tc.unknown, tc.unknown, err)
			}
		})
	}
}

func TestDoStopsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{Name: "iam", Sleep: func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }}
	sc := &script{errs: []error{apiErr("Throttling", "")}}
	if _, err := Do(ctx, s, Call{Op: "ListRoles"}, sc.fn); !errors.Is(err, context.Canceled) {
		t.Errorf("Do() error = %v, want context.Canceled", err)
	}
	if sc.calls != 1 {
		t.Errorf("attempts after cancel = %d, want 1", sc.calls)
	}
}

func TestDoBoundsCallsInFlight(t *testing.T) {
	t.Parallel()
	s := NewService("identitystore", 0, 2, nil)
	release := make(chan struct{})
	started := make(chan struct{}, 3)
	var mu sync.Mutex
	cur, peak := 0, 0
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = Do(context.Background(), s, Call{Op: "ListUsers"}, func(context.Context) (int, error) {
				mu.Lock()
				cur++
				peak = max(peak, cur)
				mu.Unlock()
				started <- struct{}{}
				<-release
				mu.Lock()
				cur--
				mu.Unlock()
				return 0, nil
			})
		}()
	}
	<-started
	<-started
	close(release)
	wg.Wait()
	if peak > 2 {
		t.Errorf("%d calls were in flight at once, want at most 2", peak)
	}
}

func TestLimiterAdapts(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	l := NewLimiter(20, 1)
	l.now = func() time.Time { return now }
	l.Throttled()
	if got := l.Rate(); got != 18 {
		t.Fatalf("after a throttle: %v calls/s, want 18", got)
	}
	l.Throttled() // same second: one episode, one cut
	if got := l.Rate(); got != 18 {
		t.Errorf("after a second throttle in the same second: %v, want 18", got)
	}
	for range 20 {
		now = now.Add(2 * time.Second)
		l.Throttled()
	}
	if got := l.Rate(); got != 10 {
		t.Errorf("after sustained throttling: %v, want the floor 10", got)
	}
	for range 1000 {
		l.Succeeded()
	}
	if got := l.Rate(); got != 20 {
		t.Errorf("after many successes: %v, want back to 20", got)
	}
	var nilLimiter *Limiter
	nilLimiter.Throttled()
	nilLimiter.Succeeded()
	if err := nilLimiter.Wait(context.Background()); err != nil {
		t.Errorf("nil limiter Wait() = %v", err)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	s := &Service{Name: "sso-admin", EndpointVariable: "AWS_ENDPOINT_URL_SSO_ADMIN"}
	c := Call{Op: "ListInstances", What: "of the organization", Account: "production (333333333333)"}
	for _, tc := range []struct {
		name, wantMsg, wantHint string
		err                     error
	}{
		{"access denied names account and action", "ListInstances of the organization in account production (333333333333): AccessDeniedException: nope",
			"the credentials gatehouse uses in account production (333333333333) may not call sso-admin:ListInstances", apiErr("AccessDeniedException", "nope")},
		{"expired credentials", "the AWS credentials were rejected (ExpiredTokenException)", "aws sso login", apiErr("ExpiredTokenException", "")},
		{"sandbox down", "ListInstances of the organization in account production (333333333333): cannot reach http://127.0.0.1:45123/: connection refused", "is the sandbox running? `gatehouse-sandbox status`", sendErr("http://127.0.0.1:45123/", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})},
		{"remote endpoint down", "ListInstances", "AWS_ENDPOINT_URL_SSO_ADMIN", sendErr("https://sso.us-east-1.amazonaws.com/", syscall.ECONNREFUSED)},
		{"throttled to the end", "still refused after 3 attempts", "another tool may be using the sso-admin quota", apiErr("ThrottlingException", "")},
		{"no credentials", "no usable AWS credentials", "pass --profile", errors.New("failed to retrieve credentials: no EC2 IMDS role found")},
		{"server", "InternalServerException", "run again later", apiErr("InternalServerException", "")},
	} {
		err := Explain(s, c, 3, tc.err)
		if !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("%s: message %q lacks %q", tc.name, err.Error(), tc.wantMsg)
		}
		if h := hint.Of(err); !strings.Contains(h, tc.wantHint) {
			t.Errorf("%s: hint %q lacks %q", tc.name, h, tc.wantHint)
		}
	}
	already := hint.Wrap(errors.New("x"), "y")
	if got := Explain(s, c, 1, already); got != already {
		t.Errorf("Explain rewrapped an error that has a hint: %v", got)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	st := NewStats()
	st.count("iam", "ListRoles")
	st.count("iam", "ListRoles")
	st.count("sts", "AssumeRole")
	st.retried(true)
	st.retried(false)
	snap := st.Snapshot()
	want := Snapshot{Calls: map[string]int{"iam:ListRoles": 2, "sts:AssumeRole": 1}, Throttled: 1, Retried: 2}
	if diff := cmp.Diff(want, snap); diff != "" {
		t.Errorf("Snapshot() mismatch (-want +got):\n%s", diff)
	}
	if snap.Total() != 3 || snap.Service("iam") != 2 || snap.Service("io") != 0 {
		t.Errorf("Total/Service = %d/%d/%d", snap.Total(), snap.Service("iam"), snap.Service("io"))
	}
	if diff := cmp.Diff([]string{"iam:ListRoles", "sts:AssumeRole"}, snap.Operations()); diff != "" {
		t.Errorf("Operations() mismatch: %s", diff)
	}
	st.Reset()
	if st.Snapshot().Total() != 0 {
		t.Error("Reset left calls")
	}
	var none *Stats
	none.count("x", "y")
	if none.Snapshot().Total() != 0 {
		t.Error("nil Stats counted")
	}
}
