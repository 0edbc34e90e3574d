//go:build unix

package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile/filetest"
)

// scene is a directory in which a case builds what it writes at.
type scene struct {
	t    *testing.T
	root string
}

func (s scene) path(rel string) string { return filepath.Join(s.root, rel) }

func (s scene) file(rel, content string) string {
	s.t.Helper()
	writeFile(s.t, s.path(rel), content, 0o600)
	return s.path(rel)
}

func (s scene) link(rel, target string) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Dir(s.path(rel)), 0o700); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Symlink(target, s.path(rel)); err != nil {
		s.t.Fatal(err)
	}
}

func TestWriteRules(t *testing.T) {
	me := os.Getuid()
	tests := []struct {
		name    string
		setup   func(s scene) // builds s.path("config"), the path written
		uid     int           // who writes; 0 means the real user
		wantErr string        // "" for success
		want    func(s scene) []string
	}{
		{
			name:  "a link to a regular file the user owns is written through and stays a link",
			setup: func(s scene) { s.file("dotfiles/aws", "old"); s.link("config", "dotfiles/aws") },
			want: func(s scene) []string {
				return []string{". d---------", "config -> dotfiles/aws", "dotfiles d---------", `dotfiles/aws -rw------- "new"`}
			},
		},
		{
			name: "a chain of links ends at the file written",
			setup: func(s scene) {
				s.file("real", "old")
				s.link("middle", s.path("real"))
				s.link("config", "middle")
			},
			want: func(s scene) []string {
				return []string{". d---------", "config -> middle", "middle -> " + s.path("real"), `real -rw------- "new"`}
			},
		},
		{
			name:    "a link to a character device is refused",
			setup:   func(s scene) { s.link("config", filetest.Device(s.t, s.root)) },
			wantErr: "character device, not a regular file",
		},
		{
			name: "a link to a named pipe is refused without opening it",
			setup: func(s scene) {
				if err := syscall.Mkfifo(s.path("fifo"), 0o600); err != nil {
					s.t.Fatal(err)
				}
				s.link("config", "fifo")
			},
			wantErr: "named pipe, not a regular file",
		},
		{
			name:    "a link to a directory is refused",
			setup:   func(s scene) { mkdir(s.t, s.path("dir"), 0o700); s.link("config", "dir") },
			wantErr: "directory, not a regular file",
		},
		{
			name:    "a dangling link is refused and nothing is created",
			setup:   func(s scene) { s.link("config", "missing/aws") },
			wantErr: "does not exist",
		},
		{
			name:    "a loop of links is refused",
			setup:   func(s scene) { s.link("config", "other"); s.link("other", "config") },
			wantErr: "too many symbolic links",
		},
		{
			name:    "a link to a file owned by another user is refused",
			setup:   func(s scene) { s.file("theirs", "old"); s.link("config", "theirs") },
			uid:     me + 4242,
			wantErr: fmt.Sprintf("owned by uid %d, not by you (uid %d)", me, me+4242),
		},
		{
			name:    "a regular file owned by another user is refused",
			setup:   func(s scene) { s.file("config", "old") },
			uid:     me + 4242,
			wantErr: "owned by uid",
		},
		{
			name: "a device at the path itself is refused",
			setup: func(s scene) {
				if err := syscall.Mkfifo(s.path("config"), 0o600); err != nil {
					s.t.Fatal(err)
				}
			},
			wantErr: "named pipe, not a regular file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scene{t: t, root: t.TempDir()}
			tt.setup(s)
			before := filetest.Listing(t, s.root)
			f := Files{UID: me}
			if tt.uid != 0 {
				f.UID = tt.uid
			}
			err := f.Write(s.path("config"), []byte("new"), 0o600)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Write() error = %v, want one containing %q", err, tt.wantErr)
				}
				if diff := cmp.Diff(before, filetest.Listing(t, s.root)); diff != "" {
					t.Errorf("a refused write changed files (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want(s)
			got := filetest.Listing(t, s.root)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Write() left (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWriteDevNull checks the case that once replaced /dev/null when run
// as root: a link to the system's null device is refused, and nothing is
// dropped in /dev.
func TestWriteDevNull(t *testing.T) {
	link := filepath.Join(t.TempDir(), "config")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	devBefore, _ := os.ReadDir(filepath.Dir(os.DevNull))
	err := Write(link, []byte("[profile x]\n"), 0o600)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Write() error = %v, want a refusal", err)
	}
	fi, err := os.Stat(os.DevNull)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a character device: %v %v", os.DevNull, fi.Mode(), err)
	}
	devAfter, _ := os.ReadDir(filepath.Dir(os.DevNull))
	if len(devAfter) != len(devBefore) {
		t.Errorf("%s had %d entries, now %d", filepath.Dir(os.DevNull), len(devBefore), len(devAfter))
	}
}

// TestWriteOwnedByOtherAsRoot is the real case behind the owner rule: root
// (sudo, a container) writing at a file that belongs to someone else. Only
// root can give a file away, so other users check the rule through
// Files.UID in TestWriteRules.
func TestWriteOwnedByOtherAsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("only root can make a file owned by another user; TestWriteRules covers the rule with another UID")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "theirs")
	writeFile(t, target, "old", 0o600)
	if err := os.Chown(target, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, target} {
		err := Write(p, []byte("new"), 0o600)
		if err == nil || !strings.Contains(err.Error(), "owned by uid 4242, not by you (uid 0)") {
			t.Errorf("Write(%s) error = %v, want a refusal naming the owner", p, err)
		}
	}
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Errorf("target = %q, want it untouched", got)
	}
}

