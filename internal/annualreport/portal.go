package annualreport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/pdf"
	"github.com/gongkai/gongkai/internal/web"
)

// The outputs of a report, all from the same layout: the public pages in
// the agency's 政府信息公开年报 column (the list of published reports with
// the year-on-year chart, and each year's report), the XLSX file, and the
// PDF printed by headless Chromium from the print page bare_report.html;
// the staff download any version (drafts marked 草稿) and import the
// reports of earlier years.

const (
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	// ImportedNote stands in a narrative section an imported report does
	// not have.
	ImportedNote = "（导入的历年报告仅含表格数据）"
)

// PortalListURL is the public list of an agency's annual reports.
func PortalListURL(slug string) string { return "/o/" + slug + "/annual-reports" }

// PortalURL is the public page of an agency's published report on a year.
func PortalURL(slug string, year int) string { return PortalListURL(slug) + "/" + strconv.Itoa(year) }

func (h *Handlers) registerPortal() {
	a := h.app
	a.Handle("GET /o/{slug}/annual-reports", auth.Public, h.portalList, web.Summary("政府信息公开工作年度报告：历年报告和主要数据对比"))
	a.Handle("GET /o/{slug}/annual-reports/{year}", auth.Public, h.portalReport, web.Summary("政府信息公开工作年度报告（某一年度）"))
	a.Handle("GET /o/{slug}/annual-reports/{year}/report.xlsx", auth.Public, h.portalXLSX, web.Summary("下载年度报告表格（XLSX，官方格式）"))
	a.Handle("GET /o/{slug}/annual-reports/{year}/report.pdf", auth.Public, h.portalPDF, web.Summary("下载年度报告（PDF）"))
	m, pub := auth.ManageAnnualReport, auth.PublishAnnualReport
	a.Handle("GET /console/annual-reports/import", pub, h.historyImportForm, web.Summary("导入历年年度报告（XLSX）"))
	a.Handle("POST /console/annual-reports/import", pub, h.historyImportFile, web.Summary("上传历年年度报告（XLSX，2019年试行格式或2021年格式）"), web.Upload())
	a.Handle("GET /console/annual-reports/{id}/report.xlsx", m, h.staffXLSX, web.Summary("下载年度报告某一版本的表格（XLSX）"))
	a.Handle("GET /console/annual-reports/{id}/report.pdf", m, h.staffPDF, web.Summary("下载年度报告某一版本（PDF，草稿带水印）"))
}

// ------------------------------------------------------------ documents

// Document is a report as its pages show it: the six sections in order,
// the narrative as paragraphs, the tables in the official layout.
type Document struct {
	R *Report
	// One, Five and Six are the paragraphs of sections 一, 五 and 六.
	One, Five, Six []string
	Tables         template.HTML
	// Corrections are the notes of this version and of the corrections
	// before it, newest first.
	Corrections []Correction
	Draft       bool
}

// Correction is a corrected version's note.
type Correction struct {
	Version int
	On      string
	Note    string
}

// Headings of the six sections, in order.
var Headings = []string{HeadingOne, HeadingTwo, HeadingThree, HeadingFour, HeadingFive, HeadingSix}

func paragraphsOf(text string, imported bool) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	if len(out) == 0 && imported {
		out = []string{ImportedNote}
	}
	return out
}

// DocumentOf lays out a report version; earlier are the versions before
// it (for their correction notes).
func DocumentOf(r *Report, earlier []*Report) Document {
	d := Document{R: r, One: paragraphsOf(r.Overview, r.Imported), Five: paragraphsOf(r.Problems, r.Imported), Six: paragraphsOf(r.Other, r.Imported),
		Tables: Tables(r, false), Draft: r.State == Draft}
	for _, v := range append([]*Report{r}, earlier...) {
		if v.Version > 1 && strings.TrimSpace(v.CorrectionNote) != "" {
			c := Correction{Version: v.Version, Note: v.CorrectionNote}
			if !v.PublishedAt.IsZero() {
				c.On = v.PublishedAt.In(civil.Shanghai).Format("2006-01-02")
			}
			d.Corrections = append(d.Corrections, c)
		}
	}
	return d
}

