package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"
	"github.com/google/go-cmp/cmp"
)

// bigModel writes a valid model of the given size, as a large organization
// would: every account in an OU with tags, users with their names, a group
// per 50 users, permission sets with an inline policy, and assignments.
func bigModel(users, accounts, permissionSets int) string {
	var b strings.Builder
	b.WriteString("# A large organization.\nversion: 1\nidentity_center:\n  region: us-east-1\n  start_url: https://d-1234567890.awsapps.com/start\naccounts:\n")
	for a := range accounts {
		fmt.Fprintf(&b, "  acct%d: { id: \"%d\", ou: Workloads/Team%d, tags: { env: prod, team: t%d } }\n", a, 100000000000+a, a%20, a%20)
	}
	b.WriteString("users:\n")
	for u := range users {
		fmt.Fprintf(&b, "  user%d: { email: user%d@example.com, given_name: Given%d, family_name: Family%d }\n", u, u, u, u)
	}
	groups := max(1, users/50)
	b.WriteString("groups:\n")
	for g := range groups {
		fmt.Fprintf(&b, "  Group%d:\n    description: Group number %d\n    members: [", g, g)
		for u := g; u < users; u += groups {
			if u != g {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "user%d", u)
		}
		b.WriteString("]\n")
	}
	b.WriteString("permission_sets:\n")
	for p := range permissionSets {
		fmt.Fprintf(&b, "  PS%d:\n    description: Permission set %d\n    session_duration: 8h\n"+
			"    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n    inline_policy:\n      Version: \"2012-10-17\"\n      Statement:\n"+
			"        - Sid: S%d\n          Effect: Deny\n          Action: [iam:CreateUser, iam:CreateAccessKey]\n          Resource: \"*\"\n", p, p, p)
	}
	b.WriteString("assignments:\n")
	for g := range groups {
		fmt.Fprintf(&b, "  - groups: [Group%d]\n    permission_sets: [PS%d]\n    accounts: [acct%d, acct%d]\n", g, g%permissionSets, g%accounts, (g+1)%accounts)
	}
	return b.String()
}

// nested writes n flow lists inside each other.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// laughs writes the "billion laughs": levels of anchors, each a list of ten
// aliases of the one before, used once.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("version: 1\nl0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha, ha]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	fmt.Fprintf(&b, "permission_sets:\n  A:\n    inline_policy: { Version: \"2012-10-17\", Statement: [{ Effect: Allow, Action: *l%d, Resource: \"*\" }] }\n", levels)
	return b.String()
}

