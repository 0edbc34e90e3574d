package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProblems(t *testing.T) {
	t.Parallel()
	at := func(file string, line, col int) Pos { return Pos{File: file, Line: line, Col: col} }
	ps := Problems{
		{Pos: at("b.yaml", 1, 1), Message: "in b"},
		{Pos: at("a.yaml", 3, 9), Message: "second", Hint: "fix it"},
		{Pos: at("a.yaml", 3, 2), Message: "first"},
		{Pos: at("a.yaml", 3, 9), Message: "second", Hint: "fix it"},
		{Pos: at("a.yaml", 3, 9), Message: "also second"},
	}.Sort()
	want := "a.yaml:3:2: first\n" +
		"a.yaml:3:9: also second\n" +
		"a.yaml:3:9: second (fix it)\n" +
		"b.yaml:1:1: in b"
	if diff := cmp.Diff(want, ps.Error()); diff != "" {
		t.Errorf("Sort().Error() mismatch (-want +got):\n%s", diff)
	}
	if got, want := ps.Hint(), "4 problems; fix them and run gatehouse validate again"; got != want {
		t.Errorf("Hint() = %q, want %q", got, want)
	}
	if got, want := ps[:1].Hint(), "1 problem; fix it and run gatehouse validate again"; got != want {
		t.Errorf("Hint() = %q, want %q", got, want)
	}
	if got, want := (Pos{File: "a.yaml"}).String(), "a.yaml"; got != want {
		t.Errorf("Pos.String() = %q, want %q", got, want)
	}
}
