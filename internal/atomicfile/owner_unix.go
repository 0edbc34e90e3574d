//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"syscall"
)

// owner returns the user owning a file.
func owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// running reports whether a process with pid exists; one this user may not
// signal exists too.
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
