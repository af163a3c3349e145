// Package extract pulls the plain text out of attachments (PDF, DOCX, XLSX)
// so that they can be searched and checked for personal identifiers and
// sensitive words before publishing.
//
// Attachments come from outside, so every extractor works under hard limits
// (Limits): the input size, the characters returned, the pages, sheets and
// cells read, the bytes decompressed from ZIP parts and PDF streams, and a
// time limit on top of the caller's context. A hostile file gives an error or
// truncated text, never a hang, a panic or a huge allocation.
//
// The package also generates small PDF, DOCX and XLSX files (MakePDF,
// MakeDOCX, MakeXLSX) for the demo data and for tests, so that no binary
// fixtures are committed.
package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Content types Text understands. Any other type gives "" and no error.
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Errors. They are wrapped with details; test them with errors.Is.
var (
	// ErrTooLarge: the input is larger than Limits.MaxInputBytes.
	ErrTooLarge = errors.New("extract: file too large")
	// ErrTruncated: a limit was reached; the text returned with it is the
	// part read until then and is usable.
	ErrTruncated = errors.New("extract: text truncated at a limit")
	// ErrMalformed: the file is not a readable PDF, DOCX or XLSX.
	ErrMalformed = errors.New("extract: malformed file")
	// ErrEncrypted: the file is encrypted with a password we do not have.
	ErrEncrypted = errors.New("extract: encrypted file")
)

// Limits bounds the work done for one file. Zero fields take the value of
// DefaultLimits.
type Limits struct {
	MaxInputBytes   int64         // size of the file
	MaxRunes        int           // characters returned
	MaxPages        int           // PDF pages read
	MaxSheets       int           // XLSX worksheets read
	MaxCells        int           // XLSX cells (and shared strings) read
	MaxZipEntries   int           // entries in a DOCX/XLSX archive
	MaxPartBytes    int64         // bytes decompressed from one ZIP part
	MaxUnzipBytes   int64         // bytes decompressed from all ZIP parts
	MaxStreamBytes  int64         // bytes decoded from one PDF stream
	MaxDecodedBytes int64         // bytes decoded from all PDF streams
	MaxOperations   int           // PDF content-stream operators and glyphs
	Timeout         time.Duration // wall-clock time for one file
}

