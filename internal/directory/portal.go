package directory

import (
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

// The public side of the directories (便民查询): the venue and halal
// outlet directories with their search, filters and detail pages, the
// halal sign check, the clergy verification form (never a list), and the
// recent updates with their Atom feed. None of these pages goes through
// the page cache: the notices on them start and end by date, and the
// verification form carries fresh tokens.

func (h *Handlers) registerPortal() {
	a := h.app
	a.Handle("GET /o/{slug}/directories", auth.Public, h.landing, web.Summary("便民查询：宗教活动场所、清真食品经营单位、宗教教职人员身份核验"))
	a.Handle("GET /o/{slug}/venues", auth.Public, h.publicList(Venues), web.Summary("宗教活动场所查询"))
	a.Handle("GET /o/{slug}/venues/{id}", auth.Public, h.publicEntry(Venues), web.Summary("宗教活动场所详情与开放变动通知"))
	a.Handle("GET /o/{slug}/halal", auth.Public, h.publicList(Outlets), web.Summary("清真食品经营单位查询"))
	a.Handle("GET /o/{slug}/halal/check", auth.Public, h.signCheck, web.Summary("清真标志牌编号核验"))
	a.Handle("GET /o/{slug}/halal/{id}", auth.Public, h.publicEntry(Outlets), web.Summary("清真食品经营单位详情"))
	a.Handle("GET /o/{slug}/clergy", auth.Public, h.clergyForm, web.Summary("宗教教职人员身份核验"))
	a.Handle("POST /o/{slug}/clergy", auth.Public, h.clergyVerify, web.Summary("宗教教职人员身份核验：查询"))
	a.Handle("GET /o/{slug}/clergy/photo/{token}", auth.Public, h.clergyPhoto, web.Summary("宗教教职人员身份核验：照片（短时有效）"))
	a.Handle("GET /o/{slug}/directory-updates", auth.Public, h.updates, web.Summary("便民查询信息最近更新"))
	a.Handle("GET /o/{slug}/directory-updates/feed.atom", auth.Public, h.updatesFeed, web.Summary("便民查询信息最近更新 Atom 订阅"))
}

// ---------------------------------------------------------------- addresses

// LandingURL is an agency's 便民查询 page.
func LandingURL(slug string) string { return "/o/" + slug + "/directories" }

// PublicListURL is a public directory of an agency (venues or outlets).
func PublicListURL(slug string, k Kind) string { return "/o/" + slug + "/" + k.Slug() }

// PublicEntryURL is an entry's public page (venues and outlets only).
func PublicEntryURL(slug string, k Kind, id int64) string {
	return PublicListURL(slug, k) + "/" + strconv.FormatInt(id, 10)
}

// UpdatesURL is an agency's recent updates page.
func UpdatesURL(slug string) string { return "/o/" + slug + "/directory-updates" }

// ---------------------------------------------------------------- shared

// portalAgency is the agency of the page's {slug}; it answers the request
// itself (404) when there is none.
func (h *Handlers) portalAgency(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

// portalView starts a page of an agency's section under 便民查询; crumbs
// follow 首页 › agency › 便民查询.
func (h *Handlers) portalView(r *http.Request, a AgencyRef, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	if h.site != nil {
		v.Site = h.site(r, a.ID)
	}
	trail := []web.Crumb{{Label: "首页", URL: "/"}, {Label: a.Name, URL: "/o/" + a.Slug + "/"}}
	if len(crumbs) == 0 {
		trail = append(trail, web.Crumb{Label: "便民查询"})
	} else {
		trail = append(append(trail, web.Crumb{Label: "便民查询", URL: LandingURL(a.Slug)}), crumbs...)
	}
	v.Breadcrumbs = trail
	return v
}

// listTitle is a public directory's heading.
func listTitle(k Kind) string {
	if k == Outlets {
		return "清真食品经营单位查询"
	}
	return "宗教活动场所查询"
}

// maxParam is the longest filter value read (the options are short).
const maxParam = 100

// publicFilter reads the filters of a public list from its query — the
// pages and the API share it: q (2 to 50 characters), district, religion
// (venues) or category (outlets), type (venues), status, supply=1
// (outlets) and page. A value that is not one of the choices gives a
// message under its parameter's name and is ignored.
func (h *Handlers) publicFilter(k Kind, q url.Values) (Filter, map[string]string) {
	sc := h.svc.Schema(k)
	bad := map[string]string{}
	var f Filter
	query, err := CheckQuery(q.Get("q"))
	if err != nil {
		for key, msg := range apperr.FieldsOf(err) {
			bad[key] = msg
		}
	}
	f.Query = query
	choose := func(param, key string) string {
		v := strings.TrimSpace(q.Get(param))
		if v == "" {
			return ""
		}
		fd, ok := sc.Field(key)
		if ok && len(v) <= maxParam {
			for _, o := range fd.Options {
				if v == o.Value || v == o.Label {
					return o.Value
				}
			}
		}
		label := param
		if ok {
			label = fd.Label
		}
		bad[param] = "请从列表中选择" + label + "。"
		return ""
	}
	if sc.DistrictKey != "" {
		f.District = choose("district", sc.DistrictKey)
	}
	if sc.ClassKey != "" {
		f.Class = choose(sc.ClassKey, sc.ClassKey)
	}
	f.Status = choose("status", "status")
	if k == Venues {
		f.VenueType = choose("type", "venue_type")
	}
	if k == Outlets {
		switch strings.TrimSpace(q.Get("supply")) {
		case "", "0":
		case "1":
			f.SupplyPoint = true
		default:
			bad["supply"] = "基本供应点筛选只能是 1（只看基本供应点）。"
		}
	}
	if s := strings.TrimSpace(q.Get("page")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			bad["page"] = "页码应为正整数。"
		} else {
			f.Page = n
		}
	}
	if len(bad) == 0 {
		bad = nil
	}
	return f, bad
}

// publicFields are an entry's public fields by key (masked).
func (h *Handlers) publicFields(e *Entry) ([]FieldValue, map[string]string) {
	list := h.svc.PublicValues(e)
	m := make(map[string]string, len(list))
	for _, fv := range list {
		m[fv.Key] = fv.Value
	}
	return list, m
}

// noticeView is a notice as the public reads it.
type noticeView struct {
	Kind   NoticeKind
	Label  string
	Period string
	Text   string
}

func noticeViews(list []*Notice) []noticeView {
	out := make([]noticeView, 0, len(list))
	for _, n := range list {
		out = append(out, noticeView{Kind: n.Kind, Label: n.Kind.Label(), Period: n.Period(), Text: pii.MaskAll(n.Text)})
	}
	return out
}

// statusBadge is the badge class of an entry's status as read today.
func statusBadge(e *Entry) string {
	switch {
	case e.Kind == Outlets && e.Status == OutletRevoked:
		return "danger"
	case !e.Active():
		return "off"
	case e.Closed():
		return "warn"
	}
	return "ok"
}

// ---------------------------------------------------------------- landing

type landingData struct {
	Agency  AgencyRef
	Updates []updateRow
}

func (h *Handlers) landing(w http.ResponseWriter, r *http.Request) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return
	}
	rows, err := h.updateRows(r, a, 10)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.portalView(r, a, "便民查询")
	v.Data = landingData{Agency: a, Updates: rows}
	h.app.Render.Page(w, r, http.StatusOK, "directory/portal_landing", v)
}

