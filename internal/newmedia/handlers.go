package newmedia

import (
	"embed"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the new-media pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

// Register adds the portal and console routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("newmedia", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /o/{slug}/newmedia", auth.Public, h.portal, web.Summary("政务新媒体矩阵"))
	app.Handle("GET /o/{slug}/newmedia/{id}/qr", auth.Public, h.portalQR, web.Summary("政务新媒体账号二维码"))
	a, m := app, auth.ManageNewMedia
	a.Handle("GET /console/newmedia", m, h.list, web.Summary("政务新媒体账号台账"))
	a.Handle("GET /console/newmedia/accounts.xlsx", m, h.export, web.Summary("导出政务新媒体账号台账（XLSX）"))
	a.Handle("GET /console/newmedia/accounts/new", m, h.accountNew, web.Summary("登记政务新媒体账号"))
	a.Handle("POST /console/newmedia/accounts", m, h.accountCreate, web.Summary("保存新登记的账号"))
	a.Handle("GET /console/newmedia/accounts/{id}", m, h.account, web.Summary("政务新媒体账号详情"))
	a.Handle("POST /console/newmedia/accounts/{id}", m, h.accountSave, web.Summary("修改政务新媒体账号"))
	a.Handle("POST /console/newmedia/accounts/{id}/updated", m, h.accountUpdated, web.Summary("记录账号更新"))
	a.Handle("POST /console/newmedia/accounts/{id}/qr", m, h.qrUpload, web.Summary("上传账号二维码"), web.Upload())
	a.Handle("POST /console/newmedia/accounts/{id}/qr/delete", m, h.qrDelete, web.Summary("删除账号二维码"))
	a.Handle("GET /console/newmedia/accounts/{id}/qr", m, h.consoleQR, web.Summary("账号二维码图片"))
	a.Handle("GET /console/newmedia/reposts", m, h.reposts, web.Summary("转发任务"))
	a.Handle("GET /console/newmedia/reposts/new", m, h.repostNew, web.Summary("布置转发任务"))
	a.Handle("POST /console/newmedia/reposts", m, h.repostCreate, web.Summary("保存转发任务"))
	a.Handle("GET /console/newmedia/reposts/{id}", m, h.repost, web.Summary("转发任务详情"))
	a.Handle("POST /console/newmedia/reposts/{id}/tasks/{task}", m, h.taskDone, web.Summary("记录转发完成及链接"))
	return h, nil
}

// ---------------------------------------------------------------- portal

// PortalURL is an agency's 新媒体矩阵 page.
func PortalURL(slug string) string { return "/o/" + slug + "/newmedia" }

// PublicQRURL is the public address of an account's QR image.
func PublicQRURL(slug string, id int64) string {
	return PortalURL(slug) + "/" + strconv.FormatInt(id, 10) + "/qr"
}

// PlatformGroup are the accounts of one platform.
type PlatformGroup struct {
	Platform Platform
	Accounts []*Account
}

func groups(list []*Account) []PlatformGroup {
	var out []PlatformGroup
	for _, a := range list {
		if n := len(out); n == 0 || out[n-1].Platform != a.Platform {
			out = append(out, PlatformGroup{Platform: a.Platform})
		}
		out[len(out)-1].Accounts = append(out[len(out)-1].Accounts, a)
	}
	return out
}

func (h *Handlers) portal(w http.ResponseWriter, r *http.Request) {
	ag, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	list, err := h.svc.PublicAccounts(r.Context(), ag.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "政务新媒体矩阵")
	if h.site != nil {
		v.Site = h.site(r, ag.ID)
	}
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: ag.Name, URL: "/o/" + ag.Slug + "/"}, {Label: "政务新媒体矩阵"}}
	v.Data = map[string]any{"Agency": ag, "Groups": groups(list), "Count": len(list)}
	h.app.Render.Page(w, r, http.StatusOK, "newmedia/portal_matrix", v)
}

