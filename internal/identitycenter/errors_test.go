package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func TestRetryable(t *testing.T) {
	netErr := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	tests := []struct {
		name             string
		err              error
		m                mode
		retry, throttled bool
	}{
		{"throttling", apiErr("ThrottlingException", "Rate exceeded"), create, true, true},
		{"too many requests", apiErr("TooManyRequestsException", ""), read, true, true},
		{"transient conflict", apiErr("ConflictException", "There is a conflicting operation in process. Please try again later."), create, true, true},
		{"already exists is permanent", apiErr("ConflictException", "PermissionSet with name X already exists"), create, false, false},
		{"access denied", apiErr("AccessDeniedException", ""), read, false, false},
		{"validation", apiErr("ValidationException", "bad"), idempotent, false, false},
		{"server error, read", apiErr("InternalServerException", ""), read, true, false},
		{"server error, idempotent write", apiErr("InternalServerException", ""), idempotent, true, false},
		{"server error, create: unknown outcome, not retried", apiErr("InternalServerException", ""), create, false, false},
		{"transport, read", netErr, read, true, false},
		{"transport, create", netErr, create, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, throttled := retryable(fmt.Errorf("wrapped: %w", tt.err), tt.m)
			if retry != tt.retry || throttled != tt.throttled {
				t.Errorf("retryable = %v, %v; want %v, %v", retry, throttled, tt.retry, tt.throttled)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name, msg, hint string
		err             error
	}{
		{"rejected credentials", "ListInstances in us-east-1: the AWS credentials were rejected (ExpiredTokenException)", "refresh expired credentials", apiErr("ExpiredTokenException", "The security token included in the request is expired")},
		{"access denied", "ListInstances in us-east-1: api error AccessDeniedException: no", "the credentials need sso-admin permissions", apiErr("AccessDeniedException", "no")},
		{"throttled to the end", "ListInstances in us-east-1: still refused after 12 attempts", "another tool may be using the instance's quota", apiErr("ThrottlingException", "Rate exceeded")},
		{"no credentials", "ListInstances in us-east-1: no usable AWS credentials", "pass --profile", errors.New("get identity: get credentials: failed to refresh cached credentials")},
		{"other", "ListInstances in us-east-1: api error ValidationException: bad", "", apiErr("ValidationException", "bad")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := explain(svcSSO, "ListInstances", "in us-east-1", 12, tt.err)
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("message = %q, want it to start with %q", err, tt.msg)
			}
			if h := hint.Of(err); !strings.Contains(h, tt.hint) || (tt.hint == "") != (h == "") {
				t.Errorf("hint = %q, want one containing %q", h, tt.hint)
			}
		})
	}
}

// TestThrottlingIsRetried puts the client behind a proxy answering
// ThrottlingException beyond 5 calls a second and reads with a client
// allowed far more: every call must still succeed, through retries.
func TestThrottlingIsRetried(t *testing.T) {
	srv := awstest.Fresh(t)
	proxy := startProxy(t, srv.URL, 5)
	c := New(awstest.ConfigFor(t, proxy.URL), Options{Rate: 1000, StoreRate: 1000, BaseDelay: 100 * time.Millisecond, MaxDelay: 1500 * time.Millisecond})
	ctx := context.Background()
	if _, err := c.Discover(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if _, err := c.CreateGroup(ctx, planGroup(fmt.Sprintf("G%d", i))); err != nil {
			t.Fatalf("CreateGroup %d behind a throttling proxy: %v", i, err)
		}
	}
	st := c.Stats()
	if st.Throttled == 0 || proxy.Stats().Throttled != st.Throttled {
		t.Errorf("client saw %d throttles, proxy sent %d; want the same, more than 0", st.Throttled, proxy.Stats().Throttled)
	}
	if got := st.Calls["identitystore:CreateGroup"]; got != 12+st.Throttled {
		t.Errorf("%d CreateGroup attempts, want 12 + %d retries", got, st.Throttled)
	}
}

func TestNoCredentials(t *testing.T) {
	cfg := awstest.ConfigFor(t, awstest.Server(t).URL)
	cfg.Credentials = aws.NewCredentialsCache(credentials.StaticCredentialsProvider{})
	_, err := New(cfg, Options{}).Discover(context.Background(), "", "")
	if err == nil || !strings.Contains(err.Error(), "no usable AWS credentials") || hint.Of(err) == "" {
		t.Errorf("Discover without credentials = %v (hint %q)", err, hint.Of(err))
	}
}
