package pii

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Independent implementations of the checks, written from the standards
// rather than from pii.go, so that the fuzzer compares two readings.

// refIDCheck is GB 11643-1999: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 written X.
func refIDCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X'
	}
	return byte('0' + v)
}

var refProvinces = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83"

func refValidID(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if !(last >= '0' && last <= '9' || last == 'X') {
		return false
	}
	if !strings.Contains(refProvinces, s[:2]) || strings.Contains(s[:2], " ") {
		return false
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(time.Now().UTC()) {
		return false
	}
	return refIDCheck(s[:17]) == last
}

// refCreditCheck is GB 32100-2015: weights 3^i mod 31, check = 31 - sum mod 31 (31 → 0).
func refCreditCheck(first17 string) (byte, bool) {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(alphabet, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * w
		w = w * 3 % 31
	}
	return alphabet[(31-sum%31)%31], true
}

func refValidCredit(s string) bool {
	if len(s) != 18 || !strings.Contains("123456789ANY", s[:1]) {
		return false
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	c, ok := refCreditCheck(s[:17])
	return ok && c == s[17]
}

// FuzzValidIDNumber: ValidIDNumber and IDCheckChar agree with the
// independent GB 11643 check; fixing the check character of any 17 digits
// makes a number valid exactly when its province and birth date are.
func FuzzValidIDNumber(f *testing.F) {
	for _, s := range []string{id1, id2, idX, idLeap, idBadSum, idFeb30, idProv99, idFuture, id1899,
		"11010519491231002x", "110101 19900307123", "１１０１０１１９９００３０７１２３３", "110101199013071233",
		"11010119900307123\x00", "-10101199003071233", "+10101199003071233", "", "X10101199003071233"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ValidIDNumber(s)
		if want := refValidID(s); got != want {
			t.Fatalf("ValidIDNumber(%q) = %v, independent check says %v", s, got, want)
		}
		if got && !utf8.ValidString(s) {
			t.Fatalf("ValidIDNumber accepted invalid UTF-8 %q", s)
		}
		if len(s) < 17 {
			return
		}
		first := s[:17]
		c := IDCheckChar(first)
		if strings.Trim(first, "0123456789") != "" {
			if c != 0 {
				t.Fatalf("IDCheckChar(%q) = %q for non-digits", first, c)
			}
			return
		}
		if want := refIDCheck(first); c != want {
			t.Fatalf("IDCheckChar(%q) = %q, want %q", first, c, want)
		}
		fixed := first + string(c)
		if ValidIDNumber(fixed) != refValidID(fixed) {
			t.Fatalf("ValidIDNumber(%q) disagrees with the independent check", fixed)
		}
		if ValidIDNumber(fixed) {
			// Changing any one digit breaks the check character (GB 11643
			// detects every single-digit error).
			for i := 0; i < 17; i++ {
				b := []byte(fixed)
				b[i] = '0' + (b[i]-'0'+1)%10
				if IDCheckChar(string(b[:17])) == c {
					t.Fatalf("check character of %q survives a change at %d", fixed, i)
				}
			}
		}
	})
}

// FuzzValidCreditCode: ValidCreditCode and CreditCheckChar agree with the
// independent GB 32100 check.
func FuzzValidCreditCode(f *testing.F) {
	for _, s := range []string{"91310000MA1FL8XQ30", "91350100M000100Y43", "91310000MA1FL8XQ3O", "9131000OMA1FL8XQ30",
		"Z1310000MA1FL8XQ30", "91310000ma1fl8xq30", "", "913100000000000000", "91ABCDEFMA1FL8XQ30", "\xff1310000MA1FL8XQ30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidCreditCode(s), refValidCredit(s); got != want {
			t.Fatalf("ValidCreditCode(%q) = %v, independent check says %v", s, got, want)
		}
		if len(s) < 17 {
			return
		}
		c := CreditCheckChar(s[:17])
		want, ok := refCreditCheck(s[:17])
		if !ok {
			want = 0
		}
		if c != want {
			t.Fatalf("CreditCheckChar(%q) = %q, want %q", s[:17], c, want)
		}
		if ok {
			fixed := s[:17] + string(c)
			if ValidCreditCode(fixed) != refValidCredit(fixed) {
				t.Fatalf("ValidCreditCode(%q) disagrees with the independent check", fixed)
			}
		}
	})
}

