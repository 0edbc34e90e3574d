package credcache

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// writeEntry caches c for profile of config as gatehouse does.
func writeEntry(t *testing.T, dir, config, profile string, e Entry) {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(Path(dir, config, profile), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRead(t *testing.T) {
	good := Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(time.Hour), UserName: "alice"}
	tests := []struct {
		name   string
		change func(e *Entry, config string)
		now    time.Time
		want   bool
	}{
		{"good", nil, now, true},
		{"inside the expiry window", nil, now.Add(46 * time.Minute), false},
		{"another version", func(e *Entry, _ string) { e.Version = Version + 1 }, now, false},
		{"another profile's entry", func(e *Entry, _ string) { e.Profile = "other" }, now, false},
		{"the config file changed", func(e *Entry, config string) {
			if err := os.WriteFile(config, []byte("[profile p]\nregion = x\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			config := filepath.Join(dir, "config")
			if err := os.WriteFile(config, []byte("[profile p]\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			e := Entry{Version: Version, Profile: "p", Config: StampOf(config), Session: "corp", Credentials: good}
			if tt.change != nil {
				tt.change(&e, config)
			}
			writeEntry(t, filepath.Join(dir, "creds"), config, "p", e)
			got, ok := Read(filepath.Join(dir, "creds"), config, "p", tt.now)
			if ok != tt.want {
				t.Fatalf("Read hit = %v, want %v", ok, tt.want)
			}
			if ok {
				if diff := cmp.Diff(good, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
					t.Errorf("Read() mismatch (-want +got)\n%s", diff)
				}
			}
		})
	}
	if _, ok := Read(t.TempDir(), "/nonexistent/config", "p", now); ok {
		t.Error("Read hit without a cache file")
	}
}

func TestEncodeReadsBack(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	c := Credentials{AccessKeyID: "ASIA2", Expiration: now.Add(time.Hour), Chained: true}
	data, err := Encode("p", "corp", StampOf(config), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(Path(dir, config, "p"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok := Read(dir, config, "p", now); !ok || got.AccessKeyID != "ASIA2" || !got.Chained {
		t.Errorf("Read(Encode()) = %+v, %v", got, ok)
	}
	if Path(dir, config, "p") == Path(dir, config+"2", "p") || LockPath(dir, config, "p") != Path(dir, config, "p")+".lock" {
		t.Error("paths of two config files collide, or the lock is elsewhere")
	}
}

func TestProcessJSON(t *testing.T) {
	got := string(ProcessJSON(Credentials{AccessKeyID: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: time.Date(2030, 1, 1, 13, 0, 0, 0, time.FixedZone("x", 3600))}))
	want := `{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":"T","Expiration":"2030-01-01T12:00:00Z"}` + "\n"
	if got != want {
		t.Errorf("ProcessJSON = %s, want %s", got, want)
	}
}

func TestLocate(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name string
		env  map[string]string
		want Paths
	}{
		{"XDG cache", map[string]string{"HOME": "/h", "XDG_CACHE_HOME": "/x"}, Paths{
			Config: filepath.Join("/h", ".aws", "config"), SSOCache: filepath.Join("/h", ".aws", "sso", "cache"), State: filepath.Join("/x", "gatehouse"),
			Credentials: filepath.Join("/x", "gatehouse", "credentials"), Inventory: filepath.Join("/x", "gatehouse", "inventory")}},
		{"AWS_CONFIG_FILE with ~ and GATEHOUSE_CACHE_DIR", map[string]string{"HOME": "/h", "AWS_CONFIG_FILE": "~/cfg", "GATEHOUSE_CACHE_DIR": "/c"}, Paths{
			Config: filepath.Join("/h", "cfg"), SSOCache: filepath.Join("/h", ".aws", "sso", "cache"), State: "/c",
			Credentials: filepath.Join("/c", "credentials"), Inventory: filepath.Join("/c", "inventory")}},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name string
			env  map[string]string
			want Paths
		}{"~/.cache", map[string]string{"HOME": "/h"}, Paths{
			Config: filepath.Join("/h", ".aws", "config"), SSOCache: filepath.Join("/h", ".aws", "sso", "cache"), State: "/h/.cache/gatehouse",
			Credentials: "/h/.cache/gatehouse/credentials", Inventory: "/h/.cache/gatehouse/inventory"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Locate(env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Locate() mismatch (-want +got)\n%s", diff)
			}
		})
	}
	if _, err := Locate(env(map[string]string{})); err != ErrNoHome && runtime.GOOS != "windows" {
		t.Errorf("Locate without HOME = %v, want ErrNoHome", err)
	}
}

func TestCompanion(t *testing.T) {
	home := t.TempDir()
	envm := map[string]string{"HOME": home}
	getenv := func(k string) string { return envm[k] }
	p, err := Locate(getenv)
	if err != nil {
		t.Fatal(err)
	}
	c := Credentials{AccessKeyID: "ASIAHIT", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(time.Hour)}
	writeEntry(t, p.Credentials, p.Config, "prod/Admin", Entry{Version: Version, Profile: "prod/Admin", Config: StampOf(p.Config), Credentials: c})

	tests := []struct {
		name      string
		args      []string
		wantOut   string
		wantHand  []string // the arguments handed to gatehouse, nil for none
		wantCode  int
		handsBack int
	}{
		{"hit", []string{"--profile", "prod/Admin"}, string(ProcessJSON(c)), nil, 0, 0},
		{"hit with --profile=", []string{"--profile=prod/Admin"}, string(ProcessJSON(c)), nil, 0, 0},
		{"miss goes to gatehouse with the same arguments", []string{"--profile", "other"}, "", []string{"credential-process", "--profile", "other"}, 3, 3},
		{"arguments it does not know go to gatehouse", []string{"--help"}, "", []string{"credential-process", "--help"}, 0, 0},
		{"no arguments", nil, "", []string{"credential-process"}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			var handed []string
			code := Companion(tt.args, getenv, now, &out, &errb, func(args []string) int { handed = args; return tt.handsBack })
			if code != tt.wantCode || out.String() != tt.wantOut || errb.Len() != 0 {
				t.Errorf("Companion(%q) = %d, stdout %q, stderr %q", tt.args, code, out.String(), errb.String())
			}
			if diff := cmp.Diff(tt.wantHand, handed); diff != "" {
				t.Errorf("handed to gatehouse (-want +got)\n%s", diff)
			}
		})
	}
}

// TestCompanionLinksTheStandardLibraryOnly: the companion's start-up is
// what a cache hit costs, so it must not link the AWS SDK or anything else
// whose package initialisation runs on every call.
func TestCompanionLinksTheStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../../cmd/"+CompanionName).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var got []string
	for _, l := range strings.Fields(string(out)) {
		got = append(got, strings.TrimPrefix(l, "github.com/gatehouse-dev/gatehouse/"))
	}
	want := []string{"internal/credcache", "cmd/" + CompanionName}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("non-standard packages the companion links (-want +got)\n%s", diff)
	}
}
