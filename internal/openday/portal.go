package openday

import (
	"embed"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/querycode"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the open-day pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

const formName = "openday-signup"

// Register adds the portal and console routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("openday", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /o/{slug}/opendays", auth.Public, h.list, web.Summary("政府开放日"))
	app.Handle("GET /o/{slug}/opendays/feed.atom", auth.Public, h.feed, web.Summary("政府开放日 Atom 订阅"))
	app.Handle("GET /o/{slug}/opendays/{id}", auth.Public, h.page, web.Summary("政府开放日：活动与报名"))
	app.Handle("POST /o/{slug}/opendays/{id}/signups", auth.Public, h.signup, web.Summary("政府开放日：报名"))
	app.Handle("POST /o/{slug}/opendays/{id}/cancel", auth.Public, h.cancel, web.Summary("政府开放日：取消报名"))
	app.Handle("GET /o/{slug}/opendays/{id}/qr.png", auth.Public, h.qr, web.Summary("政府开放日：报名码二维码"))
	app.Handle("GET /o/{slug}/opendays/{id}/photos/{photo}", auth.Public, h.photo, web.Summary("政府开放日：活动照片"))
	h.registerConsole()
	h.registerAPI()
	return h, nil
}

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

func (h *Handlers) public(w http.ResponseWriter, r *http.Request) (AgencyRef, *Event, bool) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return a, nil, false
	}
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个开放日活动。")
		return a, nil, false
	}
	e, err := h.svc.Public(r.Context(), a.ID, id)
	if err != nil {
		h.app.Error(w, r, err)
		return a, nil, false
	}
	return a, e, true
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	up, past, err := h.svc.PublicList(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a.ID, "政府开放日", web.Crumb{Label: a.Name, URL: "/o/" + a.Slug + "/"}, web.Crumb{Label: "政府开放日"})
	v.Data = map[string]any{"Agency": a, "Upcoming": up, "Past": past, "Now": h.svc.Now()}
	h.app.Render.Page(w, r, http.StatusOK, "openday/portal_list", v)
}

func (h *Handlers) feed(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	up, _, err := h.svc.PublicList(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	base := strings.TrimRight(h.svc.BaseURL, "/")
	f := web.AtomFeed{ID: base + "/o/" + a.Slug + "/opendays", Title: a.Name + "政府开放日", Author: web.AtomPerson{Name: a.Name},
		Links: []web.AtomLink{{Href: base + "/o/" + a.Slug + "/opendays/feed.atom", Rel: "self"}, {Rel: "alternate", Href: base + "/o/" + a.Slug + "/opendays"}}}
	var updated time.Time
	for _, e := range up {
		if e.State != Published {
			continue
		}
		link := base + URL(a.Slug, e.ID)
		f.Entries = append(f.Entries, web.AtomEntry{ID: link, Title: e.Theme, Updated: web.AtomTime(e.UpdatedAt), Link: web.AtomLink{Rel: "alternate", Href: link},
			Summary: &web.AtomText{Type: "text", Text: e.When() + "，" + e.Place + "。报名时间：" + Clock(e.SignupOpens) + "至" + Clock(e.SignupCloses) + "。"},
			Author:  web.AtomPerson{Name: a.Name}})
		if e.UpdatedAt.After(updated) {
			updated = e.UpdatedAt
		}
	}
	web.WriteAtom(w, f, updated)
}

type pageData struct {
	Agency   AgencyRef
	E        *Event
	Phase    Phase
	Past     bool
	Token    string
	Groups   []web.Option
	Selected []string
	// EvalURL is the published results of the attendees' evaluation.
	EvalURL string
	// Eval is that evaluation in brief, Photos the summary's pictures.
	Eval   *EvaluationSummary
	Photos []*Photo
}

func (h *Handlers) pageData(r *http.Request, a AgencyRef, e *Event) (*pageData, error) {
	now := h.svc.Now()
	d := &pageData{Agency: a, E: e, Phase: e.SignupPhase(now), Past: e.Past(now), Token: h.app.Guard.Token(formName),
		Groups: []web.Option{{Value: "", Label: "请选择"}}}
	d.EvalURL = h.svc.EvaluationURL(r.Context(), e.ID)
	if e.State == Done {
		d.Eval = h.svc.EvaluationSummary(r.Context(), e.ID)
		var err error
		if d.Photos, err = h.svc.Photos(r.Context(), e.ID); err != nil {
			return nil, err
		}
	}
	for _, g := range e.Groups {
		d.Groups = append(d.Groups, web.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name + "（名额 " + strconv.Itoa(g.Quota) + "，剩余 " + strconv.Itoa(g.Left()) + "）"})
	}
	var err error
	d.Selected, err = h.svc.Selected(r.Context(), e)
	return d, err
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, a AgencyRef, e *Event, form url.Values, fields map[string]string, order ...string) {
	d, err := h.pageData(r, a, e)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	v := h.view(r, a.ID, e.Theme, web.Crumb{Label: "政府开放日", URL: "/o/" + a.Slug + "/opendays"}, web.Crumb{Label: e.Theme})
	v.Form = form
	v.SetErrors(fields, order...)
	v.Data = d
	h.app.Render.Page(w, r, status, "openday/portal_page", v)
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	a, e, ok := h.public(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, a, e, nil, nil)
}

var signupOrder = []string{"_ft", "name", "phone", "email", "group"}

