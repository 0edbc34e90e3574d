package audit

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/expand"
	"github.com/gatehouse-dev/gatehouse/internal/model"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// The world of the lint tests: the role lives in a member account of
// organization o-abcdefghij; 222222222222 is another member, 333333333333
// an external account of the model, 999999999999 nobody gatehouse knows.
const (
	roleAccount = "111111111111"
	testRoleARN = "arn:aws:iam::111111111111:role/Target"
)

func testKnowledge() Knowledge {
	return Knowledge{
		OrgID:          "o-abcdefghij",
		Members:        map[string]bool{"111111111111": true, "222222222222": true},
		Known:          map[string]bool{"111111111111": true, "222222222222": true, "333333333333": true},
		Region:         "eu-west-1",
		PermissionSets: []string{"Admin", "Admin_ReadOnly", "ReadOnly"},
	}
}

// doc wraps statements into a trust policy.
func doc(stmts ...string) string {
	return `{"Version": "2012-10-17", "Statement": [` + strings.Join(stmts, ",") + `]}`
}

// allow is an Allow sts:AssumeRole statement for principal, with an
// optional condition block.
func allow(principal, condition string) string {
	s := `{"Effect": "Allow", "Principal": ` + principal + `, "Action": "sts:AssumeRole"`
	if condition != "" {
		s += `, "Condition": ` + condition
	}
	return s + "}"
}

// Principals and conditions the table uses often.
const (
	member2Root   = `{"AWS": "arn:aws:iam::222222222222:root"}`
	deployerArn   = `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/Deployer"}}`
	ssoBase       = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/"
	ownRoot       = `{"AWS": "arn:aws:iam::111111111111:root"}`
	githubOIDC    = `{"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}`
	eksOIDC       = `{"Federated": "arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"}`
	webIdentity   = `"Action": "sts:AssumeRoleWithWebIdentity"`
	samlAction    = `"Action": "sts:AssumeRoleWithSAML"`
	samlAudience  = `{"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}`
	mfaPresent    = `"Bool": {"aws:MultiFactorAuthPresent": "true"}`
	ssoReadOnlyRx = `"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_ReadOnly_*"`
)

func federated(principal, action, condition string) string {
	s := `{"Effect": "Allow", "Principal": ` + principal + `, ` + action
	if condition != "" {
		s += `, "Condition": ` + condition
	}
	return s + "}"
}

// lintCase is one row of the trust-policy table: rule says which rule the
// row is about, so that each rule has a row where it fires and one (the
// fixed form) where it does not.
type lintCase struct {
	rule   string
	name   string
	source string // the AWS documentation page the row follows
	doc    string
	k      *Knowledge // testKnowledge() when nil
	want   []string   // "RULE severity statement"
	arn    string     // the role's ARN, testRoleARN when ""
}

