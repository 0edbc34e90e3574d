// Package sandbox is gatehouse's local stand-in for AWS. It runs a moto
// server (IAM, STS, Organizations, SSO Admin, Identity Store) behind a front
// on one loopback port. The front answers what moto lacks, with AWS's wire
// shapes, and proxies every other request to moto; this package composes
// the parts, each in its own package:
//
//   - oidc: the IAM Identity Center OIDC authority and the sign-in pages;
//   - portal: the access portal API (accounts, roles, role credentials);
//   - federation: the console sign-in endpoint;
//   - reserved: the AWSReservedSSO_* roles that follow assignments, as AWS
//     makes them and moto does not, and their repair;
//   - directory: what a user may reach, read from moto's live state;
//   - proxy: everything else to moto, with the effects above after it;
//   - motopatch: the Python patches moto starts with;
//   - bootstrap: the organizations and accounts a sandbox starts with;
//   - motoclient, wire, page: clients of moto, HTTP and HTML plumbing.
//
// The front answers only requests addressed to itself (a loopback Host on
// its port) and coming from no web page but its own (Origin absent or its
// own), so that no web page a user visits can act on the sandbox.
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
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/bootstrap"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/directory"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/federation"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motoclient"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motopatch"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/oidc"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/reserved"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// Defaults of Options.
const (
	DefaultManagementAccount = motoclient.DefaultAccount
	DefaultRegion            = "us-east-1"
	DefaultPassword          = "sandbox"
)

// MotoPreamble is the Python code (motoserver.Options.Preamble) that
// patches moto where it differs from AWS or lacks what gatehouse calls, and
// lets Bootstrap create accounts with fixed IDs (see package motopatch).
// Tests that share one moto server per binary start it with it:
//
//	awstest.MainWith(m, motoserver.Options{Preamble: sandbox.MotoPreamble})
var MotoPreamble = motopatch.Preamble()

// The parts' types the sandbox's API hands out.
type (
	// Identity is a signed-in Identity Store user.
	Identity = oidc.Identity
	// PendingAuthorization is a device authorization waiting for approval.
	PendingAuthorization = oidc.PendingAuthorization
	// Entitlement is one account and role a user may reach.
	Entitlement = directory.Entitlement
	// Layout is the AWS a sandbox starts with.
	Layout = bootstrap.Layout
	// LayoutAccount is one account of a Layout.
	LayoutAccount = bootstrap.LayoutAccount
	// Bootstrapped is what Bootstrap created.
	Bootstrapped = bootstrap.Bootstrapped
	// BootstrappedAccount is one account Bootstrap created.
	BootstrappedAccount = bootstrap.BootstrappedAccount
)

// LayoutFromModel takes the accounts of a model (see bootstrap.LayoutFromModel).
var LayoutFromModel = bootstrap.LayoutFromModel

// Errors of Approve.
var (
	ErrUnknownCode = oidc.ErrUnknownCode
	ErrCodeExpired = oidc.ErrCodeExpired
	ErrCodeUsed    = oidc.ErrCodeUsed
)

// adminUser is the IAM user in the management account whose access key
// Env hands out.
const adminUser = "gatehouse-sandbox-admin"

// shutdownGrace is how long Stop lets requests in flight finish.
const shutdownGrace = 10 * time.Second

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
	port     string // the front's port, which requests must address
	startURL string
	srv      *http.Server
	served   chan error
	conn     motoclient.Conn
	auth     *oidc.Authority
	dir      *directory.Directory
	roles    *reserved.Roles
	fed      *federation.Server
	limiter  *rate.Limiter
	creds    aws.Credentials
	logger   *log.Logger

	grace        time.Duration // how long Stop lets requests finish
	stopRepairs  context.CancelFunc
	repairsEnded chan struct{}
	stopOnce     sync.Once
	stopErr      error
}

