package disclosure

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/items", auth.ViewItems, h.consoleList, web.Summary("信息列表"))
	a.Handle("GET /console/items/new", auth.EditItems, h.consoleNew, web.Summary("新建信息"))
	a.Handle("POST /console/items", auth.EditItems, h.consoleCreate, web.Summary("保存新信息"))
	a.Handle("GET /console/items/{id}", auth.ViewItems, h.consoleItem, web.Summary("信息详情与编辑"))
	a.Handle("POST /console/items/{id}", auth.EditItems, h.consoleSave, web.Summary("保存信息"))
	a.Handle("POST /console/items/{id}/attachments", auth.EditItems, h.consoleUpload, web.Summary("上传附件"), web.Upload())
	a.Handle("POST /console/items/{id}/attachments/{att}/delete", auth.EditItems, h.consoleDeleteAttachment, web.Summary("删除附件"))
	a.Handle("GET /console/items/{id}/files/{att}", auth.ViewItems, h.consoleFile, web.Summary("下载附件（工作人员）"))
	a.Handle("POST /console/items/{id}/submit", auth.EditItems, h.act(ActSubmit), web.Summary("提交审核"))
	a.Handle("POST /console/items/{id}/return", auth.Authenticated, h.act(ActReturn), web.Summary("退回修改"))
	a.Handle("POST /console/items/{id}/review", auth.ReviewItems, h.act(ActReview), web.Summary("审核通过"))
	a.Handle("POST /console/items/{id}/approve", auth.ApproveItems, h.act(ActApprove), web.Summary("审批通过"))
	a.Handle("POST /console/items/{id}/publish", auth.PublishItems, h.act(ActPublish), web.Summary("发布或定时发布"))
	a.Handle("POST /console/items/{id}/withdraw", auth.WithdrawItems, h.act(ActWithdraw), web.Summary("撤稿"))
	a.Handle("POST /console/items/{id}/supersede", auth.WithdrawItems, h.act(ActSupersede), web.Summary("标记为已被替代"))
	a.Handle("POST /console/items/{id}/pin", auth.ManageCatalogue, h.consolePin, web.Summary("置顶"))
	a.Handle("GET /console/items/{id}/diff", auth.ViewItems, h.consoleDiff, web.Summary("版本比较"))
	a.Handle("GET /console/catalogue", auth.ManageCatalogue, h.consoleCatalogue, web.Summary("公开目录管理"))
	a.Handle("POST /console/catalogue/columns", auth.ManageCatalogue, h.consoleCreateColumn, web.Summary("新增栏目"))
	a.Handle("POST /console/catalogue/columns/{col}", auth.ManageCatalogue, h.consoleUpdateColumn, web.Summary("修改栏目"))
	a.Handle("POST /console/catalogue/topics", auth.ManageCatalogue, h.consoleCreateTopic, web.Summary("新增主题分类"))
	a.Handle("GET /console/disclosure/settings", auth.ManageCatalogue, h.consoleSettings, web.Summary("政务公开设置"))
	a.Handle("POST /console/disclosure/settings", auth.ManageCatalogue, h.consoleSaveSettings, web.Summary("保存政务公开设置"))
	a.Handle("GET /console/topical/{col}", auth.PostTopical, h.consoleTopical, web.Summary("专题专栏动态"))
	a.Handle("POST /console/topical/{col}/updates", auth.PostTopical, h.consolePostUpdate, web.Summary("发布专题动态"))
}

// agencyFor is the agency a console page works on: the principal's own.
// Platform staff pick one with ?agency= (0 is not an agency here).
func (h *Handlers) agencyFor(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	p := web.Principal(r)
	id := p.AgencyID
	if p.Platform() {
		id, _ = strconv.ParseInt(r.URL.Query().Get("agency"), 10, 64)
		if id == 0 {
			id, _ = strconv.ParseInt(r.PostFormValue("agency"), 10, 64)
		}
	}
	a, err := h.svc.Agencies.Agency(r.Context(), id)
	if down := db.Down(err); down != nil {
		h.app.Error(w, r, down)
		return a, false
	}
	if err != nil || !p.CanActIn(id) {
		h.app.ErrorPage(w, r, http.StatusNotFound, "请选择单位（平台账号请在地址中加上 ?agency=单位编号）。")
		return a, false
	}
	return a, true
}

