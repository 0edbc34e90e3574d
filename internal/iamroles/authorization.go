package iamroles

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// ReadAuthorization reads what IAM in an account holds that decides who may
// do what, for the audit: every role (AWSReservedSSO and service-linked
// ones included) with its trust policy, policies, boundary and tags, every
// user with its groups and policies, every group's policies, and the
// documents of the customer managed policies. It costs one
// GetAccountAuthorizationDetails call per 1,000 entities: the least any
// complete read of an account's IAM can cost.
func (c *Client) ReadAuthorization(ctx context.Context, accountID string) (*state.IAMAccount, error) {
	cl, err := c.IAM(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := &state.IAMAccount{AccountID: accountID, Policies: map[string]string{}}
	var marker *string
	for {
		page, err := do(ctx, c, accountID, "GetAccountAuthorizationDetails", "", awscall.Read, func(ctx context.Context) (*iam.GetAccountAuthorizationDetailsOutput, error) {
			return cl.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
				Filter:   []types.EntityType{types.EntityTypeRole, types.EntityTypeUser, types.EntityTypeGroup, types.EntityTypeLocalManagedPolicy},
				MaxItems: aws.Int32(maxDetailItems), Marker: marker,
			})
		})
		if err != nil {
			return nil, err
		}
		for _, d := range page.RoleDetailList {
			r, err := roleFromDetail(accountID, d, types.Role{MaxSessionDuration: aws.Int32(state.DefaultMaxSession)})
			if err != nil {
				return nil, fmt.Errorf("reading role %s in account %s: %w", aws.ToString(d.RoleName), c.label(accountID), err)
			}
			out.Roles = append(out.Roles, r)
		}
		for _, d := range page.UserDetailList {
			u, err := userFromDetail(accountID, d)
			if err != nil {
				return nil, fmt.Errorf("reading user %s in account %s: %w", aws.ToString(d.UserName), c.label(accountID), err)
			}
			out.Users = append(out.Users, u)
		}
		for _, d := range page.GroupDetailList {
			g, err := groupFromDetail(accountID, d)
			if err != nil {
				return nil, fmt.Errorf("reading group %s in account %s: %w", aws.ToString(d.GroupName), c.label(accountID), err)
			}
			out.Groups = append(out.Groups, g)
		}
		for _, p := range page.Policies {
			doc, ok := defaultVersion(p)
			if !ok {
				continue
			}
			canon, err := policy.Canonical(doc)
			if err != nil {
				return nil, fmt.Errorf("reading policy %s in account %s: %w", aws.ToString(p.Arn), c.label(accountID), err)
			}
			out.Policies[aws.ToString(p.Arn)] = canon
		}
		if !page.IsTruncated || aws.ToString(page.Marker) == "" {
			break
		}
		marker = page.Marker
	}
	slices.SortFunc(out.Roles, func(a, b state.Role) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(out.Users, func(a, b state.IAMUser) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(out.Groups, func(a, b state.IAMGroup) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ReadManagedPolicy returns the document of a managed policy's default
// version, read in accountID (AWS managed policies are the same in every
// account).
func (c *Client) ReadManagedPolicy(ctx context.Context, accountID, arn string) (string, error) {
	cl, err := c.IAM(ctx, accountID)
	if err != nil {
		return "", err
	}
	p, err := do(ctx, c, accountID, "GetPolicy", arn, awscall.Read, func(ctx context.Context) (*iam.GetPolicyOutput, error) {
		return cl.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	})
	if err != nil {
		return "", err
	}
	v, err := do(ctx, c, accountID, "GetPolicyVersion", arn, awscall.Read, func(ctx context.Context) (*iam.GetPolicyVersionOutput, error) {
		return cl.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	})
	if err != nil {
		return "", err
	}
	return policy.Canonical(aws.ToString(v.PolicyVersion.Document))
}

func userFromDetail(accountID string, d types.UserDetail) (state.IAMUser, error) {
	u := state.IAMUser{
		AccountID: accountID, Name: aws.ToString(d.UserName), Path: aws.ToString(d.Path), ARN: aws.ToString(d.Arn),
		Groups: slices.Clone(d.GroupList), Tags: tagMap(d.Tags),
	}
	if d.PermissionsBoundary != nil {
		u.PermissionsBoundary = aws.ToString(d.PermissionsBoundary.PermissionsBoundaryArn)
	}
	for _, a := range d.AttachedManagedPolicies {
		u.ManagedPolicies = append(u.ManagedPolicies, aws.ToString(a.PolicyArn))
	}
	var err error
	u.InlinePolicies, err = inlineDocs(d.UserPolicyList)
	return u, err
}

func groupFromDetail(accountID string, d types.GroupDetail) (state.IAMGroup, error) {
	g := state.IAMGroup{AccountID: accountID, Name: aws.ToString(d.GroupName), Path: aws.ToString(d.Path), ARN: aws.ToString(d.Arn)}
	for _, a := range d.AttachedManagedPolicies {
		g.ManagedPolicies = append(g.ManagedPolicies, aws.ToString(a.PolicyArn))
	}
	var err error
	g.InlinePolicies, err = inlineDocs(d.GroupPolicyList)
	return g, err
}

func inlineDocs(list []types.PolicyDetail) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for _, pd := range list {
		doc, err := policy.Canonical(aws.ToString(pd.PolicyDocument))
		if err != nil {
			return nil, fmt.Errorf("inline policy %s: %w", aws.ToString(pd.PolicyName), err)
		}
		out[aws.ToString(pd.PolicyName)] = doc
	}
	return out, nil
}

// defaultVersion is the document of a policy's default version.
func defaultVersion(p types.ManagedPolicyDetail) (string, bool) {
	for _, v := range p.PolicyVersionList {
		if v.IsDefaultVersion {
			return aws.ToString(v.Document), true
		}
	}
	return "", false
}

func tagMap(tags []types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}
