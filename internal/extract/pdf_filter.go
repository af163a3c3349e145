package extract

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"io"
)

// errUnsupportedFilter marks streams we do not decode (images).
var errUnsupportedFilter = errors.New("unsupported filter")

// ctxReader stops reading when the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// readCapped reads r up to max bytes. truncated reports that there was
// more. A read error after some data (a damaged stream) keeps that data,
// except a context error, which is returned.
func readCapped(ctx context.Context, r io.Reader, max int64) (data []byte, truncated bool, err error) {
	var buf bytes.Buffer
	_, err = io.Copy(&buf, io.LimitReader(ctxReader{ctx, r}, max+1))
	if cerr := ctx.Err(); cerr != nil {
		return nil, false, cerr
	}
	data = buf.Bytes()
	if int64(len(data)) > max {
		return data[:max], true, nil
	}
	if err != nil && len(data) > 0 {
		err = nil
	}
	return data, false, err
}

// applyFilter decodes data with one PDF filter.
func applyFilter(ctx context.Context, name string, parms pdfDict, data []byte, max int64) ([]byte, bool, error) {
	switch name {
	case "FlateDecode", "Fl":
		var r io.Reader
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			r = flate.NewReader(bytes.NewReader(data)) // raw deflate without the zlib header
		} else {
			r = zr
		}
		out, trunc, err := readCapped(ctx, r, max)
		if err != nil {
			return nil, false, err
		}
		out, err = unpredict(out, parms)
		return out, trunc, err
	case "LZWDecode", "LZW":
		early := true
		if v, ok := parms["EarlyChange"].(int64); ok && v == 0 {
			early = false
		}
		out, trunc := lzwDecode(data, early, max)
		out, err := unpredict(out, parms)
		return out, trunc, err
	case "ASCIIHexDecode", "AHx":
		l := lexer{b: data}
		s := l.hex()
		return []byte(s), false, nil
	case "ASCII85Decode", "A85":
		return ascii85Decode(data), false, nil
	case "RunLengthDecode", "RL":
		return runLengthDecode(data, max)
	case "Crypt":
		return data, false, nil // only the Identity crypt filter is met in practice
	}
	return nil, false, errUnsupportedFilter
}

// unpredict undoes the PNG and TIFF predictors of Flate and LZW streams.
func unpredict(data []byte, parms pdfDict) ([]byte, error) {
	pred, _ := parms["Predictor"].(int64)
	if pred < 2 {
		return data, nil
	}
	colors, bpc, columns := int64(1), int64(8), int64(1)
	if v, ok := parms["Colors"].(int64); ok && v > 0 && v <= 64 {
		colors = v
	}
	if v, ok := parms["BitsPerComponent"].(int64); ok && v > 0 && v <= 16 {
		bpc = v
	}
	if v, ok := parms["Columns"].(int64); ok && v > 0 {
		columns = v
	}
	rowBits := colors * bpc * columns
	if rowBits > int64(len(data))*8+8 {
		return nil, errors.New("predictor row longer than the data")
	}
	rowLen := int((rowBits + 7) / 8)
	bpp := int((colors*bpc + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return data, nil
		}
		for r := 0; r+rowLen <= len(data); r += rowLen {
			row := data[r : r+rowLen]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return data, nil
	}
	out := make([]byte, 0, len(data))
	prev := make([]byte, rowLen)
	for p := 0; p < len(data); {
		ft := data[p]
		p++
		end := p + rowLen
		if end > len(data) {
			end = len(data)
		}
		row := make([]byte, rowLen)
		copy(row, data[p:end])
		p = end
		for i := 0; i < rowLen; i++ {
			var left, upLeft byte
			if i >= bpp {
				left = row[i-bpp]
				upLeft = prev[i-bpp]
			}
			up := prev[i]
			switch ft {
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2) // #nosec G115 -- the mean of two bytes is a byte
			case 4:
				row[i] += paeth(left, up, upLeft)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// lzwDecode decodes PDF LZW data (variable codes of 9 to 12 bits, with the
// "early change" of the PDF default).
func lzwDecode(data []byte, early bool, max int64) ([]byte, bool) {
	const clear, eod = 256, 257
	var out []byte
	var table [][]byte
	reset := func() {
		table = table[:0]
		for i := 0; i < 256; i++ {
			table = append(table, []byte{byte(i)})
		}
		table = append(table, nil, nil)
	}
	table = make([][]byte, 0, 4096)
	reset()
	width := 9
	var bitBuf uint32
	bits := 0
	var prev []byte
	e := 0
	if early {
		e = 1
	}
	for _, b := range data {
		bitBuf = bitBuf<<8 | uint32(b)
		bits += 8
		for bits >= width {
			code := int(bitBuf>>(bits-width)) & (1<<width - 1)
			bits -= width
			switch {
			case code == clear:
				reset()
				width = 9
				prev = nil
				continue
			case code == eod:
				return out, false
			}
			var entry []byte
			switch {
			case code < len(table) && table[code] != nil:
				entry = table[code]
			case code == len(table) && prev != nil:
				entry = append(append([]byte{}, prev...), prev[0])
			default:
				return out, false // corrupt
			}
			out = append(out, entry...)
			if int64(len(out)) > max {
				return out[:max], true
			}
			if prev != nil && len(table) < 4096 {
				table = append(table, append(append([]byte{}, prev...), entry[0]))
			}
			prev = entry
			if len(table)+e >= 1<<width && width < 12 {
				width++
			}
		}
	}
	return out, false
}

func ascii85Decode(data []byte) []byte {
	var out []byte
	var v uint32
	n := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '~':
			i = len(data)
			continue
		case c == 'z' && n == 0:
			out = append(out, 0, 0, 0, 0)
			continue
		case c < '!' || c > 'u':
			continue
		}
		v = v*85 + uint32(c-'!')
		n++
		if n == 5 {
			out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
			v, n = 0, 0
		}
	}
	if n > 1 {
		for k := n; k < 5; k++ {
			v = v*85 + 84
		}
		b := binary.BigEndian.AppendUint32(nil, v)
		out = append(out, b[:n-1]...)
	}
	return out
}

func runLengthDecode(data []byte, max int64) ([]byte, bool, error) {
	var out []byte
	for i := 0; i < len(data); {
		n := int(data[i])
		i++
		switch {
		case n == 128:
			return out, false, nil
		case n < 128:
			end := i + n + 1
			if end > len(data) {
				end = len(data)
			}
			out = append(out, data[i:end]...)
			i = end
		default:
			if i >= len(data) {
				return out, false, nil
			}
			for k := 0; k < 257-n; k++ {
				out = append(out, data[i])
			}
			i++
		}
		if int64(len(out)) > max {
			return out[:max], true, nil
		}
	}
	return out, false, nil
}
