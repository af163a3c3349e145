package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

var (
	testFormKey  = bytes.Repeat([]byte("k"), 32)
	otherFormKey = bytes.Repeat([]byte("o"), 32)
	guardEpoch   = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func postForm(vals url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/apply", strings.NewReader(vals.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		panic(err)
	}
	return r
}

func wantInvalid(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want Invalid %q", msg)
	}
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid {
		t.Fatalf("error %v is not an apperr Invalid", err)
	}
	if msg != "" && e.Message != msg {
		t.Fatalf("message %q, want %q", e.Message, msg)
	}
}

func flipChar(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestFormGuardCheck(t *testing.T) {
	const form = "ysqgk/apply"
	clock := &testClock{t: guardEpoch}
	g := NewFormGuard(testFormKey, 3*time.Second, clock.Now)
	tok := g.Token(form)
	other := NewFormGuard(otherFormKey, 3*time.Second, clock.Now).Token(form)

	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(form)) {
		t.Error("the token does not hold the form name")
	}
	if strings.ContainsAny(tok, "=+/") {
		t.Errorf("token %q is not base64url without padding", tok)
	}

	cases := []struct {
		name string
		vals url.Values
		at   time.Duration // since issue
		form string
		msg  string // "" = valid
	}{
		{"valid after min fill", url.Values{"_ft": {tok}, "website": {""}}, 5 * time.Second, form, ""},
		{"valid at exactly min fill", url.Values{"_ft": {tok}}, 3 * time.Second, form, ""},
		{"valid just before 24 h", url.Values{"_ft": {tok}}, 24 * time.Hour, form, ""},
		{"too fast", url.Values{"_ft": {tok}}, 2900 * time.Millisecond, form, msgFormTooFast},
		{"too fast, clock of another instance slightly behind", url.Values{"_ft": {tok}}, -time.Minute, form, msgFormTooFast},
		{"issued far in the future", url.Values{"_ft": {tok}}, -time.Hour, form, msgFormInvalid},
		{"expired", url.Values{"_ft": {tok}}, 24*time.Hour + time.Second, form, msgFormExpired},
		{"wrong form name", url.Values{"_ft": {tok}}, 5 * time.Second, "ysqgk/other", msgFormInvalid},
		{"wrong form name, same length", url.Values{"_ft": {tok}}, 5 * time.Second, "ysqgk/apple", msgFormInvalid},
		{"tampered first char", url.Values{"_ft": {flipChar(tok, 0)}}, 5 * time.Second, form, msgFormInvalid},
		{"tampered time", url.Values{"_ft": {flipChar(tok, 8)}}, 5 * time.Second, form, msgFormInvalid},
		{"tampered signature", url.Values{"_ft": {flipChar(tok, len(tok)-3)}}, 5 * time.Second, form, msgFormInvalid},
		{"truncated", url.Values{"_ft": {tok[:len(tok)-1]}}, 5 * time.Second, form, msgFormInvalid},
		{"padded", url.Values{"_ft": {tok + "="}}, 5 * time.Second, form, msgFormInvalid},
		{"garbage", url.Values{"_ft": {"!!!not base64!!!"}}, 5 * time.Second, form, msgFormInvalid},
		{"garbage of the right length", url.Values{"_ft": {strings.Repeat("*", len(tok))}}, 5 * time.Second, form, msgFormInvalid},
		{"overlong", url.Values{"_ft": {strings.Repeat(tok, 1000)}}, 5 * time.Second, form, msgFormInvalid},
		{"missing token", url.Values{"name": {"张三"}}, 5 * time.Second, form, msgFormInvalid},
		{"empty token", url.Values{"_ft": {""}}, 5 * time.Second, form, msgFormInvalid},
		{"honeypot filled", url.Values{"_ft": {tok}, "website": {"https://spam.example"}}, 5 * time.Second, form, msgFormInvalid},
		{"honeypot filled in a second value", url.Values{"_ft": {tok}, "website": {"", "x"}}, 5 * time.Second, form, msgFormInvalid},
		{"honeypot filled and too fast", url.Values{"_ft": {tok}, "website": {"x"}}, time.Second, form, msgFormInvalid},
		{"token of another key", url.Values{"_ft": {other}}, 5 * time.Second, form, msgFormInvalid},
		{"challenge token as form token", url.Values{"_ft": {g.NewChallenge(form).Token}}, 5 * time.Second, form, msgFormInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock.Set(guardEpoch.Add(tc.at))
			err := g.Check(postForm(tc.vals), tc.form)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantInvalid(t, err, tc.msg)
		})
	}
}

