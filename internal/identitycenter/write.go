package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idsdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

var _ apply.Target = (*Client)(nil)

// createChecked sends a create at most once more after an unknown outcome,
// and only when find says the object does not exist; find also resolves an
// "already exists" conflict to the existing object (adopt.go), or refuses
// it with a *NotOursError.
func createChecked(ctx context.Context, create func(context.Context) (string, error), find func(context.Context) (string, bool, error)) (string, error) {
	id, err := create(ctx)
	if err == nil {
		return id, nil
	}
	if !unknown(err) && awscall.Classify(err) != awscall.Conflict {
		return "", err
	}
	existing, ok, ferr := find(ctx)
	var notOurs *NotOursError
	if errors.As(ferr, &notOurs) {
		return "", ferr
	}
	if ferr != nil {
		return "", fmt.Errorf("%w (checking whether it exists: %v)", err, ferr)
	}
	if ok {
		return existing, nil
	}
	if !unknown(err) {
		return "", err
	}
	return create(ctx)
}

// --- Identity Store users and groups ---

// CreateUser creates an Identity Store user and returns its ID.
func (c *Client) CreateUser(ctx context.Context, u state.User) (string, error) {
	store := c.Instance.IdentityStoreID
	in := &identitystore.CreateUserInput{
		IdentityStoreId: &store,
		UserName:        aws.String(u.UserName),
		DisplayName:     aws.String(u.DisplayName),
		Name:            &idstypes.Name{GivenName: aws.String(u.GivenName), FamilyName: aws.String(u.FamilyName)},
	}
	if u.Email != "" {
		in.Emails = []idstypes.Email{{Value: aws.String(u.Email), Type: aws.String("work"), Primary: true}}
	}
	what := "user " + u.UserName
	return createChecked(ctx,
		func(ctx context.Context) (string, error) {
			out, err := call(ctx, c, svcStore, "CreateUser", what, create, func(ctx context.Context) (*identitystore.CreateUserOutput, error) {
				return c.store.CreateUser(ctx, in)
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.UserId), nil
		},
		func(ctx context.Context) (string, bool, error) { return c.userID(ctx, u.UserName) })
}

func (c *Client) userID(ctx context.Context, userName string) (string, bool, error) {
	store := c.Instance.IdentityStoreID
	out, err := call(ctx, c, svcStore, "GetUserId", "user "+userName, read, func(ctx context.Context) (*identitystore.GetUserIdOutput, error) {
		return c.store.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: &store, AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{
			Value: idstypes.UniqueAttribute{AttributePath: aws.String("userName"), AttributeValue: idsdoc.NewLazyDocument(userName)},
		}})
	})
	if errorCode(err) == "ResourceNotFoundException" {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return aws.ToString(out.UserId), true, nil
}

// UpdateUser sets every attribute gatehouse manages on the user.
func (c *Client) UpdateUser(ctx context.Context, id string, u state.User) error {
	store := c.Instance.IdentityStoreID
	ops := []idstypes.AttributeOperation{
		{AttributePath: aws.String("displayName"), AttributeValue: idsdoc.NewLazyDocument(u.DisplayName)},
		{AttributePath: aws.String("name.givenName"), AttributeValue: idsdoc.NewLazyDocument(u.GivenName)},
		{AttributePath: aws.String("name.familyName"), AttributeValue: idsdoc.NewLazyDocument(u.FamilyName)},
	}
	if u.Email != "" {
		ops = append(ops, idstypes.AttributeOperation{AttributePath: aws.String("emails"),
			AttributeValue: idsdoc.NewLazyDocument([]map[string]any{{"value": u.Email, "type": "work", "primary": true}})})
	}
	_, err := call(ctx, c, svcStore, "UpdateUser", "user "+u.UserName, idempotent, func(ctx context.Context) (*identitystore.UpdateUserOutput, error) {
		return c.store.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: &store, UserId: &id, Operations: ops})
	})
	return err
}

// DeleteUser deletes a user; one already gone is not an error.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	store := c.Instance.IdentityStoreID
	_, err := call(ctx, c, svcStore, "DeleteUser", "user "+id, idempotent, func(ctx context.Context) (*identitystore.DeleteUserOutput, error) {
		return c.store.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: &store, UserId: &id})
	})
	return ignoreNotFound(err)
}

