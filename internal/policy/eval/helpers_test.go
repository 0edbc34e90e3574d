package eval

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// AWS documentation pages the rule tables follow. Each row names one.
const (
	iamGuide          = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
	docEvalLogic      = iamGuide + "reference_policies_evaluation-logic_policy-eval-denyallow.html"
	docSingleAccount  = iamGuide + "reference_policies_evaluation-logic_policy-eval-basics.html"
	docCrossAccount   = iamGuide + "reference_policies_evaluation-logic-cross-account.html"
	docEffect         = iamGuide + "reference_policies_elements_effect.html"
	docAction         = iamGuide + "reference_policies_elements_action.html"
	docNotAction      = iamGuide + "reference_policies_elements_notaction.html"
	docResource       = iamGuide + "reference_policies_elements_resource.html"
	docNotResource    = iamGuide + "reference_policies_elements_notresource.html"
	docARNs           = iamGuide + "reference-arns.html"
	docPrincipal      = iamGuide + "reference_policies_elements_principal.html"
	docNotPrincipal   = iamGuide + "reference_policies_elements_notprincipal.html"
	docCondition      = iamGuide + "reference_policies_elements_condition.html"
	docOperators      = iamGuide + "reference_policies_elements_condition_operators.html"
	docLogic          = iamGuide + "reference_policies_condition-logic-multiple-context-keys-or-values.html"
	docMultiValued    = iamGuide + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
	docVariables      = iamGuide + "reference_policies_variables.html"
	docConditionKeys  = iamGuide + "reference_policies_condition-keys.html"
	docBoundaries     = iamGuide + "access_policies_boundaries.html"
	docSessionPolicy  = iamGuide + "access_policies.html#policies_session"
	docFederation     = iamGuide + "id_credentials_temp_control-access_getfederationtoken.html"
	docManagedPolicy  = iamGuide + "access_policies_managed-vs-inline.html#aws-managed-policies"
	docUpdateTrust    = iamGuide + "id_roles_update-role-trust-policy.html"
	docSCPs           = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"
	docSCPEvaluation  = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"
	docRCPs           = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html"
	docVPCEndpoints   = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html"
	docGetCallerID    = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
	docReservedSSO    = "https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html"
	docKMSAliases     = "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html"
	docKMSKeyPolicies = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"
)

// Principals and accounts used across the tables.
const (
	acctA        = "111122223333"
	acctB        = "444455556666"
	alice        = "arn:aws:iam::111122223333:user/ops/alice"
	bobB         = "arn:aws:iam::444455556666:user/bob"
	devRole      = "arn:aws:iam::111122223333:role/ops/Dev"
	devSession   = "arn:aws:sts::111122223333:assumed-role/Dev/sam"
	devSessionB  = "arn:aws:sts::444455556666:assumed-role/Dev/sam"
	fedUser      = "arn:aws:sts::111122223333:federated-user/carol"
	rootA        = "arn:aws:iam::111122223333:root"
	lambdaSvc    = "lambda.amazonaws.com"
	bucketObject = "arn:aws:s3:::reports/2024/q1.csv"
	roleTarget   = "arn:aws:iam::111122223333:role/Target"
	roleTargetB  = "arn:aws:iam::444455556666:role/Target"
)

// Statements used across the tables.
const (
	allowAll   = `{"Effect":"Allow","Action":"*","Resource":"*"}`
	denyAll    = `{"Effect":"Deny","Action":"*","Resource":"*"}`
	allowGet   = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`
	allowOther = `{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}`
)

// doc wraps statements into a 2012-10-17 policy document.
func doc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// pol parses a 2012-10-17 policy of statements; the tables only hold
// valid documents.
func pol(statements ...string) *Policy {
	p, err := ParsePolicy([]byte(doc(statements...)))
	if err != nil {
		panic(err)
	}
	return p
}

func pols(statements ...string) []*Policy { return []*Policy{pol(statements...)} }

// lvl is one SCP/RCP level holding one policy per statement given.
func lvl(statements ...string) Level {
	l := Level{Target: "ou-test"}
	for _, s := range statements {
		l.Policies = append(l.Policies, pol(s))
	}
	return l
}

// complete is a context with AWS's semantics: unlisted keys are absent.
func complete() *Context { return NewContext().Complete(true) }

// rule is one row of a rule table: a request and the decision the spec
// gives it, with the AWS documentation page the rule follows.
type rule struct {
	name string
	doc  string
	req  Request
	want Decision
	// keys is the expected UnknownKeys (checked always: nil means none).
	keys []string
	// deniedBy is checked when non-nil.
	deniedBy []string
}

// runRules evaluates every row in parallel subtests.
func runRules(t *testing.T, rows []rule) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.doc == "" {
				t.Fatal("row names no AWS documentation page")
			}
			req := tt.req
			got, err := Evaluate(&req)
			if err != nil {
				t.Fatalf("Evaluate: %v (follows %s)", err, tt.doc)
			}
			want := Result{Decision: tt.want, UnknownKeys: tt.keys, DeniedBy: got.DeniedBy}
			if tt.deniedBy != nil {
				want.DeniedBy = tt.deniedBy
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Evaluate() mismatch (-want +got), rule from %s:\n%s", tt.doc, diff)
			}
		})
	}
}