// fileName is a download's name: the title, the version when corrected,
// 草稿 for a draft.
func downloadName(r *Report, ext string) string {
	name := r.Title()
	if r.Version > 1 {
		name += fmt.Sprintf("（第%d版）", r.Version)
	}
	if r.State == Draft {
		name += "（草稿）"
	}
	return name + "." + ext
}

func (h *Handlers) serveXLSX(w http.ResponseWriter, req *http.Request, r *Report) {
	var b bytes.Buffer
	if err := WriteXLSX(&b, r); err != nil {
		h.app.Error(w, req, err)
		return
	}
	web.ServeDownload(w, downloadName(r, "xlsx"), xlsxType, int64(b.Len()), &b)
}

// bufferWriter captures a rendered page.
type pageBuffer struct {
	h      http.Header
	status int
	b      bytes.Buffer
}

func (w *pageBuffer) Header() http.Header         { return w.h }
func (w *pageBuffer) Write(p []byte) (int, error) { return w.b.Write(p) }
func (w *pageBuffer) WriteHeader(status int)      { w.status = status }

// printPage is the print page of a report version (bare_report.html, a
// self-contained document).
func (h *Handlers) printPage(req *http.Request, r *Report, earlier []*Report) ([]byte, error) {
	v := h.app.NewView(req, r.Title())
	v.Data = DocumentOf(r, earlier)
	bw := &pageBuffer{h: http.Header{}, status: http.StatusOK}
	h.app.Render.Page(bw, req, http.StatusOK, "annualreport/bare_report", v)
	if bw.status != http.StatusOK {
		return nil, errors.New("annualreport: the print page did not render")
	}
	return bw.b.Bytes(), nil
}

// pdfOf prints a report version (with the versions before it, for their
// correction notes) to PDF; pdf.ErrUnavailable without Chromium.
func (h *Handlers) pdfOf(req *http.Request, r *Report, earlier []*Report) ([]byte, error) {
	if h.pdf == nil || !h.pdf.Available() {
		return nil, pdf.ErrUnavailable
	}
	page, err := h.printPage(req, r, earlier)
	if err != nil {
		return nil, err
	}
	return h.pdf.Render(req.Context(), page)
}

// servePDF answers with the PDF, or a page saying why there is none.
func (h *Handlers) servePDF(w http.ResponseWriter, req *http.Request, r *Report, earlier []*Report) {
	out, err := h.pdfOf(req, r, earlier)
	switch {
	case errors.Is(err, pdf.ErrUnavailable):
		h.app.ErrorPage(w, req, http.StatusServiceUnavailable, "本平台未安装 PDF 打印组件，暂时无法生成 PDF。请下载 XLSX 表格，或打开年度报告页面，使用浏览器的“打印”功能另存为 PDF。")
		return
	case err != nil:
		h.app.Logger.ErrorContext(req.Context(), "annual report pdf", "report", r.ID, "error", err)
		h.app.ErrorPage(w, req, http.StatusServiceUnavailable, "PDF 暂时无法生成，请稍后再试，或下载 XLSX 表格。")
		return
	}
	web.ServeDownload(w, downloadName(r, "pdf"), "application/pdf", int64(len(out)), bytes.NewReader(out))
}

// ------------------------------------------------------------ portal

func (h *Handlers) portalView(r *http.Request, a AgencyRef, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	if h.site != nil {
		v.Site = h.site(r, a.ID)
	}
	v.Breadcrumbs = append([]web.Crumb{{Label: "首页", URL: "/"}, {Label: a.Name, URL: "/o/" + a.Slug + "/"},
		{Label: "政府信息公开", URL: "/o/" + a.Slug + "/gk/"}}, crumbs...)
	return v
}

func (h *Handlers) portalAgency(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

// listRow is a year in the public list.
type portalRow struct {
	R         *Report
	URL       string
	Published string
	Corrected bool
}

func (h *Handlers) portalList(w http.ResponseWriter, r *http.Request) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return
	}
	list, err := h.svc.PublicReports(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var rows []portalRow
	for _, rep := range list {
		rows = append(rows, portalRow{R: rep, URL: PortalURL(a.Slug, rep.Year), Published: publishedOn(rep), Corrected: rep.Version > 1})
	}
	points := YearOnYear(list)
	v := h.portalView(r, a, "政府信息公开工作年度报告", web.Crumb{Label: "政府信息公开工作年度报告"})
	v.Data = map[string]any{"Agency": a, "Rows": rows, "Points": points, "Chart": ChartSVG(points), "GuideURL": "/o/" + a.Slug + "/gk/annual-report"}
	h.app.Render.Page(w, r, http.StatusOK, "annualreport/portal_list", v)
}

