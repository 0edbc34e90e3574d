package render

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
)

// The writers of `gatehouse audit`: JSON for scripts, a table for a
// terminal, CSV for an access review and one HTML page (audit_html.go).
// They share how a path reads: the principal, then where each step leads,
// as in "alice > Engineers > ReadOnly@prod > EngineerAccess".

// AuditJSON writes r as the report format of `gatehouse audit --output json`
// (internal/audit/report.go, docs/audit.md): the Report type's own encoding,
// indented, without HTML escaping, ending with a newline. Lists the type
// says are lists are written [] rather than null when empty.
func AuditJSON(w io.Writer, r *audit.Report) error {
	out := *r
	if out.Access == nil {
		out.Access = []audit.Access{}
	}
	if out.Findings == nil {
		out.Findings = []audit.Finding{}
	}
	if out.Summary.Findings == nil {
		out.Summary.Findings = map[string]int{}
	}
	if slices.ContainsFunc(out.Access, func(a audit.Access) bool { return a.Conditions == nil || a.Path == nil }) {
		out.Access = slices.Clone(out.Access)
		for i := range out.Access {
			if out.Access[i].Conditions == nil {
				out.Access[i].Conditions = []string{}
			}
			if out.Access[i].Path == nil {
				out.Access[i].Path = []audit.Step{}
			}
		}
	}
	return writeJSON(w, out)
}

// AuditTableOptions tune the terminal rendering of a report.
type AuditTableOptions struct {
	// Color marks decisions, unmanaged access and severities with ANSI
	// colours (a terminal that wants them).
	Color bool
}

// AuditTable writes r for people on a terminal: one line per access row
// (principal, account, role, decision, the conditions that decide it,
// marks for chained and unmanaged access, and the path), then the findings
// grouped by severity, worst first, each with its rule, resource,
// statement, message and fix, then a one-line summary.
func AuditTable(w io.Writer, r *audit.Report, opts AuditTableOptions) error {
	pt := painter{on: opts.Color}
	n := newAuditNames(r)
	var b strings.Builder
	if len(r.Access) == 0 {
		b.WriteString("No access found.\n")
	} else {
		rows := [][]cell{{
			{text: "PRINCIPAL", paint: ansiBold}, {text: "ACCOUNT", paint: ansiBold}, {text: "ROLE", paint: ansiBold},
			{text: "DECISION", paint: ansiBold}, {text: "CONDITIONS", paint: ansiBold}, {text: "MARKS", paint: ansiBold}, {text: "PATH", paint: ansiBold},
		}}
		for _, a := range r.Access {
			rows = append(rows, []cell{
				{text: n.principal(a.Principal)},
				{text: n.account(a.Account)},
				{text: roleName(a.RoleARN)},
				{text: a.Decision, paint: decisionColor(a.Decision)},
				{text: dashIfEmpty(strings.Join(a.Conditions, ","))},
				{text: dashIfEmpty(strings.Join(accessMarks(a), ",")), paint: markColor(a)},
				{text: n.path(a.Principal, a.Path)},
			})
		}
		writeGrid(&b, pt, rows)
	}
	writeFindings(&b, pt, n, r.Findings)
	b.WriteString("\n" + AuditSummary(r.Summary) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// AuditSummary is the one-line summary of a report: "Audit: 9 access rows
// for 3 people (6 principals) in 4 accounts: 3 conditional, 2 unmanaged;
// findings: 1 critical, 2 high."
func AuditSummary(s audit.Summary) string {
	line := fmt.Sprintf("Audit: %s for %s (%s) in %s: %d conditional, %d unmanaged; ",
		count(s.Rows, "access row"), people(s.People), count(s.Principals, "principal"), count(s.Accounts, "account"), s.Conditional, s.Unmanaged)
	var fs []string
	for _, sev := range severityOrder(s.Findings) {
		if s.Findings[sev] > 0 {
			fs = append(fs, fmt.Sprintf("%d %s", s.Findings[sev], sev))
		}
	}
	if len(fs) == 0 {
		return line + "no findings."
	}
	return line + "findings: " + strings.Join(fs, ", ") + "."
}

func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}

// severityOrder lists the severities of a count map worst first, then any
// severity the audit package does not know, sorted.
func severityOrder(m map[string]int) []string {
	out := slices.Clone(audit.Severities)
	var other []string
	for sev := range m {
		if audit.SeverityRank(sev) < 0 {
			other = append(other, sev)
		}
	}
	slices.Sort(other)
	return append(out, other...)
}

func decisionColor(d string) string {
	switch d {
	case audit.Allowed:
		return ansiGreen
	case audit.Conditional:
		return ansiYellow
	}
	return ""
}

func markColor(a audit.Access) string {
	if !a.Managed {
		return ansiMagenta
	}
	return ""
}

func severityColor(sev string) string {
	switch sev {
	case audit.Critical, audit.High:
		return ansiRed
	case audit.Medium:
		return ansiYellow
	}
	return ansiDim
}

// accessMarks are the words that flag a row: "chained" (a role session
// assumes a role: AWS caps the session at one hour) and "unmanaged" (some
// step was made outside the model).
func accessMarks(a audit.Access) []string {
	var m []string
	if a.Chained {
		m = append(m, "chained")
	}
	if !a.Managed {
		m = append(m, "unmanaged")
	}
	return m
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeFindings lists the findings grouped by severity, worst first.
func writeFindings(b *strings.Builder, pt painter, n auditNames, fs []audit.Finding) {
	b.WriteString("\n")
	if len(fs) == 0 {
		b.WriteString(pt.paint(ansiBold, "Findings") + ": none.\n")
		return
	}
	b.WriteString(pt.paint(ansiBold, "Findings") + "\n")
	bySev := map[string][]audit.Finding{}
	for _, f := range fs {
		bySev[f.Severity] = append(bySev[f.Severity], f)
	}
	counts := map[string]int{}
	for sev, list := range bySev {
		counts[sev] = len(list)
	}
	for _, sev := range severityOrder(counts) {
		list := bySev[sev]
		if len(list) == 0 {
			continue
		}
		b.WriteString("\n" + pt.paint(severityColor(sev), fmt.Sprintf("%s (%d)", strings.ToUpper(dashIfEmpty(sev)), len(list))) + "\n")
		for _, f := range list {
			where := f.Resource
			if f.Account != "" && f.Account != f.Resource {
				where += " in " + n.account(f.Account)
			}
			fmt.Fprintf(b, "  %s  %s%s\n", pt.paint(ansiBold, f.Rule), where, statementText(f))
			fmt.Fprintf(b, "      %s\n", f.Message)
			if f.Fix != "" {
				fmt.Fprintf(b, "      %s %s\n", pt.paint(ansiDim, "fix:"), f.Fix)
			}
		}
	}
}

// statementText names the statement at fault: ", statement 2 (sid
// AllowPartner)", or nothing for a finding about the whole resource.
func statementText(f audit.Finding) string {
	if f.Statement < 0 {
		return ""
	}
	s := fmt.Sprintf(", statement %d", f.Statement)
	if f.Sid != "" {
		s += " (sid " + f.Sid + ")"
	}
	return s
}

// cell is one cell of an aligned grid, painted after alignment so that
// colour codes do not count in the width.
type cell struct {
	text  string
	paint string
}

// writeGrid writes rows aligned in columns two spaces apart; the last
// column is not padded.
func writeGrid(b *strings.Builder, pt painter, rows [][]cell) {
	var width []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c.text))
		}
	}
	for _, row := range rows {
		for i, c := range row {
			s := c.text
			if c.paint != "" {
				s = pt.paint(c.paint, s)
			}
			b.WriteString(s)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c.text)+2))
			}
		}
		b.WriteString("\n")
	}
}

