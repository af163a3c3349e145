package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// expected is what Text returns for MakePDF(title, paragraphs).
func expected(title string, paragraphs []string) string {
	var lines []string
	for _, p := range append([]string{title}, paragraphs...) {
		if p = normalizeLine(pdfSafe(p)); p != "" {
			lines = append(lines, p)
		}
	}
	return strings.Join(lines, "\n")
}

func TestMakePDFRoundTrip(t *testing.T) {
	long := strings.Repeat("为进一步做好宗教活动场所疫情防控工作，根据市疫情防控工作领导小组的部署，现就有关事项通知如下。", 30)
	tests := []struct {
		name       string
		title      string
		paragraphs []string
	}{
		{"short", "关于做好宗教活动场所疫情防控工作的通知", []string{"各区民族宗教部门：", "现将有关事项通知如下。"}},
		{"no title", "", []string{"只有正文。"}},
		{"empty", "", nil},
		{"empty paragraphs skipped", "标题", []string{"", "  ", "正文\t内容\n换行"}},
		{"long paragraph over pages", "长段落", []string{long}},
		{"many paragraphs", "多段落", strings.Split(strings.Repeat("这是一个段落，内容不长。\n", 120), "\n")},
		{"numbers and Latin", "联系方式", []string{
			"联系人：张三，电话 13800138000，身份证号 110101199003071233，请于2025年1月23日前报送。",
			"English words wrap at spaces, like this sentence, which is long enough to wrap around the line more than once or twice.",
			"混合 Chinese 与 English 以及数字 1234567890 和网址 https://www.example.gov.cn/path/to/page.html 的段落。",
		}},
		{"number at line end", "", []string{strings.Repeat("字", 30) + "身份证号110101199003071233。"}},
		{"closing marks at line start", "", []string{strings.Repeat("字", 37) + "。" + strings.Repeat("字", 36) + "，结束。"}},
		{"long title", strings.Repeat("关于做好宗教活动场所疫情防控工作的补充通知", 4), []string{"正文。"}},
		{"punctuation and symbols", "符号", []string{"《中华人民共和国政府信息公开条例》第二十条（一）项；“引号”‘单引号’【括号】——破折号……省略号 100% ¥200 #3 @a &b <c> (d) [e] {f}"}},
		{"full-width and ideographic space", "全角", []string{"ＡＢＣ　１２３　全角字符"}},
		{"astral characters dropped", "", []string{"汉字𠀀后面"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pdf := MakePDF(tc.title, tc.paragraphs)
			got := pdfText(t, pdf)
			if want := expected(tc.title, tc.paragraphs); got != want {
				t.Errorf("Text(MakePDF) =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestMakePDFRoundTripRandom: paragraphs of random words (Chinese, Latin,
// numbers, punctuation) come back exactly.
func TestMakePDFRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	words := []string{"宗教", "活动场所", "疫情", "防控", "政务公开", "信息", "，", "。", "、", "；", "（一）", "《条例》",
		"2025年", "13800138000", "110101199003071233", "Shanghai", "information", "disclosure", "No.12", "e-mail:a@b.cn", "50%"}
	for i := 0; i < 40; i++ {
		var paras []string
		for p := rng.IntN(12); p >= 0; p-- {
			var b strings.Builder
			for w := 1 + rng.IntN(60); w > 0; w-- {
				word := words[rng.IntN(len(words))]
				if word[0] < 0x80 && rng.IntN(2) == 0 {
					b.WriteByte(' ')
				}
				b.WriteString(word)
			}
			paras = append(paras, b.String())
		}
		title := ""
		if rng.IntN(3) > 0 {
			title = "第" + strconv.Itoa(i) + "号文件的标题"
		}
		got := pdfText(t, MakePDF(title, paras))
		if want := expected(title, paras); got != want {
			t.Fatalf("document %d:\n got %q\nwant %q", i, got, want)
		}
	}
}

func TestMakePDFStructure(t *testing.T) {
	paras := strings.Split(strings.Repeat("第二部分内容，用于测试多页文档的分页。\n", 80), "\n")
	pdf := MakePDF("标题", paras)
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Error("header or trailer")
	}
	if !bytes.Equal(pdf, MakePDF("标题", paras)) {
		t.Error("MakePDF is not deterministic")
	}
	for _, want := range []string{"/BaseFont /STSong-Light", "/Encoding /UniGB-UCS2-H", "/Subtype /CIDFontType0",
		"/Registry (Adobe) /Ordering (GB1) /Supplement 4", "/MediaBox [0 0 595 842]"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("no %q", want)
		}
	}
	if bytes.Contains(pdf, []byte("/FontFile")) {
		t.Error("the font must not be embedded")
	}
	if n := bytes.Count(pdf, []byte("/Type /Page ")); n < 2 {
		t.Errorf("%d pages, want several", n)
	}
	// Every cross-reference entry points at its object.
	x := bytes.LastIndex(pdf, []byte("startxref\n"))
	xref, _ := strconv.Atoi(strings.Fields(string(pdf[x+len("startxref\n"):]))[0])
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) == 0 {
		t.Fatal("no entries")
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("entry %d points at %q", i+1, pdf[off:off+10])
		}
	}
	if !regexp.MustCompile(`xref\n0 \d+\n0000000000 65535 f \n`).Match(pdf[xref:]) {
		t.Error("xref header")
	}
}

// TestMakePDFInRealReaders checks the generated file with qpdf and poppler
// when they are installed (apt-get install qpdf poppler-utils
// poppler-data).
func TestMakePDFInRealReaders(t *testing.T) {
	pdf := MakePDF("关于做好宗教活动场所疫情防控工作的通知", []string{"各区民族宗教部门：", "现将有关事项通知如下。联系电话 13800138000。"})
	ran := false
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		ran = true
		file := filepath.Join(t.TempDir(), "made.pdf")
		if err := os.WriteFile(file, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(qpdf, "--check", file)
		if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("No syntax or stream encoding errors")) {
			t.Errorf("qpdf --check: %v\n%s", err, out)
		}
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		ran = true
		cmd := exec.Command(pdftotext, "-", "-")
		cmd.Stdin = bytes.NewReader(pdf)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, out)
		}
		// Without poppler-data the CJK CMap is unknown and nothing comes out.
		if len(bytes.TrimSpace(out)) > 0 {
			for _, want := range []string{"关于做好宗教活动场所疫情防控工作的通知", "联系电话 13800138000"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("pdftotext output lacks %q:\n%s", want, out)
				}
			}
		}
	}
	if !ran {
		t.Skip("neither qpdf nor pdftotext is installed")
	}
}

