package ssologin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zalando/go-keyring"
)

func TestTokenJSONRoundTrip(t *testing.T) {
	// A token as the AWS CLI writes it, plus fields gatehouse does not know.
	in := `{"startUrl":"https://d-123.awsapps.com/start","region":"us-east-1","accessToken":"aoa","expiresAt":"2026-01-01T12:00:00Z",` +
		`"clientId":"cid","clientSecret":"sec","registrationExpiresAt":"2026-03-31T12:00:00Z","refreshToken":"aor",` +
		`"receivedAt":"2025-12-31T12:00:00Z","zExtra":{"nested":[1,2]}}`
	var tok Token
	if err := json.Unmarshal([]byte(in), &tok); err != nil {
		t.Fatal(err)
	}
	want := Token{
		StartURL: "https://d-123.awsapps.com/start", Region: "us-east-1", AccessToken: "aoa",
		ExpiresAt: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), ClientID: "cid", ClientSecret: "sec",
		RegistrationExpiresAt: time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), RefreshToken: "aor",
		unknown: map[string]json.RawMessage{"receivedAt": json.RawMessage(`"2025-12-31T12:00:00Z"`), "zExtra": json.RawMessage(`{"nested":[1,2]}`)},
	}
	if diff := cmp.Diff(want, tok, cmp.AllowUnexported(Token{})); diff != "" {
		t.Errorf("Unmarshal mismatch (-want +got)\n%s", diff)
	}
	out, err := json.Marshal(&tok)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("Marshal =\n%s\nwant\n%s", out, in)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2019, 11, 14, 4, 5, 45, 0, time.UTC)
	for _, s := range []string{"2019-11-14T04:05:45Z", "2019-11-14T04:05:45UTC", "2019-11-14T06:05:45+02:00", "2019-11-14T04:05:45.000Z"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseTime("yesterday"); err == nil {
		t.Error("ParseTime(yesterday) succeeded")
	}
}

func TestCacheKeys(t *testing.T) {
	// Expected values computed with Python's hashlib and json.dumps(sort_keys=True).
	tests := []struct {
		name, got, want string
	}{
		{"token by session name", CacheKey("corp"), "ee0bfd2552fbd840c02cc48b6e823320543c450f"},
		{"token by start URL", CacheKey("https://d-123.awsapps.com/start"), "2b829a45f04c9828cb45b7d092d8e4aa30818393"},
		{"PKCE registration = AWS CLI's", RegistrationKey(FlowPKCE, Session{Name: "corp", StartURL: "https://d-123.awsapps.com/start", Region: "us-east-1", ConfiguredScopes: []string{"sso:account:access"}}),
			"394fa0df1cde5086b80bd1cdd4b45e359ceef9a2"},
		{"PKCE registration without session or scopes", RegistrationKey(FlowPKCE, Session{StartURL: "https://d-123.awsapps.com/start", Region: "us-east-1"}),
			"334df8a025b4d748342a2fb4eaa316ea48c5576c"},
		{"device registration, escapes", RegistrationKey(FlowDeviceCode, Session{Name: "Zürich \"q\" \\ 😀\t", StartURL: "https://x/start", Region: "eu-west-1", ConfiguredScopes: []string{"a", "b"}}),
			"d46bf16fdc403f14123a7654d7b9290e5d6e6511"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func TestPythonJSON(t *testing.T) {
	got := pythonJSON(map[string]any{"tool": "botocore", "scopes": []string{"a", "b"}, "session_name": nil, "region": "us-east-1"})
	want := `{"region": "us-east-1", "scopes": ["a", "b"], "session_name": null, "tool": "botocore"}`
	if got != want {
		t.Errorf("pythonJSON = %s, want %s", got, want)
	}
}

func TestFileStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sso", "cache")
	s := FileStore{Dir: dir}
	if _, err := s.Load("corp"); err != ErrNotFound {
		t.Fatalf("Load(missing) = %v, want ErrNotFound", err)
	}
	tok := &Token{AccessToken: "a", ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.Save("corp", tok); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json")
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
			t.Errorf("%s mode = %v, want %v", p, got, want)
		}
	}
	got, err := s.Load("corp")
	if err != nil || got.AccessToken != "a" {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte(`{"accessToken":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("corp"); err == nil || !strings.Contains(err.Error(), "no accessToken or expiresAt") {
		t.Errorf("Load(token without expiry) = %v", err)
	}
	if err := s.Delete("corp"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("corp"); err != nil {
		t.Errorf("Delete(missing) = %v", err)
	}
}

func TestKeyringStoreChunks(t *testing.T) {
	keyring.MockInit()
	s := KeyringStore{Service: "test"}
	big := &Token{AccessToken: strings.Repeat("a", 5000), RefreshToken: strings.Repeat("r", 1500), ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.Save("corp", big); err != nil {
		t.Fatal(err)
	}
	if n := s.count("corp"); n != 4 {
		t.Errorf("token stored in %d chunks, want 4", n)
	}
	got, err := s.Load("corp")
	if err != nil || got.AccessToken != big.AccessToken || got.RefreshToken != big.RefreshToken {
		t.Fatalf("Load after chunked Save: %v", err)
	}
	// A smaller token replaces the chunks and leaves none behind.
	if err := s.Save("corp", &Token{AccessToken: "small", ExpiresAt: big.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get("test", "corp#1"); err != keyring.ErrNotFound {
		t.Errorf("old chunk still present: %v", err)
	}
	if got, err := s.Load("corp"); err != nil || got.AccessToken != "small" {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	if err := s.Delete("corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("corp"); err != ErrNotFound {
		t.Errorf("Load after Delete = %v", err)
	}
}

func TestPKCEChallenge(t *testing.T) {
	p, err := NewPKCE()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Verifier) != 43 || len(p.State) != 43 {
		t.Errorf("verifier %d chars, state %d chars; want 43", len(p.Verifier), len(p.State))
	}
	// RFC 7636 appendix B.
	rfc := PKCE{Verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", Challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", State: "st"}
	got := AuthorizeURL("https://oidc.us-east-1.amazonaws.com/authorize", "cid", "http://127.0.0.1:5/oauth/callback", []string{"sso:account:access"}, rfc)
	want := "https://oidc.us-east-1.amazonaws.com/authorize?client_id=cid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256" +
		"&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback&response_type=code&scopes=sso%3Aaccount%3Aaccess&state=st"
	if got != want {
		t.Errorf("AuthorizeURL =\n%s\nwant\n%s", got, want)
	}
	if c := challengeOf(rfc.Verifier); c != rfc.Challenge {
		t.Errorf("challenge of the RFC verifier = %s, want %s", c, rfc.Challenge)
	}
}
