package extract

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5" // #nosec G501 -- PDF 32000-1 7.6.3: the standard security handler (R2-R4) is defined with MD5; used only to read such PDFs
	"crypto/rc4" // #nosec G503 -- PDF 32000-1 7.6.2: RC4-encrypted PDFs; used only to read them
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
)

// The standard security handler, for files encrypted with an empty user
// password (files that anyone can open but whose permissions are
// restricted, common for published documents). Files that need a password
// give ErrEncrypted.

type pdfCrypt struct {
	key    []byte
	stm    string // method for streams: "None", "V2" (RC4), "AESV2", "AESV3"
	str    string // method for strings
	encNum int    // the object holding the encryption dictionary, never encrypted
}

var pdfPadding = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

func newCrypt(enc, trailer pdfDict, encNum int) (*pdfCrypt, error) {
	if enc == nil {
		return nil, fmt.Errorf("%w: unreadable encryption dictionary", ErrEncrypted)
	}
	if f, _ := enc["Filter"].(pdfName); f != "Standard" {
		return nil, fmt.Errorf("%w: security handler %q", ErrEncrypted, f)
	}
	v, _ := enc["V"].(int64)
	r, _ := enc["R"].(int64)
	o, _ := enc["O"].(pdfString)
	u, _ := enc["U"].(pdfString)
	p, _ := enc["P"].(int64)
	c := &pdfCrypt{encNum: encNum, stm: "V2", str: "V2"}
	keyLen := 5
	if n, ok := enc["Length"].(int64); ok && n >= 40 && n <= 256 && n%8 == 0 {
		keyLen = int(n / 8)
	}
	if v == 4 || v == 5 {
		cf, _ := enc["CF"].(pdfDict)
		method := func(name pdfObj) string {
			n, _ := name.(pdfName)
			if n == "" || n == "Identity" {
				return "None"
			}
			d, _ := cf[string(n)].(pdfDict)
			m, _ := d["CFM"].(pdfName)
			if m == "" {
				return "None"
			}
			return string(m)
		}
		c.stm = method(enc["StmF"])
		c.str = method(enc["StrF"])
		if v == 4 {
			keyLen = 16
		}
	}
	switch {
	case r >= 2 && r <= 4:
		if len(o) < 32 || len(u) < 16 {
			return nil, fmt.Errorf("%w: bad /O or /U", ErrEncrypted)
		}
		if r == 2 {
			keyLen = 5
		}
		var id0 []byte
		if ids, ok := trailer["ID"].(pdfArray); ok && len(ids) > 0 {
			s, _ := ids[0].(pdfString)
			id0 = []byte(s)
		}
		encryptMeta := true
		if b, ok := enc["EncryptMetadata"].(bool); ok {
			encryptMeta = b
		}
		h := md5.New() // #nosec G401 -- PDF 32000-1 algorithm 2 (file key), reading only
		h.Write(pdfPadding)
		h.Write([]byte(o[:32]))
		var pb [4]byte
		binary.LittleEndian.PutUint32(pb[:], uint32(int32(p))) // #nosec G115 -- PDF 32000-1 7.6.3.3: /P as a 32-bit two's-complement integer
		h.Write(pb[:])
		h.Write(id0)
		if r >= 4 && !encryptMeta {
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}
		key := h.Sum(nil)[:keyLen]
		if r >= 3 {
			for i := 0; i < 50; i++ {
				s := md5.Sum(key) // #nosec G401 -- PDF 32000-1 algorithm 2, step f
				key = s[:keyLen]
			}
		}
		// Check the key against /U: does the empty password open it?
		var check []byte
		if r == 2 {
			check = rc4Crypt(key, pdfPadding)
			if !bytes.Equal(check, []byte(u[:32])) {
				return nil, fmt.Errorf("%w: a password is required", ErrEncrypted)
			}
		} else {
			h := md5.New() // #nosec G401 -- PDF 32000-1 algorithm 5 (checking /U)
			h.Write(pdfPadding)
			h.Write(id0)
			check = rc4Crypt(key, h.Sum(nil))
			k := make([]byte, len(key))
			for i := 1; i <= 19; i++ {
				for j := range key {
					k[j] = key[j] ^ byte(i)
				}
				check = rc4Crypt(k, check)
			}
			if !bytes.Equal(check[:16], []byte(u[:16])) {
				return nil, fmt.Errorf("%w: a password is required", ErrEncrypted)
			}
		}
		c.key = key
	case r == 5 || r == 6:
		ue, _ := enc["UE"].(pdfString)
		if len(u) < 48 || len(ue) < 32 {
			return nil, fmt.Errorf("%w: bad /U or /UE", ErrEncrypted)
		}
		ub := []byte(u)
		if !bytes.Equal(hash2B(nil, ub[32:40], nil, r), ub[:32]) {
			return nil, fmt.Errorf("%w: a password is required", ErrEncrypted)
		}
		ik := hash2B(nil, ub[40:48], nil, r)
		block, err := aes.NewCipher(ik)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrEncrypted, err)
		}
		key := make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, []byte(ue[:32]))
		c.key = key
	default:
		return nil, fmt.Errorf("%w: revision %d", ErrEncrypted, r)
	}
	return c, nil
}

