package extract

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encodings of simple fonts and the glyph names of /Differences.

// winAnsiNames are the glyph names of WinAnsiEncoding from 0x20 on; the
// characters come from Windows-1252.
var winAnsiNames = [...]string{
	"space", "exclam", "quotedbl", "numbersign", "dollar", "percent", "ampersand", "quotesingle",
	"parenleft", "parenright", "asterisk", "plus", "comma", "hyphen", "period", "slash",
	"zero", "one", "two", "three", "four", "five", "six", "seven",
	"eight", "nine", "colon", "semicolon", "less", "equal", "greater", "question",
	"at", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
	"P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "bracketleft", "backslash", "bracketright", "asciicircum", "underscore",
	"grave", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
	"p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "braceleft", "bar", "braceright", "asciitilde", "",
	"Euro", "", "quotesinglbase", "florin", "quotedblbase", "ellipsis", "dagger", "daggerdbl",
	"circumflex", "perthousand", "Scaron", "guilsinglleft", "OE", "", "Zcaron", "",
	"", "quoteleft", "quoteright", "quotedblleft", "quotedblright", "bullet", "endash", "emdash",
	"tilde", "trademark", "scaron", "guilsinglright", "oe", "", "zcaron", "Ydieresis",
	"nbspace", "exclamdown", "cent", "sterling", "currency", "yen", "brokenbar", "section",
	"dieresis", "copyright", "ordfeminine", "guillemotleft", "logicalnot", "sfthyphen", "registered", "macron",
	"degree", "plusminus", "twosuperior", "threesuperior", "acute", "mu", "paragraph", "periodcentered",
	"cedilla", "onesuperior", "ordmasculine", "guillemotright", "onequarter", "onehalf", "threequarters", "questiondown",
	"Agrave", "Aacute", "Acircumflex", "Atilde", "Adieresis", "Aring", "AE", "Ccedilla",
	"Egrave", "Eacute", "Ecircumflex", "Edieresis", "Igrave", "Iacute", "Icircumflex", "Idieresis",
	"Eth", "Ntilde", "Ograve", "Oacute", "Ocircumflex", "Otilde", "Odieresis", "multiply",
	"Oslash", "Ugrave", "Uacute", "Ucircumflex", "Udieresis", "Yacute", "Thorn", "germandbls",
	"agrave", "aacute", "acircumflex", "atilde", "adieresis", "aring", "ae", "ccedilla",
	"egrave", "eacute", "ecircumflex", "edieresis", "igrave", "iacute", "icircumflex", "idieresis",
	"eth", "ntilde", "ograve", "oacute", "ocircumflex", "otilde", "odieresis", "divide",
	"oslash", "ugrave", "uacute", "ucircumflex", "udieresis", "yacute", "thorn", "ydieresis",
}

// standardHigh is StandardEncoding above 0x7f (below, it is ASCII except
// quoteright at 0x27 and quoteleft at 0x60).
var standardHigh = map[byte]string{
	0xa1: "exclamdown", 0xa2: "cent", 0xa3: "sterling", 0xa4: "fraction", 0xa5: "yen", 0xa6: "florin",
	0xa7: "section", 0xa8: "currency", 0xa9: "quotesingle", 0xaa: "quotedblleft", 0xab: "guillemotleft",
	0xac: "guilsinglleft", 0xad: "guilsinglright", 0xae: "fi", 0xaf: "fl", 0xb1: "endash", 0xb2: "dagger",
	0xb3: "daggerdbl", 0xb4: "periodcentered", 0xb6: "paragraph", 0xb7: "bullet", 0xb8: "quotesinglbase",
	0xb9: "quotedblbase", 0xba: "quotedblright", 0xbb: "guillemotright", 0xbc: "ellipsis", 0xbd: "perthousand",
	0xbf: "questiondown", 0xc1: "grave", 0xc2: "acute", 0xc3: "circumflex", 0xc4: "tilde", 0xc5: "macron",
	0xc6: "breve", 0xc7: "dotaccent", 0xc8: "dieresis", 0xca: "ring", 0xcb: "cedilla", 0xcd: "hungarumlaut",
	0xce: "ogonek", 0xcf: "caron", 0xd0: "emdash", 0xe1: "AE", 0xe3: "ordfeminine", 0xe8: "Lslash",
	0xe9: "Oslash", 0xea: "OE", 0xeb: "ordmasculine", 0xf1: "ae", 0xf5: "dotlessi", 0xf8: "lslash",
	0xf9: "oslash", 0xfa: "oe", 0xfb: "germandbls",
}

