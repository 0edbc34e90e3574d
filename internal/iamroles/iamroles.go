// Package iamroles is the adapter between IAM in many accounts and
// gatehouse's state: it reads and writes the IAM roles and SAML providers of
// the access model (see internal/trust for what they contain) through one
// session per account. Member accounts are reached by assuming
// identity_center.provisioning_role from the admin's credentials, external
// accounts through their admin_role or admin_profile, and the admin's own
// account directly.
//
// Only objects carrying gatehouse's ownership tag (state.ManagedTagKey) are
// ever updated or deleted. A same-named object made by hand is reported as an
// *UnmanagedError, unless the desired role says Adopt.
package iamroles

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/retry"
)

// DefaultSessionName is the role session name of gatehouse's sessions, as
// CloudTrail shows it.
const DefaultSessionName = "gatehouse"

// DefaultPrincipalWait bounds how long a write that names a principal
// gatehouse has just created is retried while IAM still calls it invalid.
const DefaultPrincipalWait = 60 * time.Second

// Access says how gatehouse reaches an external account: by assuming
// AdminRole, or with the credentials of the AWS profile AdminProfile.
type Access struct {
	AdminRole    string
	AdminProfile string
}

// Options configure a Client.
type Options struct {
	// Base is the admin's configuration (credentials of the management
	// account, region, endpoints, retryer). Every session derives from it.
	Base aws.Config
	// ProvisioningRole is the role name assumed in member accounts;
	// model.DefaultProvisioningRole when empty.
	ProvisioningRole string
	// External lists the accounts of other organizations by ID; any other
	// account is a member account.
	External map[string]Access
	// Names labels account IDs in messages ("production (333333333333)").
	Names map[string]string
	// LoadProfile loads the configuration of an AWS profile for an
	// external account's admin_profile; config.LoadDefaultConfig with that
	// profile and Base's region when nil.
	LoadProfile func(ctx context.Context, profile string) (aws.Config, error)
	// SessionName is the role session name; DefaultSessionName when empty.
	SessionName string
	// PrincipalWait is DefaultPrincipalWait when zero.
	PrincipalWait time.Duration
	// Rate is IAM calls per second in each account (default 20, adapting
	// to throttling); BaseDelay the first retry backoff (default 250ms).
	Rate      float64
	BaseDelay time.Duration
	// Stats counts the calls (internal/awscall); a new counter when nil.
	Stats *awscall.Stats
	// Now and Sleep are the clock; time.Now and a context-aware sleep when nil.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// OptionsFromModel fills Options from the model: the provisioning role,
// the external accounts' admin role or profile, and account names.
func OptionsFromModel(m *model.Model, base aws.Config) Options {
	o := Options{
		Base:             base,
		ProvisioningRole: m.IdentityCenter.ProvisioningRoleName(),
		External:         map[string]Access{},
		Names:            map[string]string{},
	}
	for _, a := range m.Accounts {
		o.Names[a.ID] = a.Name
		if a.External {
			o.External[a.ID] = Access{AdminRole: a.AdminRole, AdminProfile: a.AdminProfile}
		}
	}
	return o
}

// Client reads and writes IAM roles and SAML providers in many accounts. It
// is safe for concurrent use; sessions are made once per account and kept.
type Client struct {
	opts Options

	mu       sync.Mutex
	sessions map[string]*session

	callerMu sync.Mutex
	caller   *sts.GetCallerIdentityOutput

	created *createdPrincipals

	// services paces IAM per account (service).
	services map[string]*awscall.Service
}

// session is one account's IAM client, made once; a failed attempt is not
// kept, so a later call tries again.
type session struct {
	mu  sync.Mutex
	iam *iam.Client
}

// New returns a Client.
func New(o Options) *Client {
	if o.ProvisioningRole == "" {
		o.ProvisioningRole = model.DefaultProvisioningRole
	}
	if o.SessionName == "" {
		o.SessionName = DefaultSessionName
	}
	if o.PrincipalWait == 0 {
		o.PrincipalWait = DefaultPrincipalWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = retry.Sleep
	}
	if o.Rate <= 0 {
		o.Rate = 20
	}
	if o.Stats == nil {
		o.Stats = awscall.NewStats()
	}
	if o.LoadProfile == nil {
		region := o.Base.Region
		o.LoadProfile = func(ctx context.Context, profile string) (aws.Config, error) {
			return awscall.Profile(ctx, profile, region)
		}
	}
	return &Client{opts: o, sessions: map[string]*session{}, created: &createdPrincipals{at: map[string]time.Time{}}, services: map[string]*awscall.Service{}}
}

// label names an account in messages.
func (c *Client) label(accountID string) string {
	if n := c.opts.Names[accountID]; n != "" {
		return n + " (" + accountID + ")"
	}
	return accountID
}

// callerIdentity returns who the base credentials are.
func (c *Client) callerIdentity(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
	c.callerMu.Lock()
	defer c.callerMu.Unlock()
	if c.caller != nil {
		return c.caller, nil
	}
	out, err := sts.NewFromConfig(c.opts.Base).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, hint.Wrap(fmt.Errorf("checking the admin's AWS credentials (sts:GetCallerIdentity): %w", awscall.Short(err)),
			"sign in to the management account (e.g. aws sso login, or --profile) and run again")
	}
	c.caller = out
	return out, nil
}

