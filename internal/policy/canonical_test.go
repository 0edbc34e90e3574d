package policy

import "testing"

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"spacing and key order", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
			`{ "Statement": [ { "Resource": "*", "Action": "s3:GetObject", "Effect": "Allow" } ], "Version": "2012-10-17" }`, true},
		{"single statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"],"Resource":["*"]}]}`, true},
		{"action order", `{"Statement":[{"Effect":"Allow","Action":["b","a"],"Resource":"*"}]}`,
			`{"Statement":[{"Effect":"Allow","Action":["a","b"],"Resource":"*"}]}`, true},
		{"url encoded", `%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A111111111111%3Aroot%22%7D%7D%5D%7D`,
			`{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":["arn:aws:iam::111111111111:root"]}}]}`, true},
		{"condition values", `{"Statement":[{"Effect":"Allow","Action":"x","Condition":{"StringEquals":{"k":["2","1"]}}}]}`,
			`{"Statement":[{"Effect":"Allow","Action":"x","Condition":{"StringEquals":{"k":["1","2"]}}}]}`, true},
		{"different effect", `{"Statement":[{"Effect":"Allow","Action":"x"}]}`, `{"Statement":[{"Effect":"Deny","Action":"x"}]}`, false},
		{"different resource", `{"Statement":[{"Effect":"Allow","Action":"x","Resource":"a"}]}`, `{"Statement":[{"Effect":"Allow","Action":"x","Resource":"b"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Equal(tt.a, tt.b); got != tt.same {
				ca, _ := Canonical(tt.a)
				cb, _ := Canonical(tt.b)
				t.Errorf("Equal() = %v, want %v\n a: %s\n b: %s", got, tt.same, ca, cb)
			}
		})
	}
}

func TestCanonicalRejectsNonObjects(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"[1]", "{not json", `"x"`} {
		if _, err := Canonical(doc); err == nil {
			t.Errorf("Canonical(%q) succeeded, want an error", doc)
		}
	}
}
