package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
)

func TestPaginate(t *testing.T) {
	items := []int{1, 2, 3, 4, 5}
	var got [][]int
	start, pages := 0, 0
	for {
		page, next := paginate(items, start, 2)
		got = append(got, page)
		pages++
		if next == nil || pages > 10 {
			break
		}
		var perr *portalError
		start, _, perr = pageParams(*next, "2")
		if perr != nil {
			t.Fatal(perr)
		}
	}
	if diff := cmp.Diff([][]int{{1, 2}, {3, 4}, {5}}, got); diff != "" {
		t.Errorf("pages mismatch (-want +got):\n%s", diff)
	}
	if page, next := paginate([]int(nil), 0, 20); page == nil || len(page) != 0 || next != nil {
		t.Errorf("empty list: page %v next %v, want [] and no token", page, next)
	}
}

func TestPageParams(t *testing.T) {
	tests := []struct {
		token, max string
		start      int
		size       int
		bad        bool
	}{
		{"", "", 0, 20, false},
		{"", "100", 0, 100, false},
		{"", "0", 0, 0, true},
		{"", "101", 0, 0, true},
		{"", "ten", 0, 0, true},
		{"not-base64!", "", 0, 0, true},
		{"b2Zmc2V0OjQ", "", 4, 20, false}, // "offset:4"
		{"b2Zmc2V0Oi0x", "", 0, 0, true},  // "offset:-1"
	}
	for _, tt := range tests {
		start, size, perr := pageParams(tt.token, tt.max)
		if (perr != nil) != tt.bad {
			t.Errorf("pageParams(%q, %q) error = %v, want bad=%v", tt.token, tt.max, perr, tt.bad)
			continue
		}
		if !tt.bad && (start != tt.start || size != tt.size) {
			t.Errorf("pageParams(%q, %q) = %d, %d; want %d, %d", tt.token, tt.max, start, size, tt.start, tt.size)
		}
	}
}

