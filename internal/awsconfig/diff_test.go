package awsconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"equal", "a\n", "a\n", ""},
		{"new file", "", "a\nb\n", "--- f\n+++ f\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"change in the middle with context",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			"1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"--- f\n+++ f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"two far changes make two hunks",
			"a\n1\n2\n3\n4\n5\n6\n7\n8\nb\n",
			"A\n1\n2\n3\n4\n5\n6\n7\n8\nB\n",
			"--- f\n+++ f\n@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-b\n+B\n"},
		{"missing final newline",
			"a\nb",
			"a\nb\n",
			"--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff("f", []byte(tt.old), []byte(tt.new))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff() mismatch (-want +got)\n%s", diff)
			}
		})
	}
}

// TestDiffApplies checks that every diff, large or small, describes the
// change exactly: applying its +/- lines to old gives new.
func TestDiffApplies(t *testing.T) {
	var big, big2 strings.Builder
	for i := range 3000 {
		big.WriteString("line " + string(rune('a'+i%26)) + "\n")
		big2.WriteString("other " + string(rune('a'+i%7)) + "\n")
	}
	tests := []struct{ name, old, new string }{
		{"interleaved", "a\nb\nc\nd\ne\n", "a\nc\nx\ne\ny\n"},
		{"beyond the LCS bound", big.String(), big2.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := diffOps(splitLines(tt.old), splitLines(tt.new))
			var a, b strings.Builder
			for _, o := range ops {
				if o.kind != opIns {
					a.WriteString(strings.TrimSuffix(o.text, "\x00"))
				}
				if o.kind != opDel {
					b.WriteString(strings.TrimSuffix(o.text, "\x00"))
				}
			}
			if a.String() != tt.old || b.String() != tt.new {
				t.Error("edit script does not reproduce old and new")
			}
		})
	}
}
