package render

// The report page in a real browser: headless Chromium driven over the
// WebDriver protocol by chromedriver (Debian's chromium and chromium-driver,
// installed by scripts/setup.sh), with no Go dependency. The same approach
// as the sign-in page tests of internal/sandbox, reduced to what the page
// needs.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromium is a WebDriver session in headless Chromium.
type chromium struct {
	tb      testing.TB
	base    string // chromedriver URL + /session/<id>
	elemKey string
	waiting string // the condition waitFor awaits, for the error message
}

// newChromium starts chromedriver on a free loopback port and a headless
// Chromium session with a fresh profile, its window width x height; both
// stop when the test ends.
func newChromium(tb testing.TB, width, height int) *chromium {
	tb.Helper()
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		tb.Fatalf("chromedriver is not on PATH (%v); run scripts/setup.sh (Debian: apt-get install chromium chromium-driver)", err)
	}
	binary, err := exec.LookPath("chromium")
	if err != nil {
		tb.Fatalf("chromium is not on PATH (%v); run scripts/setup.sh", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--allowed-ips=127.0.0.1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting chromedriver: %v", err)
	}
	tb.Cleanup(func() {
		// The driver's process group holds the browsers it started.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	root := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(root + "/status")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("chromedriver did not answer on %s within 60s: %v", root, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c := &chromium{tb: tb, base: root, elemKey: "element-6066-11e4-a52e-4f735466cecf"}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	c.call(http.MethodPost, "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": binary,
			"args": []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--window-size=" + strconv.Itoa(width) + "," + strconv.Itoa(height), "--user-data-dir=" + tb.TempDir()},
		},
	}}}, &sess)
	if sess.SessionID == "" {
		tb.Fatal("chromedriver returned no session id")
	}
	c.base = root + "/session/" + sess.SessionID
	tb.Cleanup(func() { c.call(http.MethodDelete, "", nil, nil) })
	c.call(http.MethodPost, "/timeouts", map[string]int{"implicit": 15000, "pageLoad": 60000, "script": 60000}, nil)
	return c
}

// call sends one WebDriver command and decodes its "value" into out.
func (c *chromium) call(method, path string, body, out any) {
	c.tb.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.tb.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		if c.waiting != "" {
			c.tb.Fatalf("waiting for %s: WebDriver %s %s: HTTP %d: %.300s", c.waiting, method, path, resp.StatusCode, data)
		}
		c.tb.Fatalf("WebDriver %s %s: HTTP %d: %.300s", method, path, resp.StatusCode, data)
	}
	if out == nil {
		return
	}
	var env struct{ Value json.RawMessage }
	if err := json.Unmarshal(data, &env); err != nil {
		c.tb.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	if err := json.Unmarshal(env.Value, out); err != nil {
		c.tb.Fatalf("WebDriver %s %s value: %v", method, path, err)
	}
}

// open navigates and returns once the page has loaded.
func (c *chromium) open(u string) { c.call(http.MethodPost, "/url", map[string]string{"url": u}, nil) }

func (c *chromium) find(css string) string {
	var el map[string]string
	c.call(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &el)
	return el[c.elemKey]
}

func (c *chromium) click(css string) {
	c.call(http.MethodPost, "/element/"+c.find(css)+"/click", map[string]any{}, nil)
}

func (c *chromium) typeInto(css, text string) {
	c.call(http.MethodPost, "/element/"+c.find(css)+"/value", map[string]string{"text": text}, nil)
}

func (c *chromium) text(css string) string {
	var s string
	c.call(http.MethodGet, "/element/"+c.find(css)+"/text", nil, &s)
	return s
}

// eval runs a function body in the page and decodes what it returns.
func (c *chromium) eval(script string, out any, args ...any) {
	c.call(http.MethodPost, "/execute/sync", map[string]any{"script": script, "args": append([]any{}, args...)}, out)
}