func (h *Handlers) serveImage(w http.ResponseWriter, r *http.Request, sha, contentType string, size int64, body io.Reader, public bool) {
	etag := `"` + sha[:min(32, len(sha))] + `"`
	w.Header().Set("ETag", etag)
	if public {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	} else {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	io.Copy(w, body)
}

func (h *Handlers) portalQR(w http.ResponseWriter, r *http.Request) {
	ag, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个二维码。")
		return
	}
	_, att, rc, err := h.svc.PublicQR(r.Context(), ag.ID, id)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个二维码。")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	h.serveImage(w, r, att.SHA256, att.ContentType, att.Size, rc, true)
}

// ---------------------------------------------------------------- console

func (h *Handlers) view(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "newmedia"
	v.Breadcrumbs = append([]web.Crumb{{Label: "政务新媒体", URL: "/console/newmedia"}}, crumbs...)
	return v
}

func formFields(err error, field string) (int, map[string]string, bool) {
	if f := apperr.FieldsOf(err); f != nil {
		return http.StatusUnprocessableEntity, f, true
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.TooLarge:
		return web.Status(apperr.CodeOf(err)), map[string]string{field: apperr.MessageOf(err)}, true
	case apperr.Conflict:
		return http.StatusConflict, map[string]string{field: apperr.MessageOf(err)}, true
	}
	return 0, nil, false
}

func platformOptions(first string) []web.Option {
	out := []web.Option{{Value: "", Label: first}}
	for _, p := range Platforms {
		out = append(out, web.Option{Value: string(p), Label: p.Label()})
	}
	return out
}

