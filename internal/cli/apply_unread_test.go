package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
)

// TestApplyRefusesAPlanWithUnreadAttributes: a saved plan that says some
// attributes were not read (as plans made under the removed emulator switch
// did) did not compare them, so apply refuses it and changes nothing.
func TestApplyRefusesAPlanWithUnreadAttributes(t *testing.T) {
	dir, gh := inProcess(t)
	file := filepath.Join(dir, "saved.plan")
	if code, _, errOut := gh("", false, "plan", "-out", file); code != 0 {
		t.Fatal(errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	p.Scope.Unread = []string{plan.UnreadTags, plan.UnreadBoundary}
	if data, err = plan.Marshal(p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// gh adds -f, which a saved plan refuses: run apply by itself.
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"apply", file}, Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Now: time.Now})
	errOut := errb.String()
	if code != 1 || !strings.Contains(errOut, "the plan was made without reading [tags, permissions_boundary] of its permission sets") ||
		!strings.Contains(errOut, "hint: make a new plan") {
		t.Errorf("apply of a plan with unread attributes: exit %d, stderr:\n%s", code, errOut)
	}
	if code, _, _ := gh("", false, "plan", "--detailed-exitcode"); code != 2 {
		t.Errorf("after the refused apply, plan exits %d, want 2 (nothing changed)", code)
	}
}
