package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
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
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// handWritten is a config an engineer wrote by hand: comments, a nested
// block, odd spacing, CRLF line endings and no final newline. Every byte of
// it must survive `gatehouse profiles`.
const handWritten = "# my own settings, keep them\r\n[default]\r\nregion = eu-west-1\r\ns3 =\r\n  max_concurrent_requests = 20\r\n\r\n;old style comment\r\n[profile   personal ]\r\naws_access_key_id=AKIAEXAMPLEEXAMPLE\r\noutput = json"

// TestEngineerEndToEnd walks the engineer's day against the sandbox: log in
// (both flows), list what they can reach, write profiles into a hand-written
// config, and get credentials through those profiles from the AWS CLI on the
// machine and from aws-sdk-go-v2 (sso_session and credential_process
// profiles, member and chained external accounts), then exec, env, whoami,
// console and logout.
func TestEngineerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto")
	}
	w := newEngWorld(t, sandbox.Options{})
	writeFile(t, w.config, handWritten)
	session := ssologin.Session{Name: "corp", StartURL: w.sb.StartURL(), Region: w.sb.Region()}
	tokenFile := filepath.Join(w.home, ".aws", "sso", "cache", sha1hex("corp")+".json")

	t.Run("login with PKCE writes the AWS CLI's token cache", func(t *testing.T) {
		r := w.mustRun(t, "login", "--sso-session", "corp", "--start-url", session.StartURL, "--region", session.Region, "--use-pkce")
		if !strings.Contains(r.stderr, "/authorize?") || r.stdout != "" {
			t.Errorf("login output: stdout %q stderr %q", r.stdout, r.stderr)
		}
		tok := readJSON(t, tokenFile)
		for _, k := range []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"} {
			if tok[k] == "" || tok[k] == nil {
				t.Errorf("token cache lacks %s: %v", k, keys(tok))
			}
		}
		assertPerm(t, tokenFile, 0o600)
		assertPerm(t, filepath.Dir(tokenFile), 0o700|os.ModeDir)
		reg := filepath.Join(filepath.Dir(tokenFile), ssologin.RegistrationKey(ssologin.FlowPKCE, ssologin.Session{Name: "corp", StartURL: session.StartURL, Region: session.Region})+".json")
		if got := readJSON(t, reg); got["clientId"] != tok["clientId"] {
			t.Errorf("PKCE registration %v does not match the token's client", got)
		}
	})

	t.Run("login with the device code reuses nothing of PKCE", func(t *testing.T) {
		before := readJSON(t, tokenFile)
		r := w.mustRun(t, "login", "--sso-session", "corp", "--start-url", session.StartURL, "--region", session.Region, "--use-device-code")
		if !strings.Contains(r.stderr, "Code: ") {
			t.Errorf("device login did not show the user code: %s", r.stderr)
		}
		after := readJSON(t, tokenFile)
		if after["clientId"] == before["clientId"] || after["accessToken"] == before["accessToken"] {
			t.Error("the device flow used the PKCE client registration")
		}
		// A second device login reuses its cached registration.
		w.mustRun(t, "login", "--sso-session", "corp", "--start-url", session.StartURL, "--region", session.Region, "--use-device-code")
		if again := readJSON(t, tokenFile); again["clientId"] != after["clientId"] {
			t.Error("the device registration was not reused")
		}
	})

	t.Run("list shows member and external accounts", func(t *testing.T) {
		r := w.mustRun(t, "list", "--start-url", session.StartURL, "--region", session.Region, "--sso-session", "corp", "-f", w.model, "--output", "json")
		var doc listJSON
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("list --output json: %v\n%s", err, r.stdout)
		}
		roles := map[string][]string{}
		for _, a := range doc.Accounts {
			roles[a.ID] = a.Roles
		}
		if strings.Join(roles[w.prodID], ",") != "ReadOnly" || strings.Join(roles[w.mgmtID], ",") != "ReadOnly,"+w.hopSet {
			t.Errorf("accounts = %+v", doc.Accounts)
		}
		if len(doc.ExternalAccounts) != 1 || doc.ExternalAccounts[0].AccountID != extAccount || doc.ExternalAccounts[0].Via.AccountID != w.mgmtID {
			t.Errorf("external accounts = %+v", doc.ExternalAccounts)
		}
		table := w.mustRun(t, "list", "--sso-session", "corp", "--start-url", session.StartURL, "--region", session.Region, "-f", w.model)
		if !strings.Contains(table.stdout, extAccount+"  "+extName) {
			t.Errorf("table lacks the external account:\n%s", table.stdout)
		}
	})

	t.Run("profiles keep the hand-written bytes, run after run", func(t *testing.T) {
		dry := w.mustRun(t, "profiles", "--sso-session", "corp", "--start-url", session.StartURL, "--region", session.Region, "-f", w.model, "--dry-run")
		if !strings.Contains(dry.stdout, "+[profile production/ReadOnly]") || readFile(t, w.config) != handWritten {
			t.Fatalf("dry run: diff %q, file changed: %v", dry.stdout, readFile(t, w.config) != handWritten)
		}
		w.mustRun(t, "profiles", "--sso-session", "corp", "--start-url", session.StartURL, "--region", session.Region, "-f", w.model)
		first := readFile(t, w.config)
		if !strings.HasPrefix(first, handWritten+"\r\n\r\n"+awsconfig.BeginMarker) {
			t.Fatalf("hand-written content not kept as a prefix:\n%q", first)
		}
		if !strings.Contains(first, "[sso-session corp]\r\n") || !strings.Contains(first, "[profile "+extName+"/Admin]\r\nsource_profile = "+w.mgmt+"/"+w.hopSet+"\r\n") {
			t.Errorf("profiles missing or not CRLF:\n%s", first)
		}
		// Hand-written content after the block is kept too.
		writeFile(t, w.config, first+"\r\n# appended by hand\r\n[profile after]\r\nregion = x")
		for range 2 {
			w.mustRun(t, "profiles", "-f", w.model) // the sso-session is now in the config
		}
		got := readFile(t, w.config)
		if !strings.HasPrefix(got, handWritten) || !strings.HasSuffix(got, "\r\n# appended by hand\r\n[profile after]\r\nregion = x") {
			t.Errorf("outside bytes changed:\n%q", got)
		}
		if b := readFile(t, w.config+awsconfig.BackupSuffix); b == "" {
			t.Error("no backup kept")
		}
		// Without the model the external account is no longer known: its
		// profile is removed as stale, and the summary says so.
		r := w.mustRun(t, "profiles")
		if !strings.Contains(r.stderr, "  - "+extName+"/Admin") || strings.Contains(readFile(t, w.config), "[profile "+extName+"/Admin]") {
			t.Errorf("stale profile not removed: %s", r.stderr)
		}
		w.mustRun(t, "profiles", "-f", w.model)
		got = readFile(t, w.config)
		// A profile of the same name outside the block is refused.
		writeFile(t, w.config, got+"\r\n[profile production/ReadOnly]\r\n")
		r = w.run(t, "profiles", "-f", w.model)
		if r.code == 0 || !strings.Contains(r.stderr, "already has profile production/ReadOnly outside") {
			t.Errorf("collision not refused: %d %s", r.code, r.stderr)
		}
		// A begin marker without its end: refused, naming the file and the
		// line of the marker, and the file is left as it was.
		broken := strings.Replace(got, awsconfig.EndMarker, "# end removed by hand", 1)
		writeFile(t, w.config, broken)
		r = w.run(t, "profiles", "-f", w.model)
		line := strings.Count(broken[:strings.Index(broken, awsconfig.BeginMarker)], "\n") + 1
		if want := fmt.Sprintf("%s: line %d: gatehouse's managed block begins here but has no end", w.config, line); r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("broken markers: exit %d, stderr %s; want %q", r.code, r.stderr, want)
		}
		if readFile(t, w.config) != broken {
			t.Error("a refused profiles run changed the config file")
		}
		writeFile(t, w.config, got)
	})

	profiles := map[string]string{ // profile -> account it reaches
		"production/ReadOnly": w.prodID,
		w.mgmt + "/ReadOnly":  w.mgmtID,
		extName + "/Admin":    extAccount,
	}

	// Chained sessions are named after the Identity Center user (alice),
	// never the local login (USER is someone else here).
	wantSession := func(t *testing.T, who, profile, arn string) {
		t.Helper()
		if profile == extName+"/Admin" && !strings.HasSuffix(arn, "/"+hopRole+"/gatehouse-"+testUser) {
			t.Errorf("%s --profile %s: caller %s, want a session named gatehouse-%s", who, profile, arn, testUser)
		}
	}
	cliV2 := []string{"AWS_DATA_PATH=" + cliV2Endpoints(t, w.sb.URL())}

	t.Run("the AWS CLI v1 and v2 use the sso_session and chained profiles", func(t *testing.T) {
		for p, acct := range profiles {
			wantSession(t, "aws (v1)", p, assertCLIAccount(t, "aws", nil, p, acct))
			wantSession(t, "aws (v2)", p, assertCLIAccount(t, awsCLIv2(t), cliV2, p, acct))
		}
	})

	t.Run("aws-sdk-go-v2 uses the sso_session and chained profiles", func(t *testing.T) {
		for p, acct := range profiles {
			wantSession(t, "aws-sdk-go-v2", p, assertSDKAccount(t, w.config, p, acct))
		}
	})

	t.Run("credential_process profiles work in the AWS CLI and the SDK", func(t *testing.T) {
		// The test binary plays both gatehouse and the companion, side by
		// side on PATH (TestMain).
		companion, err := exec.LookPath(credcache.CompanionName)
		if err != nil {
			t.Fatal(err)
		}
		w.mustRun(t, "profiles", "-f", w.model, "--credential-process")
		p, ok := awsconfig.Parse([]byte(readFile(t, w.config))).Profile(extName + "/Admin")
		if !ok || p.Value("credential_process") != companion+" --profile "+extName+"/Admin" || p.Value("source_profile") != "" {
			t.Fatalf("process profile = %+v, want the companion %s", p, companion)
		}
		for prof, acct := range profiles {
			wantSession(t, "aws (v1)", prof, assertCLIAccount(t, "aws", nil, prof, acct))
			wantSession(t, "aws (v2)", prof, assertCLIAccount(t, awsCLIv2(t), cliV2, prof, acct))
			wantSession(t, "aws-sdk-go-v2", prof, assertSDKAccount(t, w.config, prof, acct))
		}
		// A miss is handed to gatehouse, which says what is wrong.
		if r, err := exec.Command(companion, "--profile", "never/Cached").CombinedOutput(); err == nil || !strings.Contains(string(r), "profile never/Cached is not in the AWS config file") {
			t.Errorf("companion miss: %v, %q", err, r)
		}
		// A hit is answered by the companion alone: a copy with no
		// gatehouse beside it nor on PATH still prints the cached
		// credentials, and only a miss needs gatehouse.
		lonely := filepath.Join(t.TempDir(), credcache.CompanionName)
		real, err := filepath.EvalSymlinks(companion)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Link(real, lonely); err != nil {
			t.Fatalf("linking the companion alone: %v", err)
		}
		alone := func(profile string) (string, string, error) {
			cmd := exec.Command(lonely, "--profile", profile)
			cmd.Env = append(os.Environ(), "PATH=")
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			return out.String(), errb.String(), err
		}
		if out, errb, err := alone(extName + "/Admin"); err != nil || !strings.Contains(out, `"AccessKeyId":"ASIA`) {
			t.Errorf("companion hit without gatehouse: %v, stdout %q, stderr %q", err, out, errb)
		}
		if _, errb, err := alone("never/Cached"); err == nil || !strings.Contains(errb, "gatehouse cannot be found") {
			t.Errorf("companion miss without gatehouse: %v, stderr %q", err, errb)
		}
		// The external account's credentials are chained: at most an hour.
		r := w.mustRun(t, "credential-process", "--profile", extName+"/Admin")
		var out struct {
			Version    int
			Expiration time.Time
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Version != 1 {
			t.Fatalf("credential-process output %q: %v", r.stdout, err)
		}
		if left := time.Until(out.Expiration); left > time.Hour+time.Minute || left < 30*time.Minute {
			t.Errorf("chained credentials last %s", left)
		}
	})

	t.Run("exec, env and whoami", func(t *testing.T) {
		r := w.run(t, "exec", extName+"/Admin", "--", "sh", "-c", `test "$AWS_PROFILE" = "" && echo "$GATEHOUSE_PROFILE $AWS_REGION" && exit 7`)
		if r.code != 7 || r.stdout != extName+"/Admin us-east-1\n" {
			t.Errorf("exec: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
		t.Setenv("GATEHOUSE_PROFILE", "other")
		if r := w.run(t, "exec", "production/ReadOnly", "--", "true"); r.code == 0 || !strings.Contains(r.stderr, "already inside") {
			t.Errorf("nested exec allowed: %d %s", r.code, r.stderr)
		}
		w.mustRun(t, "exec", "--nest", "production/ReadOnly", "--", "true")
		t.Setenv("GATEHOUSE_PROFILE", "")

		env := w.mustRun(t, "env", "production/ReadOnly", "--output", "json")
		var vars map[string]string
		if err := json.Unmarshal([]byte(env.stdout), &vars); err != nil || !strings.HasPrefix(vars["AWS_ACCESS_KEY_ID"], "ASIA") {
			t.Errorf("env json = %s (%v)", env.stdout, err)
		}
		sh := w.mustRun(t, "env", "production/ReadOnly")
		if !strings.Contains(sh.stdout, "export AWS_SESSION_TOKEN='") {
			t.Errorf("env lines = %s", sh.stdout)
		}

		who := w.mustRun(t, "whoami", extName+"/Admin", "--output", "json")
		var id identity
		if err := json.Unmarshal([]byte(who.stdout), &id); err != nil || id.Account != extAccount || !strings.Contains(id.Arn, "assumed-role/"+hopRole+"/gatehouse-alice") {
			t.Errorf("whoami = %s (%v)", who.stdout, err)
		}
		// whoami without a profile reports the environment's identity.
		r = w.run(t, "exec", "production/ReadOnly", "--", "gatehouse", "whoami")
		if r.code != 0 || !strings.Contains(r.stdout, "Account: "+w.prodID) {
			t.Errorf("whoami in exec: %d %q %q", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("every AssumeRole of gatehouse names alice and sets her as SourceIdentity", func(t *testing.T) {
		var rec stsRecorder
		t.Setenv("AWS_ENDPOINT_URL_STS", rec.start(t, w.sb.URL()))
		creds := filepath.Join(w.home, ".cache", "gatehouse", "credentials")
		for _, args := range [][]string{
			{"credential-process", "--profile", extName + "/Admin"},
			{"exec", extName + "/Admin", "--", "true"},
			{"exec", "--server", extName + "/Admin", "--", "true"}, // as serve does
			{"env", extName + "/Admin"},
			{"console", extName + "/Admin", "--url"},
			{"whoami", extName + "/Admin"},
		} {
			if err := os.RemoveAll(creds); err != nil { // fetch afresh
				t.Fatal(err)
			}
			rec.reset()
			r := w.mustRun(t, args...)
			got := rec.assumes()
			if len(got) != 1 {
				t.Errorf("gatehouse %s sent %d AssumeRole requests, want 1", args[0], len(got))
				continue
			}
			if got[0].Get("SourceIdentity") != testUser || got[0].Get("RoleSessionName") != "gatehouse-"+testUser {
				t.Errorf("gatehouse %s assumed %s with session %q, source identity %q; want gatehouse-%s and %s",
					args[0], got[0].Get("RoleArn"), got[0].Get("RoleSessionName"), got[0].Get("SourceIdentity"), testUser, testUser)
			}
			if args[0] == "whoami" && !strings.Contains(r.stdout, "assumed-role/"+hopRole+"/gatehouse-"+testUser+"\n") {
				t.Errorf("whoami: %s", r.stdout)
			}
		}
	})

	t.Run("console sign-in URL through the federation endpoint", func(t *testing.T) {
		r := w.mustRun(t, "console", "production/ReadOnly", "--url")
		u := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(u, w.sb.URL()+"/federation?") || !strings.Contains(u, "Action=login") || !strings.Contains(u, "SigninToken=") {
			t.Errorf("console URL = %q", u)
		}
		// Chained credentials: a --duration is left out rather than refused.
		r = w.mustRun(t, "console", extName+"/Admin", "--url", "--duration", "2h")
		if !strings.Contains(r.stderr, "left out") || !strings.Contains(r.stdout, "SigninToken=") {
			t.Errorf("chained console: %q %q", r.stdout, r.stderr)
		}
	})

	t.Run("console without a browser says so, and nothing more", func(t *testing.T) {
		// xdg-open with no browser installed repeats the URL it was given
		// (a credential, here) on both streams and fails.
		fakeBin := t.TempDir()
		writeFile(t, filepath.Join(fakeBin, "xdg-open"), "#!/bin/sh\necho \"xdg-open: no method available for opening '$1'\" >&2\necho \"$1\"\nexit 3\n")
		if err := os.Chmod(filepath.Join(fakeBin, "xdg-open"), 0o700); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("gatehouse", "console", "production/ReadOnly")
		cmd.Env = append(os.Environ(), "PATH="+fakeBin+string(os.PathListSeparator)+os.Getenv("PATH"), "DISPLAY=:0")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil || stdout.String() != "" {
			t.Errorf("console without a browser: %v, stdout %q", err, stdout.String())
		}
		if strings.Contains(stderr.String(), "SigninToken") || strings.Contains(stderr.String(), "xdg-open: no method") ||
			!strings.Contains(stderr.String(), "no browser could be opened here") || !strings.Contains(stderr.String(), "hint: pass --url") {
			t.Errorf("console without a browser printed:\n%s", stderr.String())
		}
	})

	t.Run("console opens per-profile browsers", func(t *testing.T) {
		var opened []string
		run := func(args ...string) result {
			var out, errb strings.Builder
			d := Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Now: time.Now,
				OpenBrowser: func(u string) error { opened = append(opened, u); return nil }}
			code := Main(context.Background(), args, d)
			return result{out.String(), errb.String(), code}
		}
		if r := run("console", "production/ReadOnly"); r.code != 0 || len(opened) != 1 || !strings.HasPrefix(opened[0], w.sb.URL()+"/federation?Action=login") || r.stdout != "" {
			t.Errorf("console: %+v, opened %v", r, opened)
		}
		if r := run("console", "production/ReadOnly", "--firefox-container"); r.code != 0 || !strings.HasPrefix(opened[len(opened)-1], "ext+container:name=production%2FReadOnly&url=") {
			t.Errorf("firefox container: %+v, opened %v", r, opened)
		}
		// A fake Chromium records how it was started.
		argsFile := filepath.Join(w.home, "chromium-args")
		fake := filepath.Join(w.home, "fake-chromium")
		writeFile(t, fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" > "+argsFile+"\n")
		if err := os.Chmod(fake, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Setenv("GATEHOUSE_CHROMIUM", fake)
		if r := run("console", extName+"/Admin", "--browser-profile"); r.code != 0 {
			t.Fatalf("browser profile: %+v", r)
		}
		var got string
		for range 100 { // the browser is started, not waited for
			if b, err := os.ReadFile(argsFile); err == nil && len(b) > 0 {
				got = string(b)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		wantDir := "--user-data-dir=" + filepath.Join(w.home, ".cache", "gatehouse", "browser", "abccorp-prod_Admin-")
		if !strings.Contains(got, wantDir) || !strings.Contains(got, "/federation?Action=login") {
			t.Errorf("chromium started with %q", got)
		}
		if r := run("console", "production/ReadOnly", "--url", "--browser-profile"); r.code != ExitUsage {
			t.Errorf("--url with --browser-profile: %+v", r)
		}
	})

	t.Run("serve speaks the container credentials protocol to the SDK and the AWS CLI", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		var errb syncBuffer
		done := make(chan int, 1)
		go func() {
			d := Deps{Stdin: strings.NewReader(""), Stdout: pw, Stderr: &errb, Getenv: os.Getenv, Now: time.Now}
			done <- Main(ctx, []string{"serve", "--profile", extName + "/Admin"}, d)
			pw.Close()
		}()
		vars := map[string]string{}
		lines := bufio.NewScanner(pr)
		for len(vars) < 2 && lines.Scan() {
			k, v, ok := strings.Cut(strings.TrimPrefix(lines.Text(), "export "), "=")
			if !ok {
				t.Fatalf("serve printed %q", lines.Text())
			}
			vars[k] = v
		}
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		uri, token := vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"], vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
		if !strings.HasPrefix(uri, "http://127.0.0.1:") || len(token) < 32 {
			t.Fatalf("serve printed %v; stderr %s", vars, errb.String())
		}
		defer func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve exited %d: %s", code, errb.String())
			}
		}()

		// Without the token: 401 and nothing else.
		resp, err := http.Get(uri)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || len(body) != 0 {
			t.Errorf("GET without the token = %d %q", resp.StatusCode, body)
		}

		for k, v := range vars {
			t.Setenv(k, v)
		}
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(w.home, "no-config"))
		ctxSDK := context.Background()
		cfg, err := config.LoadDefaultConfig(ctxSDK, config.WithRegion("us-east-1"))
		if err != nil {
			t.Fatal(err)
		}
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctxSDK, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(id.Account) != extAccount || !strings.HasSuffix(aws.ToString(id.Arn), "/gatehouse-"+testUser) {
			t.Errorf("aws-sdk-go-v2 through serve: %v %v", id, err)
		}
		for _, cli := range []struct {
			bin string
			env []string
		}{{"aws", []string{"AWS_DEFAULT_REGION=us-east-1"}}, {awsCLIv2(t), append([]string{"AWS_DEFAULT_REGION=us-east-1"}, cliV2...)}} {
			cmd := exec.Command(cli.bin, "sts", "get-caller-identity", "--output", "json")
			cmd.Env = append(os.Environ(), cli.env...)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), `"Account": "`+extAccount+`"`) {
				t.Errorf("%s through serve: %v\n%s", cli.bin, err, out)
			}
		}
	})

	t.Run("exec --server runs a command against a server of its own", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIASHOULDNOTLEAK")
		t.Setenv("AWS_PROFILE", "someone-else")
		r := w.run(t, "exec", "--server", extName+"/Admin", "--", "sh", "-c",
			`test -z "$AWS_ACCESS_KEY_ID" && test -z "$AWS_PROFILE" && test -n "$AWS_CONTAINER_AUTHORIZATION_TOKEN" && aws sts get-caller-identity --output json`)
		if r.code != 0 || !strings.Contains(r.stdout, `"Account": "`+extAccount+`"`) || !strings.Contains(r.stdout, "/gatehouse-"+testUser+`"`) {
			t.Errorf("exec --server: %d %s %s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("logout revokes and removes", func(t *testing.T) {
		tok := readJSON(t, tokenFile)
		w.mustRun(t, "logout")
		if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
			t.Errorf("token file still there: %v", err)
		}
		if left, _ := filepath.Glob(filepath.Join(w.home, ".cache", "gatehouse", "credentials", "*.json")); len(left) > 0 {
			t.Errorf("cached credentials left: %v", left)
		}
		// The revoked token no longer works at the portal, even restored.
		writeFile(t, tokenFile, mustJSON(t, tok))
		r := w.run(t, "credential-process", "--profile", "production/ReadOnly")
		if r.code == 0 || !strings.Contains(r.stderr, "gatehouse login") {
			t.Errorf("revoked token still works: %d %s", r.code, r.stderr)
		}
	})
}

// assertCLIAccount runs `aws sts get-caller-identity --profile profile`
// with the AWS CLI awsBin (and env added to this process's), checks the
// account and returns the caller's ARN.
func assertCLIAccount(t *testing.T, awsBin string, env []string, profile, account string) string {
	t.Helper()
	// Both CLIs cache assumed-role credentials in ~/.aws/cli/cache and
	// read each other's: start from none, so that each resolves the whole
	// chain itself.
	if err := os.RemoveAll(filepath.Join(os.Getenv("HOME"), ".aws", "cli", "cache")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(awsBin, "sts", "get-caller-identity", "--profile", profile, "--output", "json")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s --profile %s: %v\n%s", awsBin, profile, err, out)
		return ""
	}
	var id struct{ Account, Arn string }
	if err := json.Unmarshal(out, &id); err != nil || id.Account != account {
		t.Errorf("%s --profile %s reached %s, want %s (%v)", awsBin, profile, out, account, err)
	}
	return id.Arn
}

// assertSDKAccount checks the account aws-sdk-go-v2 reaches with profile
// and returns the caller's ARN.
func assertSDKAccount(t *testing.T, configFile, profile, account string) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile), config.WithSharedConfigFiles([]string{configFile}))
	if err != nil {
		t.Errorf("SDK config for %s: %v", profile, err)
		return ""
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Errorf("SDK GetCallerIdentity as %s: %v", profile, err)
		return ""
	}
	if aws.ToString(out.Account) != account {
		t.Errorf("SDK as %s reached %s, want %s", profile, aws.ToString(out.Account), account)
	}
	return aws.ToString(out.Arn)
}

