package applylock

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
)

// RolePath is the path of lock roles.
const RolePath = "/gatehouse/"

// RolePrefix starts the name of every lock role; the name it locks follows.
const RolePrefix = "gatehouse-apply-lock-"

// IAM keeps a lock as an IAM role in the account of the admin's
// credentials (docs/adr/0004-apply-lock.md says why): CreateRole is atomic
// and refuses a name that exists, so of two applies only one creates the
// role; its tags say who holds it and until when. The role trusts only its
// own account and has no permissions: it grants nothing to anyone.
type IAM struct {
	client  *iam.Client
	svc     *awscall.Service
	role    string
	account string
	trust   string
	who     string
}

// NewIAM returns the lock of name (an Identity Center instance ID, say) in
// the account of cfg's credentials, which it learns from STS. Calls go
// through internal/awscall and are counted in stats (may be nil).
func NewIAM(ctx context.Context, cfg aws.Config, name string, stats *awscall.Stats) (*IAM, error) {
	stsSvc := awscall.NewService("sts", 0, 0, stats)
	stsSvc.EndpointVariable = "AWS_ENDPOINT_URL_STS"
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) { awscall.NoSDKRetries(&o.Retryer) })
	id, err := awscall.Do(ctx, stsSvc, awscall.Call{Op: "GetCallerIdentity", What: "of the admin's credentials, for the apply lock"},
		func(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
			return stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		})
	if err != nil {
		return nil, err
	}
	account, arn := aws.ToString(id.Account), aws.ToString(id.Arn)
	partition := "aws"
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[1] != "" {
		partition = parts[1]
	}
	role := RoleName(name)
	svc := awscall.NewService("iam", 5, 2, stats)
	svc.EndpointVariable = "AWS_ENDPOINT_URL_IAM"
	svc.AccessHint = fmt.Sprintf("the apply lock is the IAM role %s%s in account %s: the credentials need iam:CreateRole, iam:GetRole, iam:TagRole and iam:DeleteRole on arn:%s:iam::%s:role%s%s*; "+
		"or run `gatehouse apply --lock=false` to rely on the lock of this machine only (two machines could then apply at once)",
		RolePath, role, account, partition, account, RolePath, RolePrefix)
	return &IAM{
		client:  iam.NewFromConfig(cfg, func(o *iam.Options) { awscall.NoSDKRetries(&o.Retryer) }),
		svc:     svc,
		role:    role,
		account: account,
		trust:   fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, partition, account),
		who:     arn,
	}, nil
}

// roleNameUnsafe matches what an IAM role name may not hold.
var roleNameUnsafe = regexp.MustCompile(`[^\w+=,.@-]`)

// RoleName is the name of the lock role of name.
func RoleName(name string) string {
	n := RolePrefix + roleNameUnsafe.ReplaceAllString(name, "-")
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// Where names the lock role for messages.
func (s *IAM) Where() string {
	return fmt.Sprintf("the IAM role %s%s in account %s", RolePath, s.role, s.account)
}

// errExists says the role exists: someone holds the lock.
var errExists = errors.New("the lock role exists")

func (s *IAM) call(op string, m awscall.Mode) awscall.Call {
	return awscall.Call{Op: op, What: "apply lock " + s.role, Account: s.account, Mode: m}
}

// create makes the role for h. A create whose answer was lost is settled
// by reading the role back: h's ID on it means it is h's.
func (s *IAM) create(ctx context.Context, h Holder) error {
	tags := h.tags()
	in := &iam.CreateRoleInput{
		RoleName:                 aws.String(s.role),
		Path:                     aws.String(RolePath),
		AssumeRolePolicyDocument: aws.String(s.trust),
		Description: aws.String("Lock of `gatehouse apply`: held while an apply runs, deleted when it ends; grants nothing. " +
			"Its tags say who holds it and until when. `gatehouse apply --force-unlock` removes a lock whose apply is dead."),
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	for attempt := 0; ; attempt++ {
		_, err := awscall.Do(ctx, s.svc, s.call("CreateRole", awscall.Create), func(ctx context.Context) (*iam.CreateRoleOutput, error) {
			return s.client.CreateRole(ctx, in)
		})
		switch {
		case err == nil:
			return nil
		case awscall.Code(err) == "EntityAlreadyExists":
			return errExists
		case !errors.Is(err, awscall.ErrUnknownOutcome) || attempt > 0:
			return err
		}
		cur, found, rerr := s.read(ctx, 0)
		if rerr != nil {
			return fmt.Errorf("%w (checking whether the lock was taken: %v)", err, rerr)
		}
		if found && cur.ID == h.ID {
			return nil
		}
		if found {
			return errExists
		}
	}
}

// read returns the holder of the lock, found false when there is none. A
// role whose tags do not say whose it is gets an ID of "" and lapses ttl
// after it was made.
func (s *IAM) read(ctx context.Context, ttl time.Duration) (Holder, bool, error) {
	out, err := awscall.Do(ctx, s.svc, s.call("GetRole", awscall.Read), func(ctx context.Context) (*iam.GetRoleOutput, error) {
		return s.client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(s.role)})
	})
	if awscall.IsNotFound(err) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, err
	}
	tags := map[string]string{}
	for _, t := range out.Role.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	h, ok := holderOf(tags)
	if !ok {
		created := aws.ToTime(out.Role.CreateDate)
		h = Holder{Since: created, Expires: created.Add(ttl)}
	}
	return h, true, nil
}

// renew moves the lock's expiry.
func (s *IAM) renew(ctx context.Context, expires time.Time) error {
	_, err := awscall.Do(ctx, s.svc, s.call("TagRole", awscall.Idempotent), func(ctx context.Context) (*iam.TagRoleOutput, error) {
		return s.client.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(s.role), Tags: []iamtypes.Tag{
			{Key: aws.String(tagExpires), Value: aws.String(expires.UTC().Format(time.RFC3339))},
		}})
	})
	return err
}

// remove deletes the role; one already gone is not an error.
func (s *IAM) remove(ctx context.Context) error {
	_, err := awscall.Do(ctx, s.svc, s.call("DeleteRole", awscall.Idempotent), func(ctx context.Context) (*iam.DeleteRoleOutput, error) {
		return s.client.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(s.role)})
	})
	if awscall.IsNotFound(err) {
		return nil
	}
	return err
}
