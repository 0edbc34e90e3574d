package eval

import "sort"

// tri is a three-valued truth (Kleene logic). An unknown value may carry
// the names of what made it unknown (condition keys as written in the
// policies, or "session_name"); they are only collected when an
// evaluation asks for them (see evaluator.track), so the common path does
// not allocate.
type tri struct {
	v   truth
	why *reasons
}

type truth int8

const (
	no truth = iota
	yes
	maybe
)

// reasons is an immutable, sorted set of names.
type reasons struct{ names []string }

// reason is the set of one name; policies build theirs when parsed, so
// that explaining a decision allocates only to combine them.
func reason(name string) *reasons { return &reasons{names: []string{name}} }

// sessionNameReason is the reason of an unknown session name.
var sessionNameReason = reason(SessionName)

var (
	triFalse = tri{v: no}
	triTrue  = tri{v: yes}
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (a tri) isTrue() bool  { return a.v == yes }
func (a tri) isFalse() bool { return a.v == no }

func and(a, b tri) tri {
	switch {
	case a.v == no || b.v == yes:
		return a
	case b.v == no || a.v == yes:
		return b
	}
	return bothMaybe(a, b)
}

func or(a, b tri) tri {
	switch {
	case a.v == yes || b.v == no:
		return a
	case b.v == yes || a.v == no:
		return b
	}
	return bothMaybe(a, b)
}

// bothMaybe combines two unknowns, out of the inlined fast paths above.
func bothMaybe(a, b tri) tri { return tri{v: maybe, why: union(a.why, b.why)} }

func not(a tri) tri {
	switch a.v {
	case yes:
		return triFalse
	case no:
		return triTrue
	}
	return a
}

func union(a, b *reasons) *reasons {
	switch {
	case a == nil:
		return b
	case b == nil || a == b:
		return a
	}
	m := make([]string, 0, len(a.names)+len(b.names))
	i, j := 0, 0
	for i < len(a.names) || j < len(b.names) {
		switch {
		case j == len(b.names) || i < len(a.names) && a.names[i] < b.names[j]:
			m = append(m, a.names[i])
			i++
		case i == len(a.names) || b.names[j] < a.names[i]:
			m = append(m, b.names[j])
			j++
		default:
			m = append(m, a.names[i])
			i++
			j++
		}
	}
	return &reasons{names: m}
}

func (r *reasons) list() []string {
	if r == nil {
		return nil
	}
	out := append([]string(nil), r.names...)
	sort.Strings(out)
	return out
}
