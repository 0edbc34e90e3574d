package ssologin

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// The token cache holds bearer tokens and client secrets, so gatehouse
// checks its files before it trusts them (docs/engineer.md, "Files
// gatehouse writes"):
//   - the cache directory may be a symbolic link, to a directory; it must
//     belong to the user, and one that others may open is made 0700, with a
//     warning;
//   - a token file may be a symbolic link to a regular file; it must belong
//     to the user, and one that others may read is made 0600, with a
//     warning;
//   - anything else (a device, a pipe, a directory where a file should be,
//     a dangling link, a loop, a file of another user) is an error, and
//     nothing is read or written.
//
// Repairs are made rather than refused because the AWS CLI, or an old
// umask, may leave a cache readable by others; the user owns it and can be
// told. A file of someone else's cannot be trusted nor fixed.

// files returns whose files the store may use: Files, or the running
// user's.
func (s FileStore) files() atomicfile.Files {
	if s.Files != nil {
		return *s.Files
	}
	return atomicfile.Default()
}

// warnf reports a repair on Warnings, or on standard error when it is nil.
func (s FileStore) warnf(format string, args ...any) {
	w := s.Warnings
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "warning: "+format+"\n", args...)
}

// privateDir applies the directory rule to dir. exists is false when dir
// does not exist (nor does a link at it).
func (s FileStore) privateDir(dir string) (exists bool, err error) {
	return s.checkDir(dir, "the SSO token cache "+dir)
}

// checkDir applies the directory rule to dir, named what in messages.
func (s FileStore) checkDir(dir, what string) (exists bool, err error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false, hint.Wrap(fmt.Errorf("checking %s: %w", what, err),
			"make it a directory, or a link to one, that only you can open")
	}
	fi, err := os.Stat(real)
	if err != nil {
		return false, fmt.Errorf("checking %s: %w", what, err)
	}
	if real != dir {
		what += " (a link to " + real + ")"
	}
	if !fi.IsDir() {
		return false, hint.Wrap(fmt.Errorf("%s is not a directory", what), "remove it: gatehouse creates the directory at the next login")
	}
	if err := s.files().CheckOwner(what, fi); err != nil {
		return false, err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(real, perm&0o700); err != nil {
			return false, fmt.Errorf("making %s private: %w", what, err)
		}
		s.warnf("%s was open to other users (mode %04o); made it %04o. If others use this machine, they may have read the secrets in it: run `gatehouse logout` and log in again",
			what, perm, perm&0o700)
	}
	return true, nil
}

// privateFile applies the file rule to path and returns the file to read,
// links followed; exists is false when there is none.
func (s FileStore) privateFile(path string) (real string, exists bool, err error) {
	real, fi, err := s.files().Target(path)
	if err != nil {
		return "", false, err
	}
	if fi == nil {
		return "", false, nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(real, perm&0o600); err != nil {
			return "", false, fmt.Errorf("making the SSO token %s private: %w", real, err)
		}
		s.warnf("the SSO token %s was readable by other users (mode %04o); made it %04o. If others use this machine, they may have read it: run `gatehouse logout` and log in again",
			real, perm, perm&0o600)
	}
	return real, true, nil
}

// readPrivate reads the cache file at path under the rules; it returns
// ErrNotFound when the directory or the file does not exist.
func (s FileStore) readPrivate(path string) ([]byte, error) {
	exists, err := s.privateDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, ErrNotFound
	}
	real, exists, err := s.privateFile(path)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, ErrNotFound
	}
	f, err := os.Open(real)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("reading the token cache: %w", err)
	}
	defer f.Close()
	// A token is a few kilobytes; a larger file is not one.
	data, err := io.ReadAll(io.LimitReader(f, maxCacheFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading the token cache: %w", err)
	}
	if len(data) > maxCacheFile {
		return nil, hint.Wrap(fmt.Errorf("the SSO token %s is larger than %d bytes: not a token", real, maxCacheFile),
			"remove it and log in again")
	}
	return data, nil
}

// maxCacheFile bounds what is read of a cache file.
const maxCacheFile = 1 << 20

// writePrivate writes a cache file under the rules: the directory is
// checked (created 0700 when missing), then the file replaced atomically
// with mode 0600.
func (s FileStore) writePrivate(path string, data []byte) error {
	return s.writePrivateIn(path, data, "the SSO token cache "+filepath.Dir(path))
}

// writePrivateIn is writePrivate for a file whose directory is named what
// in messages.
func (s FileStore) writePrivateIn(path string, data []byte, what string) error {
	if _, err := s.checkDir(filepath.Dir(path), what); err != nil {
		return err
	}
	return s.files().WritePrivate(path, data)
}
