package quotaproxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstream answers every call like moto answers a CreateAccountAssignment,
// once release is closed (at once when it is nil).
func upstream(t *testing.T, release chan struct{}) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if release != nil {
			<-release
		}
		io.WriteString(w, `{"AccountAssignmentCreationStatus":{"Status":"SUCCEEDED","RequestId":"r-`+r.Header.Get("X-Test-Id")+`"}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

// clock is a fake clock the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

// waitFor polls cond until it holds, failing the test when a generous
// deadline passes first.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func call(t *testing.T, url, target, id string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"AccountAssignmentCreationRequestId":"r-`+id+`"}`))
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("X-Test-Id", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestThrottlesBeyondRate(t *testing.T) {
	// A frozen clock: all eight calls fall in one one-second window however
	// slowly the machine runs them.
	p, err := Start(Options{Upstream: upstream(t, nil).URL, Rate: 5, Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var throttled int
	for range 8 {
		if code, body := call(t, p.URL, "SWBExternalService.ListPermissionSets", "x"); code == 400 && strings.Contains(body, "ThrottlingException") {
			throttled++
		}
	}
	// Identity Store has its own window.
	if code, _ := call(t, p.URL, "AWSIdentityStore.ListUsers", "x"); code != 200 {
		t.Errorf("identitystore call throttled by sso-admin's quota: %d", code)
	}
	if throttled != 3 || p.Stats().Throttled != 3 {
		t.Errorf("throttled %d calls (stats %d), want 3 of 8 at 5 per second", throttled, p.Stats().Throttled)
	}
	if got := p.Stats().Calls["sso-admin:ListPermissionSets"]; got != 8 {
		t.Errorf("counted %d calls, want 8", got)
	}
}

func TestConflictBeyondOutstandingCreates(t *testing.T) {
	release := make(chan struct{})
	p, err := Start(Options{Upstream: upstream(t, release).URL, Rate: -1, MaxCreates: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call(t, p.URL, "SWBExternalService.CreateAccountAssignment", fmt.Sprint(i))
		}()
	}
	// The first three are outstanding (held upstream) once the proxy
	// counts them; then each further create is refused.
	waitFor(t, "three outstanding creations", func() bool { return p.Stats().PeakOutstanding == 3 })
	conflicts := 0
	for i := 3; i < 6; i++ {
		if _, body := call(t, p.URL, "SWBExternalService.CreateAccountAssignment", fmt.Sprint(i)); strings.Contains(body, "ConflictException") {
			conflicts++
		}
	}
	close(release)
	wg.Wait()
	if conflicts != 3 || p.Stats().PeakOutstanding != 3 {
		t.Errorf("%d conflicts, peak %d outstanding; want 3 and 3", conflicts, p.Stats().PeakOutstanding)
	}
}

func TestCreateLatencyMakesCreationAsynchronous(t *testing.T) {
	clk := newClock()
	p, err := Start(Options{Upstream: upstream(t, nil).URL, Rate: -1, MaxCreates: 1, CreateLatency: 200 * time.Millisecond, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, body := call(t, p.URL, "SWBExternalService.CreateAccountAssignment", "1"); !strings.Contains(body, `"Status":"IN_PROGRESS"`) {
		t.Fatalf("create answered %s, want IN_PROGRESS", body)
	}
	if _, body := call(t, p.URL, "SWBExternalService.CreateAccountAssignment", "2"); !strings.Contains(body, "ConflictException") {
		t.Errorf("second create while the first is pending answered %s", body)
	}
	if _, body := call(t, p.URL, "SWBExternalService.DescribeAccountAssignmentCreationStatus", "1"); !strings.Contains(body, "IN_PROGRESS") {
		t.Errorf("status before the latency answered %s", body)
	}
	clk.add(250 * time.Millisecond)
	if _, body := call(t, p.URL, "SWBExternalService.DescribeAccountAssignmentCreationStatus", "1"); !strings.Contains(body, "SUCCEEDED") {
		t.Errorf("status after the latency answered %s", body)
	}
	if _, body := call(t, p.URL, "SWBExternalService.CreateAccountAssignment", "3"); strings.Contains(body, "ConflictException") {
		t.Errorf("create after the first completed answered %s", body)
	}
}

func TestFaults(t *testing.T) {
	var hits int
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		io.WriteString(w, "{}")
	}))
	defer up.Close()
	p, err := Start(Options{Upstream: up.URL, Rate: -1, Fault: func(svc, op string, n int) Fault {
		switch {
		case op == "CreateUser" && n == 0:
			return DropRequest
		case op == "CreateUser" && n == 1:
			return DropResponse
		}
		return Pass
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i, wantHits := range []int{0, 1, 2} {
		code, _ := call(t, p.URL, "AWSIdentityStore.CreateUser", "x")
		if (i < 2) != (code == 0) {
			t.Errorf("call %d: status %d", i, code)
		}
		mu.Lock()
		if hits != wantHits {
			t.Errorf("after call %d upstream saw %d calls, want %d", i, hits, wantHits)
		}
		mu.Unlock()
	}
}
