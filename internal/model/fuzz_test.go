package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, every
// problem it reports must have a line, a column and a message, and the
// scanner must never make more tokens than countItems counts items (the
// limit on items bounds the parser's memory only if it does). The seeds
// are the examples, the test models and small versions of the inputs the
// limits stop; inputs that once found a bug live in testdata/fuzz/FuzzParse.
// Every input the fuzzer makes is far below the limits on size, so each
// runs in milliseconds; one that does not shows as a hung fuzzer.
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
	for _, s := range []string{
		"version: 1\nbase: &b { x: *b }\nusers: { a: { <<: *b } }\n",
		"version: 1\npermission_sets: { A: { inline_policy: { Statement: [{ Condition: { Null: { k: [] } } }] } } }\n",
		"version: 1\nx: " + nested(70) + "\n",
		"k:\n k:\n  k:\n   - - - - a\n",
		laughs(3),
		"version: 1\na: &a [*b]\nb: &b [*a]\n",
		"version: 1\nx: &a !t &b !u v\n",
		"\ufeffversion: 1\n",
		"\xff\xfev\x00",
		"version: 1\nusers:\n  al\xe9: {}\n",
		"version: 1\n# caf\xe9\nx: \x00\n",
		"---\nversion: 1\n...\n---\n---\n---\n",
		"version: 1\nx: \"a # [[[\" [[[\n",
		"version: 1\nx: |\n  # [[[\n  [[[\n",
		"version: 1\n? [a, b]\n: c\n[d]: e\n",
		"version: 1\nusers:\n" + strings.Repeat("  &a k: v\n  &bb k: v\n", 5),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, _ := countItems(data, len(data)+1, func(int, int, string, string, ...any) *Problem { return nil })
		if toks := lexer.Tokenize(string(data)); len(toks) > n && validText(data) {
			t.Fatalf("the scanner made %d tokens of %d items: the limit on items does not bound them", len(toks), n)
		}
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

// validText reports whether countItems reads data to its end: UTF-8 of
// printable characters.
func validText(data []byte) bool {
	_, p := countItems(data, len(data)+1, func(int, int, string, string, ...any) *Problem { return &Problem{} })
	return p == nil
}
