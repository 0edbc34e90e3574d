package sandbox_test

// Real clients against the sandbox: the AWS CLI on PATH (v1, botocore),
// aws-sdk-go-v2's own SSO credential provider, and Debian's AWS CLI v2. They
// read an sso-session profile and a token cache file produced by a device
// flow against the sandbox, exactly as `aws sso login` would leave them.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

const (
	sessionName = "sandbox"
	profileName = "prod-readonly"
)

// tokenCache is the AWS CLI's SSO token cache file.
type tokenCache struct {
	StartURL              string `json:"startUrl"`
	Region                string `json:"region"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"`
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	RegistrationExpiresAt string `json:"registrationExpiresAt"`
	RefreshToken          string `json:"refreshToken"`
}

// engineerHome logs alice in through a device flow and writes what `aws sso
// login` leaves behind into a fresh home directory: ~/.aws/config with an
// sso-session profile for ReadOnly in prod, and the token cache file. It
// returns the home directory and the cache file's path.
func engineerHome(t *testing.T, sb *sandbox.Sandbox, expiresAt time.Time) (home, cachePath string) {
	t.Helper()
	reg, tok := deviceLogin(t, sb, "alice")
	home = t.TempDir()
	awsDir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(filepath.Join(awsDir, "sso", "cache"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "[sso-session " + sessionName + "]\n" +
		"sso_start_url = " + sb.StartURL() + "\n" +
		"sso_region = " + sb.Region() + "\n" +
		"sso_registration_scopes = sso:account:access\n\n" +
		"[profile " + profileName + "]\n" +
		"sso_session = " + sessionName + "\n" +
		"sso_account_id = " + prod + "\n" +
		"sso_role_name = ReadOnly\n" +
		"region = " + sb.Region() + "\n\n" +
		"[profile client-admin]\n" +
		"source_profile = " + profileName + "\n" +
		"role_arn = arn:aws:iam::" + client + ":role/ClientAdmin\n" +
		"role_session_name = alice\n"
	if err := os.WriteFile(filepath.Join(awsDir, "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(sessionName))
	cachePath = filepath.Join(awsDir, "sso", "cache", hex.EncodeToString(sum[:])+".json")
	data, err := json.Marshal(tokenCache{
		StartURL:              sb.StartURL(),
		Region:                sb.Region(),
		AccessToken:           aws.ToString(tok.AccessToken),
		ExpiresAt:             expiresAt.UTC().Format(time.RFC3339),
		ClientID:              aws.ToString(reg.ClientId),
		ClientSecret:          aws.ToString(reg.ClientSecret),
		RegistrationExpiresAt: time.Unix(reg.ClientSecretExpiresAt, 0).UTC().Format(time.RFC3339),
		RefreshToken:          aws.ToString(tok.RefreshToken),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cachePath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return home, cachePath
}

// cliEnv is a clean environment for an AWS CLI subprocess: no credentials,
// the sandbox's endpoints, and home.
func cliEnv(sb *sandbox.Sandbox, home string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_PAGER=",
		"AWS_RETRY_MODE=standard",
		"AWS_MAX_ATTEMPTS=1",
	}
	if v := os.Getenv("PYENV_ROOT"); v != "" {
		env = append(env, "PYENV_ROOT="+v)
	}
	return append(env, sb.EndpointEnv()...)
}

// callerARN runs `aws sts get-caller-identity --profile profile` and returns the ARN.
func callerARN(t *testing.T, awsBin string, env []string, profile string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsBin, "sts", "get-caller-identity", "--profile", profile, "--output", "json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s sts get-caller-identity --profile %s: %v\n%s", awsBin, profile, err, stderr)
	}
	var id struct{ Account, Arn string }
	if err := json.Unmarshal(out, &id); err != nil {
		t.Fatalf("get-caller-identity output %q: %v", out, err)
	}
	return id.Arn
}

func wantReservedSession(t *testing.T, who, arn string) {
	t.Helper()
	if !strings.HasPrefix(arn, "arn:aws:sts::"+prod+":assumed-role/AWSReservedSSO_ReadOnly_") || !strings.HasSuffix(arn, "/alice") {
		t.Errorf("%s: caller %s, want alice's AWSReservedSSO_ReadOnly_* session in %s", who, arn, prod)
	}
}

// awsCLI returns the AWS CLI on PATH; the tests need it (scripts/setup.sh).
func awsCLI(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is not on PATH (%v); install it (pip install awscli, or scripts/setup.sh)", err)
	}
	return p
}

func TestAWSCLIUsesTheSandboxLogin(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	home, _ := engineerHome(t, sb, time.Now().Add(time.Hour))
	env := cliEnv(sb, home)
	aws := awsCLI(t)
	wantReservedSession(t, "aws --profile "+profileName, callerARN(t, aws, env, profileName))

	// Role chaining from the SSO profile into another organization.
	if arn := callerARN(t, aws, env, "client-admin"); arn != "arn:aws:sts::"+client+":assumed-role/ClientAdmin/alice" {
		t.Errorf("aws --profile client-admin: caller %s, want ClientAdmin/alice in %s", arn, client)
	}
}

func TestAWSCLIRefreshesAnExpiredToken(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	home, cachePath := engineerHome(t, sb, time.Now().Add(-time.Minute))
	before := readCache(t, cachePath)
	wantReservedSession(t, "aws with an expired token", callerARN(t, awsCLI(t), cliEnv(sb, home), profileName))
	after := readCache(t, cachePath)
	if after.AccessToken == before.AccessToken {
		t.Fatal("botocore did not refresh the expired access token through the sandbox's /token")
	}
	if after.RefreshToken == "" || after.RefreshToken == before.RefreshToken {
		t.Error("the cache did not take the rotated refresh token")
	}
	exp, err := time.Parse(time.RFC3339, after.ExpiresAt)
	if err != nil || time.Until(exp) < 30*time.Minute {
		t.Errorf("refreshed expiresAt = %q, want about an hour from now", after.ExpiresAt)
	}
}

func readCache(t *testing.T, path string) tokenCache {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c tokenCache
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("token cache %s: %v", path, err)
	}
	return c
}

func TestGoSDKSSOProviderUsesTheSandboxLogin(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	home, _ := engineerHome(t, sb, time.Now().Add(time.Hour))
	// The SDK's providers read the cache under $HOME and honour the
	// per-service endpoint variables.
	t.Setenv("HOME", home)
	for _, kv := range sb.EndpointEnv() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	ctx := context.Background()
	for _, tt := range []struct{ profile, want string }{
		{profileName, ""},
		{"client-admin", "arn:aws:sts::" + client + ":assumed-role/ClientAdmin/alice"},
	} {
		cfg, err := config.LoadDefaultConfig(ctx,
			config.WithSharedConfigProfile(tt.profile),
			config.WithSharedConfigFiles([]string{filepath.Join(home, ".aws", "config")}),
			config.WithSharedCredentialsFiles([]string{}),
		)
		if err != nil {
			t.Fatalf("LoadDefaultConfig(%s): %v", tt.profile, err)
		}
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity with profile %s: %v", tt.profile, err)
		}
		if tt.want == "" {
			wantReservedSession(t, "aws-sdk-go-v2 profile "+tt.profile, aws.ToString(id.Arn))
		} else if aws.ToString(id.Arn) != tt.want {
			t.Errorf("aws-sdk-go-v2 profile %s: caller %s, want %s", tt.profile, aws.ToString(id.Arn), tt.want)
		}
	}
}

