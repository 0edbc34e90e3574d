package awsconfig

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// The markers around gatehouse's managed block. A marker is recognised by
// its prefix, so the explanatory text after it may change between versions.
const (
	BeginMarker = "# >>> gatehouse managed block"
	EndMarker   = "# <<< gatehouse managed block"

	beginLine = BeginMarker + ": written by `gatehouse profiles`; edits between these markers are overwritten >>>"
	endLine   = EndMarker + " <<<"
)

func isBeginMarker(trimmed string) bool { return strings.HasPrefix(trimmed, BeginMarker) }
func isEndMarker(trimmed string) bool   { return strings.HasPrefix(trimmed, EndMarker) }

// block locates the managed block: data[start:end] spans from the first byte
// of the begin marker line to the byte after the end marker's line ending.
// found is false when the file has no block. A begin marker without an end,
// an end without a begin, or a second block is an error that names the line.
func block(data []byte) (start, end int, found bool, err error) {
	start, end = -1, -1
	lineNo, beginLine := 0, 0
	for off := 0; off < len(data); {
		lineNo++
		next := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			next = off + i + 1
		}
		trimmed := strings.TrimSpace(string(data[off:next]))
		switch {
		case isBeginMarker(trimmed):
			if start >= 0 {
				return 0, 0, false, markerError(lineNo, "a second gatehouse managed block begins here")
			}
			start, beginLine = off, lineNo
		case isEndMarker(trimmed):
			if start < 0 {
				return 0, 0, false, markerError(lineNo, "the end of gatehouse's managed block has no beginning")
			}
			if end >= 0 {
				return 0, 0, false, markerError(lineNo, "a second gatehouse managed block ends here")
			}
			end = next
		}
		off = next
	}
	switch {
	case start < 0:
		return 0, 0, false, nil
	case end < 0:
		return 0, 0, false, markerError(beginLine, "gatehouse's managed block begins here but has no end")
	}
	return start, end, true, nil
}

func markerError(line int, what string) error {
	return hint.New(fmt.Sprintf("line %d: %s", line, what),
		fmt.Sprintf("restore the markers (%q ... %q) or delete the block and its markers, then run the command again", BeginMarker, EndMarker))
}

// Managed returns the bytes of the managed block, markers included, or nil
// when there is none.
func Managed(data []byte) ([]byte, error) {
	start, end, found, err := block(data)
	if err != nil || !found {
		return nil, err
	}
	return data[start:end], nil
}

// ReplaceManaged returns data with its managed block replaced by one holding
// body (the sections, without markers), using the file's own line endings.
// Every byte outside the block is kept. Without a block, the new one is
// appended after the existing content, separated by a blank line (and a line
// ending when the file did not end with one); later calls then replace it in
// place, so the bytes outside stay identical from run to run.
func ReplaceManaged(data, body []byte) ([]byte, error) {
	start, end, found, err := block(data)
	if err != nil {
		return nil, err
	}
	eol := Parse(data).EOL()
	blk := wrap(body, eol)
	if found {
		out := make([]byte, 0, start+len(blk)+len(data)-end)
		out = append(out, data[:start]...)
		if end == len(data) && len(data) > 0 && data[len(data)-1] != '\n' {
			// The old end marker was the last line without a line ending:
			// keep it that way so the byte count outside stays the same.
			blk = bytes.TrimSuffix(blk, []byte(eol))
		}
		out = append(out, blk...)
		return append(out, data[end:]...), nil
	}
	out := make([]byte, 0, len(data)+len(blk)+4)
	out = append(out, data...)
	if len(data) > 0 {
		if data[len(data)-1] != '\n' {
			out = append(out, eol...)
		}
		out = append(out, eol...)
	}
	return append(out, blk...), nil
}

// wrap puts body between the markers with eol line endings.
func wrap(body []byte, eol string) []byte {
	var b bytes.Buffer
	b.WriteString(beginLine + eol)
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	if text != "" {
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		b.WriteString(strings.ReplaceAll(text, "\n", eol))
	}
	b.WriteString(endLine + eol)
	return b.Bytes()
}
