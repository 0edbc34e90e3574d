package ssologin

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/zalando/go-keyring"
)

// KeyringService is the OS keychain service gatehouse stores tokens under.
const KeyringService = "gatehouse-sso"

// chunkSize keeps every keychain item under the smallest backend limit
// (Windows Credential Manager: 2560 bytes; macOS: about 3 KB).
const chunkSize = 2000

// chunkHeader starts the first item of a token split over several items.
const chunkHeader = "gatehouse-chunks:"

// KeyringStore keeps tokens in the OS keychain (macOS Keychain, Secret
// Service on Linux, Windows Credential Manager) instead of the plaintext
// AWS CLI cache. The AWS CLI and SDKs cannot read it: profiles that should
// work with it use credential_process.
type KeyringStore struct {
	Service string // KeyringService when empty
}

func (s KeyringStore) service() string {
	if s.Service == "" {
		return KeyringService
	}
	return s.Service
}

// Where implements Store.
func (s KeyringStore) Where(key string) string {
	return fmt.Sprintf("the OS keychain (service %s, item %s)", s.service(), key)
}

// Load implements Store.
func (s KeyringStore) Load(key string) (*Token, error) {
	first, err := keyring.Get(s.service(), key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading the token from the OS keychain: %w", err)
	}
	data := first
	if n, ok := chunkCount(first); ok {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			part, err := keyring.Get(s.service(), chunkName(key, i))
			if err != nil {
				return nil, fmt.Errorf("reading part %d of %d of the token from the OS keychain: %w", i, n, err)
			}
			b.WriteString(part)
		}
		data = b.String()
	}
	return decodeToken([]byte(data), s.Where(key))
}

// Save implements Store. Tokens larger than one item are split into
// numbered items, announced by the first.
func (s KeyringStore) Save(key string, t *Token) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	old := s.count(key)
	if len(data) <= chunkSize {
		if err := keyring.Set(s.service(), key, string(data)); err != nil {
			return fmt.Errorf("saving the token in the OS keychain: %w", err)
		}
		s.deleteChunks(key, 1, old)
		return nil
	}
	n := (len(data) + chunkSize - 1) / chunkSize
	for i := 1; i <= n; i++ {
		part := data[(i-1)*chunkSize : min(i*chunkSize, len(data))]
		if err := keyring.Set(s.service(), chunkName(key, i), string(part)); err != nil {
			return fmt.Errorf("saving part %d of the token in the OS keychain: %w", i, err)
		}
	}
	if err := keyring.Set(s.service(), key, chunkHeader+strconv.Itoa(n)); err != nil {
		return fmt.Errorf("saving the token in the OS keychain: %w", err)
	}
	s.deleteChunks(key, n+1, old)
	return nil
}

// Delete implements Store; a missing item is not an error.
func (s KeyringStore) Delete(key string) error {
	n := s.count(key)
	err := keyring.Delete(s.service(), key)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("removing the token from the OS keychain: %w", err)
	}
	s.deleteChunks(key, 1, n)
	return nil
}

// count returns how many chunk items key currently has (0 when unchunked).
func (s KeyringStore) count(key string) int {
	first, err := keyring.Get(s.service(), key)
	if err != nil {
		return 0
	}
	n, _ := chunkCount(first)
	return n
}

func (s KeyringStore) deleteChunks(key string, from, to int) {
	for i := from; i <= to; i++ {
		_ = keyring.Delete(s.service(), chunkName(key, i))
	}
}

func chunkCount(first string) (int, bool) {
	rest, ok := strings.CutPrefix(first, chunkHeader)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

func chunkName(key string, i int) string { return key + "#" + strconv.Itoa(i) }
