package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Form field names used by FormGuard and the "form-guard" and
// "form-challenge" template partials.
const (
	FormTokenField       = "_ft"     // signed token of the form (hidden)
	FormHoneypotField    = "website" // must stay empty; hidden from people and screen readers
	ChallengeTokenField  = "_ct"     // signed token of the challenge (hidden)
	ChallengeAnswerField = "_ca"     // the answer to the challenge question
)

// Lifetimes of the tokens.
const (
	// FormTokenTTL is how long after it was shown a form may be submitted.
	FormTokenTTL = 24 * time.Hour
	// ChallengeTTL is how long a challenge question may be answered.
	ChallengeTTL = 30 * time.Minute
	// FormKeySize is the minimum length of a FormGuard key.
	FormKeySize = 32
	// clockSkew is how far in the future a token's issue time may lie (the
	// clocks of several instances never agree exactly); beyond that the token
	// is rejected as invalid.
	clockSkew = 2 * time.Minute
)

// User-facing messages. They are deliberately vague about which check failed.
const (
	msgFormTooFast      = "提交过快，请确认填写内容后再提交。"
	msgFormExpired      = "页面已过期，请刷新页面后重新填写。"
	msgFormInvalid      = "表单校验失败，请刷新页面后重新提交。"
	msgChallengeWrong   = "验证问题回答不正确，请重新回答。"
	msgChallengeMissing = "请回答验证问题后再提交。"
	msgChallengeExpired = "验证问题已过期，请回答新的验证问题。"
)

// Internal causes, wrapped in the apperr.Error for the log; never shown.
var (
	errHoneypot      = errors.New("formguard: honeypot field filled")
	errTokenMissing  = errors.New("formguard: token missing")
	errTokenMalform  = errors.New("formguard: token malformed")
	errTokenBadMAC   = errors.New("formguard: token signature invalid")
	errTokenForm     = errors.New("formguard: token issued for another form")
	errTokenFuture   = errors.New("formguard: token issued in the future")
	errTokenTooFast  = errors.New("formguard: submitted before the minimum fill time")
	errTokenExpired  = errors.New("formguard: token expired")
	errAnswerMissing = errors.New("formguard: challenge answer missing")
	errAnswerWrong   = errors.New("formguard: challenge answer wrong")
)

// Token layout (before base64url without padding):
//
//	form token:      ver | kind 'f' | issued (Unix ms, 8 bytes) | form name | HMAC-SHA256
//	challenge token: ver | kind 'c' | issued (Unix ms, 8 bytes) | nonce (8) | answer MAC (16) | form name | HMAC-SHA256
//
// The outer HMAC covers everything before it. The answer MAC is an HMAC
// (with a key of its own) of version, kind, issue time, nonce, form name and
// the expected answer, so the answer never appears in the token, and tokens
// that share an answer do not look alike.
const (
	tokenVersion   = 1
	kindForm       = 'f'
	kindChallenge  = 'c'
	macSize        = sha256.Size
	answerMACSize  = 16
	nonceSize      = 8
	formHeaderSize = 1 + 1 + 8
	chalHeaderSize = formHeaderSize + nonceSize + answerMACSize
)

var tokenEncoding = base64.RawURLEncoding

// FormGuard protects public forms from automated submissions without
// JavaScript, images or server-side state:
//
//   - a honeypot field ("website") that people never see and screen readers
//     never announce, but naive bots fill in;
//   - a signed form token ("_ft") that records when the form was shown, so a
//     submission faster than the minimum fill time, or older than 24 hours, is
//     refused;
//   - on demand, an accessible text question with a numeric answer (see
//     NewChallenge), which a handler asks for when abuse continues, for
//     example after a rate limit trips. FormGuard only provides the mechanism:
//     the handler decides when to demand it.
//
// Rendering: pass Token(form) to the "form-guard" partial and, when the
// handler wants one, a *Challenge from NewChallenge to "form-challenge"
// (nil renders nothing). Checking: after ParseForm, call Check and, when the
// handler demands it, CheckChallenge. Pages carrying tokens must not be
// served from the PageCache: each rendering needs a fresh token.
//
// FormGuard is stateless: a token carries everything needed to check it, so
// any instance that shares the key can check a token another issued (their
// clocks should be synchronised). For the same reason a token can be
// submitted more than once within its lifetime, and an answered challenge can
// be replayed for its 30 minutes; handlers should count failed challenges
// toward their rate limits, since the answer space is small.
//
// A FormGuard is safe for concurrent use.
type FormGuard struct {
	formKey   []byte // signs form tokens
	chalKey   []byte // signs challenge tokens
	answerKey []byte // MACs challenge answers
	minFill   time.Duration
	now       func() time.Time
}