func TestFormGuardCheckMultipart(t *testing.T) {
	clock := &testClock{t: guardEpoch}
	g := NewFormGuard(testFormKey, time.Second, clock.Now)
	tok := g.Token("f")
	clock.Set(guardEpoch.Add(2 * time.Second))
	for _, website := range []string{"", "spam"} {
		var body bytes.Buffer
		body.WriteString("--XX\r\nContent-Disposition: form-data; name=\"_ft\"\r\n\r\n" + tok + "\r\n")
		body.WriteString("--XX\r\nContent-Disposition: form-data; name=\"website\"\r\n\r\n" + website + "\r\n--XX--\r\n")
		r := httptest.NewRequest(http.MethodPost, "/", &body)
		r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		if err := ParseForm(r); err != nil {
			t.Fatal(err)
		}
		err := g.Check(r, "f")
		if website == "" && err != nil {
			t.Errorf("multipart form refused: %v", err)
		}
		if website != "" {
			wantInvalid(t, err, msgFormInvalid)
		}
	}
}

func TestFormGuardNoMinFill(t *testing.T) {
	g := NewFormGuard(testFormKey, 0, nil)
	if err := g.Check(postForm(url.Values{"_ft": {g.Token("f")}}), "f"); err != nil {
		t.Fatalf("without a minimum fill time a fresh token was refused: %v", err)
	}
}

func TestFormGuardShortKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a 31-byte key was accepted")
		}
	}()
	NewFormGuard(make([]byte, 31), time.Second, nil)
}

func TestChallengeCheck(t *testing.T) {
	const form = "ysqgk/apply"
	clock := &testClock{t: guardEpoch}
	g := NewFormGuard(testFormKey, 3*time.Second, clock.Now)
	c, answer := g.makeChallenge(form)
	if answer < 1 || answer > 20 {
		t.Fatalf("answer %d out of range", answer)
	}
	if !strings.HasSuffix(c.Question, answerHint) {
		t.Errorf("question %q does not ask for Arabic digits", c.Question)
	}
	ans := strconv.Itoa(answer)
	fullWidth := strings.Map(func(r rune) rune { return r - '0' + '０' }, ans)
	wrong := strconv.Itoa(answer + 1)
	otherKey := NewFormGuard(otherFormKey, 3*time.Second, clock.Now)
	oc, oans := otherKey.makeChallenge(form)

	cases := []struct {
		name   string
		vals   url.Values
		at     time.Duration
		form   string
		msg    string // "" = valid
		field  bool   // the error names the field _ca
		answer bool   // answer-related error
	}{
		{"right answer", url.Values{"_ct": {c.Token}, "_ca": {ans}}, time.Minute, form, "", false, false},
		{"right answer immediately", url.Values{"_ct": {c.Token}, "_ca": {ans}}, 0, form, "", false, false},
		{"right answer with spaces", url.Values{"_ct": {c.Token}, "_ca": {"  " + ans + "\u3000"}}, time.Minute, form, "", false, false},
		{"right answer in full-width digits", url.Values{"_ct": {c.Token}, "_ca": {fullWidth}}, time.Minute, form, "", false, false},
		{"right answer with a leading zero", url.Values{"_ct": {c.Token}, "_ca": {"0" + ans}}, time.Minute, form, "", false, false},
		{"right answer at 30 minutes", url.Values{"_ct": {c.Token}, "_ca": {ans}}, 30 * time.Minute, form, "", false, false},
		{"wrong answer", url.Values{"_ct": {c.Token}, "_ca": {wrong}}, time.Minute, form, msgChallengeWrong, true, true},
		{"answer in words", url.Values{"_ct": {c.Token}, "_ca": {"十二"}}, time.Minute, form, msgChallengeWrong, true, true},
		{"negative answer", url.Values{"_ct": {c.Token}, "_ca": {"-" + ans}}, time.Minute, form, msgChallengeWrong, true, true},
		{"huge answer", url.Values{"_ct": {c.Token}, "_ca": {strings.Repeat("9", 100)}}, time.Minute, form, msgChallengeWrong, true, true},
		{"empty answer", url.Values{"_ct": {c.Token}, "_ca": {" "}}, time.Minute, form, msgChallengeMissing, true, true},
		{"missing token", url.Values{"_ca": {ans}}, time.Minute, form, msgChallengeMissing, true, true},
		{"expired", url.Values{"_ct": {c.Token}, "_ca": {ans}}, 30*time.Minute + time.Second, form, msgChallengeExpired, true, true},
		{"issued far in the future", url.Values{"_ct": {c.Token}, "_ca": {ans}}, -time.Hour, form, msgFormInvalid, false, false},
		{"reused across forms", url.Values{"_ct": {c.Token}, "_ca": {ans}}, time.Minute, "ysqgk/other", msgFormInvalid, false, false},
		{"tampered", url.Values{"_ct": {flipChar(c.Token, 20)}, "_ca": {ans}}, time.Minute, form, msgFormInvalid, false, false},
		{"tampered signature", url.Values{"_ct": {flipChar(c.Token, len(c.Token)-2)}, "_ca": {ans}}, time.Minute, form, msgFormInvalid, false, false},
		{"garbage", url.Values{"_ct": {"%%%"}, "_ca": {ans}}, time.Minute, form, msgFormInvalid, false, false},
		{"overlong", url.Values{"_ct": {strings.Repeat("A", 1<<16)}, "_ca": {ans}}, time.Minute, form, msgFormInvalid, false, false},
		{"form token as challenge token", url.Values{"_ct": {g.Token(form)}, "_ca": {ans}}, time.Minute, form, msgFormInvalid, false, false},
		{"token of another key", url.Values{"_ct": {oc.Token}, "_ca": {strconv.Itoa(oans)}}, time.Minute, form, msgFormInvalid, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock.Set(guardEpoch.Add(tc.at))
			err := g.CheckChallenge(postForm(tc.vals), tc.form)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantInvalid(t, err, tc.msg)
			fields := apperr.FieldsOf(err)
			if tc.field && fields["_ca"] == "" {
				t.Errorf("no message for the field _ca: %v", fields)
			}
			if !tc.field && len(fields) != 0 {
				t.Errorf("unexpected field errors %v", fields)
			}
		})
	}
}

