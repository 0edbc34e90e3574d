// Package atomicfile replaces files atomically: the data goes to a temporary
// file in the target's directory, is synced to disk and renamed over the
// target, so a reader or a crash sees the old content or the new, never half
// a file. It is the one place gatehouse writes files it must not corrupt:
// token and credential caches, saved plans, the managed AWS config and the
// sandbox state.
package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// TempPattern is the os.CreateTemp pattern of the temporary file written
// next to a file named base: hidden, and recognisable by its ".tmp" suffix
// should a crash ever leave one behind.
func TempPattern(base string) string {
	return "." + base + ".*.tmp"
}

// Write replaces path with data, giving it mode perm whatever the file had
// before. The parent directory must exist. On any failure the temporary file
// is removed and path is left as it was. Errors name path.
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), TempPattern(filepath.Base(path)))
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	// Chmod ignores the umask, so the file gets exactly perm.
	if err = tmp.Chmod(perm); err == nil {
		if _, err = tmp.Write(data); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// WritePrivate writes a secret: it creates the parent directory with mode
// 0700 if missing, then replaces path with data with mode 0600 as Write
// does, so no other user can read it.
func WritePrivate(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return Write(path, data, 0o600)
}
