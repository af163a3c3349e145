package pii

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
)

// The numbers below are synthetic; their check digits were computed for
// these tests (GB 11643 for ID numbers, Luhn for cards).
const (
	id1      = "110101199003071233" // Beijing, born 1990-03-07
	id2      = "310101198512310020"
	idX      = "11010519491231002X" // check character X
	idLeap   = "440305200002290010" // 29 February 2000
	idBadSum = "110101199003071234"
	idFeb30  = "110101199002301236" // valid check digit, 30 February
	idProv99 = "990101199003071237" // valid check digit, no such province
	idFuture = "110101209912311237" // valid check digit, born in 2099
	id1899   = "110101189912311231"
	card19   = "6222021234567890128"
	card16   = "4556123456789015"
	card18   = "622848001234567811"
	card17   = "22210012345678903" // Mastercard 2-series
	mobile1  = "13800138000"
)

func kinds(ms []Match) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.Kind.String()+":"+m.Value)
	}
	return strings.Join(parts, " | ")
}

func TestFind(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		// ID numbers
		{"id", "身份证号：" + id1 + "。", "id_number:" + id1},
		{"id second", "公民身份号码" + id2, "id_number:" + id2},
		{"id X", "证件号" + idX + "，", "id_number:" + idX},
		{"id lower x", "证件号" + strings.ToLower(idX) + " 其他", "id_number:" + strings.ToLower(idX)},
		{"id leap day", idLeap, "id_number:" + idLeap},
		{"id full-width", "身份证号１１０１０１１９９００３０７１２３３。", "id_number:１１０１０１１９９００３０７１２３３"},
		{"id grouped", "号码 110101 19900307 1233 。", "id_number:110101 19900307 1233"},
		{"id between letters", "ID" + id1 + "abc", "id_number:" + id1},
		{"id wrong checksum", "身份证号：" + idBadSum, ""},
		{"id 17 digits", "身份证号：" + id1[:17], ""},
		{"id 19 digits", "编号" + id1 + "5", ""},
		{"id inside longer run", "9" + id1, ""},
		{"id followed by X", id1 + "X", ""},
		{"id 30 February", idFeb30, ""},
		{"id unknown province", idProv99, ""},
		{"id born in the future", idFuture, ""},
		{"id born before 1900", id1899, ""},
		{"id masked", "身份证号：110101********1233", ""},
		{"id masked short", "3101**********1234", ""},
		{"id masked full-width stars", "110101＊＊＊＊＊＊＊＊1233", ""},
		{"id X followed by letters", id1[:17] + "Xyz", ""},

		// mobile numbers
		{"mobile", "联系电话：" + mobile1 + "。", "mobile:" + mobile1},
		{"mobile next to Chinese", "电话13912345678联系", "mobile:13912345678"},
		{"mobile spaces", "电话 138 0013 8000 。", "mobile:138 0013 8000"},
		{"mobile hyphens", "138-0013-8000", "mobile:138-0013-8000"},
		{"mobile 3-8", "138 00138000", "mobile:138 00138000"},
		{"mobile +86", "+86 138 0013 8000", "mobile:+86 138 0013 8000"},
		{"mobile +86 attached", "+8613800138000", "mobile:+8613800138000"},
		{"mobile +86 hyphen", "+86-13800138000", "mobile:+86-13800138000"},
		{"mobile 0086", "0086 13800138000", "mobile:0086 13800138000"},
		{"mobile 0086 attached", "008613800138000", "mobile:008613800138000"},
		{"mobile full-width", "手机：１３８００１３８０００", "mobile:１３８００１３８０００"},
		{"mobile full-width plus", "＋86 13800138000", "mobile:＋86 13800138000"},
		{"two mobiles", "13800138000 13900139000", "mobile:13800138000 | mobile:13900139000"},
		{"two mobiles hyphen", "13800138000-13900139000", "mobile:13800138000 | mobile:13900139000"},
		{"mobile in longer run", "1380013800012345", ""},
		{"mobile after digit", "213800138000", ""},
		{"mobile before digit", "138001380001", ""},
		{"mobile bad second digit", "12800138000", ""},
		{"mobile masked", "电话 138****8000", ""},
		{"mobile masked hyphen", "138-****-8000", ""},
		{"mobile decimal", "13800138000.5", ""},
		{"mobile mixed separators", "138 0013-8000", ""},
		{"mobile groups in longer chain", "138 0013 8000 1234", ""},
		{"landline", "021-12345678", ""},

		// bank cards
		{"card 19", "卡号：" + card19, "bank_card:" + card19},
		{"card 16", "账号" + card16 + "。", "bank_card:" + card16},
		{"card 18", card18, "bank_card:" + card18},
		{"card 17 2-series", card17, "bank_card:" + card17},
		{"card grouped", "卡号 6222 0212 3456 7890 128", "bank_card:6222 0212 3456 7890 128"},
		{"card grouped hyphens", "4556-1234-5678-9015", "bank_card:4556-1234-5678-9015"},
		{"card 6-13", "622202 1234567890128", "bank_card:622202 1234567890128"},
		{"card full-width", "４５５６１２３４５６７８９０１５", "bank_card:４５５６１２３４５６７８９０１５"},
		{"card bad Luhn", "4556123456789016", ""},
		{"card masked", "**** **** **** 9015", ""},
		{"card masked middle", "6222********0128", ""},
		{"card 20 digits", card19 + "1", ""},
		{"card groups of 5", "62220 21234 56789 0128", ""},
		{"card decimal", "金额 4556123456789015.00 元", ""},
		{"card zeros", "6011000000000000" + "1", ""},
		{"card starting 1", "1101011990030713", ""},

		// dates, document numbers and other numbers
		{"date", "成文日期 20250123", ""},
		{"date hyphens", "2025-01-23", ""},
		{"timestamp", "20250123153045123", ""},
		{"serial from date passing Luhn", "2025012300012343", ""},
		{"文号", "沪民宗发〔2025〕12号", ""},
		{"索引号", "索引号：000014349/2025-00012", ""},
		{"credit code", "统一社会信用代码 91350100M000100Y43", ""},
		{"plain numbers", "共 138 人，1380 元，2025 年", ""},
		{"empty", "", ""},

		// several at once
		{"mixed", "张三，身份证" + id1 + "，手机" + mobile1 + "，银行卡" + card16 + "。",
			"id_number:" + id1 + " | mobile:" + mobile1 + " | bank_card:" + card16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms := Find(tc.text)
			if got := kinds(ms); got != tc.want {
				t.Errorf("Find(%q) = %q, want %q", tc.text, got, tc.want)
			}
			for _, m := range ms {
				if tc.text[m.Start:m.End] != m.Value {
					t.Errorf("offsets %d:%d give %q, not %q", m.Start, m.End, tc.text[m.Start:m.End], m.Value)
				}
			}
		})
	}
}

