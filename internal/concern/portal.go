package concern

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// ApplicationCounts gives the concern dashboard the disclosure-on-application
// figures of an agency (wired in app): applications are handled in their
// own, legally separate workflow, but belong on the same overview of what
// the public asks.
type ApplicationCounts func(r *http.Request, agencyID int64) (open, overdue int, ok bool)

// Handlers serve the concern pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
	// Applications, if set, adds the applications' counts to the console list.
	Applications ApplicationCounts
}

// Register adds the portal and console routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("concern", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /o/{slug}/mailbox", auth.Public, h.form(Mailbox), web.Summary("领导信箱：写信"))
	app.Handle("POST /o/{slug}/mailbox", auth.Public, h.post(Mailbox), web.Summary("领导信箱：提交来信"), web.Upload())
	app.Handle("GET /o/{slug}/board", auth.Public, h.form(Board), web.Summary("留言板"))
	app.Handle("POST /o/{slug}/board", auth.Public, h.post(Board), web.Summary("留言板：提交留言"), web.Upload())
	app.Handle("GET /o/{slug}/letters", auth.Public, h.list(Mailbox), web.Summary("领导信箱：公开的来信和答复"))
	app.Handle("GET /o/{slug}/letters/{number}", auth.Public, h.one, web.Summary("一件公开的来信或留言"))
	app.Handle("GET /o/{slug}/concerns/stats", auth.Public, h.stats, web.Summary("互动交流统计"))
	app.Handle("GET /report-error", auth.Public, h.errorForm, web.Summary("我为政府网站找错"))
	app.Handle("POST /report-error", auth.Public, h.errorPost, web.Summary("我为政府网站找错：提交"), web.Upload())
	app.Handle("GET /concern/status", auth.Public, h.lookupForm, web.Summary("来信查询"))
	app.Handle("POST /concern/status", auth.Public, h.lookup, web.Summary("凭编号和查询码查询来信"))
	h.registerConsole()
	h.registerTopics()
	return h, nil
}

const formName = "concern"

func (h *Handlers) view(r *http.Request, agencyID int64, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	if agencyID != 0 && h.site != nil {
		v.Site = h.site(r, agencyID)
	}
	v.Breadcrumbs = append([]web.Crumb{{Label: "首页", URL: "/"}}, crumbs...)
	return v
}

func (h *Handlers) agencyOf(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

type formData struct {
	Agency     AgencyRef
	Channel    Channel
	Token      string
	Leaders    []web.Option
	Categories []web.Option
	Recent     []Published
	Action     string
}

var fieldOrder = []string{"_ft", "leader", "category", "subject", "body", "page_url", "attachment", "name", "phone", "email"}

func (h *Handlers) formData(r *http.Request, a AgencyRef, ch Channel) formData {
	d := formData{Agency: a, Channel: ch, Token: h.app.Guard.Token(formName), Categories: []web.Option{{Value: "", Label: "请选择"}}}
	for _, c := range Categories {
		d.Categories = append(d.Categories, web.Option{Value: c, Label: c})
	}
	d.Leaders = []web.Option{{Value: "", Label: "请选择"}}
	if set, err := h.svc.Settings(r.Context(), a.ID); err == nil {
		for _, l := range set.Leaders {
			d.Leaders = append(d.Leaders, web.Option{Value: l.Label(), Label: l.Label()})
		}
	}
	switch ch {
	case Mailbox:
		d.Action = "/o/" + a.Slug + "/mailbox"
	case Board:
		d.Action = "/o/" + a.Slug + "/board"
		d.Recent, _, _ = h.svc.PublicList(r.Context(), a.ID, Board, 20, 0)
	}
	return d
}

func titleOf(ch Channel) string {
	if ch == Board {
		return "留言板"
	}
	return "领导信箱"
}

func (h *Handlers) form(ch Channel) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.agencyOf(w, r)
		if !ok {
			return
		}
		web.NoStore(w)
		v := h.view(r, a.ID, titleOf(ch), web.Crumb{Label: titleOf(ch)})
		v.Data = h.formData(r, a, ch)
		h.app.Render.Page(w, r, http.StatusOK, "concern/portal_form", v)
	}
}

