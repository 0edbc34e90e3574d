package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// Resolver gives the credentials of profiles of one AWS config file.
type Resolver struct {
	ConfigPath string
	// CacheDir holds the cached role credentials (0600 files, 0700 dir).
	CacheDir string
	Tokens   *ssologin.Manager
	Clients  Clients
	Now      func() time.Time
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Cached returns the profile's cached credentials when they are good.
func (r *Resolver) Cached(profile string) (Credentials, bool) {
	return ReadCached(r.CacheDir, r.ConfigPath, profile, r.now())
}

// Credentials returns credentials for profile: from the cache when they
// are good, else fetched (and cached) under a per-profile lock, so that
// concurrent processes asking for the same profile fetch once. A token that
// needs a refresh is refreshed (once, under its own lock); a missing or
// dead token is a *ssologin.LoginRequiredError: nothing here ever opens a
// browser.
func (r *Resolver) Credentials(ctx context.Context, profile string) (Credentials, error) {
	if c, ok := r.Cached(profile); ok {
		return c, nil
	}
	st := StampOf(r.ConfigPath)
	data, err := os.ReadFile(r.ConfigPath)
	if err != nil {
		return Credentials{}, hint.Wrap(fmt.Errorf("reading the AWS config file: %w", err), "run `gatehouse profiles` to write one, or set AWS_CONFIG_FILE")
	}
	chain, err := Resolve(awsconfig.Parse(data), profile)
	if err != nil {
		return Credentials{}, err
	}
	return r.fetchChain(ctx, chain, st, false)
}

// fetchChain returns the credentials of the last source of chain, taking
// each profile's lock from the leaf towards the root (a consistent order,
// so two processes never wait for each other). With needUser, the
// credentials also name their Identity Center user (UserName), which
// chaining needs: a cached entry without it is completed and cached again.
func (r *Resolver) fetchChain(ctx context.Context, chain []Source, st Stamp, needUser bool) (Credentials, error) {
	leaf := chain[len(chain)-1]
	good := func() (Credentials, bool) {
		c, ok := r.Cached(leaf.Profile)
		return c, ok && (!needUser || c.UserName != "")
	}
	if c, ok := good(); ok {
		return c, nil
	}
	unlock, err := ssologin.Lock(ctx, credcache.LockPath(r.CacheDir, r.ConfigPath, leaf.Profile))
	if err != nil {
		return Credentials{}, err
	}
	defer unlock()
	if c, ok := good(); ok {
		return c, nil // another process fetched them while we waited
	}
	root := chain[0]
	c, cached := r.Cached(leaf.Profile)
	switch {
	case cached && len(chain) == 1: // good, but without the user's name
	case len(chain) == 1:
		c, err = r.roleCredentials(ctx, root)
	default:
		var src Credentials
		if src, err = r.fetchChain(ctx, chain[:len(chain)-1], st, true); err == nil {
			c, err = r.assumeRole(ctx, leaf, src)
		}
	}
	if err == nil && needUser && c.UserName == "" {
		c.UserName, err = r.callerName(ctx, c)
	}
	if err != nil {
		return Credentials{}, err
	}
	if err := WriteCached(r.CacheDir, r.ConfigPath, leaf.Profile, root.Session.Key(), st, c); err != nil {
		return Credentials{}, fmt.Errorf("caching the credentials of %s: %w", leaf.Profile, err)
	}
	return c, nil
}

// UserName returns the Identity Center user name of whoever is signed in to
// session s, from the credentials of one of their roles (accountID,
// roleName): AWS names every Identity Center role session after its user.
func (r *Resolver) UserName(ctx context.Context, s ssologin.Session, accountID, roleName string) (string, error) {
	c, err := r.roleCredentials(ctx, Source{Profile: roleName + " in " + accountID, Session: s, AccountID: accountID, RoleName: roleName})
	if err != nil {
		return "", err
	}
	return r.callerName(ctx, c)
}

// callerName asks STS who the Identity Center credentials c act for: the
// session name of their assumed-role ARN, which AWS sets to the user name.
func (r *Resolver) callerName(ctx context.Context, c Credentials) (string, error) {
	creds := awscreds.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	out, err := r.Clients.STS(c.Region, creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("asking STS which Identity Center user the credentials of account %s belong to: %w", c.AccountID, err)
	}
	name, ok := SessionOfARN(aws.ToString(out.Arn))
	if !ok {
		return "", fmt.Errorf("STS says the credentials of account %s belong to %s, not to a role session", c.AccountID, aws.ToString(out.Arn))
	}
	return name, nil
}

// SessionOfARN returns the session name of an assumed-role ARN
// (arn:aws:sts::111111111111:assumed-role/ROLE/SESSION).
func SessionOfARN(arn string) (string, bool) {
	_, rest, ok := strings.Cut(arn, ":assumed-role/")
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return "", false
	}
	i := strings.LastIndex(rest, "/")
	if i <= 0 || i == len(rest)-1 {
		return "", false
	}
	return rest[i+1:], true
}

