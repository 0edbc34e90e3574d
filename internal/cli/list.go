package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// reachOptions are the flags of commands that need the user's accounts.
type reachOptions struct {
	session  sessionOptions
	refresh  bool
	rate     float64
	model    string
	registry string
}

func addReachFlags(cmd *cobra.Command, o *reachOptions) {
	addSessionFlags(cmd, &o.session)
	cmd.Flags().BoolVar(&o.refresh, "refresh", false, fmt.Sprintf("ask the portal again instead of using the listing cached for %s", credentials.InventoryTTL))
	cmd.Flags().Float64Var(&o.rate, "rate", credentials.PortalRate, "portal calls per second at most (the portal throttles beyond about 20)")
	cmd.Flags().StringVarP(&o.model, "file", "f", "", "access model naming external accounts (default $GATEHOUSE_MODEL)")
	cmd.Flags().StringVar(&o.registry, "registry", "", "profile registry file naming external accounts (default $GATEHOUSE_REGISTRY)")
}

// reach is what the user can reach.
type reach struct {
	session   ssologin.Session
	inventory *credentials.Inventory
	externals []credentials.External
}

// reach lists the user's accounts and roles (cached for InventoryTTL) and
// the external accounts they reach through hop permission sets.
func (e *engine) reach(ctx context.Context, o reachOptions) (*reach, error) {
	s, err := e.session(o.session)
	if err != nil {
		return nil, err
	}
	inv, ok := (*credentials.Inventory)(nil), false
	if !o.refresh {
		inv, ok = credentials.LoadInventory(e.paths.Inventory, s, e.now(), credentials.InventoryTTL)
	}
	if !ok {
		if inv, err = e.fetchInventory(ctx, s, o.rate); err != nil {
			return nil, err
		}
	}
	var exts []credentials.External
	if m := firstNonEmpty(o.model, e.d.Getenv("GATEHOUSE_MODEL")); m != "" {
		x, err := credentials.LoadModelExternals(m)
		if err != nil {
			return nil, err
		}
		exts = append(exts, x...)
	}
	if r := firstNonEmpty(o.registry, e.d.Getenv("GATEHOUSE_REGISTRY")); r != "" {
		x, err := credentials.LoadRegistry(r)
		if err != nil {
			return nil, err
		}
		exts = append(exts, x...)
	}
	return &reach{session: s, inventory: inv, externals: credentials.Reachable(exts, inv.Accounts)}, nil
}

func (e *engine) fetchInventory(ctx context.Context, s ssologin.Session, rate float64) (*credentials.Inventory, error) {
	tok, err := e.tokens.Token(ctx, s)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	clients := e.clients
	clients.MaxAttempts = 1 // the lister retries, through its rate limiter
	accounts, stats, err := credentials.Lister{Portal: clients.Portal(s.Region), Rate: rate}.List(ctx, tok.AccessToken)
	var unauth *ssotypes.UnauthorizedException
	if errors.As(err, &unauth) {
		return nil, &ssologin.LoginRequiredError{Session: s, Reason: "IAM Identity Center no longer accepts the token (signed out or expired)"}
	}
	if err != nil {
		return nil, fmt.Errorf("listing what you can reach through %s: %w", s, err)
	}
	if e.d.StderrTTY || stats.Throttled > 0 {
		fmt.Fprintf(e.d.Stderr, "Listed %d accounts in %s (%d portal calls, %d throttled and retried).\n",
			len(accounts), time.Since(start).Round(10*time.Millisecond), stats.Calls, stats.Throttled)
	}
	inv := &credentials.Inventory{FetchedAt: e.now().UTC(), Session: s.Key(), StartURL: s.StartURL, Accounts: accounts}
	if err := credentials.SaveInventory(e.paths.Inventory, s, inv); err != nil {
		return nil, fmt.Errorf("caching the account listing: %w", err)
	}
	return inv, nil
}

type listOptions struct {
	reach  reachOptions
	output string
}

func newListCmd(d Deps) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every account and role you can reach",
		Long: `List shows every account and role (permission set) IAM Identity Center lets you
reach, and the accounts of other organizations you reach by role chaining through a
hop permission set. The portal is asked concurrently, within its rate limit (about
20 calls per second; throttled calls are retried, never fatal), and the answer is
cached for 10 minutes (--refresh asks again).

External accounts are not in the portal: gatehouse learns them from the access model
(-f gatehouse.yaml) or from a profile registry file your admin publishes
(--registry FILE; format in docs/engineer.md), and shows those whose hop permission
set you hold.`,
		Example: `  gatehouse list
  gatehouse list -f gatehouse.yaml          # include external accounts
  gatehouse list --output json | jq -r '.accounts[].accountId'`,
		GroupID: "engineer",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runList(cmd.Context(), d, opts)
		},
	}
	addReachFlags(cmd, &opts.reach)
	addOutputFlag(cmd, &opts.output, "table", "json")
	return cmd
}

// listJSON is list's --output json document.
type listJSON struct {
	Session          string                 `json:"session"`
	StartURL         string                 `json:"startUrl"`
	FetchedAt        time.Time              `json:"fetchedAt"`
	Accounts         []credentials.Account  `json:"accounts"`
	ExternalAccounts []credentials.External `json:"externalAccounts"`
}

func runList(ctx context.Context, d Deps, opts listOptions) error {
	if err := checkOutput("list", opts.output, "table", "json"); err != nil {
		return err
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	r, err := e.reach(ctx, opts.reach)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		doc := listJSON{Session: r.session.Key(), StartURL: r.session.StartURL, FetchedAt: r.inventory.FetchedAt,
			Accounts: r.inventory.Accounts, ExternalAccounts: r.externals}
		if doc.Accounts == nil {
			doc.Accounts = []credentials.Account{}
		}
		if doc.ExternalAccounts == nil {
			doc.ExternalAccounts = []credentials.External{}
		}
		enc := json.NewEncoder(d.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	tw := tabwriter.NewWriter(d.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT ID\tACCOUNT\tROLE\tREACHED THROUGH")
	for _, a := range r.inventory.Accounts {
		for _, role := range a.Roles {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.Name, role, "portal")
		}
	}
	for _, x := range r.externals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.AccountID, x.AccountName, x.RoleName, x.Via.RoleName+" in "+x.Via.AccountID)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.inventory.Accounts) == 0 {
		fmt.Fprintf(d.Stderr, "%s gives you no account: ask your admin for an assignment.\n", r.session)
	}
	return nil
}