func letterFromForm(r *http.Request, ch Channel) Letter {
	return Letter{Channel: ch, Leader: web.Field(r, "leader"), Category: web.Field(r, "category"), Subject: r.PostFormValue("subject"),
		Body: r.PostFormValue("body"), PageURL: web.Field(r, "page_url"), Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"),
		Email: r.PostFormValue("email"), Consent: r.PostFormValue("consent") == "1",
		Notify: r.PostFormValue("notify") == "1"}
}

func (h *Handlers) post(ch Channel) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.agencyOf(w, r)
		if !ok {
			return
		}
		h.submit(w, r, a, ch, "concern/portal_form", func(v *web.View) { v.Data = h.formData(r, a, ch) })
	}
}

// submit checks the guard, files the letter and shows the receipt, or the
// form again with the messages.
func (h *Handlers) submit(w http.ResponseWriter, r *http.Request, a AgencyRef, ch Channel, page string, data func(*web.View)) {
	web.NoStore(w)
	fail := func(status int, fields map[string]string) {
		v := h.view(r, a.ID, titleOf(ch))
		if ch == SiteError {
			v.Title = "我为政府网站找错"
		}
		v.Form = r.PostForm
		v.SetErrors(fields, fieldOrder...)
		data(v)
		h.app.Render.Page(w, r, status, page, v)
	}
	if err := web.ParseForm(r); err != nil {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		fail(web.Status(apperr.CodeOf(err)), map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	if err := h.app.Guard.Check(r, formName); err != nil {
		fail(http.StatusBadRequest, map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	var files []Upload
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["attachment"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				fail(http.StatusBadRequest, map[string]string{"attachment": "上传的文件无法读取，请重新选择。"})
				return
			}
			defer f.Close()
			files = append(files, Upload{Name: fhs[0].Filename, Reader: f})
		}
	}
	c, code, err := h.svc.Submit(r.Context(), a.ID, letterFromForm(r, ch), web.ClientIP(r.Context()), files...)
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			fail(http.StatusUnprocessableEntity, f)
			return
		}
		if apperr.Is(err, apperr.RateLimited) {
			fail(http.StatusTooManyRequests, map[string]string{"_ft": apperr.MessageOf(err)})
			return
		}
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a.ID, "已提交")
	v.Data = map[string]any{"Agency": a, "Number": c.Number, "Code": code, "Channel": ch, "Due": c.DueOn}
	h.app.Render.Page(w, r, http.StatusOK, "concern/portal_receipt", v)
}

type listData struct {
	Agency  AgencyRef
	Channel Channel
	Items   []Published
	Total   int
	PrevURL string
	NextURL string
}

func (h *Handlers) list(ch Channel) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.agencyOf(w, r)
		if !ok {
			return
		}
		page := 1
		if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 0 && n < 10000 {
			page = n
		}
		items, total, err := h.svc.PublicList(r.Context(), a.ID, ch, 20, (page-1)*20)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		d := listData{Agency: a, Channel: ch, Items: items, Total: total}
		base := "/o/" + a.Slug + "/letters?page="
		if page > 1 {
			d.PrevURL = base + strconv.Itoa(page-1)
		}
		if page*20 < total {
			d.NextURL = base + strconv.Itoa(page+1)
		}
		v := h.view(r, a.ID, "领导信箱：来信公开", web.Crumb{Label: "领导信箱", URL: "/o/" + a.Slug + "/mailbox"}, web.Crumb{Label: "来信公开"})
		v.Data = d
		h.app.Render.Page(w, r, http.StatusOK, "concern/portal_letters", v)
	}
}

