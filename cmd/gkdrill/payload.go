package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/pii"
)

// Kind is a kind of public submission.
type Kind string

// The four kinds the drills submit, in the order of the mix.
const (
	KindApplication Kind = "application" // POST /api/v1/applications (JSON, identity proof)
	KindLetter      Kind = "letter"      // POST /o/{slug}/mailbox (form, attachment on every other one)
	KindComment     Kind = "comment"     // POST /o/{slug}/consultations/{id}/comments (form, attachment on every other one)
	KindSignup      Kind = "signup"      // POST /o/{slug}/opendays/{id}/signups (form)
)

var kinds = []Kind{KindApplication, KindLetter, KindComment, KindSignup}

// Target is what the drill submits to, discovered from the portal.
type Target struct {
	Agency       string
	Leader       string // a leader of the mailbox
	Consultation int64  // a consultation open for comments
	Clauses      int    // its number of clauses
	Events       []Event
}

// Event is an open day that takes sign-ups, with its groups.
type Event struct {
	ID     int64
	Groups []int64
}

// formPage is the page that shows the form of kind k (for its token).
func (t *Target) formPage(k Kind, seq int64) string {
	switch k {
	case KindLetter:
		return "/o/" + t.Agency + "/mailbox"
	case KindComment:
		return fmt.Sprintf("/o/%s/consultations/%d", t.Agency, t.Consultation)
	case KindSignup:
		return fmt.Sprintf("/o/%s/opendays/%d", t.Agency, t.event(seq).ID)
	}
	return ""
}

func (t *Target) event(seq int64) Event { return t.Events[int(seq/4)%len(t.Events)] }

var (
	reOption = regexp.MustCompile(`<option value="([^"]+)"`)
	reSelect = func(id string) *regexp.Regexp {
		return regexp.MustCompile(`(?s)<select id="` + id + `"[^>]*>(.*?)</select>`)
	}
	reToken     = regexp.MustCompile(`name="_ft" value="([^"]+)"`)
	reEventLink = regexp.MustCompile(`href="/o/[^/"]+/opendays/(\d+)"`)
	reSignupAct = regexp.MustCompile(`action="/o/[^/"]+/opendays/(\d+)/signups`)
)

func selectOptions(page, selectID string) []string {
	m := reSelect(selectID).FindStringSubmatch(page)
	if m == nil {
		return nil
	}
	var out []string
	for _, o := range reOption.FindAllStringSubmatch(m[1], -1) {
		out = append(out, html.UnescapeString(o[1]))
	}
	return out
}

func get(ctx context.Context, c *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return string(b), nil
}

