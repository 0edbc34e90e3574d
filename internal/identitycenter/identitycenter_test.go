package identitycenter

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/gatehouse/bench/quotaproxy"
	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// moto runs with the sandbox's preamble, which adds the Identity Center
// operations moto 5.2.1 lacks (permission set tags, permissions boundaries,
// provisioning status, UpdateUser, UpdateGroup), so that every call the
// client makes is answered as AWS would.
func TestMain(m *testing.M) {
	awstest.MainWith(m, motoserver.Options{Preamble: sandbox.MotoPreamble})
}

const prod = "333333333333"

func newClient(t *testing.T) (*Client, aws.Config) {
	t.Helper()
	cfg := awstest.Config(t)
	c := New(cfg, Options{Rate: 1000, StoreRate: 1000})
	if _, err := c.Discover(context.Background(), "", ""); err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return c, cfg
}

func TestDiscover(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	if !strings.HasPrefix(c.Instance.ARN, "arn:aws:sso:::instance/ssoins-") || !strings.HasPrefix(c.Instance.IdentityStoreID, "d-") {
		t.Fatalf("Discover found %+v", c.Instance)
	}
	if _, err := c.Discover(ctx, c.Instance.ARN, c.Instance.IdentityStoreID); err != nil {
		t.Errorf("Discover(named instance): %v", err)
	}
	_, err := c.Discover(ctx, "arn:aws:sso:::instance/ssoins-0000000000000000", "")
	if err == nil || !strings.Contains(err.Error(), "no Identity Center instance arn:aws:sso:::instance/ssoins-0000000000000000 in us-east-1") || hint.Of(err) == "" {
		t.Errorf("Discover(missing instance) = %v, want a not-found error with a hint", err)
	}
	_, err = c.Discover(ctx, c.Instance.ARN, "d-0000000000")
	if err == nil || !strings.Contains(err.Error(), "uses Identity Store") {
		t.Errorf("Discover(wrong store) = %v", err)
	}
}

