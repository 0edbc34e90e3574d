// Package organization is the adapter that reads AWS Organizations into
// state.Organization: the organization itself, every account with its status,
// its OU path from the root (such as "Workloads/Prod") and its tags.
//
// Organizations allows only a few calls per second per account, so every call
// goes through internal/awscall: one adaptive limiter, bounded fan-out, and
// awscall's retry policy (throttling, and for these reads network and server
// failures, retried with jittered exponential backoff). The SDK's own
// retries are turned off so that nothing is retried twice over.
package organization

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Options tune how the organization is read. The zero value gives the
// defaults, which suit AWS's published Organizations limits.
type Options struct {
	// Rate is the steady number of calls per second; default 10.
	Rate rate.Limit
	// Burst is how many calls may go at once after a pause; default 10.
	Burst int
	// Concurrency bounds the calls in flight; default 4.
	Concurrency int
	// PageSize is MaxResults of paginated calls; default 20 (ListAccounts' maximum).
	PageSize int32
	// MaxAttempts bounds the attempts of a throttled call; default 8.
	MaxAttempts int
	// BaseDelay is the first backoff after a throttle, doubled each time up
	// to MaxDelay, with full jitter; defaults 200ms and 10s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// SkipTags leaves account tags unread (one call per account saved) when
	// nothing in the model looks at tags; see expand.UsesTags.
	SkipTags bool
}

