package extract

import (
	"archive/zip"
	"context"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// DOCX and XLSX: ZIP archives of XML parts, read with archive/zip and
// encoding/xml (which expands no external entities and no DTDs). Every
// part is read through a counter that stops at the decompression limits.

type zipBox struct {
	ctx       context.Context
	lim       Limits
	files     map[string]*zip.File // by lower-case name (OOXML part names ignore case)
	used      int64                // bytes decompressed so far
	truncated bool
}

func openZip(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*zipBox, error) {
	if err := zipPrecheck(r, size, lim.MaxZipEntries); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(zr.File) > lim.MaxZipEntries {
		return nil, fmt.Errorf("%w: %d entries in the archive, at most %d", ErrTooLarge, len(zr.File), lim.MaxZipEntries)
	}
	z := &zipBox{ctx: ctx, lim: lim, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		if _, dup := z.files[name]; !dup {
			z.files[name] = f
		}
	}
	return z, nil
}

// zipPrecheck counts the central directory entries before archive/zip
// reads them all into memory, so that a file packed with millions of tiny
// entries is refused cheaply.
func zipPrecheck(r io.ReaderAt, size int64, maxEntries int) error {
	const eocdLen = 22
	if size < eocdLen {
		return fmt.Errorf("%w: not a ZIP archive", ErrMalformed)
	}
	tailLen := int64(65535 + eocdLen)
	if tailLen > size {
		tailLen = size
	}
	tail := make([]byte, tailLen)
	if _, err := r.ReadAt(tail, size-tailLen); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("extract: reading the archive: %w", err)
	}
	eocd := -1
	for i := len(tail) - eocdLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(tail[i:]) == 0x06054b50 {
			eocd = i
			break
		}
	}
	if eocd < 0 {
		return fmt.Errorf("%w: not a ZIP archive", ErrMalformed)
	}
	count := uint64(binary.LittleEndian.Uint16(tail[eocd+10:]))
	cdOff := uint64(binary.LittleEndian.Uint32(tail[eocd+16:]))
	if count == 0xffff || cdOff == 0xffffffff {
		// ZIP64: the locator sits just before the end record.
		if eocd >= 20 && binary.LittleEndian.Uint32(tail[eocd-20:]) == 0x07064b50 {
			off := binary.LittleEndian.Uint64(tail[eocd-20+8:])
			rec := make([]byte, 56)
			if size >= 56 && off <= uint64(size-56) {
				// #nosec G115 -- off <= size-56, so it fits an int64
				if _, err := r.ReadAt(rec, int64(off)); err == nil && binary.LittleEndian.Uint32(rec) == 0x06064b50 {
					count = binary.LittleEndian.Uint64(rec[32:])
					cdOff = binary.LittleEndian.Uint64(rec[48:])
				}
			}
		}
	}
	if maxEntries < 0 || count > uint64(maxEntries) {
		return fmt.Errorf("%w: %d entries in the archive, at most %d", ErrTooLarge, count, maxEntries)
	}
	// Count the headers actually there (archive/zip reads until they end).
	if cdOff >= uint64(size) {
		return nil // archive/zip decides
	}
	var hdr [46]byte
	off := int64(cdOff) // #nosec G115 -- cdOff < size, checked above
	for n := 0; ; n++ {
		if n > maxEntries {
			return fmt.Errorf("%w: more than %d entries in the archive", ErrTooLarge, maxEntries)
		}
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return nil
		}
		if binary.LittleEndian.Uint32(hdr[:]) != 0x02014b50 {
			return nil
		}
		off += 46 + int64(binary.LittleEndian.Uint16(hdr[28:])) + int64(binary.LittleEndian.Uint16(hdr[30:])) + int64(binary.LittleEndian.Uint16(hdr[32:]))
	}
}

func (z *zipBox) has(name string) bool {
	_, ok := z.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	return ok
}