// IAM returns the IAM client of an account, making its session on first
// use: the base credentials in their own account, admin_role or
// admin_profile in an external account, the provisioning role in a member
// account. The session is checked at once, so an account that does not
// trust the admin fails here, with the role and account named.
func (c *Client) IAM(ctx context.Context, accountID string) (*iam.Client, error) {
	c.mu.Lock()
	s, ok := c.sessions[accountID]
	if !ok {
		s = &session{}
		c.sessions[accountID] = s
	}
	c.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.iam == nil {
		cl, err := c.connect(ctx, accountID)
		if err != nil {
			return nil, err
		}
		s.iam = cl
	}
	return s.iam, nil
}

func (c *Client) connect(ctx context.Context, accountID string) (*iam.Client, error) {
	caller, err := c.callerIdentity(ctx)
	if err != nil {
		return nil, err
	}
	if aws.ToString(caller.Account) == accountID {
		return iam.NewFromConfig(c.opts.Base, func(o *iam.Options) { awscall.NoSDKRetries(&o.Retryer) }), nil
	}
	ext, external := c.opts.External[accountID]
	switch {
	case external && ext.AdminProfile != "" && ext.AdminRole == "":
		return c.connectProfile(ctx, accountID, ext.AdminProfile)
	case external && ext.AdminRole != "":
		return c.connectRole(ctx, accountID, ext.AdminRole, aws.ToString(caller.Arn),
			"the role's trust policy in account "+c.label(accountID)+" must allow sts:AssumeRole from "+aws.ToString(caller.Arn)+" (or its account); ask the account's owner, or fix admin_role in the model")
	case external:
		return nil, hint.New(fmt.Sprintf("external account %s has neither admin_role nor admin_profile", c.label(accountID)),
			"add admin_role (a role there that trusts you) or admin_profile to the account in the model")
	default:
		arn := "arn:aws:iam::" + accountID + ":role/" + c.opts.ProvisioningRole
		return c.connectRole(ctx, accountID, arn, aws.ToString(caller.Arn),
			"member account "+c.label(accountID)+" must trust the admin: its role "+c.opts.ProvisioningRole+" must allow sts:AssumeRole from "+aws.ToString(caller.Arn)+
				" (or set identity_center.provisioning_role to a role that does)")
	}
}

func (c *Client) connectRole(ctx context.Context, accountID, roleARN, caller, trustHint string) (*iam.Client, error) {
	cfg := c.opts.Base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(c.opts.Base), roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = c.opts.SessionName
	}))
	// The first AssumeRole is made here, paced and counted with the
	// account's IAM calls; the SDK refreshes the session later by itself.
	svc := c.service(accountID)
	if _, err := awscall.Do(ctx, &awscall.Service{Name: "sts", Limiter: svc.Limiter, Stats: c.opts.Stats, Sleep: c.opts.Sleep},
		awscall.Call{Op: "AssumeRole", What: roleARN, Mode: awscall.Read}, cfg.Credentials.Retrieve); err != nil {
		return nil, c.assumeError(accountID, roleARN, caller, trustHint, err)
	}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { awscall.NoSDKRetries(&o.Retryer) }), nil
}

// Stats returns a copy of the call counters.
func (c *Client) Stats() awscall.Snapshot { return c.opts.Stats.Snapshot() }

// assumeError explains a failed AssumeRole into an account: access denied
// means the account does not trust the admin (trustHint says what to
// change); anything else is reported as it is.
func (c *Client) assumeError(accountID, roleARN, caller, trustHint string, err error) error {
	h := "check that " + roleARN + " exists and that " + caller + " may assume it, then run again"
	if isAccessDenied(err) {
		h = trustHint
	}
	return hint.Wrap(fmt.Errorf("assuming %s to reach account %s: %w", roleARN, c.label(accountID), awscall.Short(err)), h)
}

func (c *Client) connectProfile(ctx context.Context, accountID, profile string) (*iam.Client, error) {
	cfg, err := c.opts.LoadProfile(ctx, profile)
	if err != nil {
		return nil, hint.Wrap(fmt.Errorf("loading AWS profile %s for account %s: %w", profile, c.label(accountID), err),
			"check admin_profile in the model and the profile in ~/.aws/config")
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, hint.Wrap(fmt.Errorf("signing in with AWS profile %s for account %s: %w", profile, c.label(accountID), awscall.Short(err)),
			"refresh the profile's credentials (e.g. aws sso login --profile "+profile+") and run again")
	}
	if got := aws.ToString(id.Account); got != accountID {
		return nil, hint.New(fmt.Sprintf("AWS profile %s reaches account %s, not %s", profile, got, c.label(accountID)),
			"point admin_profile at a profile for account "+accountID)
	}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { awscall.NoSDKRetries(&o.Retryer) }), nil
}

// createdPrincipals remembers the roles this process created and when, so
// that a trust policy naming one of them can wait out IAM's propagation.
type createdPrincipals struct {
	mu sync.Mutex
	at map[string]time.Time // role key "accountID/name"
}

func (p *createdPrincipals) add(key string, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at[key] = t
}

// latest returns when the most recently created of keys was created.
func (p *createdPrincipals) latest(keys []string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var last time.Time
	for _, k := range keys {
		if t, ok := p.at[k]; ok && t.After(last) {
			last = t
		}
	}
	return last, !last.IsZero()
}