func publishedOn(r *Report) string {
	if r.PublishedAt.IsZero() {
		return ""
	}
	return r.PublishedAt.In(civil.Shanghai).Format("2006-01-02")
}

// publicOf finds the published report of the path's agency and year, and
// with ?version= one of its earlier versions; it answers 404 itself.
func (h *Handlers) publicOf(w http.ResponseWriter, r *http.Request) (AgencyRef, *Report, []*Report, bool) {
	a, ok := h.portalAgency(w, r)
	if !ok {
		return a, nil, nil, false
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || year < FirstYear || year > 9999 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这一年度的年度报告。")
		return a, nil, nil, false
	}
	cur, earlier, err := h.svc.PublicReport(r.Context(), a.ID, year)
	if apperr.CodeOf(err) == apperr.NotFound {
		h.app.ErrorPage(w, r, http.StatusNotFound, fmt.Sprintf("%s尚未发布 %d 年度的政府信息公开工作年度报告。", a.Name, year))
		return a, nil, nil, false
	}
	if err != nil {
		h.app.Error(w, r, err)
		return a, nil, nil, false
	}
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		for i, e := range earlier {
			if err == nil && e.Version == n {
				return a, e, earlier[i+1:], true
			}
		}
		if err != nil || n != cur.Version {
			h.app.ErrorPage(w, r, http.StatusNotFound, "没有这一版本的年度报告。")
			return a, nil, nil, false
		}
	}
	return a, cur, earlier, true
}

// versionLink is an earlier version's downloads.
type portalVersion struct {
	R               *Report
	Published       string
	XLSXURL, PDFURL string
}

func (h *Handlers) portalReport(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("version") {
		// Earlier versions are offered as downloads only.
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther) // #nosec G710 -- the path this route matched (/o/{slug}/…), same site
		return
	}
	a, cur, earlier, ok := h.publicOf(w, r)
	if !ok {
		return
	}
	base := PortalURL(a.Slug, cur.Year)
	var versions []portalVersion
	for _, e := range earlier {
		q := "?version=" + strconv.Itoa(e.Version)
		versions = append(versions, portalVersion{R: e, Published: publishedOn(e), XLSXURL: base + "/report.xlsx" + q, PDFURL: base + "/report.pdf" + q})
	}
	v := h.portalView(r, a, cur.Title(), web.Crumb{Label: "政府信息公开工作年度报告", URL: PortalListURL(a.Slug)}, web.Crumb{Label: strconv.Itoa(cur.Year) + " 年度"})
	v.Data = map[string]any{"Agency": a, "Doc": DocumentOf(cur, earlier), "Published": publishedOn(cur), "Versions": versions,
		"XLSXURL": base + "/report.xlsx", "PDFURL": base + "/report.pdf", "PDF": h.pdf != nil && h.pdf.Available(), "ListURL": PortalListURL(a.Slug)}
	h.app.Render.Page(w, r, http.StatusOK, "annualreport/portal_report", v)
}

func (h *Handlers) portalXLSX(w http.ResponseWriter, r *http.Request) {
	if _, rep, _, ok := h.publicOf(w, r); ok {
		h.serveXLSX(w, r, rep)
	}
}

func (h *Handlers) portalPDF(w http.ResponseWriter, r *http.Request) {
	if _, rep, earlier, ok := h.publicOf(w, r); ok {
		h.servePDF(w, r, rep, earlier)
	}
}

// ------------------------------------------------------------ console downloads

// versionOf is a version of p's agency's report (any state) with the
// versions of its year before it.
func (h *Handlers) staffVersion(w http.ResponseWriter, r *http.Request) (*Report, []*Report, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份年度报告。")
		return nil, nil, false
	}
	p := web.Principal(r)
	rep, err := h.svc.Report(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, nil, false
	}
	all, err := h.svc.Reports(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, nil, false
	}
	var earlier []*Report
	for _, e := range all { // newest version first
		if e.Year == rep.Year && e.Version < rep.Version {
			earlier = append(earlier, e)
		}
	}
	return rep, earlier, true
}

