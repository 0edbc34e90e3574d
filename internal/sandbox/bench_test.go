package sandbox_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

// BenchmarkPortal measures the portal calls an engineer's `list` makes, with
// a user reaching 20 accounts through a group (the entitlements are read
// from moto on every call). Run: go test -run '^$' -bench Portal ./internal/sandbox/
func BenchmarkPortal(b *testing.B) {
	ctx := context.Background()
	sb := newSandbox(b, sandbox.Options{})
	cfg := adminConfig(b, sb)
	w := seed(b, cfg, []string{"alice"}, map[string][]string{"Engineers": {"alice"}}, map[string]string{"ReadOnly": ""})
	const accounts = 20
	for i := range accounts {
		w.assign(b, cfg, false, fmt.Sprintf("%012d", 100000000000+i), "ReadOnly", "GROUP", "Engineers")
	}
	_, tok := deviceLogin(b, sb, "alice")
	p := portalClient(b, sb)
	b.Run("ListAccounts", func(b *testing.B) {
		for b.Loop() {
			out, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(100)})
			if err != nil || len(out.AccountList) != accounts {
				b.Fatalf("ListAccounts: %v %v", out, err)
			}
		}
	})
	b.Run("ListAccountRoles", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String("100000000000")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetRoleCredentials", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String("100000000000"), RoleName: aws.String("ReadOnly")}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