func TestPDFIdentityHToUnicode(t *testing.T) {
	toUnicode := `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
3 beginbfchar
<0001> <653F>
<0002> <52A1>
<0003> <00660069>
endbfchar
2 beginbfrange
<0010> <0012> <0030>
<0020> <0021> [<516C> <5F00>]
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end`
	font := "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>"
	cid := "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /W [16 [500 500 500]] >>"
	content := "BT /F1 12 Tf 72 700 Td <00010002> Tj <00200021> Tj [<001000110012> -1000 <0003>] TJ ET"
	pdf := writePDF(pageDoc("<< /Font << /F1 5 0 R >> >>", content, font, cid, flateStream("", []byte(toUnicode))), "")
	if got, want := pdfText(t, pdf), "政务公开012 fi"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPDFPredefinedCMaps(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("宗教ab事务"))
	tests := []struct {
		encoding, content, want string
	}{
		{"UniGB-UCS2-H", ucs2("民族宗教AB"), "民族宗教AB"},
		{"UniGB-UTF16-H", "<D840DC00 6C49>", "𠀀汉"},
		{"GBK-EUC-H", fmt.Sprintf("<%X>", gbk), "宗教ab事务"},
		{"GB-EUC-H", fmt.Sprintf("<%X>", gbk[:4]), "宗教"},
		{"UniGB-UCS2-V", ucs2("竖排"), "竖排"},
	}
	for _, tc := range tests {
		t.Run(tc.encoding, func(t *testing.T) {
			content := "BT /F1 12 Tf 72 700 Td " + tc.content + " Tj ET"
			pdf := writePDF(pageDoc("<< /Font << /F1 5 0 R >> >>", content, cjkFont(tc.encoding)), "")
			if got := pdfText(t, pdf); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPDFSimpleFonts(t *testing.T) {
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /LastChar 126 /Widths 6 0 R" +
		" /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /uni5B97 /g123 /fi /quotedblleft /Euro] >> >>"
	widths := "[" + strings.TrimSpace(strings.Repeat("556 ", 95)) + "]"
	content := `BT /F1 10 Tf 72 700 Td [(Hello) -600 (World)] TJ ET
BT /F1 10 Tf 72 680 Td (caf\351 \(x\) \\ \101\102) Tj ET
BT /F1 10 Tf 72 660 Td <0102030405> Tj ET
BT /F1 10 Tf 14 TL 72 640 Td (one) Tj T* (two) Tj (three) ' ET`
	pdf := writePDF(pageDoc("<< /Font << /F1 5 0 R >> >>", content, font, widths), "")
	got := pdfText(t, pdf)
	for _, want := range []string{"Hello World", "café (x) \\ AB", "宗ﬁ“€", "one", "two", "three"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "HelloWorld") {
		t.Error("the kerning gap is not a space")
	}
}

func TestPDFStandardEncodings(t *testing.T) {
	if len(winAnsiNames) != 224 {
		t.Fatalf("winAnsiNames has %d names", len(winAnsiNames))
	}
	for name, want := range map[string]string{"Euro": "€", "quoteright": "’", "uni6C49": "汉", "u1F600": "😀",
		"a.sc": "a", "f_f_i": "ffi", "fi": "ﬁ", "g17": "", "zero": "0", "A": "A"} {
		if got := glyphText(name); got != want {
			t.Errorf("glyphText(%q) = %q, want %q", name, got, want)
		}
	}
	if encStandard[0x27] != '’' || encStandard[0xae] != 'ﬁ' || encWinAnsi[0x80] != '€' || encMacRoman[0x8e] != 'é' {
		t.Error("encoding tables")
	}
}

func TestPDFFormsActualTextInlineImages(t *testing.T) {
	form := flateStream("/Type /XObject /Subtype /Form /BBox [0 0 500 500] /Resources << /Font << /F1 6 0 R >> /XObject << /Self 5 0 R >> >>",
		[]byte("BT /F1 12 Tf 100 600 Td "+ucs2("表单里的文字")+" Tj ET /Self Do"))
	content := "BT /F1 12 Tf 72 700 Td " + ucs2("正文") + " Tj ET\n" +
		"/Span << /ActualText <FEFF5B9E9645> >> BDC BT /F1 12 Tf 72 680 Td " + ucs2("假字") + " Tj ET EMC\n" +
		"BI /W 4 /H 1 /BPC 8 /CS /G ID \x00) Tj (junk EI\nBT /F1 12 Tf 72 660 Td " + ucs2("图后") + " Tj ET\n" +
		"q 1 0 0 1 0 -500 cm /Fm Do Q"
	pdf := writePDF(pageDoc("<< /Font << /F1 6 0 R >> /XObject << /Fm 5 0 R >> >>", content, form, cjkFont("UniGB-UCS2-H")), "")
	got := pdfText(t, pdf)
	for _, want := range []string{"正文", "实际", "图后", "表单里的文字"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	for _, unwanted := range []string{"假字", "junk"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("%q contains %q", got, unwanted)
		}
	}
	if strings.Count(got, "表单里的文字") != 1 {
		t.Errorf("the self-drawing form was drawn more than once: %q", got)
	}
}

func cjkDoc(content string) []string {
	return pageDoc("<< /Font << /F1 5 0 R >> >>", content, cjkFont("UniGB-UCS2-H"))
}

func TestPDFXrefStreamAndObjectStreams(t *testing.T) {
	objs := cjkDoc("BT /F1 12 Tf 72 700 Td " + ucs2("对象流中的字体") + " Tj ET")
	pdf := writePDF15(objs)
	if got := pdfText(t, pdf); got != "对象流中的字体" {
		t.Errorf("got %q", got)
	}
}

func TestPDFEncrypted(t *testing.T) {
	objs := cjkDoc("BT /F1 12 Tf 72 700 Td " + ucs2("加密文件的内容") + " Tj ET")
	for _, method := range []string{"RC4", "AESV2", "AESV3"} {
		t.Run(method, func(t *testing.T) {
			pdf := encryption{method: method}.write(objs)
			if !bytes.Contains(pdf, []byte("/Encrypt")) {
				t.Fatal("not encrypted")
			}
			if got := pdfText(t, pdf); got != "加密文件的内容" {
				t.Errorf("got %q", got)
			}
			locked := encryption{method: method, userPass: "secret"}.write(objs)
			_, err := Text(context.Background(), TypePDF, bytes.NewReader(locked), int64(len(locked)))
			if !errors.Is(err, ErrEncrypted) {
				t.Errorf("with a user password: %v, want ErrEncrypted", err)
			}
		})
	}
}

func TestPDFDamaged(t *testing.T) {
	good := writePDF(cjkDoc("BT /F1 12 Tf 72 700 Td "+ucs2("损坏的文件")+" Tj ET"), "")
	x := bytes.LastIndex(good, []byte("xref\n0 "))
	tests := map[string][]byte{
		"no xref":         good[:x],
		"shifted offsets": append(append([]byte("%PDF-1.7\n%junk junk junk\n"), good[9:x]...), good[x:]...),
		"bad startxref":   bytes.Replace(good, []byte(fmt.Sprintf("startxref\n%d", x)), []byte("startxref\n99999999"), 1),
		"no trailer":      append(good[:x:x], []byte("%%EOF")...),
		"junk after EOF":  append(append([]byte{}, good...), bytes.Repeat([]byte("garbage "), 100)...),
		"length wrong":    bytes.Replace(good, []byte("/Filter /FlateDecode /Length "), []byte("/Filter /FlateDecode /Length 9"), 1),
	}
	for name, pdf := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pdfText(t, pdf); got != "损坏的文件" {
				t.Errorf("got %q", got)
			}
		})
	}
}

// TestPDFHostile: malicious structures end with an error or some text,
// quickly.
func TestPDFHostile(t *testing.T) {
	bomb := flateStream("", bytes.Repeat([]byte("BT ET "), 10<<20)) // 60 MB of operators
	deep := strings.Repeat("[", 100_000) + " Tj"
	nested := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /XObject << /X 5 0 R >> /Font << /F1 15 0 R >> >> /Contents 4 0 R >>",
		stream("", []byte("/X Do /X Do /X Do /X Do /X Do")),
	}
	// Forms 5..14 each draw the next one ten times: 10^10 draws without
	// limits.
	for i := 5; i < 15; i++ {
		body := "BT /F1 12 Tf 72 700 Td " + ucs2("嵌") + " Tj ET"
		if i < 14 {
			body += strings.Repeat(fmt.Sprintf(" /X%d Do", i+1), 10)
		}
		nested = append(nested, stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /Font << /F1 15 0 R >> /XObject << /X%d %d 0 R >> >>", i+1, i+1), []byte(body)))
	}
	nested = append(nested, cjkFont("UniGB-UCS2-H"))

	tests := map[string][]byte{
		"page tree cycle": writePDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
			stream("", []byte("q Q")),
		}, ""),
		"reference loop": writePDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources 5 0 R >>",
			"5 0 R", "4 0 R",
		}, ""),
		"length refers to itself": writePDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
			"<< /Length 4 0 R >>\nstream\nq Q\nendstream",
		}, ""),
		"decompression bomb": writePDF(pageDoc("<< >>", "", bomb)[:3:3], ""),
		"deep nesting":       writePDF(pageDoc("<< >>", deep), ""),
		"nested forms":       writePDF(nested, ""),
		"huge predictor":     bytes.Replace(writePDF15(cjkDoc("BT ET")), []byte("/Columns 7"), []byte("/Columns 999999999"), 1),
		"not a PDF":          []byte("hello world"),
		"empty":              nil,
		"header only":        []byte("%PDF-1.7\n"),
		"no catalogue":       writePDF([]string{"<< /Type /Pages >>"}, ""),
	}
	// The bomb as the page's content.
	tests["decompression bomb"] = writePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		bomb,
	}, "")
	lim := DefaultLimits
	lim.MaxStreamBytes = 1 << 20
	for name, pdf := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			text, err := TextWithLimits(context.Background(), TypePDF, bytes.NewReader(pdf), int64(len(pdf)), lim)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if err != nil && text != "" && !errors.Is(err, ErrTruncated) {
				t.Errorf("text %q with error %v", text, err)
			}
			t.Logf("%d runes, err %v, %v", utf8.RuneCountInString(text), err, time.Since(start))
		})
	}
}