var trustCases = []lintCase{
	// POLICY-INVALID
	{RulePolicyInvalid, "not JSON", "IAM UG: IAM JSON policy grammar", `{"Version": "2012-10-17", "Statement": [`, nil,
		[]string{"POLICY-INVALID medium -1"}, ""},
	{RulePolicyInvalid, "statement is not an object", "IAM UG: IAM JSON policy grammar", `{"Statement": [42]}`, nil,
		[]string{"POLICY-INVALID medium 0"}, ""},
	{RulePolicyInvalid, "URL-encoded as GetRole returns it reads fine", "IAM API: GetRole (AssumeRolePolicyDocument is URL-encoded)",
		"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A222222222222%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Condition%22%3A%7B%22ArnEquals%22%3A%7B%22aws%3APrincipalArn%22%3A%22arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2FDeployer%22%7D%7D%7D%5D%7D", nil,
		nil, ""},

	// TP-PUBLIC
	{RulePublic, "AWS * without condition", "IAM UG: Principal element, all principals", doc(allow(`{"AWS": "*"}`, "")), nil,
		[]string{"TP-PUBLIC critical 0"}, ""},
	{RulePublic, "an external ID does not limit who", "IAM UG: Access to AWS accounts owned by third parties", doc(allow(`{"AWS": "*"}`, `{"StringEquals": {"sts:ExternalId": "abc"}}`)), nil,
		[]string{"TP-PUBLIC critical 0"}, ""},
	{RulePublic, "aws:PrincipalArn with a wildcard account", "IAM UG: Global condition context keys, aws:PrincipalArn", doc(allow(`{"AWS": "*"}`, `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Deploy"}}`)), nil,
		[]string{"TP-PUBLIC critical 0"}, ""},
	{RulePublic, "ForAllValues on the org ID lets callers outside any organization in", "IAM UG: Single-valued vs multivalued context keys", doc(allow(`{"AWS": "*"}`, `{"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}`)), nil,
		[]string{"TP-FORALL-SINGLE high 0", "TP-PUBLIC critical 0"}, ""},
	{RulePublic, "fixed: aws:PrincipalOrgID", "IAM UG: Global condition context keys, aws:PrincipalOrgID", doc(allow(`{"AWS": "*"}`, `{"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}`)), nil,
		nil, ""},

	// TP-ROOT
	{RuleRoot, "another account as a whole", "IAM UG: Principal element, AWS account principals", doc(allow(member2Root, "")), nil,
		[]string{"TP-NOMFA info 0", "TP-ROOT medium 0"}, ""},
	{RuleRoot, "the role's own account as a whole", "IAM UG: Principal element, AWS account principals", doc(allow(`{"AWS": "111111111111"}`, "")), nil,
		[]string{"TP-ROOT low 0"}, ""},
	{RuleRoot, "fixed: narrowed by aws:PrincipalArn", "IAM UG: Global condition context keys, aws:PrincipalArn", doc(allow(member2Root, deployerArn)), nil,
		nil, ""},

	// TP-3P-NOEXTID and TP-CROSSORG
	{RuleThirdPartyNoExtID, "third party without external ID", "IAM UG: Access to AWS accounts owned by third parties", doc(allow(`{"AWS": "arn:aws:iam::999999999999:role/Vendor"}`, "")), nil,
		[]string{"TP-3P-NOEXTID high 0", "TP-CROSSORG medium 0"}, ""},
	{RuleThirdPartyNoExtID, "external ID with a wildcard", "IAM UG: Access to AWS accounts owned by third parties", doc(allow(`{"AWS": "999999999999"}`, `{"StringLike": {"sts:ExternalId": "*"}}`)), nil,
		[]string{"TP-3P-NOEXTID high 0", "TP-CROSSORG medium 0", "TP-NOMFA info 0", "TP-ROOT medium 0"}, ""},
	{RuleThirdPartyNoExtID, "external ID with IfExists", "IAM UG: Condition operators, ...IfExists", doc(allow(`{"AWS": "arn:aws:iam::999999999999:role/Vendor"}`, `{"StringEqualsIfExists": {"sts:ExternalId": "abc"}}`)), nil,
		[]string{"TP-3P-NOEXTID high 0", "TP-CROSSORG medium 0"}, ""},
	{RuleThirdPartyNoExtID, "only a Null check on the external ID", "IAM UG: Condition operators, Null", doc(allow(`{"AWS": "arn:aws:iam::999999999999:role/Vendor"}`, `{"Null": {"sts:ExternalId": "false"}}`)), nil,
		[]string{"TP-3P-NOEXTID high 0", "TP-CROSSORG medium 0"}, ""},
	{RuleThirdPartyNoExtID, "fixed: StringEquals sts:ExternalId", "IAM UG: Access to AWS accounts owned by third parties", doc(allow(`{"AWS": "arn:aws:iam::999999999999:role/Vendor"}`, `{"StringEquals": {"sts:ExternalId": "7f3e2a"}}`)), nil,
		[]string{"TP-CROSSORG medium 0"}, ""},
	{RuleCrossOrg, "an external account of the model", "Organizations UG: resource control policies", doc(allow(`{"AWS": "arn:aws:iam::333333333333:role/Partner"}`, "")), nil,
		[]string{"TP-CROSSORG info 0"}, ""},
	{RuleCrossOrg, "no organization read: no cross-org finding", "Organizations UG: resource control policies", doc(allow(`{"AWS": "arn:aws:iam::999999999999:role/Vendor"}`, `{"StringEquals": {"sts:ExternalId": "7f3e2a"}}`)), &Knowledge{},
		nil, ""},
	{RuleCrossOrg, "fixed: a member account", "Organizations UG: resource control policies", doc(allow(`{"AWS": "arn:aws:iam::222222222222:role/Deployer"}`, "")), nil,
		nil, ""},

	// TP-DANGLING
	{RuleDangling, "unique ID of a deleted role", "IAM UG: IAM identifiers, unique identifiers", doc(allow(`{"AWS": "AROA1234567890ABCDEFG"}`, "")), nil,
		[]string{"TP-DANGLING low 0"}, ""},
	{RuleDangling, "unique ID of a deleted user", "IAM UG: IAM identifiers, unique identifiers", doc(allow(`{"AWS": ["arn:aws:iam::222222222222:role/Deployer", "AIDA1234567890ABCDEFG"]}`, "")), nil,
		[]string{"TP-DANGLING low 0"}, ""},
	{RuleDangling, "fixed: the role by ARN", "IAM UG: IAM identifiers, unique identifiers", doc(allow(`{"AWS": "arn:aws:iam::222222222222:role/Deployer"}`, "")), nil,
		nil, ""},

	// TP-NOTPRINCIPAL and TP-RESOURCE
	{RuleNotPrincipal, "NotPrincipal", "IAM UG: NotPrincipal element", doc(`{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}`), nil,
		[]string{"TP-NOTPRINCIPAL high 0"}, ""},
	{RuleNotPrincipal, "fixed: Principal", "IAM UG: NotPrincipal element", doc(allow(`{"AWS": "arn:aws:iam::222222222222:role/Deployer"}`, "")), nil,
		nil, ""},
	{RuleResource, "Resource in a trust policy", "IAM Access Analyzer: policy check reference, role trust policy", doc(`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/Deployer"}, "Action": "sts:AssumeRole", "Resource": "*"}`), nil,
		[]string{"TP-RESOURCE high 0"}, ""},
	{RuleResource, "fixed: no Resource", "IAM Access Analyzer: policy check reference, role trust policy", doc(allow(`{"AWS": "arn:aws:iam::222222222222:role/Deployer"}`, "")), nil,
		nil, ""},

	// TP-PARTIAL-WILDCARD
	{RulePartialWildcard, "wildcard inside a role ARN", "IAM UG: Principal element (no partial wildcards)", doc(allow(`{"AWS": "arn:aws:iam::222222222222:role/ci-*"}`, "")), nil,
		[]string{"TP-PARTIAL-WILDCARD high 0"}, ""},
	{RulePartialWildcard, "bare Principal *", "IAM Access Analyzer: role trust policy unsupported wildcard in principal", doc(allow(`"*"`, `{"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}`)), nil,
		[]string{"TP-PARTIAL-WILDCARD high 0"}, ""},
	{RulePartialWildcard, "fixed: account and ArnLike", "IAM UG: Principal element (no partial wildcards)", doc(allow(member2Root, `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/ci-*"}}`)), nil,
		nil, ""},

	// TP-FORALL-SINGLE
	{RuleForAllSingle, "ForAllValues on a principal tag", "IAM UG: Single-valued vs multivalued context keys", doc(allow(member2Root, `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/Deployer"}, "ForAllValues:StringEquals": {"aws:PrincipalTag/team": "ops"}}`)), nil,
		[]string{"TP-FORALL-SINGLE high 0"}, ""},
	{RuleForAllSingle, "fixed: Null false next to it", "IAM UG: Single-valued vs multivalued context keys", doc(allow(member2Root, `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/Deployer"}, "ForAllValues:StringEquals": {"aws:PrincipalTag/team": "ops"}, "Null": {"aws:PrincipalTag/team": "false"}}`)), nil,
		nil, ""},

	// TP-MULTI-NOSET
	{RuleMultiNoSet, "plain StringLike on aws:PrincipalOrgPaths", "IAM UG: Global condition context keys, aws:PrincipalOrgPaths", doc(allow(`{"AWS": "*"}`, `{"StringLike": {"aws:PrincipalOrgPaths": "o-abcdefghij/r-ab12/ou-ab12-11111111/*"}}`)), nil,
		[]string{"TP-MULTI-NOSET medium 0"}, ""},
	{RuleMultiNoSet, "fixed: ForAnyValue:StringLike", "IAM UG: Global condition context keys, aws:PrincipalOrgPaths", doc(allow(`{"AWS": "*"}`, `{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abcdefghij/r-ab12/ou-ab12-11111111/*"}}`)), nil,
		nil, ""},

	// TP-NOMFA
	{RuleNoMFA, "IAM user without MFA", "IAM UG: Configuring MFA-protected API access", doc(allow(`{"AWS": "arn:aws:iam::222222222222:user/alice"}`, "")), nil,
		[]string{"TP-NOMFA medium 0"}, ""},
	{RuleNoMFA, "IAM users by aws:PrincipalArn pattern without MFA", "IAM UG: Configuring MFA-protected API access", doc(allow(member2Root, `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:user/ops-*"}}`)), nil,
		[]string{"TP-NOMFA medium 0"}, ""},
	{RuleNoMFA, "fixed: MFA required", "IAM UG: Configuring MFA-protected API access", doc(allow(`{"AWS": "arn:aws:iam::222222222222:user/alice"}`, `{`+mfaPresent+`}`)), nil,
		nil, ""},
	{RuleNoMFA, "Deny with Bool false misses long-term keys", "IAM UG: Condition operators, ...IfExists (MFA example)", doc(allow(`{"AWS": "arn:aws:iam::222222222222:role/Deployer"}`, ""), `{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}`), nil,
		[]string{"TP-NOMFA medium 1"}, ""},
	{RuleNoMFA, "fixed: Deny with BoolIfExists", "IAM UG: Condition operators, ...IfExists (MFA example)", doc(allow(`{"AWS": "arn:aws:iam::222222222222:role/Deployer"}`, ""), `{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}`), nil,
		nil, ""},
	{RuleNoMFA, "MFA required of Identity Center sessions", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": ["`+ssoBase+`AWSReservedSSO_ReadOnly_*", `+ssoReadOnlyRx+`]}, `+mfaPresent+`}`)), nil,
		[]string{"TP-NOMFA low 0"}, ""},

	// TP-SSO-PATTERN
	{RuleSSOPattern, "region-less form only, Identity Center in eu-west-1", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": "`+ssoBase+`AWSReservedSSO_ReadOnly_*"}}`)), nil,
		[]string{"TP-SSO-PATTERN medium 0"}, ""},
	{RuleSSOPattern, "regional form only, Identity Center in us-east-1", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": `+ssoReadOnlyRx+`}}`)), &Knowledge{Region: "us-east-1", PermissionSets: []string{"ReadOnly"}},
		[]string{"TP-SSO-PATTERN medium 0"}, ""},
	{RuleSSOPattern, "regional form only, Identity Center's region unknown", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": `+ssoReadOnlyRx+`}}`)), &Knowledge{PermissionSets: []string{"ReadOnly"}},
		[]string{"TP-SSO-PATTERN medium 0"}, ""},
	{RuleSSOPattern, "fixed: both forms", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": ["`+ssoBase+`AWSReservedSSO_ReadOnly_*", `+ssoReadOnlyRx+`]}}`)), nil,
		nil, ""},
	{RuleSSOPattern, "StringEquals with a wildcard", "IAM UG: Condition operators, string condition operators", doc(allow(ownRoot, `{"StringEquals": {"aws:PrincipalArn": `+ssoReadOnlyRx+`}}`)), nil,
		[]string{"TP-SSO-PATTERN medium 0"}, ""},
	{RuleSSOPattern, "exact AWSReservedSSO role as principal", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(`{"AWS": "`+ssoBase+`eu-west-1/AWSReservedSSO_ReadOnly_0123456789abcdef"}`, "")), nil,
		[]string{"TP-SSO-PATTERN medium 0"}, ""},
	{RuleSSOPattern, "exact AWSReservedSSO role in aws:PrincipalArn", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnEquals": {"aws:PrincipalArn": "`+ssoBase+`eu-west-1/AWSReservedSSO_ReadOnly_0123456789abcdef"}}`)), nil,
		[]string{"TP-SSO-PATTERN medium 0"}, ""},
	{RuleSSOPattern, "prefix collision with Admin_ReadOnly", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": ["`+ssoBase+`AWSReservedSSO_Admin_*", "`+ssoBase+`*/AWSReservedSSO_Admin_*"]}}`)), nil,
		[]string{"TP-SSO-PATTERN medium 0"}, ""},
	{RuleSSOPattern, "fixed: gatehouse's ArnNotLike exclusion", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": ["`+ssoBase+`AWSReservedSSO_Admin_*", "`+ssoBase+`*/AWSReservedSSO_Admin_*"]}, "ArnNotLike": {"aws:PrincipalArn": ["`+ssoBase+`AWSReservedSSO_Admin_ReadOnly_*", "`+ssoBase+`*/AWSReservedSSO_Admin_ReadOnly_*"]}}`)), nil,
		nil, ""},
	{RuleSSOPattern, "both sets trusted on purpose", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": ["`+ssoBase+`*/AWSReservedSSO_Admin_*", "`+ssoBase+`*/AWSReservedSSO_Admin_ReadOnly_*"]}}`)), nil,
		nil, ""},

	// TP-LIKE-MISSING
	{RuleLikeMissing, "StringEquals with a wildcard", "IAM UG: Condition operators, string condition operators", doc(allow(member2Root, `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/Deployer"}, "StringEquals": {"aws:PrincipalTag/team": "ops-*"}}`)), nil,
		[]string{"TP-LIKE-MISSING low 0"}, ""},
	{RuleLikeMissing, "fixed: StringLike", "IAM UG: Condition operators, string condition operators", doc(allow(member2Root, `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/Deployer"}, "StringLike": {"aws:PrincipalTag/team": "ops-*"}}`)), nil,
		nil, ""},

	// TP-SVC-CONFDEP
	{RuleServiceConfDep, "service without source condition", "IAM UG: The confused deputy problem (cross-service)", doc(allow(`{"Service": "config.amazonaws.com"}`, "")), nil,
		[]string{"TP-SVC-CONFDEP low 0"}, ""},
	{RuleServiceConfDep, "fixed: aws:SourceAccount", "IAM UG: The confused deputy problem (cross-service)", doc(allow(`{"Service": "config.amazonaws.com"}`, `{"StringEquals": {"aws:SourceAccount": "111111111111"}}`)), nil,
		nil, ""},
	{RuleServiceConfDep, "EC2 instance roles have no source to name", "IAM UG: Use an IAM role to grant permissions to applications on EC2", doc(allow(`{"Service": "ec2.amazonaws.com"}`, "")), nil,
		nil, ""},
	{RuleServiceConfDep, "a service-linked role's trust cannot be edited", "IAM UG: Using service-linked roles", doc(allow(`{"Service": "config.amazonaws.com"}`, "")), nil,
		nil, "arn:aws:iam::111111111111:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"},

	// TP-OIDC
	{RuleOIDC, "GitHub without sub", "GitHub Docs: Configuring OpenID Connect in Amazon Web Services", doc(federated(githubOIDC, webIdentity, `{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}`)), nil,
		[]string{"TP-OIDC high 0"}, ""},
	{RuleOIDC, "GitHub with any repository", "GitHub Docs: Configuring OpenID Connect in Amazon Web Services", doc(federated(githubOIDC, webIdentity, `{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}`)), nil,
		[]string{"TP-OIDC high 0"}, ""},
	{RuleOIDC, "fixed: GitHub pinned to a repository and branch", "GitHub Docs: Configuring OpenID Connect in Amazon Web Services", doc(federated(githubOIDC, webIdentity, `{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main"}}`)), nil,
		nil, ""},
	{RuleOIDC, "EKS provider without conditions", "IAM UG: Create a role for OpenID Connect federation", doc(federated(eksOIDC, webIdentity, "")), nil,
		[]string{"TP-OIDC high 0"}, ""},
	{RuleOIDC, "fixed: EKS service account subject", "IAM UG: Create a role for OpenID Connect federation", doc(federated(eksOIDC, webIdentity, `{"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789:sub": "system:serviceaccount:default:app"}}`)), nil,
		nil, ""},
	{RuleOIDC, "Cognito without aud", "Cognito DG: IAM roles for identity pools (role trust)", doc(federated(`{"Federated": "cognito-identity.amazonaws.com"}`, webIdentity, "")), nil,
		[]string{"TP-OIDC high 0"}, ""},
	{RuleOIDC, "fixed: Cognito with the identity pool", "Cognito DG: IAM roles for identity pools (role trust)", doc(federated(`{"Federated": "cognito-identity.amazonaws.com"}`, webIdentity, `{"StringEquals": {"cognito-identity.amazonaws.com:aud": "eu-west-1:12345678-1234-1234-1234-123456789012"}}`)), nil,
		nil, ""},

	// TP-SAML
	{RuleSAML, "SAML provider without SAML:aud", "IAM UG: Create a role for SAML 2.0 federation", doc(federated(`{"Federated": "arn:aws:iam::111111111111:saml-provider/Okta"}`, samlAction, "")), nil,
		[]string{"TP-SAML high 0"}, ""},
	{RuleSAML, "fixed: SAML:aud", "IAM UG: Create a role for SAML 2.0 federation", doc(federated(`{"Federated": "arn:aws:iam::111111111111:saml-provider/Okta"}`, samlAction, samlAudience)), nil,
		nil, ""},
	{RuleSAML, "Identity Center's own provider", "IAM Identity Center UG: Referencing permission sets in resource policies", doc(federated(`{"Federated": "arn:aws:iam::111111111111:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"}`, `"Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"]`, "")), nil,
		nil, ""},

	// TP-ACTION-WIDE
	{RuleActionWide, "sts:*", "IAM UG: Action element", doc(`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/Deployer"}, "Action": "sts:*"}`), nil,
		[]string{"TP-ACTION-WIDE low 0"}, ""},
	{RuleActionWide, "NotAction", "IAM UG: NotAction element", doc(`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/Deployer"}, "NotAction": "sts:AssumeRoleWithSAML"}`), nil,
		[]string{"TP-ACTION-WIDE low 0"}, ""},
	{RuleActionWide, "fixed: the actions used", "IAM UG: Action element", doc(`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/Deployer"}, "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]}`), nil,
		nil, ""},

	// TP-REDUNDANT-SESSION
	{RuleRedundantSession, "session next to its role", "IAM Access Analyzer: redundant principal in role trust policy", doc(allow(`{"AWS": ["arn:aws:iam::222222222222:role/Deployer", "arn:aws:sts::222222222222:assumed-role/Deployer/alice"]}`, "")), nil,
		[]string{"TP-REDUNDANT-SESSION info 0"}, ""},
	{RuleRedundantSession, "fixed: the session alone", "IAM UG: Principal element, role session principals", doc(allow(`{"AWS": "arn:aws:sts::222222222222:assumed-role/Deployer/alice"}`, "")), nil,
		nil, ""},
}

