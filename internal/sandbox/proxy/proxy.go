// Package proxy forwards to moto every request the sandbox front does not
// answer itself, and once moto has answered carries out what AWS does on
// top: AWSReservedSSO roles follow account assignments, provisioning
// refreshes their policies, and role sessions made by chaining are noted for
// the console sign-in. Those effects run to their end even when the client
// goes away: a client that disconnects never leaves a role missing or behind.
package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/sandbox/reserved"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox/wire"
)

// Identity Center operations whose effects on IAM the proxy carries out.
const (
	targetCreateAssignment = "SWBExternalService.CreateAccountAssignment"
	targetDeleteAssignment = "SWBExternalService.DeleteAccountAssignment"
	targetProvision        = "SWBExternalService.ProvisionPermissionSet"
)

// Proxy is the reverse proxy to moto with its after-effects.
type Proxy struct {
	rp    *httputil.ReverseProxy
	roles *reserved.Roles
	// noteChained receives the access key of each role session made by
	// role chaining.
	noteChained func(accessKey string)
	logf        func(format string, args ...any)
}

// New proxies to the moto server at moto.
func New(moto *url.URL, roles *reserved.Roles, noteChained func(accessKey string), logf func(format string, args ...any)) *Proxy {
	p := &Proxy{roles: roles, noteChained: noteChained, logf: logf}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { pr.SetURL(moto) },
		ModifyResponse: p.afterMoto,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			logf("proxying %s %s to moto: %v", r.Method, r.URL.Path, err)
			http.Error(w, "gatehouse sandbox: moto server unreachable", http.StatusBadGateway)
		},
	}
	return p
}

// hookKey carries what the proxy learned from a request to its response hook.
type hookKey struct{}

type hookInfo struct {
	target string // X-Amz-Target of an Identity Center call
	body   []byte
	// assumeRoleBy is the access key that called sts:AssumeRole, when it
	// was a temporary one (role chaining).
	assumeRoleBy string
}

// credentialKey extracts the access key ID from a SigV4 Authorization header.
var credentialKey = regexp.MustCompile(`Credential=([A-Z0-9]+)/[^/]+/[^/]+/([a-z0-9-]+)/aws4_request`)

// ServeHTTP forwards r to moto.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := hookInfo{}
	switch t := r.Header.Get("X-Amz-Target"); t {
	case targetCreateAssignment, targetDeleteAssignment, targetProvision:
		info.target = t
	}
	if m := credentialKey.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && m[2] == "sts" && strings.HasPrefix(m[1], "ASIA") {
		info.assumeRoleBy = m[1]
	}
	if info.target == "" && info.assumeRoleBy == "" {
		p.rp.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16*wire.MaxBody))
	if err != nil {
		http.Error(w, "gatehouse sandbox: reading request: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	info.body = body
	if info.assumeRoleBy != "" {
		if form, err := url.ParseQuery(string(body)); err != nil || form.Get("Action") != "AssumeRole" {
			info.assumeRoleBy = ""
		}
	}
	ctx := context.WithValue(r.Context(), hookKey{}, info)
	if info.target != "" {
		// Once the whole request is read, moto's change and the roles
		// that follow it happen whatever the client does next: AWS does
		// not undo an assignment whose caller hung up.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), reserved.ChangeTimeout)
		defer cancel()
	}
	p.rp.ServeHTTP(w, r.WithContext(ctx))
}

// afterMoto runs the hooks for a successful moto response.
func (p *Proxy) afterMoto(resp *http.Response) error {
	info, ok := resp.Request.Context().Value(hookKey{}).(hookInfo)
	if !ok || resp.StatusCode != http.StatusOK {
		return nil
	}
	ctx := resp.Request.Context()
	if info.assumeRoleBy != "" {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return err
		}
		var out struct {
			Key string `xml:"AssumeRoleResult>Credentials>AccessKeyId"`
		}
		if xml.Unmarshal(body, &out) == nil && out.Key != "" {
			p.noteChained(out.Key)
		}
		return nil
	}
	var req struct {
		TargetID         string `json:"TargetId"`
		TargetType       string `json:"TargetType"`
		PermissionSetArn string `json:"PermissionSetArn"`
	}
	if err := json.Unmarshal(info.body, &req); err != nil {
		return nil // moto accepted it; nothing the front can add
	}
	switch info.target {
	case targetCreateAssignment, targetDeleteAssignment:
		p.roles.AfterAssignment(ctx, req.TargetID, req.PermissionSetArn)
	case targetProvision:
		account := req.TargetID
		if req.TargetType == "ALL_PROVISIONED_ACCOUNTS" {
			account = ""
		}
		p.roles.AfterProvisioning(ctx, req.PermissionSetArn, account)
	}
	return nil
}