// fuzzID builds a valid ID number from fuzz input.
func fuzzID(prov, seq uint16, days uint32) string {
	codes := strings.Fields(refProvinces)
	p := codes[int(prov)%len(codes)]
	birth := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days%(365*120)))
	if birth.After(time.Now()) {
		birth = time.Date(1980, 6, 1, 0, 0, 0, 0, time.UTC)
	}
	first := p + "0101" + birth.Format("20060102") + strings.Repeat("0", 3-len(itoa(int(seq%1000)))) + itoa(int(seq%1000))
	return first + string(refIDCheck(first))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// fuzzCard builds a Luhn-valid 16-digit card number starting with 6.
func fuzzCard(n uint64) string {
	d := []byte("622202" + strings.Repeat("0", 9))
	for i := 6; i < 15; i++ {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	sum := 0
	for i := 14; i >= 0; i-- {
		v := int(d[i] - '0')
		if (14-i)%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return string(d) + string(byte('0'+(10-sum%10)%10))
}

// separated reports whether r separates a number from its neighbours
// whatever comes before or after it: a CJK ideograph or Chinese punctuation.
func separated(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || strings.ContainsRune("，。：；、（）「」\n", r)
}

// FuzzMaskEmbedded puts a valid ID number, mobile number or bank card into
// arbitrary text, with a CJK character or Chinese punctuation on each side,
// and checks that MaskAll masks it wherever it sits: the output does not
// contain it, masking is local (the rest of the text is masked as on its
// own), and masking is idempotent.
func FuzzMaskEmbedded(f *testing.F) {
	f.Add("身份证号：", "。", uint8(0), uint16(3), uint16(7), uint32(33000), uint64(0))
	f.Add("联系电话", "，谢谢", uint8(1), uint16(0), uint16(0), uint32(0), uint64(13800138000))
	f.Add("卡号（", "）", uint8(2), uint16(0), uint16(0), uint32(0), uint64(123456789))
	f.Add("138 0013 8000，", "\n+86 ", uint8(1), uint16(1), uint16(2), uint32(3), uint64(19912345678))
	f.Add("1.5，", "、6222 0212 3456 7890 128", uint8(0), uint16(40), uint16(999), uint32(40000), uint64(7))
	f.Add("***（", "）****", uint8(3), uint16(1), uint16(1), uint32(1), uint64(1))
	f.Add("\xff中", "中\xfe", uint8(4), uint16(9), uint16(9), uint32(9), uint64(9))
	f.Fuzz(func(t *testing.T, prefix, suffix string, kind uint8, prov, seq uint16, days uint32, n uint64) {
		last, _ := utf8.DecodeLastRuneInString(prefix)
		first, _ := utf8.DecodeRuneInString(suffix)
		if !separated(last) || !separated(first) {
			return
		}
		var number, want string
		switch kind % 5 {
		case 0, 3: // ID number, plain or in groups 6-8-4
			number = fuzzID(prov, seq, days)
			want = number[:6] + "********" + number[14:]
			if kind%5 == 3 {
				number = number[:6] + " " + number[6:14] + " " + number[14:]
			}
		case 1, 4: // mobile, plain or 3-4-4
			m := itoa(int(13000000000 + n%7000000000))
			number, want = m, m[:3]+"****"+m[7:]
			if kind%5 == 4 {
				number = m[:3] + "-" + m[3:7] + "-" + m[7:]
			}
		case 2:
			number = fuzzCard(n)
			if !card(number) { // seven equal digits in a row: not reported by design
				return
			}
			want = "************" + number[12:]
		}
		text := prefix + number + suffix
		got := MaskAll(text)
		if strings.Contains(got, number) {
			t.Fatalf("MaskAll(%q) = %q still holds %q", text, got, number)
		}
		if local := MaskAll(prefix) + want + MaskAll(suffix); got != local {
			t.Fatalf("MaskAll(%q)\n = %q\nwant %q", text, got, local)
		}
		if again := MaskAll(got); again != got {
			t.Fatalf("MaskAll is not idempotent: %q → %q → %q", text, got, again)
		}
		checkInvariants(t, text)
	})
}
