// Package awsconfig reads the AWS shared config file (~/.aws/config) and
// rewrites gatehouse's managed block in it without touching any other byte.
//
// No INI library round-trips this file (comments, blank lines, nested
// "s3 =" blocks, files without a final newline, CRLF endings): this package
// keeps the file as raw lines, reads sections and keys the way botocore and
// the Go SDK do, and only ever replaces the lines between its own markers.
// Writes are atomic (temp file and rename), go through a symbolic link only
// to a regular file of the user's (the link is kept), are locked against
// concurrent gatehouse writers, keep a backup of the previous file, and
// never lose an edit another program made since the file was read.
package awsconfig

import (
	"bytes"
	"strings"
)

// Section kinds as they appear in a header.
const (
	KindDefault    = "default"
	KindProfile    = "profile"
	KindSSOSession = "sso-session"
	KindServices   = "services"
)

// KeyValue is one key of a section. Keys are lower-cased, as botocore's
// parser does; Value is trimmed. A nested block ("s3 =" followed by indented
// lines) has an empty Value and its indented lines in Nested.
type KeyValue struct {
	Key    string
	Value  string
	Nested []string
	Line   int // 1-based
}

// Section is one [header] of the file with its keys in file order.
type Section struct {
	Kind    string // KindDefault, KindProfile, KindSSOSession, KindServices, or the header's first word
	Name    string // profile or session name; "default" for [default]
	Keys    []KeyValue
	Line    int  // 1-based line of the header
	Managed bool // inside gatehouse's managed block
}

// Get returns the value of key (case-insensitive) and whether it is set.
func (s Section) Get(key string) (string, bool) {
	key = strings.ToLower(key)
	for _, kv := range s.Keys {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Value returns the value of key, or "" when it is not set.
func (s Section) Value(key string) string {
	v, _ := s.Get(key)
	return v
}

// File is a parsed config file. It keeps every byte: Bytes returns exactly
// what Parse was given.
type File struct {
	data     []byte
	sections []Section
	eol      string
}

// Parse reads a config file. It never fails: lines it cannot read as a
// header, key or comment are kept as they are and ignored, as the AWS CLI's
// parser would either ignore them or reject the whole file.
func Parse(data []byte) *File {
	f := &File{data: data, eol: "\n"}
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		f.eol = "\r\n"
	}
	var cur *Section
	var lastKey *KeyValue
	inBlock := false
	lineNo := 0
	for rest := data; len(rest) > 0; {
		lineNo++
		var raw []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			raw, rest = rest[:i], rest[i+1:]
		} else {
			raw, rest = rest, nil
		}
		text := strings.TrimRight(string(raw), "\r")
		trimmed := strings.TrimSpace(text)
		switch {
		case isBeginMarker(trimmed):
			inBlock = true
			lastKey = nil
			continue
		case isEndMarker(trimmed):
			inBlock = false
			lastKey = nil
			continue
		case trimmed == "":
			continue
		case trimmed[0] == '#' || trimmed[0] == ';':
			continue
		}
		indented := text[0] == ' ' || text[0] == '\t'
		if indented && lastKey != nil {
			lastKey.Nested = append(lastKey.Nested, trimmed)
			continue
		}
		if trimmed[0] == '[' {
			if end := strings.LastIndexByte(trimmed, ']'); end > 0 {
				kind, name := splitHeader(trimmed[1:end])
				f.sections = append(f.sections, Section{Kind: kind, Name: name, Line: lineNo, Managed: inBlock})
				cur = &f.sections[len(f.sections)-1]
				lastKey = nil
				continue
			}
		}
		if cur == nil {
			continue
		}
		k, v, ok := splitKey(trimmed)
		if !ok {
			lastKey = nil
			continue
		}
		cur.Keys = append(cur.Keys, KeyValue{Key: k, Value: v, Line: lineNo})
		lastKey = &cur.Keys[len(cur.Keys)-1]
	}
	return f
}

// splitHeader turns "profile dev" into ("profile", "dev"), "default" into
// ("default", "default"), and a quoted name into its unquoted form, as
// botocore's shlex split of the header does for the common cases.
func splitHeader(h string) (kind, name string) {
	h = strings.TrimSpace(h)
	i := strings.IndexAny(h, " \t")
	if i < 0 {
		if h == KindDefault {
			return KindDefault, KindDefault
		}
		return h, ""
	}
	kind, name = h[:i], strings.TrimSpace(h[i+1:])
	if len(name) >= 2 && (name[0] == '"' || name[0] == '\'') && name[len(name)-1] == name[0] {
		name = name[1 : len(name)-1]
	}
	return kind, name
}

// splitKey splits "key = value" at the first '=' or ':' as Python's
// configparser does.
func splitKey(s string) (key, value string, ok bool) {
	i := strings.IndexAny(s, "=:")
	if i <= 0 {
		return "", "", false
	}
	return strings.ToLower(strings.TrimSpace(s[:i])), strings.TrimSpace(s[i+1:]), true
}

// Bytes returns the file exactly as parsed.
func (f *File) Bytes() []byte { return f.data }

// EOL returns the file's line ending: "\r\n" when its first line ends so,
// "\n" otherwise.
func (f *File) EOL() string { return f.eol }

// Sections returns every section in file order.
func (f *File) Sections() []Section { return f.sections }

// Section returns the first section of the given kind and name.
func (f *File) Section(kind, name string) (Section, bool) {
	for _, s := range f.sections {
		if s.Kind == kind && s.Name == name {
			return s, true
		}
	}
	return Section{}, false
}

// Profile returns the profile called name ("default" for [default]).
func (f *File) Profile(name string) (Section, bool) {
	if name == KindDefault {
		if s, ok := f.Section(KindDefault, KindDefault); ok {
			return s, true
		}
	}
	return f.Section(KindProfile, name)
}

// SSOSession returns the [sso-session name] section.
func (f *File) SSOSession(name string) (Section, bool) {
	return f.Section(KindSSOSession, name)
}

// SSOSessions returns every [sso-session] section.
func (f *File) SSOSessions() []Section {
	var out []Section
	for _, s := range f.sections {
		if s.Kind == KindSSOSession {
			out = append(out, s)
		}
	}
	return out
}

// ProfileNames returns the names of every profile in file order,
// including "default".
func (f *File) ProfileNames() []string {
	var out []string
	for _, s := range f.sections {
		if s.Kind == KindProfile || s.Kind == KindDefault {
			out = append(out, s.Name)
		}
	}
	return out
}