func (h *Handlers) consoleView(r *http.Request, title, section string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = section
	v.Breadcrumbs = crumbs
	return v
}

type listData struct {
	Agency   AgencyRef
	Items    []*Item
	Total    int
	Status   string
	Query    string
	Due      []*Item
	Statuses []Status
	Today    civil.Date
	Pages    int
	PrevURL  string
	NextURL  string
	CanEdit  bool
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	p := web.Principal(r)
	q := r.URL.Query()
	d := listData{Agency: a, Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")), Today: civil.Of(h.svc.Now()),
		Statuses: []Status{Draft, Submitted, Reviewed, Approved, Scheduled, Published, Withdrawn, Superseded},
		CanEdit:  auth.Allowed(p, auth.EditItems)}
	if len([]rune(d.Query)) > 50 {
		d.Query = string([]rune(d.Query)[:50])
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 && n < 10000 {
		page = n
	}
	f := ListFilter{Text: d.Query, Limit: 30, Offset: (page - 1) * 30}
	if d.Status != "" {
		if Status(d.Status).Label() == "" {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "状态无效。")
			return
		}
		f.Statuses = []Status{Status(d.Status)}
	}
	var err error
	if d.Items, d.Total, err = h.svc.ConsoleList(r.Context(), p, a.ID, f); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if d.Due, err = h.svc.DueSoon(r.Context(), p, a.ID, 5); err != nil {
		h.app.Error(w, r, err)
		return
	}
	d.PrevURL, d.NextURL, d.Pages = pagerN(r, page, d.Total, 30)
	v := h.consoleView(r, "信息发布", "items")
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/console_items", v)
}

func pagerN(r *http.Request, page, total, size int) (prev, next string, pages int) {
	pages = (total + size - 1) / size
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return prev, next, pages
}

// formData is what the item form needs.
type formData struct {
	Agency  AgencyRef
	Item    *Item
	Columns []*Column
	Topics  []Topic
	Genres  []string
	Methods []string
	Five    []struct {
		Code  FivePublic
		Label string
	}
	Statutory  []struct{ Code, Label string }
	Sources    []struct{ Code, Label string }
	Valid      []struct{ Code, Label string }
	Attach     []Attachment
	Events     []Event
	Versions   []Version
	Findings   []Finding
	Settings   Settings
	Editable   bool
	Accept     string
	Can        map[string]bool
	Body       any
	Published  string
	Superseder int64
	// Interpretation and pre-publication assessment (interpret.go).
	Interp          *Interpretation
	Interpretations []InterpRef
	Major           bool
	Assessment      *Assessment
	Notices         []ItemNotice
	Links           []ItemNotice // actions of other capabilities on a published item
}

