package cli

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

func TestCanOpenBrowser(t *testing.T) {
	open := func(string) error { return nil }
	tests := []struct {
		name  string
		env   map[string]string
		open  func(string) error
		linux bool // the expectation on Linux; macOS and Windows always have a browser
	}{
		{"display", map[string]string{"DISPLAY": ":0"}, open, true},
		{"wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, open, true},
		{"headless", map[string]string{}, open, false},
		{"over SSH, even with X forwarding", map[string]string{"DISPLAY": "localhost:10", "SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"}, open, false},
		{"$BROWSER wins", map[string]string{"BROWSER": "w3m", "SSH_TTY": "/dev/pts/1"}, open, true},
		{"no opener", map[string]string{"DISPLAY": ":0"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.linux
			if runtime.GOOS != "linux" && tt.open != nil && tt.env["SSH_CONNECTION"] == "" {
				want = true
			}
			d := Deps{Getenv: func(k string) string { return tt.env[k] }, OpenBrowser: tt.open}
			if got := canOpenBrowser(d); got != want {
				t.Errorf("canOpenBrowser = %v, want %v", got, want)
			}
		})
	}
}

// TestReadProgress: on a terminal, the steps of a plan's read share one
// line redrawn in place; off a terminal nothing is drawn.
func TestReadProgress(t *testing.T) {
	var out strings.Builder
	r := &readProgress{d: Deps{Stderr: &out}}
	r.show(pipeline.Progress{Step: "organization"})
	r.show(pipeline.Progress{Step: "organization", Done: 500, Total: 500, Finished: true})
	r.show(pipeline.Progress{Step: "identity center"})
	r.show(pipeline.Progress{Step: "iam", Done: 120, Total: 500})
	lines := strings.Split(out.String(), "\r\x1b[K")
	if got, want := lines[len(lines)-1], "organization: 500 accounts | Identity Center: reading | IAM: 120/500 accounts"; got != want {
		t.Errorf("last progress line = %q, want %q", got, want)
	}
	if strings.Contains(out.String(), "\n") {
		t.Errorf("progress wrote a newline: %q", out.String())
	}
	o, err := pipelineOptions(context.Background(), Deps{Stderr: &out, Getenv: func(string) string { return "" }}, awsOptions{region: "us-east-1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Progress != nil {
		t.Error("progress is drawn when stderr is not a terminal")
	}
}
