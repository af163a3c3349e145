package disclosure

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/search"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section (from the agency
// capability, wired in app).
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve disclosure's portal, console and API pages.
type Handlers struct {
	app   *web.App
	svc   *Service
	site  SiteFunc
	cache func(http.HandlerFunc) http.HandlerFunc
	// SitemapPages adds other capabilities' public pages (paths) to
	// /sitemap.xml (wired in app).
	SitemapPages func(ctx context.Context) ([]SitemapPage, error)
	// ItemNotices lets other capabilities put notices on an item's public
	// page and its console page: a normative document's status with a link
	// to the amending document, the standard-catalogue entry it fulfils…
	// (wired in app). A capability that changes what it returns bumps the
	// content version, so that cached pages follow.
	ItemNotices func(ctx context.Context, agencyID, itemID int64) ([]ItemNotice, error)
	// ConsoleItemLinks lets other capabilities offer actions on a
	// published item's console page only (e.g. creating new-media repost
	// tasks for it), for the person looking at it (wired in app).
	ConsoleItemLinks func(p *auth.Principal, itemID int64) []ItemNotice
	// ColumnExtras lets other capabilities list their public pages on a
	// column's page, above its items (the generated annual reports in the
	// 政府信息公开年报 column), wired in app. A capability that changes
	// what it returns bumps the content version, so that cached pages
	// follow.
	ColumnExtras func(ctx context.Context, agencyID int64, col *Column) ([]ColumnLink, error)
}

// ColumnLink is a page of another capability listed on a column's page.
type ColumnLink struct {
	Text string
	URL  string
	Note string // shown beside the link (a date)
}

// ItemNotice is a line on an item's page from another capability.
type ItemNotice struct {
	Warning  bool   // shown as a warning banner (a document no longer in force)
	Text     string // plain text
	LinkText string
	URL      string
}

// SitemapPage is a public page of another capability for the sitemap.
type SitemapPage struct {
	Path    string
	LastMod civil.Date // zero: unknown
}

// Register adds disclosure's routes. cache wraps public pages (may be nil).
func Register(app *web.App, svc *Service, site SiteFunc, cache func(http.HandlerFunc) http.HandlerFunc) (*Handlers, error) {
	if err := app.Render.AddPages("disclosure", templates); err != nil {
		return nil, err
	}
	if cache == nil {
		cache = func(h http.HandlerFunc) http.HandlerFunc { return h }
	}
	h := &Handlers{app: app, svc: svc, site: site, cache: cache}
	c := h.cache
	app.Handle("GET /o/{slug}/gk/{$}", auth.Public, c(h.catalogue), web.Summary("政府信息公开目录"))
	app.Handle("GET /o/{slug}/gk/{col}", auth.Public, c(h.column), web.Summary("公开目录栏目"))
	app.Handle("GET /o/{slug}/gk/{col}/feed.atom", auth.Public, c(h.columnFeed), web.Summary("栏目 Atom 订阅"))
	app.Handle("GET /o/{slug}/items/{id}", auth.Public, c(h.item), web.Summary("信息详情"))
	app.Handle("GET /o/{slug}/items/{id}/print", auth.Public, c(h.printItem), web.Summary("信息打印版"))
	app.Handle("GET /o/{slug}/items/{id}/files/{att}", auth.Public, h.file, web.Summary("附件下载"))
	app.Handle("GET /o/{slug}/topics/{col}", auth.Public, c(h.topical), web.Summary("专题专栏"))
	app.Handle("GET /o/{slug}/topics/{col}/feed.atom", auth.Public, c(h.topicalFeed), web.Summary("专题专栏 Atom 订阅"))
	app.Handle("GET /o/{slug}/feed.atom", auth.Public, c(h.agencyFeed), web.Summary("单位 Atom 订阅"))
	app.Handle("GET /items", auth.Public, c(h.platformList), web.Summary("全平台信息列表"))
	app.Handle("GET /search", auth.Public, h.search, web.Summary("站内搜索"))
	app.Handle("GET /sitemap.xml", auth.Public, c(h.sitemap), web.Summary("站点地图"))
	h.registerConsole()
	h.registerInterpretation()
	h.registerAPI()
	return h, nil
}

