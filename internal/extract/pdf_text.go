package extract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// Text from PDF pages: the content streams are interpreted far enough to
// know where each glyph lands; glyphs on one baseline make a line (with a
// space where there is a gap), and lines make paragraphs by line spacing,
// indentation and short last lines. Wrapped lines are joined (without a
// space between Chinese characters) so that a word or number broken across
// lines can still be found.

func extractPDF(ctx context.Context, r io.ReaderAt, size int64, lim Limits, out *collector) error {
	f, err := openPDF(ctx, r, size, lim)
	if err != nil {
		return err
	}
	asm := &assembler{out: out}
	it := &interp{f: f, forms: map[int][]byte{}}
	pages := 0
	var stop error
	f.walkPages(func(page pdfDict, info pageInfo) bool {
		pages++
		if pages > lim.MaxPages {
			f.truncated = true
			return false
		}
		var content []byte
		switch c := f.resolve(page["Contents"]).(type) {
		case *pdfStream:
			content = f.decode(c)
		case pdfArray:
			var buf bytes.Buffer
			for _, x := range c {
				if s, ok := f.resolve(x).(*pdfStream); ok {
					buf.Write(f.decode(s))
					buf.WriteByte('\n')
				}
			}
			content = buf.Bytes()
		}
		it.page = &pageLayout{max: lim.MaxRunes - out.runes + 1}
		it.reset()
		it.run(content, info.res, 0)
		if err := asm.page(it.page.lines, info.box); err != nil {
			stop = err
			return false
		}
		if it.page.full {
			f.truncated = true
			return false
		}
		return f.err == nil
	})
	if err := asm.flush(); err != nil && stop == nil {
		stop = err
	}
	switch {
	case f.err == errOpsLimit:
		out.truncated = true
	case f.err != nil:
		return f.err
	}
	if f.truncated {
		out.truncated = true
	}
	if stop != nil && !errors.Is(stop, errFull) {
		return stop
	}
	return nil
}

// pageInfo is what a page inherits from the page tree.
type pageInfo struct {
	res pdfDict
	box [4]float64 // MediaBox (or CropBox): x0, y0, x1, y1
}

// walkPages visits the pages in order with their inherited resources and
// page box.
func (f *pdfFile) walkPages(visit func(page pdfDict, info pageInfo) bool) {
	type item struct {
		o     pdfObj
		res   pdfObj
		box   pdfObj
		depth int
	}
	stack := []item{{o: f.root()["Pages"]}}
	seen := map[int]bool{}
	for len(stack) > 0 {
		if !f.tick(1) {
			return
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if ref, ok := top.o.(pdfRef); ok {
			if seen[ref.num] {
				continue
			}
			seen[ref.num] = true
		}
		d := f.dict(top.o)
		if d == nil {
			continue
		}
		res, box := top.res, top.box
		if r, ok := d["Resources"]; ok && f.dict(r) != nil {
			res = r
		}
		if b, ok := d["MediaBox"]; ok {
			box = b
		}
		typ := f.name(d["Type"])
		kids, hasKids := f.resolve(d["Kids"]).(pdfArray)
		if typ == "Pages" || (hasKids && typ != "Page") {
			if top.depth > 64 {
				continue
			}
			for i := len(kids) - 1; i >= 0; i-- {
				stack = append(stack, item{kids[i], res, box, top.depth + 1})
			}
			continue
		}
		info := pageInfo{res: f.dict(res), box: [4]float64{0, 0, 612, 792}}
		if c, ok := d["CropBox"]; ok {
			box = c
		}
		if a := f.array(box); len(a) == 4 {
			var v [4]float64
			ok := true
			for i := range a {
				x, isNum := f.num(a[i])
				v[i], ok = x, ok && isNum
			}
			if ok && finite(v[:]...) {
				info.box = [4]float64{math.Min(v[0], v[2]), math.Min(v[1], v[3]), math.Max(v[0], v[2]), math.Max(v[1], v[3])}
			}
		}
		if !visit(d, info) {
			return
		}
	}
}

type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (m applied first).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m *matrix) translate(tx, ty float64) {
	m[4] += tx*m[0] + ty*m[2]
	m[5] += tx*m[1] + ty*m[3]
}

type gstate struct {
	ctm                                          matrix
	font                                         *pdfFont
	fontSize, charSpace, wordSpace, hscale, lead float64
}

type interp struct {
	f       *pdfFile
	page    *pageLayout
	gs      gstate
	stack   []gstate
	tm, tlm matrix
	forms   map[int][]byte // decoded form XObjects
	formN   int            // forms drawn on this page
	active  map[int]bool   // forms being drawn (no recursion)
	// marked content with /ActualText
	mcDepth     int
	actualDepth int // depth at which the current ActualText started, 0 for none
	actualText  string
}

