package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idsdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// The tests below call, through the front, the Identity Center operations
// the sandbox adds to moto (identitycenter_gaps.go); without them moto
// answers each with an HTML error 500.

// errorCode is the AWS error code of err, or "" when it is none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := errorCode(err); got != code {
		t.Errorf("%s: error %v, want %s", what, err, code)
	}
}

// gapWorld is a sandbox with one permission set and its clients.
type gapWorld struct {
	sb    *sandbox.Sandbox
	admin *ssoadmin.Client
	ids   *identitystore.Client
	w     *world
}

func newGapWorld(t *testing.T) gapWorld {
	t.Helper()
	sb := newSandbox(t, sandbox.Options{})
	cfg := adminConfig(t, sb)
	w := seed(t, cfg, []string{"alice", "bob"}, map[string][]string{"Engineers": {"alice"}, "Auditors": nil}, map[string]string{"ReadOnly": ""})
	return gapWorld{sb: sb, admin: ssoadmin.NewFromConfig(cfg), ids: identitystore.NewFromConfig(cfg), w: w}
}

func (g gapWorld) tags(t *testing.T, arn string) map[string]string {
	t.Helper()
	out, err := g.admin.ListTagsForResource(context.Background(), &ssoadmin.ListTagsForResourceInput{InstanceArn: aws.String(g.w.instance), ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	got := map[string]string{}
	for _, tag := range out.Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return got
}

func ssoTags(kv ...string) []ssotypes.Tag {
	var out []ssotypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ssotypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func TestPermissionSetTags(t *testing.T) {
	g := newGapWorld(t)
	ctx := context.Background()
	inst := aws.String(g.w.instance)
	created, err := g.admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: inst, Name: aws.String("Tagged"),
		SessionDuration: aws.String("PT1H"), Tags: ssoTags("team", "platform", "gatehouse:managed-by", "gatehouse")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.PermissionSet.PermissionSetArn)
	if diff := cmp.Diff(map[string]string{"team": "platform", "gatehouse:managed-by": "gatehouse"}, g.tags(t, arn)); diff != "" {
		t.Errorf("tags given to CreatePermissionSet (-want +got):\n%s", diff)
	}
	if _, err := g.admin.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: inst, ResourceArn: aws.String(arn), Tags: ssoTags("team", "security", "cost", "42")}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := g.admin.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: inst, ResourceArn: aws.String(arn), TagKeys: []string{"gatehouse:managed-by", "absent"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"team": "security", "cost": "42"}, g.tags(t, arn)); diff != "" {
		t.Errorf("tags after TagResource and UntagResource (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{}, g.tags(t, g.w.sets["ReadOnly"])); diff != "" {
		t.Errorf("another permission set's tags changed (-want +got):\n%s", diff)
	}
	if _, err := g.admin.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: inst, ResourceArn: inst, Tags: ssoTags("env", "sandbox")}); err != nil {
		t.Fatalf("TagResource on the instance: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"env": "sandbox"}, g.tags(t, g.w.instance)); diff != "" {
		t.Errorf("instance tags (-want +got):\n%s", diff)
	}

	many := make([]string, 0, 2*50)
	for i := range 49 {
		many = append(many, fmt.Sprintf("k%02d", i), "v")
	}
	missing := g.w.instance + "/ps-0000000000000000"
	tests := []struct {
		name string
		arn  string
		tags []ssotypes.Tag
		code string
	}{
		{"unknown permission set", missing, ssoTags("a", "b"), "ResourceNotFoundException"},
		{"not an sso ARN", "arn:aws:iam::123456789012:role/x", ssoTags("a", "b"), "ValidationException"},
		{"reserved prefix", arn, ssoTags("aws:owner", "me"), "ValidationException"},
		{"key too long", arn, ssoTags(strings.Repeat("k", 129), "v"), "ValidationException"},
		{"value too long", arn, ssoTags("k", strings.Repeat("v", 257)), "ValidationException"},
		{"more than 50", arn, ssoTags(many...), "ServiceQuotaExceededException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.admin.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: inst, ResourceArn: aws.String(tt.arn), Tags: tt.tags})
			wantCode(t, "TagResource", err, tt.code)
		})
	}
	if diff := cmp.Diff(map[string]string{"team": "security", "cost": "42"}, g.tags(t, arn)); diff != "" {
		t.Errorf("refused TagResource calls changed the tags (-want +got):\n%s", diff)
	}
	_, err = g.admin.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: inst, ResourceArn: aws.String(missing)})
	wantCode(t, "ListTagsForResource(unknown)", err, "ResourceNotFoundException")
	_, err = g.admin.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: inst, ResourceArn: aws.String(missing), TagKeys: []string{"a"}})
	wantCode(t, "UntagResource(unknown)", err, "ResourceNotFoundException")
}