func TestFindOffsets(t *testing.T) {
	text := "电话：" + mobile1
	ms := Find(text)
	if len(ms) != 1 || ms[0].Start != len("电话：") || ms[0].End != len(text) {
		t.Fatalf("Find(%q) = %+v", text, ms)
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{id1, "110101********1233"},
		{idX, "110105********002X"},
		{strings.ToLower(idX), "110105********002X"},
		{"１１０１０１１９９００３０７１２３３", "110101********1233"},
		{"110101 19900307 1233", "110101********1233"},
		{mobile1, "138****8000"},
		{"138-0013-8000", "138****8000"},
		{"+86 138 0013 8000", "+86 138****8000"},
		{"008613800138000", "+86 138****8000"},
		{card19, "***************0128"},
		{"4556 1234 5678 9015", "************9015"},
	}
	for _, tc := range tests {
		ms := Find(tc.text)
		if len(ms) != 1 {
			t.Errorf("Find(%q) = %v, want one match", tc.text, ms)
			continue
		}
		got := Mask(ms[0])
		if got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.text, got, tc.want)
		}
		if again := Find(got); len(again) != 0 {
			t.Errorf("Find(Mask(%q)) = %v, want none", tc.text, again)
		}
	}
	// A hand-made match of the wrong shape is masked entirely.
	if got := Mask(Match{Kind: IDNumber, Value: "12ab"}); got != "****" {
		t.Errorf("Mask of a malformed match = %q", got)
	}
}

func TestMaskAll(t *testing.T) {
	text := "当事人张三（身份证号" + id1 + "，电话 138 0013 8000，卡号" + card16 + "）于2025年1月23日提交申请。"
	want := "当事人张三（身份证号110101********1233，电话 138****8000，卡号************9015）于2025年1月23日提交申请。"
	if got := MaskAll(text); got != want {
		t.Errorf("MaskAll =\n%s\nwant\n%s", got, want)
	}
	if got := MaskAll("无个人信息。"); got != "无个人信息。" {
		t.Errorf("MaskAll changed text without identifiers: %q", got)
	}
}

func TestValidIDNumber(t *testing.T) {
	for _, s := range []string{id1, id2, idX, strings.ToLower(idX), idLeap} {
		if !ValidIDNumber(s) {
			t.Errorf("ValidIDNumber(%q) = false", s)
		}
	}
	for _, s := range []string{idBadSum, idFeb30, idProv99, idFuture, id1899, id1[:17], id1 + "0", "", " " + id1[:17],
		"１１０１０１１９９００３０７１２３３", "11010119900307123Y", "1101011990030712X3"} {
		if ValidIDNumber(s) {
			t.Errorf("ValidIDNumber(%q) = true", s)
		}
	}
	if c := IDCheckChar(id1[:17]); c != '3' {
		t.Errorf("IDCheckChar = %c", c)
	}
	if c := IDCheckChar("1234"); c != 0 {
		t.Errorf("IDCheckChar of a short input = %c", c)
	}
}