func (it *interp) reset() {
	it.gs = gstate{ctm: identity, hscale: 1}
	it.stack = it.stack[:0]
	it.tm, it.tlm = identity, identity
	it.formN = 0
	it.active = map[int]bool{}
	it.mcDepth, it.actualDepth, it.actualText = 0, 0, ""
}

func numArgs(args []pdfObj, n int) ([]float64, bool) {
	if len(args) < n {
		return nil, false
	}
	out := make([]float64, n)
	for i, a := range args[len(args)-n:] {
		switch v := a.(type) {
		case int64:
			out[i] = float64(v)
		case float64:
			out[i] = v
		default:
			return nil, false
		}
	}
	return out, true
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e9 {
			return false
		}
	}
	return true
}

func (it *interp) run(content []byte, res pdfDict, depth int) {
	f := it.f
	l := lexer{b: content}
	var args []pdfObj
	for {
		if !f.tick(1) || it.page.full {
			return
		}
		o, err := l.readObj(0, false)
		if err != nil {
			return
		}
		kw, ok := o.(pdfKeyword)
		if !ok {
			if len(args) < 64 {
				args = append(args, o)
			}
			continue
		}
		it.op(string(kw), args, res, depth, &l)
		args = args[:0]
	}
}

func (it *interp) op(op string, args []pdfObj, res pdfDict, depth int, l *lexer) {
	f := it.f
	gs := &it.gs
	switch op {
	case "q":
		if len(it.stack) < 256 {
			it.stack = append(it.stack, *gs)
		}
	case "Q":
		if n := len(it.stack); n > 0 {
			*gs = it.stack[n-1]
			it.stack = it.stack[:n-1]
		}
	case "cm":
		if v, ok := numArgs(args, 6); ok && finite(v...) {
			gs.ctm = matrix{v[0], v[1], v[2], v[3], v[4], v[5]}.mul(gs.ctm)
		}
	case "BT":
		it.tm, it.tlm = identity, identity
	case "Tc":
		if v, ok := numArgs(args, 1); ok && finite(v...) {
			gs.charSpace = v[0]
		}
	case "Tw":
		if v, ok := numArgs(args, 1); ok && finite(v...) {
			gs.wordSpace = v[0]
		}
	case "Tz":
		if v, ok := numArgs(args, 1); ok && finite(v...) {
			gs.hscale = v[0] / 100
		}
	case "TL":
		if v, ok := numArgs(args, 1); ok && finite(v...) {
			gs.lead = v[0]
		}
	case "Tf":
		if len(args) >= 2 {
			if name, ok := args[len(args)-2].(pdfName); ok {
				fonts := f.dict(res["Font"])
				gs.font = nil
				if fo, ok := fonts[string(name)]; ok {
					gs.font = f.loadFont(fo)
				}
			}
			if v, ok := numArgs(args, 1); ok && finite(v...) {
				gs.fontSize = v[0]
			}
		}
	case "Td":
		if v, ok := numArgs(args, 2); ok && finite(v...) {
			it.tlm.translate(v[0], v[1])
			it.tm = it.tlm
		}
	case "TD":
		if v, ok := numArgs(args, 2); ok && finite(v...) {
			gs.lead = -v[1]
			it.tlm.translate(v[0], v[1])
			it.tm = it.tlm
		}
	case "Tm":
		if v, ok := numArgs(args, 6); ok && finite(v...) {
			it.tlm = matrix{v[0], v[1], v[2], v[3], v[4], v[5]}
			it.tm = it.tlm
		}
	case "T*":
		it.tlm.translate(0, -gs.lead)
		it.tm = it.tlm
	case "Tj":
		if len(args) > 0 {
			if s, ok := args[len(args)-1].(pdfString); ok {
				it.show(s)
			}
		}
	case "'":
		it.tlm.translate(0, -gs.lead)
		it.tm = it.tlm
		if len(args) > 0 {
			if s, ok := args[len(args)-1].(pdfString); ok {
				it.show(s)
			}
		}
	case "\"":
		if v, ok := numArgs(args[:max(0, len(args)-1)], 2); ok && finite(v...) {
			gs.wordSpace, gs.charSpace = v[0], v[1]
		}
		it.tlm.translate(0, -gs.lead)
		it.tm = it.tlm
		if len(args) > 0 {
			if s, ok := args[len(args)-1].(pdfString); ok {
				it.show(s)
			}
		}
	case "TJ":
		if len(args) == 0 {
			return
		}
		arr, _ := args[len(args)-1].(pdfArray)
		for _, x := range arr {
			switch v := x.(type) {
			case pdfString:
				it.show(v)
			case int64, float64:
				n, _ := numArgs([]pdfObj{v}, 1)
				if finite(n[0]) {
					it.tm.translate(-n[0]/1000*gs.fontSize*gs.hscale, 0)
				}
			}
		}
	case "Do":
		if len(args) == 0 || depth >= 8 {
			return
		}
		if it.formN >= 5000 {
			f.truncated = true
			return
		}
		name, _ := args[len(args)-1].(pdfName)
		xo := f.dict(res["XObject"])
		ref, isRef := xo[string(name)].(pdfRef)
		s, ok := f.resolve(xo[string(name)]).(*pdfStream)
		if !ok || f.name(s.dict["Subtype"]) != "Form" {
			return
		}
		key := -1
		if isRef {
			key = ref.num
			if it.active[key] {
				return
			}
		}
		data, cached := it.forms[key]
		if !cached {
			data = f.decode(s)
			if key >= 0 {
				it.forms[key] = data
			}
		}
		it.formN++
		saved, savedTm, savedTlm := *gs, it.tm, it.tlm
		if m := f.array(s.dict["Matrix"]); len(m) == 6 {
			var v [6]float64
			okm := true
			for i := range m {
				x, ok := f.num(m[i])
				v[i], okm = x, okm && ok
			}
			if okm && finite(v[:]...) {
				gs.ctm = matrix(v).mul(gs.ctm)
			}
		}
		formRes := f.dict(s.dict["Resources"])
		if formRes == nil {
			formRes = res
		}
		if key >= 0 {
			it.active[key] = true
		}
		it.run(data, formRes, depth+1)
		if key >= 0 {
			delete(it.active, key)
		}
		*gs, it.tm, it.tlm = saved, savedTm, savedTlm
	case "BI":
		it.skipInlineImage(l)
	case "BMC":
		it.mcDepth++
	case "BDC":
		it.mcDepth++
		if it.actualDepth == 0 && len(args) > 0 {
			props := f.dict(args[len(args)-1])
			if props == nil {
				if n, ok := args[len(args)-1].(pdfName); ok {
					props = f.dict(f.dict(res["Properties"])[string(n)])
				}
			}
			if s, ok := f.resolve(props["ActualText"]).(pdfString); ok {
				it.actualDepth = it.mcDepth
				it.actualText = textString(s)
			}
		}
	case "EMC":
		if it.actualDepth > 0 && it.mcDepth == it.actualDepth {
			if it.actualText != "" {
				it.emitText(it.actualText, 0, true) // no glyph was drawn: keep the text anyway
			}
			it.actualDepth, it.actualText = 0, ""
		}
		if it.mcDepth > 0 {
			it.mcDepth--
		}
	}
}

