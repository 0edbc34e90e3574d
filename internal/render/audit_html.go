package render

import (
	"cmp"
	"crypto/sha256"
	_ "embed" // the report page's template, style and script
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
)

// The report page is one HTML file that needs nothing else: its style, its
// script and the report are inside it, and its Content-Security-Policy
// forbids every fetch, so that it opens the same from a laptop, a mail
// attachment or an air-gapped machine. The script draws the people x
// accounts matrix lazily (only the cells in view), so that a report of 500
// accounts and 200 people opens in well under two seconds
// (docs/performance.md).

//go:embed audit.html
var auditPageTemplate string

//go:embed audit.css
var auditCSS string

//go:embed audit.js
var auditJS string

var auditPage = template.Must(template.New("audit.html").Funcs(template.FuncMap{"thousands": thousands}).Parse(auditPageTemplate))

// auditCSP allows the page's own script (by its hash), inline style, and
// nothing from anywhere: no network fetch, no other script even if a name
// in the report managed to inject one.
var auditCSP = func() string {
	sum := sha256.Sum256([]byte(auditJS))
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
}()

// AuditHTMLOptions tune the report page.
type AuditHTMLOptions struct {
	// Title heads the page; "gatehouse audit" when empty.
	Title string
	// Generated is when the report was made, shown on the page (the caller
	// passes it: the renderer reads no clock). The zero time is not shown.
	Generated time.Time
}

