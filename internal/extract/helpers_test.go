package extract

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// Test PDFs are written from object bodies, so that no binary fixtures are
// committed.

func zlibBytes(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// stream returns the body of a stream object.
func stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// flateStream returns the body of a compressed stream object.
func flateStream(dict string, data []byte) string {
	return stream(dict+" /Filter /FlateDecode", zlibBytes(data))
}

// writePDF writes objects 1..n with a cross-reference table; trailer is
// added to the trailer dictionary (which always has /Size and /Root 1 0 R).
func writePDF(objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, x)
	return b.Bytes()
}

// pageDoc returns the objects of a one-page document: 1 catalogue, 2 page
// tree, 3 page with the resources, 4 its content; extra objects follow
// from 5.
func pageDoc(resources, content string, extra ...string) []string {
	return append([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + resources + " /Contents 4 0 R >>",
		flateStream("", []byte(content)),
	}, extra...)
}

// writePDF15 writes the objects that are not streams into an object
// stream, and a cross-reference stream instead of a table.
func writePDF15(objs []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	n := len(objs)
	stmNum := n + 1
	xrefNum := n + 2
	type entry struct{ typ, f2, f3 int }
	entries := make([]entry, n+3)
	entries[0] = entry{0, 0, 65535}
	var header, body bytes.Buffer
	idx := 0
	for i, o := range objs {
		if strings.Contains(o, "stream\n") {
			entries[i+1] = entry{1, b.Len(), 0}
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
			continue
		}
		fmt.Fprintf(&header, "%d %d ", i+1, body.Len())
		body.WriteString(o + "\n")
		entries[i+1] = entry{2, stmNum, idx}
		idx++
	}
	entries[stmNum] = entry{1, b.Len(), 0}
	data := append(header.Bytes(), body.Bytes()...)
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", stmNum,
		flateStream(fmt.Sprintf("/Type /ObjStm /N %d /First %d", idx, header.Len()), data))
	entries[xrefNum] = entry{1, b.Len(), 0}
	var rows bytes.Buffer
	for _, e := range entries {
		rows.WriteByte(byte(e.typ))
		binary.Write(&rows, binary.BigEndian, uint32(e.f2))
		binary.Write(&rows, binary.BigEndian, uint16(e.f3))
	}
	// PNG "Up" predictor, as most writers use.
	var pred bytes.Buffer
	prev := make([]byte, 7)
	row := rows.Bytes()
	for i := 0; i+7 <= len(row); i += 7 {
		pred.WriteByte(2)
		for j := 0; j < 7; j++ {
			pred.WriteByte(row[i+j] - prev[j])
		}
		prev = row[i : i+7]
	}
	x := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", xrefNum, stream(fmt.Sprintf(
		"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>",
		n+3), zlibBytes(pred.Bytes())))
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

// encryption writes test documents encrypted with the standard security
// handler. Only stream data is encrypted (the test documents keep all
// their strings in streams).
type encryption struct {
	method   string // "RC4", "AESV2", "AESV3"
	userPass string // "" for documents anyone can open
}

var testID = []byte("0123456789abcdef")

