package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestWaitPending checks approve --wait's wait against a stand-in for the
// sandbox's GET /sandbox/device-authorizations: it returns once the sign-in
// is listed (any one, or the one named, in any spelling of its code), and
// says what did not happen when the time is up.
func TestWaitPending(t *testing.T) {
	t.Parallel()
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sandbox/device-authorizations" {
			http.NotFound(w, r)
			return
		}
		// Nothing is pending for the first two polls, as when the login
		// has not started yet.
		if polls.Add(1) <= 2 {
			_, _ = w.Write([]byte(`{"deviceAuthorizations":[]}`))
			return
		}
		_, _ = w.Write([]byte(`{"deviceAuthorizations":[{"userCode":"BCDF-GHJK","clientName":"gatehouse"}]}`))
	}))
	defer srv.Close()

	tests := []struct {
		name, code, wantErr string
		wait                time.Duration
	}{
		{"any sign-in", "", "", time.Minute},
		{"the one named", "bcdfghjk", "", time.Minute},
		{"another one never comes", "ZZZZ-ZZZZ", "the sign-in ZZZZ-ZZZZ did not become pending within 300ms", 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			polls.Store(0)
			err := waitPending(context.Background(), srv.URL, tt.code, tt.wait)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("waitPending() = %v, want nil", err)
				}
				if n := polls.Load(); n < 3 {
					t.Errorf("waitPending returned after %d polls, before the sign-in was pending", n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("waitPending() = %v, want %q", err, tt.wantErr)
			}
		})
	}

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	if err := waitPending(context.Background(), down.URL, "", time.Minute); err == nil || !strings.Contains(err.Error(), "listing pending sign-ins") {
		t.Errorf("waitPending() against a stopped sandbox = %v, want an error at once", err)
	}
}
