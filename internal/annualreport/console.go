package annualreport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// The staff console of the annual reports: the agency's reports by year
// and version, the workspace of one version (the six sections, the
// identity check with links to the failing cells, manual cells with their
// sources, overrides with their reasons, refresh, publication and
// corrections), the form of one cell, and for the overseers the
// publication status of every agency in scope and the consolidated tables
// of several agencies.

const (
	consoleBase     = "/console/annual-reports"
	sectionReports  = "annual-reports"
	sectionStatus   = "annual-reports-status"
	formFieldPrefix = "value."
	sourcePrefix    = "source."
)

func (h *Handlers) registerConsole() {
	a := h.app
	m, pub, ov := auth.ManageAnnualReport, auth.PublishAnnualReport, auth.OverseeAnnualReports
	b := consoleBase
	a.Handle("GET "+b, m, h.consoleList, web.Summary("本单位历年政府信息公开工作年度报告（各版本、状态、勾稽关系）"))
	a.Handle("GET "+b+"/new", m, h.consoleOpen, web.Summary("打开或开始编制某一年度的年度报告（按平台记录生成草稿）"))
	a.Handle("GET "+b+"/{id}", m, h.consoleReport, web.Summary("年度报告编制页：六部分内容、表格、勾稽关系校验"))
	a.Handle("POST "+b+"/{id}/sections/{section}", m, h.consoleSection, web.Summary("保存年度报告的文字部分（一、五、六）"))
	a.Handle("POST "+b+"/{id}/manual", m, h.consoleManual, web.Summary("填写表二中需人工填写的数据及其来源"))
	a.Handle("GET "+b+"/{id}/cells", m, h.consolePickCell, web.Summary("选择要修改的表格单元格"))
	a.Handle("GET "+b+"/{id}/cells/{code}", m, h.consoleCell, web.Summary("年度报告单元格：平台计算值、当前值、修正理由或数据来源"))
	a.Handle("POST "+b+"/{id}/cells/{code}", m, h.consoleSaveCell, web.Summary("修改年度报告单元格（人工修正须说明理由）"))
	a.Handle("POST "+b+"/{id}/refresh", m, h.consoleRefresh, web.Summary("按平台记录重新计算年度报告表格"))
	a.Handle("POST "+b+"/{id}/publish", pub, h.consolePublish, web.Summary("发布年度报告（勾稽关系不符的不能发布）"))
	a.Handle("POST "+b+"/{id}/correct", pub, h.consoleCorrect, web.Summary("创建已发布年度报告的更正版本"))
	a.Handle("GET "+b+"/status", ov, h.consoleStatus, web.Summary("各单位年度报告发布情况"))
	a.Handle("GET "+b+"/aggregate", ov, h.consoleAggregate, web.Summary("多个单位年度报告表格汇总"))
	a.Handle("GET "+b+"/aggregate.csv", ov, h.consoleAggregateCSV, web.Summary("下载年度报告表格汇总（CSV）"))
}

// consoleFlash are the notices of this console after a redirect (never
// text from the URL).
var consoleFlash = map[string]string{
	"published": "已发布。本版本已锁定，不能再修改；如需更正，请创建更正版本。",
	"corrected": "已创建更正版本（草稿）。修改后请重新发布；发布后原版本标为“已被更正”。",
}

// consoleView starts a page of the console's section.
func (h *Handlers) consoleView(r *http.Request, section, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = section
	if v.Flash == "" {
		v.Flash = consoleFlash[r.URL.Query().Get("flash")]
	}
	if len(crumbs) > 0 {
		first := web.Crumb{Label: "年度报告", URL: consoleBase}
		if section == sectionStatus {
			first = web.Crumb{Label: "年报发布情况", URL: consoleBase + "/status"}
		}
		v.Breadcrumbs = append([]web.Crumb{first}, crumbs...)
	}
	return v
}

// portalReportURL is the public page of an agency's published report on a
// year (served by portal.go).
func portalReportURL(slug string, year int) string {
	return "/o/" + slug + "/annual-reports/" + strconv.Itoa(year)
}

