package pdf_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/gongkai/gongkai/internal/extract"
	"github.com/gongkai/gongkai/internal/pdf"
)

// TestRender prints a Chinese letter and reads the text back out of the PDF.
func TestRender(t *testing.T) {
	r := &pdf.Renderer{Chromium: os.Getenv("GONGKAI_CHROMIUM")}
	if !r.Available() {
		if os.Getenv("GONGKAI_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatal("Chromium is required (GONGKAI_TEST_REQUIRE_BROWSER=1) but not found")
		}
		t.Skip("no Chromium: skipping PDF rendering")
	}
	page := []byte(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>答复书</title>
<style>body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}</style>
<h1>政府信息公开申请答复书</h1><p>申请编号 2026-000001：部分公开。</p></html>`)
	b, err := r.Render(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	text, err := extract.Text(context.Background(), "application/pdf", bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(text), []byte("答复书")) {
		t.Errorf("the PDF's text lacks the title: %q", text)
	}
}

func TestUnavailable(t *testing.T) {
	r := &pdf.Renderer{Chromium: "/nonexistent/chromium"}
	if r.Available() {
		t.Fatal("a missing browser is available")
	}
	if _, err := r.Render(context.Background(), []byte("<p>x")); err != pdf.ErrUnavailable {
		t.Fatalf("err = %v", err)
	}
}
