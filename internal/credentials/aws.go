// Package credentials turns an AWS profile into role credentials for an
// engineer: Identity Center role credentials from the portal
// (GetRoleCredentials), role chaining into external accounts with STS
// AssumeRole (capped at one hour), a private cache so that repeated
// credential_process calls cost one file read, the credential_process and
// environment formats, and the inventory of every account and role the user
// can reach (portal ListAccounts/ListAccountRoles within the portal's rate
// limit), from which it builds AWS config profiles.
package credentials

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// Clients builds the AWS clients of the engineer commands. It reads the
// endpoint overrides the AWS CLI reads (AWS_ENDPOINT_URL_<SERVICE>, then
// AWS_ENDPOINT_URL) but never the shared config files, so that building a
// client costs no file I/O and an AWS_PROFILE naming a gatehouse
// credential_process profile cannot loop back into gatehouse.
type Clients struct {
	Getenv func(string) string
	// MaxAttempts is the SDK's attempts per call (default 3); the portal
	// inventory does its own retrying and sets 1.
	MaxAttempts int
}

// Endpoint returns the base endpoint override of a service by its
// environment suffix ("SSO", "SSO_OIDC", "STS"), or "" for AWS's default.
func (c Clients) Endpoint(service string) string { return awscall.Endpoints(c.Getenv).For(service) }

func (c Clients) config(region, service string, creds aws.CredentialsProvider) aws.Config {
	return awscall.Engineer(c.Getenv, region, service, creds, c.MaxAttempts)
}

// Portal returns an SSO portal client for Identity Center's region. Portal
// calls carry the access token, not a signature.
func (c Clients) Portal(region string) *sso.Client {
	return sso.NewFromConfig(c.config(region, "SSO", aws.AnonymousCredentials{}))
}

// OIDC returns an SSO OIDC client for Identity Center's region.
func (c Clients) OIDC(region string) ssologin.OIDC {
	return ssooidc.NewFromConfig(c.config(region, "SSO_OIDC", aws.AnonymousCredentials{}))
}

// AuthorizeURL is the OIDC authorize endpoint of a region, following the
// SSO_OIDC endpoint override.
func (c Clients) AuthorizeURL(region string) string {
	if ep := c.Endpoint("SSO_OIDC"); ep != "" {
		return strings.TrimRight(ep, "/") + "/authorize"
	}
	return "https://oidc." + region + ".amazonaws.com/authorize"
}

// STS returns an STS client signing with creds.
func (c Clients) STS(region string, creds aws.CredentialsProvider) *sts.Client {
	if region == "" {
		region = "us-east-1"
	}
	return sts.NewFromConfig(c.config(region, "STS", creds))
}
