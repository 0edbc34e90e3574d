package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

const (
	prod = "333333333333"
	dev  = "222222222222"
)

// world builds a State from short descriptions so that each case reads as
// what it is about.
type world struct{ s *state.State }

func newWorld() *world { return &world{s: state.New()} }

func (w *world) user(name string) *world {
	w.s.Users[name] = state.User{UserName: name, DisplayName: name + " Doe", GivenName: name, FamilyName: "Doe", Email: name + "@example.com", ID: "id-" + name}
	return w
}

func (w *world) group(name string, members ...string) *world {
	w.s.Groups[name] = state.Group{DisplayName: name, Description: name + " team", Members: members, ID: "gid-" + name}.Normalize()
	return w
}

func (w *world) ps(name string, edit ...func(*state.PermissionSet)) *world {
	p := state.PermissionSet{Name: name, SessionDuration: "PT1H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, ARN: "arn:ps-" + name}
	for _, e := range edit {
		e(&p)
	}
	w.s.PermissionSets[name] = p.Normalize()
	return w
}

func (w *world) assign(account, ps, principal string) *world {
	typ, name, _ := strings.Cut(principal, ":")
	w.s.Assignments = append(w.s.Assignments, state.Assignment{AccountID: account, PermissionSet: ps, PrincipalType: strings.ToUpper(typ), PrincipalName: name})
	return w
}

func inline(doc string) func(*state.PermissionSet) {
	return func(p *state.PermissionSet) { p.InlinePolicy = doc }
}

// base is a small model: alice in Engineers, ReadOnly in prod and dev.
func base() *world {
	return newWorld().user("alice").group("Engineers", "alice").ps("ReadOnly").
		assign(prod, "ReadOnly", "group:Engineers").assign(dev, "ReadOnly", "group:Engineers")
}

// lines writes a plan as one line per change ("+ user/alice", "~ x
// [field,...]", "- y (reason)") and per unmanaged object ("? z").
func lines(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		l := c.Action.Symbol() + " " + string(c.Address)
		if len(c.Fields) > 0 {
			var names []string
			for _, f := range c.Fields {
				names = append(names, f.Name)
			}
			l += " [" + strings.Join(names, ",") + "]"
		}
		if c.Reason != "" {
			l += " (" + c.Reason + ")"
		}
		out = append(out, l)
	}
	for _, u := range p.Unmanaged {
		out = append(out, "? "+string(u.Address))
	}
	return out
}

