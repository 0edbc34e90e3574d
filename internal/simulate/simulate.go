package simulate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval"
	"github.com/gatehouse-dev/gatehouse/internal/policy/eval/jsontree"
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
// error result and the others are evaluated. Requests are parsed shallow:
// policy documents are compiled one distinct text at a time.
func Run(input []byte) (Output, error) {
	input = bytes.TrimSpace(input)
	if len(input) == 0 {
		return Output{}, fmt.Errorf("%w: the input is empty", ErrNotJSON)
	}
	// A batch is an array of requests: one level deeper.
	batch := input[0] == '['
	depth := requestDepth
	if batch {
		depth++
	}
	v, err := jsontree.ParseShallow(input, depth)
	if err != nil {
		return Output{}, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	var d decoder
	switch {
	case batch:
		out := Output{Batch: true, Results: make([]Result, len(v.Items))}
		for i := range v.Items {
			r := d.evaluate(&v.Items[i])
			if r.Error != "" {
				r.Error = fmt.Sprintf("request %d: %s", i, r.Error)
			}
			out.Results[i] = r
		}
		return out, nil
	case v.Kind == jsontree.Object:
		return Output{Results: []Result{d.evaluate(&v)}}, nil
	}
	return Output{}, fmt.Errorf("%w: the input is %s; expected a request object or an array of them", ErrNotJSON, v.Kind.Describe())
}

// requestDepth is how deep a request is built when parsed: its fields and
// their lists, not the policy documents inside, which are compiled (and
// cached by text) on their own.
const requestDepth = 1

// evaluate decodes and evaluates one request.
func (d *decoder) evaluate(v *jsontree.Value) Result {
	id, req, err := d.request(v)
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
