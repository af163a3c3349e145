package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Argon2id parameters (OWASP Password Storage Cheat Sheet: m=19 MiB, t=2,
// p=1 is the minimum recommended configuration). They are stored with every
// hash, so raising them later re-hashes at the next login.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches hash, and whether the hash
// should be upgraded to the current parameters.
func VerifyPassword(hash, password string) (ok, rehash bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 20 {
		return false, false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want))) // #nosec G115 -- 1 <= len(want) <= 64, checked above
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false
	}
	return true, m != argonMemory || t != argonTime || p != argonThreads
}

// dummyHash is verified against when the user does not exist, so that a
// login for an unknown name takes as long as one for a known name.
var dummyHash, _ = HashPassword("gongkai-timing-equaliser")

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// MaxPasswordLength bounds the work a login can cause.
const MaxPasswordLength = 128

// CheckPassword enforces the password policy: at least 12 characters, at
// least three of the four classes (lower case, upper case, digits, symbols),
// not a common password or a variation of one, and not containing the user
// name. The message says what is wrong, in Chinese.
func CheckPassword(password, username string) error {
	field := func(msg string) error { return apperr.FieldErrors(map[string]string{"password": msg}) }
	if !utf8.ValidString(password) {
		return field("密码含有无效字符")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return field(fmt.Sprintf("密码至少需要 %d 个字符（当前 %d 个）", MinPasswordLength, n))
	}
	if n > MaxPasswordLength {
		return field(fmt.Sprintf("密码不能超过 %d 个字符", MaxPasswordLength))
	}
	var lower, upper, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsControl(r):
			return field("密码不能包含控制字符")
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return field("密码须包含小写字母、大写字母、数字、符号中的至少三类")
	}
	if u := strings.ToLower(strings.TrimSpace(username)); len(u) >= 3 && strings.Contains(strings.ToLower(password), u) {
		return field("密码不能包含用户名")
	}
	if IsCommonPassword(password) {
		return field("这个密码太常见，容易被猜中，请换一个")
	}
	return nil
}

// GeneratePassword returns a random password that satisfies the policy, for
// new accounts and resets (shown once to the administrator).
func GeneratePassword() string {
	// No look-alike characters (0/O, 1/l/I), grouped for reading aloud.
	const lower = "abcdefghijkmnpqrstuvwxyz"
	const upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	const digits = "23456789"
	sets := []string{lower, upper, digits, lower, upper, digits, lower, lower, upper, digits, lower, upper, digits, lower, upper, digits}
	b := make([]byte, 0, 20)
	for i, set := range sets {
		if i > 0 && i%4 == 0 {
			b = append(b, '-')
		}
		b = append(b, set[randIndex(len(set))])
	}
	return string(b)
}

func randIndex(n int) int {
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < 256-256%n {
			return int(b[0]) % n
		}
	}
}
