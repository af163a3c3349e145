// Package querycode makes and checks the query codes the public gets with
// an application or a letter: shown once, stored only as a hash bound to
// the record's number, compared in constant time.
package querycode

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Alphabet leaves out 0, O, 1, I and L, which are easy to confuse.
const Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// Length is the number of characters of a code (about 50 bits).
const Length = 10

// New returns a random code.
func New() string {
	b := make([]byte, Length)
	rand.Read(b)
	for i := range b {
		b[i] = Alphabet[int(b[i])%len(Alphabet)]
	}
	return string(b)
}

// Normalize reads a code as typed: full-width letters and digits become
// ASCII, letters upper case, spaces and hyphens go.
func Normalize(code string) string {
	var b strings.Builder
	for _, r := range code {
		switch {
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'a'
		}
		if r == ' ' || r == '-' || r == '\u3000' {
			continue
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// Hash is what is stored: the code bound to its purpose and record number.
func Hash(purpose, number, code string) string {
	h := sha256.Sum256([]byte("gongkai-" + purpose + ":" + number + ":" + Normalize(code)))
	return hex.EncodeToString(h[:])
}

// Match reports, in constant time, whether code is the one behind hash.
func Match(hash, purpose, number, code string) bool {
	return subtle.ConstantTimeCompare([]byte(hash), []byte(Hash(purpose, number, code))) == 1
}
