package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// A second permission set, group or user of a name already taken is refused
// with ConflictException, as AWS does, through the real SDK.
func TestDuplicateNamesAreRefused(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	cfg := adminConfig(t, sb)
	w := seed(t, cfg, []string{"alice"}, map[string][]string{"Engineers": nil}, map[string]string{"ReadOnly": ""})
	admin, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)

	t.Run("permission set", func(t *testing.T) {
		_, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(w.instance), Name: aws.String("ReadOnly")})
		var conflict *ssotypes.ConflictException
		if !errors.As(err, &conflict) || !strings.Contains(conflict.ErrorMessage(), "PermissionSet with name ReadOnly already exists") {
			t.Fatalf("a second ReadOnly: %v, want ConflictException naming it", err)
		}
		assertHTTPError(t, err, http.StatusBadRequest, "ConflictException")
		out, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(w.instance)})
		if err != nil || len(out.PermissionSets) != 1 {
			t.Errorf("permission sets after the refusal: %v, %v; want the one", out, err)
		}
	})
	t.Run("group", func(t *testing.T) {
		_, err := ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(w.store), DisplayName: aws.String("Engineers")})
		var conflict *istypes.ConflictException
		if !errors.As(err, &conflict) {
			t.Fatalf("a second Engineers group: %v, want ConflictException", err)
		}
		assertHTTPError(t, err, http.StatusBadRequest, "ConflictException")
	})
	t.Run("user", func(t *testing.T) {
		_, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(w.store), UserName: aws.String("alice"),
			DisplayName: aws.String("Alice"), Name: &istypes.Name{GivenName: aws.String("Alice"), FamilyName: aws.String("Other")}})
		var conflict *istypes.ConflictException
		if !errors.As(err, &conflict) {
			t.Fatalf("a second alice: %v, want ConflictException", err)
		}
		assertHTTPError(t, err, http.StatusBadRequest, "ConflictException")
	})
}

// A permission set made by hand without SessionDuration (AWS then uses one
// hour), or updated without it, works like any other: moto stored an
// integer there, which made the portal answer 500.
func TestPermissionSetWithoutSessionDuration(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, sandbox.Options{})
	cfg := adminConfig(t, sb)
	w := seed(t, cfg, []string{"alice"}, nil, nil)
	admin := ssoadmin.NewFromConfig(cfg)
	bare, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(w.instance), Name: aws.String("HandMade")})
	if err != nil {
		t.Fatal(err)
	}
	long, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(w.instance), Name: aws.String("Long"),
		SessionDuration: aws.String("PT8H"), Description: aws.String("eight hours")})
	if err != nil {
		t.Fatal(err)
	}
	// Only the relay state changes: the duration and description stay.
	if _, err := admin.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: aws.String(w.instance),
		PermissionSetArn: long.PermissionSet.PermissionSetArn, RelayState: aws.String("https://console.aws.amazon.com/")}); err != nil {
		t.Fatal(err)
	}
	for arn, want := range map[string][2]string{
		aws.ToString(bare.PermissionSet.PermissionSetArn): {"PT1H", ""},
		aws.ToString(long.PermissionSet.PermissionSetArn): {"PT8H", "eight hours"},
	} {
		out, err := admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(w.instance), PermissionSetArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribePermissionSet: %v", err)
		}
		if got := [2]string{aws.ToString(out.PermissionSet.SessionDuration), aws.ToString(out.PermissionSet.Description)}; got != want {
			t.Errorf("%s: session duration and description = %q, want %q", aws.ToString(out.PermissionSet.Name), got, want)
		}
	}
	w.sets["HandMade"] = aws.ToString(bare.PermissionSet.PermissionSetArn)
	w.sets["Long"] = aws.ToString(long.PermissionSet.PermissionSetArn)
	w.assign(t, cfg, false, prod, "HandMade", "USER", "alice")
	w.assign(t, cfg, false, prod, "Long", "USER", "alice")

	_, tok := deviceLogin(t, sb, "alice")
	p := portalClient(t, sb)
	roles, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod)})
	if err != nil {
		t.Fatalf("ListAccountRoles: %v", err)
	}
	if len(roles.RoleList) != 2 {
		t.Fatalf("alice's roles in prod = %v, want HandMade and Long", roles.RoleList)
	}
	for _, role := range []string{"HandMade", "Long"} {
		if _, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod), RoleName: aws.String(role)}); err != nil {
			t.Errorf("GetRoleCredentials(%s): %v", role, err)
		}
	}
}
