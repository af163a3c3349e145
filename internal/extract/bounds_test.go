package extract

import (
	"math"
	"testing"
)

// Values out of range in a hostile PDF or ZIP are refused, not wrapped
// around into other characters, CIDs or offsets (found by gosec G115). The CMap and width
// cases returned U+FFFD, wrapped CIDs or extra widths before the checks.

func TestUTF32CMapRefusesCodesPastUnicode(t *testing.T) {
	m := predefined("UniGB-UTF32-H")
	if m == nil {
		t.Fatal("no UTF-32 CMap")
	}
	for _, tc := range []struct {
		code []byte
		want string
	}{
		{[]byte{0, 0, 0x4e, 0x2d}, "中"},
		{[]byte{0, 0x10, 0xff, 0xff}, "\U0010ffff"},
		{[]byte{0, 0x11, 0, 0}, ""},
		{[]byte{0, 0, 0xd8, 0}, ""},
		{[]byte{0xff, 0xff, 0xff, 0xff}, ""}, // was rune(-1): U+FFFD
		{[]byte{0x80, 0, 0x4e, 0x2d}, ""},
	} {
		if got := m.decode(tc.code); got != tc.want {
			t.Errorf("decode(% x) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

func TestBFRangeOffsetPastUnicodeIsRefused(t *testing.T) {
	m := &cmapData{uniRange: []uniRange{{n: 4, lo: 0, hi: math.MaxUint32, dst: []rune{'A'}}}}
	if s, ok := m.unicode(4, 1); !ok || s != "B" {
		t.Errorf("unicode(1) = %q, %v", s, ok)
	}
	if s, ok := m.unicode(4, 0x80000000); ok {
		t.Errorf("unicode(0x80000000) = %q, want refused", s)
	}
}

func TestCIDWidthsSkipCIDsOutOfRange(t *testing.T) {
	f := &pdfFile{}
	w := pdfArray{int64(-1), pdfArray{int64(500), int64(600)}, int64(math.MaxUint32 + 1), int64(math.MaxUint32 + 2), int64(700)}
	got := f.cidWidths(w)
	// -1 is skipped, 0 (= -1+1) gets 600; the second range starts past uint32.
	if len(got) != 1 || got[0].lo != 0 || got[0].hi != 0 || got[0].w != 600 {
		t.Errorf("cidWidths = %+v", got)
	}
}
