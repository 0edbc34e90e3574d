// Package awstest gives tests a real AWS emulator: one moto server per test
// binary on a free loopback port, an aws.Config pointed at it, and a reset of
// all state between tests. Use it from TestMain:
//
//	func TestMain(m *testing.M) { awstest.Main(m) }
//
// and in a test:
//
//	cfg := awstest.Config(t) // resets moto, returns a config for account 123456789012
package awstest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
)

// ManagementAccount is the account moto answers as when no other is chosen;
// CreateOrganization makes it the management account.
const ManagementAccount = "123456789012"

// Region is the region tests use.
const Region = "us-east-1"

var (
	mu      sync.Mutex
	server  *motoserver.Server
	started bool
	opts    motoserver.Options
)

// Main runs the tests and then stops the moto server if one was started.
// Moto is started lazily by the first test that asks for it, so packages whose
// tests are all skipped by -run never start it.
func Main(m *testing.M) { MainWith(m, motoserver.Options{}) }

// MainWith is Main with options for the moto process (e.g. loading AWS-managed
// IAM policies, which costs memory per account).
func MainWith(m *testing.M, o motoserver.Options) { os.Exit(Run(m, o)) }

// Run is MainWith without the exit, for a TestMain that must exit by other
// means (testscript.Main): it runs the tests with the moto options, stops
// the server and returns the exit code.
func Run(m interface{ Run() int }, o motoserver.Options) int {
	opts = o
	code := m.Run()
	Stop()
	return code
}

// Stop stops the shared server; Main calls it.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if server != nil {
		_ = server.Stop()
		server = nil
	}
}

// Server returns the shared moto server, starting it on first use. It fails
// the test with a clear message when python3 or moto is missing.
func Server(t testing.TB) *motoserver.Server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if server != nil {
		select {
		case <-server.Done():
			t.Fatalf("moto server (pid %d) exited during the tests", server.PID)
		default:
		}
		return server
	}
	if started {
		t.Fatal("moto server failed to start earlier in this test binary")
	}
	started = true
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := motoserver.Start(ctx, opts)
	if err != nil {
		msg := err.Error()
		if h := hint.Of(err); h != "" {
			msg += "\nhint: " + h
		}
		t.Fatalf("starting moto server: %s", msg)
	}
	server = s
	return s
}

// Fresh returns the shared server after wiping its state, so each test starts
// from an empty AWS.
func Fresh(t testing.TB) *motoserver.Server {
	t.Helper()
	s := Server(t)
	if err := s.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Config resets moto and returns an aws.Config for the default account,
// pointed at it, with static dummy credentials and a single attempt per call
// (moto answers unimplemented operations with HTTP 500, which the SDK would
// otherwise retry with backoff).
func Config(t testing.TB) aws.Config {
	t.Helper()
	return ConfigFor(t, Fresh(t).URL)
}

// ConfigFor returns an aws.Config for endpoint without resetting anything.
func ConfigFor(t testing.TB, endpoint string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAGATEHOUSETEST000", "gatehouse-test-secret", "")),
		config.WithBaseEndpoint(endpoint),
		config.WithRetryMaxAttempts(1),
		// Keep the tests away from any real profile or config of the machine.
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatalf("loading AWS config for moto at %s: %v", endpoint, err)
	}
	return cfg
}

// Env returns environment variables that point an AWS CLI or SDK subprocess
// at endpoint, one variable per service (aws-sdk-go-v2's credential providers
// ignore the global AWS_ENDPOINT_URL).
func Env(endpoint string) []string {
	env := []string{
		"AWS_ACCESS_KEY_ID=AKIAGATEHOUSETEST000",
		"AWS_SECRET_ACCESS_KEY=gatehouse-test-secret",
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_EC2_METADATA_DISABLED=true",
	}
	for _, svc := range []string{"IAM", "STS", "ORGANIZATIONS", "SSO_ADMIN", "IDENTITYSTORE", "SSO", "SSO_OIDC"} {
		env = append(env, fmt.Sprintf("AWS_ENDPOINT_URL_%s=%s", svc, endpoint))
	}
	return env
}
