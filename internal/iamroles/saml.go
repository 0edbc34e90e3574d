package iamroles

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
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
	list, err := do(ctx, c, accountID, "ListSAMLProviders", "", awscall.Read, func(ctx context.Context) (*iam.ListSAMLProvidersOutput, error) {
		return cl.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{})
	})
	if err != nil {
		return nil, err
	}
	var out []state.SAMLProvider
	for _, e := range list.SAMLProviderList {
		arn := aws.ToString(e.Arn)
		name := arn[strings.LastIndex(arn, "/")+1:]
		if strings.HasPrefix(name, "AWSSSO_") && strings.HasSuffix(name, "_DO_NOT_DELETE") {
			continue
		}
		got, err := do(ctx, c, accountID, "GetSAMLProvider", "SAML provider "+name, awscall.Read, func(ctx context.Context) (*iam.GetSAMLProviderOutput, error) {
			return cl.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
		})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
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
	// Provider names are unique in an account: a lost answer cannot
	// duplicate, and EntityAlreadyExists means converging the one there.
	out, err := do(ctx, c, p.AccountID, "CreateSAMLProvider", "SAML provider "+p.Name, awscall.Idempotent, func(ctx context.Context) (*iam.CreateSAMLProviderOutput, error) {
		return cl.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{
			Name:                 aws.String(p.Name),
			SAMLMetadataDocument: aws.String(p.MetadataDocument),
			Tags:                 tagList(p.Tags),
		})
	})
	if awscall.Code(err) == "EntityAlreadyExists" {
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
		return "", err
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
		if _, err := do(ctx, c, live.AccountID, "UpdateSAMLProvider", "SAML provider "+live.Name, awscall.Idempotent, func(ctx context.Context) (*iam.UpdateSAMLProviderOutput, error) {
			return cl.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, SAMLMetadataDocument: aws.String(desired.MetadataDocument)})
		}); err != nil {
			return err
		}
	}
	add := map[string]string{}
	for k, v := range desired.Tags {
		if have, ok := live.Tags[k]; !ok || have != v {
			add[k] = v
		}
	}
	if len(add) > 0 {
		if _, err := do(ctx, c, live.AccountID, "TagSAMLProvider", "SAML provider "+live.Name, awscall.Idempotent, func(ctx context.Context) (*iam.TagSAMLProviderOutput, error) {
			return cl.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: arn, Tags: tagList(add)})
		}); err != nil {
			return err
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
	_, err = do(ctx, c, live.AccountID, "DeleteSAMLProvider", "SAML provider "+live.Name, awscall.Idempotent, func(ctx context.Context) (*iam.DeleteSAMLProviderOutput, error) {
		return cl.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(state.SAMLProviderARN(live.AccountID, live.Name))})
	})
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}