// Start starts moto (unless opts.MotoURL is set) and the front, makes the
// AWSReservedSSO roles match the assignments moto already holds, and
// returns once both answer. Stop releases them.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	s := &Sandbox{opts: opts, served: make(chan error, 1), logger: log.New(logw, "sandbox: ", log.LstdFlags), grace: shutdownGrace}
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
	fail := func(err error) (*Sandbox, error) {
		ln.Close()
		s.stopMoto()
		return nil, err
	}
	s.url = "http://" + ln.Addr().String()
	s.port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s.startURL = opts.StartURL
	if s.startURL == "" {
		s.startURL = s.url + "/start"
	}

	s.conn, err = motoclient.New(ctx, motoURL, opts.ManagementAccount, opts.Region)
	if err != nil {
		return fail(err)
	}
	s.auth = oidc.NewAuthority(opts.Now, opts.AccessTokenTTL, opts.DeviceCodeTTL, opts.PollInterval)
	s.dir = directory.New(s.conn)
	s.roles = reserved.New(s.conn, s.dir, s.logger.Printf)
	s.fed = federation.New(s.conn, opts.Now, s.logger.Printf)

	s.creds, err = s.adminCredentials(ctx)
	if err != nil {
		return fail(err)
	}
	// Assignments made while no front watched (directly on moto, or
	// before an earlier front died) get their roles now.
	if err := s.roles.ReconcileAll(ctx); err != nil {
		return fail(fmt.Errorf("making the AWSReservedSSO roles match moto's assignments: %w", err))
	}
	repairCtx, stopRepairs := context.WithCancel(context.WithoutCancel(ctx))
	s.stopRepairs, s.repairsEnded = stopRepairs, make(chan struct{})
	go func() {
		defer close(s.repairsEnded)
		s.roles.RunRepairs(repairCtx)
	}()

	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// withDefaults fills in and checks opts.
func withDefaults(opts Options) (Options, error) {
	if opts.ManagementAccount == "" {
		opts.ManagementAccount = DefaultManagementAccount
	}
	if !bootstrap.IsAccountID(opts.ManagementAccount) {
		return opts, hint.New(fmt.Sprintf("management account %q is not 12 digits", opts.ManagementAccount), "give an AWS account ID such as 111111111111")
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
	if host, _, err := net.SplitHostPort(opts.Addr); err != nil || !wire.IsLoopback(host) {
		return opts, hint.New(fmt.Sprintf("listen address %q is not a loopback address", opts.Addr), "use 127.0.0.1:PORT: the sandbox accepts any password and must not be reachable from other machines")
	}
	return opts, nil
}

// adminCredentials returns an access key of an IAM user in the management
// account, created in moto if needed: moto maps the keys it issued to their
// account, so clients using it act as the management account.
func (s *Sandbox) adminCredentials(ctx context.Context) (aws.Credentials, error) {
	c := s.conn.IAM(s.opts.ManagementAccount)
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
// Reconcile runs (or the next sandbox starts on this moto).
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

// federationEnv is the variable gatehouse console reads the federation
// endpoint (https://signin.aws.amazon.com/federation) from.
const federationEnv = "GATEHOUSE_FEDERATION_ENDPOINT"

// StartURLEnv names the variable that holds the sandbox's Identity Center
// start URL, for `gatehouse login --start-url "$GATEHOUSE_SANDBOX_START_URL"`.
const StartURLEnv = "GATEHOUSE_SANDBOX_START_URL"

// EndpointEnv returns the variables that point AWS CLIs and SDKs at the
// sandbox (one AWS_ENDPOINT_URL_<SERVICE> per service, since aws-sdk-go-v2's
// credential providers ignore the global AWS_ENDPOINT_URL), set the region
// and point gatehouse console at the sandbox's federation endpoint, without
// credentials.
func (s *Sandbox) EndpointEnv() []string {
	env := []string{"AWS_ENDPOINT_URL=" + s.url}
	for _, svc := range endpointServices {
		env = append(env, "AWS_ENDPOINT_URL_"+svc+"="+s.url)
	}
	return append(env, "AWS_REGION="+s.opts.Region, "AWS_DEFAULT_REGION="+s.opts.Region, "AWS_EC2_METADATA_DISABLED=true",
		federationEnv+"="+s.url+"/federation", StartURLEnv+"="+s.startURL)
}

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
		p := s.auth.Pending()
		switch len(p) {
		case 0:
			return "", hint.New("approving: no device authorization is pending", "start the login first, then approve")
		case 1:
			userCode = p[0].UserCode
		default:
			return "", hint.New(fmt.Sprintf("approving: %d device authorizations are pending", len(p)), "name the user code to approve")
		}
	}
	if _, err := s.auth.LookupUserCode(userCode); err != nil {
		return "", fmt.Errorf("approving user code %s: %w", userCode, err)
	}
	who, err := s.user(ctx, userName)
	if err != nil {
		if errors.Is(err, directory.ErrNoSuchUser) {
			return "", hint.Wrap(fmt.Errorf("approving user code %s: %w", userCode, err), "create the user in the Identity Store first (gatehouse apply does)")
		}
		return "", fmt.Errorf("approving user code %s: %w", userCode, err)
	}
	if err := s.auth.Decide(userCode, &who); err != nil {
		return "", fmt.Errorf("approving user code %s: %w", userCode, err)
	}
	code := oidc.NormalizeUserCode(userCode)
	s.logger.Printf("user code %s approved for %s", code, userName)
	return code, nil
}

