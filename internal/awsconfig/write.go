package awsconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// Suffixes of the files kept next to the config file.
const (
	LockSuffix   = ".gatehouse.lock"
	BackupSuffix = ".gatehouse.bak"
)

// Result says what Update did.
type Result struct {
	Path    string // the file written, symlinks resolved
	Old     []byte // content before (nil when the file did not exist)
	New     []byte // content after
	Changed bool
	Backup  string // path of the backup of Old, "" when none was written
}

// Update rewrites the config file at path with change, which receives the
// current content (empty when the file does not exist) and returns the new.
// Symlinks are resolved first so that a dotfiles-managed link keeps pointing
// at its target. The whole read-change-write runs under an exclusive lock on
// a file beside the target, so concurrent gatehouse processes do not lose
// each other's writes. The old content is kept in path+BackupSuffix, and the
// new content replaces the file atomically (temp file, fsync, rename) with
// the old file's mode, or 0600 for a new file. When change returns the same
// bytes nothing is written.
func Update(ctx context.Context, path string, change func(current []byte) ([]byte, error)) (Result, error) {
	target, err := resolve(path)
	if err != nil {
		return Result{}, fmt.Errorf("resolving %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return Result{}, fmt.Errorf("creating the directory of %s: %w", target, err)
	}
	lock := flock.New(target+LockSuffix, flock.SetPermissions(0o600))
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ok, err := lock.TryLockContext(lctx, 20*time.Millisecond)
	if err != nil || !ok {
		return Result{}, hint.Wrap(fmt.Errorf("locking %s: another gatehouse process holds %s: %w", target, target+LockSuffix, errOr(err)),
			"wait for the other `gatehouse profiles` to finish, then run the command again")
	}
	defer func() { _ = lock.Unlock() }()

	res := Result{Path: target}
	mode := fs.FileMode(0o600)
	old, err := os.ReadFile(target)
	switch {
	case err == nil:
		res.Old = old
		if fi, err := os.Stat(target); err == nil {
			mode = fi.Mode().Perm()
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return Result{}, fmt.Errorf("reading %s: %w", target, err)
	}
	next, err := change(old)
	if err != nil {
		return Result{}, err
	}
	res.New = next
	if res.Old != nil && bytes.Equal(old, next) {
		return res, nil
	}
	if res.Old != nil {
		res.Backup = target + BackupSuffix
		if err := WriteFileAtomic(res.Backup, old, 0o600); err != nil {
			return Result{}, fmt.Errorf("keeping a backup of %s: %w", target, err)
		}
	}
	if err := WriteFileAtomic(target, next, mode); err != nil {
		return Result{}, err
	}
	res.Changed = true
	return res, nil
}

func errOr(err error) error {
	if err != nil {
		return err
	}
	return errors.New("timed out after 30s")
}

// resolve follows symlinks, including a dangling one (whose target is then
// created), so a write lands where the link points.
func resolve(path string) (string, error) {
	p, err := filepath.EvalSymlinks(path)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	for range 32 {
		target, lerr := os.Readlink(path)
		if lerr != nil {
			return path, nil
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", fmt.Errorf("too many levels of symbolic links")
}

// WriteFileAtomic replaces path with data as atomicfile.Write does (a
// synced temporary file renamed over path, with mode), then syncs the
// directory so the rename itself survives a crash.
func WriteFileAtomic(path string, data []byte, mode fs.FileMode) error {
	if err := atomicfile.Write(path, data, mode); err != nil {
		return err
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
