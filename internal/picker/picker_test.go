package picker

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var pickNames = []string{"management/ReadOnly", "production/ReadOnly", "production/Admin", "abccorp-prod/Admin", "sandbox/Dev"}

// TestPicker drives the picker headless with the bytes a terminal sends.
func TestPicker(t *testing.T) {
	t.Parallel()
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
			p := New(pickNames)
			for _, k := range Decode([]byte(tt.input)) {
				if p.Update(k) {
					break
				}
			}
			if p.Chosen() != tt.want {
				t.Errorf("chosen %q, want %q", p.Chosen(), tt.want)
			}
			if tt.matches != nil {
				if diff := cmp.Diff(tt.matches, p.Matches()); diff != "" {
					t.Errorf("matches mismatch (-want +got)\n%s", diff)
				}
			}
		})
	}
}

func TestPickerView(t *testing.T) {
	t.Parallel()
	p := New(pickNames)
	for _, k := range Decode([]byte("prod\x1b[B")) {
		p.Update(k)
	}
	got := p.View(4)
	want := "Profile> prod\r\n  production/ReadOnly\r\n> production/Admin\r\n  3/5 (type to filter, Enter to choose, Esc to cancel)"
	if got != want {
		t.Errorf("view =\n%q\nwant\n%q", got, want)
	}
	if strings.Count(got, "\n") != 3 {
		t.Errorf("view has %d lines for a height of 4", strings.Count(got, "\n")+1)
	}
}