func (h *Handlers) staffXLSX(w http.ResponseWriter, r *http.Request) {
	if rep, _, ok := h.staffVersion(w, r); ok {
		h.serveXLSX(w, r, rep)
	}
}

func (h *Handlers) staffPDF(w http.ResponseWriter, r *http.Request) {
	if rep, earlier, ok := h.staffVersion(w, r); ok {
		h.servePDF(w, r, rep, earlier)
	}
}

// ------------------------------------------------------------ import

// importYear is a year of the import form (Taken: the agency has a
// report on it).
type importYear struct {
	Year  int
	Taken bool
}

func (h *Handlers) renderHistoryImport(w http.ResponseWriter, r *http.Request, status int, form url.Values, ierr *ImportError) {
	v := h.app.NewView(r, "导入历年年度报告")
	v.Section = "annual-reports"
	v.Breadcrumbs = []web.Crumb{{Label: "年度报告", URL: "/console/annual-reports"}, {Label: "导入历年报告"}}
	first, last := h.svc.ImportYears()
	taken := map[int]bool{}
	if list, err := h.svc.Reports(r.Context(), web.Principal(r)); err == nil {
		for _, rep := range list {
			taken[rep.Year] = true
		}
	}
	var years []importYear
	free := 0
	for y := last; y >= first; y-- {
		years = append(years, importYear{Year: y, Taken: taken[y]})
		if free == 0 && !taken[y] {
			free = y
		}
	}
	if form == nil {
		if free == 0 {
			free = last
		}
		form = url.Values{"year": {strconv.Itoa(free)}, "format": {string(FormatOf(free))}}
	}
	v.Form = form
	var details []string
	if ierr != nil {
		v.SetErrors(map[string]string{ierr.Field: ierr.Message}, "year", "format", "file")
		details = ierr.Details
	}
	v.Data = map[string]any{"Years": years, "Formats": []Format{Format2021, Format2019}, "Details": details, "MaxMB": MaxImportBytes >> 20}
	h.app.Render.Page(w, r, status, "annualreport/console_history_import", v)
}

func (h *Handlers) historyImportForm(w http.ResponseWriter, r *http.Request) {
	h.renderHistoryImport(w, r, http.StatusOK, nil, nil)
}

