package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestApplyRefusesAnEditedPlan: a saved plan is reviewed, then its inline
// policy is widened from aws-portal:* to iam:* in the file. apply refuses
// it and changes nothing; the plan as saved applies.
func TestApplyRefusesAnEditedPlan(t *testing.T) {
	dir, gh := inProcess(t)
	model := filepath.Join(dir, "gatehouse.yaml")
	text, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	widened := strings.Replace(string(text), "ReadOnly: { session_duration: 8h }",
		`ReadOnly: { session_duration: 8h, inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "aws-portal:*", Resource: "*" }] } }`, 1)
	if err := os.WriteFile(model, []byte(widened), 0o600); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, "reviewed.plan")
	if code, _, errOut := gh("", false, "plan", "-out", saved); code != 0 {
		t.Fatal(errOut)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(data, []byte("aws-portal:*"), []byte("iam:*"), 1)
	if bytes.Equal(edited, data) {
		t.Fatalf("the saved plan holds no aws-portal:* policy:\n%s", data)
	}
	editedFile := filepath.Join(dir, "edited.plan")
	if err := os.WriteFile(editedFile, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	applyFile := func(file string) (int, string) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), []string{"apply", file}, Deps{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: cacheEnv(dir), Now: time.Now})
		return code, errb.String()
	}
	code, errOut := applyFile(editedFile)
	if code != 1 || !strings.Contains(errOut, "gatehouse: reading plan: the plan's content does not match its digest: it was changed after it was saved") ||
		!strings.Contains(errOut, "hint: a saved plan cannot be edited") {
		t.Fatalf("apply of an edited plan: exit %d, stderr:\n%s", code, errOut)
	}
	if code, _, _ := gh("", false, "plan", "--detailed-exitcode"); code != 2 {
		t.Fatalf("after the refused apply, plan exits %d, want 2 (nothing changed)", code)
	}
	if code, errOut := applyFile(saved); code != 0 {
		t.Fatalf("apply of the plan as saved: exit %d\n%s", code, errOut)
	}
	code, out, _ := gh("", false, "plan", "--detailed-exitcode")
	if code != 0 {
		t.Fatalf("after applying the reviewed plan, plan exits %d:\n%s", code, out)
	}
}