func statusOf(err error) (int, map[string]string, bool) {
	if f := apperr.FieldsOf(err); f != nil {
		return http.StatusUnprocessableEntity, f, true
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.TooLarge:
		return web.Status(apperr.CodeOf(err)), map[string]string{"_ft": apperr.MessageOf(err)}, true
	case apperr.Conflict:
		return http.StatusConflict, map[string]string{"_ft": apperr.MessageOf(err)}, true
	case apperr.RateLimited:
		return http.StatusTooManyRequests, map[string]string{"_ft": apperr.MessageOf(err)}, true
	case apperr.NotFound:
		return http.StatusUnprocessableEntity, map[string]string{"_ft": apperr.MessageOf(err)}, true
	}
	return 0, nil, false
}

func (h *Handlers) signup(w http.ResponseWriter, r *http.Request) {
	a, e, ok := h.public(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.render(w, r, web.Status(apperr.CodeOf(err)), a, e, url.Values{}, map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	if err := h.app.Guard.Check(r, formName); err != nil {
		h.render(w, r, http.StatusBadRequest, a, e, r.PostForm, map[string]string{"_ft": apperr.MessageOf(err)}, signupOrder...)
		return
	}
	in := SignupInput{Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), GroupID: web.FieldID(r, "group")}
	rc, err := h.svc.SignUp(r.Context(), a.ID, e.ID, in, web.ClientIP(r.Context()), nil)
	if err != nil {
		if status, fields, ok := statusOf(err); ok {
			h.render(w, r, status, a, e, r.PostForm, fields, signupOrder...)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	v := h.view(r, a.ID, "报名已提交", web.Crumb{Label: "政府开放日", URL: "/o/" + a.Slug + "/opendays"}, web.Crumb{Label: e.Theme, URL: URL(a.Slug, e.ID)})
	v.Data = map[string]any{"Agency": a, "E": e, "R": rc, "QR": URL(a.Slug, e.ID) + "/qr.png?code=" + rc.Code}
	h.app.Render.Page(w, r, http.StatusOK, "openday/portal_receipt", v)
}

func (h *Handlers) cancel(w http.ResponseWriter, r *http.Request) {
	a, e, ok := h.public(w, r)
	if !ok {
		return
	}
	order := []string{"_fc", "cancel_phone", "cancel_code"}
	fail := func(status int, fields map[string]string) {
		if m, ok := fields["_ft"]; ok {
			fields = map[string]string{"_fc": m}
		}
		h.render(w, r, status, a, e, r.PostForm, fields, order...)
	}
	if err := web.ParseForm(r); err != nil {
		r.PostForm = url.Values{}
		fail(web.Status(apperr.CodeOf(err)), map[string]string{"_fc": apperr.MessageOf(err)})
		return
	}
	if err := h.app.Guard.Check(r, formName); err != nil {
		fail(http.StatusBadRequest, map[string]string{"_fc": apperr.MessageOf(err)})
		return
	}
	phone, code := web.Field(r, "cancel_phone"), web.Field(r, "cancel_code")
	fields := map[string]string{}
	if phone == "" {
		fields["cancel_phone"] = "请填写报名时的手机号码。"
	}
	if code == "" {
		fields["cancel_code"] = "请填写报名码。"
	} else if len(code) > 40 {
		fields["cancel_code"] = "报名码不正确，请核对后重新输入。"
	}
	if len(fields) > 0 {
		fail(http.StatusUnprocessableEntity, fields)
		return
	}
	if err := h.svc.CancelByCode(r.Context(), a.ID, e.ID, phone, code, web.ClientIP(r.Context())); err != nil {
		if status, fields, ok := statusOf(err); ok {
			fail(status, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	v := h.view(r, a.ID, "报名已取消", web.Crumb{Label: "政府开放日", URL: "/o/" + a.Slug + "/opendays"}, web.Crumb{Label: e.Theme, URL: URL(a.Slug, e.ID)})
	v.Data = map[string]any{"Agency": a, "E": e}
	h.app.Render.Page(w, r, http.StatusOK, "openday/portal_cancelled", v)
}

// qr draws the registration code given as a QR code (the code itself is
// in the URL: nothing is looked up, nothing revealed).
func (h *Handlers) qr(w http.ResponseWriter, r *http.Request) {
	code := querycode.Normalize(r.URL.Query().Get("code"))
	if len(code) != querycode.Length || strings.Trim(code, querycode.Alphabet) != "" {
		h.app.ErrorPage(w, r, http.StatusNotFound, "报名码不正确。")
		return
	}
	png, err := qrcode.Encode(code, qrcode.Medium, 240)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	w.Header().Set("Content-Type", "image/png")
	w.Write(png) // #nosec G705 -- a PNG made by qrcode.Encode, served as image/png
}

// photo serves a picture of a held event's summary.
func (h *Handlers) photo(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	id, ok1 := web.PathID(r, "id")
	pid, ok2 := web.PathID(r, "photo")
	if !ok1 || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这张照片。")
		return
	}
	ph, rc, err := h.svc.OpenPublicPhoto(r.Context(), a.ID, id, pid)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			h.app.ErrorPage(w, r, http.StatusNotFound, "没有这张照片。")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	etag := `"` + ph.SHA256[:32] + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", ph.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(ph.Size, 10))
	io.Copy(w, rc)
}
