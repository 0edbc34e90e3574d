package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/plan"
)

// PlanOptions tune the human rendering of a plan.
type PlanOptions struct {
	// Color marks actions with ANSI colours (a terminal that wants them).
	Color bool
	// MaxUnmanaged bounds the unmanaged objects listed; the rest are
	// counted. 0 means 50; the JSON output always lists all.
	MaxUnmanaged int
}

var kindTitles = map[plan.Kind]string{
	plan.KindUser:          "Users",
	plan.KindGroup:         "Groups",
	plan.KindMembership:    "Group memberships",
	plan.KindPermissionSet: "Permission sets",
	plan.KindProvision:     "Provisioning (push permission sets to accounts)",
	plan.KindAssignment:    "Account assignments",
	plan.KindRole:          "IAM roles",
	plan.KindSAMLProvider:  "IAM SAML providers",
}

const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiRed     = "\x1b[31m"
	ansiMagenta = "\x1b[35m"
	ansiDim     = "\x1b[2m"
)

type painter struct{ on bool }

func (p painter) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p painter) action(a plan.Action, s string) string {
	switch a {
	case plan.Create:
		return p.paint(ansiGreen, s)
	case plan.Update:
		return p.paint(ansiYellow, s)
	case plan.Delete:
		return p.paint(ansiRed, s)
	case plan.Replace:
		return p.paint(ansiMagenta, s)
	}
	return s
}

// Plan writes p for people: the changes grouped by kind, in apply order,
// each as "<symbol> <address>" with the attributes an update changes below
// it, then the unmanaged objects, then a summary line.
func Plan(w io.Writer, p *plan.Plan, o PlanOptions) error {
	if o.MaxUnmanaged <= 0 {
		o.MaxUnmanaged = 50
	}
	pt := painter{on: o.Color}
	var b strings.Builder
	if p.Empty() {
		b.WriteString("No changes. Identity Center matches the model.\n")
	} else {
		var kind plan.Kind
		for _, c := range p.Changes {
			if c.Kind != kind {
				if kind != "" {
					b.WriteString("\n")
				}
				kind = c.Kind
				b.WriteString(pt.paint(ansiBold, kindTitles[kind]) + "\n")
			}
			writeChange(&b, pt, c)
		}
	}
	if n := len(p.Unmanaged); n > 0 {
		b.WriteString("\n" + pt.paint(ansiBold, "Unmanaged (not in the model, not created by gatehouse: left alone)") + "\n")
		for i, u := range p.Unmanaged {
			if i == o.MaxUnmanaged {
				fmt.Fprintf(&b, "    ... and %d more (--output json lists all)\n", n-i)
				break
			}
			fmt.Fprintf(&b, "    %s\n", u.Address)
		}
		b.WriteString(pt.paint(ansiDim, "    `apply --prune` deletes unmanaged objects after listing them and asking.") + "\n")
	}
	writeConflicts(&b, pt, p.Conflicts)
	b.WriteString("\n" + PlanSummary(p.Summary) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// PlanSummary is the one-line summary of a plan.
func PlanSummary(s plan.Summary) string {
	line := fmt.Sprintf("Plan: %d to create, %d to update, %d to replace, %d to delete.", s.Create, s.Update, s.Replace, s.Delete)
	if s.Unmanaged > 0 {
		line += fmt.Sprintf(" %d unmanaged.", s.Unmanaged)
	}
	return line
}

func writeChange(b *strings.Builder, pt painter, c plan.Change) {
	sym := fmt.Sprintf("%3s", c.Action.Symbol())
	line := "  " + pt.action(c.Action, sym) + " " + string(c.Address)
	if c.Reason != "" {
		line += pt.paint(ansiDim, "  ("+c.Reason+")")
	}
	b.WriteString(line + "\n")
	for _, f := range c.Fields {
		writeField(b, pt, f)
	}
	for _, n := range c.Notes {
		b.WriteString("        " + pt.paint(ansiYellow, "note: "+n) + "\n")
	}
}

// writeConflicts lists the objects the model names that gatehouse did not
// create and leaves alone, each with what to do.
func writeConflicts(b *strings.Builder, pt painter, cs []plan.Conflict) {
	if len(cs) == 0 {
		return
	}
	b.WriteString("\n" + pt.paint(ansiBold, "Conflicts (the model names them, gatehouse did not create them: left untouched)") + "\n")
	for _, c := range cs {
		fmt.Fprintf(b, "  %s %s\n        %s\n        hint: %s\n", pt.paint(ansiRed, "  !"), c.Address, c.Message, c.Hint)
	}
}

// policyField reports whether a field holds a policy document, shown as a
// line diff of the indented JSON.
func policyField(name string) bool {
	return name == "inline_policy" || name == "trust_policy" || strings.HasPrefix(name, "inline_policy/")
}

func writeField(b *strings.Builder, pt painter, f plan.Field) {
	const indent = "        "
	switch {
	case policyField(f.Name):
		b.WriteString(indent + f.Name + ":\n")
		for _, l := range lineDiff(prettyJSON(f.Before), prettyJSON(f.After)) {
			switch l[0] {
			case '+':
				b.WriteString(indent + "  " + pt.action(plan.Create, l) + "\n")
			case '-':
				b.WriteString(indent + "  " + pt.action(plan.Delete, l) + "\n")
			default:
				b.WriteString(indent + "  " + l + "\n")
			}
		}
	case len(f.Added) > 0 || len(f.Removed) > 0:
		b.WriteString(indent + f.Name + ":\n")
		for _, r := range f.Removed {
			b.WriteString(indent + "  " + pt.action(plan.Delete, "- "+r) + "\n")
		}
		for _, a := range f.Added {
			b.WriteString(indent + "  " + pt.action(plan.Create, "+ "+a) + "\n")
		}
	default:
		fmt.Fprintf(b, "%s%s: %s -> %s\n", indent, f.Name, quoteOrNone(f.Before), quoteOrNone(f.After))
	}
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

// prettyJSON indents a policy document for reading; text that is not JSON
// is returned as is.
func prettyJSON(doc string) []string {
	if doc == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(doc), "", "  "); err != nil {
		return strings.Split(doc, "\n")
	}
	return strings.Split(buf.String(), "\n")
}

// lineDiff returns a's and b's lines marked "  " (both), "- " (a only) or
// "+ " (b only), in order, from a longest common subsequence. Policies are
// small, so the quadratic table is fine.
func lineDiff(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	return out
}

// PlanJSON writes p as the JSON of `plan --output json` and of a saved plan
// (schema in docs/plan-apply.md).
func PlanJSON(w io.Writer, p *plan.Plan) error {
	data, err := plan.Marshal(p)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
