package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	m := Module + "/"
	for _, tc := range []struct {
		name string
		pkgs []Package
		want []string
	}{
		{
			name: "clean",
			pkgs: []Package{
				{ImportPath: m + "internal/plan", Name: "plan", Deps: []string{"fmt", m + "internal/state", m + "internal/hint"}},
				{ImportPath: m + "internal/organization", Name: "organization", Deps: []string{"github.com/aws/aws-sdk-go-v2/aws"}},
				{ImportPath: m + "internal/cli", Name: "cli", Deps: []string{"github.com/spf13/cobra"}},
				{ImportPath: m + "cmd/gatehouse", Name: "main", Deps: []string{m + "internal/cli"}},
			},
		},
		{
			name: "core imports the SDK or cobra, even indirectly",
			pkgs: []Package{
				{ImportPath: m + "internal/state", Name: "state", Deps: []string{m + "internal/organization", "github.com/aws/smithy-go"}},
				{ImportPath: m + "internal/render", Name: "render", Deps: []string{"github.com/spf13/cobra"}},
				{ImportPath: m + "internal/plan/sub", Name: "sub", Deps: []string{"github.com/spf13/pflag"}},
			},
			want: []string{
				"internal/plan/sub is a core package but depends on github.com/spf13/pflag",
				"internal/render is a core package but depends on github.com/spf13/cobra",
				"internal/state is a core package but depends on github.com/aws/smithy-go",
			},
		},
		{
			name: "core does I/O",
			pkgs: []Package{
				{ImportPath: m + "internal/state", Name: "state", Imports: []string{"fmt", "os"}, Deps: []string{"fmt", "os"}},
				{ImportPath: m + "internal/plan", Name: "plan", Imports: []string{"net/http"}},
				{ImportPath: m + "internal/trust", Name: "trust", Imports: []string{"net", "net/url"}},
				{ImportPath: m + "internal/model", Name: "model", Imports: []string{"os", "net"}},
				{ImportPath: m + "internal/identitycenter", Name: "identitycenter", Imports: []string{"os", "net/http"}},
			},
			want: []string{
				"internal/model is a core package but imports net: core packages do no I/O",
				"internal/plan is a core package but imports net/http: core packages do no I/O",
				"internal/state is a core package but imports os: core packages do no I/O",
				"internal/trust is a core package but imports net: core packages do no I/O",
			},
		},
		{
			name: "adapter imports cli",
			pkgs: []Package{{ImportPath: m + "internal/identitycenter", Name: "identitycenter", Deps: []string{m + "internal/cli"}}},
			want: []string{"internal/identitycenter depends on internal/cli: only commands may"},
		},
		{
			name: "vague package name",
			pkgs: []Package{{ImportPath: m + "internal/util", Name: "util"}},
			want: []string{"internal/util is named util: name packages after what they provide"},
		},
		{
			name: "other modules are not checked",
			pkgs: []Package{{ImportPath: "example.com/x/internal/plan", Name: "plan", Deps: []string{"github.com/aws/aws-sdk-go-v2/aws"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Check(tc.pkgs)); diff != "" {
				t.Errorf("Check() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDependencyRule checks the real tree with `go list -deps`.
func TestDependencyRule(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the dependency rule needs the go command on PATH: %v", err)
	}
	touchSources(t, goBin)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(goBin, "list", "-e", "-json=ImportPath,Name,Imports,Deps,Error", Module+"/...")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []Package
	dec := json.NewDecoder(&stdout)
	for {
		var p struct {
			Package
			Error *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list output: %v", err)
		}
		if p.Error != nil {
			// A package that does not build is reported by its own tests;
			// its dependencies are still listed as far as they resolve.
			t.Logf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p.Package)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found %d packages; expected the whole module", len(pkgs))
	}
	for _, v := range Check(pkgs) {
		t.Error(v)
	}
}

// touchSources opens every directory and stats every file of the module so
// that go test's result cache, which sees only what this process reads (not
// what `go list` reads), is invalidated by any change to the tree.
func touchSources(t *testing.T, goBin string) {
	t.Helper()
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	root := strings.TrimSpace(string(out))
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".go") || d.Name() == "go.mod") {
			_, err = os.Stat(p)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walking the module: %v", err)
	}
}
