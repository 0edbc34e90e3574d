package cli

// What plan and apply say about IAM: accounts that could not be read, the
// SAML attribute mappings to paste, the conflicts left alone.

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/plan"
)

// noteUnreachable says which accounts gatehouse could not enter to read
// IAM (roles it made there earlier, if any, are not planned).
func noteUnreachable(d Deps, scope *plan.IAMScope) {
	if scope == nil || len(scope.Unreachable) == 0 {
		return
	}
	fmt.Fprintln(d.Stderr, "note: gatehouse cannot enter these accounts; roles it made there earlier, if any, are not planned:")
	for _, a := range scope.Unreachable {
		fmt.Fprintf(d.Stderr, "  %s: %s\n", accountLabel(a), a.Reason)
	}
}

func accountLabel(a plan.IAMAccount) string {
	if a.Name != "" {
		return a.Name + " (" + a.ID + ")"
	}
	return a.ID
}

// afterApply ends a successful apply: it prints the SAML attribute mappings
// to paste into Identity Center (the one step with no API) and fails when
// the plan left conflicts, which keep AWS from matching the model.
func afterApply(d Deps, p *plan.Plan) error {
	if p.Scope.IAM != nil && len(p.Scope.IAM.SAMLMappings) > 0 {
		fmt.Fprintln(d.Stderr, "\nPaste into each Identity Center SAML application (Applications > the application >")
		fmt.Fprintln(d.Stderr, "Attribute mappings), as the value of https://aws.amazon.com/SAML/Attributes/Role:")
		for _, m := range p.Scope.IAM.SAMLMappings {
			fmt.Fprintf(d.Stderr, "  %s: %s\n", m.Account, m.Value)
		}
	}
	return conflictsError(p.Conflicts)
}

// conflictsError reports the conflicts a plan leaves alone, or nil.
func conflictsError(cs []plan.Conflict) error {
	if len(cs) == 0 {
		return nil
	}
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = "  " + c.Message
	}
	return hint.New(fmt.Sprintf("%d object(s) the model names exist but were not made by gatehouse, and were left untouched:\n%s", len(cs), strings.Join(lines, "\n")),
		cs[0].Hint)
}
