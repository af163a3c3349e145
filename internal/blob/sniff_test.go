package blob

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
)

func TestSniffAccepts(t *testing.T) {
	docx, xlsx, ofd := docxFile(t), xlsxFile(t), ofdFile(t)
	both := makeZip(t, "[Content_Types].xml", contentTypesXML, "word/document.xml", "<d/>", "xl/workbook.xml", "<w/>")
	tests := []struct {
		name string
		file string
		data []byte
		want Kind
	}{
		{"pdf", "通知.pdf", pdfFile(), PDF},
		{"pdf upper-case extension", "通知.PDF", pdfFile(), PDF},
		{"pdf without extension", "通知", pdfFile(), PDF},
		{"pdf named .docx: the bytes decide", "通知.docx", pdfFile(), PDF},
		{"ofd", "公文.ofd", ofd, OFD},
		{"docx", "报告.docx", docx, DOCX},
		{"docx without extension", "报告", docx, DOCX},
		{"xlsx", "统计表.xlsx", xlsx, XLSX},
		{"xlsx named .xls", "统计表.xls", xlsx, XLSX},
		{"doc", "旧报告.doc", ole2File(), DOC},
		{"xls", "旧表格.XLS", ole2File(), XLS},
		{"jpeg", "照片.jpg", jpegFile(t), JPEG},
		{"jpeg .jpeg", "照片.jpeg", jpegFile(t), JPEG},
		{"png", "图.png", pngFile(t), PNG},
		{"mp4", "视频.mp4", mp4File(), MP4},
		{"mp4 by compatible brand", "视频.mp4", ftypBox("XAVC", "XAVC", "mp42", "iso2"), MP4},
		{"zip that is both docx and xlsx, named .xlsx", "x.xlsx", both, XLSX},
		{"zip that is both docx and xlsx, named .docx", "x.docx", both, DOCX},
		// A JPEG with a ZIP appended is a JPEG: it is stored and served as
		// image/jpeg, never as the document the ZIP part pretends to be.
		{"jpeg+zip polyglot", "x.docx", append(jpegFile(t), docx...), JPEG},
		// A PDF that also contains HTML is still a PDF (served as
		// application/pdf with nosniff and as an attachment).
		{"pdf with html inside", "x.pdf", append(pdfFile(), "<html><script>alert(1)</script>"...), PDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff(tt.data, tt.file)
			if err != nil || got != tt.want {
				t.Fatalf("Sniff = %q, %v; want %q", got, err, tt.want)
			}
			got, err = SniffReaderAt(bytes.NewReader(tt.data), int64(len(tt.data)), tt.file)
			if err != nil || got != tt.want {
				t.Fatalf("SniffReaderAt = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// zipBomb is a DOCX-shaped ZIP with one entry that inflates 2000-fold.
func zipBomb(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct{ name, body string }{{"[Content_Types].xml", contentTypesXML}, {"word/document.xml", "<d/>"}} {
		w, _ := zw.Create(e.name)
		w.Write([]byte(e.body))
	}
	w, _ := zw.Create("word/media/zeros.bin")
	zeros := make([]byte, 1<<20)
	for range 40 {
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniffRejects(t *testing.T) {
	docx := docxFile(t)
	tests := []struct {
		name string
		file string
		data []byte
		msg  string // part of the expected message
	}{
		{"empty", "a.pdf", nil, "文件为空"},
		{"html named .pdf", "a.pdf", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "无法识别"},
		{"html with BOM", "a.pdf", []byte("\xef\xbb\xbf<html><script>alert(1)</script></html>"), "无法识别"},
		{"svg with script named .png", "a.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "无法识别"},
		{"svg named .svg", "a.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "扩展名为 .svg"},
		{"exe named .exe", "setup.exe", exeFile(), "扩展名为 .exe"},
		{"exe named .pdf", "a.pdf", exeFile(), "无法识别"},
		{"pdf named .exe", "a.exe", pdfFile(), "扩展名为 .exe"},
		{"pdf named .html", "a.html", pdfFile(), "扩展名为 .html"},
		{"rtl override hides .exe", "\u202efdp.exe", pdfFile(), "扩展名为 .exe"},
		{"shell script", "run.pdf", []byte("#!/bin/sh\nrm -rf /\n"), "无法识别"},
		{"plain text", "a.pdf", []byte("政务公开"), "无法识别"},
		{"%PDF- not at the start (MZ/PDF polyglot)", "a.pdf", append(exeFile(), pdfFile()...), "无法识别"},
		{"plain zip named .zip", "a.zip", makeZip(t, "a.txt", "hello"), "扩展名为 .zip"},
		{"plain zip named .docx", "a.docx", makeZip(t, "a.txt", "hello"), "压缩包"},
		{"jar named .docx", "a.docx", makeZip(t, "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", "a/B.class", "\xca\xfe\xba\xbe"), "压缩包"},
		{"word/ without content types", "a.docx", makeZip(t, "word/document.xml", "<d/>"), "压缩包"},
		{"pptx", "a.docx", makeZip(t, "[Content_Types].xml", contentTypesXML, "ppt/presentation.xml", "<p/>"), "压缩包"},
		{"truncated docx", "a.docx", docx[:len(docx)/2], "损坏"},
		{"zip bomb", "a.docx", zipBomb(t), "解压后过大"},
		{"ole2 named .pdf", "a.pdf", ole2File(), ".doc 或 .xls"},
		{"ole2 without extension", "a", ole2File(), ".doc 或 .xls"},
		{"ole2 named .msi", "a.msi", ole2File(), "扩展名为 .msi"},
		{"quicktime named .mp4", "a.mp4", ftypBox("qt  ", "qt  "), "无法识别"},
		{"heic listing iso8", "a.mp4", ftypBox("heic", "mif1", "heic", "iso8"), "无法识别"},
		{"ftyp box too short", "a.mp4", []byte("\x00\x00\x00\x08ftypisom"), "无法识别"},
		{"gif", "a.png", []byte("GIF89a\x01\x00\x01\x00"), "无法识别"},
		{"jpeg named .svg", "a.svg", jpegFile(t), "扩展名为 .svg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Sniff(tt.data, tt.file)
			if err == nil {
				t.Fatalf("Sniff accepted it as %q", k)
			}
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			msg := apperr.MessageOf(err)
			if !strings.Contains(msg, tt.msg) {
				t.Fatalf("message %q does not contain %q", msg, tt.msg)
			}
			if tt.msg == "无法识别" && !strings.Contains(msg, AllowedTypes) {
				t.Fatalf("message %q does not list the allowed types", msg)
			}
		})
	}
}

func TestKindMetadata(t *testing.T) {
	for k, info := range kinds {
		if k.Ext() != info.ext || k.ContentType() == "" || !k.hasExt(k.Ext()) {
			t.Errorf("%s: ext %q type %q", k, k.Ext(), k.ContentType())
		}
		if !strings.Contains(AcceptAttr, k.Ext()) {
			t.Errorf("AcceptAttr lacks %s", k.Ext())
		}
	}
	if JPEG.Ext() != ".jpg" || DOCX.ContentType() != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Fatal("unexpected metadata")
	}
}

func FuzzSniff(f *testing.F) {
	f.Add(pdfFile(), "a.pdf")
	f.Add(docxFile(f), "a.docx")
	f.Add(xlsxFile(f), "a.xlsx")
	f.Add(ofdFile(f), "a.ofd")
	f.Add(pngFile(f), "a.png")
	f.Add(jpegFile(f), "a.jpg")
	f.Add(mp4File(), "a.mp4")
	f.Add(ole2File(), "a.doc")
	f.Add(exeFile(), "a.exe")
	f.Add([]byte("<html>"), "\u202efdp.exe")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		k, err := Sniff(data, name)
		if err != nil {
			if k != "" || apperr.MessageOf(err) == "" {
				t.Fatalf("error %v with kind %q", err, k)
			}
			return
		}
		if _, ok := kinds[k]; !ok {
			t.Fatalf("unknown kind %q", k)
		}
		if len(data) == 0 {
			t.Fatal("accepted an empty file")
		}
		n := NameFor(name, k)
		if !strings.HasSuffix(strings.ToLower(n), k.Ext()) && !(k == JPEG && strings.HasSuffix(n, ".jpeg")) {
			t.Fatalf("NameFor(%q, %s) = %q", name, k, n)
		}
		k2, err := SniffReaderAt(bytes.NewReader(data), int64(len(data)), name)
		if err != nil || k2 != k {
			t.Fatalf("SniffReaderAt = %q, %v; Sniff = %q", k2, err, k)
		}
	})
}
