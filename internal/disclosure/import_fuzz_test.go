package disclosure

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
)

// FuzzReadJSONLines: `gongkai import items` reads any JSON Lines file into
// rows that carry their line, and reports every bad line with an Invalid
// error; a row written back as JSON reads back the same.
func FuzzReadJSONLines(f *testing.F) {
	f.Add(`{"index_number":"MZZJ/2025-00001","title":"关于做好宗教活动场所安全工作的通知","published_on":"2025-01-02","five_publics":["决策公开"],"attachments":["a.pdf"]}` + "\n# 注释\n\n" +
		`{"title":"x","body":"<script>"}`)
	f.Add(`{"title":1}` + "\n" + `{"unknown":true}` + "\n" + `[1]` + "\n" + `{"title":"a"} {"title":"b"}`)
	f.Add(`{"title":"\ud800"}` + "\n\r\n" + `{"columns":null}`)
	f.Add("\xff\xfe{}")
	f.Fuzz(func(t *testing.T, text string) {
		rows, err := readJSONLines(strings.NewReader(text))
		if err != nil && !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("error %v", err)
		}
		lines := strings.Count(text, "\n") + 1
		last := 0
		for _, r := range rows {
			if r.Line <= last || r.Line > lines {
				t.Fatalf("row on line %d after %d of %d", r.Line, last, lines)
			}
			last = r.Line
			b, merr := json.Marshal(r)
			if merr != nil {
				t.Fatal(merr)
			}
			// Read back as jsonLinesReader reads a line (without its 1 MB
			// buffer, which would slow the fuzzer down).
			var back ImportRow
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&back); err != nil {
				t.Fatalf("row %+v written as %s reads back with %v", r, b, err)
			}
			back.Line = r.Line
			if !reflect.DeepEqual(back, r) {
				t.Fatalf("row %+v reads back as %+v", r, back)
			}
		}
	})
}

// FuzzReadImportXLSX: an XLSX import file gives rows with the cells of
// their line in the named columns, or an error; a damaged file is an
// error, never a panic.
func FuzzReadImportXLSX(f *testing.F) {
	f.Add("索引号\t标题\t发布日期\t五公开\n MZZJ/2025-00001 \t通知\t2025-01-02\t决策公开；结果公开\n\nMZZJ/2025-00002\t=1+1\t45000\t", uint16(0), byte(0))
	f.Add("index_number\tTitle\tpublished_on\nA\tB\tC", uint16(0), byte(0))
	f.Add("标题\n只有标题", uint16(0), byte(0))
	f.Add("索引号\t标题\t发布日期\na\tb\tc", uint16(300), byte(0x7f))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string, at uint16, flip byte) {
		var grid [][]string
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
					!strings.Contains(c, "_x") && utf8.RuneCountInString(c) < 1000
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
		path := filepath.Join(dir, "items.xlsx")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		rows, err := ReadImportFile(path)
		if err != nil || flip != 0 || !plain {
			return
		}
		titleCol := -1
		for i, h := range grid[0] {
			if f := headerAliases[strings.TrimSpace(strings.ToLower(h))]; f == "title" && titleCol < 0 {
				titleCol = i
			} else if f := headerAliases[strings.TrimSpace(h)]; f == "title" && titleCol < 0 {
				titleCol = i
			}
		}
		for _, r := range rows {
			if r.Line < 2 || r.Line > len(grid) {
				t.Fatalf("row on line %d of %d", r.Line, len(grid))
			}
			if titleCol < 0 {
				continue
			}
			want := ""
			if src := grid[r.Line-1]; titleCol < len(src) {
				want = strings.TrimSpace(src[titleCol])
			}
			// A later column with the same header overwrites the title.
			dup := false
			for i, h := range grid[0] {
				if i != titleCol && (headerAliases[strings.TrimSpace(strings.ToLower(h))] == "title" || headerAliases[strings.TrimSpace(h)] == "title") {
					dup = true
				}
			}
			if !dup && r.Title != want {
				t.Fatalf("line %d: title %q, cell %q", r.Line, r.Title, want)
			}
		}
	})
}

// FuzzParseQAs: the question–answer text of a policy interpretation is
// read into pairs that are complete and, written back as 问：/答： lines,
// read back the same.
func FuzzParseQAs(f *testing.F) {
	f.Add("问：什么是宗教活动场所？\n答：是指……\n续行\n\nQ: second\nA: answer")
	f.Add("答：没有问题")
	f.Add("问：只有问题")
	f.Add("问：\n多行\n问题\n答：\n回答")
	f.Add("前言\n问：x\n答：y")
	f.Fuzz(func(t *testing.T, text string) {
		qas, err := ParseQAs(text)
		if err != nil {
			return
		}
		var b strings.Builder
		for _, qa := range qas {
			if qa.Question == "" || qa.Answer == "" {
				t.Fatalf("incomplete pair %+v", qa)
			}
			b.WriteString("问：" + qa.Question + "\n答：" + qa.Answer + "\n\n")
		}
		again, err := ParseQAs(b.String())
		if err != nil || !reflect.DeepEqual(again, qas) {
			t.Fatalf("%+v written as %q reads back as %+v, %v", qas, b.String(), again, err)
		}
	})
}
