// Package hint attaches a "what to do next" line to an error without changing
// its message. The CLI prints the hint on its own line below the error; any
// package (core or adapter) may wrap errors with it, since it has no
// dependencies.
package hint

import "errors"

type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }
func (h *hinted) Hint() string  { return h.hint }

// Wrap returns err with a hint for the user. A nil err stays nil.
func Wrap(err error, text string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: text}
}

// Errorf is errors.New with a hint.
func New(msg, text string) error { return Wrap(errors.New(msg), text) }

// Of returns the innermost-first hint found in err's chain, or "".
func Of(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// ExitCoder is implemented by errors that ask for a particular process exit code.
type ExitCoder interface{ ExitCode() int }

type coded struct {
	err  error
	code int
}

func (c *coded) Error() string { return c.err.Error() }
func (c *coded) Unwrap() error { return c.err }
func (c *coded) ExitCode() int { return c.code }

// WithExitCode returns err carrying a specific exit code for the CLI.
func WithExitCode(err error, code int) error {
	if err == nil {
		return nil
	}
	return &coded{err: err, code: code}
}
