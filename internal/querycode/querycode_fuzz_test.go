package querycode

import (
	"strings"
	"testing"
)

// FuzzNormalize: reading a typed query code is idempotent and drops
// spaces and hyphens; a code matches its own hash however it is typed
// (full-width, lower case, spaced), and no other code or record number
// matches it.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ABCD2345EF", "abcd-2345-ef", "ＡＢＣＤ　２３４５ｅｆ", " a b ", "", "\xff\xfe", "ǅ", "ß", "ﬃ", "İ"} {
		f.Add(s, "A-2026-0001")
	}
	f.Fuzz(func(t *testing.T, code, number string) {
		n := Normalize(code)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", code, n, again)
		}
		if strings.ContainsAny(n, " -\u3000") {
			t.Fatalf("Normalize(%q) = %q keeps a space or hyphen", code, n)
		}
		h := Hash("application", number, code)
		if !Match(h, "application", number, code) || !Match(h, "application", number, n) {
			t.Fatalf("code %q does not match its own hash", code)
		}
		if Match(h, "concern", number, code) || Match(h, "application", number+"1", code) || Match(h, "application", number, n+"2") {
			t.Fatalf("hash of %q matches another purpose, number or code", code)
		}
		// Typed with spaces between the characters and in full width, a
		// code of the alphabet still matches.
		if n != "" && strings.Trim(n, Alphabet) == "" {
			var typed strings.Builder
			for i, r := range n {
				if r >= '2' && r <= '9' {
					r = r - '0' + '０'
				} else if i%2 == 0 {
					r = r - 'A' + 'ａ'
				}
				typed.WriteRune(r)
				typed.WriteString(" ")
			}
			if !Match(h, "application", number, typed.String()) {
				t.Fatalf("%q typed as %q does not match", n, typed.String())
			}
		}
	})
}
