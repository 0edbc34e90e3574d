package identitycenter

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// Discover finds the Identity Center instance with ListInstances and sets
// c.Instance. When instanceARN is given it must be among the instances the
// credentials see; otherwise there must be exactly one. storeID, when given,
// must match the instance's Identity Store.
func (c *Client) Discover(ctx context.Context, instanceARN, storeID string) (Instance, error) {
	var all []ssotypes.InstanceMetadata
	var token *string
	for {
		out, err := call(ctx, c, svcSSO, "ListInstances", "in "+c.region, read, func(ctx context.Context) (*ssoadmin.ListInstancesOutput, error) {
			return c.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{NextToken: token, MaxResults: aws.Int32(100)})
		})
		if err != nil {
			return Instance{}, fmt.Errorf("finding the Identity Center instance: %w", err)
		}
		all = append(all, out.Instances...)
		if token = out.NextToken; token == nil || *token == "" {
			break
		}
	}
	var found []Instance
	for _, in := range all {
		if in.Status != "" && in.Status != ssotypes.InstanceStatusActive {
			continue
		}
		i := Instance{ARN: aws.ToString(in.InstanceArn), IdentityStoreID: aws.ToString(in.IdentityStoreId), OwnerAccountID: aws.ToString(in.OwnerAccountId), Region: c.region}
		if instanceARN == "" || i.ARN == instanceARN {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 0 && instanceARN != "":
		return Instance{}, hint.Wrap(fmt.Errorf("no Identity Center instance %s in %s (the credentials see %d active instances)", instanceARN, c.region, len(all)),
			"check identity_center.instance_arn and identity_center.region in the model, and that the credentials belong to the account that owns the instance")
	case len(found) == 0:
		return Instance{}, hint.Wrap(fmt.Errorf("no IAM Identity Center instance in %s", c.region),
			"enable IAM Identity Center in the management account, or set identity_center.region (or --region) to the region where it lives")
	case len(found) > 1:
		var arns []string
		for _, f := range found {
			arns = append(arns, f.ARN)
		}
		return Instance{}, hint.Wrap(fmt.Errorf("%d Identity Center instances in %s: %s", len(found), c.region, strings.Join(arns, ", ")),
			"name the one to manage with identity_center.instance_arn in the model")
	}
	in := found[0]
	if storeID != "" && storeID != in.IdentityStoreID {
		return Instance{}, hint.Wrap(fmt.Errorf("the Identity Center instance %s uses Identity Store %s, not %s", in.ARN, in.IdentityStoreID, storeID),
			"fix or remove identity_center.identity_store_id in the model")
	}
	c.Instance = in
	return in, nil
}
