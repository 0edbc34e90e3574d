package cli

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/spf13/cobra"
)

// awsOptions are the flags that choose the admin's AWS credentials.
type awsOptions struct {
	profile string
	region  string
}

// addAWSFlags adds --profile and --region to an admin command.
func addAWSFlags(cmd *cobra.Command, o *awsOptions) {
	cmd.Flags().StringVar(&o.profile, "profile", "", "AWS profile with admin access to the management account (default: the SDK's usual chain)")
	cmd.Flags().StringVar(&o.region, "region", "", "region of IAM Identity Center (default: identity_center.region of the model, then the SDK's)")
}

// loadAWSConfig builds the admin's aws.Config (internal/awscall.Admin).
func loadAWSConfig(ctx context.Context, o awsOptions, modelRegion string) (aws.Config, error) {
	return awscall.Admin(ctx, awscall.AdminOptions{Profile: o.profile, Region: o.region, ModelRegion: modelRegion})
}
