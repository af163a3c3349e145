package textzh

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzNormalizeDocNumber: Normalize keeps rune offsets and is idempotent;
// NormalizeDocNumber is idempotent, leaves no space and no bracket variant
// but 〔〕, and does not depend on whether its input was normalised first.
func FuzzNormalizeDocNumber(f *testing.F) {
	for _, s := range []string{"沪民宗规〔2022〕1号", "沪府办发[2024]12号", "沪民宗规【2022】1号", "国办发明电（2025）7号", "沪 民宗 (2022) 1 号",
		"ＡＢＣ［２０２２］３号", "〘2022〙", "﹝2022﹞", "〖2022〗", "\u3000沪\u00a0民\t宗\n", "İK\u212a", "\xff[\xfe]", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if utf8.RuneCountInString(n) != utf8.RuneCountInString(s) {
			t.Fatalf("Normalize(%q) = %q changes rune offsets", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", s, n, again)
		}
		d := NormalizeDocNumber(s)
		if again := NormalizeDocNumber(d); again != d {
			t.Fatalf("NormalizeDocNumber not idempotent: %q → %q → %q", s, d, again)
		}
		if strings.ContainsFunc(d, unicode.IsSpace) {
			t.Fatalf("NormalizeDocNumber(%q) = %q keeps a space", s, d)
		}
		if strings.ContainsAny(d, "[]【】()（）［］〘〙﹝﹞") {
			t.Fatalf("NormalizeDocNumber(%q) = %q keeps a bracket variant", s, d)
		}
		if utf8.ValidString(s) && NormalizeDocNumber(n) != d {
			t.Fatalf("NormalizeDocNumber(Normalize(%q)) = %q, NormalizeDocNumber = %q", s, NormalizeDocNumber(n), d)
		}
	})
}