func TestPDFLimits(t *testing.T) {
	var paras []string
	for i := 0; i < 200; i++ {
		paras = append(paras, fmt.Sprintf("第%d段：为进一步做好宗教活动场所疫情防控工作，现就有关事项通知如下。", i))
	}
	pdf := MakePDF("限制", paras)
	run := func(lim Limits) (string, error) {
		return TextWithLimits(context.Background(), TypePDF, bytes.NewReader(pdf), int64(len(pdf)), lim)
	}
	t.Run("characters", func(t *testing.T) {
		text, err := run(Limits{MaxRunes: 100})
		if !errors.Is(err, ErrTruncated) || utf8.RuneCountInString(text) > 100 || utf8.RuneCountInString(text) < 90 {
			t.Errorf("%d runes, %v", utf8.RuneCountInString(text), err)
		}
	})
	t.Run("pages", func(t *testing.T) {
		text, err := run(Limits{MaxPages: 1})
		if !errors.Is(err, ErrTruncated) || !strings.Contains(text, "第0段") || strings.Contains(text, "第199段") {
			t.Errorf("%v: %q", err, text)
		}
	})
	t.Run("operations", func(t *testing.T) {
		_, err := run(Limits{MaxOperations: 1000})
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("%v", err)
		}
	})
	t.Run("input size", func(t *testing.T) {
		_, err := run(Limits{MaxInputBytes: 100})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%v", err)
		}
	})
	t.Run("time", func(t *testing.T) {
		_, err := run(Limits{Timeout: time.Nanosecond})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Text(ctx, TypePDF, bytes.NewReader(pdf), int64(len(pdf)))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v", err)
		}
	})
}

