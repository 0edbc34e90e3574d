package sandbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// One moto server per test binary, with the sandbox's preamble so that
// Bootstrap can create accounts with fixed IDs.
func TestMain(m *testing.M) {
	awstest.MainWith(m, motoserver.Options{Preamble: sandbox.MotoPreamble})
}

// newSandbox wipes the shared moto and puts a fresh front before it.
func newSandbox(t testing.TB, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	opts.MotoURL = awstest.Fresh(t).URL
	sb, err := sandbox.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return sb
}

// adminConfig is the management account's config, through the front.
func adminConfig(t testing.TB, sb *sandbox.Sandbox) aws.Config {
	t.Helper()
	cfg := awstest.ConfigFor(t, sb.URL())
	c := sb.Credentials()
	cfg.Credentials = aws.NewCredentialsCache(staticCreds(c))
	return cfg
}

type staticCreds aws.Credentials

func (s staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(s), nil
}

// world is Identity Center state made through the front.
type world struct {
	instance, store string
	users           map[string]string // user name -> ID
	groups          map[string]string // group name -> ID
	sets            map[string]string // permission set name -> ARN
}

// seed creates users, groups with members, and permission sets.
func seed(t testing.TB, cfg aws.Config, users []string, groups map[string][]string, sets map[string]string) *world {
	t.Helper()
	ctx := context.Background()
	admin := ssoadmin.NewFromConfig(cfg)
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{
		instance: aws.ToString(inst.Instances[0].InstanceArn),
		store:    aws.ToString(inst.Instances[0].IdentityStoreId),
		users:    map[string]string{}, groups: map[string]string{}, sets: map[string]string{},
	}
	ids := identitystore.NewFromConfig(cfg)
	for _, u := range users {
		out, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{
			IdentityStoreId: aws.String(w.store), UserName: aws.String(u), DisplayName: aws.String(u),
			Name: &istypes.Name{GivenName: aws.String(u), FamilyName: aws.String("Test")},
		})
		if err != nil {
			t.Fatal(err)
		}
		w.users[u] = aws.ToString(out.UserId)
	}
	for g, members := range groups {
		out, err := ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(w.store), DisplayName: aws.String(g)})
		if err != nil {
			t.Fatal(err)
		}
		w.groups[g] = aws.ToString(out.GroupId)
		for _, m := range members {
			if _, err := ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{
				IdentityStoreId: aws.String(w.store), GroupId: out.GroupId, MemberId: &istypes.MemberIdMemberUserId{Value: w.users[m]},
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, inline := range sets {
		out, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
			InstanceArn: aws.String(w.instance), Name: aws.String(name),
			SessionDuration: aws.String("PT8H"),
		})
		if err != nil {
			t.Fatal(err)
		}
		w.sets[name] = aws.ToString(out.PermissionSet.PermissionSetArn)
		if inline != "" {
			if _, err := admin.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
				InstanceArn: aws.String(w.instance), PermissionSetArn: out.PermissionSet.PermissionSetArn, InlinePolicy: aws.String(inline),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

// assign creates (or with del, deletes) an account assignment through the front.
func (w *world) assign(t testing.TB, cfg aws.Config, del bool, account, set, principalType, principal string) {
	t.Helper()
	ctx := context.Background()
	admin := ssoadmin.NewFromConfig(cfg)
	id := w.groups[principal]
	if principalType == "USER" {
		id = w.users[principal]
	}
	var err error
	if del {
		_, err = admin.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{
			InstanceArn: aws.String(w.instance), TargetId: aws.String(account), TargetType: ssotypes.TargetTypeAwsAccount,
			PermissionSetArn: aws.String(w.sets[set]), PrincipalType: ssotypes.PrincipalType(principalType), PrincipalId: aws.String(id),
		})
	} else {
		_, err = admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
			InstanceArn: aws.String(w.instance), TargetId: aws.String(account), TargetType: ssotypes.TargetTypeAwsAccount,
			PermissionSetArn: aws.String(w.sets[set]), PrincipalType: ssotypes.PrincipalType(principalType), PrincipalId: aws.String(id),
		})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// oidcClient is an ssooidc client pointed at the sandbox (unsigned calls).
func oidcClient(t testing.TB, sb *sandbox.Sandbox) *ssooidc.Client {
	t.Helper()
	return ssooidc.NewFromConfig(awstest.ConfigFor(t, sb.URL()))
}

// deviceLogin runs a device-code login for user, approving through the Go
// API, and returns the client registration and the token.
func deviceLogin(t testing.TB, sb *sandbox.Sandbox, user string) (*ssooidc.RegisterClientOutput, *ssooidc.CreateTokenOutput) {
	t.Helper()
	ctx := context.Background()
	c := oidcClient(t, sb)
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: aws.String("gatehouse-test"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"},
	})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	dev, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(sb.StartURL()),
	})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	if err := sb.Approve(ctx, aws.ToString(dev.UserCode), user); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	tok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, DeviceCode: dev.DeviceCode,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"),
	})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return reg, tok
}

// pollToken polls CreateToken as RFC 8628 clients do, until it stops
// answering authorization_pending or slow_down.
func pollToken(ctx context.Context, c *ssooidc.Client, in *ssooidc.CreateTokenInput, interval time.Duration) (*ssooidc.CreateTokenOutput, error) {
	for {
		out, err := c.CreateToken(ctx, in)
		var pending *oidctypes.AuthorizationPendingException
		var slow *oidctypes.SlowDownException
		if !errors.As(err, &pending) && !errors.As(err, &slow) {
			return out, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
	}
}
