package trust

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var permissionSetName = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)

func TestHopSetName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		account, set, want string
	}{
		{"abccorp-prod", "Admin", "abccorp-prod-Admin"},
		{"abccorp-prod", "ReadOnly", "abccorp-prod-ReadOnly"},
		{"abc corp/prod", "Admin", "abc-corp-prod-Admin"},
		{"exactly-twenty-six-chars-x", "Admin", "exactly-twenty-six-chars-x-Admin"},
		{"a-client-with-a-rather-long-name", "Admin", "a-client-with-a-rather-lo-3084cd"},
		{"a-client-with-a-rather-long-name", "ReadOnly", "a-client-with-a-rather-lo-e7edc5"},
		{"client", "AVeryLongPermissionSetNameOf32Ch", "client-AVeryLongPermissio-711355"},
	}
	for _, tt := range tests {
		t.Run(tt.account+"/"+tt.set, func(t *testing.T) {
			got := HopSetName(tt.account, tt.set)
			if got != tt.want {
				t.Errorf("HopSetName(%q, %q) = %q, want %q", tt.account, tt.set, got, tt.want)
			}
			if !permissionSetName.MatchString(got) {
				t.Errorf("HopSetName(%q, %q) = %q, not a valid permission set name", tt.account, tt.set, got)
			}
		})
	}
}

func TestHopSetNameStaysDistinct(t *testing.T) {
	t.Parallel()
	// Long names sharing their first 25 characters must not collide.
	seen := map[string]string{}
	for _, acct := range []string{"a-client-with-a-rather-long-name-1", "a-client-with-a-rather-long-name-2", "a-client-with-a-rather-long-name-3"} {
		for _, set := range []string{"Admin", "ReadOnly", "PowerUser"} {
			n := HopSetName(acct, set)
			if prev, dup := seen[n]; dup {
				t.Errorf("HopSetName(%s, %s) = %s, same as for %s", acct, set, n, prev)
			}
			seen[n] = acct + "/" + set
		}
	}
}

func TestHopRoleName(t *testing.T) {
	t.Parallel()
	if got, want := HopRoleName("AVeryLongPermissionSetNameOf32Ch"), "gatehouse-AVeryLongPermissionSetNameOf32Ch"; got != want || len(got) > 64 {
		t.Errorf("HopRoleName() = %q, want %q", got, want)
	}
}

func TestSSORolePatterns(t *testing.T) {
	t.Parallel()
	want := []string{
		"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_*",
		"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*",
	}
	if diff := cmp.Diff(want, SSORolePatterns("111111111111", "Admin")); diff != "" {
		t.Errorf("SSORolePatterns() mismatch (-want +got):\n%s", diff)
	}
}