// TestPDFCorrupted: every prefix and random damage of a valid file give an
// error or text, never a panic or a hang.
func TestPDFCorrupted(t *testing.T) {
	pdf := MakePDF("损坏测试", []string{"第一段内容。", "第二段内容，联系电话 13800138000。"})
	check := func(data []byte) {
		t.Helper()
		text, err := Text(context.Background(), TypePDF, bytes.NewReader(data), int64(len(data)))
		if err != nil && text != "" && !errors.Is(err, ErrTruncated) {
			t.Fatalf("text with error %v", err)
		}
	}
	for n := 0; n < len(pdf); n += 7 {
		check(pdf[:n])
	}
	rng := rand.New(rand.NewPCG(5, 6))
	uncompressed := writePDF(cjkDoc("BT /F1 12 Tf 72 700 Td "+ucs2("随机损坏")+" Tj ET"), "")
	for i := 0; i < 500; i++ {
		src := pdf
		if i%2 == 1 {
			src = uncompressed
		}
		d := append([]byte{}, src...)
		for k := 0; k < 1+rng.IntN(8); k++ {
			d[rng.IntN(len(d))] = byte(rng.IntN(256))
		}
		check(d)
	}
}

func FuzzPDF(f *testing.F) {
	f.Add(MakePDF("标题", []string{"正文 13800138000"}))
	f.Add(writePDF15(cjkDoc("BT /F1 12 Tf 72 700 Td " + ucs2("对象流") + " Tj ET")))
	f.Add(encryption{method: "AESV2"}.write(cjkDoc("BT /F1 12 Tf 72 700 Td " + ucs2("加密") + " Tj ET")))
	f.Add(writePDF(cjkDoc("BT /F1 12 Tf [<0041> -500 <0042>] TJ /X Do BI ID x EI ET"), ""))
	plain := cjkDoc("")
	plain[3] = stream("", []byte("BT /F1 12 Tf 1 0 0 1 72 700 Tm "+ucs2("未压缩")+" Tj T* (x) ' 0 -20 Td [(a) -300 (b)] TJ ET"))
	f.Add(writePDF(plain, ""))
	lim := Limits{MaxInputBytes: 1 << 20, MaxRunes: 10_000, MaxStreamBytes: 1 << 20, MaxDecodedBytes: 4 << 20,
		MaxOperations: 200_000, Timeout: 2 * time.Second}
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := TextWithLimits(context.Background(), TypePDF, bytes.NewReader(data), int64(len(data)), lim)
		if utf8.RuneCountInString(text) > lim.MaxRunes {
			t.Fatalf("%d runes", utf8.RuneCountInString(text))
		}
		if err != nil && text != "" && !errors.Is(err, ErrTruncated) {
			t.Fatalf("text with error %v", err)
		}
	})
}

