package awstest_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
)

// TestFaultProxy: with every connection faulty and a bound of 9 faults,
// the first 9 connections are reset, cut or delayed (a delay only slows
// the answer; a reset and a cut lose it), and every one after passes.
func TestFaultProxy(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("answer ", 4000) // longer than any cut
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	p := awstest.StartFaultProxy(t, "http://"+ln.Addr().String(), awstest.FaultOptions{Share: 1, MaxFaults: 9, For: time.Hour, Seed: 7})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Minute}
	get := func() error {
		resp, err := client.Get(p.URL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		if err == nil && string(got) != body {
			t.Errorf("an answer arrived changed (%d bytes)", len(got))
		}
		return err
	}
	failed := 0
	for range 9 {
		if get() != nil {
			failed++
		}
	}
	faults := p.Faults()
	if faults[awstest.Reset]+faults[awstest.Cut]+faults[awstest.Delay] != 9 || faults[awstest.Pass] != 0 {
		t.Fatalf("faults after 9 connections = %v", faults)
	}
	if want := faults[awstest.Reset] + faults[awstest.Cut]; failed != want {
		t.Errorf("%d requests failed, want %d (the resets and cuts)", failed, want)
	}
	for _, f := range []awstest.Fault{awstest.Reset, awstest.Cut, awstest.Delay} {
		if faults[f] == 0 {
			t.Errorf("no %v among 9 faults (seed 7): the test does not cover it", f)
		}
	}
	for i := range 5 {
		if err := get(); err != nil {
			t.Errorf("request %d after the bound: %v", i, err)
		}
	}
	if got := p.Faults()[awstest.Pass]; got != 5 {
		t.Errorf("%d connections passed after the bound, want 5", got)
	}

	// Bounded in time too: past For, nothing is faulty.
	q := awstest.StartFaultProxy(t, "http://"+ln.Addr().String(), awstest.FaultOptions{Share: 1, MaxFaults: 100, For: 0})
	resp, err := client.Get(q.URL)
	if err != nil {
		t.Fatalf("a proxy past its fault time failed a request: %v", err)
	}
	_ = resp.Body.Close()
}
