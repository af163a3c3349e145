package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SecretBox encrypts second-factor secrets at rest with AES-256-GCM, so a
// copy of the database alone does not yield working codes.
type SecretBox struct{ aead cipher.AEAD }

// NewSecretBox derives the AES key from the configured secret key (hex or
// base64 of at least 32 bytes).
func NewSecretBox(key string) (*SecretBox, error) {
	raw, err := decodeKey(key)
	if err != nil {
		return nil, err
	}
	k := sha256.Sum256(append([]byte("gongkai totp v1:"), raw...))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead}, nil
}

func decodeKey(key string) ([]byte, error) {
	key = strings.TrimSpace(key)
	if b, err := hex.DecodeString(key); err == nil && len(b) >= 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(key); err == nil && len(b) >= 32 {
		return b, nil
	}
	if b, err := base64.RawURLEncoding.DecodeString(key); err == nil && len(b) >= 32 {
		return b, nil
	}
	return nil, errors.New("the secret key must be at least 32 bytes, hex or base64 encoded (e.g. openssl rand -hex 32)")
}

// NewSecretKey returns a fresh key in the form NewSecretBox expects.
func NewSecretKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Seal encrypts plain.
func (s *SecretBox) Seal(plain string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return "v1:" + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts a value made by Seal.
func (s *SecretBox) Open(sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", errors.New("auth: unknown secret format")
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("auth: corrupt secret")
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("auth: secret cannot be decrypted with this key (was GONGKAI_SECRET_KEY changed?): %w", err)
	}
	return string(plain), nil
}