// open returns a reader of a part that stops at the decompression limits
// (setting truncated) and when the context is done.
func (z *zipBox) open(name string) (io.ReadCloser, error) {
	f, ok := z.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	if !ok {
		return nil, fmt.Errorf("%w: missing part %s", ErrMalformed, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: part %s: %v", ErrMalformed, name, err)
	}
	max := z.lim.MaxPartBytes
	if left := z.lim.MaxUnzipBytes - z.used; left < max {
		max = left
	}
	return &limitedPart{z: z, rc: rc, left: max}, nil
}

type limitedPart struct {
	z    *zipBox
	rc   io.ReadCloser
	left int64
}

func (p *limitedPart) Read(b []byte) (int, error) {
	if err := p.z.ctx.Err(); err != nil {
		return 0, err
	}
	if p.left <= 0 {
		p.z.truncated = true
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, err := p.rc.Read(b)
	p.left -= int64(n)
	p.z.used += int64(n)
	return n, err
}

func (p *limitedPart) Close() error { return p.rc.Close() }

// rel is one relationship of a part.
type rel struct {
	id, typ, target string
}

// rels reads the relationships of part ("" for the package), with targets
// resolved to part names.
func (z *zipBox) rels(part string) []rel {
	dir, base := path.Split(part)
	name := dir + "_rels/" + base + ".rels"
	if !z.has(name) {
		return nil
	}
	rc, err := z.open(name)
	if err != nil {
		return nil
	}
	defer rc.Close()
	var out []rel
	d := xml.NewDecoder(rc)
	for len(out) < 10_000 {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		var r rel
		external := false
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Id":
				r.id = a.Value
			case "Type":
				r.typ = a.Value
			case "Target":
				r.target = a.Value
			case "TargetMode":
				external = strings.EqualFold(a.Value, "External")
			}
		}
		if external || r.target == "" {
			continue
		}
		if strings.HasPrefix(r.target, "/") {
			r.target = strings.TrimPrefix(r.target, "/")
		} else {
			r.target = path.Join(dir, r.target)
		}
		out = append(out, r)
	}
	return out
}