func (h *Handlers) formData(r *http.Request, a AgencyRef, it *Item) (formData, error) {
	ctx := r.Context()
	d := formData{Agency: a, Item: it, Genres: Genres, Five: FivePublics, Statutory: StatutoryItems, Sources: SourceTypes,
		Valid: Validities, Methods: Methods, Accept: blob.AcceptAttr}
	var err error
	if d.Columns, err = h.svc.Catalogue(ctx, a.ID); err != nil {
		return d, err
	}
	if d.Topics, err = h.svc.Topics(ctx, a.ID); err != nil {
		return d, err
	}
	if d.Settings, err = h.svc.Settings(ctx, a.ID); err != nil {
		return d, err
	}
	p := web.Principal(r)
	d.Can = map[string]bool{}
	if it != nil {
		d.Editable = (it.Status == Draft || it.Status == Withdrawn) && auth.Allowed(p, auth.EditItems)
		if d.Attach, err = h.svc.Attachments(ctx, it.ID); err != nil {
			return d, err
		}
		if d.Events, d.Versions, err = h.svc.History(ctx, p, it.ID); err != nil {
			return d, err
		}
		if d.Findings, err = h.svc.Findings(ctx, it, d.Attach); err != nil {
			return d, err
		}
		for _, a := range []struct {
			name string
			act  Action
			perm auth.Permission
		}{
			{"submit", ActSubmit, auth.EditItems}, {"return", ActReturn, auth.ReviewItems}, {"review", ActReview, auth.ReviewItems},
			{"approve", ActApprove, auth.ApproveItems}, {"publish", ActPublish, auth.PublishItems}, {"withdraw", ActWithdraw, auth.WithdrawItems},
			{"supersede", ActSupersede, auth.WithdrawItems},
		} {
			if _, err := Next(it.Status, a.act, d.Settings.RequireApproval); err == nil && auth.Allowed(p, a.perm) {
				d.Can[a.name] = true
			}
		}
		if auth.Allowed(p, auth.ApproveItems) && (it.Status == Reviewed || it.Status == Approved || it.Status == Scheduled) {
			d.Can["return"] = true
		}
		d.Can["pin"] = auth.Allowed(p, auth.ManageCatalogue) && it.Status.Public()
		if d.Interp, err = getInterpretation(ctx, h.svc.DB.R, it.ID); err != nil {
			return d, err
		}
		if d.Interpretations, err = interpretationsOf(ctx, h.svc.DB.R, it.ID, false); err != nil {
			return d, err
		}
		if d.Assessment, d.Major, err = h.svc.Assessment(ctx, p, it.ID); err != nil {
			return d, err
		}
		if h.ItemNotices != nil {
			if d.Notices, err = h.ItemNotices(ctx, it.AgencyID, it.ID); err != nil {
				return d, err
			}
		}
		if it.Status.Public() {
			d.Published = itemURL(a, it.ID)
			if h.ConsoleItemLinks != nil && it.Status == Published {
				d.Links = h.ConsoleItemLinks(p, it.ID)
			}
		}
	} else {
		d.Editable = true
	}
	return d, nil
}

// formValues shows an item's current values in the form.
func formValues(it *Item) map[string][]string {
	v := map[string][]string{
		"title": {it.Title}, "publisher": {it.Publisher}, "doc_number": {it.DocNumber}, "signed_on": {it.SignedOn.String()},
		"formed_on": {it.FormedOn.String()}, "topic_id": {strconv.FormatInt(it.TopicID, 10)}, "genre": {it.Genre},
		"statutory_item": {it.StatutoryItem}, "validity": {it.Validity}, "method": {it.Method}, "keywords": {it.Keywords}, "summary": {it.Summary},
		"body": {it.Body}, "source_type": {it.SourceType}, "five_publics": it.FivePublics,
	}
	for _, c := range it.ColumnIDs {
		v["column_ids"] = append(v["column_ids"], strconv.FormatInt(c, 10))
	}
	var rel []string
	for _, id := range it.RelatedIDs {
		rel = append(rel, strconv.FormatInt(id, 10))
	}
	v["related_ids"] = []string{strings.Join(rel, " ")}
	return v
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	d, err := h.formData(r, a, nil)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "新建信息", "items", web.Crumb{Label: "信息发布", URL: "/console/items"}, web.Crumb{Label: "新建信息"})
	v.Form = map[string][]string{"source_type": {"self"}, "formed_on": {civil.Of(h.svc.Now()).String()}, "publisher": {a.Name}}
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/console_item", v)
}

// draftFromForm reads the item form.
func draftFromForm(r *http.Request) DraftFields {
	in := DraftFields{
		Title: web.Field(r, "title"), Publisher: web.Field(r, "publisher"), DocNumber: web.Field(r, "doc_number"),
		SignedOn: web.Field(r, "signed_on"), FormedOn: web.Field(r, "formed_on"), TopicID: web.FieldID(r, "topic_id"),
		Genre: web.Field(r, "genre"), FivePublics: r.PostForm["five_publics"], StatutoryItem: web.Field(r, "statutory_item"),
		Validity: web.Field(r, "validity"), Method: web.Field(r, "method"), Keywords: web.Field(r, "keywords"), Summary: web.Field(r, "summary"),
		Body: r.PostFormValue("body"), SourceType: web.Field(r, "source_type"),
	}
	for _, s := range r.PostForm["column_ids"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.ColumnIDs = append(in.ColumnIDs, id)
		}
	}
	for _, s := range strings.FieldsFunc(web.Field(r, "related_ids"), func(c rune) bool { return c == ' ' || c == ',' || c == '，' || c == '、' }) {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.RelatedIDs = append(in.RelatedIDs, id)
		}
	}
	return in
}

