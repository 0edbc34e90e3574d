package cli

// The profile picker is written on golang.org/x/term rather than a TUI
// library: every TUI library tried (bubbletea, bubbles, go-fuzzyfinder) pulls
// in go-runewidth, whose package initialisation builds Unicode tables for
// 10-50 ms in every gatehouse process, including each credential_process call
// that must finish in under 10 ms. See docs/performance.md.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// chooseProfile returns the profile named in args, or lets the user pick
// one on a terminal.
func (e *engine) chooseProfile(args []string) (string, error) {
	if len(args) > 0 {
		return args[0], nil
	}
	if !e.d.StdinTTY || !e.d.StderrTTY {
		return "", usageError{hint.New("name a profile", "run `gatehouse list` or look in "+e.paths.Config+" for profile names")}
	}
	f, err := e.config()
	if err != nil {
		return "", err
	}
	names := pickableProfiles(f)
	if len(names) == 0 {
		return "", hint.New("no profile gatehouse can use in "+e.paths.Config, "run `gatehouse profiles` first")
	}
	return runPicker(e.d, names)
}

// pickableProfiles are the profiles gatehouse can give credentials for, in
// file order.
func pickableProfiles(f *awsconfig.File) []string {
	var out []string
	for _, name := range f.ProfileNames() {
		if _, err := credentials.Resolve(f, name); err == nil {
			out = append(out, name)
		}
	}
	return out
}

// errPickCancelled is returned when the user leaves the picker.
var errPickCancelled = errors.New("no profile chosen")

// Keys the picker understands, decoded from terminal input.
type key struct {
	r    rune // a printable character, or 0
	kind keyKind
}

type keyKind int

const (
	keyRune keyKind = iota
	keyEnter
	keyBackspace
	keyUp
	keyDown
	keyCancel // Esc or Ctrl-C
	keyClear  // Ctrl-U
	keyNone
)

// picker is the picker's state: type to filter (fuzzy, case-insensitive),
// arrows or Ctrl-P/Ctrl-N to move, Enter to choose, Esc or Ctrl-C to
// leave. It does no I/O; runPicker drives it.
type picker struct {
	names   []string
	query   string
	matches []int // indexes into names, best first
	cursor  int
	chosen  string
	done    bool
}

func newPicker(names []string) *picker {
	p := &picker{names: names}
	p.filter()
	return p
}

// update applies one key and reports whether the picker is finished.
func (p *picker) update(k key) bool {
	switch k.kind {
	case keyRune:
		p.query += string(k.r)
		p.filter()
	case keyBackspace:
		if p.query != "" {
			_, n := utf8.DecodeLastRuneInString(p.query)
			p.query = p.query[:len(p.query)-n]
			p.filter()
		}
	case keyClear:
		p.query = ""
		p.filter()
	case keyUp:
		if p.cursor > 0 {
			p.cursor--
		}
	case keyDown:
		if p.cursor < len(p.matches)-1 {
			p.cursor++
		}
	case keyEnter:
		if len(p.matches) > 0 {
			p.chosen = p.names[p.matches[p.cursor]]
			p.done = true
		}
	case keyCancel:
		p.done = true
	}
	return p.done
}

// filter keeps the names the query matches as a subsequence, best first:
// fewer characters between the matched ones, then earlier in the file.
func (p *picker) filter() {
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

// view renders the picker in at most height lines.
func (p *picker) view(height int) string {
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

// decodeKeys turns terminal input into keys.
func decodeKeys(buf []byte) []key {
	var keys []key
	for len(buf) > 0 {
		switch c := buf[0]; {
		case c == 0x1b && len(buf) >= 3 && (buf[1] == '[' || buf[1] == 'O'):
			switch buf[2] {
			case 'A':
				keys = append(keys, key{kind: keyUp})
			case 'B':
				keys = append(keys, key{kind: keyDown})
			default:
				keys = append(keys, key{kind: keyNone})
			}
			buf = buf[3:]
			continue
		case c == 0x1b, c == 0x03:
			keys = append(keys, key{kind: keyCancel})
		case c == '\r' || c == '\n':
			keys = append(keys, key{kind: keyEnter})
		case c == 0x7f || c == 0x08:
			keys = append(keys, key{kind: keyBackspace})
		case c == 0x10:
			keys = append(keys, key{kind: keyUp})
		case c == 0x0e:
			keys = append(keys, key{kind: keyDown})
		case c == 0x15:
			keys = append(keys, key{kind: keyClear})
		case c < 0x20:
			keys = append(keys, key{kind: keyNone})
		default:
			r, n := utf8.DecodeRune(buf)
			if unicode.IsPrint(r) {
				keys = append(keys, key{r: r, kind: keyRune})
			}
			buf = buf[n:]
			continue
		}
		buf = buf[1:]
	}
	return keys
}

// runPicker runs the picker on the terminal, drawing on stderr so stdout
// stays clean for `eval "$(gatehouse env)"`.
func runPicker(d Deps, names []string) (string, error) {
	in, ok := d.Stdin.(*os.File)
	if !ok {
		return "", errors.New("the profile picker needs a terminal on stdin")
	}
	old, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return "", fmt.Errorf("running the profile picker: %w", err)
	}
	defer func() { _ = term.Restore(int(in.Fd()), old) }()
	height := 12
	if f, ok := d.Stderr.(*os.File); ok {
		if _, h, err := term.GetSize(int(f.Fd())); err == nil && h > 4 {
			height = min(h-1, 20)
		}
	}
	p := newPicker(names)
	drawn := 0
	draw := func() {
		if drawn > 0 {
			fmt.Fprintf(d.Stderr, "\r\x1b[%dA", drawn)
		}
		out := p.view(height)
		fmt.Fprintf(d.Stderr, "\r\x1b[J%s", out)
		drawn = strings.Count(out, "\n")
	}
	draw()
	buf := make([]byte, 64)
	for !p.done {
		n, err := in.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", fmt.Errorf("reading the terminal: %w", err)
		}
		for _, k := range decodeKeys(buf[:n]) {
			if p.update(k) {
				break
			}
		}
		draw()
	}
	fmt.Fprint(d.Stderr, "\r\n")
	if p.chosen == "" {
		return "", errPickCancelled
	}
	fmt.Fprintf(d.Stderr, "Profile %s (next time, name it on the command line).\n", p.chosen)
	return p.chosen, nil
}
