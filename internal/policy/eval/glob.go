package eval

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Wildcards inside a compiled glob. A glob is a slice of runes in which
// these negative values stand for the wildcards, so that a literal '*'
// (from a policy variable's value or a ${*} escape) stays distinct from a
// wildcard '*'.
const (
	wildStar  rune = -1 // any run of characters, possibly empty
	wildOne   rune = -2 // exactly one character
	wildOther rune = -3 // in automata only: a character no pattern names
)

// globKind lets the common shapes skip the general matcher.
type globKind uint8

const (
	globExact   globKind = iota // no wildcard: string equality
	globAll                     // "*"
	globPrefix                  // literal text then one trailing "*"
	globGeneral                 // anything else
)

// glob is a compiled wildcard pattern. The zero value matches only "".
type glob struct {
	kind  globKind
	text  string // globExact, globPrefix: the literal text
	runes []rune // globGeneral: runes with wildStar/wildOne
}

// compileGlob reads s with '*' and '?' as wildcards.
func compileGlob(s string) glob {
	if !strings.ContainsAny(s, "*?") {
		return glob{kind: globExact, text: s}
	}
	if s == "*" {
		return glob{kind: globAll}
	}
	if i := strings.IndexAny(s, "*?"); i == len(s)-1 && s[i] == '*' {
		return glob{kind: globPrefix, text: s[:i]}
	}
	return glob{kind: globGeneral, runes: globRunes(nil, s, true)}
}

// fromRunes wraps runes built by a template into a glob.
func fromRunes(r []rune) glob {
	for _, c := range r {
		if c < 0 {
			return glob{kind: globGeneral, runes: r}
		}
	}
	return glob{kind: globExact, text: string(r)}
}

// globRunes appends the runes of s to dst; with wild, '*' and '?' become
// wildcards.
func globRunes(dst []rune, s string, wild bool) []rune {
	for _, r := range s {
		switch {
		case wild && r == '*':
			dst = append(dst, wildStar)
		case wild && r == '?':
			dst = append(dst, wildOne)
		default:
			dst = append(dst, r)
		}
	}
	return dst
}

// lower returns g with its literal characters lower-cased (for the fields
// AWS compares without case).
func (g glob) lower() glob {
	switch g.kind {
	case globExact, globPrefix:
		g.text = strings.ToLower(g.text)
	case globGeneral:
		r := make([]rune, len(g.runes))
		for i, c := range g.runes {
			if c >= 0 {
				c = unicode.ToLower(c)
			}
			r[i] = c
		}
		g.runes = r
	}
	return g
}

// isAll reports whether g matches every string.
func (g glob) isAll() bool { return g.kind == globAll }

// literal reports whether g has no wildcard, and its text.
func (g glob) literal() (string, bool) {
	if g.kind == globExact {
		return g.text, true
	}
	return "", false
}

// match reports whether s matches g.
func (g *glob) match(s string) bool {
	switch g.kind {
	case globExact:
		return s == g.text
	case globAll:
		return true
	case globPrefix:
		return strings.HasPrefix(s, g.text)
	}
	return matchRunes(g.runes, s)
}

