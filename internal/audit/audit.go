package audit

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Filter narrows a report: rows and findings about one principal, account
// or role. Empty fields do not filter.
type Filter struct {
	// Principal matches a row's principal name or ID (user name, IAM ARN,
	// account ID).
	Principal string
	// Account matches an account ID or its name.
	Account string
	// Role matches a role ARN exactly.
	Role string
}

// auditor computes one report.
type auditor struct {
	in        *Input
	g         *graph
	closures  map[string][]hop
	synthetic map[string]*node
	rows      map[string]Access
}

// Run audits in and returns the report, narrowed by f.
func Run(in *Input, f Filter) *Report {
	a := &auditor{in: in, g: newGraph(in), closures: map[string][]hop{}, synthetic: map[string]*node{}, rows: map[string]Access{}}
	a.people()
	a.iamUsers()
	a.workloads()
	a.outsiders()
	rep := &Report{Version: FormatVersion, Source: cmp.Or(in.Source, "live"), Access: []Access{}, Findings: []Finding{}, Accounts: map[string]AccountInfo{}}
	for _, r := range a.rows {
		if f.keepRow(r, in) {
			rep.Access = append(rep.Access, r)
		}
	}
	sortAccess(rep.Access)
	for _, fd := range a.findings() {
		if f.keepFinding(fd, in) {
			rep.Findings = append(rep.Findings, fd)
		}
	}
	sortFindings(rep.Findings)
	a.describe(rep)
	return rep
}

// add keeps a row, or the better of two rows for the same principal,
// account and role.
func (a *auditor) add(r Access) {
	key := r.Principal.Type + "\x00" + r.Principal.ID + "\x00" + r.RoleARN
	if old, ok := a.rows[key]; ok && !betterRow(r, old) {
		return
	}
	a.rows[key] = r
}

func betterRow(x, y Access) bool {
	if (x.Decision == Allowed) != (y.Decision == Allowed) {
		return x.Decision == Allowed
	}
	if len(x.Conditions) != len(y.Conditions) {
		return len(x.Conditions) < len(y.Conditions)
	}
	if x.Managed != y.Managed {
		return x.Managed
	}
	return len(x.Path) < len(y.Path)
}

func (f Filter) keepRow(r Access, in *Input) bool {
	if f.Principal != "" && f.Principal != r.Principal.Name && f.Principal != r.Principal.ID {
		return false
	}
	if f.Account != "" && f.Account != r.Account && f.Account != in.accountName(r.Account) {
		return false
	}
	return f.Role == "" || f.Role == r.RoleARN
}

func (f Filter) keepFinding(fd Finding, in *Input) bool {
	if f.Account != "" && f.Account != fd.Account && f.Account != in.accountName(fd.Account) {
		return false
	}
	if f.Role != "" && f.Role != fd.Resource {
		return false
	}
	// A principal filter keeps the findings about the roles its rows reach.
	return true
}

// findings lints every trust and identity policy read, and reports access
// granted outside the model.
func (a *auditor) findings() []Finding {
	k := a.knowledge()
	var out []Finding
	for _, arn := range sortedKeys(a.g.roles) {
		n := a.g.roles[arn]
		if n.reserved {
			continue // AWS's own roles: their policies are AWS's
		}
		out = append(out, LintTrust(TrustSubject{AccountID: n.account, ARN: n.arn, Managed: n.role.Managed, Document: n.role.TrustPolicy}, k)...)
		out = append(out, LintIdentity(IdentitySubject{AccountID: n.account, Resource: n.arn, Policies: a.policyDocs(n.role.InlinePolicies, n.role.ManagedPolicies, n.account)}, k)...)
		out = append(out, a.unmanagedTrust(n)...)
	}
	if ic := a.in.IdentityCenter; ic != nil {
		for _, name := range sortedKeys(ic.PermissionSets) {
			ps := ic.PermissionSets[name]
			docs := map[string]string{}
			if ps.InlinePolicy != "" {
				docs["inline_policy"] = ps.InlinePolicy
			}
			for _, arn := range ps.ManagedPolicies {
				if d, ok := a.in.AWSPolicies[arn]; ok {
					docs[arn] = d
				}
			}
			out = append(out, LintIdentity(IdentitySubject{AccountID: a.hubAccount(), Resource: cmp.Or(ps.ARN, "permission_set/"+name), Policies: docs}, k)...)
		}
		out = append(out, a.unmanagedAssignments()...)
	}
	return out
}

// policyDocs are a principal's documents by name, for the lint.
func (a *auditor) policyDocs(inline map[string]string, managed []string, account string) map[string]string {
	docs := maps.Clone(inline)
	if docs == nil {
		docs = map[string]string{}
	}
	for _, arn := range managed {
		if d, ok := a.in.AWSPolicies[arn]; ok {
			docs[arn] = d
		} else if acct := a.in.IAM[account]; acct != nil {
			if d, ok := acct.Policies[arn]; ok {
				docs[arn] = d
			}
		}
	}
	return docs
}

func (a *auditor) hubAccount() string {
	if a.in.Org != nil {
		return a.in.Org.ManagementAccountID
	}
	return ""
}

// knowledge is what the lint knows about the organization and the model.
func (a *auditor) knowledge() Knowledge {
	k := Knowledge{Members: map[string]bool{}, Known: map[string]bool{}, Region: a.in.Region}
	if org := a.in.Org; org != nil {
		k.OrgID = org.ID
		for _, acct := range org.Accounts {
			k.Members[acct.ID] = true
			k.Known[acct.ID] = true
		}
	}
	if m := a.in.Model; m != nil {
		for _, acct := range m.Accounts {
			k.Known[acct.ID] = true
		}
	}
	if ic := a.in.IdentityCenter; ic != nil {
		k.PermissionSets = sortedKeys(ic.PermissionSets)
	}
	return k
}