// NewFormGuard returns a FormGuard that signs with key, which must be at
// least FormKeySize (32) random bytes; NewFormGuard panics on a shorter key,
// since that is a configuration error. Several instances must share the same
// key. minFill is the minimum time between showing a form and submitting it
// (0 or negative: none). now is the clock; nil means time.Now.
func NewFormGuard(key []byte, minFill time.Duration, now func() time.Time) *FormGuard {
	if len(key) < FormKeySize {
		panic(fmt.Sprintf("web: FormGuard key must be at least %d bytes, got %d", FormKeySize, len(key)))
	}
	if now == nil {
		now = time.Now
	}
	if minFill < 0 {
		minFill = 0
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("gongkai/web/formguard/v1/" + label))
		return m.Sum(nil)
	}
	return &FormGuard{
		formKey:   derive("form"),
		chalKey:   derive("challenge"),
		answerKey: derive("answer"),
		minFill:   minFill,
		now:       now,
	}
}

// MinFill returns the minimum fill time.
func (g *FormGuard) MinFill() time.Duration { return g.minFill }

// Token returns the value of the hidden field "_ft" for the named form: the
// form name and the issue time, signed with HMAC-SHA256, in base64url without
// padding.
func (g *FormGuard) Token(form string) string {
	b := make([]byte, 0, formHeaderSize+len(form)+macSize)
	b = append(b, tokenVersion, kindForm)
	b = binary.BigEndian.AppendUint64(b, uint64(g.now().UnixMilli()))
	b = append(b, form...)
	return tokenEncoding.EncodeToString(sign(g.formKey, b))
}

// Check validates a submitted form; call it after ParseForm (or
// ParseMultipartForm). The honeypot field "website" must be empty and the
// token "_ft" must have been issued for form by a guard with the same key, at
// least MinFill and at most 24 hours ago. Errors are *apperr.Error with code
// Invalid and a Chinese message that does not say more than a person needs
// to know; the technical cause is wrapped for the log.
func (g *FormGuard) Check(r *http.Request, form string) error {
	tok := r.PostFormValue(FormTokenField) // parses the body if nobody has yet
	for _, v := range r.PostForm[FormHoneypotField] {
		if strings.TrimSpace(v) != "" {
			return apperr.Wrap(apperr.Invalid, msgFormInvalid, errHoneypot)
		}
	}
	b, err := g.open(g.formKey, tok, formHeaderSize, form, kindForm)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, msgFormInvalid, err)
	}
	age, err := g.age(b, FormTokenTTL)
	switch {
	case errors.Is(err, errTokenExpired):
		return apperr.Wrap(apperr.Invalid, msgFormExpired, err)
	case err != nil:
		return apperr.Wrap(apperr.Invalid, msgFormInvalid, err)
	case age < g.minFill:
		return apperr.Wrap(apperr.Invalid, msgFormTooFast, errTokenTooFast)
	}
	return nil
}

// Challenge is an accessible, image-free question whose answer is a small
// number, to be written with Arabic digits, for example
// "七加五等于几？（请用阿拉伯数字填写）". Token goes into the hidden field
// "_ct"; it is signed and binds the form, the issue time and an HMAC of the
// expected answer, never the answer itself.
type Challenge struct {
	Question string
	Token    string
	// Error, if set by the handler (from the "_ca" field error of
	// CheckChallenge), is shown with the answer field.
	Error string
}

// NewChallenge returns a fresh question for the named form, valid for 30
// minutes. Render it with the "form-challenge" partial.
func (g *FormGuard) NewChallenge(form string) Challenge {
	c, _ := g.makeChallenge(form)
	return c
}

// makeChallenge returns a challenge and its answer.
func (g *FormGuard) makeChallenge(form string) (Challenge, int) {
	q, answer := challengeQuestion(mrand.IntN)
	b := make([]byte, 0, chalHeaderSize+len(form)+macSize)
	b = append(b, tokenVersion, kindChallenge)
	b = binary.BigEndian.AppendUint64(b, uint64(g.now().UnixMilli()))
	var nonce [nonceSize]byte
	rand.Read(nonce[:]) // never fails (crypto/rand, Go 1.24+)
	b = append(b, nonce[:]...)
	b = append(b, g.answerMAC(b, form, answer)...)
	b = append(b, form...)
	return Challenge{Question: q, Token: tokenEncoding.EncodeToString(sign(g.chalKey, b))}, answer
}

// CheckChallenge checks the answer "_ca" to the challenge "_ct" for form;
// call it after ParseForm, when the handler demands a challenge. A missing,
// wrong or expired answer gives an Invalid error with a message for the
// field "_ca" (apperr.FieldsOf); the handler then shows a new challenge. The
// answer may be written with half- or full-width digits and surrounding
// spaces. A token that was tampered with, or issued for another form or by a
// guard with another key, gives the generic Invalid error.
func (g *FormGuard) CheckChallenge(r *http.Request, form string) error {
	tok := r.PostFormValue(ChallengeTokenField)
	if tok == "" {
		return fieldError(msgChallengeMissing, errTokenMissing)
	}
	b, err := g.open(g.chalKey, tok, chalHeaderSize, form, kindChallenge)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, msgFormInvalid, err)
	}
	if _, err := g.age(b, ChallengeTTL); errors.Is(err, errTokenExpired) {
		return fieldError(msgChallengeExpired, err)
	} else if err != nil {
		return apperr.Wrap(apperr.Invalid, msgFormInvalid, err)
	}
	raw := strings.TrimSpace(r.PostFormValue(ChallengeAnswerField))
	if raw == "" {
		return fieldError(msgChallengeMissing, errAnswerMissing)
	}
	answer, ok := parseAnswer(raw)
	want := b[formHeaderSize+nonceSize : chalHeaderSize]
	if !ok || !hmac.Equal(g.answerMAC(b[:formHeaderSize+nonceSize], form, answer), want) {
		return fieldError(msgChallengeWrong, errAnswerWrong)
	}
	return nil
}

