package iamroles

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// apiErr is an AWS error as the SDK returns it, wrapped in its operation
// error. moto cannot produce these answers (it enforces no trust or IAM
// permission and never throttles), so their translation is tested on the
// error values themselves.
func apiErr(op, code, msg string) error {
	return fmt.Errorf("operation error IAM: %s, https response error StatusCode: 403, RequestID: x, api error %s: %w",
		op, code, &smithy.GenericAPIError{Code: code, Message: msg})
}

func testClient() *Client {
	return New(Options{Names: map[string]string{"333333333333": "production"}})
}

// TestCallErrors checks what an IAM call's failure says: the operation,
// the role and the account, AWS's code and message, and IAM's own hints.
func TestCallErrors(t *testing.T) {
	tests := []struct {
		code, wantMsg, wantHint string
		wantCalls               int
	}{
		{"AccessDenied", "CreateRole role Deploy in account production (333333333333): AccessDenied: not allowed", "may not do this", 1},
		{"ExpiredToken", "CreateRole role Deploy in account production (333333333333): the AWS credentials were rejected (ExpiredToken)", "aws sso login", 1},
		{"Throttling", "CreateRole role Deploy in account production (333333333333): still refused after 12 attempts: Throttling: not allowed", "quota", 12},
		{"LimitExceeded", "CreateRole role Deploy in account production (333333333333): LimitExceeded: not allowed", "IAM quota of the account", 1},
		{"MalformedPolicyDocument", "CreateRole role Deploy in account production (333333333333): MalformedPolicyDocument: not allowed", "refused a policy document", 1},
		{"DeleteConflict", "CreateRole role Deploy in account production (333333333333): DeleteConflict: not allowed", "instance profile", 1},
		{"ServiceFailure", "CreateRole role Deploy in account production (333333333333): ServiceFailure: not allowed", "run again later", 4},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c := New(Options{Names: map[string]string{"333333333333": "production"}, Sleep: func(context.Context, time.Duration) error { return nil }})
			calls := 0
			_, err := do(context.Background(), c, "333333333333", "CreateRole", "role Deploy", awscall.Idempotent, func(context.Context) (int, error) {
				calls++
				return 0, apiErr("CreateRole", tt.code, "not allowed")
			})
			if err.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", err, tt.wantMsg)
			}
			if h := hint.Of(err); !strings.Contains(h, tt.wantHint) {
				t.Errorf("hint = %q, want one containing %q", h, tt.wantHint)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.code {
				t.Errorf("the AWS error is not kept underneath: %v", err)
			}
			if calls != tt.wantCalls {
				t.Errorf("%d attempts, want %d", calls, tt.wantCalls)
			}
			if n := c.Stats().Calls["iam:CreateRole"]; n != tt.wantCalls {
				t.Errorf("counted %d calls, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestAssumeError(t *testing.T) {
	c := testClient()
	const role = "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"
	denied := c.assumeError("333333333333", role, "arn:aws:iam::111111111111:user/admin", "account must trust the admin",
		fmt.Errorf("operation error STS: AssumeRole: %w", &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}))
	want := "assuming " + role + " to reach account production (333333333333): AccessDenied: not authorized to perform sts:AssumeRole"
	if denied.Error() != want {
		t.Errorf("message = %q, want %q", denied, want)
	}
	if hint.Of(denied) != "account must trust the admin" {
		t.Errorf("hint = %q, want the trust hint", hint.Of(denied))
	}
	other := c.assumeError("333333333333", role, "arn:aws:iam::111111111111:user/admin", "account must trust the admin", errors.New("dial tcp: connection refused"))
	if h := hint.Of(other); !strings.Contains(h, "check that "+role+" exists") {
		t.Errorf("hint for a network error = %q", h)
	}
}

// TestWaitForPrincipals: IAM's "Invalid principal" is retried only while a
// principal this Client created is younger than PrincipalWait (moto never
// answers it: it does not check principals).
func TestWaitForPrincipals(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/Fresh"},"Action":"sts:AssumeRole"}]}`
	invalid := apiErr("CreateRole", "MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:role/Fresh\"")
	tests := []struct {
		name      string
		created   bool          // whether this Client created Fresh
		age       time.Duration // how long ago
		failures  int           // answers of Invalid principal before success
		other     error         // a different error to answer instead
		wantErr   bool
		wantCalls int
	}{
		{"just created: waits it out", true, 0, 3, nil, false, 4},
		{"not created by us: fails at once", false, 0, 3, nil, true, 1},
		{"created long ago: fails at once", true, 2 * time.Minute, 3, nil, true, 1},
		{"gives up after the wait", true, 0, 1000, nil, true, 10}, // pauses 1+2+4+8*5 s, then 8 more would pass 60 s
		{"other errors are not retried", true, 0, 0, apiErr("CreateRole", "AccessDenied", "no"), true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			c := New(Options{
				Now:   func() time.Time { return now },
				Sleep: func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil },
			})
			if tt.created {
				c.created.add("111111111111/Fresh", now.Add(-tt.age))
			}
			calls := 0
			err := c.waitForPrincipals(context.Background(), doc, func() error {
				calls++
				if tt.other != nil {
					return tt.other
				}
				if calls <= tt.failures {
					return invalid
				}
				return nil
			})
			if (err != nil) != tt.wantErr || calls != tt.wantCalls {
				t.Errorf("waitForPrincipals() = %v after %d calls; want error %v after %d", err, calls, tt.wantErr, tt.wantCalls)
			}
		})
	}
}

func TestUnmanagedErrorHints(t *testing.T) {
	role := &UnmanagedError{Kind: "role", Name: "Deploy", AccountID: "1", Account: "prod (1)"}
	if !strings.Contains(role.Hint(), "adopt: true") {
		t.Errorf("role hint = %q", role.Hint())
	}
	p := &UnmanagedError{Kind: "SAML provider", Name: "AWSIdentityCenter", AccountID: "1", Account: "prod (1)"}
	if strings.Contains(p.Hint(), "adopt") || !strings.Contains(p.Error(), "SAML provider AWSIdentityCenter in account prod (1)") {
		t.Errorf("SAML provider error/hint = %q / %q", p.Error(), p.Hint())
	}
	if hint.Of(fmt.Errorf("apply: %w", role)) == "" {
		t.Error("hint.Of does not find the UnmanagedError's hint through wrapping")
	}
}
