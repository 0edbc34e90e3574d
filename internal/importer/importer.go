// Package importer writes an access model from an existing IAM Identity
// Center setup (gatehouse import): users, groups with their members,
// permission sets with every attribute, and the assignments, grouped into
// as few entries as possible. Accounts are named as Organizations names
// them; selectors (ou, tags, all) are never invented, accounts are listed
// by name. Planning the written model against the same AWS shows no
// changes. The package is pure: it turns a live state.State and an
// organization into YAML text.
package importer

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// Options say what to write besides the live objects.
type Options struct {
	// Region is written as identity_center.region.
	Region string
	// InstanceARN is named in a comment.
	InstanceARN string
	// External writes identity_source: external: users and groups are only
	// referenced (no members), as an identity provider owns them.
	External bool
}

// Result is the model text and what could not be carried into it.
type Result struct {
	YAML []byte
	// Warnings name live objects left out or written as the model cannot
	// hold them; each is one sentence.
	Warnings []string
}

// Model writes the model for live, naming accounts from org.
func Model(live *state.State, org *state.Organization, opts Options) Result {
	w := &writer{live: live, opts: opts}
	w.nameAccounts(org)
	w.header(org)
	w.accounts()
	w.users()
	w.groups()
	w.permissionSets()
	w.assignments()
	// Identity Center holds no record of which IAM roles belong to an
	// access model: import reads none, and says so.
	w.warn("IAM roles are not imported: declare the roles the model should own under roles: with adopt: true (see docs/migrate-from-terraform.md)")
	return Result{YAML: []byte(w.b.String()), Warnings: w.warnings}
}

type writer struct {
	live     *state.State
	opts     Options
	b        strings.Builder
	warnings []string
	// names maps account ID -> model name, for accounts assignments use.
	names map[string]string
	// usable lists the account IDs that can carry assignments.
	usable map[string]bool
}

func (w *writer) warn(format string, args ...any) {
	w.warnings = append(w.warnings, fmt.Sprintf(format, args...))
}

var notNameChar = regexp.MustCompile(`[^\w.+-]+`)

// nameAccounts names every account an assignment uses after its name in
// Organizations, made a valid model name (letters, digits, . _ + -) and
// unique.
func (w *writer) nameAccounts(org *state.Organization) {
	w.names, w.usable = map[string]string{}, map[string]bool{}
	byID := map[string]state.OrgAccount{}
	if org != nil {
		for _, a := range org.Accounts {
			byID[a.ID] = a
		}
	}
	var ids []string
	seen := map[string]bool{}
	for _, a := range w.live.Assignments {
		if !seen[a.AccountID] {
			seen[a.AccountID] = true
			ids = append(ids, a.AccountID)
		}
	}
	sort.Strings(ids)
	taken := map[string]bool{}
	for _, id := range ids {
		acct, ok := byID[id]
		switch {
		case !ok:
			w.warn("account %s has assignments but is not in the organization; they are left out (plan will show them as unmanaged or drift)", id)
			continue
		case !acct.Active():
			w.warn("account %s (%s) is %s; its assignments are left out (gatehouse gives no access to inactive accounts)", acct.Name, id, acct.Status)
			continue
		}
		name := strings.Trim(notNameChar.ReplaceAllString(acct.Name, "-"), "-")
		if name == "" {
			name = "account-" + id
		}
		if taken[name] {
			name += "-" + id
		}
		taken[name] = true
		w.names[id] = name
		w.usable[id] = true
	}
}

func (w *writer) header(org *state.Organization) {
	w.b.WriteString("# Access model written by `gatehouse import`")
	if w.opts.InstanceARN != "" {
		w.b.WriteString(" from IAM Identity Center " + w.opts.InstanceARN)
	}
	if org != nil && org.ID != "" {
		w.b.WriteString(" and organization " + org.ID)
	}
	w.b.WriteString(".\n# `gatehouse plan` on it shows no changes. Replace account lists with ou/tags/all\n# selectors where that is what you mean.\n")
	w.b.WriteString("version: 1\n")
	w.b.WriteString("identity_center:\n")
	if w.opts.Region != "" {
		fmt.Fprintf(&w.b, "  region: %s\n", scalar(w.opts.Region))
	}
	if w.opts.External {
		w.b.WriteString("  identity_source: external\n")
	} else {
		w.b.WriteString("  identity_source: internal\n")
	}
}

func (w *writer) accounts() {
	if len(w.names) == 0 {
		return
	}
	ids := slices.Sorted(maps.Keys(w.names))
	sort.SliceStable(ids, func(i, j int) bool { return w.names[ids[i]] < w.names[ids[j]] })
	w.b.WriteString("accounts:\n")
	for _, id := range ids {
		fmt.Fprintf(&w.b, "  %s: { id: %q }\n", key(w.names[id]), id)
	}
}

