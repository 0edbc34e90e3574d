package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/gatehouse-dev/gatehouse/internal/applylock"
	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// cacheEnv is the environment of an in-process gatehouse that keeps its
// cache, apply lock files included, under dir.
func cacheEnv(dir string) func(string) string {
	return func(k string) string {
		if k == "GATEHOUSE_CACHE_DIR" {
			return filepath.Join(dir, "cache")
		}
		return ""
	}
}

// TestApplyForceUnlock: an apply lock held in AWS by another apply (here,
// one this test takes, as another machine would) refuses apply but not
// plan, which takes no lock; --force-unlock removes it, names its holder,
// and the next apply runs.
func TestApplyForceUnlock(t *testing.T) {
	dir, gh := inProcess(t)
	ctx := context.Background()
	cfg := awstest.ConfigFor(t, sharedFront(t).URL())
	inst, err := ssoadmin.NewFromConfig(cfg).ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	name := pipeline.InstanceID(aws.ToString(inst.Instances[0].InstanceArn))
	remote, err := applylock.NewIAM(ctx, cfg, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := applylock.Acquire(ctx, applylock.Options{Name: name, Remote: remote})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release(ctx)

	code, _, errOut := gh("", false, "apply", "--auto-approve")
	if code != 1 || !strings.Contains(errOut, "gatehouse: another apply is running, since ") || !strings.Contains(errOut, "hint: wait for that apply to end") {
		t.Fatalf("apply while another holds the lock: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := gh("", false, "plan", "-out", filepath.Join(dir, "p.plan")); code != 0 {
		t.Fatalf("plan while an apply holds the lock: exit %d\n%s", code, errOut)
	}
	code, _, errOut = gh("", false, "apply", "--force-unlock")
	if code != 0 || !strings.Contains(errOut, "Removed the apply lock held since ") || !strings.Contains(errOut, "by arn:aws:") {
		t.Fatalf("apply --force-unlock: exit %d\n%s", code, errOut)
	}
	if err := other.Verify(ctx); err == nil || !strings.Contains(err.Error(), "was removed") {
		t.Errorf("the former holder's Verify = %v, want a lost lock", err)
	}
	if code, _, errOut := gh("", false, "apply", "--auto-approve"); code != 0 {
		t.Fatalf("apply after --force-unlock: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := gh("", false, "apply", "--force-unlock"); code != 0 || !strings.Contains(errOut, "No apply lock was held") {
		t.Errorf("apply --force-unlock with no lock: exit %d\n%s", code, errOut)
	}
}
