// Package reserved does what IAM Identity Center does in AWS and moto does
// not: it keeps an AWSReservedSSO_* role in an account exactly while a
// permission set is assigned there, with the permission set's policies, and
// it issues the role credentials the portal hands out. What it did not
// finish (an error, a crash of an earlier front) it repairs by reconciling
// every account's roles with the assignments moto holds.
package reserved

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/directory"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motoclient"
)

// Prefix starts the name of every role Identity Center creates.
const Prefix = "AWSReservedSSO_"

// inlinePolicyName is the name AWS gives a permission set's inline policy on
// its AWSReservedSSO role.
const inlinePolicyName = "AwsSSOInlinePolicy"

// Roles manages the AWSReservedSSO roles of every account.
type Roles struct {
	conn   motoclient.Conn
	dir    *directory.Directory
	region string
	logf   func(format string, args ...any)

	// mu serializes role changes, as AWS provisions one at a time per
	// account, so that a reconcile never sees a role half made.
	mu sync.Mutex
	// accounts are the accounts roles were made in: outside an
	// organization (in tests) they are the only way to find them.
	accounts map[string]bool

	repair chan struct{} // a full reconcile is wanted
}

// New manages roles through conn, reading Identity Center through dir;
// logf receives one line per role created or deleted and per error handled.
func New(conn motoclient.Conn, dir *directory.Directory, logf func(format string, args ...any)) *Roles {
	return &Roles{conn: conn, dir: dir, region: conn.Region(), logf: logf, accounts: map[string]bool{}, repair: make(chan struct{}, 1)}
}

// Name is the name of the role a permission set gets in an account:
// AWSReservedSSO_<name>_<16 hex>. The suffix is stable for a (permission
// set, account) pair, so trust policies can name it.
func Name(psName, psARN, account string) string {
	sum := sha256.Sum256([]byte(psARN + "|" + account))
	return Prefix + psName + "_" + hex.EncodeToString(sum[:8])
}

// Path is the path of Identity Center's roles: AWS adds the region except
// for us-east-1.
func Path(region string) string {
	if region == "" || region == "us-east-1" {
		return "/aws-reserved/sso.amazonaws.com/"
	}
	return "/aws-reserved/sso.amazonaws.com/" + region + "/"
}

func roleARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":role" + path + name
}

// samlTrust is the trust policy of an AWSReservedSSO role, as AWS writes it.
func samlTrust(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account +
		`:saml-provider/AWSSSO_sandbox_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`
}

// ChangeTimeout bounds one change of roles (a reconcile, a provisioning).
// A change runs to its end even when the caller gives up, as AWS's
// provisioning does: a role made without its policies, or left behind by a
// removed assignment, would stay so.
const ChangeTimeout = 2 * time.Minute

// detach returns a context that keeps ctx's values but not its
// cancellation, bounded by ChangeTimeout.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), ChangeTimeout)
}

// Reconcile makes the AWSReservedSSO role of a permission set exist in
// account exactly while the permission set has an assignment there. It
// returns the role's ARN ("" when there is none).
func (r *Roles) Reconcile(ctx context.Context, account, psARN string) (string, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	inst, _, err := r.dir.Instance(ctx)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reconcileLocked(ctx, inst, account, psARN)
}

func (r *Roles) reconcileLocked(ctx context.Context, inst, account, psARN string) (string, error) {
	ps, err := r.dir.PermissionSet(ctx, inst, psARN)
	if errors.Is(err, directory.ErrNoSuchPermissionSet) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	assigned, err := r.dir.HasAssignment(ctx, inst, account, psARN)
	if err != nil {
		return "", err
	}
	name, path := Name(ps.Name, psARN, account), Path(r.region)
	exists, err := r.roleExists(ctx, account, name)
	if err != nil {
		return "", err
	}
	switch {
	case assigned && !exists:
		r.accounts[account] = true
		if err := r.createRole(ctx, account, name, path, ps); err != nil {
			return "", err
		}
		if err := r.syncPolicies(ctx, inst, account, psARN, name); err != nil {
			// A role without its policies would stay so: remove it, so
			// that the repair this error triggers makes it whole.
			if derr := r.deleteRole(ctx, account, name); derr != nil {
				r.logf("removing the incomplete role %s in %s: %v", name, account, derr)
			}
			return "", err
		}
	case !assigned && exists:
		return "", r.deleteRole(ctx, account, name)
	case !assigned:
		return "", nil
	}
	return roleARN(account, path, name), nil
}

func (r *Roles) roleExists(ctx context.Context, account, name string) (bool, error) {
	_, err := r.conn.IAM(account).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var nse *iamtypes.NoSuchEntityException
	if errors.As(err, &nse) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading role %s in %s: %w", name, account, err)
	}
	return true, nil
}

func (r *Roles) createRole(ctx context.Context, account, name, path string, ps directory.PermissionSet) error {
	maxSession := int32(ps.SessionDuration / time.Second)
	maxSession = min(max(maxSession, 3600), 43200)
	_, err := r.conn.IAM(account).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		Path:                     aws.String(path),
		AssumeRolePolicyDocument: aws.String(samlTrust(account)),
		MaxSessionDuration:       aws.Int32(maxSession),
	})
	var exists *iamtypes.EntityAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("creating role %s in %s: %w", name, account, err)
	}
	r.logf("created role %s%s in %s for permission set %s", path, name, account, ps.Name)
	return nil
}

