package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// ExpiryWindow is how long before expiry cached credentials stop being
// handed out. It matches botocore's advisory refresh window, so the AWS CLI
// never receives credentials it would immediately want to refresh.
const ExpiryWindow = 15 * time.Minute

// cacheVersion changes when the cache file format does.
const cacheVersion = 1

// Credentials are temporary AWS credentials of a profile.
type Credentials struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
	AccountID       string    `json:"AccountId,omitempty"`
	// Chained is true for credentials of a role assumed with temporary
	// credentials: AWS caps them at one hour, and the console federation
	// endpoint refuses a SessionDuration for them.
	Chained bool   `json:"Chained,omitempty"`
	Region  string `json:"Region,omitempty"`
}

// Stamp identifies a version of the config file a cache entry was made
// from: when the file changes, entries made from the old one are ignored.
type Stamp struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"modTime"` // Unix nanoseconds
}

// StampOf stats the config file; a missing file has a zero stamp.
func StampOf(path string) Stamp {
	st := Stamp{Path: path}
	if fi, err := os.Stat(path); err == nil {
		st.Size, st.ModTime = fi.Size(), fi.ModTime().UnixNano()
	}
	return st
}

type cacheEntry struct {
	Version     int         `json:"version"`
	Profile     string      `json:"profile"`
	Config      Stamp       `json:"config"`
	Session     string      `json:"session"` // the sso-session key, so logout finds its entries
	Credentials Credentials `json:"credentials"`
}

// CachePath is the cache file of a profile of a config file.
func CachePath(dir, configPath, profile string) string {
	return filepath.Join(dir, ssologin.CacheKey(configPath+"\x00"+profile)+".json")
}

// ReadCached returns the cached credentials of profile when they are still
// good at now: made from the config file as it is (same size and
// modification time) and valid for more than ExpiryWindow. It is the whole
// of credential_process's fast path: one stat and one small file read, no
// network, no config parsing.
func ReadCached(dir, configPath, profile string, now time.Time) (Credentials, bool) {
	data, err := os.ReadFile(CachePath(dir, configPath, profile))
	if err != nil {
		return Credentials{}, false
	}
	var e cacheEntry
	if json.Unmarshal(data, &e) != nil || e.Version != cacheVersion || e.Profile != profile {
		return Credentials{}, false
	}
	if e.Config != StampOf(configPath) || e.Credentials.Expiration.Sub(now) <= ExpiryWindow {
		return Credentials{}, false
	}
	return e.Credentials, true
}

// WriteCached caches the credentials of profile, made from the config file
// as st describes it, for the sso-session (or start URL) key session.
func WriteCached(dir, configPath, profile, session string, st Stamp, c Credentials) error {
	data, err := json.Marshal(cacheEntry{Version: cacheVersion, Profile: profile, Config: st, Session: session, Credentials: c})
	if err != nil {
		return err
	}
	return ssologin.WritePrivateFile(CachePath(dir, configPath, profile), data)
}

// ForgetSession removes the cached credentials of every profile that came
// from the sso-session (or start URL) with the given key, or of every
// profile when key is empty. It returns how many entries it removed.
func ForgetSession(dir, key string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the credentials cache: %w", err)
	}
	n := 0
	var errs []error
	for _, de := range entries {
		if de.IsDir() || !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, de.Name())
		if key != "" {
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			var e cacheEntry
			if json.Unmarshal(data, &e) == nil && e.Session != key {
				continue
			}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
