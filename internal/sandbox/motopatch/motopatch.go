// Package motopatch holds the Python patches the sandbox's moto server loads
// before it serves: each mends one place where moto differs from AWS or lacks
// an operation gatehouse calls. They live in .py files embedded at build time,
// so that Python tools (and a test that compiles each) see them as Python.
// docs/adr/0003-moto-patches.md says why the sandbox patches moto at all.
package motopatch

import (
	_ "embed" // the .py files below
	"strings"
)

// Headers the patches understand. Only the sandbox's own bootstrap sends
// them; every other client sees moto behave as AWS does.
const (
	// HeaderAccountID asks CreateAccount for a given 12-digit account ID.
	HeaderAccountID = "X-Gatehouse-Sandbox-Account-Id"
	// HeaderAccountName names the management account on CreateOrganization
	// (moto calls it "master").
	HeaderAccountName = "X-Gatehouse-Sandbox-Account-Name"
)

var (
	//go:embed accounts.py
	accountsPy string
	//go:embed iam.py
	iamPy string
	//go:embed ssoadmin.py
	ssoAdminPy string
	//go:embed identitystore.py
	identityStorePy string
)

// Patch is one Python file of the preamble.
type Patch struct {
	Name   string // file name, e.g. "ssoadmin.py"
	Source string
}

// Patches are the patches in the order the preamble runs them.
func Patches() []Patch {
	return []Patch{
		{"accounts.py", accountsPy},
		{"iam.py", iamPy},
		{"ssoadmin.py", ssoAdminPy},
		{"identitystore.py", identityStorePy},
	}
}

// Preamble is every patch, one after the other, as Python code for
// motoserver.Options.Preamble. Each patch imports what it uses and prefixes
// its names with _gh_, so they do not collide in the one module they share.
func Preamble() string {
	var b strings.Builder
	for _, p := range Patches() {
		b.WriteString("# --- " + p.Name + " ---\n")
		b.WriteString(p.Source)
		b.WriteString("\n")
	}
	return b.String()
}
