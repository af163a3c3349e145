package extract

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Fonts: how the bytes of a shown string split into character codes, what
// text each code stands for (ToUnicode, a simple encoding, or a predefined
// CJK CMap such as UniGB-UCS2-H or GBK-EUC-H) and how wide each glyph is.

type pdfFont struct {
	simple   bool
	enc      [256]rune // simple fonts: code → character (0: unknown)
	toUni    *cmapData // ToUnicode
	encCMap  *cmapData // an embedded encoding CMap (Type0)
	predef   *predefCMap
	identity bool // Identity-H/V: two-byte codes, CID = code
	vertical bool
	gb1      bool // CIDSystemInfo Adobe-GB1

	// widths, in text-space units (1/1000 of the font size for most fonts)
	first   int
	widths  []float64
	missing float64
	cidW    []cidWidth
	dw      float64
	scale   float64 // Type3: the FontMatrix

	cache map[uint64]string
}

type cidWidth struct {
	lo, hi uint32
	w      float64
}

// predefCMap is a predefined CMap named in /Encoding whose codes are in a
// known character set.
type predefCMap struct {
	split  func(b []byte) int
	decode func(code []byte) string
}

func codeValue(code []byte) uint32 {
	var v uint32
	for _, c := range code {
		v = v<<8 | uint32(c)
	}
	return v
}

func codeKey(code []byte) uint64 { return uint64(len(code))<<32 | uint64(codeValue(code)) }

// next is the length of the code at the start of b.
func (ft *pdfFont) next(b []byte) int {
	if ft.simple || len(b) == 1 {
		return 1
	}
	if ft.encCMap != nil && len(ft.encCMap.space) > 0 {
		return ft.encCMap.split(b)
	}
	if ft.predef != nil {
		n := ft.predef.split(b)
		if n < 1 {
			n = 1
		}
		if n > len(b) {
			n = len(b)
		}
		return n
	}
	return 2
}

// text returns the characters of one code.
func (ft *pdfFont) text(code []byte) string {
	key := codeKey(code)
	if s, ok := ft.cache[key]; ok {
		return s
	}
	s := ft.lookup(code)
	if len(ft.cache) < 65536 {
		ft.cache[key] = s
	}
	return s
}

func (ft *pdfFont) lookup(code []byte) string {
	n, v := len(code), codeValue(code)
	if ft.toUni != nil {
		if s, ok := ft.toUni.unicode(n, v); ok {
			return s
		}
		if ft.simple {
			if s, ok := ft.toUni.unicode(2, v); ok {
				return s
			}
		}
	}
	if ft.simple {
		if r := ft.enc[code[0]]; r != 0 {
			return string(r)
		}
		return ""
	}
	if ft.predef != nil && ft.predef.decode != nil {
		return ft.predef.decode(code)
	}
	return ""
}

// width returns the advance of a code in text-space units per unit of font
// size, and whether it comes from the font (rather than being estimated).
func (ft *pdfFont) width(code []byte, text string) (float64, bool) {
	if ft.simple {
		c := int(code[0])
		if i := c - ft.first; i >= 0 && i < len(ft.widths) && ft.widths[i] > 0 {
			return ft.widths[i] * ft.scale, true
		}
		if ft.missing > 0 {
			return ft.missing * ft.scale, true
		}
		return estimateWidth(text), false
	}
	cid, ok := ft.cid(code)
	if !ok {
		return estimateWidth(text), false
	}
	i := sort.Search(len(ft.cidW), func(i int) bool { return ft.cidW[i].hi >= cid })
	if i < len(ft.cidW) && ft.cidW[i].lo <= cid {
		return ft.cidW[i].w / 1000, true
	}
	return ft.dw / 1000, true
}

func (ft *pdfFont) cid(code []byte) (uint32, bool) {
	v := codeValue(code)
	switch {
	case ft.identity:
		return v, true
	case ft.encCMap != nil:
		if c, ok := ft.encCMap.cid(len(code), v); ok {
			return c, true
		}
	case ft.predef != nil && ft.gb1 && len(code) == 2 && v >= 0x20 && v <= 0x7e:
		// UniGB-UCS2-H and UniGB-UTF16-H put ASCII at CIDs 1–95.
		return v - 0x1f, true
	}
	return 0, false
}

