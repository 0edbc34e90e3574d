package bootstrap

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motoclient"
)

func TestParseRoleARN(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	for in, want := range map[string]string{"999999999999": "999999999998", "100000000000": "099999999999"} {
		if got := decrementID(in); got != want {
			t.Errorf("decrementID(%s) = %s, want %s", in, got, want)
		}
	}
	if got := emailFor("AbcCorp Prod"); got != "abccorp-prod@sandbox.example.com" {
		t.Errorf("emailFor = %s", got)
	}
	for in, want := range map[string]bool{"123456789012": true, "12345678901": false, "12345678901a": false} {
		if IsAccountID(in) != want {
			t.Errorf("IsAccountID(%q) = %v", in, !want)
		}
	}
}

func TestLayoutFromModel(t *testing.T) {
	t.Parallel()
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
	if noMgmt.Management.ID != motoclient.DefaultAccount || len(noMgmt.Members) != 1 {
		t.Errorf("a model without a management account: %+v", noMgmt)
	}
}

func TestLayoutCheck(t *testing.T) {
	t.Parallel()
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
