package render

import (
	"errors"
	"io"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
)

// The audit's writers are being written on their own branch; until it
// lands, JSON is written plainly and the other formats are refused.

// AuditTableOptions tune AuditTable.
type AuditTableOptions struct{ Color bool }

// AuditHTMLOptions tune AuditHTML.
type AuditHTMLOptions struct {
	Title     string
	Generated time.Time
}

var errPending = errors.New("this output format is not available yet: use --output json")

// AuditJSON writes the report as indented JSON.
func AuditJSON(w io.Writer, r *audit.Report) error { return writeJSON(w, r) }

// AuditTable writes the report for people.
func AuditTable(io.Writer, *audit.Report, AuditTableOptions) error { return errPending }

// AuditCSV writes the access review export.
func AuditCSV(io.Writer, *audit.Report) error { return errPending }

// AuditHTML writes the report page.
func AuditHTML(io.Writer, *audit.Report, AuditHTMLOptions) error { return errPending }
