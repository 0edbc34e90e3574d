package credentials

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const registryYAML = `version: 1
external_accounts:
  - account_id: "444444444444"
    account_name: abccorp-prod
    role_name: Admin
    role_arn: arn:aws:iam::444444444444:role/gatehouse-Admin
    region: eu-west-2
    via:
      sso_account_id: "111111111111"
      sso_role_name: abccorp-prod-Admin
`

func TestLoadRegistry(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := []External{{AccountID: "444444444444", AccountName: "abccorp-prod", RoleName: "Admin", RoleARN: "arn:aws:iam::444444444444:role/gatehouse-Admin",
		Region: "eu-west-2", Via: Via{AccountID: "111111111111", RoleName: "abccorp-prod-Admin"}}}
	for _, p := range []string{
		write("r.yaml", registryYAML),
		write("r.json", `{"version":1,"external_accounts":[{"account_id":"444444444444","account_name":"abccorp-prod","role_name":"Admin",`+
			`"role_arn":"arn:aws:iam::444444444444:role/gatehouse-Admin","region":"eu-west-2","via":{"sso_account_id":"111111111111","sso_role_name":"abccorp-prod-Admin"}}]}`),
	} {
		got, err := LoadRegistry(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LoadRegistry(%s) mismatch (-want +got)\n%s", filepath.Base(p), diff)
		}
	}
	bad := []struct{ name, content, wantErr string }{
		{"unknown key", strings.Replace(registryYAML, "region:", "regoin:", 1), "regoin"},
		{"version", strings.Replace(registryYAML, "version: 1", "version: 2", 1), "version is 2"},
		{"account id and role arn", strings.Replace(registryYAML, `"444444444444"`, `"44"`, 1), `account_id "44" is not 12 digits; external_accounts[0]: role_arn`},
		{"no hop", strings.Replace(registryYAML, "sso_role_name: abccorp-prod-Admin", "sso_role_name: \"\"", 1), "via.sso_role_name is required"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadRegistry(write("bad.yaml", tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadRegistry error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

const externalModel = `version: 1
identity_center:
  region: us-east-1
  hub_account: management
accounts:
  management: { id: "111111111111" }
  production: { id: "333333333333" }
  abccorp-prod:
    id: "444444444444"
    external: true
    admin_role: arn:aws:iam::444444444444:role/AcmeProvisioner
  xyz-ltd:
    id: "555555555555"
    external: true
    tags: { client: xyz }
    admin_role: arn:aws:iam::555555555555:role/AcmeProvisioner
  xyz-old:
    id: "666666666666"
    external: true
    tags: { client: xyz }
    admin_role: arn:aws:iam::666666666666:role/AcmeProvisioner
users:
  alice: { email: alice@acme.com, given_name: Alice, family_name: Doe }
groups:
  Engineers: { members: [alice] }
permission_sets:
  ReadOnly: { managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }
  Admin: { managed_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"] }
assignments:
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: [production]
  - groups: [Engineers]
    permission_sets: [Admin, ReadOnly]
    accounts: [abccorp-prod]
  - groups: [Engineers]
    permission_sets: [ReadOnly]
    accounts: { tags: { client: xyz }, exclude: [xyz-old] }
  - groups: [Engineers]
    permission_sets: [Admin]
    accounts: all
`

func TestExternalsFromModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(path, []byte(externalModel), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadModelExternals(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []External{
		{AccountID: "444444444444", AccountName: "abccorp-prod", RoleName: "Admin", RoleARN: "arn:aws:iam::444444444444:role/gatehouse-Admin",
			Via: Via{AccountID: "111111111111", RoleName: "abccorp-prod-Admin"}},
		{AccountID: "444444444444", AccountName: "abccorp-prod", RoleName: "ReadOnly", RoleARN: "arn:aws:iam::444444444444:role/gatehouse-ReadOnly",
			Via: Via{AccountID: "111111111111", RoleName: "abccorp-prod-ReadOnly"}},
		{AccountID: "555555555555", AccountName: "xyz-ltd", RoleName: "ReadOnly", RoleARN: "arn:aws:iam::555555555555:role/gatehouse-ReadOnly",
			Via: Via{AccountID: "111111111111", RoleName: "xyz-ltd-ReadOnly"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadModelExternals() mismatch (-want +got)\n%s", diff)
	}

	// Only the externals whose hop the user holds are reachable.
	accounts := []Account{{ID: "111111111111", Name: "management", Roles: []string{"abccorp-prod-ReadOnly"}}}
	reach := Reachable(got, accounts)
	if len(reach) != 1 || reach[0].RoleName != "ReadOnly" {
		t.Errorf("Reachable = %+v", reach)
	}
	// Without a hub account, the hop matches in any account.
	any := []External{{AccountName: "x", RoleName: "R", Via: Via{RoleName: "abccorp-prod-ReadOnly"}}}
	if r := Reachable(any, accounts); len(r) != 1 || r[0].Via.AccountID != "111111111111" {
		t.Errorf("Reachable without hub = %+v", r)
	}

	if _, err := LoadModelExternals(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing model accepted")
	}
}
