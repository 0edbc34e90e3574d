package credentials

import (
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/gatehouse-dev/gatehouse/internal/awsconfig"
	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/ssologin"
)

// DefaultTemplate names profiles "<account name>/<role>".
const DefaultTemplate = "{{.AccountName}}/{{.RoleName}}"

// NameData is what a profile name template sees.
type NameData struct {
	AccountName string
	AccountID   string
	RoleName    string
	Session     string // the sso-session name
	External    bool   // an account of another organization, reached by chaining
}

// ProfileOptions configure BuildProfiles.
type ProfileOptions struct {
	Session ssologin.Session // must have a Name: profiles use sso_session
	// Template names profiles (Go text/template over NameData); default
	// DefaultTemplate. The result is made safe with awsconfig.SafeName.
	Template string
	// Region is each profile's region (default: the session's region); an
	// external account's own region wins.
	Region string
	// WriteSession puts the [sso-session] section in the block (false when
	// it is already defined outside gatehouse's block).
	WriteSession bool
	// ProcessCommand, when set, makes every profile a credential_process
	// profile running "<ProcessCommand> --profile NAME" (ProcessCommand is
	// e.g. "/usr/local/bin/gatehouse-credential-process" or
	// "/usr/local/bin/gatehouse credential-process"); the SSO keys move to
	// gatehouse_ keys, which the AWS CLI ignores.
	ProcessCommand string
	// UserName is the Identity Center user signed in to Session: chained
	// profiles name their sessions after them (role_session_name).
	UserName string
}

// GeneratedProfile is one profile BuildProfiles made, for messages.
type GeneratedProfile struct {
	Name      string
	AccountID string
	RoleName  string
	Source    string // the source profile of a chained profile
}

// BuildProfiles returns the sections of gatehouse's managed block: the
// sso-session (optionally), one profile per account and role, and one
// chained profile per reachable external account. Two profiles with the
// same name are an error naming both.
func BuildProfiles(accounts []Account, externals []External, o ProfileOptions) ([]awsconfig.NewSection, []GeneratedProfile, error) {
	if o.Session.Name == "" {
		return nil, nil, fmt.Errorf("profiles need an sso-session name")
	}
	tmplText := o.Template
	if tmplText == "" {
		tmplText = DefaultTemplate
	}
	tmpl, err := template.New("profile").Option("missingkey=error").Parse(tmplText)
	if err != nil {
		return nil, nil, hint.Wrap(fmt.Errorf("profile name template %q: %w", tmplText, err), "fields: .AccountName .AccountID .RoleName .Session .External")
	}
	region := o.Region
	if region == "" {
		region = o.Session.Region
	}
	name := func(d NameData) (string, error) {
		var b strings.Builder
		if err := tmpl.Execute(&b, d); err != nil {
			return "", hint.Wrap(fmt.Errorf("profile name template %q: %w", tmplText, err), "fields: .AccountName .AccountID .RoleName .Session .External")
		}
		n := awsconfig.SafeName(b.String())
		if n == "" {
			return "", fmt.Errorf("profile name template %q gives an empty name for %s in account %s", tmplText, d.RoleName, d.AccountID)
		}
		return n, nil
	}

	var sections []awsconfig.NewSection
	if o.WriteSession {
		sections = append(sections, awsconfig.NewSection{Kind: awsconfig.KindSSOSession, Name: o.Session.Name, Keys: []awsconfig.KV{
			{Key: "sso_start_url", Value: o.Session.StartURL},
			{Key: "sso_region", Value: o.Session.Region},
			{Key: "sso_registration_scopes", Value: strings.Join(o.Session.Scopes(), ",")},
		}})
	}
	var made []GeneratedProfile
	owner := map[string]string{}
	claim := func(n, what string) error {
		if prev, ok := owner[n]; ok {
			return hint.New(fmt.Sprintf("profile name %s is given to both %s and %s", n, prev, what),
				"use a --template that tells them apart, e.g. '{{.AccountName}}-{{.AccountID}}/{{.RoleName}}'")
		}
		owner[n] = what
		return nil
	}
	byRole := map[[2]string]string{} // (account, role) -> profile name
	for _, a := range accounts {
		acctName := a.Name
		if acctName == "" {
			acctName = a.ID
		}
		for _, r := range a.Roles {
			n, err := name(NameData{AccountName: acctName, AccountID: a.ID, RoleName: r, Session: o.Session.Name})
			if err != nil {
				return nil, nil, err
			}
			if err := claim(n, fmt.Sprintf("role %s in account %s (%s)", r, a.ID, a.Name)); err != nil {
				return nil, nil, err
			}
			byRole[[2]string{a.ID, r}] = n
			keys := []awsconfig.KV{
				{Key: "sso_session", Value: o.Session.Name},
				{Key: "sso_account_id", Value: a.ID},
				{Key: "sso_role_name", Value: r},
			}
			sections = append(sections, o.profile(n, fmt.Sprintf("%s (%s), %s", acctName, a.ID, r), keys, region))
			made = append(made, GeneratedProfile{Name: n, AccountID: a.ID, RoleName: r})
		}
	}
	for _, e := range externals {
		src, ok := byRole[[2]string{e.Via.AccountID, e.Via.RoleName}]
		if !ok {
			continue // its hop is not among the user's roles
		}
		n, err := name(NameData{AccountName: e.AccountName, AccountID: e.AccountID, RoleName: e.RoleName, Session: o.Session.Name, External: true})
		if err != nil {
			return nil, nil, err
		}
		if err := claim(n, fmt.Sprintf("role %s in external account %s (%s)", e.RoleName, e.AccountID, e.AccountName)); err != nil {
			return nil, nil, err
		}
		keys := []awsconfig.KV{{Key: "source_profile", Value: src}, {Key: "role_arn", Value: e.RoleARN}}
		if e.ExternalID != "" {
			keys = append(keys, awsconfig.KV{Key: "external_id", Value: e.ExternalID})
		}
		if o.UserName != "" {
			keys = append(keys, awsconfig.KV{Key: "role_session_name", Value: DefaultSessionName(o.UserName)})
		}
		// The AWS CLI v2 up to at least 2.9 takes the SSO token of a chain
		// from the profile it was asked for, not from source_profile, and
		// fails without one ("'NoneType' object has no attribute
		// 'get_frozen_token'"); naming the session here too is harmless to
		// the CLI v1, later v2 and the SDKs, which assume the role first.
		keys = append(keys, awsconfig.KV{Key: "sso_session", Value: o.Session.Name})
		r := region
		if e.Region != "" {
			r = e.Region
		}
		sections = append(sections, o.profile(n, fmt.Sprintf("%s (%s), %s: external, through %s", e.AccountName, e.AccountID, e.RoleName, src), keys, r))
		made = append(made, GeneratedProfile{Name: n, AccountID: e.AccountID, RoleName: e.RoleName, Source: src})
	}
	return sections, made, nil
}

