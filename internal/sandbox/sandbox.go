// Package sandbox is gatehouse's local stand-in for AWS. It runs a moto
// server (IAM, STS, Organizations, SSO Admin, Identity Store) behind a front
// on one loopback port. The front answers what moto lacks, with AWS's wire
// shapes: the IAM Identity Center OIDC API (client registration, device
// code, authorization code with PKCE, refresh tokens), the SSO portal API
// (accounts, roles, role credentials, logout), a sign-in and device-approval
// page, and the console federation endpoint. It also does what AWS does and
// moto does not: it creates the AWSReservedSSO_* role in an account when a
// permission set is assigned there and removes it with the last assignment.
// Every other request is proxied to moto.
//
// What a user may reach comes from moto's live state: Identity Store users
// and group memberships, account assignments and permission sets of the
// management account's Identity Center instance.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
)

// Defaults of Options.
const (
	DefaultManagementAccount = "123456789012" // moto's default account
	DefaultRegion            = "us-east-1"
	DefaultPassword          = "sandbox"
)

// adminUser is the IAM user in the management account whose access key
// Env hands out.
const adminUser = "gatehouse-sandbox-admin"

// Options configure a sandbox. The zero value starts moto and a front on a
// free loopback port for account 123456789012 in us-east-1.
type Options struct {
	// MotoURL wraps a moto server that is already running (tests share one
	// per binary) instead of starting one. Stop leaves it running. Start it
	// with MotoPreamble if Bootstrap is to create accounts with fixed IDs.
	MotoURL string
	// Moto configures the moto process Start starts when MotoURL is empty.
	// Its Preamble defaults to MotoPreamble.
	Moto motoserver.Options
	// Addr is the front's listen address; default 127.0.0.1:0 (a free port).
	// Only loopback addresses are accepted.
	Addr string
	// ManagementAccount owns the organization and the Identity Center
	// instance; default 123456789012.
	ManagementAccount string
	// Region is Identity Center's region; default us-east-1.
	Region string
	// Password is what every Identity Store user types on the sign-in
	// page; default "sandbox".
	Password string
	// StartURL is the access portal URL the front reports; default the
	// front's URL + "/start". Clients may send any start URL.
	StartURL string
	// AccessTokenTTL is the lifetime of OIDC access tokens; default 1 h.
	AccessTokenTTL time.Duration
	// DeviceCodeTTL is the lifetime of device authorizations; default 10 min.
	DeviceCodeTTL time.Duration
	// PollInterval is the device-code polling interval clients are told
	// to keep (polling at under half of it answers SlowDownException);
	// default 1 s.
	PollInterval time.Duration
	// PortalRateLimit caps the SSO portal API at this many requests per
	// second (TooManyRequestsException beyond it), like AWS's throttling;
	// 0 means no limit.
	PortalRateLimit float64
	// Log receives one line per notable event (roles created, errors
	// handled); nil discards.
	Log io.Writer
	// Now is the clock for token lifetimes; default time.Now.
	Now func() time.Time
}

// Sandbox is a running front (and, unless Options.MotoURL was given, the
// moto server behind it).
type Sandbox struct {
	opts     Options
	moto     *motoserver.Server // nil when wrapping an existing server
	motoURL  *url.URL
	url      string
	startURL string
	srv      *http.Server
	ln       net.Listener
	served   chan error
	auth     *authority
	back     *backend
	fed      *federation
	limiter  *rate.Limiter
	creds    aws.Credentials
	logger   *log.Logger
	stopOnce sync.Once
	stopErr  error
}

// Errors of Approve and the device page.
var (
	ErrUnknownCode = errors.New("no device authorization has this user code")
	ErrCodeExpired = errors.New("the user code has expired")
	ErrCodeUsed    = errors.New("the user code was already approved or denied")
)

var (
	errUnknownCode = hint.Wrap(ErrUnknownCode, "check the code the login command printed, or list pending codes: GET /sandbox/device-authorizations")
	errCodeExpired = hint.Wrap(ErrCodeExpired, "start the login again: device codes last 10 minutes")
)