// unmanagedAssignments reports assignments made outside the model: of a
// permission set the model does not own (UNMANAGED-ASSIGNMENT), or of one
// it owns but to a principal or account the model does not give it
// (DRIFT-ASSIGNMENT, which the next apply removes).
func (a *auditor) unmanagedAssignments() []Finding {
	d := a.in.Desired
	if d == nil {
		return nil
	}
	ic := a.in.IdentityCenter
	var out []Finding
	for _, as := range ic.Assignments {
		if slices.Contains(d.Assignments, as) {
			continue
		}
		ps := ic.PermissionSets[as.PermissionSet]
		who := strings.ToLower(as.PrincipalType) + " " + as.PrincipalName
		if _, owned := d.PermissionSets[as.PermissionSet]; !owned && !ps.Managed {
			out = append(out, Finding{
				Rule: "UNMANAGED-ASSIGNMENT", Severity: High, Account: as.AccountID, Resource: cmp.Or(ps.ARN, "permission_set/"+as.PermissionSet), Statement: -1,
				Message: fmt.Sprintf("%s has permission set %s in account %s, which the model does not own: access granted by hand, outside the model", who, as.PermissionSet, a.accountLabel(as.AccountID)),
				Fix:     "declare the permission set and the assignment in the model if the access is wanted (gatehouse import shows how), or remove the assignment (gatehouse apply --prune)",
			})
			continue
		}
		out = append(out, Finding{
			Rule: "DRIFT-ASSIGNMENT", Severity: Medium, Account: as.AccountID, Resource: cmp.Or(ps.ARN, "permission_set/"+as.PermissionSet), Statement: -1,
			Message: fmt.Sprintf("%s has permission set %s in account %s, which the model does not give: an assignment made by hand of a permission set gatehouse manages", who, as.PermissionSet, a.accountLabel(as.AccountID)),
			Fix:     "add the assignment to the model if it is wanted; otherwise the next gatehouse apply removes it",
		})
	}
	return out
}

// unmanagedTrust reports a role that lets principals in that the model
// does not name: a role of the model whose trust was edited by hand, or a
// role made by hand that principals can assume.
func (a *auditor) unmanagedTrust(n *node) []Finding {
	d := a.in.Desired
	if d == nil {
		return nil
	}
	aws, _ := trustPrincipals(n.role.TrustPolicy)
	if len(aws) == 0 {
		return nil
	}
	if want, ok := d.Roles[n.role.Key()]; ok {
		if policy.Equal(want.TrustPolicy, n.role.TrustPolicy) {
			return nil
		}
		return []Finding{{
			Rule: "UNMANAGED-TRUST", Severity: High, Account: n.account, Resource: n.arn, Statement: -1,
			Message: fmt.Sprintf("the trust policy of role %s, which the model defines, was changed outside the model: it now names %s", n.name, strings.Join(aws, ", ")),
			Fix:     "make the change in the model if it is wanted; otherwise gatehouse apply restores the model's trust policy",
		}}
	}
	sev := Low
	for _, p := range aws {
		if acct := principalAccount(p); acct != "" && acct != n.account {
			sev = Medium
		}
	}
	return []Finding{{
		Rule: "UNMANAGED-TRUST", Severity: sev, Account: n.account, Resource: n.arn, Statement: -1,
		Message: fmt.Sprintf("role %s, which the model does not define, trusts %s: access that exists outside the model", n.name, strings.Join(aws, ", ")),
		Fix:     "declare the role in the model (roles:, with adopt: true) so that its trust is reviewed with the rest, or delete it if nobody needs it",
	}}
}

func (a *auditor) accountLabel(id string) string {
	if n := a.in.accountName(id); n != "" {
		return n + " (" + id + ")"
	}
	return id
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(SeverityRank(x.Severity), SeverityRank(y.Severity)), cmp.Compare(x.Rule, y.Rule),
			cmp.Compare(x.Account, y.Account), cmp.Compare(x.Resource, y.Resource), cmp.Compare(x.Statement, y.Statement))
	})
}

// describe fills the report's account names and summary.
func (a *auditor) describe(rep *Report) {
	people, principals := map[string]bool{}, map[string]bool{}
	s := Summary{Findings: map[string]int{}}
	for _, r := range rep.Access {
		principals[r.Principal.Type+"/"+r.Principal.ID] = true
		if r.Principal.Type == PrincipalUser {
			people[r.Principal.ID] = true
		}
		rep.Accounts[r.Account] = AccountInfo{Name: a.in.accountName(r.Account), Kind: a.in.accountKind(r.Account)}
		if r.Decision == Conditional {
			s.Conditional++
		}
		if !r.Managed {
			s.Unmanaged++
		}
	}
	for _, fd := range rep.Findings {
		s.Findings[fd.Severity]++
		if fd.Account != "" {
			if _, ok := rep.Accounts[fd.Account]; !ok {
				rep.Accounts[fd.Account] = AccountInfo{Name: a.in.accountName(fd.Account), Kind: a.in.accountKind(fd.Account)}
			}
		}
	}
	s.People, s.Principals, s.Accounts, s.Rows = len(people), len(principals), len(rep.Accounts), len(rep.Access)
	rep.Summary = s
}

// Worst is the worst severity among the findings, "" when none.
func (r *Report) Worst() string {
	worst := ""
	for _, f := range r.Findings {
		if worst == "" || SeverityRank(f.Severity) < SeverityRank(worst) {
			worst = f.Severity
		}
	}
	return worst
}
