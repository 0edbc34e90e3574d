package portal

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPaginate(t *testing.T) {
	t.Parallel()
	items := []int{1, 2, 3, 4, 5}
	var got [][]int
	start, pages := 0, 0
	for {
		page, next := paginate(items, start, 2)
		got = append(got, page)
		pages++
		if next == nil || pages > 10 {
			break
		}
		var perr *apiError
		start, _, perr = pageParams(*next, "2")
		if perr != nil {
			t.Fatal(perr)
		}
	}
	if diff := cmp.Diff([][]int{{1, 2}, {3, 4}, {5}}, got); diff != "" {
		t.Errorf("pages mismatch (-want +got):\n%s", diff)
	}
	if page, next := paginate([]int(nil), 0, 20); page == nil || len(page) != 0 || next != nil {
		t.Errorf("empty list: page %v next %v, want [] and no token", page, next)
	}
}

func TestPageParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token, max string
		start      int
		size       int
		bad        bool
	}{
		{"", "", 0, 20, false},
		{"", "100", 0, 100, false},
		{"", "0", 0, 0, true},
		{"", "101", 0, 0, true},
		{"", "ten", 0, 0, true},
		{"not-base64!", "", 0, 0, true},
		{"b2Zmc2V0OjQ", "", 4, 20, false}, // "offset:4"
		{"b2Zmc2V0Oi0x", "", 0, 0, true},  // "offset:-1"
	}
	for _, tt := range tests {
		start, size, perr := pageParams(tt.token, tt.max)
		if (perr != nil) != tt.bad {
			t.Errorf("pageParams(%q, %q) error = %v, want bad=%v", tt.token, tt.max, perr, tt.bad)
			continue
		}
		if !tt.bad && (start != tt.start || size != tt.size) {
			t.Errorf("pageParams(%q, %q) = %d, %d; want %d, %d", tt.token, tt.max, start, size, tt.start, tt.size)
		}
	}
}
