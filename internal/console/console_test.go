package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var creds = Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "secret", SessionToken: "token"}

func TestSigninTokenURL(t *testing.T) {
	tests := []struct {
		name         string
		req          Request
		wantEndpoint string
		wantDuration string // "" means absent
		wantErr      string
	}{
		{name: "default partition, no duration", req: Request{Credentials: creds, Region: "eu-west-1"}, wantEndpoint: "https://signin.aws.amazon.com/federation"},
		{name: "duration", req: Request{Credentials: creds, Duration: 2 * time.Hour}, wantEndpoint: "https://signin.aws.amazon.com/federation", wantDuration: "7200"},
		{name: "chained credentials omit the duration", req: Request{Credentials: Credentials{AccessKeyID: "a", SecretAccessKey: "b", SessionToken: "c", Chained: true}, Duration: 2 * time.Hour},
			wantEndpoint: "https://signin.aws.amazon.com/federation"},
		{name: "GovCloud", req: Request{Credentials: creds, Region: "us-gov-west-1"}, wantEndpoint: "https://signin.amazonaws-us-gov.com/federation"},
		{name: "China", req: Request{Credentials: creds, Region: "cn-north-1"}, wantEndpoint: "https://signin.amazonaws.cn/federation"},
		{name: "override", req: Request{Credentials: creds, Endpoint: "http://127.0.0.1:9/federation"}, wantEndpoint: "http://127.0.0.1:9/federation"},
		{name: "duration too long", req: Request{Credentials: creds, Duration: 13 * time.Hour}, wantErr: "outside 15m to 12h"},
		{name: "long-term keys", req: Request{Credentials: Credentials{AccessKeyID: "AKIA", SecretAccessKey: "x"}}, wantErr: "temporary credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SigninTokenURL(tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(got)
			if ep := u.Scheme + "://" + u.Host + u.Path; ep != tt.wantEndpoint {
				t.Errorf("endpoint = %s, want %s", ep, tt.wantEndpoint)
			}
			q := u.Query()
			if q.Get("Action") != "getSigninToken" || q.Get("SessionDuration") != tt.wantDuration || q.Has("SessionDuration") != (tt.wantDuration != "") {
				t.Errorf("query = %v", q)
			}
			var sess map[string]string
			if err := json.Unmarshal([]byte(q.Get("Session")), &sess); err != nil || sess["sessionId"] != tt.req.Credentials.AccessKeyID {
				t.Errorf("Session = %q (%v)", q.Get("Session"), err)
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	var gotQuery url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.Query()
		if r.URL.Query().Get("Session") == "" {
			http.Error(w, "no session", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`{"SigninToken":"tok-123"}`))
	}))
	defer srv.Close()
	login, err := SignIn(context.Background(), Request{Credentials: creds, Region: "eu-west-1", Endpoint: srv.URL + "/federation", Issuer: "https://acme.awsapps.com/start"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(login)
	want := url.Values{
		"Action": {"login"}, "Issuer": {"https://acme.awsapps.com/start"},
		"Destination": {"https://console.aws.amazon.com/console/home?region=eu-west-1"}, "SigninToken": {"tok-123"},
	}
	if diff := cmp.Diff(want, u.Query()); diff != "" {
		t.Errorf("login URL query mismatch (-want +got)\n%s", diff)
	}
	if gotQuery.Get("Action") != "getSigninToken" {
		t.Errorf("server saw %v", gotQuery)
	}

	// An error from the endpoint never echoes the credentials.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "expired", http.StatusBadRequest) }))
	defer bad.Close()
	_, err = SignIn(context.Background(), Request{Credentials: creds, Endpoint: bad.URL + "/federation"})
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("error = %v", err)
	}
	_, err = SignIn(context.Background(), Request{Credentials: creds, Endpoint: "http://127.0.0.1:1/federation"})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("connection error leaks or is missing: %v", err)
	}
}

func TestBrowserCommands(t *testing.T) {
	args := ChromiumArgs("/usr/bin/chromium", "/cache/browser", "prod/Admin", "https://x")
	if args[1] != "--user-data-dir="+filepath.Join("/cache/browser", "prod_Admin-"+ProfileDir("", "prod/Admin")[len("prod_Admin-"):]) || args[len(args)-1] != "https://x" {
		t.Errorf("ChromiumArgs = %v", args)
	}
	if ProfileDir("/r", "a/b") == ProfileDir("/r", "a_b") {
		t.Error("distinct profiles share a browser directory")
	}
	if got := FirefoxContainerURL("prod/Admin", "https://x/?a=1&b=2"); got != "ext+container:name=prod%2FAdmin&url=https%3A%2F%2Fx%2F%3Fa%3D1%26b%3D2" {
		t.Errorf("FirefoxContainerURL = %s", got)
	}
	look := func(name string) (string, error) {
		if name == "google-chrome" {
			return "/opt/chrome", nil
		}
		return "", errors.New("not found")
	}
	if got := FindChromium(func(string) string { return "" }, look); got != "/opt/chrome" {
		t.Errorf("FindChromium = %q", got)
	}
	if got := FindChromium(func(k string) string { return map[string]string{ChromiumEnv: "/my/brave"}[k] }, look); got != "/my/brave" {
		t.Errorf("FindChromium with env = %q", got)
	}
}
