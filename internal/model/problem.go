package model

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a model file, at a position, with a hint on
// how to fix it.
type Problem struct {
	Pos     Pos
	Message string
	Hint    string
}

// String renders "file:line:col: message (hint)".
func (p Problem) String() string {
	s := p.Pos.String() + ": " + p.Message
	if p.Hint != "" {
		s += " (" + p.Hint + ")"
	}
	return s
}

// Problems is every problem found in a model; as an error it lists them all,
// one per line, sorted by position.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Hint is shown once below the list by the CLI.
func (ps Problems) Hint() string {
	if len(ps) == 1 {
		return "1 problem; fix it and run gatehouse validate again"
	}
	return fmt.Sprintf("%d problems; fix them and run gatehouse validate again", len(ps))
}

// Sort orders problems by file, line, column and message, and drops exact
// duplicates (the same message at the same place).
func (ps Problems) Sort() Problems {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Message < b.Message
	})
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && p == ps[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}
