package credentials

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

const resolveConfig = `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile member]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-central-1

[profile legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = Admin

[profile client]
source_profile = member
role_arn = arn:aws:iam::444444444444:role/gatehouse-Admin
external_id = xyz
duration_seconds = 7200

[profile client2]
source_profile = client
role_arn = arn:aws:iam::555555555555:role/deeper
role_session_name = alice
duration_seconds = 1800
region = ap-south-1

[profile proc]
credential_process = gatehouse credential-process --profile proc
gatehouse_sso_session = corp
gatehouse_sso_account_id = 333333333333
gatehouse_sso_role_name = Dev

[profile proc-chained]
credential_process = gatehouse credential-process --profile proc-chained
gatehouse_source_profile = proc
gatehouse_role_arn = arn:aws:iam::444444444444:role/gatehouse-Dev

[profile loop-a]
source_profile = loop-b
role_arn = arn:aws:iam::1:role/a
[profile loop-b]
source_profile = loop-a
role_arn = arn:aws:iam::1:role/b

[profile static]
aws_access_key_id = AKIA

[profile no-session]
sso_session = missing
sso_account_id = 1
sso_role_name = x

[profile mismatch]
sso_session = corp
sso_start_url = https://other/start
sso_account_id = 1
sso_role_name = x

[profile bad-duration]
source_profile = member
role_arn = arn:aws:iam::444444444444:role/x
duration_seconds = soon
`

func TestResolve(t *testing.T) {
	corp := ssologin.Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1", ConfiguredScopes: []string{"sso:account:access"}}
	member := Source{Profile: "member", Region: "eu-central-1", Session: corp, AccountID: "111111111111", RoleName: "ReadOnly"}
	client := Source{Profile: "client", Region: "eu-central-1", SourceProfile: "member", RoleARN: "arn:aws:iam::444444444444:role/gatehouse-Admin", ExternalID: "xyz", Duration: time.Hour}
	proc := Source{Profile: "proc", Session: corp, AccountID: "333333333333", RoleName: "Dev"}
	tests := []struct {
		profile string
		want    []Source
		wantErr string
	}{
		{profile: "member", want: []Source{member}},
		{profile: "legacy", want: []Source{{Profile: "legacy", Session: ssologin.Session{StartURL: "https://old.awsapps.com/start", Region: "us-east-1"}, AccountID: "222222222222", RoleName: "Admin"}}},
		{profile: "client", want: []Source{member, client}},
		{profile: "client2", want: []Source{member, client, {Profile: "client2", Region: "ap-south-1", SourceProfile: "client", RoleARN: "arn:aws:iam::555555555555:role/deeper", SessionName: "alice", Duration: 30 * time.Minute}}},
		{profile: "proc", want: []Source{proc}},
		{profile: "proc-chained", want: []Source{proc, {Profile: "proc-chained", SourceProfile: "proc", RoleARN: "arn:aws:iam::444444444444:role/gatehouse-Dev", Duration: time.Hour}}},
		{profile: "loop-a", wantErr: "source_profile loops back to loop-a"},
		{profile: "static", wantErr: "neither sso_account_id"},
		{profile: "missing", wantErr: "profile missing is not in the AWS config file"},
		{profile: "no-session", wantErr: "sso-session missing is not in the AWS config file"},
		{profile: "mismatch", wantErr: "differs from the sso-session's"},
		{profile: "bad-duration", wantErr: `duration_seconds "soon"`},
	}
	f := awsconfig.Parse([]byte(resolveConfig))
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			got, err := Resolve(f, tt.profile)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve error = %v, want %q", err, tt.wantErr)
				}
				if hint.Of(err) == "" {
					t.Errorf("error %q has no hint", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve() mismatch (-want +got)\n%s", diff)
			}
		})
	}
}

func TestSessionNames(t *testing.T) {
	long := strings.Repeat("x", 60) + "@example.com"
	tests := []struct {
		user, session, source string
	}{
		{"alice", "gatehouse-alice", "alice"},
		{"alice.doe@example.com", "gatehouse-alice.doe@example.com", "alice.doe@example.com"},
		{"", "gatehouse", ""},
		{"a", "gatehouse-a", ""}, // a source identity has at least 2 characters
		{"DOMAIN\\bob smith", "gatehouse-DOMAIN-bob-smith", "DOMAIN-bob-smith"},
		{strings.Repeat("x", 54), "gatehouse-" + strings.Repeat("x", 54), strings.Repeat("x", 54)},
		// Too long with the prefix: the user name alone, cut at 64.
		{strings.Repeat("x", 55), strings.Repeat("x", 55), strings.Repeat("x", 55)},
		{long, long[:64], long[:64]},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			if got := DefaultSessionName(tt.user); got != tt.session {
				t.Errorf("DefaultSessionName(%q) = %q, want %q", tt.user, got, tt.session)
			}
			if got := SourceIdentity(tt.user); got != tt.source {
				t.Errorf("SourceIdentity(%q) = %q, want %q", tt.user, got, tt.source)
			}
		})
	}
}

func TestSessionOfARN(t *testing.T) {
	tests := []struct {
		arn, want string
		ok        bool
	}{
		{"arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/alice", "alice", true},
		{"arn:aws:sts::111111111111:assumed-role/path/to/Role/alice.doe@example.com", "alice.doe@example.com", true},
		{"arn:aws-us-gov:sts::111111111111:assumed-role/R/bob", "bob", true},
		{"arn:aws:iam::111111111111:user/alice", "", false},
		{"arn:aws:sts::111111111111:assumed-role/R/", "", false},
		{"arn:aws:sts::111111111111:assumed-role/R", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			got, ok := SessionOfARN(tt.arn)
			if got != tt.want || ok != tt.ok {
				t.Errorf("SessionOfARN(%q) = %q, %v; want %q, %v", tt.arn, got, ok, tt.want, tt.ok)
			}
		})
	}
}
func TestPickable(t *testing.T) {
	f := awsconfig.Parse([]byte("[default]\nregion = x\n[sso-session s]\nsso_start_url = u\nsso_region = r\n" +
		"[profile a]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n[profile keys]\naws_access_key_id = AKIA\n" +
		"[profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::2:role/x\n"))
	if diff := cmp.Diff([]string{"a", "b"}, Pickable(f)); diff != "" {
		t.Errorf("Pickable() mismatch (-want +got)\n%s", diff)
	}
}
