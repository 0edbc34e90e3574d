package identitycenter

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// TestCreateAdoptsWhatAnotherApplyMade: two applies that both planned to
// create the same objects (each read Identity Center before the other
// wrote). The second one's creates are refused by AWS as duplicates
// (ConflictException); it takes the existing objects instead, once each,
// without retrying, and ends with one of each.
func TestCreateAdoptsWhatAnotherApplyMade(t *testing.T) {
	first, cfg := newClient(t)
	second := New(cfg, Options{Rate: 1000, StoreRate: 1000})
	ctx := context.Background()
	if _, err := second.Discover(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	ps := state.PermissionSet{Name: "Dev", SessionDuration: "PT4H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}
	u := state.User{UserName: "alice", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe"}
	g := state.Group{DisplayName: "Engineers"}
	arn1, err := first.CreatePermissionSet(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	uid1, err := first.CreateUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	gid1, err := first.CreateGroup(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	second.ResetStats()
	arn2, err := second.CreatePermissionSet(ctx, ps)
	if err != nil || arn2 != arn1 {
		t.Errorf("second CreatePermissionSet = %q, %v; want the first one's %q", arn2, err, arn1)
	}
	if uid2, err := second.CreateUser(ctx, u); err != nil || uid2 != uid1 {
		t.Errorf("second CreateUser = %q, %v; want %q", uid2, err, uid1)
	}
	if gid2, err := second.CreateGroup(ctx, g); err != nil || gid2 != gid1 {
		t.Errorf("second CreateGroup = %q, %v; want %q", gid2, err, gid1)
	}
	st := second.Stats()
	for _, op := range []string{"sso-admin:CreatePermissionSet", "identitystore:CreateUser", "identitystore:CreateGroup"} {
		if st.Calls[op] != 1 {
			t.Errorf("%d %s calls, want 1 (a duplicate is adopted, not retried)", st.Calls[op], op)
		}
	}
	live, err := first.Read(ctx, ReadScope{})
	if err != nil {
		t.Fatalf("Read after two creates: %v", err)
	}
	if len(live.PermissionSets) != 1 || len(live.Users) != 1 || len(live.Groups) != 1 || !live.PermissionSets["Dev"].Managed {
		t.Errorf("after two creates: %d permission sets, %d users, %d groups (Dev managed: %v); want one of each",
			len(live.PermissionSets), len(live.Users), len(live.Groups), live.PermissionSets["Dev"].Managed)
	}
}

// TestCreateRefusesAHandMadePermissionSet: a permission set of the same
// name made by someone else (without gatehouse's ownership tag) after the
// plan read Identity Center is not taken over: the create fails with a
// conflict naming it, and the set is left as it was.
func TestCreateRefusesAHandMadePermissionSet(t *testing.T) {
	c, cfg := newClient(t)
	ctx := context.Background()
	sso := ssoadmin.NewFromConfig(cfg)
	made, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: &c.Instance.ARN, Name: aws.String("Dev"), SessionDuration: aws.String("PT1H")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreatePermissionSet(ctx, state.PermissionSet{Name: "Dev", SessionDuration: "PT4H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}})
	if err == nil || !strings.Contains(err.Error(), "permission set Dev exists but was not made by gatehouse") || !strings.Contains(hint.Of(err), "gatehouse:managed-by") {
		t.Fatalf("CreatePermissionSet over a hand-made one = %v (hint %q)", err, hint.Of(err))
	}
	live, err := c.Read(ctx, ReadScope{})
	if err != nil {
		t.Fatal(err)
	}
	got := live.PermissionSets["Dev"]
	if got.ARN != aws.ToString(made.PermissionSet.PermissionSetArn) || got.Managed || got.SessionDuration != "PT1H" || len(got.ManagedPolicies) != 0 {
		t.Errorf("the hand-made permission set was changed: %+v", got)
	}
}