func (h *Handlers) one(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	p, err := h.svc.PublicCase(r.Context(), a.ID, r.PathValue("number"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	back := web.Crumb{Label: "领导信箱", URL: "/o/" + a.Slug + "/letters"}
	if p.Channel == Board {
		back = web.Crumb{Label: "留言板", URL: "/o/" + a.Slug + "/board"}
	}
	v := h.view(r, a.ID, p.Subject, back, web.Crumb{Label: p.Number})
	v.Data = map[string]any{"Agency": a, "P": p}
	h.app.Render.Page(w, r, http.StatusOK, "concern/portal_letter", v)
}

// ---------------------------------------------------------------- site errors

// errorAgency is the agency whose page is reported: the section of the
// path (/o/{slug}/…), else the site's own agency.
func (h *Handlers) errorAgency(r *http.Request, page string) (AgencyRef, bool) {
	if u, err := url.Parse(page); err == nil {
		if rest, ok := strings.CutPrefix(u.Path, "/o/"); ok {
			slug, _, _ := strings.Cut(rest, "/")
			if a, err := h.svc.Agencies.AgencyBySlug(r.Context(), slug); err == nil {
				return a, true
			}
		}
	}
	site := h.app.Sites(r)
	if site.AgencyID != 0 {
		if a, err := h.svc.Agencies.Agency(r.Context(), site.AgencyID); err == nil {
			return a, true
		}
	}
	return AgencyRef{}, false
}

func (h *Handlers) errorData(r *http.Request, a AgencyRef) func(*web.View) {
	return func(v *web.View) {
		v.Data = formData{Agency: a, Channel: SiteError, Token: h.app.Guard.Token(formName), Action: "/report-error"}
	}
}

func (h *Handlers) errorForm(w http.ResponseWriter, r *http.Request) {
	page := r.URL.Query().Get("url")
	a, ok := h.errorAgency(r, page)
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "请从出错的页面底部的“我为政府网站找错”进入。")
		return
	}
	web.NoStore(w)
	v := h.view(r, a.ID, "我为政府网站找错", web.Crumb{Label: "我为政府网站找错"})
	v.Form = url.Values{"page_url": {page}, "subject": {"页面内容有误"}}
	h.errorData(r, a)(v)
	h.app.Render.Page(w, r, http.StatusOK, "concern/portal_error", v)
}

func (h *Handlers) errorPost(w http.ResponseWriter, r *http.Request) {
	a, ok := h.errorAgency(r, r.PostFormValue("page_url"))
	if !ok {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "请填写本网站页面的地址。")
		return
	}
	h.submit(w, r, a, SiteError, "concern/portal_error", h.errorData(r, a))
}

// ---------------------------------------------------------------- status

func (h *Handlers) lookupForm(w http.ResponseWriter, r *http.Request) {
	web.NoStore(w)
	v := h.view(r, 0, "来信查询", web.Crumb{Label: "来信查询"})
	h.app.Render.Page(w, r, http.StatusOK, "concern/portal_lookup", v)
}

func (h *Handlers) lookup(w http.ResponseWriter, r *http.Request) {
	web.NoStore(w)
	v := h.view(r, 0, "来信查询", web.Crumb{Label: "来信查询"})
	if err := web.ParseForm(r); err != nil {
		v.SetErrors(map[string]string{"number": apperr.MessageOf(err)})
		h.app.Render.Page(w, r, web.Status(apperr.CodeOf(err)), "concern/portal_lookup", v)
		return
	}
	c, err := h.svc.Lookup(r.Context(), r.PostFormValue("number"), r.PostFormValue("code"), web.ClientIP(r.Context()))
	if err != nil {
		fields := apperr.FieldsOf(err)
		if fields == nil {
			if apperr.CodeOf(err) != apperr.RateLimited {
				h.app.Error(w, r, err)
				return
			}
			fields = map[string]string{"number": apperr.MessageOf(err)}
		}
		v.Form = url.Values{"number": {r.PostFormValue("number")}}
		v.SetErrors(fields, "number")
		h.app.Render.Page(w, r, web.Status(apperr.CodeOf(err)), "concern/portal_lookup", v)
		return
	}
	p := published(c)
	if c.State == Replied {
		p.Reply = c.Reply // the writer sees the whole reply
	}
	p.Response = h.svc.CaseResponse(r.Context(), c)
	v.Data = map[string]any{"C": c, "P": p}
	h.app.Render.Page(w, r, http.StatusOK, "concern/portal_status", v)
}
