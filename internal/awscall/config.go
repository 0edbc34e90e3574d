package awscall

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// This file is the one place gatehouse makes an aws.Config: Admin for the
// admin commands (the SDK's usual credential chain and shared config), and
// Anonymous/Signed for the engineer side, which reads no shared config file
// at all.

// AdminOptions choose the admin's AWS credentials and region.
type AdminOptions struct {
	// Profile is --profile; "" for the SDK's usual chain (AWS_PROFILE, ...).
	Profile string
	// Region is --region; ModelRegion (identity_center.region) and then the
	// SDK's own settings are used when it is empty.
	Region      string
	ModelRegion string
}

// Admin loads the admin's configuration. Endpoints follow the SDK's rules,
// so AWS_ENDPOINT_URL_<SERVICE> variables (as gatehouse-sandbox prints them)
// point every client at a local stand-in. The SDK's client-side retry quota
// is off (adapters retry through Do; the few SDK-driven calls, such as
// refreshing assumed-role credentials, keep three attempts) and its logger
// is silent: a missing credential is reported once, by gatehouse, with what
// to do, not as a page of IMDS warnings.
func Admin(ctx context.Context, o AdminOptions) (aws.Config, error) {
	region := o.Region
	if region == "" {
		region = o.ModelRegion
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = 3
				so.RateLimiter = noRetryQuota{}
			})
		}),
		config.WithLogger(logging.Nop{}),
		config.WithClientLogMode(0),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
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

// Profile loads the configuration of a named AWS profile in region (an
// external account's admin_profile), quietly, as Admin does.
func Profile(ctx context.Context, profile, region string) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile), config.WithRegion(region),
		config.WithLogger(logging.Nop{}), config.WithClientLogMode(0))
}

// noRetryQuota disables the SDK's client-side retry token bucket, which
// fails bulk work with "retry quota exceeded" under sustained throttling.
type noRetryQuota struct{}

func (noRetryQuota) GetToken(context.Context, uint) (func() error, error) { return noop, nil }
func (noRetryQuota) AddTokens(uint) error                                 { return nil }

func noop() error { return nil }

// Endpoints reads the endpoint overrides the AWS CLI reads
// (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true) from an environment.
type Endpoints func(string) string

// For returns the endpoint override of a service by its environment suffix
// ("SSO", "SSO_OIDC", "STS"), or "" for AWS's default.
func (getenv Endpoints) For(service string) string {
	if getenv == nil || strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if v := getenv("AWS_ENDPOINT_URL_" + service); v != "" {
		return v
	}
	return getenv("AWS_ENDPOINT_URL")
}

// Engineer builds the configuration of one engineer-side client without
// reading any shared config file, so that building a client costs no file
// I/O and an AWS_PROFILE naming a gatehouse credential_process profile
// cannot loop back into gatehouse. attempts is the SDK's attempts per call
// (callers going through Do pass 1).
func Engineer(getenv func(string) string, region, service string, creds aws.CredentialsProvider, attempts int) aws.Config {
	if attempts <= 0 {
		attempts = 3
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: creds,
		HTTPClient:  awshttp.NewBuildableClient(),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = attempts })
		},
		RetryMaxAttempts: attempts,
		Logger:           logging.Nop{},
	}
	if ep := Endpoints(getenv).For(service); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg
}
