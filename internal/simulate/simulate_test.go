package simulate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval/jsontree"
)

// The spec's worked examples (section 6), as batches in testdata: the
// decisions are the spec's; unknown_keys and denied_by are the details
// gatehouse adds, as the spec shows them where it does.
func TestSimulateWorkedExamples(t *testing.T) {
	t.Parallel()
	spec := map[string][]string{ // the decisions the spec states, in order
		"example1":        {"conditional", "allowed", "implicit_deny", "implicit_deny"},
		"example1-single": {"conditional"},
		"example2":        {"allowed", "implicit_deny", "explicit_deny", "explicit_deny", "conditional"},
		"example3":        {"conditional", "allowed", "implicit_deny"},
	}
	for name, decisions := range spec {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(filepath.Join("testdata", "examples", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			wantJSON, err := os.ReadFile(filepath.Join("testdata", "examples", name+".want.json"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := Run(in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range out.Results {
				got = append(got, r.Decision)
			}
			if diff := cmp.Diff(decisions, got); diff != "" {
				t.Errorf("decisions mismatch with the spec (-want +got):\n%s", diff)
			}
			var buf bytes.Buffer
			if err := out.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			var gotV, wantV any
			if err := json.Unmarshal(buf.Bytes(), &gotV); err != nil {
				t.Fatalf("output is not one JSON value: %v\n%s", err, buf.Bytes())
			}
			if err := json.Unmarshal(wantJSON, &wantV); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantV, gotV); diff != "" {
				t.Errorf("Run() output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// minimal is a valid request to which the table below adds or replaces
// fields.
const minimal = `"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"*"`

func TestSimulateStrictDecoding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, req, want string
	}{
		{"unknown field, with a suggestion", `{` + minimal + `,"identity_policy":[]}`, `"identity_policy": unknown field (did you mean identity_policies?)`},
		{"unknown field far from any", `{` + minimal + `,"zzzzzzzzzz":1}`, `"zzzzzzzzzz": unknown field; the fields are id, principal`},
		{"a field given twice", `{` + minimal + `,"action":"s3:PutObject"}`, "action: given twice"},
		{"id of the wrong type", `{` + minimal + `,"id":7}`, "id: expected a string, got a number"},
		{"principal of the wrong type", `{"principal":["x"],"action":"s3:GetObject","resource":"*"}`, "principal: expected a string, got an array"},
		{"principal missing", `{"action":"s3:GetObject","resource":"*"}`, "principal: required"},
		{"action missing", `{"principal":"arn:aws:iam::111122223333:user/alice","resource":"*"}`, "action: required"},
		{"action empty", `{"principal":"arn:aws:iam::111122223333:user/alice","action":"","resource":"*"}`, "action: empty"},
		{"resource and pattern", `{` + minimal + `,"resource_pattern":"*"}`, "resource and resource_pattern are both given"},
		{"neither resource nor pattern", `{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject"}`, "resource: required"},
		{"a pattern that is not an ARN", `{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource_pattern":"bucket/*"}`, "resource_pattern:"},
		{"resource_account needed", `{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}`, "resource_account: required"},
		{"context not an object", `{` + minimal + `,"context":["aws:SourceIp"]}`, "context: expected an object, got an array"},
		{"context value a number", `{` + minimal + `,"context":{"s3:max-keys":10}}`, `context["s3:max-keys"]: expected a string or an array of strings, got a number`},
		{"context array of numbers", `{` + minimal + `,"context":{"aws:TagKeys":["a",1]}}`, `context["aws:TagKeys"][1]: expected a string, got a number`},
		{"context_complete not a boolean", `{` + minimal + `,"context_complete":"true"}`, "context_complete: expected true or false, got a string"},
		{"absent_keys not an array", `{` + minimal + `,"absent_keys":"aws:SourceIp"}`, "absent_keys: expected an array of key names, got a string"},
		{"unknown_keys with a number", `{` + minimal + `,"unknown_keys":["a",2]}`, "unknown_keys[1]: expected a key name (a string), got a number"},
		{"a key in context and in a list", `{` + minimal + `,"context":{"sts:ExternalId":"x"},"unknown_keys":["sts:ExternalId"]}`, `unknown_keys: key "sts:ExternalId" is also in context`},
		{"a key in two lists", `{` + minimal + `,"absent_keys":["aws:PrincipalTag/*"],"unknown_value_keys":["aws:PrincipalTag/*"]}`, `unknown_value_keys: key "aws:PrincipalTag/*" is also in absent_keys`},
		{"a key twice in one list", `{` + minimal + `,"absent_keys":["a","a"]}`, `absent_keys: key "a" is listed twice`},
		{"a key twice in context", `{` + minimal + `,"context":{"a":"1","a":"2"}}`, `context: key "a" is listed twice`},
		{"a key in context differing only in case", `{` + minimal + `,"context":{"aws:SourceIp":"1.2.3.4"},"absent_keys":["AWS:SOURCEIP"]}`, `absent_keys: key "AWS:SOURCEIP" is also in context`},
		{"a policy that is not an object", `{` + minimal + `,"permission_boundary":"{}"}`, "permission_boundary: expected a policy document (a JSON object), got a string"},
		{"a policy without Statement, with its path", `{` + minimal + `,"identity_policies":[{"Statement":[]},{"Version":"2012-10-17"},{}]}`, "identity_policies[1]: the Statement is missing"},
		{"a policy list that is an object", `{` + minimal + `,"session_policies":{"Statement":[]}}`, "session_policies: expected an array of policy documents, got an object"},
		{"a bad SCP, with its path", `{` + minimal + `,"scps":[{"target":"r-1","policies":[]},{"target":"ou-1","policies":[{"Statement":"x"}]}]}`, "scps[1].policies[0]: the Statement must be an object or an array of objects, not a string"},
		{"a level with an unknown field", `{` + minimal + `,"rcps":[{"target":"r-1","policy":[]}]}`, `rcps[0]["policy"]: unknown field: a level has target and policies`},
		{"a level that is not an object", `{` + minimal + `,"scps":["r-1"]}`, "scps[0]: expected an object, got a string"},
		{"a level target of the wrong type", `{` + minimal + `,"scps":[{"target":1}]}`, "scps[0].target: expected a string, got a number"},
		{"null for a policy", `{` + minimal + `,"resource_policy":null}`, "resource_policy: expected a policy document (a JSON object), got null"},
		{"a principal the evaluator refuses", `{"principal":"alice","action":"s3:GetObject","resource":"*"}`, "principal:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Run([]byte(tt.req))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			r := out.Results[0]
			if r.Decision != "" || !strings.Contains(r.Error, tt.want) {
				t.Errorf("result = %+v, want an error containing %q", r, tt.want)
			}
			if out.Invalid() != 1 {
				t.Errorf("Invalid() = %d, want 1", out.Invalid())
			}
		})
	}
}

func TestSimulateValidRequests(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, req string
		want      Result
	}{
		{"minimal: no policy, implicit deny", `{` + minimal + `}`, Result{Decision: "implicit_deny", DeniedBy: []string{"identity"}}},
		{"id echoed", `{"id":"x",` + minimal + `,"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}]}`, Result{ID: "x", Decision: "allowed"}},
		{"a multi-valued key", `{` + minimal + `,"context":{"aws:TagKeys":["team"]},"context_complete":true,
			"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:TagKeys":"team"}}}}]}`,
			Result{Decision: "implicit_deny", DeniedBy: []string{"identity"}}},
		{"the same with ForAnyValue", `{` + minimal + `,"context":{"aws:TagKeys":["team"]},"context_complete":true,
			"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}}}]}`,
			Result{Decision: "allowed"}},
		{"lists of keys", `{` + minimal + `,"absent_keys":["aws:PrincipalTag/*"],"unknown_value_keys":["aws:SourceVpce"],"unknown_keys":["sts:ExternalId"],"context_complete":true,
			"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:PrincipalTag/x":"true","aws:SourceVpce":"false"},"StringEqualsIfExists":{"aws:SourceIp":"x"}}}}]}`,
			Result{Decision: "allowed"}},
		{"levels without policies allow nothing", `{` + minimal + `,"scps":[{"target":"r-1"}],"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}]}`,
			Result{Decision: "implicit_deny", DeniedBy: []string{"scp"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Run([]byte(tt.req))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Result{tt.want}, out.Results); diff != "" {
				t.Errorf("Run() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A batch keeps input order, and an invalid request does not stop the
// others.
func TestSimulateBatch(t *testing.T) {
	t.Parallel()
	in := `[{"id":"a",` + minimal + `}, 42, {"id":"c","principal":"nobody",` + minimal[len(`"principal":"arn:aws:iam::111122223333:user/alice",`):] + `},
		{"id":"d",` + minimal + `,"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}]}]`
	out, err := Run([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !out.Batch || len(out.Results) != 4 {
		t.Fatalf("Run() = %+v, want a batch of 4", out)
	}
	var got []string
	for _, r := range out.Results {
		got = append(got, r.ID+"="+r.Decision+errorField(r.Error))
	}
	want := []string{"a=implicit_deny", "=error:request 1", "c=error:request 2: principal", "d=allowed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("batch mismatch (-want +got):\n%s", diff)
	}
	if out.Invalid() != 2 {
		t.Errorf("Invalid() = %d, want 2", out.Invalid())
	}
	empty, err := Run([]byte(` [ ] `))
	if err != nil || !empty.Batch || len(empty.Results) != 0 {
		t.Errorf("Run([]) = %+v, %v", empty, err)
	}
	var buf bytes.Buffer
	if err := empty.WriteJSON(&buf); err != nil || strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("empty batch written as %q, %v", buf.String(), err)
	}
}

// errorField keeps an error's location (what precedes its last ": ").
func errorField(e string) string {
	if e == "" {
		return ""
	}
	if i := strings.LastIndex(e, ": "); i >= 0 {
		return "error:" + e[:i]
	}
	return "error:" + e
}

// Identical policy documents in a batch are parsed once.
func TestSimulateSharesPolicies(t *testing.T) {
	t.Parallel()
	var d decoder
	doc := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
	v1, _ := jsontree.Parse([]byte(doc))
	v2, _ := jsontree.Parse([]byte(" " + doc))
	a, err := d.policy("x", &v1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.policy("y", &v2)
	if a != b || len(d.policies) != 1 {
		t.Errorf("the same document was parsed twice")
	}
}

func TestSimulateNotJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "   ", "{", `{"a":1} {"b":2}`, "nope", `"a string"`, `12`, `null`, `true`} {
		_, err := Run([]byte(in))
		if !errors.Is(err, ErrNotJSON) {
			t.Errorf("Run(%q) error = %v, want ErrNotJSON", in, err)
		}
	}
	_, err := Run([]byte(`{"a": }`))
	if err == nil || !regexp.MustCompile(`at byte \d+`).MatchString(err.Error()) {
		t.Errorf("syntax error without position: %v", err)
	}
}

func TestSimulateOutput(t *testing.T) {
	t.Parallel()
	single := Output{Results: []Result{{ID: "a", Decision: "conditional", UnknownKeys: []string{"sts:ExternalId"}}}}
	var buf bytes.Buffer
	if err := single.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), `{"id":"a","decision":"conditional","unknown_keys":["sts:ExternalId"]}`+"\n"; got != want {
		t.Errorf("WriteJSON single = %q, want %q", got, want)
	}
	batch := Output{Batch: true, Results: []Result{
		{Decision: "implicit_deny", DeniedBy: []string{"identity", "scp"}},
		{ID: "b", Error: "principal: required"},
		{ID: "c", Decision: "conditional", UnknownKeys: []string{"aws:SourceVpce", "session_name"}},
	}}
	buf.Reset()
	if err := batch.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := "#0  implicit_deny  denied by: identity, scp\nb  invalid: principal: required\nc  conditional  unknown: aws:SourceVpce, session_name\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("WriteText mismatch (-want +got):\n%s", diff)
	}
	buf.Reset()
	if err := batch.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), `[{"decision":"implicit_deny","denied_by":["identity","scp"]},{"id":"b","error":"principal: required"}`) {
		t.Errorf("WriteJSON batch = %s", buf.String())
	}
}