// CreateGroup creates an Identity Store group and returns its ID.
func (c *Client) CreateGroup(ctx context.Context, g state.Group) (string, error) {
	store := c.Instance.IdentityStoreID
	in := &identitystore.CreateGroupInput{IdentityStoreId: &store, DisplayName: aws.String(g.DisplayName)}
	if g.Description != "" {
		in.Description = aws.String(g.Description)
	}
	what := "group " + g.DisplayName
	return createChecked(ctx,
		func(ctx context.Context) (string, error) {
			out, err := call(ctx, c, svcStore, "CreateGroup", what, create, func(ctx context.Context) (*identitystore.CreateGroupOutput, error) {
				return c.store.CreateGroup(ctx, in)
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.GroupId), nil
		},
		func(ctx context.Context) (string, bool, error) { return c.groupID(ctx, g.DisplayName) })
}

func (c *Client) groupID(ctx context.Context, name string) (string, bool, error) {
	store := c.Instance.IdentityStoreID
	out, err := call(ctx, c, svcStore, "GetGroupId", "group "+name, read, func(ctx context.Context) (*identitystore.GetGroupIdOutput, error) {
		return c.store.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: &store, AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{
			Value: idstypes.UniqueAttribute{AttributePath: aws.String("displayName"), AttributeValue: idsdoc.NewLazyDocument(name)},
		}})
	})
	if errorCode(err) == "ResourceNotFoundException" {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return aws.ToString(out.GroupId), true, nil
}

// UpdateGroup sets the group's description.
func (c *Client) UpdateGroup(ctx context.Context, id string, g state.Group) error {
	store := c.Instance.IdentityStoreID
	_, err := call(ctx, c, svcStore, "UpdateGroup", "group "+g.DisplayName, idempotent, func(ctx context.Context) (*identitystore.UpdateGroupOutput, error) {
		return c.store.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: &store, GroupId: &id, Operations: []idstypes.AttributeOperation{
			{AttributePath: aws.String("description"), AttributeValue: idsdoc.NewLazyDocument(g.Description)},
		}})
	})
	return err
}

// DeleteGroup deletes a group; one already gone is not an error.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	store := c.Instance.IdentityStoreID
	_, err := call(ctx, c, svcStore, "DeleteGroup", "group "+id, idempotent, func(ctx context.Context) (*identitystore.DeleteGroupOutput, error) {
		return c.store.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: &store, GroupId: &id})
	})
	return ignoreNotFound(err)
}

// AddMember puts a user in a group, checking first after an unknown outcome
// or a conflict, so that a membership is never stored twice.
func (c *Client) AddMember(ctx context.Context, groupID, userID string) error {
	store := c.Instance.IdentityStoreID
	_, err := createChecked(ctx,
		func(ctx context.Context) (string, error) {
			out, err := call(ctx, c, svcStore, "CreateGroupMembership", "of user "+userID+" in group "+groupID, create, func(ctx context.Context) (*identitystore.CreateGroupMembershipOutput, error) {
				return c.store.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: &store, GroupId: &groupID, MemberId: &idstypes.MemberIdMemberUserId{Value: userID}})
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.MembershipId), nil
		},
		func(ctx context.Context) (string, bool, error) {
			ids, err := c.membershipIDs(ctx, groupID, userID)
			if len(ids) > 0 {
				return ids[0], true, err
			}
			return "", false, err
		})
	return err
}

// RemoveMember takes a user out of a group (every copy of the membership).
func (c *Client) RemoveMember(ctx context.Context, groupID, userID string) error {
	c.mu.Lock()
	ids := c.memberships[groupID+"/"+userID]
	c.mu.Unlock()
	if len(ids) == 0 {
		var err error
		if ids, err = c.membershipIDs(ctx, groupID, userID); err != nil {
			return err
		}
	}
	store := c.Instance.IdentityStoreID
	for _, id := range ids {
		_, err := call(ctx, c, svcStore, "DeleteGroupMembership", "of user "+userID+" in group "+groupID, idempotent, func(ctx context.Context) (*identitystore.DeleteGroupMembershipOutput, error) {
			return c.store.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: &store, MembershipId: &id})
		})
		if err = ignoreNotFound(err); err != nil {
			return err
		}
	}
	c.mu.Lock()
	delete(c.memberships, groupID+"/"+userID)
	c.mu.Unlock()
	return nil
}

