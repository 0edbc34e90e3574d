package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
)

var pickNames = []string{"management/ReadOnly", "production/ReadOnly", "production/Admin", "abccorp-prod/Admin", "sandbox/Dev"}

// TestPicker drives the picker headless with the bytes a terminal sends.
func TestPicker(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string // chosen profile, "" when cancelled
		matches []string
	}{
		{"enter takes the first", "\r", "management/ReadOnly", nil},
		{"fuzzy filter", "prdadm\r", "production/Admin", []string{"production/Admin", "abccorp-prod/Admin"}},
		{"case-insensitive", "SANDBOX\r", "sandbox/Dev", []string{"sandbox/Dev"}},
		{"arrow keys move", "\x1b[B\x1b[B\x1b[A\r", "production/ReadOnly", nil},
		{"ctrl-n and ctrl-p move", "\x0e\x0e\x0e\x10\r", "production/Admin", nil},
		{"backspace widens again", "adminx\x7f\x7f\r", "production/Admin", []string{"production/Admin", "abccorp-prod/Admin"}}, // "admi"
		{"ctrl-u clears", "zzz\x15\r", "management/ReadOnly", nil},
		{"esc cancels", "prod\x1b", "", nil},
		{"ctrl-c cancels", "\x03", "", nil},
		{"no match: enter does nothing", "qqq\r\x03", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPicker(pickNames)
			for _, k := range decodeKeys([]byte(tt.input)) {
				if p.update(k) {
					break
				}
			}
			if p.chosen != tt.want {
				t.Errorf("chosen %q, want %q", p.chosen, tt.want)
			}
			if tt.matches != nil {
				var got []string
				for _, i := range p.matches {
					got = append(got, pickNames[i])
				}
				if diff := cmp.Diff(tt.matches, got); diff != "" {
					t.Errorf("matches mismatch (-want +got)\n%s", diff)
				}
			}
		})
	}
}

func TestPickerView(t *testing.T) {
	p := newPicker(pickNames)
	for _, k := range decodeKeys([]byte("prod\x1b[B")) {
		p.update(k)
	}
	got := p.view(4)
	want := "Profile> prod\r\n  production/ReadOnly\r\n> production/Admin\r\n  3/5 (type to filter, Enter to choose, Esc to cancel)"
	if got != want {
		t.Errorf("view =\n%q\nwant\n%q", got, want)
	}
	if strings.Count(got, "\n") != 3 {
		t.Errorf("view has %d lines for a height of 4", strings.Count(got, "\n")+1)
	}
}

func TestPickableProfiles(t *testing.T) {
	f := awsconfig.Parse([]byte("[default]\nregion = x\n[sso-session s]\nsso_start_url = u\nsso_region = r\n" +
		"[profile a]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n[profile keys]\naws_access_key_id = AKIA\n" +
		"[profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::2:role/x\n"))
	if diff := cmp.Diff([]string{"a", "b"}, pickableProfiles(f)); diff != "" {
		t.Errorf("pickableProfiles mismatch (-want +got)\n%s", diff)
	}
}
