package organization_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/organization"
	"github.com/gatehouse-dev/gatehouse/internal/organization/orgfixture"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// fast keeps the limiter out of the way: moto does not throttle, and the
// default 10 calls/s would only slow the tests down.
var fast = organization.Options{Rate: 1000, Burst: 100}

func build(t *testing.T, spec string) orgfixture.Fixture {
	t.Helper()
	s, err := orgfixture.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	f, err := orgfixture.Create(context.Background(), awstest.Config(t), s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReadPathsTagsAndStatus(t *testing.T) {
	f := build(t, `
management tag:env=mgmt
account production ou=Workloads/Prod tag:env=prod tag:team=core
account eu-prod ou=Workloads/Prod/EU tag:env=prod
account dev ou=Workloads/Dev
account sandbox
account old ou=Workloads suspended
`)
	cfg := awstest.ConfigFor(t, awstest.Server(t).URL)
	r := organization.New(cfg, fast)
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &state.Organization{
		ID:                  f.OrgID,
		ManagementAccountID: awstest.ManagementAccount,
		OUs:                 []string{"Workloads", "Workloads/Dev", "Workloads/Prod", "Workloads/Prod/EU"},
		Accounts: sortAccounts([]state.OrgAccount{
			// moto names the management account "master".
			{ID: awstest.ManagementAccount, Name: "master", Email: "master@example.com", Status: "ACTIVE", Tags: map[string]string{"env": "mgmt"}},
			{ID: f.Accounts["production"], Name: "production", Email: "production@example.com", Status: "ACTIVE", OUPath: "Workloads/Prod", Tags: map[string]string{"env": "prod", "team": "core"}},
			{ID: f.Accounts["eu-prod"], Name: "eu-prod", Email: "eu-prod@example.com", Status: "ACTIVE", OUPath: "Workloads/Prod/EU", Tags: map[string]string{"env": "prod"}},
			{ID: f.Accounts["dev"], Name: "dev", Email: "dev@example.com", Status: "ACTIVE", OUPath: "Workloads/Dev"},
			{ID: f.Accounts["sandbox"], Name: "sandbox", Email: "sandbox@example.com", Status: "ACTIVE"},
			{ID: f.Accounts["old"], Name: "old", Email: "old@example.com", Status: "SUSPENDED", OUPath: "Workloads"},
		}),
	}
	// The management account's e-mail is moto's; compare everything else.
	// Root and OU IDs are moto's: checked below.
	ignore := cmp.FilterPath(func(p cmp.Path) bool {
		s := p.GoString()
		return strings.HasSuffix(s, ".Email") || strings.HasSuffix(s, ".RootID") || strings.HasSuffix(s, ".OUIDs")
	}, cmp.Ignore())
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("Read() mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got.RootID, "r-") || len(got.OUIDs) != len(got.OUs) {
		t.Errorf("RootID %q, OUIDs %v: want the root and every OU's ID", got.RootID, got.OUIDs)
	}
	for path, id := range got.OUIDs {
		if !strings.HasPrefix(id, "ou-") {
			t.Errorf("OU %s has ID %q", path, id)
		}
	}
	for _, a := range got.Accounts {
		if a.ID != awstest.ManagementAccount && a.Email != a.Name+"@example.com" {
			t.Errorf("account %s: email %q, want %q", a.Name, a.Email, a.Name+"@example.com")
		}
	}

	// One call per parent and per account, nothing more: root + 4 OUs are
	// 5 parents, and there are 6 accounts.
	wantCalls := map[string]int{
		"organizations:DescribeOrganization":             1,
		"organizations:ListRoots":                        1,
		"organizations:ListOrganizationalUnitsForParent": 5,
		"organizations:ListAccounts":                     1,
		"organizations:ListAccountsForParent":            5,
		"organizations:ListTagsForResource":              6,
	}
	if diff := cmp.Diff(wantCalls, r.Stats().Calls); diff != "" {
		t.Errorf("Stats().Calls mismatch (-want +got):\n%s", diff)
	}
}

func sortAccounts(as []state.OrgAccount) []state.OrgAccount {
	for i := range as {
		for j := i + 1; j < len(as); j++ {
			if as[j].ID < as[i].ID {
				as[i], as[j] = as[j], as[i]
			}
		}
	}
	return as
}

func TestReadPaginates(t *testing.T) {
	// 25 members + management = 26 accounts: two pages of ListAccounts and
	// of ListAccountsForParent(root) at the default page size of 20, and
	// two pages of OUs under the root at a page size of 20 with 22 OUs.
	var spec strings.Builder
	for i := range 22 {
		fmt.Fprintf(&spec, "ou Unit%02d\n", i)
	}
	for i := range 25 {
		fmt.Fprintf(&spec, "account acct%02d tag:n=%d\n", i, i)
	}
	spec.WriteString("account nested ou=Unit21\n")
	f := build(t, spec.String())
	r := organization.New(awstest.ConfigFor(t, awstest.Server(t).URL), fast)
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Accounts) != 27 {
		t.Fatalf("Read() returned %d accounts, want 27", len(got.Accounts))
	}
	if len(got.OUs) != 22 {
		t.Errorf("Read() returned %d OUs, want 22", len(got.OUs))
	}
	for i := range 25 {
		name := fmt.Sprintf("acct%02d", i)
		a, ok := got.Account(f.Accounts[name])
		if !ok {
			t.Errorf("account %s (%s) missing", name, f.Accounts[name])
			continue
		}
		if a.Tags["n"] != fmt.Sprint(i) || a.OUPath != "" {
			t.Errorf("account %s: tags %v, OU %q; want n=%d at the root", name, a.Tags, a.OUPath, i)
		}
	}
	if a, _ := got.Account(f.Accounts["nested"]); a.OUPath != "Unit21" {
		t.Errorf("account nested: OU %q, want Unit21", a.OUPath)
	}
	calls := r.Stats().Calls
	if calls["organizations:ListAccounts"] != 2 {
		t.Errorf("ListAccounts called %d times, want 2 pages", calls["organizations:ListAccounts"])
	}
	// Root: 2 pages of accounts; each of the 22 OUs: 1 page.
	if calls["organizations:ListAccountsForParent"] != 24 {
		t.Errorf("ListAccountsForParent called %d times, want 24", calls["organizations:ListAccountsForParent"])
	}
	// Root: 2 pages of OUs; each OU: 1 page (empty).
	if calls["organizations:ListOrganizationalUnitsForParent"] != 24 {
		t.Errorf("ListOrganizationalUnitsForParent called %d times, want 24", calls["organizations:ListOrganizationalUnitsForParent"])
	}
}

func TestReadSkipTags(t *testing.T) {
	build(t, "account production tag:env=prod\n")
	opts := fast
	opts.SkipTags = true
	r := organization.New(awstest.ConfigFor(t, awstest.Server(t).URL), opts)
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range got.Accounts {
		if a.Tags != nil {
			t.Errorf("account %s has tags %v with SkipTags", a.Name, a.Tags)
		}
	}
	if n := r.Stats().Calls["organizations:ListTagsForResource"]; n != 0 {
		t.Errorf("ListTagsForResource called %d times with SkipTags", n)
	}
}

func TestReadNotInOrganization(t *testing.T) {
	r := organization.New(awstest.Config(t), fast) // fresh moto: no organization
	_, err := r.Read(context.Background())
	if err == nil {
		t.Fatal("Read() succeeded without an organization")
	}
	for _, want := range []string{"is not in an organization", "account 123456789012"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if h := hint.Of(err); !strings.Contains(h, "management account") {
		t.Errorf("hint %q does not point at the management account", h)
	}
}

// faultProxy stands between the SDK and moto and answers some Organizations
// calls with an error, because moto never throttles nor denies. Everything
// else goes to moto unchanged.
type faultProxy struct {
	// fault returns the error code to answer for an action, or "".
	fault func(action string, n int64) string
	// body, when set, returns a whole successful answer for an action
	// instead of moto's, or "".
	body func(action string) string
	n    atomic.Int64
}

// reset, as a fault, closes the connection without an answer.
const reset = "RESET"

func (p *faultProxy) start(t *testing.T) string {
	t.Helper()
	target, err := url.Parse(awstest.Server(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		action, isOrg := strings.CutPrefix(req.Header.Get("X-Amz-Target"), "AWSOrganizationsV20161128.")
		if isOrg && p.body != nil {
			if b := p.body(action); b != "" {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				fmt.Fprint(w, b)
				return
			}
		}
		if isOrg && p.fault != nil {
			if code := p.fault(action, p.n.Add(1)); code == reset {
				// The connection breaks after the request arrived.
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close()
				}
				return
			} else if code != "" {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.Header().Set("X-Amzn-Errortype", code)
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"__type":%q,"Message":"injected by the test"}`, code)
				return
			}
		}
		rp.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// An account that joins, or moves, while its parent is being listed is not
// in any ListAccountsForParent answer; Read then asks ListParents.
func TestReadPlacesAccountsMissedByTheirParent(t *testing.T) {
	f := build(t, "account production ou=Workloads/Prod tag:env=prod\naccount sandbox\n")
	p := &faultProxy{body: func(action string) string {
		if action == "ListAccountsForParent" {
			return `{"Accounts":[]}`
		}
		return ""
	}}
	r := organization.New(awstest.ConfigFor(t, p.start(t)), fast)
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{awstest.ManagementAccount: "", f.Accounts["production"]: "Workloads/Prod", f.Accounts["sandbox"]: ""}
	paths := map[string]string{}
	for _, a := range got.Accounts {
		paths[a.ID] = a.OUPath
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("OU paths mismatch (-want +got):\n%s", diff)
	}
	if n := r.Stats().Calls["organizations:ListParents"]; n != 3 {
		t.Errorf("ListParents called %d times, want 3 (one per account)", n)
	}
}

func TestReadRetriesThrottling(t *testing.T) {
	build(t, "account production ou=Workloads/Prod tag:env=prod\naccount dev ou=Workloads/Dev\n")
	want, err := organization.New(awstest.ConfigFor(t, awstest.Server(t).URL), fast).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{"TooManyRequestsException", "Throttling", "ThrottlingException"}
	p := &faultProxy{fault: func(_ string, n int64) string {
		if n%2 == 1 { // every other call is throttled
			return codes[(n/2)%3]
		}
		return ""
	}}
	opts := fast
	opts.BaseDelay = time.Millisecond
	opts.Concurrency = 1 // keeps "every other call" deterministic per call
	r := organization.New(awstest.ConfigFor(t, p.start(t)), opts)
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatalf("Read() through throttling: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Read() through throttling mismatch (-want +got):\n%s", diff)
	}
	st := r.Stats()
	if st.Retried == 0 || st.Retried*2 != st.Total() {
		t.Errorf("Stats() = %d retries of %d calls; want every other call retried", st.Retried, st.Total())
	}
}

// TestReadRetriesConnectionResets breaks every third connection: reads are
// retried, so the whole read still succeeds (one reset used to fail a plan).
func TestReadRetriesConnectionResets(t *testing.T) {
	build(t, "account production ou=Workloads/Prod\n")
	p := &faultProxy{fault: func(_ string, n int64) string {
		if n%3 == 0 {
			return reset
		}
		return ""
	}}
	opts := fast
	opts.BaseDelay = time.Millisecond
	r := organization.New(awstest.ConfigFor(t, p.start(t)), opts)
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatalf("Read() through connection resets: %v", err)
	}
	if len(got.Accounts) != 2 {
		t.Errorf("read %d accounts, want 2", len(got.Accounts))
	}
	if st := r.Stats(); st.Retried == 0 {
		t.Errorf("no retries counted for %d calls", st.Total())
	}
}

func TestReadGivesUpWhenThrottled(t *testing.T) {
	build(t, "")
	p := &faultProxy{fault: func(string, int64) string { return "TooManyRequestsException" }}
	opts := fast
	opts.BaseDelay, opts.MaxAttempts = time.Millisecond, 3
	r := organization.New(awstest.ConfigFor(t, p.start(t)), opts)
	_, err := r.Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "reading the organization: DescribeOrganization: still refused after 3 attempts") {
		t.Fatalf("Read() error = %v; want DescribeOrganization throttled after 3 attempts", err)
	}
	if n := r.Stats().Calls["organizations:DescribeOrganization"]; n != 3 {
		t.Errorf("DescribeOrganization called %d times, want 3", n)
	}
}

func TestReadDoesNotRetryOtherErrors(t *testing.T) {
	build(t, "account production\n")
	for _, tc := range []struct {
		code, want, hint string
	}{
		{"AccessDeniedException", "organizations:ListAccounts was denied to arn:aws:sts::123456789012:user/moto (account 123456789012)", "delegated administrator"},
		{"ExpiredTokenException", "organizations:ListAccounts: the credentials are expired or invalid", "--profile"},
		{"ConstraintViolationException", "ListAccounts: ConstraintViolationException", "quota"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			p := &faultProxy{fault: func(action string, _ int64) string {
				if action == "ListAccounts" {
					return tc.code
				}
				return ""
			}}
			r := organization.New(awstest.ConfigFor(t, p.start(t)), fast)
			_, err := r.Read(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read() error = %v; want it to contain %q", err, tc.want)
			}
			if h := hint.Of(err); !strings.Contains(h, tc.hint) {
				t.Errorf("hint %q does not contain %q", h, tc.hint)
			}
			if n := r.Stats().Calls["organizations:ListAccounts"]; n != 1 {
				t.Errorf("ListAccounts called %d times, want 1 (no retry)", n)
			}
		})
	}
}