// membershipIDs lists the memberships of a user in a group, through the
// user's memberships (usually few).
func (c *Client) membershipIDs(ctx context.Context, groupID, userID string) ([]string, error) {
	store := c.Instance.IdentityStoreID
	var ids []string
	err := pages(func(token *string) (*string, error) {
		out, err := call(ctx, c, svcStore, "ListGroupMembershipsForMember", "of user "+userID, read, func(ctx context.Context) (*identitystore.ListGroupMembershipsForMemberOutput, error) {
			return c.store.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: &store, MemberId: &idstypes.MemberIdMemberUserId{Value: userID}, MaxResults: aws.Int32(pageSize), NextToken: token})
		})
		if err != nil {
			return nil, err
		}
		for _, m := range out.GroupMemberships {
			if aws.ToString(m.GroupId) == groupID {
				ids = append(ids, aws.ToString(m.MembershipId))
			}
		}
		return out.NextToken, nil
	})
	return ids, err
}

// --- Permission sets ---

// CreatePermissionSet creates a permission set tagged as made by gatehouse
// and gives it every attribute and policy of ps.
func (c *Client) CreatePermissionSet(ctx context.Context, ps state.PermissionSet) (string, error) {
	tags := []ssotypes.Tag{{Key: aws.String(state.OwnerTagKey), Value: aws.String(state.OwnerTagValue)}}
	for _, k := range slices.Sorted(maps.Keys(ps.Tags)) {
		tags = append(tags, ssotypes.Tag{Key: aws.String(k), Value: aws.String(ps.Tags[k])})
	}
	in := &ssoadmin.CreatePermissionSetInput{
		InstanceArn: &c.Instance.ARN,
		Name:        aws.String(ps.Name),
		// Always sent: AWS defaults to PT1H, and moto stores a number that
		// breaks the SDK when it is left out.
		SessionDuration: aws.String(ps.SessionDuration),
		Description:     optional(ps.Description),
		RelayState:      optional(ps.RelayState),
		Tags:            tags,
	}
	what := "permission set " + ps.Name
	arn, err := createChecked(ctx,
		func(ctx context.Context) (string, error) {
			out, err := call(ctx, c, svcSSO, "CreatePermissionSet", what, create, func(ctx context.Context) (*ssoadmin.CreatePermissionSetOutput, error) {
				return c.sso.CreatePermissionSet(ctx, in)
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.PermissionSet.PermissionSetArn), nil
		},
		func(ctx context.Context) (string, bool, error) { return c.ownPermissionSet(ctx, ps.Name) })
	if err != nil {
		return "", err
	}
	empty := state.PermissionSet{Name: ps.Name, SessionDuration: ps.SessionDuration, Description: ps.Description, RelayState: ps.RelayState, Tags: ps.Tags}
	if err := c.UpdatePermissionSet(ctx, arn, empty, ps); err != nil {
		return arn, err
	}
	return arn, nil
}

// findPermissionSet looks a permission set up by name (ListPermissionSets and
// DescribePermissionSet on each): used only to settle a create that could
// not tell (ownPermissionSet).
func (c *Client) findPermissionSet(ctx context.Context, name string) (string, bool, error) {
	var arns []string
	err := pages(func(token *string) (*string, error) {
		out, err := call(ctx, c, svcSSO, "ListPermissionSets", "of the instance", read, func(ctx context.Context) (*ssoadmin.ListPermissionSetsOutput, error) {
			return c.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: &c.Instance.ARN, MaxResults: aws.Int32(pageSize), NextToken: token})
		})
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.PermissionSets...)
		return out.NextToken, nil
	})
	if err != nil {
		return "", false, err
	}
	for _, arn := range arns {
		out, err := call(ctx, c, svcSSO, "DescribePermissionSet", "permission set "+shortARN(arn), read, func(ctx context.Context) (*ssoadmin.DescribePermissionSetOutput, error) {
			return c.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: &c.Instance.ARN, PermissionSetArn: aws.String(arn)})
		})
		if err != nil {
			return "", false, err
		}
		if aws.ToString(out.PermissionSet.Name) == name {
			return arn, true, nil
		}
	}
	return "", false, nil
}

