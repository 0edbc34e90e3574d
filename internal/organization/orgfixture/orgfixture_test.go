package orgfixture

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       Spec
		wantErr    string
	}{
		{
			name: "everything",
			spec: `# comment
ou Workloads/Prod
account production ou=Workloads/Prod tag:env=prod tag:team=core  # trailing comment
account old ou=Sandbox suspended
management tag:env=mgmt
`,
			want: Spec{
				OUs: []string{"Workloads", "Workloads/Prod", "Sandbox"},
				Accounts: []Account{
					{Name: "production", OU: "Workloads/Prod", Tags: map[string]string{"env": "prod", "team": "core"}},
					{Name: "old", OU: "Sandbox", Suspended: true},
				},
				ManagementTags: map[string]string{"env": "mgmt"},
			},
		},
		{name: "empty", spec: "\n# nothing\n", want: Spec{}},
		{name: "unknown directive", spec: "acount x", wantErr: "line 1: unknown directive \"acount\""},
		{name: "bad ou", spec: "\nou Workloads//Prod", wantErr: "line 2: want `ou Path/Of/OU`"},
		{name: "bad tag", spec: "account a tag:=x", wantErr: "want tag:KEY=VALUE"},
		{name: "duplicate account", spec: "account a\naccount a", wantErr: "line 2: account a appears twice"},
		{name: "unknown option", spec: "account a closed", wantErr: "unknown option \"closed\""},
		{name: "bad management", spec: "management env=x", wantErr: "want `management tag:KEY=VALUE...`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	f := Fixture{OrgID: "o-abc", ManagementID: "123456789012", Accounts: map[string]string{"eu-prod": "222222222222"}}
	want := map[string]string{"ORG_ID": "o-abc", "MANAGEMENT_ACCOUNT": "123456789012", "ACCOUNT_eu_prod": "222222222222"}
	if diff := cmp.Diff(want, f.Env()); diff != "" {
		t.Errorf("Env() mismatch (-want +got):\n%s", diff)
	}
}