func TestChallengeTokenHidesAnswer(t *testing.T) {
	g := NewFormGuard(testFormKey, 0, nil)
	macs := map[string]bool{}
	for range 200 {
		c, answer := g.makeChallenge("f")
		raw, err := base64.RawURLEncoding.DecodeString(c.Token)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) != chalHeaderSize+len("f")+macSize {
			t.Fatalf("token of %d bytes", len(raw))
		}
		// The token holds a keyed MAC of the answer, different in every
		// token (even for the same answer), that matches only the answer.
		head, mac := raw[:formHeaderSize+nonceSize], raw[formHeaderSize+nonceSize:chalHeaderSize]
		if macs[string(mac)] {
			t.Fatal("two challenges carry the same answer MAC")
		}
		macs[string(mac)] = true
		for n := 0; n <= 25; n++ {
			if got := bytes.Equal(g.answerMAC(head, "f", n), mac); got != (n == answer) {
				t.Fatalf("answer MAC matches %d, answer is %d", n, answer)
			}
		}
	}
}

// parseCN reads the Chinese numerals 0…20 used in the questions.
func parseCN(s string) int {
	digits := map[rune]int{'零': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10
	case len(rs) == 1:
		return digits[rs[0]]
	case rs[0] == '十':
		return 10 + digits[rs[1]]
	case len(rs) == 2:
		return digits[rs[0]] * 10
	}
	return digits[rs[0]]*10 + digits[rs[2]]
}