// discover finds the mailbox's leaders, an open consultation and the open
// days taking sign-ups of the agency (the demo data has all three).
func discover(ctx context.Context, c *http.Client, base, agency string) (*Target, error) {
	t := &Target{Agency: agency}
	page, err := get(ctx, c, base+"/o/"+agency+"/mailbox")
	if err != nil {
		return nil, err
	}
	if l := selectOptions(page, "f-leader"); len(l) > 0 {
		t.Leader = l[0]
	} else {
		return nil, fmt.Errorf("no leader in the mailbox form of %s", agency)
	}
	body, err := get(ctx, c, base+"/api/v1/consultations")
	if err != nil {
		return nil, err
	}
	var cs struct {
		Consultations []struct {
			ID     int64  `json:"id"`
			Agency string `json:"agency"`
			Phase  string `json:"phase"`
		} `json:"consultations"`
	}
	if err := json.Unmarshal([]byte(body), &cs); err != nil {
		return nil, fmt.Errorf("consultations: %w", err)
	}
	for _, x := range cs.Consultations {
		if x.Agency == agency && x.Phase == "open" {
			t.Consultation = x.ID
			break
		}
	}
	if t.Consultation == 0 {
		return nil, fmt.Errorf("no consultation of %s is open for comments", agency)
	}
	page, err = get(ctx, c, fmt.Sprintf("%s/o/%s/consultations/%d", base, agency, t.Consultation))
	if err != nil {
		return nil, err
	}
	t.Clauses = max(0, len(selectOptions(page, "f-clause"))-1)
	page, err = get(ctx, c, base+"/o/"+agency+"/opendays")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, m := range reEventLink.FindAllStringSubmatch(page, -1) {
		if seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		ep, err := get(ctx, c, base+"/o/"+agency+"/opendays/"+m[1])
		if err != nil || !reSignupAct.MatchString(ep) {
			continue
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ev := Event{ID: id}
		for _, g := range selectOptions(ep, "f-group") {
			if n, err := strconv.ParseInt(g, 10, 64); err == nil {
				ev.Groups = append(ev.Groups, n)
			}
		}
		if len(ev.Groups) > 0 {
			t.Events = append(t.Events, ev)
		}
	}
	if len(t.Events) == 0 {
		return nil, fmt.Errorf("no open day of %s takes sign-ups", agency)
	}
	return t, nil
}

// Record is one submission and what became of it.
type Record struct {
	Seq    int64  `json:"seq"`
	Kind   Kind   `json:"kind"`
	Marker string `json:"marker"`
	// What the server gave back: the application's or letter's number, the
	// comment's id, and the query or sign-up code.
	Number    string `json:"number,omitempty"`
	CommentID int64  `json:"comment_id,omitempty"`
	Code      string `json:"code,omitempty"`
	// What was sent and is checked.
	EventID    int64  `json:"event_id,omitempty"`
	GroupID    int64  `json:"group_id,omitempty"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	IDNumber   string `json:"id_number,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Body       string `json:"body,omitempty"`
	FileName   string `json:"file_name,omitempty"`
	FileSize   int    `json:"file_size,omitempty"`
	FileSHA256 string `json:"file_sha256,omitempty"`
	// Outcome: "ack" (a success response was read in full), "rejected"
	// (an error response), "unknown" (no response: the server died) or
	// "refused" (no connection: the server was down).
	Status     string    `json:"status"`
	HTTPStatus int       `json:"http_status,omitempty"`
	Err        string    `json:"err,omitempty"`
	RetryAfter string    `json:"retry_after,omitempty"`
	Sent       time.Time `json:"sent"`
	Done       time.Time `json:"done"`
}

// Outcomes of a submission.
const (
	Ack      = "ack"
	Rejected = "rejected"
	Unknown  = "unknown"
	Refused  = "refused" // connection refused: the server was down, nothing was sent
)

// clientAddr is the simulated citizen's address: one per submission from
// the benchmarking range 198.18.0.0/15, so that each citizen stays far
// below every per-address limit.
func clientAddr(seq int64) string {
	base := netip.MustParseAddr("198.18.0.0").As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(seq%(1<<17))
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String()
}

// phone is a valid mobile number unique to seq within a run.
func phone(run uint32, seq int64) string {
	return fmt.Sprintf("139%08d", (int64(run)*7919+seq)%100_000_000)
}

// idNumber is a valid 居民身份证号码 (region, plausible birth date, check
// digit) unique to seq (up to 20 million).
func idNumber(seq int64) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(seq/1000)%20000)
	first := fmt.Sprintf("310101%s%03d", birth.Format("20060102"), seq%1000)
	return first + string(pii.IDCheckChar(first))
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
var given = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")

func personName(r *rand.Rand) string {
	return string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))]) + string(given[r.IntN(len(given))])
}