// deadline says in words where a report version stands against its
// statutory deadline (31 January of the next year).
type deadline struct {
	Due  civil.Date
	Text string
	Late bool
}

func deadlineOf(r *Report, today civil.Date) deadline {
	due := DueOn(r.Year)
	d := deadline{Due: due}
	switch {
	case r.State != Draft && !r.PublishedAt.IsZero():
		on := civil.Of(r.PublishedAt)
		if on.After(due) {
			d.Text, d.Late = fmt.Sprintf("逾期发布：%s 发布，晚于期限 %d 天", on, due.DaysUntil(on)), true
		} else {
			d.Text = fmt.Sprintf("按期发布：%s 发布", on)
		}
	case r.State != Draft:
		d.Text = "导入的历年报告"
	case today.After(due):
		d.Text, d.Late = fmt.Sprintf("已逾期 %d 天，尚未发布", due.DaysUntil(today)), true
	case today.Year > r.Year:
		d.Text = fmt.Sprintf("距公布期限还有 %d 天", today.DaysUntil(due))
	default:
		d.Text = "报告年度尚未结束"
	}
	return d
}

// consoleStatusOf maps a failed action to the page's status and its
// messages by field (field takes a message that belongs to no field).
func consoleStatusOf(err error, field string) (int, map[string]string, bool) {
	if f := apperr.FieldsOf(err); f != nil {
		return http.StatusUnprocessableEntity, f, true
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.TooLarge, apperr.Conflict:
		return web.Status(apperr.CodeOf(err)), map[string]string{field: apperr.MessageOf(err)}, true
	}
	return 0, nil, false
}

// yearOf reads a year from the query (default: last year); a malformed or
// unknown one is reported beside the year field and the default used.
func (h *Handlers) yearOf(r *http.Request) (int, map[string]string) {
	today := h.svc.Today()
	year := today.Year - 1
	s := strings.TrimSpace(r.URL.Query().Get("year"))
	if s == "" {
		return year, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 4 || n < FirstYear || n > today.Year {
		return year, map[string]string{"year": fmt.Sprintf("年度应为 %d 至 %d 之间的四位数字。", FirstYear, today.Year)}
	}
	return n, nil
}

// ---------------------------------------------------------------- list

// listRow is a report version in the list.
type listRow struct {
	*Report
	Problems int
	Deadline deadline
	Current  bool // the version the portal shows, or the draft being written
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, nil, nil)
}

func (h *Handlers) renderList(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	p := web.Principal(r)
	list, err := h.svc.Reports(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	today := h.svc.Today()
	rows := make([]listRow, 0, len(list))
	for _, rep := range list {
		rows = append(rows, listRow{Report: rep, Problems: len(rep.Check()), Deadline: deadlineOf(rep, today), Current: rep.State != Superseded})
	}
	v := h.consoleView(r, sectionReports, "政府信息公开工作年度报告")
	if form == nil {
		form = url.Values{"year": {strconv.Itoa(today.Year - 1)}}
	}
	v.Form = form
	v.SetErrors(fields, "year")
	v.Data = map[string]any{"Rows": rows, "LastYear": today.Year - 1, "Due": DueOn(today.Year - 1), "Max": today.Year,
		"CanOversee": auth.Allowed(p, auth.OverseeAnnualReports)}
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "annualreport/console_list", v)
}

// consoleOpen opens the report of a year: the current version, or a new
// draft computed from the platform's records.
func (h *Handlers) consoleOpen(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("year")
	year := h.svc.Today().Year - 1
	if s := strings.TrimSpace(raw); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || len(s) > 4 {
			h.renderList(w, r, http.StatusUnprocessableEntity, url.Values{"year": {raw}}, map[string]string{"year": "请填写四位数字的年度，例如 2025。"})
			return
		}
		year = n
	}
	rep, err := h.svc.Open(r.Context(), web.Principal(r), year)
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderList(w, r, http.StatusUnprocessableEntity, url.Values{"year": {raw}}, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, ReportURL(rep.ID), http.StatusSeeOther)
}

