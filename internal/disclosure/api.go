package disclosure

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/search"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerAPI() {
	a := h.app
	a.Handle("GET /api/v1/items", auth.Public, h.apiList, web.Summary("Published information items, newest first, with filters"))
	a.Handle("GET /api/v1/items/{id}", auth.Public, h.apiItem, web.Summary("One published information item with its metadata, body and attachments"))
	a.Handle("GET /api/v1/agencies/{slug}/catalogue", auth.Public, h.apiCatalogue, web.Summary("An agency's disclosure catalogue (columns)"))
	a.Handle("GET /api/v1/search", auth.Public, h.apiSearch, web.Summary("Full-text search of published information"))
}

// ItemJSON is an item in the API.
type ItemJSON struct {
	ID            int64            `json:"id"`
	Agency        string           `json:"agency"`
	IndexNumber   string           `json:"index_number"`
	Title         string           `json:"title"`
	Publisher     string           `json:"publisher"`
	DocNumber     string           `json:"doc_number,omitempty"`
	SignedOn      civil.Date       `json:"signed_on,omitempty"`
	PublishedOn   civil.Date       `json:"published_on"`
	PublishedAt   time.Time        `json:"published_at"`
	Genre         string           `json:"genre,omitempty"`
	FivePublics   []string         `json:"five_publics,omitempty"`
	StatutoryItem string           `json:"statutory_item,omitempty"`
	Validity      string           `json:"validity,omitempty"`
	Method        string           `json:"method"`
	Keywords      string           `json:"keywords,omitempty"`
	Summary       string           `json:"summary,omitempty"`
	URL           string           `json:"url"`
	Superseded    bool             `json:"superseded,omitempty"`
	Body          string           `json:"body_markdown,omitempty"`
	Attachments   []AttachmentJSON `json:"attachments,omitempty"`
}

// AttachmentJSON is an attachment in the API.
type AttachmentJSON struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

func (h *Handlers) itemJSON(a AgencyRef, it *Item) ItemJSON {
	return ItemJSON{ID: it.ID, Agency: a.Slug, IndexNumber: it.IndexNumber, Title: it.Title, Publisher: it.Publisher,
		DocNumber: it.DocNumber, SignedOn: it.SignedOn, PublishedOn: it.PublishedOn, PublishedAt: it.PublishedAt, Genre: it.Genre,
		FivePublics: it.FivePublics, StatutoryItem: it.StatutoryItem, Validity: it.Validity, Method: it.Method, Keywords: it.Keywords,
		Summary: it.Summary, URL: h.base() + itemURL(a, it.ID), Superseded: it.Status == Superseded}
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lq, errs := readListQuery(r)
	f := ListFilter{Year: lq.Year, TopicID: lq.TopicID, Genre: lq.Genre, FivePub: lq.FivePub, DocNumber: lq.DocNumber, Limit: pageSize, Offset: (lq.Page - 1) * pageSize}
	all, err := h.svc.Agencies.Agencies(ctx)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	bySlug, byID := map[string]AgencyRef{}, map[int64]AgencyRef{}
	for _, a := range all {
		bySlug[a.Slug], byID[a.ID] = a, a
	}
	if s := r.URL.Query().Get("agency"); s != "" {
		a, ok := bySlug[s]
		if !ok {
			errs["agency"] = "没有这个单位"
		}
		f.AgencyIDs = []int64{a.ID}
		if c := r.URL.Query().Get("column"); c != "" && ok {
			col, err := h.svc.ColumnBySlug(ctx, a.ID, c)
			if err != nil {
				errs["column"] = "没有这个栏目"
			} else {
				f.ColumnID = col.ID
			}
		}
	}
	if len(errs) > 0 {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询参数有误", errs)
		return
	}
	items, total, err := h.svc.PublicList(ctx, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := make([]ItemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, h.itemJSON(byID[it.AgencyID], it))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": total, "page": lq.Page, "items": out})
}

func (h *Handlers) apiItem(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", "没有这条信息", nil)
		return
	}
	it, err := getItem(ctx, h.svc.DB.R, 0, id)
	if down := db.Down(err); down != nil {
		h.app.Error(w, r, down)
		return
	}
	if err != nil || !it.Status.Public() {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", "没有这条信息", nil)
		return
	}
	a, err := h.svc.Agencies.Agency(ctx, it.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	j := h.itemJSON(a, it)
	j.Body = it.Body
	atts, err := h.svc.Attachments(ctx, it.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	for _, at := range atts {
		j.Attachments = append(j.Attachments, AttachmentJSON{FileName: at.FileName, ContentType: at.ContentType, Size: at.Size, SHA256: at.SHA256,
			URL: h.base() + itemURL(a, it.ID) + "/files/" + strconv.FormatInt(at.ID, 10)})
	}
	web.WriteJSON(w, http.StatusOK, j)
}

// ColumnJSON is a catalogue column in the API.
type ColumnJSON struct {
	Slug          string       `json:"slug"`
	Name          string       `json:"name"`
	Kind          ColumnKind   `json:"kind"`
	StatutoryItem string       `json:"statutory_item,omitempty"`
	URL           string       `json:"url"`
	Children      []ColumnJSON `json:"children,omitempty"`
}

func (h *Handlers) apiCatalogue(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	cols, err := h.svc.Catalogue(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var conv func(cs []*Column) []ColumnJSON
	conv = func(cs []*Column) []ColumnJSON {
		var out []ColumnJSON
		for _, c := range cs {
			out = append(out, ColumnJSON{Slug: c.Slug, Name: c.Name, Kind: c.Kind, StatutoryItem: c.StatutoryItem,
				URL: h.base() + a.HomeURL() + "gk/" + c.Slug, Children: conv(c.Children)})
		}
		return out
	}
	var topical []ColumnJSON
	for _, c := range cols {
		if c.Kind == KindTopical && !c.Hidden {
			topical = append(topical, ColumnJSON{Slug: c.Slug, Name: c.Name, Kind: c.Kind, URL: h.base() + a.HomeURL() + "topics/" + c.Slug})
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"agency": a.Slug, "columns": conv(visible(Tree(cols))), "topical_columns": topical})
}

func (h *Handlers) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := search.Request{Query: q.Get("q"), Source: "item", Limit: pageSize, Sort: search.Relevance}
	if q.Get("sort") == "date" {
		req.Sort = search.Date
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 && p <= 500 {
		req.Offset = (p - 1) * pageSize
	}
	if s := q.Get("agency"); s != "" {
		a, err := h.svc.Agencies.AgencyBySlug(r.Context(), s)
		if err != nil {
			web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "没有这个单位", nil)
			return
		}
		req.AgencyIDs = []int64{a.ID}
	}
	res, err := search.Search(r.Context(), h.svc.DB, req)
	if apperr.Is(err, apperr.Invalid) {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", apperr.MessageOf(err), nil)
		return
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	type hit struct {
		ID          int64      `json:"id"`
		Title       string     `json:"title"`
		URL         string     `json:"url"`
		PublishedOn civil.Date `json:"published_on"`
		Snippet     string     `json:"snippet"`
	}
	out := make([]hit, 0, len(res.Hits))
	for _, hh := range res.Hits {
		var snip string
		for _, s := range hh.Snippet {
			snip += s.Text
		}
		out = append(out, hit{ID: hh.SourceID, Title: hh.Title, URL: h.base() + hh.URL, PublishedOn: hh.PublishedOn, Snippet: snip})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": res.Total, "estimated": res.Estimated, "hits": out})
}
