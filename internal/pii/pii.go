// Package pii finds personal identifiers in Chinese text — resident ID
// numbers, mainland mobile numbers and bank card numbers — so that they are
// not published unmasked, and validates ID numbers and unified social
// credit codes for forms.
//
// Detection is precise rather than eager: an ID number must have a valid
// GB 11643 check character, a known province code and a plausible birth
// date; a bank card must pass the Luhn check and start like a card; a
// number that is part of a longer run of digits, a decimal, or a value
// that is already masked (138****1234) is not reported. Full-width digits
// count as digits; offsets are always byte offsets into the text given.
package pii

import (
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
)

// Kind is the kind of a personal identifier.
type Kind int

// Kinds of identifier.
const (
	IDNumber Kind = iota + 1 // 18-digit resident ID number (居民身份证号码)
	Mobile                   // mainland mobile number (手机号码)
	BankCard                 // bank card number (银行卡号)
)

// String returns a stable name for logs and the API.
func (k Kind) String() string {
	switch k {
	case IDNumber:
		return "id_number"
	case Mobile:
		return "mobile"
	case BankCard:
		return "bank_card"
	}
	return "unknown"
}

// Label returns the Chinese name shown to users.
func (k Kind) Label() string {
	switch k {
	case IDNumber:
		return "身份证号码"
	case Mobile:
		return "手机号码"
	case BankCard:
		return "银行卡号"
	}
	return "个人信息"
}

// Match is one identifier found in a text: text[Start:End] == Value.
type Match struct {
	Kind       Kind
	Start, End int // byte offsets
	Value      string
}

// Character classes of the scanner.
const (
	cOther  byte = 0
	cDigit  byte = 'd'
	cX      byte = 'X' // x or X, the check character of an ID number
	cLetter byte = 'a' // another Latin letter
	cSpace  byte = ' '
	cHyphen byte = '-'
	cPlus   byte = '+'
	cStar   byte = '*' // a masking character
	cDot    byte = '.'
)

// classify returns the class of r, and for digits their ASCII value.
func classify(r rune) (byte, byte) {
	switch {
	case r >= '0' && r <= '9':
		return cDigit, byte(r)
	case r >= '０' && r <= '９':
		return cDigit, byte(r-'０') + '0'
	case r == 'x' || r == 'X' || r == 'ｘ' || r == 'Ｘ':
		return cX, 'X'
	case (r|0x20) >= 'a' && (r|0x20) <= 'z', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
		return cLetter, 0
	case r == ' ' || r == '\u00a0' || r == '\u3000':
		return cSpace, 0
	case r == '-' || r == '－' || r == '‐' || r == '‑' || r == '‒' || r == '–' || r == '−':
		return cHyphen, 0
	case r == '+' || r == '＋':
		return cPlus, 0
	case r == '*' || r == '＊' || r == '●' || r == '•' || r == '×':
		return cStar, 0
	case r == '.' || r == '．':
		return cDot, 0
	}
	return cOther, 0
}

// unit is one character next to a run of digits.
type unit struct {
	class      byte
	start, end int
}

// run is a maximal run of digits with the characters around it.
type run struct {
	start, end      int
	digits          string // ASCII
	before, before2 unit   // the characters before (class cOther at the start of the text)
	after, after2   unit   // the characters after
}

func (r run) masked() bool { return r.before.class == cStar || r.after.class == cStar }

func (r run) decimal() bool {
	return (r.before.class == cDot && r.before2.class == cDigit) || (r.after.class == cDot && r.after2.class == cDigit)
}

// sep reports whether the run is joined to the next run by one space or
// hyphen, and which.
func (r run) sepTo(next run) (byte, bool) {
	c := r.after.class
	if (c == cSpace || c == cHyphen) && r.after.end == next.start {
		return c, true
	}
	return 0, false
}

func unitAt(text string, i int) unit {
	if i >= len(text) {
		return unit{class: cOther, start: i, end: i}
	}
	r, n := utf8.DecodeRuneInString(text[i:])
	c, _ := classify(r)
	return unit{class: c, start: i, end: i + n}
}

// runs scans the text for runs of digits.
func runs(text string) []run {
	var out []run
	var prev, prev2 unit
	prev = unit{class: cOther}
	prev2 = prev
	var digits []byte
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if c, _ := classify(r); c != cDigit {
			prev2, prev = prev, unit{class: c, start: i, end: i + n}
			i += n
			continue
		}
		start := i
		digits = digits[:0]
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			c, d := classify(r)
			if c != cDigit {
				break
			}
			if len(digits) < 64 {
				digits = append(digits, d)
			} else {
				digits = append(digits[:63], 'L') // too long to be anything: stays too long
			}
			i += n
		}
		a := unitAt(text, i)
		a2 := unitAt(text, a.end)
		out = append(out, run{start: start, end: i, digits: string(digits), before: prev, before2: prev2, after: a, after2: a2})
		// The scan goes on from the character after the run.
		prev2, prev = unit{class: cDigit, start: i - 1, end: i}, unit{class: cDigit, start: i - 1, end: i}
	}
	return out
}

