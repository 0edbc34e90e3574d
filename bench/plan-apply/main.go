// Command plan-apply benchmarks gatehouse's plan and apply against moto at
// the scale of a large organization (by default 500 accounts, 30 permission
// sets, 100 groups, 100 users, 5,000 assignments), optionally behind the
// quota proxy that enforces IAM Identity Center's limits. It prints, for
// apply from empty and for plan with no changes, the wall time and the AWS
// calls by operation next to the lower bound for that work.
//
//	go run ./bench/plan-apply                # full size, behind the quota proxy
//	go run ./bench/plan-apply -accounts 20 -assignments 200 -groups 10 -users 10 -permission-sets 5
//
// It starts its own moto server on a loopback port and stops it at the end.
// Figures and the commands that produced them are in docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse-dev/gatehouse/bench/quotaproxy"
	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/organization/orgfixture"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// size is the shape of the organization to build.
type size struct {
	Accounts, PermissionSets, Groups, Users, Assignments int
	// Proxy puts the quota proxy between gatehouse and moto.
	Proxy bool
	// CreateLatency makes the proxy keep each assignment creation
	// IN_PROGRESS this long, as AWS does.
	CreateLatency time.Duration
	// Unlimited lifts gatehouse's own rate limits (smoke runs without the
	// proxy).
	Unlimited bool
	// Roles adds seed 000's role pair, the access role in every account.
	Roles bool
	// Audit reads and audits the organization after the plan.
	Audit bool
}