var itemFieldOrder = []string{"title", "publisher", "doc_number", "signed_on", "formed_on", "topic_id", "genre", "five_publics",
	"statutory_item", "validity", "method", "source_type", "column_ids", "keywords", "summary", "body", "related_ids"}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	it, err := h.svc.Create(r.Context(), web.Principal(r), a.ID, draftFromForm(r))
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			d, derr := h.formData(r, a, nil)
			if derr != nil {
				h.app.Error(w, r, derr)
				return
			}
			v := h.consoleView(r, "新建信息", "items", web.Crumb{Label: "信息发布", URL: "/console/items"}, web.Crumb{Label: "新建信息"})
			v.Form = r.PostForm
			v.SetErrors(f, itemFieldOrder...)
			v.Data = d
			h.app.Render.Page(w, r, http.StatusUnprocessableEntity, "disclosure/console_item", v)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/items/"+strconv.FormatInt(it.ID, 10)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) loadItem(w http.ResponseWriter, r *http.Request) (AgencyRef, *Item, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return AgencyRef{}, nil, false
	}
	it, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return AgencyRef{}, nil, false
	}
	a, err := h.svc.Agencies.Agency(r.Context(), it.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return a, nil, false
	}
	return a, it, true
}

func (h *Handlers) renderItem(w http.ResponseWriter, r *http.Request, a AgencyRef, it *Item, status int, form map[string][]string, fields map[string]string, blocked []Finding) {
	d, err := h.formData(r, a, it)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if blocked != nil {
		d.Findings = blocked
	}
	v := h.consoleView(r, it.Title, "items", web.Crumb{Label: "信息发布", URL: "/console/items"}, web.Crumb{Label: it.Title})
	v.Form = form
	if v.Form == nil {
		v.Form = formValues(it)
	}
	if fields != nil {
		v.SetErrors(fields, itemFieldOrder...)
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "disclosure/console_item", v)
}

func (h *Handlers) consoleItem(w http.ResponseWriter, r *http.Request) {
	a, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	h.renderItem(w, r, a, it, http.StatusOK, nil, nil, nil)
}

func (h *Handlers) consoleSave(w http.ResponseWriter, r *http.Request) {
	a, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := h.svc.Update(r.Context(), web.Principal(r), it.ID, draftFromForm(r)); err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderItem(w, r, a, it, http.StatusUnprocessableEntity, r.PostForm, f, nil)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/items/"+strconv.FormatInt(it.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) consoleUpload(w http.ResponseWriter, r *http.Request) {
	a, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		h.renderItem(w, r, a, it, http.StatusBadRequest, nil, map[string]string{"file": "请选择要上传的文件"}, nil)
		return
	}
	uploaded := 0
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				h.app.Error(w, r, apperr.New(apperr.TooLarge, "文件超过了大小上限"))
				return
			}
			break
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		_, err = h.svc.AddAttachment(r.Context(), web.Principal(r), it.ID, part.FileName(), part)
		part.Close()
		if err != nil {
			if apperr.CodeOf(err) == apperr.Invalid || apperr.CodeOf(err) == apperr.TooLarge || apperr.CodeOf(err) == apperr.Conflict {
				h.renderItem(w, r, a, it, web.Status(apperr.CodeOf(err)), nil, map[string]string{"file": apperr.MessageOf(err)}, nil)
				return
			}
			h.app.Error(w, r, err)
			return
		}
		uploaded++
	}
	if uploaded == 0 {
		h.renderItem(w, r, a, it, http.StatusBadRequest, nil, map[string]string{"file": "请选择要上传的文件"}, nil)
		return
	}
	http.Redirect(w, r, "/console/items/"+strconv.FormatInt(it.ID, 10)+"?flash=saved#attachments", http.StatusSeeOther)
}

func (h *Handlers) consoleDeleteAttachment(w http.ResponseWriter, r *http.Request) {
	_, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	att, ok := web.PathID(r, "att")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := h.svc.RemoveAttachment(r.Context(), web.Principal(r), it.ID, att); err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/items/"+strconv.FormatInt(it.ID, 10)+"?flash=deleted#attachments", http.StatusSeeOther)
}

