package recipes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// recipe is one marked block.
type recipe struct {
	file, name string
	line       int
	script     string
}

var marker = regexp.MustCompile(`^<!-- recipe: ([a-z0-9-]+) -->$`)

// recipes finds every marked block of the README and docs/*.md.
func recipes(t *testing.T, root string) []recipe {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var out []recipe
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			m := marker.FindStringSubmatch(strings.TrimSpace(lines[i]))
			if m == nil {
				continue
			}
			if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "```sh" {
				t.Fatalf("%s:%d: recipe %s is not followed by a ```sh block", f, i+1, m[1])
			}
			r := recipe{file: filepath.Base(f), name: m[1], line: i + 1}
			var body []string
			for j := i + 2; j < len(lines); j++ {
				if strings.TrimSpace(lines[j]) == "```" {
					i = j
					break
				}
				body = append(body, lines[j])
			}
			r.script = strings.Join(body, "\n")
			out = append(out, r)
		}
	}
	return out
}

func TestRecipes(t *testing.T) {
	if testing.Short() {
		t.Skip("recipes start the sandbox")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	all := recipes(t, root)
	if len(all) == 0 {
		t.Fatal("no recipe is marked in the README or docs/: the marker is <!-- recipe: NAME --> before a ```sh block")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(os.PathSeparator), "./cmd/...")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, r := range all {
		t.Run(r.file+"/"+r.name, func(t *testing.T) {
			run(t, root, bin, r)
		})
	}
}

// run runs one recipe with bash -euo pipefail in a throwaway home and
// working directory, bounded in time, and stops a sandbox it left running.
func run(t *testing.T, root, bin string, r recipe) {
	work := t.TempDir()
	home := filepath.Join(work, "home")
	sandboxDir := filepath.Join(work, "sandbox")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "examples"), filepath.Join(work, "examples")); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + work,
		"GATEHOUSE_SANDBOX_DIR=" + sandboxDir,
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_PAGER=",
		"LANG=C.UTF-8",
	}
	for _, k := range []string{"GATEHOUSE_PYTHON", "GOCACHE", "GOPATH", "GOMODCACHE", "GOFLAGS"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", r.script)
	cmd.Dir = work
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	t.Cleanup(func() { stopSandbox(t, bin, env, work) })
	if err != nil {
		t.Fatalf("%s:%d: recipe %s failed: %v\n--- recipe ---\n%s\n--- output ---\n%s", r.file, r.line, r.name, err, r.script, out)
	}
}

// stopSandbox stops a sandbox a failed recipe left running, by the PIDs it
// recorded (gatehouse-sandbox down reads them from its directory).
func stopSandbox(t *testing.T, bin string, env []string, work string) {
	if _, err := os.Stat(filepath.Join(work, "sandbox")); err != nil {
		return
	}
	cmd := exec.Command(filepath.Join(bin, "gatehouse-sandbox"), "down")
	cmd.Dir = work
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "no sandbox is running") {
		t.Logf("gatehouse-sandbox down: %v\n%s", err, out)
	}
}

// TestRecipeMarkers checks the extraction itself on a small document.
func TestRecipeMarkers(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	doc := "# x\n\n<!-- recipe: hello -->\n```sh\necho hello\necho world\n```\n\n```sh\nnot a recipe\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got := recipes(t, dir)
	if len(got) != 1 || got[0].name != "hello" || got[0].script != "echo hello\necho world" || got[0].line != 3 {
		t.Errorf("recipes() = %+v, want the one marked block", got)
	}
}
