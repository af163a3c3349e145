package querycode

import (
	"strings"
	"testing"
)

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c := New()
		if len(c) != Length || strings.Trim(c, Alphabet) != "" || seen[c] {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
	}
	h := Hash("application", "2026-000001", "ABCD234567")
	for _, typed := range []string{"ABCD234567", "abcd234567", " ABCD-2345 67 ", "ＡＢＣＤ２３４５６７"} {
		if !Match(h, "application", "2026-000001", typed) {
			t.Errorf("%q does not match", typed)
		}
	}
	for _, other := range [][3]string{{"concern", "2026-000001", "ABCD234567"}, {"application", "2026-000002", "ABCD234567"}, {"application", "2026-000001", "ABCD234568"}} {
		if Match(h, other[0], other[1], other[2]) {
			t.Errorf("%v matches", other)
		}
	}
}
