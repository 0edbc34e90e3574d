// Package render writes gatehouse's results for people (aligned tables) and
// for scripts (JSON with stable field names). It is pure and computes
// nothing: callers hand it finished data and an io.Writer. Every writer is
// golden-tested under testdata/ (refresh with `go test ./internal/render -update`).
package render

import (
	"encoding/json"
	"io"
)

// writeJSON writes v as indented JSON followed by a newline, with no HTML
// escaping (ARNs and policies stay readable).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
