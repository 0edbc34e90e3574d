package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
)

// BenchmarkCredentialProcessCacheHit measures what a tool waits for when it
// runs `gatehouse credential-process` and the credentials are cached: the
// whole process (start, one stat, one small file read, JSON on stdout,
// exit), wall time, for the real binary built without the race detector.
// It reports the median and the 90th percentile; `gatehouse --version`
// gives the binary's start-up floor, and a Go program that only prints a
// line the machine's floor, for comparison. Each iteration is one process:
// run with -benchtime=200x.
func BenchmarkCredentialProcessCacheHit(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "gatehouse")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gatehouse")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building gatehouse: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")
	config := filepath.Join(home, ".aws", "config")
	cache := filepath.Join(home, ".cache", "gatehouse")
	writeFileB(b, config, "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n"+
		"[profile prod]\ncredential_process = "+bin+" credential-process --profile prod\ngatehouse_sso_session = corp\n"+
		"gatehouse_sso_account_id = 111111111111\ngatehouse_sso_role_name = ReadOnly\n")
	c := credentials.Credentials{AccessKeyID: "ASIABENCH", SecretAccessKey: "secret", SessionToken: "token", Expiration: time.Now().Add(time.Hour)}
	if err := credentials.WriteCached(filepath.Join(cache, "credentials"), config, "prod", "corp", credentials.StampOf(config), c); err != nil {
		b.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=" + config, "GATEHOUSE_CACHE_DIR=" + cache}

	// The floor of any Go process on this machine: a program that prints a
	// fixed line, built the same way.
	floorDir := filepath.Join(dir, "floor")
	writeFileB(b, filepath.Join(floorDir, "go.mod"), "module floor\n\ngo 1.26\n")
	writeFileB(b, filepath.Join(floorDir, "main.go"), "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"{}\\n\") }\n")
	floor := filepath.Join(dir, "floor-bin")
	fb := exec.Command("go", "build", "-o", floor, ".")
	fb.Dir = floorDir
	if out, err := fb.CombinedOutput(); err != nil {
		b.Fatalf("building the floor program: %v\n%s", err, out)
	}

	for _, tc := range []struct {
		name string
		bin  string
		args []string
	}{
		{"cache-hit", bin, []string{"credential-process", "--profile", "prod"}},
		{"gatehouse-version", bin, []string{"--version"}},
		{"go-floor", floor, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			run := func() (time.Duration, []byte) {
				cmd := exec.Command(tc.bin, tc.args...)
				cmd.Env = env
				start := time.Now()
				out, err := cmd.Output()
				d := time.Since(start)
				if err != nil {
					b.Fatalf("gatehouse %v: %v", tc.args, err)
				}
				return d, out
			}
			for range 3 { // warm the page cache
				run()
			}
			if tc.name == "cache-hit" {
				_, out := run()
				var cp struct {
					AccessKeyID string `json:"AccessKeyId"`
				}
				if err := json.Unmarshal(out, &cp); err != nil || cp.AccessKeyID != "ASIABENCH" {
					b.Fatalf("cache hit printed %q (%v)", out, err)
				}
			}
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				d, _ := run()
				times = append(times, d)
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(ms(times[len(times)/2]), "ms-median")
			b.ReportMetric(ms(times[len(times)*9/10]), "ms-p90")
			b.ReportMetric(ms(times[0]), "ms-min")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func writeFileB(b *testing.B, path, content string) {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
}