func estimateWidth(text string) float64 {
	if r, _ := utf8.DecodeRuneInString(text); text == "" || r < 0x2e80 {
		return 0.5
	}
	return 1
}

// loadFont reads a font dictionary. ref is its object number (0 for a
// direct dictionary) for the cache.
func (f *pdfFile) loadFont(o pdfObj) *pdfFont {
	ref, isRef := o.(pdfRef)
	if isRef {
		if ft, ok := f.fonts[ref.num]; ok {
			return ft
		}
	}
	d := f.dict(o)
	if d == nil {
		return nil
	}
	ft := f.buildFont(d)
	if isRef {
		f.fonts[ref.num] = ft
	}
	return ft
}

func (f *pdfFile) buildFont(d pdfDict) *pdfFont {
	ft := &pdfFont{cache: map[uint64]string{}, scale: 0.001, dw: 1000}
	subtype := f.name(d["Subtype"])
	if s, ok := f.resolve(d["ToUnicode"]).(*pdfStream); ok {
		ft.toUni = parseCMap(f, f.decode(s))
	}
	if subtype != "Type0" {
		ft.simple = true
		ft.enc = f.simpleEncoding(d, subtype)
		if fc, ok := f.int(d["FirstChar"]); ok && fc >= 0 && fc < 256 {
			ft.first = int(fc)
		}
		for i, w := range f.array(d["Widths"]) {
			if i >= 256 {
				break
			}
			x, _ := f.num(w)
			ft.widths = append(ft.widths, x)
		}
		if fd := f.dict(d["FontDescriptor"]); fd != nil {
			ft.missing, _ = f.num(fd["MissingWidth"])
		}
		if subtype == "Type3" {
			ft.scale = 0.001
			if m := f.array(d["FontMatrix"]); len(m) == 6 {
				if a, ok := f.num(m[0]); ok && a > 0 && a < 10 {
					ft.scale = a
				}
			}
		}
		return ft
	}
	switch e := f.resolve(d["Encoding"]).(type) {
	case pdfName:
		ft.setPredef(string(e))
	case *pdfStream:
		ft.encCMap = parseCMap(f, f.decode(e))
		use := f.name(e.dict["UseCMap"])
		if use == "" && ft.encCMap != nil {
			use = ft.encCMap.useCMap
		}
		if use != "" {
			ft.setPredef(use)
			ft.identity = false
		}
		if ft.encCMap != nil && ft.encCMap.vertical {
			ft.vertical = true
		}
	default:
		ft.identity = true
	}
	if desc := f.array(d["DescendantFonts"]); len(desc) > 0 {
		cd := f.dict(desc[0])
		if info := f.dict(cd["CIDSystemInfo"]); info != nil {
			ord, _ := f.resolve(info["Ordering"]).(pdfString)
			ft.gb1 = string(ord) == "GB1"
		}
		if dw, ok := f.num(cd["DW"]); ok && dw > 0 {
			ft.dw = dw
		}
		ft.cidW = f.cidWidths(f.array(cd["W"]))
	}
	return ft
}

func (ft *pdfFont) setPredef(name string) {
	ft.vertical = strings.HasSuffix(name, "-V")
	if name == "Identity-H" || name == "Identity-V" {
		ft.identity = true
		return
	}
	ft.predef = predefined(name)
	if ft.predef == nil {
		ft.identity = true // an unknown CMap: two-byte codes are the best guess
	}
}

func (f *pdfFile) cidWidths(w pdfArray) []cidWidth {
	var out []cidWidth
	for i := 0; i < len(w) && len(out) < 100_000; {
		c0, ok := f.int(w[i])
		if !ok || i+1 >= len(w) {
			break
		}
		if arr, ok := f.resolve(w[i+1]).(pdfArray); ok {
			for j, x := range arr {
				v, _ := f.num(x)
				if c := c0 + int64(j); c >= 0 && c <= math.MaxUint32 {
					out = append(out, cidWidth{uint32(c), uint32(c), v}) // #nosec G115 -- 0 <= c <= MaxUint32, checked above
				}
			}
			i += 2
			continue
		}
		if i+2 >= len(w) {
			break
		}
		c1, _ := f.int(w[i+1])
		v, _ := f.num(w[i+2])
		if c1 >= c0 && c0 >= 0 && c1 <= math.MaxUint32 {
			out = append(out, cidWidth{uint32(c0), uint32(c1), v}) // #nosec G115 -- 0 <= c0 <= c1 <= MaxUint32, checked above
		}
		i += 3
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].lo < out[b].lo })
	return out
}

