package ssologin

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gatehouse-dev/gatehouse/internal/atomicfile"
)

// ErrNotFound is returned by a Store that holds no token for a key.
var ErrNotFound = errors.New("no cached token")

// Store keeps SSO tokens by cache key (the sso-session name, or the start
// URL of a legacy profile).
type Store interface {
	Load(key string) (*Token, error) // ErrNotFound when there is none
	Save(key string, t *Token) error
	Delete(key string) error
	// Where describes where a key's token lives, for messages.
	Where(key string) string
}

// CacheKey returns the AWS CLI's cache file name (without ".json") for a
// key: the lowercase hex SHA-1 of the session name or start URL.
func CacheKey(key string) string {
	sum := sha1.Sum([]byte(key))
	return hex.EncodeToString(sum[:])
}

// FileStore is the AWS CLI's token cache directory, ~/.aws/sso/cache. Its
// files are checked before use (see cachefiles.go): links only to what the
// user owns, nothing readable by others.
type FileStore struct {
	Dir string
	// Warnings receives a line for each file or directory whose
	// permissions were repaired; standard error when nil.
	Warnings io.Writer
	// Files says whose files the store may use; the running user's when
	// nil. Tests set it to give files another owner.
	Files *atomicfile.Files
}

// Path returns the cache file of key.
func (s FileStore) Path(key string) string {
	return filepath.Join(s.Dir, CacheKey(key)+".json")
}

// Where implements Store.
func (s FileStore) Where(key string) string { return s.Path(key) }

// Load implements Store.
func (s FileStore) Load(key string) (*Token, error) {
	data, err := s.readPrivate(s.Path(key))
	if err != nil {
		return nil, err
	}
	return decodeToken(data, s.Path(key))
}

func decodeToken(data []byte, where string) (*Token, error) {
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("reading the token in %s: %w", where, err)
	}
	if t.AccessToken == "" || t.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("the token in %s has no accessToken or expiresAt", where)
	}
	return &t, nil
}

// Save implements Store: the file is written atomically with mode 0600 in a
// 0700 directory.
func (s FileStore) Save(key string, t *Token) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.writePrivate(s.Path(key), data)
}

// Delete implements Store; a missing file is not an error.
func (s FileStore) Delete(key string) error {
	if err := os.Remove(s.Path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the cached token: %w", err)
	}
	return nil
}

// WritePrivateFile writes a secret: the directory is created 0700 if
// missing, or checked and made private (with a warning on standard error)
// as the token cache's is, and the file replaced atomically with mode 0600
// (see atomicfile.WritePrivate), so no reader ever sees half a file and no
// other user can read it.
func WritePrivateFile(path string, data []byte) error {
	return FileStore{}.writePrivateIn(path, data, "the private directory "+filepath.Dir(path))
}