// Start starts moto (unless opts.MotoURL is set) and the front, and returns
// once both answer. Stop releases them.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	if opts.ManagementAccount == "" {
		opts.ManagementAccount = DefaultManagementAccount
	}
	if !isAccountID(opts.ManagementAccount) {
		return nil, hint.New(fmt.Sprintf("management account %q is not 12 digits", opts.ManagementAccount), "give an AWS account ID such as 111111111111")
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.DeviceCodeTTL <= 0 {
		opts.DeviceCodeTTL = 10 * time.Minute
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if host, _, err := net.SplitHostPort(opts.Addr); err != nil || !isLoopback(host) {
		return nil, hint.New(fmt.Sprintf("listen address %q is not a loopback address", opts.Addr), "use 127.0.0.1:PORT: the sandbox accepts any password and must not be reachable from other machines")
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	s := &Sandbox{opts: opts, served: make(chan error, 1), logger: log.New(logw, "sandbox: ", log.LstdFlags)}
	if opts.PortalRateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(opts.PortalRateLimit), max(1, int(opts.PortalRateLimit)))
	}

	motoURL := opts.MotoURL
	if motoURL == "" {
		mo := opts.Moto
		if mo.Preamble == "" {
			mo.Preamble = MotoPreamble
		}
		m, err := motoserver.Start(ctx, mo)
		if err != nil {
			return nil, err
		}
		s.moto = m
		motoURL = m.URL
	}
	u, err := url.Parse(motoURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		s.stopMoto()
		return nil, fmt.Errorf("moto URL %q is not an absolute URL", motoURL)
	}
	s.motoURL = u

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		s.stopMoto()
		return nil, hint.Wrap(fmt.Errorf("listening on %s: %w", opts.Addr, err), "choose another port, or omit it for a free one")
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.startURL = opts.StartURL
	if s.startURL == "" {
		s.startURL = s.url + "/start"
	}

	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(opts.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIASANDBOXFRONT0000", "sandbox-front", "")),
		config.WithBaseEndpoint(motoURL),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 })
		}),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		s.stopMoto()
		ln.Close()
		return nil, fmt.Errorf("configuring the AWS client for moto: %w", err)
	}
	s.back = &backend{cfg: cfg, mgmt: opts.ManagementAccount, region: opts.Region, logf: s.logger.Printf}
	s.auth = newAuthority(opts.Now, opts.AccessTokenTTL, opts.DeviceCodeTTL, opts.PollInterval)
	s.fed = newFederation(opts.Now)

	s.creds, err = s.adminCredentials(ctx)
	if err != nil {
		s.stopMoto()
		ln.Close()
		return nil, err
	}

	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// adminCredentials returns an access key of an IAM user in the management
// account, created in moto if needed: moto maps the keys it issued to their
// account, so clients using it act as the management account.
func (s *Sandbox) adminCredentials(ctx context.Context) (aws.Credentials, error) {
	c := s.back.iamIn(s.opts.ManagementAccount)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(adminUser)})
	var exists *iamtypes.EntityAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return aws.Credentials{}, fmt.Errorf("creating the sandbox admin user in %s: %w", s.opts.ManagementAccount, err)
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
		UserName:       aws.String(adminUser),
		PolicyName:     aws.String("AdministratorAccess"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
	}); err != nil {
		return aws.Credentials{}, fmt.Errorf("granting the sandbox admin user access: %w", err)
	}
	out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(adminUser)})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("creating an access key for the sandbox admin user: %w", err)
	}
	return aws.Credentials{
		AccessKeyID:     aws.ToString(out.AccessKey.AccessKeyId),
		SecretAccessKey: aws.ToString(out.AccessKey.SecretAccessKey),
	}, nil
}

// URL is the single endpoint of every service: http://127.0.0.1:PORT.
func (s *Sandbox) URL() string { return s.url }

// StartURL is the access portal URL to log in with.
func (s *Sandbox) StartURL() string { return s.startURL }

// Region is Identity Center's region.
func (s *Sandbox) Region() string { return s.opts.Region }

// ManagementAccount is the account that owns the organization and Identity Center.
func (s *Sandbox) ManagementAccount() string { return s.opts.ManagementAccount }

// MotoURL is the moto server behind the front. Requests sent there bypass
// the front: no AWSReservedSSO roles follow assignments made that way until
// Reconcile runs.
func (s *Sandbox) MotoURL() string { return s.motoURL.String() }

// MotoPID is the PID of the moto process the sandbox started, or 0.
func (s *Sandbox) MotoPID() int {
	if s.moto == nil {
		return 0
	}
	return s.moto.PID
}

// Credentials are the management account's access key (an IAM user moto
// issued it for), as Env exports them.
func (s *Sandbox) Credentials() aws.Credentials { return s.creds }

// endpointServices are the services Env points at the sandbox, by the
// suffix of their AWS_ENDPOINT_URL_<SERVICE> variable.
var endpointServices = []string{"SSO", "SSO_OIDC", "STS", "IAM", "ORGANIZATIONS", "SSO_ADMIN", "IDENTITYSTORE"}

