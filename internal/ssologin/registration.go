package ssologin

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Flow is an OIDC sign-in flow.
type Flow string

// The flows. Each registers its own OIDC client: Identity Center refuses a
// client registered for both grant types.
const (
	FlowPKCE       Flow = "pkce"
	FlowDeviceCode Flow = "device-code"
)

// Grant types sent to RegisterClient and CreateToken.
const (
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	GrantAuthCode   = "authorization_code"
	GrantRefresh    = "refresh_token"
)

// DefaultScopes are requested when an sso-session configures none; the
// scope is what makes Identity Center return a refresh token.
var DefaultScopes = []string{"sso:account:access"}

func (f Flow) grantTypes() []string {
	if f == FlowPKCE {
		return []string{GrantAuthCode, GrantRefresh}
	}
	return []string{GrantDeviceCode, GrantRefresh}
}

// Registration is a cached OIDC client registration, in the AWS CLI's
// format.
type Registration struct {
	ClientID     string    `json:"clientId"`
	ClientSecret string    `json:"clientSecret"`
	ExpiresAt    time.Time `json:"-"`
	Scopes       []string  `json:"scopes,omitempty"`
	GrantTypes   []string  `json:"grantTypes,omitempty"`
	// AuthorizationEndpoint is where the PKCE flow sends the browser, when
	// the service names one.
	AuthorizationEndpoint string `json:"authorizationEndpoint,omitempty"`
}

type registrationJSON struct {
	Registration
	ExpiresAt string `json:"expiresAt"`
}

// usable reports whether r can be reused for flow and scopes at now. A
// registration is kept until shortly before it expires.
func (r *Registration) usable(flow Flow, scopes []string, now time.Time) bool {
	if r == nil || r.ClientID == "" || r.ClientSecret == "" || r.ExpiresAt.Before(now.Add(time.Hour)) {
		return false
	}
	for _, g := range flow.grantTypes() {
		if g == GrantRefresh {
			continue
		}
		if len(r.GrantTypes) > 0 && !slices.Contains(r.GrantTypes, g) {
			return false
		}
	}
	if flow == FlowPKCE && !slices.Contains(r.GrantTypes, GrantAuthCode) {
		return false
	}
	return sameSet(r.Scopes, scopes)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// RegistrationKey returns the cache file name (without ".json") of the
// client registration of a flow. The PKCE registration uses exactly the AWS
// CLI v2's name, SHA-1 of Python's json.dumps(sort_keys=True) of
// {tool, startUrl, region, scopes, session_name}, so both tools share it; the
// device-code registration adds "flow": "device_code" to keep its own file
// (the AWS CLI keeps one registration per session and re-registers when the
// flow changes).
func RegistrationKey(flow Flow, s Session) string {
	fields := map[string]any{
		"tool":         "botocore",
		"startUrl":     s.StartURL,
		"region":       s.Region,
		"scopes":       s.ConfiguredScopes,
		"session_name": nil,
	}
	if s.Name != "" {
		fields["session_name"] = s.Name
	}
	if flow == FlowDeviceCode {
		fields["flow"] = "device_code"
	}
	sum := sha1.Sum([]byte(pythonJSON(fields)))
	return hex.EncodeToString(sum[:])
}

// pythonJSON encodes a flat object of strings, nil and string lists exactly
// as Python's json.dumps(obj, sort_keys=True) does: ", " and ": "
// separators, non-ASCII escaped as \uXXXX, "/" not escaped.
func pythonJSON(obj map[string]any) string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		pyString(&b, k)
		b.WriteString(": ")
		switch v := obj[k].(type) {
		case string:
			pyString(&b, v)
		case []string:
			if v == nil {
				b.WriteString("null")
				break
			}
			b.WriteByte('[')
			for j, s := range v {
				if j > 0 {
					b.WriteString(", ")
				}
				pyString(&b, s)
			}
			b.WriteByte(']')
		default:
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.String()
}

func pyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r >= 0x80 && r < 0x10000):
				fmt.Fprintf(b, `\u%04x`, r)
			case r >= 0x10000:
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// loadRegistration reads a cached registration; a missing or unreadable one
// is simply absent (a new client is registered).
func loadRegistration(path string) *Registration {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var rj registrationJSON
	if err := json.Unmarshal(data, &rj); err != nil {
		return nil
	}
	r := rj.Registration
	if r.ExpiresAt, err = ParseTime(rj.ExpiresAt); err != nil {
		return nil
	}
	return &r
}

func saveRegistration(path string, r *Registration) error {
	data, err := json.Marshal(registrationJSON{Registration: *r, ExpiresAt: formatTime(r.ExpiresAt)})
	if err != nil {
		return err
	}
	return WritePrivateFile(path, data)
}

func removeRegistration(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func registrationPath(dir string, flow Flow, s Session) string {
	return filepath.Join(dir, RegistrationKey(flow, s)+".json")
}
