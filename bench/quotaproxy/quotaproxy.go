// Package quotaproxy is a loopback HTTP proxy to an AWS emulator (moto) that
// enforces IAM Identity Center's quotas, which the emulator does not: at most
// Rate calls in any one-second window to sso-admin and, separately, to
// Identity Store (ThrottlingException beyond), and at most MaxCreates
// CreateAccountAssignment requests outstanding (ConflictException beyond).
// With CreateLatency set it also makes assignment creation asynchronous as
// on AWS: a create answers IN_PROGRESS and stays outstanding for that long,
// and DescribeAccountAssignmentCreationStatus reports it until then.
//
// Benchmarks run gatehouse behind it to measure the scheduler against the
// real bottleneck; tests use its Fault hook to lose requests or responses
// the way a broken network does.
package quotaproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fault is what the proxy does to one call instead of forwarding it
// normally.
type Fault int

// Faults.
const (
	// Pass forwards the call.
	Pass Fault = iota
	// DropRequest closes the connection without forwarding: the call never
	// reached AWS.
	DropRequest
	// DropResponse forwards the call, then closes the connection without
	// answering: AWS did it, the client cannot know.
	DropResponse
)

// Options configure a proxy.
type Options struct {
	// Upstream is the emulator's URL, e.g. http://127.0.0.1:5000.
	Upstream string
	// Rate is the calls allowed in any one-second window, per service;
	// default 20. Negative disables the limit.
	Rate int
	// MaxCreates is how many CreateAccountAssignment may be outstanding;
	// default 15.
	MaxCreates int
	// CreateLatency keeps each assignment creation IN_PROGRESS this long.
	CreateLatency time.Duration
	// FailCreate, when set, is asked about the n-th CreateAccountAssignment
	// (from 0): a reason makes the proxy answer it itself, IN_PROGRESS, and
	// report it FAILED with that reason once CreateLatency has passed,
	// without forwarding it, as AWS does with an assignment it cannot make.
	FailCreate func(n int) string
	// Now is the proxy's clock (the rate windows and creation latency);
	// time.Now when nil. Tests pass a clock of their own.
	Now func() time.Time
	// Fault, when set, is asked about every call: the service
	// ("sso-admin", "identitystore" or "other"), the operation, and how many
	// calls of that operation came before it.
	Fault func(service, op string, n int) Fault
}

// Stats counts what the proxy saw.
type Stats struct {
	// Calls counts calls by "service:operation", refused ones included.
	Calls map[string]int
	// Throttled and Conflicts count the calls refused by each quota.
	Throttled int
	Conflicts int
	// PeakOutstanding is the most CreateAccountAssignment outstanding at once.
	PeakOutstanding int
}

// Total is the number of calls seen.
func (s Stats) Total() int {
	n := 0
	for _, v := range s.Calls {
		n += v
	}
	return n
}

// Proxy is a running quota proxy.
type Proxy struct {
	URL string

	opts   Options
	ln     net.Listener
	srv    *http.Server
	client *http.Client

	mu          sync.Mutex
	stats       Stats
	opCount     map[string]int
	window      map[string][]time.Time // service -> times of accepted calls in the last second
	outstanding int
	pending     map[string]pendingCreate // request ID -> simulated creation
}

// Start listens on a free loopback port and serves until Close.
func Start(opts Options) (*Proxy, error) {
	if opts.Rate == 0 {
		opts.Rate = 20
	}
	if opts.MaxCreates == 0 {
		opts.MaxCreates = 15
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the quota proxy: %w", err)
	}
	p := &Proxy{
		URL:     "http://" + ln.Addr().String(),
		opts:    opts,
		ln:      ln,
		client:  &http.Client{Timeout: 5 * time.Minute},
		stats:   Stats{Calls: map[string]int{}},
		opCount: map[string]int{},
		window:  map[string][]time.Time{},
		pending: map[string]pendingCreate{},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.srv.Close() }

// Stats returns a copy of the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.stats
	out.Calls = make(map[string]int, len(p.stats.Calls))
	for k, v := range p.stats.Calls {
		out.Calls[k] = v
	}
	return out
}

// ResetStats zeroes the counters.
func (p *Proxy) ResetStats() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats = Stats{Calls: map[string]int{}}
}

// Operations returns the counted operations, sorted.
func (s Stats) Operations() []string {
	ops := make([]string, 0, len(s.Calls))
	for k := range s.Calls {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	return ops
}

func classify(r *http.Request) (service, op string) {
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "SWBExternalService."):
		return "sso-admin", strings.TrimPrefix(target, "SWBExternalService.")
	case strings.HasPrefix(target, "AWSIdentityStore."):
		return "identitystore", strings.TrimPrefix(target, "AWSIdentityStore.")
	case target != "":
		if i := strings.IndexByte(target, '.'); i >= 0 {
			return "other", target[i+1:]
		}
	}
	return "other", r.Method + " " + r.URL.Path
}

