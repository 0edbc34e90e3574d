package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// reviewed is the plan a person reviewed: a permission set that grants the
// billing console, for alice who does not exist yet.
func reviewed(t *testing.T) (*Plan, []byte) {
	t.Helper()
	live := base().s
	desired := base().user("bob").ps("Billing", inline(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"aws-portal:*","Resource":"*"}]}`)).
		assign(prod, "Billing", "user:bob").s
	live.PermissionSets["Manual"] = state.PermissionSet{Name: "Manual", SessionDuration: "PT1H", ARN: "arn:ps-Manual"}
	p, err := Compute(desired, live, Options{Target: Target{Region: "us-east-1", InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1"},
		Scope: Scope{MembershipGroups: []string{"Engineers"}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, data
}

// TestSavedPlanIsSealed: a saved plan whose content changed after it was
// written (a policy widened, a change added or dropped, the fingerprint it
// is checked against replaced) is refused, with a hint; one only reformatted
// is not.
func TestSavedPlanIsSealed(t *testing.T) {
	t.Parallel()
	p, data := reviewed(t)
	if !strings.HasPrefix(p.ModelDigest, "sha256:") || p.ModelDigest == p.Fingerprint {
		t.Fatalf("model digest %q: want the desired state's own sha256", p.ModelDigest)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	changes := func(m map[string]any) []any { return m["changes"].([]any) }
	refused := []struct {
		name string
		data []byte
	}{
		{"policy widened", bytes.Replace(data, []byte("aws-portal:*"), []byte("iam:*"), 1)},
		{"change dropped", edit(func(m map[string]any) { m["changes"] = changes(m)[1:] })},
		{"change added", edit(func(m map[string]any) { m["changes"] = append(changes(m), changes(m)[0]) })},
		{"assignment moved", bytes.Replace(data, []byte(`"principal_name": "bob"`), []byte(`"principal_name": "alice"`), 1)},
		{"fingerprint replaced", edit(func(m map[string]any) { m["live_fingerprint"] = "sha256:0000" })},
		{"model digest replaced", edit(func(m map[string]any) { m["model_digest"] = "sha256:0000" })},
		{"target replaced", edit(func(m map[string]any) {
			m["target"].(map[string]any)["instance_arn"] = "arn:aws:sso:::instance/ssoins-2"
		})},
		{"prune turned on", edit(func(m map[string]any) { m["prune"] = true })},
		{"unmanaged hidden", edit(func(m map[string]any) { m["unmanaged"] = []any{} })},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(tt.data, data) {
				t.Fatal("the edit changed nothing: the case tests nothing")
			}
			_, err := Unmarshal(tt.data)
			if err == nil || !strings.Contains(err.Error(), "does not match its digest") || hint.Of(err) == "" {
				t.Errorf("Unmarshal(edited plan) = %v (hint %q), want a digest mismatch with a hint", err, hint.Of(err))
			}
		})
	}

	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		t.Fatal(err)
	}
	accepted := []struct {
		name string
		data []byte
	}{
		{"as saved", data},
		{"compacted", compact.Bytes()},
		{"summary edited (recomputed on read)", edit(func(m map[string]any) { m["summary"].(map[string]any)["create"] = 99 })},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			back, err := Unmarshal(tt.data)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if diff := cmp.Diff(p, back); diff != "" {
				t.Errorf("plan read back mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("no digest", func(t *testing.T) {
		_, err := Unmarshal(edit(func(m map[string]any) { delete(m, "digest") }))
		if err == nil || !strings.Contains(err.Error(), "no digest") || hint.Of(err) == "" {
			t.Errorf("Unmarshal(plan without digest) = %v", err)
		}
	})
}

// TestMarshalIsStable: one plan is always saved as the same bytes, its
// digest last.
func TestMarshalIsStable(t *testing.T) {
	t.Parallel()
	p, data := reviewed(t)
	if !bytes.HasSuffix(data, []byte(`  "digest": "`+Seal(p)+"\"\n}\n")) {
		t.Errorf("the saved plan does not end with its digest:\n%s", data)
	}
	again, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("two Marshal calls of one plan differ")
	}
}