func summarize(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %d", f.Rule, f.Severity, f.Statement))
	}
	return out
}

// checkFinding asserts what every finding carries, whatever the rule.
func checkFinding(t *testing.T, f Finding, account, resource string) {
	t.Helper()
	rule := slices.IndexFunc(Rules, func(r Rule) bool { return r.ID == f.Rule })
	switch {
	case rule < 0:
		t.Errorf("finding of rule %q, which is not in Rules", f.Rule)
	case !slices.Contains(Rules[rule].Severities, f.Severity):
		t.Errorf("%s finding has severity %q; Rules says %v", f.Rule, f.Severity, Rules[rule].Severities)
	}
	if f.Account != account || f.Resource != resource {
		t.Errorf("%s finding located at %s %s, want %s %s", f.Rule, f.Account, f.Resource, account, resource)
	}
	if strings.TrimSpace(f.Message) == "" || strings.TrimSpace(f.Fix) == "" {
		t.Errorf("%s finding has an empty message or fix: %+v", f.Rule, f)
	}
}

func TestLintTrust(t *testing.T) {
	t.Parallel()
	for _, tc := range trustCases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			k := testKnowledge()
			if tc.k != nil {
				k = *tc.k
			}
			arn := cmpOr(tc.arn, testRoleARN)
			got := LintTrust(TrustSubject{AccountID: roleAccount, ARN: arn, Document: tc.doc}, k)
			if diff := cmp.Diff(tc.want, summarize(got)); diff != "" {
				t.Errorf("LintTrust() mismatch (-want +got) [%s]:\n%s\nfindings: %+v", tc.source, diff, got)
			}
			for _, f := range got {
				checkFinding(t, f, roleAccount, arn)
			}
		})
	}
}

