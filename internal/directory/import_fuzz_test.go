package directory

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gongkai/gongkai/internal/apperr"
)

// fuzzGrid splits fuzz text into rows (lines) of cells (tabs).
func fuzzGrid(s string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(s, "\n") {
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

// fuzzXLSX writes rows to the first sheet of a new workbook.
func fuzzXLSX(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			return nil
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// plainCell: text a spreadsheet keeps as it is.
func plainCell(s string) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) < 1000 && !strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff || (r >= 0xd800 && r <= 0xdfff)
	}) && !strings.Contains(s, "_x")
}

// trimGrid drops trailing empty cells and rows, as spreadsheets do.
func trimGrid(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		out[i] = r
	}
	for len(out) > 0 && len(out[len(out)-1]) == 0 {
		out = out[:len(out)-1]
	}
	return out
}

func checkImportErr(t *testing.T, err error) {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) && !apperr.Is(err, apperr.TooLarge) {
		t.Fatalf("error %v (%T) is neither an ImportError nor too large", err, err)
	}
	if ie != nil && !strings.ContainsFunc(ie.Message, func(r rune) bool { return r >= 0x4e00 }) {
		t.Fatalf("message %q is not Chinese", ie.Message)
	}
}

// FuzzReadRows: a directory register read from XLSX gives back the cells
// written into it, from CSV the same rows whether saved in UTF-8 or
// GB18030; a damaged file is refused with an ImportError, never a panic.
func FuzzReadRows(f *testing.F) {
	f.Add("名称\t编号\t地址\n静安寺\tSH-001\t南京西路1686号\n玉佛禅寺\tSH-002\t安远路170号", false, uint16(0), byte(0))
	f.Add("*名称（必填）,编号\n\"a,b\",\"c\"\"d\"\n", true, uint16(0), byte(0))
	f.Add("a\"b,c\n\"unterminated", true, uint16(0), byte(0))
	f.Add("\ufeff名称,编号\r\n清真,1", true, uint16(0), byte(0))
	f.Add("名称\t编号\n=HYPERLINK(\"x\")\t45000", false, uint16(30), byte(0xff))
	f.Add("x", false, uint16(1), byte(1))
	f.Add("\xff\xfe\x00", true, uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, text string, csvFile bool, at uint16, flip byte) {
		grid := fuzzGrid(text)
		if csvFile {
			rows, err := readRows("名录.csv", strings.NewReader(text))
			if err != nil {
				checkImportErr(t, err)
				return
			}
			if !utf8.ValidString(text) {
				return
			}
			gb, gbErr := simplifiedchinese.GB18030.NewEncoder().String(strings.TrimPrefix(text, "\ufeff"))
			if gbErr != nil || utf8.ValidString(gb) {
				// GB18030 bytes that also form valid UTF-8 ("路" is C2 B7,
				// which UTF-8 reads as "·") are read as UTF-8: the encoding
				// is guessed from validity, so such a file is ambiguous.
				return
			}
			rows2, err := readRows("名录.csv", strings.NewReader(gb))
			if err != nil || !slices.EqualFunc(rows, rows2, slices.Equal) {
				t.Fatalf("GB18030 reads differently: %q vs %q (%v)", rows, rows2, err)
			}
			return
		}
		b := fuzzXLSX(t, grid)
		if b == nil {
			return
		}
		if flip != 0 {
			b[int(at)%len(b)] ^= flip
		}
		rows, err := readRows("名录.xlsx", bytes.NewReader(b))
		if err != nil {
			checkImportErr(t, err)
			return
		}
		if flip != 0 {
			return
		}
		for _, row := range grid {
			for _, c := range row {
				if !plainCell(c) {
					return
				}
			}
		}
		if want := trimGrid(grid); !slices.EqualFunc(trimGrid(rows), want, slices.Equal) {
			t.Fatalf("wrote %q, read %q", want, rows)
		}
	})
}

// FuzzNormalizeNumber: numbers and names are matched in their normal
// forms, so normalising must be idempotent; dates read back as written.
func FuzzNormalizeNumber(f *testing.F) {
	for _, s := range []string{"沪宗场-001", " ＳＨ－００１ ", "sh\u3000001", "2024-03-01", "2024年3月1日", "2024/2/30", "45000", "45000.5",
		"欧阳•娜娜", "ＡＢＣ  ｄｅｆ", "ǅ", "\xff", "1899-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeNumber(s)
		if again := NormalizeNumber(n); again != n {
			t.Fatalf("NormalizeNumber not idempotent: %q → %q → %q", s, n, again)
		}
		if strings.ContainsAny(n, " \u3000") || strings.ContainsAny(n, "０１２３４５６７８９ａｂｃｘｙｚＡＢＣＸＹＺ－") {
			t.Fatalf("NormalizeNumber(%q) = %q", s, n)
		}
		m := NormalizeName(s)
		if again := NormalizeName(m); again != m {
			t.Fatalf("NormalizeName not idempotent: %q → %q → %q", s, m, again)
		}
		if d, err := ParseDate(s); err == nil {
			back, err := ParseDate(d.String())
			if err != nil || back != d {
				t.Fatalf("ParseDate(%q) = %v, which reads back as %v, %v", s, d, back, err)
			}
		}
		if c := cellDate(s); c != s {
			if _, err := ParseDate(c); err != nil {
				t.Fatalf("cellDate(%q) = %q is not a date", s, c)
			}
		}
	})
}
