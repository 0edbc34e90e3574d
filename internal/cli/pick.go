package cli

import (
	"errors"
	"fmt"
	"os"

	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credentials"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// chooseProfile returns the profile named in args, or lets the user pick
// one on a terminal.
func (e *engine) chooseProfile(args []string) (string, error) {
	if len(args) > 0 {
		return args[0], nil
	}
	if !e.d.StdinTTY || !e.d.StderrTTY {
		return "", usageError{hint.New("name a profile", "run `gatehouse list` or look in "+e.paths.config+" for profile names")}
	}
	f, err := e.config()
	if err != nil {
		return "", err
	}
	names := pickableProfiles(f)
	if len(names) == 0 {
		return "", hint.New("no profile gatehouse can use in "+e.paths.config, "run `gatehouse profiles` first")
	}
	return runPicker(e.d, names)
}

// pickableProfiles are the profiles gatehouse can give credentials for, in
// file order.
func pickableProfiles(f *awsconfig.File) []string {
	var out []string
	for _, name := range f.ProfileNames() {
		if _, err := credentials.Resolve(f, name); err == nil {
			out = append(out, name)
		}
	}
	return out
}

// errPickCancelled is returned when the user leaves the picker.
var errPickCancelled = errors.New("no profile chosen")

type pickItem string

func (i pickItem) FilterValue() string { return string(i) }
func (i pickItem) Title() string       { return string(i) }
func (i pickItem) Description() string { return "" }

// picker is a fuzzy list of profile names: type to filter, arrows to
// move, Enter to choose, Esc or Ctrl-C to leave.
type picker struct {
	list   list.Model
	chosen string
	done   bool
}

func newPicker(names []string) picker {
	items := make([]list.Item, len(names))
	for i, n := range names {
		items[i] = pickItem(n)
	}
	d := list.NewDefaultDelegate()
	d.ShowDescription = false
	d.SetSpacing(0)
	l := list.New(items, d, 60, 20)
	l.Title = "Choose a profile (type to filter, Enter to choose, Esc to cancel)"
	l.SetShowStatusBar(true)
	l.SetShowHelp(false)
	return picker{list: l}
}

func (p picker) Init() tea.Cmd { return nil }

func (p picker) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.list.SetSize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "ctrl+c":
			p.done = true
			return p, tea.Quit
		case "esc":
			if p.list.FilterState() == list.Unfiltered {
				p.done = true
				return p, tea.Quit
			}
		case "enter":
			if p.list.FilterState() != list.Filtering {
				if it, ok := p.list.SelectedItem().(pickItem); ok {
					p.chosen = string(it)
				}
				p.done = true
				return p, tea.Quit
			}
			// Enter while typing a filter chooses the best match at once.
			var cmd tea.Cmd
			p.list, cmd = p.list.Update(msg)
			if it, ok := p.list.SelectedItem().(pickItem); ok {
				p.chosen = string(it)
				p.done = true
				return p, tea.Quit
			}
			return p, cmd
		default:
			// Typing starts filtering without pressing "/" first.
			if p.list.FilterState() == list.Unfiltered && len(msg.Text) == 1 && msg.Text != "/" && msg.Text != "j" && msg.Text != "k" && msg.Text != "q" {
				p.list.SetFilterState(list.Filtering)
			}
		}
	}
	var cmd tea.Cmd
	p.list, cmd = p.list.Update(msg)
	return p, cmd
}

func (p picker) View() tea.View { return tea.NewView(p.list.View()) }

// runPicker runs the picker on the terminal (drawing on stderr, so stdout
// stays clean for `eval "$(gatehouse env)"`).
func runPicker(d Deps, names []string) (string, error) {
	in := d.Stdin
	if in == nil {
		in = os.Stdin
	}
	m, err := tea.NewProgram(newPicker(names), tea.WithInput(in), tea.WithOutput(d.Stderr)).Run()
	if err != nil {
		return "", fmt.Errorf("running the profile picker: %w", err)
	}
	p := m.(picker)
	if p.chosen == "" {
		return "", errPickCancelled
	}
	fmt.Fprintf(d.Stderr, "Profile %s (next time: name it on the command line).\n", p.chosen)
	return p.chosen, nil
}
