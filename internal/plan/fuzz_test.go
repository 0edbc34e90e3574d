package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// FuzzUnmarshal feeds the plan-file reader arbitrary bytes: it must never
// panic, and a plan it decodes must seal, save and read back as the same
// plan (so that what apply checks is what it runs). Seeds: saved plans of
// every kind of change, and the shapes TestUnmarshalRejects refuses.
//
//	go test ./internal/plan -run '^$' -fuzz FuzzUnmarshal -fuzztime 60s
func FuzzUnmarshal(f *testing.F) {
	live := base().user("carol").s
	live.PermissionSets["Old"] = state.PermissionSet{Name: "Old", SessionDuration: "PT1H", ARN: "arn:ps-Old", Managed: true}
	desired := base().user("bob").group("Ops", "bob").ps("ReadOnly", inline(`{"Version":"2012-10-17"}`)).
		ps("Billing").assign(prod, "Billing", "user:bob").
		role(role(prod, "EngineerAccess", exactTrust)).
		saml(state.SAMLProvider{AccountID: "444444444444", Name: "P", MetadataDocument: "<x/>"}).s
	for _, prune := range []bool{false, true} {
		p, err := Compute(desired, live, Options{Target: Target{InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1"},
			Scope: Scope{MembershipGroups: []string{"Engineers", "Ops"}}, Prune: prune})
		if err != nil {
			f.Fatal(err)
		}
		data, err := Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"format_version":1,"live_fingerprint":"sha256:00","changes":[],"unmanaged":[],"digest":"sha256:00"}`))
	f.Add([]byte(`{"format_version":1,"live_fingerprint":"x","changes":[{"address":"provision/a/1","kind":"provision","action":"create","provision":{"after":{"permission_set":"a","account_id":"1"}}}]}`))
	f.Add([]byte(`hello`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Unmarshal(data) // refused or not, it must not panic
		p, _, err := decode(data)
		if err != nil {
			return
		}
		out, err := Marshal(p)
		if err != nil {
			t.Fatalf("Marshal of a decoded plan: %v", err)
		}
		back, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("a decoded plan, sealed, is refused: %v\n%s", err, out)
		}
		if diff := cmp.Diff(p, back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("plan changed between decode and read back (-decoded +read):\n%s", diff)
		}
	})
}
