// Package pipeline is gatehouse's admin pipeline as a library: read what AWS
// holds (Organizations, IAM Identity Center and its Identity Store, IAM in
// every account in scope), compute the plan against the model, and apply it,
// or apply a saved plan after reading the same scope again and checking that
// nothing moved. internal/cli (plan, apply, show, import, audit) and the
// plan/apply benchmark call it; they keep flags, output and exit codes.
//
// Every AWS call goes through internal/awscall and is counted in
// Options.Stats; long reads report progress through Options.Progress.
package pipeline

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/applylock"
	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/iamroles"
	"github.com/gatehouse-dev/gatehouse/internal/identitycenter"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/organization"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Options say how the pipeline reaches AWS.
type Options struct {
	// AWS is the admin's configuration (awscall.Admin).
	AWS aws.Config
	// IdentityCenter and Organization tune those adapters (rates, for
	// benchmarks); the zero values suit AWS's quotas.
	IdentityCenter identitycenter.Options
	Organization   organization.Options
	// IAMRate is IAM calls per second per account (0: iamroles' default).
	IAMRate float64
	// Stats counts every call; a new counter when nil.
	Stats *awscall.Stats
	// Progress, when set, hears about the steps of long reads.
	Progress func(Progress)
	// Lock, when set, makes Plan and Reread take the apply lock before
	// they read (lock.go); Live.Unlock releases it.
	Lock *LockOptions
}

// Progress is how far a read has come: Step is "organization", "identity
// center" or "iam"; Done of Total units (accounts for IAM; 0 of 0 when a
// step starts and its size is not known yet).
type Progress struct {
	Step        string
	Done, Total int
	Finished    bool
}

func (o *Options) progress(p Progress) {
	if o.Progress != nil {
		o.Progress(p)
	}
}

func (o *Options) stats() *awscall.Stats {
	if o.Stats == nil {
		o.Stats = awscall.NewStats()
	}
	return o.Stats
}

// Live is what a plan read from AWS.
type Live struct {
	Org    *state.Organization
	State  *state.State
	IC     *identitycenter.Client
	IAM    *iamroles.Client // nil when no IAM was read
	Scope  plan.Scope
	Target plan.Target
	// Lock is the apply lock the read was made under (Options.Lock).
	Lock    *applylock.Lock
	lockErr error
}

// Planned is a computed plan with what it was computed from.
type Planned struct {
	Model   *model.Model
	Desired *state.State
	Live    *Live
	Plan    *plan.Plan
}

// ReadOrganization reads the organization, with account tags only when the
// model looks at them (m nil: none).
func ReadOrganization(ctx context.Context, m *model.Model, o *Options) (*state.Organization, error) {
	opts := o.Organization
	opts.SkipTags = m == nil || !expand.UsesTags(m)
	o.progress(Progress{Step: "organization"})
	org, err := organization.New(o.AWS, opts, o.stats()).Read(ctx)
	if err != nil {
		return nil, err
	}
	o.progress(Progress{Step: "organization", Done: len(org.Accounts), Total: len(org.Accounts), Finished: true})
	return org, nil
}

// IdentityCenter finds the instance (instanceARN and storeID may be "":
// discovered) and returns its client.
func IdentityCenter(ctx context.Context, instanceARN, storeID string, o *Options) (*identitycenter.Client, error) {
	ic := identitycenter.New(o.AWS, o.IdentityCenter, o.stats())
	if _, err := ic.Discover(ctx, instanceARN, storeID); err != nil {
		return nil, err
	}
	return ic, nil
}

// ReadIdentityCenter reads the instance's live state for scope.
func ReadIdentityCenter(ctx context.Context, ic *identitycenter.Client, scope identitycenter.ReadScope, o *Options) (*state.State, error) {
	o.progress(Progress{Step: "identity center"})
	live, err := ic.Read(ctx, scope)
	if err != nil {
		return nil, err
	}
	o.progress(Progress{Step: "identity center", Done: len(live.PermissionSets), Total: len(live.PermissionSets), Finished: true})
	return live, nil
}