// ---------------------------------------------------------------- lists

// publicRow is one line of a public directory.
type publicRow struct {
	URL         string
	Name        string
	Class       string
	District    string
	Address     string
	Number      string
	VenueType   string
	StatusLabel string
	Badge       string
	SupplyPoint bool
	Notices     []noticeView
}

type listData struct {
	Agency     AgencyRef
	Kind       Kind
	Action     string
	ClassKey   string
	ClassLabel string
	Classes    []web.Option
	Districts  []web.Option
	Types      []web.Option
	Statuses   []web.Option
	Page       *Page
	Rows       []publicRow
	Filtered   bool
	Prev, Next string
}

func (h *Handlers) publicList(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.portalAgency(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		f, bad := h.publicFilter(k, q)
		pg, err := h.svc.PublicList(r.Context(), a.ID, k, f)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		sc := h.svc.Schema(k)
		d := listData{Agency: a, Kind: k, Action: PublicListURL(a.Slug, k), ClassKey: sc.ClassKey, Page: pg,
			Filtered: f.Query != "" || f.District != "" || f.Class != "" || f.Status != "" || f.VenueType != "" || f.SupplyPoint}
		if fd, ok := sc.Field(sc.ClassKey); ok {
			d.ClassLabel = fd.Label
			d.Classes = options("全部"+fd.Label, fd.Options)
		}
		if fd, ok := sc.Field(sc.DistrictKey); ok {
			d.Districts = options("全部区", fd.Options)
		}
		if fd, ok := sc.Field("venue_type"); ok && k == Venues {
			d.Types = options("全部类型", fd.Options)
		}
		if fd, ok := sc.Field("status"); ok {
			d.Statuses = options("全部状态", fd.Options)
		}
		for _, e := range pg.Entries {
			_, m := h.publicFields(e)
			d.Rows = append(d.Rows, publicRow{URL: PublicEntryURL(a.Slug, k, e.ID), Name: m["name"], Class: m[sc.ClassKey],
				District: m["district"], Address: m["address"], Number: m["number"], VenueType: m["venue_type"],
				StatusLabel: e.StatusLabel(), Badge: statusBadge(e), SupplyPoint: e.Values["supply_point"] == "1", Notices: noticeViews(e.Notices)})
		}
		d.Prev, d.Next = pager(d.Action, q, pg.Page, pg.Pages)
		v := h.portalView(r, a, listTitle(k), web.Crumb{Label: listTitle(k)})
		v.Form = q
		v.SetErrors(bad, "q", sc.ClassKey, "district", "type", "status", "supply", "page")
		v.Data = d
		status := http.StatusOK
		if bad != nil {
			status = http.StatusUnprocessableEntity
		}
		h.app.Render.Page(w, r, status, "directory/portal_list", v)
	}
}

