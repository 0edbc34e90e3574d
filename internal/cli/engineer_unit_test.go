package cli

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

func TestCanOpenBrowser(t *testing.T) {
	open := func(string) error { return nil }
	tests := []struct {
		name  string
		env   map[string]string
		open  func(string) error
		linux bool // the expectation on Linux; macOS and Windows always have a browser
	}{
		{"display", map[string]string{"DISPLAY": ":0"}, open, true},
		{"wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, open, true},
		{"headless", map[string]string{}, open, false},
		{"over SSH, even with X forwarding", map[string]string{"DISPLAY": "localhost:10", "SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"}, open, false},
		{"$BROWSER wins", map[string]string{"BROWSER": "w3m", "SSH_TTY": "/dev/pts/1"}, open, true},
		{"no opener", map[string]string{"DISPLAY": ":0"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.linux
			if runtime.GOOS != "linux" && tt.open != nil && tt.env["SSH_CONNECTION"] == "" {
				want = true
			}
			d := Deps{Getenv: func(k string) string { return tt.env[k] }, OpenBrowser: tt.open}
			if got := canOpenBrowser(d); got != want {
				t.Errorf("canOpenBrowser = %v, want %v", got, want)
			}
		})
	}
}

func TestSessionResolution(t *testing.T) {
	one := "[sso-session corp]\nsso_start_url = https://corp/start\nsso_region = eu-west-1\n"
	two := one + "[sso-session other]\nsso_start_url = https://other/start\nsso_region = us-east-1\nsso_registration_scopes = a, b\n"
	tests := []struct {
		name    string
		config  string
		env     map[string]string
		opts    sessionOptions
		want    ssologin.Session
		wantErr string
	}{
		{name: "the only session", config: one, want: ssologin.Session{Name: "corp", StartURL: "https://corp/start", Region: "eu-west-1"}},
		{name: "several sessions need a choice", config: two, wantErr: "has several sso-sessions (corp, other)"},
		{name: "--sso-session", config: two, opts: sessionOptions{name: "other"},
			want: ssologin.Session{Name: "other", StartURL: "https://other/start", Region: "us-east-1", ConfiguredScopes: []string{"a", "b"}}},
		{name: "$GATEHOUSE_SSO_SESSION", config: two, env: map[string]string{"GATEHOUSE_SSO_SESSION": "corp"}, want: ssologin.Session{Name: "corp", StartURL: "https://corp/start", Region: "eu-west-1"}},
		{name: "start URL finds its session", config: two, opts: sessionOptions{startURL: "https://other/start"},
			want: ssologin.Session{Name: "other", StartURL: "https://other/start", Region: "us-east-1", ConfiguredScopes: []string{"a", "b"}}},
		{name: "new start URL: session gatehouse", config: one, opts: sessionOptions{startURL: "https://new/start", region: "ap-south-1"},
			want: ssologin.Session{Name: "gatehouse", StartURL: "https://new/start", Region: "ap-south-1"}},
		{name: "flags contradict the config", config: one, opts: sessionOptions{name: "corp", region: "us-west-2"}, wantErr: "the flags say https://corp/start in us-west-2"},
		{name: "unknown session without flags", config: one, opts: sessionOptions{name: "nope"}, wantErr: "sso-session nope: no start URL and region"},
		{name: "invalid name", opts: sessionOptions{name: "a b", startURL: "u", region: "r"}, wantErr: `name "a b" holds ' '`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if tt.config != "" {
				writeFile(t, filepath.Join(home, ".aws", "config"), tt.config)
			}
			env := map[string]string{"HOME": home}
			for k, v := range tt.env {
				env[k] = v
			}
			e, err := newEngine(Deps{Getenv: func(k string) string { return env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.session(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("session() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("session() mismatch (-want +got)\n%s", diff)
			}
		})
	}

	// A session known only from its token (login --start-url, before
	// profiles wrote the [sso-session]) takes its URL and region from it.
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	e, err := newEngine(Deps{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	s := ssologin.Session{Name: "gatehouse", StartURL: "https://tok/start", Region: "eu-north-1"}
	if err := e.tokens.Save(s, &ssologin.Token{StartURL: s.StartURL, Region: s.Region, AccessToken: "a", ExpiresAt: time.Now().Add(time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	if got, err := e.session(sessionOptions{}); err != nil || cmp.Diff(s, got) != "" {
		t.Errorf("session from the token = %+v, %v", got, err)
	}
}

// TestReadProgress: on a terminal, the steps of a plan's read share one
// line redrawn in place; off a terminal nothing is drawn.
func TestReadProgress(t *testing.T) {
	var out strings.Builder
	r := &readProgress{d: Deps{Stderr: &out}}
	r.show(pipeline.Progress{Step: "organization"})
	r.show(pipeline.Progress{Step: "organization", Done: 500, Total: 500, Finished: true})
	r.show(pipeline.Progress{Step: "identity center"})
	r.show(pipeline.Progress{Step: "iam", Done: 120, Total: 500})
	lines := strings.Split(out.String(), "\r\x1b[K")
	if got, want := lines[len(lines)-1], "organization: 500 accounts | Identity Center: reading | IAM: 120/500 accounts"; got != want {
		t.Errorf("last progress line = %q, want %q", got, want)
	}
	if strings.Contains(out.String(), "\n") {
		t.Errorf("progress wrote a newline: %q", out.String())
	}
	o, err := pipelineOptions(context.Background(), Deps{Stderr: &out, Getenv: func(string) string { return "" }}, awsOptions{region: "us-east-1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Progress != nil {
		t.Error("progress is drawn when stderr is not a terminal")
	}
}