// TestWriteThenRead creates every kind of object through the client, then
// checks that Read returns exactly them.
func TestWriteThenRead(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	alice, err := c.CreateUser(ctx, state.User{UserName: "alice", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := c.CreateUser(ctx, state.User{UserName: "bob", DisplayName: "Bob Roe", GivenName: "Bob", FamilyName: "Roe"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := c.CreateGroup(ctx, state.Group{DisplayName: "Engineers", Description: "All engineers"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddMember(ctx, eng, alice); err != nil {
		t.Fatal(err)
	}
	if err := c.AddMember(ctx, eng, bob); err != nil {
		t.Fatal(err)
	}
	ps := state.PermissionSet{
		Name: "ReadOnly", Description: "read", SessionDuration: "PT8H", RelayState: "https://console.aws.amazon.com/",
		ManagedPolicies:         []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		CustomerManagedPolicies: []state.PolicyRef{{Name: "Extra", Path: "/team/"}},
		InlinePolicy:            `{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`,
		PermissionsBoundary:     &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "Boundary", Path: "/"}},
		Tags:                    map[string]string{"team": "platform"},
	}
	arn, err := c.CreatePermissionSet(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	ref := apply.AssignmentRef{AccountID: prod, PermissionSet: "ReadOnly", PermissionSetARN: arn, PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers", PrincipalID: eng}
	if err := c.CreateAssignment(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateAssignment(ctx, apply.AssignmentRef{AccountID: prod, PermissionSet: "ReadOnly", PermissionSetARN: arn, PrincipalType: state.PrincipalUser, PrincipalName: "bob", PrincipalID: bob}); err != nil {
		t.Fatal(err)
	}
	if err := c.Provision(ctx, arn, prod); err != nil {
		t.Fatalf("Provision: %v", err)
	}

	got, err := c.Read(ctx, ReadScope{MembershipGroups: []string{"Engineers"}})
	if err != nil {
		t.Fatal(err)
	}
	want := state.New()
	want.Users["alice"] = state.User{UserName: "alice", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com", ID: alice}
	want.Users["bob"] = state.User{UserName: "bob", DisplayName: "Bob Roe", GivenName: "Bob", FamilyName: "Roe", ID: bob}
	want.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Description: "All engineers", Members: []string{"alice", "bob"}, ID: eng}
	want.PermissionSets["ReadOnly"] = state.PermissionSet{
		Name: "ReadOnly", Description: "read", SessionDuration: "PT8H", RelayState: "https://console.aws.amazon.com/",
		ManagedPolicies:         []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		CustomerManagedPolicies: []state.PolicyRef{{Name: "Extra", Path: "/team/"}},
		InlinePolicy:            `{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`,
		PermissionsBoundary:     &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "Boundary", Path: "/"}},
		Tags:                    map[string]string{"team": "platform"},
		ARN:                     arn,
		Managed:                 true, // the ownership tag, read and taken out of Tags
	}
	want.Assignments = []state.Assignment{
		{AccountID: prod, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: prod, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalUser, PrincipalName: "bob"},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Read() mismatch (-want +got):\n%s", diff)
	}

	// Scope: memberships of groups outside it are not read.
	got, err = c.Read(ctx, ReadScope{})
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Groups["Engineers"].Members; len(m) != 0 {
		t.Errorf("Read(no membership scope) read members %v", m)
	}
}

// TestReadFindsConsoleAssignments makes assignments and memberships with the
// raw SDK, as the console would, including duplicates that moto stores, and
// checks that Read sees each once.
func TestReadFindsConsoleAssignments(t *testing.T) {
	c, cfg := newClient(t)
	ctx := context.Background()
	sso := ssoadmin.NewFromConfig(cfg)
	ids := identitystore.NewFromConfig(cfg)
	u, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: &c.Instance.IdentityStoreID, UserName: aws.String("carol"), DisplayName: aws.String("Carol"),
		Name: &idstypes.Name{GivenName: aws.String("Carol"), FamilyName: aws.String("Poe")}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: &c.Instance.IdentityStoreID, DisplayName: aws.String("Ops")})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: &c.Instance.IdentityStoreID, GroupId: g.GroupId, MemberId: &idstypes.MemberIdMemberUserId{Value: *u.UserId}}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: &c.Instance.ARN, Name: aws.String("Manual"), SessionDuration: aws.String("PT2H")})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: &c.Instance.ARN, PermissionSetArn: ps.PermissionSet.PermissionSetArn,
			PrincipalId: u.UserId, PrincipalType: ssotypes.PrincipalTypeUser, TargetId: aws.String(prod), TargetType: ssotypes.TargetTypeAwsAccount}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Read(ctx, ReadScope{AllMemberships: true})
	if err != nil {
		t.Fatal(err)
	}
	wantA := []state.Assignment{{AccountID: prod, PermissionSet: "Manual", PrincipalType: state.PrincipalUser, PrincipalName: "carol"}}
	if diff := cmp.Diff(wantA, got.Assignments); diff != "" {
		t.Errorf("assignments mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"carol"}, got.Groups["Ops"].Members); diff != "" {
		t.Errorf("members mismatch (-want +got):\n%s", diff)
	}
	if p := got.PermissionSets["Manual"]; p.SessionDuration != "PT2H" || p.Managed {
		t.Errorf("permission set made by hand read as %+v", p)
	}

	// Removing the member removes every copy moto stored.
	if err := c.RemoveMember(ctx, *g.GroupId, *u.UserId); err != nil {
		t.Fatal(err)
	}
	got, err = c.Read(ctx, ReadScope{AllMemberships: true})
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Groups["Ops"].Members; len(m) != 0 {
		t.Errorf("members after RemoveMember = %v", m)
	}
}