// ---------------------------------------------------------------- workspace

// cellLink is a cell named and linked to its form.
type cellLink struct {
	Code, Label, URL string
	Changed          bool // overridden or entered by staff
}

// problemView is a failed identity with links to its cells.
type problemView struct {
	Message string
	Cells   []cellLink
	Changed []cellLink
}

// overrideView is a staff change of a computed cell.
type overrideView struct {
	Override
	Label, URL, ComputedText, ValueText string
}

// manualField is a manual cell in the form of table two.
type manualField struct {
	Code, Label string
	Value       web.FieldView
	Source      web.FieldView
}

func (h *Handlers) cellURL(id int64, code string) string {
	return ReportURL(id) + "/cells/" + url.PathEscape(code)
}

func (h *Handlers) problemViews(rep *Report, probs []Problem) []problemView {
	out := make([]problemView, 0, len(probs))
	for _, pr := range probs {
		pv := problemView{Message: pr.Message}
		for _, code := range pr.Codes {
			_, over := rep.Overrides[code]
			l := cellLink{Code: code, Label: rep.Format.CellLabel(code), URL: h.cellURL(rep.ID, code), Changed: over}
			pv.Cells = append(pv.Cells, l)
			if over {
				pv.Changed = append(pv.Changed, l)
			}
		}
		out = append(out, pv)
	}
	return out
}

// manualCodes are the cells of a format entered by staff, in table order.
func manualCodes(f Format) []string {
	var out []string
	for _, code := range f.Codes() {
		if f.IsManual(code) {
			out = append(out, code)
		}
	}
	return out
}

// unit is a cell's unit as shown beside its value.
func unit(f Format, code string) string {
	if f.IsMoney(code) {
		return "万元"
	}
	return "件"
}

// reportForm is a version's editable content as the forms hold it.
func reportForm(rep *Report) url.Values {
	form := url.Values{SectionOverview: {rep.Overview}, SectionProblems: {rep.Problems}, SectionOther: {rep.Other}}
	for _, code := range manualCodes(rep.Format) {
		form.Set(formFieldPrefix+code, rep.Show(code))
		form.Set(sourcePrefix+code, rep.Sources[code])
	}
	return form
}

// workspaceOrder is the order of the workspace's messages in the summary.
var workspaceOrder = []string{"_form", "_publish", SectionOverview, SectionProblems, SectionOther, "correction_note"}

