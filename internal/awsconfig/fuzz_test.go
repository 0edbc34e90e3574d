package awsconfig

import (
	"bytes"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"",
	"[default]\nregion = us-east-1\n",
	"# comment only, no newline",
	"[profile a]\r\nregion = x\r\n\r\n[profile b]\r\n",
	"[profile x]\ns3 =\n  max_concurrent_requests = 20\n\n;semi\n[sso-session s]\nsso_start_url=https://a/start",
	"[profile a]\n" + beginLine + "\n[profile gen]\n" + endLine + "\n# after\n",
	"\n\n\n[  profile   spaced  ]\n\tindented = 1\n",
	"[profile a]\n" + endLine + "\n",
	"\xff\xfe[bin]\x00\n",
	"\ufeff[profile bom]\nregion = x\n",
	"[profile a]\rregion = x\r[profile b]\r",
	"[profile caf\xe9]\nregion = \xc3\x28\n",
	"[profile a]\ns3 =\n  a = 1\n    b = 2\n\t\tc = 3\n" + beginLine + "\n\n" + endLine + "\n" + beginLine + "\n",
	"[[[[[[[[[[profile x]]]]]]]]\n[ ]\n[]\n[profile]\n= value\n  = nested\n",
}

// FuzzParseIdentity: parsing keeps every byte, and never panics.
func FuzzParseIdentity(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := Parse(data)
		if !bytes.Equal(p.Bytes(), data) {
			t.Fatalf("Bytes() differs from input")
		}
		for _, s := range p.Sections() {
			if s.Line < 1 {
				t.Fatalf("section %+v has no line", s)
			}
		}
	})
}

// FuzzReplaceManaged: replacing the managed block keeps every byte outside
// it, whatever the file holds, and the new block reads back as written.
func FuzzReplaceManaged(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "gen1", "gen2")
	}
	f.Fuzz(func(t *testing.T, data []byte, name1, name2 string) {
		name1, name2 = SafeName(name1), SafeName(name2)
		if name1 == "" || name2 == "" {
			return
		}
		body := func(name string) []byte {
			b, err := Render([]NewSection{{Kind: KindProfile, Name: name, Keys: []KV{{"region", "us-east-1"}}}})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		first, err := ReplaceManaged(data, body(name1))
		if err != nil {
			if _, _, _, berr := block(data); berr == nil {
				t.Fatalf("ReplaceManaged failed on a file with valid markers: %v", err)
			}
			return // bad markers in the input are refused, which is right
		}
		if _, _, found, _ := block(data); !found {
			// A new block is appended: the original is a prefix.
			if !bytes.HasPrefix(first, data) {
				t.Fatalf("appending a block changed the original bytes")
			}
		}
		second, err := ReplaceManaged(first, body(name2))
		if err != nil {
			t.Fatalf("second ReplaceManaged: %v", err)
		}
		assertOutsideEqual(t, first, second)
		var managed []string
		for _, s := range Parse(second).Sections() {
			if s.Managed {
				managed = append(managed, s.Name)
			}
		}
		if strings.Join(managed, ",") != name2 {
			t.Fatalf("managed sections after replace = %v, want [%s]", managed, name2)
		}
	})
}