func TestCompute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		desired, live *state.State
		opts          Options
		want          []string
	}{
		{
			name:    "empty on both sides",
			desired: state.New(), live: state.New(),
		},
		{
			name:    "from empty, everything is created in apply order",
			desired: base().s, live: state.New(),
			want: []string{
				"+ user/alice",
				"+ group/Engineers",
				"+ membership/Engineers/alice",
				"+ permission_set/ReadOnly",
				"+ assignment/222222222222/ReadOnly/group:Engineers",
				"+ assignment/333333333333/ReadOnly/group:Engineers",
			},
		},
		{
			name:    "in sync",
			desired: base().s, live: base().s,
		},
		{
			name:    "user attributes change",
			desired: base().s,
			live: func() *state.State {
				w := base()
				u := w.s.Users["alice"]
				u.Email, u.DisplayName = "old@example.com", "Al"
				w.s.Users["alice"] = u
				return w.s
			}(),
			want: []string{"~ user/alice [display_name,email]"},
		},
		{
			name:    "a user made by hand is unmanaged",
			desired: base().s, live: base().user("mallory").s,
			want: []string{"? user/mallory"},
		},
		{
			name:    "--prune deletes unmanaged objects",
			desired: base().s,
			live:    base().user("mallory").group("Ops").ps("Manual").assign(prod, "Manual", "user:mallory").s,
			opts:    Options{Prune: true},
			want: []string{
				"- user/mallory (unmanaged, removed by --prune)",
				"- group/Ops (unmanaged, removed by --prune)",
				"- permission_set/Manual (unmanaged, removed by --prune)",
				"- assignment/333333333333/Manual/user:mallory (unmanaged, removed by --prune)",
			},
		},
		{
			name:    "a console-made assignment of a managed permission set is drift",
			desired: base().s, live: base().user("bob").assign(prod, "ReadOnly", "user:bob").s,
			want: []string{
				"- assignment/333333333333/ReadOnly/user:bob (not in the model)",
				"? user/bob",
			},
		},
		{
			name:    "an assignment of an unmanaged permission set is unmanaged",
			desired: base().s, live: base().ps("Manual").assign(prod, "Manual", "group:Engineers").s,
			want: []string{"? permission_set/Manual", "? assignment/333333333333/Manual/group:Engineers"},
		},
		{
			name:    "membership added and removed",
			desired: base().user("bob").group("Engineers", "bob").s,
			live:    base().user("bob").s,
			want:    []string{"- membership/Engineers/alice (not a member in the model)", "+ membership/Engineers/bob"},
		},
		{
			name:    "members of a group being created",
			desired: base().group("Ops", "alice").s,
			live:    base().s,
			want:    []string{"+ group/Ops", "+ membership/Ops/alice"},
		},
		{
			name:    "a policy change is provisioned to accounts that keep the set",
			desired: newWorld().group("Engineers").ps("ReadOnly", inline(`{"Statement":[]}`)).assign(prod, "ReadOnly", "group:Engineers").s,
			live:    newWorld().group("Engineers").ps("ReadOnly").assign(prod, "ReadOnly", "group:Engineers").assign(dev, "ReadOnly", "group:Engineers").s,
			want: []string{
				"~ permission_set/ReadOnly [inline_policy]",
				"+ provision/ReadOnly/333333333333 (the permission set changes)",
				"- assignment/222222222222/ReadOnly/group:Engineers (not in the model)",
			},
		},
		{
			name:    "a tag change needs no provisioning",
			desired: base().ps("ReadOnly", func(p *state.PermissionSet) { p.Tags = map[string]string{"team": "a"} }).s,
			live:    base().s,
			want:    []string{"~ permission_set/ReadOnly [tags]"},
		},
		{
			name: "unread tags and boundary are not compared",
			desired: base().ps("ReadOnly", func(p *state.PermissionSet) {
				p.Tags = map[string]string{"team": "a"}
				p.PermissionsBoundary = &state.Boundary{ManagedPolicyARN: "arn:b"}
			}).s,
			live: base().s,
			opts: Options{Scope: Scope{Unread: []string{UnreadTags, UnreadBoundary}}},
		},
		{
			name:    "out-of-date accounts are provisioned, except those losing the set",
			desired: newWorld().group("G").ps("ReadOnly").assign(prod, "ReadOnly", "group:G").s,
			live: newWorld().group("G").ps("ReadOnly", func(p *state.PermissionSet) { p.OutdatedAccounts = []string{"444444444444", dev, prod} }).
				assign(prod, "ReadOnly", "group:G").assign(dev, "ReadOnly", "group:G").s,
			want: []string{
				"+ provision/ReadOnly/333333333333 (the account has an out-of-date version)",
				"+ provision/ReadOnly/444444444444 (the account has an out-of-date version)",
				"- assignment/222222222222/ReadOnly/group:G (not in the model)",
			},
		},
		{
			name:    "equal session durations in other words",
			desired: base().ps("ReadOnly", func(p *state.PermissionSet) { p.SessionDuration = "PT1H" }).s,
			live:    base().ps("ReadOnly", func(p *state.PermissionSet) { p.SessionDuration = "PT60M" }).s,
		},
		{
			name: "every attribute of a permission set is compared",
			desired: base().ps("ReadOnly", func(p *state.PermissionSet) {
				p.Description, p.SessionDuration, p.RelayState = "d", "PT8H", "https://console"
				p.ManagedPolicies = []string{"arn:aws:iam::aws:policy/ViewOnlyAccess"}
				p.CustomerManagedPolicies = []state.PolicyRef{{Name: "Extra", Path: "/team/"}}
				p.PermissionsBoundary = &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "Fence", Path: "/"}}
				p.InlinePolicy = `{"Version":"2012-10-17"}`
				p.Tags = map[string]string{"k": "v"}
			}).s,
			live: base().s,
			want: []string{
				"~ permission_set/ReadOnly [description,session_duration,relay_state,managed_policies,customer_managed_policies,permissions_boundary,inline_policy,tags]",
				"+ provision/ReadOnly/222222222222 (the permission set changes)",
				"+ provision/ReadOnly/333333333333 (the permission set changes)",
			},
		},
		{
			name:    "a permission set gatehouse created and the model dropped is deleted",
			desired: newWorld().s,
			live: newWorld().group("G").ps("Old", func(p *state.PermissionSet) { p.Managed = true }).
				assign(prod, "Old", "group:G").s,
			want: []string{
				"- permission_set/Old (created by gatehouse, no longer in the model)",
				"- assignment/333333333333/Old/group:G (not in the model)",
				"? group/G",
			},
		},
		{
			name:    "external identity source: users and groups are never changed",
			desired: base().s,
			live: func() *state.State {
				w := base().user("scim-user")
				g := w.s.Groups["Engineers"]
				g.Members, g.Description = nil, "from the IdP"
				w.s.Groups["Engineers"] = g
				return w.s
			}(),
			opts: Options{Scope: Scope{IdentitySource: IdentitySourceExternal}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute(tt.desired, tt.live, tt.opts)
			if err != nil {
				t.Fatalf("Compute: %v", err)
			}
			if diff := cmp.Diff(tt.want, lines(p)); diff != "" {
				t.Errorf("Compute() mismatch (-want +got):\n%s", diff)
			}
			if got, want := p.Summary, Summarize(p.Changes, len(p.Unmanaged)); got != want {
				t.Errorf("Summary = %+v, want %+v", got, want)
			}
		})
	}
}

