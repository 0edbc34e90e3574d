package awsconfig

import (
	"fmt"
	"strings"
)

// maxDiffCells bounds the LCS table of Diff; beyond it the changed middle of
// the files is shown as one deletion and one insertion, still a correct diff.
const maxDiffCells = 4 << 20

type opKind byte

const (
	opEqual opKind = ' '
	opDel   opKind = '-'
	opIns   opKind = '+'
)

type op struct {
	kind opKind
	text string
	a, b int // 0-based line numbers in old and new (of the line itself, or where it would be)
}

// Diff returns a unified diff (3 lines of context) from old to new, labelled
// with name, or "" when they are equal. Line endings are shown as "\n";
// a missing final newline is marked as diff(1) does.
func Diff(name string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	a, b := splitLines(string(old)), splitLines(string(new))
	ops := diffOps(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", name, name)
	const context = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		// A hunk starts context lines before the first change and extends
		// while changes are closer than 2*context lines apart.
		start := max(i-context, 0)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != opEqual {
				end = j
				continue
			}
			if j-end > 2*context {
				break
			}
		}
		stop := min(end+context+1, len(ops))
		writeHunk(&out, ops[start:stop])
		i = stop
	}
	return out.String()
}

func writeHunk(out *strings.Builder, ops []op) {
	aStart, bStart := ops[0].a, ops[0].b
	var aLen, bLen int
	for _, o := range ops {
		if o.kind != opIns {
			aLen++
		}
		if o.kind != opDel {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, o := range ops {
		text, noEOL := strings.CutSuffix(o.text, "\x00")
		text = strings.TrimRight(text, "\r\n")
		out.WriteString(string(o.kind) + text + "\n")
		if noEOL {
			out.WriteString("\\ No newline at end of file\n")
		}
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitLines splits s into lines keeping their endings; a last line without
// one is marked with a trailing NUL so that it differs from the same text
// with a line ending.
func splitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s+"\x00")
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// diffOps returns an edit script from a to b: the common prefix and suffix,
// and between them a longest-common-subsequence alignment when it fits in
// maxDiffCells.
func diffOps(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := 0; i < pre; i++ {
		ops = append(ops, op{opEqual, a[i], i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	ops = append(ops, middleOps(ma, mb, pre)...)
	for i := 0; i < suf; i++ {
		ia, ib := len(a)-suf+i, len(b)-suf+i
		ops = append(ops, op{opEqual, a[ia], ia, ib})
	}
	return ops
}

func middleOps(a, b []string, off int) []op {
	var ops []op
	n, m := len(a), len(b)
	if (n+1)*(m+1) > maxDiffCells {
		for i, s := range a {
			ops = append(ops, op{opDel, s, off + i, off})
		}
		for j, s := range b {
			ops = append(ops, op{opIns, s, off + n, off + j})
		}
		return ops
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{opEqual, a[i], off + i, off + j})
			i++
			j++
		case i < n && (j == m || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			ops = append(ops, op{opDel, a[i], off + i, off + j})
			i++
		default:
			ops = append(ops, op{opIns, b[j], off + i, off + j})
			j++
		}
	}
	return ops
}
