package sandbox_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

func loadLayout(t *testing.T) sandbox.Layout {
	t.Helper()
	m, err := model.Load("testdata/consultancy.yaml")
	if err != nil {
		t.Fatalf("loading the test model: %v", err)
	}
	return sandbox.LayoutFromModel(m)
}

func TestBootstrapCreatesTheModelsAccountsWithTheirIDs(t *testing.T) {
	ctx := context.Background()
	l := loadLayout(t)
	sb := newSandbox(t, sandbox.Options{ManagementAccount: l.Management.ID})
	got, err := sb.Bootstrap(ctx, l)
	if err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	want := []sandbox.BootstrappedAccount{
		{Name: "management", ID: "111111111111"},
		{Name: "production", ID: "333333333333", OU: "Workloads/Prod"},
		{Name: "staging", ID: "222222222222", OU: "Workloads/Staging"},
		{Name: "external-management", ID: "999999999999", External: true},
		{Name: "abccorp-prod", ID: "444444444444", External: true},
		{Name: "xyzcorp-dev", ID: "555555555555", External: true},
	}
	if diff := cmp.Diff(want, got.Accounts); diff != "" {
		t.Errorf("Bootstrap accounts mismatch (-want +got):\n%s", diff)
	}
	if got.OrganizationID == "" || got.ExternalOrganizationID == "" || got.OrganizationID == got.ExternalOrganizationID {
		t.Errorf("organizations %q and %q: want two different ones", got.OrganizationID, got.ExternalOrganizationID)
	}

	// What an admin sees with the sandbox's management credentials.
	cfg := adminConfig(t, sb)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "111111111111" {
		t.Errorf("the sandbox credentials act as %s, want the management account 111111111111", aws.ToString(id.Account))
	}
	orgs := organizations.NewFromConfig(cfg)
	list, err := orgs.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range list.Accounts {
		names = append(names, aws.ToString(a.Name)+"="+aws.ToString(a.Id))
	}
	sort.Strings(names)
	if diff := cmp.Diff([]string{"management=111111111111", "production=333333333333", "staging=222222222222"}, names); diff != "" {
		t.Errorf("organization accounts mismatch (-want +got):\n%s", diff)
	}
	parents, err := orgs.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String("333333333333")})
	if err != nil {
		t.Fatal(err)
	}
	ou, err := orgs.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: parents.Parents[0].Id})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ou.OrganizationalUnit.Name) != "Prod" {
		t.Errorf("production's OU = %s, want Prod", aws.ToString(ou.OrganizationalUnit.Name))
	}
	tags, err := orgs.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String("333333333333")})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" || aws.ToString(tags.Tags[0].Value) != "prod" {
		t.Errorf("production's tags = %v, want env=prod", tags.Tags)
	}

	// The members have the provisioning role; the client account has the
	// admin role it gave the consultancy.
	for account, role := range map[string]string{"333333333333": "OrganizationAccountAccessRole", "444444444444": "AcmeProvisioner"} {
		c := iam.NewFromConfig(cfg, func(o *iam.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-moto-account-id", account))
		})
		if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)}); err != nil {
			t.Errorf("role %s in %s: %v", role, account, err)
		}
	}

	if _, err := sb.Bootstrap(ctx, l); err == nil || hint.Of(err) == "" {
		t.Errorf("a second Bootstrap: error = %v, want one with a hint", err)
	}
}

func TestBootstrapRefusesAnotherManagementAccount(t *testing.T) {
	l := loadLayout(t)
	sb := newSandbox(t, sandbox.Options{}) // 123456789012, not the model's
	_, err := sb.Bootstrap(context.Background(), l)
	if err == nil || hint.Of(err) == "" || !strings.Contains(err.Error(), "111111111111") {
		t.Fatalf("Bootstrap error = %v, want the management account mismatch with a hint", err)
	}
}