func TestReservedRoleNaming(t *testing.T) {
	a := reservedRoleName("ReadOnly", "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "333333333333")
	b := reservedRoleName("ReadOnly", "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "222222222222")
	if !strings.HasPrefix(a, "AWSReservedSSO_ReadOnly_") || len(a) != len("AWSReservedSSO_ReadOnly_")+16 || strings.Trim(a[len(a)-16:], "0123456789abcdef") != "" {
		t.Errorf("role name %q is not AWSReservedSSO_ReadOnly_<16 hex>", a)
	}
	if a == b {
		t.Error("two accounts got the same suffix")
	}
	if a != reservedRoleName("ReadOnly", "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "333333333333") {
		t.Error("the suffix is not stable")
	}
	for region, want := range map[string]string{
		"":          "/aws-reserved/sso.amazonaws.com/",
		"us-east-1": "/aws-reserved/sso.amazonaws.com/",
		"eu-west-1": "/aws-reserved/sso.amazonaws.com/eu-west-1/",
	} {
		if got := reservedRolePath(region); got != want {
			t.Errorf("reservedRolePath(%q) = %q, want %q", region, got, want)
		}
	}
}

func TestParseISODuration(t *testing.T) {
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
		got, err := parseISODuration(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parseISODuration(%q) = %v, %v; want %v, bad=%v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestSessionName(t *testing.T) {
	for in, want := range map[string]string{
		"alice":                 "alice",
		"alice@example.com":     "alice@example.com",
		"a":                     "a-",
		"José Núñez":            "Jos--N--ez",
		strings.Repeat("x", 70): strings.Repeat("x", 64),
	} {
		if got := sessionName(in); got != want {
			t.Errorf("sessionName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildEntitlements(t *testing.T) {
	rows := []assignmentRow{
		{"333333333333", "ps-ro"},
		{"222222222222", "ps-ro"},
		{"333333333333", "ps-ro"}, // via a group as well
		{"333333333333", "ps-admin"},
		{"333333333333", "ps-deleted"},
		{"444444444444", "ps-admin"}, // not in the organization
	}
	sets := map[string]permissionSetInfo{"ps-ro": {"ReadOnly", 8 * time.Hour}, "ps-admin": {"Admin", time.Hour}}
	accounts := map[string]orgAccountInfo{"333333333333": {"production", "p@x"}, "222222222222": {"staging", "s@x"}}
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

func TestParseRoleARN(t *testing.T) {
	tests := []struct {
		arn                 string
		account, path, name string
		bad                 bool
	}{
		{"arn:aws:iam::444444444444:role/AcmeProvisioner", "444444444444", "/", "AcmeProvisioner", false},
		{"arn:aws:iam::444444444444:role/team/ops/Provisioner", "444444444444", "/team/ops/", "Provisioner", false},
		{"arn:aws:iam::4444:role/X", "", "", "", true},
		{"arn:aws:iam::444444444444:user/X", "", "", "", true},
		{"arn:aws:iam::444444444444:role/", "", "", "", true},
	}
	for _, tt := range tests {
		a, p, n, err := parseRoleARN(tt.arn)
		if (err != nil) != tt.bad || a != tt.account || p != tt.path || n != tt.name {
			t.Errorf("parseRoleARN(%q) = %q %q %q %v", tt.arn, a, p, n, err)
		}
	}
}

func TestSmallHelpers(t *testing.T) {
	for in, want := range map[string]string{"999999999999": "999999999998", "100000000000": "099999999999"} {
		if got := decrementID(in); got != want {
			t.Errorf("decrementID(%s) = %s, want %s", in, got, want)
		}
	}
	if got := emailFor("AbcCorp Prod"); got != "abccorp-prod@sandbox.example.com" {
		t.Errorf("emailFor = %s", got)
	}
	for in, want := range map[string]bool{"123456789012": true, "12345678901": false, "12345678901a": false} {
		if isAccountID(in) != want {
			t.Errorf("isAccountID(%q) = %v", in, !want)
		}
	}
}

func TestLayoutFromModel(t *testing.T) {
	m := &model.Model{
		IdentityCenter: model.IdentityCenter{HubAccount: "hub", Region: "eu-west-1"},
		Accounts: []model.Account{
			{Name: "hub", ID: "111111111111"},
			{Name: "prod", ID: "333333333333", OU: "Workloads/Prod", Tags: map[string]string{"env": "prod"}},
			{Name: "client", ID: "444444444444", External: true, AdminRole: "arn:aws:iam::444444444444:role/R"},
		},
	}
	want := Layout{
		Management:       LayoutAccount{Name: "hub", ID: "111111111111"},
		Members:          []LayoutAccount{{Name: "prod", ID: "333333333333", OU: "Workloads/Prod", Tags: map[string]string{"env": "prod"}}},
		External:         []LayoutAccount{{Name: "client", ID: "444444444444", AdminRole: "arn:aws:iam::444444444444:role/R"}},
		ProvisioningRole: "OrganizationAccountAccessRole",
		Region:           "eu-west-1",
	}
	if diff := cmp.Diff(want, LayoutFromModel(m)); diff != "" {
		t.Errorf("LayoutFromModel() mismatch (-want +got):\n%s", diff)
	}
	noMgmt := LayoutFromModel(&model.Model{Accounts: []model.Account{{Name: "prod", ID: "333333333333"}}})
	if noMgmt.Management.ID != DefaultManagementAccount || len(noMgmt.Members) != 1 {
		t.Errorf("a model without a management account: %+v", noMgmt)
	}
}

func TestLayoutCheck(t *testing.T) {
	mgmt := LayoutAccount{Name: "m", ID: "111111111111"}
	tests := []struct {
		name string
		l    Layout
		bad  bool
	}{
		{"fine", Layout{Management: mgmt, External: []LayoutAccount{{Name: "c", ID: "444444444444", AdminRole: "arn:aws:iam::444444444444:role/R"}}}, false},
		{"short id", Layout{Management: mgmt, Members: []LayoutAccount{{Name: "p", ID: "3333"}}}, true},
		{"duplicate id", Layout{Management: mgmt, Members: []LayoutAccount{{Name: "p", ID: "111111111111"}}}, true},
		{"admin role elsewhere", Layout{Management: mgmt, External: []LayoutAccount{{Name: "c", ID: "444444444444", AdminRole: "arn:aws:iam::555555555555:role/R"}}}, true},
		{"admin role not an ARN", Layout{Management: mgmt, External: []LayoutAccount{{Name: "c", ID: "444444444444", AdminRole: "R"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Check()
			if (err != nil) != tt.bad {
				t.Fatalf("Check() = %v, want bad=%v", err, tt.bad)
			}
			if err != nil && (!strings.Contains(err.Error(), "account") || (tt.name != "admin role not an ARN" && hint.Of(err) == "")) {
				t.Errorf("error %q does not name the account or lacks a hint", err)
			}
		})
	}
}