// renderReport shows the workspace of a version; submitted overrides the
// stored values of the form that was sent; refused lists the identities
// that stopped a publication.
func (h *Handlers) renderReport(w http.ResponseWriter, r *http.Request, status int, rep *Report, submitted url.Values, fields map[string]string, refused []Problem) {
	p := web.Principal(r)
	ctx := r.Context()
	form := reportForm(rep)
	for k, vs := range submitted {
		form[k] = vs
	}
	if len(refused) > 0 {
		if fields == nil {
			fields = map[string]string{}
		}
		fields["_publish"] = fmt.Sprintf("不能发布：有 %d 处数据不符合年度报告格式的勾稽关系，请按下方“勾稽关系校验”的提示修改标出的单元格。", len(refused))
	}
	v := h.consoleView(r, sectionReports, rep.Title(), web.Crumb{Label: fmt.Sprintf("%d年度（第 %d 版）", rep.Year, rep.Version)})
	v.Form = form
	order := append([]string(nil), workspaceOrder...)
	for _, code := range manualCodes(rep.Format) {
		order = append(order, formFieldPrefix+code, sourcePrefix+code)
	}
	v.SetErrors(fields, order...)
	var manual []manualField
	for _, code := range manualCodes(rep.Format) {
		label := rep.Format.CellLabel(code)
		hint := "非负整数。"
		if rep.Format.IsMoney(code) {
			hint = "最多四位小数，如 12.5。"
		}
		manual = append(manual, manualField{Code: code, Label: label,
			Value:  v.Field(formFieldPrefix+code, "数值（"+unit(rep.Format, code)+"）", "required", true, "max", 20, "hint", hint),
			Source: v.Field(sourcePrefix+code, "数据来源", "required", true, "max", MaxReasonRunes, "hint", "如：行政许可办件系统统计、财务处提供。")})
	}
	var overrides []overrideView
	for _, code := range rep.Format.Codes() {
		if o, ok := rep.Overrides[code]; ok {
			overrides = append(overrides, overrideView{Override: o, Label: rep.Format.CellLabel(code), URL: h.cellURL(rep.ID, code),
				ComputedText: rep.Format.Display(code, o.Computed), ValueText: rep.Format.Display(code, o.Value)})
		}
	}
	var versions []*Report
	if all, err := h.svc.Reports(ctx, p); err == nil {
		for _, x := range all {
			if x.Year == rep.Year && x.ID != rep.ID {
				versions = append(versions, x)
			}
		}
	}
	var picks []web.Option
	for _, code := range rep.Format.Codes() {
		picks = append(picks, web.Option{Value: code, Label: rep.Format.CellLabel(code)})
	}
	probs := rep.Check()
	v.Data = map[string]any{
		"R": rep, "URL": ReportURL(rep.ID), "Tables": Tables(rep, true), "Problems": h.problemViews(rep, probs), "Refused": len(refused) > 0,
		"Deadline": deadlineOf(rep, h.svc.Today()), "CanPublish": auth.Allowed(p, auth.PublishAnnualReport), "Manual": manual,
		"Overrides": overrides, "Versions": versions, "Picks": picks, "Fee": yuan(rep.ProcessingFee),
		"PortalURL": portalReportURL(rep.AgencySlug, rep.Year), "MaxText": MaxSectionRunes,
	}
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "annualreport/console_report", v)
}

// reportOf reads the version of the path; it answers the request itself
// when there is none.
func (h *Handlers) reportOf(w http.ResponseWriter, r *http.Request) (*Report, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, errNotFound.Message)
		return nil, false
	}
	rep, err := h.svc.Report(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return rep, true
}

func (h *Handlers) consoleReport(w http.ResponseWriter, r *http.Request) {
	rep, ok := h.reportOf(w, r)
	if !ok {
		return
	}
	h.renderReport(w, r, http.StatusOK, rep, nil, nil, nil)
}

// rowVersion is the version of the report the form was shown on (0 when
// missing: the service then calls it stale).
func rowVersion(r *http.Request) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("row_version")))
	return n
}

// act runs an action of the workspace: on success back to the page (to
// anchor) with a notice, otherwise the page again with the messages
// beside the fields, the submitted values kept.
func (h *Handlers) act(w http.ResponseWriter, r *http.Request, flash, anchor string, fn func(p *auth.Principal, id int64) (string, error)) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, errNotFound.Message)
		return
	}
	p := web.Principal(r)
	err := web.ParseForm(r)
	target := ""
	if err == nil {
		target, err = fn(p, id)
	}
	if err == nil {
		if target == "" {
			target = ReportURL(id)
		}
		http.Redirect(w, r, target+"?flash="+flash+anchor, http.StatusSeeOther) // #nosec G710 -- a local path built here (ReportURL) and constant flash/anchor texts
		return
	}
	var refused []Problem
	var ident *ErrIdentities
	status, fields := 0, map[string]string(nil)
	if errors.As(err, &ident) {
		status, refused = http.StatusUnprocessableEntity, ident.Problems
	} else if status, fields, ok = consoleStatusOf(err, "_form"); !ok {
		h.app.Error(w, r, err)
		return
	}
	rep, gerr := h.svc.Report(r.Context(), p, id)
	if gerr != nil {
		h.app.Error(w, r, gerr)
		return
	}
	h.renderReport(w, r, status, rep, r.PostForm, fields, refused)
}