// TestLintCasesCoverRules checks that the table has, for every rule, a row
// where it fires and a row about it where it does not.
func TestLintCasesCoverRules(t *testing.T) {
	t.Parallel()
	pos, neg := map[string]bool{}, map[string]bool{}
	record := func(rule string, want []string) {
		fires := slices.ContainsFunc(want, func(w string) bool { return strings.HasPrefix(w, rule+" ") })
		if fires {
			pos[rule] = true
		} else {
			neg[rule] = true
		}
	}
	for _, tc := range trustCases {
		record(tc.rule, tc.want)
	}
	for _, tc := range identityCases {
		record(tc.rule, tc.want)
	}
	for _, r := range Rules {
		if !pos[r.ID] || !neg[r.ID] {
			t.Errorf("rule %s: table has a positive row: %v, a negative row: %v; want both", r.ID, pos[r.ID], neg[r.ID])
		}
	}
}

func TestLintTrustLocatesStatement(t *testing.T) {
	t.Parallel()
	d := doc(
		allow(`{"AWS": "arn:aws:iam::222222222222:role/Deployer"}`, ""),
		`{"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}`,
	)
	got := LintTrust(TrustSubject{AccountID: roleAccount, ARN: testRoleARN, Document: d}, testKnowledge())
	want := []Finding{{Rule: RulePublic, Severity: Critical, Account: roleAccount, Resource: testRoleARN, Statement: 1, Sid: "Everyone"}}
	if diff := cmp.Diff(want, got, cmpIgnoreText); diff != "" {
		t.Errorf("LintTrust() mismatch (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if !strings.Contains(f.Fix, `"aws:PrincipalOrgID": "o-abcdefghij"`) {
			t.Errorf("fix %q does not give the organization's condition block", f.Fix)
		}
	}
}

