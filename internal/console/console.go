// Package console signs in to the AWS Management Console with temporary
// credentials through the federation endpoint (getSigninToken, then a login
// URL), and builds the commands that open such URLs side by side: one
// Chromium user-data directory, or one Firefox container, per AWS profile.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// EndpointEnv overrides the federation endpoint (e.g. a sandbox's
// http://127.0.0.1:PORT/federation).
const EndpointEnv = "GATEHOUSE_FEDERATION_ENDPOINT"

// Session duration bounds of the federation endpoint.
const (
	MinDuration = 15 * time.Minute
	MaxDuration = 12 * time.Hour
)

// Credentials are the temporary credentials the console session is made of.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Chained is true for credentials of a role assumed with temporary
	// credentials: the endpoint refuses a SessionDuration for them, and the
	// console session lasts as long as they do (at most an hour).
	Chained bool
}

// Request describes a console sign-in.
type Request struct {
	Credentials Credentials
	// Region picks the console region and the partition's endpoints.
	Region string
	// Destination is the console page to land on; default the console home
	// of Region.
	Destination string
	// Duration is the console session length (15 min to 12 h); 0 leaves it
	// to AWS (1 h, or the credentials' remaining life). Ignored for chained
	// credentials.
	Duration time.Duration
	// Issuer is shown by AWS on session expiry as where to sign in again.
	Issuer string
	// Endpoint overrides the federation endpoint (see EndpointEnv).
	Endpoint string
	// HTTP is the client for getSigninToken; http.DefaultClient when nil.
	HTTP *http.Client
}

// partition returns the federation and console hosts of a region.
func partition(region string) (signin, console string) {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com"
	case strings.HasPrefix(region, "cn-"):
		return "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn"
	}
	return "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com"
}

// Destination returns the console home URL of a region.
func Destination(region string) string {
	_, c := partition(region)
	if region == "" {
		return c + "/console/home"
	}
	return c + "/console/home?region=" + url.QueryEscape(region)
}

// SigninTokenURL returns the getSigninToken request URL. It carries the
// credentials: never print or log it.
func SigninTokenURL(r Request) (string, error) {
	if r.Credentials.AccessKeyID == "" || r.Credentials.SecretAccessKey == "" || r.Credentials.SessionToken == "" {
		return "", hint.New("the console needs temporary credentials (with a session token)", "use an Identity Center or chained profile")
	}
	session, err := json.Marshal(map[string]string{
		"sessionId": r.Credentials.AccessKeyID, "sessionKey": r.Credentials.SecretAccessKey, "sessionToken": r.Credentials.SessionToken,
	})
	if err != nil {
		return "", err
	}
	q := url.Values{}
	q.Set("Action", "getSigninToken")
	q.Set("Session", string(session))
	if r.Duration != 0 && !r.Credentials.Chained {
		if r.Duration < MinDuration || r.Duration > MaxDuration {
			return "", hint.New(fmt.Sprintf("console session duration %s is outside 15m to 12h", r.Duration), "pass --duration between 15m and 12h")
		}
		q.Set("SessionDuration", strconv.Itoa(int(r.Duration/time.Second)))
	}
	return endpoint(r) + "?" + q.Encode(), nil
}

func endpoint(r Request) string {
	if r.Endpoint != "" {
		return r.Endpoint
	}
	e, _ := partition(r.Region)
	return e
}

// LoginURL returns the URL that signs the browser in with a sign-in token.
// The token is valid for 15 minutes and is a credential.
func LoginURL(r Request, signinToken string) string {
	dest := r.Destination
	if dest == "" {
		dest = Destination(r.Region)
	}
	issuer := r.Issuer
	if issuer == "" {
		issuer = "gatehouse"
	}
	q := url.Values{}
	q.Set("Action", "login")
	q.Set("Issuer", issuer)
	q.Set("Destination", dest)
	q.Set("SigninToken", signinToken)
	return endpoint(r) + "?" + q.Encode()
}

// SignIn asks the federation endpoint for a sign-in token and returns the
// login URL.
func SignIn(ctx context.Context, r Request) (string, error) {
	u, err := SigninTokenURL(r)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL holds the credentials: report the endpoint only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("asking %s for a console sign-in token: %w", endpoint(r), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", hint.Wrap(fmt.Errorf("asking %s for a console sign-in token: HTTP %d: %s", endpoint(r), resp.StatusCode, strings.TrimSpace(string(body))),
			"the credentials may have expired, or come from a role chain with a --duration: try again without --duration")
	}
	var tok struct{ SigninToken string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.SigninToken == "" {
		return "", fmt.Errorf("asking %s for a console sign-in token: the answer has no SigninToken", endpoint(r))
	}
	return LoginURL(r, tok.SigninToken), nil
}
