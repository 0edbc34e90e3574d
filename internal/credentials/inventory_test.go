package credentials

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

func TestListPagesAndSorts(t *testing.T) {
	f := &fakePortal{accounts: 230, roles: 3}
	portal := fakeClients(f.start(t)).Portal("us-east-1")
	accts, stats, err := Lister{Portal: portal, Rate: 1000}.List(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 230 || accts[0].Name != "acct-0000" || accts[229].Name != "acct-0229" {
		t.Fatalf("got %d accounts, first %+v", len(accts), accts[0])
	}
	for _, a := range accts {
		if fmt.Sprint(a.Roles) != "[Role0 Role1 Role2]" {
			t.Fatalf("account %s roles %v", a.ID, a.Roles)
		}
	}
	// 3 pages of 100 accounts, then one call per account.
	if stats.Calls != 3+230 || stats.Throttled != 0 {
		t.Errorf("stats = %+v", stats)
	}
}

// TestListThrottlingIsNeverFatal: a portal that allows far less than the
// client asks for throttles most calls; every one is retried and the listing
// is complete.
func TestListThrottlingIsNeverFatal(t *testing.T) {
	f := &fakePortal{accounts: 40, roles: 2, limiter: rate.NewLimiter(100, 1)}
	portal := fakeClients(f.start(t)).Portal("us-east-1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	accts, stats, err := Lister{Portal: portal, Rate: 10000, Workers: 16}.List(ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 40 || len(accts[39].Roles) != 2 {
		t.Fatalf("incomplete listing: %d accounts", len(accts))
	}
	if stats.Throttled == 0 || stats.Throttled != f.throttled.Load() {
		t.Errorf("stats %+v, server throttled %d", stats, f.throttled.Load())
	}
}

func TestListErrors(t *testing.T) {
	f := &fakePortal{accounts: 3, roles: 1}
	portal := fakeClients(f.start(t)).Portal("us-east-1")
	_, _, err := Lister{Portal: portal}.List(context.Background(), "expired")
	var unauth *ssotypes.UnauthorizedException
	if !errors.As(err, &unauth) {
		t.Errorf("List with a bad token = %v, want UnauthorizedException", err)
	}
	if f.calls.Load() != 1 {
		t.Errorf("an unauthorized call was retried (%d calls)", f.calls.Load())
	}
}

// TestListPacing: the client never exceeds its rate, retries included, so
// a portal with the same limit never throttles it.
func TestListPacing(t *testing.T) {
	f := &fakePortal{accounts: 20, roles: 1, limiter: rate.NewLimiter(60, 1)}
	portal := fakeClients(f.start(t)).Portal("us-east-1")
	start := time.Now()
	_, stats, err := Lister{Portal: portal, Rate: 20}.List(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if stats.Throttled != 0 {
		t.Errorf("%d calls throttled by a portal faster than the client", stats.Throttled)
	}
	if min := time.Duration(stats.Calls-1) * time.Second / 20; time.Since(start) < min {
		t.Errorf("%d calls took %s, under the %s the rate allows", stats.Calls, time.Since(start), min)
	}
}

func TestInventoryCache(t *testing.T) {
	dir := t.TempDir()
	s := ssologin.Session{Name: "corp", StartURL: "https://x/start"}
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	inv := &Inventory{FetchedAt: now, Session: "corp", StartURL: s.StartURL, Accounts: []Account{{ID: "1", Name: "a", Roles: []string{"R"}}}}
	if err := SaveInventory(dir, s, inv); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		s    ssologin.Session
		now  time.Time
		want bool
	}{
		{"fresh", s, now.Add(time.Minute), true},
		{"too old", s, now.Add(InventoryTTL + time.Second), false},
		{"another start URL under the same name", ssologin.Session{Name: "corp", StartURL: "https://y/start"}, now, false},
		{"from the future (clock moved back)", s, now.Add(-time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := LoadInventory(dir, tt.s, tt.now, InventoryTTL); ok != tt.want {
				t.Errorf("LoadInventory hit = %v, want %v", ok, tt.want)
			}
		})
	}
	if err := ForgetInventory(dir, s); err != nil {
		t.Fatal(err)
	}
	if _, ok := LoadInventory(dir, s, now, InventoryTTL); ok {
		t.Error("inventory still cached after ForgetInventory")
	}
}

// BenchmarkList lists 500 accounts with 3 roles each, and 2,000 with 2,
// from a portal limited to 20 calls per second, as the real one is, with
// a bucket of 20 (bursts allowed) or of 1 (calls strictly 50 ms apart),
// and reports the wall time against the least the limit allows. Run it
// with -benchtime=1x: one listing takes 25 s (500) or 100 s (2,000).
func BenchmarkList(b *testing.B) {
	for _, size := range []struct{ accounts, roles int }{{500, 3}, {2000, 2}} {
		for _, burst := range []int{20, 1} {
			b.Run(fmt.Sprintf("%dx%d/portal-burst-%d", size.accounts, size.roles, burst), func(b *testing.B) {
				for range b.N {
					f := &fakePortal{accounts: size.accounts, roles: size.roles, limiter: rate.NewLimiter(20, burst)}
					portal := fakeClients(f.start(b)).Portal("us-east-1")
					start := time.Now()
					accts, stats, err := Lister{Portal: portal}.List(context.Background(), "tok")
					elapsed := time.Since(start)
					if err != nil || len(accts) != size.accounts {
						b.Fatalf("%d accounts, %v", len(accts), err)
					}
					// The portal's bucket starts full: the first `burst` of
					// the calls a listing needs are free, the rest come at
					// 20 per second. Throttled calls are the client's loss.
					needed := stats.Calls - stats.Throttled
					least := time.Duration(float64(needed-int64(burst)) / 20 * float64(time.Second))
					b.ReportMetric(elapsed.Seconds(), "s/list")
					b.ReportMetric(elapsed.Seconds()/least.Seconds(), "x-limit")
					b.ReportMetric(float64(stats.Calls), "calls")
					b.ReportMetric(float64(stats.Throttled), "throttled")
				}
			})
		}
	}
}
