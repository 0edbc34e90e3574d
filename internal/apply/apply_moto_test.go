package apply_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/apply"
	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/identitycenter"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// moto runs with the sandbox's preamble, which adds the Identity Center
// operations it lacks (tags, permissions boundaries, provisioning status).
func TestMain(m *testing.M) {
	awstest.MainWith(m, motoserver.Options{Preamble: sandbox.MotoPreamble})
}

const (
	prod = "333333333333"
	dev  = "222222222222"
)

func desiredState() *state.State {
	s := state.New()
	s.Users["alice"] = state.User{UserName: "alice", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"}
	s.Users["bob"] = state.User{UserName: "bob", DisplayName: "Bob Roe", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com"}
	s.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Description: "All engineers", Members: []string{"alice", "bob"}}
	s.Groups["Admins"] = state.Group{DisplayName: "Admins", Members: []string{"alice"}}
	s.PermissionSets["ReadOnly"] = state.PermissionSet{Name: "ReadOnly", SessionDuration: "PT8H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}
	s.PermissionSets["Admin"] = state.PermissionSet{Name: "Admin", Description: "Full access", SessionDuration: "PT1H",
		ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
		InlinePolicy:    `{"Statement":[{"Action":["sts:AssumeRole"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`}
	s.Assignments = []state.Assignment{
		{AccountID: dev, PermissionSet: "Admin", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: dev, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalUser, PrincipalName: "bob"},
		{AccountID: prod, PermissionSet: "Admin", PrincipalType: state.PrincipalGroup, PrincipalName: "Admins"},
		{AccountID: prod, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
	}
	return s
}

type env struct {
	c     *identitycenter.Client
	scope identitycenter.ReadScope
	cfg   aws.Config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := awstest.Config(t)
	c := identitycenter.New(cfg, identitycenter.Options{Rate: 1000, StoreRate: 1000})
	if _, err := c.Discover(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	return &env{c: c, cfg: cfg, scope: identitycenter.ReadScope{MembershipGroups: []string{"Admins", "Engineers"}}}
}

func (e *env) plan(t *testing.T, desired *state.State) (*plan.Plan, *state.State) {
	t.Helper()
	live, err := e.c.Read(context.Background(), e.scope)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Compute(desired, live, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, live
}

func (e *env) apply(t *testing.T, desired *state.State) apply.Result {
	t.Helper()
	p, live := e.plan(t, desired)
	return apply.Run(context.Background(), p, live, e.c, apply.Options{})
}

func addresses(p *plan.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Action.Symbol()+" "+string(c.Address))
	}
	return out
}

// TestApplyThenPlanIsClean applies a model to an empty Identity Center, then
// a change of every kind, and checks each time that the next plan is empty.
func TestApplyThenPlanIsClean(t *testing.T) {
	e := newEnv(t)
	desired := desiredState()
	res := e.apply(t, desired)
	if err := res.Err(); err != nil {
		t.Fatalf("apply from empty: %v", err)
	}
	if n := res.Count(apply.Done); n != 13 {
		t.Errorf("apply from empty did %d changes, want 13", n)
	}
	if p, _ := e.plan(t, desired); !p.Empty() {
		t.Fatalf("plan after apply is not empty:\n%s", strings.Join(addresses(p), "\n"))
	}

	// Change of principal (create before delete), membership out, policy
	// change with provisioning, a permission set attribute.
	desired.Groups["Engineers"] = state.Group{DisplayName: "Engineers", Description: "All engineers", Members: []string{"bob"}}
	rw := desired.PermissionSets["ReadOnly"]
	rw.ManagedPolicies = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	rw.SessionDuration = "PT4H"
	rw.InlinePolicy = `{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`
	desired.PermissionSets["ReadOnly"] = rw.Normalize()
	desired.Assignments = []state.Assignment{
		{AccountID: dev, PermissionSet: "Admin", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
		{AccountID: dev, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalUser, PrincipalName: "alice"},
		{AccountID: prod, PermissionSet: "Admin", PrincipalType: state.PrincipalGroup, PrincipalName: "Admins"},
		{AccountID: prod, PermissionSet: "ReadOnly", PrincipalType: state.PrincipalGroup, PrincipalName: "Engineers"},
	}
	p, _ := e.plan(t, desired)
	want := []string{
		"- membership/Engineers/alice",
		"~ permission_set/ReadOnly",
		"+ provision/ReadOnly/222222222222",
		"+ provision/ReadOnly/333333333333",
		"+ assignment/222222222222/ReadOnly/user:alice",
		"- assignment/222222222222/ReadOnly/user:bob",
	}
	if diff := cmp.Diff(want, addresses(p)); diff != "" {
		t.Fatalf("plan of the change mismatch (-want +got):\n%s", diff)
	}
	if err := e.apply(t, desired).Err(); err != nil {
		t.Fatalf("apply of the change: %v", err)
	}
	if p, _ := e.plan(t, desired); !p.Empty() {
		t.Fatalf("plan after the change is not empty:\n%s", strings.Join(addresses(p), "\n"))
	}
}

// TestApplyRemovesDrift makes an assignment of a managed permission set by
// hand, as in the console: the plan deletes it and apply removes it.
func TestApplyRemovesDrift(t *testing.T) {
	e := newEnv(t)
	desired := desiredState()
	if err := e.apply(t, desired).Err(); err != nil {
		t.Fatal(err)
	}
	live, err := e.c.Read(context.Background(), e.scope)
	if err != nil {
		t.Fatal(err)
	}
	sso := ssoadmin.NewFromConfig(e.cfg)
	if _, err := sso.CreateAccountAssignment(context.Background(), &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn: &e.c.Instance.ARN, PermissionSetArn: aws.String(live.PermissionSets["Admin"].ARN),
		PrincipalId: aws.String(live.Users["bob"].ID), PrincipalType: ssotypes.PrincipalTypeUser,
		TargetId: aws.String(prod), TargetType: ssotypes.TargetTypeAwsAccount,
	}); err != nil {
		t.Fatal(err)
	}
	p, _ := e.plan(t, desired)
	if diff := cmp.Diff([]string{"- assignment/333333333333/Admin/user:bob"}, addresses(p)); diff != "" {
		t.Fatalf("plan after a console-made assignment mismatch (-want +got):\n%s", diff)
	}
	if err := e.apply(t, desired).Err(); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.plan(t, desired); !p.Empty() {
		t.Fatalf("drift survived apply:\n%s", strings.Join(addresses(p), "\n"))
	}
}

// TestApplyHalfDoneCompletes applies part of a plan (as a run killed midway
// would have), then plans and applies again: the result equals the model,
// with nothing created twice.
func TestApplyHalfDoneCompletes(t *testing.T) {
	e := newEnv(t)
	desired := desiredState()
	p, live := e.plan(t, desired)
	for _, n := range []int{3, 5, 8, 11} {
		half := *p
		half.Changes = p.Changes[:n]
		apply.Run(context.Background(), &half, live, e.c, apply.Options{})
		if err := e.apply(t, desired).Err(); err != nil {
			t.Fatalf("apply after %d changes: %v", n, err)
		}
		if p2, _ := e.plan(t, desired); !p2.Empty() {
			t.Fatalf("after %d changes then apply, plan is not empty:\n%s", n, strings.Join(addresses(p2), "\n"))
		}
		assertNoDuplicates(t, e)
		e = newEnv(t)
		p, live = e.plan(t, desired)
	}
}

// assertNoDuplicates lists every (account, permission set) pair's
// assignments and every group's memberships raw, since Read folds the
// duplicates moto would keep.
func assertNoDuplicates(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	live, err := e.c.Read(ctx, e.scope)
	if err != nil {
		t.Fatal(err)
	}
	sso := ssoadmin.NewFromConfig(e.cfg)
	for _, acct := range []string{prod, dev} {
		for _, ps := range live.PermissionSets {
			out, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: &e.c.Instance.ARN, AccountId: aws.String(acct), PermissionSetArn: aws.String(ps.ARN)})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, a := range out.AccountAssignments {
				k := string(a.PrincipalType) + aws.ToString(a.PrincipalId)
				if seen[k] {
					t.Errorf("duplicate assignment of %s to %s in %s", ps.Name, k, acct)
				}
				seen[k] = true
			}
		}
	}
	if n := len(live.PermissionSets); n != 2 {
		t.Errorf("%d permission sets, want 2", n)
	}
}