// referenced returns the principals of a type that some assignment names.
func (w *writer) referenced(typ string) map[string]bool {
	out := map[string]bool{}
	for _, a := range w.live.Assignments {
		if a.PrincipalType == typ {
			out[a.PrincipalName] = true
		}
	}
	return out
}

func (w *writer) users() {
	names := slices.Sorted(maps.Keys(w.live.Users))
	if w.opts.External {
		ref := w.referenced(state.PrincipalUser)
		names = slices.DeleteFunc(names, func(n string) bool { return !ref[n] })
	}
	if len(names) == 0 {
		return
	}
	w.b.WriteString("users:\n")
	for _, n := range names {
		u := w.live.Users[n]
		var fields []string
		if w.opts.External {
			fmt.Fprintf(&w.b, "  %s: {}\n", key(n))
			continue
		}
		if u.Email == "" {
			w.warn("user %s has no email; add one to the model (Identity Center needs it for new users)", n)
		}
		fields = appendField(fields, "email", u.Email)
		fields = appendField(fields, "given_name", u.GivenName)
		fields = appendField(fields, "family_name", u.FamilyName)
		if u.DisplayName != strings.TrimSpace(u.GivenName+" "+u.FamilyName) {
			fields = appendField(fields, "display_name", u.DisplayName)
		}
		fmt.Fprintf(&w.b, "  %s: { %s }\n", key(n), strings.Join(fields, ", "))
	}
}

func (w *writer) groups() {
	names := slices.Sorted(maps.Keys(w.live.Groups))
	if w.opts.External {
		ref := w.referenced(state.PrincipalGroup)
		names = slices.DeleteFunc(names, func(n string) bool { return !ref[n] })
	}
	if len(names) == 0 {
		return
	}
	w.b.WriteString("groups:\n")
	for _, n := range names {
		g := w.live.Groups[n]
		var fields []string
		fields = appendField(fields, "description", g.Description)
		if !w.opts.External && len(g.Members) > 0 {
			fields = append(fields, "members: "+flowList(g.Members))
		}
		if len(fields) == 0 {
			fmt.Fprintf(&w.b, "  %s: {}\n", key(n))
			continue
		}
		fmt.Fprintf(&w.b, "  %s: { %s }\n", key(n), strings.Join(fields, ", "))
	}
}

func (w *writer) permissionSets() {
	names := slices.Sorted(maps.Keys(w.live.PermissionSets))
	if len(names) == 0 {
		return
	}
	w.b.WriteString("permission_sets:\n")
	for _, n := range names {
		p := w.live.PermissionSets[n]
		var lines []string
		add := func(k, v string) {
			if v != "" {
				lines = append(lines, k+": "+scalar(v))
			}
		}
		add("description", p.Description)
		if d := modelDuration(p.SessionDuration); d != "" {
			lines = append(lines, "session_duration: "+d)
		}
		add("relay_state", p.RelayState)
		if len(p.ManagedPolicies) > 0 {
			lines = append(lines, "managed_policies: "+flowList(p.ManagedPolicies))
		}
		if len(p.CustomerManagedPolicies) > 0 {
			var refs []string
			for _, r := range p.CustomerManagedPolicies {
				refs = append(refs, refString(r))
			}
			lines = append(lines, "customer_managed_policies: "+flowList(refs))
		}
		if b := p.PermissionsBoundary; b != nil {
			if b.CustomerManaged != nil {
				lines = append(lines, "permissions_boundary: { customer_managed_policy: "+scalar(refString(*b.CustomerManaged))+" }")
			} else {
				lines = append(lines, "permissions_boundary: { managed_policy: "+scalar(b.ManagedPolicyARN)+" }")
			}
		}
		if len(p.Tags) > 0 {
			var tags []string
			for _, k := range slices.Sorted(maps.Keys(p.Tags)) {
				tags = append(tags, key(k)+": "+scalar(p.Tags[k]))
			}
			lines = append(lines, "tags: { "+strings.Join(tags, ", ")+" }")
		}
		if p.InlinePolicy != "" {
			lines = append(lines, "inline_policy: |\n"+indent(prettyJSON(p.InlinePolicy), "      "))
		}
		if len(lines) == 0 {
			fmt.Fprintf(&w.b, "  %s: {}\n", key(n))
			continue
		}
		fmt.Fprintf(&w.b, "  %s:\n", key(n))
		for _, l := range lines {
			w.b.WriteString("    " + l + "\n")
		}
	}
}

// entry is one assignment block of the model.
type entry struct {
	groups, users, sets, accounts []string
}

