package credentials

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// DefaultSSOSession names the sso-session of a login that gives
// only a start URL and region.
const DefaultSSOSession = "gatehouse"

// SessionChoice is what a command was told about the Identity Center
// session it means.
type SessionChoice struct {
	Name     string // --sso-session, else $GATEHOUSE_SSO_SESSION
	StartURL string // --start-url
	Region   string // --region
}

// TokenOrigin returns the start URL and region of the cached token of a
// session, ok false when there is none.
type TokenOrigin func(s ssologin.Session) (startURL, region string, ok bool)

// ChooseSession works out which Identity Center session a command means,
// given the config file f (at configPath, for messages): the named one,
// else the only [sso-session] of f, else (with a start URL) the one with
// that start URL or a new one named "gatehouse". Its start URL and region
// come from f, the choice, or the session's cached token (fromToken), in
// that order; a choice that contradicts f, a start URL that is not one and
// a region that is not one are errors.
func ChooseSession(f *awsconfig.File, configPath string, c SessionChoice, fromToken TokenOrigin) (ssologin.Session, error) {
	if c.StartURL != "" {
		if err := CheckStartURL(c.StartURL); err != nil {
			return ssologin.Session{}, err
		}
	}
	if c.Region != "" {
		if err := CheckRegion(c.Region); err != nil {
			return ssologin.Session{}, err
		}
	}
	name := c.Name
	sessions := f.SSOSessions()
	if name == "" {
		switch {
		case c.StartURL != "":
			name = DefaultSSOSession
			for _, s := range sessions {
				if s.Value("sso_start_url") == c.StartURL {
					name = s.Name
				}
			}
		case len(sessions) == 1:
			name = sessions[0].Name
		case len(sessions) > 1:
			var names []string
			for _, s := range sessions {
				names = append(names, s.Name)
			}
			sort.Strings(names)
			return ssologin.Session{}, hint.New(fmt.Sprintf("%s has several sso-sessions (%s)", configPath, strings.Join(names, ", ")),
				"choose one with --sso-session NAME or GATEHOUSE_SSO_SESSION")
		default:
			name = DefaultSSOSession
		}
	}
	if err := awsconfig.ValidName(name); err != nil {
		return ssologin.Session{}, hint.Wrap(fmt.Errorf("sso-session %s: %w", name, err), "choose another --sso-session name")
	}
	if _, ok := f.SSOSession(name); ok {
		s, err := SessionFromConfig(f, name)
		if err != nil {
			return ssologin.Session{}, err
		}
		if (c.StartURL != "" && c.StartURL != s.StartURL) || (c.Region != "" && c.Region != s.Region) {
			return ssologin.Session{}, hint.New(fmt.Sprintf("sso-session %s in %s has start URL %s in %s; the flags say %s in %s",
				name, configPath, s.StartURL, s.Region, first(c.StartURL, s.StartURL), first(c.Region, s.Region)),
				"drop --start-url and --region, or give another --sso-session name")
		}
		return s, nil
	}
	s := ssologin.Session{Name: name, StartURL: c.StartURL, Region: c.Region}
	if (s.StartURL == "" || s.Region == "") && fromToken != nil {
		if u, r, ok := fromToken(s); ok {
			s.StartURL, s.Region = first(s.StartURL, u), first(s.Region, r)
		}
	}
	if s.StartURL == "" || s.Region == "" {
		return ssologin.Session{}, hint.New(fmt.Sprintf("sso-session %s: no start URL and region", name),
			"give --start-url URL --region REGION (the AWS access portal URL and Identity Center's region), or add the [sso-session] to "+configPath)
	}
	return s, nil
}

// SessionArgs returns the arguments that make a command choose s again
// later, given the config file f and $GATEHOUSE_SSO_SESSION (envName): ""
// when the command would choose it without any (it is the only session, or
// the one the environment names), else "--sso-session NAME". A login
// prints it in the command to run next.
func SessionArgs(f *awsconfig.File, s ssologin.Session, envName string, fromToken TokenOrigin) string {
	if got, err := ChooseSession(f, "", SessionChoice{Name: envName}, fromToken); err == nil && got.Name == s.Name && got.StartURL == s.StartURL {
		return ""
	}
	return "--sso-session " + s.Name
}

// CheckStartURL says what is wrong with an AWS access portal URL: it must
// be an absolute https URL (http only on a loopback host, as a local
// sandbox's is).
func CheckStartURL(raw string) error {
	const example = "give the AWS access portal URL your admin sent, e.g. https://acme.awsapps.com/start"
	u, err := url.Parse(raw)
	if err != nil {
		return hint.New(fmt.Sprintf("--start-url %q is not a URL: %v", raw, unwrapURLError(err)), example)
	}
	switch {
	case u.Scheme == "" || u.Host == "":
		return hint.New(fmt.Sprintf("--start-url %q is not a URL: it lacks https:// and a host name", raw), example)
	case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
		return hint.New(fmt.Sprintf("--start-url %q is not an https URL", raw), example)
	case u.User != nil:
		return hint.New(fmt.Sprintf("--start-url %q holds a user name or password", raw), example)
	}
	return nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// CheckRegion says what is wrong with an AWS region name.
func CheckRegion(region string) error {
	if !regionPattern.MatchString(region) {
		return hint.New(fmt.Sprintf("--region %q is not an AWS region", region), "give the region of IAM Identity Center, e.g. eu-west-1 or us-east-1")
	}
	return nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