func (h *Handlers) consoleSection(w http.ResponseWriter, r *http.Request) {
	section := r.PathValue("section")
	switch section {
	case SectionOverview, SectionProblems, SectionOther:
	default:
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这一部分。")
		return
	}
	h.act(w, r, "saved", "#sec-"+section, func(p *auth.Principal, id int64) (string, error) {
		return "", h.svc.SaveSection(r.Context(), p, id, rowVersion(r), section, r.PostFormValue(section))
	})
}

func (h *Handlers) consoleRefresh(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "computed", "", func(p *auth.Principal, id int64) (string, error) {
		return "", h.svc.Refresh(r.Context(), p, id, rowVersion(r))
	})
}

func (h *Handlers) consolePublish(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "published", "", func(p *auth.Principal, id int64) (string, error) {
		return "", h.svc.Publish(r.Context(), p, id, rowVersion(r))
	})
}

func (h *Handlers) consoleCorrect(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "corrected", "", func(p *auth.Principal, id int64) (string, error) {
		n, err := h.svc.Correct(r.Context(), p, id, r.PostFormValue("correction_note"))
		if err != nil {
			return "", err
		}
		return ReportURL(n.ID), nil
	})
}

// consoleManual saves the manual cells of table two from one form: every
// changed cell is checked first (value and source), and nothing is saved
// unless all are right.
func (h *Handlers) consoleManual(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "saved", "#sec-manual", func(p *auth.Principal, id int64) (string, error) {
		rep, err := h.svc.Report(r.Context(), p, id)
		if err != nil {
			return "", err
		}
		if rep.Locked() {
			return "", errLocked
		}
		rv := rowVersion(r)
		if rv != rep.RowVersion {
			return "", errStale
		}
		fields := map[string]string{}
		var changes []CellInput
		for _, code := range manualCodes(rep.Format) {
			if !r.PostForm.Has(formFieldPrefix + code) {
				continue
			}
			raw := r.PostFormValue(formFieldPrefix + code)
			note := strings.TrimSpace(r.PostFormValue(sourcePrefix + code))
			label := rep.Format.CellLabel(code)
			var v int64
			if rep.Format.IsMoney(code) {
				v, err = ParseWan(raw)
			} else {
				v, err = ParseCount(raw)
			}
			if err != nil {
				fields[formFieldPrefix+code] = label + "：" + err.Error() + "。"
				continue
			}
			if v == rep.Cells[code] && note == rep.Sources[code] {
				continue
			}
			switch {
			case note == "":
				fields[sourcePrefix+code] = label + "：请说明数据来源（如：行政许可办件系统统计、财务处提供）。"
			case utf8.RuneCountInString(note) > MaxReasonRunes || web.Unreadable(note):
				fields[sourcePrefix+code] = label + "：数据来源不能超过 200 个字，且不能含有无法识别的字符。"
			default:
				changes = append(changes, CellInput{Code: code, Value: raw, Note: note})
			}
		}
		if len(fields) > 0 {
			return "", apperr.FieldErrors(fields)
		}
		if err := h.svc.SetCells(r.Context(), p, id, rv, changes); err != nil {
			var ce *CellError
			if errors.As(err, &ce) {
				if f := apperr.FieldsOf(ce.Err); f != nil {
					out := map[string]string{}
					for k, msg := range f {
						key := formFieldPrefix + ce.Code
						if k == "note" {
							key = sourcePrefix + ce.Code
						}
						out[key] = msg
					}
					return "", apperr.FieldErrors(out)
				}
				return "", ce.Err
			}
			return "", err
		}
		return "", nil
	})
}

// ---------------------------------------------------------------- one cell

