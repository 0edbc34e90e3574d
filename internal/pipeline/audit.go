package pipeline

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/identitycenter"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/organization"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// ReadAudit reads what the audit needs from AWS, the model naming the
// accounts outside the organization and telling what it manages:
//
//   - the organization (accounts, OU paths and IDs) and its service
//     control policies with where they are attached;
//   - Identity Center: every user, group and membership, every permission
//     set with its policies, every assignment;
//   - IAM in every active account of the organization and every external
//     account of the model: roles (AWSReservedSSO ones included), users,
//     groups and customer managed policies, one GetAccountAuthorizationDetails
//     per account; an account gatehouse cannot enter is listed in
//     Input.Unread, and principals there count as outside;
//   - the documents of the AWS managed policies any of them has, once each.
//
// Identity Center, Organizations' policies and IAM are read at once, IAM
// a few accounts at a time.
func ReadAudit(ctx context.Context, m *model.Model, o Options) (*audit.Input, error) {
	org, err := ReadOrganization(ctx, m, &o)
	if err != nil {
		return nil, err
	}
	desired, err := expand.Desired(m, org)
	if err != nil {
		return nil, err
	}
	rows, err := expand.Rows(m, org)
	if err != nil {
		return nil, err
	}
	in := &audit.Input{Source: "live", Org: org, Region: o.AWS.Region, Model: m, Desired: desired,
		IAM: map[string]*state.IAMAccount{}, Unread: map[string]string{}, AWSPolicies: map[string]string{},
		SAML: audit.SAMLGrants(m, rows)}
	scope := IAMScope(m, org, desired)
	client := IAMClient(scope, &o)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		ic, err := IdentityCenter(gctx, m.IdentityCenter.InstanceARN, m.IdentityCenter.IdentityStoreID, &o)
		if err != nil {
			return err
		}
		in.IdentityCenter, err = ReadIdentityCenter(gctx, ic, identitycenter.ReadScope{AllMemberships: true}, &o)
		return err
	})
	g.Go(func() error {
		var err error
		in.SCPs, err = organization.New(o.AWS, o.Organization, o.stats()).ReadSCPs(gctx)
		return err
	})
	var mu sync.Mutex
	var done atomic.Int64
	total := len(scope.Accounts)
	o.progress(Progress{Step: "iam", Total: total})
	iamGroup, ictx := errgroup.WithContext(gctx)
	iamGroup.SetLimit(iamReadAccounts)
	for _, a := range scope.Accounts {
		iamGroup.Go(func() error {
			defer func() { o.progress(Progress{Step: "iam", Done: int(done.Add(1)), Total: total}) }()
			acct, err := client.ReadAuthorization(ictx, a.ID)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ictx.Err() != nil {
					return ictx.Err()
				}
				in.Unread[a.ID] = firstLine(err.Error())
				return nil
			}
			in.IAM[a.ID] = acct
			return nil
		})
	}
	g.Go(iamGroup.Wait)
	if err := g.Wait(); err != nil {
		return nil, err
	}
	o.progress(Progress{Step: "iam", Done: total, Total: total, Finished: true})
	if err := readAWSPolicies(ctx, in, client, &o); err != nil {
		return nil, err
	}
	return in, nil
}

// readAWSPolicies reads, once each, the AWS managed policies that roles,
// users, groups and permission sets have. One that cannot be read stays
// unknown: the audit then says what depends on it.
func readAWSPolicies(ctx context.Context, in *audit.Input, client interface {
	ReadManagedPolicy(ctx context.Context, accountID, arn string) (string, error)
}, o *Options) error {
	arns := AWSManagedPolicies(in)
	// Read them where the admin's own credentials are: any account read
	// will do, AWS managed policies are the same everywhere.
	where := ""
	if in.Org != nil {
		if _, ok := in.IAM[in.Org.ManagementAccountID]; ok {
			where = in.Org.ManagementAccountID
		}
	}
	if where == "" {
		for _, id := range slices.Sorted(maps.Keys(in.IAM)) {
			where = id
			break
		}
	}
	if where == "" || len(arns) == 0 {
		return nil
	}
	docs := make([]string, len(arns))
	o.progress(Progress{Step: "policies", Total: len(arns)})
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(iamReadAccounts)
	for i, arn := range arns {
		g.Go(func() error {
			doc, err := client.ReadManagedPolicy(gctx, where, arn)
			if err != nil && gctx.Err() != nil {
				return gctx.Err()
			}
			docs[i] = doc // "" when unreadable: left unknown
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, arn := range arns {
		if docs[i] != "" {
			in.AWSPolicies[arn] = docs[i]
		}
	}
	o.progress(Progress{Step: "policies", Done: len(arns), Total: len(arns), Finished: true})
	return nil
}

// AWSManagedPolicies are the AWS managed policies that the roles, users and
// groups read, and the permission sets, have (boundaries included), sorted.
func AWSManagedPolicies(in *audit.Input) []string {
	want := map[string]bool{}
	add := func(arns ...string) {
		for _, a := range arns {
			if strings.HasPrefix(a, "arn:aws:iam::aws:policy/") {
				want[a] = true
			}
		}
	}
	for _, acct := range in.IAM {
		for _, r := range acct.Roles {
			add(r.ManagedPolicies...)
			add(r.PermissionsBoundary)
		}
		for _, u := range acct.Users {
			add(u.ManagedPolicies...)
			add(u.PermissionsBoundary)
		}
		for _, gr := range acct.Groups {
			add(gr.ManagedPolicies...)
		}
	}
	if in.IdentityCenter != nil {
		for _, ps := range in.IdentityCenter.PermissionSets {
			add(ps.ManagedPolicies...)
			if ps.PermissionsBoundary != nil {
				add(ps.PermissionsBoundary.ManagedPolicyARN)
			}
		}
	}
	return slices.Sorted(maps.Keys(want))
}
