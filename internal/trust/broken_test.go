package trust

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []Broken
	}{
		{
			name: "role ARN still resolves",
			doc:  exactTrust("arn:aws:iam::111111111111:role/EngineerIdentity"),
		},
		{
			name: "deleted role shows its unique ID",
			doc:  exactTrust("AROAEXAMPLEUNIQUEID01"),
			want: []Broken{{Statement: 0, ID: "AROAEXAMPLEUNIQUEID01", Kind: "role"}},
		},
		{
			name: "deleted user in the second statement, with Sid",
			doc: `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},
				{"Sid":"Alice","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","AIDAEXAMPLEUNIQUEID02"]},"Action":"sts:AssumeRole"}]}`,
			want: []Broken{{Statement: 1, Sid: "Alice", ID: "AIDAEXAMPLEUNIQUEID02", Kind: "user"}},
		},
		{
			name: "URL-encoded as GetRole returns it",
			doc:  url.QueryEscape(exactTrust("AROAEXAMPLEUNIQUEID01")),
			want: []Broken{{Statement: 0, ID: "AROAEXAMPLEUNIQUEID01", Kind: "role"}},
		},
		{
			name: "too short to be a unique ID",
			doc:  exactTrust("AROASHORT"),
		},
		{
			name: "group IDs are not principals IAM rewrites",
			doc:  exactTrust("AGPAEXAMPLEUNIQUEID03"),
		},
		{
			name: "an ID in a condition is legitimate",
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
				"Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEUNIQUEID01:*"}}}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindBroken(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindBroken() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBrokenExplains(t *testing.T) {
	t.Parallel()
	b := Broken{Statement: 0, ID: "AROAEXAMPLEUNIQUEID01", Kind: "role"}
	for _, want := range []string{"trust statement 1", "AROAEXAMPLEUNIQUEID01", "deleted role", "matches nobody"} {
		if !strings.Contains(b.Message(), want) {
			t.Errorf("Message() = %q, want it to contain %q", b.Message(), want)
		}
	}
	for _, want := range []string{"gatehouse apply rewrites the trust", "aws:PrincipalArn", "tighten"} {
		if !strings.Contains(b.Fix(), want) {
			t.Errorf("Fix() = %q, want it to contain %q", b.Fix(), want)
		}
	}
}

func TestFindBrokenBadDocument(t *testing.T) {
	t.Parallel()
	if _, err := FindBroken("{oops"); err == nil || !strings.Contains(err.Error(), "reading trust policy") {
		t.Fatalf("FindBroken() error = %v, want a reading error", err)
	}
}

func FuzzFindBroken(f *testing.F) {
	f.Add(exactTrust("AROAEXAMPLEUNIQUEID01"))
	f.Add(`{"Statement":{"Principal":"*"}}`)
	f.Add(`{"Statement":[1,2]}`)
	f.Add("%7B")
	f.Fuzz(func(t *testing.T, doc string) {
		_, _ = FindBroken(doc)
		_, _ = ExactPrincipals(doc)
	})
}
