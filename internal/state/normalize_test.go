package state

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestARNs(t *testing.T) {
	t.Parallel()
	tests := []struct{ got, want string }{
		{RootARN("111111111111"), "arn:aws:iam::111111111111:root"},
		{RoleARN("111111111111", "", "A"), "arn:aws:iam::111111111111:role/A"},
		{RoleARN("111111111111", "/ops/", "A"), "arn:aws:iam::111111111111:role/ops/A"},
		{PolicyARN("111111111111", "/", "Boundary"), "arn:aws:iam::111111111111:policy/Boundary"},
		{PolicyARN("111111111111", "/team/", "Deploy"), "arn:aws:iam::111111111111:policy/team/Deploy"},
		{SAMLProviderARN("444444444444", "AWSIdentityCenter"), "arn:aws:iam::444444444444:saml-provider/AWSIdentityCenter"},
		{(&Boundary{CustomerManaged: &PolicyRef{Name: "B", Path: "/x/"}}).ARN("222222222222"), "arn:aws:iam::222222222222:policy/x/B"},
		{(&Boundary{ManagedPolicyARN: "arn:aws:iam::aws:policy/PowerUserAccess"}).ARN("222222222222"), "arn:aws:iam::aws:policy/PowerUserAccess"},
		{(*Boundary)(nil).ARN("222222222222"), ""},
		{Role{AccountID: "1", Name: "R", Path: "/p/"}.ARN(), "arn:aws:iam::1:role/p/R"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestISODuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "PT1H"},
		{-time.Second, "PT1H"},
		{time.Hour, "PT1H"},
		{8 * time.Hour, "PT8H"},
		{90 * time.Minute, "PT1H30M"},
		{45 * time.Minute, "PT45M"},
		{time.Hour + 5*time.Second, "PT1H5S"},
		{12 * time.Hour, "PT12H"},
	}
	for _, tt := range tests {
		if got := ISODuration(tt.d); got != tt.want {
			t.Errorf("ISODuration(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestNormalizeDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":        "PT1H",
		"PT1H":    "PT1H",
		"PT60M":   "PT1H",
		"PT3600S": "PT1H",
		"PT1H30M": "PT1H30M",
		"PT90M":   "PT1H30M",
		"3600":    "PT1H", // an emulator's bare seconds
		"28800":   "PT8H",
		"PT":      "PT",  // unreadable: kept, so that a plan shows it
		"P1D":     "P1D", // days are not a session length Identity Center writes
		"soon":    "soon",
	} {
		if got := NormalizeDuration(in); got != want {
			t.Errorf("NormalizeDuration(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	t.Run("permission set", func(t *testing.T) {
		got := PermissionSet{
			Name:                    "Dev",
			SessionDuration:         "PT480M",
			ManagedPolicies:         []string{"b", "a", "b"},
			CustomerManagedPolicies: []PolicyRef{{Name: "Z"}, {Name: "A", Path: "/t/"}, {Name: "Z", Path: "/"}},
			PermissionsBoundary:     &Boundary{CustomerManaged: &PolicyRef{Name: "B"}},
			Tags:                    map[string]string{},
			OutdatedAccounts:        []string{"2", "1"},
		}.Normalize()
		want := PermissionSet{
			Name:                    "Dev",
			SessionDuration:         "PT8H",
			ManagedPolicies:         []string{"a", "b"},
			CustomerManagedPolicies: []PolicyRef{{Name: "Z", Path: "/"}, {Name: "A", Path: "/t/"}},
			PermissionsBoundary:     &Boundary{CustomerManaged: &PolicyRef{Name: "B", Path: "/"}},
			OutdatedAccounts:        []string{"1", "2"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Normalize() mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("permission set does not share the caller's boundary", func(t *testing.T) {
		b := &Boundary{CustomerManaged: &PolicyRef{Name: "B"}}
		_ = PermissionSet{PermissionsBoundary: b}.Normalize()
		if b.CustomerManaged.Path != "" {
			t.Errorf("Normalize changed the caller's boundary: %+v", b.CustomerManaged)
		}
	})
	t.Run("role", func(t *testing.T) {
		got := Role{Name: "R", ManagedPolicies: []string{"y", "x"}, InlinePolicies: map[string]string{}, Tags: map[string]string{}}.Normalize()
		want := Role{Name: "R", Path: "/", MaxSessionDuration: 3600, ManagedPolicies: []string{"x", "y"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Normalize() mismatch (-want +got):\n%s", diff)
		}
		kept := Role{Path: "/ops/", MaxSessionDuration: 7200}.Normalize()
		if kept.Path != "/ops/" || kept.MaxSessionDuration != 7200 {
			t.Errorf("Normalize() changed set values: %+v", kept)
		}
	})
	t.Run("user and group", func(t *testing.T) {
		if got := (User{GivenName: "Ada", FamilyName: "Lovelace"}).Normalize().DisplayName; got != "Ada Lovelace" {
			t.Errorf("display name = %q, want the given and family names", got)
		}
		if got := (User{DisplayName: "Countess", GivenName: "Ada"}).Normalize().DisplayName; got != "Countess" {
			t.Errorf("display name = %q, want the one set", got)
		}
		if diff := cmp.Diff([]string{"a", "b"}, (Group{Members: []string{"b", "a", "a"}}).Normalize().Members); diff != "" {
			t.Errorf("members mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestSortAssignments(t *testing.T) {
	t.Parallel()
	a := func(acct, ps, typ, name string) Assignment {
		return Assignment{AccountID: acct, PermissionSet: ps, PrincipalType: typ, PrincipalName: name}
	}
	got := SortAssignments([]Assignment{
		a("2", "A", PrincipalUser, "x"), a("1", "B", PrincipalGroup, "g"), a("1", "A", PrincipalUser, "x"),
		a("1", "A", PrincipalGroup, "g"), a("1", "A", PrincipalUser, "x"),
	})
	want := []Assignment{a("1", "A", PrincipalGroup, "g"), a("1", "A", PrincipalUser, "x"), a("1", "B", PrincipalGroup, "g"), a("2", "A", PrincipalUser, "x")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SortAssignments() mismatch (-want +got):\n%s", diff)
	}
	if p := a("1", "A", PrincipalGroup, "Engineers").Principal(); p != "group:Engineers" {
		t.Errorf("Principal() = %q", p)
	}
}

func TestSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"PT1H", 3600, true},
		{"PT8H", 28800, true},
		{"PT1H30M", 5400, true},
		{"PT90M", 5400, true},
		{"PT3600S", 3600, true},
		{"7200", 7200, true},
		{"PT", 0, false},
		{"P1D", 0, false},
		{"8h", 0, false},
		{"0", 0, false},
	}
	for _, tt := range tests {
		got, ok := Seconds(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Seconds(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
