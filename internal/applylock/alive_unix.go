//go:build unix

package applylock

import (
	"errors"
	"syscall"
)

// alive reports whether a process of this machine exists: signal 0 reaches
// it, or it exists but belongs to another user (EPERM).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