// awsCLIv2 returns Debian's AWS CLI v2 (scripts/setup.sh installs the
// awscli package), or $GATEHOUSE_AWS_CLI_V2.
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

// cliV2Endpoints writes a botocore data directory that sends sso,
// sso-oidc and sts to url, for AWS_DATA_PATH. Debian's CLI v2 (2.9)
// predates the AWS_ENDPOINT_URL_<SERVICE> variables, and --endpoint-url
// does not reach its credential providers; an endpoint rule set does.
func cliV2Endpoints(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	rules := `{"version":"1.0","parameters":{"Region":{"builtIn":"AWS::Region","required":false,"type":"String"}},` +
		`"rules":[{"conditions":[],"endpoint":{"url":"` + url + `","properties":{},"headers":{}},"type":"endpoint"}]}`
	for _, svc := range []string{"sso/2019-06-10", "sso-oidc/2019-06-10", "sts/2011-06-15"} {
		writeFile(t, filepath.Join(dir, svc, "endpoint-rule-set-1.json"), rules)
	}
	return dir
}

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(readFile(t, path)), &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func assertPerm(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
		t.Errorf("%s mode %v, want %v", path, got, want)
	}
}

// stsRecorder forwards to the sandbox and keeps the form of every STS
// AssumeRole request.
type stsRecorder struct {
	mu   sync.Mutex
	seen []url.Values
}

