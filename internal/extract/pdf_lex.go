package extract

import (
	"errors"
	"strconv"
)

// PDF objects. Streams keep their raw (still encoded) data.
type (
	pdfObj     any // nil, bool, int64, float64, pdfName, pdfString, pdfArray, pdfDict, *pdfStream, pdfRef, pdfKeyword
	pdfName    string
	pdfString  string // raw bytes
	pdfKeyword string // an operator or other bare word
	pdfArray   []pdfObj
	pdfDict    map[string]pdfObj
	pdfRef     struct{ num, gen int }
)

type pdfStream struct {
	dict     pdfDict
	raw      []byte
	num, gen int  // the object holding the stream, for decryption
	noCrypt  bool // not encrypted (cross-reference streams)
}

const (
	maxObjDepth   = 64
	maxCollection = 1 << 19 // elements of one array or dictionary
)

var (
	errEOF      = errors.New("unexpected end of data")
	errTooDeep  = errors.New("objects nested too deeply")
	errBadToken = errors.New("unexpected token")
	errTooBig   = errors.New("array or dictionary too large")
)

// lexer reads PDF objects from a byte slice. It never allocates more than
// the input it reads.
type lexer struct {
	b   []byte
	pos int
}

func isWS(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isWS(c) && !isDelim(c) }

func (l *lexer) skipWS() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isWS(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// word reads a run of regular characters.
func (l *lexer) word() string {
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	return string(l.b[start:l.pos])
}

// readObj reads one object. Bare words come back as pdfKeyword, and so do
// stray closing delimiters ("]", ">>", ")", "{", "}"). With refs, "n g R"
// is read as a reference.
func (l *lexer) readObj(depth int, refs bool) (pdfObj, error) {
	if depth > maxObjDepth {
		return nil, errTooDeep
	}
	l.skipWS()
	if l.pos >= len(l.b) {
		return nil, errEOF
	}
	c := l.b[l.pos]
	switch c {
	case '/':
		l.pos++
		return l.name(), nil
	case '(':
		l.pos++
		return l.literal(), nil
	case '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			return l.dict(depth, refs)
		}
		l.pos++
		return l.hex(), nil
	case '>':
		l.pos++
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			l.pos++
			return pdfKeyword(">>"), nil
		}
		return pdfKeyword(">"), nil
	case '[':
		l.pos++
		return l.array(depth, refs)
	case ']', ')', '{', '}':
		l.pos++
		return pdfKeyword(string(c)), nil
	}
	if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		return l.number(refs), nil
	}
	w := l.word()
	switch w {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	return pdfKeyword(w), nil
}

func (l *lexer) number(refs bool) pdfObj {
	start := l.pos
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
			l.pos++
			continue
		}
		break
	}
	s := string(l.b[start:l.pos])
	// Junk glued to the number ("12abc") is skipped.
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	n, isInt := parseNumber(s)
	if !isInt {
		return n
	}
	i := int64(n)
	if refs && i >= 0 && i <= 1<<31 {
		save := l.pos
		l.skipWS()
		gstart := l.pos
		for l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '9' {
			l.pos++
		}
		if l.pos > gstart && l.pos-gstart <= 10 && (l.pos >= len(l.b) || !isRegular(l.b[l.pos])) {
			gen, _ := strconv.Atoi(string(l.b[gstart:l.pos]))
			l.skipWS()
			if l.pos < len(l.b) && l.b[l.pos] == 'R' && (l.pos+1 >= len(l.b) || !isRegular(l.b[l.pos+1])) {
				l.pos++
				return pdfRef{int(i), gen}
			}
		}
		l.pos = save
	}
	return i
}