// syncPolicies gives a reserved role the permission set's current policies,
// as provisioning does in AWS.
func (r *Roles) syncPolicies(ctx context.Context, inst, account, psARN, name string) error {
	admin, roles := r.conn.SSOAdmin(), r.conn.IAM(account)
	inline, err := admin.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return fmt.Errorf("reading inline policy of %s: %w", psARN, err)
	}
	if doc := aws.ToString(inline.InlinePolicy); doc != "" {
		if _, err := roles.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName), PolicyDocument: aws.String(doc),
		}); err != nil {
			return fmt.Errorf("putting the inline policy on %s in %s: %w", name, account, err)
		}
	} else {
		_, err := roles.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName)})
		var nse *iamtypes.NoSuchEntityException
		if err != nil && !errors.As(err, &nse) {
			return fmt.Errorf("removing the inline policy of %s in %s: %w", name, account, err)
		}
	}
	want := map[string]bool{}
	managed, err := admin.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return fmt.Errorf("listing managed policies of %s: %w", psARN, err)
	}
	for _, p := range managed.AttachedManagedPolicies {
		want[aws.ToString(p.Arn)] = true
	}
	customer, err := admin.ListCustomerManagedPolicyReferencesInPermissionSet(ctx, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(psARN),
	})
	if err != nil {
		return fmt.Errorf("listing customer managed policies of %s: %w", psARN, err)
	}
	for _, p := range customer.CustomerManagedPolicyReferences {
		path := aws.ToString(p.Path)
		if path == "" {
			path = "/"
		}
		want["arn:aws:iam::"+account+":policy"+path+aws.ToString(p.Name)] = true
	}
	attached, err := roles.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing policies of %s in %s: %w", name, account, err)
	}
	for _, p := range attached.AttachedPolicies {
		arn := aws.ToString(p.PolicyArn)
		if want[arn] {
			delete(want, arn)
			continue
		}
		if _, err := roles.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)}); err != nil {
			return fmt.Errorf("detaching %s from %s in %s: %w", arn, name, account, err)
		}
	}
	if err := r.syncBoundary(ctx, inst, account, psARN, name); err != nil {
		return err
	}
	for _, arn := range slices.Sorted(maps.Keys(want)) {
		_, err := roles.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)})
		var nse *iamtypes.NoSuchEntityException
		if errors.As(err, &nse) {
			// AWS fails provisioning here; moto also lacks AWS-managed
			// policies unless started with LoadManagedPolicies. The role
			// still works for sign-in, so say so and go on.
			r.logf("policy %s does not exist in %s; role %s lacks it", arn, account, name)
			continue
		}
		if err != nil {
			return fmt.Errorf("attaching %s to %s in %s: %w", arn, name, account, err)
		}
	}
	return nil
}

// syncBoundary gives a reserved role the permission set's permissions
// boundary, or none, as provisioning does in AWS: a customer managed
// boundary is the policy of that name and path in the account.
func (r *Roles) syncBoundary(ctx context.Context, inst, account, psARN, name string) error {
	admin, roles := r.conn.SSOAdmin(), r.conn.IAM(account)
	out, err := admin.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{
		InstanceArn: aws.String(inst), PermissionSetArn: aws.String(psARN),
	})
	var nf *ssotypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		_, err := roles.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String(name)})
		var nse *iamtypes.NoSuchEntityException
		if err != nil && !errors.As(err, &nse) {
			return fmt.Errorf("removing the boundary of %s in %s: %w", name, account, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the boundary of %s: %w", psARN, err)
	}
	b := out.PermissionsBoundary
	arn := aws.ToString(b.ManagedPolicyArn)
	if ref := b.CustomerManagedPolicyReference; ref != nil {
		path := aws.ToString(ref.Path)
		if path == "" {
			path = "/"
		}
		arn = "arn:aws:iam::" + account + ":policy" + path + aws.ToString(ref.Name)
	}
	if _, err := roles.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String(name), PermissionsBoundary: aws.String(arn)}); err != nil {
		return fmt.Errorf("setting the boundary of %s in %s: %w", name, account, err)
	}
	return nil
}

// deleteRole removes a role with its policies.
func (r *Roles) deleteRole(ctx context.Context, account, name string) error {
	roles := r.conn.IAM(account)
	attached, err := roles.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing policies of %s in %s: %w", name, account, err)
	}
	for _, p := range attached.AttachedPolicies {
		if _, err := roles.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: p.PolicyArn}); err != nil {
			return fmt.Errorf("detaching %s from %s in %s: %w", aws.ToString(p.PolicyArn), name, account, err)
		}
	}
	inline, err := roles.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing inline policies of %s in %s: %w", name, account, err)
	}
	for _, p := range inline.PolicyNames {
		if _, err := roles.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil {
			return fmt.Errorf("deleting inline policy %s of %s in %s: %w", p, name, account, err)
		}
	}
	if _, err := roles.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil {
		return fmt.Errorf("deleting role %s in %s: %w", name, account, err)
	}
	r.logf("deleted role %s in %s: its last assignment is gone", name, account)
	return nil
}

