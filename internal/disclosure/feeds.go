package disclosure

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

func copyBody(w io.Writer, r io.Reader) { io.Copy(w, r) }

func (h *Handlers) base() string { return h.app.BaseURL }

// writeFeed writes the newest items as an Atom feed.
func (h *Handlers) writeFeed(w http.ResponseWriter, r *http.Request, a AgencyRef, title, selfPath, alternate string, items []*Item, extra []web.AtomEntry) {
	base := h.base()
	f := web.AtomFeed{ID: base + selfPath, Title: title, Author: web.AtomPerson{Name: a.Name},
		Links: []web.AtomLink{{Rel: "self", Href: base + selfPath, Type: "application/atom+xml"}, {Rel: "alternate", Href: base + alternate, Type: "text/html"}}}
	updated := time.Time{}
	for _, it := range items {
		e := web.AtomEntry{ID: base + itemURL(a, it.ID), Title: it.Title, Updated: it.PublishedAt.UTC().Format(time.RFC3339),
			Link: web.AtomLink{Rel: "alternate", Href: base + itemURL(a, it.ID), Type: "text/html"}, Author: web.AtomPerson{Name: it.Publisher}}
		if it.Summary != "" {
			e.Summary = &web.AtomText{Type: "text", Text: it.Summary}
		}
		if e.Author.Name == "" {
			e.Author.Name = a.Name
		}
		f.Entries = append(f.Entries, e)
		if it.PublishedAt.After(updated) {
			updated = it.PublishedAt
		}
	}
	f.Entries = append(f.Entries, extra...)
	web.WriteAtom(w, f, updated)
}

func (h *Handlers) agencyFeed(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	items, _, err := h.svc.PublicList(r.Context(), ListFilter{AgencyIDs: []int64{a.ID}, Limit: 50, NoCount: true})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.writeFeed(w, r, a, a.Name+" 政府信息公开", a.HomeURL()+"feed.atom", a.HomeURL()+"gk/", items, nil)
}

func (h *Handlers) columnFeed(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	col, err := h.svc.ColumnBySlug(r.Context(), a.ID, r.PathValue("col"))
	if down := db.Down(err); down != nil {
		h.app.Error(w, r, down)
		return
	}
	if err != nil || col.Hidden || !col.HoldsItems() {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个栏目。")
		return
	}
	items, _, err := h.svc.PublicList(r.Context(), ListFilter{ColumnID: col.ID, Limit: 50, NoCount: true})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.writeFeed(w, r, a, a.Name+" · "+col.Name, a.HomeURL()+"gk/"+col.Slug+"/feed.atom", a.HomeURL()+"gk/"+col.Slug, items, nil)
}

func (h *Handlers) topicalFeed(w http.ResponseWriter, r *http.Request) {
	a, col, ok := h.topicalColumn(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	items, _, err := h.svc.PublicList(ctx, ListFilter{ColumnID: col.ID, Limit: 50, NoCount: true})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	ups, err := h.svc.Updates(ctx, col.ID, 50)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	page := a.HomeURL() + "topics/" + col.Slug
	var extra []web.AtomEntry
	for _, u := range ups {
		extra = append(extra, web.AtomEntry{ID: h.base() + page + "#update-" + strconv.FormatInt(u.ID, 10), Title: truncate(u.Text, 40),
			Updated: u.PublishedAt.UTC().Format(time.RFC3339), Link: web.AtomLink{Rel: "alternate", Href: h.base() + page + "#update-" + strconv.FormatInt(u.ID, 10), Type: "text/html"},
			Summary: &web.AtomText{Type: "text", Text: u.Text}, Author: web.AtomPerson{Name: a.Name}})
	}
	h.writeFeed(w, r, a, a.Name+" · "+col.Name, page+"/feed.atom", page, items, extra)
}

// sitemap lists every public page of the platform (sitemaps.org protocol).
// Sitemap limits (the sitemaps.org protocol allows 50,000 URLs a file);
// variables so that tests can reach the index form with few items.
var (
	sitemapMaxURLs = 50_000
	sitemapChunk   = 40_000
)

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// sitemap serves /sitemap.xml: one urlset while the site fits in one file,
// else a sitemap index of /sitemap.xml?p=pages and ?p=1, 2, … (items by
// ID, sitemapChunk a file).
func (h *Handlers) sitemap(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	base := h.base()
	p := r.URL.Query().Get("p")
	pages, byID, err := h.sitemapPages(r)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	total, err := h.svc.CountPublic(ctx)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	chunks := (total + sitemapChunk - 1) / sitemapChunk
	items := func(offset, limit int) ([]sitemapURL, error) {
		var out []sitemapURL
		for done := 0; done < limit; done += 5000 {
			refs, err := h.svc.PublicRefs(ctx, offset+done, min(5000, limit-done))
			if err != nil {
				return nil, err
			}
			for _, it := range refs {
				out = append(out, sitemapURL{Loc: base + itemURL(byID[it.AgencyID], it.ID), LastMod: it.PublishedOn.String()})
			}
			if len(refs) < 5000 {
				break
			}
		}
		return out, nil
	}
	var doc any
	switch {
	case p == "" && len(pages)+total <= sitemapMaxURLs:
		list, err := items(0, total)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		doc = urlSet{URLs: append(pages, list...)}
	case p == "":
		type sitemapRef struct {
			Loc string `xml:"loc"`
		}
		idx := struct {
			XMLName  xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
			Sitemaps []sitemapRef `xml:"sitemap"`
		}{Sitemaps: []sitemapRef{{Loc: base + "/sitemap.xml?p=pages"}}}
		for k := 1; k <= chunks; k++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapRef{Loc: base + "/sitemap.xml?p=" + strconv.Itoa(k)})
		}
		doc = idx
	case p == "pages":
		doc = urlSet{URLs: pages}
	default:
		k, err := strconv.Atoi(p)
		if err != nil || k < 1 || k > chunks {
			h.app.Error(w, r, apperr.NotFoundf("没有这个站点地图分页"))
			return
		}
		list, err := items((k-1)*sitemapChunk, sitemapChunk)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		doc = urlSet{URLs: list}
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	enc.Encode(doc)
}

type urlSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

// sitemapPages lists the portal's pages other than items.
func (h *Handlers) sitemapPages(r *http.Request) ([]sitemapURL, map[int64]AgencyRef, error) {
	ctx := r.Context()
	base := h.base()
	urls := []sitemapURL{{Loc: base + "/"}, {Loc: base + "/agencies"}, {Loc: base + "/items"}, {Loc: base + "/workdays"}}
	agencies, err := h.svc.Agencies.Agencies(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]AgencyRef{}
	for _, a := range agencies {
		byID[a.ID] = a
		urls = append(urls, sitemapURL{Loc: base + a.HomeURL()}, sitemapURL{Loc: base + a.HomeURL() + "about"}, sitemapURL{Loc: base + a.HomeURL() + "gk/"})
		cols, err := h.svc.Catalogue(ctx, a.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cols {
			switch {
			case c.Hidden:
			case c.Kind == KindTopical:
				urls = append(urls, sitemapURL{Loc: base + a.HomeURL() + "topics/" + c.Slug})
			default:
				urls = append(urls, sitemapURL{Loc: base + a.HomeURL() + "gk/" + c.Slug})
			}
		}
	}
	if h.SitemapPages != nil {
		pages, err := h.SitemapPages(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range pages {
			u := sitemapURL{Loc: base + p.Path}
			if !p.LastMod.IsZero() {
				u.LastMod = p.LastMod.String()
			}
			urls = append(urls, u)
		}
	}
	return urls, byID, nil
}