// ---------------------------------------------------------------- detail

type entryData struct {
	Agency   AgencyRef
	Kind     Kind
	Entry    *Entry
	Name     string
	Fields   []FieldValue
	Notices  []noticeView
	Badge    string
	ListURL  string
	CheckURL string
}

func (h *Handlers) publicEntry(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.portalAgency(w, r)
		if !ok {
			return
		}
		id, ok := web.PathID(r, "id")
		if !ok {
			h.app.ErrorPage(w, r, http.StatusNotFound, "没有这条记录。")
			return
		}
		e, err := h.svc.PublicEntry(r.Context(), a.ID, k, id)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		fields, m := h.publicFields(e)
		d := entryData{Agency: a, Kind: k, Entry: e, Name: m["name"], Fields: fields, Notices: noticeViews(e.Notices),
			Badge: statusBadge(e), ListURL: PublicListURL(a.Slug, k), CheckURL: PublicListURL(a.Slug, Outlets) + "/check"}
		v := h.portalView(r, a, d.Name, web.Crumb{Label: listTitle(k), URL: d.ListURL}, web.Crumb{Label: d.Name})
		v.Data = d
		h.app.Render.Page(w, r, http.StatusOK, "directory/portal_entry", v)
	}
}

// ---------------------------------------------------------------- sign check

type checkData struct {
	Agency AgencyRef
	Asked  bool
	Number string
	Found  bool
	Entry  *Entry
	Name   string
	URL    string
	Valid  bool
	Status string
	// Missing is the message when no outlet holds the number.
	Missing string
}

func (h *Handlers) signCheck(w http.ResponseWriter, r *http.Request) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := checkData{Agency: a}
	status := http.StatusOK
	var bad map[string]string
	if _, asked := q["number"]; asked {
		d.Asked, d.Number = true, NormalizeNumber(q.Get("number"))
		e, err := h.svc.CheckSign(r.Context(), a.ID, q.Get("number"))
		switch {
		case err == nil:
			_, m := h.publicFields(e)
			d.Found, d.Entry, d.Name, d.URL, d.Valid, d.Status = true, e, m["name"], PublicEntryURL(a.Slug, Outlets, e.ID), e.Active(), e.StatusLabel()
		case apperr.FieldsOf(err) != nil:
			bad, status, d.Asked = apperr.FieldsOf(err), http.StatusUnprocessableEntity, false
		case apperr.Is(err, apperr.NotFound):
			d.Missing = apperr.MessageOf(err)
		default:
			h.app.Error(w, r, err)
			return
		}
	}
	v := h.portalView(r, a, "清真标志牌核验", web.Crumb{Label: listTitle(Outlets), URL: PublicListURL(a.Slug, Outlets)}, web.Crumb{Label: "清真标志牌核验"})
	v.Form = q
	v.SetErrors(bad, "number")
	v.Data = d
	h.app.Render.Page(w, r, status, "directory/portal_check", v)
}