// cmpIgnoreText compares findings without their prose.
var cmpIgnoreText = cmp.Transformer("location", func(f Finding) Finding {
	f.Message, f.Fix = "", ""
	return f
})

func TestLintTrustSorted(t *testing.T) {
	t.Parallel()
	d := doc(
		allow(`{"AWS": ["999999999999", "AROA1234567890ABCDEFG"]}`, ""),
		`{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:*", "Resource": "*"}`,
	)
	got := summarize(LintTrust(TrustSubject{AccountID: roleAccount, ARN: testRoleARN, Document: d}, testKnowledge()))
	want := []string{
		"TP-3P-NOEXTID high 0", "TP-CROSSORG medium 0", "TP-DANGLING low 0", "TP-NOMFA info 0", "TP-ROOT medium 0",
		"TP-ACTION-WIDE low 1", "TP-PUBLIC critical 1", "TP-RESOURCE high 1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LintTrust() order mismatch (-want +got):\n%s", diff)
	}
}

// identityCase is one row of the identity-policy table.
type identityCase struct {
	rule     string
	name     string
	source   string
	policies map[string]string
	want     []string
}

func identityDoc(stmts ...string) string { return doc(stmts...) }

var identityCases = []identityCase{
	{RuleAssumeStar, "sts:AssumeRole on *", "IAM UG: Grant a user permissions to switch roles",
		map[string]string{"hop": identityDoc(`{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}`)},
		[]string{"ID-ASSUME-STAR medium 0"}},
	{RuleAssumeStar, "any role of any account by ARN pattern", "IAM UG: Grant a user permissions to switch roles",
		map[string]string{"hop": identityDoc(`{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/*"}`)},
		[]string{"ID-ASSUME-STAR medium 0"}},
	{RuleAssumeStar, "Action * on Resource *, after a harmless statement", "IAM UG: Grant a user permissions to switch roles",
		map[string]string{"admin": identityDoc(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}`, `{"Effect": "Allow", "Action": "*", "Resource": "*"}`)},
		[]string{"ID-ASSUME-STAR medium 1"}},
	{RuleAssumeStar, "fixed: the roles named", "IAM UG: Grant a user permissions to switch roles",
		map[string]string{"hop": identityDoc(`{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::222222222222:role/Deployer"}`)},
		nil},
	{RuleAssumeStar, "fixed: kept inside the organization", "IAM UG: Global condition context keys, aws:ResourceOrgID",
		map[string]string{"hop": identityDoc(`{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-abcdefghij"}}}`)},
		nil},
	{RuleAssumeStar, "one account's roles only", "IAM UG: Grant a user permissions to switch roles",
		map[string]string{"hop": identityDoc(`{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::222222222222:role/*"}`)},
		nil},
	{RuleAssumeStar, "NotAction that leaves sts in (PowerUserAccess)", "AWS managed policy reference: PowerUserAccess",
		map[string]string{"arn:aws:iam::aws:policy/PowerUserAccess": identityDoc(`{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}`)},
		[]string{"ID-ASSUME-STAR medium 0"}},
	{RuleAssumeStar, "NotAction that takes sts out", "IAM UG: NotAction element",
		map[string]string{"ops": identityDoc(`{"Effect": "Allow", "NotAction": ["iam:*", "sts:*"], "Resource": "*"}`)},
		nil},
	{RulePolicyInvalid, "an unreadable policy among good ones", "IAM UG: IAM JSON policy grammar",
		map[string]string{"a": "{", "b": identityDoc(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}`)},
		[]string{"POLICY-INVALID medium -1"}},
}

func TestLintIdentity(t *testing.T) {
	t.Parallel()
	const resource = "arn:aws:iam::111111111111:role/Worker"
	for _, tc := range identityCases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			got := LintIdentity(IdentitySubject{AccountID: roleAccount, Resource: resource, Policies: tc.policies}, testKnowledge())
			if diff := cmp.Diff(tc.want, summarize(got)); diff != "" {
				t.Errorf("LintIdentity() mismatch (-want +got) [%s]:\n%s\nfindings: %+v", tc.source, diff, got)
			}
			for _, f := range got {
				checkFinding(t, f, roleAccount, resource)
			}
		})
	}
}

func TestLintIdentityNamesPolicyInOrder(t *testing.T) {
	t.Parallel()
	star := identityDoc(`{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}`)
	got := LintIdentity(IdentitySubject{AccountID: roleAccount, Resource: "Ops", Policies: map[string]string{
		"zeta": star, "alpha": identityDoc(`{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}`, `{"Sid": "Hop", "Effect": "Allow", "Action": "sts:Assume*", "Resource": "*"}`),
	}}, testKnowledge())
	var where []string
	for _, f := range got {
		name, _, _ := strings.Cut(f.Message, ":")
		where = append(where, fmt.Sprintf("%s %d %s", name, f.Statement, f.Sid))
	}
	if diff := cmp.Diff([]string{"policy alpha 1 Hop", "policy zeta 0 "}, where); diff != "" {
		t.Errorf("LintIdentity() policies mismatch (-want +got):\n%s", diff)
	}
}

func TestLintIdentityAWSManagedFix(t *testing.T) {
	t.Parallel()
	star := identityDoc(`{"Effect": "Allow", "Action": "*", "Resource": "*"}`)
	got := LintIdentity(IdentitySubject{AccountID: roleAccount, Resource: "AdministratorAccess", Policies: map[string]string{
		"arn:aws:iam::aws:policy/AdministratorAccess": star, "inline": star,
	}}, testKnowledge())
	if len(got) != 2 {
		t.Fatalf("LintIdentity() = %+v, want one finding per policy", got)
	}
	if !strings.Contains(got[0].Fix, "cannot be edited") || strings.Contains(got[1].Fix, "cannot be edited") {
		t.Errorf("only the AWS managed policy's fix should say it cannot be edited:\n%s\n%s", got[0].Fix, got[1].Fix)
	}
}

// TestLintGatehouseTrust lints every trust policy gatehouse generates for
// the repository's examples, and for a model with every trust form, and
// expects nothing above info: gatehouse's own trust must pass its own
// audit.
func TestLintGatehouseTrust(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	files = append(files, "testdata/trust-forms.yaml")
	linted := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			m, err := model.Load(file)
			if err != nil {
				t.Fatalf("model.Load(%s): %v", file, err)
			}
			org := &state.Organization{ID: "o-example1234"}
			k := Knowledge{OrgID: org.ID, Members: map[string]bool{}, Known: map[string]bool{}, Region: m.IdentityCenter.Region}
			for _, a := range m.Accounts {
				k.Known[a.ID] = true
				if !a.External {
					k.Members[a.ID] = true
					org.Accounts = append(org.Accounts, state.OrgAccount{ID: a.ID, Name: a.Name, Status: "ACTIVE", OUPath: a.OU, Tags: a.Tags})
					if org.ManagementAccountID == "" {
						org.ManagementAccountID = a.ID
					}
				}
			}
			slices.SortFunc(org.Accounts, func(a, b state.OrgAccount) int { return strings.Compare(a.ID, b.ID) })
			org.OUs = ouPaths(org.Accounts)
			desired, err := expand.Desired(m, org)
			if err != nil {
				t.Fatalf("expand.Desired(%s): %v", file, err)
			}
			k.PermissionSets = slices.Sorted(maps.Keys(desired.PermissionSets))
			for _, key := range slices.Sorted(maps.Keys(desired.Roles)) {
				r := desired.Roles[key]
				linted++
				for _, f := range LintTrust(TrustSubject{AccountID: r.AccountID, ARN: r.ARN(), Managed: true, Document: r.TrustPolicy}, k) {
					if SeverityRank(f.Severity) < SeverityRank(Info) {
						t.Errorf("role %s: %s %s at statement %d: %s\ntrust policy: %s", key, f.Rule, f.Severity, f.Statement, f.Message, r.TrustPolicy)
					}
				}
			}
		})
	}
	if linted < 8 {
		t.Errorf("linted %d generated trust policies; the examples and testdata hold more", linted)
	}
}

// ouPaths lists every OU path the accounts sit in, parents included.
func ouPaths(accounts []state.OrgAccount) []string {
	var out []string
	for _, a := range accounts {
		parts := strings.Split(a.OUPath, "/")
		for i := range parts {
			if p := strings.Join(parts[:i+1], "/"); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestFindingsDoc checks that docs/audit-findings.md has a row for every
// rule with its severities.
func TestFindingsDoc(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/audit-findings.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if id, ok := strings.CutPrefix(line, "| `"); ok {
			id, _, _ = strings.Cut(id, "`")
			rows[id] = line
		}
	}
	for _, r := range Rules {
		row, ok := rows[r.ID]
		if !ok {
			t.Errorf("docs/audit-findings.md has no row for %s", r.ID)
			continue
		}
		for _, s := range r.Severities {
			if !strings.Contains(row, s) {
				t.Errorf("docs/audit-findings.md row for %s does not give severity %s", r.ID, s)
			}
		}
	}
	for id := range rows {
		if !slices.ContainsFunc(Rules, func(r Rule) bool { return r.ID == id }) {
			t.Errorf("docs/audit-findings.md describes rule %s, which the lint does not have", id)
		}
	}
}

func FuzzLintTrust(f *testing.F) {
	for _, tc := range trustCases {
		f.Add(tc.doc)
	}
	for _, tc := range identityCases {
		for _, d := range tc.policies {
			f.Add(d)
		}
	}
	f.Add(`{"Statement": {"Effect": "Allow", "Principal": {"AWS": ["${*}", "arn:aws:iam::1:root"]}, "Action": "*", "Condition": {"ForAllValues:ArnLikeIfExists": {"aws:PrincipalArn": ["*AWSReservedSSO_*_*"]}}}}`)
	f.Add("%7B%22Statement%22%3A%5B%5D%7D")
	k := testKnowledge()
	f.Fuzz(func(t *testing.T, d string) {
		got := LintTrust(TrustSubject{AccountID: roleAccount, ARN: testRoleARN, Document: d}, k)
		for i, g := range got {
			if SeverityRank(g.Severity) < 0 || g.Message == "" || g.Fix == "" || g.Statement < -1 {
				t.Fatalf("malformed finding %+v", g)
			}
			if i > 0 && (got[i-1].Statement > g.Statement || (got[i-1].Statement == g.Statement && got[i-1].Rule > g.Rule)) {
				t.Fatalf("findings not sorted: %+v before %+v", got[i-1], g)
			}
		}
		LintIdentity(IdentitySubject{AccountID: roleAccount, Resource: testRoleARN, Policies: map[string]string{"p": d}}, k)
	})
}

// BenchmarkLintTrust lints a trust policy of the shape gatehouse writes
// for a permission set with exclusions, against 200 permission set names.
func BenchmarkLintTrust(b *testing.B) {
	k := testKnowledge()
	for i := range 200 {
		k.PermissionSets = append(k.PermissionSets, fmt.Sprintf("Set%03d", i))
	}
	d := doc(allow(ownRoot, `{"ArnLike": {"aws:PrincipalArn": ["`+ssoBase+`AWSReservedSSO_Admin_*", "`+ssoBase+`*/AWSReservedSSO_Admin_*"]}, "ArnNotLike": {"aws:PrincipalArn": ["`+ssoBase+`AWSReservedSSO_Admin_ReadOnly_*", "`+ssoBase+`*/AWSReservedSSO_Admin_ReadOnly_*"]}}`))
	s := TrustSubject{AccountID: roleAccount, ARN: testRoleARN, Document: d}
	b.ReportAllocs()
	for b.Loop() {
		if got := LintTrust(s, k); len(got) != 0 {
			b.Fatalf("LintTrust() = %+v", got)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"role/*", "role/a/b", false, true},
		{"role/?", "role/ab", false, false},
		{"a*b*c", "aXXbYYc", false, true},
		{"a*b*c", "aXXbYY", false, false},
		{"*", "", false, true},
		{"", "x", false, false},
		{"STS:assume*", "sts:AssumeRole", true, true},
		{"STS:assume*", "sts:AssumeRole", false, false},
		{"ops-${*}", "ops-*", false, true},
		{"ops-${*}", "ops-x", false, false},
		{"é?", "éa", false, true},
		{"?", "é", false, true},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.s, tc.fold); got != tc.want {
			t.Errorf("globMatch(%q, %q, %v) = %v, want %v", tc.pattern, tc.s, tc.fold, got, tc.want)
		}
	}
}

// FuzzGlobMatch checks that the fast ASCII matcher agrees with the general
// one.
func FuzzGlobMatch(f *testing.F) {
	f.Add("role/*/AWSReservedSSO_Admin_*", "role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_1", false)
	f.Add("a*?b", "axxb", true)
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if !isPlainASCII(pattern) || !isPlainASCII(s) || strings.Contains(pattern, "${") {
			return
		}
		if a, b := globMatchBytes(pattern, s, fold), globMatchRunes(pattern, s, fold); a != b {
			t.Fatalf("globMatchBytes(%q, %q, %v) = %v, globMatchRunes = %v", pattern, s, fold, a, b)
		}
	})
}