// consolePickCell sends the picker's choice to the cell's form.
func (h *Handlers) consolePickCell(w http.ResponseWriter, r *http.Request) {
	rep, ok := h.reportOf(w, r)
	if !ok {
		return
	}
	code := r.URL.Query().Get("code")
	if !knownCode(rep.Format, code) {
		http.Redirect(w, r, ReportURL(rep.ID)+"#sec-cells", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, h.cellURL(rep.ID, code), http.StatusSeeOther) // #nosec G710 -- a local path; code is url.PathEscape'd
}

func knownCode(f Format, code string) bool {
	for _, c := range f.Codes() {
		if c == code {
			return true
		}
	}
	return false
}

// cellOf reads the version and the cell of the path.
func (h *Handlers) cellOf(w http.ResponseWriter, r *http.Request) (*Report, string, bool) {
	rep, ok := h.reportOf(w, r)
	if !ok {
		return nil, "", false
	}
	code := r.PathValue("code")
	if !knownCode(rep.Format, code) {
		h.app.ErrorPage(w, r, http.StatusNotFound, "这份年度报告没有这个单元格。")
		return nil, "", false
	}
	return rep, code, true
}

func (h *Handlers) renderCell(w http.ResponseWriter, r *http.Request, status int, rep *Report, code string, form url.Values, fields map[string]string) {
	f := rep.Format
	o, overridden := rep.Overrides[code]
	manual := f.IsManual(code)
	if form == nil {
		form = url.Values{"value": {rep.Show(code)}}
		switch {
		case manual:
			form.Set("note", rep.Sources[code])
		case overridden:
			form.Set("note", o.Reason)
		}
	}
	label := f.CellLabel(code)
	v := h.consoleView(r, sectionReports, label, web.Crumb{Label: fmt.Sprintf("%d年度（第 %d 版）", rep.Year, rep.Version), URL: ReportURL(rep.ID)},
		web.Crumb{Label: "修改单元格"})
	v.Form = form
	v.SetErrors(fields, "_form", "value", "note")
	valueHint := "非负整数，单位：件。"
	if f.IsMoney(code) {
		valueHint = "单位：万元，最多保留四位小数，例如 12.5。"
	}
	noteLabel, noteHint := "修正理由", "修改平台计算的数据须说明理由（将记入审计日志）。填回平台计算值即撤销修正，不需要理由。"
	if manual {
		noteLabel, noteHint = "数据来源", "平台没有这项数据，请写明数据来源，如：行政许可办件系统统计、财务处提供。"
	}
	var bad []string
	for _, pr := range rep.Check() {
		for _, c := range pr.Codes {
			if c == code {
				bad = append(bad, pr.Message)
			}
		}
	}
	data := map[string]any{"R": rep, "Code": code, "Label": label, "Manual": manual, "Unit": unit(f, code), "URL": ReportURL(rep.ID),
		"Action": h.cellURL(rep.ID, code), "Current": rep.Show(code), "Computed": f.Display(code, rep.Computed[code]), "Source": rep.Sources[code],
		"ValueHint": valueHint, "NoteLabel": noteLabel, "NoteHint": noteHint, "Bad": bad}
	if overridden {
		data["Override"] = &o
		data["Computed"] = f.Display(code, o.Computed)
	}
	v.Data = data
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "annualreport/console_cell", v)
}

func (h *Handlers) consoleCell(w http.ResponseWriter, r *http.Request) {
	rep, code, ok := h.cellOf(w, r)
	if !ok {
		return
	}
	h.renderCell(w, r, http.StatusOK, rep, code, nil, nil)
}

func (h *Handlers) consoleSaveCell(w http.ResponseWriter, r *http.Request) {
	rep, code, ok := h.cellOf(w, r)
	if !ok {
		return
	}
	p := web.Principal(r)
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.SetCell(r.Context(), p, rep.ID, rowVersion(r), CellInput{Code: code, Value: r.PostFormValue("value"), Note: r.PostFormValue("note")})
	}
	if err == nil {
		http.Redirect(w, r, ReportURL(rep.ID)+"?flash=saved", http.StatusSeeOther)
		return
	}
	status, fields, ok := consoleStatusOf(err, "_form")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	if rep, err = h.svc.Report(r.Context(), p, rep.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	form := r.PostForm
	if form == nil {
		form = url.Values{}
	}
	h.renderCell(w, r, status, rep, code, form, fields)
}

