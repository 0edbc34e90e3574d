package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Fingerprint identifies a live state: the SHA-256 of its canonical JSON
// (Go's encoder sorts map keys; the adapters sort every list). Two reads of
// an unchanged AWS give the same fingerprint; any change to what was read,
// including IDs, gives another.
func Fingerprint(live *state.State) string {
	b, err := json.Marshal(live)
	if err != nil {
		// state.State holds only strings, ints, bools, maps and slices.
		panic(fmt.Sprintf("encoding live state: %v", err))
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Marshal writes p as indented JSON, the format of a saved plan and of
// `plan --output json`.
func Marshal(p *Plan) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding plan: %w", err)
	}
	return buf.Bytes(), nil
}

// Unmarshal reads a saved plan and checks that it is one gatehouse can
// apply: a known format version, known kinds and actions, and each change
// carrying the object its kind names.
func Unmarshal(data []byte) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, hint.Wrap(fmt.Errorf("reading plan: not a gatehouse plan file: %w", err),
			"save a plan with `gatehouse plan -out FILE`")
	}
	if p.FormatVersion != FormatVersion {
		return nil, hint.Wrap(fmt.Errorf("reading plan: format version %d, this gatehouse reads version %d", p.FormatVersion, FormatVersion),
			"make a new plan with this version of gatehouse")
	}
	if p.Fingerprint == "" {
		return nil, fmt.Errorf("reading plan: no live_fingerprint, so its freshness cannot be checked")
	}
	for i, c := range p.Changes {
		if err := checkChange(c); err != nil {
			return nil, fmt.Errorf("reading plan: change %d (%s): %w", i+1, c.Address, err)
		}
	}
	p.Summary = Summarize(p.Changes, len(p.Unmanaged))
	return &p, nil
}

func checkChange(c Change) error {
	switch c.Action {
	case Create, Update, Replace, Delete:
	default:
		return fmt.Errorf("unknown action %q", c.Action)
	}
	objects := map[Kind]sides{
		KindUser:          sidesOf(c.User),
		KindGroup:         sidesOf(c.Group),
		KindMembership:    sidesOf(c.Membership),
		KindPermissionSet: sidesOf(c.PermissionSet),
		KindProvision:     sidesOf(c.Provision),
		KindAssignment:    sidesOf(c.Assignment),
		KindRole:          sidesOf(c.Role),
		KindSAMLProvider:  sidesOf(c.SAMLProvider),
	}
	s, known := objects[c.Kind]
	if !known {
		return fmt.Errorf("unknown kind %q", c.Kind)
	}
	for k, o := range objects {
		if o.set != (k == c.Kind) {
			return fmt.Errorf("a %s change must carry exactly one object, its %s", c.Kind, c.Kind)
		}
	}
	switch {
	case c.Action == Create && !s.after:
		return fmt.Errorf("a create without an after side")
	case c.Action == Delete && !s.before:
		return fmt.Errorf("a delete without a before side")
	case (c.Action == Update || c.Action == Replace) && (!s.before || !s.after):
		return fmt.Errorf("an %s needs both sides", c.Action)
	}
	return nil
}

// sides says whether a change carries an object and which sides it has.
type sides struct{ set, before, after bool }

func sidesOf[T any](d *Diff[T]) sides {
	if d == nil {
		return sides{}
	}
	return sides{set: true, before: d.Before != nil, after: d.After != nil}
}