// profile makes one profile section: the SSO or chaining keys as they
// are, or behind credential_process.
func (o ProfileOptions) profile(name, comment string, keys []awsconfig.KV, region string) awsconfig.NewSection {
	if o.ProcessCommand != "" {
		moved := []awsconfig.KV{{Key: "credential_process", Value: o.ProcessCommand + " --profile " + name}}
		for _, kv := range keys {
			moved = append(moved, awsconfig.KV{Key: KeyPrefix + kv.Key, Value: kv.Value})
		}
		keys = moved
	}
	keys = append(keys, awsconfig.KV{Key: "region", Value: region})
	return awsconfig.NewSection{Kind: awsconfig.KindProfile, Name: name, Comment: comment, Keys: keys}
}

// ProcessCommand returns the start of a credential_process line that runs
// the binary at path: the companion gatehouse-credential-process as it is,
// any other (gatehouse) with its credential-process command. The path is
// double-quoted when it holds spaces; the line never ends with a quote (it
// ends with the profile name), which the Go SDK would strip together with
// the opening one.
func ProcessCommand(path string) string {
	q := path
	if strings.ContainsAny(path, " \t") {
		q = `"` + path + `"`
	}
	base := path[strings.LastIndexAny(path, `/\`)+1:] // either separator: the line may be for Windows
	if strings.TrimSuffix(base, ".exe") == credcache.CompanionName {
		return q
	}
	return q + " credential-process"
}

// Collisions returns the generated profile names that a profile outside
// gatehouse's managed block already uses, sorted.
func Collisions(f *awsconfig.File, sections []awsconfig.NewSection) []string {
	outside := map[string]bool{}
	for _, s := range f.Sections() {
		if !s.Managed && (s.Kind == awsconfig.KindProfile || s.Kind == awsconfig.KindDefault) {
			outside[s.Name] = true
		}
	}
	var out []string
	for _, s := range sections {
		if s.Kind == awsconfig.KindProfile && outside[s.Name] {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}
