// Command credproc measures what a tool waits for when it runs the
// credential_process command of a profile written by `gatehouse profiles
// --credential-process` and the credentials are cached: the whole process,
// wall time. It builds, with CGO_ENABLED=0 as releases are built, gatehouse,
// the companion gatehouse-credential-process and a hello-world Go program
// (the machine's floor for any Go process), writes a profile and a cache
// entry, warms up, then runs the three interleaved, round after round, and
// prints medians. Usage, from the repository root:
//
//	go run ./bench/credproc                 # 30 rounds after 5 warm-up runs each
//	go run ./bench/credproc -runs 200
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// grantedMS is Granted's cache hit as the issue measured it on this kind of
// machine (Granted is not installed here).
const grantedMS = 8.0

func main() {
	runs := flag.Int("runs", 30, "interleaved rounds measured")
	warmup := flag.Int("warmup", 5, "warm-up runs of each command")
	hf := flag.Bool("hyperfine", false, "also measure the three commands with hyperfine (-N, 20 warm-up runs, 300 runs each), if it is installed")
	flag.Parse()
	hyperfineRuns = 0
	if *hf {
		hyperfineRuns = 300
	}
	if err := run(context.Background(), os.Stdout, *runs, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "credproc:", err)
		os.Exit(1)
	}
}

// hyperfineRuns is how many runs hyperfine makes of each command after
// the harness's own measure; 0 for none.
var hyperfineRuns int

// command is one measured program.
type command struct {
	name  string
	argv  []string
	check string // what its output must contain
	times []time.Duration
}

func run(ctx context.Context, out io.Writer, runs, warmup int) error {
	dir, err := os.MkdirTemp("", "credproc-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	bin := filepath.Join(dir, "bin")
	gatehouse, companion, hello := filepath.Join(bin, "gatehouse"), filepath.Join(bin, credcache.CompanionName), filepath.Join(bin, "hello")
	for _, b := range []struct{ out, pkg, dir string }{
		{gatehouse, "./cmd/gatehouse", root},
		{companion, "./cmd/" + credcache.CompanionName, root},
		{hello, ".", helloModule(dir)},
	} {
		if b.dir == "" {
			return fmt.Errorf("writing the hello-world program")
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.out, b.pkg)
		cmd.Dir = b.dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %v\n%s", b.pkg, err, msg)
		}
	}

	// The profile as `gatehouse profiles --credential-process` writes it,
	// and its credentials in the cache.
	home := filepath.Join(dir, "home")
	config := filepath.Join(home, ".aws", "config")
	session := ssologin.Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "us-east-1"}
	sections, _, err := credentials.BuildProfiles([]credentials.Account{{ID: "111111111111", Name: "prod", Roles: []string{"ReadOnly"}}}, nil,
		credentials.ProfileOptions{Session: session, WriteSession: true, ProcessCommand: credentials.ProcessCommand(companion)})
	if err != nil {
		return err
	}
	body, err := awsconfig.Render(sections)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(config), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(config, body, 0o600); err != nil {
		return err
	}
	profile, ok := awsconfig.Parse(body).Profile("prod/ReadOnly")
	if !ok {
		return fmt.Errorf("no profile written")
	}
	line := profile.Value("credential_process")
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=" + config}
	paths, err := credcache.Locate(func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	})
	if err != nil {
		return err
	}
	c := credentials.Credentials{AccessKeyID: "ASIABENCH", SecretAccessKey: "secret", SessionToken: "token", Expiration: time.Now().Add(12 * time.Hour)}
	if err := credentials.WriteCached(paths.Credentials, config, "prod/ReadOnly", session.Key(), credentials.StampOf(config), c); err != nil {
		return err
	}

	cmds := []*command{
		{name: "the profile's credential_process (" + credcache.CompanionName + ")", argv: strings.Fields(line), check: "ASIABENCH"},
		{name: "gatehouse credential-process", argv: []string{gatehouse, "credential-process", "--profile", "prod/ReadOnly"}, check: "ASIABENCH"},
		{name: "hello world (Go, CGO_ENABLED=0)", argv: []string{hello}, check: "hello"},
	}
	once := func(c *command) (time.Duration, error) {
		cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil || !strings.Contains(stdout.String(), c.check) {
			return 0, fmt.Errorf("%s: %v, stdout %q, stderr %q", strings.Join(c.argv, " "), err, stdout.String(), stderr.String())
		}
		return d, nil
	}
	for _, c := range cmds {
		for range warmup {
			if _, err := once(c); err != nil {
				return err
			}
		}
	}
	for r := range runs {
		for i := range cmds {
			c := cmds[(i+r)%len(cmds)] // rotate, so no command always runs first
			d, err := once(c)
			if err != nil {
				return err
			}
			c.times = append(c.times, d)
		}
	}
	fmt.Fprintf(out, "credential_process cache hit: whole process, wall time, %d interleaved rounds after %d warm-up runs each\n", runs, warmup)
	fmt.Fprintf(out, "profile line: credential_process = %s\n\n", strings.Replace(line, dir, "$TMP", 1))
	fmt.Fprintf(out, "  %-62s %8s %8s %8s\n", "command", "median", "p90", "min")
	for _, c := range cmds {
		slices.Sort(c.times)
		fmt.Fprintf(out, "  %-62s %8s %8s %8s\n", c.name, ms(median(c.times)), ms(c.times[len(c.times)*9/10]), ms(c.times[0]))
	}
	comp, gh, floor := median(cmds[0].times), median(cmds[1].times), median(cmds[2].times)
	fmt.Fprintf(out, "\n  companion / hello world: %.2fx (target at most 2.5x)\n", float64(comp)/float64(floor))
	fmt.Fprintf(out, "  gatehouse credential-process / companion: %.2fx\n", float64(gh)/float64(comp))
	fmt.Fprintf(out, "  Granted (%.0f ms, the issue's measurement; not installed here) / companion: %.2fx (target at least 3x)\n",
		grantedMS, grantedMS/(float64(comp)/float64(time.Millisecond)))
	if hyperfineRuns == 0 {
		return nil
	}
	args := []string{"-N", "--warmup", "20", "--runs", fmt.Sprint(hyperfineRuns), "--style", "basic"}
	for _, c := range cmds {
		args = append(args, "-n", c.name, strings.Join(c.argv, " "))
	}
	hf := exec.CommandContext(ctx, "hyperfine", args...)
	hf.Env = env
	hf.Stdout, hf.Stderr = out, out
	fmt.Fprintf(out, "\nhyperfine %s\n", strings.ReplaceAll(strings.Join(args, " "), dir, "$TMP"))
	if err := hf.Run(); err != nil {
		return fmt.Errorf("hyperfine: %w", err)
	}
	return nil
}

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// moduleRoot is the directory of gatehouse's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run from inside the gatehouse module")
	}
	return filepath.Dir(mod), nil
}

// helloModule writes a module whose program prints one line, and returns
// its directory ("" on failure).
func helloModule(dir string) string {
	d := filepath.Join(dir, "hello")
	if os.MkdirAll(d, 0o700) != nil ||
		os.WriteFile(filepath.Join(d, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o600) != nil ||
		os.WriteFile(filepath.Join(d, "main.go"), []byte("package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n"), 0o600) != nil {
		return ""
	}
	return d
}
