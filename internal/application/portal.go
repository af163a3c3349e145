package application

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/search"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed templates/letter_pdf.gohtml
var letterPDFText string

// letterPDF is the self-contained page printed to PDF (styles inline, the
// seal as a data: URL).
var letterPDF = htmltemplate.Must(htmltemplate.New("letter").Parse(letterPDFText))

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the application pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
	key  []byte // signs the applicant's status-page cookie
}

// Register adds the portal, console and API routes. key signs the status
// page's cookie (at least 32 bytes; every instance needs the same).
func Register(app *web.App, svc *Service, site SiteFunc, key []byte) (*Handlers, error) {
	if len(key) < 32 {
		return nil, errors.New("application: the cookie key must have at least 32 bytes")
	}
	if err := app.Render.AddPages("application", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site, key: key}
	app.Handle("GET /apply", auth.Public, h.choose, web.Summary("依申请公开：选择受理机关"))
	app.Handle("GET /o/{slug}/apply", auth.Public, h.form, web.Summary("政府信息公开申请表"))
	app.Handle("POST /o/{slug}/apply", auth.Public, h.submit, web.Summary("提交政府信息公开申请"), web.Upload())
	app.Handle("GET /apply/status", auth.Public, h.lookupForm, web.Summary("申请查询"))
	app.Handle("POST /apply/status", auth.Public, h.lookup, web.Summary("凭申请编号和查询码查询"))
	app.Handle("GET /apply/status/{number}", auth.Public, h.status, web.Summary("申请办理进度"))
	app.Handle("POST /apply/status/{number}/upload", auth.Public, h.applicantUpload, web.Summary("上传补正材料或缴费凭证"), web.Upload())
	app.Handle("POST /apply/status/{number}/withdraw", auth.Public, h.applicantWithdraw, web.Summary("撤回申请"))
	app.Handle("POST /apply/status/{number}/paid", auth.Public, h.applicantPaid, web.Summary("告知已缴费"))
	app.Handle("GET /apply/status/{number}/files/{file}", auth.Public, h.applicantFile, web.Summary("下载答复附件"))
	app.Handle("GET /apply/status/{number}/letter", auth.Public, h.applicantLetter, web.Summary("答复书打印版"))
	app.Handle("GET /apply/status/{number}/letter.pdf", auth.Public, h.applicantLetterPDF, web.Summary("答复书 PDF"))
	app.Handle("POST /apply/status/logout", auth.Public, h.statusLogout, web.Summary("退出申请查询"))
	h.registerConsole()
	h.registerAPI()
	return h, nil
}

const formName = "application"

// formFile opens the first non-empty file of field in a parsed multipart
// form: nil when none was sent. Call done when finished with it.
func formFile(r *http.Request, field string) (up *Upload, done func(), err error) {
	done = func() {}
	if r.MultipartForm == nil {
		return nil, done, nil
	}
	fhs := r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Size == 0 {
		return nil, done, nil
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, done, apperr.Wrap(apperr.Invalid, "上传的文件无法读取，请重新选择。", err)
	}
	return &Upload{Name: fhs[0].Filename, Reader: f}, func() { f.Close() }, nil
}

// orMessage is err's message, or msg when err is nil.
func orMessage(err error, msg string) string {
	if err != nil {
		return apperr.MessageOf(err)
	}
	return msg
}

func (h *Handlers) portalView(r *http.Request, agencyID int64, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	if agencyID != 0 && h.site != nil {
		v.Site = h.site(r, agencyID)
	}
	v.Breadcrumbs = append([]web.Crumb{{Label: "首页", URL: "/"}}, crumbs...)
	return v
}

// ---------------------------------------------------------------- applying

type chooseData struct {
	Agencies []AgencyRef
	Query    string
	Searched bool
	Hits     []chooseHit
	// Holders counts the hits per agency: who may hold the information.
	Holders []holder
}

type chooseHit struct {
	search.Hit
	Agency string
}

type holder struct {
	Agency AgencyRef
	Hits   int
}

