package credentials

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/credcache"
)

var testCreds = Credentials{
	AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "se'cret", SessionToken: "tok",
	Expiration: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Region: "eu-west-1",
}

func TestProcessJSON(t *testing.T) {
	got := string(ProcessJSON(testCreds))
	want := `{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"se'cret","SessionToken":"tok","Expiration":"2030-01-02T03:04:05Z"}` + "\n"
	if got != want {
		t.Errorf("ProcessJSON =\n%s\nwant\n%s", got, want)
	}
}

func TestShellLines(t *testing.T) {
	vars := EnvVars("prod/Admin", testCreds)
	got, err := ShellLines(ShellPOSIX, vars)
	if err != nil {
		t.Fatal(err)
	}
	want := `unset AWS_PROFILE
unset AWS_DEFAULT_PROFILE
export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'
export AWS_CREDENTIAL_EXPIRATION='2030-01-02T03:04:05Z'
export AWS_DEFAULT_REGION='eu-west-1'
export AWS_REGION='eu-west-1'
export AWS_SECRET_ACCESS_KEY='se'\''cret'
export AWS_SESSION_TOKEN='tok'
export GATEHOUSE_PROFILE='prod/Admin'
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ShellLines(sh) mismatch (-want +got)\n%s", diff)
	}
	// A real shell reads the lines back exactly.
	script := got + `printf '%s|%s|%s' "$AWS_SECRET_ACCESS_KEY" "$GATEHOUSE_PROFILE" "${AWS_PROFILE-unset}"`
	out, err := exec.Command("sh", "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "se'cret|prod/Admin|unset" {
		t.Errorf("sh read back %q", out)
	}
	ps, err := ShellLines(ShellPowerShell, vars)
	if err != nil || !strings.Contains(ps, "$Env:AWS_SECRET_ACCESS_KEY = 'se''cret'") {
		t.Errorf("powershell lines: %v\n%s", err, ps)
	}
	fish, err := ShellLines(ShellFish, vars)
	if err != nil || !strings.Contains(fish, "set -gx AWS_SESSION_TOKEN 'tok';") || !strings.Contains(fish, "set -e AWS_PROFILE;") {
		t.Errorf("fish lines: %v\n%s", err, fish)
	}
	if _, err := ShellLines("tcsh", vars); err == nil {
		t.Error("unknown shell accepted")
	}
}

func TestEnviron(t *testing.T) {
	base := []string{"PATH=/bin", "AWS_PROFILE=other", "AWS_ACCESS_KEY_ID=OLD", "HOME=/h"}
	got := Environ(base, map[string]string{"AWS_ACCESS_KEY_ID": "NEW", "GATEHOUSE_PROFILE": "p"})
	want := []string{"PATH=/bin", "HOME=/h", "AWS_ACCESS_KEY_ID=NEW", "GATEHOUSE_PROFILE=p"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Environ() mismatch (-want +got)\n%s", diff)
	}
}

func TestCredentialsCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "creds")
	cfg := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(cfg, []byte("[profile p]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := testCreds.Expiration.Add(-time.Hour)
	if _, ok := ReadCached(dir, cfg, "p", now); ok {
		t.Fatal("hit on an empty cache")
	}
	if err := WriteCached(dir, cfg, "p", "corp", StampOf(cfg), testCreds); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(credcache.Path(dir, cfg, "p"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode: %v %v", fi.Mode(), err)
	}
	tests := []struct {
		name string
		prep func()
		now  time.Time
		want bool
	}{
		{"fresh", func() {}, now, true},
		{"inside the expiry window", func() {}, testCreds.Expiration.Add(-ExpiryWindow), false},
		{"config changed", func() {
			if err := os.WriteFile(cfg, []byte("[profile p]\nregion = x\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.prep()
			got, ok := ReadCached(dir, cfg, "p", tt.now)
			if ok != tt.want {
				t.Fatalf("ReadCached hit = %v, want %v", ok, tt.want)
			}
			if ok && got != testCreds {
				t.Errorf("ReadCached = %+v", got)
			}
		})
	}
	if _, ok := ReadCached(dir, cfg, "other", now); ok {
		t.Error("hit for another profile")
	}

	// ForgetSession removes only the session's entries.
	if err := WriteCached(dir, cfg, "q", "other-session", StampOf(cfg), testCreds); err != nil {
		t.Fatal(err)
	}
	if n, err := ForgetSession(dir, "corp"); err != nil || n != 1 {
		t.Fatalf("ForgetSession(corp) = %d, %v", n, err)
	}
	if _, ok := ReadCached(dir, cfg, "q", now); !ok {
		t.Error("entry of another session removed")
	}
	if n, err := ForgetSession(dir, ""); err != nil || n != 1 {
		t.Fatalf("ForgetSession(all) = %d, %v", n, err)
	}
}

func TestCredentialsJSONHasNoSurprises(t *testing.T) {
	// The cache holds secrets: make sure it is what we think it is.
	b, err := json.Marshal(testCreds)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"se'cret","SessionToken":"tok","Expiration":"2030-01-02T03:04:05Z","Region":"eu-west-1"}`
	if string(b) != want {
		t.Errorf("json = %s", b)
	}
}
