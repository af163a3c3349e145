package blob

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("关于进一步加强政务公开工作的通知", 20) // 320 runes
	tests := []struct{ in, want string }{
		{"报告.pdf", "报告.pdf"},
		{"2026年第一季度财政预算执行情况.xlsx", "2026年第一季度财政预算执行情况.xlsx"},
		{"../../etc/passwd", "passwd"},
		{"/etc/passwd", "passwd"},
		{`C:\Windows\x.pdf`, "x.pdf"},
		{`..\..\a.docx`, "a.docx"},
		{`\\server\share\文件.doc`, "文件.doc"},
		{"..", fallbackStem},
		{"../", fallbackStem},
		{"...", fallbackStem},
		{"", fallbackStem},
		{"   ", fallbackStem},
		{".bashrc", "bashrc"},
		{"...隐藏.pdf", "隐藏.pdf"},
		{"a\x00b.pdf", "ab.pdf"},
		{"a.pdf\x00.exe", "a.pdf.exe"},
		{"evil\u202efdp.exe", "evilfdp.exe"},
		{"\u202efdp.exe", "fdp.exe"},
		{"a\u2066b\u2069c\u200b.pdf", "abc.pdf"},
		{"\ufeffbom.pdf", "bom.pdf"},
		{"line\nbreak\r\n.pdf", "line break.pdf"},
		{"tab\t\tand  spaces.pdf", "tab and spaces.pdf"},
		{`a<b>c:d"e|f?g*h.pdf`, "a_b_c_d_e_f_g_h.pdf"},
		{"C:x.pdf", "C_x.pdf"},
		{"trailing dot.pdf.", "trailing dot.pdf"},
		{"trailing space.pdf  ", "trailing space.pdf"},
		{"CON", "_CON"},
		{"con.pdf", "_con.pdf"},
		{"LPT1.docx", "_LPT1.docx"},
		{"COM9 .txt", "_COM9.txt"},
		{"CONSOLE.pdf", "CONSOLE.pdf"},
		{"invalid \xff utf8.pdf", "invalid utf8.pdf"},
		{long + ".pdf", string([]rune(long)[:(maxNameBytes-4)/3]) + ".pdf"},
		{strings.Repeat("a", 300) + ".docx", strings.Repeat("a", maxNameRunes-5) + ".docx"},
		{strings.Repeat("a", 300), strings.Repeat("a", maxNameRunes)},
		{strings.Repeat("a", 99) + "..pdf", strings.Repeat("a", 96) + ".pdf"},
		{"v1.2", "v1.2"},
		{"全角／斜杠＼不是分隔符.pdf", "全角／斜杠＼不是分隔符.pdf"},
	}
	for _, tt := range tests {
		got := SanitizeName(tt.in)
		if got != tt.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkName(t, tt.in, got)
	}
}

func TestSanitizeNameKeepsExtensionOfLongChineseName(t *testing.T) {
	in := strings.Repeat("政务公开", 60) + ".docx"
	got := SanitizeName(in)
	if !strings.HasSuffix(got, ".docx") || len(got) > maxNameBytes || utf8.RuneCountInString(got) > maxNameRunes {
		t.Fatalf("SanitizeName(long) = %q (%d bytes)", got, len(got))
	}
	if !strings.HasPrefix(got, "政务公开政务公开") {
		t.Fatalf("lost the start: %q", got)
	}
}

func TestNameFor(t *testing.T) {
	tests := []struct {
		in   string
		k    Kind
		want string
	}{
		{"通知.pdf", PDF, "通知.pdf"},
		{"通知.PDF", PDF, "通知.pdf"},
		{"通知", PDF, "通知.pdf"},
		{"", PDF, "附件.pdf"},
		{"..", DOCX, "附件.docx"},
		{"照片.jpeg", JPEG, "照片.jpeg"},
		{"照片.JPG", JPEG, "照片.jpg"},
		{"照片.png", JPEG, "照片.jpg"},
		{"表.xls", XLSX, "表.xlsx"},
		{"关于2024.1.5会议的通知", PDF, "关于2024.1.5会议的通知.pdf"},
		{"x.exe", PDF, "x.pdf"},
		{"../../evil.sh", MP4, "evil.mp4"},
		{strings.Repeat("长", 200), OFD, strings.Repeat("长", (maxNameBytes-4)/3) + ".ofd"},
	}
	for _, tt := range tests {
		if got := NameFor(tt.in, tt.k); got != tt.want {
			t.Errorf("NameFor(%q, %s) = %q, want %q", tt.in, tt.k, got, tt.want)
		}
	}
}

// checkName asserts the invariants every sanitised name has.
func checkName(t *testing.T, in, got string) {
	t.Helper()
	switch {
	case got == "":
		t.Fatalf("SanitizeName(%q) is empty", in)
	case !utf8.ValidString(got):
		t.Fatalf("SanitizeName(%q) = %q is not UTF-8", in, got)
	case strings.ContainsAny(got, "/\\\x00<>:\"|?*"):
		t.Fatalf("SanitizeName(%q) = %q has a separator or reserved character", in, got)
	case strings.HasPrefix(got, ".") || strings.HasPrefix(got, " ") || strings.HasSuffix(got, ".") || strings.HasSuffix(got, " "):
		t.Fatalf("SanitizeName(%q) = %q has leading or trailing dots or spaces", in, got)
	case got == "." || got == "..":
		t.Fatalf("SanitizeName(%q) = %q", in, got)
	case utf8.RuneCountInString(got) > maxNameRunes || len(got) > maxNameBytes:
		t.Fatalf("SanitizeName(%q) = %q is too long", in, got)
	case isDeviceName(got):
		t.Fatalf("SanitizeName(%q) = %q is a device name", in, got)
	}
	for _, r := range got {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("SanitizeName(%q) = %q keeps %U", in, got, r)
		}
	}
}

func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"报告.pdf", "../../etc/passwd", `C:\Windows\x.pdf`, `..\..\a.docx`, "a\x00b", "\u202efdp.exe",
		strings.Repeat("政", 300) + ".xlsx", "CON.pdf", " . ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := SanitizeName(in)
		checkName(t, in, got)
		if again := SanitizeName(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", in, got, again)
		}
		for k := range kinds {
			n := NameFor(in, k)
			checkName(t, in, n)
			if _, ext := splitExt(n); !k.hasExt(ext) {
				t.Fatalf("NameFor(%q, %s) = %q", in, k, n)
			}
		}
	})
}