func TestPermissionsBoundary(t *testing.T) {
	g := newGapWorld(t)
	ctx := context.Background()
	inst, arn := aws.String(g.w.instance), aws.String(g.w.sets["ReadOnly"])
	get := func() (*ssotypes.PermissionsBoundary, error) {
		out, err := g.admin.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
		if err != nil {
			return nil, err
		}
		return out.PermissionsBoundary, nil
	}
	_, err := get()
	wantCode(t, "GetPermissionsBoundaryForPermissionSet before any", err, "ResourceNotFoundException")

	opt := cmp.Comparer(func(a, b ssotypes.PermissionsBoundary) bool {
		return aws.ToString(a.ManagedPolicyArn) == aws.ToString(b.ManagedPolicyArn) &&
			(a.CustomerManagedPolicyReference == nil) == (b.CustomerManagedPolicyReference == nil) &&
			(a.CustomerManagedPolicyReference == nil ||
				aws.ToString(a.CustomerManagedPolicyReference.Name) == aws.ToString(b.CustomerManagedPolicyReference.Name) &&
					aws.ToString(a.CustomerManagedPolicyReference.Path) == aws.ToString(b.CustomerManagedPolicyReference.Path))
	})
	steps := []struct {
		name string
		put  ssotypes.PermissionsBoundary
		want ssotypes.PermissionsBoundary
	}{
		{"managed", ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")},
			ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")}},
		{"customer managed, default path", ssotypes.PermissionsBoundary{CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("Boundary")}},
			ssotypes.PermissionsBoundary{CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("Boundary"), Path: aws.String("/")}}},
		{"customer managed with a path", ssotypes.PermissionsBoundary{CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("B"), Path: aws.String("/team/")}},
			ssotypes.PermissionsBoundary{CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("B"), Path: aws.String("/team/")}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if _, err := g.admin.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, PermissionsBoundary: &st.put}); err != nil {
				t.Fatalf("PutPermissionsBoundaryToPermissionSet: %v", err)
			}
			got, err := get()
			if err != nil {
				t.Fatalf("GetPermissionsBoundaryForPermissionSet: %v", err)
			}
			if diff := cmp.Diff(st.want, *got, opt); diff != "" {
				t.Errorf("boundary (-want +got):\n%s", diff)
			}
		})
	}

	bad := []struct {
		name string
		pb   ssotypes.PermissionsBoundary
	}{
		{"both kinds", ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess"), CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("B")}}},
		{"neither", ssotypes.PermissionsBoundary{}},
		{"not a policy ARN", ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:role/ReadOnlyAccess")}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.admin.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, PermissionsBoundary: &tt.pb})
			wantCode(t, "PutPermissionsBoundaryToPermissionSet", err, "ValidationException")
		})
	}
	if got, err := get(); err != nil || aws.ToString(got.CustomerManagedPolicyReference.Path) != "/team/" {
		t.Errorf("refused puts changed the boundary: %+v, %v", got, err)
	}
	missing := aws.String(g.w.instance + "/ps-0000000000000000")
	_, err = g.admin.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: missing, PermissionsBoundary: &steps[0].put})
	wantCode(t, "PutPermissionsBoundaryToPermissionSet(unknown set)", err, "ResourceNotFoundException")

	if _, err := g.admin.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}); err != nil {
		t.Fatalf("DeletePermissionsBoundaryFromPermissionSet: %v", err)
	}
	_, err = get()
	wantCode(t, "GetPermissionsBoundaryForPermissionSet after delete", err, "ResourceNotFoundException")
	_, err = g.admin.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
	wantCode(t, "DeletePermissionsBoundaryFromPermissionSet twice", err, "ResourceNotFoundException")
}

// TestDeletedPermissionSetTakesItsTagsAndBoundary: the state lives on moto's
// permission set, so deleting it (or resetting moto) drops both.
func TestDeletedPermissionSetTakesItsTagsAndBoundary(t *testing.T) {
	g := newGapWorld(t)
	ctx := context.Background()
	inst, arn := aws.String(g.w.instance), aws.String(g.w.sets["ReadOnly"])
	if _, err := g.admin.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: inst, ResourceArn: arn, Tags: ssoTags("a", "b")}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.admin.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn,
		PermissionsBoundary: &ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.admin.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err := g.admin.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: inst, ResourceArn: arn})
	wantCode(t, "ListTagsForResource of a deleted set", err, "ResourceNotFoundException")
	_, err = g.admin.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
	wantCode(t, "GetPermissionsBoundaryForPermissionSet of a deleted set", err, "ResourceNotFoundException")
}

