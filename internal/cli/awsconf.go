package cli

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
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

// loadAWSConfig builds the admin's aws.Config. Endpoints follow the SDK's
// rules, so AWS_ENDPOINT_URL_<SERVICE> variables (as the sandbox prints them)
// point every client at a local stand-in. Retries are left to the callers'
// own limiters (adapters retry throttling with jitter), so the SDK's
// client-side retry quota cannot fail a long plan.
func loadAWSConfig(ctx context.Context, o awsOptions, modelRegion string) (aws.Config, error) {
	region := o.region
	if region == "" {
		region = modelRegion
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = 3
				so.RateLimiter = noRetryQuota{}
			})
		}),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, hint.Wrap(fmt.Errorf("loading AWS configuration: %w", err),
			"check --profile and your ~/.aws/config; `gatehouse-sandbox up` prints variables for a local sandbox")
	}
	if cfg.Region == "" {
		return aws.Config{}, hint.New("no AWS region configured", "set identity_center.region in the model, pass --region, or set AWS_REGION")
	}
	return cfg, nil
}

// noRetryQuota disables the SDK's client-side retry token bucket, which
// fails bulk work with "retry quota exceeded" under sustained throttling.
type noRetryQuota struct{}

func (noRetryQuota) GetToken(context.Context, uint) (func() error, error) { return noop, nil }
func (noRetryQuota) AddTokens(uint) error                                 { return nil }

func noop() error { return nil }