func (o Options) withDefaults() Options {
	if o.Rate == 0 {
		o.Rate = 10
	}
	if o.Burst <= 0 {
		o.Burst = 10
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.PageSize <= 0 {
		o.PageSize = 20
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 200 * time.Millisecond
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 10 * time.Second
	}
	return o
}

// Reader reads an organization. It is safe for one Read at a time; Stats
// reports what the reads cost.
type Reader struct {
	client *organizations.Client
	sts    *sts.Client
	opts   Options
	svc    *awscall.Service
	stats  *awscall.Stats
}

// New returns a Reader using cfg's credentials and endpoints. Calls are
// counted in stats (a new counter when nil), which the caller may share.
func New(cfg aws.Config, opts Options, stats ...*awscall.Stats) *Reader {
	opts = opts.withDefaults()
	st := awscall.NewStats()
	if len(stats) > 0 && stats[0] != nil {
		st = stats[0]
	}
	svc := awscall.NewService("organizations", 0, 0, st)
	svc.Limiter = awscall.NewLimiter(float64(opts.Rate), opts.Burst)
	svc.Policy = awscall.Policy{MaxAttempts: opts.MaxAttempts, BaseDelay: opts.BaseDelay, MaxDelay: opts.MaxDelay}
	svc.EndpointVariable = "AWS_ENDPOINT_URL_ORGANIZATIONS"
	return &Reader{
		client: organizations.NewFromConfig(cfg, func(o *organizations.Options) { awscall.NoSDKRetries(&o.Retryer) }),
		sts:    sts.NewFromConfig(cfg),
		opts:   opts,
		svc:    svc,
		stats:  st,
	}
}

// Stats returns a copy of the call counters, keyed "organizations:Action".
func (r *Reader) Stats() awscall.Snapshot { return r.stats.Snapshot() }

// parent is a root or OU with its path from the root ("" for the root).
type parent struct {
	id   string
	path string
}

// Read reads the organization: DescribeOrganization, ListRoots, the OU tree
// (ListOrganizationalUnitsForParent, level by level), every account
// (ListAccounts), where each sits (ListAccountsForParent per root and OU,
// ListParents for an account that joined during the read) and its tags
// (ListTagsForResource per account, unless SkipTags).
func (r *Reader) Read(ctx context.Context) (*state.Organization, error) {
	desc, err := call(ctx, r, "DescribeOrganization", "", func(ctx context.Context) (*organizations.DescribeOrganizationOutput, error) {
		return r.client.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	})
	if err != nil {
		return nil, err
	}
	org := &state.Organization{
		ID:                  aws.ToString(desc.Organization.Id),
		ManagementAccountID: aws.ToString(desc.Organization.MasterAccountId),
	}

	parents, err := r.readOUTree(ctx)
	if err != nil {
		return nil, err
	}
	pathOf := make(map[string]string, len(parents))
	org.OUIDs = make(map[string]string, len(parents))
	for _, p := range parents {
		pathOf[p.id] = p.path
		if p.path == "" {
			org.RootID = p.id
			continue
		}
		org.OUs = append(org.OUs, p.path)
		org.OUIDs[p.path] = p.id
	}
	sort.Strings(org.OUs)

	var (
		accounts  []orgtypes.Account
		placement = map[string]string{} // account ID -> parent ID
		mu        sync.Mutex
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Concurrency)
	g.Go(func() error {
		var err error
		accounts, err = r.listAccounts(gctx)
		return err
	})
	for _, p := range parents {
		g.Go(func() error {
			ids, err := r.listAccountsForParent(gctx, p)
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				placement[id] = p.id
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	org.Accounts = make([]state.OrgAccount, len(accounts))
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Concurrency)
	for i, a := range accounts {
		g.Go(func() error {
			oa := state.OrgAccount{
				ID:     aws.ToString(a.Id),
				Name:   aws.ToString(a.Name),
				Email:  aws.ToString(a.Email),
				Status: accountStatus(a),
			}
			parentID, ok := placement[oa.ID]
			if !ok {
				// The account joined after its parent was listed.
				var err error
				if parentID, err = r.parentOf(gctx, oa.ID); err != nil {
					return err
				}
			}
			path, ok := pathOf[parentID]
			if !ok {
				return hint.New(fmt.Sprintf("reading the organization: account %s sits in %s, an OU created while gatehouse was reading", oa.ID, parentID),
					"run the command again")
			}
			oa.OUPath = path
			if !r.opts.SkipTags {
				tags, err := r.listTags(gctx, oa.ID)
				if err != nil {
					return err
				}
				oa.Tags = tags
			}
			org.Accounts[i] = oa
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(org.Accounts, func(i, j int) bool { return org.Accounts[i].ID < org.Accounts[j].ID })
	return org, nil
}

// accountStatus prefers State, which replaces the deprecated Status field.
func accountStatus(a orgtypes.Account) string {
	if a.State != "" {
		return string(a.State)
	}
	return string(a.Status)
}

// readOUTree returns the root and every OU below it with their paths,
// reading one level of the tree at a time with bounded concurrency.
func (r *Reader) readOUTree(ctx context.Context) ([]parent, error) {
	roots, err := call(ctx, r, "ListRoots", "", func(ctx context.Context) (*organizations.ListRootsOutput, error) {
		return r.client.ListRoots(ctx, &organizations.ListRootsInput{})
	})
	if err != nil {
		return nil, err
	}
	if len(roots.Roots) != 1 {
		return nil, fmt.Errorf("reading the organization: ListRoots returned %d roots, expected exactly one", len(roots.Roots))
	}
	all := []parent{{id: aws.ToString(roots.Roots[0].Id)}}
	level := all
	for len(level) > 0 {
		children := make([][]parent, len(level))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(r.opts.Concurrency)
		for i, p := range level {
			g.Go(func() error {
				var err error
				children[i], err = r.listOUs(gctx, p)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		level = nil
		for _, c := range children {
			level = append(level, c...)
		}
		all = append(all, level...)
	}
	return all, nil
}

func (r *Reader) listOUs(ctx context.Context, p parent) ([]parent, error) {
	var out []parent
	err := paginate(func(token *string) (*string, error) {
		page, err := call(ctx, r, "ListOrganizationalUnitsForParent", p.id, func(ctx context.Context) (*organizations.ListOrganizationalUnitsForParentOutput, error) {
			return r.client.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{
				ParentId: aws.String(p.id), NextToken: token, MaxResults: aws.Int32(r.opts.PageSize),
			})
		})
		if err != nil {
			return nil, err
		}
		for _, ou := range page.OrganizationalUnits {
			path := aws.ToString(ou.Name)
			if p.path != "" {
				path = p.path + "/" + path
			}
			out = append(out, parent{id: aws.ToString(ou.Id), path: path})
		}
		return page.NextToken, nil
	})
	return out, err
}

func (r *Reader) listAccounts(ctx context.Context) ([]orgtypes.Account, error) {
	var out []orgtypes.Account
	err := paginate(func(token *string) (*string, error) {
		page, err := call(ctx, r, "ListAccounts", "", func(ctx context.Context) (*organizations.ListAccountsOutput, error) {
			return r.client.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: token, MaxResults: aws.Int32(r.opts.PageSize)})
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Accounts...)
		return page.NextToken, nil
	})
	return out, err
}

func (r *Reader) listAccountsForParent(ctx context.Context, p parent) ([]string, error) {
	var ids []string
	err := paginate(func(token *string) (*string, error) {
		page, err := call(ctx, r, "ListAccountsForParent", p.id, func(ctx context.Context) (*organizations.ListAccountsForParentOutput, error) {
			return r.client.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{
				ParentId: aws.String(p.id), NextToken: token, MaxResults: aws.Int32(r.opts.PageSize),
			})
		})
		if err != nil {
			return nil, err
		}
		for _, a := range page.Accounts {
			ids = append(ids, aws.ToString(a.Id))
		}
		return page.NextToken, nil
	})
	return ids, err
}

func (r *Reader) parentOf(ctx context.Context, accountID string) (string, error) {
	out, err := call(ctx, r, "ListParents", accountID, func(ctx context.Context) (*organizations.ListParentsOutput, error) {
		return r.client.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(accountID)})
	})
	if err != nil {
		return "", err
	}
	if len(out.Parents) != 1 {
		return "", fmt.Errorf("reading the organization: ListParents of account %s returned %d parents, expected one", accountID, len(out.Parents))
	}
	return aws.ToString(out.Parents[0].Id), nil
}

func (r *Reader) listTags(ctx context.Context, accountID string) (map[string]string, error) {
	tags := map[string]string{}
	err := paginate(func(token *string) (*string, error) {
		page, err := call(ctx, r, "ListTagsForResource", accountID, func(ctx context.Context) (*organizations.ListTagsForResourceOutput, error) {
			return r.client.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(accountID), NextToken: token})
		})
		if err != nil {
			return nil, err
		}
		for _, t := range page.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return page.NextToken, nil
	})
	if len(tags) == 0 {
		tags = nil
	}
	return tags, err
}

// maxPages stops a server that keeps returning tokens: 1,000 pages of 20
// accounts is twice Organizations' default quota of 10,000 accounts.
const maxPages = 1000

// paginate calls page with each NextToken until there is none. It refuses a
// token that repeats, as the SDK's paginators do.
func paginate(page func(token *string) (*string, error)) error {
	var token *string
	seen := map[string]bool{}
	for range maxPages {
		next, err := page(token)
		if err != nil {
			return err
		}
		if aws.ToString(next) == "" {
			return nil
		}
		if seen[*next] {
			return fmt.Errorf("reading the organization: the service returned the same page token twice")
		}
		seen[*next] = true
		token = next
	}
	return fmt.Errorf("reading the organization: more than %d pages", maxPages)
}

// call makes one Organizations call through awscall (pacing, retries,
// statistics) and turns its error into one that names the action and says
// what to do. resource names what the call is about (account or parent ID)
// for the error message; "" when nothing.
func call[T any](ctx context.Context, r *Reader, action, resource string, fn func(context.Context) (T, error)) (T, error) {
	out, err := awscall.Do(ctx, r.svc, awscall.Call{Op: action, What: resource, Mode: awscall.Read}, fn)
	if err != nil {
		return out, r.explain(ctx, action, resource, err)
	}
	return out, nil
}

// explain says what an Organizations error means for reading the
// organization, naming the caller's identity where that helps; other
// errors keep awscall's explanation.
func (r *Reader) explain(ctx context.Context, action, resource string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("reading the organization (organizations:%s): %w", action, ctx.Err())
	}
	what := "organizations:" + action
	if resource != "" {
		what += " on " + resource
	}
	switch awscall.Classify(err) {
	case awscall.AccessDenied:
		return hint.Wrap(fmt.Errorf("reading the organization: %s was denied to %s", what, r.caller(ctx)),
			"use credentials of the management account or of a delegated administrator allowed organizations:Describe* and organizations:List* (--profile)")
	case awscall.Credentials:
		return hint.Wrap(fmt.Errorf("reading the organization: %s: the credentials are expired or invalid (%s)", what, awscall.Code(err)),
			"refresh them (for example `aws sso login`) or choose other credentials with --profile")
	}
	if awscall.Code(err) == "AWSOrganizationsNotInUseException" {
		return hint.Wrap(fmt.Errorf("reading the organization: %s is not in an organization", r.caller(ctx)),
			"use credentials of the organization's management account (or of a delegated administrator): pass --profile or set AWS_PROFILE")
	}
	return fmt.Errorf("reading the organization: %w", err)
}

// caller names the credentials in use, for error messages: the ARN and
// account from sts:GetCallerIdentity when that call works.
func (r *Reader) caller(ctx context.Context) string {
	out, err := r.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "the current credentials"
	}
	return fmt.Sprintf("%s (account %s)", aws.ToString(out.Arn), aws.ToString(out.Account))
}