func TestValidCreditCode(t *testing.T) {
	for _, s := range []string{
		"91350100M000100Y43", // the example code of GB 32100-2015 guidance
		"91110000802100433B",
		"123100004250045122",
		"52310000MJ4969820F",
		"Y1310115MA1K4BQ2X0",
		"91310101MA1FP1R3HE",
	} {
		if !ValidCreditCode(s) {
			t.Errorf("ValidCreditCode(%q) = false", s)
		}
	}
	for _, s := range []string{
		"91350100M000100Y44",  // wrong check character
		"91350100m000100Y43",  // lower case
		"91350100M000100Y4",   // 17 characters
		"91350100M000100Y430", // 19
		"01350100M000100Y43",  // registration authority 0
		"B1350100M000100Y43",  // registration authority B
		"913501A0M000100Y43",  // division code with a letter
		"91350100I000100Y43",  // I is not in the alphabet
		"91350100O000100Y43",  // O neither
		"",
	} {
		if ValidCreditCode(s) {
			t.Errorf("ValidCreditCode(%q) = true", s)
		}
	}
}

func TestKindNames(t *testing.T) {
	if IDNumber.Label() != "身份证号码" || Mobile.Label() != "手机号码" || BankCard.Label() != "银行卡号" || Kind(0).Label() == "" {
		t.Error("labels")
	}
	if Kind(0).String() != "unknown" {
		t.Error("String of the zero Kind")
	}
}

func checkInvariants(t *testing.T, text string) {
	ms := Find(text)
	end := 0
	for _, m := range ms {
		if m.Start < end || m.Start >= m.End || m.End > len(text) {
			t.Fatalf("Find(%q): bad or overlapping match %+v", text, m)
		}
		if text[m.Start:m.End] != m.Value {
			t.Fatalf("Find(%q): Value %q is not text[%d:%d]", text, m.Value, m.Start, m.End)
		}
		if again := Find(Mask(m)); len(again) != 0 {
			t.Fatalf("Find(Mask(%+v)) = %v", m, again)
		}
		end = m.End
	}
	masked := MaskAll(text)
	if again := Find(masked); len(again) != 0 {
		t.Fatalf("Find(MaskAll(%q)) = %v (masked: %q)", text, again, masked)
	}
	if utf8.ValidString(text) && !utf8.ValidString(masked) {
		t.Fatalf("MaskAll(%q) made invalid UTF-8", text)
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{
		id1, idX, "+86 138 0013 8000", card19, "6222 0212 3456 7890 128", "110101 19900307 1233",
		"6222 0212 3456 7890 13800138000", "13800138000-13900139000", "1.13800138000", "0086 0086 13800138000",
		"１３８００１３８０００", "+86 +86 13800138000", "138 0013 8000 " + card16, "\xff13800138000\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkInvariants(t, text)
	})
}

func TestInvariantsOnSeeds(t *testing.T) {
	for _, s := range []string{
		"6222 0212 3456 7890 13800138000",        // masking the mobile must not leave a card behind
		"4556 1234 5678 9015 " + id1,             // nor masking the ID
		"13800138000 " + card16 + " 13900139000", // neighbours
		"0086 138 0013 8000 1234",
		"+86 " + card16,
	} {
		checkInvariants(t, s)
	}
}

func BenchmarkFind(b *testing.B) {
	text := strings.Repeat("上海市民族和宗教事务局关于做好宗教活动场所疫情防控工作的通知，联系电话 021-12345678，2025年1月23日。", 200) +
		"身份证号" + id1
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if len(Find(text)) != 1 {
			b.Fatal("want one match")
		}
	}
}

// TestValidIDNumberBornToday: a birth date of today in China is valid even
// in the hours when it is still yesterday in UTC, and tomorrow's is not.
func TestValidIDNumberBornToday(t *testing.T) {
	id := func(d civil.Date) string {
		s := fmt.Sprintf("110105%04d%02d%02d123", d.Year, int(d.Month), d.Day)
		return s + string(IDCheckChar(s))
	}
	today := civil.Today()
	if !ValidIDNumber(id(today)) {
		t.Errorf("born today (%s): %s rejected", today, id(today))
	}
	if tomorrow := today.AddDays(1); ValidIDNumber(id(tomorrow)) {
		t.Errorf("born tomorrow (%s): %s accepted", tomorrow, id(tomorrow))
	}
}