// awsCLIv2 returns Debian's AWS CLI v2 (scripts/setup.sh installs the awscli
// package), or $GATEHOUSE_AWS_CLI_V2.
func awsCLIv2(t *testing.T) string {
	t.Helper()
	p := os.Getenv("GATEHOUSE_AWS_CLI_V2")
	if p == "" {
		p = "/usr/bin/aws"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the AWS CLI v2 is not at %s (%v); run scripts/setup.sh or set GATEHOUSE_AWS_CLI_V2", p, err)
	}
	return p
}

// endpointOverrides writes a botocore data directory that sends sso,
// sso-oidc and sts to url. Debian's CLI v2 (2.9) predates the
// AWS_ENDPOINT_URL_<SERVICE> variables, and --endpoint-url does not reach the
// SSO credential provider; an endpoint rule set on AWS_DATA_PATH does, for
// every client the CLI creates.
func endpointOverrides(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	rules := `{"version":"1.0","parameters":{"Region":{"builtIn":"AWS::Region","required":false,"type":"String"}},` +
		`"rules":[{"conditions":[],"endpoint":{"url":"` + url + `","properties":{},"headers":{}},"type":"endpoint"}]}`
	for _, svc := range []string{"sso/2019-06-10", "sso-oidc/2019-06-10", "sts/2011-06-15"} {
		if err := os.MkdirAll(filepath.Join(dir, svc), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, svc, "endpoint-rule-set-1.json"), []byte(rules), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestAWSCLIv2UsesTheSandboxLogin(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	// An expired token: the CLI v2 must refresh it through the sandbox too.
	home, cachePath := engineerHome(t, sb, time.Now().Add(-time.Minute))
	before := readCache(t, cachePath)
	env := append(cliEnv(sb, home), "AWS_DATA_PATH="+endpointOverrides(t, sb.URL()))
	wantReservedSession(t, "aws v2 --profile "+profileName, callerARN(t, awsCLIv2(t), env, profileName))
	if after := readCache(t, cachePath); after.AccessToken == before.AccessToken {
		t.Error("the AWS CLI v2 did not refresh the expired access token through the sandbox")
	}
}