// choose is the platform-wide entry: pick the agency, after an optional
// look at what is already published and by whom (Art. 10: the organ that
// made the information discloses it; Art. 36 (一): what is public needs no
// application).
func (h *Handlers) choose(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Agencies.Agencies(r.Context())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.portalView(r, 0, "依申请公开", web.Crumb{Label: "依申请公开"})
	d := chooseData{Agencies: list, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if d.Query != "" {
		if n := utf8.RuneCountInString(d.Query); n < 2 || n > 50 {
			v.SetErrors(map[string]string{"q": "请输入 2 至 50 个字。"})
		} else {
			res, err := search.Search(r.Context(), h.svc.DB, search.Request{Query: d.Query, Source: "item", Limit: 8})
			if err != nil && !apperr.Is(err, apperr.Invalid) {
				h.app.Error(w, r, err)
				return
			}
			d.Searched = true
			byID := map[int64]AgencyRef{}
			for _, a := range list {
				byID[a.ID] = a
			}
			count := map[int64]int{}
			for _, hit := range res.Hits {
				d.Hits = append(d.Hits, chooseHit{Hit: hit, Agency: byID[hit.AgencyID].Name})
				if count[hit.AgencyID] == 0 {
					d.Holders = append(d.Holders, holder{Agency: byID[hit.AgencyID]})
				}
				count[hit.AgencyID]++
			}
			for i := range d.Holders {
				d.Holders[i].Hits = count[d.Holders[i].Agency.ID]
			}
		}
	}
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "application/portal_choose", v)
}

type formData struct {
	Agency         AgencyRef
	Token          string
	Challenge      *web.Challenge
	ApplicantTypes []web.Option
	IDTypes        []web.Option
	Forms          []web.Option
	Deliveries     []web.Option
	MaxUploadMB    int64
}

