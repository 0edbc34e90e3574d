// Command simulate measures `gatehouse simulate` as a whole process on a
// batch of requests: start-up, reading the file, parsing, evaluating and
// writing the JSON results. It builds the binary, writes the batches to a
// temporary directory, runs each batch several times after warm-up runs,
// and prints wall time and the child's CPU time (user + system: on a
// machine shared with other work, CPU time is the figure that does not
// depend on the neighbours).
//
//	go run ./bench/simulate                  # 1,000 requests, 20 runs per batch
//	go run ./bench/simulate -requests 5000 -runs 5
//
// The batches, each of -requests requests:
//   - heavy-shared: internal/simulate/testdata/bench/request.json (a
//     cross-account sts:AssumeRole with 10-statement policies, all with
//     conditions, at every layer), each request with its own id and session
//     name, the policies the same text in every request (the audit's shape:
//     many callers, the same policies);
//   - heavy-distinct: the same, every policy text different in every
//     request (nothing shared: the worst case);
//   - examples: the requests of the spec's worked examples, in turn.
//
// Figures and the commands that produced them are in docs/performance.md.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	requests := flag.Int("requests", 1000, "requests per batch")
	runs := flag.Int("runs", 20, "measured runs per batch")
	warmup := flag.Int("warmup", 3, "unmeasured runs first")
	testdata := flag.String("testdata", filepath.Join("internal", "simulate", "testdata"), "the simulate package's testdata directory")
	bin := flag.String("bin", "", "gatehouse binary to measure (default: build ./cmd/gatehouse)")
	flag.Parse()
	if err := run(*requests, *runs, *warmup, *testdata, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/simulate:", err)
		os.Exit(1)
	}
}

func run(requests, runs, warmup int, testdata, bin string) error {
	dir, err := os.MkdirTemp("", "gatehouse-bench-simulate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "gatehouse")
		build := exec.Command("go", "build", "-o", bin, "./cmd/gatehouse")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building gatehouse (run from the repository root): %w", err)
		}
	}
	batches, err := makeBatches(testdata, requests)
	if err != nil {
		return err
	}
	fmt.Printf("%d requests per batch, %d runs after %d warm-up runs\n\n", requests, runs, warmup)
	fmt.Println("| batch | input | wall median | wall p90 | wall min | CPU median | CPU min |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, b := range batches {
		path := filepath.Join(dir, b.name+".json")
		if err := os.WriteFile(path, b.data, 0o600); err != nil {
			return err
		}
		var walls, cpus []time.Duration
		for i := range warmup + runs {
			wall, cpu, err := once(bin, path, requests, i == 0)
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			if i >= warmup {
				walls, cpus = append(walls, wall), append(cpus, cpu)
			}
		}
		fmt.Printf("| %s | %.1f MB | %s | %s | %s | %s | %s |\n", b.name, float64(len(b.data))/1e6,
			ms(pct(walls, 50)), ms(pct(walls, 90)), ms(slices.Min(walls)), ms(pct(cpus, 50)), ms(slices.Min(cpus)))
	}
	return nil
}

// once runs gatehouse simulate on path and returns its wall and CPU time;
// check also verifies the output (one decision per request).
func once(bin, path string, requests int, check bool) (wall, cpu time.Duration, err error) {
	cmd := exec.Command(bin, "simulate", "--input", path, "--output", "json")
	var out bytes.Buffer
	cmd.Stdout = io.Discard
	if check {
		cmd.Stdout = &out
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %s", err, stderr.String())
	}
	cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if check {
		var results []struct{ Decision string }
		if err := json.Unmarshal(out.Bytes(), &results); err != nil {
			return 0, 0, fmt.Errorf("reading the results: %w", err)
		}
		if len(results) != requests || results[0].Decision == "" {
			return 0, 0, fmt.Errorf("%d results, the first %+v; want %d decisions", len(results), results[0], requests)
		}
	}
	return wall, cpu, nil
}

type batch struct {
	name string
	data []byte
}

// makeBatches builds the three batches of the package comment.
func makeBatches(testdata string, n int) ([]batch, error) {
	raw, err := os.ReadFile(filepath.Join(testdata, "bench", "request.json"))
	if err != nil {
		return nil, err
	}
	var tmpl bytes.Buffer
	if err := json.Compact(&tmpl, raw); err != nil {
		return nil, err
	}
	heavy := func(i int, distinct bool) string {
		r := strings.Replace(tmpl.String(), `"id":"bench"`, fmt.Sprintf(`"id":"bench-%d"`, i), 1)
		r = strings.Replace(r, "/dana", fmt.Sprintf("/user%d", i), 1)
		if distinct {
			r = strings.ReplaceAll(r, `"Sid":"S0"`, fmt.Sprintf(`"Sid":"S0-%d"`, i))
		}
		return r
	}
	var examples []string
	files, _ := filepath.Glob(filepath.Join(testdata, "examples", "example[0-9].json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var reqs []json.RawMessage
		if err := json.Unmarshal(b, &reqs); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range reqs {
			var c bytes.Buffer
			if err := json.Compact(&c, r); err != nil {
				return nil, err
			}
			examples = append(examples, c.String())
		}
	}
	if len(examples) == 0 {
		return nil, fmt.Errorf("no worked examples in %s", testdata)
	}
	join := func(f func(i int) string) []byte {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return []byte("[" + strings.Join(parts, ",") + "]")
	}
	return []batch{
		{"heavy-shared", join(func(i int) string { return heavy(i, false) })},
		{"heavy-distinct", join(func(i int) string { return heavy(i, true) })},
		{"examples", join(func(i int) string { return examples[i%len(examples)] })},
	}, nil
}

// pct returns the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