func TestComputeExternalMissing(t *testing.T) {
	t.Parallel()
	desired := base().user("bob").group("Ops").s
	live := base().s
	_, err := Compute(desired, live, Options{Scope: Scope{IdentitySource: IdentitySourceExternal}})
	if err == nil {
		t.Fatal("Compute: no error for principals missing from an external identity source")
	}
	want := "identity_source is external and the Identity Store has no user bob, group Ops"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if hint.Of(err) == "" {
		t.Error("error has no hint")
	}
}

func TestComputeUpdateCarriesIDs(t *testing.T) {
	t.Parallel()
	desired := base().ps("ReadOnly", inline(`{"a":1}`)).s
	live := base().s
	p, err := Compute(desired, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Changes[0]
	if c.PermissionSet.After.ARN != "arn:ps-ReadOnly" || c.PermissionSet.Before.ARN != "arn:ps-ReadOnly" {
		t.Errorf("update sides lost the live ARN: before %q after %q", c.PermissionSet.Before.ARN, c.PermissionSet.After.ARN)
	}
	if diff := cmp.Diff([]Field{{Name: "inline_policy", After: `{"a":1}`}}, c.Fields); diff != "" {
		t.Errorf("Fields mismatch (-want +got):\n%s", diff)
	}
}

func TestAddresses(t *testing.T) {
	t.Parallel()
	a := state.Assignment{AccountID: prod, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"}
	got := []Address{
		AssignmentAddress(a), UserAddress("alice"), GroupAddress("Engineers"), MembershipAddress("Engineers", "alice"),
		PermissionSetAddress("ReadOnly"), ProvisionAddress("ReadOnly", prod), RoleAddress(prod, "EngineerAccess"),
	}
	want := []Address{
		"assignment/333333333333/ReadOnly/group:Engineers", "user/alice", "group/Engineers", "membership/Engineers/alice",
		"permission_set/ReadOnly", "provision/ReadOnly/333333333333", "role/333333333333/EngineerAccess",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("addresses mismatch (-want +got):\n%s", diff)
	}
}
