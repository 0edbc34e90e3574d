package awstest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
)

func TestMain(m *testing.M) { awstest.Main(m) }

func TestConfigReachesMoto(t *testing.T) {
	cfg := awstest.Config(t)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Account); got != awstest.ManagementAccount {
		t.Errorf("GetCallerIdentity account = %s, want %s", got, awstest.ManagementAccount)
	}
}

func TestResetWipesState(t *testing.T) {
	ctx := context.Background()
	cfg := awstest.Config(t)
	org := organizations.NewFromConfig(cfg)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	if _, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		t.Fatalf("organization not created: %v", err)
	}
	awstest.Fresh(t)
	_, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	if !errors.As(err, &notInUse) {
		t.Fatalf("after reset DescribeOrganization error = %v, want AWSOrganizationsNotInUseException", err)
	}
}

func TestMissingPythonIsExplained(t *testing.T) {
	err := motoserver.CheckInstalled(context.Background(), "python3-that-does-not-exist")
	if err == nil {
		t.Fatal("CheckInstalled with a missing interpreter succeeded")
	}
	if h := hint.Of(err); !strings.Contains(h, "install") {
		t.Errorf("hint = %q, want advice on what to install", h)
	}
}

func TestStopEndsTheProcess(t *testing.T) {
	s, err := motoserver.Start(context.Background(), motoserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("process still running after Stop")
	}
}
