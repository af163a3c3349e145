package normative

import (
	"context"
	"sort"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

// LibraryFilter selects documents of the public library.
type LibraryFilter struct {
	// Root is the agency whose library it is, with its child agencies (0:
	// the whole platform).
	Root     int64
	IssuerID int64 // one agency of the scope (0: all)
	Year     int   // year of publication (0: all)
	Status   Status
	// All shows every status; otherwise only documents in force
	// (现行有效 and 已修改), unless Status asks for one.
	All   bool
	Topic string
	Q     string // title or 文号, at least 2 characters
	Page  int
}

// YearCount is a line of the per-year table (annual report table 二).
type YearCount struct {
	Year     int
	Issued   int // 本年制发件数: published in the year
	Repealed int // 本年废止件数: repealed in the year (from the history)
	InForce  int // 现行有效件数: in force at the end of the year (today for this year)
}

// Library is a page of the public library.
type Library struct {
	Docs     []*Document
	Total    int
	Page     int
	Pages    int
	Agencies []AgencyRef // the scope, for the issuer filter
	Topics   []string
	Years    []int
	Counts   []YearCount
	Cleanups []*Cleanup
}

// PerPage is the size of a library page.
const PerPage = 20

// Scope is root with its descendants (every agency if root is 0), in the
// directory's order.
func (s *Service) Scope(ctx context.Context, root int64) ([]AgencyRef, error) {
	all, err := s.Agencies.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	if root == 0 {
		return all, nil
	}
	in := map[int64]bool{root: true}
	for changed := true; changed; {
		changed = false
		for _, a := range all {
			if !in[a.ID] && a.ParentID != 0 && in[a.ParentID] {
				in[a.ID] = true
				changed = true
			}
		}
	}
	var out []AgencyRef
	for _, a := range all {
		if in[a.ID] {
			out = append(out, a)
		}
	}
	return out, nil
}

// LibraryQueryMin is the shortest search text.
const LibraryQueryMin = 2

// CheckQuery validates a search text.
func CheckQuery(q string) string {
	n := runes(q)
	switch {
	case n == 0:
		return ""
	case n < LibraryQueryMin:
		return "请至少输入 2 个字检索标题或文号。"
	case n > 50:
		return "检索词不能超过 50 个字。"
	case strings.ContainsAny(q, "\x00\r\n"):
		return "检索词包含无效字符。"
	}
	return ""
}

// PublicLibrary returns a page of the library: published items only, no
// staff data.
func (s *Service) PublicLibrary(ctx context.Context, f LibraryFilter) (*Library, error) {
	scope, err := s.Scope(ctx, f.Root)
	if err != nil {
		return nil, err
	}
	lib := &Library{Agencies: scope}
	ids := make([]int64, 0, len(scope))
	for _, a := range scope {
		if f.IssuerID == 0 || a.ID == f.IssuerID {
			ids = append(ids, a.ID)
		}
	}
	if f.IssuerID != 0 && len(ids) == 0 {
		return nil, apperr.Invalidf("发文单位不在本库范围内。")
	}
	if msg := CheckQuery(f.Q); msg != "" {
		return nil, apperr.FieldErrors(map[string]string{"q": msg})
	}
	var args []any
	docs, err := queryDocs(ctx, s.DB.R, " WHERE d.agency_id IN ("+inClause(&args, ids)+")", args...)
	if err != nil {
		return nil, err
	}
	if err := s.fill(ctx, docs); err != nil {
		return nil, err
	}
	public := docs[:0]
	for _, d := range docs {
		if d.Item.Public {
			public = append(public, d)
		}
	}
	docs = public
	sortDocs(docs)
	if lib.Counts, err = s.counts(ctx, docs); err != nil {
		return nil, err
	}
	topics, years := map[string]bool{}, map[int]bool{}
	for _, d := range docs {
		if d.Item.Topic != "" {
			topics[d.Item.Topic] = true
		}
		years[d.PublishedOn.Year] = true
	}
	for t := range topics {
		lib.Topics = append(lib.Topics, t)
	}
	sort.Strings(lib.Topics)
	for y := range years {
		lib.Years = append(lib.Years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(lib.Years)))
	var out []*Document
	for _, d := range docs {
		switch {
		case f.Status != "" && d.Status != f.Status:
			continue
		case f.Status == "" && !f.All && !d.Status.InForce():
			continue
		case f.Year != 0 && d.PublishedOn.Year != f.Year:
			continue
		case f.Topic != "" && d.Item.Topic != f.Topic:
			continue
		case f.Q != "" && !matches(d, f.Q):
			continue
		}
		out = append(out, d)
	}
	lib.Total = len(out)
	lib.Pages = (lib.Total + PerPage - 1) / PerPage
	lib.Page = max(f.Page, 1)
	from := (lib.Page - 1) * PerPage
	if from < len(out) {
		lib.Docs = out[from:min(from+PerPage, len(out))]
	}
	if lib.Cleanups, err = listCleanups(ctx, s.DB.R, ids, true); err != nil {
		return nil, err
	}
	for _, c := range lib.Cleanups {
		for _, a := range scope {
			if a.ID == c.AgencyID {
				c.Agency = a
				c.URL = CleanupURL(a, c.ID)
			}
		}
	}
	return lib, nil
}

// counts computes the per-year table from the documents' dates and the
// repeal history: issued (published in the year), repealed (repeal events
// dated in the year) and in force at the end of the year (published and in
// force by its dates, not repealed by then).
func (s *Service) counts(ctx context.Context, docs []*Document) ([]YearCount, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.ItemID
	}
	var args []any
	evs, err := queryEvents(ctx, s.DB.R, "WHERE to_status = 'repealed' AND item_id IN ("+inClause(&args, ids)+") ORDER BY on_date, id", args...)
	if err != nil {
		return nil, err
	}
	repealedOn := map[int64]civil.Date{}
	for _, e := range evs {
		if _, ok := repealedOn[e.ItemID]; !ok {
			repealedOn[e.ItemID] = e.On
		}
	}
	today := s.today()
	first := today.Year
	for _, d := range docs {
		if d.PublishedOn.Year < first {
			first = d.PublishedOn.Year
		}
	}
	var out []YearCount
	for y := today.Year; y >= first; y-- {
		end := civil.New(y, 12, 31)
		if end.After(today) {
			end = today
		}
		c := YearCount{Year: y}
		for _, d := range docs {
			if d.PublishedOn.Year == y {
				c.Issued++
			}
			r, repealed := repealedOn[d.ItemID]
			if repealed && r.Year == y {
				c.Repealed++
			}
			if !d.PublishedOn.After(end) && !d.EffectiveOn.After(end) && !d.ExpiresOn.Before(end) && (!repealed || r.After(end)) {
				c.InForce++
			}
		}
		out = append(out, c)
	}
	return out, nil
}
