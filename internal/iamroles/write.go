package iamroles

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// Create makes role r in its account: the role with its trust policy, path,
// description, session length, boundary and tags, then its inline and
// managed policies. Roles that r's trust names as exact principals must
// exist (trust.CreateOrder); if one was created by this Client moments ago,
// IAM's "Invalid principal" is retried until it propagates.
//
// A role of that name that already exists is converged with Update when
// gatehouse manages it (an apply that stopped half-way) or r.Adopt is set;
// otherwise Create returns an *UnmanagedError and changes nothing.
func (c *Client) Create(ctx context.Context, r state.Role) error {
	cl, err := c.IAM(ctx, r.AccountID)
	if err != nil {
		return err
	}
	in := &iam.CreateRoleInput{
		RoleName:                 aws.String(r.Name),
		Path:                     aws.String(r.Path),
		AssumeRolePolicyDocument: aws.String(r.TrustPolicy),
		MaxSessionDuration:       aws.Int32(int32(r.MaxSessionDuration)),
		Tags:                     tagList(r.Tags),
	}
	if r.Description != "" {
		in.Description = aws.String(r.Description)
	}
	if r.PermissionsBoundary != "" {
		in.PermissionsBoundary = aws.String(r.PermissionsBoundary)
	}
	// IAM role names are unique in an account: a CreateRole whose answer
	// was lost cannot duplicate, and is sent again; EntityAlreadyExists then
	// means converging the role that is there.
	err = c.waitForPrincipals(ctx, r.TrustPolicy, func() error {
		_, err := do(ctx, c, r.AccountID, "CreateRole", "role "+r.Name, awscall.Idempotent, func(ctx context.Context) (*iam.CreateRoleOutput, error) {
			return cl.CreateRole(ctx, in)
		})
		return err
	})
	if awscall.Code(err) == "EntityAlreadyExists" {
		live, rerr := c.readRole(ctx, cl, r.AccountID, r.Name, true)
		if rerr != nil {
			return rerr
		}
		if live == nil {
			return err
		}
		return c.Update(ctx, r, *live)
	}
	if err != nil {
		return err
	}
	c.created.add(state.RoleKey(r.AccountID, r.Name), c.opts.Now())
	for _, name := range slices.Sorted(maps.Keys(r.InlinePolicies)) {
		if err := c.putInline(ctx, cl, r, name); err != nil {
			return err
		}
	}
	for _, arn := range r.ManagedPolicies {
		if _, err := do(ctx, c, r.AccountID, "AttachRolePolicy", "role "+r.Name, awscall.Idempotent, func(ctx context.Context) (*iam.AttachRolePolicyOutput, error) {
			return cl.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &r.Name, PolicyArn: aws.String(arn)})
		}); err != nil {
			return err
		}
	}
	return nil
}

// Update changes the live role into the desired one, touching only what
// differs: tags first (so an adopted role is marked as gatehouse's before
// anything else changes), then trust policy, description and session
// length, boundary, managed policies (new ones attached before old ones are
// detached) and inline policies. It refuses a role gatehouse does not manage
// unless desired.Adopt is set, and a change of path, which IAM cannot make:
// the role must be deleted and created again.
func (c *Client) Update(ctx context.Context, desired, live state.Role) error {
	if !live.Managed && !desired.Adopt {
		return &UnmanagedError{Kind: "role", AccountID: live.AccountID, Account: c.label(live.AccountID), Name: live.Name}
	}
	if desired.Path != live.Path {
		return hint.New(fmt.Sprintf("role %s in account %s has path %s, the model wants %s: IAM cannot change a role's path",
			live.Name, c.label(live.AccountID), live.Path, desired.Path),
			"the plan replaces the role (delete, then create); run plan again")
	}
	cl, err := c.IAM(ctx, live.AccountID)
	if err != nil {
		return err
	}
	name, acct := live.Name, live.AccountID
	if err := c.updateTags(ctx, cl, acct, name, desired.Tags, live.Tags); err != nil {
		return err
	}
	if !policy.Equal(desired.TrustPolicy, live.TrustPolicy) {
		err := c.waitForPrincipals(ctx, desired.TrustPolicy, func() error {
			_, err := do(ctx, c, acct, "UpdateAssumeRolePolicy", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.UpdateAssumeRolePolicyOutput, error) {
				return cl.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: &name, PolicyDocument: aws.String(desired.TrustPolicy)})
			})
			return err
		})
		if err != nil {
			return err
		}
	}
	if desired.Description != live.Description || desired.MaxSessionDuration != live.MaxSessionDuration {
		if _, err := do(ctx, c, acct, "UpdateRole", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.UpdateRoleOutput, error) {
			return cl.UpdateRole(ctx, &iam.UpdateRoleInput{
				RoleName:           &name,
				Description:        aws.String(desired.Description),
				MaxSessionDuration: aws.Int32(int32(desired.MaxSessionDuration)),
			})
		}); err != nil {
			return err
		}
	}
	if desired.PermissionsBoundary != live.PermissionsBoundary {
		if desired.PermissionsBoundary == "" {
			_, err = do(ctx, c, acct, "DeleteRolePermissionsBoundary", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.DeleteRolePermissionsBoundaryOutput, error) {
				return cl.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: &name})
			})
		} else {
			_, err = do(ctx, c, acct, "PutRolePermissionsBoundary", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.PutRolePermissionsBoundaryOutput, error) {
				return cl.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: &name, PermissionsBoundary: aws.String(desired.PermissionsBoundary)})
			})
		}
		if err != nil {
			return err
		}
	}
	for _, arn := range desired.ManagedPolicies {
		if !slices.Contains(live.ManagedPolicies, arn) {
			if _, err := do(ctx, c, acct, "AttachRolePolicy", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.AttachRolePolicyOutput, error) {
				return cl.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(arn)})
			}); err != nil {
				return err
			}
		}
	}
	for _, arn := range live.ManagedPolicies {
		if !slices.Contains(desired.ManagedPolicies, arn) {
			if _, err := do(ctx, c, acct, "DetachRolePolicy", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.DetachRolePolicyOutput, error) {
				return cl.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(arn)})
			}); err != nil && !isNotFound(err) {
				return err
			}
		}
	}
	for _, pn := range slices.Sorted(maps.Keys(desired.InlinePolicies)) {
		if have, ok := live.InlinePolicies[pn]; !ok || !policy.Equal(have, desired.InlinePolicies[pn]) {
			if err := c.putInline(ctx, cl, desired, pn); err != nil {
				return err
			}
		}
	}
	for _, pn := range slices.Sorted(maps.Keys(live.InlinePolicies)) {
		if _, ok := desired.InlinePolicies[pn]; !ok {
			if _, err := do(ctx, c, acct, "DeleteRolePolicy", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.DeleteRolePolicyOutput, error) {
				return cl.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(pn)})
			}); err != nil && !isNotFound(err) {
				return err
			}
		}
	}
	return nil
}

