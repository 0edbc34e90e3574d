package credentials

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/retry"
)

// The variables of the container credentials protocol (ECS's, which every
// AWS SDK and the AWS CLI follow): a tool finds the server's URL and the
// authorization token it must send there.
const (
	ContainerURIVar   = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	ContainerTokenVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// ServerPath is the path credentials are served at.
const ServerPath = "/credentials"

// Server hands the credentials of one profile to tools that speak the
// container credentials protocol: GET with the Authorization header set to
// Token answers the credentials as JSON; anything without the token gets
// 401 and an empty body. It refreshes the credentials before they enter
// ExpiryWindow, in the background and on demand.
type Server struct {
	// Fetch returns the profile's credentials (a Resolver's Credentials),
	// which are good for more than ExpiryWindow.
	Fetch func(ctx context.Context) (Credentials, error)
	// Token is what requests must carry in their Authorization header.
	Token string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Sleep waits in the background refresher; retry.Sleep when nil.
	Sleep func(ctx context.Context, d time.Duration) error

	mu  sync.Mutex
	cur Credentials
	has bool
}

// NewToken returns a random authorization token for a server run.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Credentials returns credentials good for more than ExpiryWindow,
// fetching them when the ones held are not.
func (s *Server) Credentials(ctx context.Context) (Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.has && s.cur.Expiration.Sub(s.now()) > ExpiryWindow {
		return s.cur, nil
	}
	c, err := s.Fetch(ctx)
	if err != nil {
		return Credentials{}, err
	}
	s.cur, s.has = c, true
	return c, nil
}

// containerCredentials is the protocol's answer.
type containerCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// ServeHTTP implements the protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get("Authorization")
	if s.Token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet || r.URL.Path != ServerPath {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "NotFound", "message": "GET " + ServerPath})
		return
	}
	c, err := s.Credentials(r.Context())
	if err != nil {
		msg := err.Error()
		if h := hint.Of(err); h != "" {
			msg += " (" + h + ")"
		}
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "CredentialsUnavailable", "message": "gatehouse: " + msg})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(containerCredentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken,
		Expiration: c.Expiration.UTC().Format(time.RFC3339), AccountID: c.AccountID,
	})
}

// Serve answers on ln until ctx ends, refreshing the credentials in the
// background as they enter ExpiryWindow (retrying every 30 seconds when a
// fetch fails), so that a tool never waits for a fetch. It returns nil
// when ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}()
	go func() {
		defer wg.Done()
		s.refresh(ctx)
	}()
	err := srv.Serve(ln)
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// refresh keeps the credentials fresh until ctx ends.
func (s *Server) refresh(ctx context.Context) {
	sleep := s.Sleep
	if sleep == nil {
		sleep = retry.Sleep
	}
	for {
		wait := 30 * time.Second
		if c, err := s.Credentials(ctx); err == nil {
			// Wake just inside the window, when the held credentials (and
			// gatehouse's cache) stop being handed out.
			wait = max(c.Expiration.Sub(s.now())-ExpiryWindow+time.Second, time.Second)
		}
		if sleep(ctx, wait) != nil {
			return
		}
	}
}
