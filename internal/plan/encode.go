package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Fingerprint identifies a live state: the SHA-256 of its canonical JSON
// (Go's encoder sorts map keys; the adapters sort every list). Two reads of
// an unchanged AWS give the same fingerprint; any change to what was read,
// including IDs, gives another.
func Fingerprint(live *state.State) string { return digestOf(live) }

// digestOf is the SHA-256 of v's canonical JSON: Go's encoder writes struct
// fields in declaration order and map keys sorted, and the plan and state
// types hold only strings, numbers, bools, maps and slices.
func digestOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encoding %T for its digest: %v", v, err))
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Seal returns the digest of p's content: every field apply acts on or a
// reviewer read (target, scope, both fingerprints, prune, changes,
// unmanaged objects, conflicts), not the summary, which Unmarshal
// recomputes, nor the digest itself. It is computed from the decoded plan,
// not from the file's bytes, so that spacing does not matter and what is
// sealed is exactly what apply would do.
func Seal(p *Plan) string {
	return digestOf(struct {
		FormatVersion int
		Target        Target
		Scope         Scope
		Fingerprint   string
		ModelDigest   string
		Prune         bool
		Changes       []Change
		Unmanaged     []Unmanaged
		Conflicts     []Conflict
	}{p.FormatVersion, p.Target, p.Scope, p.Fingerprint, p.ModelDigest, p.Prune, p.Changes, p.Unmanaged, p.Conflicts})
}

// sealed is a plan as it is saved: its fields, then its digest (Seal), so
// that a plan edited after it was saved, and so after it was reviewed, is
// refused.
type sealed struct {
	*Plan
	Digest string `json:"digest"`
}

// Marshal writes p as indented JSON, the format of a saved plan and of
// `plan --output json`, followed by its digest (Seal).
func Marshal(p *Plan) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sealed{Plan: p, Digest: Seal(p)}); err != nil {
		return nil, fmt.Errorf("encoding plan: %w", err)
	}
	return buf.Bytes(), nil
}

// Unmarshal reads a saved plan and checks that it is one gatehouse can
// apply: a known format version, known kinds and actions, each change
// carrying the object its kind names, and content that matches its digest
// (a plan edited after it was saved, and so after it was reviewed, is
// refused).
func Unmarshal(data []byte) (*Plan, error) {
	p, digest, err := decode(data)
	if err != nil {
		return nil, err
	}
	if digest == "" {
		return nil, hint.New("reading plan: the plan has no digest, so gatehouse cannot tell whether it was changed after it was saved",
			"make a new plan with this gatehouse (gatehouse plan -out FILE), review it, and apply that")
	}
	if Seal(p) != digest {
		return nil, hint.New("reading plan: the plan's content does not match its digest: it was changed after it was saved",
			"a saved plan cannot be edited: change the model instead, then make a new plan (gatehouse plan -out FILE) and review it")
	}
	return p, nil
}

// decode reads a plan and checks its structure; it returns the digest the
// file holds without checking it.
func decode(data []byte) (*Plan, string, error) {
	s := sealed{Plan: &Plan{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, "", hint.Wrap(fmt.Errorf("reading plan: not a gatehouse plan file: %w", err),
			"save a plan with `gatehouse plan -out FILE`")
	}
	if dec.More() {
		return nil, "", hint.New("reading plan: not a gatehouse plan file: more than one JSON document",
			"save a plan with `gatehouse plan -out FILE`")
	}
	p := s.Plan
	if p.FormatVersion != FormatVersion {
		return nil, "", hint.Wrap(fmt.Errorf("reading plan: format version %d, this gatehouse reads version %d", p.FormatVersion, FormatVersion),
			"make a new plan with this version of gatehouse")
	}
	if p.Fingerprint == "" {
		return nil, "", fmt.Errorf("reading plan: no live_fingerprint, so its freshness cannot be checked")
	}
	for i, c := range p.Changes {
		if err := checkChange(c); err != nil {
			return nil, "", fmt.Errorf("reading plan: change %d (%s): %w", i+1, c.Address, err)
		}
	}
	p.Summary = Summarize(p.Changes, len(p.Unmanaged))
	return p, s.Digest, nil
}

func article(a Action) string {
	if strings.ContainsRune("aeiou", rune(a[0])) {
		return "n"
	}
	return ""
}

// actions are what apply can do to each kind of object.
var actions = map[Kind][]Action{
	KindUser:          {Create, Update, Delete},
	KindGroup:         {Create, Update, Delete},
	KindMembership:    {Create, Delete},
	KindPermissionSet: {Create, Update, Delete},
	KindProvision:     {Create},
	KindAssignment:    {Create, Delete},
	KindRole:          {Create, Update, Replace, Delete},
	KindSAMLProvider:  {Create, Update, Delete},
}

func checkChange(c Change) error {
	switch c.Action {
	case Create, Update, Replace, Delete:
	default:
		return fmt.Errorf("unknown action %q", c.Action)
	}
	if can, ok := actions[c.Kind]; ok && !slices.Contains(can, c.Action) {
		return fmt.Errorf("a %s change cannot be a%s %s", c.Kind, article(c.Action), c.Action)
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
