package credentials

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

var (
	profSession = ssologin.Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1"}
	profAccts   = []Account{
		{ID: "111111111111", Name: "management", Roles: []string{"abccorp-prod-Admin", "ReadOnly"}},
		{ID: "222222222222", Name: "Prod EU", Roles: []string{"Admin"}},
	}
	profExts = []External{
		{AccountID: "444444444444", AccountName: "abccorp-prod", RoleName: "Admin", RoleARN: "arn:aws:iam::444444444444:role/gatehouse-Admin",
			Via: Via{AccountID: "111111111111", RoleName: "abccorp-prod-Admin"}},
		{AccountID: "555555555555", AccountName: "unreached", RoleName: "Admin", RoleARN: "arn:aws:iam::555555555555:role/gatehouse-Admin",
			Via: Via{AccountID: "111111111111", RoleName: "not-mine"}},
	}
)

func TestBuildProfiles(t *testing.T) {
	sections, made, err := BuildProfiles(profAccts, profExts, ProfileOptions{Session: profSession, WriteSession: true, UserName: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := awsconfig.Render(sections)
	if err != nil {
		t.Fatal(err)
	}
	want := `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

# management (111111111111), abccorp-prod-Admin
[profile management/abccorp-prod-Admin]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = abccorp-prod-Admin
region = eu-west-1

# management (111111111111), ReadOnly
[profile management/ReadOnly]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

# Prod EU (222222222222), Admin
[profile Prod-EU/Admin]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Admin
region = eu-west-1

# abccorp-prod (444444444444), Admin: external, through management/abccorp-prod-Admin
[profile abccorp-prod/Admin]
source_profile = management/abccorp-prod-Admin
role_arn = arn:aws:iam::444444444444:role/gatehouse-Admin
role_session_name = gatehouse-alice@example.com
sso_session = corp
region = eu-west-1
`
	if diff := cmp.Diff(want, string(body)); diff != "" {
		t.Errorf("BuildProfiles() mismatch (-want +got)\n%s", diff)
	}
	if len(made) != 4 || made[3].Source != "management/abccorp-prod-Admin" {
		t.Errorf("generated = %+v", made)
	}

	// The Go SDK reads the profiles back as written (our file is its input).
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	ext, err := config.LoadSharedConfigProfile(context.Background(), "abccorp-prod/Admin", func(o *config.LoadSharedConfigOptions) { o.ConfigFiles = []string{path} })
	if err != nil {
		t.Fatal(err)
	}
	if ext.RoleARN != "arn:aws:iam::444444444444:role/gatehouse-Admin" || ext.SourceProfileName != "management/abccorp-prod-Admin" || ext.RoleSessionName != "gatehouse-alice@example.com" {
		t.Errorf("SDK read chained profile as %+v", ext)
	}
	sso, err := config.LoadSharedConfigProfile(context.Background(), "Prod-EU/Admin", func(o *config.LoadSharedConfigOptions) { o.ConfigFiles = []string{path} })
	if err != nil {
		t.Fatal(err)
	}
	if sso.SSOSessionName != "corp" || sso.SSOSession == nil || sso.SSOSession.SSOStartURL != profSession.StartURL || sso.SSOAccountID != "222222222222" {
		t.Errorf("SDK read SSO profile as %+v", sso)
	}
}

func TestBuildProcessProfiles(t *testing.T) {
	sections, _, err := BuildProfiles(profAccts[:1], profExts, ProfileOptions{Session: profSession, ProcessCommand: ProcessCommand("/opt/my tools/gatehouse"), Region: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := awsconfig.Render(sections)
	if err != nil {
		t.Fatal(err)
	}
	f := awsconfig.Parse(body)
	p, ok := f.Profile("abccorp-prod/Admin")
	if !ok {
		t.Fatal("chained process profile missing")
	}
	if got := p.Value("credential_process"); got != `"/opt/my tools/gatehouse" credential-process --profile abccorp-prod/Admin` {
		t.Errorf("credential_process = %q", got)
	}
	if p.Value("source_profile") != "" || p.Value("gatehouse_source_profile") != "management/abccorp-prod-Admin" {
		t.Errorf("chaining keys not moved behind gatehouse_: %+v", p.Keys)
	}
	if _, ok := f.SSOSession("corp"); ok {
		t.Error("sso-session written although WriteSession is false")
	}
	// gatehouse resolves what it wrote (with the session defined elsewhere).
	withSession := append([]byte("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"), body...)
	chain, err := Resolve(awsconfig.Parse(withSession), "abccorp-prod/Admin")
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || chain[0].AccountID != "111111111111" || chain[0].RoleName != "abccorp-prod-Admin" || chain[1].Region != "us-west-2" {
		t.Errorf("Resolve(process profile) = %+v", chain)
	}
}

func TestBuildProfilesErrors(t *testing.T) {
	tests := []struct {
		name    string
		accts   []Account
		opts    ProfileOptions
		wantErr string
	}{
		{"collision from the template", profAccts, ProfileOptions{Session: profSession, Template: "{{.Session}}"},
			"profile name corp is given to both"},
		{"collision after making names safe", []Account{{ID: "1", Name: "a b", Roles: []string{"R"}}, {ID: "2", Name: "a-b", Roles: []string{"R"}}}, ProfileOptions{Session: profSession},
			"profile name a-b/R is given to both"},
		{"bad template", profAccts, ProfileOptions{Session: profSession, Template: "{{.Nope"}, "profile name template"},
		{"unknown field", profAccts, ProfileOptions{Session: profSession, Template: "{{.Nope}}"}, "profile name template"},
		{"empty name", profAccts, ProfileOptions{Session: profSession, Template: "  "}, "empty name"},
		{"no session name", profAccts, ProfileOptions{}, "sso-session name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := BuildProfiles(tt.accts, nil, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("BuildProfiles error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCollisions(t *testing.T) {
	f := awsconfig.Parse([]byte("[profile management/ReadOnly]\n[default]\n" + awsconfig.BeginMarker + "\n[profile Prod-EU/Admin]\n" + awsconfig.EndMarker + "\n"))
	sections, _, err := BuildProfiles(profAccts, nil, ProfileOptions{Session: profSession})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"management/ReadOnly"}, Collisions(f, sections)); diff != "" {
		t.Errorf("Collisions() mismatch (-want +got)\n%s", diff)
	}
}

func TestProcessCommand(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/usr/local/bin/gatehouse-credential-process", "/usr/local/bin/gatehouse-credential-process"},
		{`C:\Program Files\gatehouse\gatehouse-credential-process.exe`, `"C:\Program Files\gatehouse\gatehouse-credential-process.exe"`},
		{"/usr/local/bin/gatehouse", "/usr/local/bin/gatehouse credential-process"},
		{"/opt/my tools/gatehouse", `"/opt/my tools/gatehouse" credential-process`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := ProcessCommand(tt.path); got != tt.want {
				t.Errorf("ProcessCommand(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}