func (f *pdfFile) simpleEncoding(d pdfDict, subtype string) [256]rune {
	base := encStandard
	if subtype == "TrueType" {
		base = encWinAnsi
	}
	byName := func(n string) ([256]rune, bool) {
		switch n {
		case "WinAnsiEncoding":
			return encWinAnsi, true
		case "MacRomanEncoding", "MacExpertEncoding":
			return encMacRoman, true
		case "StandardEncoding":
			return encStandard, true
		}
		return [256]rune{}, false
	}
	switch e := f.resolve(d["Encoding"]).(type) {
	case pdfName:
		if t, ok := byName(string(e)); ok {
			base = t
		}
	case pdfDict:
		if t, ok := byName(f.name(e["BaseEncoding"])); ok {
			base = t
		}
		code := -1
		for _, x := range f.array(e["Differences"]) {
			switch v := f.resolve(x).(type) {
			case int64:
				code = int(v)
			case float64:
				code = int(v)
			case pdfName:
				if code >= 0 && code < 256 {
					if s := glyphText(string(v)); s != "" {
						r := []rune(s)
						base[code] = r[0]
					} else {
						base[code] = 0
					}
				}
				code++
			}
		}
	}
	return base
}

func predefined(name string) *predefCMap {
	two := func(b []byte) int { return 2 }
	lead := func(lo, hi byte) func(b []byte) int {
		return func(b []byte) int {
			if b[0] >= lo && b[0] <= hi {
				return 2
			}
			return 1
		}
	}
	withDecoder := func(dec *encoding.Decoder, split func([]byte) int) *predefCMap {
		return &predefCMap{split: split, decode: func(code []byte) string {
			out, err := dec.Bytes(code)
			if err != nil {
				return ""
			}
			return strings.TrimRight(string(out), "\ufffd")
		}}
	}
	switch {
	case strings.HasPrefix(name, "Uni") && strings.Contains(name, "UCS2"):
		return &predefCMap{split: two, decode: utf16Text}
	case strings.HasPrefix(name, "Uni") && strings.Contains(name, "UTF16"):
		return &predefCMap{split: func(b []byte) int {
			if len(b) >= 4 && b[0] >= 0xd8 && b[0] <= 0xdb {
				return 4
			}
			return 2
		}, decode: utf16Text}
	case strings.HasPrefix(name, "Uni") && strings.Contains(name, "UTF32"):
		return &predefCMap{split: func([]byte) int { return 4 }, decode: func(code []byte) string {
			v := codeValue(code)
			if v > unicode.MaxRune || (v >= 0xd800 && v <= 0xdfff) {
				return ""
			}
			return string(rune(v)) // #nosec G115 -- v <= unicode.MaxRune, checked above
		}}
	case strings.HasPrefix(name, "Uni") && strings.Contains(name, "UTF8"):
		return &predefCMap{split: func(b []byte) int {
			switch c := b[0]; {
			case c < 0xc0:
				return 1
			case c < 0xe0:
				return 2
			case c < 0xf0:
				return 3
			}
			return 4
		}, decode: func(code []byte) string { return strings.ToValidUTF8(string(code), "") }}
	case name == "GB-H" || name == "GB-V" || name == "GBT-H" || name == "GBT-V":
		// GB 2312 in 7-bit form: the EUC bytes without their high bit.
		dec := simplifiedchinese.GBK.NewDecoder()
		return &predefCMap{split: two, decode: func(code []byte) string {
			e := []byte{code[0] | 0x80, code[len(code)-1] | 0x80}
			out, err := dec.Bytes(e)
			if err != nil {
				return ""
			}
			return string(out)
		}}
	case strings.HasPrefix(name, "GB"):
		return withDecoder(simplifiedchinese.GB18030.NewDecoder(), func(b []byte) int {
			if b[0] < 0x81 || b[0] == 0xff {
				return 1
			}
			if len(b) >= 4 && b[1] >= 0x30 && b[1] <= 0x39 {
				return 4
			}
			return 2
		})
	case strings.Contains(name, "B5"):
		return withDecoder(traditionalchinese.Big5.NewDecoder(), lead(0x81, 0xfe))
	case strings.Contains(name, "RKSJ"):
		return withDecoder(japanese.ShiftJIS.NewDecoder(), func(b []byte) int {
			if (b[0] >= 0x81 && b[0] <= 0x9f) || (b[0] >= 0xe0 && b[0] <= 0xfc) {
				return 2
			}
			return 1
		})
	case name == "EUC-H" || name == "EUC-V":
		return withDecoder(japanese.EUCJP.NewDecoder(), lead(0x8e, 0xfe))
	case strings.HasPrefix(name, "KSC"):
		return withDecoder(korean.EUCKR.NewDecoder(), lead(0x81, 0xfe))
	}
	return nil
}