var (
	glyphRunes  = map[string]rune{}
	encWinAnsi  [256]rune
	encMacRoman [256]rune
	encStandard [256]rune
)

func init() {
	for i, name := range winAnsiNames {
		code := byte(0x20 + i)
		if name == "" {
			continue
		}
		r := charmap.Windows1252.DecodeByte(code)
		encWinAnsi[code] = r
		if _, ok := glyphRunes[name]; !ok {
			glyphRunes[name] = r
		}
	}
	encWinAnsi[0xa0] = ' '
	encWinAnsi[0xad] = '-'
	for name, r := range map[string]rune{
		"fi": 0xfb01, "fl": 0xfb02, "ff": 0xfb00, "ffi": 0xfb03, "ffl": 0xfb04, "fraction": 0x2044,
		"dotlessi": 0x131, "Lslash": 0x141, "lslash": 0x142, "ring": 0x2da, "hungarumlaut": 0x2dd,
		"ogonek": 0x2db, "caron": 0x2c7, "breve": 0x2d8, "dotaccent": 0x2d9, "minus": 0x2212,
		"nbspace": ' ', "sfthyphen": '-', "Delta": 0x394, "Omega": 0x3a9, "pi": 0x3c0,
		"notequal": 0x2260, "lessequal": 0x2264, "greaterequal": 0x2265, "infinity": 0x221e,
		"summation": 0x2211, "product": 0x220f, "radical": 0x221a, "integral": 0x222b,
		"approxequal": 0x2248, "partialdiff": 0x2202, "lozenge": 0x25ca, "apple": 0xf8ff,
		"periodcentered": 0xb7, "middot": 0xb7, "bullet": 0x2022,
	} {
		glyphRunes[name] = r
	}
	for c := 0x20; c < 0x7f; c++ {
		encStandard[c] = rune(c)
	}
	encStandard[0x27] = 0x2019
	encStandard[0x60] = 0x2018
	for c, name := range standardHigh {
		encStandard[c] = glyphRunes[name]
	}
	for c := 0x20; c < 0x100; c++ {
		encMacRoman[c] = charmap.Macintosh.DecodeByte(byte(c))
	}
}

// glyphText maps a glyph name to its text: the names above, uniXXXX,
// uXXXX[XX], names with a suffix (a.sc) and ligatures (f_f_i).
func glyphText(name string) string {
	if r, ok := glyphRunes[name]; ok {
		return string(r)
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return glyphText(name[:i])
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			b.WriteString(glyphText(part))
		}
		return b.String()
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0 {
		var b strings.Builder
		for i := 3; i+4 <= len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 32)
			if err != nil {
				return ""
			}
			if v < 0xd800 || v > 0xdfff {
				b.WriteRune(rune(v)) // #nosec G115 -- four hex digits: v <= 0xffff
			}
		}
		return b.String()
	}
	if len(name) >= 5 && len(name) <= 7 && name[0] == 'u' {
		v, err := strconv.ParseUint(name[1:], 16, 32)
		if err == nil && v <= unicode.MaxRune && utf8.ValidRune(rune(v)) { // #nosec G115 -- v <= unicode.MaxRune
			return string(rune(v)) // #nosec G115 -- as above
		}
	}
	if len(name) == 1 {
		return name
	}
	return ""
}