// UpdatePermissionSet sends what differs between before and after: the
// attributes (all three together, since AWS clears a relay state left out),
// the inline policy, managed and customer-managed policies, the boundary
// and the tags.
func (c *Client) UpdatePermissionSet(ctx context.Context, arn string, before, after state.PermissionSet) error {
	what := "permission set " + after.Name
	inst := &c.Instance.ARN
	psARN := aws.String(arn)
	if before.Description != after.Description || before.SessionDuration != after.SessionDuration || before.RelayState != after.RelayState {
		_, err := call(ctx, c, svcSSO, "UpdatePermissionSet", what, idempotent, func(ctx context.Context) (*ssoadmin.UpdatePermissionSetOutput, error) {
			return c.sso.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN,
				Description: optional(after.Description), SessionDuration: aws.String(after.SessionDuration), RelayState: optional(after.RelayState)})
		})
		if err != nil {
			return err
		}
	}
	if !policy.Equal(before.InlinePolicy, after.InlinePolicy) {
		var err error
		if after.InlinePolicy == "" {
			_, err = call(ctx, c, svcSSO, "DeleteInlinePolicyFromPermissionSet", what, idempotent, func(ctx context.Context) (*ssoadmin.DeleteInlinePolicyFromPermissionSetOutput, error) {
				return c.sso.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN})
			})
			err = ignoreNotFound(err)
		} else {
			_, err = call(ctx, c, svcSSO, "PutInlinePolicyToPermissionSet", what, idempotent, func(ctx context.Context) (*ssoadmin.PutInlinePolicyToPermissionSetOutput, error) {
				return c.sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN, InlinePolicy: aws.String(after.InlinePolicy)})
			})
		}
		// Putting or deleting an inline policy is idempotent.
		if err != nil {
			return err
		}
	}
	for _, p := range setMinus(after.ManagedPolicies, before.ManagedPolicies) {
		_, err := call(ctx, c, svcSSO, "AttachManagedPolicyToPermissionSet", what+" policy "+p, idempotent, func(ctx context.Context) (*ssoadmin.AttachManagedPolicyToPermissionSetOutput, error) {
			return c.sso.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN, ManagedPolicyArn: aws.String(p)})
		})
		if err = attached(err); err != nil {
			return err
		}
	}
	for _, p := range setMinus(before.ManagedPolicies, after.ManagedPolicies) {
		_, err := call(ctx, c, svcSSO, "DetachManagedPolicyFromPermissionSet", what+" policy "+p, idempotent, func(ctx context.Context) (*ssoadmin.DetachManagedPolicyFromPermissionSetOutput, error) {
			return c.sso.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN, ManagedPolicyArn: aws.String(p)})
		})
		if err = ignoreNotFound(err); err != nil {
			return err
		}
	}
	for _, r := range refMinus(after.CustomerManagedPolicies, before.CustomerManagedPolicies) {
		_, err := call(ctx, c, svcSSO, "AttachCustomerManagedPolicyReferenceToPermissionSet", what+" policy "+r.Path+r.Name, idempotent, func(ctx context.Context) (*ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetOutput, error) {
			return c.sso.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN, CustomerManagedPolicyReference: sdkRef(r)})
		})
		if err = attached(err); err != nil {
			return err
		}
	}
	for _, r := range refMinus(before.CustomerManagedPolicies, after.CustomerManagedPolicies) {
		_, err := call(ctx, c, svcSSO, "DetachCustomerManagedPolicyReferenceFromPermissionSet", what+" policy "+r.Path+r.Name, idempotent, func(ctx context.Context) (*ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetOutput, error) {
			return c.sso.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN, CustomerManagedPolicyReference: sdkRef(r)})
		})
		if err = ignoreNotFound(err); err != nil {
			return err
		}
	}
	if before.PermissionsBoundary.String() != after.PermissionsBoundary.String() {
		if err := c.setBoundary(ctx, what, arn, after.PermissionsBoundary); err != nil {
			return err
		}
	}
	return c.setTags(ctx, what, arn, before.Tags, after.Tags)
}

