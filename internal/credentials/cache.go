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

	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// The cache's format, location and hit test live in internal/credcache,
// which the companion binary gatehouse-credential-process shares; this file
// adds what only gatehouse does: writing entries under the secret-file
// rules, and forgetting a session's entries.

// ExpiryWindow is how long before expiry cached credentials stop being
// handed out (credcache.ExpiryWindow).
const ExpiryWindow = credcache.ExpiryWindow

// cacheVersion changes when the format of the inventory cache does.
const cacheVersion = 1

// Credentials are temporary AWS credentials of a profile.
type Credentials = credcache.Credentials

// Stamp identifies a version of the config file a cache entry was made from.
type Stamp = credcache.Stamp

// StampOf stats the config file; a missing file has a zero stamp.
func StampOf(path string) Stamp { return credcache.StampOf(path) }

// ReadCached returns the cached credentials of profile when they are still
// good at now (credcache.Read).
func ReadCached(dir, configPath, profile string, now time.Time) (Credentials, bool) {
	return credcache.Read(dir, configPath, profile, now)
}

// WriteCached caches the credentials of profile, made from the config file
// as st describes it, for the sso-session (or start URL) key session: a
// 0600 file in a 0700 directory, replaced atomically.
func WriteCached(dir, configPath, profile, session string, st Stamp, c Credentials) error {
	data, err := credcache.Encode(profile, session, st, c)
	if err != nil {
		return err
	}
	return ssologin.WritePrivateFile(credcache.Path(dir, configPath, profile), data)
}

// ProcessJSON renders c for credential_process (credcache.ProcessJSON).
func ProcessJSON(c Credentials) []byte { return credcache.ProcessJSON(c) }

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
			var e credcache.Entry
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
