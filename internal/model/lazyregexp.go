package model

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles its pattern on first use. gatehouse is one binary, and
// credential_process starts it on every AWS SDK credential refresh: compiling
// the model's patterns at package init would tax every start, not only the
// commands that load a model.
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

func lazyRE(src string) *lazyRegexp { return &lazyRegexp{src: src} }

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

func (l *lazyRegexp) MatchString(s string) bool { return l.get().MatchString(s) }

func (l *lazyRegexp) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }
