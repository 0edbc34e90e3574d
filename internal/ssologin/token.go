// Package ssologin signs an engineer in to IAM Identity Center (SSO OIDC
// device-code and authorization-code + PKCE flows), caches the token exactly
// as the AWS CLI does (~/.aws/sso/cache/<sha1>.json, or optionally the OS
// keychain), caches client registrations per flow, and refreshes tokens with
// the refresh token under a cross-process lock, so that one login serves
// gatehouse, the AWS CLI, the SDKs and Terraform.
package ssologin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// RefreshWindow is how long before expiry a token is refreshed; it is the
// AWS CLI's (botocore's SSOTokenProvider) window.
const RefreshWindow = 15 * time.Minute

// timeLayout is how the AWS CLI writes times in its caches.
const timeLayout = "2006-01-02T15:04:05Z"

// Token is an SSO access token as the AWS CLI caches it. Fields it does not
// know are kept and written back unchanged.
type Token struct {
	StartURL              string
	Region                string
	AccessToken           string
	ExpiresAt             time.Time
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time
	RefreshToken          string

	unknown map[string]json.RawMessage
}

// Remaining returns how long the access token stays valid after now.
func (t *Token) Remaining(now time.Time) time.Duration { return t.ExpiresAt.Sub(now) }

// Refreshable reports whether the token can be renewed without a login at
// now: it carries a refresh token and a client registration that has not
// expired.
func (t *Token) Refreshable(now time.Time) bool {
	if t.RefreshToken == "" || t.ClientID == "" || t.ClientSecret == "" {
		return false
	}
	return t.RegistrationExpiresAt.IsZero() || t.RegistrationExpiresAt.After(now)
}

// tokenFields are the fields the AWS CLI writes, in its order.
var tokenFields = []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"}

// MarshalJSON writes the AWS CLI's fields in its order, then any unknown
// fields that were read, sorted.
func (t *Token) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	add := func(k string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(raw)
		return nil
	}
	vals := map[string]string{
		"startUrl":     t.StartURL,
		"region":       t.Region,
		"accessToken":  t.AccessToken,
		"expiresAt":    formatTime(t.ExpiresAt),
		"clientId":     t.ClientID,
		"clientSecret": t.ClientSecret,
		"refreshToken": t.RefreshToken,
	}
	if !t.RegistrationExpiresAt.IsZero() {
		vals["registrationExpiresAt"] = formatTime(t.RegistrationExpiresAt)
	}
	for _, k := range tokenFields {
		if v := vals[k]; v != "" {
			if err := add(k, v); err != nil {
				return nil, err
			}
		}
	}
	keys := make([]string, 0, len(t.unknown))
	for k := range t.unknown {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := add(k, t.unknown[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a cached token, keeping unknown fields.
func (t *Token) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*t = Token{}
	str := func(k string) (string, error) {
		raw, ok := m[k]
		if !ok {
			return "", nil
		}
		delete(m, k)
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s is not a string", k)
		}
		return s, nil
	}
	var err error
	fields := []*string{&t.StartURL, &t.Region, &t.AccessToken, nil, &t.ClientID, &t.ClientSecret, nil, &t.RefreshToken}
	for i, k := range tokenFields {
		if fields[i] == nil {
			continue
		}
		if *fields[i], err = str(k); err != nil {
			return err
		}
	}
	for k, dst := range map[string]*time.Time{"expiresAt": &t.ExpiresAt, "registrationExpiresAt": &t.RegistrationExpiresAt} {
		s, err := str(k)
		if err != nil {
			return err
		}
		if s == "" {
			continue
		}
		if *dst, err = ParseTime(s); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	if len(m) > 0 {
		t.unknown = m
	}
	return nil
}

// ParseTime reads the time formats found in AWS CLI caches: RFC 3339 with
// or without fractional seconds or an offset, and the older
// "2019-11-14T04:05:45UTC".
func ParseTime(s string) (time.Time, error) {
	if strings.HasSuffix(s, "UTC") {
		s = strings.TrimSuffix(s, "UTC") + "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}
