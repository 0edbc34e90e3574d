package simulate

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// located is the shape of every request error: where, then what
// ("scps[1].policies[0]: Statement: ...", "request 3: principal: required",
// `context["aws:SourceIp"]: expected ...`, `"Principal": unknown field`),
// the one error that names two fields, or a batch element that is not a
// request.
var located = regexp.MustCompile(`^(request \d+: )?(` +
	`[a-z_]+(\[(\d+|"(?:[^"\\]|\\.)*")\])*(\.[a-z_]+(\[\d+\])*)*` + // a field path
	`|"(?:[^"\\]|\\.)*"` + // a field name that is not one
	`)(: | and resource_pattern )` +
	`|^request \d+: expected a request object`) // a batch element that is not an object

// FuzzParseRequest: any input gives either ErrNotJSON, or one result per
// request, each a decision or an error that says where it is.
func FuzzParseRequest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "examples", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{}`, `[]`, `[1,"x",null,{}]`, `{"principal":"anonymous","action":"s3:GetObject","resource":"*"}`,
		`{"principal":"lambda.amazonaws.com","action":"s3:GetObject","resource_pattern":"arn:aws:s3:::b/*","resource_account":"111122223333"}`,
		`{"principal":"arn:aws:iam::111122223333:role/r","action":"sts:AssumeRole","resource":"arn:aws:iam::111122223333:role/t","resource_policy":{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/r/s"},"Action":"*"}}}`,
		`{"principal":"x","context":{"a":["b"]},"absent_keys":["a*"],"scps":[{"target":"r","policies":[{"Statement":[]}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Run(data)
		if err != nil {
			if !errors.Is(err, ErrNotJSON) {
				t.Fatalf("Run error %v is not ErrNotJSON", err)
			}
			return
		}
		if !out.Batch && len(out.Results) != 1 {
			t.Fatalf("a single request gave %d results", len(out.Results))
		}
		for i, r := range out.Results {
			switch {
			case r.Error != "" && r.Decision != "":
				t.Fatalf("result %d has both a decision and an error: %+v", i, r)
			case r.Error != "":
				if !located.MatchString(r.Error) {
					t.Fatalf("result %d: error %q does not say where", i, r.Error)
				}
			default:
				switch r.Decision {
				case "allowed", "explicit_deny", "implicit_deny", "conditional":
				default:
					t.Fatalf("result %d: decision %q", i, r.Decision)
				}
				if len(r.UnknownKeys) > 0 && r.Decision != "conditional" {
					t.Fatalf("result %d: unknown keys on a %s decision", i, r.Decision)
				}
			}
		}
	})
}
