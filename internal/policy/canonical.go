// Package policy parses, validates and canonicalizes IAM policy documents.
// It is pure: gatehouse writes policies it generated or read from the model
// and compares them with what AWS returns, so two documents that mean the
// same must compare equal whatever their spacing, key order, or single-value
// versus list spelling.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// listKeys are statement keys whose value may be a string or a list and whose
// order carries no meaning.
var listKeys = map[string]bool{"Action": true, "NotAction": true, "Resource": true, "NotResource": true}

// Canonical returns doc in a canonical compact form: keys sorted, Statement
// always a list, Action/Resource/Principal/Condition values always sorted
// lists. AWS returns some documents URL-encoded (IAM GetRole); those are
// decoded first.
func Canonical(doc string) (string, error) {
	s := strings.TrimSpace(doc)
	if s == "" {
		return "", nil
	}
	if !strings.HasPrefix(s, "{") {
		dec, err := url.QueryUnescape(s)
		if err != nil {
			return "", fmt.Errorf("policy document is neither JSON nor URL-encoded JSON: %w", err)
		}
		s = dec
	}
	var v map[string]any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", fmt.Errorf("policy document is not a JSON object: %w", err)
	}
	if st, ok := v["Statement"]; ok {
		list, ok := st.([]any)
		if !ok {
			list = []any{st}
		}
		for i, item := range list {
			if m, ok := item.(map[string]any); ok {
				list[i] = canonicalStatement(m)
			}
		}
		v["Statement"] = list
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// Equal reports whether two documents mean the same after canonicalization.
// Documents that do not parse are compared as text.
func Equal(a, b string) bool {
	ca, errA := Canonical(a)
	cb, errB := Canonical(b)
	if errA != nil || errB != nil {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	return ca == cb
}

func canonicalStatement(st map[string]any) map[string]any {
	for k, v := range st {
		switch {
		case listKeys[k]:
			st[k] = sortedList(v)
		case k == "Principal" || k == "NotPrincipal":
			if m, ok := v.(map[string]any); ok {
				for pk, pv := range m {
					m[pk] = sortedList(pv)
				}
			}
		case k == "Condition":
			if ops, ok := v.(map[string]any); ok {
				for _, keys := range ops {
					if km, ok := keys.(map[string]any); ok {
						for ck, cv := range km {
							km[ck] = sortedList(cv)
						}
					}
				}
			}
		}
	}
	return st
}

// sortedList turns a string or list into a sorted, de-duplicated list.
func sortedList(v any) any {
	var out []string
	switch x := v.(type) {
	case string:
		out = []string{x}
	case []any:
		for _, item := range x {
			s, ok := item.(string)
			if !ok {
				return v // not a list of strings: leave as written
			}
			out = append(out, s)
		}
	case json.Number:
		out = []string{x.String()}
	case bool:
		out = []string{fmt.Sprint(x)}
	default:
		return v
	}
	sort.Strings(out)
	res := make([]any, 0, len(out))
	for i, s := range out {
		if i > 0 && s == out[i-1] {
			continue
		}
		res = append(res, s)
	}
	return res
}
