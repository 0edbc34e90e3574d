package directory

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseISODuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"PT1H", time.Hour, false},
		{"PT8H", 8 * time.Hour, false},
		{"PT1H30M", 90 * time.Minute, false},
		{"PT900S", 15 * time.Minute, false},
		{"P1D", 0, true},
		{"PT", 0, true},
		{"PTH", 0, true},
		{"PT1X", 0, true},
		{"PT99999999999H", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseISODuration(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v, bad=%v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestBuildEntitlements(t *testing.T) {
	t.Parallel()
	rows := []assignment{
		{"333333333333", "ps-ro"},
		{"222222222222", "ps-ro"},
		{"333333333333", "ps-ro"}, // via a group as well
		{"333333333333", "ps-admin"},
		{"333333333333", "ps-deleted"},
		{"444444444444", "ps-admin"}, // not in the organization
	}
	sets := map[string]PermissionSet{"ps-ro": {"ReadOnly", 8 * time.Hour}, "ps-admin": {"Admin", time.Hour}}
	accounts := map[string]Account{"333333333333": {"production", "p@x"}, "222222222222": {"staging", "s@x"}}
	got := buildEntitlements(rows, sets, accounts)
	want := []Entitlement{
		{"222222222222", "staging", "s@x", "ReadOnly", "ps-ro", 8 * time.Hour},
		{"333333333333", "production", "p@x", "Admin", "ps-admin", time.Hour},
		{"333333333333", "production", "p@x", "ReadOnly", "ps-ro", 8 * time.Hour},
		{"444444444444", "444444444444", "", "Admin", "ps-admin", time.Hour},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("buildEntitlements() mismatch (-want +got):\n%s", diff)
	}
}
