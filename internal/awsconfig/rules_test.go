//go:build unix

package awsconfig

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
	"github.com/gatehouse-dev/gatehouse/internal/atomicfile/filetest"
)

func TestUpdateSymlinks(t *testing.T) {
	me := os.Getuid()
	tests := []struct {
		name    string
		setup   func(t *testing.T, root string) // makes root/.aws/config
		uid     int                             // who writes; 0 means the real user
		wantErr string
		want    []string // the tree after a successful update
	}{
		{
			name: "a link to a regular file the user owns is written through and kept",
			setup: func(t *testing.T, root string) {
				writeTestFile(t, filepath.Join(root, "dotfiles", "aws-config"), "# mine\n")
				link(t, "../dotfiles/aws-config", filepath.Join(root, ".aws", "config"))
			},
			want: []string{
				". d---------", ".aws d---------", ".aws/config -> ../dotfiles/aws-config",
				"dotfiles d---------", `dotfiles/aws-config -rw------- "# mine\nx\n"`,
				`dotfiles/aws-config.gatehouse.bak -rw------- "# mine\n"`, `dotfiles/aws-config.gatehouse.lock -rw------- ""`,
			},
		},
		{
			name: "a link to a device is refused and nothing is dropped beside it",
			setup: func(t *testing.T, root string) {
				link(t, filetest.Device(t, root), filepath.Join(root, ".aws", "config"))
			},
			wantErr: "character device, not a regular file",
		},
		{
			name: "a link to a named pipe is refused without opening it",
			setup: func(t *testing.T, root string) {
				if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600); err != nil {
					t.Fatal(err)
				}
				link(t, "../fifo", filepath.Join(root, ".aws", "config"))
			},
			wantErr: "named pipe, not a regular file",
		},
		{
			name: "a link to a directory is refused",
			setup: func(t *testing.T, root string) {
				if err := os.Mkdir(filepath.Join(root, "dir"), 0o700); err != nil {
					t.Fatal(err)
				}
				link(t, "../dir", filepath.Join(root, ".aws", "config"))
			},
			wantErr: "directory, not a regular file",
		},
		{
			name: "a dangling link is refused and its target not created",
			setup: func(t *testing.T, root string) {
				link(t, "../dotfiles/aws-config", filepath.Join(root, ".aws", "config"))
			},
			wantErr: "which does not exist",
		},
		{
			name: "a link to a file owned by another user is refused",
			setup: func(t *testing.T, root string) {
				writeTestFile(t, filepath.Join(root, "theirs"), "# theirs\n")
				link(t, "../theirs", filepath.Join(root, ".aws", "config"))
			},
			uid:     me + 4242,
			wantErr: "not by you",
		},
		{
			name: "a loop of links is refused",
			setup: func(t *testing.T, root string) {
				link(t, "other", filepath.Join(root, ".aws", "config"))
				link(t, "config", filepath.Join(root, ".aws", "other"))
			},
			wantErr: "too many symbolic links",
		},
		{
			name: "a lock file that is a link is refused",
			setup: func(t *testing.T, root string) {
				writeTestFile(t, filepath.Join(root, ".aws", "config"), "# mine\n")
				link(t, filetest.Device(t, root), filepath.Join(root, ".aws", "config"+LockSuffix))
			},
			wantErr: "lock file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			tt.setup(t, root)
			before := filetest.Listing(t, root)
			u := Updater{Files: atomicfile.Files{UID: me}}
			if tt.uid != 0 {
				u.Files.UID = tt.uid
			}
			done := make(chan error, 1)
			go func() {
				_, err := u.Update(context.Background(), filepath.Join(root, ".aws", "config"), func(cur []byte) ([]byte, error) {
					return append(cur, "x\n"...), nil
				})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Fatal("Update() did not return within a minute: it blocked on a special file")
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Update() error = %v, want one containing %q", err, tt.wantErr)
				}
				if diff := cmp.Diff(before, filetest.Listing(t, root)); diff != "" {
					t.Errorf("a refused update changed files (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, filetest.Listing(t, root)); diff != "" {
				t.Errorf("Update() left (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUpdateKeepsAnotherProgramsEdit: an editor saves ~/.aws/config
// between gatehouse's read and its rename. The edit must survive: gatehouse
// sees the change, merges again from the new content and writes that.
func TestUpdateKeepsAnotherProgramsEdit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	writeTestFile(t, path, "[profile mine]\n")
	calls := 0
	res, err := Update(context.Background(), path, func(cur []byte) ([]byte, error) {
		calls++
		if calls == 1 {
			// Another program edits the file after gatehouse read it.
			writeTestFile(t, path, "[profile mine]\n[profile edited]\n")
		}
		return append(cur, "[profile gatehouse]\n"...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "[profile mine]\n[profile edited]\n[profile gatehouse]\n"
	if got := readFile(t, path); got != want {
		t.Errorf("config = %q, want %q: the other program's edit was lost", got, want)
	}
	if calls != 2 {
		t.Errorf("change called %d times, want 2 (the merge done again)", calls)
	}
	if got := readFile(t, res.Backup); got != "[profile mine]\n[profile edited]\n" {
		t.Errorf("backup = %q, want the content replaced", got)
	}
}

// TestUpdateRefusesABusyFile: when the file changes under gatehouse twice
// in a row, it writes nothing and says why.
func TestUpdateRefusesABusyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	writeTestFile(t, path, "v0\n")
	calls := 0
	_, err := Update(context.Background(), path, func(cur []byte) ([]byte, error) {
		calls++
		writeTestFile(t, path, fmt.Sprintf("v%d\n", calls))
		return append(cur, "gatehouse\n"...), nil
	})
	if err == nil || !strings.Contains(err.Error(), "changed while gatehouse was updating it") {
		t.Fatalf("Update() error = %v, want a refusal", err)
	}
	if got := readFile(t, path); got != "v2\n" {
		t.Errorf("config = %q, want the other program's last edit", got)
	}
}

// TestUpdateRemovesTempOfKilledRun: a `gatehouse profiles` killed between
// writing its temporary file and renaming it leaves the file behind; the
// next update removes it.
func TestUpdateRemovesTempOfKilledRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	writeTestFile(t, path, "# mine\n")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dir, fmt.Sprintf(".config.gatehouse-tmp-%d-123456", cmd.Process.Pid))
	writeTestFile(t, left, "# half a fi")
	then := time.Now().Add(-5 * time.Minute)
	if err := os.Chtimes(left, then, then); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(context.Background(), path, func(cur []byte) ([]byte, error) { return append(cur, "x\n"...), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(left); !os.IsNotExist(err) {
		t.Errorf("%s is still there (%v)", left, err)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, at string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(at), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, at); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateRefusesAHugeFile: a path that names something far larger than
// a config file is refused rather than read into memory and rewritten.
func TestUpdateRefusesAHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	writeTestFile(t, path, "[profile a]\n")
	if err := os.Truncate(path, MaxConfigSize+1); err != nil {
		t.Fatal(err)
	}
	_, err := Update(context.Background(), path, func(cur []byte) ([]byte, error) { return append(cur, "x\n"...), nil })
	if err == nil || !strings.Contains(err.Error(), "not an AWS config file") {
		t.Fatalf("Update() error = %v, want a refusal", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != MaxConfigSize+1 {
		t.Errorf("the file changed: %v, %v", fi.Size(), err)
	}
	if _, err := os.Stat(path + BackupSuffix); !os.IsNotExist(err) {
		t.Errorf("a backup was written: %v", err)
	}
}
