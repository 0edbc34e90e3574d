// Package picker is the model of gatehouse's fuzzy profile picker: the
// names, the query, the matches and the cursor, the keys that change them
// and the text that shows them. It does no I/O; internal/cli puts the
// terminal in raw mode, feeds it keys and draws its View on stderr.
//
// It is written on the standard library rather than a TUI library: every
// one tried (bubbletea, bubbles, go-fuzzyfinder) pulls in go-runewidth,
// whose package initialisation builds Unicode tables for 10-50 ms in every
// gatehouse process. See docs/performance.md.
package picker

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Key is a key the picker understands, decoded from terminal input.
type Key struct {
	R    rune // a printable character, or 0
	Kind KeyKind
}

// KeyKind says which key a Key is.
type KeyKind int

// The keys of the picker.
const (
	KeyRune KeyKind = iota
	KeyEnter
	KeyBackspace
	KeyUp
	KeyDown
	KeyCancel // Esc or Ctrl-C
	KeyClear  // Ctrl-U
	KeyNone
)

// Model is the picker's state: type to filter (fuzzy, case-insensitive),
// arrows or Ctrl-P/Ctrl-N to move, Enter to choose, Esc or Ctrl-C to
// leave. It does no I/O; the command that shows it feeds it keys and draws
// its View.
type Model struct {
	names   []string
	query   string
	matches []int // indexes into names, best first
	cursor  int
	chosen  string
	done    bool
}

// New returns a picker over names, all shown, the first selected.
func New(names []string) *Model {
	p := &Model{names: names}
	p.filter()
	return p
}

// Update applies one key and reports whether the picker is finished.
func (p *Model) Update(k Key) bool {
	switch k.Kind {
	case KeyRune:
		p.query += string(k.R)
		p.filter()
	case KeyBackspace:
		if p.query != "" {
			_, n := utf8.DecodeLastRuneInString(p.query)
			p.query = p.query[:len(p.query)-n]
			p.filter()
		}
	case KeyClear:
		p.query = ""
		p.filter()
	case KeyUp:
		if p.cursor > 0 {
			p.cursor--
		}
	case KeyDown:
		if p.cursor < len(p.matches)-1 {
			p.cursor++
		}
	case KeyEnter:
		if len(p.matches) > 0 {
			p.chosen = p.names[p.matches[p.cursor]]
			p.done = true
		}
	case KeyCancel:
		p.done = true
	}
	return p.done
}

// filter keeps the names the query matches as a subsequence, best first:
// fewer characters between the matched ones, then earlier in the file.
func (p *Model) filter() {
	type scored struct{ idx, score int }
	var s []scored
	for i, n := range p.names {
		if sc, ok := fuzzyScore(n, p.query); ok {
			s = append(s, scored{i, sc})
		}
	}
	sort.SliceStable(s, func(a, b int) bool { return s[a].score < s[b].score })
	p.matches = p.matches[:0]
	for _, x := range s {
		p.matches = append(p.matches, x.idx)
	}
	p.cursor = 0
}

// fuzzyScore matches query against name as a case-insensitive subsequence;
// the score counts skipped characters (lower is better).
func fuzzyScore(name, query string) (int, bool) {
	if query == "" {
		return 0, true
	}
	q := []rune(strings.ToLower(query))
	score, qi, last := 0, 0, -1
	for i, r := range []rune(strings.ToLower(name)) {
		if qi < len(q) && r == q[qi] {
			if last >= 0 {
				score += i - last - 1
			} else {
				score += i
			}
			last = i
			qi++
		}
	}
	return score, qi == len(q)
}

// View renders the picker in at most height lines.
func (p *Model) View(height int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Profile> %s\r\n", p.query)
	rows := max(height-2, 1)
	start := 0
	if p.cursor >= rows {
		start = p.cursor - rows + 1
	}
	for i := start; i < len(p.matches) && i < start+rows; i++ {
		mark := "  "
		if i == p.cursor {
			mark = "> "
		}
		fmt.Fprintf(&b, "%s%s\r\n", mark, p.names[p.matches[i]])
	}
	fmt.Fprintf(&b, "  %d/%d (type to filter, Enter to choose, Esc to cancel)", len(p.matches), len(p.names))
	return b.String()
}

// Decode turns terminal input into keys.
func Decode(buf []byte) []Key {
	var keys []Key
	for len(buf) > 0 {
		switch c := buf[0]; {
		case c == 0x1b && len(buf) >= 3 && (buf[1] == '[' || buf[1] == 'O'):
			switch buf[2] {
			case 'A':
				keys = append(keys, Key{Kind: KeyUp})
			case 'B':
				keys = append(keys, Key{Kind: KeyDown})
			default:
				keys = append(keys, Key{Kind: KeyNone})
			}
			buf = buf[3:]
			continue
		case c == 0x1b, c == 0x03:
			keys = append(keys, Key{Kind: KeyCancel})
		case c == '\r' || c == '\n':
			keys = append(keys, Key{Kind: KeyEnter})
		case c == 0x7f || c == 0x08:
			keys = append(keys, Key{Kind: KeyBackspace})
		case c == 0x10:
			keys = append(keys, Key{Kind: KeyUp})
		case c == 0x0e:
			keys = append(keys, Key{Kind: KeyDown})
		case c == 0x15:
			keys = append(keys, Key{Kind: KeyClear})
		case c < 0x20:
			keys = append(keys, Key{Kind: KeyNone})
		default:
			r, n := utf8.DecodeRune(buf)
			if unicode.IsPrint(r) {
				keys = append(keys, Key{R: r, Kind: KeyRune})
			}
			buf = buf[n:]
			continue
		}
		buf = buf[1:]
	}
	return keys
}

// Chosen returns the chosen name, "" while none is (or when the user left).
func (p *Model) Chosen() string { return p.chosen }

// Done reports whether the user chose a name or left.
func (p *Model) Done() bool { return p.done }

// Matches returns the names the query matches, best first.
func (p *Model) Matches() []string {
	out := make([]string, 0, len(p.matches))
	for _, i := range p.matches {
		out = append(out, p.names[i])
	}
	return out
}
