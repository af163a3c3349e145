package extract

import (
	"bytes"
	"compress/zlib"
	"crypto/md5" // #nosec G501 -- the /ID of generated demo and test PDFs (PDF 32000-1 14.4 suggests MD5); no security use
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MakePDF geometry, in points: A4 pages, 2.5 cm margins.
const (
	pageW, pageH  = 595, 842
	margin        = 72
	bodySize      = 12.0
	bodyPitch     = 20.0 // baseline to baseline within a paragraph
	paraGap       = 10.0 // extra space between paragraphs
	titleSize     = 16.0
	titlePitch    = 24.0
	titleGap      = 16.0
	textWidth     = pageW - 2*margin
	firstIndentEm = 2 // Chinese paragraphs start two characters in
)

// MakePDF returns a small PDF 1.4 document with a centred title and the
// paragraphs, in the standard Chinese font STSong-Light, which is not
// embedded: every PDF reader supplies it (it is one of the standard CJK
// fonts, CIDFontType0 of the Adobe-GB1 collection, with the UniGB-UCS2-H
// encoding). Lines wrap by character count (a Chinese character is one em,
// an ASCII character half an em; Latin words and numbers are not split);
// long documents continue on more A4 pages. Characters outside the Basic
// Multilingual Plane and control characters are left out. Text returns the
// title and the paragraphs, one per line, white space normalised.
func MakePDF(title string, paragraphs []string) []byte {
	var pages []string // content streams
	var cur bytes.Buffer
	y := float64(pageH - margin)
	newPage := func() {
		if cur.Len() > 0 {
			pages = append(pages, cur.String())
		}
		cur.Reset()
		y = pageH - margin
	}
	line := func(x, size float64, s string) {
		fmt.Fprintf(&cur, "BT /F1 %s Tf 1 0 0 1 %s %s Tm <%s> Tj ET\n", num(size), num(x), num(y), ucs2Hex(s))
	}

	title = normalizeLine(pdfSafe(title))
	if title != "" {
		units := halfEms(titleSize)
		lines := wrapUnits(title, units, units)
		for _, l := range lines {
			if y-titlePitch < margin {
				newPage()
			}
			y -= titlePitch
			x := float64(margin)
			if len(lines) == 1 {
				x = margin + (textWidth-float64(halfUnits(l))*titleSize/2)/2
			}
			line(x, titleSize, l)
		}
		y -= titleGap
	}
	units := halfEms(bodySize)
	first := true
	for _, p := range paragraphs {
		p = normalizeLine(pdfSafe(p))
		if p == "" {
			continue
		}
		if !first {
			y -= paraGap
		}
		first = false
		for i, l := range wrapUnits(p, units-2*firstIndentEm, units) {
			if y-bodyPitch < margin {
				newPage()
			}
			y -= bodyPitch
			x := float64(margin)
			if i == 0 {
				x += firstIndentEm * bodySize
			}
			line(x, bodySize, l)
		}
	}
	if cur.Len() > 0 || len(pages) == 0 {
		pages = append(pages, cur.String())
	}
	return buildPDF(title, pages)
}

// halfEms is how many half-em units of a font size fit on a line.
func halfEms(size float64) int {
	w := float64(textWidth)
	return int(w / (size / 2))
}

// pdfSafe keeps the characters UniGB-UCS2-H can show.
func pdfSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError || r > 0xffff || (r >= 0xd800 && r <= 0xdfff):
			return -1
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || r == 0xfeff || r == 0xad:
			return -1
		}
		return r
	}, s)
}

func num(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-" {
		return "0"
	}
	return s
}

func ucs2Hex(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

func runeUnits(r rune) int {
	if r < 0x80 {
		return 1
	}
	return 2
}

func halfUnits(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// noLineStart are the closing marks that must not begin a line (避头).
const noLineStart = "，。、；：？！）》」』】〕”’…—·%,.;:?!)]}"

// wrapUnits breaks s into lines of at most width half-em units (firstWidth
// for the first line). A run of ASCII letters, digits and punctuation is
// kept whole unless it is longer than a line; a space at a break stays at
// the end of the line; a closing mark may hang past the end.
func wrapUnits(s string, firstWidth, width int) []string {
	var tokens []string
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r > ' ' && r < 0x7f {
			j := i
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			tokens = append(tokens, s[i:j])
			i = j
			continue
		}
		tokens = append(tokens, s[i:i+n])
		i += n
	}
	var lines []string
	var cur strings.Builder
	used := 0
	limit := firstWidth
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		used = 0
		limit = width
	}
	for _, t := range tokens {
		w := halfUnits(t)
		switch {
		case t == " ":
			// A space stays at the end of its line, even past the margin.
			if used > 0 {
				cur.WriteString(t)
				used += w
			} else if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], " ") {
				lines[n-1] += " "
			}
		case used+w <= limit:
			cur.WriteString(t)
			used += w
		case used > 0 && utf8.RuneCountInString(t) == 1 && strings.Contains(noLineStart, t):
			cur.WriteString(t)
			used += w
		case w > width:
			// Longer than a line: split it.
			for _, r := range t {
				rw := runeUnits(r)
				if used+rw > limit && used > 0 {
					flush()
				}
				cur.WriteRune(r)
				used += rw
			}
		default:
			if used > 0 {
				flush()
			}
			cur.WriteString(t)
			used += w
		}
	}
	if used > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// buildPDF writes the objects, the cross-reference table and the trailer.
func buildPDF(title string, pages []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	const firstPage = 7
	var kids []string
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", firstPage+2*i))
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	obj("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>")
	obj("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light" +
		" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >>" +
		" /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>")
	obj("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]" +
		" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
	info := "<< /Producer (gongkai)"
	if title != "" {
		info += " /Title <FEFF" + ucs2Hex(title) + ">"
	}
	obj(info + " >>")
	for i, content := range pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d]"+
			" /Resources << /Font << /F1 3 0 R >> /ProcSet [/PDF /Text] >> /Contents %d 0 R >>",
			pageW, pageH, firstPage+2*i+1))
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte(content))
		zw.Close()
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", len(offsets), z.Len())
		b.Write(z.Bytes())
		b.WriteString("\nendstream\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	id := md5.Sum(b.Bytes()) // #nosec G401 -- a file identifier, no security use
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R /ID [<%X> <%X>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(offsets)+1, id, id, xref)
	return b.Bytes()
}
