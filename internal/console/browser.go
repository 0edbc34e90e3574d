package console

import (
	"crypto/sha1"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
)

// ChromiumEnv names the Chromium-family browser to launch per profile.
const ChromiumEnv = "GATEHOUSE_CHROMIUM"

// chromiumNames are tried in order on PATH.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "brave-browser", "microsoft-edge"}

// FindChromium returns the Chromium-family browser to launch: $GATEHOUSE_CHROMIUM,
// else the first of chromium, chromium-browser, google-chrome, ... found by
// lookPath, else (on macOS) Google Chrome's application binary. It returns
// "" when there is none.
func FindChromium(getenv func(string) string, lookPath func(string) (string, error)) string {
	if b := getenv(ChromiumEnv); b != "" {
		return b
	}
	for _, n := range chromiumNames {
		if p, err := lookPath(n); err == nil {
			return p
		}
	}
	if runtime.GOOS == "darwin" {
		return "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
	}
	return ""
}

var notDirChar = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ProfileDir returns the browser user-data directory of an AWS profile
// under root: a readable, file-system-safe form of the name and a short hash
// that keeps "a/b" and "a_b" apart.
func ProfileDir(root, profile string) string {
	sum := sha1.Sum([]byte(profile))
	return filepath.Join(root, notDirChar.ReplaceAllString(profile, "_")+"-"+hex.EncodeToString(sum[:4]))
}

// ChromiumArgs returns the command that opens u in a Chromium-family
// browser with its own user-data directory for profile: its own cookies, so
// consoles of several accounts stay signed in side by side.
func ChromiumArgs(binary, root, profile, u string) []string {
	return []string{binary, "--user-data-dir=" + ProfileDir(root, profile), "--no-first-run", "--no-default-browser-check", "--new-window", u}
}

// FirefoxContainerURL wraps u for the "Open external links in a container"
// Firefox add-on, which opens it in a container tab named after the
// profile: one cookie jar per AWS profile in one Firefox window.
func FirefoxContainerURL(profile, u string) string {
	return "ext+container:name=" + url.QueryEscape(profile) + "&url=" + url.QueryEscape(u)
}
