package simulate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval"
)

// Result is one request's answer (spec section 3): a decision, or the
// error that made the request invalid.
type Result struct {
	ID          string   `json:"id,omitempty"`
	Decision    string   `json:"decision,omitempty"`
	UnknownKeys []string `json:"unknown_keys,omitempty"`
	DeniedBy    []string `json:"denied_by,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// Output is the answer to an input: one result per request in input
// order; Batch says whether the input was an array.
type Output struct {
	Results []Result
	Batch   bool
}

// ErrNotJSON is returned (wrapped) by Run for input that is not JSON, or
// JSON that is neither a request object nor an array.
var ErrNotJSON = errors.New("not JSON")

// Run decodes input (one request object, or an array of them), evaluates
// every request, and returns the results in input order. Only input that
// is not a JSON object or array is an error; an invalid request gets an
// error result and the others are evaluated.
func Run(input []byte) (Output, error) {
	trimmed := bytes.TrimSpace(input)
	if !json.Valid(trimmed) {
		return Output{}, fmt.Errorf("%w: %v", ErrNotJSON, syntaxError(trimmed))
	}
	var d decoder
	switch kind(trimmed) {
	case "an object":
		return Output{Results: []Result{d.evaluate(trimmed)}}, nil
	case "an array":
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return Output{}, fmt.Errorf("%w: %v", ErrNotJSON, err)
		}
		out := Output{Batch: true, Results: make([]Result, len(items))}
		for i, it := range items {
			r := d.evaluate(it)
			if r.Error != "" {
				r.Error = fmt.Sprintf("request %d: %s", i, r.Error)
			}
			out.Results[i] = r
		}
		return out, nil
	}
	return Output{}, fmt.Errorf("%w: the input is %s; expected a request object or an array of them", ErrNotJSON, kind(trimmed))
}

// syntaxError describes why b is not JSON, with the byte offset.
func syntaxError(b []byte) error {
	if len(b) == 0 {
		return errors.New("the input is empty")
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	err := dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%v (at byte %d)", se, se.Offset)
	case err != nil:
		return err
	}
	return fmt.Errorf("unexpected data after the JSON value (at byte %d)", dec.InputOffset())
}

// evaluate decodes and evaluates one request.
func (d *decoder) evaluate(raw json.RawMessage) Result {
	id, req, err := d.request(raw)
	if err == nil {
		var res eval.Result
		res, err = eval.Evaluate(req)
		if err == nil {
			return Result{ID: id, Decision: string(res.Decision), UnknownKeys: res.UnknownKeys, DeniedBy: res.DeniedBy}
		}
	}
	return Result{ID: id, Error: err.Error()}
}

// Invalid counts the results that carry an error.
func (o Output) Invalid() int {
	n := 0
	for _, r := range o.Results {
		if r.Error != "" {
			n++
		}
	}
	return n
}

// WriteJSON writes exactly one JSON value: the result object for a single
// request, the array of results for a batch.
func (o Output) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if o.Batch {
		results := o.Results
		if results == nil {
			results = []Result{}
		}
		return enc.Encode(results)
	}
	if len(o.Results) != 1 {
		return fmt.Errorf("writing results: %d results for a single request", len(o.Results))
	}
	return enc.Encode(o.Results[0])
}

// WriteText writes one line per request, for people: its id (or its
// position), the decision and what explains it, or the error.
func (o Output) WriteText(w io.Writer) error {
	var sb strings.Builder
	for i, r := range o.Results {
		name := r.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		sb.WriteString(name)
		if r.Error != "" {
			sb.WriteString("  invalid: ")
			sb.WriteString(r.Error)
		} else {
			sb.WriteString("  ")
			sb.WriteString(r.Decision)
			if len(r.UnknownKeys) > 0 {
				sb.WriteString("  unknown: ")
				sb.WriteString(strings.Join(r.UnknownKeys, ", "))
			}
			if len(r.DeniedBy) > 0 {
				sb.WriteString("  denied by: ")
				sb.WriteString(strings.Join(r.DeniedBy, ", "))
			}
		}
		sb.WriteByte('\n')
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
