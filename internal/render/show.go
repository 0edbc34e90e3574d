package render

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Show is what `gatehouse show` prints: the model expanded to concrete rows.
type Show struct {
	OrganizationID string
	Rows           []expand.Row
}

// ShowFormatVersion is the version of the JSON that ShowJSON writes. It
// changes only when a field changes meaning or goes away; new fields may be
// added without a change.
const ShowFormatVersion = 1

type showJSON struct {
	FormatVersion  int           `json:"format_version"`
	OrganizationID string        `json:"organization_id"`
	Rows           []showRowJSON `json:"rows"`
}

type showRowJSON struct {
	PrincipalType string `json:"principal_type"` // "group" or "user"
	Principal     string `json:"principal"`
	AccountID     string `json:"account_id"`
	AccountName   string `json:"account_name"`
	External      bool   `json:"external"`
	PermissionSet string `json:"permission_set"`
	Assignment    string `json:"assignment"` // file:line:col of the assignment
}

// ShowJSON writes s as JSON:
//
//	{"format_version": 1, "organization_id": "o-...", "rows": [
//	  {"principal_type": "group", "principal": "Engineers",
//	   "account_id": "333333333333", "account_name": "production",
//	   "external": false, "permission_set": "ReadOnly",
//	   "assignment": "gatehouse.yaml:31:5"}]}
//
// rows is [] (never null) when nothing is granted.
func ShowJSON(w io.Writer, s Show) error {
	out := showJSON{FormatVersion: ShowFormatVersion, OrganizationID: s.OrganizationID, Rows: []showRowJSON{}}
	for _, r := range s.Rows {
		out.Rows = append(out.Rows, showRowJSON{
			PrincipalType: principalType(r.PrincipalType),
			Principal:     r.PrincipalName,
			AccountID:     r.AccountID,
			AccountName:   r.AccountName,
			External:      r.External,
			PermissionSet: r.PermissionSet,
			Assignment:    r.Assignment.String(),
		})
	}
	return writeJSON(w, out)
}

// ShowTable writes s as an aligned table with a header: principal
// (group:NAME or user:NAME), account name (marked "(external)" for an
// account of another organization), account ID, permission set, and the
// assignment that grants it.
func ShowTable(w io.Writer, s Show) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRINCIPAL\tACCOUNT\tACCOUNT ID\tPERMISSION SET\tASSIGNMENT")
	for _, r := range s.Rows {
		account := r.AccountName
		if r.External {
			account += " (external)"
		}
		fmt.Fprintf(tw, "%s:%s\t%s\t%s\t%s\t%s\n", principalType(r.PrincipalType), r.PrincipalName, account, r.AccountID, r.PermissionSet, r.Assignment)
	}
	return tw.Flush()
}

// ShowSummary holds the figures of show's summary line.
type ShowSummary struct {
	Rows           expand.RowSummary
	OrganizationID string
	OrgAccounts    int // accounts in the organization
	Calls          int // Organizations API calls made to read it
}

// ShowSummaryLine writes one line for people (show writes it to stderr):
// "14 grants to 3 principals in 4 accounts with 2 permission sets
// (organization o-abc: 7 accounts, read in 20 calls)".
func ShowSummaryLine(w io.Writer, s ShowSummary) error {
	_, err := fmt.Fprintf(w, "%s to %s in %s with %s (organization %s: %s, read in %s)\n",
		count(s.Rows.Rows, "grant"), count(s.Rows.Principals, "principal"), count(s.Rows.Accounts, "account"),
		count(s.Rows.PermissionSets, "permission set"), s.OrganizationID, count(s.OrgAccounts, "account"), count(s.Calls, "call"))
	return err
}

func principalType(t string) string {
	switch t {
	case state.PrincipalGroup:
		return "group"
	case state.PrincipalUser:
		return "user"
	}
	return t
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
