package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// The PDF reader: cross-reference tables and streams (with a rebuild by
// scanning when they are damaged), object streams, stream filters and the
// standard security handler. The whole file is in memory (it is at most
// Limits.MaxInputBytes); objects are parsed on demand and cached.

type xrefEntry struct {
	kind byte  // 0 free, 1 at an offset, 2 in an object stream
	off  int64 // the offset, or the number of the object stream
}

type objStm struct {
	data  []byte
	first int
	offs  map[int]int // object number → offset after first
}

type pdfFile struct {
	ctx       context.Context
	lim       Limits
	data      []byte
	xref      map[int]xrefEntry
	trailer   pdfDict
	cache     map[int]pdfObj
	loading   map[int]bool
	stms      map[int]*objStm
	crypt     *pdfCrypt
	decoded   int64 // bytes decoded from streams so far
	ops       int   // work done, for the operations limit and context checks
	truncated bool  // a limit cut something short
	rebuilt   bool
	fonts     map[int]*pdfFont
	err       error // a fatal error (context done, operations limit)
}

const maxObjNum = 10_000_000

var errOpsLimit = errors.New("too many operations")

func openPDF(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*pdfFile, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(r, 0, size), data); err != nil {
		return nil, fmt.Errorf("extract: reading the PDF: %w", err)
	}
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: not a PDF", ErrMalformed)
	}
	f := &pdfFile{
		ctx:     ctx,
		lim:     lim,
		data:    data,
		cache:   map[int]pdfObj{},
		loading: map[int]bool{},
		stms:    map[int]*objStm{},
		fonts:   map[int]*pdfFont{},
	}
	if err := f.readXref(); err != nil || f.root() == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f.rebuild()
	}
	if f.err != nil {
		return nil, f.err
	}
	if f.root() == nil {
		return nil, fmt.Errorf("%w: no document catalogue", ErrMalformed)
	}
	if enc := f.trailer["Encrypt"]; enc != nil {
		encNum := -1
		if ref, ok := enc.(pdfRef); ok {
			encNum = ref.num
		}
		d, _ := f.resolve(enc).(pdfDict)
		c, err := newCrypt(d, f.trailer, encNum)
		if err != nil {
			return nil, err
		}
		f.crypt = c
		// Objects read before the security handler was known (the
		// catalogue, while checking for it) hold encrypted strings.
		f.cache = map[int]pdfObj{}
		f.stms = map[int]*objStm{}
		if f.rebuilt {
			var nums []int
			for n, e := range f.xref {
				if e.kind == 1 {
					nums = append(nums, n)
				}
			}
			sort.Ints(nums)
			f.scanObjStms(nums)
		}
	}
	return f, nil
}

// tick counts work and checks the context now and then. It returns false
// once processing must stop.
func (f *pdfFile) tick(n int) bool {
	if f.err != nil {
		return false
	}
	before := f.ops
	f.ops += n
	if f.ops > f.lim.MaxOperations {
		f.err = errOpsLimit
		return false
	}
	if f.ops>>12 != before>>12 {
		if err := f.ctx.Err(); err != nil {
			f.err = err
			return false
		}
	}
	return true
}

func (f *pdfFile) root() pdfDict {
	d, _ := f.resolve(f.trailer["Root"]).(pdfDict)
	return d
}

// resolve follows references.
func (f *pdfFile) resolve(o pdfObj) pdfObj {
	for i := 0; i < 32; i++ {
		ref, ok := o.(pdfRef)
		if !ok {
			return o
		}
		o = f.load(ref.num)
	}
	return nil
}

func (f *pdfFile) dict(o pdfObj) pdfDict {
	switch v := f.resolve(o).(type) {
	case pdfDict:
		return v
	case *pdfStream:
		return v.dict
	}
	return nil
}

func (f *pdfFile) array(o pdfObj) pdfArray {
	a, _ := f.resolve(o).(pdfArray)
	return a
}

func (f *pdfFile) name(o pdfObj) string {
	n, _ := f.resolve(o).(pdfName)
	return string(n)
}