// user looks an Identity Store user up by name.
func (s *Sandbox) user(ctx context.Context, userName string) (Identity, error) {
	id, err := s.dir.UserID(ctx, userName)
	if err != nil {
		return Identity{}, err
	}
	return Identity{UserID: id, UserName: userName}, nil
}

// lookUp is user for the sign-in pages.
func (s *Sandbox) lookUp(ctx context.Context, userName string) (Identity, bool, error) {
	who, err := s.user(ctx, userName)
	if errors.Is(err, directory.ErrNoSuchUser) {
		return Identity{}, false, nil
	}
	return who, err == nil, err
}

// Pending lists the device authorizations waiting for approval.
func (s *Sandbox) Pending() []PendingAuthorization { return s.auth.Pending() }

// Entitlements lists what an Identity Store user may reach through the
// portal, from moto's live state.
func (s *Sandbox) Entitlements(ctx context.Context, userName string) ([]Entitlement, error) {
	who, err := s.user(ctx, userName)
	if err != nil {
		return nil, err
	}
	return s.dir.Entitlements(ctx, who.UserID, who.UserName)
}

// Reconcile makes the AWSReservedSSO roles of every account match the
// assignments in moto. The front does this by itself for assignments made
// through URL(), and when it starts; call it after changing moto directly.
func (s *Sandbox) Reconcile(ctx context.Context) error { return s.roles.ReconcileAll(ctx) }

// Bootstrap creates the organizations of l in an empty sandbox: the
// management account's organization with its OUs and member accounts (with
// their fixed IDs, names and tags), and a second organization with the
// external accounts and their admin roles. The management account and
// region of l must be the sandbox's.
func (s *Sandbox) Bootstrap(ctx context.Context, l Layout) (Bootstrapped, error) {
	if err := l.Check(); err != nil {
		return Bootstrapped{}, err
	}
	if l.Management.ID != s.opts.ManagementAccount {
		return Bootstrapped{}, hint.New(fmt.Sprintf("the layout's management account %s is not the sandbox's (%s)", l.Management.ID, s.opts.ManagementAccount),
			"start the sandbox with Options.ManagementAccount set to the layout's")
	}
	if l.Region != "" && l.Region != s.opts.Region {
		return Bootstrapped{}, hint.New(fmt.Sprintf("the layout's region %s is not the sandbox's (%s)", l.Region, s.opts.Region),
			"start the sandbox with Options.Region set to the layout's")
	}
	out, err := bootstrap.Create(ctx, s.conn, l)
	if err != nil {
		return Bootstrapped{}, err
	}
	out.InstanceARN, out.IdentityStoreID, err = s.dir.Instance(ctx)
	if err != nil {
		return Bootstrapped{}, err
	}
	return out, nil
}

// Stop shuts the front down and stops the moto server it started. Requests
// still running after a grace period are cut off, which is not an error: a
// slow shutdown does not fail whoever used the sandbox. It is safe to call
// more than once.
func (s *Sandbox) Stop() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.grace)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.logger.Printf("stopping: requests still running after %s were cut off", s.grace)
			_ = s.srv.Close() // its listener is closed already; the connections are what is left
		}
		var err error
		if serr := <-s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = serr
		}
		s.stopRepairs()
		<-s.repairsEnded
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
