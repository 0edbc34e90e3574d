package model

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, and
// every problem it reports must have a line, a column and a message. The
// seeds are the examples and the test models; inputs that once found a bug
// live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../../examples/*.yaml", "testdata/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, files...)
	}
	if len(seeds) == 0 {
		f.Fatal("no seed models found")
	}
	for _, file := range seeds {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\nbase: &b { x: *b }\nusers: { a: { <<: *b } }\n"))
	f.Add([]byte("version: 1\npermission_sets: { A: { inline_policy: { Statement: [{ Condition: { Null: { k: [] } } }] } } }\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, probs := Parse("f.yaml", data)
		if m == nil {
			t.Fatal("Parse returned no model")
		}
		probs = append(probs, Validate(m)...)
		for _, p := range probs {
			if p.Pos.Line <= 0 || p.Pos.Col <= 0 || p.Pos.File != "f.yaml" {
				t.Errorf("problem without a position: %q", p.String())
			}
			if p.Message == "" {
				t.Errorf("problem without a message at %s", p.Pos)
			}
		}
	})
}
