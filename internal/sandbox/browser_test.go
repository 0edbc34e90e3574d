package sandbox_test

// The sign-in pages in a real browser: headless Chromium, driven by
// internal/browsertest.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/gatehouse-dev/gatehouse/internal/browsertest"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

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
	b := browsertest.New(t, 0, 0)

	// A wrong password is refused and the code stays pending.
	b.Open(aws.ToString(dev.VerificationUriComplete))
	if got := b.Find("#user_code"); got == "" {
		t.Fatal("the device page has no user code field")
	}
	b.TypeInto("#username", "alice")
	b.TypeInto("#password", "wrong")
	b.Click("#allow")
	if msg := b.Text("#error"); !strings.Contains(msg, "Incorrect") {
		t.Errorf("wrong password: page says %q", msg)
	}
	if p := sb.Pending(); len(p) != 1 {
		t.Fatalf("after a failed sign-in, pending = %v, want the code still pending", p)
	}

	// The right one approves it; the page shows the code it approved.
	b.TypeInto("#password", sandbox.DefaultPassword)
	b.Click("#allow")
	if msg := b.Text("#message"); !strings.Contains(msg, "approved for alice") || !strings.Contains(msg, aws.ToString(dev.UserCode)) {
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
	b := browsertest.New(t, 0, 0)
	b.Open(sb.URL() + "/authorize?" + q.Encode())
	b.TypeInto("#username", "alice")
	b.TypeInto("#password", sandbox.DefaultPassword)
	b.Click("#allow")
	var params url.Values
	select {
	case params = <-got:
	case <-time.After(90 * time.Second):
		t.Fatalf("the browser never reached the redirect URI; it is at %s", b.URL())
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
