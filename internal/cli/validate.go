package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/model"
)

var validateFormats = []string{"text", "json"}

type validateOptions struct {
	file   string
	output string
}

func newValidateCmd(d Deps) *cobra.Command {
	var opts validateOptions
	cmd := &cobra.Command{
		Use:   "validate [-f FILE] [--output text|json]",
		Short: "Check an access model and report every problem at once",
		Long: `Validate reads the access model and checks it without calling AWS: YAML syntax,
unknown keys (with "did you mean"), references between accounts, users, groups,
permission sets and roles, account IDs (and YAML's number traps), ARNs, names,
durations, tags, and inline policies against IAM's grammar and AWS's size limits.
It also checks that the SAML metadata files the model names exist. It never
writes anything and never calls AWS.

A valid model prints a one-line summary on stdout and exits 0. Otherwise every
problem is printed on stderr, one per line, sorted by position:

  file:line:col: what is wrong (how to fix it)

followed by a hint line, and the exit code is 1. Editors that read compiler
output (vim's quickfix, VS Code's problem matchers) can jump to each line.

--output json writes one JSON object on stdout instead, for scripts and CI:

  {"valid": false,
   "problems": [{"file": "gatehouse.yaml", "line": 3, "column": 21,
                 "message": "...", "hint": "..."}],
   "summary": {"accounts": 2, "users": 1, "groups": 1, "permission_sets": 1,
               "assignments": 1, "roles": 0, "problems": 1}}

The exit code is the same as for text. The format of each key is described in
docs/access-model.md.`,
		Example: `  # check gatehouse.yaml in the current directory
  gatehouse validate

  # check another file
  gatehouse validate -f examples/startup.yaml

  # in CI: fail the job and annotate each problem
  gatehouse validate -o json | jq -r '.problems[] | "\(.file):\(.line): \(.message)"'`,
		GroupID: "admin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runValidate(cmd.Context(), d, opts)
		},
	}
	addFileFlag(cmd, &opts.file)
	addOutputFlag(cmd, &opts.output, validateFormats...)
	return cmd
}

func runValidate(_ context.Context, d Deps, opts validateOptions) error {
	if err := checkOutput("validate", opts.output, validateFormats...); err != nil {
		return err
	}
	m, err := model.Load(opts.file)
	var probs model.Problems
	switch {
	case errors.As(err, &probs):
	case errors.Is(err, fs.ErrNotExist):
		return hint.Wrap(err, "write the model there, or name it with -f FILE")
	case err != nil:
		return err
	}
	if opts.output == "json" {
		if err := writeValidation(d, opts.file, m, probs); err != nil {
			return err
		}
	} else if len(probs) == 0 {
		fmt.Fprintf(d.Stdout, "%s is valid: %s\n", opts.file, summary(m))
	} else {
		for _, p := range probs {
			fmt.Fprintln(d.Stderr, p.String())
		}
		fmt.Fprintln(d.Stderr, "hint: "+probs.Hint())
	}
	if len(probs) > 0 {
		return hint.WithExitCode(errSilent, ExitError)
	}
	return nil
}

// validation is the JSON that validate --output json writes.
type validation struct {
	Valid    bool                `json:"valid"`
	Problems []validationProblem `json:"problems"`
	Summary  validationSummary   `json:"summary"`
}

type validationProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

type validationSummary struct {
	Accounts       int `json:"accounts"`
	Users          int `json:"users"`
	Groups         int `json:"groups"`
	PermissionSets int `json:"permission_sets"`
	Assignments    int `json:"assignments"`
	Roles          int `json:"roles"`
	Problems       int `json:"problems"`
}

func writeValidation(d Deps, file string, m *model.Model, probs model.Problems) error {
	out := validation{Valid: len(probs) == 0, Problems: []validationProblem{}}
	for _, p := range probs {
		out.Problems = append(out.Problems, validationProblem{File: p.Pos.File, Line: p.Pos.Line, Column: p.Pos.Col, Message: p.Message, Hint: p.Hint})
	}
	if m != nil {
		out.Summary = validationSummary{
			Accounts: len(m.Accounts), Users: len(m.Users), Groups: len(m.Groups), PermissionSets: len(m.PermissionSets),
			Assignments: len(m.Assignments), Roles: len(m.Roles),
		}
	}
	out.Summary.Problems = len(probs)
	enc := json.NewEncoder(d.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return hint.Wrap(fmt.Errorf("writing the result of validating %s: %w", file, err), "check where standard output goes")
	}
	return nil
}

func summary(m *model.Model) string {
	return fmt.Sprintf("%s, %s, %s, %s, %s, %s",
		nounCount(len(m.Accounts), "account"), nounCount(len(m.Users), "user"), nounCount(len(m.Groups), "group"),
		nounCount(len(m.PermissionSets), "permission set"), nounCount(len(m.Assignments), "assignment"), nounCount(len(m.Roles), "role"))
}

// nounCount writes "1 role", "2 roles".
func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func addFileFlag(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVarP(file, "file", "f", model.DefaultFile, "access model file")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
}
