package applylock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
)

// localLock is an flock(2)-style lock on a file of this machine: the OS
// releases it when its process ends, however it ends, so a killed apply
// never leaves it held. Who holds it is written beside it (the lock file
// itself cannot be replaced atomically without losing the lock).
type localLock struct {
	fl     *flock.Flock
	holder string // path of the holder file
}

// lockLocal takes the lock file of name in dir, without waiting.
func lockLocal(dir, name string, h Holder) (*localLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the lock directory: %w", err)
	}
	path := filepath.Join(dir, "apply-"+name+".lock")
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("taking the lock file %s: %w", path, err)
	}
	l := &localLock{fl: fl, holder: path + ".holder"}
	if !ok {
		other, err := readHolder(l.holder)
		if err != nil {
			other = Holder{}
		}
		return nil, &HeldError{Holder: other, Where: "the lock file " + path + " on this machine"}
	}
	data, err := json.Marshal(h)
	if err == nil {
		err = atomicfile.Write(l.holder, data, 0o600)
	}
	if err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("writing who holds the lock %s: %w", path, err)
	}
	return l, nil
}

func readHolder(path string) (Holder, error) {
	var h Holder
	data, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	return h, json.Unmarshal(data, &h)
}

// release removes the holder file, then the lock: in the other order the
// next holder's file could be removed.
func (l *localLock) release() error {
	err := os.Remove(l.holder)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if uerr := l.fl.Unlock(); uerr != nil && err == nil {
		err = uerr
	}
	return err
}
