package render

// The report page in a real browser: headless Chromium, driven by
// internal/browsertest.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/browsertest"
)

// writePage writes the report page into a temporary file and returns its
// file:// URL.
func writePage(tb testing.TB, page []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "audit.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		tb.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: path}).String()
}

// TestAuditHTMLInChromium opens the report page in headless Chromium:
// it draws without fetching anything, a cell opens its paths, the findings
// filter, and hostile names stay text.
func TestAuditHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	title := `Audit </title><script>document.title="pwned"</script>`
	var page bytes.Buffer
	if err := AuditHTML(&page, hostileAuditReport(), AuditHTMLOptions{Title: title, Generated: fixtureTime}); err != nil {
		t.Fatal(err)
	}
	c := browsertest.New(t, 1400, 1000)
	c.Open(writePage(t, page.Bytes()))
	var ready string
	c.WaitFor("document.body.dataset.ready", &ready)

	t.Run("self-contained", func(t *testing.T) {
		var fetched []string
		c.Eval("return performance.getEntriesByType('resource').map(function (e) { return e.name; })", &fetched)
		if len(fetched) > 0 {
			t.Errorf("the page fetched %q", fetched)
		}
		var docTitle string
		c.Eval("return document.title", &docTitle)
		if docTitle != title {
			t.Errorf("document.title = %q, want the title as text %q", docTitle, title)
		}
		var elements struct{ Scripts, Injected int }
		c.Eval("return {scripts: document.querySelectorAll('script').length, injected: document.querySelectorAll('img, iframe, object, embed').length}", &elements)
		if elements.Scripts != 2 || elements.Injected != 0 {
			t.Errorf("the page has %d script elements (want 2) and %d img, iframe, object or embed (want 0): a hostile name injected markup", elements.Scripts, elements.Injected)
		}
	})

	t.Run("hostile names are shown as text", func(t *testing.T) {
		var labels []string
		c.Eval("return Array.prototype.map.call(document.querySelectorAll('.rh'), function (e) { return e.textContent; })", &labels)
		for _, name := range []string{hostileNames[6], hostileNames[7]} {
			want := "iam user" + name + "@tools"
			if !slices.Contains(labels, want) {
				t.Errorf("no row header %q among %q", want, labels)
			}
		}
	})

	t.Run("a cell opens its paths", func(t *testing.T) {
		c.Click(`.cell[data-principal="user:alice"][data-account="111111111111"]`)
		c.WaitFor("!document.getElementById('panel').hidden", new(bool))
		got := c.Text("#panel")
		for _, want := range []string{
			"alice → prod (111111111111)",
			"2 roles",
			"AWSReservedSSO_ReadOnly_0123abcd",
			"alice > Engineers > ReadOnly@prod",
			"alice > Engineers > ReadOnly@prod > EngineerAccess",
			"member of alice → Engineers",
			"assignment Engineers → AWSReservedSSO_ReadOnly_0123abcd@prod (permission set ReadOnly)",
			"assume role AWSReservedSSO_ReadOnly_0123abcd@prod → EngineerAccess@prod",
			"chained",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("the panel does not show %q:\n%s", want, got)
			}
		}

		c.Click(`.cell[data-principal="user:alice"][data-account="333333333333"]`)
		c.WaitFor("document.getElementById('panel-title').textContent.indexOf('tools') >= 0", new(bool))
		got = c.Text("#panel")
		for _, want := range []string{
			"ToolsReader", "conditional", "Decided by conditions the audit cannot know: aws:SourceIp",
			"alice > Engineers > ReadOnly@prod > EngineerAccess > ToolsReader@tools",
			"assume role EngineerAccess@prod → ToolsReader@tools if aws:SourceIp",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("the panel does not show %q:\n%s", want, got)
			}
		}
		c.Screenshot("audit-report.png")
		c.Click("#panel-close")
		c.WaitFor("document.getElementById('panel').hidden", new(bool))
	})

	t.Run("findings filter", func(t *testing.T) {
		rows := func() (sevs []string) {
			c.Eval("return Array.prototype.map.call(document.querySelectorAll('#findings-body tr'), function (r) { return r.className; })", &sevs)
			return sevs
		}
		all := rows()
		if len(all) != 7 {
			t.Fatalf("%d findings shown, want 7", len(all))
		}
		c.Click("#sev-info")
		c.WaitFor("document.querySelectorAll('#findings-body tr').length === 6", new(bool))
		if got := rows(); slices.Contains(got, "sev-info") {
			t.Errorf("info findings still shown after unticking info: %q", got)
		}
		if got := c.Text("#findings-count"); got != "Showing 6 of 7 findings" {
			t.Errorf("count = %q", got)
		}
		c.TypeInto("#finding-search", "deployer")
		c.WaitFor("document.querySelectorAll('#findings-body tr').length === 1", new(bool))
		if got := c.Text("#findings-body"); !strings.Contains(got, "TRUST-NO-MFA") {
			t.Errorf("searching deployer shows %q, want the TRUST-NO-MFA finding", got)
		}
		c.Eval("document.getElementById('findings').scrollIntoView()", nil)
		c.Screenshot("audit-report-findings.png")
	})

	t.Run("people filter", func(t *testing.T) {
		c.TypeInto("#people-filter", "bob")
		c.WaitFor("document.querySelectorAll('.rh').length === 1", new(bool))
		if got := c.Text(".rh"); !strings.HasSuffix(got, "bob") {
			t.Errorf("the filtered matrix shows %q, want bob alone", got)
		}
	})

	t.Run("an empty report", func(t *testing.T) {
		var empty bytes.Buffer
		if err := AuditHTML(&empty, emptyAuditReport(), AuditHTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		c.Open(writePage(t, empty.Bytes()))
		c.WaitFor("document.body.dataset.ready", new(string))
		var shown struct{ Matrix, NoAccess, NoFindings bool }
		c.Eval(`function shown(id) { return document.getElementById(id).offsetParent !== null; }
return {matrix: shown('matrix'), noAccess: shown('matrix-empty'), noFindings: shown('findings-empty')};`, &shown)
		if shown.Matrix || !shown.NoAccess || !shown.NoFindings {
			t.Errorf("an empty report shows %+v, want no matrix and both \"No access found.\" and \"No findings.\"", shown)
		}
	})

	t.Run("the matrix draws the cells in view", func(t *testing.T) {
		r := syntheticAuditReport(60, 120)
		var big bytes.Buffer
		if err := AuditHTML(&big, r, AuditHTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		d := newAuditPageData(r)
		c.Open(writePage(t, big.Bytes()))
		c.WaitFor("document.body.dataset.ready", new(string))
		var drawn int
		c.Eval("return document.querySelectorAll('.cell').length", &drawn)
		if cells := len(d.Cells) / 3; drawn == 0 || drawn >= cells {
			t.Errorf("%d cells drawn of %d: want the cells in view only", drawn, cells)
		}
		lastAccount := d.S[d.Accounts[len(d.Accounts)-1][1]]
		c.Eval("var b = document.getElementById('m-body'); b.scrollTop = b.scrollHeight; b.scrollLeft = b.scrollWidth;", nil)
		var ends []string
		c.WaitFor(`(function () {
  var rows = document.querySelectorAll('.rh'), cols = document.querySelectorAll('.ch');
  var last = [rows[rows.length - 1].textContent, cols[cols.length - 1].textContent];
  return last[0].indexOf('vendor2') >= 0 && last[1] === `+strconv.Quote(lastAccount)+` && last;
})()`, &ends)
		var corner bool
		c.Eval(`var cells = document.querySelectorAll('.cell'), last = 0;
for (var i = 0; i < cells.length; i++) last = Math.max(last, +cells[i].dataset.p);
return last === `+strconv.Itoa(len(d.Principals)-1), &corner)
		if !corner {
			t.Error("scrolled to the end, the matrix draws no cell of the last principal")
		}
		c.Screenshot("audit-report-scrolled.png")
	})
}

// BenchmarkAuditHTML measures writing the page of 200 people and 500
// accounts: go test ./internal/render -run XXX -bench AuditHTML$ -benchmem
func BenchmarkAuditHTML(b *testing.B) {
	r := syntheticAuditReport(200, 500)
	var buf bytes.Buffer
	if err := AuditHTML(&buf, r, AuditHTMLOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(len(r.Access)), "rows")
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := AuditHTML(&buf, r, AuditHTMLOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditHTMLInChromium opens the page of 200 people and 500
// accounts (100,000 cells) in headless Chromium, once per iteration, and
// reports the milliseconds from navigation start to the page's ready
// marker (the first frame with the matrix painted), parts of it, and the
// time to redraw after a scroll to the middle of the matrix:
//
//	go test ./internal/render -run XXX -bench AuditHTMLInChromium -benchtime 10x
func BenchmarkAuditHTMLInChromium(b *testing.B) {
	r := syntheticAuditReport(200, 500)
	var page bytes.Buffer
	if err := AuditHTML(&page, r, AuditHTMLOptions{Title: "Synthetic organization", Generated: fixtureTime}); err != nil {
		b.Fatal(err)
	}
	d := newAuditPageData(r)
	u := writePage(b, page.Bytes())
	c := browsertest.New(b, 1400, 1000)
	type timing struct {
		Ready    float64 `json:"ready"`    // navigation start to the ready marker
		Parsed   float64 `json:"parsed"`   // navigation start to domInteractive (HTML parsed, script run)
		Script   float64 `json:"script"`   // the page's script: parse the data, index, first draw
		Parse    float64 `json:"parse"`    // JSON.parse of the embedded report
		Draw     float64 `json:"draw"`     // drawing the matrix in view
		Contents float64 `json:"contents"` // first contentful paint (the header, before the script)
		Scroll   float64 `json:"scroll"`   // a scroll to the middle of the matrix to its next frame
		Idle     float64 `json:"idle"`     // the same wait for a frame without a scroll
		Redraw   float64 `json:"redraw"`   // drawing the matrix after the scroll
		Cells    int     `json:"cells"`    // cells drawn
	}
	var runs []timing
	b.ResetTimer()
	for range b.N {
		c.Open("about:blank")
		c.Open(u)
		var tm timing
		c.WaitFor(`document.body.dataset.ready && (function () {
  var n = performance.getEntriesByType('navigation')[0], p = performance.getEntriesByName('first-contentful-paint')[0];
  return {ready: +document.body.dataset.readyMs, script: +document.body.dataset.scriptMs, parse: +document.body.dataset.parseMs,
          draw: +document.body.dataset.drawMs, parsed: n.domInteractive,
          contents: p ? p.startTime : 0, cells: document.querySelectorAll('.cell').length};
})()`, &tm)
		if tm.Cells == 0 {
			b.Fatal("the page drew no cell")
		}
		var frames struct{ Idle, Scroll, Redraw float64 }
		c.Call(http.MethodPost, "/execute/async", map[string]any{"args": []any{}, "script": `var done = arguments[arguments.length - 1];
function frame(f) { var t = performance.now(); f(); requestAnimationFrame(function () { requestAnimationFrame(function () { setTimeout(function () { done2(performance.now() - t); }, 0); }); }); }
var body = document.getElementById('m-body'), out = {}, done2;
done2 = function (ms) {
  out.idle = ms;
  done2 = function (ms) { out.scroll = ms; out.redraw = +document.body.dataset.drawMs; done(out); };
  frame(function () { body.scrollTop = body.scrollHeight / 2; body.scrollLeft = body.scrollWidth / 2; });
};
frame(function () {});`}, &frames)
		tm.Idle, tm.Scroll, tm.Redraw = frames.Idle, frames.Scroll, frames.Redraw
		runs = append(runs, tm)
	}
	b.StopTimer()
	stats := func(f func(timing) float64) (lo, med, hi float64) {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[0], v[len(v)/2], v[len(v)-1]
	}
	lines := []string{fmt.Sprintf("page %.1f MB: %d access rows, a matrix of %d principals x %d accounts, %d findings; %d runs, %d cells drawn",
		float64(page.Len())/1e6, len(r.Access), len(d.Principals), len(d.Accounts), len(r.Findings), len(runs), runs[0].Cells)}
	for _, m := range []struct {
		name, unit string
		f          func(timing) float64
	}{
		{"navigation start to ready", "ms-ready", func(t timing) float64 { return t.Ready }},
		{"navigation start to HTML parsed", "ms-parsed", func(t timing) float64 { return t.Parsed }},
		{"the page's script", "ms-script", func(t timing) float64 { return t.Script }},
		{"  of which JSON.parse", "ms-json", func(t timing) float64 { return t.Parse }},
		{"  of which drawing the matrix", "ms-draw", func(t timing) float64 { return t.Draw }},
		{"first contentful paint", "ms-fcp", func(t timing) float64 { return t.Contents }},
		{"scroll to the frame after next", "ms-scroll", func(t timing) float64 { return t.Scroll }},
		{"  the same wait without a scroll", "ms-idle", func(t timing) float64 { return t.Idle }},
		{"  drawing the matrix", "ms-redraw", func(t timing) float64 { return t.Redraw }},
	} {
		lo, med, hi := stats(m.f)
		b.ReportMetric(med, m.unit)
		lines = append(lines, fmt.Sprintf("%-32s min %4.0f  median %4.0f  max %4.0f ms", m.name, lo, med, hi))
	}
	b.ReportMetric(float64(page.Len())/1e6, "MB")
	b.Log(strings.Join(lines, "\n"))
}