func main() {
	var s size
	flag.IntVar(&s.Accounts, "accounts", 500, "member accounts in the organization")
	flag.IntVar(&s.PermissionSets, "permission-sets", 30, "permission sets")
	flag.IntVar(&s.Groups, "groups", 100, "groups")
	flag.IntVar(&s.Users, "users", 100, "users, each in two groups")
	flag.IntVar(&s.Assignments, "assignments", 5000, "group assignments (at most accounts x permission sets x groups)")
	flag.BoolVar(&s.Proxy, "proxy", true, "run behind the quota proxy (20 calls/s per service, 15 outstanding creates)")
	flag.DurationVar(&s.CreateLatency, "create-latency", 0, "with -proxy: keep each assignment creation IN_PROGRESS this long, as AWS does")
	flag.BoolVar(&s.Roles, "roles", true, "add seed 000's role pair: an access role in every account")
	flag.BoolVar(&s.Audit, "audit", false, "after the plan, run the audit's live read and the audit, and print their cost")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, s); err != nil {
		fmt.Fprintln(os.Stderr, "plan-apply:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, s size) error {
	if s.Assignments > s.Accounts*s.PermissionSets*s.Groups {
		return fmt.Errorf("%d assignments do not fit in %d accounts x %d permission sets x %d groups", s.Assignments, s.Accounts, s.PermissionSets, s.Groups)
	}
	// The sandbox's preamble adds the Identity Center operations moto lacks
	// (tags, permissions boundaries, provisioning status).
	moto, err := motoserver.Start(ctx, motoserver.Options{Preamble: sandbox.MotoPreamble})
	if err != nil {
		return err
	}
	defer moto.Stop()
	endpoint := moto.URL
	var proxy *quotaproxy.Proxy
	if s.Proxy {
		if proxy, err = quotaproxy.Start(quotaproxy.Options{Upstream: moto.URL, CreateLatency: s.CreateLatency}); err != nil {
			return err
		}
		defer proxy.Close()
		endpoint = proxy.URL
	}
	direct, err := awsConfig(ctx, moto.URL)
	if err != nil {
		return err
	}
	cfg, err := awsConfig(ctx, endpoint)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "gatehouse plan/apply benchmark: %d accounts, %d permission sets, %d groups, %d users, %d assignments\n",
		s.Accounts, s.PermissionSets, s.Groups, s.Users, s.Assignments)
	if s.Proxy {
		fmt.Fprintf(w, "behind the quota proxy: 20 calls/s per service (sso-admin, identitystore), 15 outstanding CreateAccountAssignment, creation latency %s\n", s.CreateLatency)
	} else {
		fmt.Fprintln(w, "straight to moto, no quota proxy")
	}

	start := time.Now()
	spec := orgfixture.Spec{}
	for i := range s.Accounts {
		spec.Accounts = append(spec.Accounts, orgfixture.Account{Name: fmt.Sprintf("acct%04d", i)})
	}
	fix, err := orgfixture.Create(ctx, direct, spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsetup: organization with %d accounts in %s (straight to moto)\n", s.Accounts, time.Since(start).Round(100*time.Millisecond))

	opts := pipeline.Options{AWS: cfg}
	if s.Unlimited {
		opts.IdentityCenter.Rate, opts.IdentityCenter.StoreRate = 1e6, 1e6
	}
	m := build(s, fix)

	// Apply from empty: the same pipeline as gatehouse apply.
	opts.Stats = awscall.NewStats()
	pl, err := pipeline.Plan(ctx, m, opts, false)
	if err != nil {
		return err
	}
	opts.Stats.Reset()
	if proxy != nil {
		proxy.ResetStats()
	}
	start = time.Now()
	spans := map[plan.Kind][2]time.Duration{}
	res := pipeline.Apply(ctx, pl.Plan, pl.Live, func(e apply.Event) {
		at := time.Since(start)
		sp, ok := spans[e.Change.Kind]
		if !ok {
			sp[0] = at
		}
		sp[1] = at
		spans[e.Change.Kind] = sp
	})
	elapsed := time.Since(start)
	if err := res.Err(); err != nil {
		return fmt.Errorf("apply from empty: %w", err)
	}
	fmt.Fprintf(w, "\napply from empty: %d changes in %s\n", len(pl.Plan.Changes), elapsed.Round(100*time.Millisecond))
	report(w, opts.Stats.Snapshot(), applyBound(pl.Plan, s.Proxy && s.CreateLatency > 0), elapsed, proxy)
	fmt.Fprint(w, "  changes finished, by kind (first and last, from the start):")
	for _, k := range plan.Kinds {
		if sp, ok := spans[k]; ok {
			fmt.Fprintf(w, " %s %s-%s;", k, sp[0].Round(100*time.Millisecond), sp[1].Round(100*time.Millisecond))
		}
	}
	fmt.Fprintln(w)
	if s.CreateLatency > 0 {
		creates := applyBound(pl.Plan, false)["sso-admin:CreateAccountAssignment"]
		callBound := time.Duration(float64(sumBound(applyBound(pl.Plan, true))) / 20 * float64(time.Second))
		slotBound := time.Duration(float64(creates) * float64(s.CreateLatency) / 15)
		b := max(callBound, slotBound)
		fmt.Fprintf(w, "  bound max(%s for the fewest calls at 20/s, %s for %d creations of %s, 15 at a time) = %s; wall time %.2fx\n",
			callBound.Round(100*time.Millisecond), slotBound.Round(100*time.Millisecond), creates, s.CreateLatency, b.Round(100*time.Millisecond), elapsed.Seconds()/b.Seconds())
	}

	// Plan with no changes: the organization, Identity Center and IAM in
	// every account, as gatehouse plan reads them.
	opts.Stats = awscall.NewStats()
	if proxy != nil {
		proxy.ResetStats()
	}
	start = time.Now()
	pl, err = pipeline.Plan(ctx, m, opts, false)
	if err != nil {
		return err
	}
	elapsed = time.Since(start)
	snap := opts.Stats.Snapshot()
	fmt.Fprintf(w, "\nplan with no changes: %d changes in %s (Organizations: %d calls)\n", len(pl.Plan.Changes), elapsed.Round(100*time.Millisecond), snap.Service("organizations"))
	report(w, snap, readBound(pl), elapsed, proxy)
	strategies(w, pl.Live.State)
	if !pl.Plan.Empty() {
		return fmt.Errorf("the plan after apply has %d changes", len(pl.Plan.Changes))
	}
	if s.Audit {
		return auditCost(ctx, w, m, opts)
	}
	return nil
}

// auditCost runs the audit's live read and the audit, and prints the calls
// by operation next to the bound of that read.
func auditCost(ctx context.Context, w io.Writer, m *model.Model, opts pipeline.Options) error {
	opts.Stats = awscall.NewStats()
	start := time.Now()
	in, err := pipeline.ReadAudit(ctx, m, opts)
	if err != nil {
		return err
	}
	read := time.Since(start)
	start = time.Now()
	rep := audit.Run(in, audit.Filter{})
	run := time.Since(start)
	snap := opts.Stats.Snapshot()
	fmt.Fprintf(w, "\naudit: read in %s, audited in %s: %d access rows, %d findings\n", read.Round(100*time.Millisecond), run.Round(10*time.Millisecond), len(rep.Access), len(rep.Findings))
	b := map[string]int{}
	for op, n := range snap.Calls {
		switch {
		case strings.HasPrefix(op, "sso-admin:"), strings.HasPrefix(op, "identitystore:"), strings.HasPrefix(op, "organizations:"):
			b[op] = n // the reads plan makes, bounded above
		}
	}
	for id := range in.IAM {
		if id != in.Org.ManagementAccountID {
			b["sts:AssumeRole"]++
		}
		b["iam:GetAccountAuthorizationDetails"]++
	}
	// Each AWS managed policy once: GetPolicy, then its default version
	// (only for those that exist: the benchmark's moto loads none).
	b["iam:GetPolicy"] = len(pipeline.AWSManagedPolicies(in))
	b["iam:GetPolicyVersion"] = len(in.AWSPolicies)
	report(w, snap, b, read, nil)
	return nil
}

func awsConfig(ctx context.Context, endpoint string) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAGATEHOUSEBENCH00", "bench-secret", "")),
		config.WithBaseEndpoint(endpoint),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
}

