//go:build unix

package ssologin

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
)

const cacheTokenJSON = `{"accessToken":"a","expiresAt":"2030-01-01T00:00:00Z"}`

// cacheScene is a home directory in which a case builds the token cache.
type cacheScene struct {
	t    *testing.T
	root string
}

func (s cacheScene) dir() string   { return filepath.Join(s.root, "sso", "cache") }
func (s cacheScene) token() string { return filepath.Join(s.dir(), CacheKey("corp")+".json") }

func (s cacheScene) mkdir(p string, perm fs.FileMode) {
	s.t.Helper()
	if err := os.MkdirAll(p, perm); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		s.t.Fatal(err)
	}
}

func (s cacheScene) write(p, content string, perm fs.FileMode) {
	s.t.Helper()
	s.mkdir(filepath.Dir(p), 0o700)
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		s.t.Fatal(err)
	}
}

func (s cacheScene) link(target, at string) {
	s.t.Helper()
	if err := os.Symlink(target, at); err != nil {
		s.t.Fatal(err)
	}
}

// theirs gives the files whose name starts with "theirs" to another user.
func theirs(fi fs.FileInfo) (int, bool) {
	if strings.HasPrefix(fi.Name(), "theirs") {
		return os.Getuid() + 4242, true
	}
	return os.Getuid(), true
}

// modes lists the permissions of the cache directory and the token file
// (through links), "absent" for what does not exist.
func modes(s cacheScene) []string {
	var out []string
	for _, p := range []string{s.dir(), s.token()} {
		fi, err := os.Stat(p)
		if err != nil {
			out = append(out, "absent")
			continue
		}
		out = append(out, fi.Mode().Perm().String())
	}
	return out
}

