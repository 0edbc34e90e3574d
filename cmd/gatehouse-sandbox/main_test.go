package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExportLines(t *testing.T) {
	t.Parallel()
	got := exportLines([]string{"A=http://127.0.0.1:1", "B=a b", "C=it's", "D="})
	want := "export A=http://127.0.0.1:1\nexport B='a b'\nexport C='it'\\''s'\nexport D=''\n"
	if got != want {
		t.Errorf("exportLines() = %q, want %q", got, want)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"up", "--output", "yaml"}, 64, "--output"},
		{[]string{"up", "-f", "a.yaml", "--accounts", "b.yaml"}, 64, "not both"},
		{[]string{"up", "--bogus"}, 64, "unknown flag"},
		{[]string{"approve"}, 64, "--user is required"},
		{[]string{"up", "--accounts", "testdata/bad.yaml", "--dir", "unused"}, 1, "12-digit"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.msg) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d mentioning %q and no stdout", tt.args, code, errb.String(), out.String(), tt.code, tt.msg)
		}
	}
	if _, err := os.Stat("unused"); err == nil {
		t.Error("a bad model still created the sandbox directory")
	}
}

// TestUpEnvApproveDown runs the built command as a user would: up in the
// background, env and status, then down, which must leave nothing running.
func TestUpEnvApproveDown(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gatehouse-sandbox")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "sb")
	sh := func(args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append(args, "--dir", dir)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	stdout, stderr, err := sh("up", "--accounts", "testdata/accounts.yaml", "--managed-policies=false")
	if err != nil {
		t.Fatalf("up: %v\n%s", err, stderr)
	}
	t.Cleanup(func() { _, _, _ = sh("down") })
	for _, want := range []string{"export AWS_ENDPOINT_URL_SSO=http://127.0.0.1:", "export AWS_ENDPOINT_URL_SSO_OIDC=", "export AWS_ENDPOINT_URL_STS=",
		"export AWS_ENDPOINT_URL_IAM=", "export AWS_ENDPOINT_URL_ORGANIZATIONS=", "export AWS_ENDPOINT_URL_SSO_ADMIN=", "export AWS_ENDPOINT_URL_IDENTITYSTORE=",
		"export AWS_REGION=us-east-1", "export AWS_ACCESS_KEY_ID=", "export AWS_SECRET_ACCESS_KEY=", "export GATEHOUSE_FEDERATION_ENDPOINT=http://127.0.0.1:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("up's stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if !strings.HasPrefix(line, "export ") {
			t.Errorf("up's stdout carries a line that is not an export: %q", line)
		}
	}
	if !strings.Contains(stderr, "production") || !strings.Contains(stderr, "333333333333") {
		t.Errorf("up's summary does not list the accounts:\n%s", stderr)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("sandbox dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	if fi, err := os.Stat(filepath.Join(dir, stateName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v, %v; want mode 0600", fi, err)
	}

	jsonOut, _, err := sh("env", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal([]byte(jsonOut), &st); err != nil {
		t.Fatalf("env --output json: %v\n%s", err, jsonOut)
	}
	if st.Bootstrap == nil || len(st.Bootstrap.Accounts) != 4 || !alive(st.PID) || !alive(st.MotoPID) {
		t.Fatalf("state %+v: want 4 accounts and both processes alive", st)
	}
	if env, _, _ := sh("env"); env != stdout {
		t.Errorf("env printed\n%s\nwhile up printed\n%s", env, stdout)
	}

	// The AWS CLI through the printed environment, as the management account.
	cmd := exec.Command("aws", "organizations", "list-accounts", "--query", "Accounts[].Id", "--output", "text")
	cmd.Env = append(os.Environ(), st.Env...)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "333333333333") {
		t.Errorf("aws organizations list-accounts with up's environment: %v\n%s", err, out)
	}

	if _, stderr, err := sh("up", "--accounts", "testdata/accounts.yaml"); err == nil || !strings.Contains(stderr, "already running") {
		t.Errorf("a second up: %v, %s; want it refused", err, stderr)
	}
	if _, stderr, err := sh("approve", "--user", "alice"); err == nil || !strings.Contains(stderr, "no device authorization is pending") {
		t.Errorf("approve with nothing pending: %v, %s", err, stderr)
	}
	if _, stderr, err := sh("approve", "--user", "alice", "--wait", "300ms"); err == nil || !strings.Contains(stderr, "no device sign-in became pending within 300ms") {
		t.Errorf("approve --wait with nothing pending: %v, %s", err, stderr)
	}

	if _, stderr, err := sh("down"); err != nil {
		t.Fatalf("down: %v\n%s", err, stderr)
	}
	if alive(st.PID) || alive(st.MotoPID) {
		t.Errorf("after down: front alive %v, moto alive %v", alive(st.PID), alive(st.MotoPID))
	}
	if _, err := os.Stat(filepath.Join(dir, stateName)); !os.IsNotExist(err) {
		t.Errorf("state file after down: %v", err)
	}
	if _, stderr, err := sh("status"); err == nil || !strings.Contains(stderr, "no sandbox is running") {
		t.Errorf("status after down: %v %s", err, stderr)
	}
}

// TestDemoScript runs `make demo`'s script against freshly built binaries:
// sandbox up, apply, login, list, profiles, a command in a member account and
// in a client account, a grant made by hand and the audit that shows it,
// down.
func TestDemoScript(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs the whole system (about 30 s)")
	}
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", bin+"/", "../gatehouse", ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../../scripts/demo.sh")
	cmd.Env = append(os.Environ(), "GATEHOUSE_BIN="+bin, "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"assumed-role/AWSReservedSSO_", "AWSReservedSSO_Breakglass_", "UNMANAGED-ASSIGNMENT", "demo complete"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