// utf16Text decodes UTF-16BE (one-byte strings are taken as a code unit).
func utf16Text(b []byte) string {
	if len(b) == 1 {
		return string(rune(b[0]))
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	rs := utf16.Decode(u)
	out := rs[:0]
	for _, r := range rs {
		if r != 0xfffd && r != 0 {
			out = append(out, r)
		}
	}
	return string(out)
}

// cmapData is a parsed CMap: ToUnicode mappings, or the code space and CIDs
// of an encoding CMap.
type cmapData struct {
	space    []codeRange
	uniChar  map[uint64]string
	uniRange []uniRange
	cidChar  map[uint64]uint32
	cidRange []cidRange
	useCMap  string
	vertical bool
}

type codeRange struct {
	lo, hi []byte
}

type uniRange struct {
	n      int
	lo, hi uint32
	dst    []rune   // the first destination; the last rune counts up
	dstArr []string // or one destination per code
}

type cidRange struct {
	n      int
	lo, hi uint32
	cid    uint32
}

const (
	maxCMapChars  = 200_000
	maxCMapRanges = 100_000
)

// split returns the length of the code at the start of b by the code space
// ranges.
func (m *cmapData) split(b []byte) int {
	for n := 1; n <= 4 && n <= len(b); n++ {
		for _, r := range m.space {
			if len(r.lo) != n {
				continue
			}
			ok := true
			for i := 0; i < n; i++ {
				if b[i] < r.lo[i] || b[i] > r.hi[i] {
					ok = false
					break
				}
			}
			if ok {
				return n
			}
		}
	}
	// No range matches: take the length of the shortest range.
	n := 4
	for _, r := range m.space {
		if len(r.lo) < n {
			n = len(r.lo)
		}
	}
	if n > len(b) {
		n = len(b)
	}
	if n < 1 {
		n = 1
	}
	return n
}

func (m *cmapData) unicode(n int, v uint32) (string, bool) {
	if s, ok := m.uniChar[uint64(n)<<32|uint64(v)]; ok { // #nosec G115 -- n is a code length, 1 to 4 bytes
		return s, true
	}
	rs := m.uniRange
	i := sort.Search(len(rs), func(i int) bool {
		return rs[i].n > n || (rs[i].n == n && rs[i].lo > v)
	})
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		r := rs[j]
		if r.n != n {
			break
		}
		if v < r.lo || v > r.hi {
			continue
		}
		off := v - r.lo
		if r.dstArr != nil {
			if int(off) < len(r.dstArr) {
				return r.dstArr[off], true
			}
			return "", false
		}
		if len(r.dst) == 0 {
			return "", true
		}
		if off > unicode.MaxRune {
			return "", false
		}
		out := append([]rune(nil), r.dst...)
		out[len(out)-1] += rune(off) // #nosec G115 -- off <= unicode.MaxRune, checked above
		return string(out), true
	}
	return "", false
}

func (m *cmapData) cid(n int, v uint32) (uint32, bool) {
	if c, ok := m.cidChar[uint64(n)<<32|uint64(v)]; ok { // #nosec G115 -- n is a code length, 1 to 4 bytes
		return c, true
	}
	for _, r := range m.cidRange { // encoding CMaps are small
		if r.n == n && v >= r.lo && v <= r.hi {
			return r.cid + v - r.lo, true
		}
	}
	return 0, false
}