// ---------------------------------------------------------------- clergy

// clergyFormName names the verification form for the form guard.
const clergyFormName = "clergy-verify"

var clergyOrder = []string{"_ft", "_ca", "name", "number"}

type clergyData struct {
	Agency    AgencyRef
	Action    string
	Token     string
	Challenge *web.Challenge
	// Limited is the message when the address asked too often (the form
	// is not shown).
	Limited string
	// Asked: a query was answered; Match is its entry (nil: no match).
	Asked    bool
	Match    *Entry
	Fields   []FieldValue
	Name     string
	Valid    bool
	PhotoURL string
}

// renderClergy shows the verification page: the form (with the challenge
// when the address must answer one), and the answer to a query.
func (h *Handlers) renderClergy(w http.ResponseWriter, r *http.Request, status int, a AgencyRef, form url.Values, fields map[string]string, d clergyData) {
	web.NoStore(w)
	d.Agency, d.Action = a, "/o/"+a.Slug+"/clergy"
	if d.Limited == "" {
		d.Token = h.app.Guard.Token(clergyFormName)
		if h.svc.NeedsChallenge(r.Context(), web.ClientIP(r.Context())) {
			c := h.app.Guard.NewChallenge(clergyFormName)
			c.Error = fields["_ca"]
			d.Challenge = &c
		}
	}
	v := h.portalView(r, a, "宗教教职人员身份核验", web.Crumb{Label: "宗教教职人员身份核验"})
	v.Form = form
	v.SetErrors(fields, clergyOrder...)
	v.Data = d
	h.app.Render.Page(w, r, status, "directory/portal_clergy", v)
}

func (h *Handlers) clergyForm(w http.ResponseWriter, r *http.Request) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return
	}
	h.renderClergy(w, r, http.StatusOK, a, nil, nil, clergyData{})
}

// retryAfter is a wait in whole seconds (at least one), for Retry-After.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}

