// Package federation is the sandbox's stand-in for the console sign-in
// endpoint (https://signin.aws.amazon.com/federation): it turns temporary
// role credentials into a sign-in token, refusing what AWS refuses, and
// "signs in" with it to a page that names the account and role session.
package federation

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

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/motoclient"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/page"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// signinTokenTTL is how long a sign-in token may be used, as in AWS.
const signinTokenTTL = 15 * time.Minute

// Server is the console sign-in endpoint and its state: issued sign-in
// tokens and the access keys of chained role sessions (which AWS refuses a
// SessionDuration for).
type Server struct {
	conn    motoclient.Conn
	now     func() time.Time
	logf    func(format string, args ...any)
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

// New makes an endpoint that checks credentials with moto's STS through
// conn, dates tokens with now and logs errors handled to logf.
func New(conn motoclient.Conn, now func() time.Time, logf func(format string, args ...any)) *Server {
	return &Server{conn: conn, now: now, logf: logf, tokens: map[string]consoleSession{}, chained: map[string]bool{}}
}

// Register adds the endpoint to mux.
func (f *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /federation", f.handle)
	mux.HandleFunc("POST /federation", f.handle)
}

// NoteChained records the access key of a role session made by role
// chaining (AssumeRole called with temporary credentials).
func (f *Server) NoteChained(accessKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.chained) > 100_000 {
		f.chained = map[string]bool{} // bound memory in long runs
	}
	f.chained[accessKey] = true
}

func (f *Server) isChained(accessKey string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.chained[accessKey]
}

func (f *Server) issue(c consoleSession) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for tok, s := range f.tokens {
		if !now.Before(s.ExpiresAt) {
			delete(f.tokens, tok)
		}
	}
	tok := wire.RandomToken(96)
	c.ExpiresAt = now.Add(signinTokenTTL)
	f.tokens[tok] = c
	return tok
}

func (f *Server) lookup(tok string) (consoleSession, bool) {
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

// handle answers Action=getSigninToken, which turns temporary role
// credentials into a sign-in token, and Action=login, which "signs in" with
// that token to the console, shown as a page naming the account and role.
func (f *Server) handle(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		federationError(w, http.StatusBadRequest, "malformed request")
		return
	}
	switch r.Form.Get("Action") {
	case "getSigninToken":
		f.getSigninToken(w, r)
	case "login":
		f.consoleLogin(w, r)
	default:
		federationError(w, http.StatusBadRequest, "Action must be getSigninToken or login")
	}
}

func (f *Server) getSigninToken(w http.ResponseWriter, r *http.Request) {
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
		if f.isChained(sess.SessionID) {
			federationError(w, http.StatusBadRequest, "SessionDuration is not allowed for credentials from role chaining; omit it")
			return
		}
		duration = time.Duration(n) * time.Second
	}
	id, err := f.callerIdentity(r.Context(), sess)
	if err != nil {
		f.logf("federation: checking session credentials: %v", err)
		federationError(w, http.StatusBadRequest, "the session credentials are not valid")
		return
	}
	if !strings.Contains(id.arn, ":assumed-role/") {
		federationError(w, http.StatusBadRequest, "the session credentials are not those of a role session")
		return
	}
	tok := f.issue(consoleSession{Account: id.account, ARN: id.arn, Duration: duration})
	wire.WriteJSON(w, http.StatusOK, struct {
		SigninToken string `json:"SigninToken"`
	}{tok})
}

type caller struct{ account, arn string }

// callerIdentity asks moto's STS who the credentials belong to.
func (f *Server) callerIdentity(ctx context.Context, sess federationSession) (caller, error) {
	cfg := f.conn.Config()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(sess.SessionID, sess.SessionKey, sess.SessionToken)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return caller{}, err
	}
	return caller{account: aws.ToString(out.Account), arn: aws.ToString(out.Arn)}, nil
}

func (f *Server) consoleLogin(w http.ResponseWriter, r *http.Request) {
	c, ok := f.lookup(r.Form.Get("SigninToken"))
	if !ok {
		f.render(w, http.StatusBadRequest, page.Data{Title: "Sign-in failed", Error: "The sign-in token is invalid or has expired (tokens last 15 minutes)."})
		return
	}
	dest := r.Form.Get("Destination")
	if u, err := url.Parse(dest); dest == "" || err != nil || u.Scheme != "https" {
		f.render(w, http.StatusBadRequest, page.Data{Title: "Sign-in failed", Error: "Destination must be an https console URL."})
		return
	}
	msg := fmt.Sprintf("Signed in to account %s as %s. Destination: %s.", c.Account, c.ARN, dest)
	if c.Duration > 0 {
		msg += fmt.Sprintf(" Session duration: %s.", c.Duration)
	}
	if issuer := r.Form.Get("Issuer"); issuer != "" {
		msg += " Issuer: " + issuer + "."
	}
	f.render(w, http.StatusOK, page.Data{Title: "AWS Management Console (sandbox)", Message: msg})
}

func federationError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

func (f *Server) render(w http.ResponseWriter, status int, d page.Data) {
	if err := page.Render(w, status, d); err != nil {
		f.logf("rendering page %q: %v", d.Title, err)
	}
}
