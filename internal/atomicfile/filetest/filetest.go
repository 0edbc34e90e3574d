//go:build unix

// Package filetest helps the tests of the rules for files gatehouse writes
// (internal/atomicfile and the writers built on it): a device to point a
// link at, and a listing of a directory tree that shows whatever a write
// changed or left behind.
package filetest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Device returns a character device to write at: a null device of the
// test's own, made in dir, when the test may create one (root in a
// container), /dev/null otherwise. The rules refuse a device before
// anything is written, so /dev/null is never at risk once they hold; the
// private node keeps the machine's /dev/null safe from a build where they
// do not.
func Device(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "null")
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		return p
	}
	return os.DevNull
}

// Listing describes every entry under root, root itself first: its path
// relative to root and its kind; a link's target; a regular file's
// permissions and content.
func Listing(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch m := fi.Mode(); {
		case m&fs.ModeSymlink != 0:
			dst, _ := os.Readlink(p)
			out = append(out, rel+" -> "+dst)
		case m.IsRegular():
			data, _ := os.ReadFile(p)
			out = append(out, fmt.Sprintf("%s %v %q", rel, m.Perm(), data))
		default:
			out = append(out, rel+" "+m.Type().String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
