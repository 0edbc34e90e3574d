// Package browsertest drives headless Chromium for tests, over the
// WebDriver protocol through chromedriver (Debian's chromium and
// chromium-driver, which scripts/setup.sh installs), with no Go dependency.
// The sandbox's sign-in pages and the audit's report page are tested with it.
package browsertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// elementKey is the W3C WebDriver key of an element reference.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// Browser is a WebDriver session in headless Chromium. Its methods fail
// the test on any WebDriver error.
type Browser struct {
	tb      testing.TB
	base    string // chromedriver URL + /session/<id>
	waiting string // the condition WaitFor awaits, for the error message
}

// New starts chromedriver on a free loopback port and a headless Chromium
// session with a fresh profile and a window of width x height (0, 0: the
// browser's default); both stop when the test ends. Element lookups wait
// up to 15 s for the element (the page after a form's submit may still be
// loading), page loads and scripts up to 60 s.
func New(tb testing.TB, width, height int) *Browser {
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
	b := &Browser{tb: tb, base: root}
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + tb.TempDir()}
	if width > 0 && height > 0 {
		args = append(args, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height))
	}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	b.Call(http.MethodPost, "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"goog:chromeOptions": map[string]any{"binary": binary, "args": args},
	}}}, &sess)
	if sess.SessionID == "" {
		tb.Fatal("chromedriver returned no session id")
	}
	b.base = root + "/session/" + sess.SessionID
	tb.Cleanup(func() { b.Call(http.MethodDelete, "", nil, nil) })
	b.Call(http.MethodPost, "/timeouts", map[string]int{"implicit": 15000, "pageLoad": 60000, "script": 60000}, nil)
	return b
}

// Call sends one WebDriver command of the session (path relative to it)
// and decodes its "value" into out.
func (b *Browser) Call(method, path string, body, out any) {
	b.tb.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.tb.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		if b.waiting != "" {
			b.tb.Fatalf("waiting for %s: WebDriver %s %s: HTTP %d: %.300s", b.waiting, method, path, resp.StatusCode, data)
		}
		b.tb.Fatalf("WebDriver %s %s: HTTP %d: %.300s", method, path, resp.StatusCode, data)
	}
	if out == nil {
		return
	}
	var env struct{ Value json.RawMessage }
	if err := json.Unmarshal(data, &env); err != nil {
		b.tb.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
	if err := json.Unmarshal(env.Value, out); err != nil {
		b.tb.Fatalf("WebDriver %s %s value: %v", method, path, err)
	}
}

// Open navigates and returns once the page has loaded.
func (b *Browser) Open(u string) { b.Call(http.MethodPost, "/url", map[string]string{"url": u}, nil) }

// URL is the address of the page shown.
func (b *Browser) URL() string {
	var u string
	b.Call(http.MethodGet, "/url", nil, &u)
	return u
}

// Find returns the reference of the first element matching a CSS selector.
func (b *Browser) Find(css string) string {
	var el map[string]string
	b.Call(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &el)
	return el[elementKey]
}

// Click clicks the first element matching css.
func (b *Browser) Click(css string) {
	b.Call(http.MethodPost, "/element/"+b.Find(css)+"/click", map[string]any{}, nil)
}

// TypeInto types text into the first element matching css.
func (b *Browser) TypeInto(css, text string) {
	b.Call(http.MethodPost, "/element/"+b.Find(css)+"/value", map[string]string{"text": text}, nil)
}

// Text is the rendered text of the first element matching css.
func (b *Browser) Text(css string) string {
	var s string
	b.Call(http.MethodGet, "/element/"+b.Find(css)+"/text", nil, &s)
	return s
}

// Eval runs a function body in the page and decodes what it returns.
func (b *Browser) Eval(script string, out any, args ...any) {
	b.Call(http.MethodPost, "/execute/sync", map[string]any{"script": script, "args": append([]any{}, args...)}, out)
}

// WaitFor runs a JavaScript expression on every animation frame until it
// is truthy (within the session's 60 s script timeout) and decodes its
// value into out.
func (b *Browser) WaitFor(expr string, out any) {
	b.tb.Helper()
	script := `var done = arguments[arguments.length - 1];
(function check() {
  var v;
  try { v = (` + expr + `); } catch (e) { v = undefined; }
  if (v) { done(v); } else { requestAnimationFrame(check); }
})();`
	b.waiting = expr
	defer func() { b.waiting = "" }()
	b.Call(http.MethodPost, "/execute/async", map[string]any{"script": script, "args": []any{}}, out)
}

// Screenshot saves a PNG of the viewport into the test's temporary
// directory and, when GATEHOUSE_SCREENSHOTS names a directory, there too;
// it returns the path of the last copy.
func (b *Browser) Screenshot(name string) string {
	b.tb.Helper()
	var b64 string
	b.Call(http.MethodGet, "/screenshot", nil, &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		b.tb.Fatalf("the screenshot is not a PNG (%v)", err)
	}
	dirs := []string{b.tb.TempDir()}
	if d := os.Getenv("GATEHOUSE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.tb.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	var path string
	for _, d := range dirs {
		path = filepath.Join(d, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			b.tb.Fatal(err)
		}
	}
	return path
}
