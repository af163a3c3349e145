package main

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/netip"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

// The generated identities, phones and files must pass the server's own
// checks, or the drill measures rejections instead of submissions.
func TestGeneratedFieldsAreValid(t *testing.T) {
	seen := map[string]bool{}
	for _, seq := range []int64{0, 1, 999, 1000, 123456, 19_999_999} {
		id := idNumber(seq)
		if !pii.ValidIDNumber(id) {
			t.Errorf("idNumber(%d) = %s: not a valid ID number", seq, id)
		}
		if seen[id] {
			t.Errorf("idNumber(%d) = %s repeats", seq, id)
		}
		seen[id] = true
		if p := phone(12345, seq); !web.ValidPhone(p) {
			t.Errorf("phone(%d) = %s: not valid", seq, p)
		}
	}
	bench := netip.MustParsePrefix("198.18.0.0/15")
	for _, seq := range []int64{0, 1, 1<<17 - 1, 1 << 17, 1<<40 + 5} {
		a := netip.MustParseAddr(clientAddr(seq))
		if !bench.Contains(a) {
			t.Errorf("clientAddr(%d) = %s: outside 198.18.0.0/15", seq, a)
		}
	}
	if clientAddr(1) == clientAddr(2) {
		t.Error("consecutive submissions share an address")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, pdf := range []bool{true, false} {
		name, b := attachment(r, "GKDtest-1", pdf)
		k, err := blob.Sniff(b, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := map[bool]blob.Kind{true: blob.PDF, false: blob.JPEG}[pdf]; k != want {
			t.Errorf("%s sniffed as %s, want %s", name, k, want)
		}
		_, b2 := attachment(r, "GKDtest-1", pdf)
		if sha(b) == sha(b2) {
			t.Errorf("two %s files are identical", name)
		}
	}
}

// build makes requests the server's handlers accept: the JSON API's
// fields, the forms' fields with the token, and a fresh client address.
func TestBuild(t *testing.T) {
	tg := &Target{Agency: "mzzj", Leader: "局长", Consultation: 2, Clauses: 10, Events: []Event{{ID: 2, Groups: []int64{6, 7}}}}
	r := rand.New(rand.NewPCG(1, 2))
	for seq := int64(1); seq <= 8; seq++ {
		k := kinds[seq%4]
		req, rec, err := build(context.Background(), "http://127.0.0.1:1", tg, 7, "abc", seq, k, "TOKEN", r)
		if err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("X-Forwarded-For") != clientAddr(seq) || rec.Kind != k || !strings.Contains(rec.Marker, "abc") {
			t.Fatalf("%s: %v %+v", k, req.Header, rec)
		}
		switch k {
		case KindApplication:
			var in struct {
				Agency    string            `json:"agency"`
				Applicant map[string]string `json:"applicant"`
				Request   map[string]string `json:"request"`
				Proof     struct {
					FileName string `json:"file_name"`
				} `json:"identity_proof"`
			}
			if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
				t.Fatal(err)
			}
			if in.Agency != "mzzj" || in.Applicant["id_number"] != rec.IDNumber || in.Request["title"] != rec.Subject || rec.FileSHA256 == "" {
				t.Fatalf("application: %+v %+v", in, rec)
			}
		case KindLetter, KindComment:
			_, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
			if err != nil {
				t.Fatal(err)
			}
			form, err := multipart.NewReader(req.Body, params["boundary"]).ReadForm(1 << 20)
			if err != nil {
				t.Fatal(err)
			}
			if form.Value["_ft"][0] != "TOKEN" || form.Value["body"][0] != rec.Body || form.Value["phone"][0] != rec.Phone {
				t.Fatalf("%s form: %v", k, form.Value)
			}
			if (len(form.File["attachment"]) == 1) != (rec.FileSHA256 != "") {
				t.Fatalf("%s: attachment sent %d, recorded %q", k, len(form.File["attachment"]), rec.FileSHA256)
			}
		case KindSignup:
			b, _ := io.ReadAll(req.Body)
			if !strings.Contains(string(b), "_ft=TOKEN") || rec.EventID != 2 || rec.GroupID == 0 {
				t.Fatalf("signup: %s %+v", b, rec)
			}
		}
	}
}

// acknowledge reads the receipts the server renders, and nothing else.
func TestAcknowledge(t *testing.T) {
	cases := []struct {
		kind   Kind
		status int
		body   string
		ok     bool
		check  func(*Record) bool
	}{
		{KindApplication, 201, `{"number":"2026-000123","query_code":"ABCDEFGH23","state":"received"}`, true,
			func(r *Record) bool { return r.Number == "2026-000123" && r.Code == "ABCDEFGH23" }},
		{KindApplication, 429, `{"title":"too many"}`, false, nil},
		{KindApplication, 201, `{"number":""}`, false, nil},
		{KindLetter, 200, `<dl class="facts"><dt>编号</dt><dd><strong class="code">X2026-000316</strong></dd><dt>查询码</dt><dd><strong class="code">SKG4MCNFBG</strong></dd></dl>`, true,
			func(r *Record) bool { return r.Number == "X2026-000316" && r.Code == "SKG4MCNFBG" }},
		{KindLetter, 200, `<form>…the form again with an error…</form>`, false, nil},
		{KindComment, 200, `<dl class="receipt"><dt>意见编号</dt><dd><strong class="code">42</strong></dd>`, true,
			func(r *Record) bool { return r.CommentID == 42 }},
		{KindComment, 422, `<dt>意见编号</dt><dd><strong class="code">42</strong></dd>`, false, nil},
		{KindSignup, 200, `<dt>报名码</dt><dd><strong class="code" id="signup-code">7KQ2MZ9PXA</strong></dd>`, true,
			func(r *Record) bool { return r.Code == "7KQ2MZ9PXA" }},
	}
	for i, c := range cases {
		r := &Record{Kind: c.kind}
		if got := acknowledge(r, c.status, []byte(c.body)); got != c.ok || (got && !c.check(r)) {
			t.Errorf("case %d (%s %d): acknowledged %v, record %+v", i, c.kind, c.status, got, r)
		}
	}
}
