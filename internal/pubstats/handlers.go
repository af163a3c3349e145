package pubstats

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
	"github.com/gongkai/gongkai/internal/xlsxprint"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the statistics and open-data pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

// Register adds the public routes. wrap caches pages that depend only on
// published content (the open-data page and the catalogue downloads); the
// statistics count applications and letters, which change without a
// content version, and the current year's depend on the day, so they are
// computed on every request.
func Register(app *web.App, svc *Service, site SiteFunc, wrap func(http.HandlerFunc) http.HandlerFunc) (*Handlers, error) {
	if err := app.Render.AddPages("pubstats", templates); err != nil {
		return nil, err
	}
	if wrap == nil {
		wrap = func(h http.HandlerFunc) http.HandlerFunc { return h }
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /o/{slug}/statistics", auth.Public, h.statistics, web.Summary("统计数据（按年度）"))
	app.Handle("GET /o/{slug}/statistics.csv", auth.Public, h.statisticsCSV, web.Summary("统计数据下载（CSV）"))
	app.Handle("GET /o/{slug}/statistics.json", auth.Public, h.statisticsJSON, web.Summary("统计数据下载（JSON）"))
	app.Handle("GET /o/{slug}/open-data", auth.Public, wrap(h.openData), web.Summary("数据开放"))
	app.Handle("GET /o/{slug}/open-data/catalogue.csv", auth.Public, wrap(h.catalogueCSV), web.Summary("政府信息公开目录元数据（CSV）"))
	app.Handle("GET /o/{slug}/open-data/catalogue.json", auth.Public, wrap(h.catalogueJSON), web.Summary("政府信息公开目录元数据（JSON）"))
	return h, nil
}

// URL is an agency's statistics page.
func URL(slug string) string { return "/o/" + slug + "/statistics" }

// OpenDataURL is an agency's open-data page.
func OpenDataURL(slug string) string { return "/o/" + slug + "/open-data" }

func (h *Handlers) agency(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

func (h *Handlers) view(r *http.Request, a AgencyRef, title string) *web.View {
	v := h.app.NewView(r, title)
	if h.site != nil {
		v.Site = h.site(r, a.ID)
	}
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/o/" + a.Slug + "/"}, {Label: title}}
	return v
}

// ---------------------------------------------------------------- statistics

// page is what the statistics template shows.
type page struct {
	Agency     AgencyRef
	S          *Statistics
	YearField  web.FieldView
	Charts     map[string]template.HTML
	Downloads  map[string]string
	ColumnsSum int // the column counts added up (≥ items: multi-column items)
}

func (h *Handlers) statistics(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agency(w, r)
	if !ok {
		return
	}
	today := h.svc.Today()
	v := h.view(r, a, "统计数据")
	year, err := ParseYear(r.URL.Query().Get("year"), today)
	years := Years(today)
	if err == nil && year < years[len(years)-1] {
		years = append(years, year) // an older year asked for in the address
	}
	var opts []web.Option
	for _, y := range years {
		opts = append(opts, web.Option{Value: strconv.Itoa(y), Label: strconv.Itoa(y) + " 年"})
	}
	if err != nil {
		// The form again, with the error next to the year; no figures.
		v.Form = map[string][]string{"year": {strconv.Itoa(today.Year)}}
		v.SetErrors(apperr.FieldsOf(err), "year")
		v.Data = page{Agency: a, YearField: v.Select("year", "年度", opts)}
		web.NoStore(w)
		h.app.Render.Page(w, r, http.StatusBadRequest, "pubstats/portal_statistics", v)
		return
	}
	st, err := h.svc.Statistics(r.Context(), a, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v.Form = map[string][]string{"year": {strconv.Itoa(year)}}
	v.Title = fmt.Sprintf("统计数据（%d 年）", year)
	p := page{Agency: a, S: st, YearField: v.Select("year", "年度", opts), Charts: charts(st)}
	for _, c := range st.Items.Columns {
		p.ColumnsSum += c.Count
	}
	q := "?year=" + strconv.Itoa(year)
	p.Downloads = map[string]string{"CSV": URL(a.Slug) + ".csv" + q, "JSON": URL(a.Slug) + ".json" + q}
	v.Data = p
	h.app.Render.Page(w, r, http.StatusOK, "pubstats/portal_statistics", v)
}

// charts draws the page's charts.
func charts(st *Statistics) map[string]template.HTML {
	year := strconv.Itoa(st.Year)
	items := make([]int, 12)
	for i, m := range st.Items.Months {
		items[i] = m.Count
	}
	received, replied := make([]int, 12), make([]int, 12)
	for i, m := range st.Interactions.Months {
		received[i], replied[i] = m.Received, m.Replied
	}
	var outLabels []string
	var outValues []int
	for _, o := range st.Applications.Outcomes {
		outLabels = append(outLabels, o.Label)
		outValues = append(outValues, o.Count)
	}
	var chLabels []string
	var chValues []int
	for _, c := range st.Interactions.Channels {
		chLabels = append(chLabels, c.Label)
		chValues = append(chValues, c.Received)
	}
	return map[string]template.HTML{
		"items": BarChart{ID: "chart-items", Title: year + " 年每月发布信息条数",
			Desc:   fmt.Sprintf("柱状图：%s 年 1 至 12 月每月发布的信息条数，全年共 %d 条。数据见图下的表格。", year, st.Items.Total),
			Labels: monthLabels(), Series: []Series{{Name: "发布信息（条）", Values: items}}}.SVG(),
		"outcomes": HBarChart{ID: "chart-outcomes", Title: year + " 年依申请公开办理结果",
			Desc:   fmt.Sprintf("条形图：%s 年办结的 %d 件政府信息公开申请按办理结果分类的件数。数据见图下的表格。", year, st.Applications.Processed),
			Labels: outLabels, Values: outValues}.SVG(),
		"channels": HBarChart{ID: "chart-channels", Title: year + " 年各渠道收到的来信留言",
			Desc:   fmt.Sprintf("条形图：%s 年各渠道收到的来信留言件数，共 %d 件。数据见图下的表格。", year, st.Interactions.Received),
			Labels: chLabels, Values: chValues}.SVG(),
		"interactions": BarChart{ID: "chart-interactions", Title: year + " 年每月收到和答复的来信留言",
			Desc:   fmt.Sprintf("柱状图：%s 年每月收到的来信留言件数（实心柱）和答复件数（斜纹柱）。数据见图下的表格。", year),
			Labels: monthLabels(), Series: []Series{{Name: "收到（件）", Values: received}, {Name: "答复（件）", Values: replied}}}.SVG(),
	}
}

// badYear answers a download with a bad ?year= as a problem document.
func (h *Handlers) badYear(w http.ResponseWriter, r *http.Request, err error) {
	fields := apperr.FieldsOf(err)
	web.WriteProblem(w, r, http.StatusBadRequest, string(apperr.Invalid), fields["year"], fields)
}

func (h *Handlers) yearStats(w http.ResponseWriter, r *http.Request) (*Statistics, bool) {
	a, ok := h.agency(w, r)
	if !ok {
		return nil, false
	}
	year, err := ParseYear(r.URL.Query().Get("year"), h.svc.Today())
	if err != nil {
		h.badYear(w, r, err)
		return nil, false
	}
	st, err := h.svc.Statistics(r.Context(), a, year)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return st, true
}

// download sets the headers of a public data file.
func download(w http.ResponseWriter, name, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Access-Control-Allow-Origin", "*") // open data: any site may read it
}

// utf8BOM lets spreadsheet programs read the CSV as UTF-8.
const utf8BOM = "\uFEFF"

// StatisticsCSVHeader is the header row of the statistics CSV.
var StatisticsCSVHeader = []string{"年度", "板块", "指标", "数值", "单位", "字段"}

func (h *Handlers) statisticsCSV(w http.ResponseWriter, r *http.Request) {
	st, ok := h.yearStats(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	cw := csv.NewWriter(&buf)
	cw.Write(StatisticsCSVHeader)
	year := strconv.Itoa(st.Year)
	for _, f := range st.Figures() {
		cw.Write([]string{year, f.Section, xlsxprint.CellSafe(f.Label), f.Value, f.Unit, f.Key})
	}
	cw.Flush()
	download(w, fmt.Sprintf("%s-statistics-%d.csv", st.Agency.Slug, st.Year), "text/csv; charset=utf-8")
	w.Write(buf.Bytes())
}

func (h *Handlers) statisticsJSON(w http.ResponseWriter, r *http.Request) {
	st, ok := h.yearStats(w, r)
	if !ok {
		return
	}
	download(w, fmt.Sprintf("%s-statistics-%d.json", st.Agency.Slug, st.Year), "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(st)
}

// ---------------------------------------------------------------- open data

// Field describes a column of the catalogue download.
type Field struct {
	Key, CSV, About string
}

// CatalogueFields are the catalogue download's columns: the JSON key, the
// CSV header and what it holds.
var CatalogueFields = []Field{
	{"id", "编号", "本平台的信息编号，网址中的数字"},
	{"index_number", "索引号", "政府信息的索引号"},
	{"title", "标题", "信息标题"},
	{"doc_number", "发文字号", "公文的发文字号（无则为空）"},
	{"publisher", "发布机构", "发布信息的机关或机构"},
	{"signed_on", "成文日期", "YYYY-MM-DD（无则为空）"},
	{"published_on", "发布日期", "YYYY-MM-DD"},
	{"columns", "栏目", "所在的公开目录栏目（多个以“；”分隔，JSON 中为数组）"},
	{"topic", "主题分类", "主题分类（无则为空）"},
	{"genre", "体裁", "通知、公告、办法等"},
	{"five_publics", "五公开", "决策、执行、管理、服务、结果公开（多个以“；”分隔，JSON 中为数组）"},
	{"validity", "有效性", "现行有效、已修改、已废止、已失效等（不适用则为空）"},
	{"method", "公开方式", "主动公开，或依申请公开转主动公开"},
	{"superseded", "已被替代", "是：已有新的信息替代本信息（JSON 中为 true/false）"},
	{"url", "网址", "信息在门户网站上的地址"},
}

func (h *Handlers) openData(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agency(w, r)
	if !ok {
		return
	}
	v := h.view(r, a, "数据开放")
	base := OpenDataURL(a.Slug)
	v.Data = map[string]any{"Agency": a, "Fields": CatalogueFields, "CatalogueCSV": base + "/catalogue.csv", "CatalogueJSON": base + "/catalogue.json",
		"StatisticsURL": URL(a.Slug), "StatisticsCSV": URL(a.Slug) + ".csv", "StatisticsJSON": URL(a.Slug) + ".json", "MinYear": MinYear}
	h.app.Render.Page(w, r, http.StatusOK, "pubstats/portal_opendata", v)
}

// errStop ends a download whose client has gone.
var errStop = errors.New("pubstats: client gone")

// flushEvery bounds what a download buffers before it writes.
const flushEvery = 64 << 10

func (h *Handlers) catalogueCSV(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agency(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	cw := csv.NewWriter(&buf)
	header := make([]string, len(CatalogueFields))
	for i, f := range CatalogueFields {
		header[i] = f.CSV
	}
	cw.Write(header)
	started := false
	flush := func(force bool) error {
		cw.Flush()
		if buf.Len() < flushEvery && !force {
			return nil
		}
		if !started {
			download(w, a.Slug+"-catalogue.csv", "text/csv; charset=utf-8")
			started = true
		}
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		if err != nil {
			return errStop
		}
		return nil
	}
	err := h.svc.Items.EachEntry(r.Context(), a.ID, func(e *CatalogueEntry) error {
		superseded := "否"
		if e.Superseded {
			superseded = "是"
		}
		s := xlsxprint.CellSafe
		cw.Write([]string{strconv.FormatInt(e.ID, 10), s(e.IndexNumber), s(e.Title), s(e.DocNumber), s(e.Publisher), e.SignedOn.String(), e.PublishedOn.String(),
			s(strings.Join(e.Columns, "；")), s(e.Topic), s(e.Genre), strings.Join(e.FivePublics, "；"), e.Validity, e.Method, superseded, e.URL})
		return flush(false)
	})
	h.finish(w, r, started, err, func() error { return flush(true) })
}

func (h *Handlers) catalogueJSON(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agency(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	head, _ := json.Marshal(a)
	fmt.Fprintf(&buf, "{\"agency\":%s,\"generated_at\":%q,\"fields\":[", head, h.svc.Now().UTC().Format(time.RFC3339))
	for i, f := range CatalogueFields {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, _ := json.Marshal(map[string]string{"key": f.Key, "label": f.CSV, "about": f.About})
		buf.Write(b)
	}
	buf.WriteString("],\n\"items\":[\n")
	started, n := false, 0
	flush := func(force bool) error {
		if buf.Len() < flushEvery && !force {
			return nil
		}
		if !started {
			download(w, a.Slug+"-catalogue.json", "application/json; charset=utf-8")
			started = true
		}
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		if err != nil {
			return errStop
		}
		return nil
	}
	enc := json.NewEncoder(&buf)
	err := h.svc.Items.EachEntry(r.Context(), a.ID, func(e *CatalogueEntry) error {
		if e.Columns == nil {
			e.Columns = []string{}
		}
		if e.FivePublics == nil {
			e.FivePublics = []string{}
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		if err := enc.Encode(e); err != nil {
			return err
		}
		return flush(false)
	})
	h.finish(w, r, started, err, func() error {
		fmt.Fprintf(&buf, "],\n\"count\":%d}\n", n)
		return flush(true)
	})
}

// finish ends a streamed download: the rest on success; an error page if
// nothing was sent yet; otherwise the response is cut short (a partial
// file is never mistaken for a whole one: the connection ends without the
// closing bytes, and the page cache never stores it).
func (h *Handlers) finish(w http.ResponseWriter, r *http.Request, started bool, err error, rest func() error) {
	switch {
	case err == nil:
		rest()
	case errors.Is(err, errStop):
	case !started:
		h.app.Error(w, r, err)
	default:
		panic(http.ErrAbortHandler)
	}
}
