package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// TestExamplesApplyInOneRun applies each example model of examples/ to a
// sandbox holding its accounts (as `gatehouse-sandbox up -f EXAMPLE` makes
// them: an organization, and a second one for the external accounts), in one
// apply, and checks that the next plan is clean. The sandbox's moto loads
// the AWS-managed policies so that the examples' roles can attach them.
func TestExamplesApplyInOneRun(t *testing.T) {
	for _, name := range []string{"management-production.yaml", "startup.yaml", "consultancy.yaml"} {
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			file := filepath.Join("..", "..", "examples", name)
			m, err := model.Load(file)
			if err != nil {
				t.Fatalf("loading %s: %v", name, err)
			}
			layout := sandbox.LayoutFromModel(m)
			ctx := context.Background()
			sb, err := sandbox.Start(ctx, sandbox.Options{
				ManagementAccount: layout.Management.ID,
				Region:            m.IdentityCenter.Region,
				Moto:              motoserver.Options{LoadManagedPolicies: true},
			})
			if err != nil {
				t.Fatalf("starting the sandbox: %v", err)
			}
			t.Cleanup(func() {
				if err := sb.Stop(); err != nil {
					t.Errorf("stopping the sandbox: %v", err)
				}
			})
			if _, err := sb.Bootstrap(ctx, layout); err != nil {
				t.Fatalf("creating the example's accounts: %v", err)
			}
			env := sandboxAdminEnv(t, sb, m)

			stdout, stderr, code := runGatehouse(t, env, "apply", "-f", file, "--auto-approve")
			if code != 0 {
				t.Fatalf("apply exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, "Apply complete: ") {
				t.Errorf("apply did not complete:\n%s", stderr)
			}
			for _, mp := range m.Accounts {
				if mp.SAML != nil && !strings.Contains(stderr, mp.Name+": arn:aws:iam::"+mp.ID+":saml-provider/") {
					t.Errorf("apply did not print the SAML attribute mapping of %s:\n%s", mp.Name, stderr)
				}
			}
			stdout, stderr, code = runGatehouse(t, env, "plan", "-f", file, "--detailed-exitcode")
			if code != 0 {
				t.Fatalf("plan after apply exited %d, want 0 (clean)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}

// sandboxAdminEnv is the environment of an admin of the sandbox: its
// endpoints and the management account's credentials, an AWS config file
// with a profile for each external account the model reaches through
// admin_profile (the admin reaches it by the account's
// OrganizationAccountAccessRole, as a profile of theirs would), and nothing
// of the machine's own AWS configuration.
func sandboxAdminEnv(t *testing.T, sb *sandbox.Sandbox, m *model.Model) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, kv := range sb.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	dir := t.TempDir()
	var cfg bytes.Buffer
	for _, a := range m.Accounts {
		if a.AdminProfile != "" {
			cfg.WriteString("[profile " + a.AdminProfile + "]\nrole_arn = arn:aws:iam::" + a.ID + ":role/" + model.DefaultProvisioningRole + "\ncredential_source = Environment\n\n")
		}
	}
	env["AWS_CONFIG_FILE"] = filepath.Join(dir, "config")
	env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(dir, "credentials")
	if err := os.WriteFile(env["AWS_CONFIG_FILE"], cfg.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return env
}

// runGatehouse runs the command tree in process with env as the whole
// environment (set in the process too: the AWS SDK reads it there).
func runGatehouse(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN"} {
		if _, ok := env[k]; !ok {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	d := Deps{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Now:    DefaultDeps().Now,
	}
	code = Main(context.Background(), args, d)
	return out.String(), errb.String(), code
}