// ServeHTTP applies the quotas and faults, then forwards.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	svc, op := classify(r)
	now := p.opts.Now()

	p.mu.Lock()
	p.stats.Calls[svc+":"+op]++
	n := p.opCount[op]
	p.opCount[op]++
	if svc != "other" && p.opts.Rate > 0 {
		win := p.window[svc]
		for len(win) > 0 && now.Sub(win[0]) >= time.Second {
			win = win[1:]
		}
		if len(win) >= p.opts.Rate {
			p.window[svc] = win
			p.stats.Throttled++
			p.mu.Unlock()
			awsError(w, "ThrottlingException", "Rate exceeded")
			return
		}
		p.window[svc] = append(win, now)
	}
	if op == "DescribeAccountAssignmentCreationStatus" {
		if status, reason, ok := p.pendingStatus(body, now); ok {
			p.mu.Unlock()
			writeCreationStatus(w, status, reason)
			return
		}
	}
	creating := op == "CreateAccountAssignment"
	if creating {
		p.expire(now)
		if p.outstanding >= p.opts.MaxCreates {
			p.stats.Conflicts++
			p.mu.Unlock()
			awsError(w, "ConflictException", "There is a conflicting operation in process. Please try again later.")
			return
		}
		p.outstanding++
		p.stats.PeakOutstanding = max(p.stats.PeakOutstanding, p.outstanding)
	}
	p.mu.Unlock()

	fault := Pass
	if p.opts.Fault != nil {
		fault = p.opts.Fault(svc, op, n)
	}
	if fault == DropRequest {
		p.release(creating)
		hangUp(w)
		return
	}
	if creating && p.opts.FailCreate != nil {
		if reason := p.opts.FailCreate(n); reason != "" {
			id := fmt.Sprintf("failed-%d", n)
			p.mu.Lock()
			p.pending[id] = pendingCreate{until: now.Add(p.opts.CreateLatency), reason: reason}
			p.mu.Unlock()
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_ = json.NewEncoder(w).Encode(map[string]any{"AccountAssignmentCreationStatus": map[string]any{"Status": "IN_PROGRESS", "RequestId": id}})
			return
		}
	}
	status, header, respBody, err := p.forward(r, body)
	if err != nil {
		p.release(creating)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if creating && p.opts.CreateLatency > 0 && status == http.StatusOK {
		respBody = p.startPending(respBody, now)
	} else {
		p.release(creating)
	}
	if fault == DropResponse {
		hangUp(w)
		return
	}
	for k, vs := range header {
		if strings.EqualFold(k, "Content-Length") {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(respBody)
}

func (p *Proxy) forward(r *http.Request, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.opts.Upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data, err
}

// release ends an outstanding create, unless it is simulated as pending.
func (p *Proxy) release(creating bool) {
	if !creating {
		return
	}
	p.mu.Lock()
	p.outstanding--
	p.mu.Unlock()
}

// startPending rewrites a create's SUCCEEDED into IN_PROGRESS and keeps it
// outstanding for CreateLatency.
func (p *Proxy) startPending(body []byte, now time.Time) []byte {
	var out map[string]map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		p.release(true)
		return body
	}
	st := out["AccountAssignmentCreationStatus"]
	id, _ := st["RequestId"].(string)
	if st == nil || id == "" {
		p.release(true)
		return body
	}
	p.mu.Lock()
	p.pending[id] = pendingCreate{until: now.Add(p.opts.CreateLatency)}
	p.mu.Unlock()
	st["Status"] = "IN_PROGRESS"
	b, err := json.Marshal(out)
	if err != nil {
		return body
	}
	return b
}

// pendingCreate is an assignment creation the proxy keeps IN_PROGRESS.
type pendingCreate struct {
	until  time.Time
	reason string // why it fails; "" when it succeeds
}

// expire ends the simulated creations whose time has come; their status
// stays readable. Called with p.mu held.
func (p *Proxy) expire(now time.Time) {
	for id, pc := range p.pending {
		if !now.Before(pc.until) && !pc.expired() {
			pc.until = time.Time{}
			p.pending[id] = pc
			p.outstanding--
		}
	}
}

func (pc pendingCreate) expired() bool { return pc.until.IsZero() }

// pendingStatus answers a status request for a simulated creation. Called
// with p.mu held.
func (p *Proxy) pendingStatus(body []byte, now time.Time) (status, reason string, ok bool) {
	var in struct{ AccountAssignmentCreationRequestId string }
	if json.Unmarshal(body, &in) != nil {
		return "", "", false
	}
	pc, ok := p.pending[in.AccountAssignmentCreationRequestId]
	if !ok {
		return "", "", false
	}
	if !pc.expired() && now.Before(pc.until) {
		return "IN_PROGRESS", "", true
	}
	if !pc.expired() {
		pc.until = time.Time{}
		p.pending[in.AccountAssignmentCreationRequestId] = pc
		p.outstanding--
	}
	if pc.reason != "" {
		return "FAILED", pc.reason, true
	}
	return "SUCCEEDED", "", true
}

func writeCreationStatus(w http.ResponseWriter, status, reason string) {
	st := map[string]any{"Status": status, "RequestId": "simulated"}
	if reason != "" {
		st["FailureReason"] = reason
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"AccountAssignmentCreationStatus": st})
}

func awsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "connection dropped", http.StatusBadGateway)
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		conn.Close()
	}
}
