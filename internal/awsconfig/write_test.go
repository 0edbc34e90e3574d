package awsconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".aws", "config")
	ctx := context.Background()

	res, err := Update(ctx, path, func(cur []byte) ([]byte, error) {
		if len(cur) != 0 {
			t.Errorf("new file: current = %q, want empty", cur)
		}
		return []byte("[profile a]\n"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Backup != "" {
		t.Errorf("first write: %+v, want changed and no backup", res)
	}
	assertMode(t, path, 0o600)
	assertMode(t, filepath.Dir(path), 0o700|os.ModeDir)

	// An existing file keeps its mode; the old content goes to the backup.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	res, err = Update(ctx, path, func(cur []byte) ([]byte, error) { return append(cur, "[profile b]\n"...), nil })
	if err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o640)
	if got := readFile(t, res.Backup); got != "[profile a]\n" {
		t.Errorf("backup = %q", got)
	}
	assertMode(t, res.Backup, 0o600)

	// Same content: no write, no new backup.
	before, _ := os.Stat(path)
	res, err = Update(ctx, path, func(cur []byte) ([]byte, error) { return cur, nil })
	if err != nil || res.Changed || res.Backup != "" {
		t.Fatalf("unchanged update: %+v, %v", res, err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Error("unchanged update replaced the file")
	}

	// An error from change leaves the file alone.
	_, err = Update(ctx, path, func([]byte) ([]byte, error) { return nil, errors.New("boom") })
	if err == nil || readFile(t, path) != "[profile a]\n[profile b]\n" {
		t.Errorf("failed update: err %v, file %q", err, readFile(t, path))
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".aws", ".config.gatehouse-tmp-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestUpdateFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "aws-config")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	res, err := Update(context.Background(), link, func(cur []byte) ([]byte, error) { return append(cur, "x\n"...), nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != real {
		t.Errorf("wrote %s, want %s", res.Path, real)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link replaced by a file: %v", err)
	}
	if got := readFile(t, link); got != "# mine\nx\n" {
		t.Errorf("content through link = %q", got)
	}
}

// TestUpdateConcurrent runs writers in parallel: the lock must serialise
// them so that no write is lost.
func TestUpdateConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Update(context.Background(), path, func(cur []byte) ([]byte, error) {
				return append(cur, []byte(strings.Repeat("x", i%3+1)+"\n")...), nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Count(readFile(t, path), "\n"); got != n {
		t.Errorf("file has %d lines, want %d: a write was lost", got, n)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
		t.Errorf("%s mode = %v, want %v", path, got, want)
	}
}
