package awstest

import (
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is what FaultProxy does to one connection.
type Fault int

// The faults, as a broken network shows them to a client.
const (
	// Pass forwards the connection untouched.
	Pass Fault = iota
	// Reset reads the start of the first request, then resets the
	// connection (TCP RST) without forwarding anything: the request never
	// reached the server, but the client cannot know.
	Reset
	// Cut forwards requests and answers, then resets the connection partway
	// through the answers: the server did what was asked, the client lost
	// the answer.
	Cut
	// Delay holds the connection before forwarding it.
	Delay
)

func (f Fault) String() string {
	return [...]string{"pass", "reset", "cut", "delay"}[f]
}

// FaultOptions say how often and how hard FaultProxy breaks connections.
// The faults are bounded in count and in time, so that the client's
// retries, and a test that runs it again, always end.
type FaultOptions struct {
	// Share is the fraction of new connections that get a fault (0 to 1),
	// spread evenly over reset, cut and delay.
	Share float64
	// MaxFaults bounds the faults; further connections pass.
	MaxFaults int
	// For bounds the time, from the start, during which faults happen.
	For time.Duration
	// MaxDelay bounds a delay (default 200ms); CutWithin bounds how many
	// bytes of answers a cut connection carries first (default 8 KiB).
	MaxDelay  time.Duration
	CutWithin int
	// Seed makes the choices repeatable.
	Seed uint64
}

// FaultProxy is a TCP proxy on a loopback port, in front of an HTTP
// server (moto or the sandbox), that resets, cuts and delays a share of
// the connections it accepts, the way a failing network does. Unlike
// bench/quotaproxy, which answers at the HTTP level for the benchmark, it
// acts below HTTP, so that the client sees real resets and truncated
// answers.
type FaultProxy struct {
	URL string

	opts     FaultOptions
	upstream string
	ln       net.Listener
	start    time.Time

	mu     sync.Mutex
	rng    *rand.Rand
	counts map[Fault]int
	conns  map[net.Conn]struct{}
	closed bool
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup
}

// StartFaultProxy starts a proxy to upstream (http://127.0.0.1:PORT) and
// stops it, and every connection through it, when the test ends.
func StartFaultProxy(t testing.TB, upstream string, o FaultOptions) *FaultProxy {
	t.Helper()
	if o.MaxDelay <= 0 {
		o.MaxDelay = 200 * time.Millisecond
	}
	if o.CutWithin <= 0 {
		o.CutWithin = 8 << 10
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting the fault proxy: %v", err)
	}
	p := &FaultProxy{
		URL:      "http://" + ln.Addr().String(),
		opts:     o,
		upstream: strings.TrimPrefix(upstream, "http://"),
		ln:       ln,
		start:    time.Now(),
		rng:      rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		counts:   map[Fault]int{},
		conns:    map[net.Conn]struct{}{},
		done:     make(chan struct{}),
	}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Faults returns how many connections got each fault so far.
func (p *FaultProxy) Faults() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Fault]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// Close stops accepting, closes every connection and waits for the
// proxy's goroutines.
func (p *FaultProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	_ = p.ln.Close()
	p.wg.Wait()
}

func (p *FaultProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		fault, delay, cutAt := p.pick()
		if !p.track(c) {
			_ = c.Close()
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.serve(c, fault, delay, cutAt)
		}()
	}
}

// pick chooses the fault of a new connection.
func (p *FaultProxy) pick() (Fault, time.Duration, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	faults := 0
	for f, n := range p.counts {
		if f != Pass {
			faults += n
		}
	}
	f := Pass
	if faults < p.opts.MaxFaults && time.Since(p.start) < p.opts.For && p.rng.Float64() < p.opts.Share {
		f = Fault(1 + p.rng.IntN(3))
	}
	p.counts[f]++
	return f, time.Duration(p.rng.Int64N(int64(p.opts.MaxDelay) + 1)), p.rng.Int64N(int64(p.opts.CutWithin) + 1)
}

func (p *FaultProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *FaultProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	_ = c.Close()
}

func (p *FaultProxy) serve(c net.Conn, fault Fault, delay time.Duration, cutAt int64) {
	switch fault {
	case Reset:
		// Wait for the request to start, so that the client has sent it.
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, _ = c.Read(make([]byte, 1))
		reset(c)
		return
	case Delay:
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-p.done:
			t.Stop()
			return
		}
	}
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		reset(c)
		return
	}
	if !p.track(up) {
		_ = up.Close()
		return
	}
	defer p.untrack(up)
	go func() {
		_, _ = io.Copy(up, c)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	if fault == Cut {
		_, err := io.CopyN(c, up, cutAt)
		if err == nil {
			reset(c)
		}
		return
	}
	_, _ = io.Copy(c, up)
}

// reset closes c with a TCP RST, as a failing network or server does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