// agencyOf resolves the {slug} of the path.
func (h *Handlers) agencyOf(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

func (h *Handlers) view(r *http.Request, a AgencyRef, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Site = h.site(r, a.ID)
	v.Breadcrumbs = append([]web.Crumb{{Label: "首页", URL: a.HomeURL()}}, crumbs...)
	return v
}

// ItemView is an item as the portal shows it.
type ItemView struct {
	*Item
	URL         string
	AgencyName  string
	TopicName   string
	Columns     []*Column
	Attachments []Attachment
	Related     []*Item
	Body        template.HTML
	Superseder  *Item
	Notices     []ItemNotice
	// Interpretations of this policy (published ones); Interprets, the
	// policies this interpretation explains; Interp, its form and content.
	Interpretations []InterpRef
	Interprets      []InterpRef
	Interp          *Interpretation
	Media           []Attachment // the video or audio of an interpretation
	// Downloads are the attachments listed for download: all of them,
	// except an interpretation's images and media, shown in the body.
	Downloads []Attachment
}

// HasWarning reports whether another capability put a warning banner on
// the page (then it says more than Banner would).
func (v ItemView) HasWarning() bool {
	for _, n := range v.Notices {
		if n.Warning {
			return true
		}
	}
	return false
}

// Banner says when the document is no longer in force (政府网站发展指引:
// 修改、废止、失效 are marked on the original page).
func (v ItemView) Banner() string {
	switch {
	case v.Status == Superseded && v.Superseder != nil:
		return "本信息已被新的信息替代，请以新信息为准。"
	case v.Validity == "amended":
		return "本文件已被修改，请注意查看修改后的文件。"
	case v.Validity == "repealed":
		return "本文件已废止。"
	case v.Validity == "expired":
		return "本文件已失效。"
	case v.Validity == "not_yet_effective":
		return "本文件尚未生效。"
	}
	return ""
}

// FivePublicLabels lists the 五公开 of the item in Chinese.
func (v ItemView) FivePublicLabels() string {
	var out []string
	for _, c := range v.FivePublics {
		out = append(out, FivePublicLabel(c))
	}
	return strings.Join(out, "、")
}

// ValidityLabel names the item's 有效性.
func (v ItemView) ValidityLabel() string { return ValidityLabel(v.Validity) }

// StatutoryLabel names the Art. 20 item.
func (v ItemView) StatutoryLabel() string { return StatutoryLabel(v.StatutoryItem) }

func itemURL(a AgencyRef, id int64) string { return a.HomeURL() + "items/" + strconv.FormatInt(id, 10) }

func (h *Handlers) itemView(r *http.Request, a AgencyRef, it *Item) (ItemView, error) {
	ctx := r.Context()
	v := ItemView{Item: it, URL: itemURL(a, it.ID), AgencyName: a.Name, Body: RenderBody(it.Body)}
	if h.ItemNotices != nil {
		ns, err := h.ItemNotices(ctx, a.ID, it.ID)
		if err != nil {
			return v, err
		}
		v.Notices = ns
	}
	var err error
	if v.Interpretations, err = interpretationsOf(ctx, h.svc.DB.R, it.ID, true); err != nil {
		return v, err
	}
	if v.Interp, err = getInterpretation(ctx, h.svc.DB.R, it.ID); err != nil {
		return v, err
	}
	if v.Interp != nil {
		if v.Interprets, err = policiesOf(ctx, h.svc.DB.R, it.ID, true); err != nil {
			return v, err
		}
	}
	topics, err := h.svc.Topics(ctx, it.AgencyID)
	if err != nil {
		return v, err
	}
	for _, t := range topics {
		if t.ID == it.TopicID {
			v.TopicName = t.Name
		}
	}
	cols, err := h.svc.Catalogue(ctx, it.AgencyID)
	if err != nil {
		return v, err
	}
	for _, c := range cols {
		for _, id := range it.ColumnIDs {
			if c.ID == id && !c.Hidden {
				v.Columns = append(v.Columns, c)
			}
		}
	}
	if v.Attachments, err = h.svc.Attachments(ctx, it.ID); err != nil {
		return v, err
	}
	if v.Related, err = h.svc.Related(ctx, it); err != nil {
		return v, err
	}
	if it.SupersededBy != 0 {
		v.Superseder, _ = h.svc.PublicItem(ctx, it.AgencyID, it.SupersededBy)
	}
	// An interpretation's images and media are shown in the body, not
	// listed again as downloads.
	if v.Interp != nil {
		framed := map[int64]bool{}
		for _, f := range v.Interp.Frames {
			framed[f.AttachmentID] = true
		}
		var rest []Attachment
		for _, at := range v.Attachments {
			switch {
			case framed[at.ID]:
			case at.ContentType == "video/mp4" && (v.Interp.Form == "video" || v.Interp.Form == "audio"):
				v.Media = append(v.Media, at)
			default:
				rest = append(rest, at)
			}
		}
		v.Downloads = rest
	} else {
		v.Downloads = v.Attachments
	}
	return v, nil
}

func (h *Handlers) publicItem(w http.ResponseWriter, r *http.Request) (AgencyRef, ItemView, bool) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return a, ItemView{}, false
	}
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return a, ItemView{}, false
	}
	it, err := h.svc.PublicItem(r.Context(), a.ID, id)
	if err != nil {
		h.app.Error(w, r, err)
		return a, ItemView{}, false
	}
	v, err := h.itemView(r, a, it)
	if err != nil {
		h.app.Error(w, r, err)
		return a, ItemView{}, false
	}
	return a, v, true
}