func statusOptions(first string) []web.Option {
	out := []web.Option{{Value: "", Label: first}}
	for _, s := range []Status{Active, Paused, Closed} {
		out = append(out, web.Option{Value: string(s), Label: s.Label()})
	}
	return out
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{Platform: Platform(q.Get("platform")), Status: Status(q.Get("status")), Stale: q.Get("stale") == "1"}
	if !f.Platform.Valid() {
		f.Platform = ""
	}
	if !f.Status.Valid() {
		f.Status = ""
	}
	p := web.Principal(r)
	list, err := h.svc.Accounts(r.Context(), p, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	all, err := h.svc.Accounts(r.Context(), p, Filter{})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	stale := 0
	for _, a := range all {
		if a.Stale {
			stale++
		}
	}
	reposts, err := h.svc.Reposts(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	open, overdue := 0, 0
	now := h.svc.Now()
	for _, x := range reposts {
		done, late := x.Progress(now)
		open += len(x.Tasks) - done
		overdue += late
	}
	slug := ""
	if ag, err := h.svc.Agencies.Agency(r.Context(), p.AgencyID); err == nil {
		slug = ag.Slug
	}
	v := h.view(r, "政务新媒体")
	v.Breadcrumbs = nil
	v.Form = url.Values{"platform": {string(f.Platform)}, "status": {string(f.Status)}}
	v.Data = map[string]any{"List": list, "Total": len(all), "Stale": stale, "StaleDays": h.svc.StaleDays, "OpenTasks": open, "Overdue": overdue,
		"Platforms": platformOptions("全部平台"), "Statuses": statusOptions("全部状态"), "OnlyStale": f.Stale, "PublicURL": PortalURL(slug)}
	h.app.Render.Page(w, r, http.StatusOK, "newmedia/console_list", v)
}

func (h *Handlers) export(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="newmedia-accounts.xlsx"; filename*=UTF-8''`+url.PathEscape("政务新媒体账号台账.xlsx"))
	w.Header().Set("Cache-Control", "private, no-store")
	if err := h.svc.ExportAccounts(r.Context(), web.Principal(r), w); err != nil {
		w.Header().Del("Content-Disposition")
		h.app.Error(w, r, err)
	}
}

var accountOrder = []string{"platform", "name", "account_id", "supervisor", "sponsor", "operator", "operator_contact", "status", "last_updated_on", "note"}

func accountForm(r *http.Request) AccountFields {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return AccountFields{Platform: r.PostFormValue("platform"), Name: r.PostFormValue("name"), AccountID: r.PostFormValue("account_id"),
		Supervisor: r.PostFormValue("supervisor"), Sponsor: r.PostFormValue("sponsor"), Operator: r.PostFormValue("operator"),
		OperatorContact: r.PostFormValue("operator_contact"), Status: r.PostFormValue("status"), LastUpdatedOn: r.PostFormValue("last_updated_on"),
		Note: r.PostFormValue("note"), Version: v}
}

func accountValues(a *Account) url.Values {
	last := ""
	if !a.LastUpdatedOn.IsZero() {
		last = a.LastUpdatedOn.String()
	}
	return url.Values{"platform": {string(a.Platform)}, "name": {a.Name}, "account_id": {a.AccountID}, "supervisor": {a.Supervisor}, "sponsor": {a.Sponsor},
		"operator": {a.Operator}, "operator_contact": {a.OperatorContact}, "status": {string(a.Status)}, "last_updated_on": {last}, "note": {a.Note},
		"version": {strconv.Itoa(a.Version)}}
}

func (h *Handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	v := h.view(r, "登记政务新媒体账号", web.Crumb{Label: "登记账号"})
	v.Form = form
	v.SetErrors(fields, accountOrder...)
	v.Data = map[string]any{"Platforms": platformOptions("请选择"), "Statuses": statusOptions("请选择")}
	h.app.Render.Page(w, r, status, "newmedia/console_account_new", v)
}

func (h *Handlers) accountNew(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if !allowed(p) {
		h.app.Error(w, r, errForbidden)
		return
	}
	sponsor := ""
	if ag, err := h.svc.Agencies.Agency(r.Context(), p.AgencyID); err == nil {
		sponsor = ag.Name
	}
	h.renderNew(w, r, http.StatusOK, url.Values{"status": {string(Active)}, "sponsor": {sponsor}, "supervisor": {sponsor}}, nil)
}

func (h *Handlers) accountCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderNew(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"name": apperr.MessageOf(err)})
		return
	}
	a, err := h.svc.CreateAccount(r.Context(), web.Principal(r), accountForm(r))
	if err != nil {
		if status, fields, ok := formFields(err, "name"); ok {
			h.renderNew(w, r, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, AccountURL(a.ID)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) accountOf(w http.ResponseWriter, r *http.Request) (*Account, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个新媒体账号。")
		return nil, false
	}
	a, err := h.svc.Account(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return a, true
}

func (h *Handlers) renderAccount(w http.ResponseWriter, r *http.Request, status int, a *Account, form url.Values, fields map[string]string) {
	v := h.view(r, a.Name, web.Crumb{Label: a.Name + "（" + a.Platform.Label() + "）"})
	if form == nil {
		form = accountValues(a)
	}
	v.Form = form
	v.SetErrors(fields, append(accountOrder, "updated_on", "qr")...)
	slug := ""
	if ag, err := h.svc.Agencies.Agency(r.Context(), a.AgencyID); err == nil {
		slug = ag.Slug
	}
	v.Data = map[string]any{"A": a, "Platforms": platformOptions("请选择"), "Statuses": statusOptions("请选择"), "StaleDays": h.svc.StaleDays,
		"Today": h.svc.Today().String(), "PublicURL": PortalURL(slug)}
	h.app.Render.Page(w, r, status, "newmedia/console_account", v)
}

func (h *Handlers) account(w http.ResponseWriter, r *http.Request) {
	a, ok := h.accountOf(w, r)
	if !ok {
		return
	}
	h.renderAccount(w, r, http.StatusOK, a, nil, nil)
}

// post runs an action on an account; a refusal is shown on its page.
func (h *Handlers) post(w http.ResponseWriter, r *http.Request, field string, keepForm bool, fn func(a *Account) error) {
	a, ok := h.accountOf(w, r)
	if !ok {
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	err := web.ParseForm(r)
	if err == nil {
		err = fn(a)
	}
	if err != nil {
		if status, fields, ok := formFields(err, field); ok {
			var form url.Values
			if keepForm && r.PostForm != nil {
				form = r.PostForm
			}
			if a2, err := h.svc.Account(r.Context(), web.Principal(r), a.ID); err == nil {
				a = a2
			}
			h.renderAccount(w, r, status, a, form, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, AccountURL(a.ID)+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) accountSave(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "name", true, func(a *Account) error {
		return h.svc.UpdateAccount(r.Context(), web.Principal(r), a.ID, accountForm(r))
	})
}

func (h *Handlers) accountUpdated(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "updated_on", false, func(a *Account) error {
		var day civil.Date
		if v := web.Field(r, "updated_on"); v != "" {
			d, err := civil.Parse(v)
			if err != nil {
				return apperr.FieldErrors(map[string]string{"updated_on": "请按“2026-05-20”的格式填写更新日期。"})
			}
			day = d
		}
		return h.svc.RecordUpdate(r.Context(), web.Principal(r), a.ID, day)
	})
}

func (h *Handlers) qrUpload(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "qr", false, func(a *Account) error {
		var up Upload
		if r.MultipartForm != nil {
			if fhs := r.MultipartForm.File["qr"]; len(fhs) > 0 && fhs[0].Size > 0 {
				f, err := fhs[0].Open()
				if err != nil {
					return apperr.FieldErrors(map[string]string{"qr": "上传的文件无法读取，请重新选择。"})
				}
				defer f.Close()
				up = Upload{Name: web.UploadName(fhs[0]), Reader: f}
			}
		}
		return h.svc.SetQR(r.Context(), web.Principal(r), a.ID, up)
	})
}

func (h *Handlers) qrDelete(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "qr", false, func(a *Account) error {
		return h.svc.RemoveQR(r.Context(), web.Principal(r), a.ID)
	})
}

func (h *Handlers) consoleQR(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个二维码。")
		return
	}
	_, att, rc, err := h.svc.QR(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	h.serveImage(w, r, att.SHA256, att.ContentType, att.Size, rc, false)
}

// ---------------------------------------------------------------- reposts

func (h *Handlers) reposts(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Reposts(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, "转发任务", web.Crumb{Label: "转发任务"})
	v.Data = map[string]any{"List": list, "Now": h.svc.Now()}
	h.app.Render.Page(w, r, http.StatusOK, "newmedia/console_reposts", v)
}

func kindOptions() []web.Option {
	out := []web.Option{{Value: "", Label: "请选择"}}
	for _, k := range Kinds {
		out = append(out, web.Option{Value: string(k), Label: k.Label()})
	}
	return out
}

var repostOrder = []string{"item", "title", "url", "kind", "mode", "workdays", "due_at", "accounts"}

func (h *Handlers) renderRepostForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	accounts, err := h.svc.Accounts(r.Context(), p, Filter{Status: Active})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	recent, err := h.svc.RecentItems(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var item *ItemRef
	if id, err := strconv.ParseInt(form.Get("item"), 10, 64); err == nil && id > 0 {
		if it, err := h.svc.Item(r.Context(), p, id); err == nil {
			item = &it
		}
	}
	items := []web.Option{{Value: "", Label: "（不关联，下面填写标题和网址）"}}
	for _, it := range recent {
		items = append(items, web.Option{Value: strconv.FormatInt(it.ID, 10), Label: it.PublishedOn.String() + " " + it.Title})
	}
	if item != nil {
		found := false
		for _, o := range items {
			found = found || o.Value == strconv.FormatInt(item.ID, 10)
		}
		if !found {
			items = append(items, web.Option{Value: strconv.FormatInt(item.ID, 10), Label: item.PublishedOn.String() + " " + item.Title})
		}
	}
	v := h.view(r, "布置转发任务", web.Crumb{Label: "转发任务", URL: "/console/newmedia/reposts"}, web.Crumb{Label: "布置转发任务"})
	v.Form = form
	v.SetErrors(fields, repostOrder...)
	v.Data = map[string]any{"Accounts": accounts, "Items": items, "Item": item, "Kinds": kindOptions()}
	h.app.Render.Page(w, r, status, "newmedia/console_repost_new", v)
}

func (h *Handlers) repostNew(w http.ResponseWriter, r *http.Request) {
	if !allowed(web.Principal(r)) {
		h.app.Error(w, r, errForbidden)
		return
	}
	form := url.Values{"mode": {ByWorkdays}, "workdays": {"1"},
		"due_at": {h.svc.Now().In(civil.Shanghai).Add(2 * time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")}}
	if id := r.URL.Query().Get("item"); id != "" {
		form.Set("item", id)
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			if it, err := h.svc.Item(r.Context(), web.Principal(r), n); err == nil {
				form.Set("kind", string(it.Kind))
				if it.Kind == Emergency {
					form.Set("mode", ByMoment)
				}
			}
		}
	}
	h.renderRepostForm(w, r, http.StatusOK, form, nil)
}

func (h *Handlers) repostCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderRepostForm(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	f := RepostFields{Title: r.PostFormValue("title"), URL: r.PostFormValue("url"), Kind: r.PostFormValue("kind"), Mode: r.PostFormValue("mode"),
		Workdays: r.PostFormValue("workdays"), DueAt: r.PostFormValue("due_at")}
	if v := web.Field(r, "item"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			h.renderRepostForm(w, r, http.StatusUnprocessableEntity, r.PostForm, map[string]string{"item": "所选信息无法识别，请重新选择。"})
			return
		}
		f.ItemID = n
	}
	for _, s := range r.PostForm["accounts"] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			h.renderRepostForm(w, r, http.StatusUnprocessableEntity, r.PostForm, map[string]string{"accounts": "所选账号无法识别，请重新选择。"})
			return
		}
		f.AccountIDs = append(f.AccountIDs, n)
	}
	x, err := h.svc.CreateRepost(r.Context(), web.Principal(r), f)
	if err != nil {
		if status, fields, ok := formFields(err, "title"); ok {
			h.renderRepostForm(w, r, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, RepostURL(x.ID)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) renderRepost(w http.ResponseWriter, r *http.Request, status int, x *Repost, form url.Values, fields map[string]string) {
	v := h.view(r, x.Title, web.Crumb{Label: "转发任务", URL: "/console/newmedia/reposts"}, web.Crumb{Label: clip(x.Title)})
	v.Form = form
	v.SetErrors(fields, "link", "_task")
	v.Data = map[string]any{"X": x, "Now": h.svc.Now(), "Failed": form.Get("task")}
	h.app.Render.Page(w, r, status, "newmedia/console_repost", v)
}

func (h *Handlers) repost(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这项转发任务。")
		return
	}
	x, err := h.svc.Repost(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderRepost(w, r, http.StatusOK, x, url.Values{}, nil)
}

func (h *Handlers) taskDone(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这项转发任务。")
		return
	}
	p := web.Principal(r)
	x, err := h.svc.Repost(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	tid, ok := web.PathID(r, "task")
	err = web.ParseForm(r)
	if err == nil && !ok {
		err = apperr.New(apperr.Conflict, "没有这项转发任务。")
	}
	if err == nil {
		err = h.svc.CompleteTask(r.Context(), p, x.ID, tid, r.PostFormValue("link"))
	}
	if err != nil {
		if status, fields, ok := formFields(err, "_task"); ok {
			if x2, err := h.svc.Repost(r.Context(), p, id); err == nil {
				x = x2
			}
			form := url.Values{"task": {strconv.FormatInt(tid, 10)}}
			if r.PostForm != nil {
				form.Set("link", r.PostFormValue("link"))
			}
			h.renderRepost(w, r, status, x, form, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, RepostURL(x.ID)+"?flash=saved", http.StatusSeeOther)
}
