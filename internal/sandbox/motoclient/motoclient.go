// Package motoclient makes AWS SDK clients that talk to the moto server
// behind the sandbox front directly (never through the front), each acting
// as a chosen account the way AWS's own services act inside an account.
package motoclient

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DefaultAccount is the account moto runs requests as when none is named.
const DefaultAccount = "123456789012"

// headerAccount is moto's own header choosing the account a request runs as.
const headerAccount = "X-Moto-Account-Id"

// Conn reaches one moto server as the sandbox's AWS: Identity Center in the
// management account, IAM and STS in any account.
type Conn struct {
	cfg        aws.Config
	management string
}

// New configures clients of the moto server at motoURL for an Identity
// Center in management's region.
func New(ctx context.Context, motoURL, management, region string) (Conn, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIASANDBOXFRONT0000", "sandbox-front", "")),
		config.WithBaseEndpoint(motoURL),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 })
		}),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		return Conn{}, fmt.Errorf("configuring the AWS client for moto: %w", err)
	}
	return Conn{cfg: cfg, management: management}, nil
}

// Management is the account that owns the organization and Identity Center.
func (c Conn) Management() string { return c.management }

// Region is Identity Center's region.
func (c Conn) Region() string { return c.cfg.Region }

// Config is the configuration of the clients, acting as moto's default
// account: copy it to call with other credentials.
func (c Conn) Config() aws.Config { return c.cfg.Copy() }

// In returns a configuration whose requests run as account.
func (c Conn) In(account string) aws.Config {
	cfg := c.cfg.Copy()
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), smithyhttp.SetHeaderValue(headerAccount, account))
	return cfg
}

// IAM is IAM in account.
func (c Conn) IAM(account string) *iam.Client { return iam.NewFromConfig(c.In(account)) }

// STS is STS in account.
func (c Conn) STS(account string) *sts.Client { return sts.NewFromConfig(c.In(account)) }

// SSOAdmin is Identity Center's admin API in the management account.
func (c Conn) SSOAdmin() *ssoadmin.Client { return ssoadmin.NewFromConfig(c.In(c.management)) }

// IdentityStore is the Identity Store in the management account.
func (c Conn) IdentityStore() *identitystore.Client {
	return identitystore.NewFromConfig(c.In(c.management))
}

// Organizations is Organizations as account, with extra client options
// (such as headers for the sandbox's moto patches).
func (c Conn) Organizations(account string, extra ...func(*organizations.Options)) *organizations.Client {
	return organizations.NewFromConfig(c.In(account), extra...)
}