// Provisioned refreshes the policies of the reserved roles of a permission
// set after ProvisionPermissionSet, in one account or, for account "", in
// every account that has the role.
func (r *Roles) Provisioned(ctx context.Context, psARN, account string) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	inst, _, err := r.dir.Instance(ctx)
	if err != nil {
		return err
	}
	ps, err := r.dir.PermissionSet(ctx, inst, psARN)
	if errors.Is(err, directory.ErrNoSuchPermissionSet) {
		return nil
	}
	if err != nil {
		return err
	}
	accounts := []string{account}
	if account == "" {
		all, err := r.knownAccounts(ctx)
		if err != nil {
			return err
		}
		accounts = slices.Sorted(maps.Keys(all))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, acct := range accounts {
		name := Name(ps.Name, psARN, acct)
		exists, err := r.roleExists(ctx, acct, name)
		if err != nil {
			return err
		}
		if !exists {
			continue
		}
		if err := r.syncPolicies(ctx, inst, acct, psARN, name); err != nil {
			return err
		}
	}
	return nil
}

// knownAccounts are the accounts that may hold reserved roles: the
// organization's, the management account, and those roles were made in.
func (r *Roles) knownAccounts(ctx context.Context) (map[string]bool, error) {
	org, err := r.dir.OrgAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{r.conn.Management(): true}
	for id := range org {
		out[id] = true
	}
	r.mu.Lock()
	for id := range r.accounts {
		out[id] = true
	}
	r.mu.Unlock()
	return out, nil
}

// ReconcileAll makes every account's AWSReservedSSO roles match the
// assignments in moto: it creates the missing ones and deletes those whose
// permission set is no longer assigned there or no longer exists.
func (r *Roles) ReconcileAll(ctx context.Context) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	inst, _, err := r.dir.Instance(ctx)
	if err != nil {
		return err
	}
	accounts, err := r.knownAccounts(ctx)
	if err != nil {
		return err
	}
	assigned, err := r.dir.AssignedAccounts(ctx, inst)
	if err != nil {
		return err
	}
	for id := range assigned {
		accounts[id] = true
	}
	// Held throughout: a role an assignment hook makes while this runs
	// would otherwise look stale to the listing below.
	r.mu.Lock()
	defer r.mu.Unlock()
	sets, err := r.dir.PermissionSets(ctx, inst)
	if err != nil {
		return err
	}
	for _, acct := range slices.Sorted(maps.Keys(accounts)) {
		if err := r.reconcileAccountLocked(ctx, inst, acct, sets); err != nil {
			return err
		}
	}
	return nil
}

func (r *Roles) reconcileAccountLocked(ctx context.Context, inst, account string, sets []string) error {
	keep := map[string]bool{}
	for _, ps := range sets {
		arn, err := r.reconcileLocked(ctx, inst, account, ps)
		if err != nil {
			return err
		}
		if arn != "" {
			keep[arn[strings.LastIndexByte(arn, '/')+1:]] = true
		}
	}
	var stale []string
	pages := iam.NewListRolesPaginator(r.conn.IAM(account), &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/sso.amazonaws.com/")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing reserved roles in %s: %w", account, err)
		}
		for _, role := range page.Roles {
			if name := aws.ToString(role.RoleName); strings.HasPrefix(name, Prefix) && !keep[name] {
				stale = append(stale, name)
			}
		}
	}
	for _, name := range stale {
		if err := r.deleteRole(ctx, account, name); err != nil {
			return err
		}
	}
	return nil
}

// Credentials are GetRoleCredentials' roleCredentials object.
type Credentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"` // epoch milliseconds
}

// RoleCredentials returns credentials of the reserved role behind e (made
// now if it is missing), from moto's STS, with the user name as the role
// session name and the permission set's session duration, as AWS does.
func (r *Roles) RoleCredentials(ctx context.Context, userName string, e directory.Entitlement) (Credentials, error) {
	arn, err := r.Reconcile(ctx, e.AccountID, e.PermissionSetARN)
	if err != nil {
		return Credentials{}, err
	}
	if arn == "" {
		return Credentials{}, fmt.Errorf("permission set %s is no longer assigned in %s", e.RoleName, e.AccountID)
	}
	duration := int32(e.SessionDuration / time.Second)
	duration = min(max(duration, 900), 43200)
	out, err := r.conn.STS(e.AccountID).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(arn),
		RoleSessionName: aws.String(SessionName(userName)),
		DurationSeconds: aws.Int32(duration),
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("assuming %s: %w", arn, err)
	}
	c := out.Credentials
	return Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration).UnixMilli(),
	}, nil
}

// SessionName makes a user name a valid role session name ([\w+=,.@-]{2,64}).
func SessionName(user string) string {
	var b strings.Builder
	for _, r := range user {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	for len(s) < 2 {
		s += "-"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
