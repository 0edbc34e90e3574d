package simulate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system CPU time: on a machine shared
// with other work, CPU time per batch is the figure that does not depend
// on the neighbours (run with -cpu 1).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchBatch builds a batch of n requests from testdata/bench/request.json
// (a cross-account sts:AssumeRole with 10-statement policies, every one
// with conditions, at every layer: two identity policies, a boundary, a
// session policy, the trust policy, three SCP and two RCP levels, a VPC
// endpoint policy). Each request has its own id and session name; with
// distinct, every policy text differs between requests too (no sharing).
func benchBatch(tb testing.TB, n int, distinct bool) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "bench", "request.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		tb.Fatal(err)
	}
	tmpl := compact.String()
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		r := strings.Replace(tmpl, `"id":"bench"`, fmt.Sprintf(`"id":"bench-%d"`, i), 1)
		r = strings.Replace(r, "/dana", fmt.Sprintf("/user%d", i), 1)
		if distinct {
			r = strings.ReplaceAll(r, `"Sid":"S0"`, fmt.Sprintf(`"Sid":"S0-%d"`, i))
		}
		b.WriteString(r)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// BenchmarkRunBatch measures decoding, evaluating and encoding a batch of
// 1,000 such requests in process (the command adds reading the file and
// process start-up: bench/simulate measures the whole process).
func BenchmarkRunBatch(b *testing.B) {
	for _, distinct := range []bool{false, true} {
		name := "shared-policies"
		if distinct {
			name = "distinct-policies"
		}
		b.Run(name, func(b *testing.B) {
			in := benchBatch(b, 1000, distinct)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			cpu := cpuTime(b)
			for b.Loop() {
				out, err := Run(in)
				if err != nil || out.Invalid() != 0 || len(out.Results) != 1000 {
					b.Fatalf("Run: %v, %d invalid", err, out.Invalid())
				}
				if err := out.WriteJSON(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/batch")
			b.ReportMetric((cpuTime(b)-cpu).Seconds()/float64(b.N), "cpu-s/batch")
		})
	}
}
