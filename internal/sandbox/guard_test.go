package sandbox_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// The front acts only for its own user: no web page they visit may approve
// a sign-in, nor reach the front under another name (DNS rebinding).
func TestFrontRefusesOtherWebPages(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	_, _, dev := startDevice(t, sb)
	code := aws.ToString(dev.UserCode)
	approve := `{"userCode":"` + code + `","userName":"alice"}`
	host := strings.TrimPrefix(sb.URL(), "http://")
	port := host[strings.LastIndexByte(host, ':')+1:]

	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		host        string // "" keeps the sandbox's
		origin      string
		status      int
	}{
		{name: "form post", method: "POST", path: "/sandbox/approve", contentType: "application/x-www-form-urlencoded",
			body: url.Values{"userCode": {code}, "userName": {"alice"}}.Encode(), status: http.StatusUnsupportedMediaType},
		{name: "text/plain post", method: "POST", path: "/sandbox/approve", contentType: "text/plain", body: approve, status: http.StatusUnsupportedMediaType},
		{name: "foreign origin", method: "POST", path: "/sandbox/approve", contentType: "application/json", body: approve,
			origin: "https://evil.example", status: http.StatusForbidden},
		{name: "null origin", method: "POST", path: "/sandbox/approve", contentType: "application/json", body: approve,
			origin: "null", status: http.StatusForbidden},
		{name: "origin on another port", method: "POST", path: "/sandbox/approve", contentType: "application/json", body: approve,
			origin: "http://127.0.0.1:1", status: http.StatusForbidden},
		{name: "foreign host", method: "POST", path: "/sandbox/approve", contentType: "application/json", body: approve,
			host: "evil.example:" + port, status: http.StatusMisdirectedRequest},
		{name: "foreign host without port", method: "POST", path: "/sandbox/approve", contentType: "application/json", body: approve,
			host: "evil.example", status: http.StatusMisdirectedRequest},
		{name: "loopback host on another port", method: "POST", path: "/sandbox/approve", contentType: "application/json", body: approve,
			host: "127.0.0.1:1", status: http.StatusMisdirectedRequest},
		{name: "device page posted from another page", method: "POST", path: "/device", contentType: "application/json",
			body: `{"userCode":"` + code + `","userName":"alice","password":"sandbox","decision":"allow"}`, origin: "https://evil.example", status: http.StatusForbidden},
		{name: "device page posted as a form", method: "POST", path: "/device", contentType: "application/x-www-form-urlencoded",
			body: url.Values{"user_code": {code}, "username": {"alice"}, "password": {"sandbox"}, "decision": {"allow"}}.Encode(), status: http.StatusUnsupportedMediaType},
		{name: "moto read under a rebound name", method: "GET", path: "/moto-api/data.json", host: "evil.example:" + port, status: http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, sb.URL()+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]string
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != tt.status || out["error"] == "" {
				t.Errorf("answered %d %v, want %d with an error", resp.StatusCode, out, tt.status)
			}
			if p := sb.Pending(); len(p) != 1 {
				t.Fatalf("the sign-in is no longer pending: %v", p)
			}
		})
	}

	// The sandbox's own origin, under either loopback name, is accepted.
	for i, origin := range []string{sb.URL(), "http://localhost:" + port} {
		_, _, dev := startDevice(t, sb)
		req, _ := http.NewRequest("POST", sb.URL()+"/sandbox/approve", strings.NewReader(`{"userCode":"`+aws.ToString(dev.UserCode)+`","userName":"alice"}`))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Origin", origin)
		if i == 1 {
			req.Host = "localhost:" + port
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("JSON from origin %s answered %d, want 200", origin, resp.StatusCode)
		}
	}
}

// docExample returns the first shell command in docs/sandbox.md's code
// blocks that contains want.
func docExample(t *testing.T, want string) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/sandbox.md")
	if err != nil {
		t.Fatal(err)
	}
	inCode := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode && strings.Contains(line, want) {
			return line
		}
	}
	t.Fatalf("docs/sandbox.md has no command with %q in a code block", want)
	return ""
}

// The scripts API's example in docs/sandbox.md works exactly as written.
func TestDocsApproveExampleWorks(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("the documented example runs curl, which is not on PATH: %v (Debian: apt-get install curl)", err)
	}
	sb := newSandbox(t, sandbox.Options{})
	portalWorld(t, sb)
	_, _, dev := startDevice(t, sb)
	cmd := exec.Command("sh", "-c", docExample(t, "/sandbox/approve"))
	cmd.Env = append(os.Environ(), sb.EndpointEnv()...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the documented approve command: %v\n%s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil || got["userName"] != "alice" || got["userCode"] != aws.ToString(dev.UserCode) {
		t.Fatalf("the documented approve command printed %s (%v), want the approval of %s for alice", out, err, aws.ToString(dev.UserCode))
	}
	if p := sb.Pending(); len(p) != 0 {
		t.Errorf("after the documented approve command, pending = %v", p)
	}
}
