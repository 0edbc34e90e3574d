package cli

// The profile picker: internal/picker is its model; this file puts the
// terminal in raw mode, feeds the model keys and draws it on stderr.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/picker"
)

// chooseProfile returns the profile named in args, or lets the user pick
// one on a terminal.
func (e *engine) chooseProfile(args []string) (string, error) {
	if len(args) > 0 {
		return args[0], nil
	}
	if !e.d.StdinTTY || !e.d.StderrTTY {
		return "", usageError{hint.New("name a profile", "run `gatehouse list` or look in "+e.paths.Config+" for profile names")}
	}
	f, err := e.config()
	if err != nil {
		return "", err
	}
	names := credentials.Pickable(f)
	if len(names) == 0 {
		return "", hint.New("no profile gatehouse can use in "+e.paths.Config, "run `gatehouse profiles` first")
	}
	return runPicker(e.d, names)
}

// errPickCancelled is returned when the user leaves the picker.
var errPickCancelled = errors.New("no profile chosen")

// runPicker runs the picker on the terminal, drawing on stderr so stdout
// stays clean for `eval "$(gatehouse env)"`.
func runPicker(d Deps, names []string) (string, error) {
	in, ok := d.Stdin.(*os.File)
	if !ok {
		return "", errors.New("the profile picker needs a terminal on stdin")
	}
	old, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return "", fmt.Errorf("running the profile picker: %w", err)
	}
	defer func() { _ = term.Restore(int(in.Fd()), old) }()
	height := 12
	if f, ok := d.Stderr.(*os.File); ok {
		if _, h, err := term.GetSize(int(f.Fd())); err == nil && h > 4 {
			height = min(h-1, 20)
		}
	}
	p := picker.New(names)
	drawn := 0
	draw := func() {
		if drawn > 0 {
			fmt.Fprintf(d.Stderr, "\r\x1b[%dA", drawn)
		}
		out := p.View(height)
		fmt.Fprintf(d.Stderr, "\r\x1b[J%s", out)
		drawn = strings.Count(out, "\n")
	}
	draw()
	buf := make([]byte, 64)
	for !p.Done() {
		n, err := in.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", fmt.Errorf("reading the terminal: %w", err)
		}
		for _, k := range picker.Decode(buf[:n]) {
			if p.Update(k) {
				break
			}
		}
		draw()
	}
	fmt.Fprint(d.Stderr, "\r\n")
	if p.Chosen() == "" {
		return "", errPickCancelled
	}
	fmt.Fprintf(d.Stderr, "Profile %s (next time, name it on the command line).\n", p.Chosen())
	return p.Chosen(), nil
}