func (h *Handlers) consoleFile(w http.ResponseWriter, r *http.Request) {
	_, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	atts, err := h.svc.Attachments(r.Context(), it.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.serveAttachmentOf(w, r, atts)
}

// act handles one workflow button.
func (h *Handlers) act(a Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ag, it, ok := h.loadItem(w, r)
		if !ok {
			return
		}
		if err := web.ParseForm(r); err != nil {
			h.app.Error(w, r, err)
			return
		}
		p := web.Principal(r)
		ctx := r.Context()
		var err error
		switch a {
		case ActSubmit:
			err = h.svc.Submit(ctx, p, it.ID)
		case ActReturn:
			if !auth.Allowed(p, auth.ReviewItems) && !auth.Allowed(p, auth.ApproveItems) {
				err = apperr.New(apperr.Forbidden, "您无权退回信息")
			} else {
				err = h.svc.Return(ctx, p, it.ID, web.Field(r, "reason"))
			}
		case ActReview:
			err = h.svc.Review(ctx, p, it.ID, web.Field(r, "override"))
		case ActApprove:
			err = h.svc.Approve(ctx, p, it.ID)
		case ActPublish:
			var at time.Time
			if s := web.Field(r, "publish_at"); s != "" {
				t, perr := time.ParseInLocation("2006-01-02T15:04", s, civil.Shanghai)
				if perr != nil {
					err = apperr.FieldErrors(map[string]string{"publish_at": "定时发布时间格式应为 2025-01-31 09:00"})
					break
				}
				at = t
			}
			err = h.svc.Publish(ctx, p, it.ID, at)
		case ActWithdraw:
			err = h.svc.Withdraw(ctx, p, it.ID, web.Field(r, "reason"))
		case ActSupersede:
			err = h.svc.Supersede(ctx, p, it.ID, web.FieldID(r, "by"))
		}
		var blocked *BlockedError
		switch {
		case errors.As(err, &blocked):
			h.renderItem(w, r, ag, it, http.StatusConflict, nil, map[string]string{"override": "发现未脱敏的个人信息或敏感词，已阻止" + a.Label() + "。请退回修改；如确认无误，审核人可填写放行理由后再次审核。"}, blocked.Findings)
		case apperr.FieldsOf(err) != nil:
			h.renderItem(w, r, ag, it, http.StatusUnprocessableEntity, nil, apperr.FieldsOf(err), nil)
		case err != nil:
			h.app.Error(w, r, err)
		default:
			http.Redirect(w, r, "/console/items/"+strconv.FormatInt(it.ID, 10)+"?flash=saved", http.StatusSeeOther)
		}
	}
}

func (h *Handlers) consolePin(w http.ResponseWriter, r *http.Request) {
	_, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := h.svc.SetPinned(r.Context(), web.Principal(r), it.ID, web.FieldID(r, "column"), web.Field(r, "pinned") == "1"); err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/items/"+strconv.FormatInt(it.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

type diffData struct {
	Item     *Item
	From, To int
	Lines    []diffLine
	Versions []Version
}

type diffLine struct {
	Kind string // "add", "del", "ctx", "hunk"
	Text string
}

// consoleDiff shows what changed between two versions (reviewers see what
// they are asked to approve).
func (h *Handlers) consoleDiff(w http.ResponseWriter, r *http.Request) {
	_, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	_, versions, err := h.svc.History(r.Context(), web.Principal(r), it.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	to, _ := strconv.Atoi(r.URL.Query().Get("to"))
	if to == 0 && len(versions) > 0 {
		to = versions[len(versions)-1].Number
	}
	if from == 0 {
		from = to - 1
	}
	var a, b string
	for _, v := range versions {
		if v.Number == from {
			a = v.Snapshot.Text()
		}
		if v.Number == to {
			b = v.Snapshot.Text()
		}
	}
	d := diffData{Item: it, From: from, To: to, Versions: versions}
	ud := difflib.UnifiedDiff{A: difflib.SplitLines(a), B: difflib.SplitLines(b), FromFile: "第 " + strconv.Itoa(from) + " 版", ToFile: "第 " + strconv.Itoa(to) + " 版", Context: 3}
	text, _ := difflib.GetUnifiedDiffString(ud)
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---"):
		case strings.HasPrefix(line, "@@"):
			d.Lines = append(d.Lines, diffLine{Kind: "hunk", Text: line})
		case strings.HasPrefix(line, "+"):
			d.Lines = append(d.Lines, diffLine{Kind: "add", Text: line[1:]})
		case strings.HasPrefix(line, "-"):
			d.Lines = append(d.Lines, diffLine{Kind: "del", Text: line[1:]})
		case line != "":
			d.Lines = append(d.Lines, diffLine{Kind: "ctx", Text: strings.TrimPrefix(line, " ")})
		}
	}
	v := h.consoleView(r, "版本比较："+it.Title, "items", web.Crumb{Label: "信息发布", URL: "/console/items"},
		web.Crumb{Label: it.Title, URL: "/console/items/" + strconv.FormatInt(it.ID, 10)}, web.Crumb{Label: "版本比较"})
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/console_diff", v)
}

