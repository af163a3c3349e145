package blob

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Minimal real files of every accepted kind, and hostile ones, built here so
// that the tests need no binary fixtures.

func makeZip(t testing.TB, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(entries[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const contentTypesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`

func docxFile(t testing.TB) []byte {
	return makeZip(t,
		"[Content_Types].xml", contentTypesXML,
		"_rels/.rels", `<Relationships/>`,
		"word/document.xml", `<w:document><w:body><w:p><w:r><w:t>政务公开</w:t></w:r></w:p></w:body></w:document>`)
}

func xlsxFile(t testing.TB) []byte {
	return makeZip(t,
		"[Content_Types].xml", contentTypesXML,
		"_rels/.rels", `<Relationships/>`,
		"xl/workbook.xml", `<workbook/>`,
		"xl/worksheets/sheet1.xml", `<worksheet/>`)
}

func ofdFile(t testing.TB) []byte {
	return makeZip(t,
		"OFD.xml", `<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`,
		"Doc_0/Document.xml", `<ofd:Document/>`)
}

func pngFile(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{200, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegFile(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pdfFile() []byte {
	return []byte("%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
}

// ftypBox builds an ISO-BMFF file start: an ftyp box with the brands, then an
// empty mdat box.
func ftypBox(major string, compatible ...string) []byte {
	size := 16 + 4*len(compatible)
	b := make([]byte, 0, size+8)
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	b = append(b, "ftyp"...)
	b = append(b, major...)
	b = binary.BigEndian.AppendUint32(b, 0x200)
	for _, c := range compatible {
		b = append(b, c...)
	}
	b = binary.BigEndian.AppendUint32(b, 8)
	b = append(b, "mdat"...)
	return b
}

func mp4File() []byte { return ftypBox("isom", "isom", "iso2", "avc1", "mp41") }

// ole2File is the start of a compound file (Word/Excel 97–2003).
func ole2File() []byte {
	b := make([]byte, 1024)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	return b
}

func exeFile() []byte {
	b := make([]byte, 256)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	copy(b[128:], "PE\x00\x00")
	return b
}
