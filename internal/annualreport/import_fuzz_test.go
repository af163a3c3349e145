package annualreport

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
)

// FuzzImportBook: the XLSX of a report with any cell values (counts up to
// MaxCellValue, amounts in 万元 with four decimals, the 2019 format's signed
// changes) imports back to the same cells; the same file with a damaged
// byte is either read or refused with an ImportError, never a panic.
func FuzzImportBook(f *testing.F) {
	f.Add(uint64(1), false, uint16(0), byte(0))
	f.Add(uint64(2), true, uint16(0), byte(0))
	f.Add(uint64(3), false, uint16(500), byte(0x20))
	f.Add(uint64(4), true, uint16(9), byte(0xff))
	f.Fuzz(func(t *testing.T, seed uint64, trial bool, at uint16, flip byte) {
		format := Format2021
		if trial {
			format = Format2019
		}
		r := sampleReport(format)
		rng := rand.New(rand.NewPCG(seed, seed>>32))
		for _, code := range format.Codes() {
			var v int64
			switch rng.IntN(4) {
			case 0:
				v = 0
			case 1:
				v = rng.Int64N(100)
			default:
				v = rng.Int64N(MaxCellValue + 1)
			}
			if format.IsSigned(code) && rng.IntN(2) == 0 {
				v = -v
			}
			r.Cells[code] = v
		}
		var buf bytes.Buffer
		if err := WriteXLSX(&buf, r); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if flip != 0 {
			b[int(at)%len(b)] ^= flip
		}
		bk, err := readBook(b)
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || ie.Message == "" {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		cells, problems := bk.read(format)
		if flip != 0 {
			return
		}
		if len(problems) > 0 {
			t.Fatalf("the report's own XLSX has problems: %v", problems)
		}
		for _, code := range format.Codes() {
			if cells[code] != r.Cells[code] {
				t.Fatalf("%s: wrote %d, read %d", code, r.Cells[code], cells[code])
			}
		}
	})
}

// FuzzImportNumber: a cell or form value is read as what it says: counts
// and amounts in 万元 written by the platform read back exactly, anything
// read is within the bounds, and a value refused carries a message.
func FuzzImportNumber(f *testing.F) {
	for _, s := range []string{"12", "12.3456", "1,234", "１２．５", "－3", "1e3", "0x10", "NaN", "Inf", "12.34567", "1000000000", "100000.0001",
		"99999999999999999999", "-0", " 7 ", "", "1.", ".5", "+5"} {
		f.Add(s, int64(len(s)))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		for _, money := range []bool{false, true} {
			for _, signed := range []bool{false, true} {
				v, msg := importNumber(s, money, signed)
				if msg != "" && v != 0 {
					t.Fatalf("importNumber(%q) = %d with %q", s, v, msg)
				}
				if msg == "" && (v > MaxCellValue || v < -MaxCellValue || (!signed && v < 0)) {
					t.Fatalf("importNumber(%q, %v, %v) = %d", s, money, signed, v)
				}
			}
		}
		if c, err := ParseCount(s); err == nil && (c < 0 || c > MaxCellValue) {
			t.Fatalf("ParseCount(%q) = %d", s, c)
		}
		if w, err := ParseWan(s); err == nil && w < 0 {
			t.Fatalf("ParseWan(%q) = %d", s, w)
		}
		n %= MaxCellValue + 1
		if n < 0 {
			n = -n
		}
		if w, err := ParseWan(FormatWan(n)); err != nil || w != n {
			t.Fatalf("FormatWan(%d) = %q reads back as %d, %v", n, FormatWan(n), w, err)
		}
		if v, msg := importNumber(FormatWan(n), true, false); msg != "" || v != n {
			t.Fatalf("importNumber(%q) = %d, %q; want %d", FormatWan(n), v, msg, n)
		}
		if v, msg := importNumber(strconv.FormatInt(n, 10), false, false); msg != "" || v != n {
			t.Fatalf("importNumber(%d) = %d, %q", n, v, msg)
		}
		if c, err := ParseCount(strconv.FormatInt(n, 10)); err != nil || c != n {
			t.Fatalf("ParseCount(%d) = %d, %v", n, c, err)
		}
	})
}
