package model

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

// Limits on a model file, checked before the YAML parser runs so that no
// file, however it is written, costs more than about a second and 100 MB
// (docs/access-model.md, "Input limits", gives the reasons and the figures;
// docs/performance.md, "Hostile input", the measures). The largest models
// seen in practice are far below them.
const (
	// MaxFileSize is the largest model file read, in bytes: about three
	// times a model at MaxItems, to leave room for comments and long
	// descriptions.
	MaxFileSize = 2 << 20
	// MaxItems bounds the YAML items of a file: words, numbers and
	// punctuation marks, a whole comment line counting one (see
	// countItems). It bounds the parser's memory, about 500 bytes an item:
	// a model of 2,000 users, 1,000 accounts and 500 permission sets holds
	// about 94,000.
	MaxItems = 120_000
	// MaxDepth bounds nesting: block indentation levels, brackets and
	// braces together. Real models nest about ten levels.
	MaxDepth = 64
	// MaxMappingKeys bounds the keys of one block mapping (5,000 users,
	// say). The YAML parser takes time in the square of a block mapping's
	// keys: about 0.1 s for 5,000.
	MaxMappingKeys = 5_000
	// MaxKeyWork bounds that time over the whole file: the squares of the
	// key counts of every block mapping, summed, as in two mappings of
	// MaxMappingKeys keys.
	MaxKeyWork = 2 * MaxMappingKeys * MaxMappingKeys
	// MaxExpandedNodes bounds the nodes of the model once every alias is
	// replaced by the value it names, which stops "billion laughs": twice
	// what a file may hold without aliases.
	MaxExpandedNodes = 2 * MaxItems
	// maxDocumentMarkers bounds the --- and ... lines: a model is one YAML
	// document, and the parser's time grows with the square of their
	// number.
	maxDocumentMarkers = 4
)

// problemAt makes the problem of a limit passed at line and col.
type problemAt func(line, col int, hint, format string, args ...any) *Problem

// limitsHint points at where the limits are explained.
const limitsHint = `see "Input limits" in docs/access-model.md`

