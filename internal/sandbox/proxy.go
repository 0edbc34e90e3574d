package sandbox

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
)

// Identity Center operations whose effects on IAM the front carries out, as
// AWS does and moto does not.
const (
	targetCreateAssignment = "SWBExternalService.CreateAccountAssignment"
	targetDeleteAssignment = "SWBExternalService.DeleteAccountAssignment"
	targetProvision        = "SWBExternalService.ProvisionPermissionSet"
)

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

// proxy forwards a request to moto, and after moto's answer carries out what
// AWS would do on top: AWSReservedSSO roles for assignments, policy updates
// on provisioning, and noting chained role sessions for the console.
func (s *Sandbox) proxy() http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(s.motoURL)
		},
		ModifyResponse: s.afterMoto,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.logger.Printf("proxying %s %s to moto: %v", r.Method, r.URL.Path, err)
			http.Error(w, "gatehouse sandbox: moto server unreachable", http.StatusBadGateway)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := hookInfo{}
		switch t := r.Header.Get("X-Amz-Target"); t {
		case targetCreateAssignment, targetDeleteAssignment, targetProvision:
			info.target = t
		}
		if m := credentialKey.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && m[2] == "sts" && strings.HasPrefix(m[1], "ASIA") {
			info.assumeRoleBy = m[1]
		}
		if info.target != "" || info.assumeRoleBy != "" {
			body, err := io.ReadAll(io.LimitReader(r.Body, 16*maxBody))
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
			r = r.WithContext(context.WithValue(r.Context(), hookKey{}, info))
		}
		rp.ServeHTTP(w, r)
	})
}

// afterMoto runs the hooks for a successful moto response.
func (s *Sandbox) afterMoto(resp *http.Response) error {
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
			s.fed.noteChained(out.Key)
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
	var err error
	switch info.target {
	case targetCreateAssignment, targetDeleteAssignment:
		_, err = s.back.reconcileRole(ctx, req.TargetID, req.PermissionSetArn)
	case targetProvision:
		account := req.TargetID
		if req.TargetType == "ALL_PROVISIONED_ACCOUNTS" {
			account = ""
		}
		err = s.back.provisioned(ctx, req.PermissionSetArn, account)
	}
	if err != nil {
		// AWS reports this through the operation's status, which moto
		// always answers SUCCEEDED; the log is where the sandbox says it.
		s.logger.Printf("after %s: %v", info.target, err)
	}
	return nil
}
