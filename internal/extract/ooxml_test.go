package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func docText(t *testing.T, contentType string, data []byte) string {
	t.Helper()
	s, err := Text(context.Background(), contentType, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Text: %v", err)
	}
	return s
}

const wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
	`xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ` +
	`xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

const relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

// docx builds a Word document from the body of word/document.xml and more
// parts (name → content; their relationships are added).
func docx(body string, more map[string]string) []byte {
	rels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	parts := [][2]string{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<w:document ` + wNS + `><w:body>` + body + `</w:body></w:document>`},
	}
	i := 10
	for _, kind := range []string{"footnotes", "header", "footer", "comments"} {
		if content, ok := more[kind]; ok {
			name := kind + ".xml"
			rels += fmt.Sprintf(`<Relationship Id="rId%d" Type="%s%s" Target="%s"/>`, i, relNS, kind, name)
			parts = append(parts, [2]string{"word/" + name, content})
			i++
		}
	}
	rels += `<Relationship Id="rId99" Type="` + relNS + `hyperlink" Target="https://example.gov.cn/" TargetMode="External"/>`
	parts = append(parts, [2]string{"word/_rels/document.xml.rels", rels + `</Relationships>`})
	return zipParts(parts)
}

func para(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

func TestMakeDOCXRoundTrip(t *testing.T) {
	paras := []string{"关于做好宗教活动场所疫情防控工作的通知", "各区民族宗教部门：", "  多个   空格\t与制表符  ",
		"特殊字符 & < > \" ' 与控制字符\x01\x02", "", "联系电话 13800138000。"}
	got := docText(t, TypeDOCX, MakeDOCX(paras))
	want := "关于做好宗教活动场所疫情防控工作的通知\n各区民族宗教部门：\n多个 空格 与制表符\n特殊字符 & < > \" ' 与控制字符\n联系电话 13800138000。"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !bytes.Equal(MakeDOCX(paras), MakeDOCX(paras)) {
		t.Error("MakeDOCX is not deterministic")
	}
}

func TestDOCXStructures(t *testing.T) {
	body := `<w:p><w:r><w:t>第一</w:t></w:r><w:r><w:t>段</w:t></w:r><w:r><w:tab/><w:t>制表</w:t><w:br/><w:t>换行</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>保留</w:t></w:r><w:del><w:r><w:delText>已删除</w:delText></w:r></w:del><w:ins><w:r><w:t>插入</w:t></w:r></w:ins></w:p>` +
		`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "x" </w:instrText></w:r><w:r><w:t>链接文字</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>姓名</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>电话</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc>` + para("张三") + para("（联系人）") + `</w:tc><w:tc>` +
		`<w:tbl><w:tr><w:tc>` + para("内层") + `</w:tc><w:tc>` + para("表格") + `</w:tc></w:tr></w:tbl>` +
		`</w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>` + para("文本框") +
		`</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>` + para("文本框") +
		`</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>之后</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>a</w:t><w:noBreakHyphen/><w:t>b</w:t></w:r></w:p>`
	more := map[string]string{
		"footnotes": `<w:footnotes ` + wNS + `><w:footnote w:id="1">` + para("脚注内容") + `</w:footnote></w:footnotes>`,
		"header":    `<w:hdr ` + wNS + `>` + para("页眉") + `</w:hdr>`,
		"footer":    `<w:ftr ` + wNS + `>` + para("页脚") + `</w:ftr>`,
		"comments":  `<w:comments ` + wNS + `><w:comment w:id="0">` + para("批注") + `</w:comment></w:comments>`,
	}
	got := docText(t, TypeDOCX, docx(body, more))
	want := strings.Join([]string{
		"第一段 制表 换行", "保留插入", "链接文字", "姓名 电话", "张三 （联系人） 内层 表格", "文本框", "之后", "a-b",
		"脚注内容", "页眉", "页脚", "批注",
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDOCXEntities(t *testing.T) {
	// encoding/xml does not expand entities declared in a DTD: the
	// billion laughs stay small.
	doc := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<w:document ` + wNS + `><w:body>` + para("&lol3;&amp;正文") + `</w:body></w:document>`
	data := zipParts([][2]string{{"word/document.xml", doc}})
	start := time.Now()
	text, err := Text(context.Background(), TypeDOCX, bytes.NewReader(data), int64(len(data)))
	if time.Since(start) > time.Second || len(text) > 100 {
		t.Errorf("%q, %v", text, err)
	}
}

func TestMakeXLSXRoundTrip(t *testing.T) {
	rows := [][]string{{"序号", "姓名", "电话"}, {"1", "张三", "13800138000"}, {"2", "", "a<b&c"}, {}, {"3", "李四 ", "多\n行"}}
	got := docText(t, TypeXLSX, MakeXLSX(rows))
	want := "序号 姓名 电话\n1 张三 13800138000\n2 a<b&c\n3 李四 多 行"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if columnName(0) != "A" || columnName(25) != "Z" || columnName(26) != "AA" || columnName(701) != "ZZ" || columnName(702) != "AAA" {
		t.Error("columnName")
	}
}

const ssNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// xlsx builds a workbook whose sheets are listed in the given order.
func xlsx(shared string, sheets ...string) []byte {
	var list, rels strings.Builder
	parts := [][2]string{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `officeDocument" Target="/xl/workbook.xml"/></Relationships>`},
	}
	rels.WriteString(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, s := range sheets {
		// Listed in reverse file order, to check that the workbook order wins.
		n := len(sheets) - i
		fmt.Fprintf(&list, `<sheet name="S%d" sheetId="%d" r:id="rId%d"/>`, i, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%sworksheet" Target="worksheets/sheet%d.xml"/>`, i+1, relNS, n)
		parts = append(parts, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", n), `<worksheet ` + ssNS + `><sheetData>` + s + `</sheetData></worksheet>`})
	}
	if shared != "" {
		rels.WriteString(`<Relationship Id="rIdS" Type="` + relNS + `sharedStrings" Target="sharedStrings.xml"/>`)
		parts = append(parts, [2]string{"xl/sharedStrings.xml", `<sst ` + ssNS + `>` + shared + `</sst>`})
	}
	rels.WriteString(`</Relationships>`)
	parts = append(parts,
		[2]string{"xl/workbook.xml", `<workbook ` + ssNS + `><sheets>` + list.String() + `</sheets></workbook>`},
		[2]string{"xl/_rels/workbook.xml.rels", rels.String()})
	return zipParts(parts)
}

func TestXLSXCells(t *testing.T) {
	shared := `<si><t>共享</t></si><si><r><t>富</t></r><r><t>文本</t></r><rPh><t>ふりがな</t></rPh></si>`
	sheet1 := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>内联</t></is></c></row>` +
		`<row r="2"><c r="A2"><v>42</v></c><c r="B2" t="b"><v>1</v></c><c r="C2" t="e"><v>#N/A</v></c>` +
		`<c r="D2" t="str"><f>A1&amp;B1</f><v>公式结果</v></c><c r="E2" t="s"><v>99</v></c><c r="F2"><v>1.10101199003071E+17</v></c></row>`
	sheet2 := `<row r="1"><c r="A1" t="inlineStr"><is><r><t>第二</t></r><r><t>张表</t></r></is></c></row>`
	got := docText(t, TypeXLSX, xlsx(shared, sheet1, sheet2))
	want := "共享 富文本 内联\n42 TRUE 公式结果 1.10101199003071E+17\n第二张表"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestOOXMLLimits(t *testing.T) {
	var rows strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&rows, `<row><c t="inlineStr"><is><t>单元格%d</t></is></c><c><v>%d</v></c></row>`, i, i)
	}
	book := xlsx("", rows.String(), rows.String())
	run := func(ct string, data []byte, lim Limits) (string, error) {
		return TextWithLimits(context.Background(), ct, bytes.NewReader(data), int64(len(data)), lim)
	}
	t.Run("cells", func(t *testing.T) {
		text, err := run(TypeXLSX, book, Limits{MaxCells: 100})
		if !errors.Is(err, ErrTruncated) || strings.Count(text, "\n") > 51 || !strings.Contains(text, "单元格0") {
			t.Errorf("%v, %d lines", err, strings.Count(text, "\n"))
		}
	})
	t.Run("sheets", func(t *testing.T) {
		text, err := run(TypeXLSX, book, Limits{MaxSheets: 1})
		if !errors.Is(err, ErrTruncated) || strings.Count(text, "单元格0 ") != 1 {
			t.Errorf("%v", err)
		}
	})
	t.Run("characters", func(t *testing.T) {
		text, err := run(TypeXLSX, book, Limits{MaxRunes: 50})
		if !errors.Is(err, ErrTruncated) || utf8.RuneCountInString(text) != 50 {
			t.Errorf("%v, %d runes", err, utf8.RuneCountInString(text))
		}
	})
	t.Run("zip bomb", func(t *testing.T) {
		// 200 MB of paragraphs that compress to a few hundred kilobytes.
		var big bytes.Buffer
		zw := zip.NewWriter(&big)
		w, _ := zw.Create("word/document.xml")
		w.Write([]byte(`<w:document ` + wNS + `><w:body>`))
		chunk := bytes.Repeat([]byte(`<w:p><w:r><w:t>炸弹</w:t></w:r></w:p>`), 1000)
		for big := 0; big < 200<<20; big += len(chunk) {
			w.Write(chunk)
		}
		zw.Close()
		start := time.Now()
		text, err := run(TypeDOCX, big.Bytes(), Limits{MaxPartBytes: 1 << 20})
		if !errors.Is(err, ErrTruncated) || time.Since(start) > 5*time.Second || !strings.HasPrefix(text, "炸弹\n炸弹") {
			t.Errorf("%v after %v", err, time.Since(start))
		}
	})
	t.Run("too many entries", func(t *testing.T) {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for i := 0; i < 200; i++ {
			zw.Create(fmt.Sprintf("f%d", i))
		}
		zw.Close()
		_, err := run(TypeDOCX, b.Bytes(), Limits{MaxZipEntries: 100})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%v", err)
		}
	})
	t.Run("time", func(t *testing.T) {
		_, err := run(TypeXLSX, book, Limits{Timeout: time.Nanosecond})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v", err)
		}
	})
}

func TestOOXMLMalformed(t *testing.T) {
	for name, data := range map[string][]byte{
		"not a zip":        []byte("PK\x03\x04 this is not really a zip"),
		"empty":            nil,
		"no document":      zipParts([][2]string{{"other.xml", "<x/>"}}),
		"broken xml":       zipParts([][2]string{{"word/document.xml", "<w:document><w:body><w:p>"}}),
		"no workbook":      zipParts([][2]string{{"xl/other.xml", "<x/>"}}),
		"truncated":        MakeDOCX([]string{"内容"})[:100],
		"xlsx as docx":     MakeXLSX([][]string{{"a"}}),
		"bad shared index": xlsx(`<si><t>x</t></si>`, `<row><c t="s"><v>-1</v></c><c t="s"><v>abc</v></c></row>`),
	} {
		t.Run(name, func(t *testing.T) {
			for _, ct := range []string{TypeDOCX, TypeXLSX} {
				text, err := Text(context.Background(), ct, bytes.NewReader(data), int64(len(data)))
				if err != nil && text != "" {
					t.Errorf("%s: text %q with error %v", ct, text, err)
				}
				if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
					t.Errorf("%s: %v, want ErrMalformed", ct, err)
				}
			}
		})
	}
}

func FuzzOOXML(f *testing.F) {
	f.Add(MakeDOCX([]string{"段落", "联系电话 13800138000"}), true)
	f.Add(MakeXLSX([][]string{{"a", "b"}, {"张三"}}), false)
	f.Add(docx(`<w:tbl><w:tr><w:tc>`+para("表格")+`</w:tc></w:tr></w:tbl>`, nil), true)
	lim := Limits{MaxRunes: 10_000, MaxPartBytes: 1 << 20, MaxUnzipBytes: 4 << 20, MaxCells: 10_000, Timeout: 2 * time.Second}
	f.Fuzz(func(t *testing.T, data []byte, isDOCX bool) {
		ct := TypeXLSX
		if isDOCX {
			ct = TypeDOCX
		}
		text, err := TextWithLimits(context.Background(), ct, bytes.NewReader(data), int64(len(data)), lim)
		if utf8.RuneCountInString(text) > lim.MaxRunes || (err != nil && text != "" && !errors.Is(err, ErrTruncated)) {
			t.Fatalf("%d runes, %v", utf8.RuneCountInString(text), err)
		}
	})
}

func TestContentTypes(t *testing.T) {
	pdf := MakePDF("", []string{"内容"})
	for ct, want := range map[string]string{
		"application/pdf":                    "内容",
		"Application/PDF; charset=binary":    "内容",
		"application/x-pdf":                  "内容",
		"text/plain":                         "",
		"application/msword":                 "",
		"image/png":                          "",
		"":                                   "",
		"application/vnd.ms-excel":           "",
		"application/octet-stream; x=y; z=1": "",
	} {
		got, err := Text(context.Background(), ct, bytes.NewReader(pdf), int64(len(pdf)))
		if err != nil || got != want {
			t.Errorf("%q: %q, %v", ct, got, err)
		}
	}
	if _, err := Text(context.Background(), TypePDF, bytes.NewReader(pdf), -1); !errors.Is(err, ErrMalformed) {
		t.Errorf("negative size: %v", err)
	}
	if _, err := Text(context.Background(), TypePDF, bytes.NewReader(pdf), DefaultLimits.MaxInputBytes+1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	// Unknown types are not even read.
	if got, err := Text(context.Background(), "text/plain", nil, 1<<40); got != "" || err != nil {
		t.Errorf("unknown type: %q %v", got, err)
	}
}

func TestNormalizeLine(t *testing.T) {
	for in, want := range map[string]string{
		"  a  b\t\nc  ":      "a b c",
		"全角\u3000空格":         "全角 空格",
		"x\x00y\x7fz\u0085w": "xyz w",
		"bad\xffutf8":        "badutf8",
		"\ufeff零宽\u00ad":     "零宽",
	} {
		if got := normalizeLine(in); got != want {
			t.Errorf("normalizeLine(%q) = %q, want %q", in, got, want)
		}
	}
}
