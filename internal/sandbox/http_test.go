package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// startDevice registers a device client and starts an authorization.
func startDevice(t *testing.T, sb *sandbox.Sandbox) (*ssooidc.Client, *ssooidc.RegisterClientOutput, *ssooidc.StartDeviceAuthorizationOutput) {
	t.Helper()
	ctx := context.Background()
	c := oidcClient(t, sb)
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("script"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String("https://acme.awsapps.com/start")})
	if err != nil {
		t.Fatal(err)
	}
	return c, reg, dev
}

func postJSON(t *testing.T, u, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("POST %s: body is not JSON: %v", u, err)
	}
	return resp.StatusCode, out
}

func TestDeviceFlowApprovedThroughTheScriptsAPI(t *testing.T) {
	ctx := context.Background()
	// A short poll interval: the client below may poll again at once
	// without SlowDownException, with no need to wait out a second.
	sb := newSandbox(t, sandbox.Options{PollInterval: 10 * time.Millisecond})
	portalWorld(t, sb)
	c, reg, dev := startDevice(t, sb)
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, DeviceCode: dev.DeviceCode, GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code")}

	// Before approval: AWS's exact pending error.
	_, err := c.CreateToken(ctx, in)
	var pending *oidctypes.AuthorizationPendingException
	if !errors.As(err, &pending) || aws.ToString(pending.Error_) != "authorization_pending" {
		t.Fatalf("CreateToken before approval: %v, want AuthorizationPendingException with error authorization_pending", err)
	}
	assertHTTPError(t, err, http.StatusBadRequest, "AuthorizationPendingException")

	resp, err := http.Get(sb.URL() + "/sandbox/device-authorizations")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		DeviceAuthorizations []sandbox.PendingAuthorization `json:"deviceAuthorizations"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.DeviceAuthorizations) != 1 || list.DeviceAuthorizations[0].UserCode != aws.ToString(dev.UserCode) || list.DeviceAuthorizations[0].ClientName != "script" {
		t.Fatalf("pending list = %+v, %v", list, err)
	}

	// A client polls while a script approves (no user code: the only pending one).
	type result struct {
		out *ssooidc.CreateTokenOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		pctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		out, err := pollToken(pctx, c, in, 20*time.Millisecond)
		done <- result{out, err}
	}()
	status, body := postJSON(t, sb.URL()+"/sandbox/approve", `{"userName":"alice"}`)
	if status != http.StatusOK || body["userCode"] != aws.ToString(dev.UserCode) || body["userName"] != "alice" {
		t.Fatalf("approve answered %d %v", status, body)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("polling for the token: %v", r.err)
	}
	out, err := portalClient(t, sb).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: r.out.AccessToken})
	if err != nil || len(out.AccountList) != 2 {
		t.Fatalf("alice's accounts: %v %v", out, err)
	}
}

func TestScriptsAPIErrors(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	_, _, dev := startDevice(t, sb)
	tests := []struct {
		name   string
		body   string
		status int
		inErr  string
	}{
		{"unknown code", `{"userCode":"ZZZZ-ZZZZ","userName":"alice"}`, http.StatusNotFound, "no device authorization"},
		{"unknown user", `{"userCode":"` + aws.ToString(dev.UserCode) + `","userName":"mallory"}`, http.StatusBadRequest, "mallory"},
		{"no user", `{"userCode":"` + aws.ToString(dev.UserCode) + `"}`, http.StatusBadRequest, "userName is required"},
		{"not JSON", `{`, http.StatusBadRequest, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postJSON(t, sb.URL()+"/sandbox/approve", tt.body)
			msg, _ := body["error"].(string)
			if status != tt.status || !strings.Contains(msg, tt.inErr) {
				t.Errorf("approve answered %d %v; want %d with %q", status, body, tt.status, tt.inErr)
			}
		})
	}
	if p := sb.Pending(); len(p) != 1 {
		t.Errorf("failed approvals changed the pending list: %v", p)
	}
	if err := sb.Approve(context.Background(), aws.ToString(dev.UserCode), "alice"); err != nil {
		t.Fatal(err)
	}
	status, _ := postJSON(t, sb.URL()+"/sandbox/approve", `{"userCode":"`+aws.ToString(dev.UserCode)+`","userName":"alice"}`)
	if status != http.StatusConflict {
		t.Errorf("approving twice answered %d, want 409", status)
	}
}

// noRedirect is an HTTP client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestDenyOnThePages(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)

	t.Run("device page", func(t *testing.T) {
		c, reg, dev := startDevice(t, sb)
		// What the device page's script sends when Deny is pressed.
		status, body := postJSON(t, sb.URL()+"/device", `{"userCode":"`+aws.ToString(dev.UserCode)+`","userName":"alice","password":"`+sandbox.DefaultPassword+`","decision":"deny"}`)
		if status != http.StatusOK || body["title"] != "Request denied" {
			t.Errorf("deny answered %d %v", status, body)
		}
		_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, DeviceCode: dev.DeviceCode, GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code")})
		var denied *oidctypes.AccessDeniedException
		if !errors.As(err, &denied) {
			t.Errorf("CreateToken after deny: %v, want AccessDeniedException", err)
		}
	})
	t.Run("authorize page", func(t *testing.T) {
		c := oidcClient(t, sb)
		reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("p"), ClientType: aws.String("public"),
			GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(sb.StartURL())})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {"http://127.0.0.1:1234/oauth/callback"},
			"state": {"xyz"}, "code_challenge": {"abc"}, "code_challenge_method": {"S256"}, "decision": {"deny"}}
		resp, err := noRedirect.PostForm(sb.URL()+"/authorize", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "xyz" || loc.Port() != "1234" {
			t.Errorf("deny answered %d to %q, want a redirect with error=access_denied&state=xyz", resp.StatusCode, resp.Header.Get("Location"))
		}
		// An unregistered redirect URI is never redirected to.
		form.Set("redirect_uri", "http://127.0.0.1:1234/evil")
		resp, err = noRedirect.Get(sb.URL() + "/authorize?" + form.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("unregistered redirect URI: %d to %q, want a 400 page", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestConsoleFederation(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	_, tok := deviceLogin(t, sb, "alice")
	rc, err := portalClient(t, sb).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod), RoleName: aws.String("ReadOnly")})
	if err != nil {
		t.Fatal(err)
	}
	c := rc.RoleCredentials
	session := func(id, key, token string) string {
		b, _ := json.Marshal(map[string]string{"sessionId": id, "sessionKey": key, "sessionToken": token})
		return string(b)
	}
	ssoSession := session(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))

	// Chained credentials, through the front.
	cfg := awstest.ConfigFor(t, sb.URL())
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	ch, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + client + ":role/ClientAdmin"), RoleSessionName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	chained := session(aws.ToString(ch.Credentials.AccessKeyId), aws.ToString(ch.Credentials.SecretAccessKey), aws.ToString(ch.Credentials.SessionToken))

	tests := []struct {
		name     string
		session  string
		duration string
		ok       bool
		account  string
	}{
		{name: "SSO role session", session: ssoSession, duration: "43200", ok: true, account: prod},
		{name: "chained without duration", session: chained, ok: true, account: client},
		{name: "chained with duration", session: chained, duration: "3600"},
		{name: "long-term keys", session: session("AKIAEXAMPLE", "secret", "")},
		{name: "duration out of range", session: ssoSession, duration: "60"},
		{name: "not JSON", session: "{"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"Action": {"getSigninToken"}, "Session": {tt.session}}
			if tt.duration != "" {
				q.Set("SessionDuration", tt.duration)
			}
			resp, err := http.Get(sb.URL() + "/federation?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if (resp.StatusCode == http.StatusOK) != tt.ok {
				t.Fatalf("getSigninToken answered %d %s", resp.StatusCode, body)
			}
			if !tt.ok {
				return
			}
			var out struct{ SigninToken string }
			if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
				t.Fatalf("getSigninToken body %s: %v", body, err)
			}
			login := url.Values{"Action": {"login"}, "Issuer": {"gatehouse"}, "SigninToken": {out.SigninToken},
				"Destination": {"https://console.aws.amazon.com/console/home?region=us-east-1"}}
			resp, err = http.Get(sb.URL() + "/federation?" + login.Encode())
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Signed in to account "+tt.account) {
				t.Errorf("login answered %d: %s", resp.StatusCode, page)
			}
		})
	}
	resp, err := http.Get(sb.URL() + "/federation?Action=login&SigninToken=forged&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("login with a forged token answered %d, want 400", resp.StatusCode)
	}
}

func TestProxyPassesEverythingElseToMoto(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	resp, err := http.Get(sb.URL() + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("moto's own API through the front answered %d", resp.StatusCode)
	}
	if _, err := sandbox.Start(context.Background(), sandbox.Options{MotoURL: sb.MotoURL(), Addr: "0.0.0.0:0"}); err == nil {
		t.Error("Start listened on a non-loopback address")
	}
}

func TestEnvPointsEveryServiceAtTheSandbox(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{Region: "eu-west-1"})
	env := map[string]string{}
	for _, kv := range sb.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, svc := range []string{"SSO", "SSO_OIDC", "STS", "IAM", "ORGANIZATIONS", "SSO_ADMIN", "IDENTITYSTORE"} {
		if got := env["AWS_ENDPOINT_URL_"+svc]; got != sb.URL() {
			t.Errorf("AWS_ENDPOINT_URL_%s = %q, want %q", svc, got, sb.URL())
		}
	}
	want := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
		"GATEHOUSE_FEDERATION_ENDPOINT": sb.URL() + "/federation",
		"AWS_ACCESS_KEY_ID":             sb.Credentials().AccessKeyID,
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if len(sb.EndpointEnv()) != len(sb.Env())-2 {
		t.Errorf("EndpointEnv has %d variables, Env %d: want Env = EndpointEnv + the two credential variables", len(sb.EndpointEnv()), len(sb.Env()))
	}
	for _, kv := range sb.EndpointEnv() {
		if strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			t.Errorf("EndpointEnv carries credentials: %s", kv)
		}
	}
}