// parseNumber parses a PDF number leniently ("--5", "1.2.3", "-" and "."
// give what can be read). isInt is false for reals.
func parseNumber(s string) (float64, bool) {
	neg := false
	i := 0
	for i < len(s) && (s[i] == '+' || s[i] == '-') {
		if s[i] == '-' {
			neg = !neg
		}
		i++
	}
	s = s[i:]
	dot := -1
	for j := 0; j < len(s); j++ {
		if s[j] == '.' {
			if dot >= 0 {
				s = s[:j]
				break
			}
			dot = j
		} else if s[j] == '+' || s[j] == '-' {
			s = s[:j]
			break
		}
	}
	var v float64
	isInt := dot < 0
	if isInt && len(s) <= 18 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			n = 0
		}
		v = float64(n)
	} else {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			f = 0
		}
		v = f
		isInt = false
	}
	if neg {
		v = -v
	}
	return v, isInt
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (l *lexer) name() pdfName {
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	raw := l.b[start:l.pos]
	hasHash := false
	for _, c := range raw {
		if c == '#' {
			hasHash = true
			break
		}
	}
	if !hasHash {
		return pdfName(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) && unhex(raw[i+1]) >= 0 && unhex(raw[i+2]) >= 0 {
			out = append(out, byte(unhex(raw[i+1])<<4|unhex(raw[i+2]))) // #nosec G115 -- two hex digits, 0 to 255
			i += 2
			continue
		}
		out = append(out, raw[i])
	}
	return pdfName(out)
}

func (l *lexer) literal() pdfString {
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return pdfString(out)
			}
		case '\r':
			// An end of line in a string is a newline.
			if l.pos < len(l.b) && l.b[l.pos] == '\n' {
				l.pos++
			}
			c = '\n'
		case '\\':
			if l.pos >= len(l.b) {
				return pdfString(out)
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v) // #nosec G115 -- PDF 32000-1 7.3.4.2: high-order overflow of \ddd is ignored
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return pdfString(out)
}

func (l *lexer) hex() pdfString {
	var out []byte
	hi := -1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v := unhex(c)
		if v < 0 {
			continue
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v)) // #nosec G115 -- two hex digits, 0 to 255
			hi = -1
		}
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4)) // #nosec G115 -- one hex digit shifted, at most 240
	}
	return pdfString(out)
}

func (l *lexer) array(depth int, refs bool) (pdfObj, error) {
	var a pdfArray
	for {
		l.skipWS()
		if l.pos >= len(l.b) {
			return a, errEOF
		}
		if l.b[l.pos] == ']' {
			l.pos++
			return a, nil
		}
		o, err := l.readObj(depth+1, refs)
		if err != nil {
			return a, err
		}
		if k, ok := o.(pdfKeyword); ok && (k == ">>" || k == "endobj" || k == "stream") {
			// A broken array: stop before what cannot be in it.
			l.pos -= len(k)
			return a, nil
		}
		if len(a) >= maxCollection {
			return a, errTooBig
		}
		a = append(a, o)
	}
}

func (l *lexer) dict(depth int, refs bool) (pdfObj, error) {
	d := pdfDict{}
	for {
		l.skipWS()
		if l.pos >= len(l.b) {
			return d, errEOF
		}
		if l.b[l.pos] == '>' {
			l.pos++
			if l.pos < len(l.b) && l.b[l.pos] == '>' {
				l.pos++
			}
			return d, nil
		}
		k, err := l.readObj(depth+1, refs)
		if err != nil {
			return d, err
		}
		key, ok := k.(pdfName)
		if !ok {
			if kw, ok := k.(pdfKeyword); ok && (kw == "endobj" || kw == "stream") {
				l.pos -= len(kw)
				return d, nil
			}
			continue // junk in place of a key
		}
		l.skipWS()
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			continue // a key without a value; the loop closes the dictionary
		}
		v, err := l.readObj(depth+1, refs)
		if err != nil {
			return d, err
		}
		if kw, ok := v.(pdfKeyword); ok && (kw == "endobj" || kw == "stream") {
			l.pos -= len(kw)
			return d, nil
		}
		if len(d) >= maxCollection {
			return d, errTooBig
		}
		d[string(key)] = v
	}
}