// tokenize checks data against the limits that can be checked on bytes and
// tokens, and returns the YAML tokens to parse, or the problem that stops
// the parse.
func tokenize(file string, data []byte) (token.Tokens, *Problem) {
	at := func(line, col int, hint, format string, args ...any) *Problem {
		return &Problem{Pos: Pos{File: file, Line: line, Col: col}, Message: fmt.Sprintf(format, args...), Hint: hint}
	}
	if len(data) > MaxFileSize {
		return nil, at(1, 1, "check that it is the access model; "+limitsHint,
			"the file is larger than %d MiB, the most gatehouse reads as an access model", MaxFileSize>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	for _, bom := range [][]byte{{0, 0, 0xfe, 0xff}, {0xff, 0xfe, 0, 0}, {0xfe, 0xff}, {0xff, 0xfe}} {
		if bytes.HasPrefix(data, bom) {
			return nil, at(1, 1, "save it as UTF-8", "the file is encoded in UTF-16 or UTF-32, not UTF-8")
		}
	}
	if _, p := countItems(data, MaxItems, at); p != nil {
		return nil, p
	}
	toks := lexer.Tokenize(string(data))
	if len(toks) > MaxItems {
		// countItems bounds the tokens; this is in case a form of YAML
		// it does not know makes more.
		line, col := 1, 1
		if pos := toks[MaxItems].Position; pos != nil {
			line, col = pos.Line, pos.Column
		}
		return nil, tooManyItems(at, line, col)
	}
	if p := checkStructure(toks, at); p != nil {
		return nil, p
	}
	return toks, nil
}

// countItems checks that data is UTF-8 text of printable characters (as
// YAML requires) holding at most limit items, without allocating, and
// returns how many it holds. An item is a run of characters other than
// spaces and YAML's indicators ([]{},:-?&*!'"%@#`), or one indicator; a
// block scalar's | or > counts two (the scanner may add an empty token for
// its content), a line starting with ... one more (the document end
// marker), so does each tab (the scanner makes an invalid token of one
// in the indentation), and a line whose first character is # counts one. The scanner makes no more tokens than there are items (FuzzParse
// checks it), so the count bounds its memory.
func countItems(data []byte, limit int, at problemAt) (int, *Problem) {
	items, line, col := 0, 1, 0
	lineStart, inRun, inComment := true, false, false
	for i := 0; i < len(data); {
		r, size := rune(data[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(data[i:])
		}
		col++
		switch {
		case r == utf8.RuneError && size == 1:
			return items, at(line, col, "save the file as UTF-8", "invalid UTF-8: byte 0x%02X", data[i])
		case !printable(r):
			return items, at(line, col, `remove it; inside double quotes it can be written as an escape such as "\u0007"`,
				"control character U+%04X is not allowed in YAML", r)
		}
		i += size
		if r == '\n' || r == '\r' && (i == len(data) || data[i] != '\n') {
			// A line break: LF, CRLF (at its LF) or a lone CR, as YAML has it.
			line, col = line+1, 0
			lineStart, inRun, inComment = true, false, false
			continue
		}
		if inComment {
			continue
		}
		if lineStart && r != ' ' && r != '\t' && r != '\r' {
			lineStart = false
			if col == 1 && bytes.HasPrefix(data[i-1:], []byte("...")) {
				// A document end marker, a token of its own even when
				// text follows it.
				items++
			}
			if r == '#' {
				// A comment line is one token whatever it holds, or part of
				// a scalar (a block scalar, a quoted string), which adds
				// no token.
				items++
				inComment = true
			}
		}
		switch {
		case inComment:
		case r == ' ' || r == '\r':
			inRun = false
		case r == '\t':
			// The scanner makes an invalid token of a tab where YAML
			// allows none, in the indentation say.
			items++
			inRun = false
		case r == '|' || r == '>':
			// A block scalar's indicator, and its content, which the
			// scanner may make a token of its own even when it is empty.
			items += 2
			inRun = false
		case r < utf8.RuneSelf && indicators[r]:
			items++
			inRun = false
		case !inRun:
			items++
			inRun = true
		}
		if items > limit {
			return items, tooManyItems(at, line, col)
		}
	}
	return items, nil
}

func tooManyItems(at problemAt, line, col int) *Problem {
	return at(line, col, "a model of 2,000 users, 1,000 accounts and 500 permission sets holds about 94,000: check that this is the access model, "+
		"and keep large user lists in your identity provider; "+limitsHint,
		"the file holds more than %d YAML items (words, numbers and punctuation marks)", MaxItems)
}

// indicators are the characters countItems counts one item each.
var indicators = func() (set [utf8.RuneSelf]bool) {
	for _, c := range "[]{},:-?&*!'\"%@#`" {
		set[c] = true
	}
	return set
}()

// printable reports whether YAML allows r in a file (its c-printable set;
// the byte order mark is among them).
func printable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20 || r == 0x7f:
		return false
	case r >= 0x80 && r < 0xa0:
		return r == 0x85
	case r >= 0xd800 && r < 0xe000, r == 0xfffe, r == 0xffff:
		return false
	}
	return r <= utf8.MaxRune
}

// blockLevel is one level of block structure: the mapping or sequence
// whose entries start at a column.
type blockLevel struct {
	col  int
	seq  bool         // entries are "- " or "? " items, not keys
	keys int          // keys of a mapping
	at   *token.Token // its first key or item
}

// checkStructure checks the nesting depth, the keys of block mappings, the
// number of documents and the properties (anchor, tag) of each node. The
// block structure is read from columns, as the parser reads it: a key
// belongs to the mapping whose keys start at the column of the first token
// of its line, "- " and "? " excepted.
func checkStructure(toks token.Tokens, at problemAt) *Problem {
	var levels []blockLevel
	flow, markers, props, work := 0, 0, 0, 0
	line := 0
	var lineTok *token.Token // the first token of the line, "- " and "? " excepted
	for _, tk := range toks {
		if tk.Position == nil {
			continue
		}
		pos := tk.Position
		if pos.Line != line {
			line, lineTok = pos.Line, nil
		}
		entry := tk.Type == token.SequenceEntryType || tk.Type == token.MappingKeyType
		if lineTok == nil && !entry && tk.Type != token.CommentType {
			// Where the parser looks for the next key of the same mapping.
			lineTok = tk
		}
		switch {
		case tk.Type == token.AnchorType || tk.Type == token.TagType:
			props++
		case tk.Prev != nil && tk.Prev.Type == token.AnchorType:
			// the anchor's name
		default:
			props = 0
		}
		if props > 2 {
			return at(pos.Line, pos.Column, "give a value one anchor (&name) and one tag at most", "more than one anchor and one tag on one value")
		}
		deeper := tk // the token that opens a level, if any
		switch tk.Type {
		case token.CommentType:
			continue
		case token.DocumentHeaderType, token.DocumentEndType:
			if markers++; markers > maxDocumentMarkers {
				return at(pos.Line, pos.Column, "an access model is one YAML document: remove the --- and ... lines",
					"more than %d document markers (--- or ...)", maxDocumentMarkers)
			}
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			if flow > 0 {
				flow--
			}
		}
		switch {
		case flow > 0 || tk.Type == token.SequenceEndType || tk.Type == token.MappingEndType:
			// Inside brackets and braces, columns do not matter, and the
			// parser reads flow mappings in linear time.
		case entry:
			for len(levels) > 0 && levels[len(levels)-1].col > pos.Column {
				levels = levels[:len(levels)-1]
			}
			if n := len(levels); n == 0 || levels[n-1].col < pos.Column || !levels[n-1].seq {
				levels = append(levels, blockLevel{col: pos.Column, seq: true, at: tk})
			}
		case tk.Type == token.MappingValueType && lineTok != nil:
			deeper = lineTok
			col := lineTok.Position.Column
			for len(levels) > 0 && (levels[len(levels)-1].col > col || levels[len(levels)-1].col == col && levels[len(levels)-1].seq) {
				levels = levels[:len(levels)-1]
			}
			n := len(levels)
			if n == 0 || levels[n-1].col < col {
				levels = append(levels, blockLevel{col: col, keys: 1, at: lineTok})
				work++
				break
			}
			l := &levels[n-1]
			work += 2*l.keys + 1
			l.keys++
			if l.keys > MaxMappingKeys {
				return at(l.at.Position.Line, l.at.Position.Column, "keep large user lists in your identity provider, with identity_source: external; "+limitsHint,
					"this mapping has more than %d keys", MaxMappingKeys)
			}
			if work > MaxKeyWork {
				return at(l.at.Position.Line, l.at.Position.Column, "shorten the largest mappings; "+limitsHint,
					"the file's large mappings hold too many keys together (the squares of their key counts add up to more than %d, as in two mappings of %d keys)",
					MaxKeyWork, MaxMappingKeys)
			}
		}
		if len(levels)+flow > MaxDepth {
			return at(deeper.Position.Line, deeper.Position.Column, "a real model nests about ten levels: check the brackets and the indentation here; "+limitsHint,
				"the YAML nests deeper than %d levels", MaxDepth)
		}
	}
	return nil
}

// expansion counts the nodes of a document with every alias replaced by
// the value of its anchor, to stop a document whose aliases multiply it.
type expansion struct {
	file  string
	defs  map[string][]ast.Node // anchor name -> every value given that name
	size  map[string]int        // anchor name -> its value's expanded size
	state map[string]int        // anchor name -> 1 while counted, 2 once done
	total int                   // nodes met so far in document order, aliases expanded
	prob  *Problem
}

// checkExpansion returns a problem when body, aliases expanded, holds more
// than MaxExpandedNodes nodes, or when an alias refers to the anchor that
// contains it (the document would be infinite).
func checkExpansion(file string, body ast.Node) *Problem {
	e := &expansion{file: file, defs: map[string][]ast.Node{}, size: map[string]int{}, state: map[string]int{}}
	ast.Walk(visitFunc(func(n ast.Node) {
		if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
			e.defs[an.Name.String()] = append(e.defs[an.Name.String()], an.Value)
		}
	}), body)
	e.walk(body)
	return e.prob
}