// fieldError is an Invalid error for the challenge answer field.
func fieldError(msg string, cause error) error {
	e := apperr.FieldErrors(map[string]string{ChallengeAnswerField: msg})
	e.Message = msg
	e.Err = cause
	return e
}

// sign appends the HMAC-SHA256 of b under key.
func sign(key, b []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return m.Sum(b)
}

// open decodes and verifies a token of the given kind for form and returns
// its payload (without the MAC). Its length is fixed by the header size and
// the form name, so overlong input is refused before it is decoded.
func (g *FormGuard) open(key []byte, tok string, header int, form string, kind byte) ([]byte, error) {
	if tok == "" {
		return nil, errTokenMissing
	}
	n := header + len(form) + macSize
	if len(tok) != tokenEncoding.EncodedLen(n) {
		return nil, errTokenMalform
	}
	b, err := tokenEncoding.Strict().DecodeString(tok)
	if err != nil || len(b) != n {
		return nil, errTokenMalform
	}
	payload, mac := b[:n-macSize], b[n-macSize:]
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	if !hmac.Equal(m.Sum(nil), mac) {
		return nil, errTokenBadMAC
	}
	if payload[0] != tokenVersion || payload[1] != kind {
		return nil, errTokenMalform
	}
	if subtle.ConstantTimeCompare(payload[header:], []byte(form)) != 1 {
		return nil, errTokenForm
	}
	return payload, nil
}

// age returns how long ago the token payload b was issued.
func (g *FormGuard) age(b []byte, ttl time.Duration) (time.Duration, error) {
	issued := time.UnixMilli(int64(binary.BigEndian.Uint64(b[2:10]))) // #nosec G115 -- MAC-checked bits written from an int64 by this package
	age := g.now().Sub(issued)
	switch {
	case age < -clockSkew:
		return age, errTokenFuture
	case age > ttl:
		return age, errTokenExpired
	}
	return age, nil
}

// answerMAC binds the answer to a challenge: head is version, kind, issue
// time and nonce.
func (g *FormGuard) answerMAC(head []byte, form string, answer int) []byte {
	m := hmac.New(sha256.New, g.answerKey)
	m.Write(head)
	m.Write(binary.AppendUvarint(nil, uint64(len(form))))
	m.Write([]byte(form))
	m.Write([]byte(strconv.Itoa(answer)))
	return m.Sum(nil)[:answerMACSize]
}

// parseAnswer reads a non-negative number written with half- or full-width
// Arabic digits (spaces already trimmed).
func parseAnswer(s string) (int, bool) {
	if utf8.RuneCountInString(s) > 6 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n = n*10 + int(r-'0')
		case r >= '０' && r <= '９':
			n = n*10 + int(r-'０')
		default:
			return 0, false
		}
	}
	return n, true
}

var cnDigits = [...]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// cnNumber writes 0…99 in Chinese numerals (十二, 二十).
func cnNumber(n int) string {
	switch {
	case n < 10:
		return cnDigits[n]
	case n < 20:
		if n == 10 {
			return "十"
		}
		return "十" + cnDigits[n-10]
	case n%10 == 0:
		return cnDigits[n/10] + "十"
	}
	return cnDigits[n/10] + "十" + cnDigits[n%10]
}

// Question wordings: sums of two numbers from 1 to 10, differences of a
// number up to 20 and a smaller one up to 10 (the answer is at least 1).
var (
	sumWordings = []string{
		"%s加%s等于几？",
		"%s加上%s是多少？",
		"%s与%s的和是多少？",
		"把%s和%s加起来，得数是几？",
	}
	diffWordings = []string{
		"%s减%s等于几？",
		"%s减去%s是多少？",
		"%s比%s多几？",
		"%s与%s的差是多少？",
	}
)

const answerHint = "（请用阿拉伯数字填写）"

// challengeQuestion makes a question and its answer; intn is the random source.
func challengeQuestion(intn func(int) int) (string, int) {
	if intn(2) == 0 {
		a, b := 1+intn(10), 1+intn(10)
		return fmt.Sprintf(sumWordings[intn(len(sumWordings))], cnNumber(a), cnNumber(b)) + answerHint, a + b
	}
	b := 1 + intn(10)
	a := b + 1 + intn(20-b) // b < a <= 20
	return fmt.Sprintf(diffWordings[intn(len(diffWordings))], cnNumber(a), cnNumber(b)) + answerHint, a - b
}