// parseCMap reads the parts of a CMap that matter here. It returns nil for
// empty data.
func parseCMap(f *pdfFile, data []byte) *cmapData {
	if len(data) == 0 {
		return nil
	}
	m := &cmapData{uniChar: map[uint64]string{}, cidChar: map[uint64]uint32{}}
	l := lexer{b: data}
	var stack []pdfObj
	codeOf := func(o pdfObj) ([]byte, bool) {
		s, ok := o.(pdfString)
		if !ok || len(s) == 0 || len(s) > 4 {
			return nil, false
		}
		return []byte(s), true
	}
	for {
		if !f.tick(1) {
			break
		}
		o, err := l.readObj(0, false)
		if err != nil {
			break
		}
		kw, ok := o.(pdfKeyword)
		if !ok {
			if len(stack) < 30_000 {
				stack = append(stack, o)
			}
			continue
		}
		switch kw {
		case "endcodespacerange":
			for i := 0; i+1 < len(stack); i += 2 {
				lo, ok1 := codeOf(stack[i])
				hi, ok2 := codeOf(stack[i+1])
				if ok1 && ok2 && len(lo) == len(hi) && len(m.space) < 1000 {
					m.space = append(m.space, codeRange{lo, hi})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(stack) && len(m.uniChar) < maxCMapChars; i += 2 {
				src, ok := codeOf(stack[i])
				if !ok {
					continue
				}
				var dst string
				switch v := stack[i+1].(type) {
				case pdfString:
					dst = utf16Text([]byte(v))
				case pdfName:
					dst = glyphText(string(v))
				default:
					continue
				}
				m.uniChar[codeKey(src)] = dst
			}
		case "endbfrange":
			for i := 0; i+2 < len(stack) && len(m.uniRange) < maxCMapRanges; i += 3 {
				lo, ok1 := codeOf(stack[i])
				hi, ok2 := codeOf(stack[i+1])
				if !ok1 || !ok2 {
					continue
				}
				r := uniRange{n: len(lo), lo: codeValue(lo), hi: codeValue(hi)}
				if r.hi < r.lo {
					continue
				}
				switch v := stack[i+2].(type) {
				case pdfString:
					r.dst = []rune(utf16Text([]byte(v)))
				case pdfArray:
					for _, x := range v {
						s, _ := x.(pdfString)
						r.dstArr = append(r.dstArr, utf16Text([]byte(s)))
					}
					if r.dstArr == nil {
						r.dstArr = []string{}
					}
				default:
					continue
				}
				m.uniRange = append(m.uniRange, r)
			}
		case "endcidchar":
			for i := 0; i+1 < len(stack) && len(m.cidChar) < maxCMapChars; i += 2 {
				src, ok := codeOf(stack[i])
				c, ok2 := stack[i+1].(int64)
				if ok && ok2 && c >= 0 && c <= math.MaxUint32 {
					m.cidChar[codeKey(src)] = uint32(c) // #nosec G115 -- 0 <= c <= MaxUint32, checked above
				}
			}
		case "endcidrange":
			for i := 0; i+2 < len(stack) && len(m.cidRange) < maxCMapRanges; i += 3 {
				lo, ok1 := codeOf(stack[i])
				hi, ok2 := codeOf(stack[i+1])
				c, ok3 := stack[i+2].(int64)
				if ok1 && ok2 && ok3 && c >= 0 && c <= math.MaxUint32 && codeValue(hi) >= codeValue(lo) {
					m.cidRange = append(m.cidRange, cidRange{len(lo), codeValue(lo), codeValue(hi), uint32(c)}) // #nosec G115 -- 0 <= c <= MaxUint32, checked above
				}
			}
		case "usecmap":
			if len(stack) > 0 {
				if n, ok := stack[len(stack)-1].(pdfName); ok {
					m.useCMap = string(n)
				}
			}
		case "def":
			if len(stack) >= 2 {
				if k, ok := stack[len(stack)-2].(pdfName); ok && k == "WMode" {
					if v, ok := stack[len(stack)-1].(int64); ok && v == 1 {
						m.vertical = true
					}
				}
			}
		}
		stack = stack[:0]
	}
	sort.SliceStable(m.uniRange, func(a, b int) bool {
		ra, rb := m.uniRange[a], m.uniRange[b]
		if ra.n != rb.n {
			return ra.n < rb.n
		}
		return ra.lo < rb.lo
	})
	return m
}