func (h *Handlers) item(w http.ResponseWriter, r *http.Request) {
	a, iv, ok := h.publicItem(w, r)
	if !ok {
		return
	}
	crumbs := []web.Crumb{{Label: "政府信息公开", URL: a.HomeURL() + "gk/"}}
	if len(iv.Columns) > 0 {
		crumbs = append(crumbs, web.Crumb{Label: iv.Columns[0].Name, URL: a.HomeURL() + "gk/" + iv.Columns[0].Slug})
	}
	crumbs = append(crumbs, web.Crumb{Label: "正文"})
	v := h.view(r, a, iv.Title, crumbs...)
	v.Data = iv
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/portal_item", v)
}

func (h *Handlers) printItem(w http.ResponseWriter, r *http.Request) {
	a, iv, ok := h.publicItem(w, r)
	if !ok {
		return
	}
	v := h.view(r, a, iv.Title)
	v.Data = iv
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/bare_print", v)
}

// file serves an attachment of a public item.
func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	_, iv, ok := h.publicItem(w, r)
	if !ok {
		return
	}
	h.serveAttachmentOf(w, r, iv.Attachments)
}

// serveAttachmentOf serves the attachment of the {att} path value, if it is
// one of atts.
func (h *Handlers) serveAttachmentOf(w http.ResponseWriter, r *http.Request, atts []Attachment) {
	id, ok := web.PathID(r, "att")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	for _, at := range atts {
		if at.ID == id {
			h.serveAttachment(w, r, at)
			return
		}
	}
	h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个附件。")
}

func (h *Handlers) serveAttachment(w http.ResponseWriter, r *http.Request, at Attachment) {
	rc, err := h.svc.Blobs.Open(r.Context(), at.Key)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", at.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(at.FileName))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("ETag", `"`+at.SHA256[:32]+`"`)
	if rs, ok := rc.(interface {
		Read([]byte) (int, error)
		Seek(int64, int) (int64, error)
	}); ok {
		http.ServeContent(w, r, "", time.Time{}, rs)
		return
	}
	w.Header().Set("Content-Length", strconv.FormatInt(at.Size, 10))
	copyBody(w, rc)
}

type catalogueData struct {
	Agency   AgencyRef
	Tree     []*Column
	Topical  []*Column
	Latest   []*Item
	Settings Settings
}

func (h *Handlers) catalogue(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	cols, err := h.svc.Catalogue(ctx, a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	latest, _, err := h.svc.PublicList(ctx, ListFilter{AgencyIDs: []int64{a.ID}, Limit: 10, NoCount: true})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	topical, err := h.svc.TopicalColumns(ctx, a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a, "政府信息公开", web.Crumb{Label: "政府信息公开"})
	v.Data = catalogueData{Agency: a, Tree: visible(Tree(cols)), Topical: topical, Latest: latest}
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/portal_catalogue", v)
}

func visible(cols []*Column) []*Column {
	var out []*Column
	for _, c := range cols {
		if c.Hidden {
			continue
		}
		c.Children = visible(c.Children)
		out = append(out, c)
	}
	return out
}

// listQuery reads the list filters of the portal from the URL.
type listQuery struct {
	Year      int
	TopicID   int64
	Genre     string
	FivePub   string
	DocNumber string
	Page      int
}

func readListQuery(r *http.Request) (listQuery, map[string]string) {
	q := r.URL.Query()
	lq := listQuery{Genre: strings.TrimSpace(q.Get("genre")), FivePub: q.Get("five_public"), DocNumber: strings.TrimSpace(q.Get("doc_number")), Page: 1}
	errs := map[string]string{}
	if s := q.Get("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 1949 || y > 2100 {
			errs["year"] = "年份应为四位数字"
		} else {
			lq.Year = y
		}
	}
	if s := q.Get("topic"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			errs["topic"] = "主题分类无效"
		} else {
			lq.TopicID = id
		}
	}
	if lq.Genre != "" && !contains(Genres, lq.Genre) {
		errs["genre"] = "体裁无效"
	}
	if lq.FivePub != "" && FivePublicLabel(lq.FivePub) == lq.FivePub {
		errs["five_public"] = "“五公开”选项无效"
	}
	if len([]rune(lq.DocNumber)) > 40 {
		errs["doc_number"] = "文号不能超过 40 个字"
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 && p <= 10000 {
		lq.Page = p
	}
	return lq, errs
}