// keys writes a block mapping of n keys under name, indented by two.
func keys(name string, n int) string {
	var b strings.Builder
	b.WriteString(name + ":\n")
	for i := range n {
		fmt.Fprintf(&b, "  k%d: v\n", i)
	}
	return b.String()
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // the only problem: "line:col: part of the message", "" for none beyond the limits
	}{
		{
			name: "flow nesting deeper than the limit",
			data: "version: 1\nx: " + nested(MaxDepth) + "\n",
			// x is one level; the 64th bracket opens the 65th.
			want: fmt.Sprintf("2:%d: the YAML nests deeper than %d levels", 3+MaxDepth, MaxDepth),
		},
		{
			name: "100 KB of nested brackets stops at the limit",
			data: "version: 1\nx: " + nested(50_000) + "\n",
			want: fmt.Sprintf("2:%d: the YAML nests deeper than %d levels", 3+MaxDepth, MaxDepth),
		},
		{
			name: "block nesting deeper than the limit",
			data: func() string {
				var b strings.Builder
				for i := range MaxDepth + 5 {
					b.WriteString(strings.Repeat(" ", i) + "k:\n")
				}
				return b.String()
			}(),
			want: fmt.Sprintf("%d:%d: the YAML nests deeper than %d levels", MaxDepth+1, MaxDepth+1, MaxDepth),
		},
		{
			name: "nested block lists on one line",
			data: "version: 1\nx:\n  " + strings.Repeat("- ", 100) + "a\n",
			want: fmt.Sprintf("3:%d: the YAML nests deeper than %d levels", 3+2*(MaxDepth-1), MaxDepth),
		},
		{
			name: "too many items",
			data: "version: 1\nx: [" + strings.Repeat("a, ", MaxItems) + "a]\n",
			// version, :, 1, x, :, [ then two items a value: the value that
			// passes the limit is the one numbered (MaxItems+1-5)/2.
			want: fmt.Sprintf("2:%d: the file holds more than %d YAML items", 5+3*((MaxItems+1-5)/2-1), MaxItems),
		},
		{
			name: "too many comment lines",
			data: "version: 1\n" + strings.Repeat("# one item\n", MaxItems),
			// version: 1 holds three items, line L the (L+2)th.
			want: fmt.Sprintf("%d:1: the file holds more than %d YAML items", MaxItems-1, MaxItems),
		},
		{
			name: "too many tabs in the indentation",
			data: "version: 1\nx:\n" + strings.Repeat("\t\n", MaxItems),
			// version: 1 and x: hold five items, each tab line one more.
			want: fmt.Sprintf("%d:1: the file holds more than %d YAML items", MaxItems-2, MaxItems),
		},
		{
			name: "a file larger than the limit",
			data: "version: 1\n" + strings.Repeat("#", MaxFileSize),
			want: fmt.Sprintf("1:1: the file is larger than %d MiB", MaxFileSize>>20),
		},
		{
			name: "a mapping with too many keys",
			data: "version: 1\n" + keys("users", MaxMappingKeys+1),
			want: fmt.Sprintf("3:3: this mapping has more than %d keys", MaxMappingKeys),
		},
		{
			name: "large mappings together",
			data: "version: 1\n" + keys("a", MaxMappingKeys) + keys("b", MaxMappingKeys) + keys("c", 10),
			// b's keys start on line 5004; b's last keys pass the limit.
			want: "5004:3: the file's large mappings hold too many keys together",
		},
		{
			name: "keys whose lines start with anchors of different lengths are still counted together",
			data: func() string {
				var b strings.Builder
				b.WriteString("version: 1\nusers:\n")
				for i := range MaxMappingKeys + 1 {
					fmt.Fprintf(&b, "  &a%s k%d: v\n", strings.Repeat("x", i%3), i)
				}
				return b.String()
			}(),
			want: fmt.Sprintf("3:3: this mapping has more than %d keys", MaxMappingKeys),
		},
		{
			name: "billion laughs",
			data: laughs(9),
			// l5 is the first anchor whose value, its aliases of l4 expanded, goes
			// past the limit: the anchors alone make the model too large.
			want: fmt.Sprintf("7:10: alias *l4 takes the model past %d nodes once aliases are expanded", MaxExpandedNodes),
		},
		{
			name: "an inline policy far beyond AWS's size is not built",
			data: "version: 1\npermission_sets:\n  A:\n    inline_policy:\n      Version: \"2012-10-17\"\n      Statement:\n" +
				"        - { Effect: Allow, Resource: \"*\", Action: &a [" + strings.TrimSuffix(strings.Repeat("iam:GetUser, ", 1000), ", ") + "] }\n" +
				strings.Repeat("        - { Effect: Allow, Resource: \"*\", Action: *a }\n", 5),
			want: fmt.Sprintf("5:7: inline_policy is more than %d bytes as JSON", maxPolicyJSON),
		},
		{
			name: "an inline policy string far beyond AWS's size is not parsed",
			data: "version: 1\npermission_sets:\n  A:\n    inline_policy: '{\"Statement\": [" + strings.Repeat(`"x",`, maxPolicyJSON/4) + "]}'\n",
			want: fmt.Sprintf("4:20: inline_policy is %d bytes", 17+4*(maxPolicyJSON/4)),
		},
		{
			name: "an alias inside its own anchor",
			data: "version: 1\npermission_sets:\n  A:\n    inline_policy: &p { Version: \"2012-10-17\", Statement: [*p, *p] }\n",
			want: "4:60: alias *p is used inside the value of its own anchor &p",
		},
		{
			name: "two anchors calling each other",
			data: "version: 1\na: &a [*b]\nb: &b [*a]\n",
			want: "2:8: alias *b is used inside the value of its own anchor &b",
		},
		{
			name: "invalid UTF-8",
			data: "version: 1\nusers:\n  al\xe9: { email: a@example.com }\n",
			want: "3:5: invalid UTF-8: byte 0xE9",
		},
		{
			name: "invalid UTF-8 in a comment",
			data: "version: 1\n# caf\xe9\n",
			want: "2:6: invalid UTF-8: byte 0xE9",
		},
		{
			name: "lines end with CR alone too",
			data: "version: 1\r# caf\xe9\r",
			want: "2:6: invalid UTF-8: byte 0xE9",
		},
		{
			name: "a control character",
			data: "version: 1\nusers:\n  a\x00b: {}\n",
			want: "3:4: control character U+0000 is not allowed in YAML",
		},
		{
			name: "UTF-16",
			data: "\xff\xfev\x00e\x00r\x00",
			want: "1:1: the file is encoded in UTF-16 or UTF-32",
		},
		{
			name: "too many documents",
			data: strings.Repeat("---\nversion: 1\n", 20_000),
			want: fmt.Sprintf("9:1: more than %d document markers", maxDocumentMarkers),
		},
		{
			name: "a run of anchors and tags",
			data: "version: 1\nx: " + strings.Repeat("&a !t ", 1000) + "v\n",
			// The third property; the YAML scanner counts its column one
			// short after a tag.
			want: "2:9: more than one anchor and one tag on one value",
		},
		{
			name: "a byte order mark is accepted and not counted in columns",
			data: "\ufeffversion: 1\nusres: {}\n",
			want: `2:1: unknown key "usres" in the model`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, probs := Parse("m.yaml", []byte(tt.data))
			var got []string
			for _, p := range probs {
				if p.Hint == "" {
					t.Errorf("problem without a hint: %s", p)
				}
				got = append(got, fmt.Sprintf("%d:%d: %s", p.Pos.Line, p.Pos.Col, p.Message))
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
				t.Errorf("Parse() problems = %q, want one starting %q", got, tt.want)
			}
		})
	}
}

