package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/simulate"
)

var simulateFormats = []string{"text", "json"}

// simulateUsageExit is simulate's exit code for bad flags, an unreadable
// file or input that is not JSON. The spec fixes it at 2, whatever the
// general usage code of the CLI becomes.
const simulateUsageExit = 2

type simulateOptions struct {
	input  string
	output string
}

func newSimulateCmd(d Deps) *cobra.Command {
	var opts simulateOptions
	cmd := &cobra.Command{
		Use:   "simulate --input FILE|- [--output text|json]",
		Short: "Evaluate IAM policies offline: may this principal do this action on this resource?",
		Long: `Simulate answers offline the question AWS answers on every request: may this
principal perform this action on this resource, given these policies and this
request context? It reads one request (a JSON object) or a batch (a JSON array of
requests) from FILE, or from standard input with -, evaluates each as AWS documents
it, and prints one result per request, in input order. It calls no AWS API and
writes no file.

Each request carries every policy that bears on it, as AWS policy JSON: identity
policies, permissions boundary, session policies, the resource's policy (a role's
trust policy, a KMS key policy, a bucket policy), SCPs and RCPs level by level
from the organization root, a VPC endpoint policy.

Each result is one of:
  allowed         allowed whatever the unknown inputs are
  explicit_deny   a Deny statement, or a rule of the service, refuses it
  implicit_deny   nothing can allow it
  conditional     it depends on inputs the request marks unknown (a context key
                  such as sts:ExternalId, a role's session name), listed as
                  unknown_keys
A deny lists the kinds of policy that refused it or lacked an Allow (denied_by).

A context key the request does not mention is unknown by default (what an audit
did not collect); "context_complete": true makes it absent, as in a real request.

--output text (the default) prints one line per request for people; --output
json prints one JSON value: a result object for a request object, an array of
results for an array.

Exit status: 0 every request was evaluated, whatever the decisions; 1 at least one
request was invalid (its result carries the error, the others are printed too);
2 bad flags, an unreadable file or input that is not JSON (nothing is printed).

Not modelled: S3 Block Public Access and ACLs, Organizations delegated
administration, the root user's implicit rights (give the root an Allow * *
identity policy to model them), role chaining limits (session duration, source
identity), and which context keys a service sends or which actions take
resource-level permissions: the request states them. The request format is in
docs/simulate.md.`,
		Example: `  # can this role session assume that role? (one request in a file)
  gatehouse simulate --input assume.json

  # a batch written by another tool, results as JSON
  ./export-requests | gatehouse simulate --input - --output json

  # the conditional ones and the keys they depend on
  gatehouse simulate -i batch.json -o json |
    jq -r '.[] | select(.decision == "conditional") | "\(.id): \(.unknown_keys | join(", "))"'`,
		GroupID: "admin",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return simulateUsage(fmt.Errorf("simulate takes no arguments, got %q", args), "name the request file with --input FILE (or - for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(cmd.Context(), d, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.input, "input", "i", "", "read the requests from `FILE`: one JSON request or an array of them; - reads standard input")
	_ = cmd.MarkFlagFilename("input", "json")
	addOutputFlag(cmd, &opts.output, simulateFormats...)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return simulateUsage(err, "gatehouse simulate --help lists the flags")
	})
	return cmd
}

// simulateUsage marks a usage error with simulate's own exit code.
func simulateUsage(err error, help string) error {
	return hint.WithExitCode(hint.Wrap(err, help), simulateUsageExit)
}

func runSimulate(_ context.Context, d Deps, opts simulateOptions) error {
	if !slices.Contains(simulateFormats, opts.output) {
		return simulateUsage(fmt.Errorf("--output %q is not a format simulate writes", opts.output), "use --output text or --output json")
	}
	if opts.input == "" {
		return simulateUsage(errors.New("--input is required"), "name the request file with --input FILE, or --input - to read standard input")
	}
	name := opts.input
	var data []byte
	var err error
	if opts.input == "-" {
		name = "standard input"
		data, err = io.ReadAll(d.Stdin)
	} else {
		data, err = os.ReadFile(opts.input)
	}
	if err != nil {
		return simulateUsage(fmt.Errorf("reading %s: %w", name, err), "check the path given to --input")
	}
	out, err := simulate.Run(data)
	if err != nil {
		return simulateUsage(fmt.Errorf("reading %s: %w", name, err),
			"the input is one request (a JSON object) or an array of them; the format is in docs/simulate.md")
	}
	if opts.output == "json" {
		err = out.WriteJSON(d.Stdout)
	} else {
		err = out.WriteText(d.Stdout)
	}
	if err != nil {
		return hint.Wrap(fmt.Errorf("writing the results: %w", err), "check where standard output goes")
	}
	if n := out.Invalid(); n > 0 {
		return hint.WithExitCode(fmt.Errorf("%s invalid: each invalid result says what is wrong and where", countInvalid(n, len(out.Results), out.Batch)), ExitError)
	}
	return nil
}

// countInvalid writes "the request is", "1 of 5 requests is" or "2 of 5
// requests are".
func countInvalid(n, total int, batch bool) string {
	switch {
	case !batch:
		return "the request is"
	case n == 1:
		return fmt.Sprintf("1 of %d requests is", total)
	}
	return fmt.Sprintf("%d of %d requests are", n, total)
}
