package credcache

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// CompanionName is the small binary that profiles written by `gatehouse
// profiles --credential-process` run: it answers cache hits itself and
// hands everything else to gatehouse.
const CompanionName = "gatehouse-credential-process"

// Companion is gatehouse-credential-process: args are its arguments
// (`--profile P`, as `gatehouse credential-process` takes them). When the
// profile's credentials are cached and good at now it prints them and
// returns 0; otherwise (a miss, or arguments it does not know) it returns
// what handOff returns for `credential-process` followed by args, so that
// gatehouse fetches, locks, refreshes and reports exactly as it would
// alone.
func Companion(args []string, getenv func(string) string, now time.Time, stdout, stderr io.Writer, handOff func(args []string) int) int {
	if profile, ok := profileArg(args); ok {
		if p, err := Locate(getenv); err == nil {
			if c, hit := Read(p.Credentials, p.Config, profile, now); hit {
				if _, err := stdout.Write(ProcessJSON(c)); err != nil {
					fmt.Fprintf(stderr, "%s: writing the credentials: %v\n", CompanionName, err)
					return 1
				}
				return 0
			}
		}
	}
	return handOff(append([]string{"credential-process"}, args...))
}

// profileArg returns the profile of `--profile P` or `--profile=P`, the
// only arguments the companion answers by itself.
func profileArg(args []string) (string, bool) {
	switch {
	case len(args) == 2 && args[0] == "--profile" && args[1] != "":
		return args[1], true
	case len(args) == 1 && len(args[0]) > len("--profile=") && args[0][:len("--profile=")] == "--profile=":
		return args[0][len("--profile="):], true
	}
	return "", false
}

// HandOff runs gatehouse with args in place of this process (on Unix the
// process image is replaced, so standard streams, signals and the exit
// code are gatehouse's own) and returns the exit code where it cannot.
// gatehouse is looked for next to this binary (links resolved), then on
// PATH.
func HandOff(args []string, stderr io.Writer) int {
	bin, err := FindGatehouse()
	if err != nil {
		fmt.Fprintf(stderr, "%s: the credentials are not cached and gatehouse cannot be found to fetch them: %v\n"+
			"hint: install gatehouse next to %s or on PATH\n", CompanionName, err, CompanionName)
		return 1
	}
	return run(bin, args, stderr)
}

// FindGatehouse returns the gatehouse binary that companions hand misses
// to: the one in the companion's own directory, else the first on PATH.
func FindGatehouse() (string, error) {
	name := "gatehouse"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		cand := filepath.Join(filepath.Dir(exe), name)
		if fi, err := os.Stat(cand); err == nil && fi.Mode().IsRegular() && (runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0) {
			return cand, nil
		}
	}
	return exec.LookPath("gatehouse")
}