// attachment returns a small file: a JPEG of random pixels or a one-page
// PDF carrying the marker, so that every file's bytes are unique.
func attachment(r *rand.Rand, marker string, pdf bool) (name string, data []byte) {
	if pdf {
		return "材料.pdf", tinyPDF(marker, r.Uint64())
	}
	img := image.NewRGBA(image.Rect(0, 0, 24, 24))
	for y := range 24 {
		for x := range 24 {
			img.Set(x, y, color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return "照片.jpg", b.Bytes()
}

// tinyPDF writes a valid one-page PDF with a correct cross-reference table.
func tinyPDF(marker string, nonce uint64) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	fmt.Fprintf(&b, "%% gkdrill %s %016x\n", marker, nonce)
	content := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", marker)
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// build makes the request for submission seq of kind k, and its record.
func build(ctx context.Context, base string, t *Target, run uint32, runID string, seq int64, k Kind, token string, r *rand.Rand) (*http.Request, *Record, error) {
	marker := fmt.Sprintf("GKD%s-%d", runID, seq)
	rec := &Record{Seq: seq, Kind: k, Marker: marker, Name: personName(r), Phone: phone(run, seq)}
	var (
		body        io.Reader
		contentType string
		path        string
	)
	withFile := k == KindApplication || seq%8 < 4 // every application, half of the letters and comments
	var fileName string
	var file []byte
	if withFile && k != KindSignup {
		fileName, file = attachment(r, marker, seq%3 == 0)
		rec.FileName, rec.FileSize, rec.FileSHA256 = fileName, len(file), sha(file)
	}
	switch k {
	case KindApplication:
		rec.IDNumber = idNumber(seq)
		rec.Subject = "演练申请：" + marker + " 号文件及其附件"
		rec.Body = "请公开与演练编号 " + marker + " 有关的政府信息，包括文件正文、附件和办理情况。"
		in := map[string]any{
			"agency": t.Agency,
			"applicant": map[string]any{"type": "natural", "name": rec.Name, "id_type": "id_card",
				"id_number": rec.IDNumber, "phone": rec.Phone},
			"request": map[string]any{"title": rec.Subject, "description": rec.Body, "purpose": "学习研究",
				"form": "electronic", "delivery": "collect"},
			"declaration":    true,
			"identity_proof": map[string]any{"file_name": fileName, "content_base64": base64.StdEncoding.EncodeToString(file)},
		}
		b, _ := json.Marshal(in)
		body, contentType, path = bytes.NewReader(b), "application/json", "/api/v1/applications"
	case KindLetter, KindComment:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		field := func(k, v string) { mw.WriteField(k, v) }
		field("_ft", token)
		field("website", "")
		field("name", rec.Name)
		field("phone", rec.Phone)
		if k == KindLetter {
			rec.Subject = "演练来信 " + marker
			rec.Body = "这是可靠性演练的来信，编号 " + marker + "。请核实本市清真食品经营场所的监督检查安排并予以答复。"
			field("leader", t.Leader)
			field("category", "其他")
			field("subject", rec.Subject)
			field("body", rec.Body)
			path = "/o/" + t.Agency + "/mailbox"
		} else {
			rec.Body = "演练意见 " + marker + "：建议在评估办法中明确评估结果的公开方式和申请复核的期限。"
			field("clause", strconv.Itoa(int(seq/4)%(t.Clauses+1)))
			field("body", rec.Body)
			field("consent", "1")
			path = fmt.Sprintf("/o/%s/consultations/%d/comments", t.Agency, t.Consultation)
		}
		if file != nil {
			w, err := mw.CreateFormFile("attachment", fileName)
			if err != nil {
				return nil, nil, err
			}
			w.Write(file)
		}
		mw.Close()
		body, contentType = &buf, mw.FormDataContentType()
	case KindSignup:
		ev := t.event(seq)
		rec.EventID, rec.GroupID = ev.ID, ev.Groups[int(seq/16)%len(ev.Groups)]
		v := url.Values{"_ft": {token}, "website": {""}, "name": {rec.Name}, "phone": {rec.Phone},
			"group": {strconv.FormatInt(rec.GroupID, 10)}}
		body, contentType = strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
		path = fmt.Sprintf("/o/%s/opendays/%d/signups", t.Agency, ev.ID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Forwarded-For", clientAddr(seq))
	if k == KindApplication {
		req.Header.Set("Accept", "application/json")
	}
	return req, rec, nil
}

var (
	reLetterAck  = regexp.MustCompile(`<dt>编号</dt><dd><strong class="code">([^<]+)</strong></dd><dt>查询码</dt><dd><strong class="code">([^<]+)</strong>`)
	reCommentAck = regexp.MustCompile(`<dt>意见编号</dt><dd><strong class="code">(\d+)</strong>`)
	reSignupAck  = regexp.MustCompile(`id="signup-code">([^<]+)<`)
)

// acknowledge reads a complete response and fills in what the server gave
// back; it reports whether the response is a success.
func acknowledge(rec *Record, status int, body []byte) bool {
	switch rec.Kind {
	case KindApplication:
		if status != http.StatusCreated {
			return false
		}
		var out struct {
			Number    string `json:"number"`
			QueryCode string `json:"query_code"`
		}
		if json.Unmarshal(body, &out) != nil || out.Number == "" || out.QueryCode == "" {
			return false
		}
		rec.Number, rec.Code = out.Number, out.QueryCode
		return true
	case KindLetter:
		if m := reLetterAck.FindSubmatch(body); status == http.StatusOK && m != nil {
			rec.Number, rec.Code = string(m[1]), string(m[2])
			return true
		}
	case KindComment:
		if m := reCommentAck.FindSubmatch(body); status == http.StatusOK && m != nil {
			rec.CommentID, _ = strconv.ParseInt(string(m[1]), 10, 64)
			return true
		}
	case KindSignup:
		if m := reSignupAck.FindSubmatch(body); status == http.StatusOK && m != nil {
			rec.Code = string(m[1])
			return true
		}
	}
	return false
}

// formError extracts the first error message of a rejected form page (for
// the report).
var reFormError = regexp.MustCompile(`class="(?:field-error|error-summary)[^"]*"[^>]*>([^<]{1,200})`)

func formError(body []byte) string {
	if m := reFormError.FindSubmatch(body); m != nil {
		return strings.TrimSpace(html.UnescapeString(string(m[1])))
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return strings.ToValidUTF8(string(body), "")
}
