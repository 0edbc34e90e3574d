package awsconfig

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

func TestReplaceManaged(t *testing.T) {
	body := "[profile gen]\nregion = x\n"
	blk := beginLine + "\n" + body + endLine + "\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty file", "", blk},
		{"no final newline", "[profile a]\nregion = b", "[profile a]\nregion = b\n\n" + blk},
		{"final newline", "# mine\n", "# mine\n\n" + blk},
		{"replace in place, keep what follows",
			"# top\n" + beginLine + "\n[profile old]\n" + endLine + "\n[profile after]\n",
			"# top\n" + blk + "[profile after]\n"},
		{"old end marker was the last line without newline",
			"a\n" + beginLine + "\n" + endLine,
			"a\n" + strings.TrimSuffix(blk, "\n")},
		{"CRLF file gets CRLF block",
			"[profile a]\r\n",
			"[profile a]\r\n\r\n" + strings.ReplaceAll(blk, "\n", "\r\n")},
		{"marker text after the prefix may differ",
			BeginMarker + " (old wording)\n[profile z]\n" + EndMarker + "\n# tail",
			blk + "# tail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReplaceManaged([]byte(tt.in), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("ReplaceManaged() mismatch (-want +got)\n%s", diff)
			}
			// A second run with another body keeps everything outside.
			again, err := ReplaceManaged(got, []byte("[profile other]\n"))
			if err != nil {
				t.Fatal(err)
			}
			assertOutsideEqual(t, got, again)
		})
	}
}

func TestReplaceManagedBadMarkers(t *testing.T) {
	tests := []struct{ name, in, wantErr string }{
		{"begin without end", "x\n" + beginLine + "\n[profile a]\n", "line 2: gatehouse's managed block begins here but has no end"},
		{"end without begin", "x\n" + endLine + "\n", "line 2: the end of gatehouse's managed block has no beginning"},
		{"two blocks", beginLine + "\n" + endLine + "\n" + beginLine + "\n" + endLine + "\n", "line 3: a second gatehouse managed block begins here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReplaceManaged([]byte(tt.in), []byte("[profile a]\n"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReplaceManaged() error = %v, want %q", err, tt.wantErr)
			}
			if hint.Of(err) == "" {
				t.Error("error has no hint")
			}
		})
	}
}

// assertOutsideEqual checks that a and b have the same bytes before and
// after their managed blocks.
func assertOutsideEqual(t *testing.T, a, b []byte) {
	t.Helper()
	as, ae, af, err := block(a)
	if err != nil || !af {
		t.Fatalf("first input has no valid block: %v", err)
	}
	bs, be, bf, err := block(b)
	if err != nil || !bf {
		t.Fatalf("second input has no valid block: %v", err)
	}
	if !bytes.Equal(a[:as], b[:bs]) {
		t.Errorf("bytes before the block changed: %q -> %q", a[:as], b[:bs])
	}
	if !bytes.Equal(a[ae:], b[be:]) {
		t.Errorf("bytes after the block changed: %q -> %q", a[ae:], b[be:])
	}
}

func TestRender(t *testing.T) {
	got, err := Render([]NewSection{
		{Kind: KindSSOSession, Name: "corp", Keys: []KV{{"sso_start_url", "https://x/start"}, {"sso_region", "us-east-1"}}},
		{Kind: KindProfile, Name: "prod/Admin", Comment: "account 111111111111", Keys: []KV{{"sso_session", "corp"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = us-east-1\n\n# account 111111111111\n[profile prod/Admin]\nsso_session = corp\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Render() mismatch (-want +got)\n%s", diff)
	}
}

func TestRenderRefuses(t *testing.T) {
	tests := []struct {
		name string
		s    NewSection
	}{
		{"space in name", NewSection{Kind: KindProfile, Name: "a b"}},
		{"bracket in name", NewSection{Kind: KindProfile, Name: "a]"}},
		{"empty name", NewSection{Kind: KindProfile}},
		{"newline in value", NewSection{Kind: KindProfile, Name: "a", Keys: []KV{{"k", "v\n[profile x]"}}}},
		{"bad key", NewSection{Kind: KindProfile, Name: "a", Keys: []KV{{"k = x", "v"}}}},
		{"default kind", NewSection{Kind: KindDefault, Name: "default"}},
		{"newline in comment", NewSection{Kind: KindProfile, Name: "a", Comment: "x\n[profile y]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Render([]NewSection{tt.s}); err == nil {
				t.Error("Render() succeeded, want an error")
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	tests := map[string]string{
		"Acme Corp/Admin":   "Acme-Corp/Admin",
		"  lead  ":          "lead",
		"a\"b'c":            "a-b-c",
		"prod.eu/Read-Only": "prod.eu/Read-Only",
		"Zürich":            "Z-rich",
		"[x]":               "x",
	}
	for in, want := range tests {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
		if err := ValidName(SafeName(in)); err != nil {
			t.Errorf("ValidName(SafeName(%q)): %v", in, err)
		}
	}
}
