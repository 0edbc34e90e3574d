// Package atomicfile replaces files atomically and safely. The data goes to
// a temporary file in the target's directory, is synced to disk and renamed
// over the target, so a reader or a crash sees the old content or the new,
// never half a file. Before anything is written, the target is checked:
// gatehouse replaces only regular files that belong to the user running it,
// follows a symbolic link only to such a file (and keeps the link), and
// refuses devices, pipes, directories, dangling links and loops with an
// error that changes nothing. Temporary files are named after their writer,
// so those a killed process left behind are removed by the next write.
//
// It is the one place gatehouse writes files it must not corrupt: token and
// credential caches, saved plans, the managed AWS config and the sandbox
// state. The rules are described in docs/engineer.md ("Files gatehouse
// writes").
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
)

// maxLinks bounds how many symbolic links are followed, as the kernel's
// ELOOP limit does.
const maxLinks = 40

// StaleAfter is the age past which a temporary file of gatehouse's is
// removed even if a process with its writer's PID runs: a write takes
// milliseconds, so such a file was left by a crash and its PID reused.
const StaleAfter = 10 * time.Minute

// staleDeadAfter is the age past which a temporary file whose writer is no
// longer running is removed. The delay protects a write in progress from a
// gatehouse in another PID namespace (a container sharing the home
// directory), whose PID means nothing here.
const staleDeadAfter = time.Minute

// Files writes files on behalf of one user. The zero value is not useful:
// use Default, or set UID (tests set another UID to check the owner rule).
type Files struct {
	// UID is the user whose files may be replaced; -1 skips the owner
	// check (on systems whose files have no numeric owner).
	UID int
	// OwnerOf returns the user owning a file, ok false when the file
	// system does not say; nil reads it from the file system. Tests set it
	// to give files another owner.
	OwnerOf func(fs.FileInfo) (uid int, ok bool)
}

// Default returns the Files of the user running gatehouse.
func Default() Files { return Files{UID: os.Getuid()} }

// Write replaces path with data as Default().Write does.
func Write(path string, data []byte, perm fs.FileMode) error {
	return Default().Write(path, data, perm)
}

// WritePrivate writes a secret as Default().WritePrivate does.
func WritePrivate(path string, data []byte) error { return Default().WritePrivate(path, data) }

// Target returns the file a write at path replaces, as Default().Target
// does.
func Target(path string) (string, fs.FileInfo, error) { return Default().Target(path) }

// Write replaces the file at path with data, giving it mode perm whatever
// the file had before. The parent directory must exist. When path is a
// symbolic link, the file it points to is replaced and the link kept. The
// rules of Target apply first: on a refusal nothing is written. On any
// failure the temporary file is removed and the target left as it was.
// Errors name path.
func (f Files) Write(path string, data []byte, perm fs.FileMode) error {
	return f.WriteIf(path, data, perm, nil)
}

// WriteIf is Write with a last check: once the new content is safely on
// disk and just before it replaces the target, check is called with the
// target's path; an error from it stops the write, leaves the target as it
// was and is returned as it is. Callers use it to make sure the file did not
// change since they read it.
func (f Files) WriteIf(path string, data []byte, perm fs.FileMode, check func(target string) error) (err error) {
	target, _, err := f.Target(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	removeStale(dir, filepath.Base(target), time.Now())
	tmp, err := os.CreateTemp(dir, tempPrefix(filepath.Base(target))+strconv.Itoa(os.Getpid())+"-*")
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
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if check != nil {
		if err = check(target); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// The rename itself must survive a crash: sync the directory that
	// records it.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// WritePrivate writes a secret: it creates the parent directory with mode
// 0700 if missing, then replaces path with data with mode 0600 as Write
// does, so no other user can read it.
func (f Files) WritePrivate(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return f.Write(path, data, 0o600)
}

// Target returns the file a write at path replaces, and its FileInfo (nil
// when it does not exist yet), or an error saying why gatehouse will not
// write there. The rules:
//   - a missing path is created;
//   - a regular file is replaced if it belongs to the user;
//   - a symbolic link is followed, link after link, to a regular file that
//     belongs to the user, which is replaced while the links stay;
//   - anything else is refused: a device, a named pipe, a socket, a
//     directory, a link to one of them, a dangling link (gatehouse does not
//     create files where a link points) and a loop of links.
func (f Files) Target(path string) (string, fs.FileInfo, error) {
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			if p == path {
				return p, nil, nil
			}
			return "", nil, hint.Wrap(fmt.Errorf("%s is a symbolic link to %s, which does not exist", path, p),
				"create the file the link points to, or remove the link")
		}
		if err != nil {
			return "", nil, fmt.Errorf("checking %s: %w", path, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			dst, err := os.Readlink(p)
			if err != nil {
				return "", nil, fmt.Errorf("checking %s: %w", path, err)
			}
			if !filepath.IsAbs(dst) {
				dst = filepath.Join(filepath.Dir(p), dst)
			}
			p = dst
			continue
		}
		if err := f.check(path, p, fi); err != nil {
			return "", nil, err
		}
		return p, fi, nil
	}
	return "", nil, hint.Wrap(fmt.Errorf("%s: too many symbolic links (more than %d, or a loop)", path, maxLinks),
		"make the link point at the file itself")
}

// check applies the rules to the file found at p by following path.
func (f Files) check(path, p string, fi fs.FileInfo) error {
	what := path
	if p != path {
		what = path + " is a symbolic link to " + p + ", which"
	}
	if !fi.Mode().IsRegular() {
		return hint.Wrap(fmt.Errorf("%s is a %s, not a regular file: gatehouse writes only regular files", what, kind(fi.Mode())),
			"remove it, or name a regular file instead")
	}
	return f.CheckOwner(what, fi)
}

// CheckOwner returns an error naming what when the file fi describes does
// not belong to f's user.
func (f Files) CheckOwner(what string, fi fs.FileInfo) error {
	ownerOf := f.OwnerOf
	if ownerOf == nil {
		ownerOf = owner
	}
	if uid, ok := ownerOf(fi); ok && f.UID >= 0 && uid != f.UID {
		return hint.Wrap(fmt.Errorf("%s is owned by uid %d, not by you (uid %d): gatehouse uses only your own files", what, uid, f.UID),
			"run gatehouse as the user who owns it (not through sudo), or remove the file")
	}
	return nil
}

// kind names a file type for messages.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "directory"
	default:
		return "special file"
	}
}

// tempPrefix is how the temporary files written next to a file named base
// start; the writer's PID and a random suffix follow:
// .config.gatehouse-tmp-<pid>-<random>. Hidden, and recognisable should a
// crash leave one behind.
func tempPrefix(base string) string {
	return "." + base + ".gatehouse-tmp-"
}

// removeStale deletes the temporary files that writes of base left in dir
// when they were killed: those older than StaleAfter, and those older than
// staleDeadAfter whose writer no longer runs. Only regular files named as
// tempPrefix names them are touched; errors are ignored, as the next write
// tries again.
func removeStale(dir, base string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(fi.ModTime())
		if age > StaleAfter || (age > staleDeadAfter && !running(pid)) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