func relOfType(rels []rel, suffix string) []rel {
	var out []rel
	for _, r := range rels {
		if strings.HasSuffix(r.typ, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// mainPart finds the main document part of the package.
func (z *zipBox) mainPart(fallback string) string {
	for _, r := range relOfType(z.rels(""), "/officeDocument") {
		if z.has(r.target) {
			return r.target
		}
	}
	return fallback
}

// xmlWalk streams the tokens of a part to fn, checking the context.
func (z *zipBox) xmlWalk(name string, fn func(tok xml.Token) error) error {
	rc, err := z.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	d.Strict = false
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := z.ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if cerr := z.ctx.Err(); cerr != nil {
				return cerr
			}
			if z.truncated {
				return nil // cut at the limit: keep what was read
			}
			return fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

func extractDOCX(ctx context.Context, r io.ReaderAt, size int64, lim Limits, out *collector) error {
	z, err := openZip(ctx, r, size, lim)
	if err != nil {
		return err
	}
	main := z.mainPart("word/document.xml")
	if !z.has(main) {
		return fmt.Errorf("%w: no word/document.xml", ErrMalformed)
	}
	parts := []string{main}
	rels := z.rels(main)
	for _, t := range []string{"/footnotes", "/endnotes", "/header", "/footer", "/comments"} {
		for _, r := range relOfType(rels, t) {
			if z.has(r.target) {
				parts = append(parts, r.target)
			}
		}
	}
	for _, p := range parts {
		if err := docxPart(z, p, out); err != nil {
			return err
		}
	}
	if z.truncated {
		out.truncated = true
	}
	return nil
}

// docxPart writes the paragraphs of a WordprocessingML part: a paragraph
// per w:p, a line per table row (the cells' paragraphs joined by spaces).
// Deleted text (w:delText), field codes and the fallback copies of
// alternate content are left out.
func docxPart(z *zipBox, name string, out *collector) error {
	var para, row strings.Builder
	inText := 0
	skip := 0
	tables := 0
	endPara := func() error {
		s := para.String()
		para.Reset()
		if tables > 0 {
			if row.Len() > 4*z.lim.MaxRunes {
				return nil
			}
			if row.Len() > 0 && s != "" {
				row.WriteByte(' ')
			}
			row.WriteString(s)
			return nil
		}
		return out.para(s)
	}
	return z.xmlWalk(name, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "instrText", "delText", "delInstrText", "Fallback":
				skip++
			case "t":
				inText++
			case "p":
				if para.Len() > 0 { // a paragraph inside a text box inside a paragraph
					if err := endPara(); err != nil {
						return err
					}
				}
			case "tab", "br", "cr":
				if skip == 0 {
					para.WriteByte(' ')
				}
			case "noBreakHyphen":
				if skip == 0 {
					para.WriteByte('-')
				}
			case "tbl":
				tables++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "instrText", "delText", "delInstrText", "Fallback":
				if skip > 0 {
					skip--
				}
			case "t":
				if inText > 0 {
					inText--
				}
			case "p":
				return endPara()
			case "tc":
				if tables > 0 && row.Len() > 0 {
					row.WriteByte(' ')
				}
			case "tr":
				if tables == 1 {
					s := row.String()
					row.Reset()
					return out.para(s)
				}
			case "tbl":
				if tables > 0 {
					tables--
				}
				if tables == 0 && row.Len() > 0 {
					s := row.String()
					row.Reset()
					return out.para(s)
				}
			}
		case xml.CharData:
			if inText > 0 && skip == 0 {
				if para.Len() > 4*z.lim.MaxRunes {
					return nil
				}
				para.Write(t)
			}
		}
		return nil
	})
}

func extractXLSX(ctx context.Context, r io.ReaderAt, size int64, lim Limits, out *collector) error {
	z, err := openZip(ctx, r, size, lim)
	if err != nil {
		return err
	}
	wb := z.mainPart("xl/workbook.xml")
	if !z.has(wb) {
		return fmt.Errorf("%w: no xl/workbook.xml", ErrMalformed)
	}
	rels := z.rels(wb)
	byID := map[string]string{}
	for _, r := range rels {
		byID[r.id] = r.target
	}
	cells := 0
	var shared []string
	for _, r := range relOfType(rels, "/sharedStrings") {
		if z.has(r.target) {
			shared, err = xlsxShared(z, r.target, &cells, out)
			if err != nil {
				return err
			}
			break
		}
	}
	var sheets []string
	err = z.xmlWalk(wb, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "sheet" {
			return nil
		}
		for _, a := range se.Attr {
			if a.Name.Local == "id" && a.Name.Space != "" { // r:id
				if t, ok := byID[a.Value]; ok && z.has(t) {
					sheets = append(sheets, t)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(sheets) == 0 {
		for _, r := range relOfType(rels, "/worksheet") {
			if z.has(r.target) {
				sheets = append(sheets, r.target)
			}
		}
	}
	for i, s := range sheets {
		if i >= lim.MaxSheets {
			out.truncated = true
			break
		}
		if err := xlsxSheet(z, s, shared, &cells, out); err != nil {
			return err
		}
		if cells > lim.MaxCells {
			out.truncated = true
			break
		}
	}
	if z.truncated {
		out.truncated = true
	}
	return nil
}

// xlsxShared reads the shared strings (without phonetic runs), within the
// cell and character limits.
func xlsxShared(z *zipBox, name string, cells *int, out *collector) ([]string, error) {
	var list []string
	var cur strings.Builder
	inSI, inT, inPh := false, false, 0
	total := 0
	err := z.xmlWalk(name, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				inPh++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				*cells++
				if *cells > z.lim.MaxCells {
					out.truncated = true
					return errFull
				}
				list = append(list, cur.String())
			case "t":
				inT = false
			case "rPh":
				if inPh > 0 {
					inPh--
				}
			}
		case xml.CharData:
			if inSI && inT && inPh == 0 && total < 4*z.lim.MaxRunes {
				cur.Write(t)
				total += len(t)
			}
		}
		return nil
	})
	if errors.Is(err, errFull) {
		err = nil
	}
	// Shared strings count against the cell limit only while reading them.
	*cells = 0
	return list, err
}

// xlsxSheet writes a line per row: the cell values joined by spaces.
func xlsxSheet(z *zipBox, name string, shared []string, cells *int, out *collector) error {
	var row []string
	var val, inline strings.Builder
	typ := ""
	inV, inIS, inT := false, false, false
	flush := func() error {
		s := strings.Join(row, " ")
		row = row[:0]
		return out.para(s)
	}
	return z.xmlWalk(name, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				typ = ""
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						typ = a.Value
					}
				}
				val.Reset()
				inline.Reset()
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "c":
				*cells++
				if *cells > z.lim.MaxCells {
					out.truncated = true
					if err := flush(); err != nil {
						return err
					}
					return errFull
				}
				if s := cellText(typ, strings.TrimSpace(val.String()), inline.String(), shared); s != "" {
					row = append(row, s)
				}
			case "row":
				return flush()
			}
		case xml.CharData:
			switch {
			case inIS && inT:
				if inline.Len() < 4*z.lim.MaxRunes {
					inline.Write(t)
				}
			case inV:
				if val.Len() < 1<<16 {
					val.Write(t)
				}
			}
		}
		return nil
	})
}

func cellText(typ, v, inline string, shared []string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(shared) {
			return ""
		}
		return shared[i]
	case "inlineStr":
		return inline
	case "b":
		switch v {
		case "1":
			return "TRUE"
		case "0":
			return "FALSE"
		}
		return ""
	case "e":
		return "" // #N/A and other errors
	}
	return v
}
