package plan

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

const (
	hub    = "111111111111"
	client = "444444444444"

	rootTrust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	exactTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/EngineerIdentity"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`
	// brokenTrust is exactTrust after EngineerIdentity was deleted: IAM
	// shows the unique ID of the role that is gone.
	brokenTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AROA1234567890EXAMPLE"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`
)

var managedTags = map[string]string{state.ManagedTagKey: state.ManagedTagValue}

// role is a role as the model expands it (desired) or, with managed, as
// gatehouse left it (live).
func role(account, name, trustDoc string, edit ...func(*state.Role)) state.Role {
	r := state.Role{AccountID: account, Name: name, Path: "/", TrustPolicy: trustDoc,
		InlinePolicies: map[string]string{}, MaxSessionDuration: 3600, Tags: managedTags}
	for _, e := range edit {
		e(&r)
	}
	return r
}

func managed(r *state.Role) { r.Managed = true }

func handMade(r *state.Role) { r.Managed = false; r.Tags = map[string]string{"owner": "someone"} }

func (w *world) role(r state.Role) *world {
	w.s.Roles[state.RoleKey(r.AccountID, r.Name)] = r.Normalize()
	return w
}

func (w *world) saml(p state.SAMLProvider) *world {
	w.s.SAMLProviders[state.SAMLProviderKey(p.AccountID, p.Name)] = p.Normalize()
	return w
}

// roleLines is lines plus the plan's conflicts ("! address") and notes
// ("  note: ...", shortened to their first words).
func roleLines(p *Plan) []string {
	out := lines(p)
	for _, c := range p.Changes {
		for _, n := range c.Notes {
			out = append(out, "  note on "+string(c.Address)+": "+strings.Join(strings.Fields(n)[:5], " "))
		}
	}
	for _, c := range p.Conflicts {
		out = append(out, "! "+string(c.Address))
	}
	return out
}

func TestComputeRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		desired, live *state.State
		want          []string
	}{
		{
			name:    "new roles are created",
			desired: newWorld().role(role(hub, "EngineerIdentity", rootTrust)).role(role(prod, "EngineerAccess", exactTrust)).s,
			live:    state.New(),
			want:    []string{"+ role/111111111111/EngineerIdentity", "+ role/333333333333/EngineerAccess"},
		},
		{
			name:    "in sync, whatever the policies' layout",
			desired: newWorld().role(role(prod, "EngineerAccess", exactTrust)).s,
			live: newWorld().role(role(prod, "EngineerAccess",
				`{"Statement":{"Action":["sts:SetSourceIdentity","sts:AssumeRole"],"Principal":{"AWS":["arn:aws:iam::111111111111:role/EngineerIdentity"]},"Effect":"Allow"},"Version":"2012-10-17"}`, managed)).s,
		},
		{
			name: "every attribute that differs is an update field",
			desired: newWorld().role(role(prod, "A", exactTrust, func(r *state.Role) {
				r.Description = "new"
				r.MaxSessionDuration = 7200
				r.ManagedPolicies = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}
				r.InlinePolicies = map[string]string{trust.InlinePolicyName: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`}
				r.PermissionsBoundary = "arn:aws:iam::aws:policy/PowerUserAccess"
				r.Tags = map[string]string{state.ManagedTagKey: state.ManagedTagValue, "team": "platform"}
			})).s,
			live: newWorld().role(role(prod, "A", rootTrust, managed, func(r *state.Role) {
				r.ManagedPolicies = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
				r.InlinePolicies = map[string]string{"stray": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}
			})).s,
			want: []string{"~ role/333333333333/A [description,trust_policy,max_session_duration,permissions_boundary,managed_policies,inline_policy/gatehouse-inline,inline_policy/stray,tags]"},
		},
		{
			name:    "a hand-made role of the model's name is a conflict, not an update",
			desired: newWorld().role(role(prod, "EngineerAccess", exactTrust)).s,
			live:    newWorld().role(role(prod, "EngineerAccess", rootTrust, handMade)).s,
			want:    []string{"! role/333333333333/EngineerAccess"},
		},
		{
			name:    "adopt: true takes a hand-made role over, tagging it",
			desired: newWorld().role(role(prod, "EngineerAccess", rootTrust, func(r *state.Role) { r.Adopt = true })).s,
			live:    newWorld().role(role(prod, "EngineerAccess", rootTrust, handMade)).s,
			want:    []string{"~ role/333333333333/EngineerAccess [tags] (" + reasonAdopt + ")"},
		},
		{
			name:    "a new path replaces the role",
			desired: newWorld().role(role(prod, "A", rootTrust, func(r *state.Role) { r.Path = "/gatehouse/" })).s,
			live:    newWorld().role(role(prod, "A", rootTrust, managed)).s,
			want:    []string{"-/+ role/333333333333/A [path] (" + reasonPath + ")"},
		},
		{
			name:    "a role gatehouse made that the model dropped is deleted",
			desired: state.New(),
			live:    newWorld().role(role(client, "gatehouse-Admin", rootTrust, managed)).s,
			want:    []string{"- role/444444444444/gatehouse-Admin (" + reasonNoLongerInModel + ")"},
		},
		{
			name:    "a broken trust is flagged on the update that repairs it",
			desired: newWorld().role(role(prod, "EngineerAccess", exactTrust)).s,
			live:    newWorld().role(role(prod, "EngineerAccess", brokenTrust, managed)).s,
			want: []string{
				"~ role/333333333333/EngineerAccess [trust_policy]",
				"  note on role/333333333333/EngineerAccess: broken trust: trust statement 1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute(tt.desired, tt.live, Options{})
			if err != nil {
				t.Fatalf("Compute() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, roleLines(p)); diff != "" {
				t.Errorf("Compute() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestComputeBrokenTrustNoteSaysTheFix(t *testing.T) {
	t.Parallel()
	p, err := Compute(newWorld().role(role(prod, "EngineerAccess", exactTrust)).s,
		newWorld().role(role(prod, "EngineerAccess", brokenTrust, managed)).s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || len(p.Changes[0].Notes) != 1 {
		t.Fatalf("changes = %+v, want one update with one note", p.Changes)
	}
	note := p.Changes[0].Notes[0]
	for _, want := range []string{"AROA1234567890EXAMPLE", "deleted role", "fix: gatehouse apply rewrites the trust", "drop tighten: true"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q does not say %q", note, want)
		}
	}
}

func TestComputeConflictSaysWhatToDo(t *testing.T) {
	t.Parallel()
	p, err := Compute(newWorld().role(role(prod, "EngineerAccess", exactTrust)).s,
		newWorld().role(role(prod, "EngineerAccess", rootTrust, handMade)).s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Conflict{{
		Address: "role/333333333333/EngineerAccess", Kind: KindRole,
		Message: "role EngineerAccess in account 333333333333 exists and was not created by gatehouse (it has no gatehouse:managed=true tag): left untouched",
		Hint:    conflictRoleHint,
	}}
	if diff := cmp.Diff(want, p.Conflicts); diff != "" {
		t.Errorf("conflicts mismatch (-want +got):\n%s", diff)
	}
	if !p.Empty() || p.Summary.Total() != 0 {
		t.Errorf("a conflict must change nothing; plan has %+v", p.Summary)
	}
}

// TestComputeExternalAssignmentRemoved: an external account's assignment
// dropped from the model removes its three parts, the role there, the hop
// permission set and the hop assignment in the hub, as gatehouse made them.
func TestComputeExternalAssignmentRemoved(t *testing.T) {
	t.Parallel()
	hopSet := func(p *state.PermissionSet) {
		p.Managed = true
		p.InlinePolicy = `{"Version":"2012-10-17","Statement":[]}`
	}
	live := newWorld().group("Engineers").ps("abccorp-prod-Admin", hopSet).
		assign(hub, "abccorp-prod-Admin", "group:Engineers").
		role(role(client, "gatehouse-Admin", rootTrust, managed)).s
	desired := newWorld().group("Engineers").s
	p, err := Compute(desired, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"- permission_set/abccorp-prod-Admin (created by gatehouse, no longer in the model)",
		"- assignment/111111111111/abccorp-prod-Admin/group:Engineers (not in the model)",
		"- role/444444444444/gatehouse-Admin (" + reasonNoLongerInModel + ")",
	}
	if diff := cmp.Diff(want, roleLines(p)); diff != "" {
		t.Errorf("Compute() mismatch (-want +got):\n%s", diff)
	}
}

func TestComputeSAMLProviders(t *testing.T) {
	t.Parallel()
	meta, err := os.ReadFile("../trust/testdata/identity-center-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(meta)
	provider := func(edit ...func(*state.SAMLProvider)) state.SAMLProvider {
		p := state.SAMLProvider{AccountID: client, Name: "AWSIdentityCenter", MetadataDocument: doc, Tags: managedTags}
		for _, e := range edit {
			e(&p)
		}
		return p
	}
	live := func(p *state.SAMLProvider) {
		p.Managed = true
		p.ARN = "arn:aws:iam::444444444444:saml-provider/AWSIdentityCenter"
	}
	tests := []struct {
		name          string
		desired, live *state.State
		want          []string
	}{
		{"created", newWorld().saml(provider()).s, state.New(), []string{"+ saml_provider/444444444444/AWSIdentityCenter"}},
		{"in sync, whatever the document's layout", newWorld().saml(provider()).s,
			newWorld().saml(provider(live, func(p *state.SAMLProvider) { p.MetadataDocument = strings.ReplaceAll(doc, "\n", "\n ") })).s, nil},
		{"new metadata is an update", newWorld().saml(provider()).s,
			newWorld().saml(provider(live, func(p *state.SAMLProvider) {
				p.MetadataDocument = strings.Replace(doc, "portal.sso.", "portal.other.", 1)
			})).s,
			[]string{"~ saml_provider/444444444444/AWSIdentityCenter [metadata_document]"}},
		{"hand-made namesake is a conflict", newWorld().saml(provider()).s,
			newWorld().saml(provider(func(p *state.SAMLProvider) { p.Tags = nil })).s,
			[]string{"! saml_provider/444444444444/AWSIdentityCenter"}},
		{"dropped from the model is deleted", state.New(), newWorld().saml(provider(live)).s,
			[]string{"- saml_provider/444444444444/AWSIdentityCenter (" + reasonNoLongerInModel + ")"}},
		{"someone else's provider is left alone", state.New(), newWorld().saml(provider(func(p *state.SAMLProvider) { p.Name = "Okta"; p.Tags = nil })).s, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute(tt.desired, tt.live, Options{})
			if err != nil {
				t.Fatalf("Compute() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, roleLines(p)); diff != "" {
				t.Errorf("Compute() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRolePlanRoundTrip: a plan with role and SAML changes, conflicts and
// an IAM scope survives being saved and read back.
func TestRolePlanRoundTrip(t *testing.T) {
	t.Parallel()
	p, err := Compute(
		newWorld().role(role(prod, "EngineerAccess", exactTrust)).role(role(hub, "New", rootTrust)).
			saml(state.SAMLProvider{AccountID: client, Name: "P", MetadataDocument: "<x/>", Tags: managedTags}).s,
		newWorld().role(role(prod, "EngineerAccess", brokenTrust, managed)).role(role(client, "Old", rootTrust, managed)).s,
		Options{Scope: Scope{IAM: &IAMScope{ProvisioningRole: "OrganizationAccountAccessRole",
			Accounts:     []IAMAccount{{ID: hub, Name: "management", Roles: []string{"New"}}},
			SAMLMappings: []SAMLMapping{{Account: "abccorp", Value: "a,b"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(data)
	if err != nil {
		t.Fatalf("Unmarshal() error: %v\n%s", err, data)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("plan changed in a round trip (-before +after):\n%s", diff)
	}
	for _, c := range back.Changes {
		if c.Address == "role/333333333333/EngineerAccess" {
			if got := c.Role.After; got.TrustPolicy != exactTrust {
				t.Errorf("Role.After = %+v, want the desired role", got)
			}
		}
	}
}