const pageSize = 20

type columnData struct {
	Agency AgencyRef
	Column *Column
	Tree   []*Column
	Pinned []*Item
	Items  []*Item
	Total  int
	Query  listQuery
	Topics []Topic
	Genres []string
	Five   []struct {
		Code  FivePublic
		Label string
	}
	Years   []int
	Pages   int
	PrevURL string
	NextURL string
	Guide   *guideData
	FeedURL string
	Extras  []ColumnLink
}

type guideData struct {
	Agency   AgencyRef
	Settings Settings
	Tree     []*Column
}

func pager(r *http.Request, page, total int) (prev, next string, pages int) {
	return pagerN(r, page, total, pageSize)
}

func (h *Handlers) column(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	cols, err := h.svc.Catalogue(ctx, a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var col *Column
	for _, c := range cols {
		if c.Slug == r.PathValue("col") && !c.Hidden {
			col = c
		}
	}
	if col == nil {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个栏目。")
		return
	}
	if col.Kind == KindTopical {
		http.Redirect(w, r, a.HomeURL()+"topics/"+col.Slug, http.StatusMovedPermanently) // #nosec G710 -- the agency's local home path and a stored column slug
		return
	}
	tree := visible(Tree(cols))
	d := columnData{Agency: a, Column: col, Tree: tree, Genres: Genres, Five: FivePublics, FeedURL: a.HomeURL() + "gk/" + col.Slug + "/feed.atom"}
	if h.ColumnExtras != nil {
		if d.Extras, err = h.ColumnExtras(ctx, a.ID, col); err != nil {
			h.app.Error(w, r, err)
			return
		}
	}
	v := h.view(r, a, col.Name, web.Crumb{Label: "政府信息公开", URL: a.HomeURL() + "gk/"}, web.Crumb{Label: col.Name})
	status := http.StatusOK
	switch col.Kind {
	case KindGuide:
		st, err := h.svc.Settings(ctx, a.ID)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		d.Guide = &guideData{Agency: a, Settings: st, Tree: tree}
	case KindApplication:
		// The application pages come with the application capability; the
		// column says how to apply meanwhile (Art. 29).
		st, _ := h.svc.Settings(ctx, a.ID)
		d.Guide = &guideData{Agency: a, Settings: st}
	default:
		lq, errs := readListQuery(r)
		d.Query = lq
		if len(errs) > 0 {
			v.SetErrors(errs, "year", "topic", "genre", "five_public", "doc_number")
			status = http.StatusBadRequest
			break
		}
		// The columns are the agency's own: no agency filter is needed.
		f := ListFilter{Year: lq.Year, TopicID: lq.TopicID, Genre: lq.Genre, FivePub: lq.FivePub,
			DocNumber: lq.DocNumber, Limit: pageSize, Offset: (lq.Page - 1) * pageSize}
		var ids []int64
		ids = append(ids, col.ID)
		for _, ch := range col.Children {
			ids = append(ids, ch.ID)
		}
		if col.Kind == KindStatutory {
			// The container lists everything in its sub-columns.
			f.ColumnIDs = ids
			d.Items, d.Total, err = h.svc.PublicList(ctx, f)
		} else {
			f.ColumnID = col.ID
			d.Items, d.Total, err = h.svc.PublicList(ctx, f)
			if err == nil && lq.Page == 1 {
				d.Pinned, err = h.svc.Pinned(ctx, col.ID)
			}
		}
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		d.Topics, _ = h.svc.Topics(ctx, a.ID)
		for y := civil.Today().Year; y >= civil.Today().Year-10; y-- {
			d.Years = append(d.Years, y)
		}
		d.PrevURL, d.NextURL, d.Pages = pager(r, lq.Page, d.Total)
	}
	v.Form = r.URL.Query()
	v.Data = d
	h.app.Render.Page(w, r, status, "disclosure/portal_column", v)
}

// listInColumns lists items in any of the columns (a container's children).
type topicalData struct {
	Agency  AgencyRef
	Column  *Column
	Updates []Update
	Items   []*Item
	Links   map[int64]string
	FeedURL string
}

func (h *Handlers) topicalColumn(w http.ResponseWriter, r *http.Request) (AgencyRef, *Column, bool) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return a, nil, false
	}
	col, err := h.svc.ColumnBySlug(r.Context(), a.ID, r.PathValue("col"))
	if down := db.Down(err); down != nil {
		h.app.Error(w, r, down)
		return a, nil, false
	}
	if err != nil || col.Kind != KindTopical || col.Hidden {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个专题专栏。")
		return a, nil, false
	}
	return a, col, true
}

