package sandbox

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
)

func startInternal(t *testing.T) *Sandbox {
	t.Helper()
	sb, err := Start(context.Background(), Options{MotoURL: awstest.Fresh(t).URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Stop() })
	return sb
}

// A request still running when the grace period ends is cut off, and Stop
// still succeeds: a slow shutdown is no failure of whoever used the sandbox.
func TestStopCutsOffSlowRequestsWithoutError(t *testing.T) {
	sb := startInternal(t)
	sb.grace = 50 * time.Millisecond
	conn, err := net.Dial("tcp", strings.TrimPrefix(sb.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers announcing a body that never comes: once the handler asks for
	// it (the server then answers 100 Continue), it waits for it.
	if _, err := io.WriteString(conn, "POST /sandbox/approve HTTP/1.1\r\nHost: "+strings.TrimPrefix(sb.URL(), "http://")+
		"\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(conn)
	if line, err := rd.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("the server answered %q, %v; want 100 Continue", line, err)
	}
	if err := sb.Stop(); err != nil {
		t.Fatalf("Stop with a request still running = %v, want nil", err)
	}
	if _, err := io.ReadAll(rd); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Errorf("reading from the cut-off connection: %v", err)
	}
}

// A repair request (what a failed role change makes) reconciles every
// account's roles with moto's assignments.
func TestRepairReconcilesOnRequest(t *testing.T) {
	sb := startInternal(t)
	ctx := context.Background()
	admin, ids := sb.conn.SSOAdmin(), sb.conn.IdentityStore()
	inst, store, err := sb.dir.Instance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	user, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(store), UserName: aws.String("alice"),
		DisplayName: aws.String("alice"), Name: &istypes.Name{GivenName: aws.String("a"), FamilyName: aws.String("b")}})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(inst), Name: aws.String("ReadOnly")})
	if err != nil {
		t.Fatal(err)
	}
	// Made on moto directly: no role follows until the repair.
	if _, err := admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn: aws.String(inst), TargetId: aws.String("333333333333"), TargetType: ssotypes.TargetTypeAwsAccount,
		PermissionSetArn: ps.PermissionSet.PermissionSetArn, PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: user.UserId,
	}); err != nil {
		t.Fatal(err)
	}
	sb.roles.RequestRepair()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := sb.conn.IAM("333333333333").ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Roles) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 60 s for the repair to make the role; roles: %v", out.Roles)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