func (h *Handlers) historyImportFile(w http.ResponseWriter, r *http.Request) {
	err := web.ParseForm(r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		h.renderHistoryImport(w, r, web.Status(apperr.CodeOf(err)), nil, &ImportError{Field: "file", Message: apperr.MessageOf(err)})
		return
	}
	form := url.Values{"year": {web.Field(r, "year")}, "format": {web.Field(r, "format")}}
	year, err := strconv.Atoi(web.Field(r, "year"))
	if err != nil {
		h.renderHistoryImport(w, r, http.StatusUnprocessableEntity, form, refuseImport("year", "请选择报告年度。"))
		return
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		h.renderHistoryImport(w, r, http.StatusUnprocessableEntity, form, refuseImport("file", "请选择要导入的 XLSX 文件。"))
		return
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size == 0 {
		h.renderHistoryImport(w, r, http.StatusUnprocessableEntity, form, refuseImport("file", "上传的文件是空的，请检查后重新选择。"))
		return
	}
	file, err := fh.Open()
	if err != nil {
		h.renderHistoryImport(w, r, http.StatusUnprocessableEntity, form, refuseImport("file", "上传的文件无法读取，请重新选择。"))
		return
	}
	defer file.Close()
	rep, err := h.svc.Import(r.Context(), web.Principal(r), year, Format(web.Field(r, "format")), web.UploadName(fh), file)
	var ierr *ImportError
	switch {
	case errors.As(err, &ierr):
		h.renderHistoryImport(w, r, http.StatusUnprocessableEntity, form, ierr)
	case apperr.CodeOf(err) == apperr.TooLarge:
		h.renderHistoryImport(w, r, http.StatusRequestEntityTooLarge, form, &ImportError{Field: "file", Message: apperr.MessageOf(err)})
	case apperr.CodeOf(err) == apperr.Conflict:
		h.renderHistoryImport(w, r, http.StatusConflict, form, &ImportError{Field: "year", Message: apperr.MessageOf(err)})
	case err != nil:
		h.app.Error(w, r, err)
	default:
		http.Redirect(w, r, ReportURL(rep.ID)+"?flash=imported", http.StatusSeeOther)
	}
}

// ------------------------------------------------------------ year on year

// YearPoint is one year's main figures, comparable across the formats.
type YearPoint struct {
	Year           int
	Format         Format
	Imported       bool
	NewReceived    int64 // 本年新收申请
	TotalProcessed int64 // 办理结果总计
	Granted        int64 // 予以公开
	CarriedForward int64 // 结转下年度
	// Reconsiderations and Lawsuits are the cases of table four.
	Reconsiderations int64
	Lawsuits         int64
}

// YearOnYear is the main figures of each year's report (its highest
// version), oldest year first.
func YearOnYear(reports []*Report) []YearPoint {
	best := map[int]*Report{}
	for _, r := range reports {
		if b, ok := best[r.Year]; !ok || r.Version > b.Version {
			best[r.Year] = r
		}
	}
	var out []YearPoint
	for _, r := range best {
		c := r.Cells
		out = append(out, YearPoint{Year: r.Year, Format: r.Format, Imported: r.Imported,
			NewReceived: c[T3("new_received", "total")], TotalProcessed: c[T3("total_processed", "total")],
			Granted: c[T3("granted", "total")], CarriedForward: c[T3("carried_forward", "total")],
			Reconsiderations: c[T4("reconsideration", "total")], Lawsuits: c[T4("litigation_direct", "total")] + c[T4("litigation_after", "total")]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out
}

// ChartSVG draws the applications received and processed per year as a
// bar chart (the page shows the same numbers in a table); empty without
// points.
func ChartSVG(points []YearPoint) template.HTML {
	if len(points) == 0 {
		return ""
	}
	const (
		plotH, top, bottom, left = 140, 32, 24, 8
		barW, gap, groupW        = 22, 4, 72
	)
	var peak int64 = 1
	for _, p := range points {
		peak = max(peak, p.NewReceived, p.TotalProcessed)
	}
	width := max(left*2+groupW*len(points), 240)
	height := top + plotH + bottom
	var b strings.Builder
	first, last := points[0].Year, points[len(points)-1].Year
	label := fmt.Sprintf("%d至%d年度政府信息公开申请收到和办结件数柱状图", first, last)
	if first == last {
		label = fmt.Sprintf("%d年度政府信息公开申请收到和办结件数柱状图", first)
	}
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, width, height, width, height, template.HTMLEscapeString(label+"；数据见下表"))
	fmt.Fprintf(&b, `<rect x="%d" y="4" width="10" height="10" class="bar-a"></rect><text x="%d" y="13" class="chart-label">本年新收</text>`, left, left+14)
	fmt.Fprintf(&b, `<rect x="%d" y="4" width="10" height="10" class="bar-b"></rect><text x="%d" y="13" class="chart-label">办结</text>`, left+80, left+94)
	for i, p := range points {
		x := left + i*groupW + 8
		for j, v := range []int64{p.NewReceived, p.TotalProcessed} {
			bh := int(v * plotH / peak)
			if v > 0 && bh == 0 {
				bh = 1
			}
			cls := "bar-a"
			if j == 1 {
				cls = "bar-b"
			}
			bx := x + j*(barW+gap)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="%s"></rect>`, bx, top+plotH-bh, barW, bh, cls)
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="chart-label" text-anchor="middle">%d</text>`, bx+barW/2, top+plotH-bh-3, v)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="chart-label" text-anchor="middle">%d年</text>`, x+barW+gap/2, top+plotH+16, p.Year)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- SVG built of constant markup, numbers and the HTMLEscapeString-escaped label
}

// ------------------------------------------------------------ links

// Link is a public page of the reports for another capability's page.
type Link struct {
	Text, URL, Note string
}

// PublicLinks are an agency's published reports, newest first, after the
// list page, for the 政府信息公开年报 column of the catalogue.
func (s *Service) PublicLinks(ctx context.Context, agencyID int64, slug string) ([]Link, error) {
	list, err := s.PublicReports(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	out := []Link{{Text: "历年政府信息公开工作年度报告及主要数据对比", URL: PortalListURL(slug)}}
	for _, r := range list {
		note := publishedOn(r)
		if r.Version > 1 {
			note += "（已更正）"
		}
		out = append(out, Link{Text: r.Title(), URL: PortalURL(slug, r.Year), Note: note})
	}
	return out, nil
}
