package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// fakeFetch hands out numbered credentials that last an hour from the
// clock's now.
type fakeFetch struct {
	mu    sync.Mutex
	now   time.Time
	n     int
	fails error
}

func (f *fakeFetch) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fakeFetch) advance(d time.Duration) { f.mu.Lock(); defer f.mu.Unlock(); f.now = f.now.Add(d) }

func (f *fakeFetch) fetch(context.Context) (Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails != nil {
		return Credentials{}, f.fails
	}
	f.n++
	return Credentials{AccessKeyID: "ASIA" + string(rune('0'+f.n)), SecretAccessKey: "s", SessionToken: "t", Expiration: f.now.Add(time.Hour), AccountID: "111111111111"}, nil
}

func TestServerProtocol(t *testing.T) {
	f := &fakeFetch{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	srv := &Server{Fetch: f.fetch, Token: "secret-token", Now: f.clock}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	get := func(path, token string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	for _, tt := range []struct{ name, path, token string }{
		{"no token", ServerPath, ""},
		{"wrong token", ServerPath, "secret-tokem"},
		{"a prefix of the token", ServerPath, "secret"},
		{"no token, another path", "/", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := get(tt.path, tt.token); code != http.StatusUnauthorized || body != "" {
				t.Errorf("GET %s with %q = %d %q, want 401 and nothing else", tt.path, tt.token, code, body)
			}
		})
	}
	if f.n != 0 {
		t.Errorf("unauthorized requests fetched credentials %d times", f.n)
	}

	code, body := get(ServerPath, "secret-token")
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("GET with the token = %d %q (%v)", code, body, err)
	}
	want := map[string]string{"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Token": "t", "Expiration": "2030-01-01T13:00:00Z", "AccountId": "111111111111"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("answer %s = %q, want %q", k, got[k], v)
		}
	}

	// Held credentials are served until they enter the expiry window,
	// then fetched again.
	f.advance(44 * time.Minute)
	if _, body := get(ServerPath, "secret-token"); !strings.Contains(body, `"ASIA1"`) {
		t.Errorf("credentials with 16 minutes left were not served as held: %s", body)
	}
	f.advance(2 * time.Minute)
	if _, body := get(ServerPath, "secret-token"); !strings.Contains(body, `"ASIA2"`) {
		t.Errorf("credentials with 14 minutes left were served: %s", body)
	}

	// A failed fetch says why, with its hint, as a protocol error.
	f.advance(time.Hour)
	f.fails = hint.New("sso-session \"corp\": not logged in", "run `gatehouse login --sso-session corp`")
	code, body = get(ServerPath, "secret-token")
	if code != http.StatusInternalServerError || !strings.Contains(body, `"code":"CredentialsUnavailable"`) || !strings.Contains(body, "gatehouse login --sso-session corp") {
		t.Errorf("failed fetch = %d %s", code, body)
	}
}

// TestServerRefreshesInTheBackground: the refresher wakes as the held
// credentials enter the expiry window and fetches new ones, so that no
// request waits for a fetch; after a failure it tries again in 30 s.
func TestServerRefreshesInTheBackground(t *testing.T) {
	f := &fakeFetch{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	var waits []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &Server{Fetch: f.fetch, Token: "x", Now: f.clock, Sleep: func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		switch len(waits) {
		case 2:
			f.fails = errors.New("portal down")
		case 3:
			f.fails = nil
		case 4:
			cancel()
			return ctx.Err()
		}
		f.advance(d)
		return nil
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ctx, ln); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{45*time.Minute + time.Second, 45*time.Minute + time.Second, 30 * time.Second, 45*time.Minute + time.Second}
	if len(waits) != len(want) {
		t.Fatalf("refresher waited %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("wait %d = %s, want %s", i, waits[i], want[i])
		}
	}
	if f.n != 3 {
		t.Errorf("%d fetches, want 3 (start, each refresh)", f.n)
	}
}