// auditCSVHeader is the header of the access review export (issue 11):
// fixed, the last three columns for the reviewer.
var auditCSVHeader = []string{"principal_type", "principal", "account", "account_name", "role_arn", "decision",
	"conditions", "chained", "managed", "path", "review_decision", "reviewer", "review_comment"}

// utf8BOM starts the CSV file so that Excel reads it as UTF-8 (without it,
// Excel decodes a CSV file in the system's ANSI code page and mangles
// non-ASCII names); other spreadsheets and most CSV libraries skip it.
const utf8BOM = "\ufeff"

// AuditCSV writes the access review export of `gatehouse audit --output
// csv`: a UTF-8 byte order mark, the header
//
//	principal_type,principal,account,account_name,role_arn,decision,conditions,chained,managed,path,review_decision,reviewer,review_comment
//
// and one line per access row, in RFC 4180 form: CRLF line ends, fields
// with commas, quotes or line breaks quoted. conditions are joined with
// ";", chained and managed are true or false, path reads as in the table,
// and the three review columns are empty for the reviewer to fill. The
// principal is a user's name, or "NAME (ID)" for an IAM principal or an
// account, whose name alone may be ambiguous.
//
// A field that starts with "=", "+", "-", "@", a tab or a carriage return
// gets a leading apostrophe, so that a spreadsheet shows it as text instead
// of evaluating it as a formula (OWASP's advice against CSV injection):
// names come from whoever could create users, roles and accounts.
func AuditCSV(w io.Writer, r *audit.Report) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	n := newAuditNames(r)
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(auditCSVHeader); err != nil {
		return err
	}
	for _, a := range r.Access {
		rec := []string{
			a.Principal.Type,
			csvPrincipal(a.Principal),
			a.Account,
			n.accountName(a.Account),
			a.RoleARN,
			a.Decision,
			strings.Join(a.Conditions, ";"),
			fmt.Sprint(a.Chained),
			fmt.Sprint(a.Managed),
			n.path(a.Principal, a.Path),
			"", "", "",
		}
		for i := range rec {
			rec[i] = defuseFormula(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvPrincipal(p audit.Principal) string {
	if p.Type == audit.PrincipalUser || p.ID == "" || p.ID == p.Name {
		return p.Name
	}
	return p.Name + " (" + p.ID + ")"
}

// defuseFormula prefixes a cell a spreadsheet would read as a formula with
// an apostrophe.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// auditNames turns account IDs and ARNs into the names people know.
type auditNames struct {
	accounts map[string]string // ID -> name
}

func newAuditNames(r *audit.Report) auditNames {
	n := auditNames{accounts: map[string]string{}}
	for _, a := range r.Access {
		if a.AccountName != "" {
			n.accounts[a.Account] = a.AccountName
		}
	}
	for id, info := range r.Accounts {
		if info.Name != "" {
			n.accounts[id] = info.Name
		}
	}
	return n
}

// accountName is an account's name, or its ID when it has none.
func (n auditNames) accountName(id string) string {
	if name, ok := n.accounts[id]; ok {
		return name
	}
	return id
}

// account is "name (ID)", or the ID alone when the account has no name.
func (n auditNames) account(id string) string {
	if name, ok := n.accounts[id]; ok && name != id {
		return name + " (" + id + ")"
	}
	return id
}

// principal is how the table names who starts a path: "user:alice",
// "iam_user:deploy@tools", "account:partner (999999999999)".
func (n auditNames) principal(p audit.Principal) string {
	switch p.Type {
	case audit.PrincipalUser:
		return p.Type + ":" + p.Name
	case audit.PrincipalAccount:
		if p.Name != "" && p.Name != p.ID {
			return p.Type + ":" + p.Name + " (" + p.ID + ")"
		}
		return p.Type + ":" + p.ID
	}
	if acct, name, ok := splitARN(p.ID); ok {
		return p.Type + ":" + cmp.Or(p.Name, name) + "@" + n.accountName(acct)
	}
	return p.Type + ":" + p.Name
}

// path is a path compressed to one line: the principal's name, then where
// each step leads: a group, a permission set at its account, a role (at
// its account when the step crosses accounts).
func (n auditNames) path(p audit.Principal, steps []audit.Step) string {
	parts := make([]string, 0, len(steps)+1)
	parts = append(parts, cmp.Or(p.Name, p.ID))
	for _, s := range steps {
		parts = append(parts, n.stepLabel(s))
	}
	return strings.Join(parts, " > ")
}

// stepLabel is where one step leads, as the compressed path shows it.
func (n auditNames) stepLabel(s audit.Step) string {
	switch s.Kind {
	case audit.StepAssignment:
		acct, name, ok := splitARN(s.To)
		what := cmp.Or(s.PermissionSet, name)
		if !ok {
			return cmp.Or(s.PermissionSet, s.To)
		}
		return what + "@" + n.accountName(acct)
	case audit.StepAssumeRole:
		acct, name, ok := splitARN(s.To)
		if !ok {
			return s.To
		}
		if from := endpointAccount(s.From); from != acct {
			return name + "@" + n.accountName(acct)
		}
		return name
	}
	return s.To
}

// endpoint is a step's From or To for people: a role or user as
// NAME@account, an account (or its root) by name, a group or user name as
// is.
func (n auditNames) endpoint(s string) string {
	acct, name, ok := splitARN(s)
	switch {
	case ok && name == "root":
		return n.account(acct)
	case ok:
		return name + "@" + n.accountName(acct)
	case isAccountID(s):
		return n.account(s)
	}
	return s
}

// endpointAccount is the account of a step's From: an ARN's account, or a
// bare account ID.
func endpointAccount(s string) string {
	if acct, _, ok := splitARN(s); ok {
		return acct
	}
	if isAccountID(s) {
		return s
	}
	return ""
}

// splitARN returns an ARN's account and the name at the end of its
// resource ("arn:aws:iam::1:role/path/Name" gives "1", "Name"; an STS
// assumed-role ARN gives "Role/session"); ok is false for anything else.
func splitARN(s string) (account, name string, ok bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[4] == "" {
		return "", "", false
	}
	res := parts[5]
	if rest, found := strings.CutPrefix(res, "assumed-role/"); found {
		return parts[4], rest, true
	}
	return parts[4], res[strings.LastIndex(res, "/")+1:], true
}

// roleName is the name at the end of a role ARN, or s when it is not one.
func roleName(s string) string {
	if _, name, ok := splitARN(s); ok {
		return name
	}
	return s
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
