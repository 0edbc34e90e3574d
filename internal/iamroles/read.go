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

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// awsPaths hold roles AWS makes and manages (Identity Center's
// AWSReservedSSO roles, service-linked roles): never gatehouse's.
var awsPaths = []string{"/aws-reserved/", "/aws-service-role/"}

// ReadRoles returns the roles of an account that gatehouse manages (they
// carry its ownership tag) and the roles named in names whoever made them,
// sorted by name, each with its trust policy (canonical), attached managed
// policies, inline policies (canonical), boundary, session length and tags.
// A role named but absent is simply not returned.
//
// It costs two calls for up to 1,000 roles, whatever they hold:
// GetAccountAuthorizationDetails returns every role with its tags,
// boundary and policies, and ListRoles the description and session length
// that it leaves out. (Reading role by role would cost a GetRole per role
// to learn its tags, plus three calls per managed role.)
func (c *Client) ReadRoles(ctx context.Context, accountID string, names []string) ([]state.Role, error) {
	cl, err := c.IAM(ctx, accountID)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[strings.ToLower(n)] = true // IAM role names are unique case-insensitively
	}
	details, err := c.roleDetails(ctx, cl, accountID)
	if err != nil {
		return nil, err
	}
	var keep []types.RoleDetail
	for _, d := range details {
		name := aws.ToString(d.RoleName)
		if wanted[strings.ToLower(name)] || (!awsPath(aws.ToString(d.Path)) && tagValue(d.Tags, state.ManagedTagKey) == state.ManagedTagValue) {
			keep = append(keep, d)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	listed, err := c.listRoles(ctx, cl, accountID)
	if err != nil {
		return nil, err
	}
	roles := make([]state.Role, 0, len(keep))
	for _, d := range keep {
		name := aws.ToString(d.RoleName)
		r, ok := listed[name]
		if !ok {
			// Created between the two reads: read it alone.
			one, err := c.readRole(ctx, cl, accountID, name, true)
			if err != nil {
				return nil, err
			}
			if one != nil {
				roles = append(roles, *one)
			}
			continue
		}
		role, err := roleFromDetail(accountID, d, r)
		if err != nil {
			return nil, fmt.Errorf("reading role %s in account %s: %w", name, c.label(accountID), err)
		}
		roles = append(roles, role)
	}
	slices.SortFunc(roles, func(a, b state.Role) int { return strings.Compare(a.Name, b.Name) })
	return roles, nil
}

// maxDetailItems is the largest page GetAccountAuthorizationDetails and
// ListRoles return.
const maxDetailItems = 1000

// roleDetails returns every role of the account with its tags, boundary,
// trust policy and policies (GetAccountAuthorizationDetails, roles only).
func (c *Client) roleDetails(ctx context.Context, cl *iam.Client, accountID string) ([]types.RoleDetail, error) {
	var out []types.RoleDetail
	var marker *string
	for {
		page, err := do(ctx, c, accountID, "GetAccountAuthorizationDetails", "(roles)", awscall.Read, func(ctx context.Context) (*iam.GetAccountAuthorizationDetailsOutput, error) {
			return cl.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
				Filter: []types.EntityType{types.EntityTypeRole}, MaxItems: aws.Int32(maxDetailItems), Marker: marker,
			})
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page.RoleDetailList...)
		if !page.IsTruncated || aws.ToString(page.Marker) == "" {
			return out, nil
		}
		marker = page.Marker
	}
}

// listRoles returns every role of the account by name, with the
// description and session length GetAccountAuthorizationDetails leaves out.
func (c *Client) listRoles(ctx context.Context, cl *iam.Client, accountID string) (map[string]types.Role, error) {
	out := map[string]types.Role{}
	p := iam.NewListRolesPaginator(cl, &iam.ListRolesInput{MaxItems: aws.Int32(maxDetailItems)})
	for p.HasMorePages() {
		page, err := do(ctx, c, accountID, "ListRoles", "", awscall.Read, func(ctx context.Context) (*iam.ListRolesOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			out[aws.ToString(r.RoleName)] = r
		}
	}
	return out, nil
}

// roleFromDetail assembles a role from its authorization details and its
// ListRoles entry.
func roleFromDetail(accountID string, d types.RoleDetail, listed types.Role) (state.Role, error) {
	tags := map[string]string{}
	for _, t := range d.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	trustDoc, err := policy.Canonical(aws.ToString(d.AssumeRolePolicyDocument))
	if err != nil {
		return state.Role{}, fmt.Errorf("trust policy: %w", err)
	}
	role := state.Role{
		AccountID:          accountID,
		Name:               aws.ToString(d.RoleName),
		Path:               aws.ToString(d.Path),
		Description:        aws.ToString(listed.Description),
		TrustPolicy:        trustDoc,
		MaxSessionDuration: int(aws.ToInt32(listed.MaxSessionDuration)),
		Tags:               tags,
		Managed:            tags[state.ManagedTagKey] == state.ManagedTagValue,
		InlinePolicies:     map[string]string{},
	}
	if d.PermissionsBoundary != nil {
		role.PermissionsBoundary = aws.ToString(d.PermissionsBoundary.PermissionsBoundaryArn)
	}
	for _, a := range d.AttachedManagedPolicies {
		role.ManagedPolicies = append(role.ManagedPolicies, aws.ToString(a.PolicyArn))
	}
	for _, pd := range d.RolePolicyList {
		doc, err := policy.Canonical(aws.ToString(pd.PolicyDocument))
		if err != nil {
			return state.Role{}, fmt.Errorf("inline policy %s: %w", aws.ToString(pd.PolicyName), err)
		}
		role.InlinePolicies[aws.ToString(pd.PolicyName)] = doc
	}
	return role.Normalize(), nil
}

func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
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
