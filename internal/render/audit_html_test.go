package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
)

var fixtureTime = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func auditHTML(t *testing.T, r *audit.Report, opts AuditHTMLOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := AuditHTML(&buf, r, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// pageDataOf extracts and decodes the report embedded in a page.
func pageDataOf(t *testing.T, page string) auditPageData {
	t.Helper()
	const open = `<script type="application/json" id="audit-data">`
	_, rest, ok := strings.Cut(page, open)
	if !ok {
		t.Fatal("the page has no audit-data script element")
	}
	text, _, ok := strings.Cut(rest, "</script>")
	if !ok {
		t.Fatal("the audit-data script element is not closed")
	}
	var d auditPageData
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		t.Fatalf("the embedded report is not JSON: %v", err)
	}
	return d
}

// The page loads nothing: no element refers to another file or URL, and
// its Content-Security-Policy forbids fetching anything but allows its own
// script, by hash.
func TestAuditHTMLSelfContained(t *testing.T) {
	t.Parallel()
	page := auditHTML(t, hostileAuditReport(), AuditHTMLOptions{Title: "Audit", Generated: fixtureTime})
	loads := regexp.MustCompile(`(?i)(<link\b|<iframe\b|<object\b|<embed\b|@import|\bsrc\s*=|\bhref\s*=|url\(\s*['"]?[a-z]+:)`)
	if m := loads.FindAllString(stripData(t, page), -1); len(m) > 0 {
		t.Errorf("the page refers to other resources: %q", m)
	}
	for _, scheme := range []string{"http://", "https://", "//cdn", "ftp://"} {
		if strings.Contains(stripData(t, page), scheme) {
			t.Errorf("the page, outside the embedded report, mentions %q", scheme)
		}
	}
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("the page has %d script elements, want 2 (the data and the script)", n)
	}
	sum := sha256.Sum256([]byte(auditJS))
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	want := "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';"
	if m == nil || !strings.HasPrefix(html.UnescapeString(m[1]), want) {
		t.Errorf("the page's Content-Security-Policy is %q, want it to start with %q (no fetch; the script allowed by its hash)", m, want)
	}
	if !strings.Contains(page, "<script>"+auditJS+"</script>") {
		t.Error("the page's script differs from audit.js: its hash in the policy would not match")
	}
	if !strings.Contains(page, "Generated 2025-03-14 09:26 UTC") {
		t.Error("the page does not show when the report was generated")
	}
}

// stripData removes the embedded report, whose names may hold anything:
// it is data, never loaded.
func stripData(t *testing.T, page string) string {
	t.Helper()
	before, rest, ok := strings.Cut(page, `<script type="application/json" id="audit-data">`)
	if !ok {
		t.Fatal("no data element")
	}
	_, after, _ := strings.Cut(rest, "</script>")
	return before + after
}

// Hostile names stay data: they cannot close the data element or the
// title, and they come back intact from the embedded JSON.
func TestAuditHTMLHostileNames(t *testing.T) {
	t.Parallel()
	title := `</title><script>alert(1)</script>`
	page := auditHTML(t, hostileAuditReport(), AuditHTMLOptions{Title: title})
	if n := strings.Count(strings.ToLower(page), "</script"); n != 2 {
		t.Errorf("the page has %d </script, want 2: a name closed a script element", n)
	}
	if strings.Contains(page, "<img src=x") || strings.Contains(page, title) {
		t.Error("a hostile name or title is in the page unescaped")
	}
	d := pageDataOf(t, page)
	for _, name := range append(hostileNames, title) {
		if name != title && !slices.Contains(d.S, name) {
			t.Errorf("the embedded report lost the name %q", name)
		}
	}
	if !strings.Contains(page, "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>") {
		t.Error("the title is not escaped as text")
	}
}

// The compact form holds every access row: rebuilt from it, the rows are
// the report's.
func TestAuditPageDataRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []*audit.Report{auditFixture(), hostileAuditReport(), emptyAuditReport(), syntheticAuditReport(12, 9)} {
		d := pageDataOf(t, auditHTML(t, r, AuditHTMLOptions{}))
		got := accessFromPageData(d)
		want := slices.Clone(r.Access)
		for i := range want {
			want[i].AccountName = ""
		}
		key := func(a audit.Access) string { return a.Principal.Type + a.Principal.ID + a.Account + a.RoleARN }
		sortBy := func(x, y audit.Access) int { return strings.Compare(key(x), key(y)) }
		slices.SortFunc(got, sortBy)
		slices.SortFunc(want, sortBy)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows rebuilt from the page mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(r.Findings, d.Findings); diff != "" {
			t.Errorf("findings mismatch (-want +got):\n%s", diff)
		}
	}
}