// hash2B is the password hash of revisions 5 (SHA-256) and 6 (ISO 32000-2
// algorithm 2.B).
func hash2B(password, salt, udata []byte, r int64) []byte {
	h := sha256.New()
	h.Write(password)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if r == 5 {
		return k
	}
	for round := 0; ; round++ {
		seq := make([]byte, 0, len(password)+len(k)+len(udata))
		seq = append(seq, password...)
		seq = append(seq, k...)
		seq = append(seq, udata...)
		k1 := bytes.Repeat(seq, 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		var hh hash.Hash
		switch sum % 3 {
		case 0:
			hh = sha256.New()
		case 1:
			hh = sha512.New384()
		default:
			hh = sha512.New()
		}
		hh.Write(e)
		k = hh.Sum(nil)
		if round >= 63 && int(e[len(e)-1]) <= round+1-32 {
			break
		}
	}
	return k[:32]
}

func rc4Crypt(key, data []byte) []byte {
	c, err := rc4.NewCipher(key) // #nosec G405 -- PDF 32000-1 7.6.2: decrypting RC4 PDFs
	if err != nil {
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

func (c *pdfCrypt) objKey(num, gen int, aesSalt bool) []byte {
	if len(c.key) == 32 {
		return c.key // revision 5 and 6 use the file key as it is
	}
	h := md5.New() // #nosec G401 -- PDF 32000-1 algorithm 1 (object key)
	h.Write(c.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)}) // #nosec G115 -- PDF 32000-1 algorithm 1: the low 3 bytes of the object number, the low 2 of the generation
	if aesSalt {
		h.Write([]byte("sAlT"))
	}
	k := h.Sum(nil)
	n := len(c.key) + 5
	if n > 16 {
		n = 16
	}
	return k[:n]
}

func (c *pdfCrypt) decrypt(method string, num, gen int, data []byte) []byte {
	switch method {
	case "V2":
		return rc4Crypt(c.objKey(num, gen, false), data)
	case "AESV2", "AESV3":
		if len(data) < 32 {
			return nil
		}
		block, err := aes.NewCipher(c.objKey(num, gen, true))
		if err != nil {
			return nil
		}
		iv, body := data[:16], data[16:]
		body = body[:len(body)/16*16]
		out := make([]byte, len(body))
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, body)
		if n := len(out); n > 0 {
			pad := int(out[n-1])
			if pad >= 1 && pad <= 16 && pad <= n {
				out = out[:n-pad]
			}
		}
		return out
	}
	return data
}

func (c *pdfCrypt) decryptStream(s *pdfStream, data []byte) []byte {
	return c.decrypt(c.stm, s.num, s.gen, data)
}

// decryptObj decrypts the strings in an object read directly from the file.
func (c *pdfCrypt) decryptObj(o pdfObj, num, gen int) pdfObj {
	switch v := o.(type) {
	case pdfString:
		return pdfString(c.decrypt(c.str, num, gen, []byte(v)))
	case pdfArray:
		for i := range v {
			v[i] = c.decryptObj(v[i], num, gen)
		}
		return v
	case pdfDict:
		for k, x := range v {
			v[k] = c.decryptObj(x, num, gen)
		}
		return v
	}
	return o
}