func TestProvisioningStatus(t *testing.T) {
	g := newGapWorld(t)
	ctx := context.Background()
	inst, arn := aws.String(g.w.instance), aws.String(g.w.sets["ReadOnly"])
	var ids []string
	for _, account := range []string{"333333333333", "444444444444"} {
		out, err := g.admin.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn,
			TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String(account)})
		if err != nil {
			t.Fatalf("ProvisionPermissionSet: %v", err)
		}
		st := out.PermissionSetProvisioningStatus
		if got := aws.ToString(st.AccountId); got != account {
			t.Errorf("ProvisionPermissionSet reports account %s, want the target %s", got, account)
		}
		desc, err := g.admin.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: inst, ProvisionPermissionSetRequestId: st.RequestId})
		if err != nil {
			t.Fatalf("DescribePermissionSetProvisioningStatus: %v", err)
		}
		d := desc.PermissionSetProvisioningStatus
		if d.Status != ssotypes.StatusValuesSucceeded || aws.ToString(d.AccountId) != account || aws.ToString(d.PermissionSetArn) != *arn || aws.ToString(d.RequestId) != aws.ToString(st.RequestId) {
			t.Errorf("DescribePermissionSetProvisioningStatus = %+v", d)
		}
		ids = append(ids, aws.ToString(st.RequestId))
	}
	_, err := g.admin.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: inst, ProvisionPermissionSetRequestId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantCode(t, "DescribePermissionSetProvisioningStatus(unknown)", err, "ResourceNotFoundException")

	var listed []string
	p := ssoadmin.NewListPermissionSetProvisioningStatusPaginator(g.admin, &ssoadmin.ListPermissionSetProvisioningStatusInput{InstanceArn: inst, MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListPermissionSetProvisioningStatus: %v", err)
		}
		for _, s := range page.PermissionSetsProvisioningStatus {
			listed = append(listed, aws.ToString(s.RequestId))
		}
	}
	sort.Strings(ids)
	sort.Strings(listed)
	if diff := cmp.Diff(ids, listed); diff != "" {
		t.Errorf("ListPermissionSetProvisioningStatus request IDs (-want +got):\n%s", diff)
	}
}

func TestUpdateUserAndGroup(t *testing.T) {
	g := newGapWorld(t)
	ctx := context.Background()
	store := aws.String(g.w.store)
	alice := g.w.users["alice"]
	op := func(path string, value any) istypes.AttributeOperation {
		o := istypes.AttributeOperation{AttributePath: aws.String(path)}
		if value != nil {
			o.AttributeValue = idsdoc.NewLazyDocument(value)
		}
		return o
	}
	_, err := g.ids.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: store, UserId: aws.String(alice), Operations: []istypes.AttributeOperation{
		op("displayName", "Alice Liddell"),
		op("name.givenName", "Alicia"),
		op("emails", []map[string]any{{"value": "alice@example.com", "type": "work", "primary": true}}),
		op("title", "Engineer"),
	}})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	u, err := g.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(alice)})
	if err != nil {
		t.Fatal(err)
	}
	type userView struct{ UserName, DisplayName, Given, Family, Title, Email, EmailType string }
	got := userView{aws.ToString(u.UserName), aws.ToString(u.DisplayName), aws.ToString(u.Name.GivenName), aws.ToString(u.Name.FamilyName), aws.ToString(u.Title), "", ""}
	if len(u.Emails) == 1 && u.Emails[0].Primary {
		got.Email, got.EmailType = aws.ToString(u.Emails[0].Value), aws.ToString(u.Emails[0].Type)
	}
	if diff := cmp.Diff(userView{"alice", "Alice Liddell", "Alicia", "Test", "Engineer", "alice@example.com", "work"}, got); diff != "" {
		t.Errorf("user after UpdateUser (-want +got):\n%s", diff)
	}
	id, err := g.ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store, AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{
		Value: istypes.UniqueAttribute{AttributePath: aws.String("emails.value"), AttributeValue: idsdoc.NewLazyDocument("alice@example.com")}}})
	if err != nil || aws.ToString(id.UserId) != alice {
		t.Errorf("GetUserId(emails.value) after UpdateUser = %v, %v; want %s", id, err, alice)
	}
	ms, err := g.ids.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: store, MemberId: &istypes.MemberIdMemberUserId{Value: alice}})
	if err != nil || len(ms.GroupMemberships) != 1 {
		t.Errorf("memberships after UpdateUser: %v, %v; want the one in Engineers", ms, err)
	}

	userErrs := []struct {
		name string
		id   string
		ops  []istypes.AttributeOperation
		code string
	}{
		{"unknown user", "00000000-0000-0000-0000-000000000000", []istypes.AttributeOperation{op("title", "x")}, "ResourceNotFoundException"},
		{"required attribute removed", alice, []istypes.AttributeOperation{op("displayName", nil)}, "ValidationException"},
		{"unknown path", alice, []istypes.AttributeOperation{op("shoeSize", "42")}, "ValidationException"},
		{"wrong type", alice, []istypes.AttributeOperation{op("displayName", 7)}, "ValidationException"},
		{"no operations", alice, []istypes.AttributeOperation{}, "ValidationException"},
		{"user name taken", alice, []istypes.AttributeOperation{op("userName", "bob")}, "ConflictException"},
	}
	for _, tt := range userErrs {
		t.Run("user/"+tt.name, func(t *testing.T) {
			_, err := g.ids.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: store, UserId: aws.String(tt.id), Operations: tt.ops})
			wantCode(t, "UpdateUser", err, tt.code)
		})
	}
	if u, err := g.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(alice)}); err != nil || aws.ToString(u.DisplayName) != "Alice Liddell" || aws.ToString(u.UserName) != "alice" {
		t.Errorf("refused UpdateUser calls changed the user: %+v, %v", u, err)
	}

	eng := g.w.groups["Engineers"]
	if _, err := g.ids.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(eng), Operations: []istypes.AttributeOperation{op("description", "All engineers")}}); err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	gr, err := g.ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(eng)})
	if err != nil || aws.ToString(gr.Description) != "All engineers" || aws.ToString(gr.DisplayName) != "Engineers" {
		t.Errorf("group after UpdateGroup: %+v, %v", gr, err)
	}
	groupErrs := []struct {
		name string
		id   string
		ops  []istypes.AttributeOperation
		code string
	}{
		{"unknown group", "00000000-0000-0000-0000-000000000000", []istypes.AttributeOperation{op("description", "x")}, "ResourceNotFoundException"},
		{"display name taken", eng, []istypes.AttributeOperation{op("displayName", "Auditors")}, "ConflictException"},
		{"display name removed", eng, []istypes.AttributeOperation{op("displayName", nil)}, "ValidationException"},
		{"unknown path", eng, []istypes.AttributeOperation{op("members", "x")}, "ValidationException"},
	}
	for _, tt := range groupErrs {
		t.Run("group/"+tt.name, func(t *testing.T) {
			_, err := g.ids.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(tt.id), Operations: tt.ops})
			wantCode(t, "UpdateGroup", err, tt.code)
		})
	}
}

