// Package archtest enforces gatehouse's dependency rule (docs/architecture.md):
// the core packages import neither the AWS SDK nor the CLI framework, even
// indirectly, and do no I/O of their own (they import neither os, net nor
// net/http; model alone may import os, for Load); nothing under internal/ but the CLI itself imports internal/cli;
// and no package has a name that says nothing (util, common, helpers, types,
// models). The rule is pure data here; the test feeds it `go list`.
package archtest

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// Module is gatehouse's module path.
const Module = "github.com/gatehouse-dev/gatehouse"

// Core are the pure packages: they compute, they do not talk to AWS or parse
// command lines.
var Core = []string{"model", "state", "expand", "plan", "policy", "render", "trust", "audit", "simulate"}

// forbiddenInCore are import path prefixes no core package may depend on.
var forbiddenInCore = []string{"github.com/aws/", "github.com/spf13/cobra", "github.com/spf13/pflag"}

// ioInCore are packages a core package may not import directly: core
// packages compute on what they are given. Standard packages such as fmt
// depend on os themselves, so only direct imports count.
var ioInCore = []string{"os", "net", "net/http"}

// ioAllowed lists, per core package, the I/O packages it may import and
// why: model.Load reads the model file and the SAML metadata it names, so
// that expansion and planning never touch the file system.
var ioAllowed = map[string][]string{"internal/model": {"os"}}

// vagueNames are package names that say nothing about what is inside.
var vagueNames = []string{"util", "utils", "common", "helpers", "types", "models", "misc"}

// Package is what the rule needs of a package: its import path, its name,
// the packages it imports directly (go list's Imports) and every package
// it depends on, directly or not (go list's Deps).
type Package struct {
	ImportPath string
	Name       string
	Imports    []string
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
			for _, imp := range p.Imports {
				if slices.Contains(ioInCore, imp) && !slices.Contains(ioAllowed[rel], imp) {
					out = append(out, fmt.Sprintf("%s is a core package but imports %s: core packages do no I/O", rel, imp))
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