type catalogueAdmin struct {
	Agency    AgencyRef
	Tree      []*Column
	Topical   []*Column
	Topics    []Topic
	Statutory []struct{ Code, Label string }
	Parents   []*Column
}

func (h *Handlers) renderCatalogue(w http.ResponseWriter, r *http.Request, a AgencyRef, status int, fields map[string]string) {
	cols, err := h.svc.Catalogue(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	topics, err := h.svc.Topics(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := catalogueAdmin{Agency: a, Tree: Tree(cols), Topics: topics, Statutory: StatutoryItems}
	for _, c := range cols {
		if c.Kind == KindTopical {
			d.Topical = append(d.Topical, c)
		}
		if c.Kind == KindStatutory {
			d.Parents = append(d.Parents, c)
		}
	}
	v := h.consoleView(r, "公开目录", "catalogue")
	if fields != nil {
		v.Form = r.PostForm
		v.SetErrors(fields, "name", "slug", "kind", "parent_id", "statutory_item", "intro", "sort_order")
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "disclosure/console_catalogue", v)
}

func (h *Handlers) consoleCatalogue(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	h.renderCatalogue(w, r, a, http.StatusOK, nil)
}

func columnFromForm(r *http.Request) ColumnInput {
	sort, _ := strconv.Atoi(web.Field(r, "sort_order"))
	return ColumnInput{ParentID: web.FieldID(r, "parent_id"), Slug: web.Field(r, "slug"), Name: web.Field(r, "name"),
		Kind: ColumnKind(web.Field(r, "kind")), StatutoryItem: web.Field(r, "statutory_item"), Intro: web.Field(r, "intro"),
		Open: web.Field(r, "open") == "1", Hidden: web.Field(r, "hidden") == "1", SortOrder: sort}
}

func (h *Handlers) catalogueResult(w http.ResponseWriter, r *http.Request, a AgencyRef, err error) {
	if f := apperr.FieldsOf(err); f != nil {
		h.renderCatalogue(w, r, a, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/catalogue?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) consoleCreateColumn(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	_, err := h.svc.CreateColumn(r.Context(), web.Principal(r), a.ID, columnFromForm(r))
	h.catalogueResult(w, r, a, err)
}

func (h *Handlers) consoleUpdateColumn(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	col, ok := web.PathID(r, "col")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	h.catalogueResult(w, r, a, h.svc.UpdateColumn(r.Context(), web.Principal(r), a.ID, col, columnFromForm(r)))
}

func (h *Handlers) consoleCreateTopic(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	sort, _ := strconv.Atoi(web.Field(r, "sort_order"))
	_, err := h.svc.CreateTopic(r.Context(), web.Principal(r), a.ID, web.Field(r, "name"), sort)
	h.catalogueResult(w, r, a, err)
}

func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, a AgencyRef, st Settings, status int, fields map[string]string) {
	v := h.consoleView(r, "政务公开设置", "disclosure-settings")
	v.Form = r.PostForm
	if fields == nil {
		v.Form = map[string][]string{"index_pattern": {string(st.IndexPattern)}, "sensitive_words": {st.SensitiveWords},
			"guide_classification": {st.GuideClassification}, "guide_arrangement": {st.GuideArrangement},
			"guide_access": {st.GuideAccess}, "guide_other": {st.GuideOther}, "interpretation_days": {strconv.Itoa(st.InterpretationDays)}}
		if st.RequireApproval {
			v.Form["require_approval"] = []string{"1"}
		}
	} else {
		v.SetErrors(fields, "index_pattern", "interpretation_days", "sensitive_words", "guide_classification", "guide_arrangement", "guide_access", "guide_other")
	}
	v.Data = struct {
		Agency   AgencyRef
		Settings Settings
		Example  string
	}{a, st, st.IndexPattern.Format(exampleprefix(a), civil.Of(h.svc.Now()), 1)}
	h.app.Render.Page(w, r, status, "disclosure/console_settings", v)
}

func exampleprefix(a AgencyRef) string {
	if a.IndexPrefix != "" {
		return a.IndexPrefix
	}
	return strings.ToUpper(a.Slug)
}

func (h *Handlers) consoleSettings(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	st, err := h.svc.Settings(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderSettings(w, r, a, st, http.StatusOK, nil)
}

func (h *Handlers) consoleSaveSettings(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, ok := h.agencyFor(w, r)
	if !ok {
		return
	}
	st := Settings{AgencyID: a.ID, IndexPattern: IndexPattern(web.Field(r, "index_pattern")), RequireApproval: web.Field(r, "require_approval") == "1",
		SensitiveWords: r.PostFormValue("sensitive_words"), GuideClassification: web.Field(r, "guide_classification"),
		GuideArrangement: web.Field(r, "guide_arrangement"), GuideAccess: web.Field(r, "guide_access"), GuideOther: web.Field(r, "guide_other")}
	if s := web.Field(r, "interpretation_days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 30 {
			h.renderSettings(w, r, a, st, http.StatusUnprocessableEntity, map[string]string{"interpretation_days": "解读期限为 0 至 30 个工作日。"})
			return
		}
		st.InterpretationDays = n
	}
	if err := h.svc.UpdateSettings(r.Context(), web.Principal(r), st); err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderSettings(w, r, a, st, http.StatusUnprocessableEntity, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/disclosure/settings?flash=saved", http.StatusSeeOther)
}

type topicalAdmin struct {
	Agency  AgencyRef
	Column  *Column
	Updates []Update
}

func (h *Handlers) topicalAdminColumn(w http.ResponseWriter, r *http.Request) (AgencyRef, *Column, bool) {
	a, ok := h.agencyFor(w, r)
	if !ok {
		return a, nil, false
	}
	id, ok := web.PathID(r, "col")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return a, nil, false
	}
	cols, err := h.svc.Catalogue(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return a, nil, false
	}
	for _, c := range cols {
		if c.ID == id && c.Kind == KindTopical {
			return a, c, true
		}
	}
	h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个专题专栏。")
	return a, nil, false
}

func (h *Handlers) renderTopical(w http.ResponseWriter, r *http.Request, a AgencyRef, col *Column, status int, fields map[string]string) {
	ups, err := h.svc.Updates(r.Context(), col.ID, 200)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "专题专栏："+col.Name, "catalogue", web.Crumb{Label: "公开目录", URL: "/console/catalogue"}, web.Crumb{Label: col.Name})
	if fields != nil {
		v.Form = r.PostForm
		v.SetErrors(fields, "text", "item_id")
	}
	v.Data = topicalAdmin{Agency: a, Column: col, Updates: ups}
	h.app.Render.Page(w, r, status, "disclosure/console_topical", v)
}

func (h *Handlers) consoleTopical(w http.ResponseWriter, r *http.Request) {
	a, col, ok := h.topicalAdminColumn(w, r)
	if !ok {
		return
	}
	h.renderTopical(w, r, a, col, http.StatusOK, nil)
}

func (h *Handlers) consolePostUpdate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, col, ok := h.topicalAdminColumn(w, r)
	if !ok {
		return
	}
	_, err := h.svc.PostUpdate(r.Context(), web.Principal(r), a.ID, col.ID, r.PostFormValue("text"), web.FieldID(r, "item_id"), web.Field(r, "pinned") == "1")
	if f := apperr.FieldsOf(err); f != nil {
		h.renderTopical(w, r, a, col, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/topical/"+strconv.FormatInt(col.ID, 10)+"?flash=saved", http.StatusSeeOther)
}
