package awsconfig

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
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

// Updater rewrites the AWS config file. Files says whose files it may
// replace (see atomicfile.Files.Target); Update uses the running user's.
type Updater struct {
	Files atomicfile.Files
}

// Update rewrites the config file at path as Updater.Update does, for the
// user running gatehouse.
func Update(ctx context.Context, path string, change func(current []byte) ([]byte, error)) (Result, error) {
	return Updater{Files: atomicfile.Default()}.Update(ctx, path, change)
}

// errChanged says the file changed on disk since it was read.
var errChanged = errors.New("changed on disk")

// Update rewrites the config file at path with change, which receives the
// current content (empty when the file does not exist) and returns the new.
//
// The file must be a regular file of the user's, or a symbolic link to one
// (a dotfiles-managed link keeps pointing at its target, which is what is
// replaced); anything else is refused before anything is created (see
// atomicfile.Files.Target). The whole read-change-write runs under an
// exclusive lock on a file beside the target, so concurrent gatehouse
// processes do not lose each other's writes. Just before the new content
// replaces the file, the file is read again: if another program changed it
// since it was read, change runs again on the new content, once; if it
// changed again, nothing is written and the error says so. The old content
// is kept in path+BackupSuffix, and the new content replaces the file
// atomically (temp file, fsync, rename) with the old file's mode, or 0600
// for a new file. When change returns the same bytes nothing is written.
func (u Updater) Update(ctx context.Context, path string, change func(current []byte) ([]byte, error)) (Result, error) {
	target, _, err := u.Files.Target(path)
	if err != nil {
		return Result{}, err
	}
	lockPath := target + LockSuffix
	if fi, err := os.Lstat(lockPath); err == nil && !fi.Mode().IsRegular() {
		return Result{}, hint.Wrap(fmt.Errorf("the lock file %s is not a regular file", lockPath),
			"remove it: gatehouse creates it again")
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return Result{}, fmt.Errorf("creating the directory of %s: %w", target, err)
	}
	lock := flock.New(lockPath, flock.SetPermissions(0o600))
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ok, err := lock.TryLockContext(lctx, 20*time.Millisecond)
	if err != nil || !ok {
		return Result{}, hint.Wrap(fmt.Errorf("locking %s: another gatehouse process holds %s: %w", target, lockPath, errOr(err)),
			"wait for the other `gatehouse profiles` to finish, then run the command again")
	}
	defer func() { _ = lock.Unlock() }()

	for attempt := 1; ; attempt++ {
		res, err := u.write(target, change)
		if !errors.Is(err, errChanged) {
			return res, err
		}
		if attempt == 2 {
			return Result{}, hint.Wrap(fmt.Errorf("%s changed while gatehouse was updating it, twice: another program is editing it; nothing was written", target),
				"close the program that edits it (an editor, a dotfiles sync), then run the command again")
		}
	}
}

// write does one read-change-write of target, returning errChanged when
// the file changed between the read and the rename.
func (u Updater) write(target string, change func(current []byte) ([]byte, error)) (Result, error) {
	res := Result{Path: target}
	was, err := readSnapshot(target)
	if err != nil {
		return Result{}, fmt.Errorf("reading %s: %w", target, err)
	}
	mode := fs.FileMode(0o600)
	if was.exists {
		res.Old = was.data
		mode = was.mode
	}
	next, err := change(was.data)
	if err != nil {
		return Result{}, err
	}
	res.New = next
	if was.exists && bytes.Equal(was.data, next) {
		return res, nil
	}
	if was.exists {
		res.Backup = target + BackupSuffix
		if err := u.Files.Write(res.Backup, was.data, 0o600); err != nil {
			return Result{}, fmt.Errorf("keeping a backup of %s: %w", target, err)
		}
	}
	err = u.Files.WriteIf(target, next, mode, func(string) error {
		now, err := readSnapshot(target)
		if err != nil {
			return fmt.Errorf("reading %s again: %w", target, err)
		}
		if !now.same(was) {
			return errChanged
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	res.Changed = true
	return res, nil
}

// snapshot is what was read of the config file, to tell whether it changed
// since: its content, and its size and SHA-256 to compare with.
type snapshot struct {
	exists bool
	data   []byte
	mode   fs.FileMode
	size   int64
	sum    [sha256.Size]byte
}

// MaxConfigSize bounds the config file Update reads: the AWS CLI's own
// files are kilobytes, so a larger file is not one (a link pointing at the
// wrong file, say) and is refused rather than read into memory.
const MaxConfigSize = 16 << 20

func readSnapshot(path string) (snapshot, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return snapshot{}, nil
	}
	if err != nil {
		return snapshot{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return snapshot{}, err
	}
	if len(data) > MaxConfigSize {
		return snapshot{}, hint.Wrap(fmt.Errorf("it is larger than %d MiB: not an AWS config file", MaxConfigSize>>20),
			"check which file the path (or the link at it) names")
	}
	s := snapshot{exists: true, data: data, mode: 0o600, size: int64(len(data)), sum: sha256.Sum256(data)}
	if fi, err := os.Stat(path); err == nil {
		s.mode = fi.Mode().Perm()
	}
	return s, nil
}

// same reports whether two reads saw the same file content. The time of
// modification is not compared: a program that rewrites the file with the
// same bytes has no edit to lose.
func (s snapshot) same(o snapshot) bool {
	return s.exists == o.exists && s.size == o.size && s.sum == o.sum
}

func errOr(err error) error {
	if err != nil {
		return err
	}
	return errors.New("timed out after 30s")
}