// ---------------------------------------------------------------- oversight

// statusRow is an agency on the status page.
type statusRow struct {
	AgencyStatus
	State, Class, PortalURL string
	Problems                int
}

func (h *Handlers) consoleStatus(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	year, fields := h.yearOf(r)
	list, err := h.svc.Status(r.Context(), p, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	counts := map[string]int{}
	rows := make([]statusRow, 0, len(list))
	for _, st := range list {
		row := statusRow{AgencyStatus: st}
		switch rep := st.Report; {
		case rep != nil && rep.State == Published && st.Late:
			row.State, row.Class = "逾期发布", "warn"
			counts["late_published"]++
		case rep != nil && rep.State == Published:
			row.State, row.Class = "已发布", "ok"
			counts["published"]++
		case st.Late:
			row.State, row.Class = "逾期未发布", "danger"
			counts["overdue"]++
		case rep != nil && rep.State == Draft:
			row.State, row.Class = "草稿", ""
			counts["draft"]++
		default:
			row.State, row.Class = "未开始", "off"
			counts["none"]++
		}
		if st.Report != nil {
			row.Problems = len(st.Report.Check())
			if st.Report.State == Published {
				row.PortalURL = portalReportURL(st.Agency.Slug, year)
			}
		}
		rows = append(rows, row)
	}
	v := h.consoleView(r, sectionStatus, "年度报告发布情况")
	v.Form = url.Values{"year": {strconv.Itoa(year)}}
	if fields != nil {
		v.Form["year"] = []string{r.URL.Query().Get("year")}
	}
	v.SetErrors(fields, "year")
	status := http.StatusOK
	if fields != nil {
		status = http.StatusUnprocessableEntity
	}
	v.Data = map[string]any{"Year": year, "Rows": rows, "Counts": counts, "Due": DueOn(year), "Today": h.svc.Today(),
		"Total": len(rows), "Max": h.svc.Today().Year}
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "annualreport/console_status", v)
}

// aggregateChoice is an agency of the scope as a checkbox.
type aggregateChoice struct {
	ID      int64
	Name    string
	State   string
	Checked bool
}

// aggregateInput reads the year and the agencies of the aggregation; by
// default the district bureaus below p's agency, or every agency in scope
// when there are none.
func (h *Handlers) aggregateInput(r *http.Request) (year int, scope []AgencyStatus, ids []int64, fields map[string]string, err error) {
	p := web.Principal(r)
	year, fields = h.yearOf(r)
	scope, err = h.svc.Status(r.Context(), p, year)
	if err != nil {
		return
	}
	if fields == nil {
		fields = map[string]string{}
	}
	q := r.URL.Query()
	if q.Has("sel") || q.Has("agency") {
		for _, s := range q["agency"] {
			n, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if perr != nil || n <= 0 {
				fields["agencies"] = "所选单位无效，请重新勾选。"
				continue
			}
			ids = append(ids, n)
		}
		if len(ids) == 0 && fields["agencies"] == "" {
			fields["agencies"] = "请至少选择一个单位。"
		}
	} else {
		for _, st := range scope {
			if st.Agency.Kind == "district_bureau" && st.Agency.ID != p.AgencyID {
				ids = append(ids, st.Agency.ID)
			}
		}
		if len(ids) == 0 {
			for _, st := range scope {
				ids = append(ids, st.Agency.ID)
			}
		}
	}
	if len(fields) == 0 {
		fields = nil
	}
	return
}