func (f *pdfFile) num(o pdfObj) (float64, bool) {
	switch v := f.resolve(o).(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func (f *pdfFile) int(o pdfObj) (int64, bool) {
	switch v := f.resolve(o).(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	}
	return 0, false
}

// load returns object num, nil when it is missing or broken.
func (f *pdfFile) load(num int) pdfObj {
	if o, ok := f.cache[num]; ok {
		return o
	}
	if f.loading[num] || !f.tick(1) {
		return nil
	}
	f.loading[num] = true
	defer delete(f.loading, num)
	o, ok := f.loadUncached(num)
	if !ok && !f.rebuilt {
		f.rebuild()
		o, _ = f.loadUncached(num)
	}
	f.cache[num] = o
	return o
}

func (f *pdfFile) loadUncached(num int) (pdfObj, bool) {
	e, ok := f.xref[num]
	if !ok {
		return nil, false
	}
	switch e.kind {
	case 1:
		o, gen, err := f.parseAt(e.off, num)
		if err != nil {
			return nil, false
		}
		if f.crypt != nil && num != f.crypt.encNum {
			if s, ok := o.(*pdfStream); ok {
				if s.dict["Type"] != pdfName("XRef") {
					s.dict, _ = f.crypt.decryptObj(s.dict, num, gen).(pdfDict)
				}
			} else {
				o = f.crypt.decryptObj(o, num, gen)
			}
		}
		return o, true
	case 2:
		s := f.objStream(int(e.off))
		if s == nil {
			return nil, false
		}
		off, ok := s.offs[num]
		if !ok || s.first+off >= len(s.data) {
			return nil, false
		}
		l := lexer{b: s.data, pos: s.first + off}
		o, err := l.readObj(0, true)
		if err != nil && o == nil {
			return nil, false
		}
		if _, isKw := o.(pdfKeyword); isKw {
			return nil, false
		}
		return o, true
	}
	return nil, true // free
}

// parseAt parses "num gen obj ... endobj" at off. num < 0 accepts any
// number.
func (f *pdfFile) parseAt(off int64, num int) (pdfObj, int, error) {
	if off < 0 || off >= int64(len(f.data)) {
		return nil, 0, errBadToken
	}
	l := lexer{b: f.data, pos: int(off)}
	n, err := l.readObj(0, false)
	if err != nil {
		return nil, 0, err
	}
	n1, ok := n.(int64)
	if !ok || (num >= 0 && int(n1) != num) {
		return nil, 0, errBadToken
	}
	g, err := l.readObj(0, false)
	if err != nil {
		return nil, 0, err
	}
	gen64, ok := g.(int64)
	if !ok {
		return nil, 0, errBadToken
	}
	gen := int(gen64)
	if kw, err := l.readObj(0, false); err != nil || kw != pdfKeyword("obj") {
		return nil, 0, errBadToken
	}
	o, err := l.readObj(0, true)
	if err != nil && o == nil {
		return nil, 0, err
	}
	d, ok := o.(pdfDict)
	if !ok {
		if _, isKw := o.(pdfKeyword); isKw {
			return nil, 0, errBadToken
		}
		return o, gen, nil
	}
	l.skipWS()
	if !bytes.HasPrefix(f.data[l.pos:], []byte("stream")) {
		return d, gen, nil
	}
	start := l.pos + len("stream")
	if start < len(f.data) && f.data[start] == '\r' {
		start++
	}
	if start < len(f.data) && f.data[start] == '\n' {
		start++
	}
	raw := f.streamData(d, start)
	return &pdfStream{dict: d, raw: raw, num: int(n1), gen: gen}, gen, nil
}

// streamData finds the data of a stream starting at start: /Length when it
// is right, else up to "endstream".
func (f *pdfFile) streamData(d pdfDict, start int) []byte {
	b := f.data
	var length int64 = -1
	switch v := d["Length"].(type) {
	case int64:
		length = v
	case pdfRef:
		if n, ok := f.load(v.num).(int64); ok {
			length = n
		}
	}
	if length >= 0 && length <= int64(len(b)-start) {
		end := start + int(length)
		l := lexer{b: b, pos: end}
		l.skipWS()
		if bytes.HasPrefix(b[l.pos:], []byte("endstream")) {
			return b[start:end]
		}
	}
	i := bytes.Index(b[start:], []byte("endstream"))
	if i < 0 {
		return b[start:]
	}
	end := start + i
	if end > start && b[end-1] == '\n' {
		end--
	}
	if end > start && b[end-1] == '\r' {
		end--
	}
	return b[start:end]
}

// decode returns the decoded data of a stream, nil for image data and
// streams that cannot be decoded.
func (f *pdfFile) decode(s *pdfStream) []byte {
	if s == nil || f.err != nil {
		return nil
	}
	data := s.raw
	if f.crypt != nil && !s.noCrypt && f.name(s.dict["Type"]) != "XRef" {
		data = f.crypt.decryptStream(s, data)
	}
	var filters []string
	var parms []pdfDict
	switch v := f.resolve(s.dict["Filter"]).(type) {
	case pdfName:
		filters = []string{string(v)}
		parms = []pdfDict{f.dict(s.dict["DecodeParms"])}
	case pdfArray:
		pa := f.array(s.dict["DecodeParms"])
		for i, x := range v {
			filters = append(filters, f.name(x))
			var p pdfDict
			if i < len(pa) {
				p = f.dict(pa[i])
			}
			parms = append(parms, p)
		}
	}
	budget := f.lim.MaxDecodedBytes - f.decoded
	max := f.lim.MaxStreamBytes
	if budget < max {
		max = budget
	}
	if max <= 0 {
		f.truncated = true
		return nil
	}
	if int64(len(data)) > max {
		data = data[:max]
		f.truncated = true
	}
	for i, name := range filters {
		if !f.tick(1 + len(data)/4096) {
			return nil
		}
		out, trunc, err := applyFilter(f.ctx, name, parms[i], data, max)
		if err != nil {
			if f.ctx.Err() != nil {
				f.err = f.ctx.Err()
			}
			return nil
		}
		if trunc {
			f.truncated = true
		}
		data = out
	}
	f.decoded += int64(len(data))
	return data
}

func (f *pdfFile) objStream(num int) *objStm {
	if s, ok := f.stms[num]; ok {
		return s
	}
	f.stms[num] = nil
	st, ok := f.load(num).(*pdfStream)
	if !ok {
		return nil
	}
	data := f.decode(st)
	if data == nil {
		return nil
	}
	n, _ := f.int(st.dict["N"])
	first, _ := f.int(st.dict["First"])
	if first < 0 || first > int64(len(data)) || n < 0 {
		return nil
	}
	s := &objStm{data: data, first: int(first), offs: map[int]int{}}
	l := lexer{b: data[:first]}
	for i := int64(0); i < n; i++ {
		a, err1 := l.readObj(0, false)
		b, err2 := l.readObj(0, false)
		on, ok1 := a.(int64)
		off, ok2 := b.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			break
		}
		if off >= 0 && off < int64(len(data)) {
			s.offs[int(on)] = int(off)
		}
	}
	f.stms[num] = s
	return s
}

type numEntry struct {
	num int
	e   xrefEntry
}

// readXref reads the cross-reference sections from the last one back
// through /Prev.
func (f *pdfFile) readXref() error {
	b := f.data
	tail := 0
	if len(b) > 1<<16 {
		tail = len(b) - 1<<16
	}
	k := bytes.LastIndex(b[tail:], []byte("startxref"))
	if k < 0 {
		return errors.New("no startxref")
	}
	l := lexer{b: b, pos: tail + k + len("startxref")}
	o, _ := l.readObj(0, false)
	off, ok := o.(int64)
	if !ok {
		return errors.New("bad startxref")
	}
	f.xref = map[int]xrefEntry{}
	set := func(list []numEntry) {
		for _, ne := range list {
			if _, ok := f.xref[ne.num]; !ok {
				f.xref[ne.num] = ne.e
			}
		}
	}
	seen := map[int64]bool{}
	for n := 0; n < 512 && off > 0 && off < int64(len(b)) && !seen[off]; n++ {
		if !f.tick(1) {
			return f.err
		}
		seen[off] = true
		list, trailer, err := f.readXrefSection(off)
		if err != nil {
			return err
		}
		if x, ok := trailer["XRefStm"].(int64); ok && !seen[x] {
			seen[x] = true
			if list2, _, err := f.readXrefSection(x); err == nil {
				set(list2)
			}
		}
		set(list)
		if f.trailer == nil {
			f.trailer = pdfDict{}
		}
		for k, v := range trailer {
			if _, ok := f.trailer[k]; !ok {
				f.trailer[k] = v
			}
		}
		prev, ok := trailer["Prev"].(int64)
		if !ok {
			break
		}
		off = prev
	}
	return nil
}

func (f *pdfFile) readXrefSection(off int64) ([]numEntry, pdfDict, error) {
	l := lexer{b: f.data, pos: int(off)}
	l.skipWS()
	if !bytes.HasPrefix(f.data[l.pos:], []byte("xref")) {
		return f.readXrefStream(int64(l.pos))
	}
	l.pos += len("xref")
	var list []numEntry
	for {
		if !f.tick(1) {
			return nil, nil, f.err
		}
		l.skipWS()
		if bytes.HasPrefix(f.data[l.pos:], []byte("trailer")) {
			l.pos += len("trailer")
			t, _ := l.readObj(0, true)
			d, ok := t.(pdfDict)
			if !ok {
				return nil, nil, errors.New("bad trailer")
			}
			return list, d, nil
		}
		a, err1 := l.readObj(0, false)
		c, err2 := l.readObj(0, false)
		start, ok1 := a.(int64)
		count, ok2 := c.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 || start < 0 || count < 0 || start+count > maxObjNum {
			return nil, nil, errors.New("bad xref subsection")
		}
		for i := int64(0); i < count; i++ {
			o1, _ := l.readObj(0, false)
			_, _ = l.readObj(0, false)
			t, _ := l.readObj(0, false)
			eoff, ok := o1.(int64)
			if !ok {
				return nil, nil, errors.New("bad xref entry")
			}
			switch t {
			case pdfKeyword("n"):
				list = append(list, numEntry{int(start + i), xrefEntry{kind: 1, off: eoff}})
			case pdfKeyword("f"):
				list = append(list, numEntry{int(start + i), xrefEntry{kind: 0}})
			default:
				return nil, nil, errors.New("bad xref entry")
			}
		}
	}
}

func (f *pdfFile) readXrefStream(off int64) ([]numEntry, pdfDict, error) {
	o, _, err := f.parseAt(off, -1)
	if err != nil {
		return nil, nil, err
	}
	s, ok := o.(*pdfStream)
	if !ok || s.dict["Type"] != pdfName("XRef") {
		return nil, nil, errors.New("no xref stream")
	}
	s.noCrypt = true
	data := f.decode(s)
	w, _ := s.dict["W"].(pdfArray)
	if len(w) != 3 {
		return nil, nil, errors.New("bad xref stream /W")
	}
	var ws [3]int
	width := 0
	for i := range w {
		n, ok := w[i].(int64)
		if !ok || n < 0 || n > 8 {
			return nil, nil, errors.New("bad xref stream /W")
		}
		ws[i] = int(n)
		width += int(n)
	}
	if width == 0 {
		return nil, nil, errors.New("bad xref stream /W")
	}
	index, _ := s.dict["Index"].(pdfArray)
	if index == nil {
		size, _ := s.dict["Size"].(int64)
		index = pdfArray{int64(0), size}
	}
	field := func(p []byte) int64 {
		var v int64
		for _, c := range p {
			v = v<<8 | int64(c)
		}
		return v
	}
	var list []numEntry
	p := 0
	for i := 0; i+1 < len(index); i += 2 {
		start, ok1 := index[i].(int64)
		count, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || start < 0 || count < 0 || start+count > maxObjNum {
			break
		}
		for j := int64(0); j < count && p+width <= len(data); j++ {
			row := data[p : p+width]
			p += width
			typ := int64(1)
			if ws[0] > 0 {
				typ = field(row[:ws[0]])
			}
			f2 := field(row[ws[0] : ws[0]+ws[1]])
			num := int(start + j)
			switch typ {
			case 0:
				list = append(list, numEntry{num, xrefEntry{kind: 0}})
			case 1:
				list = append(list, numEntry{num, xrefEntry{kind: 1, off: f2}})
			case 2:
				list = append(list, numEntry{num, xrefEntry{kind: 2, off: f2}})
			}
		}
	}
	return list, s.dict, nil
}

// scanObjStms registers the objects inside the object streams among nums
// (after a rebuild, which cannot read an encrypted object stream until the
// security handler is known).
func (f *pdfFile) scanObjStms(nums []int) {
	for _, n := range nums {
		e := f.xref[n]
		off := int(e.off)
		if e.kind != 1 || off < 0 || off >= len(f.data) {
			continue
		}
		end := min(off+2048, len(f.data))
		if !bytes.Contains(f.data[off:end], []byte("/ObjStm")) {
			continue
		}
		s := f.objStream(n)
		if s == nil {
			continue
		}
		for on := range s.offs {
			if _, ok := f.xref[on]; !ok {
				f.xref[on] = xrefEntry{kind: 2, off: int64(n)}
			}
		}
	}
}

// rebuild finds the objects by scanning the file for "n g obj", for files
// whose cross-reference data is missing or wrong.
func (f *pdfFile) rebuild() {
	f.rebuilt = true
	f.cache = map[int]pdfObj{}
	f.stms = map[int]*objStm{}
	b := f.data
	x := map[int]xrefEntry{}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], []byte("obj"))
		if j < 0 {
			break
		}
		p := i + j
		i = p + 3
		if !f.tick(1) {
			return
		}
		if p+3 < len(b) && isRegular(b[p+3]) {
			continue
		}
		q := p
		for q > 0 && isWS(b[q-1]) {
			q--
		}
		if q == p {
			continue
		}
		ge := q
		for q > 0 && isDigit(b[q-1]) {
			q--
		}
		if q == ge || ge-q > 5 {
			continue
		}
		q2 := q
		for q2 > 0 && isWS(b[q2-1]) {
			q2--
		}
		if q2 == q {
			continue
		}
		ne := q2
		for q2 > 0 && isDigit(b[q2-1]) {
			q2--
		}
		if q2 == ne || ne-q2 > 8 || (q2 > 0 && isRegular(b[q2-1])) {
			continue
		}
		num, _ := strconv.Atoi(string(b[q2:ne]))
		x[num] = xrefEntry{kind: 1, off: int64(q2)}
	}
	f.xref = x

	nums := make([]int, 0, len(x))
	for n := range x {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	peek := func(n int, what string) bool {
		off := int(x[n].off)
		end := off + 2048
		if end > len(b) {
			end = len(b)
		}
		return bytes.Contains(b[off:end], []byte(what))
	}
	f.scanObjStms(nums)
	// The trailer: the last "trailer" dictionaries, cross-reference stream
	// dictionaries, and at worst the first catalogue found.
	t := pdfDict{}
	for i := len(b); ; {
		k := bytes.LastIndex(b[:i], []byte("trailer"))
		if k < 0 {
			break
		}
		i = k
		l := lexer{b: b, pos: k + len("trailer")}
		o, _ := l.readObj(0, true)
		if d, ok := o.(pdfDict); ok {
			for key, v := range d {
				if _, ok := t[key]; !ok {
					t[key] = v
				}
			}
		}
		if !f.tick(1) {
			return
		}
	}
	if t["Root"] == nil {
		for i := len(nums) - 1; i >= 0; i-- {
			n := nums[i]
			if !peek(n, "/XRef") {
				continue
			}
			if s, ok := f.load(n).(*pdfStream); ok && s.dict["Type"] == pdfName("XRef") {
				for key, v := range s.dict {
					if _, ok := t[key]; !ok {
						t[key] = v
					}
				}
			}
		}
	}
	f.trailer = t
	if t["Encrypt"] == nil {
		// The trailer that named the encryption dictionary is lost: find
		// it, so that the file is decrypted or refused rather than read as
		// gibberish.
		for _, n := range nums {
			if !peek(n, "/Standard") {
				continue
			}
			if d, ok := f.load(n).(pdfDict); ok && d["Filter"] == pdfName("Standard") && d["U"] != nil {
				t["Encrypt"] = pdfRef{num: n}
				break
			}
		}
	}
	if f.root() == nil {
		for _, n := range nums {
			if !peek(n, "/Catalog") {
				continue
			}
			if d, ok := f.load(n).(pdfDict); ok && d["Type"] == pdfName("Catalog") {
				t["Root"] = pdfRef{num: n}
				break
			}
		}
		for n := range f.xref {
			if f.xref[n].kind == 2 && f.root() == nil {
				if d, ok := f.load(n).(pdfDict); ok && d["Type"] == pdfName("Catalog") {
					t["Root"] = pdfRef{num: n}
				}
			}
		}
	}
}