// walk counts the nodes under n in document order, each alias as the size
// of what it names, and reports the node (an alias, mostly) that takes the
// count past the limit.
func (e *expansion) walk(n ast.Node) {
	if n == nil || e.prob != nil {
		return
	}
	switch v := n.(type) {
	case *ast.CommentGroupNode, *ast.CommentNode:
		return
	case *ast.AliasNode:
		name := aliasName(v)
		e.total += 1 + e.named(name, v)
		if e.total > MaxExpandedNodes {
			e.problem(v, "alias *%s takes the model past %d nodes once aliases are expanded", name, MaxExpandedNodes)
		}
		return
	}
	if e.total++; e.total > MaxExpandedNodes {
		e.problem(n, "aliases take the model past %d nodes once expanded", MaxExpandedNodes)
		return
	}
	for _, c := range children(n) {
		e.walk(c)
	}
}

// count returns the expanded size of n, at most a little more than
// MaxExpandedNodes (counting stops there).
func (e *expansion) count(n ast.Node) int {
	if n == nil || e.prob != nil {
		return 0
	}
	switch v := n.(type) {
	case *ast.CommentGroupNode, *ast.CommentNode:
		return 0
	case *ast.AliasNode:
		return 1 + e.named(aliasName(v), v)
	}
	total := 1
	for _, c := range children(n) {
		if total += e.count(c); total > MaxExpandedNodes || e.prob != nil {
			break
		}
	}
	return total
}