func TestChallengeQuestions(t *testing.T) {
	for n, want := range map[int]string{0: "零", 7: "七", 10: "十", 12: "十二", 20: "二十", 35: "三十五"} {
		if got := cnNumber(n); got != want {
			t.Errorf("cnNumber(%d) = %s, want %s", n, got, want)
		}
		if n <= 20 && parseCN(cnNumber(n)) != n {
			t.Errorf("parseCN(%s) != %d", want, n)
		}
	}
	numRe := regexp.MustCompile(`[零一二三四五六七八九十]+`)
	wordings := map[string]bool{}
	g := NewFormGuard(testFormKey, 0, nil)
	for range 2000 {
		c, answer := g.makeChallenge("f")
		q := strings.TrimSuffix(c.Question, answerHint)
		nums := numRe.FindAllString(q, -1)
		if len(nums) != 2 {
			t.Fatalf("question %q: numbers %v", c.Question, nums)
		}
		a, b := parseCN(nums[0]), parseCN(nums[1])
		want := a + b
		if strings.ContainsAny(q, "减比差") {
			want = a - b
		}
		if answer != want || answer < 1 || answer > 20 {
			t.Fatalf("question %q: answer %d, want %d (1…20)", c.Question, answer, want)
		}
		if strings.ContainsAny(c.Question, "0123456789") {
			t.Fatalf("question %q gives numbers in digits", c.Question)
		}
		wordings[numRe.ReplaceAllString(q, "#")] = true
	}
	if len(wordings) != len(sumWordings)+len(diffWordings) {
		t.Errorf("only %d wordings used: %v", len(wordings), wordings)
	}
}