// build is the model: accounts acct0000.. (the fixture's), groups G000..,
// users each in two groups, permission sets P00.. with two managed policies
// each, and assignments spread over accounts so that each account gets
// Assignments/Accounts; with Roles, seed 000's pair: an identity role in
// the management account and an access role it may assume in every member
// account.
func build(s size, fix orgfixture.Fixture) *model.Model {
	m := &model.Model{Version: 1, IdentityCenter: model.IdentityCenter{Region: "us-east-1"}}
	m.Accounts = append(m.Accounts, model.Account{Name: "management", ID: fix.ManagementID})
	var accounts []string
	for i := range s.Accounts {
		name := fmt.Sprintf("acct%04d", i)
		m.Accounts = append(m.Accounts, model.Account{Name: name, ID: fix.Accounts[name]})
		accounts = append(accounts, name)
	}
	members := map[string][]string{}
	for i := range s.Users {
		name := fmt.Sprintf("user%04d", i)
		m.Users = append(m.Users, model.User{Name: name, DisplayName: "User " + name, GivenName: "User", FamilyName: name, Email: name + "@example.com"})
		for _, g := range []int{i % s.Groups, (i + 1) % s.Groups} {
			gn := fmt.Sprintf("G%03d", g)
			if !slices.Contains(members[gn], name) {
				members[gn] = append(members[gn], name)
			}
		}
	}
	for i := range s.Groups {
		name := fmt.Sprintf("G%03d", i)
		m.Groups = append(m.Groups, model.Group{Name: name, Description: "benchmark group", Members: members[name]})
	}
	for i := range s.PermissionSets {
		m.PermissionSets = append(m.PermissionSets, model.PermissionSet{Name: fmt.Sprintf("P%02d", i), SessionDuration: 4 * time.Hour,
			Description:     "benchmark permission set",
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"}})
	}
	// One assignment per (group, permission set) with the accounts it
	// reaches. The pattern reaches at most every (account, set, group)
	// triple; the walk is bounded so that asking for more assignments than
	// exist ends with all there are.
	type pair struct{ group, set string }
	byPair := map[pair][]string{}
	seen := map[[3]string]bool{}
	n, limit := 0, 4*len(accounts)*s.PermissionSets*s.Groups
	for i := 0; n < s.Assignments && i < limit; i++ {
		acct := accounts[i%len(accounts)]
		k := i / len(accounts)
		p := pair{fmt.Sprintf("G%03d", (i*7+k)%s.Groups), fmt.Sprintf("P%02d", (i+k)%s.PermissionSets)}
		if key := [3]string{acct, p.set, p.group}; !seen[key] {
			seen[key] = true
			byPair[p] = append(byPair[p], acct)
			n++
		}
	}
	for _, p := range slices.SortedFunc(maps.Keys(byPair), func(a, b pair) int { return strings.Compare(a.group+a.set, b.group+b.set) }) {
		m.Assignments = append(m.Assignments, model.Assignment{Groups: []string{p.group}, PermissionSets: []string{p.set},
			Accounts: model.AccountSelector{Names: byPair[p]}})
	}
	if s.Roles {
		m.Roles = []model.Role{
			{Name: "EngineerIdentity", Accounts: model.AccountSelector{Names: []string{"management"}},
				Trust: []model.TrustEntry{{Account: "management"}}, CanAssume: []model.RoleRef{{Role: "EngineerAccess", Account: "acct0000"}}},
			{Name: "EngineerAccess", Accounts: model.AccountSelector{Names: accounts},
				Trust:        []model.TrustEntry{{Role: "EngineerIdentity@management"}},
				InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}`},
		}
	}
	return m
}

// applyBound is the fewest calls that carry out p: one per object created,
// plus one per policy attached to a new permission set or role, plus, when
// creation is asynchronous, one status request per assignment.
func applyBound(p *plan.Plan, async bool) map[string]int {
	b := map[string]int{}
	for _, c := range p.Changes {
		switch c.Kind {
		case plan.KindUser:
			b["identitystore:CreateUser"]++
		case plan.KindGroup:
			b["identitystore:CreateGroup"]++
		case plan.KindMembership:
			b["identitystore:CreateGroupMembership"]++
		case plan.KindPermissionSet:
			b["sso-admin:CreatePermissionSet"]++
			b["sso-admin:AttachManagedPolicyToPermissionSet"] += len(c.PermissionSet.After.ManagedPolicies)
		case plan.KindRole:
			b["iam:CreateRole"]++
			b["iam:PutRolePolicy"] += len(c.Role.After.InlinePolicies)
			b["iam:AttachRolePolicy"] += len(c.Role.After.ManagedPolicies)
		case plan.KindAssignment:
			b["sso-admin:CreateAccountAssignment"]++
			if async {
				b["sso-admin:DescribeAccountAssignmentCreationStatus"]++
			}
		}
	}
	return b
}

// readBound is the fewest calls of the plan's reads. Identity Center, per
// principal: per permission set Describe, its managed and customer-managed
// policies, its inline policy, boundary, tags and out-of-date accounts; per
// principal one page of assignments per 100; per group in scope one page of
// members per 100; users and groups listed 100 a page. IAM, per account
// read: AssumeRole into it (not the admin's own account) and one page of
// GetAccountAuthorizationDetails (roles with tags, boundary and policies),
// plus ListRoles (descriptions, session lengths) where it holds roles
// gatehouse reads, and ListSAMLProviders in external accounts.
func readBound(pl *pipeline.Planned) map[string]int {
	live, desired := pl.Live.State, pl.Desired
	pages := func(n int) int { return max(1, (n+99)/100) }
	b := map[string]int{
		"sso-admin:ListInstances":      1,
		"sso-admin:ListPermissionSets": pages(len(live.PermissionSets)),
		"identitystore:ListUsers":      pages(len(live.Users)),
		"identitystore:ListGroups":     pages(len(live.Groups)),
	}
	for _, op := range []string{"DescribePermissionSet", "ListManagedPoliciesInPermissionSet", "ListCustomerManagedPolicyReferencesInPermissionSet", "GetInlinePolicyForPermissionSet", "GetPermissionsBoundaryForPermissionSet", "ListTagsForResource", "ListAccountsForProvisionedPermissionSet"} {
		b["sso-admin:"+op] = len(live.PermissionSets)
	}
	per := map[string]int{}
	for _, a := range live.Assignments {
		per[a.PrincipalType+"/"+a.PrincipalName]++
	}
	for n := range live.Users {
		b["sso-admin:ListAccountAssignmentsForPrincipal"] += pages(per["USER/"+n])
	}
	for n := range live.Groups {
		b["sso-admin:ListAccountAssignmentsForPrincipal"] += pages(per["GROUP/"+n])
	}
	for n := range desired.Groups {
		b["identitystore:ListGroupMemberships"] += pages(len(live.Groups[n].Members))
	}
	if scope := pl.Plan.Scope.IAM; scope != nil {
		withRoles := map[string]bool{}
		for _, r := range live.Roles {
			withRoles[r.AccountID] = true
		}
		for _, a := range scope.Accounts {
			if a.ID != pl.Live.Org.ManagementAccountID {
				b["sts:AssumeRole"]++
			}
			b["iam:GetAccountAuthorizationDetails"]++
			if withRoles[a.ID] {
				b["iam:ListRoles"]++
			}
			if a.External {
				b["iam:ListSAMLProviders"]++
			}
		}
	}
	return b
}

// report prints calls by operation next to the bound, per service totals,
// and wall time next to the time the calls need at 20 per second.
func report(w io.Writer, st awscall.Snapshot, bound map[string]int, elapsed time.Duration, proxy *quotaproxy.Proxy) {
	ops := map[string]bool{}
	for op := range st.Calls {
		ops[op] = true
	}
	for op := range bound {
		ops[op] = true
	}
	fmt.Fprintf(w, "  %-66s %7s %12s\n", "calls by operation", "made", "lower bound")
	totals := map[string][2]int{}
	for _, op := range slices.Sorted(func(yield func(string) bool) {
		for op := range ops {
			if !yield(op) {
				return
			}
		}
	}) {
		fmt.Fprintf(w, "  %-66s %7d %12d\n", op, st.Calls[op], bound[op])
		svc, _, _ := strings.Cut(op, ":")
		t := totals[svc]
		totals[svc] = [2]int{t[0] + st.Calls[op], t[1] + bound[op]}
	}
	var all, allBound int
	var slowest time.Duration
	for _, svc := range []string{"sso-admin", "identitystore", "iam", "sts"} {
		t := totals[svc]
		if t == [2]int{} {
			continue
		}
		all += t[0]
		allBound += t[1]
		if svc == "iam" || svc == "sts" {
			// Quotas per account, read many accounts at once: no 20/s bound.
			fmt.Fprintf(w, "  %-66s %7d %12d   %s\n", svc+" total", t[0], t[1], ratioOf(t[0], t[1]))
			continue
		}
		need := time.Duration(float64(t[0]) / 20 * float64(time.Second))
		slowest = max(slowest, need)
		fmt.Fprintf(w, "  %-66s %7d %12d   %s at 20 calls/s\n", svc+" total", t[0], t[1], need.Round(100*time.Millisecond))
	}
	fmt.Fprintf(w, "  calls: %d made for a lower bound of %d (%s); retried %d (throttled or conflict %d)\n", all, allBound, ratioOf(all, allBound), st.Retried, st.Throttled)
	ic := totals["sso-admin"][0] + totals["identitystore"][0]
	allTime := time.Duration(float64(ic) / 20 * float64(time.Second))
	fmt.Fprintf(w, "  wall time %s: %.2fx the %s that %d Identity Center calls need at 20 calls/s (%.2fx the busier service's %s)\n",
		elapsed.Round(100*time.Millisecond), elapsed.Seconds()/allTime.Seconds(), allTime.Round(100*time.Millisecond), ic,
		elapsed.Seconds()/slowest.Seconds(), slowest.Round(100*time.Millisecond))
	if proxy != nil {
		ps := proxy.Stats()
		fmt.Fprintf(w, "  quota proxy: %d calls seen, %d throttled, %d conflicts, at most %d creations outstanding\n", ps.Total(), ps.Throttled, ps.Conflicts, ps.PeakOutstanding)
	}
}

func sumBound(b map[string]int) int {
	n := 0
	for op, v := range b {
		if !strings.HasPrefix(op, "iam:") {
			n += v
		}
	}
	return n
}

func ratioOf(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", float64(a)/float64(b))
}

// strategies prints the cost of each way of reading every assignment, for
// the state read, so that the choice can be checked.
func strategies(w io.Writer, live *state.State) {
	pairs := map[string]bool{}
	accounts := map[string]bool{}
	sets := map[string]bool{}
	for _, a := range live.Assignments {
		pairs[a.AccountID+"/"+a.PermissionSet] = true
		accounts[a.AccountID] = true
		sets[a.PermissionSet] = true
	}
	principals := len(live.Users) + len(live.Groups)
	fmt.Fprintln(w, "  assignment read strategies (calls, without extra pages):")
	fmt.Fprintf(w, "    per principal (chosen): users + groups                          = %d\n", principals)
	fmt.Fprintf(w, "    per account: accounts + (account, permission set) pairs         = %d + %d = %d\n", len(accounts), len(pairs), len(accounts)+len(pairs))
	fmt.Fprintf(w, "    per permission set: sets + (permission set, account) pairs      = %d + %d = %d\n", len(sets), len(pairs), len(sets)+len(pairs))
}