// AuditHTML writes r as one self-contained HTML page: the summary, a
// matrix of principals (people first) x accounts whose cells open every
// path of that principal into that account with its steps, conditions and
// marks, and the findings with filters by severity, rule, account and
// text. The report is embedded as JSON in a compact form (strings stored
// once, rows as one flat array of numbers), safe inside a script element;
// the page sets document.body.dataset.ready once it has drawn.
func AuditHTML(w io.Writer, r *audit.Report, opts AuditHTMLOptions) error {
	data, err := json.Marshal(newAuditPageData(r))
	if err != nil {
		return fmt.Errorf("encoding the report for the page: %w", err)
	}
	v := auditPageView{
		Title:   cmp.Or(opts.Title, "gatehouse audit"),
		Source:  r.Source,
		Version: r.Version,
		Summary: auditCards(r.Summary),
		CSP:     auditCSP,
		CSS:     template.CSS(auditCSS),
		// json.Marshal escapes <, > and & as \u003c..., so no name can end
		// the script element, and U+2028/2029, which JavaScript once
		// treated as line ends.
		Data: template.JS(data),
		JS:   template.JS(auditJS),
	}
	if !opts.Generated.IsZero() {
		v.Generated = opts.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	return auditPage.Execute(w, v)
}

type auditPageView struct {
	Title, Generated, Source string
	Version                  int
	Summary                  []auditCard
	CSP                      string
	CSS                      template.CSS
	Data, JS                 template.JS
}

// auditCard is one figure of the page's summary.
type auditCard struct {
	Label string
	Value int
	Class string
}

func auditCards(s audit.Summary) []auditCard {
	cards := []auditCard{
		{"people", s.People, ""},
		{"principals", s.Principals, ""},
		{"accounts", s.Accounts, ""},
		{"access rows", s.Rows, ""},
		{"conditional", s.Conditional, "conditional"},
		{"unmanaged", s.Unmanaged, "unmanaged"},
	}
	for _, sev := range severityOrder(s.Findings) {
		if n := s.Findings[sev]; n > 0 || audit.SeverityRank(sev) >= 0 {
			cards = append(cards, auditCard{sev, n, "sev-" + sev})
		}
	}
	return cards
}

// Flags of an access row of the page (auditPageData.Rows), in one number.
const (
	flagConditional = 1 << iota
	flagChained
	flagUnmanaged
)

// auditPageData is the report as the page's script reads it. Every string
// is stored once in S and referred to by index; -1 is "none".
type auditPageData struct {
	S []string `json:"s"`
	// Principals are the matrix's rows: [type, name, ID, label].
	Principals [][4]int `json:"principals"`
	// Accounts are its columns: [ID, name, kind, label "name (ID)"].
	Accounts [][4]int `json:"accounts"`
	// Steps are the distinct path steps: [kind, from, to, from label, to
	// label, path label, permission set, managed (0/1), conditions].
	Steps [][9]int `json:"steps"`
	// Conds are the distinct lists of condition keys.
	Conds [][]int `json:"conds"`
	// Roles are the roles reached: [ARN, name].
	Roles [][2]int `json:"roles"`
	// Cells are the matrix's non-empty cells in order (by principal, then
	// account), flat: principal, account, number of rows; and again.
	Cells []int `json:"cells"`
	// Rows are the access rows, cell after cell, flat: role, flags,
	// conditions, number of steps, the steps; and again. One flat array
	// of numbers parses several times faster than an array per row.
	Rows []int `json:"rows"`
	// Findings are as in the report; AccountLabels names their accounts.
	Findings      []audit.Finding   `json:"findings"`
	AccountLabels map[string]string `json:"account_labels"`
	Severities    []string          `json:"severities"`
}

// auditPageBuilder interns strings, steps and condition lists.
type auditPageBuilder struct {
	d       auditPageData
	n       auditNames
	strings map[string]int
	steps   map[stepKey]int
	roles   map[string]int // role ARN -> index in Roles
	conds   map[string]int
}

func (b *auditPageBuilder) str(s string) int {
	if i, ok := b.strings[s]; ok {
		return i
	}
	b.strings[s] = len(b.d.S)
	b.d.S = append(b.d.S, s)
	return b.strings[s]
}

func (b *auditPageBuilder) condList(keys []string) int {
	if len(keys) == 0 {
		return -1
	}
	k := strings.Join(keys, "\x00")
	if i, ok := b.conds[k]; ok {
		return i
	}
	list := make([]int, len(keys))
	for i, key := range keys {
		list[i] = b.str(key)
	}
	b.conds[k] = len(b.d.Conds)
	b.d.Conds = append(b.d.Conds, list)
	return b.conds[k]
}

// stepKey identifies a step; a path step is labelled once, however many
// rows share it.
type stepKey struct {
	kind, from, to, permissionSet, conditions string
	managed                                   bool
}

func (b *auditPageBuilder) step(s audit.Step) int {
	key := stepKey{s.Kind, s.From, s.To, s.PermissionSet, strings.Join(s.Conditions, "\x00"), s.Managed}
	if i, ok := b.steps[key]; ok {
		return i
	}
	ps := -1
	if s.PermissionSet != "" {
		ps = b.str(s.PermissionSet)
	}
	managed := 0
	if s.Managed {
		managed = 1
	}
	b.steps[key] = len(b.d.Steps)
	b.d.Steps = append(b.d.Steps, [9]int{b.str(s.Kind), b.str(s.From), b.str(s.To), b.str(b.n.endpoint(s.From)), b.str(b.n.endpoint(s.To)),
		b.str(b.n.stepLabel(s)), ps, managed, b.condList(s.Conditions)})
	return b.steps[key]
}

// principalRank puts people first in the matrix, then IAM users, workload
// roles and outside accounts.
func principalRank(t string) int {
	switch t {
	case audit.PrincipalUser:
		return 0
	case audit.PrincipalIAMUser:
		return 1
	case audit.PrincipalIAMRole:
		return 2
	case audit.PrincipalAccount:
		return 3
	}
	return 4
}

func newAuditPageData(r *audit.Report) auditPageData {
	b := &auditPageBuilder{
		n:       newAuditNames(r),
		strings: map[string]int{},
		steps:   map[stepKey]int{},
		roles:   map[string]int{},
		conds:   map[string]int{},
	}
	b.d.Findings = orEmpty(r.Findings)
	b.d.Severities = audit.Severities
	b.d.AccountLabels = map[string]string{}
	for _, f := range r.Findings {
		if f.Account != "" {
			b.d.AccountLabels[f.Account] = b.n.account(f.Account)
		}
	}

	// The matrix's rows and columns, in reading order.
	var principals []audit.Principal
	pIndex := map[audit.Principal]int{}
	var accounts []string
	aIndex := map[string]int{}
	for _, a := range r.Access {
		if _, ok := pIndex[a.Principal]; !ok {
			pIndex[a.Principal] = len(principals)
			principals = append(principals, a.Principal)
		}
		if _, ok := aIndex[a.Account]; !ok {
			aIndex[a.Account] = len(accounts)
			accounts = append(accounts, a.Account)
		}
	}
	slices.SortFunc(principals, func(x, y audit.Principal) int {
		return cmp.Or(cmp.Compare(principalRank(x.Type), principalRank(y.Type)), cmp.Compare(x.Type, y.Type),
			cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})
	slices.SortFunc(accounts, func(x, y string) int {
		nx, ny := b.n.accountName(x), b.n.accountName(y)
		return cmp.Or(cmp.Compare(strings.ToLower(nx), strings.ToLower(ny)), cmp.Compare(nx, ny), cmp.Compare(x, y))
	})
	for i, p := range principals {
		pIndex[p] = i
		label, _ := strings.CutPrefix(b.n.principal(p), p.Type+":")
		b.d.Principals = append(b.d.Principals, [4]int{b.str(p.Type), b.str(cmp.Or(p.Name, p.ID)), b.str(p.ID), b.str(label)})
	}
	for i, id := range accounts {
		aIndex[id] = i
		kind := ""
		if info, ok := r.Accounts[id]; ok {
			kind = info.Kind
		}
		b.d.Accounts = append(b.d.Accounts, [4]int{b.str(id), b.str(b.n.accountName(id)), b.str(kind), b.str(b.n.account(id))})
	}

	// Rows grouped by cell (a counting sort on the cell's index), so that
	// a cell's rows are contiguous; the report's order (by role) is kept
	// within a cell.
	cellOf := make([]int, len(r.Access))
	start := make([]int, len(principals)*len(accounts)+1)
	for i, a := range r.Access {
		cellOf[i] = pIndex[a.Principal]*len(accounts) + aIndex[a.Account]
		start[cellOf[i]+1]++
	}
	for c := 1; c < len(start); c++ {
		start[c] += start[c-1]
	}
	order := make([]int, len(r.Access))
	for i, c := range cellOf {
		order[start[c]] = i
		start[c]++
	}
	b.d.Rows = make([]int, 0, len(r.Access)*8)
	b.d.Cells = []int{}
	for j, i := range order {
		a := r.Access[i]
		if j == 0 || cellOf[i] != cellOf[order[j-1]] {
			b.d.Cells = append(b.d.Cells, pIndex[a.Principal], aIndex[a.Account], 0)
		}
		b.d.Cells[len(b.d.Cells)-1]++
		flags := 0
		if a.Decision == audit.Conditional {
			flags |= flagConditional
		}
		if a.Chained {
			flags |= flagChained
		}
		if !a.Managed {
			flags |= flagUnmanaged
		}
		role, ok := b.roles[a.RoleARN]
		if !ok {
			role = len(b.d.Roles)
			b.roles[a.RoleARN] = role
			b.d.Roles = append(b.d.Roles, [2]int{b.str(a.RoleARN), b.str(roleName(a.RoleARN))})
		}
		b.d.Rows = append(b.d.Rows, role, flags, b.condList(a.Conditions), len(a.Path))
		for _, s := range a.Path {
			b.d.Rows = append(b.d.Rows, b.step(s))
		}
	}
	b.d.S = orEmpty(b.d.S)
	b.d.Principals = orEmpty(b.d.Principals)
	b.d.Accounts = orEmpty(b.d.Accounts)
	b.d.Steps = orEmpty(b.d.Steps)
	b.d.Conds = orEmpty(b.d.Conds)
	b.d.Roles = orEmpty(b.d.Roles)
	return b.d
}

// orEmpty makes a nil list empty, for the script's sake ([] rather than
// null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