func (c *Client) updateTags(ctx context.Context, cl *iam.Client, acct, name string, desired, live map[string]string) error {
	add := map[string]string{}
	for k, v := range desired {
		if have, ok := live[k]; !ok || have != v {
			add[k] = v
		}
	}
	if len(add) > 0 {
		if _, err := do(ctx, c, acct, "TagRole", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.TagRoleOutput, error) {
			return cl.TagRole(ctx, &iam.TagRoleInput{RoleName: &name, Tags: tagList(add)})
		}); err != nil {
			return err
		}
	}
	var remove []string
	for _, k := range slices.Sorted(maps.Keys(live)) {
		if _, ok := desired[k]; !ok {
			remove = append(remove, k)
		}
	}
	if len(remove) > 0 {
		if _, err := do(ctx, c, acct, "UntagRole", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.UntagRoleOutput, error) {
			return cl.UntagRole(ctx, &iam.UntagRoleInput{RoleName: &name, TagKeys: remove})
		}); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) putInline(ctx context.Context, cl *iam.Client, r state.Role, name string) error {
	_, err := do(ctx, c, r.AccountID, "PutRolePolicy", name+" of role "+r.Name, awscall.Idempotent, func(ctx context.Context) (*iam.PutRolePolicyOutput, error) {
		return cl.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName:       aws.String(r.Name),
			PolicyName:     aws.String(name),
			PolicyDocument: aws.String(r.InlinePolicies[name]),
		})
	})
	return err
}

// Delete removes a role gatehouse manages: it detaches its managed
// policies, deletes its inline policies and then the role, reading both
// lists from IAM so that nothing attached since the plan blocks the
// deletion. A role that is already gone is not an error. A role gatehouse
// does not manage is refused with an *UnmanagedError.
func (c *Client) Delete(ctx context.Context, live state.Role) error {
	if !live.Managed {
		return &UnmanagedError{Kind: "role", AccountID: live.AccountID, Account: c.label(live.AccountID), Name: live.Name}
	}
	cl, err := c.IAM(ctx, live.AccountID)
	if err != nil {
		return err
	}
	name, acct := live.Name, live.AccountID
	attached, err := c.attached(ctx, cl, acct, name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, arn := range attached {
		if _, err := do(ctx, c, acct, "DetachRolePolicy", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.DetachRolePolicyOutput, error) {
			return cl.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(arn)})
		}); err != nil && !isNotFound(err) {
			return err
		}
	}
	inline, err := c.inline(ctx, cl, acct, name)
	if err != nil {
		return err
	}
	for _, pn := range slices.Sorted(maps.Keys(inline)) {
		if _, err := do(ctx, c, acct, "DeleteRolePolicy", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.DeleteRolePolicyOutput, error) {
			return cl.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(pn)})
		}); err != nil && !isNotFound(err) {
			return err
		}
	}
	if _, err := do(ctx, c, acct, "DeleteRole", "role "+name, awscall.Idempotent, func(ctx context.Context) (*iam.DeleteRoleOutput, error) {
		return cl.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name})
	}); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// waitForPrincipals runs write and, while IAM answers MalformedPolicyDocument
// "Invalid principal" and doc names as exact principal a role this Client
// created less than PrincipalWait ago, runs it again with growing pauses:
// IAM takes seconds to see a new role everywhere. Any other outcome is
// returned as it is.
func (c *Client) waitForPrincipals(ctx context.Context, doc string, write func() error) error {
	pause := time.Second
	for {
		err := write()
		if err == nil || !invalidPrincipal(err) {
			return err
		}
		keys, perr := trust.ExactPrincipals(doc)
		if perr != nil {
			return err
		}
		created, ok := c.created.latest(keys)
		if !ok || c.opts.Now().Add(pause).After(created.Add(c.opts.PrincipalWait)) {
			return err
		}
		if serr := c.opts.Sleep(ctx, pause); serr != nil {
			return err
		}
		pause = min(2*pause, 8*time.Second)
	}
}

func invalidPrincipal(err error) bool {
	return awscall.Code(err) == "MalformedPolicyDocument" && strings.Contains(strings.ToLower(err.Error()), "invalid principal")
}