func BenchmarkTextPDF(b *testing.B) {
	var paras []string
	for i := 0; i < 300; i++ {
		paras = append(paras, "为进一步做好宗教活动场所疫情防控工作，根据市疫情防控工作领导小组的部署，现就有关事项通知如下，联系电话 13800138000。")
	}
	pdf := MakePDF("基准", paras)
	b.SetBytes(int64(len(pdf)))
	for b.Loop() {
		if _, err := Text(context.Background(), TypePDF, bytes.NewReader(pdf), int64(len(pdf))); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPDFHugeArray(t *testing.T) {
	content := "BT /F1 12 Tf 72 700 Td [" + strings.Repeat("1 ", 4<<20) + "] TJ " + ucs2("后面") + " Tj ET"
	pdf := writePDF(cjkDoc(content), "")
	start := time.Now()
	text, err := Text(context.Background(), TypePDF, bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil || time.Since(start) > 5*time.Second {
		t.Errorf("%q, %v after %v", text, err, time.Since(start))
	}
}

func TestPDFEncryptedWithoutTrailer(t *testing.T) {
	objs := cjkDoc("BT /F1 12 Tf 72 700 Td " + ucs2("加密文件的内容") + " Tj ET")
	for _, method := range []string{"AESV2", "AESV3"} {
		pdf := encryption{method: method}.write(objs)
		cut := pdf[:bytes.LastIndex(pdf, []byte("xref\n0 "))]
		text, err := Text(context.Background(), TypePDF, bytes.NewReader(cut), int64(len(cut)))
		switch method {
		case "AESV3": // needs no file ID: still readable
			if err != nil || text != "加密文件的内容" {
				t.Errorf("%s: %q, %v", method, text, err)
			}
		default: // the key depends on the lost file ID
			if !errors.Is(err, ErrEncrypted) {
				t.Errorf("%s: %q, %v, want ErrEncrypted", method, text, err)
			}
		}
	}
}