func (h *Handlers) clergyVerify(w http.ResponseWriter, r *http.Request) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := web.ParseForm(r); err != nil {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		h.renderClergy(w, r, web.Status(apperr.CodeOf(err)), a, url.Values{}, map[string]string{"_ft": apperr.MessageOf(err)}, clergyData{})
		return
	}
	if err := h.app.Guard.Check(r, clergyFormName); err != nil {
		h.renderClergy(w, r, http.StatusBadRequest, a, r.PostForm, map[string]string{"_ft": apperr.MessageOf(err)}, clergyData{})
		return
	}
	ip := web.ClientIP(ctx)
	q := VerifyQuery{Name: r.PostFormValue("name"), Number: r.PostFormValue("number"), IP: ip}
	if h.svc.NeedsChallenge(ctx, ip) {
		if err := h.app.Guard.CheckChallenge(r, clergyFormName); err != nil {
			if err := h.svc.LogRefused(ctx, a.ID, q, OutcomeChallenge); err != nil {
				h.app.Error(w, r, err)
				return
			}
			msg := apperr.FieldsOf(err)["_ca"]
			if msg == "" {
				msg = apperr.MessageOf(err)
			}
			h.renderClergy(w, r, http.StatusBadRequest, a, r.PostForm, map[string]string{"_ca": msg}, clergyData{})
			return
		}
	}
	res, err := h.svc.VerifyClergy(ctx, a.ID, q)
	if err != nil {
		var lim *LimitedError
		switch {
		case errors.As(err, &lim):
			w.Header().Set("Retry-After", retryAfter(lim.Wait))
			h.renderClergy(w, r, http.StatusTooManyRequests, a, nil, nil, clergyData{Limited: apperr.MessageOf(err)})
		case apperr.FieldsOf(err) != nil:
			h.renderClergy(w, r, http.StatusUnprocessableEntity, a, r.PostForm, apperr.FieldsOf(err), clergyData{})
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	d := clergyData{Asked: true}
	if e := res.Entry; e != nil {
		d.Match, d.Valid = e, e.Active()
		d.Fields, _ = h.publicFields(e)
		d.Name = pii.MaskAll(e.Values["name"])
		if res.PhotoToken != "" {
			d.PhotoURL = "/o/" + a.Slug + "/clergy/photo/" + res.PhotoToken
		}
	}
	h.renderClergy(w, r, http.StatusOK, a, r.PostForm, nil, d)
}

// clergyPhoto serves the photo of a verification match while its signed
// address is valid; it is never cached.
func (h *Handlers) clergyPhoto(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.portalAgency(w, r); !ok {
		return
	}
	att, rc, err := h.svc.PublicPhoto(r.Context(), r.PathValue("token"))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			h.app.ErrorPage(w, r, http.StatusNotFound, "照片链接已过期或不存在，请重新查询。")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", att.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(att.Size, 10))
	io.Copy(w, rc)
}

// ---------------------------------------------------------------- updates

// updateRow is one line of the recent updates.
type updateRow struct {
	ID      int64
	At      time.Time
	Day     civil.Date
	Kind    Kind
	EntryID int64
	Name    string
	URL     string
	Action  string
	Details string
}

// Text is the change in one line.
func (u updateRow) Text() string {
	if u.Details == "" {
		return u.Action
	}
	return u.Action + "：" + u.Details
}

// updateRows are the recent public changes of an agency's directories,
// linked under its own section.
func (h *Handlers) updateRows(r *http.Request, a AgencyRef, limit int) ([]updateRow, error) {
	list, err := h.svc.RecentUpdates(r.Context(), a.ID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]updateRow, 0, len(list))
	for _, u := range list {
		if !u.Kind.Public() {
			continue
		}
		out = append(out, updateRow{ID: u.ID, At: u.At, Day: civil.Of(u.At), Kind: u.Kind, EntryID: u.EntryID, Name: pii.MaskAll(u.Name), URL: PublicEntryURL(a.Slug, u.Kind, u.EntryID),
			Action: u.Action, Details: pii.MaskAll(strings.Join(u.Fields, "、"))})
	}
	return out, nil
}

type updatesData struct {
	Agency  AgencyRef
	Updates []updateRow
	Feed    string
}

// MaxUpdates is the length of the public recent updates list.
const MaxUpdates = 100

func (h *Handlers) updates(w http.ResponseWriter, r *http.Request) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return
	}
	rows, err := h.updateRows(r, a, MaxUpdates)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.portalView(r, a, "最近更新", web.Crumb{Label: "最近更新"})
	v.Data = updatesData{Agency: a, Updates: rows, Feed: UpdatesURL(a.Slug) + "/feed.atom"}
	h.app.Render.Page(w, r, http.StatusOK, "directory/portal_updates", v)
}

func (h *Handlers) updatesFeed(w http.ResponseWriter, r *http.Request) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return
	}
	rows, err := h.updateRows(r, a, 50)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	base := h.app.BaseURL
	page := base + UpdatesURL(a.Slug)
	f := web.AtomFeed{ID: page, Title: a.Name + "便民查询信息更新", Author: web.AtomPerson{Name: a.Name},
		Links: []web.AtomLink{{Rel: "self", Href: page + "/feed.atom", Type: "application/atom+xml"}, {Rel: "alternate", Href: page, Type: "text/html"}}}
	var updated time.Time
	for _, u := range rows {
		link := base + u.URL
		f.Entries = append(f.Entries, web.AtomEntry{ID: link + "#change-" + strconv.FormatInt(u.ID, 10), Title: "【" + u.Kind.Label() + "】" + u.Name + "：" + u.Action,
			Updated: web.AtomTime(u.At), Link: web.AtomLink{Rel: "alternate", Href: link},
			Summary: &web.AtomText{Type: "text", Text: u.Day.Chinese() + "，" + u.Kind.Label() + "“" + u.Name + "”" + u.Text() + "。"},
			Author:  web.AtomPerson{Name: a.Name}})
		if u.At.After(updated) {
			updated = u.At
		}
	}
	web.WriteAtom(w, f, updated)
}
