package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
)

// syntheticAuditReport builds a large report shaped like a real
// organization's, for the page's benchmarks: people in three of twenty
// groups each, every group given one of four permission sets in about 60%
// of the accounts (so most people reach most accounts with two or three
// roles), PowerUser sessions assuming a Deployer role (chained, one in five
// accounts asking for MFA: conditional), one assignment in 25 made by
// hand, one person in 40 given a hand-made permission set directly, plus
// IAM users, workload roles and outside accounts, and 300 findings.
func syntheticAuditReport(people, accounts int) *audit.Report {
	const groups = 20
	sets := []string{"ReadOnly", "PowerUser", "Admin", "Billing"}
	envs := []string{"prod", "staging", "dev", "sandbox"}
	hash := func(a, b, salt int) int { return (a*7919 + b*104729 + salt*1299709 + a*b*31) % 1000003 }
	accountID := func(i int) string { return fmt.Sprintf("%012d", 100000000000+i) }
	r := &audit.Report{Version: audit.FormatVersion, Source: "live", Access: []audit.Access{}, Findings: []audit.Finding{}, Accounts: map[string]audit.AccountInfo{}}
	for a := range accounts {
		r.Accounts[accountID(a)] = audit.AccountInfo{Name: fmt.Sprintf("team%02d-%s-%03d", a%37, envs[a%len(envs)], a), Kind: "member"}
	}
	ssoRole := func(a int, set string) string {
		return roleARN(accountID(a), ssoPath+"AWSReservedSSO_"+set+"_"+fmt.Sprintf("%016x", hash(a, len(set), 7)))
	}
	seen := map[string]bool{}
	add := func(row audit.Access) {
		key := row.Principal.Type + "\x00" + row.Principal.ID + "\x00" + row.RoleARN
		if seen[key] {
			return
		}
		seen[key] = true
		row.AccountName = r.Accounts[row.Account].Name
		row.Managed, row.Conditions = true, []string{}
		var keys []string
		for _, s := range row.Path {
			row.Managed = row.Managed && s.Managed
			keys = append(keys, s.Conditions...)
			row.Chained = row.Chained || (s.Kind == audit.StepAssumeRole && strings.Contains(s.From, ":role/"))
		}
		slices.Sort(keys)
		row.Conditions = append(row.Conditions, slices.Compact(keys)...)
		row.Decision = audit.Allowed
		if len(row.Conditions) > 0 {
			row.Decision = audit.Conditional
		}
		r.Access = append(r.Access, row)
	}
	for u := range people {
		name := fmt.Sprintf("user%03d", u)
		p := audit.Principal{Type: audit.PrincipalUser, Name: name, ID: fmt.Sprintf("90676%05d-%04x", u, hash(u, 1, 1)%65536)}
		mine := []int{u % groups, (u*7 + 3) % groups, (u*13 + 11) % groups}
		for a := range accounts {
			for _, g := range slices.Compact(slices.Sorted(slices.Values(mine))) {
				if hash(g, a, 2)%10 >= 6 {
					continue
				}
				set := sets[(g+a)%len(sets)]
				sso := ssoRole(a, set)
				via := []audit.Step{
					{Kind: audit.StepMemberOf, From: name, To: fmt.Sprintf("Team%02d", g), Managed: true},
					{Kind: audit.StepAssignment, From: fmt.Sprintf("Team%02d", g), To: sso, PermissionSet: set, Managed: hash(g, a, 3)%25 != 0},
				}
				add(audit.Access{Principal: p, Account: accountID(a), RoleARN: sso, Path: via})
				if set == "PowerUser" {
					deploy := audit.Step{Kind: audit.StepAssumeRole, From: sso, To: roleARN(accountID(a), "role/Deployer"), Managed: true}
					if a%5 == 0 {
						deploy.Conditions = []string{"aws:MultiFactorAuthPresent"}
					}
					add(audit.Access{Principal: p, Account: accountID(a), RoleARN: deploy.To, Path: append(slices.Clone(via), deploy)})
				}
			}
			if hash(u, a, 4)%40 == 0 {
				sso := ssoRole(a, "Manual")
				add(audit.Access{Principal: p, Account: accountID(a), RoleARN: sso,
					Path: []audit.Step{{Kind: audit.StepAssignment, From: name, To: sso, PermissionSet: "Manual"}}})
			}
		}
	}
	tools := accountID(0)
	for i := range min(10, people) {
		user := roleARN(tools, fmt.Sprintf("user/ci/bot%02d", i))
		p := audit.Principal{Type: audit.PrincipalIAMUser, Name: fmt.Sprintf("bot%02d", i), ID: user}
		for a := i; a < accounts; a += 7 {
			step := audit.Step{Kind: audit.StepAssumeRole, From: user, To: roleARN(accountID(a), "role/Deployer"), Conditions: []string{"aws:MultiFactorAuthPresent"}}
			add(audit.Access{Principal: p, Account: accountID(a), RoleARN: step.To, Path: []audit.Step{step}})
		}
	}
	for i := range min(5, people) {
		role := roleARN(tools, fmt.Sprintf("role/workload%02d", i))
		p := audit.Principal{Type: audit.PrincipalIAMRole, Name: fmt.Sprintf("workload%02d", i), ID: role}
		for a := i; a < accounts; a += 3 {
			step := audit.Step{Kind: audit.StepAssumeRole, From: role, To: roleARN(accountID(a), "role/Deployer"), Managed: true}
			add(audit.Access{Principal: p, Account: accountID(a), RoleARN: step.To, Path: []audit.Step{step}})
		}
	}
	for i := range min(3, people) {
		id := fmt.Sprintf("%012d", 888800000000+i)
		r.Accounts[id] = audit.AccountInfo{Name: fmt.Sprintf("vendor%d", i), Kind: "outside"}
		p := audit.Principal{Type: audit.PrincipalAccount, Name: fmt.Sprintf("vendor%d", i), ID: id}
		for a := i; a < accounts; a += 11 {
			step := audit.Step{Kind: audit.StepAssumeRole, From: "arn:aws:iam::" + id + ":root", To: roleARN(accountID(a), "role/VendorAudit"), Conditions: []string{"sts:ExternalId"}}
			add(audit.Access{Principal: p, Account: accountID(a), RoleARN: step.To, Path: []audit.Step{step}})
		}
	}
	rules := []struct{ rule, severity string }{
		{"TRUST-ANY-PRINCIPAL", audit.Critical}, {"UNMANAGED-ASSIGNMENT", audit.High}, {"UNMANAGED-TRUST", audit.High},
		{"TRUST-NO-EXTERNAL-ID", audit.Medium}, {"DRIFT-ASSIGNMENT", audit.Medium}, {"TRUST-NO-MFA", audit.Low},
		{"SESSION-CHAINED", audit.Low}, {"OUTSIDE-ACCOUNT", audit.Info},
	}
	for i := range 300 {
		rule := rules[hash(i, 5, 5)%len(rules)]
		a := hash(i, 6, 6) % max(accounts, 1)
		r.Findings = append(r.Findings, audit.Finding{
			Rule: rule.rule, Severity: rule.severity, Account: accountID(a), Resource: roleARN(accountID(a), fmt.Sprintf("role/Role%03d", i)),
			Statement: i%3 - 1, Message: fmt.Sprintf("finding %d of rule %s on role Role%03d", i, rule.rule, i), Fix: "change the trust policy of the role",
		})
	}
	slices.SortFunc(r.Findings, func(x, y audit.Finding) int {
		if d := audit.SeverityRank(x.Severity) - audit.SeverityRank(y.Severity); d != 0 {
			return d
		}
		return strings.Compare(x.Rule+x.Account+x.Resource, y.Rule+y.Account+y.Resource)
	})
	s := audit.Summary{Findings: map[string]int{}}
	principals, persons, used := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, a := range r.Access {
		principals[a.Principal.Type+a.Principal.ID] = true
		if a.Principal.Type == audit.PrincipalUser {
			persons[a.Principal.ID] = true
		}
		used[a.Account] = true
		if a.Decision == audit.Conditional {
			s.Conditional++
		}
		if !a.Managed {
			s.Unmanaged++
		}
	}
	for _, f := range r.Findings {
		s.Findings[f.Severity]++
		used[f.Account] = true
	}
	s.People, s.Principals, s.Accounts, s.Rows = len(persons), len(principals), len(used), len(r.Access)
	r.Summary = s
	return r
}
