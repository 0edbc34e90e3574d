package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/organization/orgfixture"
)

const killModel = `version: 1
identity_center:
  region: us-east-1
accounts:
  a1: { id: "%[1]s" }
  a2: { id: "%[2]s" }
  a3: { id: "%[3]s" }
  a4: { id: "%[4]s" }
users:
  alice: { email: alice@example.com, given_name: Alice, family_name: Doe }
  bob: { email: bob@example.com, given_name: Bob, family_name: Roe }
  carol: { email: carol@example.com, given_name: Carol, family_name: Poe }
groups:
  Engineers: { members: [alice, bob, carol] }
  Ops: { members: [bob] }
  Auditors: { members: [carol] }
permission_sets:
  ReadOnly:
    session_duration: 8h
    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  Admin:
    managed_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"]
    inline_policy: { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "iam:*", Resource: "*" }] }
  Billing:
    managed_policies: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
assignments:
  - groups: [Engineers, Auditors]
    permission_sets: [ReadOnly]
    accounts: [a1, a2, a3, a4]
  - groups: [Ops]
    permission_sets: [Admin, Billing]
    accounts: [a1, a2, a3, a4]
  - users: [alice]
    permission_sets: [Admin]
    accounts: [a1, a2]
`

// TestApplyKilledThenCompleted kills the real gatehouse binary with SIGKILL
// at several points of an apply against moto, runs apply again, and checks
// that Identity Center then matches the model exactly, with nothing created
// twice (moto, unlike AWS, stores duplicate assignments and memberships).
func TestApplyKilledThenCompleted(t *testing.T) {
	bin, err := exec.LookPath("gatehouse") // the test binary, put on PATH by testscript.Main
	if err != nil {
		t.Fatalf("the gatehouse command is not on PATH: %v", err)
	}
	scriptMu.Lock() // the scripts share the moto server
	defer scriptMu.Unlock()
	srv := awstest.Server(t)
	// 31 changes: 3 users, 3 groups, 5 memberships, 3 permission sets,
	// 18 assignments. The kill points spread over every phase.
	for _, killAfter := range []int{1, 5, 9, 13, 20, 24} {
		t.Run(fmt.Sprintf("after-%d", killAfter), func(t *testing.T) {
			ctx := context.Background()
			if err := srv.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			cfg := awstest.ConfigFor(t, srv.URL)
			spec, err := orgfixture.Parse("account a1\naccount a2\naccount a3\naccount a4\n")
			if err != nil {
				t.Fatal(err)
			}
			fix, err := orgfixture.Create(ctx, cfg, spec)
			if err != nil {
				t.Fatal(err)
			}
			vars := fix.Env()
			dir := t.TempDir()
			file := filepath.Join(dir, "gatehouse.yaml")
			text := fmt.Sprintf(killModel, vars["ACCOUNT_a1"], vars["ACCOUNT_a2"], vars["ACCOUNT_a3"], vars["ACCOUNT_a4"])
			if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			env := append(awstest.Env(sharedFront(t).URL()), "HOME="+dir, "PATH="+os.Getenv("PATH"),
				"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"))

			done := killApplyAfter(t, bin, env, file, killAfter)
			if done >= 31 {
				t.Fatalf("the apply finished (%d changes) before it was killed: the test did not test an interruption", done)
			}
			run := func(wantCode int, args ...string) string {
				t.Helper()
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if code != wantCode {
					t.Fatalf("gatehouse %s exited %d, want %d:\n%s", strings.Join(args, " "), code, wantCode, out)
				}
				return string(out)
			}
			run(2, "plan", "-f", file, "--detailed-exitcode") // the kill left work to do
			run(0, "apply", "-f", file, "--auto-approve")
			run(0, "plan", "-f", file, "--detailed-exitcode")
			assertNoDuplicates(t, cfg, []string{vars["ACCOUNT_a1"], vars["ACCOUNT_a2"], vars["ACCOUNT_a3"], vars["ACCOUNT_a4"]})
		})
	}
}

// killApplyAfter starts `gatehouse apply` and SIGKILLs it once it has
// reported n finished changes; it returns how many it had reported.
func killApplyAfter(t *testing.T, bin string, env []string, file string, n int) int {
	t.Helper()
	cmd := exec.Command(bin, "apply", "-f", file, "--auto-approve")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen, killed := 0, false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "apply: [") {
			seen++
		}
		if seen == n && !killed {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !killed || !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("apply was not killed (saw %d changes, wait: %v)", seen, err)
	}
	return seen
}

// assertNoDuplicates lists assignments and memberships raw: the adapter's
// Read folds duplicates, which is what this must see.
func assertNoDuplicates(t *testing.T, cfg aws.Config, accounts []string) {
	t.Helper()
	ctx := context.Background()
	sso, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets.PermissionSets) != 3 {
		t.Errorf("%d permission sets, want 3", len(sets.PermissionSets))
	}
	total := 0
	for _, ps := range sets.PermissionSets {
		for _, acct := range accounts {
			out, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: arn, AccountId: aws.String(acct), PermissionSetArn: aws.String(ps)})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, a := range out.AccountAssignments {
				k := aws.ToString(a.PrincipalId)
				if seen[k] {
					t.Errorf("duplicate assignment of %s to %s in %s", ps, k, acct)
				}
				seen[k] = true
				total++
			}
		}
	}
	if total != 18 {
		t.Errorf("%d assignments, want 18", total)
	}
	groups, err := ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: store})
	if err != nil {
		t.Fatal(err)
	}
	members := 0
	for _, g := range groups.Groups {
		out, err := ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: g.GroupId})
		if err != nil {
			t.Fatal(err)
		}
		members += len(out.GroupMemberships)
	}
	if members != 5 {
		t.Errorf("%d memberships, want 5 (a duplicate, or one lost)", members)
	}
}