// named returns the expanded size of the values anchored as name (the
// largest, should the name be given twice).
func (e *expansion) named(name string, alias ast.Node) int {
	switch e.state[name] {
	case 1:
		e.problem(alias, "alias *%s is used inside the value of its own anchor &%s: the model would be infinite", name, name)
		return 0
	case 2:
		return e.size[name]
	}
	e.state[name] = 1
	most := 0
	for _, d := range e.defs[name] {
		most = max(most, e.count(d))
	}
	e.state[name], e.size[name] = 2, most
	return most
}

func aliasName(a *ast.AliasNode) string {
	if a.Value == nil {
		return ""
	}
	return a.Value.String()
}

func (e *expansion) problem(n ast.Node, format string, args ...any) {
	if e.prob != nil {
		return
	}
	p := Problem{Pos: Pos{File: e.file, Line: 1, Col: 1}, Message: fmt.Sprintf(format, args...),
		Hint: "an alias copies the whole value of its anchor: use fewer aliases of large anchors, or write the values out; " + limitsHint}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		p.Pos.Line, p.Pos.Col = tk.Position.Line, tk.Position.Column
	}
	e.prob = &p
}

// children returns the nodes directly under n, as ast.Walk visits them.
func children(n ast.Node) []ast.Node {
	var out []ast.Node
	ast.Walk(visitFunc(func(c ast.Node) {
		if c != n {
			out = append(out, c)
		}
	}).only(n), n)
	return out
}

// visitFunc is an ast.Visitor calling a function on every node.
type visitFunc func(ast.Node)

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if n != nil {
		f(n)
	}
	return f
}

// only returns a visitor that descends into root alone: ast.Walk then
// calls f on root's direct children and stops.
func (f visitFunc) only(root ast.Node) ast.Visitor { return shallow{f: f, root: root} }

type shallow struct {
	f    visitFunc
	root ast.Node
}

func (s shallow) Visit(n ast.Node) ast.Visitor {
	if n == nil {
		return nil
	}
	s.f(n)
	if n == s.root {
		return s
	}
	return nil
}
