package reserved

import (
	"strings"
	"testing"
)

func TestReservedRoleNaming(t *testing.T) {
	t.Parallel()
	a := Name("ReadOnly", "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "333333333333")
	b := Name("ReadOnly", "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "222222222222")
	if !strings.HasPrefix(a, "AWSReservedSSO_ReadOnly_") || len(a) != len("AWSReservedSSO_ReadOnly_")+16 || strings.Trim(a[len(a)-16:], "0123456789abcdef") != "" {
		t.Errorf("role name %q is not AWSReservedSSO_ReadOnly_<16 hex>", a)
	}
	if a == b {
		t.Error("two accounts got the same suffix")
	}
	if a != Name("ReadOnly", "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "333333333333") {
		t.Error("the suffix is not stable")
	}
	for region, want := range map[string]string{
		"":          "/aws-reserved/sso.amazonaws.com/",
		"us-east-1": "/aws-reserved/sso.amazonaws.com/",
		"eu-west-1": "/aws-reserved/sso.amazonaws.com/eu-west-1/",
	} {
		if got := Path(region); got != want {
			t.Errorf("Path(%q) = %q, want %q", region, got, want)
		}
	}
}

func TestSessionName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"alice":                 "alice",
		"alice@example.com":     "alice@example.com",
		"a":                     "a-",
		"José Núñez":            "Jos--N--ez",
		strings.Repeat("x", 70): strings.Repeat("x", 64),
	} {
		if got := SessionName(in); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}
