package eval

import (
	"math/rand/v2"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"*", "anything/at:all", true},
		{"abc", "abc", true}, {"abc", "abcd", false}, {"a*", "abc", true}, {"a*", "ba", false},
		{"*c", "abc", true}, {"a*c", "ac", true}, {"a*c", "abcbc", true}, {"a*c", "abcb", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"??", "é!", true}, {"?", "é", true},
		{"*a*b*", "xxaxxbxx", true}, {"*a*b*", "xxbxxaxx", false}, {"a**b", "ab", true},
		{"*?", "", false}, {"*?", "x", true}, {"ü*", "über", true}, {"?ber", "über", true}, {"??ber", "über", false},
	} {
		g := compileGlob(tt.pattern)
		if got := g.match(tt.s); got != tt.want {
			t.Errorf("compileGlob(%q).match(%q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
	// A literal * (from a variable's value) matches only a *.
	g := fromRunes(globRunes(globRunes(nil, "a", true), "*", false))
	if g.match("ab") || !g.match("a*") {
		t.Errorf("a literal * acted as a wildcard")
	}
}

func TestOverlapsCovers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b             string
		overlap, covered bool // overlaps(a, b); covers(a, b): every string of b is in a
	}{
		{"releases-*/builds/*", "releases-prod/*", true, false},
		{"releases-prod/*", "releases-prod/builds/*", true, true},
		{"logs-*", "releases-prod/*", false, false},
		{"*", "x?y", true, true},
		{"x?y", "*", true, false},
		{"a*", "*a", true, false},
		{"*a*", "ba*", true, true},
		{"a?", "a*", true, false},
		{"a*", "a?", true, true},
		{"abc", "a*", true, false},
		{"a*", "abc", true, true},
		{"a*b*c", "a*c", true, false},
		{"*/*", "a/*", true, true},
		{"b", "a*", false, false},
	} {
		a, b := compileGlob(tt.a), compileGlob(tt.b)
		if got := overlaps(a, b); got != tt.overlap {
			t.Errorf("overlaps(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.overlap)
		}
		if got := covers(a, b); got != tt.covered {
			t.Errorf("covers(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.covered)
		}
	}
}

// The automata agree with brute force: every string over a small alphabet
// up to a length that bounds the shortest witness.
func TestOverlapsCoversBruteForce(t *testing.T) {
	t.Parallel()
	letters := []rune{'a', 'b', '/', '*', '?'}
	var all []string
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		all = append(all, prefix)
		if n == 0 {
			return
		}
		for _, c := range "ab/c" {
			gen(prefix+string(c), n-1)
		}
	}
	gen("", 7)
	rng := rand.New(rand.NewPCG(1, 2))
	randGlob := func() string {
		n := rng.IntN(4)
		r := make([]rune, n)
		for i := range r {
			r[i] = letters[rng.IntN(len(letters))]
		}
		return string(r)
	}
	for range 400 {
		sa, sb := randGlob(), randGlob()
		a, b := compileGlob(sa), compileGlob(sb)
		wantOverlap, wantCovers := false, true
		for _, s := range all {
			ma, mb := a.match(s), b.match(s)
			wantOverlap = wantOverlap || ma && mb
			wantCovers = wantCovers && (!mb || ma)
		}
		if got := overlaps(a, b); got != wantOverlap {
			t.Errorf("overlaps(%q, %q) = %v, brute force %v", sa, sb, got, wantOverlap)
		}
		if got := covers(a, b); got != wantCovers {
			t.Errorf("covers(%q, %q) = %v, brute force %v", sa, sb, got, wantCovers)
		}
	}
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in     string
		hasVar bool
		parts  int
	}{
		{"plain", false, 1},
		{"home/${aws:username}/*", true, 3},
		{"${aws:PrincipalTag/team, 'company-wide'}", true, 1},
		{"a${*}b${?}c${$}", false, 6},
		{"${unclosed", false, 1},
		{"${bad key}", false, 1},
		{"${aws:username, nodefaultquotes}", false, 1},
	} {
		tmpl, hasVar := parseTemplate(tt.in)
		if hasVar != tt.hasVar || len(tmpl) != tt.parts {
			t.Errorf("parseTemplate(%q) = %d parts, hasVar %v; want %d, %v", tt.in, len(tmpl), hasVar, tt.parts, tt.hasVar)
		}
	}
	tmpl, _ := parseTemplate("${aws:PrincipalTag/team, 'company-wide'}")
	if p := tmpl[0]; p.key != "aws:principaltag/team" || p.name != "aws:PrincipalTag/team" || p.text != "company-wide" || !p.hasDefault {
		t.Errorf("default variable parsed as %+v", p)
	}
	got := splitOutsideVars("arn:aws:s3:::${aws:x}:y", ':', 6)
	want := []string{"arn", "aws", "s3", "", "", "${aws:x}:y"}
	if len(got) != len(want) {
		t.Fatalf("splitOutsideVars = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("splitOutsideVars = %q, want %q", got, want)
		}
	}
}
