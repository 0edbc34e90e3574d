package jsontree

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	t.Parallel()
	v, err := Parse([]byte(` {"a": [1, -2.5e3, true, null, "x\u00e9\n\"\ud83d\ude00"], "a": {}, "b": "plain"} `))
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != Object || len(v.Members) != 3 {
		t.Fatalf("Parse = %+v", v)
	}
	var names []string
	for _, m := range v.Members {
		names = append(names, m.Name)
	}
	if diff := cmp.Diff([]string{"a", "a", "b"}, names); diff != "" {
		t.Errorf("members: order and duplicates not kept (-want +got):\n%s", diff)
	}
	items := v.Members[0].Value.Items
	var texts []string
	for _, it := range items {
		texts = append(texts, it.Kind.Describe()+":"+it.Text)
	}
	want := []string{"a number:1", "a number:-2.5e3", "a boolean:true", "null:", "a string:xé\n\"😀"}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("items mismatch (-want +got):\n%s", diff)
	}
	if got, _ := v.Get("a"); got.Kind != Object {
		t.Errorf("Get returns the first duplicate, want the last (as encoding/json)")
	}
	if string(v.Members[2].Value.Raw) != `"plain"` {
		t.Errorf("Raw = %q", v.Members[2].Value.Raw)
	}
}

func TestParseShallow(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"a": {"b": [1, {"c": 2}]}, "s": "x", "l": []}`)
	v, err := ParseShallow(doc, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := v.Get("a")
	l, _ := v.Get("l")
	if !a.Lazy || a.Kind != Object || len(a.Members) != 0 || string(a.Raw) != `{"b": [1, {"c": 2}]}` || !l.Lazy {
		t.Fatalf("depth 0: a = %+v, l = %+v", a, l)
	}
	if s, _ := v.Get("s"); s.Lazy || s.Text != "x" {
		t.Errorf("a scalar is built: %+v", s)
	}
	e, err := a.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.Get("b")
	if e.Lazy || len(e.Members) != 1 || !b.Lazy || b.Kind != Array {
		t.Errorf("Expand(0) = %+v", e)
	}
	full, _ := Parse(doc)
	if diff := cmp.Diff(toAny(&full), toAny(expandAll(t, &v))); diff != "" {
		t.Errorf("expanded shallow tree differs (-full +shallow):\n%s", diff)
	}
	if _, err := ParseShallow([]byte(`{"a": {"b": [1,}}`), 0); err == nil {
		t.Error("a skipped container is not checked")
	}
}

// expandAll builds every lazy container of v.
func expandAll(t *testing.T, v *Value) *Value {
	t.Helper()
	e, err := v.Expand(0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range e.Items {
		e.Items[i] = *expandAll(t, &e.Items[i])
	}
	for i := range e.Members {
		e.Members[i].Value = *expandAll(t, &e.Members[i].Value)
	}
	return &e
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		``:                       "unexpected end of input (at byte 0)",
		`{`:                      "expected a member name",
		`{"a" 1}`:                "expected : after a member name (at byte 5)",
		`{"a":1,}`:               "expected a member name",
		`[1 2]`:                  "expected , or ] after an array element (at byte 3)",
		`"\x"`:                   `invalid escape \x`,
		"\"a\nb\"":               "control character in a string",
		`"abc`:                   "unterminated string",
		`01`:                     "unexpected data after the JSON value",
		`-`:                      "invalid number",
		`1.`:                     "no digit after the decimal point",
		`1e`:                     "no digit in the exponent",
		`tru`:                    "invalid literal, expected true",
		`{} {}`:                  "unexpected data after the JSON value (at byte 3)",
		`"\u12"`:                 `invalid \u escape`,
		strings.Repeat("[", 600): "nesting too deep",
	} {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.20q) error = %v, want one containing %q", in, err, want)
		}
	}
}

// FuzzParse checks the parser against encoding/json: the same inputs are
// valid, and a valid input decodes to the same values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",true,null,{"c":-0.5e-3}]}`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800\udc00"`, `"\u00e9\t"`, `[[[]]]`, `{"a":1,"a":2}`, ` 1 `, `[1,2] 3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if bytes.Count(data, []byte("[")) > MaxDepth || bytes.Count(data, []byte("{")) > MaxDepth {
			return // the depth limit is ours
		}
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("Parse error %v, json.Valid %v", err, valid)
		}
		if err != nil || !utf8.Valid(data) {
			return // encoding/json rewrites invalid UTF-8; the tree keeps the bytes
		}
		var want any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, toAny(&v)); diff != "" {
			t.Fatalf("tree differs from encoding/json (-json +tree):\n%s", diff)
		}
		sv, err := ParseShallow(data, 1)
		if err != nil {
			t.Fatalf("ParseShallow failed where Parse did not: %v", err)
		}
		if diff := cmp.Diff(toAny(&v), toAny(expandAll(t, &sv))); diff != "" {
			t.Fatalf("expanded shallow tree differs (-full +shallow):\n%s", diff)
		}
	})
}

// toAny converts a tree to what encoding/json decodes (the last duplicate
// member wins).
func toAny(v *Value) any {
	switch v.Kind {
	case Bool:
		return v.Text == "true"
	case Number:
		return json.Number(v.Text)
	case String:
		return v.Text
	case Array:
		out := make([]any, len(v.Items))
		for i := range v.Items {
			out[i] = toAny(&v.Items[i])
		}
		return out
	case Object:
		out := map[string]any{}
		for i := range v.Members {
			out[v.Members[i].Name] = toAny(&v.Members[i].Value)
		}
		return out
	}
	return nil
}