// Find returns the identifiers in text, in order, without overlaps.
func Find(text string) []Match {
	rs := runs(text)
	var out []Match
	add := func(k Kind, start, end int) {
		out = append(out, Match{Kind: k, Start: start, End: end, Value: text[start:end]})
	}
	for i, r := range rs {
		if r.masked() || r.decimal() {
			continue
		}
		d := r.digits
		switch {
		case len(d) == 18 && r.after.class != cX && validID(d):
			add(IDNumber, r.start, r.end)
		case len(d) == 17 && r.after.class == cX && !alnum(r.after2.class) && validID(d+"X"):
			add(IDNumber, r.start, r.after.end)
		case len(d) == 11 && mobile(d):
			start := r.start
			if i > 0 {
				p := rs[i-1]
				if _, ok := p.sepTo(r); ok && !p.masked() && ((p.digits == "86" && p.before.class == cPlus) || p.digits == "0086") {
					start = p.start
					if p.digits == "86" {
						start = p.before.start
					}
				}
			}
			add(Mobile, start, r.end)
		case len(d) == 13 && r.before.class == cPlus && strings.HasPrefix(d, "86") && mobile(d[2:]):
			add(Mobile, r.before.start, r.end)
		case len(d) == 15 && strings.HasPrefix(d, "0086") && mobile(d[4:]):
			add(Mobile, r.start, r.end)
		case len(d) >= 16 && len(d) <= 19 && card(d):
			add(BankCard, r.start, r.end)
		}
	}
	// Numbers written in groups: "138 0013 8000", "6222 0212 3456 7890 123",
	// "110101 19900307 1234", with one kind of separator.
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) {
			if _, ok := rs[j-1].sepTo(rs[j]); !ok {
				break
			}
			j++
		}
		if j-i >= 2 {
			if m, ok := grouped(text, rs[i:j]); ok {
				out = append(out, m)
			}
		}
		i = j
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Start != out[b].Start {
			return out[a].Start < out[b].Start
		}
		return out[a].End > out[b].End
	})
	kept := out[:0]
	end := -1
	for _, m := range out {
		if m.Start >= end {
			kept = append(kept, m)
			end = m.End
		}
	}
	return kept
}

func isSep(c byte) bool { return c == cSpace || c == cHyphen }

func alnum(c byte) bool { return c == cDigit || c == cLetter || c == cX }

// grouped matches a chain of digit groups as a whole.
func grouped(text string, chain []run) (Match, bool) {
	for _, r := range chain {
		if r.masked() || r.decimal() {
			return Match{}, false
		}
	}
	// A chain that goes on into a masked value ("138 0013 8000 ****9015")
	// is the remains of a longer number.
	first, last := chain[0], chain[len(chain)-1]
	if (isSep(first.before.class) && first.before2.class == cStar) || (isSep(last.after.class) && last.after2.class == cStar) {
		return Match{}, false
	}
	start := chain[0].start
	groups := chain
	prefix := false
	if (first.digits == "86" && first.before.class == cPlus) || first.digits == "0086" {
		prefix = true
		if first.digits == "86" {
			start = first.before.start
		}
		groups = chain[1:]
	}
	if len(groups) < 2 {
		return Match{}, false
	}
	sep, _ := groups[0].sepTo(groups[1])
	var lens []int
	var all strings.Builder
	for k, g := range groups {
		if k > 0 {
			if s, _ := groups[k-1].sepTo(g); s != sep {
				return Match{}, false
			}
		}
		lens = append(lens, len(g.digits))
		all.WriteString(g.digits)
	}
	d := all.String()
	end := last.end
	is := func(want ...int) bool {
		if len(lens) != len(want) {
			return false
		}
		for k := range want {
			if lens[k] != want[k] {
				return false
			}
		}
		return true
	}
	switch {
	case (is(3, 4, 4) || is(3, 8)) && mobile(d):
		return Match{Kind: Mobile, Start: start, End: end, Value: text[start:end]}, true
	case prefix:
		return Match{}, false
	case is(6, 8, 4) && last.after.class != cX && validID(d):
		return Match{Kind: IDNumber, Start: start, End: end, Value: text[start:end]}, true
	case is(6, 8, 3) && last.after.class == cX && !alnum(last.after2.class) && validID(d+"X"):
		end = last.after.end
		return Match{Kind: IDNumber, Start: start, End: end, Value: text[start:end]}, true
	case len(d) >= 16 && len(d) <= 19 && (cardGroups(lens) || is(6, 13)) && card(d):
		return Match{Kind: BankCard, Start: start, End: end, Value: text[start:end]}, true
	}
	return Match{}, false
}