func (c *Client) setBoundary(ctx context.Context, what, arn string, b *state.Boundary) error {
	inst, psARN := &c.Instance.ARN, aws.String(arn)
	var err error
	if b == nil {
		_, err = call(ctx, c, svcSSO, "DeletePermissionsBoundaryFromPermissionSet", what, idempotent, func(ctx context.Context) (*ssoadmin.DeletePermissionsBoundaryFromPermissionSetOutput, error) {
			return c.sso.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN})
		})
		err = ignoreNotFound(err)
	} else {
		pb := &ssotypes.PermissionsBoundary{}
		if b.CustomerManaged != nil {
			pb.CustomerManagedPolicyReference = sdkRef(*b.CustomerManaged)
		} else {
			pb.ManagedPolicyArn = aws.String(b.ManagedPolicyARN)
		}
		_, err = call(ctx, c, svcSSO, "PutPermissionsBoundaryToPermissionSet", what, idempotent, func(ctx context.Context) (*ssoadmin.PutPermissionsBoundaryToPermissionSetOutput, error) {
			return c.sso.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psARN, PermissionsBoundary: pb})
		})
	}
	// Both are idempotent.
	return err
}

// setTags adds and removes the model's tags; gatehouse's own ownership tag
// is never in before (the reader takes it out) and so is never removed.
func (c *Client) setTags(ctx context.Context, what, arn string, before, after map[string]string) error {
	var add []ssotypes.Tag
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if v, ok := before[k]; !ok || v != after[k] {
			add = append(add, ssotypes.Tag{Key: aws.String(k), Value: aws.String(after[k])})
		}
	}
	var remove []string
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if _, ok := after[k]; !ok && k != state.OwnerTagKey {
			remove = append(remove, k)
		}
	}
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	if len(add) > 0 {
		_, err := call(ctx, c, svcSSO, "TagResource", what, idempotent, func(ctx context.Context) (*ssoadmin.TagResourceOutput, error) {
			return c.sso.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: &c.Instance.ARN, ResourceArn: aws.String(arn), Tags: add})
		})
		if err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		_, err := call(ctx, c, svcSSO, "UntagResource", what, idempotent, func(ctx context.Context) (*ssoadmin.UntagResourceOutput, error) {
			return c.sso.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: &c.Instance.ARN, ResourceArn: aws.String(arn), TagKeys: remove})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// DeletePermissionSet deletes a permission set; one already gone is not an
// error.
func (c *Client) DeletePermissionSet(ctx context.Context, arn string) error {
	_, err := call(ctx, c, svcSSO, "DeletePermissionSet", "permission set "+shortARN(arn), idempotent, func(ctx context.Context) (*ssoadmin.DeletePermissionSetOutput, error) {
		return c.sso.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: &c.Instance.ARN, PermissionSetArn: aws.String(arn)})
	})
	return ignoreNotFound(err)
}

// Provision pushes the latest version of a permission set to one account and
// waits until AWS reports it done.
func (c *Client) Provision(ctx context.Context, arn, accountID string) error {
	what := fmt.Sprintf("permission set %s to account %s", shortARN(arn), accountID)
	out, err := call(ctx, c, svcSSO, "ProvisionPermissionSet", what, idempotent, func(ctx context.Context) (*ssoadmin.ProvisionPermissionSetOutput, error) {
		return c.sso.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: &c.Instance.ARN, PermissionSetArn: aws.String(arn),
			TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String(accountID)})
	})
	if err != nil {
		return err
	}
	st := out.PermissionSetProvisioningStatus
	return c.wait(ctx, "provision", "provisioning "+what, st.Status, st.FailureReason, func(ctx context.Context) (ssotypes.StatusValues, *string, error) {
		out, err := call(ctx, c, svcSSO, "DescribePermissionSetProvisioningStatus", what, read, func(ctx context.Context) (*ssoadmin.DescribePermissionSetProvisioningStatusOutput, error) {
			return c.sso.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: &c.Instance.ARN, ProvisionPermissionSetRequestId: st.RequestId})
		})
		if err != nil {
			return "", nil, err
		}
		return out.PermissionSetProvisioningStatus.Status, out.PermissionSetProvisioningStatus.FailureReason, nil
	})
}

