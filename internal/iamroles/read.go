package iamroles

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// readConcurrency bounds the IAM calls in flight per account while reading.
const readConcurrency = 4

// awsPaths hold roles AWS makes and manages (Identity Center's
// AWSReservedSSO roles, service-linked roles): never gatehouse's.
var awsPaths = []string{"/aws-reserved/", "/aws-service-role/"}

// ReadRoles returns the roles of an account that gatehouse manages (they
// carry its ownership tag) and the roles named in names whoever made them,
// sorted by name, each with its trust policy (canonical), attached managed
// policies, inline policies (canonical), boundary, session length and tags.
// A role named but absent is simply not returned.
func (c *Client) ReadRoles(ctx context.Context, accountID string, names []string) ([]state.Role, error) {
	cl, err := c.IAM(ctx, accountID)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[strings.ToLower(n)] = true // IAM role names are unique case-insensitively
	}
	var listed []types.Role
	p := iam.NewListRolesPaginator(cl, &iam.ListRolesInput{})
	for p.HasMorePages() {
		page, err := do(ctx, c, accountID, "ListRoles", "", awscall.Read, func(ctx context.Context) (*iam.ListRolesOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			if wanted[strings.ToLower(aws.ToString(r.RoleName))] || !awsPath(aws.ToString(r.Path)) {
				listed = append(listed, r)
			}
		}
	}
	// ListRoles leaves out tags and boundaries: read each candidate.
	out := make([]*state.Role, len(listed))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readConcurrency)
	for i, r := range listed {
		name := aws.ToString(r.RoleName)
		g.Go(func() error {
			role, err := c.readRole(gctx, cl, accountID, name, wanted[strings.ToLower(name)])
			if err != nil {
				return err
			}
			out[i] = role
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var roles []state.Role
	for _, r := range out {
		if r != nil {
			roles = append(roles, *r)
		}
	}
	slices.SortFunc(roles, func(a, b state.Role) int { return strings.Compare(a.Name, b.Name) })
	return roles, nil
}

// ReadRole returns one role, or nil when it does not exist.
func (c *Client) ReadRole(ctx context.Context, accountID, name string) (*state.Role, error) {
	cl, err := c.IAM(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return c.readRole(ctx, cl, accountID, name, true)
}

func awsPath(path string) bool {
	for _, p := range awsPaths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// readRole reads a role in full if it is managed or always is set; it
// returns nil for an unmanaged role otherwise, and for a role that is gone.
func (c *Client) readRole(ctx context.Context, cl *iam.Client, accountID, name string, always bool) (*state.Role, error) {
	got, err := do(ctx, c, accountID, "GetRole", "role "+name, awscall.Read, func(ctx context.Context) (*iam.GetRoleOutput, error) {
		return cl.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := got.Role
	tags := map[string]string{}
	for _, t := range r.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	managed := tags[state.ManagedTagKey] == state.ManagedTagValue
	if !managed && !always {
		return nil, nil
	}
	trustDoc, err := policy.Canonical(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		return nil, fmt.Errorf("reading the trust policy of role %s in account %s: %w", name, c.label(accountID), err)
	}
	role := state.Role{
		AccountID:          accountID,
		Name:               aws.ToString(r.RoleName),
		Path:               aws.ToString(r.Path),
		Description:        aws.ToString(r.Description),
		TrustPolicy:        trustDoc,
		InlinePolicies:     map[string]string{},
		MaxSessionDuration: int(aws.ToInt32(r.MaxSessionDuration)),
		Tags:               tags,
		Managed:            managed,
	}
	if r.PermissionsBoundary != nil {
		role.PermissionsBoundary = aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn)
	}
	if role.ManagedPolicies, err = c.attached(ctx, cl, accountID, name); err != nil {
		return nil, err
	}
	if role.InlinePolicies, err = c.inline(ctx, cl, accountID, name); err != nil {
		return nil, err
	}
	normalized := role.Normalize()
	return &normalized, nil
}

// attached lists the ARNs of a role's attached managed policies, sorted.
func (c *Client) attached(ctx context.Context, cl *iam.Client, accountID, name string) ([]string, error) {
	var arns []string
	p := iam.NewListAttachedRolePoliciesPaginator(cl, &iam.ListAttachedRolePoliciesInput{RoleName: &name})
	for p.HasMorePages() {
		page, err := do(ctx, c, accountID, "ListAttachedRolePolicies", "of role "+name, awscall.Read, func(ctx context.Context) (*iam.ListAttachedRolePoliciesOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			return nil, err
		}
		for _, a := range page.AttachedPolicies {
			arns = append(arns, aws.ToString(a.PolicyArn))
		}
	}
	slices.Sort(arns)
	return arns, nil
}

// inline reads a role's inline policies, canonical.
func (c *Client) inline(ctx context.Context, cl *iam.Client, accountID, name string) (map[string]string, error) {
	docs := map[string]string{}
	p := iam.NewListRolePoliciesPaginator(cl, &iam.ListRolePoliciesInput{RoleName: &name})
	for p.HasMorePages() {
		page, err := do(ctx, c, accountID, "ListRolePolicies", "of role "+name, awscall.Read, func(ctx context.Context) (*iam.ListRolePoliciesOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			return nil, err
		}
		for _, pn := range page.PolicyNames {
			got, err := do(ctx, c, accountID, "GetRolePolicy", pn+" of role "+name, awscall.Read, func(ctx context.Context) (*iam.GetRolePolicyOutput, error) {
				return cl.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: &pn})
			})
			if err != nil {
				return nil, err
			}
			doc, err := policy.Canonical(aws.ToString(got.PolicyDocument))
			if err != nil {
				return nil, fmt.Errorf("reading inline policy %s of role %s in account %s: %w", pn, name, c.label(accountID), err)
			}
			docs[pn] = doc
		}
	}
	return docs, nil
}

// tagList turns a tag map into IAM tags, sorted by key.
func tagList(tags map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}
