package identitycenter

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// A create that AWS refuses because the name is taken (ConflictException:
// another apply, or a person, made the object after the plan read Identity
// Center), or whose answer was lost, is settled by looking the object up by
// name (createChecked): users and groups, which gatehouse matches by name,
// are taken as they are; a permission set only when it carries gatehouse's
// ownership tag, since gatehouse never takes over one it did not make.

// NotOursError says that a permission set gatehouse was creating exists
// under that name and was not made by gatehouse.
type NotOursError struct{ Name, ARN string }

func (e *NotOursError) Error() string {
	return fmt.Sprintf("creating permission set %s: permission set %s exists but was not made by gatehouse (%s): it was made after the plan read Identity Center",
		e.Name, e.Name, shortARN(e.ARN))
}

// Hint says what to do.
func (e *NotOursError) Hint() string {
	return fmt.Sprintf("gatehouse does not take over a permission set it did not make: rename or delete the one in AWS, or tag it %s=%s to let gatehouse manage it, then run `gatehouse apply` again",
		state.OwnerTagKey, state.OwnerTagValue)
}

// ownPermissionSet finds the permission set named name for a create that
// could not tell: found when it exists and gatehouse made it, a
// *NotOursError when someone else did.
func (c *Client) ownPermissionSet(ctx context.Context, name string) (string, bool, error) {
	arn, found, err := c.findPermissionSet(ctx, name)
	if err != nil || !found {
		return "", false, err
	}
	owner := ""
	err = pages(func(token *string) (*string, error) {
		out, err := call(ctx, c, svcSSO, "ListTagsForResource", "permission set "+name, read, func(ctx context.Context) (*ssoadmin.ListTagsForResourceOutput, error) {
			return c.sso.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: &c.Instance.ARN, ResourceArn: aws.String(arn), NextToken: token})
		})
		if err != nil {
			return nil, err
		}
		for _, t := range out.Tags {
			if aws.ToString(t.Key) == state.OwnerTagKey {
				owner = aws.ToString(t.Value)
			}
		}
		return out.NextToken, nil
	})
	if err != nil {
		return "", false, err
	}
	if owner != state.OwnerTagValue {
		return "", false, &NotOursError{Name: name, ARN: arn}
	}
	return arn, true, nil
}