// TestLimitsAcceptBigModel: a model larger than most organizations write
// passes every limit and validates.
func TestLimitsAcceptBigModel(t *testing.T) {
	data := bigModel(2000, 1000, 500)
	if n := len(data); n > MaxFileSize/2 {
		t.Errorf("the big model is %d bytes, more than half the limit", n)
	}
	m, probs := Parse("big.yaml", []byte(data))
	probs = append(probs, Validate(m)...)
	if len(probs) > 0 {
		t.Fatalf("the big model has %d problems, the first: %s", len(probs), probs[0])
	}
	if len(m.Users) != 2000 || len(m.Accounts) != 1000 || len(m.PermissionSets) != 500 {
		t.Errorf("decoded %d users, %d accounts, %d permission sets", len(m.Users), len(m.Accounts), len(m.PermissionSets))
	}
}

// TestItemsBoundTokens checks what the limit on items relies on: the YAML
// scanner makes no more tokens than countItems counts items, on the
// examples and on the fuzzing corpus.
func TestItemsBoundTokens(t *testing.T) {
	inputs := map[string][]byte{"big": []byte(bigModel(300, 100, 50))}
	for _, pattern := range []string{"../../examples/*.yaml", "testdata/*.yaml", "testdata/fuzz/FuzzParse/*"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs[f] = data
		}
	}
	for name, data := range inputs {
		if toks, items := len(lexer.Tokenize(string(data))), itemCount(data); toks > items {
			t.Errorf("%s: %d tokens, more than its %d items", name, toks, items)
		}
	}
}

// itemCount returns the items of data as countItems counts them, with no
// limit; text that is not UTF-8 counts as far as it is.
func itemCount(data []byte) int {
	n, _ := countItems(data, len(data), func(int, int, string, string, ...any) *Problem { return &Problem{} })
	return n
}

func TestPrintable(t *testing.T) {
	tests := []struct {
		r    rune
		want bool
	}{
		{'\t', true}, {'\n', true}, {'\r', true}, {' ', true}, {'~', true}, {0x85, true}, {0xa0, true}, {'é', true}, {0xfeff, true}, {0x1f600, true},
		{0, false}, {0x07, false}, {0x1b, false}, {0x7f, false}, {0x80, false}, {0x9f, false}, {0xfffe, false}, {0xffff, false},
	}
	var got, want []string
	for _, tt := range tests {
		got = append(got, fmt.Sprintf("%U %v", tt.r, printable(tt.r)))
		want = append(want, fmt.Sprintf("%U %v", tt.r, tt.want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("printable() mismatch (-want +got):\n%s", diff)
	}
}

// BenchmarkParseAtLimits parses the costliest inputs the limits let
// through, and some they stop, and reports the time and allocations of
// Parse and Validate together (docs/performance.md, "Hostile input", has
// the figures of the whole command).
//
//	go test ./internal/model -run XXX -bench ParseAtLimits -benchmem
func BenchmarkParseAtLimits(b *testing.B) {
	inputs := []struct{ name, data string }{
		{"big-valid-model", bigModel(2000, 1000, 500)},
		{"items/block-list", "version: 1\nx:\n" + strings.Repeat("  - a\n", MaxItems/2-5)},
		{"items/flow-list", "version: 1\nx: [" + strings.Repeat("a, ", MaxItems/2-5) + "a]\n"},
		{"items/list-of-mappings", "version: 1\nx:\n" + strings.Repeat("  - a: 1\n    b: 2\n", MaxItems/7-5)},
		{"items/comment-lines", "version: 1\n" + strings.Repeat("# a comment line\n", MaxItems-5)},
		{"size/one-scalar", "version: 1\nx: \"" + strings.Repeat("a", MaxFileSize-20) + "\"\n"},
		{"keys/two-mappings", "version: 1\n" + keys("a", MaxMappingKeys-1) + keys("b", MaxMappingKeys-1)},
		{"depth/flow", "version: 1\nx: " + nested(MaxDepth-1) + "\n"},
		{"stopped/nested-200KB", "version: 1\nx: " + nested(100_000) + "\n"},
		{"stopped/billion-laughs", laughs(9)},
		{"stopped/keys", "version: 1\n" + keys("users", 20_000)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			data := []byte(in.data)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				m, _ := Parse("m.yaml", data)
				Validate(m)
			}
		})
	}
}