func TestFormGuardConcurrent(t *testing.T) {
	g := NewFormGuard(testFormKey, 0, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if err := g.Check(postForm(url.Values{"_ft": {g.Token("f")}}), "f"); err != nil {
					t.Error(err)
					return
				}
				c, ans := g.makeChallenge("f")
				if err := g.CheckChallenge(postForm(url.Values{"_ct": {c.Token}, "_ca": {strconv.Itoa(ans)}}), "f"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestAppGuard(t *testing.T) {
	a, err := NewApp(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if a.Guard == nil || a.Guard.MinFill() != 3*time.Second {
		t.Fatalf("default guard: %+v", a.Guard)
	}
	// Instances that share a key accept each other's tokens.
	b1, _ := NewApp(Options{FormKey: testFormKey, FormMinFill: -1})
	b2, _ := NewApp(Options{FormKey: testFormKey, FormMinFill: -1})
	if err := b2.Guard.Check(postForm(url.Values{"_ft": {b1.Guard.Token("f")}}), "f"); err != nil {
		t.Errorf("a token of an instance with the same key was refused: %v", err)
	}
	if err := a.Guard.Check(postForm(url.Values{"_ft": {b1.Guard.Token("f")}}), "f"); err == nil {
		t.Error("a token of an instance with another key was accepted")
	}
	if _, err := NewApp(Options{FormKey: []byte("short")}); err == nil {
		t.Error("a short FormKey was accepted")
	}
}

func TestFormGuardTemplates(t *testing.T) {
	a, err := NewApp(Options{Logger: slog.New(slog.DiscardHandler), FormKey: testFormKey})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Render.AddPages("fg", fstest.MapFS{
		"page_form.html":      {Data: []byte(`<form method="post">{{template "form-guard" .Data.Token}}{{template "form-challenge" .Data.Challenge}}</form>`)},
		"page_plain.html":     {Data: []byte(`<form method="post">{{template "form-guard" .Data.Token}}{{template "form-challenge" .Data.Challenge}}</form>`)},
		"page_challenge.html": {Data: []byte(`{{template "form-challenge" .Data}}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	render := func(page string, data any) string {
		r := httptest.NewRequest(http.MethodGet, "/apply", nil)
		w := httptest.NewRecorder()
		v := a.NewView(r, "申请")
		v.Data = data
		a.Render.Page(w, r, http.StatusOK, page, v)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", page, w.Code, w.Body)
		}
		return w.Body.String()
	}
	type data struct {
		Token     string
		Challenge *Challenge
	}
	ch := a.Guard.NewChallenge("fg/form")
	ch.Error = msgChallengeWrong
	out := render("fg/form", data{Token: a.Guard.Token("fg/form"), Challenge: &ch})

	hp := regexp.MustCompile(`<div class="hp" aria-hidden="true">(.*?)</div>`).FindStringSubmatch(out)
	if hp == nil {
		t.Fatalf("no aria-hidden honeypot wrapper:\n%s", out)
	}
	for _, want := range []string{`name="website"`, `tabindex="-1"`, `autocomplete="off"`, `<label>请勿填写此项`} {
		if !strings.Contains(hp[1], want) {
			t.Errorf("honeypot lacks %s: %s", want, hp[1])
		}
	}
	if !strings.Contains(out, `<input type="hidden" name="_ft" value="`+a.Guard.Token("fg/form")[:10]) {
		t.Errorf("no form token:\n%s", out)
	}
	for _, want := range []string{
		`<legend>验证问题</legend>`,
		`<label for="f-_ca">` + ch.Question,
		`id="f-_ca" name="_ca"`,
		`inputmode="numeric"`,
		`autocomplete="off" required`,
		`<input type="hidden" name="_ct" value="` + ch.Token + `">`,
		`aria-invalid="true" aria-describedby="f-_ca-error"`,
		`<p class="field-error" id="f-_ca-error">` + msgChallengeWrong,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("challenge lacks %s:\n%s", want, out)
		}
	}
	if !strings.Contains(string(assets["site.css"].body), ".hp {") {
		t.Error("site.css has no .hp rule")
	}

	// Without a challenge nothing of it is rendered: nil pointer, untyped
	// nil and a zero Challenge.
	plain := render("fg/plain", data{Token: "t"})
	if strings.Contains(plain, "fieldset") || strings.Contains(plain, "_ct") || strings.Contains(plain, "_ca") {
		t.Errorf("a nil challenge was rendered:\n%s", plain)
	}
	for _, d := range []any{nil, Challenge{}, (*Challenge)(nil)} {
		if out := render("fg/challenge", d); strings.Contains(out, "fieldset") {
			t.Errorf("%#v rendered a challenge:\n%s", d, out)
		}
	}
	if out := render("fg/challenge", a.Guard.NewChallenge("x")); !strings.Contains(out, "<legend>验证问题</legend>") || strings.Contains(out, "aria-invalid") {
		t.Errorf("a Challenge value was not rendered without error:\n%s", out)
	}

	// Round trip: what the page shows is what Check and CheckChallenge accept.
	clock := &testClock{t: guardEpoch}
	g := NewFormGuard(testFormKey, 3*time.Second, clock.Now)
	c, ans := g.makeChallenge("fg/form")
	out = render("fg/form", data{Token: g.Token("fg/form"), Challenge: &c})
	vals := url.Values{"_ca": {strconv.Itoa(ans)}, "website": {""}}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="(_ft|_ct)" value="([^"]*)">`).FindAllStringSubmatch(out, -1) {
		vals.Set(m[1], m[2])
	}
	clock.Set(guardEpoch.Add(10 * time.Second))
	r := postForm(vals)
	if err := g.Check(r, "fg/form"); err != nil {
		t.Errorf("rendered form token refused: %v", err)
	}
	if err := g.CheckChallenge(r, "fg/form"); err != nil {
		t.Errorf("rendered challenge refused: %v", err)
	}
}

func FuzzFormGuardCheck(f *testing.F) {
	clock := &testClock{t: guardEpoch}
	g := NewFormGuard(testFormKey, 3*time.Second, clock.Now)
	tok := g.Token("form")
	c, ans := g.makeChallenge("form")
	clock.Set(guardEpoch.Add(time.Minute))
	f.Add(tok, c.Token, strconv.Itoa(ans), "")
	f.Add(tok, c.Token, "１２", "x")
	f.Add(tok[:len(tok)-1], c.Token[1:], "", "")
	f.Add("", "", "", "")
	f.Add("====", "AAAA", "-1", " ")
	f.Add(strings.Repeat("A", len(tok)), strings.Repeat("_", len(c.Token)), "99999999999999999999", "")
	f.Add("\x00\xff", "\xe4\xb8", "\u3000", "\u3000")
	f.Fuzz(func(t *testing.T, ft, ct, ca, website string) {
		r := postForm(url.Values{"_ft": {ft}, "_ct": {ct}, "_ca": {ca}, "website": {website}})
		for _, err := range []error{g.Check(r, "form"), g.CheckChallenge(r, "form")} {
			if err != nil && apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error %v is not Invalid", err)
			}
			if err != nil && !strings.ContainsFunc(apperr.MessageOf(err), func(r rune) bool { return r >= 0x4e00 }) {
				t.Fatalf("message %q is not Chinese", apperr.MessageOf(err))
			}
		}
	})
}