// --- Account assignments ---

func describeRef(a apply.AssignmentRef) string {
	return fmt.Sprintf("of permission set %s to %s %s in account %s", a.PermissionSet, strings.ToLower(a.PrincipalType), a.PrincipalName, a.AccountID)
}

// CreateAssignment creates an account assignment and waits until AWS reports
// it done. After an unknown outcome it lists the assignments of the
// (account, permission set) pair before sending the request again.
func (c *Client) CreateAssignment(ctx context.Context, a apply.AssignmentRef) error {
	what := describeRef(a)
	var out *ssoadmin.CreateAccountAssignmentOutput
	_, err := createChecked(ctx,
		func(ctx context.Context) (string, error) {
			var err error
			out, err = call(ctx, c, svcSSO, "CreateAccountAssignment", what, create, func(ctx context.Context) (*ssoadmin.CreateAccountAssignmentOutput, error) {
				return c.sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
					InstanceArn: &c.Instance.ARN, PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalId: aws.String(a.PrincipalID),
					PrincipalType: ssotypes.PrincipalType(a.PrincipalType), TargetId: aws.String(a.AccountID), TargetType: ssotypes.TargetTypeAwsAccount,
				})
			})
			return "", err
		},
		func(ctx context.Context) (string, bool, error) {
			ok, err := c.assignmentExists(ctx, a)
			return "", ok, err
		})
	if err != nil {
		return err
	}
	if out == nil {
		return nil // it existed already: created by the request whose answer was lost
	}
	st := out.AccountAssignmentCreationStatus
	return c.wait(ctx, "create", "assignment "+what, st.Status, st.FailureReason, func(ctx context.Context) (ssotypes.StatusValues, *string, error) {
		out, err := call(ctx, c, svcSSO, "DescribeAccountAssignmentCreationStatus", what, read, func(ctx context.Context) (*ssoadmin.DescribeAccountAssignmentCreationStatusOutput, error) {
			return c.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: &c.Instance.ARN, AccountAssignmentCreationRequestId: st.RequestId})
		})
		if err != nil {
			return "", nil, err
		}
		return out.AccountAssignmentCreationStatus.Status, out.AccountAssignmentCreationStatus.FailureReason, nil
	})
}

// DeleteAssignment deletes an account assignment and waits until AWS reports
// it done; one already gone is not an error.
func (c *Client) DeleteAssignment(ctx context.Context, a apply.AssignmentRef) error {
	what := describeRef(a)
	out, err := call(ctx, c, svcSSO, "DeleteAccountAssignment", what, idempotent, func(ctx context.Context) (*ssoadmin.DeleteAccountAssignmentOutput, error) {
		return c.sso.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{
			InstanceArn: &c.Instance.ARN, PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalId: aws.String(a.PrincipalID),
			PrincipalType: ssotypes.PrincipalType(a.PrincipalType), TargetId: aws.String(a.AccountID), TargetType: ssotypes.TargetTypeAwsAccount,
		})
	})
	if errorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		return err
	}
	st := out.AccountAssignmentDeletionStatus
	return c.wait(ctx, "delete", "deleting assignment "+what, st.Status, st.FailureReason, func(ctx context.Context) (ssotypes.StatusValues, *string, error) {
		out, err := call(ctx, c, svcSSO, "DescribeAccountAssignmentDeletionStatus", what, read, func(ctx context.Context) (*ssoadmin.DescribeAccountAssignmentDeletionStatusOutput, error) {
			return c.sso.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{InstanceArn: &c.Instance.ARN, AccountAssignmentDeletionRequestId: st.RequestId})
		})
		if err != nil {
			return "", nil, err
		}
		return out.AccountAssignmentDeletionStatus.Status, out.AccountAssignmentDeletionStatus.FailureReason, nil
	})
}

