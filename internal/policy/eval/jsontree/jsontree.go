// Package jsontree parses JSON in one pass into a tree that keeps what
// strict decoding needs and encoding/json drops: object members in
// document order, duplicate names, and each value's bytes in the input.
// The policy evaluator compiles policies from it and `gatehouse simulate`
// decodes requests from it; both parse large batches, so the parser
// scans each byte once and allocates only the tree. It is pure.
package jsontree

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is a JSON value's type.
type Kind uint8

// The JSON types.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one parsed JSON value.
type Value struct {
	Kind Kind
	// Text is a string's unescaped text, a number's text as written, or
	// "true"/"false".
	Text    string
	Items   []Value  // Array
	Members []Member // Object, in document order, duplicates kept
	// Raw is the value's bytes in the input (not a copy).
	Raw []byte
	// Lazy marks an object or array that ParseShallow checked but did not
	// build: Items and Members are empty until Expand.
	Lazy bool
}

// Member is one name/value pair of an object.
type Member struct {
	Name  string
	Value Value
}

// MaxDepth bounds nesting, so that hostile input cannot exhaust the stack.
const MaxDepth = 512

// SyntaxError is a parse error at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s (at byte %d)", e.Msg, e.Offset) }

// Parse parses data, which must hold exactly one JSON value (with optional
// whitespace around it).
func Parse(data []byte) (Value, error) { return parse(data, -1) }

// ParseShallow is Parse that builds objects and arrays only down to depth
// (0: the top value is built, the objects and arrays inside it are not):
// deeper ones are checked but kept as Raw, marked Lazy. A caller that compiles and caches
// large sub-documents by their text (policies in a batch) then builds
// each distinct one once.
func ParseShallow(data []byte, depth int) (Value, error) { return parse(data, depth) }

// Expand returns v built to depth like ParseShallow, or v itself when it
// is not Lazy.
func (v *Value) Expand(depth int) (Value, error) {
	if !v.Lazy {
		return *v, nil
	}
	return parse(v.Raw, depth)
}

func parse(data []byte, shallow int) (Value, error) {
	p := parser{data: data, shallow: shallow}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.space()
	if p.pos < len(p.data) {
		return Value{}, p.fail("unexpected data after the JSON value")
	}
	return v, nil
}

type parser struct {
	data    []byte
	pos     int
	shallow int // containers deeper than this are left Lazy; -1 builds all
	// Containers are built on these stacks and copied out at their end,
	// one allocation of the right size each; nested containers push above
	// and pop back before their parent resumes.
	members []Member
	items   []Value
	// names interns member names, which repeat across a document.
	names map[string]string
}

// maxInterned bounds the names kept, so that hostile input cannot grow
// the table without limit.
const maxInterned = 4096

func (p *parser) fail(msg string) error { return &SyntaxError{Offset: p.pos, Msg: msg} }

func (p *parser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, p.fail("nesting too deep")
	}
	start := p.pos
	var v Value
	var err error
	switch c := p.peek(); {
	case (c == '{' || c == '[') && p.shallow >= 0 && depth > p.shallow:
		v = Value{Kind: Object, Lazy: true}
		if c == '[' {
			v.Kind = Array
		}
		err = p.skip(depth)
	case c == '{':
		v, err = p.object(depth)
	case c == '[':
		v, err = p.array(depth)
	case c == '"':
		var s string
		s, err = p.str()
		v = Value{Kind: String, Text: s}
	case c == 't':
		v, err = Value{Kind: Bool, Text: "true"}, p.literal("true")
	case c == 'f':
		v, err = Value{Kind: Bool, Text: "false"}, p.literal("false")
	case c == 'n':
		v, err = Value{Kind: Null}, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		err = p.number()
		v = Value{Kind: Number, Text: string(p.data[start:p.pos])}
	case p.pos >= len(p.data):
		return Value{}, p.fail("unexpected end of input")
	default:
		return Value{}, p.fail(fmt.Sprintf("invalid character %q looking for a value", c))
	}
	if err != nil {
		return Value{}, err
	}
	v.Raw = p.data[start:p.pos]
	return v, nil
}

func (p *parser) object(depth int) (Value, error) {
	p.pos++ // {
	v := Value{Kind: Object}
	p.space()
	if p.peek() == '}' {
		p.pos++
		return v, nil
	}
	mark := len(p.members)
	defer func() { p.members = p.members[:mark] }()
	for {
		p.space()
		if p.peek() != '"' {
			return Value{}, p.fail("expected a member name (a string)")
		}
		name, err := p.name()
		if err != nil {
			return Value{}, err
		}
		p.space()
		if p.peek() != ':' {
			return Value{}, p.fail("expected : after a member name")
		}
		p.pos++
		p.space()
		mv, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		p.members = append(p.members, Member{Name: name, Value: mv})
		p.space()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.Members = append(make([]Member, 0, len(p.members)-mark), p.members[mark:]...)
			return v, nil
		default:
			return Value{}, p.fail("expected , or } after an object member")
		}
	}
}