func (h *Handlers) topical(w http.ResponseWriter, r *http.Request) {
	a, col, ok := h.topicalColumn(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	ups, err := h.svc.Updates(ctx, col.ID, 200)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	items, _, err := h.svc.PublicList(ctx, ListFilter{ColumnID: col.ID, Limit: 50, NoCount: true})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := topicalData{Agency: a, Column: col, Updates: ups, Items: items, Links: map[int64]string{}, FeedURL: a.HomeURL() + "topics/" + col.Slug + "/feed.atom"}
	for _, u := range ups {
		if u.ItemID != 0 {
			d.Links[u.ItemID] = itemURL(a, u.ItemID)
		}
	}
	v := h.view(r, a, col.Name, web.Crumb{Label: "专题专栏"}, web.Crumb{Label: col.Name})
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/portal_topical", v)
}

type platformData struct {
	Items    []*Item
	Total    int
	Agencies map[int64]AgencyRef
	Options  []AgencyRef
	Agency   int64
	Query    listQuery
	Genres   []string
	Pages    int
	PrevURL  string
	NextURL  string
}

// platformList lists published items across every agency of the platform.
func (h *Handlers) platformList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	all, err := h.svc.Agencies.Agencies(ctx)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := platformData{Agencies: map[int64]AgencyRef{}, Options: all, Genres: Genres}
	for _, a := range all {
		d.Agencies[a.ID] = a
	}
	lq, errs := readListQuery(r)
	d.Query = lq
	v := h.app.NewView(r, "全平台政府信息")
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: v.Site.HomeURL}, {Label: "全平台政府信息"}}
	v.Form = r.URL.Query()
	f := ListFilter{Year: lq.Year, Genre: lq.Genre, FivePub: lq.FivePub, DocNumber: lq.DocNumber, Limit: pageSize, Offset: (lq.Page - 1) * pageSize}
	if s := r.URL.Query().Get("agency"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if _, ok := d.Agencies[id]; err != nil || !ok {
			errs["agency"] = "单位无效"
		} else {
			d.Agency = id
			f.AgencyIDs = []int64{id}
		}
	}
	status := http.StatusOK
	if len(errs) > 0 {
		v.SetErrors(errs, "agency", "year", "genre", "five_public", "doc_number")
		status = http.StatusBadRequest
	} else {
		if d.Items, d.Total, err = h.svc.PublicList(ctx, f); err != nil {
			h.app.Error(w, r, err)
			return
		}
		d.PrevURL, d.NextURL, d.Pages = pager(r, lq.Page, d.Total)
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "disclosure/portal_items", v)
}

type searchData struct {
	Query   string
	Sort    string
	Agency  int64
	Column  *Column
	Options []AgencyRef
	Topics  []Topic
	Genres  []string
	Five    []struct {
		Code  FivePublic
		Label string
	}
	Years     []int
	Result    search.Result
	Page      int
	Pages     int
	PrevURL   string
	NextURL   string
	Message   string
	Suggest   []string
	Links     []web.NavItem // searches that do find something
	AgencyMap map[int64]string
}

