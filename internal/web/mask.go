package web

import (
	"strings"
	"unicode/utf8"
)

// MaskName shows only the family name: 张三 → 张*, 欧阳娜娜 → 欧阳**
// (a two-character family name is assumed for four-character names).
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return ""
	}
	r := []rune(name)
	keep := 1
	if n >= 4 {
		keep = 2
	}
	if n == 1 {
		return "*"
	}
	return string(r[:keep]) + strings.Repeat("*", n-keep)
}

// MaskPhone keeps the first three and last four digits of a mobile number
// (138****1234) and the last four of anything else.
func MaskPhone(phone string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	switch {
	case len(digits) == 11 && digits[0] == '1':
		return digits[:3] + "****" + digits[7:]
	case len(digits) > 4:
		return strings.Repeat("*", len(digits)-4) + digits[len(digits)-4:]
	case digits == "":
		return ""
	}
	return strings.Repeat("*", len(digits))
}

// MaskEmail keeps the first character of the local part and the domain
// (z***@example.com); anything without a local part and a domain is masked
// whole.
func MaskEmail(email string) string {
	email = strings.TrimSpace(email)
	if email == "" {
		return ""
	}
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(email)
	return string(r) + "***" + email[at:]
}
