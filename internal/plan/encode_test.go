package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	live := base().user("bob").assign(prod, "ReadOnly", "user:bob").s
	desired := base().ps("ReadOnly", inline(`{"Version":"2012-10-17"}`), func(p *state.PermissionSet) {
		p.CustomerManagedPolicies = []state.PolicyRef{{Name: "X", Path: "/"}}
		p.PermissionsBoundary = &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "B", Path: "/"}}
	}).group("Ops", "alice").s
	p, err := Compute(desired, live, Options{Target: Target{InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1"}, Scope: Scope{MembershipGroups: []string{"Engineers", "Ops"}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(data)
	if err != nil {
		t.Fatalf("Unmarshal(Marshal(p)): %v", err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	t.Parallel()
	valid := `{"format_version":1,"target":{"instance_arn":"i","identity_store_id":"d"},"scope":{"identity_source":"internal"},"live_fingerprint":"sha256:00","changes":[%s],"unmanaged":[],"summary":{"create":0,"update":0,"replace":0,"delete":0,"unmanaged":0}}`
	tests := []struct {
		name, data, want string
	}{
		{"not json", `hello`, "not a gatehouse plan file"},
		{"unknown field", `{"format_version":1,"surprise":true}`, "unknown field"},
		{"future version", `{"format_version":9,"live_fingerprint":"x"}`, "format version 9"},
		{"no fingerprint", `{"format_version":1}`, "no live_fingerprint"},
		{"unknown action", strings.Replace(valid, "%s", `{"address":"user/a","kind":"user","action":"explode","user":{"after":{"user_name":"a","display_name":"a","given_name":"a","family_name":"a"}}}`, 1), `unknown action "explode"`},
		{"unknown kind", strings.Replace(valid, "%s", `{"address":"x/a","kind":"bucket","action":"create"}`, 1), `unknown kind "bucket"`},
		{"object of another kind", strings.Replace(valid, "%s", `{"address":"user/a","kind":"user","action":"create","group":{"after":{"display_name":"a"}}}`, 1), "exactly one object"},
		{"create without after", strings.Replace(valid, "%s", `{"address":"user/a","kind":"user","action":"create","user":{"before":{"user_name":"a","display_name":"a","given_name":"a","family_name":"a"}}}`, 1), "without an after side"},
		{"delete without before", strings.Replace(valid, "%s", `{"address":"user/a","kind":"user","action":"delete","user":{"after":{"user_name":"a","display_name":"a","given_name":"a","family_name":"a"}}}`, 1), "without a before side"},
		{"update with one side", strings.Replace(valid, "%s", `{"address":"user/a","kind":"user","action":"update","user":{"after":{"user_name":"a","display_name":"a","given_name":"a","family_name":"a"}}}`, 1), "needs both sides"},
		{"provision deleted", strings.Replace(valid, "%s", `{"address":"provision/a/1","kind":"provision","action":"delete","provision":{"before":{"permission_set":"a","account_id":"1"}}}`, 1), "a provision change cannot be a delete"},
		{"membership updated", strings.Replace(valid, "%s", `{"address":"membership/g/u","kind":"membership","action":"update","membership":{"before":{"group":"g","user":"u"},"after":{"group":"g","user":"u"}}}`, 1), "a membership change cannot be an update"},
		{"assignment replaced", strings.Replace(valid, "%s", `{"address":"assignment/1/a/user:u","kind":"assignment","action":"replace","assignment":{"before":{"account_id":"1","permission_set":"a","principal_type":"USER","principal_name":"u"},"after":{"account_id":"1","permission_set":"a","principal_type":"USER","principal_name":"u"}}}`, 1), "cannot be a replace"},
		{"two documents", strings.Replace(valid, "%s", "", 1) + "{}", "more than one JSON document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unmarshal([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Unmarshal error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, _, err := decode([]byte(strings.Replace(valid, "%s", "", 1))); err != nil {
		t.Errorf("decode(valid empty plan) = %v", err)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	a, b := base().s, base().s
	if Fingerprint(a) != Fingerprint(b) {
		t.Fatal("equal states have different fingerprints")
	}
	if !strings.HasPrefix(Fingerprint(a), "sha256:") {
		t.Errorf("fingerprint %q lacks its algorithm", Fingerprint(a))
	}
	b.Users["alice"] = state.User{UserName: "alice", Email: "moved@example.com"}
	if Fingerprint(a) == Fingerprint(b) {
		t.Error("a changed user did not change the fingerprint")
	}
}
