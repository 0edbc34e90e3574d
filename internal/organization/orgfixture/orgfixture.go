// Package orgfixture builds an AWS organization in an emulator (moto) from a
// short text spec, for tests and end-to-end scripts. It calls the real
// Organizations API, so whatever it builds can be read back by the
// organization adapter; it must never be pointed at a real AWS account.
//
// A spec has one directive per line; '#' starts a comment:
//
//	ou Workloads/Prod                      # creates Workloads, then Prod in it
//	account production ou=Workloads/Prod tag:env=prod tag:team=core
//	account old-sandbox suspended          # created, then closed (SUSPENDED)
//	management tag:env=mgmt                # tags the management account
//
// An account's ou= creates the OU path if no `ou` line did. Accounts are
// created in the order written.
package orgfixture

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Spec is a parsed fixture.
type Spec struct {
	OUs            []string // paths, in order of first mention
	Accounts       []Account
	ManagementTags map[string]string
}

// Account is one member account to create.
type Account struct {
	Name      string
	OU        string // path; "" for the root
	Tags      map[string]string
	Suspended bool
}

// Parse reads a spec, reporting the first malformed line with its number.
func Parse(text string) (Spec, error) {
	var s Spec
	seenOU := map[string]bool{}
	addOU := func(path string) {
		parts := strings.Split(path, "/")
		for i := range parts {
			p := strings.Join(parts[:i+1], "/")
			if !seenOU[p] {
				seenOU[p] = true
				s.OUs = append(s.OUs, p)
			}
		}
	}
	names := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("org fixture line %d: %s", i+1, fmt.Sprintf(format, args...))
		}
		switch f[0] {
		case "ou":
			if len(f) != 2 || !validPath(f[1]) {
				return Spec{}, bad("want `ou Path/Of/OU`")
			}
			addOU(f[1])
		case "account":
			if len(f) < 2 {
				return Spec{}, bad("want `account NAME [ou=PATH] [tag:KEY=VALUE]... [suspended]`")
			}
			a := Account{Name: f[1]}
			if names[a.Name] {
				return Spec{}, bad("account %s appears twice", a.Name)
			}
			names[a.Name] = true
			for _, opt := range f[2:] {
				switch {
				case opt == "suspended":
					a.Suspended = true
				case strings.HasPrefix(opt, "ou="):
					a.OU = strings.TrimPrefix(opt, "ou=")
					if !validPath(a.OU) {
						return Spec{}, bad("bad OU path %q", a.OU)
					}
					addOU(a.OU)
				case strings.HasPrefix(opt, "tag:"):
					k, v, ok := strings.Cut(strings.TrimPrefix(opt, "tag:"), "=")
					if !ok || k == "" {
						return Spec{}, bad("want tag:KEY=VALUE, got %q", opt)
					}
					if a.Tags == nil {
						a.Tags = map[string]string{}
					}
					a.Tags[k] = v
				default:
					return Spec{}, bad("unknown option %q", opt)
				}
			}
			s.Accounts = append(s.Accounts, a)
		case "management":
			for _, opt := range f[1:] {
				k, v, ok := strings.Cut(strings.TrimPrefix(opt, "tag:"), "=")
				if !strings.HasPrefix(opt, "tag:") || !ok || k == "" {
					return Spec{}, bad("want `management tag:KEY=VALUE...`")
				}
				if s.ManagementTags == nil {
					s.ManagementTags = map[string]string{}
				}
				s.ManagementTags[k] = v
			}
		default:
			return Spec{}, bad("unknown directive %q (want ou, account or management)", f[0])
		}
	}
	return s, nil
}

func validPath(p string) bool {
	if p == "" {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" {
			return false
		}
	}
	return true
}

// Fixture is what Create built.
type Fixture struct {
	OrgID        string
	ManagementID string
	Accounts     map[string]string // name -> account ID
	OUs          map[string]string // path -> OU ID
}

var envUnsafe = regexp.MustCompile(`[^A-Za-z0-9_]`)

// Env returns variables naming what was built, for scripts: ORG_ID,
// MANAGEMENT_ACCOUNT and ACCOUNT_<name> (characters other than letters,
// digits and '_' in the name become '_').
func (f Fixture) Env() map[string]string {
	env := map[string]string{"ORG_ID": f.OrgID, "MANAGEMENT_ACCOUNT": f.ManagementID}
	for name, id := range f.Accounts {
		env["ACCOUNT_"+envUnsafe.ReplaceAllString(name, "_")] = id
	}
	return env
}

// Create makes the organization (caller's account as management), its OUs
// and accounts, moves and tags them, and closes the suspended ones.
func Create(ctx context.Context, cfg aws.Config, s Spec) (Fixture, error) {
	c := organizations.NewFromConfig(cfg)
	org, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		return Fixture{}, fmt.Errorf("creating the organization: %w", err)
	}
	f := Fixture{
		OrgID:        aws.ToString(org.Organization.Id),
		ManagementID: aws.ToString(org.Organization.MasterAccountId),
		Accounts:     map[string]string{},
		OUs:          map[string]string{},
	}
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return f, fmt.Errorf("listing roots: %w", err)
	}
	if len(roots.Roots) == 0 {
		return f, errors.New("listing roots: none")
	}
	rootID := aws.ToString(roots.Roots[0].Id)
	for _, path := range s.OUs {
		parentID := rootID
		name := path
		if i := strings.LastIndexByte(path, '/'); i >= 0 {
			parentID, name = f.OUs[path[:i]], path[i+1:]
		}
		out, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parentID), Name: aws.String(name)})
		if err != nil {
			return f, fmt.Errorf("creating OU %s: %w", path, err)
		}
		f.OUs[path] = aws.ToString(out.OrganizationalUnit.Id)
	}
	for _, a := range s.Accounts {
		out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String(a.Name),
			Email:       aws.String(a.Name + "@example.com"),
			Tags:        tags(a.Tags),
		})
		if err != nil {
			return f, fmt.Errorf("creating account %s: %w", a.Name, err)
		}
		st := out.CreateAccountStatus
		if st == nil || st.State != orgtypes.CreateAccountStateSucceeded {
			return f, fmt.Errorf("creating account %s: not created at once (an emulator creates accounts synchronously)", a.Name)
		}
		id := aws.ToString(st.AccountId)
		f.Accounts[a.Name] = id
		if a.OU != "" {
			if _, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{
				AccountId: aws.String(id), SourceParentId: aws.String(rootID), DestinationParentId: aws.String(f.OUs[a.OU]),
			}); err != nil {
				return f, fmt.Errorf("moving account %s to %s: %w", a.Name, a.OU, err)
			}
		}
		if a.Suspended {
			if _, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)}); err != nil {
				return f, fmt.Errorf("closing account %s: %w", a.Name, err)
			}
		}
	}
	if len(s.ManagementTags) > 0 {
		if _, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(f.ManagementID), Tags: tags(s.ManagementTags)}); err != nil {
			return f, fmt.Errorf("tagging the management account: %w", err)
		}
	}
	return f, nil
}

func tags(m map[string]string) []orgtypes.Tag {
	var out []orgtypes.Tag
	for k, v := range m {
		out = append(out, orgtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}