func (c *Client) assignmentExists(ctx context.Context, a apply.AssignmentRef) (bool, error) {
	found := false
	err := pages(func(token *string) (*string, error) {
		out, err := call(ctx, c, svcSSO, "ListAccountAssignments", "of permission set "+a.PermissionSet+" in account "+a.AccountID, read, func(ctx context.Context) (*ssoadmin.ListAccountAssignmentsOutput, error) {
			return c.sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: &c.Instance.ARN, AccountId: aws.String(a.AccountID), PermissionSetArn: aws.String(a.PermissionSetARN), MaxResults: aws.Int32(pageSize), NextToken: token})
		})
		if err != nil {
			return nil, err
		}
		for _, x := range out.AccountAssignments {
			if aws.ToString(x.PrincipalId) == a.PrincipalID && string(x.PrincipalType) == a.PrincipalType {
				found = true
			}
		}
		return out.NextToken, nil
	})
	return found, err
}

// wait polls an asynchronous operation until it succeeds or fails. An
// operation AWS reports done at once (as moto always does) is not polled.
//
// An operation still running holds one of AWS's 15 creation slots, so the
// time between its end and the poll that sees it is lost for the whole
// apply. The first poll therefore comes when such operations usually end
// (the estimate of its kind, see observe); a poll that comes too early is
// followed by one a twentieth of that estimate later, then less and less
// often. Most operations cost one or two polls and are seen done within a
// twentieth of their duration.
func (c *Client) wait(ctx context.Context, kind, what string, status ssotypes.StatusValues, reason *string, poll func(context.Context) (ssotypes.StatusValues, *string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.PollTimeout)
	defer cancel()
	start := time.Now()
	typical := c.firstPoll(kind)
	delay := typical
	polls := 0
	var running time.Duration // when a poll last saw it running
	for {
		switch status {
		case ssotypes.StatusValuesSucceeded:
			if polls > 0 {
				c.observe(kind, running, time.Since(start))
			}
			return nil
		case ssotypes.StatusValuesFailed:
			r := aws.ToString(reason)
			if r == "" {
				r = "no reason given"
			}
			return fmt.Errorf("%s: AWS reports FAILED: %s", what, r)
		}
		if polls > 0 {
			running = time.Since(start)
		}
		if err := sleep(ctx, delay); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("%s: still %s after %s", what, status, c.opts.PollTimeout)
			}
			return err
		}
		if polls == 0 {
			delay = max(typical/20, minPollDelay)
		} else {
			delay = min(delay*3/2, c.opts.PollMaxDelay)
		}
		polls++
		var err error
		if status, reason, err = poll(ctx); err != nil {
			return err
		}
	}
}

// minPollDelay is the shortest wait between two status requests.
const minPollDelay = 50 * time.Millisecond

// firstPoll is how long to wait before the first status request of an
// operation of this kind: its estimated duration, PollDelay until one was
// seen, never more than PollMaxDelay.
func (c *Client) firstPoll(kind string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.typical[kind]; ok {
		return min(max(d, minPollDelay), c.opts.PollMaxDelay)
	}
	return c.opts.PollDelay
}

// observe updates the estimated duration of a kind of operation from one
// seen running at running (0: never, the first poll saw it done) and done
// at done, both from its start. Seen done at the first poll, it may have
// ended some time before: aim a little earlier next time, and so keep
// finding where the operations end. Seen running, then done, it ended
// between the two polls: aim between them.
func (c *Client) observe(kind string, running, done time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, ok := c.typical[kind]
	switch {
	case !ok:
		c.typical[kind] = done
	case running > 0:
		c.typical[kind] = running + (done-running)/2
	default:
		c.typical[kind] = prev * 199 / 200
	}
}

// attached treats "already attached" as done: the plan asked for the policy
// to be there and it is.
func attached(err error) error {
	if errorCode(err) == "ConflictException" {
		return nil
	}
	return err
}

func ignoreNotFound(err error) error {
	if errorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	return err
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func sdkRef(r state.PolicyRef) *ssotypes.CustomerManagedPolicyReference {
	return &ssotypes.CustomerManagedPolicyReference{Name: aws.String(r.Name), Path: aws.String(r.Path)}
}

func setMinus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

func refMinus(a, b []state.PolicyRef) []state.PolicyRef {
	key := func(r state.PolicyRef) string { return r.String() }
	in := map[string]bool{}
	for _, x := range b {
		in[key(x)] = true
	}
	var out []state.PolicyRef
	for _, x := range a {
		if !in[key(x)] {
			out = append(out, x)
		}
	}
	return out
}
