// Package archtest enforces gatehouse's dependency rule (docs/architecture.md):
// the core packages import neither the AWS SDK nor the CLI framework, even
// indirectly; nothing under internal/ but the CLI itself imports internal/cli;
// and no package has a name that says nothing (util, common, helpers, types,
// models). The rule is pure data here; the test feeds it `go list`.
package archtest

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Module is gatehouse's module path.
const Module = "github.com/gatehouse-dev/gatehouse"

// Core are the pure packages: they compute, they do not talk to AWS or parse
// command lines.
var Core = []string{"model", "state", "plan", "policy", "render", "trust", "audit"}

// forbiddenInCore are import path prefixes no core package may depend on.
var forbiddenInCore = []string{"github.com/aws/", "github.com/spf13/cobra", "github.com/spf13/pflag"}

// vagueNames are package names that say nothing about what is inside.
var vagueNames = []string{"util", "utils", "common", "helpers", "types", "models", "misc"}

// Package is what the rule needs of a package: its import path, its name
// and every package it depends on, directly or not (go list's Deps).
type Package struct {
	ImportPath string
	Name       string
	Deps       []string
}

// Check returns every violation of the rule among pkgs, sorted.
func Check(pkgs []Package) []string {
	var out []string
	cli := Module + "/internal/cli"
	for _, p := range pkgs {
		rel, ok := strings.CutPrefix(p.ImportPath, Module+"/")
		if !ok {
			continue
		}
		if isCore(rel) {
			for _, d := range p.Deps {
				for _, f := range forbiddenInCore {
					if d == strings.TrimSuffix(f, "/") || strings.HasPrefix(d, f) {
						out = append(out, fmt.Sprintf("%s is a core package but depends on %s", rel, d))
					}
				}
			}
		}
		if strings.HasPrefix(rel, "internal/") && p.ImportPath != cli && !strings.HasPrefix(p.ImportPath, cli+"/") {
			for _, d := range p.Deps {
				if d == cli {
					out = append(out, fmt.Sprintf("%s depends on internal/cli: only commands may", rel))
				}
			}
		}
		for _, v := range vagueNames {
			if p.Name == v || path.Base(rel) == v {
				out = append(out, fmt.Sprintf("%s is named %s: name packages after what they provide", rel, v))
			}
		}
	}
	sort.Strings(out)
	return out
}

// isCore reports whether rel (a path inside the module) is a core package
// or below one.
func isCore(rel string) bool {
	for _, c := range Core {
		if rel == "internal/"+c || strings.HasPrefix(rel, "internal/"+c+"/") {
			return true
		}
	}
	return false
}