// TestDuplicateNamesAreAnError: gatehouse matches permission sets by name,
// so two of the same name (which AWS refuses to create, and the sandbox
// too, but which an import from elsewhere could leave) stop the read with
// a hint instead of one silently hiding the other.
func TestDuplicateNamesAreAnError(t *testing.T) {
	r := &reader{sets: []state.PermissionSet{
		{Name: "Twin", ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1"},
		{Name: "Twin", ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-2"},
	}}
	_, err := r.assemble()
	if err == nil || !strings.Contains(err.Error(), "two permission sets are named Twin") || hint.Of(err) == "" {
		t.Errorf("assemble() = %v, want a duplicate-name error with a hint", err)
	}
}

// TestLostResponsesCreateNoDuplicate loses the answer to the first request
// of every create (the request reached moto, the connection broke before
// the answer came back), as a network failure would. The client must check
// before sending again: moto would store a second assignment or membership.
func TestLostResponsesCreateNoDuplicate(t *testing.T) {
	srv := awstest.Fresh(t)
	var mu sync.Mutex
	lost := map[string]bool{}
	proxy, err := quotaproxy.Start(quotaproxy.Options{Upstream: srv.URL, Rate: -1, Fault: func(_, op string, n int) quotaproxy.Fault {
		if strings.HasPrefix(op, "Create") && n == 0 {
			mu.Lock()
			lost[op] = true
			mu.Unlock()
			return quotaproxy.DropResponse
		}
		return quotaproxy.Pass
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	cfg := awstest.ConfigFor(t, proxy.URL)
	c := New(cfg, Options{Rate: 1000, StoreRate: 1000})
	ctx := context.Background()
	if _, err := c.Discover(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	uid, err := c.CreateUser(ctx, state.User{UserName: "alice", DisplayName: "A", GivenName: "A", FamilyName: "D"})
	if err != nil {
		t.Fatalf("CreateUser after a lost answer: %v", err)
	}
	gid, err := c.CreateGroup(ctx, state.Group{DisplayName: "Eng"})
	if err != nil {
		t.Fatalf("CreateGroup after a lost answer: %v", err)
	}
	if err := c.AddMember(ctx, gid, uid); err != nil {
		t.Fatalf("AddMember after a lost answer: %v", err)
	}
	arn, err := c.CreatePermissionSet(ctx, state.PermissionSet{Name: "RO", SessionDuration: "PT1H"})
	if err != nil {
		t.Fatalf("CreatePermissionSet after a lost answer: %v", err)
	}
	if err := c.CreateAssignment(ctx, apply.AssignmentRef{AccountID: prod, PermissionSet: "RO", PermissionSetARN: arn, PrincipalType: state.PrincipalGroup, PrincipalName: "Eng", PrincipalID: gid}); err != nil {
		t.Fatalf("CreateAssignment after a lost answer: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, op := range []string{"CreateUser", "CreateGroup", "CreateGroupMembership", "CreatePermissionSet", "CreateAccountAssignment"} {
		if !lost[op] {
			t.Errorf("no answer to %s was lost: the test did not test it", op)
		}
	}

	// Count raw: Read folds duplicates.
	sso, ids := ssoadmin.NewFromConfig(awstest.ConfigFor(t, srv.URL)), identitystore.NewFromConfig(awstest.ConfigFor(t, srv.URL))
	sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: &c.Instance.ARN})
	if err != nil {
		t.Fatal(err)
	}
	as, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: &c.Instance.ARN, AccountId: aws.String(prod), PermissionSetArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: &c.Instance.IdentityStoreID, GroupId: &gid})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets.PermissionSets) != 1 || len(as.AccountAssignments) != 1 || len(ms.GroupMemberships) != 1 {
		t.Errorf("after lost answers: %d permission sets, %d assignments, %d memberships; want 1 of each",
			len(sets.PermissionSets), len(as.AccountAssignments), len(ms.GroupMemberships))
	}
}

func startProxy(t *testing.T, upstream string, rate int) *quotaproxy.Proxy {
	t.Helper()
	p, err := quotaproxy.Start(quotaproxy.Options{Upstream: upstream, Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func planGroup(name string) state.Group { return state.Group{DisplayName: name} }

// TestAsynchronousCreation makes assignment creation asynchronous as on AWS
// (moto finishes at once, so the proxy holds each creation IN_PROGRESS) and
// fails one: the client polls until done, and the failure names the
// permission set, the principal and the account, with AWS's reason.
func TestAsynchronousCreation(t *testing.T) {
	srv := awstest.Fresh(t)
	proxy, err := quotaproxy.Start(quotaproxy.Options{Upstream: srv.URL, Rate: -1, CreateLatency: 300 * time.Millisecond,
		FailCreate: func(n int) string {
			if n == 2 {
				return "Received a 404 status error: Not supported policy arn:aws:iam::aws:policy/Nope"
			}
			return ""
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	c := New(awstest.ConfigFor(t, proxy.URL), Options{Rate: 1000, StoreRate: 1000, PollDelay: 100 * time.Millisecond, PollMaxDelay: 200 * time.Millisecond})
	ctx := context.Background()
	if _, err := c.Discover(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	gid, err := c.CreateGroup(ctx, planGroup("Eng"))
	if err != nil {
		t.Fatal(err)
	}
	arn, err := c.CreatePermissionSet(ctx, state.PermissionSet{Name: "RO", SessionDuration: "PT1H"})
	if err != nil {
		t.Fatal(err)
	}
	ref := func(acct string) apply.AssignmentRef {
		return apply.AssignmentRef{AccountID: acct, PermissionSet: "RO", PermissionSetARN: arn, PrincipalType: state.PrincipalGroup, PrincipalName: "Eng", PrincipalID: gid}
	}
	for _, acct := range []string{"111111111111", "222222222222"} {
		start := time.Now()
		if err := c.CreateAssignment(ctx, ref(acct)); err != nil {
			t.Fatalf("CreateAssignment: %v", err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("CreateAssignment returned after %s, before the creation was done", d)
		}
	}
	if n := c.Stats().Calls["sso-admin:DescribeAccountAssignmentCreationStatus"]; n < 2 {
		t.Errorf("%d status requests for 2 asynchronous creations", n)
	}
	err = c.CreateAssignment(ctx, ref(prod))
	want := "assignment of permission set RO to group Eng in account 333333333333: AWS reports FAILED: Received a 404 status error: Not supported policy arn:aws:iam::aws:policy/Nope"
	if err == nil || err.Error() != want {
		t.Errorf("failed creation: %v\nwant: %s", err, want)
	}
}

// TestUpdatesInPlace changes users, groups, and a permission set's tags and
// permissions boundary through the client: Read must see the new values on
// the same objects (same IDs, same memberships).
func TestUpdatesInPlace(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	alice, err := c.CreateUser(ctx, state.User{UserName: "alice", DisplayName: "Alice", GivenName: "Alice", FamilyName: "Doe"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := c.CreateGroup(ctx, state.Group{DisplayName: "Engineers"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddMember(ctx, eng, alice); err != nil {
		t.Fatal(err)
	}
	before := state.PermissionSet{Name: "Dev", SessionDuration: "PT1H",
		PermissionsBoundary: &state.Boundary{ManagedPolicyARN: "arn:aws:iam::aws:policy/PowerUserAccess"},
		Tags:                map[string]string{"team": "platform", "old": "x"}}
	arn, err := c.CreatePermissionSet(ctx, before)
	if err != nil {
		t.Fatal(err)
	}

	if err := c.UpdateUser(ctx, alice, state.User{UserName: "alice", DisplayName: "Alice Liddell", GivenName: "Alicia", FamilyName: "Liddell", Email: "alice@example.com"}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if err := c.UpdateGroup(ctx, eng, state.Group{DisplayName: "Engineers", Description: "All engineers"}); err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	after := before
	after.PermissionsBoundary = &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "DevBoundary", Path: "/team/"}}
	after.Tags = map[string]string{"team": "security", "new": "y"}
	if err := c.UpdatePermissionSet(ctx, arn, before, after); err != nil {
		t.Fatalf("UpdatePermissionSet: %v", err)
	}

	got, err := c.Read(ctx, ReadScope{MembershipGroups: []string{"Engineers"}})
	if err != nil {
		t.Fatal(err)
	}
	want := state.New()
	want.Users["alice"] = state.User{UserName: "alice", DisplayName: "Alice Liddell", GivenName: "Alicia", FamilyName: "Liddell", Email: "alice@example.com", ID: alice}
	want.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Description: "All engineers", Members: []string{"alice"}, ID: eng}
	want.PermissionSets["Dev"] = state.PermissionSet{Name: "Dev", SessionDuration: "PT1H", ARN: arn, Managed: true,
		PermissionsBoundary: &state.Boundary{CustomerManaged: &state.PolicyRef{Name: "DevBoundary", Path: "/team/"}},
		Tags:                map[string]string{"team": "security", "new": "y"}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Read() after the updates mismatch (-want +got):\n%s", diff)
	}

	// Removing the boundary and every model tag keeps the ownership tag.
	final := after
	final.PermissionsBoundary, final.Tags = nil, nil
	if err := c.UpdatePermissionSet(ctx, arn, after, final); err != nil {
		t.Fatalf("UpdatePermissionSet(no boundary, no tags): %v", err)
	}
	got, err = c.Read(ctx, ReadScope{})
	if err != nil {
		t.Fatal(err)
	}
	if ps := got.PermissionSets["Dev"]; ps.PermissionsBoundary != nil || len(ps.Tags) != 0 || !ps.Managed {
		t.Errorf("after removing boundary and tags: %+v, want neither, still managed", ps)
	}
}
