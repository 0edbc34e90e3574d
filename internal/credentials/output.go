package credentials

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// EnvProfileVar names the profile whose credentials exec and env put in the
// environment; exec refuses to nest inside another one unless asked.
const EnvProfileVar = "GATEHOUSE_PROFILE"

// ClearedVars are removed from an environment that receives credentials:
// a profile variable would contradict the credentials.
var ClearedVars = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}

// EnvVars returns the variables that carry c for profile, sorted by name.
// Region is set only when known.
func EnvVars(profile string, c Credentials) map[string]string {
	v := map[string]string{
		"AWS_ACCESS_KEY_ID":         c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":     c.SecretAccessKey,
		"AWS_SESSION_TOKEN":         c.SessionToken,
		"AWS_CREDENTIAL_EXPIRATION": c.Expiration.UTC().Format(time.RFC3339),
		EnvProfileVar:               profile,
	}
	if c.Region != "" {
		v["AWS_REGION"] = c.Region
		v["AWS_DEFAULT_REGION"] = c.Region
	}
	return v
}

// staticVars carry credentials that every tool prefers to a credentials
// server: a child sent to a server must not inherit them.
var staticVars = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}

// ServerVars returns the variables that send a tool to a credentials
// server (Server) at url with token, for profile; region is set when known.
func ServerVars(profile, url, token, region string) map[string]string {
	v := map[string]string{ContainerURIVar: url, ContainerTokenVar: token, EnvProfileVar: profile}
	if region != "" {
		v["AWS_REGION"] = region
		v["AWS_DEFAULT_REGION"] = region
	}
	return v
}

// ServerEnviron is Environ for a child sent to a credentials server:
// credentials of the parent's environment are removed too.
func ServerEnviron(base []string, vars map[string]string) []string {
	return environ(base, vars, append(append([]string{}, ClearedVars...), staticVars...))
}

// Environ returns base with the variables of vars set (replacing any
// earlier values) and ClearedVars removed, for a child process.
func Environ(base []string, vars map[string]string) []string {
	return environ(base, vars, ClearedVars)
}

func environ(base []string, vars map[string]string, cleared []string) []string {
	drop := map[string]bool{}
	for _, k := range cleared {
		drop[k] = true
	}
	for k := range vars {
		drop[k] = true
	}
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	for _, k := range sortedKeys(vars) {
		out = append(out, k+"="+vars[k])
	}
	return out
}

// Shells that ShellLines knows.
const (
	ShellPOSIX      = "sh"
	ShellFish       = "fish"
	ShellPowerShell = "powershell"
)

// ShellLines renders vars as commands for shell (sh, fish or powershell),
// clearing ClearedVars first, so that `eval "$(gatehouse env P)"` sets them.
func ShellLines(shell string, vars map[string]string) (string, error) {
	var b strings.Builder
	for _, k := range ClearedVars {
		switch shell {
		case ShellPOSIX:
			fmt.Fprintf(&b, "unset %s\n", k)
		case ShellFish:
			fmt.Fprintf(&b, "set -e %s;\n", k)
		case ShellPowerShell:
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue\n", k)
		default:
			return "", fmt.Errorf("unknown shell %q: use sh, fish or powershell", shell)
		}
	}
	for _, k := range sortedKeys(vars) {
		v := vars[k]
		switch shell {
		case ShellPOSIX:
			fmt.Fprintf(&b, "export %s=%s\n", k, shQuote(v))
		case ShellFish:
			fmt.Fprintf(&b, "set -gx %s %s;\n", k, shQuote(v))
		case ShellPowerShell:
			fmt.Fprintf(&b, "$Env:%s = '%s'\n", k, strings.ReplaceAll(v, "'", "''"))
		}
	}
	return b.String(), nil
}

// shQuote quotes s for POSIX shells and fish.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