func TestWriteIf(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	writeFile(t, path, "old", 0o600)
	var seen string
	stop := errors.New("changed on disk")
	err := Files{UID: os.Getuid()}.WriteIf(path, []byte("new"), 0o600, func(target string) error {
		seen = target
		// The new content is complete on disk, but not yet in place.
		if got, _ := os.ReadFile(target); string(got) != "old" {
			t.Errorf("check saw %q at the target, want the old content", got)
		}
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("WriteIf() error = %v, want the check's", err)
	}
	if seen != path {
		t.Errorf("check called with %q, want %q", seen, path)
	}
	if diff := cmp.Diff([]string{`config -rw------- "old"`}, filetest.Listing(t, dir)[1:]); diff != "" {
		t.Errorf("a refused write left (-want +got):\n%s", diff)
	}
}

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestWriteRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	old := time.Now().Add(-2 * StaleAfter)
	recent := time.Now().Add(-2 * time.Minute)
	dead, alive := deadPID(t), os.Getpid()
	temps := []struct {
		name  string
		mtime time.Time
		keep  bool
	}{
		{name: tempName("config", dead, "1"), mtime: recent},                  // its writer is gone
		{name: tempName("config", alive, "2"), mtime: old},                    // too old to be a write in progress
		{name: tempName("config", alive, "3"), mtime: time.Now(), keep: true}, // a write in progress
		{name: tempName("config", dead, "4"), mtime: time.Now(), keep: true},  // too fresh to judge by its PID
		{name: tempName("credentials", dead, "5"), mtime: old, keep: true},    // another file's, cleaned by its writes
		{name: ".config.12345.tmp", mtime: old, keep: true},                   // not named by gatehouse
		{name: ".config.gatehouse-tmp-x-6", mtime: old, keep: true},           // no PID: not ours
	}
	var want []string
	for _, tmp := range temps {
		p := filepath.Join(dir, tmp.name)
		writeFile(t, p, "partial", 0o600)
		if err := os.Chtimes(p, tmp.mtime, tmp.mtime); err != nil {
			t.Fatal(err)
		}
		if tmp.keep {
			want = append(want, tmp.name)
		}
	}
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	want = append(want, "config")
	var got []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files after the write (-want +got):\n%s", diff)
	}
}

// tempName is the name a writer with pid gives its temporary file.
func tempName(base string, pid int, random string) string {
	return fmt.Sprintf("%s%d-%s", tempPrefix(base), pid, random)
}

// TestWriteTempName checks that the temporary file is recognisable as
// gatehouse's and names its writer, which is what the clean-up relies on.
func TestWriteTempName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	var name string
	err := Files{UID: os.Getuid()}.WriteIf(path, []byte("new"), 0o600, func(string) error {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			name = e.Name()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf(".config.gatehouse-tmp-%d-", os.Getpid())
	if !strings.HasPrefix(name, prefix) {
		t.Errorf("temporary file %q, want a name starting %q", name, prefix)
	}
}