// waitFor runs an expression on every animation frame until it is truthy
// (within the session's 60s script timeout) and decodes its value.
func (c *chromium) waitFor(expr string, out any) {
	c.tb.Helper()
	script := `var done = arguments[arguments.length - 1];
(function check() {
  var v;
  try { v = (` + expr + `); } catch (e) { v = undefined; }
  if (v) { done(v); } else { requestAnimationFrame(check); }
})();`
	c.waiting = expr
	defer func() { c.waiting = "" }()
	c.call(http.MethodPost, "/execute/async", map[string]any{"script": script, "args": []any{}}, out)
}

// screenshot saves a PNG of the viewport into the test's temporary
// directory and, when GATEHOUSE_SCREENSHOTS names a directory, there too.
func (c *chromium) screenshot(name string) string {
	c.tb.Helper()
	var b64 string
	c.call(http.MethodGet, "/screenshot", nil, &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		c.tb.Fatalf("the screenshot is not a PNG (%v)", err)
	}
	dirs := []string{c.tb.TempDir()}
	if d := os.Getenv("GATEHOUSE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			c.tb.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	var path string
	for _, d := range dirs {
		path = filepath.Join(d, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			c.tb.Fatal(err)
		}
	}
	return path
}

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
	c := newChromium(t, 1400, 1000)
	c.open(writePage(t, page.Bytes()))
	var ready string
	c.waitFor("document.body.dataset.ready", &ready)

	t.Run("self-contained", func(t *testing.T) {
		var fetched []string
		c.eval("return performance.getEntriesByType('resource').map(function (e) { return e.name; })", &fetched)
		if len(fetched) > 0 {
			t.Errorf("the page fetched %q", fetched)
		}
		var docTitle string
		c.eval("return document.title", &docTitle)
		if docTitle != title {
			t.Errorf("document.title = %q, want the title as text %q", docTitle, title)
		}
		var elements struct{ Scripts, Injected int }
		c.eval("return {scripts: document.querySelectorAll('script').length, injected: document.querySelectorAll('img, iframe, object, embed').length}", &elements)
		if elements.Scripts != 2 || elements.Injected != 0 {
			t.Errorf("the page has %d script elements (want 2) and %d img, iframe, object or embed (want 0): a hostile name injected markup", elements.Scripts, elements.Injected)
		}
	})

	t.Run("hostile names are shown as text", func(t *testing.T) {
		var labels []string
		c.eval("return Array.prototype.map.call(document.querySelectorAll('.rh'), function (e) { return e.textContent; })", &labels)
		for _, name := range []string{hostileNames[6], hostileNames[7]} {
			want := "iam user" + name + "@tools"
			if !slices.Contains(labels, want) {
				t.Errorf("no row header %q among %q", want, labels)
			}
		}
	})

	t.Run("a cell opens its paths", func(t *testing.T) {
		c.click(`.cell[data-principal="user:alice"][data-account="111111111111"]`)
		c.waitFor("!document.getElementById('panel').hidden", new(bool))
		got := c.text("#panel")
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

		c.click(`.cell[data-principal="user:alice"][data-account="333333333333"]`)
		c.waitFor("document.getElementById('panel-title').textContent.indexOf('tools') >= 0", new(bool))
		got = c.text("#panel")
		for _, want := range []string{
			"ToolsReader", "conditional", "Decided by conditions the audit cannot know: aws:SourceIp",
			"alice > Engineers > ReadOnly@prod > EngineerAccess > ToolsReader@tools",
			"assume role EngineerAccess@prod → ToolsReader@tools if aws:SourceIp",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("the panel does not show %q:\n%s", want, got)
			}
		}
		c.screenshot("audit-report.png")
		c.click("#panel-close")
		c.waitFor("document.getElementById('panel').hidden", new(bool))
	})

	t.Run("findings filter", func(t *testing.T) {
		rows := func() (sevs []string) {
			c.eval("return Array.prototype.map.call(document.querySelectorAll('#findings-body tr'), function (r) { return r.className; })", &sevs)
			return sevs
		}
		all := rows()
		if len(all) != 7 {
			t.Fatalf("%d findings shown, want 7", len(all))
		}
		c.click("#sev-info")
		c.waitFor("document.querySelectorAll('#findings-body tr').length === 6", new(bool))
		if got := rows(); slices.Contains(got, "sev-info") {
			t.Errorf("info findings still shown after unticking info: %q", got)
		}
		if got := c.text("#findings-count"); got != "Showing 6 of 7 findings" {
			t.Errorf("count = %q", got)
		}
		c.typeInto("#finding-search", "deployer")
		c.waitFor("document.querySelectorAll('#findings-body tr').length === 1", new(bool))
		if got := c.text("#findings-body"); !strings.Contains(got, "TRUST-NO-MFA") {
			t.Errorf("searching deployer shows %q, want the TRUST-NO-MFA finding", got)
		}
		c.eval("document.getElementById('findings').scrollIntoView()", nil)
		c.screenshot("audit-report-findings.png")
	})

	t.Run("people filter", func(t *testing.T) {
		c.typeInto("#people-filter", "bob")
		c.waitFor("document.querySelectorAll('.rh').length === 1", new(bool))
		if got := c.text(".rh"); !strings.HasSuffix(got, "bob") {
			t.Errorf("the filtered matrix shows %q, want bob alone", got)
		}
	})

	t.Run("an empty report", func(t *testing.T) {
		var empty bytes.Buffer
		if err := AuditHTML(&empty, emptyAuditReport(), AuditHTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		c.open(writePage(t, empty.Bytes()))
		c.waitFor("document.body.dataset.ready", new(string))
		var shown struct{ Matrix, NoAccess, NoFindings bool }
		c.eval(`function shown(id) { return document.getElementById(id).offsetParent !== null; }
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
		c.open(writePage(t, big.Bytes()))
		c.waitFor("document.body.dataset.ready", new(string))
		var drawn int
		c.eval("return document.querySelectorAll('.cell').length", &drawn)
		if cells := len(d.Cells) / 3; drawn == 0 || drawn >= cells {
			t.Errorf("%d cells drawn of %d: want the cells in view only", drawn, cells)
		}
		lastAccount := d.S[d.Accounts[len(d.Accounts)-1][1]]
		c.eval("var b = document.getElementById('m-body'); b.scrollTop = b.scrollHeight; b.scrollLeft = b.scrollWidth;", nil)
		var ends []string
		c.waitFor(`(function () {
  var rows = document.querySelectorAll('.rh'), cols = document.querySelectorAll('.ch');
  var last = [rows[rows.length - 1].textContent, cols[cols.length - 1].textContent];
  return last[0].indexOf('vendor2') >= 0 && last[1] === `+strconv.Quote(lastAccount)+` && last;
})()`, &ends)
		var corner bool
		c.eval(`var cells = document.querySelectorAll('.cell'), last = 0;
for (var i = 0; i < cells.length; i++) last = Math.max(last, +cells[i].dataset.p);
return last === `+strconv.Itoa(len(d.Principals)-1), &corner)
		if !corner {
			t.Error("scrolled to the end, the matrix draws no cell of the last principal")
		}
		c.screenshot("audit-report-scrolled.png")
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
	c := newChromium(b, 1400, 1000)
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
		c.open("about:blank")
		c.open(u)
		var tm timing
		c.waitFor(`document.body.dataset.ready && (function () {
  var n = performance.getEntriesByType('navigation')[0], p = performance.getEntriesByName('first-contentful-paint')[0];
  return {ready: +document.body.dataset.readyMs, script: +document.body.dataset.scriptMs, parse: +document.body.dataset.parseMs,
          draw: +document.body.dataset.drawMs, parsed: n.domInteractive,
          contents: p ? p.startTime : 0, cells: document.querySelectorAll('.cell').length};
})()`, &tm)
		if tm.Cells == 0 {
			b.Fatal("the page drew no cell")
		}
		var frames struct{ Idle, Scroll, Redraw float64 }
		c.call(http.MethodPost, "/execute/async", map[string]any{"args": []any{}, "script": `var done = arguments[arguments.length - 1];
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