func accessFromPageData(d auditPageData) []audit.Access {
	out := []audit.Access{}
	conds := func(i int) []string {
		if i < 0 {
			return nil
		}
		var keys []string
		for _, k := range d.Conds[i] {
			keys = append(keys, d.S[k])
		}
		return keys
	}
	o := 0
	for c := 0; c < len(d.Cells); c += 3 {
		p, a := d.Principals[d.Cells[c]], d.Accounts[d.Cells[c+1]]
		for range d.Cells[c+2] {
			flags := d.Rows[o+1]
			acc := audit.Access{
				Principal:  audit.Principal{Type: d.S[p[0]], Name: d.S[p[1]], ID: d.S[p[2]]},
				Account:    d.S[a[0]],
				RoleARN:    d.S[d.Roles[d.Rows[o]][0]],
				Decision:   audit.Allowed,
				Conditions: append([]string{}, conds(d.Rows[o+2])...),
				Chained:    flags&flagChained != 0,
				Managed:    flags&flagUnmanaged == 0,
			}
			if flags&flagConditional != 0 {
				acc.Decision = audit.Conditional
			}
			steps := d.Rows[o+4 : o+4+d.Rows[o+3]]
			o += 4 + len(steps)
			for _, si := range steps {
				s := d.Steps[si]
				step := audit.Step{Kind: d.S[s[0]], From: d.S[s[1]], To: d.S[s[2]], Conditions: conds(s[8]), Managed: s[7] == 1}
				if s[6] >= 0 {
					step.PermissionSet = d.S[s[6]]
				}
				acc.Path = append(acc.Path, step)
			}
			out = append(out, acc)
		}
	}
	if o != len(d.Rows) {
		panic(fmt.Sprintf("%d numbers of rows read, %d stored", o, len(d.Rows)))
	}
	return out
}

// The matrix lists people first, then IAM users, workload roles and
// outside accounts; accounts by name; and a cell's rows are contiguous.
func TestAuditPageDataOrder(t *testing.T) {
	t.Parallel()
	d := newAuditPageData(auditFixture())
	var principals, accounts []string
	for _, p := range d.Principals {
		principals = append(principals, d.S[p[0]]+":"+d.S[p[3]])
	}
	for _, a := range d.Accounts {
		accounts = append(accounts, d.S[a[3]])
	}
	wantP := []string{"user:alice", "user:bob", "iam_user:deploy-bot@tools", "iam_role:github-actions@tools", "account:partner (999999999999)"}
	if diff := cmp.Diff(wantP, principals); diff != "" {
		t.Errorf("principal order mismatch (-want +got):\n%s", diff)
	}
	wantA := []string{"prod (111111111111)", "staging (222222222222)", "tools (333333333333)"}
	if diff := cmp.Diff(wantA, accounts); diff != "" {
		t.Errorf("account order mismatch (-want +got):\n%s", diff)
	}
	var cells [][2]int
	for c := 0; c < len(d.Cells); c += 3 {
		cells = append(cells, [2]int{d.Cells[c], d.Cells[c+1]})
	}
	wantCells := [][2]int{{0, 0}, {0, 2}, {1, 1}, {2, 0}, {3, 1}, {4, 0}}
	if diff := cmp.Diff(wantCells, cells); diff != "" {
		t.Errorf("cells mismatch (-want +got):\n%s", diff)
	}
	// Steps shared by several rows are stored once.
	if len(d.Steps) != 8 {
		t.Errorf("%d distinct steps stored, want 8 (13 steps in all)", len(d.Steps))
	}
}

func TestAuditPageDataGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeJSON(&buf, newAuditPageData(auditFixture())); err != nil {
		t.Fatal(err)
	}
	golden(t, "audit-page-data.json.golden", buf.Bytes())
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 204530: "204,530", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