// ReadSCPs reads the organization's service control policies: for every
// target they are attached to (the root "r-...", an OU "ou-..." or an
// account ID), the documents attached there. It costs one ListPolicies page
// per 20 policies and, per policy, DescribePolicy and a ListTargetsForPolicy
// page per 20 targets. An organization without SCPs enabled has none:
// AWS then applies FullAWSAccess everywhere, which restricts nothing.
func (r *Reader) ReadSCPs(ctx context.Context) (map[string][]string, error) {
	var ids []string
	err := paginate(func(token *string) (*string, error) {
		page, err := call(ctx, r, "ListPolicies", "SERVICE_CONTROL_POLICY", func(ctx context.Context) (*organizations.ListPoliciesOutput, error) {
			return r.client.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy, NextToken: token, MaxResults: aws.Int32(r.opts.PageSize)})
		})
		if err != nil {
			return nil, err
		}
		for _, p := range page.Policies {
			ids = append(ids, aws.ToString(p.Id))
		}
		return page.NextToken, nil
	})
	if err != nil {
		if awscall.Code(err) == "PolicyTypeNotEnabledException" {
			return map[string][]string{}, nil
		}
		return nil, err
	}
	type attached struct {
		doc     string
		targets []string
	}
	found := make([]attached, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Concurrency)
	for i, id := range ids {
		g.Go(func() error {
			d, err := call(gctx, r, "DescribePolicy", id, func(ctx context.Context) (*organizations.DescribePolicyOutput, error) {
				return r.client.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
			})
			if err != nil {
				return err
			}
			found[i].doc = aws.ToString(d.Policy.Content)
			return paginate(func(token *string) (*string, error) {
				page, err := call(gctx, r, "ListTargetsForPolicy", id, func(ctx context.Context) (*organizations.ListTargetsForPolicyOutput, error) {
					return r.client.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(id), NextToken: token, MaxResults: aws.Int32(r.opts.PageSize)})
				})
				if err != nil {
					return nil, err
				}
				for _, t := range page.Targets {
					found[i].targets = append(found[i].targets, aws.ToString(t.TargetId))
				}
				return page.NextToken, nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, f := range found {
		for _, t := range f.targets {
			out[t] = append(out[t], f.doc)
		}
	}
	return out, nil
}
