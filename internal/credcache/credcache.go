// Package credcache is the cache of role credentials that gatehouse and
// gatehouse-credential-process share: where it lives, the format of an
// entry, when an entry is good, and the JSON a credential_process prints.
// It imports the standard library only, so that the small companion binary
// that answers cache hits links nothing else (see docs/performance.md);
// gatehouse writes entries through internal/credentials with the same
// format and file rules.
package credcache

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ExpiryWindow is how long before expiry cached credentials stop being
// handed out. It matches botocore's advisory refresh window, so the AWS CLI
// never receives credentials it would immediately want to refresh.
const ExpiryWindow = 15 * time.Minute

// Version changes when the format of an entry does.
const Version = 1

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
	// UserName is the Identity Center user the credentials act for, once
	// known (it names the sessions chained from them).
	UserName string `json:"UserName,omitempty"`
}

// Stamp identifies a version of the config file an entry was made from:
// when the file changes, entries made from the old one are ignored.
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

// Entry is one cache file.
type Entry struct {
	Version     int         `json:"version"`
	Profile     string      `json:"profile"`
	Config      Stamp       `json:"config"`
	Session     string      `json:"session"` // the sso-session key, so logout finds its entries
	Credentials Credentials `json:"credentials"`
}

// Encode renders the entry of profile's credentials c, made from the
// config file as st describes it, for the sso-session (or start URL) key
// session.
func Encode(profile, session string, st Stamp, c Credentials) ([]byte, error) {
	return json.Marshal(Entry{Version: Version, Profile: profile, Config: st, Session: session, Credentials: c})
}

// Path is the cache file of a profile of a config file: the SHA-1 of both,
// so that two config files never share entries.
func Path(dir, configPath, profile string) string {
	sum := sha1.Sum([]byte(configPath + "\x00" + profile))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
}

// LockPath is the file a fetch of profile's credentials locks, so that
// concurrent processes fetch once.
func LockPath(dir, configPath, profile string) string {
	return Path(dir, configPath, profile) + ".lock"
}

// Read returns the cached credentials of profile when they are still good
// at now: made from the config file as it is (same size and modification
// time) and valid for more than ExpiryWindow. It is the whole of a cache
// hit: one stat and one small file read, no network, no config parsing.
func Read(dir, configPath, profile string, now time.Time) (Credentials, bool) {
	data, err := os.ReadFile(Path(dir, configPath, profile))
	if err != nil {
		return Credentials{}, false
	}
	var e Entry
	if json.Unmarshal(data, &e) != nil || e.Version != Version || e.Profile != profile {
		return Credentials{}, false
	}
	if e.Config != StampOf(configPath) || e.Credentials.Expiration.Sub(now) <= ExpiryWindow {
		return Credentials{}, false
	}
	return e.Credentials, true
}

// processOutput is the JSON a credential_process prints (Version 1).
type processOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

// ProcessJSON renders c for credential_process, newline-terminated. The
// expiration lets the SDKs call the process again shortly before it.
func ProcessJSON(c Credentials) []byte {
	b, _ := json.Marshal(processOutput{
		Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expiration.UTC().Format(time.RFC3339),
	})
	return append(b, '\n')
}

// Paths are where the engineer commands read and write.
type Paths struct {
	Config      string // the AWS config file (AWS_CONFIG_FILE or ~/.aws/config)
	SSOCache    string // the AWS CLI's token cache, ~/.aws/sso/cache
	State       string // gatehouse's own cache: locks, keychain marks, browsers
	Credentials string // cached role credentials
	Inventory   string // cached account and role listings
}

// ErrNoHome is returned by Locate when the environment names no home
// directory.
var ErrNoHome = errors.New("no home directory: HOME is not set")

// Locate resolves the paths from the environment. Gatehouse's own cache is
// $GATEHOUSE_CACHE_DIR, else $XDG_CACHE_HOME/gatehouse, else the platform's
// cache directory.
func Locate(getenv func(string) string) (Paths, error) {
	home := getenv("HOME")
	if runtime.GOOS == "windows" && home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return Paths{}, ErrNoHome
	}
	p := Paths{
		Config:   getenv("AWS_CONFIG_FILE"),
		SSOCache: filepath.Join(home, ".aws", "sso", "cache"),
		State:    getenv("GATEHOUSE_CACHE_DIR"),
	}
	if p.Config == "" {
		p.Config = filepath.Join(home, ".aws", "config")
	} else if strings.HasPrefix(p.Config, "~/") {
		p.Config = filepath.Join(home, p.Config[2:])
	}
	if p.State == "" {
		switch xdg := getenv("XDG_CACHE_HOME"); {
		case xdg != "":
			p.State = filepath.Join(xdg, "gatehouse")
		case runtime.GOOS == "darwin":
			p.State = filepath.Join(home, "Library", "Caches", "gatehouse")
		case runtime.GOOS == "windows" && getenv("LocalAppData") != "":
			p.State = filepath.Join(getenv("LocalAppData"), "gatehouse")
		default:
			p.State = filepath.Join(home, ".cache", "gatehouse")
		}
	}
	p.Credentials = filepath.Join(p.State, "credentials")
	p.Inventory = filepath.Join(p.State, "inventory")
	return p, nil
}
