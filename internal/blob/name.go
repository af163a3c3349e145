package blob

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// File names are capped at this many runes and bytes (most filesystems allow
// 255 bytes; 80 Chinese characters take 240).
const (
	maxNameRunes = 100
	maxNameBytes = 240
)

// fallbackStem names a file whose name had nothing usable left.
const fallbackStem = "附件"

// SanitizeName makes an uploaded file name safe to store, show and offer as
// a download name: it keeps the last element of a path written with / or \,
// drops NUL, control and format characters (including the bidi overrides
// U+202A–U+202E and U+2066–U+2069 that make "\u202efdp.exe" look like "exe.pdf"),
// replaces the characters Windows reserves (<>:"|?*) with '_', collapses
// white space, trims leading dots and spaces and trailing dots and spaces,
// defuses Windows device names (CON, NUL, COM1…), and caps the length at 100
// runes and 240 bytes keeping the extension. Chinese and other letters are
// kept. The result is never empty ("附件" if nothing is left) and contains no
// path separator.
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	b.Grow(len(name))
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r),
			unicode.Is(unicode.Cs, r), r == utf8.RuneError:
			// Control, format (bidi, zero-width, BOM), private use.
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
		space = false
	}
	s := strings.TrimLeft(b.String(), ". ")
	s = strings.TrimRight(s, ". ")
	if s == "" {
		return fallbackStem
	}
	if isDeviceName(s) {
		s = "_" + s
	}
	stem, ext := splitExt(s)
	return joinName(stem, ext)
}

// NameFor sanitises name and gives it the extension of kind k: an accepted
// extension of k is kept (lower-cased), another extension is replaced, and a
// name without one gets k's canonical extension. "" gives "附件.pdf" for PDF.
func NameFor(name string, k Kind) string {
	stem, ext := splitExt(SanitizeName(name))
	ext = strings.ToLower(ext)
	if !k.hasExt(ext) {
		ext = k.Ext()
	}
	return joinName(stem, ext)
}

// joinName caps stem so that stem+ext fits the limits; an empty stem becomes
// the fallback.
func joinName(stem, ext string) string {
	stem = strings.TrimRight(stem, ". ")
	budgetRunes := maxNameRunes - utf8.RuneCountInString(ext)
	budgetBytes := maxNameBytes - len(ext)
	n, runes := 0, 0
	for i, r := range stem {
		if runes+1 > budgetRunes || i+utf8.RuneLen(r) > budgetBytes {
			break
		}
		runes++
		n = i + utf8.RuneLen(r)
	}
	stem = strings.TrimRight(stem[:n], ". ")
	if stem == "" {
		stem = fallbackStem
	}
	return stem + ext
}

// splitExt splits a (sanitised) base name into stem and extension when the
// part after the last dot looks like an extension: 1–8 ASCII letters and
// digits, at least one a letter. "2024.1.5通知" and "v1.2" have none.
func splitExt(name string) (stem, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return name, ""
	}
	e := name[i+1:]
	if len(e) == 0 || len(e) > 8 {
		return name, ""
	}
	letter := false
	for j := 0; j < len(e); j++ {
		c := e[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
		default:
			return name, ""
		}
	}
	if !letter {
		return name, ""
	}
	return name[:i], name[i:]
}

// isDeviceName reports whether Windows would treat the name as a device:
// CON, PRN, AUX, NUL, COM0–9, LPT0–9 (also with superscript digits), alone or
// before any extension.
func isDeviceName(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) >= 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		rest := base[3:]
		return len(rest) == 1 && '0' <= rest[0] && rest[0] <= '9' || rest == "¹" || rest == "²" || rest == "³"
	}
	return false
}
