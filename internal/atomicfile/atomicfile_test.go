package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// outcome is what a write left in its directory.
type outcome struct {
	Err     string      // substring of the error, "" for success
	Content string      // content of the target; "" when absent
	Mode    fs.FileMode // permissions of the target; 0 when absent
	Files   []string    // every name in the target's directory
}

func observe(t *testing.T, path string, err error, wantErr string) outcome {
	t.Helper()
	var o outcome
	if err != nil {
		o.Err = wantErr
		if wantErr == "" || !strings.Contains(err.Error(), wantErr) {
			o.Err = err.Error()
		}
	}
	if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() {
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		o.Content, o.Mode = string(data), fi.Mode().Perm()
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		o.Files = append(o.Files, e.Name())
	}
	return o
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string) // prepares the target
		perm  fs.FileMode
		want  outcome
	}{
		{
			name: "creates a file with mode 0600",
			perm: 0o600,
			want: outcome{Content: "new", Mode: 0o600, Files: []string{"f"}},
		},
		{
			name: "gives exactly the mode asked, whatever the umask",
			perm: 0o644,
			want: outcome{Content: "new", Mode: 0o644, Files: []string{"f"}},
		},
		{
			name: "replaces an existing file and its mode",
			setup: func(t *testing.T, path string) {
				writeFile(t, path, "old", 0o666)
			},
			perm: 0o600,
			want: outcome{Content: "new", Mode: 0o600, Files: []string{"f"}},
		},
		{
			name: "a directory is refused before anything is written",
			setup: func(t *testing.T, path string) {
				writeFile(t, filepath.Join(path, "inside"), "x", 0o600)
			},
			perm: 0o600,
			want: outcome{Err: "is a directory, not a regular file", Files: []string{"f"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if tt.setup != nil {
				tt.setup(t, path)
			}
			got := observe(t, path, Write(path, []byte("new"), tt.perm), tt.want.Err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Write() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteFailedRename(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	err := Default().WriteIf(path, []byte("new"), 0o600, func(target string) error {
		// A non-empty directory appears where the file goes: it cannot be
		// renamed over.
		writeFile(t, filepath.Join(target, "inside"), "x", 0o600)
		return nil
	})
	got := observe(t, path, err, "writing ")
	want := outcome{Err: "writing ", Files: []string{"f"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("a failed rename left (-want +got):\n%s", diff)
	}
}

func TestWriteMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "f")
	err := Write(path, []byte("new"), 0o600)
	if err == nil || !strings.Contains(err.Error(), "writing "+path) {
		t.Errorf("Write() error = %v, want one naming %s", err, path)
	}
	if _, serr := os.Stat(filepath.Dir(path)); !os.IsNotExist(serr) {
		t.Errorf("Write() created the directory: %v", serr)
	}
}

func TestWritePrivate(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, root string)
		rel     string // target, relative to a fresh directory
		wantErr string
		wantDir fs.FileMode // mode of the target's directory on success
	}{
		{name: "creates missing parents 0700", rel: "a/b/f", wantDir: 0o700},
		{
			name:    "keeps an existing parent's mode",
			setup:   func(t *testing.T, root string) { mkdir(t, filepath.Join(root, "a"), 0o755) },
			rel:     "a/f",
			wantDir: 0o755,
		},
		{
			name:    "a parent that is a file is an error",
			setup:   func(t *testing.T, root string) { writeFile(t, filepath.Join(root, "a"), "x", 0o600) },
			rel:     "a/f",
			wantErr: "creating ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, root)
			}
			path := filepath.Join(root, tt.rel)
			err := WritePrivate(path, []byte("secret"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("WritePrivate() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dfi, err := os.Stat(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			got := observe(t, path, nil, "")
			want := outcome{Content: "secret", Mode: 0o600, Files: []string{"f"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("WritePrivate() mismatch (-want +got):\n%s", diff)
			}
			if dfi.Mode().Perm() != tt.wantDir {
				t.Errorf("directory mode %v, want %v", dfi.Mode().Perm(), tt.wantDir)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // WriteFile honours the umask
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string, perm fs.FileMode) {
	t.Helper()
	if err := os.Mkdir(path, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}
