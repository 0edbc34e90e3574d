package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

type whoamiOptions struct {
	output string
}

func newWhoamiCmd(d Deps) *cobra.Command {
	var opts whoamiOptions
	cmd := &cobra.Command{
		Use:   "whoami [PROFILE]",
		Short: "Show who AWS thinks you are, for a profile or the current environment",
		Long: `Whoami calls STS GetCallerIdentity and prints the account, the ARN and the user ID:
with the credentials of PROFILE when given, else with whatever the AWS SDK finds in
the environment (AWS_ACCESS_KEY_ID..., AWS_PROFILE, ~/.aws/config), which is what
` + "`aws`" + ` would use right now, e.g. inside ` + "`gatehouse exec`" + `.`,
		Example: `  gatehouse whoami production/ReadOnly
  gatehouse exec abccorp-prod/Admin -- gatehouse whoami
  gatehouse whoami --output json`,
		GroupID: "engineer",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWhoami(cmd.Context(), d, opts, args)
		},
	}
	addOutputFlag(cmd, &opts.output, "text", "json")
	return cmd
}

// identity is whoami's JSON output.
type identity struct {
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
	UserID  string `json:"UserId"`
	Profile string `json:"Profile,omitempty"`
}

func runWhoami(ctx context.Context, d Deps, opts whoamiOptions, args []string) error {
	if err := checkOutput("whoami", opts.output, "text", "json"); err != nil {
		return err
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	var client *sts.Client
	profile := ""
	if len(args) == 1 {
		profile = args[0]
		c, err := e.resolver.Credentials(ctx, profile)
		if err != nil {
			return err
		}
		client = e.clients.STS(c.Region, awscreds.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken))
	} else {
		cfg, err := awscall.Admin(ctx, awscall.AdminOptions{ModelRegion: "us-east-1"})
		if err != nil {
			return hint.Wrap(fmt.Errorf("loading the AWS configuration of this environment: %w", err), "name a profile: gatehouse whoami PROFILE")
		}
		client = sts.NewFromConfig(cfg)
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return hint.Wrap(fmt.Errorf("asking STS who you are: %w", err), "log in with `gatehouse login`, or check the credentials in your environment")
	}
	id := identity{Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId), Profile: profile}
	if opts.output == "json" {
		enc := json.NewEncoder(d.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(id)
	}
	fmt.Fprintf(d.Stdout, "Account: %s\nArn:     %s\nUserId:  %s\n", id.Account, id.Arn, id.UserID)
	return nil
}
