package training

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
)

// FuzzReadRows: an attendance file is read so that rows[i] is line i+1 of
// the CSV (bad rows are reported by that line), also with blank lines and
// cells holding line breaks; XLSX gives back the cells written; anything
// else is refused with an apperr error.
func FuzzReadRows(f *testing.F) {
	f.Add("姓名,单位,账号,处室\n张三,上海市民族和宗教事务局,zhangsan,办公室\n\n李四,静安区民宗办,,\n", true, uint16(0), byte(0))
	f.Add("姓名,单位\n\"王\n五\",局\n赵六,局", true, uint16(0), byte(0))
	f.Add("\ufeff姓名,单位\r\n\"a\"\"b\",c\r\n", true, uint16(0), byte(0))
	f.Add("姓名\t单位\n张三\t局", false, uint16(0), byte(0))
	f.Add("姓名\t单位\n张三\t局", false, uint16(64), byte(0x10))
	f.Add("\"x", true, uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, text string, csvFile bool, at uint16, flip byte) {
		if csvFile {
			rows, err := readRows("名单.csv", strings.NewReader(text))
			if err != nil {
				if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
					t.Fatalf("error %v", err)
				}
				return
			}
			lines := strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n")
			for i, row := range rows {
				if row == nil {
					continue
				}
				if i >= len(lines) {
					t.Fatalf("row %d of a %d-line file", i+1, len(lines))
				}
				// An unquoted first cell is the start of its line.
				if first := row[0]; first != "" && !strings.ContainsAny(first, "\"\r\n") && !strings.HasPrefix(strings.TrimSuffix(lines[i], "\r"), first) {
					t.Fatalf("row %d %q is not line %d %q", i, row, i+1, lines[i])
				}
			}
			return
		}
		grid := [][]string{}
		for _, line := range strings.Split(text, "\n") {
			grid = append(grid, strings.Split(line, "\t"))
		}
		xf := excelize.NewFile()
		defer xf.Close()
		plain := true
		for i, row := range grid {
			cells := make([]any, len(row))
			for j, c := range row {
				cells[j] = c
				plain = plain && utf8.ValidString(c) && !strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0xfffe }) &&
					!strings.Contains(c, "_x") && utf8.RuneCountInString(c) < 1000 && strings.TrimSpace(c) == c
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := xf.SetSheetRow("Sheet1", cell, &cells); err != nil {
				return
			}
		}
		var buf bytes.Buffer
		if err := xf.Write(&buf); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if flip != 0 {
			b[int(at)%len(b)] ^= flip
		}
		rows, err := readRows("名单.xlsx", bytes.NewReader(b))
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Fatalf("error %v", err)
			}
			return
		}
		if flip != 0 || !plain {
			return
		}
		for i, row := range grid {
			for j, c := range row {
				if got := cellAt(rowAt(rows, i), j); got != c {
					t.Fatalf("cell %d,%d: wrote %q, read %q", i, j, c, got)
				}
			}
		}
	})
}

func rowAt(rows [][]string, i int) []string {
	if i < len(rows) {
		return rows[i]
	}
	return nil
}

// FuzzParseLinks: the training materials' links are absolute http(s)
// addresses without credentials or characters that could leave an
// attribute, one a line.
func FuzzParseLinks(f *testing.F) {
	for _, s := range []string{"https://www.shmzw.gov.cn/a.pdf\nhttp://example.cn/b", "javascript:alert(1)", "https://user:pw@example.cn/", "https://example.cn/\"onmouseover=x",
		"//example.cn/x", "https:///x", "HTTPS://EXAMPLE.CN", "https://例子.中国/路径", "\x00", "https://a.cn/\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		links, msg := ParseLinks(s)
		if msg != "" {
			if links != nil {
				t.Fatalf("links %q with message %q", links, msg)
			}
			return
		}
		if len(links) > MaxMaterials {
			t.Fatalf("%d links", len(links))
		}
		for _, l := range links {
			low := strings.ToLower(l)
			if !strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://") {
				t.Fatalf("link %q", l)
			}
			if strings.ContainsAny(l, " \t\r\n<>\"'`") || !utf8.ValidString(l) || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("link %q", l)
			}
			if !ValidURL(l) {
				t.Fatalf("ParseLinks gave %q, which ValidURL refuses", l)
			}
		}
	})
}

// TestReadRowsBlankLines: a CSV of blank lines (within the upload limit) is
// refused before its line numbers are padded into millions of empty rows.
func TestReadRowsBlankLines(t *testing.T) {
	text := "姓名,单位\n" + strings.Repeat("\n", MaxImportBytes-100) + "张三,局\n"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readRows("名单.csv", strings.NewReader(text))
	runtime.ReadMemStats(&after)
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("err = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4*MaxImportBytes {
		t.Errorf("%d MB allocated for a %d MB file", n>>20, len(text)>>20)
	}
}