// skipInlineImage moves past "... ID <data> EI".
func (it *interp) skipInlineImage(l *lexer) {
	for {
		o, err := l.readObj(0, false)
		if err != nil {
			return
		}
		if o == pdfKeyword("ID") {
			break
		}
	}
	b := l.b
	p := l.pos + 1
	for p < len(b) {
		i := bytes.Index(b[p:], []byte("EI"))
		if i < 0 {
			l.pos = len(b)
			return
		}
		p += i
		if (p == 0 || isWS(b[p-1])) && (p+2 >= len(b) || isWS(b[p+2]) || isDelim(b[p+2])) {
			l.pos = p + 2
			return
		}
		p += 2
	}
	l.pos = len(b)
}

// textString decodes a PDF text string (UTF-16BE with a BOM, UTF-8 with a
// BOM, or PDFDocEncoding, read as Latin-1).
func textString(s pdfString) string {
	b := []byte(s)
	switch {
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		return utf16Text(b[2:])
	case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
		return strings.ToValidUTF8(string(b[3:]), "")
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// show draws a string with the current font.
func (it *interp) show(s pdfString) {
	gs := &it.gs
	ft := gs.font
	if ft == nil {
		return
	}
	b := []byte(s)
	for i := 0; i < len(b); {
		if !it.f.tick(1) || it.page.full {
			return
		}
		n := ft.next(b[i:])
		code := b[i : i+n]
		i += n
		txt := ft.text(code)
		w, known := ft.width(code, txt)
		if it.actualDepth > 0 {
			if it.actualText != "" {
				txt, it.actualText = it.actualText, ""
			} else {
				txt = ""
			}
		}
		m := it.tm.mul(gs.ctm)
		it.glyph(m, txt, w, known, ft.vertical)
		if ft.vertical {
			it.tm.translate(0, -(gs.fontSize + gs.charSpace))
			continue
		}
		tx := w*gs.fontSize + gs.charSpace
		if n == 1 && code[0] == ' ' {
			tx += gs.wordSpace
		}
		it.tm.translate(tx*gs.hscale, 0)
	}
}

func (it *interp) glyph(m matrix, txt string, w float64, known, vertical bool) {
	fs := math.Abs(it.gs.fontSize)
	hx, hy := m[0], m[1]
	vx, vy := m[2], m[3]
	hlen := math.Hypot(hx, hy)
	vlen := math.Hypot(vx, vy)
	if hlen == 0 || vlen == 0 || !finite(m[:]...) {
		return
	}
	g := glyph{x: m[4], y: m[5], size: fs * vlen, text: txt, known: known}
	if vertical {
		g.dx, g.dy = -vx/vlen, -vy/vlen
		g.size = fs * hlen
		g.width = fs * vlen
	} else {
		g.dx, g.dy = hx/hlen, hy/hlen
		g.width = w * fs * math.Abs(it.gs.hscale) * hlen
	}
	if g.size < 0.01 {
		g.size = 0.01
	}
	it.page.add(g)
}

// emitText adds text that has no glyph of its own, at the current point.
func (it *interp) emitText(txt string, w float64, known bool) {
	it.glyph(it.tm.mul(it.gs.ctm), txt, w, known, false)
}

type glyph struct {
	x, y, dx, dy, size, width float64
	text                      string
	known                     bool
}

type textLine struct {
	dx, dy      float64
	v           float64
	u0, u1      float64
	size        float64
	b           strings.Builder
	first, last rune
	fwEnd       float64 // where the first word ends
	fwDone      bool
}

type pageLayout struct {
	lines []*textLine
	cur   *textLine
	runes int
	max   int
	full  bool
}

func sameDir(ax, ay, bx, by float64) bool { return ax*bx+ay*by > 0.99 }

func (p *pageLayout) add(g glyph) {
	u := g.x*g.dx + g.y*g.dy
	v := g.y*g.dx - g.x*g.dy
	c := p.cur
	blank := strings.TrimSpace(g.text) == ""
	same := c != nil && sameDir(c.dx, c.dy, g.dx, g.dy) &&
		math.Abs(v-c.v) <= 0.5*math.Max(g.size, c.size) &&
		u >= c.u1-1.5*math.Max(g.size, c.size)
	if !same {
		if blank {
			return // no line starts with white space or an unmapped glyph
		}
		c = &textLine{dx: g.dx, dy: g.dy, v: v, u0: u, u1: u, size: g.size}
		p.lines = append(p.lines, c)
		p.cur = c
	} else if !blank {
		size := math.Min(g.size, c.size)
		gap := u - c.u1
		first, _ := utf8.DecodeRuneInString(g.text)
		threshold := 0.3 * size
		if !g.known {
			threshold = 0.6 * size
		}
		if isCJK(c.last) && isCJK(first) {
			threshold = 1.5 * size
		}
		if gap > threshold && c.last != ' ' && c.last != 0 {
			c.b.WriteByte(' ')
			c.last = ' '
			c.fwDone = true
			p.runes++
		}
	}
	if !c.fwDone && !blank {
		// The first word: a run of ASCII letters, digits and punctuation,
		// or a single wider character.
		r, _ := utf8.DecodeRuneInString(g.text)
		if r >= 0x80 && c.first != 0 {
			c.fwDone = true
		} else {
			c.fwEnd = u + g.width
			c.fwDone = r >= 0x80
		}
	} else if blank && g.text != "" {
		c.fwDone = true
	}
	if g.text != "" {
		if blank {
			if c.last != ' ' {
				c.b.WriteByte(' ')
				c.last = ' '
				p.runes++
			}
		} else {
			c.b.WriteString(g.text)
			if c.first == 0 {
				c.first, _ = utf8.DecodeRuneInString(g.text)
			}
			c.last, _ = utf8.DecodeLastRuneInString(g.text)
			p.runes += utf8.RuneCountInString(g.text)
		}
	}
	if end := u + g.width; end > c.u1 {
		c.u1 = end
	}
	if c.size < g.size && !blank {
		c.size = g.size
	}
	if p.runes > p.max {
		p.full = true
	}
}

// assembler joins the lines of successive pages into paragraphs.
type assembler struct {
	out           *collector
	para          strings.Builder
	prev          *textLine
	pLeft, pRight float64 // text margins of the page of prev
}

func (a *assembler) flush() error {
	if a.para.Len() == 0 {
		return nil
	}
	s := a.para.String()
	a.para.Reset()
	return a.out.para(s)
}

// page adds the lines of one page. box is the page's MediaBox or CropBox.
func (a *assembler) page(lines []*textLine, box [4]float64) error {
	if len(lines) == 0 {
		return nil
	}
	// The main text direction is that of the longest line; margins are
	// measured on lines in that direction.
	main := lines[0]
	for _, l := range lines {
		if l.b.Len() > main.b.Len() {
			main = l
		}
	}
	left := math.Inf(1)
	var ends []float64
	for _, l := range lines {
		if sameDir(l.dx, l.dy, main.dx, main.dy) {
			left = math.Min(left, l.u0)
			ends = append(ends, l.u1)
		}
	}
	// The right margin: where most long lines end (a line or two may
	// stick out with hanging punctuation), and with few or short lines,
	// where it mirrors the left margin, as on nearly every page.
	sort.Float64s(ends)
	right := ends[int(0.9*float64(len(ends)-1))]
	if sameDir(main.dx, main.dy, 1, 0) && left > box[0] && left < (box[0]+box[2])/2 {
		right = math.Max(right, box[0]+box[2]-left)
	}
	var pitches []float64
	for i := 1; i < len(lines); i++ {
		p, l := lines[i-1], lines[i]
		size := math.Max(p.size, l.size)
		pitch := p.v - l.v
		if sameDir(p.dx, p.dy, l.dx, l.dy) && math.Abs(p.size-l.size) <= 0.2*size && pitch > 0.3*size && pitch < 5*size {
			pitches = append(pitches, pitch)
		}
	}
	median := 0.0
	if len(pitches) > 0 {
		sort.Float64s(pitches)
		median = pitches[len(pitches)/2]
	}
	for i, l := range lines {
		var brk bool
		switch {
		case a.prev == nil:
			brk = true
		case i == 0:
			brk = breakBetween(a.prev, l, true, 0, left, a.pRight)
		default:
			brk = breakBetween(lines[i-1], l, false, median, left, right)
		}
		if brk {
			if err := a.flush(); err != nil {
				return err
			}
		} else if sep := joinSep(a.prev.last, l.first); sep != "" {
			a.para.WriteString(sep)
		}
		a.para.WriteString(l.b.String())
		a.prev = l
	}
	a.pLeft, a.pRight = left, right
	return nil
}

// breakBetween decides whether line l starts a new paragraph after line p.
// left is the left margin of l's page, pRight the right margin of p's.
func breakBetween(p, l *textLine, crossPage bool, median, left, pRight float64) bool {
	size := math.Max(p.size, l.size)
	if !sameDir(p.dx, p.dy, l.dx, l.dy) {
		return true
	}
	if math.Abs(p.size-l.size) > 0.2*size {
		return true // a heading, or the end of one
	}
	if !crossPage {
		pitch := p.v - l.v
		switch {
		case pitch <= 0.3*size:
			return true // back up the page, or along the same baseline: a new block
		case median > 0 && pitch > median*1.3+0.05*size:
			return true // more space than between the lines of a paragraph
		case median == 0 && pitch > 2.2*size:
			return true
		}
	}
	if l.u0-left > 1.0*l.size {
		return true // an indented first line
	}
	// A line that ends where the first word of the next one would still
	// have fitted was ended on purpose. Chinese lines may end a character
	// or two early (no closing mark may begin a line), so they get slack.
	need := firstWordWidth(l)
	if l.first >= 0x80 {
		need += 1.5 * l.size
	}
	return p.u1+need < pRight-0.15*p.size
}

// firstWordWidth is the width of the first word of a line (a run of
// ASCII letters, digits and punctuation with the space before it, or one
// Chinese character).
func firstWordWidth(l *textLine) float64 {
	w := l.fwEnd - l.u0
	if w <= 0 {
		w = 0.5 * l.size
	}
	if l.first < 0x80 {
		w += 0.25 * l.size
	}
	return w
}

// joinSep is what goes between two wrapped lines of one paragraph: nothing
// next to Chinese characters or after a space, a space between Latin words
// and between numbers (typesetters do not break a number across lines,
// and two numbers must not become one).
func joinSep(prev, next rune) string {
	if prev == ' ' || next == ' ' || prev == 0 || next == 0 {
		return ""
	}
	alnum := func(r rune) bool { return (r >= '0' && r <= '9') || (r|0x20 >= 'a' && r|0x20 <= 'z') }
	if prev > ' ' && prev < 0x7f && prev != '-' && prev != '/' && alnum(next) {
		return " "
	}
	return ""
}
