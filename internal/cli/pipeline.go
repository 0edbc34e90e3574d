package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/awscall"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// pipelineOptions loads the admin's AWS configuration and wires the
// pipeline's progress to stderr: on a terminal, one line redrawn in place
// ("reading IAM: 120/500 accounts"); when stderr is not a terminal,
// nothing, so that logs and pipes stay clean.
func pipelineOptions(ctx context.Context, d Deps, ao awsOptions, modelRegion string) (pipeline.Options, error) {
	cfg, err := loadAWSConfig(ctx, ao, modelRegion)
	if err != nil {
		return pipeline.Options{}, err
	}
	o := pipeline.Options{AWS: cfg, Stats: awscall.NewStats()}
	if d.StderrTTY {
		o.Progress = (&readProgress{d: d}).show
	}
	return o, nil
}

// finishProgress clears the progress line, if one was drawn.
func finishProgress(d Deps, o pipeline.Options) {
	if d.StderrTTY && o.Progress != nil {
		fmt.Fprint(d.Stderr, "\r\x1b[K")
	}
}

// readProgress draws the pipeline's read progress on one terminal line,
// every step so far side by side (Identity Center and IAM are read at
// once): "organization: 500 accounts | Identity Center: reading | IAM:
// 120/500 accounts".
type readProgress struct {
	d     Deps
	mu    sync.Mutex
	steps []pipeline.Progress
}

func (r *readProgress) show(p pipeline.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	found := false
	for i := range r.steps {
		if r.steps[i].Step == p.Step {
			r.steps[i], found = p, true
		}
	}
	if !found {
		r.steps = append(r.steps, p)
	}
	parts := make([]string, len(r.steps))
	for i, st := range r.steps {
		parts[i] = describeStep(st)
	}
	fmt.Fprintf(r.d.Stderr, "\r\x1b[K%s", strings.Join(parts, " | "))
}

func describeStep(p pipeline.Progress) string {
	switch p.Step {
	case "organization":
		if p.Finished {
			return fmt.Sprintf("organization: %d accounts", p.Total)
		}
		return "organization: reading"
	case "identity center":
		if p.Finished {
			return fmt.Sprintf("Identity Center: %d permission sets", p.Total)
		}
		return "Identity Center: reading"
	case "iam":
		return fmt.Sprintf("IAM: %d/%d accounts", p.Done, p.Total)
	case "policies":
		return fmt.Sprintf("AWS managed policies: %d/%d", p.Done, p.Total)
	}
	return p.Step
}
