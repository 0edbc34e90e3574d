package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idsdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSSOAssign makes an account assignment straight through the sso-admin
// API, as a person in the IAM Identity Center console would:
//
//	ssoassign ACCOUNT_ID PERMISSION_SET user|group NAME
func cmdSSOAssign(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 || (args[2] != "user" && args[2] != "group") {
		ts.Fatalf("usage: ssoassign ACCOUNT_ID PERMISSION_SET user|group NAME")
	}
	ctx := context.Background()
	cfg, err := motoConfig(ts.Getenv("MOTO_URL"))
	ts.Check(err)
	sso, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	ts.Check(err)
	if len(inst.Instances) != 1 {
		ts.Fatalf("ssoassign: %d Identity Center instances", len(inst.Instances))
	}
	arn, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
	ts.Check(err)
	var psARN *string
	for _, s := range sets.PermissionSets {
		d, err := sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: arn, PermissionSetArn: aws.String(s)})
		ts.Check(err)
		if aws.ToString(d.PermissionSet.Name) == args[1] {
			psARN = aws.String(s)
		}
	}
	if psARN == nil {
		ts.Fatalf("ssoassign: no permission set %s", args[1])
	}
	var principal string
	ptype := ssotypes.PrincipalType(strings.ToUpper(args[2]))
	if args[2] == "user" {
		out, err := ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store, AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{
			Value: idstypes.UniqueAttribute{AttributePath: aws.String("userName"), AttributeValue: idsdoc.NewLazyDocument(args[3])}}})
		ts.Check(err)
		principal = aws.ToString(out.UserId)
	} else {
		out, err := ids.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store, AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{
			Value: idstypes.UniqueAttribute{AttributePath: aws.String("displayName"), AttributeValue: idsdoc.NewLazyDocument(args[3])}}})
		ts.Check(err)
		principal = aws.ToString(out.GroupId)
	}
	_, err = sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: arn, PermissionSetArn: psARN,
		PrincipalId: aws.String(principal), PrincipalType: ptype, TargetId: aws.String(args[0]), TargetType: ssotypes.TargetTypeAwsAccount})
	if err != nil {
		ts.Fatalf("ssoassign: %v", fmt.Errorf("CreateAccountAssignment: %w", err))
	}
}
