package awsconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSections(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Section
	}{
		{
			name: "profiles, sessions, default, comments",
			in: `# my config
[default]
region = eu-west-1

; a comment
[profile dev]
sso_session = corp
SSO_Account_ID=111111111111
sso_role_name: Admin
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`,
			want: []Section{
				{Kind: KindDefault, Name: "default", Line: 2, Keys: []KeyValue{{Key: "region", Value: "eu-west-1", Line: 3}}},
				{Kind: KindProfile, Name: "dev", Line: 6, Keys: []KeyValue{
					{Key: "sso_session", Value: "corp", Line: 7},
					{Key: "sso_account_id", Value: "111111111111", Line: 8},
					{Key: "sso_role_name", Value: "Admin", Line: 9},
				}},
				{Kind: KindSSOSession, Name: "corp", Line: 10, Keys: []KeyValue{
					{Key: "sso_start_url", Value: "https://corp.awsapps.com/start", Line: 11},
					{Key: "sso_region", Value: "us-east-1", Line: 12},
				}},
			},
		},
		{
			name: "nested s3 block and CRLF without final newline",
			in:   "[profile x]\r\ns3 =\r\n  max_concurrent_requests = 20\r\n  addressing_style = path\r\nregion = us-east-2",
			want: []Section{
				{Kind: KindProfile, Name: "x", Line: 1, Keys: []KeyValue{
					{Key: "s3", Value: "", Nested: []string{"max_concurrent_requests = 20", "addressing_style = path"}, Line: 2},
					{Key: "region", Value: "us-east-2", Line: 5},
				}},
			},
		},
		{
			name: "quoted profile name, keys before any header, garbage lines",
			in:   "orphan = 1\n[profile \"my name\"]\nnot a key\nk = v = w\n[services s]\nsts =\n  endpoint_url = http://x\n",
			want: []Section{
				{Kind: KindProfile, Name: "my name", Line: 2, Keys: []KeyValue{{Key: "k", Value: "v = w", Line: 4}}},
				{Kind: KindServices, Name: "s", Line: 5, Keys: []KeyValue{{Key: "sts", Nested: []string{"endpoint_url = http://x"}, Line: 6}}},
			},
		},
		{
			name: "managed block",
			in:   "[profile a]\n" + beginLine + "\n[profile b]\nregion = x\n" + endLine + "\n[profile c]\n",
			want: []Section{
				{Kind: KindProfile, Name: "a", Line: 1},
				{Kind: KindProfile, Name: "b", Line: 3, Managed: true, Keys: []KeyValue{{Key: "region", Value: "x", Line: 4}}},
				{Kind: KindProfile, Name: "c", Line: 6},
			},
		},
		{name: "empty", in: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse([]byte(tt.in))
			if diff := cmp.Diff(tt.want, f.Sections()); diff != "" {
				t.Errorf("Sections() mismatch (-want +got)\n%s", diff)
			}
			if got := string(f.Bytes()); got != tt.in {
				t.Errorf("Bytes() = %q, want the input back", got)
			}
		})
	}
}

func TestLookups(t *testing.T) {
	f := Parse([]byte("[default]\nregion = a\n[profile p]\nRegion = b\n[sso-session s]\nsso_region = c\n[sso-session t]\n"))
	if s, ok := f.Profile("default"); !ok || s.Value("region") != "a" {
		t.Errorf("Profile(default) = %+v, %v", s, ok)
	}
	if s, ok := f.Profile("p"); !ok || s.Value("REGION") != "b" {
		t.Errorf("Profile(p) = %+v, %v", s, ok)
	}
	if _, ok := f.Profile("missing"); ok {
		t.Error("Profile(missing) found")
	}
	if s, ok := f.SSOSession("s"); !ok || s.Value("sso_region") != "c" {
		t.Errorf("SSOSession(s) = %+v, %v", s, ok)
	}
	if got := len(f.SSOSessions()); got != 2 {
		t.Errorf("SSOSessions() has %d sections, want 2", got)
	}
	if diff := cmp.Diff([]string{"default", "p"}, f.ProfileNames()); diff != "" {
		t.Errorf("ProfileNames() mismatch (-want +got)\n%s", diff)
	}
	if got := Parse([]byte("[a]\r\n")).EOL(); got != "\r\n" {
		t.Errorf("EOL() = %q, want CRLF", got)
	}
}
