package credentials

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

const (
	oneSession  = "[sso-session corp]\nsso_start_url = https://corp/start\nsso_region = eu-west-1\n"
	twoSessions = oneSession + "[sso-session other]\nsso_start_url = https://other/start\nsso_region = us-east-1\nsso_registration_scopes = a, b\n"
)

// tokens stands for the token cache: the sessions logged in, by name.
func tokens(logged ...ssologin.Session) TokenOrigin {
	return func(s ssologin.Session) (string, string, bool) {
		for _, l := range logged {
			if l.Name == s.Name {
				return l.StartURL, l.Region, true
			}
		}
		return "", "", false
	}
}

func TestChooseSession(t *testing.T) {
	t.Parallel()
	fromToken := ssologin.Session{Name: "gatehouse", StartURL: "https://tok/start", Region: "eu-north-1"}
	tests := []struct {
		name    string
		config  string
		choice  SessionChoice
		want    ssologin.Session
		wantErr string
	}{
		{name: "the only session", config: oneSession, want: ssologin.Session{Name: "corp", StartURL: "https://corp/start", Region: "eu-west-1"}},
		{name: "several sessions need a choice", config: twoSessions, wantErr: "has several sso-sessions (corp, other)"},
		{name: "by name", config: twoSessions, choice: SessionChoice{Name: "other"},
			want: ssologin.Session{Name: "other", StartURL: "https://other/start", Region: "us-east-1", ConfiguredScopes: []string{"a", "b"}}},
		{name: "start URL finds its session", config: twoSessions, choice: SessionChoice{StartURL: "https://other/start"},
			want: ssologin.Session{Name: "other", StartURL: "https://other/start", Region: "us-east-1", ConfiguredScopes: []string{"a", "b"}}},
		{name: "new start URL: session gatehouse", config: oneSession, choice: SessionChoice{StartURL: "https://new/start", Region: "ap-south-1"},
			want: ssologin.Session{Name: "gatehouse", StartURL: "https://new/start", Region: "ap-south-1"}},
		{name: "a session known only from its token", want: fromToken},
		{name: "flags contradict the config", config: oneSession, choice: SessionChoice{Name: "corp", Region: "us-west-2"}, wantErr: "the flags say https://corp/start in us-west-2"},
		{name: "unknown session without flags", config: oneSession, choice: SessionChoice{Name: "nope"}, wantErr: "sso-session nope: no start URL and region"},
		{name: "invalid name", choice: SessionChoice{Name: "a b", StartURL: "https://u/start", Region: "eu-west-1"}, wantErr: `name "a b" holds ' '`},
		{name: "a start URL that is not a URL", choice: SessionChoice{StartURL: "acme", Region: "eu-west-1"}, wantErr: `--start-url "acme" is not a URL: it lacks https:// and a host name`},
		{name: "a region that is not one", choice: SessionChoice{StartURL: "https://acme.awsapps.com/start", Region: "europe"}, wantErr: `--region "europe" is not an AWS region`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ChooseSession(awsconfig.Parse([]byte(tt.config)), "~/.aws/config", tt.choice, tokens(fromToken))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ChooseSession() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ChooseSession() mismatch (-want +got)\n%s", diff)
			}
		})
	}
}

// TestSessionArgs: the command a login prints next must choose the session
// that was logged in, whatever else the config file holds.
func TestSessionArgs(t *testing.T) {
	t.Parallel()
	fresh := ssologin.Session{Name: "gatehouse", StartURL: "https://new/start", Region: "eu-west-1"}
	corp := ssologin.Session{Name: "corp", StartURL: "https://corp/start", Region: "eu-west-1"}
	tests := []struct {
		name   string
		config string
		env    string
		s      ssologin.Session
		want   string
	}{
		{"a new session, nothing in the config", "", "", fresh, ""},
		{"a new session beside a hand-written one", oneSession, "", fresh, "--sso-session gatehouse"},
		{"a new session beside two", twoSessions, "", fresh, "--sso-session gatehouse"},
		{"the hand-written session itself", oneSession, "", corp, ""},
		{"one of two", twoSessions, "", corp, "--sso-session corp"},
		{"the one the environment names", twoSessions, "corp", corp, ""},
		{"not the one the environment names", oneSession, "other", corp, "--sso-session corp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SessionArgs(awsconfig.Parse([]byte(tt.config)), tt.s, tt.env, tokens(tt.s)); got != tt.want {
				t.Errorf("SessionArgs() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckStartURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, wantErr string }{
		{"https://acme.awsapps.com/start", ""},
		{"https://d-1234567890.awsapps.com/start/", ""},
		{"https://start.us-gov-home.awsapps.com/directory/acme", ""},
		{"http://127.0.0.1:41713/start", ""},
		{"http://localhost:8080/start", ""},
		{"acme", "lacks https:// and a host name"},
		{"acme.awsapps.com/start", "lacks https:// and a host name"},
		{"http://acme.awsapps.com/start", "is not an https URL"},
		{"ftp://acme.awsapps.com/start", "is not an https URL"},
		{"https://me:pw@acme.awsapps.com/start", "holds a user name or password"},
		{"https://acme.awsapps.com/%zz", "is not a URL: invalid URL escape"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			err := CheckStartURL(tt.url)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("CheckStartURL(%q) = %v, want %q", tt.url, err, tt.wantErr)
			}
		})
	}
	for _, r := range []string{"eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-3"} {
		if err := CheckRegion(r); err != nil {
			t.Errorf("CheckRegion(%q) = %v", r, err)
		}
	}
	for _, r := range []string{"", "europe", "EU-WEST-1", "eu-west", "us-east-1 "} {
		if err := CheckRegion(r); err == nil {
			t.Errorf("CheckRegion(%q) accepted", r)
		}
	}
}