// DefaultLimits are the limits Text uses.
var DefaultLimits = Limits{
	MaxInputBytes:   64 << 20,
	MaxRunes:        2_000_000,
	MaxPages:        2_000,
	MaxSheets:       100,
	MaxCells:        1_000_000,
	MaxZipEntries:   10_000,
	MaxPartBytes:    128 << 20,
	MaxUnzipBytes:   512 << 20,
	MaxStreamBytes:  64 << 20,
	MaxDecodedBytes: 512 << 20,
	MaxOperations:   50_000_000,
	Timeout:         30 * time.Second,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxInputBytes <= 0 {
		l.MaxInputBytes = d.MaxInputBytes
	}
	if l.MaxRunes <= 0 {
		l.MaxRunes = d.MaxRunes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxSheets <= 0 {
		l.MaxSheets = d.MaxSheets
	}
	if l.MaxCells <= 0 {
		l.MaxCells = d.MaxCells
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = d.MaxZipEntries
	}
	if l.MaxPartBytes <= 0 {
		l.MaxPartBytes = d.MaxPartBytes
	}
	if l.MaxUnzipBytes <= 0 {
		l.MaxUnzipBytes = d.MaxUnzipBytes
	}
	if l.MaxStreamBytes <= 0 {
		l.MaxStreamBytes = d.MaxStreamBytes
	}
	if l.MaxDecodedBytes <= 0 {
		l.MaxDecodedBytes = d.MaxDecodedBytes
	}
	if l.MaxOperations <= 0 {
		l.MaxOperations = d.MaxOperations
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

// Text returns the text of a PDF, DOCX or XLSX file, within DefaultLimits.
// Other content types give "" and no error.
//
// The text is one paragraph (a PDF paragraph, a DOCX paragraph or table
// row, an XLSX row) per line; runs of white space inside a line are one
// space. When err is ErrTruncated the text read until the limit is returned
// and may be used; with any other error the text is "".
func Text(ctx context.Context, contentType string, r io.ReaderAt, size int64) (string, error) {
	return TextWithLimits(ctx, contentType, r, size, DefaultLimits)
}

// TextWithLimits is Text with other limits.
func TextWithLimits(ctx context.Context, contentType string, r io.ReaderAt, size int64, lim Limits) (text string, err error) {
	kind := kindOf(contentType)
	if kind == "" {
		return "", nil
	}
	lim = lim.withDefaults()
	if size < 0 {
		return "", fmt.Errorf("%w: negative size", ErrMalformed)
	}
	if size > lim.MaxInputBytes {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, size, lim.MaxInputBytes)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	out := newCollector(lim.MaxRunes)
	defer func() {
		if p := recover(); p != nil {
			text, err = "", fmt.Errorf("%w: %s: internal error: %v", ErrMalformed, kind, p)
		}
	}()
	switch kind {
	case "pdf":
		err = extractPDF(ctx, r, size, lim, out)
	case "docx":
		err = extractDOCX(ctx, r, size, lim, out)
	case "xlsx":
		err = extractXLSX(ctx, r, size, lim, out)
	}
	if err == nil && out.truncated {
		err = ErrTruncated
	}
	if errors.Is(err, errFull) {
		err = ErrTruncated
	}
	if err != nil && !errors.Is(err, ErrTruncated) {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("extract: %w (%v)", ctxErr, err)
		}
		return "", err
	}
	return out.String(), err
}

func kindOf(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch mt {
	case TypePDF, "application/x-pdf":
		return "pdf"
	case TypeDOCX:
		return "docx"
	case TypeXLSX:
		return "xlsx"
	}
	return ""
}

// errFull is returned by the extractors when the collector is full; Text
// turns it into ErrTruncated.
var errFull = errors.New("extract: output limit reached")

// collector gathers the paragraphs of a document, normalising white space
// and stopping at a number of characters.
type collector struct {
	b         strings.Builder
	runes     int
	max       int
	truncated bool
}

func newCollector(max int) *collector { return &collector{max: max} }

func (c *collector) String() string { return c.b.String() }

func (c *collector) full() bool { return c.runes >= c.max }

// para adds one paragraph. It returns errFull once the limit is reached.
func (c *collector) para(s string) error {
	if c.full() {
		c.truncated = true
		return errFull
	}
	s = normalizeLine(s)
	if s == "" {
		return nil
	}
	if c.b.Len() > 0 {
		c.b.WriteByte('\n')
		c.runes++
	}
	n := utf8.RuneCountInString(s)
	if c.runes+n > c.max {
		keep := c.max - c.runes
		i := 0
		for keep > 0 && i < len(s) {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
			keep--
		}
		c.b.WriteString(strings.TrimRight(s[:i], " "))
		c.runes = c.max
		c.truncated = true
		return errFull
	}
	c.b.WriteString(s)
	c.runes += n
	return nil
}

// normalizeLine collapses white space to single spaces, trims the ends and
// drops control characters and invalid UTF-8.
func normalizeLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xfeff || r == 0xad:
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isCJK reports whether r is a Chinese, Japanese or Korean character or
// full-width punctuation, between which no spaces are written.
func isCJK(r rune) bool {
	switch {
	case r >= 0x2e80 && r <= 0x9fff, // radicals, CJK symbols and punctuation, kana, unified ideographs
		r >= 0xac00 && r <= 0xd7af, // Hangul
		r >= 0xf900 && r <= 0xfaff, // compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xffef, // half-width and full-width forms
		r >= 0x20000 && r <= 0x3ffff:
		return true
	}
	return false
}