// matchRunes is the classic wildcard match with backtracking to the last
// star; '?' and a star's extension consume whole runes so that positions
// in s stay on rune boundaries.
func matchRunes(p []rune, s string) bool {
	pi, si := 0, 0
	star, starSi := -1, 0
	for si < len(s) {
		r, w := utf8.DecodeRuneInString(s[si:])
		if pi < len(p) {
			c := p[pi]
			if c == wildStar {
				star, starSi = pi, si
				pi++
				continue
			}
			if c == wildOne || c == r {
				pi++
				si += w
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, w0 := utf8.DecodeRuneInString(s[starSi:])
		starSi += w0
		pi, si = star+1, starSi
	}
	for pi < len(p) && p[pi] == wildStar {
		pi++
	}
	return pi == len(p)
}

// runes returns g as a rune pattern, for the automata below.
func (g glob) asRunes() []rune {
	switch g.kind {
	case globExact:
		return []rune(g.text)
	case globAll:
		return []rune{wildStar}
	case globPrefix:
		return append([]rune(g.text), wildStar)
	}
	return g.runes
}

// automatonBudget bounds the states the two automata below explore. Real
// policy values and patterns are short; past the budget both answer in the
// direction that over-approximates "allowed on some resource" (see
// overlaps and covers).
const automatonBudget = 20000

// globStep appends to out the states of pattern p reachable from state i
// (p[:i] consumed) by reading character c (a rune, or wildOther for a
// character p does not name). Stars skipped without reading are epsilon
// moves, handled by the callers.
func globStep(p []rune, i int, c rune, out []int) []int {
	if i >= len(p) {
		return out
	}
	switch p[i] {
	case wildStar:
		out = append(out, i)
	case wildOne:
		out = append(out, i+1)
	default:
		if p[i] == c {
			out = append(out, i+1)
		}
	}
	return out
}

// accepting reports whether state i of p accepts: only stars remain.
func accepting(p []rune, i int) bool {
	for i < len(p) && p[i] == wildStar {
		i++
	}
	return i == len(p)
}

// alphabet lists the characters that matter to a and b: every literal of
// either, plus one character neither names.
func alphabet(a, b []rune) []rune {
	seen := map[rune]bool{}
	var out []rune
	for _, p := range [][]rune{a, b} {
		for _, c := range p {
			if c >= 0 && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return append(out, wildOther)
}

// overlaps reports whether some string matches both a and b: a search of
// the product of the two automata. Past the budget it answers true.
func overlaps(a, b glob) bool {
	if a.isAll() || b.isAll() {
		return true
	}
	if s, ok := a.literal(); ok {
		return b.match(s)
	}
	if s, ok := b.literal(); ok {
		return a.match(s)
	}
	pa, pb := a.asRunes(), b.asRunes()
	sigma := alphabet(pa, pb)
	type pair struct{ i, j int }
	seen := map[pair]bool{{0, 0}: true}
	queue := []pair{{0, 0}}
	push := func(p pair) {
		if !seen[p] {
			seen[p] = true
			queue = append(queue, p)
		}
	}
	var na, nb []int
	for len(queue) > 0 {
		if len(seen) > automatonBudget {
			return true
		}
		q := queue[0]
		queue = queue[1:]
		if accepting(pa, q.i) && accepting(pb, q.j) {
			return true
		}
		if q.i < len(pa) && pa[q.i] == wildStar {
			push(pair{q.i + 1, q.j})
		}
		if q.j < len(pb) && pb[q.j] == wildStar {
			push(pair{q.i, q.j + 1})
		}
		for _, c := range sigma {
			na = globStep(pa, q.i, c, na[:0])
			if len(na) == 0 {
				continue
			}
			nb = globStep(pb, q.j, c, nb[:0])
			for _, x := range na {
				for _, y := range nb {
					push(pair{x, y})
				}
			}
		}
	}
	return false
}

// covers reports whether every string matching b also matches a: b's
// automaton against a's, determinised on the fly over the characters of
// both plus one other character. Past the budget it answers false.
func covers(a, b glob) bool {
	if a.isAll() {
		return true
	}
	if s, ok := b.literal(); ok {
		return a.match(s)
	}
	if b.isAll() {
		return false
	}
	pa, pb := a.asRunes(), b.asRunes()
	sigma := alphabet(pa, pb)
	// A state is one state of b's automaton and the closed set of a's
	// states, kept sorted; the visited set keys on both.
	type state struct {
		j   int
		set []int
	}
	key := func(j int, set []int) string {
		var sb strings.Builder
		sb.WriteString(itoa(j))
		for _, x := range set {
			sb.WriteByte(',')
			sb.WriteString(itoa(x))
		}
		return sb.String()
	}
	seen := map[string]bool{}
	var queue []state
	push := func(s state) {
		k := key(s.j, s.set)
		if !seen[k] {
			seen[k] = true
			queue = append(queue, s)
		}
	}
	push(state{0, closeSet(pa, []int{0})})
	var nb, tmp []int
	for len(queue) > 0 {
		if len(seen) > automatonBudget {
			return false
		}
		s := queue[0]
		queue = queue[1:]
		if accepting(pb, s.j) && !containsInt(s.set, len(pa)) {
			return false
		}
		if s.j < len(pb) && pb[s.j] == wildStar {
			push(state{s.j + 1, s.set})
		}
		for _, c := range sigma {
			nb = globStep(pb, s.j, c, nb[:0])
			if len(nb) == 0 {
				continue
			}
			tmp = tmp[:0]
			for _, i := range s.set {
				tmp = globStep(pa, i, c, tmp)
			}
			next := closeSet(pa, tmp)
			for _, y := range nb {
				push(state{y, next})
			}
		}
	}
	return true
}

// closeSet returns the sorted, de-duplicated epsilon closure of states:
// each state with every state reached by skipping stars.
func closeSet(p []rune, states []int) []int {
	out := make([]int, 0, len(states)+1)
	for _, i := range states {
		out = insertSorted(out, i)
		for i < len(p) && p[i] == wildStar {
			i++
			out = insertSorted(out, i)
		}
	}
	return out
}

func insertSorted(s []int, x int) []int {
	for i, v := range s {
		if v == x {
			return s
		}
		if v > x {
			s = append(s, 0)
			copy(s[i+1:], s[i:])
			s[i] = x
			return s
		}
	}
	return append(s, x)
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