func TestFileStoreLoadRules(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(s cacheScene)
		wantErr   string   // "" when the token loads
		wantWarn  string   // part of the warning printed, "" for none
		wantModes []string // cache directory and token after Load
	}{
		{
			name:      "a private cache loads silently",
			setup:     func(s cacheScene) { s.write(s.token(), cacheTokenJSON, 0o600) },
			wantModes: []string{"-rwx------", "-rw-------"},
		},
		{
			name:      "a token readable by others is made private, with a warning",
			setup:     func(s cacheScene) { s.write(s.token(), cacheTokenJSON, 0o644) },
			wantWarn:  "was readable by other users (mode 0644); made it 0600",
			wantModes: []string{"-rwx------", "-rw-------"},
		},
		{
			name: "a cache directory open to others is made private, with a warning",
			setup: func(s cacheScene) {
				s.write(s.token(), cacheTokenJSON, 0o600)
				s.mkdir(s.dir(), 0o777)
			},
			wantWarn:  "was open to other users (mode 0777); made it 0700",
			wantModes: []string{"-rwx------", "-rw-------"},
		},
		{
			name: "a token linked to a private file of the user's is read through the link",
			setup: func(s cacheScene) {
				s.write(filepath.Join(s.root, "kept.json"), cacheTokenJSON, 0o600)
				s.mkdir(s.dir(), 0o700)
				s.link("../../kept.json", s.token())
			},
			wantModes: []string{"-rwx------", "-rw-------"},
		},
		{
			name: "a cache directory linked to a directory of the user's is used",
			setup: func(s cacheScene) {
				s.write(filepath.Join(s.root, "ram", CacheKey("corp")+".json"), cacheTokenJSON, 0o600)
				s.mkdir(filepath.Join(s.root, "sso"), 0o700)
				s.link("../ram", s.dir())
			},
			wantModes: []string{"-rwx------", "-rw-------"},
		},
		{
			name: "a token linked to a device is refused",
			setup: func(s cacheScene) {
				s.mkdir(s.dir(), 0o700)
				s.link(os.DevNull, s.token())
			},
			wantErr:   "character device, not a regular file",
			wantModes: []string{"-rwx------", "-rw-rw-rw-"}, // the permissions of the device, untouched
		},
		{
			name: "a token linked to a named pipe is refused without opening it",
			setup: func(s cacheScene) {
				s.mkdir(s.dir(), 0o700)
				if err := syscall.Mkfifo(filepath.Join(s.root, "fifo"), 0o600); err != nil {
					s.t.Fatal(err)
				}
				s.link("../../fifo", s.token())
			},
			wantErr:   "named pipe, not a regular file",
			wantModes: []string{"-rwx------", "-rw-------"},
		},
		{
			name: "a token owned by another user is refused",
			setup: func(s cacheScene) {
				s.write(filepath.Join(s.root, "theirs.json"), cacheTokenJSON, 0o600)
				s.mkdir(s.dir(), 0o700)
				s.link("../../theirs.json", s.token())
			},
			wantErr:   "not by you",
			wantModes: []string{"-rwx------", "-rw-------"},
		},
		{
			name: "a cache directory owned by another user is refused",
			setup: func(s cacheScene) {
				s.write(filepath.Join(s.root, "theirs", CacheKey("corp")+".json"), cacheTokenJSON, 0o644)
				s.mkdir(filepath.Join(s.root, "theirs"), 0o777)
				s.mkdir(filepath.Join(s.root, "sso"), 0o700)
				s.link("../theirs", s.dir())
			},
			wantErr:   "not by you",
			wantModes: []string{"-rwxrwxrwx", "-rw-r--r--"},
		},
		{
			name: "a cache directory that links to a file is refused",
			setup: func(s cacheScene) {
				s.write(filepath.Join(s.root, "file"), "x", 0o600)
				s.mkdir(filepath.Join(s.root, "sso"), 0o700)
				s.link("../file", s.dir())
			},
			wantErr:   "is not a directory",
			wantModes: []string{"-rw-------", "absent"},
		},
		{
			name: "a loop of links is refused",
			setup: func(s cacheScene) {
				s.mkdir(s.dir(), 0o700)
				s.link(filepath.Base(s.token()), s.token())
			},
			wantErr:   "too many symbolic links",
			wantModes: []string{"-rwx------", "absent"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cacheScene{t: t, root: t.TempDir()}
			tt.setup(s)
			var warn bytes.Buffer
			st := FileStore{Dir: s.dir(), Warnings: &warn, Files: &atomicfile.Files{UID: os.Getuid(), OwnerOf: theirs}}
			done := make(chan error, 1)
			go func() {
				tok, err := st.Load("corp")
				if err == nil && tok.AccessToken != "a" {
					err = fmt.Errorf("loaded %+v", tok)
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Fatal("Load() did not return within a minute: it blocked on a special file")
			}
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Load() error = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.wantWarn == "" && warn.Len() > 0 || !strings.Contains(warn.String(), tt.wantWarn) {
				t.Errorf("warnings = %q, want %q", warn.String(), tt.wantWarn)
			}
			if diff := cmp.Diff(tt.wantModes, modes(s)); diff != "" {
				t.Errorf("modes after Load (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileStoreSaveRules(t *testing.T) {
	tok := &Token{AccessToken: "a", ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	t.Run("a cache directory open to others is made private before the token is written", func(t *testing.T) {
		s := cacheScene{t: t, root: t.TempDir()}
		s.mkdir(s.dir(), 0o755)
		var warn bytes.Buffer
		if err := (FileStore{Dir: s.dir(), Warnings: &warn}).Save("corp", tok); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"-rwx------", "-rw-------"}, modes(s)); diff != "" {
			t.Errorf("modes after Save (-want +got):\n%s", diff)
		}
		if !strings.Contains(warn.String(), "made it 0700") {
			t.Errorf("warnings = %q, want the repair reported", warn.String())
		}
	})
	t.Run("a token linked to a device is refused and the device left alone", func(t *testing.T) {
		s := cacheScene{t: t, root: t.TempDir()}
		s.mkdir(s.dir(), 0o700)
		s.link(os.DevNull, s.token())
		err := (FileStore{Dir: s.dir(), Warnings: &bytes.Buffer{}}).Save("corp", tok)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("Save() error = %v, want a refusal", err)
		}
		if fi, err := os.Lstat(s.token()); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("the link was replaced: %v", err)
		}
		if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
			t.Errorf("%s is no longer a device", os.DevNull)
		}
	})
	t.Run("a cache directory owned by another user is refused", func(t *testing.T) {
		s := cacheScene{t: t, root: t.TempDir()}
		s.mkdir(filepath.Join(s.root, "theirs"), 0o700)
		s.mkdir(filepath.Join(s.root, "sso"), 0o700)
		s.link("../theirs", s.dir())
		st := FileStore{Dir: s.dir(), Warnings: &bytes.Buffer{}, Files: &atomicfile.Files{UID: os.Getuid(), OwnerOf: theirs}}
		if err := st.Save("corp", tok); err == nil || !strings.Contains(err.Error(), "not by you") {
			t.Fatalf("Save() error = %v, want a refusal", err)
		}
		if entries, _ := os.ReadDir(filepath.Join(s.root, "theirs")); len(entries) > 0 {
			t.Errorf("wrote %d files in the other user's directory", len(entries))
		}
	})
}
