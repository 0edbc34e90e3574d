package iamroles

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/gatehouse-dev/gatehouse/internal/trust"
)

// ReadSAMLProviders returns the IAM SAML providers of an account, sorted by
// name, with their metadata document and tags (Managed from the ownership
// tag). Identity Center's own providers (AWSSSO_..._DO_NOT_DELETE) are left
// out: they belong to AWS.
func (c *Client) ReadSAMLProviders(ctx context.Context, accountID string) ([]state.SAMLProvider, error) {
	cl, err := c.IAM(ctx, accountID)
	if err != nil {
		return nil, err
	}
	list, err := cl.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{})
	if err != nil {
		return nil, c.fail(accountID, "listing SAML providers", err)
	}
	var out []state.SAMLProvider
	for _, e := range list.SAMLProviderList {
		arn := aws.ToString(e.Arn)
		name := arn[strings.LastIndex(arn, "/")+1:]
		if strings.HasPrefix(name, "AWSSSO_") && strings.HasSuffix(name, "_DO_NOT_DELETE") {
			continue
		}
		got, err := cl.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, c.fail(accountID, "reading SAML provider "+name, err)
		}
		tags := map[string]string{}
		for _, t := range got.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		out = append(out, state.SAMLProvider{
			AccountID:        accountID,
			Name:             name,
			MetadataDocument: aws.ToString(got.SAMLMetadataDocument),
			Tags:             tags,
			ARN:              arn,
			Managed:          tags[state.ManagedTagKey] == state.ManagedTagValue,
		})
	}
	slices.SortFunc(out, func(a, b state.SAMLProvider) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// CreateSAMLProvider makes the SAML provider p with its metadata and tags
// and returns its ARN. A provider of that name that gatehouse manages is
// updated instead; one it does not manage is an *UnmanagedError.
func (c *Client) CreateSAMLProvider(ctx context.Context, p state.SAMLProvider) (string, error) {
	cl, err := c.IAM(ctx, p.AccountID)
	if err != nil {
		return "", err
	}
	out, err := cl.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{
		Name:                 aws.String(p.Name),
		SAMLMetadataDocument: aws.String(p.MetadataDocument),
		Tags:                 tagList(p.Tags),
	})
	if errorCode(err) == "EntityAlreadyExists" {
		live, rerr := c.ReadSAMLProviders(ctx, p.AccountID)
		if rerr != nil {
			return "", rerr
		}
		for _, l := range live {
			if l.Name == p.Name {
				return l.ARN, c.UpdateSAMLProvider(ctx, p, l)
			}
		}
	}
	if err != nil {
		return "", c.fail(p.AccountID, "creating SAML provider "+p.Name, err)
	}
	return aws.ToString(out.SAMLProviderArn), nil
}

// UpdateSAMLProvider uploads the desired metadata document to a provider
// gatehouse manages when it says something else (trust.SameMetadata), and
// adds the desired tags.
func (c *Client) UpdateSAMLProvider(ctx context.Context, desired, live state.SAMLProvider) error {
	if !live.Managed {
		return &UnmanagedError{Kind: "SAML provider", AccountID: live.AccountID, Account: c.label(live.AccountID), Name: live.Name}
	}
	cl, err := c.IAM(ctx, live.AccountID)
	if err != nil {
		return err
	}
	arn := aws.String(state.SAMLProviderARN(live.AccountID, live.Name))
	if !trust.SameMetadata(desired.MetadataDocument, live.MetadataDocument) {
		if _, err := cl.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, SAMLMetadataDocument: aws.String(desired.MetadataDocument)}); err != nil {
			return c.fail(live.AccountID, "updating SAML provider "+live.Name, err)
		}
	}
	add := map[string]string{}
	for k, v := range desired.Tags {
		if have, ok := live.Tags[k]; !ok || have != v {
			add[k] = v
		}
	}
	if len(add) > 0 {
		if _, err := cl.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: arn, Tags: tagList(add)}); err != nil {
			return c.fail(live.AccountID, "tagging SAML provider "+live.Name, err)
		}
	}
	return nil
}

// DeleteSAMLProvider deletes a provider gatehouse manages; one already gone
// is not an error.
func (c *Client) DeleteSAMLProvider(ctx context.Context, live state.SAMLProvider) error {
	if !live.Managed {
		return &UnmanagedError{Kind: "SAML provider", AccountID: live.AccountID, Account: c.label(live.AccountID), Name: live.Name}
	}
	cl, err := c.IAM(ctx, live.AccountID)
	if err != nil {
		return err
	}
	_, err = cl.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(state.SAMLProviderARN(live.AccountID, live.Name))})
	if err != nil && !isNotFound(err) {
		return c.fail(live.AccountID, "deleting SAML provider "+live.Name, err)
	}
	return nil
}
