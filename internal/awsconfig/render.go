package awsconfig

import (
	"fmt"
	"strings"
)

// NewSection is a section gatehouse writes into its managed block.
type NewSection struct {
	Kind    string // KindProfile or KindSSOSession (KindDefault is never written)
	Name    string
	Comment string // optional, written as "# Comment" above the header
	Keys    []KV
}

// KV is one key = value line of a NewSection.
type KV struct{ Key, Value string }

// Header returns the section's header text, e.g. "[profile dev/Admin]".
func (s NewSection) Header() string {
	return "[" + s.Kind + " " + s.Name + "]"
}

// Render writes sections as INI text, one blank line between sections.
// It refuses names and values that would change the file's structure
// (line breaks, brackets in names) or that botocore would misread.
func Render(sections []NewSection) ([]byte, error) {
	var b strings.Builder
	for i, s := range sections {
		if err := checkSection(s); err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("\n")
		}
		if s.Comment != "" {
			b.WriteString("# " + s.Comment + "\n")
		}
		b.WriteString(s.Header() + "\n")
		for _, kv := range s.Keys {
			b.WriteString(kv.Key + " = " + kv.Value + "\n")
		}
	}
	return []byte(b.String()), nil
}

func checkSection(s NewSection) error {
	if s.Kind != KindProfile && s.Kind != KindSSOSession {
		return fmt.Errorf("section kind %q cannot be written", s.Kind)
	}
	if err := ValidName(s.Name); err != nil {
		return fmt.Errorf("[%s %s]: %w", s.Kind, s.Name, err)
	}
	if strings.ContainsAny(s.Comment, "\r\n") {
		return fmt.Errorf("[%s %s]: comment holds a line break", s.Kind, s.Name)
	}
	for _, kv := range s.Keys {
		if kv.Key == "" || strings.ContainsAny(kv.Key, "=:[]#; \t\r\n") {
			return fmt.Errorf("[%s %s]: invalid key %q", s.Kind, s.Name, kv.Key)
		}
		if strings.ContainsAny(kv.Value, "\r\n") {
			return fmt.Errorf("[%s %s]: value of %s holds a line break", s.Kind, s.Name, kv.Key)
		}
		if strings.TrimSpace(kv.Value) != kv.Value {
			return fmt.Errorf("[%s %s]: value of %s has surrounding spaces", s.Kind, s.Name, kv.Key)
		}
	}
	return nil
}

// ValidName reports whether name can be a profile or sso-session name that
// botocore (which splits headers with shlex) and the Go SDK both read back
// unchanged: non-empty, and only letters, digits and . _ - / @ + = , :
func ValidName(name string) error {
	if name == "" {
		return fmt.Errorf("empty name")
	}
	for _, r := range name {
		if !nameRune(r) {
			return fmt.Errorf("name %q holds %q (allowed: letters, digits and the characters ._-/@+=,:)", name, r)
		}
	}
	return nil
}

func nameRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("._-/@+=,:", r)
}

// SafeName turns s into a valid name: every run of other characters
// (spaces, quotes, brackets, non-ASCII letters) becomes a single '-', and
// leading or trailing dashes are dropped.
func SafeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if nameRune(r) {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}
