package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// waitFor polls cond until it holds, failing the test with what was awaited
// if it does not within a deadline generous for a loaded machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 60 s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// errCaptured stops the SDK once it has built and signed a request.
var errCaptured = errors.New("request captured")

// capture is an HTTP client that keeps the request instead of sending it.
type capture struct {
	req  *http.Request
	body []byte
}

func (c *capture) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	c.req, c.body = r, body
	return nil, errCaptured
}

// sendAndHangUp writes a request made by call to the front and closes the
// connection at once, without reading the answer: a client killed right
// after sending.
func sendAndHangUp(t *testing.T, cfg aws.Config, call func(*ssoadmin.Client) error) {
	t.Helper()
	c := &capture{}
	admin := ssoadmin.NewFromConfig(cfg, func(o *ssoadmin.Options) {
		o.HTTPClient = c
		o.Retryer = aws.NopRetryer{}
	})
	if err := call(admin); !errors.Is(err, errCaptured) {
		t.Fatalf("building the request: %v", err)
	}
	conn, err := net.Dial("tcp", c.req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	c.req.Body = io.NopCloser(bytes.NewReader(c.body))
	c.req.ContentLength = int64(len(c.body))
	if err := c.req.Write(conn); err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

// assigned reports whether moto holds an assignment of set in account.
func assigned(t *testing.T, cfg aws.Config, w *world, account, set string) bool {
	t.Helper()
	out, err := ssoadmin.NewFromConfig(cfg).ListAccountAssignments(context.Background(), &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(w.instance), AccountId: aws.String(account), PermissionSetArn: aws.String(w.sets[set]),
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.AccountAssignments) > 0
}

// A client that disconnects right after sending CreateAccountAssignment or
// DeleteAccountAssignment still gets what AWS would do: moto makes the
// change and the AWSReservedSSO role follows it.
func TestRolesFollowAssignmentsWhoseClientHungUp(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	front := adminConfig(t, sb)
	direct := awstest.ConfigFor(t, sb.MotoURL())
	w := seed(t, front, []string{"alice"}, nil, map[string]string{"ReadOnly": ""})
	in := func(del bool) func(*ssoadmin.Client) error {
		return func(c *ssoadmin.Client) error {
			var err error
			if del {
				_, err = c.DeleteAccountAssignment(context.Background(), &ssoadmin.DeleteAccountAssignmentInput{
					InstanceArn: aws.String(w.instance), TargetId: aws.String(prod), TargetType: ssotypes.TargetTypeAwsAccount,
					PermissionSetArn: aws.String(w.sets["ReadOnly"]), PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(w.users["alice"]),
				})
			} else {
				_, err = c.CreateAccountAssignment(context.Background(), &ssoadmin.CreateAccountAssignmentInput{
					InstanceArn: aws.String(w.instance), TargetId: aws.String(prod), TargetType: ssotypes.TargetTypeAwsAccount,
					PermissionSetArn: aws.String(w.sets["ReadOnly"]), PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(w.users["alice"]),
				})
			}
			return err
		}
	}
	// Only the listing: the role may go between two calls while this polls.
	hasRole := func() bool {
		out, err := iam.NewFromConfig(direct, func(o *iam.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-moto-account-id", prod))
		}).ListRoles(context.Background(), &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/sso.amazonaws.com/")})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Roles) == 1 && strings.HasPrefix(aws.ToString(out.Roles[0].RoleName), "AWSReservedSSO_ReadOnly_")
	}

	sendAndHangUp(t, front, in(false))
	waitFor(t, "the assignment to reach moto", func() bool { return assigned(t, direct, w, prod, "ReadOnly") })
	waitFor(t, "the role of the assignment", hasRole)

	sendAndHangUp(t, front, in(true))
	waitFor(t, "the assignment to leave moto", func() bool { return !assigned(t, direct, w, prod, "ReadOnly") })
	waitFor(t, "the role to go with its last assignment", func() bool { return !hasRole() })
}

// A front that starts on a moto whose assignments changed while no front
// watched (directly, or while an earlier front was down) repairs the roles.
func TestStartRepairsRolesOfExistingAssignments(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	front := adminConfig(t, sb)
	direct := awstest.ConfigFor(t, sb.MotoURL())
	w := seed(t, front, []string{"alice"}, nil, map[string]string{"ReadOnly": "", "Admin": ""})
	w.assign(t, front, false, prod, "Admin", "USER", "alice")     // role made by the front...
	w.assign(t, direct, true, prod, "Admin", "USER", "alice")     // ...and left behind
	w.assign(t, direct, false, prod, "ReadOnly", "USER", "alice") // no role
	before := reservedRoles(t, direct, prod)
	if _, ok := before["AWSReservedSSO_Admin"]; !ok || len(before) != 1 {
		t.Fatalf("roles before the restart = %v, want only the stale Admin one", before)
	}
	if err := sb.Stop(); err != nil {
		t.Fatal(err)
	}

	again, err := sandbox.Start(context.Background(), sandbox.Options{MotoURL: sb.MotoURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = again.Stop() })
	got := reservedRoles(t, direct, prod)
	if _, ok := got["AWSReservedSSO_ReadOnly"]; !ok || len(got) != 1 {
		t.Errorf("roles after the restart = %v, want only AWSReservedSSO_ReadOnly", got)
	}
}
