package identitycenter

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

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
