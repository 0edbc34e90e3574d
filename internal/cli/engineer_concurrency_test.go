package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// countingProxy forwards to the sandbox and counts refresh-token grants.
type countingProxy struct {
	refreshes atomic.Int32
	portal    atomic.Int32
}

func (c *countingProxy) start(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/token" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if strings.Contains(string(body), `"refresh_token"`) {
				c.refreshes.Add(1)
			}
		}
		if r.URL.Path == "/federation/credentials" {
			c.portal.Add(1)
		}
		r.Host = u.Host // the sandbox answers only requests addressed to its own port
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestCredentialProcessConcurrentRefresh: 20 credential_process calls start
// at once (as Terraform's providers do) while the SSO token is inside its
// refresh window and no role credentials are cached. All 20 succeed, the
// token is refreshed exactly once, and each profile's role credentials are
// fetched once.
func TestCredentialProcessConcurrentRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto")
	}
	w := newEngWorld(t, sandbox.Options{})
	gh, err := exec.LookPath("gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	w.mustRun(t, "login", "--start-url", w.sb.StartURL(), "--region", w.sb.Region(), "--use-device-code")
	w.mustRun(t, "profiles", "-f", w.model, "--credential-process", "--process-command", gh)

	var proxy countingProxy
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", proxy.start(t, w.sb.URL()))
	t.Setenv("AWS_ENDPOINT_URL_SSO", os.Getenv("AWS_ENDPOINT_URL_SSO_OIDC"))

	// Put the token 5 minutes from expiry: inside the 15-minute window.
	tokenFile := filepath.Join(w.home, ".aws", "sso", "cache", sha1hex("gatehouse")+".json")
	tok := readJSON(t, tokenFile)
	tok["expiresAt"] = time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)
	writeFile(t, tokenFile, mustJSON(t, tok))
	if err := os.RemoveAll(filepath.Join(w.home, ".cache", "gatehouse", "credentials")); err != nil {
		t.Fatal(err)
	}

	profiles := []string{"production/ReadOnly", w.mgmt + "/ReadOnly", extName + "/Admin", w.mgmt + "/" + w.hopSet}
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := profiles[i%len(profiles)]
			cmd := exec.Command(gh, "credential-process", "--profile", p)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				errs <- fmt.Errorf("credential-process %s: %v: %s", p, err, stderr.String())
				return
			}
			var cp struct {
				Version     int
				AccessKeyID string `json:"AccessKeyId"`
			}
			if err := json.Unmarshal(out, &cp); err != nil || cp.Version != 1 || cp.AccessKeyID == "" {
				errs <- fmt.Errorf("credential-process %s printed %q (%v)", p, out, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := proxy.refreshes.Load(); got != 1 {
		t.Errorf("the token was refreshed %d times, want 1", got)
	}
	// The external profile chains from the hop profile, whose credentials
	// it reuses: one GetRoleCredentials per portal role.
	if got := proxy.portal.Load(); got != 3 {
		t.Errorf("%d GetRoleCredentials calls, want 3 (one per portal role)", got)
	}
	if left := time.Until(mustTime(t, readJSON(t, tokenFile)["expiresAt"])); left < 30*time.Minute {
		t.Errorf("the refreshed token expires in %s", left)
	}

	// Cache hits make no network call at all.
	before := proxy.portal.Load() + proxy.refreshes.Load()
	for _, p := range profiles {
		if out, err := exec.Command(gh, "credential-process", "--profile", p).Output(); err != nil || !strings.Contains(string(out), `"Version":1`) {
			t.Errorf("cached credential-process %s: %v %s", p, err, out)
		}
	}
	if after := proxy.portal.Load() + proxy.refreshes.Load(); after != before {
		t.Errorf("cache hits made %d portal or token calls", after-before)
	}
}

func mustTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return tm
}

// TestCredentialProcessNeedsLogin: without a token, credential-process
// fails with the login command to run, prints nothing on stdout, and never
// opens a browser or waits for one.
func TestCredentialProcessNeedsLogin(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto")
	}
	w := newEngWorld(t, sandbox.Options{})
	writeFile(t, w.config, "[sso-session corp]\nsso_start_url = "+w.sb.StartURL()+"\nsso_region = us-east-1\n\n[profile p]\nsso_session = corp\nsso_account_id = "+w.prodID+"\nsso_role_name = ReadOnly\n")
	var out, errb bytes.Buffer
	opened := false
	d := Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Now: time.Now,
		OpenBrowser: func(string) error { opened = true; return nil }}
	code := Main(t.Context(), []string{"credential-process", "--profile", "p"}, d)
	if code == 0 || out.Len() != 0 || opened {
		t.Errorf("code %d, stdout %q, browser opened %v", code, out.String(), opened)
	}
	want := "gatehouse: sso-session \"corp\": not logged in\nhint: run `gatehouse login --sso-session corp`\n"
	if errb.String() != want {
		t.Errorf("stderr = %q, want %q", errb.String(), want)
	}
}

// TestListThrottledPortal: the sandbox's portal allows 2 calls per second;
// list asks for 50. Throttled calls are retried, the listing is complete,
// and the throttling is reported on stderr, never as a failure.
func TestListThrottledPortal(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto")
	}
	w := newEngWorld(t, sandbox.Options{PortalRateLimit: 2})
	w.mustRun(t, "login", "--start-url", w.sb.StartURL(), "--region", w.sb.Region(), "--use-device-code")
	r := w.mustRun(t, "list", "--rate", "50", "--output", "json", "-f", w.model)
	var doc listJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Accounts) != 2 || len(doc.ExternalAccounts) != 1 {
		t.Errorf("incomplete listing: %+v", doc)
	}
	if !strings.Contains(r.stderr, "throttled and retried") || strings.Contains(r.stderr, " 0 throttled") {
		t.Errorf("throttling not reported: %q", r.stderr)
	}
	// The listing is cached: a second list makes no portal call at all.
	w.sb.Stop()
	r = w.mustRun(t, "list", "-f", w.model)
	if !strings.Contains(r.stdout, extAccount) {
		t.Errorf("cached list = %q", r.stdout)
	}
}
