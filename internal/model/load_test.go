package model

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTwentyMistakes loads one model holding twenty different mistakes and
// expects every one of them, sorted, at its line and column.
func TestTwentyMistakes(t *testing.T) {
	t.Parallel()
	const file = "testdata/twenty-mistakes.yaml"
	_, err := Load(file)
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("Load() error = %v, want Problems", err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.Pos.String()+": "+p.Message)
		if p.Hint == "" {
			t.Errorf("problem without a hint: %s", p)
		}
	}
	want := []string{
		`testdata/twenty-mistakes.yaml:8:14: start_url "http://acme.awsapps.com/start" is not an https URL`,
		`testdata/twenty-mistakes.yaml:9:16: unknown account "managment"`,
		"testdata/twenty-mistakes.yaml:13:18: account staging id 022222222222 is an unquoted number with a leading zero: YAML does not keep it as written",
		`testdata/twenty-mistakes.yaml:14:21: account production id "33333333333" is not a 12-digit account ID`,
		"testdata/twenty-mistakes.yaml:15:18: account ID 111111111111 is used by both management and sandbox",
		"testdata/twenty-mistakes.yaml:16:3: external account client has no admin_role or admin_profile: gatehouse cannot reach it",
		"testdata/twenty-mistakes.yaml:23:3: user bob has no email",
		`testdata/twenty-mistakes.yaml:27:22: unknown user "bobby"`,
		`testdata/twenty-mistakes.yaml:31:5: unknown key "sesion_duration" in permission set ReadOnly`,
		"testdata/twenty-mistakes.yaml:34:23: session_duration of permission set Admin is 24h, outside 1h to 12h",
		`testdata/twenty-mistakes.yaml:36:9: managed policy "arn:aws:iam:aws:policy/AdministratorAccess" is not an IAM policy ARN`,
		`testdata/twenty-mistakes.yaml:37:3: permission set name "DeveloperWithAVeryLongPermissionSetName" is 39 characters long; AWS allows 32`,
		`testdata/twenty-mistakes.yaml:42:19: inline_policy of permission set Developer: Statement[0].Effect: Effect "allow" is not Allow or Deny`,
		`testdata/twenty-mistakes.yaml:47:14: unknown group "Enginers"`,
		`testdata/twenty-mistakes.yaml:52:47: unknown account "prod"`,
		"testdata/twenty-mistakes.yaml:58:18: role EngineerAccess in production does not trust role EngineerIdentity, so it cannot be assumed from it",
		`testdata/twenty-mistakes.yaml:63:17: role reference "EngineerIdentity" is not Name@account`,
		"testdata/twenty-mistakes.yaml:64:18: max_session of role EngineerAccess is 13h, outside 1h to 12h",
		`testdata/twenty-mistakes.yaml:65:37: principal_org_id "o-abc" is not an organization ID`,
		"testdata/twenty-mistakes.yaml:66:20: inline_policy is not valid JSON: invalid character '}' looking for beginning of value at line 1, column 41",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load() problems mismatch (-want +got):\n%s", diff)
	}
	// Each mistake is marked in the file; every marked line has its problem.
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	marked := 0
	for i, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "# mistake ") {
			continue
		}
		marked++
		prefix := file + ":" + strconv.Itoa(i+1) + ":"
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, prefix)
		}
		if !found {
			t.Errorf("line %d is marked as a mistake but no problem was reported there", i+1)
		}
	}
	if marked != 20 {
		t.Errorf("%s marks %d mistakes, want 20", file, marked)
	}
}

// TestExamples loads every model in examples/: each must be valid.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d example models, want at least 3", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			m, err := Load(f)
			if err != nil {
				t.Fatalf("Load() = %v", err)
			}
			if len(m.Accounts) == 0 || len(m.PermissionSets) == 0 || len(m.Assignments) == 0 {
				t.Errorf("example has %d accounts, %d permission sets, %d assignments: it should show them all", len(m.Accounts), len(m.PermissionSets), len(m.Assignments))
			}
		})
	}
}

func TestLoadSAMLMetadata(t *testing.T) {
	t.Parallel()
	const valid = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://portal.sso.us-east-1.amazonaws.com/saml/assertion/x">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>
</md:EntityDescriptor>`
	tests := []struct {
		name     string
		metadata string // file content; "" means no file
		want     string // problem message after the file name; "" means none
	}{
		{"valid", valid, ""},
		{"missing", "", "does not exist"},
		{"not xml", "<md:EntityDescriptor", "not valid XML: XML syntax error on line 1: unexpected EOF"},
		{"not saml", "<html><body>sign in</body></html>", "is not SAML metadata: its root element is html, not EntityDescriptor"},
		{"service provider", `<EntityDescriptor><SPSSODescriptor/></EntityDescriptor>`, "describes no identity provider (no IDPSSODescriptor element)"},
		{"empty", " ", "is empty"},
		{"too large", valid + strings.Repeat(" ", maxMetadataSize), "is larger than 1048576 bytes: not SAML metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			model := lines(
				"version: 1",
				"accounts:",
				"  client:",
				`    id: "333333333333"`,
				"    external: true",
				"    admin_profile: client",
				"    saml: { metadata: idc.xml, role: Consultant, policies: [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"] }",
			)
			path := filepath.Join(dir, "gatehouse.yaml")
			if err := os.WriteFile(path, []byte(model), 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.metadata != "" {
				if err := os.WriteFile(filepath.Join(dir, "idc.xml"), []byte(tt.metadata), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			m, err := Load(path)
			// The content is kept for expansion, which does no I/O.
			wantXML := ""
			if tt.want == "" {
				wantXML = tt.metadata
			}
			if got := m.Accounts[0].SAML.MetadataXML; got != wantXML {
				t.Errorf("SAML.MetadataXML = %.40q, want the file's content when it is valid, else empty", got)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load() = %v, want no problem", err)
				}
				return
			}
			var probs Problems
			if !errors.As(err, &probs) || len(probs) != 1 {
				t.Fatalf("Load() = %v, want one problem", err)
			}
			want := Problem{
				Pos:     Pos{File: path, Line: 7, Col: 23},
				Message: "saml metadata file " + filepath.Join(dir, "idc.xml") + sep(tt.want) + tt.want,
				Hint:    `download the metadata of the Identity Center application "External AWS Account" and give its path, relative to the model file`,
			}
			if diff := cmp.Diff(want, probs[0]); diff != "" {
				t.Errorf("Load() problem mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func sep(msg string) string {
	if msg == "does not exist" {
		return " "
	}
	return ": "
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load() error = %v, want one wrapping fs.ErrNotExist", err)
	}
}

func TestMetadataPath(t *testing.T) {
	t.Parallel()
	m := &Model{File: filepath.Join("models", "gatehouse.yaml")}
	for _, tt := range []struct {
		s    *SAMLAccess
		want string
	}{
		{nil, ""},
		{&SAMLAccess{}, ""},
		{&SAMLAccess{Metadata: "idc.xml"}, filepath.Join("models", "idc.xml")},
		{&SAMLAccess{Metadata: filepath.Join(string(filepath.Separator), "etc", "idc.xml")}, filepath.Join(string(filepath.Separator), "etc", "idc.xml")},
	} {
		if got := m.MetadataPath(tt.s); got != tt.want {
			t.Errorf("MetadataPath(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