func (p *parser) array(depth int) (Value, error) {
	p.pos++ // [
	v := Value{Kind: Array}
	p.space()
	if p.peek() == ']' {
		p.pos++
		v.Items = []Value{}
		return v, nil
	}
	mark := len(p.items)
	defer func() { p.items = p.items[:mark] }()
	for {
		p.space()
		item, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		p.items = append(p.items, item)
		p.space()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			v.Items = append(make([]Value, 0, len(p.items)-mark), p.items[mark:]...)
			return v, nil
		default:
			return Value{}, p.fail("expected , or ] after an array element")
		}
	}
}

func (p *parser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return p.fail("invalid literal, expected " + word)
	}
	p.pos += len(word)
	return nil
}

// number checks -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() error {
	if p.peek() == '-' {
		p.pos++
	}
	switch c := p.peek(); {
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return p.fail("invalid number")
	}
	if p.peek() == '.' {
		p.pos++
		if !p.digits() {
			return p.fail("invalid number: no digit after the decimal point")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if !p.digits() {
			return p.fail("invalid number: no digit in the exponent")
		}
	}
	return nil
}

func (p *parser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// name reads a member name, interned: the same names ("Effect",
// "Condition", "aws:PrincipalArn") come back in every statement.
func (p *parser) name() (string, error) {
	start := p.pos + 1
	end := start
	for end < len(p.data) && p.data[end] != '"' && p.data[end] != '\\' && p.data[end] >= 0x20 {
		end++
	}
	if end < len(p.data) && p.data[end] == '"' && end-start <= 64 {
		if s, ok := p.names[string(p.data[start:end])]; ok {
			p.pos = end + 1
			return s, nil
		}
	}
	s, err := p.str()
	if err == nil && len(s) <= 64 && len(p.names) < maxInterned {
		if p.names == nil {
			p.names = map[string]string{}
		}
		p.names[s] = s
	}
	return s, err
}

// str reads a string at p.pos (on its opening quote) and unescapes it.
func (p *parser) str() (string, error) {
	p.pos++ // "
	start := p.pos
	// Fast path: no escape.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			s := string(p.data[start:p.pos])
			p.pos++
			return s, nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", p.fail("control character in a string")
		}
		p.pos++
	}
	return "", p.fail("unterminated string")
}

// escaped continues a string that has escapes, from its start.
func (p *parser) escaped(start int) (string, error) {
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(p.data) {
			break
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate takes a following low one; alone, it
				// reads as U+FFFD and what follows stays, as in
				// encoding/json.
				r2 := utf8.RuneError
				if p.peek() == '\\' && p.pos+1 < len(p.data) && p.data[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if lo, ok := p.hex4(); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						r2 = lo
					} else {
						p.pos = save
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos--
			return "", p.fail(fmt.Sprintf("invalid escape \\%c", e))
		}
	}
	return "", p.fail("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.pos += 4
	return r, true
}

// skip checks one value without building it.
func (p *parser) skip(depth int) error {
	if depth > MaxDepth {
		return p.fail("nesting too deep")
	}
	switch c := p.peek(); {
	case c == '{':
		p.pos++
		p.space()
		if p.peek() == '}' {
			p.pos++
			return nil
		}
		for {
			p.space()
			if p.peek() != '"' {
				return p.fail("expected a member name (a string)")
			}
			if err := p.skipString(); err != nil {
				return err
			}
			p.space()
			if p.peek() != ':' {
				return p.fail("expected : after a member name")
			}
			p.pos++
			p.space()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.space()
			switch p.peek() {
			case ',':
				p.pos++
			case '}':
				p.pos++
				return nil
			default:
				return p.fail("expected , or } after an object member")
			}
		}
	case c == '[':
		p.pos++
		p.space()
		if p.peek() == ']' {
			p.pos++
			return nil
		}
		for {
			p.space()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.space()
			switch p.peek() {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return nil
			default:
				return p.fail("expected , or ] after an array element")
			}
		}
	case c == '"':
		return p.skipString()
	}
	_, err := p.value(depth)
	return err
}

// skipString checks a string without unescaping it.
func (p *parser) skipString() error {
	p.pos++
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return nil
		case c < 0x20:
			return p.fail("control character in a string")
		case c == '\\':
			p.pos++
			if p.pos >= len(p.data) {
				return p.fail("unterminated string")
			}
			switch p.data[p.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos++
			case 'u':
				p.pos++
				if _, ok := p.hex4(); !ok {
					return p.fail("invalid \\u escape")
				}
			default:
				return p.fail(fmt.Sprintf("invalid escape \\%c", p.data[p.pos]))
			}
			continue
		}
		p.pos++
	}
	return p.fail("unterminated string")
}

// Get returns the last member named name (as encoding/json keeps the
// last duplicate), and whether there is one.
func (v *Value) Get(name string) (*Value, bool) {
	for i := len(v.Members) - 1; i >= 0; i-- {
		if v.Members[i].Name == name {
			return &v.Members[i].Value, true
		}
	}
	return nil, false
}

// Describe names v's type for error messages: "a string", "an object".
func (k Kind) Describe() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case Array:
		return "an array"
	}
	return "an object"
}