func (h *Handlers) consoleAggregate(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	year, scope, ids, fields, err := h.aggregateInput(r)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var agg *Aggregate
	if fields == nil {
		agg, err = h.svc.Aggregate(r.Context(), p, year, ids)
		if f := apperr.FieldsOf(err); f != nil {
			fields, err = f, nil
		}
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
	}
	chosen := map[int64]bool{}
	for _, id := range ids {
		chosen[id] = true
	}
	choices := make([]aggregateChoice, 0, len(scope))
	for _, st := range scope {
		state := "未开始"
		if st.Report != nil {
			state = st.Report.State.Label()
		}
		choices = append(choices, aggregateChoice{ID: st.Agency.ID, Name: st.Agency.Name, State: state, Checked: chosen[st.Agency.ID]})
	}
	v := h.consoleView(r, sectionStatus, "年度报告汇总", web.Crumb{Label: "汇总"})
	v.Form = url.Values{"year": {strconv.Itoa(year)}}
	if fields["year"] != "" {
		v.Form["year"] = []string{r.URL.Query().Get("year")}
	}
	v.SetErrors(fields, "year", "agencies")
	data := map[string]any{"Year": year, "Choices": choices, "Max": h.svc.Today().Year}
	status := http.StatusOK
	if fields != nil {
		status = http.StatusUnprocessableEntity
	}
	if agg != nil {
		sum := &Report{Format: Format2021, Year: year, Cells: agg.Cells}
		live := map[int64]bool{}
		for _, a := range agg.Live {
			live[a.ID] = true
		}
		var included []map[string]any
		for _, st := range agg.Agencies {
			row := map[string]any{"Name": st.Agency.Name, "Live": live[st.Agency.ID], "PublishedOn": st.PublishedOn}
			if st.Report != nil {
				row["Version"] = st.Report.Version
			}
			included = append(included, row)
		}
		q := url.Values{"year": {strconv.Itoa(year)}}
		for _, id := range ids {
			q.Add("agency", strconv.FormatInt(id, 10))
		}
		data["Agg"], data["Included"], data["Tables"] = agg, included, Tables(sum, true)
		data["Problems"], data["CSV"] = Format2021.Check(agg.Cells), consoleBase+"/aggregate.csv?"+q.Encode()
	} else {
		data["Tables"] = template.HTML("")
	}
	v.Data = data
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "annualreport/console_aggregate", v)
}

// consoleAggregateCSV downloads the consolidated cells: code, name, value
// (amounts in 万元), with the agencies summed and the live ones named.
func (h *Handlers) consoleAggregateCSV(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	year, _, ids, fields, err := h.aggregateInput(r)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var agg *Aggregate
	if fields == nil {
		agg, err = h.svc.Aggregate(r.Context(), p, year, ids)
		fields = apperr.FieldsOf(err)
	}
	if fields != nil {
		for _, k := range []string{"year", "agencies"} {
			if msg := fields[k]; msg != "" {
				h.app.ErrorPage(w, r, http.StatusBadRequest, msg)
				return
			}
		}
		h.app.ErrorPage(w, r, http.StatusBadRequest, "")
		return
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // for spreadsheet programs
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"单元格代码", "名称", "数值", "单位"})
	for _, code := range Format2021.Codes() {
		cw.Write([]string{code, Format2021.CellLabel(code), Format2021.Display(code, agg.Cells[code]), unit(Format2021, code)})
	}
	var names, live []string
	liveSet := map[int64]bool{}
	for _, a := range agg.Live {
		liveSet[a.ID] = true
	}
	for _, st := range agg.Agencies {
		names = append(names, csvText(st.Agency.Name))
		if liveSet[st.Agency.ID] {
			live = append(live, csvText(st.Agency.Name))
		}
	}
	cw.Write([]string{"汇总单位", strings.Join(names, "；"), strconv.Itoa(len(names)), "个"})
	if len(live) > 0 {
		cw.Write([]string{"实时数据单位", "尚未发布年度报告，数据按平台记录实时计算：" + strings.Join(live, "；"), strconv.Itoa(len(live)), "个"})
	}
	cw.Flush()
	web.NoStore(w)
	web.ServeDownload(w, fmt.Sprintf("%d年度政府信息公开工作年度报告汇总.csv", year), "text/csv; charset=utf-8", int64(buf.Len()), &buf)
}

// csvText keeps a text from being read as a formula by a spreadsheet.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