// TestDescribeGroupMembership reads a membership by its ID, as Terraform's
// aws_identitystore_group_membership does after creating one.
func TestDescribeGroupMembership(t *testing.T) {
	g := newGapWorld(t)
	ctx := context.Background()
	store := aws.String(g.w.store)
	ms, err := g.ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: aws.String(g.w.groups["Engineers"])})
	if err != nil || len(ms.GroupMemberships) != 1 {
		t.Fatalf("ListGroupMemberships: %v, %v; want alice's membership", ms, err)
	}
	id := aws.ToString(ms.GroupMemberships[0].MembershipId)
	m, err := g.ids.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: store, MembershipId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeGroupMembership: %v", err)
	}
	member, _ := m.MemberId.(*istypes.MemberIdMemberUserId)
	type view struct{ Store, Membership, Group, User string }
	got := view{aws.ToString(m.IdentityStoreId), aws.ToString(m.MembershipId), aws.ToString(m.GroupId), ""}
	if member != nil {
		got.User = member.Value
	}
	if diff := cmp.Diff(view{g.w.store, id, g.w.groups["Engineers"], g.w.users["alice"]}, got); diff != "" {
		t.Errorf("DescribeGroupMembership (-want +got):\n%s", diff)
	}
	_, err = g.ids.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: store, MembershipId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantCode(t, "DescribeGroupMembership of an unknown membership", err, "ResourceNotFoundException")
}

// TestGapErrorsHaveAWSWireShape checks one added error on the wire: status
// 400, X-Amzn-Errortype and a JSON body with __type, as AWS sends them.
func TestGapErrorsHaveAWSWireShape(t *testing.T) {
	g := newGapWorld(t)
	body := fmt.Sprintf(`{"InstanceArn":%q,"PermissionSetArn":%q}`, g.w.instance, g.w.sets["ReadOnly"])
	req, err := http.NewRequest(http.MethodPost, g.sb.URL()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "SWBExternalService.GetPermissionsBoundaryForPermissionSet")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAGATEHOUSETEST000/20250101/us-east-1/sso/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("error body is not JSON: %q", raw)
	}
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("X-Amzn-Errortype"), "ResourceNotFoundException") ||
		out.Type != "ResourceNotFoundException" || out.Message == "" {
		t.Errorf("got HTTP %d, X-Amzn-Errortype %q, body %s; want 400 and ResourceNotFoundException with a message", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), raw)
	}
}