// assignments groups the live assignments into few entries: principals with
// the same permission set in the same accounts share an entry, then
// permission sets given to the same principals in the same accounts.
func (w *writer) assignments() {
	type principal struct{ typ, name string }
	// (principal, set) -> account names
	grants := map[principal]map[string][]string{}
	for _, a := range w.live.Assignments {
		if !w.usable[a.AccountID] {
			continue
		}
		p := principal{a.PrincipalType, a.PrincipalName}
		if grants[p] == nil {
			grants[p] = map[string][]string{}
		}
		grants[p][a.PermissionSet] = append(grants[p][a.PermissionSet], w.names[a.AccountID])
	}
	// Step 1: (set, accounts) -> principals.
	type setAccts struct{ set, accts string }
	byGrant := map[setAccts][]principal{}
	for p, sets := range grants {
		for set, accts := range sets {
			sort.Strings(accts)
			k := setAccts{set, strings.Join(accts, "\x00")}
			byGrant[k] = append(byGrant[k], p)
		}
	}
	// Step 2: (principals, accounts) -> sets.
	type who struct{ principals, accts string }
	bySet := map[who][]string{}
	members := map[who][]principal{}
	for k, ps := range byGrant {
		sort.Slice(ps, func(i, j int) bool {
			if ps[i].typ != ps[j].typ {
				return ps[i].typ < ps[j].typ
			}
			return ps[i].name < ps[j].name
		})
		var keyParts []string
		for _, p := range ps {
			keyParts = append(keyParts, p.typ+":"+p.name)
		}
		wk := who{strings.Join(keyParts, "\x00"), k.accts}
		bySet[wk] = append(bySet[wk], k.set)
		members[wk] = ps
	}
	var entries []entry
	for wk, sets := range bySet {
		e := entry{sets: slices.Sorted(slices.Values(sets)), accounts: strings.Split(wk.accts, "\x00")}
		for _, p := range members[wk] {
			if p.typ == state.PrincipalGroup {
				e.groups = append(e.groups, p.name)
			} else {
				e.users = append(e.users, p.name)
			}
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		ka := strings.Join(slices.Concat(a.groups, []string{"\x01"}, a.users, []string{"\x01"}, a.sets, []string{"\x01"}, a.accounts), "\x00")
		kb := strings.Join(slices.Concat(b.groups, []string{"\x01"}, b.users, []string{"\x01"}, b.sets, []string{"\x01"}, b.accounts), "\x00")
		if (len(a.groups) == 0) != (len(b.groups) == 0) {
			return len(a.groups) > 0
		}
		return ka < kb
	})
	w.b.WriteString("assignments:\n")
	for _, e := range entries {
		first := true
		line := func(k string, v []string) {
			if len(v) == 0 {
				return
			}
			prefix := "    "
			if first {
				prefix, first = "  - ", false
			}
			w.b.WriteString(prefix + k + ": " + flowList(v) + "\n")
		}
		line("groups", e.groups)
		line("users", e.users)
		line("permission_sets", e.sets)
		line("accounts", e.accounts)
	}
}

// modelDuration writes an ISO 8601 session duration as the model does
// ("8h", "1h30m"); the default of one hour is left out.
func modelDuration(iso string) string {
	secs, ok := state.Seconds(iso)
	if !ok {
		return scalar(iso)
	}
	if secs == 3600 {
		return ""
	}
	var b strings.Builder
	for _, u := range []struct {
		n    int
		unit string
	}{{secs / 3600, "h"}, {secs % 3600 / 60, "m"}, {secs % 60, "s"}} {
		if u.n > 0 {
			fmt.Fprintf(&b, "%d%s", u.n, u.unit)
		}
	}
	return b.String()
}

func refString(r state.PolicyRef) string {
	if r.Path == "" || r.Path == "/" {
		return r.Name
	}
	return r.Path + r.Name
}

func prettyJSON(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return doc
	}
	return string(out)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func appendField(fields []string, k, v string) []string {
	if v == "" {
		return fields
	}
	return append(fields, k+": "+scalar(v))
}

func flowList(items []string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = scalar(it)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// plainScalar matches strings YAML reads back as the same string when
// written bare inside flow collections; anything with a colon is quoted,
// since inside brackets YAML may read it as key: value.
var plainScalar = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9 _./:@+=-]*$`)

// scalar writes s as a YAML string that reads back as s: bare when it is
// plainly a string, double-quoted otherwise.
func scalar(s string) string {
	if plainScalar.MatchString(s) && !strings.HasSuffix(s, " ") && !strings.Contains(s, ":") && !strings.Contains(s, " #") && !reserved[strings.ToLower(s)] {
		return s
	}
	// A JSON string is a YAML double-quoted scalar.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// reserved are words YAML reads as something other than a string.
var reserved = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "null": true, "y": true, "n": true, "~": true}

func key(s string) string { return scalar(s) }
