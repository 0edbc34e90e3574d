package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// PortalRate is the portal API's published rate limit (calls per second per
// user) that listing stays within by default.
const PortalRate = 20

// Account is an account the user can reach with the roles (permission sets)
// they have in it.
type Account struct {
	ID    string   `json:"accountId"`
	Name  string   `json:"accountName"`
	Email string   `json:"emailAddress,omitempty"`
	Roles []string `json:"roles"`
}

// Portal is the part of the SSO portal API listing uses; *sso.Client
// implements it.
type Portal interface {
	ListAccounts(ctx context.Context, in *sso.ListAccountsInput, opts ...func(*sso.Options)) (*sso.ListAccountsOutput, error)
	ListAccountRoles(ctx context.Context, in *sso.ListAccountRolesInput, opts ...func(*sso.Options)) (*sso.ListAccountRolesOutput, error)
}

// Lister lists every account and role of a user through the portal.
type Lister struct {
	Portal Portal
	// Rate caps the calls per second, retries included (default
	// PortalRate); the calls are spaced evenly, with no burst.
	Rate float64
	// Workers is how many ListAccountRoles calls may be in flight at once
	// (default 8): enough to keep the rate over a slow network.
	Workers int
	// Sleep waits before a retry (a context-aware time.Sleep when nil).
	Sleep func(ctx context.Context, d time.Duration) error
}

// ListStats counts what a listing cost.
type ListStats struct {
	Calls     int64 // portal calls made, retries included
	Throttled int64 // calls answered with TooManyRequestsException
}

// List returns every account (sorted by name, then ID) with its roles
// (sorted). Throttling is never fatal: a throttled call waits (exponential
// backoff with full jitter) and goes through the rate limiter again.
func (l Lister) List(ctx context.Context, accessToken string) ([]Account, ListStats, error) {
	rps := l.Rate
	if rps <= 0 {
		rps = PortalRate
	}
	workers := l.Workers
	if workers <= 0 {
		workers = 8
	}
	stats := awscall.NewStats()
	c := &caller{svc: &awscall.Service{
		Name:    "portal",
		Limiter: awscall.NewLimiter(rps, 1),
		Stats:   stats,
		// Throttling is never fatal: the portal's quota is per user, and
		// the pace adapts to it.
		Policy:           awscall.Policy{MaxAttempts: 200, MaxTransient: maxTransient, BaseDelay: backoffBase, MaxDelay: backoffCap},
		EndpointVariable: "AWS_ENDPOINT_URL_SSO",
		Sleep:            l.Sleep,
	}, counts: stats}

	var accounts []Account
	var next *string
	for {
		var out *sso.ListAccountsOutput
		err := c.call(ctx, "ListAccounts", "", func(ctx context.Context) (err error) {
			out, err = l.Portal.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: &accessToken, MaxResults: aws.Int32(100), NextToken: next})
			return err
		})
		if err != nil {
			return nil, c.stats(), fmt.Errorf("listing accounts: %w", err)
		}
		for _, a := range out.AccountList {
			accounts = append(accounts, Account{ID: aws.ToString(a.AccountId), Name: aws.ToString(a.AccountName), Email: aws.ToString(a.EmailAddress)})
		}
		if next = out.NextToken; next == nil || *next == "" {
			break
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range accounts {
		a := &accounts[i]
		g.Go(func() error {
			var next *string
			for {
				var out *sso.ListAccountRolesOutput
				err := c.call(gctx, "ListAccountRoles", a.ID, func(ctx context.Context) (err error) {
					out, err = l.Portal.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: &accessToken, AccountId: &a.ID, MaxResults: aws.Int32(100), NextToken: next})
					return err
				})
				if err != nil {
					return fmt.Errorf("listing roles in account %s (%s): %w", a.ID, a.Name, err)
				}
				for _, r := range out.RoleList {
					a.Roles = append(a.Roles, aws.ToString(r.RoleName))
				}
				if next = out.NextToken; next == nil || *next == "" {
					sort.Strings(a.Roles)
					return nil
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, c.stats(), err
	}
	SortAccounts(accounts)
	return accounts, c.stats(), nil
}

// SortAccounts orders accounts by name, then ID.
func SortAccounts(accounts []Account) {
	sort.Slice(accounts, func(i, j int) bool {
		if accounts[i].Name != accounts[j].Name {
			return accounts[i].Name < accounts[j].Name
		}
		return accounts[i].ID < accounts[j].ID
	})
}

// caller sends portal calls through internal/awscall: an adaptive pace
// (a throttled call lowers the rate, successes bring it back; see
// awscall.Limiter), throttling retried with jittered backoff, server and
// network failures retried a few times.
type caller struct {
	svc    *awscall.Service
	counts *awscall.Stats
}

func (c *caller) call(ctx context.Context, op, account string, fn func(context.Context) error) error {
	_, err := awscall.Do(ctx, c.svc, awscall.Call{Op: op, Account: account, Mode: awscall.Read}, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx)
	})
	return err
}

func (c *caller) stats() ListStats {
	snap := c.counts.Snapshot()
	return ListStats{Calls: int64(snap.Total()), Throttled: int64(snap.Throttled)}
}

// Backoff bounds of retries.
const (
	backoffBase = 100 * time.Millisecond
	backoffCap  = 5 * time.Second
	// maxTransient bounds the attempts of a call failing with a server
	// error; throttling is retried far longer.
	maxTransient = 6
)

// Inventory is what a user can reach, as cached.
type Inventory struct {
	Version   int       `json:"version"`
	FetchedAt time.Time `json:"fetchedAt"`
	Session   string    `json:"session"`
	StartURL  string    `json:"startUrl"`
	Accounts  []Account `json:"accounts"`
}

// InventoryTTL is how long a listing is reused before the portal is asked
// again (list --refresh skips it).
const InventoryTTL = 10 * time.Minute

// InventoryPath is the cache file of a session's inventory.
func InventoryPath(dir string, s ssologin.Session) string {
	return filepath.Join(dir, ssologin.CacheKey(s.Key())+".json")
}

// LoadInventory returns the cached inventory of s when it is younger than
// ttl at now.
func LoadInventory(dir string, s ssologin.Session, now time.Time, ttl time.Duration) (*Inventory, bool) {
	data, err := os.ReadFile(InventoryPath(dir, s))
	if err != nil {
		return nil, false
	}
	var inv Inventory
	if json.Unmarshal(data, &inv) != nil || inv.Version != cacheVersion || inv.StartURL != s.StartURL || now.Sub(inv.FetchedAt) > ttl || inv.FetchedAt.After(now) {
		return nil, false
	}
	return &inv, true
}

// SaveInventory caches an inventory (0600).
func SaveInventory(dir string, s ssologin.Session, inv *Inventory) error {
	inv.Version = cacheVersion
	data, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return ssologin.WritePrivateFile(InventoryPath(dir, s), data)
}

// ForgetInventory removes the cached inventory of s.
func ForgetInventory(dir string, s ssologin.Session) error {
	if err := os.Remove(InventoryPath(dir, s)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