// searchRequest reads the search form's filters (those of the catalogue
// lists) into a request; column and topic must belong to the agency.
func (h *Handlers) searchRequest(r *http.Request, d *searchData) (search.Request, map[string]string) {
	ctx := r.Context()
	q := r.URL.Query()
	lq, errs := readListQuery(r)
	req := search.Request{Query: d.Query, Source: "item", Sort: search.Relevance, Year: lq.Year, Kind: lq.Genre,
		FivePublic: lq.FivePub, DocNumber: lq.DocNumber}
	if d.Sort == "date" {
		req.Sort = search.Date
	}
	if s := q.Get("agency"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if _, ok := d.AgencyMap[id]; err != nil || !ok {
			errs["agency"] = "没有这个单位"
		} else {
			d.Agency = id
			req.AgencyIDs = []int64{id}
		}
	}
	if d.Agency != 0 {
		d.Topics, _ = h.svc.Topics(ctx, d.Agency)
	}
	if lq.TopicID != 0 {
		found := false
		for _, t := range d.Topics {
			found = found || t.ID == lq.TopicID
		}
		if !found {
			errs["topic"] = "请先选择单位，再选择该单位的主题分类"
		}
		req.TopicID = lq.TopicID
	}
	if s := q.Get("column"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		var col *Column
		if err == nil && d.Agency != 0 {
			if cols, cerr := h.svc.Catalogue(ctx, d.Agency); cerr == nil {
				for _, c := range cols {
					if c.ID == id && !c.Hidden {
						col = c
					}
				}
			}
		}
		if col == nil {
			errs["column"] = "栏目无效"
		} else {
			d.Column = col
			req.ColumnID = col.ID
		}
	}
	return req, errs
}

// search is the platform's full-text search.
func (h *Handlers) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	all, err := h.svc.Agencies.Agencies(ctx)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := searchData{Query: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Options: all, Page: 1, AgencyMap: map[int64]string{},
		Genres: Genres, Five: FivePublics}
	for _, a := range all {
		d.AgencyMap[a.ID] = a.Name
	}
	for y := civil.Today().Year; y >= civil.Today().Year-15; y-- {
		d.Years = append(d.Years, y)
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 && p <= 500 {
		d.Page = p
	}
	req, errs := h.searchRequest(r, &d)
	req.Limit, req.Offset = pageSize, (d.Page-1)*pageSize
	v := h.app.NewView(r, "站内搜索")
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: v.Site.HomeURL}, {Label: "站内搜索"}}
	v.Form = q
	status := http.StatusOK
	switch {
	case len(errs) > 0:
		v.SetErrors(errs, "q", "agency", "column", "year", "topic", "genre", "five_public", "doc_number")
		status = http.StatusBadRequest
	case d.Query == "" && req.Year == 0 && req.Kind == "" && req.FivePublic == "" && req.DocNumber == "" && req.TopicID == 0 && req.ColumnID == 0:
		d.Message = "请输入要搜索的内容，例如：宗教、清真、政务公开。"
	default:
		res, err := search.Search(ctx, h.svc.DB, req)
		switch {
		case apperr.Is(err, apperr.Invalid):
			v.SetErrors(map[string]string{"q": apperr.MessageOf(err)}, "q")
			status = http.StatusBadRequest
		case err != nil:
			h.app.Error(w, r, err)
			return
		default:
			d.Result = res
			total := min(res.Total, 500*pageSize)
			d.PrevURL, d.NextURL, d.Pages = pager(r, d.Page, total)
			if res.Total == 0 {
				d.Message = fmt.Sprintf("没有找到与“%s”相关的信息。", d.Query)
				if d.Query == "" {
					d.Message = "没有符合这些筛选条件的信息。"
				}
				for _, sg := range res.Suggestions {
					link := url.Values{"q": {sg.Query}}
					if !sg.WithoutFilters {
						link = r.URL.Query()
						link.Set("q", sg.Query)
						link.Del("page")
					}
					label := "搜索“" + sg.Query + "”"
					if sg.WithoutFilters {
						label += "（不加筛选条件）"
					}
					note := fmt.Sprintf("%d 条", sg.Total)
					if sg.Estimated {
						note = "约 " + note
					}
					d.Links = append(d.Links, web.NavItem{Label: label, URL: "/search?" + link.Encode(), Note: note})
				}
				d.Suggest = []string{"检查是否有错别字", "换用更常见的词，例如“宗教”“清真”“政务公开”", "减少关键词，或去掉引号与筛选条件", "按单位浏览“政府信息公开”目录"}
			}
		}
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "disclosure/portal_search", v)
}
