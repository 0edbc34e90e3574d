//go:build unix

package credcache

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// run replaces this process with bin: nothing of the companion remains
// between gatehouse and the tool that called it.
func run(bin string, args []string, stderr io.Writer) int {
	err := syscall.Exec(bin, append([]string{bin}, args...), os.Environ())
	fmt.Fprintf(stderr, "%s: running %s: %v\n", CompanionName, bin, err)
	return 1
}