// EndpointEnv returns the variables that point AWS CLIs and SDKs at the
// sandbox (one AWS_ENDPOINT_URL_<SERVICE> per service, since aws-sdk-go-v2's
// credential providers ignore the global AWS_ENDPOINT_URL), set the region
// and point gatehouse console at the sandbox's federation endpoint, without
// credentials.
func (s *Sandbox) EndpointEnv() []string {
	return endpointEnv(s.url, s.opts.Region)
}

func endpointEnv(url, region string) []string {
	env := []string{"AWS_ENDPOINT_URL=" + url}
	for _, svc := range endpointServices {
		env = append(env, "AWS_ENDPOINT_URL_"+svc+"="+url)
	}
	return append(env, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region, "AWS_EC2_METADATA_DISABLED=true",
		// gatehouse console's override of the federation endpoint.
		federationEnv+"="+url+"/federation")
}

// federationEnv is the variable gatehouse console reads the federation
// endpoint (https://signin.aws.amazon.com/federation) from.
const federationEnv = "GATEHOUSE_FEDERATION_ENDPOINT"

// Env is EndpointEnv plus the management account's dummy credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): what an admin needs to run
// gatehouse plan and apply against the sandbox.
func (s *Sandbox) Env() []string {
	return append(s.EndpointEnv(),
		"AWS_ACCESS_KEY_ID="+s.creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+s.creds.SecretAccessKey,
	)
}

// Approve does what a user does on the device page: signs in as userName
// (an Identity Store user) and approves userCode. An empty userCode approves
// the only pending authorization.
func (s *Sandbox) Approve(ctx context.Context, userCode, userName string) error {
	_, err := s.approve(ctx, userCode, userName)
	return err
}

func (s *Sandbox) approve(ctx context.Context, userCode, userName string) (string, error) {
	if userCode == "" {
		p := s.auth.pending()
		switch len(p) {
		case 0:
			return "", hint.New("approving: no device authorization is pending", "start the login first, then approve")
		case 1:
			userCode = p[0].UserCode
		default:
			return "", hint.New(fmt.Sprintf("approving: %d device authorizations are pending", len(p)), "name the user code to approve")
		}
	}
	if _, err := s.auth.lookupUserCode(userCode); err != nil {
		return "", fmt.Errorf("approving user code %s: %w", userCode, err)
	}
	who, err := s.back.user(ctx, userName)
	if err != nil {
		if errors.Is(err, errNoSuchUser) {
			return "", hint.Wrap(fmt.Errorf("approving user code %s: %w", userCode, err), "create the user in the Identity Store first (gatehouse apply does)")
		}
		return "", fmt.Errorf("approving user code %s: %w", userCode, err)
	}
	if err := s.auth.decide(userCode, &who); err != nil {
		return "", fmt.Errorf("approving user code %s: %w", userCode, err)
	}
	s.logger.Printf("user code %s approved for %s", normalizeUserCode(userCode), userName)
	return normalizeUserCode(userCode), nil
}

// Pending lists the device authorizations waiting for approval.
func (s *Sandbox) Pending() []PendingAuthorization { return s.auth.pending() }

// Entitlements lists what an Identity Store user may reach through the
// portal, from moto's live state.
func (s *Sandbox) Entitlements(ctx context.Context, userName string) ([]Entitlement, error) {
	who, err := s.back.user(ctx, userName)
	if err != nil {
		return nil, err
	}
	return s.back.entitlements(ctx, who)
}

// Reconcile makes the AWSReservedSSO roles of every account match the
// assignments in moto. The front does this by itself for assignments made
// through URL(); call it after changing moto directly.
func (s *Sandbox) Reconcile(ctx context.Context) error { return s.back.reconcileAll(ctx) }

// Stop shuts the front down and stops the moto server it started. It is safe
// to call more than once.
func (s *Sandbox) Stop() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.srv.Shutdown(ctx)
		if err != nil {
			_ = s.srv.Close()
		}
		if serr := <-s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		if merr := s.stopMoto(); merr != nil && err == nil {
			err = merr
		}
		s.stopErr = err
	})
	return s.stopErr
}

func (s *Sandbox) stopMoto() error {
	if s.moto == nil {
		return nil
	}
	return s.moto.Stop()
}

// Done is closed when the moto server the sandbox started exits (never for
// a wrapped server).
func (s *Sandbox) Done() <-chan struct{} {
	if s.moto == nil {
		return nil
	}
	return s.moto.Done()
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}
