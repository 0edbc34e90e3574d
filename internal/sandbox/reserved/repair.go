package reserved

import (
	"context"
	"time"
)

// AfterAssignment carries out what AWS does once an account assignment of a
// permission set was created or deleted: the role appears or goes. When that
// fails, a full reconcile is scheduled to repair it.
func (r *Roles) AfterAssignment(ctx context.Context, account, psARN string) {
	if _, err := r.Reconcile(ctx, account, psARN); err != nil {
		r.logf("after an assignment of %s in %s: %v; reconciling every account", psARN, account, err)
		r.RequestRepair()
	}
}

// AfterProvisioning carries out what AWS does once a permission set was
// provisioned (to account, or to every account for ""): the roles get its
// current policies. When that fails, a full reconcile is scheduled.
func (r *Roles) AfterProvisioning(ctx context.Context, psARN, account string) {
	if err := r.Provisioned(ctx, psARN, account); err != nil {
		r.logf("after provisioning %s: %v; reconciling every account", psARN, err)
		r.RequestRepair()
	}
}

// RequestRepair asks RunRepairs for a full reconcile; requests made while
// one is waiting count once.
func (r *Roles) RequestRepair() {
	select {
	case r.repair <- struct{}{}:
	default:
	}
}

// Repair backoff: the first retry after a failed reconcile, and the longest
// wait between retries.
const (
	firstRetry = time.Second
	lastRetry  = 30 * time.Second
)

// RunRepairs reconciles every account each time a repair is requested,
// retrying with backoff until a reconcile succeeds, until ctx ends.
func (r *Roles) RunRepairs(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.repair:
		}
		for wait := firstRetry; ; wait = min(2*wait, lastRetry) {
			err := r.ReconcileAll(ctx)
			if err == nil || ctx.Err() != nil {
				break
			}
			r.logf("reconciling AWSReservedSSO roles: %v; retrying in %s", err, wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}