func (h *Handlers) agencyOf(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

func options[T ~string](list []T, label func(T) string, empty string) []web.Option {
	var out []web.Option
	if empty != "" {
		out = append(out, web.Option{Value: "", Label: empty})
	}
	for _, x := range list {
		out = append(out, web.Option{Value: string(x), Label: label(x)})
	}
	return out
}

func applicantTypeOptions() []web.Option {
	out := []web.Option{{Value: "", Label: "请选择"}}
	for _, t := range ApplicantTypes {
		label := t.Label()
		if t.Organisation() {
			label = "法人或其他组织：" + label
		}
		out = append(out, web.Option{Value: string(t), Label: label})
	}
	return out
}

func (h *Handlers) newFormData(r *http.Request, a AgencyRef) formData {
	d := formData{Agency: a, Token: h.app.Guard.Token(formName),
		ApplicantTypes: applicantTypeOptions(),
		IDTypes:        options(append(append([]IDType{}, PersonalIDTypes...), OrgIDTypes...), IDType.Label, "请选择"),
		Forms:          options([]Form{Electronic, Paper}, Form.Label, "请选择"),
		Deliveries:     options([]Delivery{ByEmail, ByPost, InOffice, OnSite}, Delivery.Label, "请选择"),
		MaxUploadMB:    h.svc.MaxUpload >> 20}
	if h.svc.NeedsChallenge(r.Context(), web.ClientIP(r.Context())) {
		c := h.app.Guard.NewChallenge(formName)
		d.Challenge = &c
	}
	return d
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	web.NoStore(w)
	v := h.portalView(r, a.ID, "政府信息公开申请", web.Crumb{Label: "依申请公开", URL: "/apply"}, web.Crumb{Label: a.Name})
	v.Data = h.newFormData(r, a)
	h.app.Render.Page(w, r, http.StatusOK, "application/portal_apply", v)
}

// fieldOrder lists the form's fields top to bottom, for the error summary.
var fieldOrder = []string{"_ft", "_ca", "applicant_type", "name", "id_type", "id_number", "identity", "contact", "phone", "email",
	"address", "postcode", "title", "doc_number", "description", "purpose", "form", "delivery", "declaration"}

func (h *Handlers) submit(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	web.NoStore(w)
	fail := func(status int, fields map[string]string) {
		v := h.portalView(r, a.ID, "政府信息公开申请", web.Crumb{Label: "依申请公开", URL: "/apply"}, web.Crumb{Label: a.Name})
		v.Form = r.PostForm
		v.SetErrors(fields, fieldOrder...)
		v.Data = h.newFormData(r, a)
		h.app.Render.Page(w, r, status, "application/portal_apply", v)
	}
	if err := web.ParseForm(r); err != nil {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		fail(web.Status(apperr.CodeOf(err)), map[string]string{"identity": apperr.MessageOf(err)})
		return
	}
	if err := h.app.Guard.Check(r, formName); err != nil {
		fail(http.StatusBadRequest, map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	ip := web.ClientIP(r.Context())
	if h.svc.NeedsChallenge(r.Context(), ip) {
		if err := h.app.Guard.CheckChallenge(r, formName); err != nil {
			fail(http.StatusBadRequest, map[string]string{"_ca": apperr.MessageOf(err)})
			return
		}
	}
	sub := Submission{AgencyID: a.ID, IP: ip, Declaration: r.PostFormValue("declaration") == "1",
		Applicant: Applicant{Type: ApplicantType(web.Field(r, "applicant_type")), Name: r.PostFormValue("name"),
			IDType: IDType(web.Field(r, "id_type")), IDNumber: r.PostFormValue("id_number"), Contact: r.PostFormValue("contact"),
			Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), Address: r.PostFormValue("address"),
			Postcode: r.PostFormValue("postcode")},
		Request: Request{Title: r.PostFormValue("title"), DocNumber: r.PostFormValue("doc_number"),
			Description: r.PostFormValue("description"), Purpose: r.PostFormValue("purpose"),
			Form: Form(web.Field(r, "form")), Delivery: Delivery(web.Field(r, "delivery"))}}
	up, done, err := formFile(r, "identity")
	defer done()
	if err != nil {
		fail(http.StatusBadRequest, map[string]string{"identity": apperr.MessageOf(err)})
		return
	}
	sub.Identity = up
	rec, err := h.svc.Submit(r.Context(), sub)
	if err != nil {
		if fields := apperr.FieldsOf(err); fields != nil {
			fail(http.StatusUnprocessableEntity, fields)
			return
		}
		if apperr.Is(err, apperr.RateLimited) {
			fail(http.StatusTooManyRequests, map[string]string{"_ft": apperr.MessageOf(err)})
			return
		}
		h.app.Error(w, r, err)
		return
	}
	v := h.portalView(r, a.ID, "申请已提交", web.Crumb{Label: "依申请公开", URL: "/apply"}, web.Crumb{Label: "申请已提交"})
	v.Data = receiptData{Agency: a, Number: rec.App.Number, Code: rec.Code, Email: rec.App.Applicant.Email != ""}
	h.app.Render.Page(w, r, http.StatusOK, "application/portal_receipt", v)
}

type receiptData struct {
	Agency AgencyRef
	Number string
	Code   string
	Email  bool
}

// ---------------------------------------------------------------- status

// statusCookie holds the applicant's access to one application's status
// page for 30 minutes after the number and code were checked.
const (
	statusCookie = "gk_apply"
	statusTTL    = 30 * time.Minute
)

func (h *Handlers) sign(number string, exp int64) string {
	m := hmac.New(sha256.New, h.key)
	fmt.Fprintf(m, "apply-status|%s|%d", number, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (h *Handlers) setStatusCookie(w http.ResponseWriter, number string) {
	exp := h.svc.Now().Add(statusTTL).Unix()
	// #nosec G124 -- Secure is set whenever the site is served over HTTPS (config.Secure: TLS or an https:// base URL); a plain-HTTP site cannot set it
	http.SetCookie(w, &http.Cookie{Name: statusCookie, Value: number + "." + strconv.FormatInt(exp, 10) + "." + h.sign(number, exp),
		Path: "/apply/status", HttpOnly: true, Secure: h.app.Secure, SameSite: http.SameSiteStrictMode, MaxAge: int(statusTTL.Seconds())})
}

// statusApp returns the application of the path if the cookie grants it.
func (h *Handlers) statusApp(w http.ResponseWriter, r *http.Request) (*Application, bool) {
	number := r.PathValue("number")
	c, err := r.Cookie(statusCookie)
	ok := err == nil
	if ok {
		parts := strings.Split(c.Value, ".")
		ok = len(parts) == 3 && parts[0] == number
		if ok {
			exp, err := strconv.ParseInt(parts[1], 10, 64)
			ok = err == nil && h.svc.Now().Unix() < exp && hmac.Equal([]byte(parts[2]), []byte(h.sign(number, exp)))
		}
	}
	if !ok {
		http.Redirect(w, r, "/apply/status?expired=1", http.StatusSeeOther)
		return nil, false
	}
	a, err := getAppByNumber(r.Context(), h.svc.DB.R, number)
	if err != nil {
		http.Redirect(w, r, "/apply/status?expired=1", http.StatusSeeOther)
		return nil, false
	}
	return a, true
}

func (h *Handlers) lookupForm(w http.ResponseWriter, r *http.Request) {
	web.NoStore(w)
	v := h.portalView(r, 0, "申请查询", web.Crumb{Label: "依申请公开", URL: "/apply"}, web.Crumb{Label: "申请查询"})
	if r.URL.Query().Get("expired") == "1" {
		v.SetErrors(map[string]string{"number": "查询已过期或未登录，请重新输入申请编号和查询码。"})
	}
	h.app.Render.Page(w, r, http.StatusOK, "application/portal_lookup", v)
}

func (h *Handlers) lookup(w http.ResponseWriter, r *http.Request) {
	web.NoStore(w)
	v := h.portalView(r, 0, "申请查询", web.Crumb{Label: "依申请公开", URL: "/apply"}, web.Crumb{Label: "申请查询"})
	if err := web.ParseForm(r); err != nil {
		v.SetErrors(map[string]string{"number": apperr.MessageOf(err)})
		h.app.Render.Page(w, r, web.Status(apperr.CodeOf(err)), "application/portal_lookup", v)
		return
	}
	a, err := h.svc.Lookup(r.Context(), r.PostFormValue("number"), r.PostFormValue("code"), web.ClientIP(r.Context()))
	if err != nil {
		status := web.Status(apperr.CodeOf(err))
		fields := apperr.FieldsOf(err)
		if fields == nil {
			if code := apperr.CodeOf(err); code != apperr.RateLimited && code != apperr.Invalid {
				h.app.Error(w, r, err)
				return
			}
			fields = map[string]string{"number": apperr.MessageOf(err)}
		}
		v.Form = url.Values{"number": {r.PostFormValue("number")}}
		v.SetErrors(fields, "number", "code")
		h.app.Render.Page(w, r, status, "application/portal_lookup", v)
		return
	}
	h.setStatusCookie(w, a.Number)
	http.Redirect(w, r, "/apply/status/"+a.Number, http.StatusSeeOther)
}

func (h *Handlers) statusLogout(w http.ResponseWriter, r *http.Request) {
	// #nosec G124 -- Secure is set whenever the site is served over HTTPS (config.Secure: TLS or an https:// base URL); a plain-HTTP site cannot set it
	http.SetCookie(w, &http.Cookie{Name: statusCookie, Value: "", Path: "/apply/status", HttpOnly: true, Secure: h.app.Secure, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/apply/status", http.StatusSeeOther)
}

type statusData struct {
	*PublicStatus
	Letter string
}

func (h *Handlers) status(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statusApp(w, r)
	if !ok {
		return
	}
	h.renderStatus(w, r, a, http.StatusOK, nil, "")
}

func (h *Handlers) renderStatus(w http.ResponseWriter, r *http.Request, a *Application, status int, fields map[string]string, flash string) {
	web.NoStore(w)
	st, err := h.svc.Status(r.Context(), a)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.portalView(r, a.AgencyID, "申请办理进度", web.Crumb{Label: "依申请公开", URL: "/apply"}, web.Crumb{Label: "申请查询", URL: "/apply/status"}, web.Crumb{Label: a.Number})
	v.SetErrors(fields, "file", "reason")
	if flash != "" {
		v.Flash = flash
	}
	v.Data = statusData{PublicStatus: st}
	h.app.Render.Page(w, r, status, "application/portal_status", v)
}

func (h *Handlers) applicantUpload(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statusApp(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderStatus(w, r, a, web.Status(apperr.CodeOf(err)), map[string]string{"file": apperr.MessageOf(err)}, "")
		return
	}
	up, done, err := formFile(r, "file")
	defer done()
	if err != nil || up == nil {
		h.renderStatus(w, r, a, http.StatusBadRequest, map[string]string{"file": orMessage(err, "请选择要上传的文件。")}, "")
		return
	}
	if err := h.svc.ApplicantUpload(r.Context(), a, *up, web.ClientIP(r.Context())); err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.TooLarge, apperr.Conflict:
			h.renderStatus(w, r, a, web.Status(apperr.CodeOf(err)), map[string]string{"file": apperr.MessageOf(err)}, "")
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	h.renderStatus(w, r, a, http.StatusOK, nil, "材料已上传。")
}

func (h *Handlers) applicantWithdraw(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statusApp(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != "1" {
		h.renderStatus(w, r, a, http.StatusBadRequest, map[string]string{"reason": "请勾选“确认撤回”。撤回后本申请不再办理。"}, "")
		return
	}
	if err := h.svc.ApplicantWithdraw(r.Context(), a, strings.TrimSpace(r.PostFormValue("reason")), web.ClientIP(r.Context())); err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderStatus(w, r, a, http.StatusUnprocessableEntity, f, "")
			return
		}
		if apperr.Is(err, apperr.Conflict) {
			h.renderStatus(w, r, a, http.StatusConflict, map[string]string{"reason": apperr.MessageOf(err)}, "")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	a, _ = getApp(r.Context(), h.svc.DB.W, a.ID)
	h.renderStatus(w, r, a, http.StatusOK, nil, "申请已撤回。")
}

func (h *Handlers) applicantPaid(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statusApp(w, r)
	if !ok {
		return
	}
	if err := h.svc.ApplicantPaid(r.Context(), a, web.ClientIP(r.Context())); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			h.renderStatus(w, r, a, http.StatusConflict, map[string]string{"file": apperr.MessageOf(err)}, "")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	h.renderStatus(w, r, a, http.StatusOK, nil, "已告知工作人员您已缴费。")
}

func (h *Handlers) applicantFile(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statusApp(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
	f, rc, err := h.svc.ApplicantFile(r.Context(), a, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	serveFile(w, f, rc)
}

func serveFile(w http.ResponseWriter, f File, rc io.Reader) {
	web.ServeDownload(w, f.Name, f.ContentType, f.Size, rc)
}

// LetterView is a letter as the printable page and the PDF show it.
type LetterView struct {
	Agency AgencyRef
	App    *Application
	Title  string
	Body   string
	Date   string
	// Seal is the agency's seal image as a data: URL, if it set one.
	Seal htmltemplate.URL
	// PDF is set when letters can be printed to PDF here.
	PDF bool
}

func (h *Handlers) applicantLetter(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statusApp(w, r)
	if !ok {
		return
	}
	h.renderLetter(w, r, a, "/apply/status/"+a.Number+"/letter.pdf")
}

func (h *Handlers) applicantLetterPDF(w http.ResponseWriter, r *http.Request) {
	a, ok := h.statusApp(w, r)
	if !ok {
		return
	}
	h.letterPDF(w, r, a)
}

func (h *Handlers) letterView(r *http.Request, a *Application) (*LetterView, error) {
	if a.State != Replied {
		return nil, apperr.NotFoundf("这件申请尚未答复。")
	}
	ag, err := h.svc.Agencies.Agency(r.Context(), a.AgencyID)
	if err != nil {
		return nil, err
	}
	body, err := h.svc.replyNotice(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return &LetterView{Agency: ag, App: a, Title: "政府信息公开申请答复书", Body: body, Date: a.RepliedOn.Chinese(),
		Seal: h.svc.sealURL(r.Context(), a.AgencyID), PDF: h.svc.PDF != nil && h.svc.PDF.Available()}, nil
}

func (h *Handlers) renderLetter(w http.ResponseWriter, r *http.Request, a *Application, pdfURL string) {
	lv, err := h.letterView(r, a)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	v := h.app.NewView(r, lv.Title)
	v.Data = letterPage{LetterView: lv, PDFURL: pdfURL}
	h.app.Render.Page(w, r, http.StatusOK, "application/bare_letter", v)
}

type letterPage struct {
	*LetterView
	PDFURL string
}

// letterPDF prints the reply letter with headless Chromium.
func (h *Handlers) letterPDF(w http.ResponseWriter, r *http.Request, a *Application) {
	lv, err := h.letterView(r, a)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if h.svc.PDF == nil || !h.svc.PDF.Available() {
		h.app.ErrorPage(w, r, http.StatusServiceUnavailable, "本平台未安装 PDF 打印组件，请打开答复书页面，使用浏览器的“打印”功能另存为 PDF。")
		return
	}
	var page bytes.Buffer
	if err := letterPDF.Execute(&page, lv); err != nil {
		h.app.Error(w, r, err)
		return
	}
	out, err := h.svc.PDF.Render(r.Context(), page.Bytes())
	if err != nil {
		h.app.Logger.ErrorContext(r.Context(), "letter pdf", "application", a.Number, "error", err)
		h.app.ErrorPage(w, r, http.StatusServiceUnavailable, "PDF 暂时无法生成，请稍后再试，或使用答复书页面的打印功能。")
		return
	}
	web.ServeDownload(w, "答复书-"+a.Number+".pdf", "application/pdf", int64(len(out)), bytes.NewReader(out))
}
