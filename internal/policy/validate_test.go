package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const okStatement = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`

func doc(statements string) string {
	return `{"Version":"2012-10-17","Statement":` + statements + `}`
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind Kind
		doc  string
		want []string // Issue.Error() of each issue, in order
	}{
		// Valid documents.
		{"minimal", RoleInline, doc(`[` + okStatement + `]`), nil},
		{"single statement object", PermissionSetInline, doc(okStatement), nil},
		{"2008 version", RoleInline, `{"Version":"2008-10-17","Statement":[` + okStatement + `]}`, nil},
		{"lists, Not elements, Id, Sid, conditions", PermissionSetInline, `{"Version":"2012-10-17","Id":"x","Statement":[
			{"Sid":"DenyOutsideOrg1","Effect":"Deny","NotAction":["iam:*","sts:Get?allerIdentity"],"NotResource":["arn:aws:iam::111111111111:role/*"],
			 "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":["o-abc"]},"ForAnyValue:StringLike":{"aws:TagKeys":"team*"},
			              "Bool":{"aws:SecureTransport":false},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"null":{"aws:SourceIp":"true"}}},
			{"Sid":"All","Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::bucket/${aws:username}/*"}]}`, nil},
		{"trust policy", RoleTrust, doc(`[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root"],"Service":"ec2.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],
			"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"}}}]`), nil},
		{"trust policy with star principal", RoleTrust, doc(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), nil},
		{"latin-1 accepted", RoleInline, doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::zürich/*"}`), nil},

		// Syntax.
		{"not json", RoleInline, `{"Version": "2012-10-17",`, []string{"not valid JSON: the document ends early: a bracket or a quote is missing"}},
		{"syntax error", RoleInline, `{"Version": "2012-10-17" "Statement": []}`, []string{"not valid JSON: invalid character '\"' after object key:value pair at line 1, column 26"}},
		{"trailing text", RoleInline, doc(okStatement) + ` {}`, []string{"not valid JSON: text after the end of the policy"}},
		{"empty", RoleInline, ``, []string{"not valid JSON: the document is empty"}},
		{"not an object", RoleInline, `["Allow"]`, []string{"the policy is a list, not a JSON object"}},

		// Top level.
		{"missing version", RoleInline, `{"Statement":` + okStatement + `}`, []string{"Version is missing"}},
		{"wrong version", RoleInline, `{"Version":"2012-10-18","Statement":` + okStatement + `}`, []string{`Version: Version "2012-10-18" is not "2012-10-17" or "2008-10-17"`}},
		{"version as number", RoleInline, `{"Version":2012,"Statement":` + okStatement + `}`, []string{`Version: Version 2012 is not "2012-10-17" or "2008-10-17"`}},
		{"lowercase element", RoleInline, `{"version":"2012-10-17","Version":"2012-10-17","Statement":` + okStatement + `}`, []string{`version: unknown element "version"`}},
		{"id not string", RoleInline, `{"Version":"2012-10-17","Id":1,"Statement":` + okStatement + `}`, []string{"Id: Id must be a string, not a number"}},
		{"missing statement", RoleInline, `{"Version":"2012-10-17"}`, []string{"Statement is missing"}},
		{"empty statement list", RoleInline, doc(`[]`), []string{"Statement: Statement is an empty list"}},
		{"statement string", RoleInline, doc(`"Allow"`), []string{"Statement: Statement must be a list or an object, not a string"}},
		{"statement entry not object", RoleInline, doc(`[` + okStatement + `, 3]`), []string{"Statement[1]: statement is a number, not an object"}},
		{"duplicate element", RoleInline, `{"Version":"2012-10-17","Statement":[` + okStatement + `],"Statement":[]}`, []string{`Statement: element "Statement" appears twice`}},

		// Statements.
		{"unknown statement element", RoleInline, doc(`{"Effect":"Allow","Action":"s3:GetObject","Resources":"*"}`),
			[]string{`Statement.Resources: unknown element "Resources"`, "Statement: statement has neither Resource nor NotResource"}},
		{"no effect", RoleInline, doc(`{"Action":"s3:GetObject","Resource":"*"}`), []string{"Statement: statement has no Effect"}},
		{"lowercase effect", RoleInline, doc(`{"Effect":"allow","Action":"s3:GetObject","Resource":"*"}`), []string{`Statement.Effect: Effect "allow" is not Allow or Deny`}},
		{"effect bool", RoleInline, doc(`{"Effect":true,"Action":"s3:GetObject","Resource":"*"}`), []string{`Statement.Effect: Effect true is not Allow or Deny`}},
		{"no action", RoleInline, doc(`{"Effect":"Allow","Resource":"*"}`), []string{"Statement: statement has neither Action nor NotAction"}},
		{"action and notaction", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}`), []string{"Statement.NotAction: statement has both Action and NotAction"}},
		{"resource and notresource", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}`), []string{"Statement.NotResource: statement has both Resource and NotResource"}},
		{"bad action", RoleInline, doc(`{"Effect":"Allow","Action":["s3:GetObject","s3 GetObject","s3:"],"Resource":"*"}`),
			[]string{`Statement.Action[1]: action "s3 GetObject" is not service:action`, `Statement.Action[2]: action "s3:" is not service:action`}},
		{"empty action list", RoleInline, doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), []string{"Statement.Action: Action is an empty list"}},
		{"action number", RoleInline, doc(`{"Effect":"Allow","Action":["s3:GetObject",4],"Resource":"*"}`), []string{"Statement.Action[1]: Action entry is a number, not a string"}},
		{"action object", RoleInline, doc(`{"Effect":"Allow","Action":{},"Resource":"*"}`), []string{"Statement.Action: Action must be a string or a list of strings, not an object"}},
		{"bad resource", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":["my-bucket","arn:aws:s3:::ok","arn:aws:s3"]}`),
			[]string{`Statement.Resource[0]: resource "my-bucket" is not an ARN`, `Statement.Resource[2]: resource "arn:aws:s3" is not an ARN`}},
		{"principal in identity policy", PermissionSetInline, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`),
			[]string{"Statement.Principal: Principal is not allowed in a permission set inline policy"}},
		{"notprincipal in role policy", RoleInline, doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"x"},"Action":"s3:*","Resource":"*"}`),
			[]string{"Statement.NotPrincipal: NotPrincipal is not allowed in a role inline policy"}},
		{"sid charset", RoleInline, doc(`{"Sid":"read-only","Effect":"Allow","Action":"s3:*","Resource":"*"}`), []string{`Statement.Sid: Sid "read-only" has characters other than letters and digits`}},
		{"sid not string", RoleInline, doc(`{"Sid":7,"Effect":"Allow","Action":"s3:*","Resource":"*"}`), []string{`Statement.Sid: Sid must be a string, not a number`}},
		{"duplicate sid", RoleInline, doc(`[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"iam:*","Resource":"*"}]`),
			[]string{`Statement[1].Sid: Sid "A" is used by Statement[0] too`}},

		// Conditions.
		{"condition not object", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":["x"]}`), []string{"Statement.Condition: Condition must be an object, not a list"}},
		{"unknown operator", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqual":{"aws:PrincipalOrgID":"o-1"}}}`),
			[]string{`Statement.Condition.StringEqual: unknown condition operator "StringEqual"`}},
		{"null with ifexists", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:SourceIp":"true"}}}`),
			[]string{`Statement.Condition.NullIfExists: unknown condition operator "NullIfExists"`}},
		{"operator value not object", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"o-1"}}`),
			[]string{`Statement.Condition.StringEquals: condition operator StringEquals must map keys to values, not be a string`}},
		{"empty operator", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{}}}`),
			[]string{`Statement.Condition.Bool: condition operator Bool has no keys`}},
		{"condition value object", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":{"a":"b"}}}}`),
			[]string{`Statement.Condition.StringEquals.k: condition key k must have a value or a list of values, not an object`}},
		{"condition value empty list", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":[]}}}`),
			[]string{`Statement.Condition.StringEquals.k: condition key k has an empty list of values`}},
		{"condition value null in list", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":["a",null]}}}`),
			[]string{`Statement.Condition.StringEquals.k[1]: condition value is null`}},
		{"condition keys differing by case", RoleInline, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"a","aws:sourcevpc":"b"}}}`),
			[]string{`Statement.Condition.StringEquals.aws:sourcevpc: condition key aws:sourcevpc appears twice under StringEquals (keys are not case-sensitive)`}},

		// Trust policies.
		{"trust without principal", RoleTrust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), []string{"Statement: trust statement has no Principal"}},
		{"trust with resource", RoleTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Resource":"*"}`),
			[]string{"Statement.Resource: Resource is not allowed in a trust policy"}},
		{"trust with notprincipal", RoleTrust, doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"x"},"Principal":"*","Action":"sts:AssumeRole"}`),
			[]string{"Statement.NotPrincipal: NotPrincipal is not allowed in a trust policy"}},
		{"trust principal type", RoleTrust, doc(`{"Effect":"Allow","Principal":{"Aws":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}`),
			[]string{`Statement.Principal.Aws: unknown element "Aws"`}},
		{"trust principal string", RoleTrust, doc(`{"Effect":"Allow","Principal":"111111111111","Action":"sts:AssumeRole"}`),
			[]string{`Statement.Principal: Principal "111111111111" must be "*" or an object such as {"AWS": ...}`}},
		{"trust empty principal", RoleTrust, doc(`{"Effect":"Allow","Principal":{},"Action":"sts:AssumeRole"}`), []string{`Statement.Principal: Principal is empty`}},

		// Characters.
		{"non latin-1 character", RoleInline, doc(`{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::東京"}`),
			[]string{`Statement.Resource: value holds the character '東' (U+6771), which IAM does not accept`}},
		{"invalid utf-8", RoleInline, "{\"Version\":\"2012-10-17\",\"Statement\":\"\xff\"}", []string{"not valid JSON: the text is not valid UTF-8"}},
		{"too deep", RoleInline, strings.Repeat("[", 100) + strings.Repeat("]", 100), []string{"not valid JSON: nested more than 64 levels deep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := Validate(tt.doc, tt.kind)
			var got []string
			for _, is := range issues {
				got = append(got, is.Error())
				if is.Hint == "" {
					t.Errorf("issue %q has no hint", is.Error())
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSizeLimits(t *testing.T) {
	t.Parallel()
	// statements builds a policy of n statements; each adds the same number
	// of characters, so the limits are crossed at a known count.
	statements := func(n int, pad string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s%04d/*"}`, pad, i)
		}
		return doc("[" + strings.Join(parts, ",") + "]")
	}
	tests := []struct {
		name string
		kind Kind
		doc  string
		want []string
	}{
		{"role policy at the limit", RoleInline, padTo(doc(`[`+okStatement+`]`), RoleInlineLimit), nil},
		{"role policy over the limit", RoleInline, padTo(doc(`[`+okStatement+`]`), RoleInlineLimit+1),
			[]string{"the policy is 10241 characters without whitespace; IAM allows 10240 for all inline policies of a role"}},
		{"whitespace does not count", RoleInline, indent(padTo(doc(`[`+okStatement+`]`), RoleInlineLimit)), nil},
		{"permission set policy over the limit", PermissionSetInline, statements(200, "bucket"),
			[]string{fmt.Sprintf("the policy is %d characters without whitespace; Identity Center allows 10240 in a permission set's inline policy", Size(statements(200, "bucket")))}},
		{"permission set policy over the byte limit", PermissionSetInline, spaced(doc(`[`+okStatement+`]`), PermissionSetInlineBytes+1),
			[]string{"the policy is 32769 bytes; Identity Center allows 32768 in a permission set's inline policy"}},
		{"trust policy over the default quota", RoleTrust, padTo(doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}`), TrustPolicyLimit+1),
			[]string{"the trust policy is 2049 characters without whitespace; IAM's default quota is 2048"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, is := range Validate(tt.doc, tt.kind) {
				got = append(got, is.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// padTo grows doc's Id to make Size(doc) exactly n.
func padTo(doc string, n int) string {
	withID := strings.Replace(doc, `{"Version"`, `{"Id":"","Version"`, 1)
	return strings.Replace(withID, `"Id":""`, `"Id":"`+strings.Repeat("x", n-Size(withID))+`"`, 1)
}

// indent adds whitespace between the tokens of doc without changing it.
func indent(doc string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(doc), "", "    "); err != nil {
		panic(err)
	}
	return b.String()
}

// spaced pads doc with trailing spaces up to n bytes.
func spaced(doc string, n int) string { return doc + strings.Repeat(" ", n-len(doc)) }

func TestCompact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, want, err string
	}{
		{"{ \"b\": [1, 2],\n  \"a\": \"x y\" }", `{"b":[1,2],"a":"x y"}`, ""},
		{"{\n  \"a\": 1\n  \"b\": 2\n}", "", "invalid character '\"' after object key:value pair at line 3, column 3"},
		{`{"a": "é" x}`, "", "invalid character 'x' after object key:value pair at line 1, column 11"},
		{`{"a": [1, 2}`, "", "invalid character '}' after array element at line 1, column 12"},
		{`{"a": 1`, "", "the document ends early: a bracket or a quote is missing"},
	}
	for _, tt := range tests {
		got, err := Compact(tt.doc)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("Compact(%q) = %q, %q; want %q, %q", tt.doc, got, gotErr, tt.want, tt.err)
		}
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		doc  string
		want int
	}{
		{``, 0},
		{`{"a": "b c"}`, 10},
		{"{\n\t\"a\":\r\n 1}", 7},
		{`{"é":1}`, 7},
	} {
		if got := Size(tt.doc); got != tt.want {
			t.Errorf("Size(%q) = %d, want %d", tt.doc, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	for k, want := range map[Kind]string{PermissionSetInline: "permission set inline policy", RoleInline: "role inline policy", RoleTrust: "trust policy", 0: "policy"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, seed := range []string{doc(`[` + okStatement + `]`), `{"Statement":{"Condition":{"ForAnyValue:StringLikeIfExists":{"k":[1,true,"x"]}}}}`, `[`, `{"Version":"2012-10-17","Statement":[{"Principal":{"AWS":[]}}]}`} {
		f.Add(seed, 1)
	}
	f.Fuzz(func(t *testing.T, d string, kind int) {
		for _, is := range Validate(d, Kind(kind%4)) {
			if is.Message == "" || is.Hint == "" {
				t.Errorf("issue without message or hint: %+v", is)
			}
		}
	})
}
