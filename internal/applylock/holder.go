package applylock

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Holder says who holds a lock, from where and since when.
type Holder struct {
	// ID is random, one per acquisition: it tells a lock from the next one
	// taken under the same name.
	ID string `json:"id"`
	// Who is the AWS identity that took the lock (the caller's ARN), or
	// the local user name for a lock file.
	Who  string `json:"who"`
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// Machine identifies the machine, boot and PID namespace of PID
	// (opaque), so that a holder on this machine can be checked for life
	// and a holder elsewhere never is.
	Machine string    `json:"machine"`
	Since   time.Time `json:"since"`
	// Expires is when the lock lapses unless it is renewed; zero for a
	// lock file, which the OS releases when its process ends.
	Expires time.Time `json:"expires,omitzero"`
}

// self describes this process as a holder taking a lock at now.
func self(who string, now time.Time) Holder {
	host, _ := os.Hostname()
	if who == "" {
		who = localUser()
	}
	return Holder{ID: newID(), Who: who, Host: host, PID: os.Getpid(), Machine: thisMachine(), Since: now.UTC().Truncate(time.Second)}
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func localUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown user"
}

// thisMachine names this machine's boot and PID namespace: two containers
// on one host share a boot but not a PID namespace, two machines may
// share a host name but not a boot. Where /proc is missing, the host name
// alone stands for it.
func thisMachine() string {
	host, _ := os.Hostname()
	parts := []string{host}
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		parts = append(parts, strings.TrimSpace(string(b)))
	}
	if ns, err := os.Readlink("/proc/self/ns/pid"); err == nil {
		parts = append(parts, ns)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:8])
}

// Describe writes a holder for people: since when, from where, who.
func (h Holder) Describe(now time.Time) string {
	var b strings.Builder
	if !h.Since.IsZero() {
		fmt.Fprintf(&b, "since %s (%s ago)", h.Since.UTC().Format("2006-01-02 15:04:05 MST"), ago(now.Sub(h.Since)))
	} else {
		b.WriteString("since an unknown time")
	}
	if h.Host != "" {
		fmt.Fprintf(&b, ", from host %s", h.Host)
	}
	if h.PID > 0 {
		fmt.Fprintf(&b, " (pid %d)", h.PID)
	}
	if h.Who != "" {
		fmt.Fprintf(&b, ", by %s", h.Who)
	}
	return b.String()
}

func ago(d time.Duration) string {
	switch {
	case d < time.Second:
		return "0s"
	case d < time.Hour:
		return d.Truncate(time.Second).String()
	}
	return d.Truncate(time.Minute).String()
}

// The tags of a lock role.
const (
	tagID      = "gatehouse:lock-id"
	tagWho     = "gatehouse:lock-who"
	tagHost    = "gatehouse:lock-host"
	tagPID     = "gatehouse:lock-pid"
	tagMachine = "gatehouse:lock-machine"
	tagSince   = "gatehouse:lock-since"
	tagExpires = "gatehouse:lock-expires"
)

// tagUnsafe matches what an IAM tag value may not hold.
var tagUnsafe = regexp.MustCompile(`[^\p{L}\p{Z}\p{N}_.:/=+\-@]`)

func tagValue(s string) string {
	s = tagUnsafe.ReplaceAllString(s, "_")
	if len(s) > 256 {
		s = s[:256]
	}
	return s
}

// tags writes h as IAM tags.
func (h Holder) tags() map[string]string {
	return map[string]string{
		tagID:      h.ID,
		tagWho:     tagValue(h.Who),
		tagHost:    tagValue(h.Host),
		tagPID:     strconv.Itoa(h.PID),
		tagMachine: h.Machine,
		tagSince:   h.Since.UTC().Format(time.RFC3339),
		tagExpires: h.Expires.UTC().Format(time.RFC3339),
	}
}

// holderOf reads a holder from the tags of a lock role. ok is false when
// the tags do not say whose lock it is or when it expires (a role of that
// name made by other means): the caller dates it from the role itself.
func holderOf(tags map[string]string) (h Holder, ok bool) {
	h = Holder{ID: tags[tagID], Who: tags[tagWho], Host: tags[tagHost], Machine: tags[tagMachine]}
	h.PID, _ = strconv.Atoi(tags[tagPID])
	h.Since, _ = time.Parse(time.RFC3339, tags[tagSince])
	var err error
	h.Expires, err = time.Parse(time.RFC3339, tags[tagExpires])
	return h, err == nil && h.ID != ""
}
