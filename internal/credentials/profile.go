package credentials

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// ChainLimit is the longest session AWS grants a role assumed with
// temporary credentials (role chaining).
const ChainLimit = time.Hour

// KeyPrefix marks the keys gatehouse reads from credential_process
// profiles: "gatehouse_sso_session" stands for "sso_session" in a profile
// where the AWS CLI must not see the SSO keys (it would prefer its own SSO
// provider over credential_process).
const KeyPrefix = "gatehouse_"

// Source says where a profile's credentials come from: either Identity
// Center (Session, AccountID, RoleName) or, when SourceProfile is set, an
// AssumeRole into RoleARN with the source profile's credentials.
type Source struct {
	Profile string
	Region  string // the profile's region, or its source's, or ""

	Session   ssologin.Session
	AccountID string
	RoleName  string

	SourceProfile string
	RoleARN       string
	ExternalID    string
	SessionName   string        // role_session_name
	Duration      time.Duration // duration_seconds, capped at ChainLimit
}

// Chained reports whether the credentials come from role chaining.
func (s Source) Chained() bool { return s.SourceProfile != "" }

// profileValue reads a key of a profile, falling back to its gatehouse_
// form.
func profileValue(sec awsconfig.Section, key string) string {
	if v := sec.Value(key); v != "" {
		return v
	}
	return sec.Value(KeyPrefix + key)
}

// Resolve returns the chain of sources of a profile, root (Identity Center)
// first, the profile itself last. It understands sso_session profiles,
// legacy sso_start_url profiles, source_profile + role_arn chains, and
// gatehouse credential_process profiles (their gatehouse_ keys).
func Resolve(f *awsconfig.File, profile string) ([]Source, error) {
	var chain []Source
	seen := map[string]bool{}
	for name := profile; ; {
		if seen[name] {
			return nil, hint.New(fmt.Sprintf("profile %s: source_profile loops back to %s", profile, name), "fix the source_profile keys in ~/.aws/config")
		}
		seen[name] = true
		if len(seen) > 10 {
			return nil, fmt.Errorf("profile %s: more than 10 chained profiles", profile)
		}
		src, err := resolveOne(f, name)
		if err != nil {
			return nil, err
		}
		chain = append([]Source{src}, chain...)
		if !src.Chained() {
			break
		}
		name = src.SourceProfile
	}
	// A chained profile without a region uses its source's.
	for i := 1; i < len(chain); i++ {
		if chain[i].Region == "" {
			chain[i].Region = chain[i-1].Region
		}
	}
	return chain, nil
}

func resolveOne(f *awsconfig.File, name string) (Source, error) {
	sec, ok := f.Profile(name)
	if !ok {
		return Source{}, hint.New(fmt.Sprintf("profile %s is not in the AWS config file", name),
			"run `gatehouse profiles` to write profiles, or `gatehouse list` to see what you can reach")
	}
	src := Source{Profile: name, Region: sec.Value("region")}
	if sp := profileValue(sec, "source_profile"); sp != "" {
		src.SourceProfile = sp
		src.RoleARN = profileValue(sec, "role_arn")
		src.ExternalID = profileValue(sec, "external_id")
		src.SessionName = profileValue(sec, "role_session_name")
		src.Duration = ChainLimit
		if src.RoleARN == "" {
			return Source{}, hint.New(fmt.Sprintf("profile %s has source_profile but no role_arn", name), "add role_arn to the profile")
		}
		if d := profileValue(sec, "duration_seconds"); d != "" {
			n, err := strconv.Atoi(d)
			if err != nil || n < 900 {
				return Source{}, hint.New(fmt.Sprintf("profile %s: duration_seconds %q is not a number of seconds of at least 900", name, d), "use a value from 900 to 3600")
			}
			// Role chaining: AWS refuses more than an hour.
			src.Duration = min(time.Duration(n)*time.Second, ChainLimit)
		}
		return src, nil
	}
	src.AccountID = profileValue(sec, "sso_account_id")
	src.RoleName = profileValue(sec, "sso_role_name")
	if src.AccountID == "" || src.RoleName == "" {
		return Source{}, hint.New(fmt.Sprintf("profile %s has neither sso_account_id and sso_role_name nor source_profile and role_arn", name),
			"gatehouse gives credentials for IAM Identity Center profiles and roles chained from them; use the AWS CLI for other profiles")
	}
	sess, err := profileSession(f, name, sec)
	if err != nil {
		return Source{}, err
	}
	src.Session = sess
	return src, nil
}

// profileSession finds the Identity Center session of an SSO profile, with
// botocore's consistency rules.
func profileSession(f *awsconfig.File, name string, sec awsconfig.Section) (ssologin.Session, error) {
	startURL, region := profileValue(sec, "sso_start_url"), profileValue(sec, "sso_region")
	sessName := profileValue(sec, "sso_session")
	if sessName == "" {
		if startURL == "" || region == "" {
			return ssologin.Session{}, hint.New(fmt.Sprintf("profile %s has no sso_session (or sso_start_url and sso_region)", name), "add sso_session = NAME and an [sso-session NAME] section")
		}
		return ssologin.Session{StartURL: startURL, Region: region}, nil
	}
	s, err := SessionFromConfig(f, sessName)
	if err != nil {
		return ssologin.Session{}, fmt.Errorf("profile %s: %w", name, err)
	}
	if startURL != "" && startURL != s.StartURL {
		return ssologin.Session{}, hint.New(fmt.Sprintf("profile %s: sso_start_url %s differs from the sso-session's %s", name, startURL, s.StartURL), "remove sso_start_url from the profile")
	}
	if region != "" && region != s.Region {
		return ssologin.Session{}, hint.New(fmt.Sprintf("profile %s: sso_region %s differs from the sso-session's %s", name, region, s.Region), "remove sso_region from the profile")
	}
	return s, nil
}

// SessionFromConfig reads an [sso-session NAME] section.
func SessionFromConfig(f *awsconfig.File, name string) (ssologin.Session, error) {
	sec, ok := f.SSOSession(name)
	if !ok {
		return ssologin.Session{}, hint.New(fmt.Sprintf("sso-session %s is not in the AWS config file", name),
			fmt.Sprintf("run `gatehouse login --sso-session %s --start-url URL --region REGION` then `gatehouse profiles`", name))
	}
	s := ssologin.Session{Name: name, StartURL: sec.Value("sso_start_url"), Region: sec.Value("sso_region")}
	if v, ok := sec.Get("sso_registration_scopes"); ok {
		s.ConfiguredScopes = ssologin.ParseScopes(v)
	}
	if s.StartURL == "" || s.Region == "" {
		return ssologin.Session{}, hint.New(fmt.Sprintf("sso-session %s lacks sso_start_url or sso_region", name), "add both keys to the [sso-session] section")
	}
	return s, nil
}

// splitARN returns the account of a role ARN, or "" when it is not one.
func accountOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[2] != "iam" {
		return ""
	}
	return parts[4]
}

// Pickable returns the profiles of f that gatehouse can give credentials
// for, in file order: what the profile picker offers.
func Pickable(f *awsconfig.File) []string {
	var out []string
	for _, name := range f.ProfileNames() {
		if _, err := Resolve(f, name); err == nil {
			out = append(out, name)
		}
	}
	return out
}
