package eval

import (
	"fmt"
	"sort"
	"strings"
)

// keyState is what the request says about one context key.
type keyState uint8

const (
	stateUnknown      keyState = iota // presence and value unknown
	statePresent                      // present with a known value
	stateAbsent                       // known to be absent
	stateValueUnknown                 // known to be present, value unknown
)

// values is a present key's value: a single string, or a multi-valued key
// (a set of strings, possibly empty).
type values struct {
	multi  bool
	values []string
}

type ctxEntry struct {
	state keyState
	val   values
}

type prefixEntry struct {
	prefix string // lower-cased, without the trailing '*'
	state  keyState
}

// Context is the request context: for every condition key, whether it is
// present with a value, absent, present with an unknown value, or unknown.
// Key names are matched without regard to case. Build it with NewContext
// and its methods; a key given twice is recorded and reported by Evaluate.
// A Context must not be changed while an evaluation reads it; once built it
// is safe for concurrent evaluations.
type Context struct {
	complete bool
	keys     map[string]ctxEntry
	prefixes []prefixEntry // longest first
	where    map[string]string
	err      error
}

// NewContext returns an empty context in which every key is unknown (the
// audit's semantics); Complete(true) makes unlisted keys absent instead
// (AWS's request semantics).
func NewContext() *Context {
	return &Context{keys: map[string]ctxEntry{}, where: map[string]string{}}
}

// Complete says what a key not otherwise listed is: absent (true) or
// unknown (false, the default).
func (c *Context) Complete(complete bool) *Context {
	c.complete = complete
	return c
}

// Set makes key present with a single value.
func (c *Context) Set(key, value string) *Context {
	c.add("context", key, ctxEntry{state: statePresent, val: values{values: []string{value}}}, false)
	return c
}

// SetMulti makes key present as a multi-valued key (even with one value or
// none).
func (c *Context) SetMulti(key string, vals []string) *Context {
	c.add("context", key, ctxEntry{state: statePresent, val: values{multi: true, values: append([]string(nil), vals...)}}, false)
	return c
}

// Absent marks keys as known to be absent. A key ending in '*' is a prefix
// (aws:PrincipalTag/*): the longest prefix matching a key decides its
// state, when no exact entry does.
func (c *Context) Absent(keys ...string) *Context {
	for _, k := range keys {
		c.add("absent_keys", k, ctxEntry{state: stateAbsent}, true)
	}
	return c
}

// Unknown marks keys (or prefixes, as for Absent) as unknown: whether they
// are present and their value.
func (c *Context) Unknown(keys ...string) *Context {
	for _, k := range keys {
		c.add("unknown_keys", k, ctxEntry{state: stateUnknown}, true)
	}
	return c
}

// UnknownValue marks keys (or prefixes, as for Absent) as present with an
// unknown value.
func (c *Context) UnknownValue(keys ...string) *Context {
	for _, k := range keys {
		c.add("unknown_value_keys", k, ctxEntry{state: stateValueUnknown}, true)
	}
	return c
}

// Err returns the first problem found while building the context (a key
// given twice, an empty key), or nil.
func (c *Context) Err() error { return c.err }

func (c *Context) add(list, key string, e ctxEntry, prefixOK bool) {
	if c.keys == nil {
		c.keys, c.where = map[string]ctxEntry{}, map[string]string{}
	}
	fail := func(format string, args ...any) {
		if c.err == nil {
			c.err = fmt.Errorf(list+": "+format, args...)
		}
	}
	if key == "" {
		fail("a key name is empty")
		return
	}
	prefix := strings.HasSuffix(key, "*")
	if prefix && !prefixOK {
		fail("key %q ends in '*': prefixes belong in absent_keys, unknown_keys or unknown_value_keys", key)
		return
	}
	body := strings.TrimSuffix(key, "*")
	if strings.ContainsAny(body, "*") {
		fail("key %q has a '*' before its end: only a final '*' (a prefix) is allowed", key)
		return
	}
	lower := strings.ToLower(key)
	if prev, dup := c.where[lower]; dup {
		if prev == list {
			fail("key %q is listed twice", key)
		} else {
			fail("key %q is also in %s: give each key one state", key, prev)
		}
		return
	}
	c.where[lower] = list
	if prefix {
		c.prefixes = append(c.prefixes, prefixEntry{prefix: strings.TrimSuffix(lower, "*"), state: e.state})
		sort.SliceStable(c.prefixes, func(i, j int) bool { return len(c.prefixes[i].prefix) > len(c.prefixes[j].prefix) })
		return
	}
	c.keys[lower] = e
}

// lookup returns the state of key (lower-cased) and, when present, its
// value: the context or an exact list entry first, then the longest
// matching prefix, then the default.
func (c *Context) lookup(key string) (keyState, values) {
	if e, ok := c.keys[key]; ok {
		return e.state, e.val
	}
	for _, p := range c.prefixes {
		if strings.HasPrefix(key, p.prefix) {
			return p.state, values{}
		}
	}
	if c.complete {
		return stateAbsent, values{}
	}
	return stateUnknown, values{}
}
