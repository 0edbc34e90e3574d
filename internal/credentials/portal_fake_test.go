package credentials

// fakePortal answers the SSO portal's ListAccounts and ListAccountRoles with
// AWS's wire shapes for a synthetic organization held in memory, behind a
// token bucket that answers 429 TooManyRequestsException like the real
// portal. moto has no portal, and the sandbox's portal reads moto on every
// call (hundreds of milliseconds with 500 accounts), which would measure
// moto instead of the client's pacing; the inventory tests against the
// sandbox are in internal/cli.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"golang.org/x/time/rate"
)

type fakePortal struct {
	accounts  int
	roles     int
	limiter   *rate.Limiter // nil: no limit
	calls     atomic.Int64
	throttled atomic.Int64
}

func (f *fakePortal) start(t testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (f *fakePortal) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	if r.Header.Get("X-Amz-Sso_bearer_token") != "tok" {
		w.Header().Set("X-Amzn-Errortype", "UnauthorizedException")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Session token not found or invalid"}`))
		return
	}
	if f.limiter != nil && !f.limiter.Allow() {
		f.throttled.Add(1)
		w.Header().Set("X-Amzn-Errortype", "TooManyRequestsException")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"message":"Rate exceeded"}`))
		return
	}
	q := r.URL.Query()
	size := 20 // the portal's default page
	if v := q.Get("max_result"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	start, _ := strconv.Atoi(q.Get("next_token"))
	page := func(n int, item func(i int) any) (items []any, next *string) {
		for i := start; i < n && i < start+size; i++ {
			items = append(items, item(i))
		}
		if start+size < n {
			s := strconv.Itoa(start + size)
			next = &s
		}
		return items, next
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/assignment/accounts":
		items, next := page(f.accounts, func(i int) any {
			return map[string]string{"accountId": fmt.Sprintf("%012d", 100000000000+i), "accountName": fmt.Sprintf("acct-%04d", i), "emailAddress": "a@example.com"}
		})
		_ = json.NewEncoder(w).Encode(map[string]any{"accountList": items, "nextToken": next})
	case "/assignment/roles":
		acct := q.Get("account_id")
		items, next := page(f.roles, func(i int) any {
			return map[string]string{"roleName": fmt.Sprintf("Role%d", i), "accountId": acct}
		})
		_ = json.NewEncoder(w).Encode(map[string]any{"roleList": items, "nextToken": next})
	default:
		http.NotFound(w, r)
	}
}

func fakeClients(url string) Clients {
	return Clients{MaxAttempts: 1, Getenv: func(k string) string {
		if k == "AWS_ENDPOINT_URL_SSO" {
			return url
		}
		return ""
	}}
}
