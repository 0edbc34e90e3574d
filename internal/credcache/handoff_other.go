//go:build !unix

package credcache

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// run starts bin with the companion's standard streams and returns its
// exit code (Windows cannot replace a process image).
func run(bin string, args []string, stderr io.Writer) int {
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: running %s: %v\n", CompanionName, bin, err)
		return 1
	}
	return 0
}
