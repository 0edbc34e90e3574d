package iamroles

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// UnmanagedError reports an IAM object with a name the model uses that
// gatehouse did not create (it lacks the ownership tag). gatehouse leaves it
// alone unless the model says adopt: true.
type UnmanagedError struct {
	Kind      string // "role" or "SAML provider"
	AccountID string
	Account   string // the account as messages name it
	Name      string
}

func (e *UnmanagedError) Error() string {
	return fmt.Sprintf("%s %s in account %s exists and was not created by gatehouse (it has no %s=%s tag)",
		e.Kind, e.Name, e.Account, state.ManagedTagKey, state.ManagedTagValue)
}

// Hint says how to resolve the conflict.
func (e *UnmanagedError) Hint() string {
	if e.Kind == "role" {
		return "gatehouse never takes over a role made by hand: set adopt: true on the role in the model to take it over, rename the role in the model, or delete the hand-made one"
	}
	return "gatehouse never takes over a " + e.Kind + " made by hand: choose another name in the model, or delete the hand-made one"
}

// do runs one IAM call in an account through internal/awscall: the
// account's pacing, the retry policy and call statistics, and an error that
// names the operation, the object and the account.
func do[T any](ctx context.Context, c *Client, accountID, op, what string, m awscall.Mode, fn func(context.Context) (T, error)) (T, error) {
	return awscall.Do(ctx, c.service(accountID), awscall.Call{Op: op, What: what, Account: c.label(accountID), Mode: m}, fn)
}

// service returns the awscall.Service of IAM in an account, made on first
// use: IAM's quotas are per account.
func (c *Client) service(accountID string) *awscall.Service {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.services[accountID]; ok {
		return s
	}
	s := awscall.NewService("iam", 0, 0, c.opts.Stats)
	// IAM publishes no per-second quota; a steady pace with a small burst
	// keeps a many-account plan from bursting into throttling.
	s.Limiter = awscall.NewLimiter(c.opts.Rate, 10)
	s.Policy = awscall.Policy{BaseDelay: c.opts.BaseDelay}
	s.Sleep = c.opts.Sleep
	s.EndpointVariable = "AWS_ENDPOINT_URL_IAM"
	s.AccessHint = "the credentials gatehouse uses in account " + c.label(accountID) +
		" may not do this: give the provisioning (or admin_role) role IAM rights on roles, role policies and SAML providers"
	s.CodeHints = map[string]string{
		"LimitExceeded":           "an IAM quota of the account is reached (roles per account, policies per role, policy size): raise it in Service Quotas or trim the model",
		"MalformedPolicyDocument": "IAM refused a policy document: check the role's policies in the model (gatehouse validate), and that every principal a trust names exists",
		"DeleteConflict":          "something outside gatehouse still uses the role (an instance profile?): remove that use and run again",
	}
	c.services[accountID] = s
	return s
}

func isAccessDenied(err error) bool { return awscall.Classify(err) == awscall.AccessDenied }

func isNotFound(err error) bool { return awscall.Code(err) == "NoSuchEntity" }