func (rec *stsRecorder) start(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") == "AssumeRole" {
				rec.mu.Lock()
				rec.seen = append(rec.seen, form)
				rec.mu.Unlock()
			}
		}
		r.Host = u.Host // the sandbox answers only requests addressed to its own port
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (rec *stsRecorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.seen = nil
}

func (rec *stsRecorder) assumes() []url.Values {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]url.Values(nil), rec.seen...)
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLoginNextStep: beside a hand-written [sso-session], the command a
// login prints next is one that works for the session just logged in; a
// start URL that is not one is refused before anything is sent, with what
// is wrong.
func TestLoginNextStep(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto")
	}
	w := newEngWorld(t, sandbox.Options{})
	writeFile(t, w.config, "[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\n")
	r := w.mustRun(t, "login", "--start-url", w.sb.StartURL(), "--region", w.sb.Region(), "--use-device-code")
	_, next, _ := strings.Cut(r.stderr, "Next: `")
	next, _, _ = strings.Cut(next, "`")
	if next != "gatehouse profiles --sso-session gatehouse" {
		t.Fatalf("login printed the next step %q:\n%s", next, r.stderr)
	}
	w.mustRun(t, strings.Fields(next)[1:]...)
	if f := awsconfig.Parse([]byte(readFile(t, w.config))); len(f.ProfileNames()) == 0 {
		t.Errorf("the printed command wrote no profile:\n%s", readFile(t, w.config))
	}

	before := readFile(t, w.config)
	r = w.run(t, "login", "--start-url", "acme", "--region", w.sb.Region(), "--use-device-code")
	if r.code == 0 || !strings.Contains(r.stderr, `--start-url "acme" is not a URL: it lacks https:// and a host name`) ||
		!strings.Contains(r.stderr, "hint: give the AWS access portal URL") {
		t.Errorf("login --start-url acme: %d %s", r.code, r.stderr)
	}
	if readFile(t, w.config) != before {
		t.Error("a refused login changed the config file")
	}
}
