package sandbox_test

// The sign-in pages in a real browser: headless Chromium driven over the
// WebDriver protocol by chromedriver (Debian's chromium and chromium-driver,
// installed by scripts/setup.sh), with no Go dependency.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// browser is a WebDriver session in headless Chromium.
type browser struct {
	t       *testing.T
	base    string // chromedriver URL + /session/<id>
	elemKey string
}

// newBrowser starts chromedriver on a free loopback port and a headless
// Chromium session with a fresh profile; both stop when the test ends.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		t.Fatalf("chromedriver is not on PATH (%v); run scripts/setup.sh (Debian: apt-get install chromium chromium-driver)", err)
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not on PATH (%v); run scripts/setup.sh", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--allowed-ips=127.0.0.1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromedriver: %v", err)
	}
	t.Cleanup(func() {
		// The driver's process group holds the browsers it started.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	root := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(root + "/status")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not answer on %s: %v", root, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b := &browser{t: t, base: root, elemKey: "element-6066-11e4-a52e-4f735466cecf"}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	b.call(http.MethodPost, "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			"args": []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir=" + t.TempDir()},
		},
	}}}, &sess)
	if sess.SessionID == "" {
		t.Fatal("chromedriver returned no session id")
	}
	b.base = root + "/session/" + sess.SessionID
	t.Cleanup(func() { b.call(http.MethodDelete, "", nil, nil) })
	// After a click that submits a form, the next page may still be loading
	// when the test looks for its elements: let element lookups wait for it.
	b.call(http.MethodPost, "/timeouts", map[string]int{"implicit": 15000, "pageLoad": 30000}, nil)
	return b
}

// call sends one WebDriver command and decodes its "value" into out.
func (b *browser) call(method, path string, body, out any) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("WebDriver %s %s: HTTP %d: %s", method, path, resp.StatusCode, data)
	}
	if out == nil {
		return
	}
	var env struct{ Value json.RawMessage }
	if err := json.Unmarshal(data, &env); err != nil {
		b.t.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	if path == "/session" {
		// New Session answers {"value":{"sessionId":...}}.
		if err := json.Unmarshal(env.Value, out); err != nil {
			b.t.Fatal(err)
		}
		return
	}
	if err := json.Unmarshal(env.Value, out); err != nil {
		b.t.Fatalf("WebDriver %s %s value: %v", method, path, err)
	}
}

func (b *browser) open(u string) { b.call(http.MethodPost, "/url", map[string]string{"url": u}, nil) }

func (b *browser) url() string {
	var u string
	b.call(http.MethodGet, "/url", nil, &u)
	return u
}

func (b *browser) find(css string) string {
	var el map[string]string
	b.call(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &el)
	return el[b.elemKey]
}

func (b *browser) typeInto(css, text string) {
	b.call(http.MethodPost, "/element/"+b.find(css)+"/value", map[string]string{"text": text}, nil)
}

func (b *browser) click(css string) {
	b.call(http.MethodPost, "/element/"+b.find(css)+"/click", map[string]any{}, nil)
}

func (b *browser) text(css string) string {
	var s string
	b.call(http.MethodGet, "/element/"+b.find(css)+"/text", nil, &s)
	return s
}

func TestDevicePageInChromium(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	c := oidcClient(t, sb)
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("browser-test"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(sb.StartURL())})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)

	// A wrong password is refused and the code stays pending.
	b.open(aws.ToString(dev.VerificationUriComplete))
	if got := b.find("#user_code"); got == "" {
		t.Fatal("the device page has no user code field")
	}
	b.typeInto("#username", "alice")
	b.typeInto("#password", "wrong")
	b.click("#allow")
	if msg := b.text("#error"); !strings.Contains(msg, "Incorrect") {
		t.Errorf("wrong password: page says %q", msg)
	}
	if p := sb.Pending(); len(p) != 1 {
		t.Fatalf("after a failed sign-in, pending = %v, want the code still pending", p)
	}

	// The right one approves it; the page shows the code it approved.
	b.typeInto("#password", sandbox.DefaultPassword)
	b.click("#allow")
	if msg := b.text("#message"); !strings.Contains(msg, "approved for alice") || !strings.Contains(msg, aws.ToString(dev.UserCode)) {
		t.Errorf("after approval the page says %q", msg)
	}
	tok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, DeviceCode: dev.DeviceCode, GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code")})
	if err != nil {
		t.Fatalf("CreateToken after approval in the browser: %v", err)
	}
	out, err := portalClient(t, sb).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(out.AccountList) != 2 {
		t.Fatalf("alice's accounts after the browser sign-in: %v, %v", out, err)
	}
}

func TestAuthorizationCodeFlowInChromium(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)

	// The client's loopback listener, bound before the browser opens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", ln.Addr().(*net.TCPAddr).Port)
	got := make(chan url.Values, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query()
		fmt.Fprintln(w, "<p id=done>signed in; return to the terminal</p>")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	c := oidcClient(t, sb)
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: aws.String("pkce-test"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"},
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		IssuerUrl: aws.String(sb.StartURL()),
	})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	verifier := strings.Repeat("pkce-verifier-", 4)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
		"state": {"st-123"}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
	}
	b := newBrowser(t)
	b.open(sb.URL() + "/authorize?" + q.Encode())
	b.typeInto("#username", "alice")
	b.typeInto("#password", sandbox.DefaultPassword)
	b.click("#allow")
	var params url.Values
	select {
	case params = <-got:
	case <-time.After(90 * time.Second):
		t.Fatalf("the browser never reached the redirect URI; it is at %s", b.url())
	}
	if params.Get("state") != "st-123" || params.Get("code") == "" {
		t.Fatalf("redirect parameters = %v, want state st-123 and a code", params)
	}
	tok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("authorization_code"),
		Code: aws.String(params.Get("code")), CodeVerifier: aws.String(verifier), RedirectUri: aws.String(redirect),
	})
	if err != nil {
		t.Fatalf("CreateToken with the code: %v", err)
	}
	if aws.ToString(tok.RefreshToken) == "" {
		t.Error("no refresh token for a client registered with sso:account:access")
	}
	if _, err := portalClient(t, sb).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatalf("ListAccounts with the PKCE token: %v", err)
	}
}
