package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
)

// TestHandMadePermissionSetWithoutSessionDuration: a permission set made by
// hand through the SDK without a session duration (AWS stores PT1H; moto
// stored the number 3600, which no SDK reads back, and so broke plan and
// import) and assigned to a user works like any other: plan lists it as
// unmanaged, import writes it, and the imported model plans clean.
func TestHandMadePermissionSetWithoutSessionDuration(t *testing.T) {
	dir, gh := inProcess(t)
	ctx := context.Background()
	cfg := awstest.ConfigFor(t, sharedFront(t).URL())
	sso, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	ps, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: arn, Name: aws.String("HandMade")})
	if err != nil {
		t.Fatal(err)
	}
	user, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: store, UserName: aws.String("dana"), DisplayName: aws.String("Dana Moe"),
		Name:   &idstypes.Name{GivenName: aws.String("Dana"), FamilyName: aws.String("Moe")},
		Emails: []idstypes.Email{{Value: aws.String("dana@example.com"), Type: aws.String("work"), Primary: true}}})
	if err != nil {
		t.Fatal(err)
	}
	accts, err := organizations.NewFromConfig(cfg).ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var production string
	for _, a := range accts.Accounts {
		if aws.ToString(a.Name) == "production" {
			production = aws.ToString(a.Id)
		}
	}
	if _, err := sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: arn, PermissionSetArn: ps.PermissionSet.PermissionSetArn,
		PrincipalId: user.UserId, PrincipalType: ssotypes.PrincipalTypeUser, TargetId: aws.String(production), TargetType: ssotypes.TargetTypeAwsAccount}); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := gh("", false, "plan")
	if code != 0 || !strings.Contains(out, "permission_set/HandMade") || !strings.Contains(out, "assignment/"+production+"/HandMade/user:dana") {
		t.Fatalf("plan with a hand-made permission set: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	imported := filepath.Join(dir, "imported.yaml")
	var iout, ierr bytes.Buffer
	d := Deps{Stdin: strings.NewReader(""), Stdout: &iout, Stderr: &ierr, Getenv: cacheEnv(dir), Now: time.Now}
	if code := Main(ctx, []string{"import", "-o", imported}, d); code != 0 {
		t.Fatalf("import with a hand-made permission set: exit %d\n%s", code, ierr.String())
	}
	model, err := os.ReadFile(imported)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(model), "HandMade") {
		t.Errorf("the imported model lacks the permission set:\n%s", model)
	}
	iout.Reset()
	ierr.Reset()
	if code := Main(ctx, []string{"plan", "-f", imported, "--detailed-exitcode"}, d); code != 0 {
		t.Errorf("plan of the imported model exits %d, want 0 (no changes):\n%s\n%s", code, iout.String(), ierr.String())
	}
}