func (e encryption) write(objs []string) []byte {
	var key []byte
	var encDict string
	o := bytes.Repeat([]byte{0x42}, 32)
	p := -4 // all permissions but printing
	switch e.method {
	case "RC4", "AESV2":
		keyLen := 16
		h := md5.New()
		h.Write(pdfPadding)
		h.Write(o)
		var pb [4]byte
		binary.LittleEndian.PutUint32(pb[:], uint32(int32(p)))
		h.Write(pb[:])
		h.Write(testID)
		key = h.Sum(nil)[:keyLen]
		for i := 0; i < 50; i++ {
			s := md5.Sum(key)
			key = s[:keyLen]
		}
		// /U is computed from the user password's key; with a password
		// the empty-password key above does not match it.
		ukey := key
		if e.userPass != "" {
			pw := append([]byte(e.userPass), pdfPadding...)[:32]
			h := md5.New()
			h.Write(pw)
			h.Write(o)
			h.Write(pb[:])
			h.Write(testID)
			ukey = h.Sum(nil)[:keyLen]
			for i := 0; i < 50; i++ {
				s := md5.Sum(ukey)
				ukey = s[:keyLen]
			}
		}
		h = md5.New()
		h.Write(pdfPadding)
		h.Write(testID)
		u := rc4Crypt(ukey, h.Sum(nil))
		k := make([]byte, keyLen)
		for i := 1; i <= 19; i++ {
			for j := range ukey {
				k[j] = ukey[j] ^ byte(i)
			}
			u = rc4Crypt(k, u)
		}
		u = append(u, make([]byte, 16)...)
		if e.method == "RC4" {
			encDict = fmt.Sprintf("<< /Filter /Standard /V 2 /R 3 /Length 128 /O <%X> /U <%X> /P %d >>", o, u, p)
		} else {
			encDict = fmt.Sprintf("<< /Filter /Standard /V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >>"+
				" /StmF /StdCF /StrF /StdCF /O <%X> /U <%X> /P %d >>", o, u, p)
		}
	case "AESV3":
		key = bytes.Repeat([]byte{0x17}, 32)
		vsalt, ksalt := []byte("vsaltvsa"), []byte("ksaltksa")
		pw := []byte(e.userPass)
		u := append(append(hash2B(pw, vsalt, nil, 6), vsalt...), ksalt...)
		block, _ := aes.NewCipher(hash2B(pw, ksalt, nil, 6))
		ue := make([]byte, 32)
		cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(ue, key)
		encDict = fmt.Sprintf("<< /Filter /Standard /V 5 /R 6 /Length 256 /CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >>"+
			" /StmF /StdCF /StrF /StdCF /O <%X> /U <%X> /OE <%X> /UE <%X> /Perms <%X> /P %d >>",
			bytes.Repeat([]byte{1}, 48), u, bytes.Repeat([]byte{2}, 32), ue, bytes.Repeat([]byte{3}, 16), p)
	}
	c := &pdfCrypt{key: key}
	enc := make([]string, len(objs))
	for i, obj := range objs {
		start := strings.Index(obj, "stream\n")
		if start < 0 {
			enc[i] = obj
			continue
		}
		end := strings.LastIndex(obj, "\nendstream")
		data := []byte(obj[start+len("stream\n") : end])
		var out []byte
		switch e.method {
		case "RC4":
			out = rc4Crypt(c.objKey(i+1, 0, false), data)
		default:
			iv := bytes.Repeat([]byte{byte(i)}, 16)
			pad := 16 - len(data)%16
			plain := append(append([]byte{}, data...), bytes.Repeat([]byte{byte(pad)}, pad)...)
			block, _ := aes.NewCipher(c.objKey(i+1, 0, true))
			ct := make([]byte, len(plain))
			cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, plain)
			out = append(iv, ct...)
		}
		dict := obj[:strings.Index(obj, "/Length")]
		enc[i] = fmt.Sprintf("%s/Length %d >>\nstream\n%s\nendstream", dict, len(out), out)
	}
	enc = append(enc, encDict)
	return writePDF(enc, fmt.Sprintf("/Encrypt %d 0 R /ID [<%X> <%X>]", len(enc), testID, testID))
}

// pdfText extracts with the default limits and fails the test on error.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	s, err := Text(context.Background(), TypePDF, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Text: %v", err)
	}
	return s
}

// ucs2 is the hex of text in UCS-2 (as MakePDF writes it).
func ucs2(s string) string { return "<" + ucs2Hex(s) + ">" }

// cjkFont is a Type0 font in STSong-Light with the given encoding CMap.
func cjkFont(encoding string) string {
	return "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /" + encoding +
		" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light" +
		" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 /W [1 95 500] >>] >>"
}