// Plan loads nothing: it reads the organization, expands m against it,
// reads Identity Center and the IAM scope of the model, and computes the
// plan. prune turns unmanaged objects into deletions.
func Plan(ctx context.Context, m *model.Model, o Options, prune bool) (_ *Planned, err error) {
	org, err := ReadOrganization(ctx, m, &o)
	if err != nil {
		return nil, err
	}
	desired, err := expand.Desired(m, org)
	if err != nil {
		return nil, err
	}
	ic, err := IdentityCenter(ctx, m.IdentityCenter.InstanceARN, m.IdentityCenter.IdentityStoreID, &o)
	if err != nil {
		return nil, err
	}
	lock, err := o.lockApply(ctx, ic)
	if err != nil {
		return nil, err
	}
	defer unlockOnError(lock, &err)
	scope := plan.Scope{IdentitySource: cmpOr(m.IdentityCenter.IdentitySource, model.IdentitySourceInternal)}
	if scope.IdentitySource == model.IdentitySourceInternal {
		for name := range desired.Groups {
			scope.MembershipGroups = append(scope.MembershipGroups, name)
		}
		slices.Sort(scope.MembershipGroups)
	}
	// Identity Center and IAM have quotas of their own: read them at once.
	scope.IAM = IAMScope(m, org, desired)
	var live, iamLive *state.State
	var roles *iamroles.Client
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		live, err = ReadIdentityCenter(gctx, ic, identitycenter.ReadScope{MembershipGroups: scope.MembershipGroups}, &o)
		return err
	})
	g.Go(func() error {
		iamLive = state.New()
		var err error
		roles, err = ReadIAM(gctx, scope.IAM, iamLive, false, &o)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	maps.Copy(live.Roles, iamLive.Roles)
	maps.Copy(live.SAMLProviders, iamLive.SAMLProviders)
	target := plan.Target{Region: o.AWS.Region, InstanceARN: ic.Instance.ARN, IdentityStoreID: ic.Instance.IdentityStoreID}
	p, err := plan.Compute(desired, live, plan.Options{Target: target, Scope: scope, Prune: prune})
	if err != nil {
		return nil, err
	}
	return &Planned{
		Model:   m,
		Desired: desired,
		Live:    &Live{Org: org, State: live, IC: ic, IAM: roles, Scope: scope, Target: target, Lock: lock},
		Plan:    p,
	}, nil
}

// StaleError says that AWS changed since a saved plan was made.
type StaleError struct{ File string }

func (e *StaleError) Error() string {
	return fmt.Sprintf("the saved plan %s is stale: Identity Center or IAM changed since it was made", e.File)
}

// Hint says what to do.
func (e *StaleError) Hint() string {
	return "make a new plan with `gatehouse plan -out FILE`, review it, and apply that"
}

// Reread reads again exactly what the saved plan p (from file) read and
// returns it, or a *StaleError when its fingerprint differs: applying a plan
// to a state it was not computed from could undo someone else's change.
func Reread(ctx context.Context, p *plan.Plan, file string, o Options) (_ *Live, err error) {
	if len(p.Scope.Unread) > 0 {
		return nil, hint.New(fmt.Sprintf("the plan was made without reading [%s] of its permission sets", strings.Join(p.Scope.Unread, ", ")),
			"make a new plan with this gatehouse (gatehouse plan -out FILE) and apply that")
	}
	ic, err := IdentityCenter(ctx, p.Target.InstanceARN, p.Target.IdentityStoreID, &o)
	if err != nil {
		return nil, err
	}
	lock, err := o.lockApply(ctx, ic)
	if err != nil {
		return nil, err
	}
	defer unlockOnError(lock, &err)
	live, err := ReadIdentityCenter(ctx, ic, identitycenter.ReadScope{MembershipGroups: p.Scope.MembershipGroups}, &o)
	if err != nil {
		return nil, err
	}
	var roles *iamroles.Client
	if p.Scope.IAM != nil {
		if roles, err = ReadIAM(ctx, p.Scope.IAM, live, true, &o); err != nil {
			return nil, err
		}
	}
	if plan.Fingerprint(live) != p.Fingerprint {
		return nil, &StaleError{File: file}
	}
	return &Live{State: live, IC: ic, IAM: roles, Scope: p.Scope, Target: p.Target, Lock: lock}, nil
}

// Apply executes p against what live read, reporting each change to
// progress (which may be nil). Under an apply lock it first checks that
// the lock is still held and stops when it is lost (Live.LockErr says so).
func Apply(ctx context.Context, p *plan.Plan, live *Live, progress func(apply.Event)) apply.Result {
	ctx, stop := live.guard(ctx)
	defer stop()
	opts := apply.Options{Progress: progress}
	if live.IAM != nil {
		opts.Roles = live.IAM
	}
	return apply.Run(ctx, p, live.State, live.IC, opts)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