// cardGroups: groups of four, the last one of one to four digits.
func cardGroups(lens []int) bool {
	if len(lens) < 4 {
		return false
	}
	for k, n := range lens {
		if k < len(lens)-1 && n != 4 {
			return false
		}
		if k == len(lens)-1 && (n < 1 || n > 4) {
			return false
		}
	}
	return true
}

// mobile: 11 digits, 1[3-9]…
func mobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// card: 16–19 digits passing Luhn that start like a payment card (issuer
// identification: 3, 4, 5, 6, 8, 9, or 2221–2720), are not an ID number,
// and are not a run of one repeated digit. Runs beginning with a year or a
// date (文号 and serial numbers such as 2025012300012345) start with 1 or
// 20 and are therefore never cards.
func card(d string) bool {
	if len(d) < 16 || len(d) > 19 {
		return false
	}
	switch d[0] {
	case '3', '4', '5', '6', '8', '9':
	case '2':
		if p := d[:4]; p < "2221" || p > "2720" {
			return false
		}
	default:
		return false
	}
	if len(d) == 18 && validID(d) {
		return false
	}
	same := 1
	for i := 1; i < len(d); i++ {
		if d[i] == d[i-1] {
			same++
			if same >= 7 {
				return false // 0000000 and the like: a code or filler, not a card
			}
		} else {
			same = 1
		}
	}
	return luhn(d)
}

func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// provinces are the first two digits of ID numbers (administrative
// divisions, and 83 for residence permits of Taiwan residents).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheck = "10X98765432"

// IDCheckChar returns the GB 11643 check character for the first 17
// digits of an ID number, or 0 when they are not 17 digits.
func IDCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheck[sum%11]
}

// validID checks 18 ASCII characters (digits, the last one possibly X).
func validID(d string) bool {
	if len(d) != 18 || !provinces[d[:2]] {
		return false
	}
	if !plausibleBirth(d[6:14]) {
		return false
	}
	// IDCheckChar is 0 for a non-digit among the first 17: never a match.
	c := IDCheckChar(d[:17])
	return c != 0 && c == d[17]
}

func plausibleBirth(s string) bool {
	y := atoi(s[0:4])
	m := atoi(s[4:6])
	d := atoi(s[6:8])
	if y < 1900 || m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 31 April, 29 February of a common year
		return false
	}
	// Not after today in China: a child born today has an ID number.
	return !(civil.Date{Year: y, Month: time.Month(m), Day: d}).After(civil.Today())
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ValidIDNumber reports whether s is a valid 18-character resident ID
// number: ASCII digits (the last may be X or x), a known province code, a
// real birth date not in the future, and the GB 11643 check character. The
// caller trims and converts full-width input first.
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	if s[17] == 'x' {
		s = s[:17] + "X"
	}
	return validID(s)
}

// Unified social credit codes (统一社会信用代码, GB 32100-2015).
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the GB 32100-2015 check character for the first
// 17 characters of a unified social credit code, or 0 when they contain a
// character outside the code's alphabet.
func CreditCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditChars, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditWeights[i]
	}
	return creditChars[(31-sum%31)%31]
}

// ValidCreditCode reports whether s is a valid 18-character unified social
// credit code: upper-case characters of the code's alphabet (no I, O, S,
// V, Z), a registration authority code of 1–9, A, N or Y, a six-digit
// administrative division code in positions 3–8, and the check character.
func ValidCreditCode(s string) bool {
	if len(s) != 18 || !strings.ContainsRune("123456789ANY", rune(s[0])) {
		return false
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	c := CreditCheckChar(s[:17])
	return c != 0 && c == s[17]
}

// Mask returns the masked form of a match: an ID number keeps its first 6
// and last 4 characters (310101********1234), a mobile number its first 3
// and last 4 digits (138****1234, after +86 when it had a country code), a
// bank card its last 4 digits. Separators are dropped and digits are
// ASCII. The result is never found by Find.
func Mask(m Match) string {
	var d []byte
	for _, r := range m.Value {
		c, v := classify(r)
		switch c {
		case cDigit:
			d = append(d, v)
		case cX:
			d = append(d, 'X')
		}
	}
	switch m.Kind {
	case IDNumber:
		if len(d) == 18 {
			return string(d[:6]) + "********" + string(d[14:])
		}
	case Mobile:
		if len(d) >= 11 {
			prefix := ""
			if len(d) > 11 {
				prefix = "+86 "
			}
			d = d[len(d)-11:]
			return prefix + string(d[:3]) + "****" + string(d[7:])
		}
	case BankCard:
		if len(d) > 4 {
			return strings.Repeat("*", len(d)-4) + string(d[len(d)-4:])
		}
	}
	return strings.Repeat("*", utf8.RuneCountInString(m.Value))
}

// MaskAll returns text with every identifier Find reports masked.
func MaskAll(text string) string {
	ms := Find(text)
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, m := range ms {
		b.WriteString(text[last:m.Start])
		b.WriteString(Mask(m))
		last = m.End
	}
	b.WriteString(text[last:])
	return b.String()
}
