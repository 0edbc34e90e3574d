// Package wire is the HTTP plumbing the sandbox front's handlers share: JSON
// answers and request bodies, and which hosts count as this machine.
package wire

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
)

// MaxBody bounds the request bodies the front reads itself.
const MaxBody = 1 << 20

// WriteJSON answers v as JSON with status; answers are never cached, since
// they carry tokens and credentials.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads a JSON request body of at most MaxBody bytes into v; an
// empty body is an empty object.
func DecodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return err
	}
	if len(body) > MaxBody {
		return errors.New("request body too large")
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	return json.Unmarshal(body, v)
}

// IsLoopback reports whether host (a name or an address, without port)
// names this machine: localhost or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsJSON reports whether a request says its body is JSON. Browsers send
// such a body to another origin only after a preflight the front never
// allows, so endpoints that act on a user's behalf accept nothing else.
func IsJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// RandomToken returns n random bytes, base64url-encoded: the secrets the
// front issues (client secrets, codes, tokens).
func RandomToken(n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(buf)
}
