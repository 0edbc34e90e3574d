package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// signinTokenTTL is how long a sign-in token may be used, as in AWS.
const signinTokenTTL = 15 * time.Minute

// federation is the console sign-in endpoint's state: issued sign-in tokens
// and the access keys of chained role sessions (which AWS refuses a
// SessionDuration for).
type federation struct {
	now     func() time.Time
	mu      sync.Mutex
	tokens  map[string]consoleSession
	chained map[string]bool
}

// consoleSession is what a sign-in token stands for.
type consoleSession struct {
	Account   string
	ARN       string
	Duration  time.Duration
	ExpiresAt time.Time
}

func newFederation(now func() time.Time) *federation {
	return &federation{now: now, tokens: map[string]consoleSession{}, chained: map[string]bool{}}
}

func (f *federation) noteChained(accessKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.chained) > 100_000 {
		f.chained = map[string]bool{} // bound memory in long runs
	}
	f.chained[accessKey] = true
}

func (f *federation) isChained(accessKey string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.chained[accessKey]
}

func (f *federation) issue(c consoleSession) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for tok, s := range f.tokens {
		if !now.Before(s.ExpiresAt) {
			delete(f.tokens, tok)
		}
	}
	tok := randomToken(96)
	c.ExpiresAt = now.Add(signinTokenTTL)
	f.tokens[tok] = c
	return tok
}

func (f *federation) lookup(tok string) (consoleSession, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.tokens[tok]
	if !ok || !f.now().Before(c.ExpiresAt) {
		return consoleSession{}, false
	}
	return c, true
}

// federationSession is the Session parameter of getSigninToken.
type federationSession struct {
	SessionID    string `json:"sessionId"`
	SessionKey   string `json:"sessionKey"`
	SessionToken string `json:"sessionToken"`
}

// handleFederation answers the console federation endpoint
// (https://signin.aws.amazon.com/federation): Action=getSigninToken turns
// temporary role credentials into a sign-in token; Action=login with that
// token "signs in" to the console, which the sandbox shows as a page naming
// the account and role.
func (s *Sandbox) handleFederation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		federationError(w, http.StatusBadRequest, "malformed request")
		return
	}
	switch r.Form.Get("Action") {
	case "getSigninToken":
		s.getSigninToken(w, r)
	case "login":
		s.consoleLogin(w, r)
	default:
		federationError(w, http.StatusBadRequest, "Action must be getSigninToken or login")
	}
}

func (s *Sandbox) getSigninToken(w http.ResponseWriter, r *http.Request) {
	var sess federationSession
	if err := json.Unmarshal([]byte(r.Form.Get("Session")), &sess); err != nil || sess.SessionID == "" || sess.SessionKey == "" {
		federationError(w, http.StatusBadRequest, "Session must be JSON with sessionId, sessionKey and sessionToken")
		return
	}
	if sess.SessionToken == "" {
		// AWS: long-term IAM user keys cannot sign in to the console this way.
		federationError(w, http.StatusBadRequest, "Session needs temporary credentials (sessionToken); long-term access keys are refused")
		return
	}
	var duration time.Duration
	if d := r.Form.Get("SessionDuration"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			federationError(w, http.StatusBadRequest, "SessionDuration must be between 900 and 43200 seconds")
			return
		}
		if s.fed.isChained(sess.SessionID) {
			federationError(w, http.StatusBadRequest, "SessionDuration is not allowed for credentials from role chaining; omit it")
			return
		}
		duration = time.Duration(n) * time.Second
	}
	id, err := s.callerIdentity(r.Context(), sess)
	if err != nil {
		s.logger.Printf("federation: checking session credentials: %v", err)
		federationError(w, http.StatusBadRequest, "the session credentials are not valid")
		return
	}
	if !strings.Contains(id.arn, ":assumed-role/") {
		federationError(w, http.StatusBadRequest, "the session credentials are not those of a role session")
		return
	}
	tok := s.fed.issue(consoleSession{Account: id.account, ARN: id.arn, Duration: duration})
	writeJSON(w, http.StatusOK, struct {
		SigninToken string `json:"SigninToken"`
	}{tok})
}

type caller struct{ account, arn string }

// callerIdentity asks moto's STS who the credentials belong to.
func (s *Sandbox) callerIdentity(ctx context.Context, sess federationSession) (caller, error) {
	cfg := s.back.cfg.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(sess.SessionID, sess.SessionKey, sess.SessionToken)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return caller{}, err
	}
	return caller{account: aws.ToString(out.Account), arn: aws.ToString(out.Arn)}, nil
}

func (s *Sandbox) consoleLogin(w http.ResponseWriter, r *http.Request) {
	c, ok := s.fed.lookup(r.Form.Get("SigninToken"))
	if !ok {
		s.renderPage(w, http.StatusBadRequest, pageData{Title: "Sign-in failed", Error: "The sign-in token is invalid or has expired (tokens last 15 minutes)."})
		return
	}
	dest := r.Form.Get("Destination")
	if u, err := url.Parse(dest); dest == "" || err != nil || u.Scheme != "https" {
		s.renderPage(w, http.StatusBadRequest, pageData{Title: "Sign-in failed", Error: "Destination must be an https console URL."})
		return
	}
	msg := fmt.Sprintf("Signed in to account %s as %s. Destination: %s.", c.Account, c.ARN, dest)
	if c.Duration > 0 {
		msg += fmt.Sprintf(" Session duration: %s.", c.Duration)
	}
	if issuer := r.Form.Get("Issuer"); issuer != "" {
		msg += " Issuer: " + issuer + "."
	}
	s.renderPage(w, http.StatusOK, pageData{Title: "AWS Management Console (sandbox)", Message: msg})
}

func federationError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}