// roleCredentials asks the portal for the credentials of an Identity Center
// role.
func (r *Resolver) roleCredentials(ctx context.Context, src Source) (Credentials, error) {
	tok, err := r.Tokens.Token(ctx, src.Session)
	if err != nil {
		return Credentials{}, err
	}
	out, err := r.Clients.Portal(src.Session.Region).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: &tok.AccessToken, AccountId: &src.AccountID, RoleName: &src.RoleName,
	})
	if err != nil {
		return Credentials{}, portalError(err, src)
	}
	rc := out.RoleCredentials
	if rc == nil || rc.AccessKeyId == nil {
		return Credentials{}, fmt.Errorf("profile %s: the portal returned no credentials", src.Profile)
	}
	return Credentials{
		AccessKeyID:     *rc.AccessKeyId,
		SecretAccessKey: aws.ToString(rc.SecretAccessKey),
		SessionToken:    aws.ToString(rc.SessionToken),
		Expiration:      time.UnixMilli(rc.Expiration).UTC(),
		AccountID:       src.AccountID,
		Region:          src.Region,
	}, nil
}

func portalError(err error, src Source) error {
	var unauth *ssotypes.UnauthorizedException
	if errors.As(err, &unauth) {
		return &ssologin.LoginRequiredError{Session: src.Session, Reason: "IAM Identity Center no longer accepts the token (signed out or expired)"}
	}
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "ForbiddenException" || api.ErrorCode() == "ResourceNotFoundException") {
		return hint.Wrap(fmt.Errorf("profile %s: you cannot reach role %s in account %s: %s", src.Profile, src.RoleName, src.AccountID, api.ErrorMessage()),
			"run `gatehouse list --refresh` to see what you can reach now, then `gatehouse profiles`")
	}
	return fmt.Errorf("profile %s: getting role credentials for %s in %s: %w", src.Profile, src.RoleName, src.AccountID, err)
}

// assumeRole chains into src.RoleARN with the source's credentials, for at
// most ChainLimit, as the Identity Center user the source credentials act
// for: the session is named after them (unless the profile sets
// role_session_name) and carries their name as its SourceIdentity, which
// stays with every later hop, so CloudTrail in the external account shows
// who acted.
func (r *Resolver) assumeRole(ctx context.Context, src Source, from Credentials) (Credentials, error) {
	name := src.SessionName
	if name == "" {
		name = DefaultSessionName(from.UserName)
	}
	dur := src.Duration
	if dur <= 0 || dur > ChainLimit {
		dur = ChainLimit
	}
	in := &sts.AssumeRoleInput{
		RoleArn:         &src.RoleARN,
		RoleSessionName: &name,
		DurationSeconds: aws.Int32(int32(dur / time.Second)),
	}
	if src.ExternalID != "" {
		in.ExternalId = &src.ExternalID
	}
	if id := SourceIdentity(from.UserName); id != "" {
		in.SourceIdentity = &id
	}
	creds := awscreds.NewStaticCredentialsProvider(from.AccessKeyID, from.SecretAccessKey, from.SessionToken)
	out, err := r.Clients.STS(src.Region, creds).AssumeRole(ctx, in)
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "AccessDenied" {
			return Credentials{}, hint.Wrap(fmt.Errorf("profile %s: assuming %s was denied: %s", src.Profile, src.RoleARN, api.ErrorMessage()),
				"the role's trust policy must trust your hop permission set's role; ask your admin to run `gatehouse plan`")
		}
		return Credentials{}, fmt.Errorf("profile %s: assuming %s: %w", src.Profile, src.RoleARN, err)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil {
		return Credentials{}, fmt.Errorf("profile %s: STS returned no credentials for %s", src.Profile, src.RoleARN)
	}
	return Credentials{
		AccessKeyID:     *c.AccessKeyId,
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration).UTC(),
		AccountID:       accountOfARN(src.RoleARN),
		Chained:         true,
		Region:          src.Region,
		UserName:        from.UserName,
	}, nil
}

var notSessionChar = regexp.MustCompile(`[^\w+=,.@-]+`)

// DefaultSessionName is the role session name of a chained session of an
// Identity Center user: "gatehouse-<user>", or the user name alone when
// that would pass STS's 64 characters, with the characters STS refuses
// replaced by "-". CloudTrail readers in the external account see who
// acted, not the local login.
func DefaultSessionName(user string) string {
	u := notSessionChar.ReplaceAllString(user, "-")
	switch {
	case u == "":
		return "gatehouse"
	case len(u) <= 64-len("gatehouse-"):
		return "gatehouse-" + u
	}
	return u[:min(len(u), 64)]
}

// SourceIdentity is the source identity gatehouse sets on the sessions it
// assumes for an Identity Center user: the user name, within STS's rules
// (2 to 64 of [\w+=,.@-]), or "" when there is no name. Once set it stays
// with every later hop of the chain.
func SourceIdentity(user string) string {
	u := notSessionChar.ReplaceAllString(user, "-")
	if len(u) < 2 {
		return ""
	}
	return u[:min(len(u), 64)]
}
