package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// MakeDOCX returns a minimal Word document (A4) with one paragraph per
// element, white space normalised and characters XML cannot hold left out.
func MakeDOCX(paragraphs []string) []byte {
	var doc strings.Builder
	doc.WriteString(xmlHeader)
	doc.WriteString(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range paragraphs {
		doc.WriteString(`<w:p>`)
		if p = normalizeLine(xmlSafe(p)); p != "" {
			doc.WriteString(`<w:r><w:rPr><w:rFonts w:eastAsia="宋体"/></w:rPr><w:t xml:space="preserve">`)
			xml.EscapeText(&doc, []byte(p))
			doc.WriteString(`</w:t></w:r>`)
		}
		doc.WriteString(`</w:p>`)
	}
	doc.WriteString(`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>` +
		`<w:pgMar w:top="1440" w:right="1800" w:bottom="1440" w:left="1800" w:header="851" w:footer="992" w:gutter="0"/>` +
		`</w:sectPr></w:body></w:document>`)
	return zipParts([][2]string{
		{"[Content_Types].xml", xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			`</Types>`},
		{"_rels/.rels", xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
			`</Relationships>`},
		{"word/document.xml", doc.String()},
	})
}

// MakeXLSX returns a minimal workbook with one worksheet holding rows, all
// cells as (shared) strings; empty cells are left empty.
func MakeXLSX(rows [][]string) []byte {
	var sheet, sst strings.Builder
	index := map[string]int{}
	var strs []string
	count := 0
	sheet.WriteString(xmlHeader)
	sheet.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r, row := range rows {
		sheet.WriteString(`<row r="` + strconv.Itoa(r+1) + `">`)
		for c, v := range row {
			v = xmlSafe(v)
			if v == "" {
				continue
			}
			i, ok := index[v]
			if !ok {
				i = len(strs)
				index[v] = i
				strs = append(strs, v)
			}
			count++
			sheet.WriteString(`<c r="` + columnName(c) + strconv.Itoa(r+1) + `" t="s"><v>` + strconv.Itoa(i) + `</v></c>`)
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	sst.WriteString(xmlHeader)
	sst.WriteString(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="` +
		strconv.Itoa(count) + `" uniqueCount="` + strconv.Itoa(len(strs)) + `">`)
	for _, s := range strs {
		sst.WriteString(`<si><t xml:space="preserve">`)
		xml.EscapeText(&sst, []byte(s))
		sst.WriteString(`</t></si>`)
	}
	sst.WriteString(`</sst>`)
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	return zipParts([][2]string{
		{"[Content_Types].xml", xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			`</Types>`},
		{"_rels/.rels", xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", xmlHeader + `<workbook ` + ns + ` xmlns:r="` + strings.TrimSuffix(rel, "/") + `">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + rel + `styles" Target="styles.xml"/>` +
			`<Relationship Id="rId3" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/>` +
			`</Relationships>`},
		{"xl/styles.xml", xmlHeader + `<styleSheet ` + ns + `>` +
			`<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>` +
			`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
			`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
			`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
			`<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>` +
			`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
			`</styleSheet>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
		{"xl/sharedStrings.xml", sst.String()},
	})
}

// columnName is the spreadsheet column of index i (0 → A, 26 → AA).
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// xmlSafe leaves out the characters XML 1.0 cannot hold.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xfffe, r == 0xffff, r >= 0xd800 && r <= 0xdfff:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// zipParts writes a ZIP archive with fixed timestamps, so that the same
// input gives the same bytes.
func zipParts(parts [][2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	mod := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p[0], Method: zip.Deflate, Modified: mod})
		if err != nil {
			panic(err) // writing to memory does not fail
		}
		w.Write([]byte(p[1]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
