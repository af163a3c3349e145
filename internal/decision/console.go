package decision

import (
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/decisions", auth.ViewDecisions, h.consoleList, web.Summary("重大行政决策：决策事项目录"))
	a.Handle("GET /console/decisions/new", auth.ManageDecisions, h.consoleNew, web.Summary("新增决策事项"))
	a.Handle("POST /console/decisions", auth.ManageDecisions, h.consoleCreate, web.Summary("保存新增的决策事项"))
	a.Handle("POST /console/decisions/publish-catalogue", auth.ManageDecisions, h.consolePublish, web.Summary("公布年度决策事项目录"))
	a.Handle("GET /console/decisions/{id}", auth.ViewDecisions, h.consoleDetail, web.Summary("决策事项详情：各阶段、听取意见、材料、办理记录"))
	a.Handle("GET /console/decisions/{id}/edit", auth.ManageDecisions, h.consoleEdit, web.Summary("修改决策事项"))
	a.Handle("POST /console/decisions/{id}", auth.ManageDecisions, h.consoleUpdate, web.Summary("保存决策事项的修改"))
	a.Handle("POST /console/decisions/{id}/remove", auth.ManageDecisions, h.consoleRemove, web.Summary("将决策事项调整出目录"))
	a.Handle("GET /console/decisions/{id}/stages/{kind}", auth.ManageDecisions, h.consoleStage, web.Summary("登记决策阶段"))
	a.Handle("POST /console/decisions/{id}/stages/{kind}", auth.ManageDecisions, h.consoleSaveStage, web.Summary("保存决策阶段"))
	a.Handle("GET /console/decisions/{id}/hearings/new", auth.ManageDecisions, h.consoleNewHearing, web.Summary("登记听证会、座谈会等"))
	a.Handle("POST /console/decisions/{id}/hearings", auth.ManageDecisions, h.consoleAddHearing, web.Summary("保存听取意见记录"))
	a.Handle("GET /console/decisions/{id}/hearings/{hearing}", auth.ManageDecisions, h.consoleHearing, web.Summary("修改听取意见记录"))
	a.Handle("POST /console/decisions/{id}/hearings/{hearing}", auth.ManageDecisions, h.consoleUpdateHearing, web.Summary("保存听取意见记录的修改"))
	a.Handle("POST /console/decisions/{id}/files", auth.ManageDecisions, h.consoleUpload, web.Summary("上传决策材料"), web.Upload())
	a.Handle("POST /console/decisions/{id}/files/{file}/delete", auth.ManageDecisions, h.consoleDeleteFile, web.Summary("删除决策材料"))
	a.Handle("GET /console/decisions/{id}/files/{file}", auth.ViewDecisions, h.consoleFile, web.Summary("下载决策材料（留痕）"))
	a.Handle("GET /console/decisions/{id}/archive.zip", auth.ViewDecisions, h.consoleArchive, web.Summary("导出决策档案（ZIP，留痕）"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "decisions"
	v.Breadcrumbs = append([]web.Crumb{{Label: "重大行政决策", URL: "/console/decisions"}}, crumbs...)
	return v
}

const msgDate = "日期格式应为 2026-01-31。"

// dateField reads a date field; a malformed one puts a message into fields.
func dateField(r *http.Request, fields map[string]string, name string) civil.Date {
	s := web.Field(r, name)
	if s == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(s)
	if err != nil || len(s) != 10 {
		fields[name] = msgDate
		return civil.Date{}
	}
	return d
}

func intField(r *http.Request, name string) int {
	n, _ := strconv.Atoi(web.Field(r, name))
	return n
}

// merge adds b's messages to a, b winning (b are parse errors, more
// precise than "missing").
func merge(a, b map[string]string) map[string]string {
	if a == nil {
		a = map[string]string{}
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}

// formError turns a service error into field messages for the form; ok is
// false for errors that deserve an error page.
func formError(err error, key string) (map[string]string, int, bool) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.TooLarge:
		if f := apperr.FieldsOf(err); f != nil {
			return f, http.StatusUnprocessableEntity, true
		}
		return map[string]string{key: apperr.MessageOf(err)}, web.Status(apperr.CodeOf(err)), true
	case apperr.Conflict:
		return map[string]string{key: apperr.MessageOf(err)}, http.StatusConflict, true
	}
	return nil, 0, false
}

func (h *Handlers) divisions(r *http.Request, agencyID int64) []web.Option {
	return web.OptionRows(r.Context(), h.svc.DB.R, "请选择", "SELECT id, name FROM divisions WHERE agency_id = $1 ORDER BY sort_order, id", agencyID)
}

func (h *Handlers) staffOptions(r *http.Request, agencyID int64) []web.Option {
	return web.OptionRows(r.Context(), h.svc.DB.R, "（不指定）", `SELECT id, CASE WHEN display_name = '' THEN username ELSE display_name END
		FROM staff_users WHERE agency_id = $1 AND disabled = FALSE ORDER BY 2, 1`, agencyID)
}

func statusOptions(first string) []web.Option {
	out := []web.Option{{Value: "", Label: first}}
	for _, s := range Statuses {
		out = append(out, web.Option{Value: string(s), Label: s.Label()})
	}
	return out
}

// ---------------------------------------------------------------- list

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	year, ok := readYear(r)
	if !ok {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "年度无效。")
		return
	}
	st := Status(r.URL.Query().Get("status"))
	if st != "" && !st.Valid() {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "状态无效。")
		return
	}
	h.renderList(w, r, year, st, http.StatusOK, nil)
}

func (h *Handlers) renderList(w http.ResponseWriter, r *http.Request, year int, st Status, status int, fields map[string]string) {
	p := web.Principal(r)
	ctx := r.Context()
	if year == 0 {
		year = h.svc.today().Year
	}
	ys, err := h.svc.Years(ctx, p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	list, total, err := h.svc.List(ctx, p, ListFilter{Year: year, Status: st})
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	cat, err := h.svc.Catalogue(ctx, p, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var yearOpts []web.Option
	for _, y := range mergeYears(append(ys, year)) {
		yearOpts = append(yearOpts, web.Option{Value: strconv.Itoa(y), Label: strconv.Itoa(y) + " 年"})
	}
	v := h.consoleView(r, "重大行政决策事项目录")
	v.SetErrors(fields, "published_on", "note", "year")
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	a, _ := h.svc.Agencies.Agency(ctx, p.AgencyID)
	v.Data = map[string]any{"Year": year, "Years": yearOpts, "Status": string(st), "Statuses": statusOptions("全部状态"), "List": list,
		"Total": total, "Catalogue": cat, "Today": h.svc.today().String(), "CanManage": auth.Allowed(p, auth.ManageDecisions),
		"PortalURL": catalogueURL(a) + "?year=" + strconv.Itoa(year)}
	h.app.Render.Page(w, r, status, "decision/console_list", v)
}

func (h *Handlers) consolePublish(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderList(w, r, 0, "", web.Status(apperr.CodeOf(err)), map[string]string{"note": apperr.MessageOf(err)})
		return
	}
	parse := map[string]string{}
	year, err := strconv.Atoi(web.Field(r, "year"))
	if err != nil || year < 2000 || year > 2999 {
		parse["year"] = "目录年度无效。"
		year = 0
	}
	on := dateField(r, parse, "published_on")
	if len(parse) == 0 {
		err := h.svc.PublishCatalogue(r.Context(), web.Principal(r), year, on, r.PostFormValue("note"))
		if err == nil {
			http.Redirect(w, r, "/console/decisions?year="+strconv.Itoa(year)+"&flash=saved", http.StatusSeeOther)
			return
		}
		fields, status, ok := formError(err, "note")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderList(w, r, year, "", status, fields)
		return
	}
	h.renderList(w, r, year, "", http.StatusUnprocessableEntity, parse)
}

// ---------------------------------------------------------------- entry form

func entryForm(d *MajorDecision) url.Values {
	f := url.Values{"year": {strconv.Itoa(d.Year)}, "title": {d.Title}, "division": {strconv.FormatInt(d.DivisionID, 10)},
		"legal_basis": {d.LegalBasis}, "summary": {d.Summary}, "planned_timing": {d.PlannedTiming}, "version": {strconv.Itoa(d.Version)}}
	for _, m := range d.Methods {
		f.Add("methods", string(m))
	}
	if d.ExpertPlanned {
		f.Set("expert_planned", "1")
	}
	if d.RiskPlanned {
		f.Set("risk_planned", "1")
	}
	return f
}

func entryFromForm(r *http.Request, parse map[string]string) Entry {
	in := Entry{Title: r.PostFormValue("title"), DivisionID: web.FieldID(r, "division"), LegalBasis: r.PostFormValue("legal_basis"),
		Summary: r.PostFormValue("summary"), PlannedTiming: r.PostFormValue("planned_timing"), ExpertPlanned: r.PostFormValue("expert_planned") == "1",
		RiskPlanned: r.PostFormValue("risk_planned") == "1", AdjustReason: r.PostFormValue("adjust_reason")}
	if s := web.Field(r, "year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			parse["year"] = "请填写四位数字的年度，例如 2026。"
		}
		in.Year = n
	}
	if s := web.Field(r, "division"); s != "" && in.DivisionID == 0 {
		parse["division"] = "请选择本单位的处室。"
	}
	for _, m := range r.PostForm["methods"] {
		in.Methods = append(in.Methods, Method(m))
	}
	in.AdjustedOn = dateField(r, parse, "adjusted_on")
	return in
}

var entryOrder = []string{"year", "title", "division", "legal_basis", "summary", "planned_timing", "methods", "adjusted_on", "adjust_reason"}

func (h *Handlers) renderEntry(w http.ResponseWriter, r *http.Request, d *MajorDecision, form url.Values, status int, fields map[string]string) {
	p := web.Principal(r)
	title := "新增决策事项"
	crumbs := []web.Crumb{{Label: "新增"}}
	year := h.svc.today().Year
	if d != nil {
		title = "修改：" + d.Title
		crumbs = []web.Crumb{{Label: d.Title, URL: "/console/decisions/" + strconv.FormatInt(d.ID, 10)}, {Label: "修改"}}
		year = d.Year
	} else if y, err := strconv.Atoi(form.Get("year")); err == nil && y >= 2000 && y <= 2999 {
		year = y
	}
	v := h.consoleView(r, title, crumbs...)
	v.Form = form
	v.SetErrors(fields, entryOrder...)
	cat, _ := h.svc.Catalogue(r.Context(), p, year)
	var methods []web.Option
	for _, m := range Methods {
		methods = append(methods, web.Option{Value: string(m), Label: m.Label()})
	}
	v.Data = map[string]any{"D": d, "Divisions": h.divisions(r, p.AgencyID), "Methods": methods, "Catalogue": cat,
		"Today": h.svc.today().String(), "Year": year}
	h.app.Render.Page(w, r, status, "decision/console_entry", v)
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	year := h.svc.today().Year
	if y, ok := readYear(r); ok && y != 0 {
		year = y
	}
	h.renderEntry(w, r, nil, url.Values{"year": {strconv.Itoa(year)}, "adjusted_on": {h.svc.today().String()}}, http.StatusOK, nil)
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderEntry(w, r, nil, url.Values{}, web.Status(apperr.CodeOf(err)), map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	parse := map[string]string{}
	in := entryFromForm(r, parse)
	if len(parse) > 0 {
		h.renderEntry(w, r, nil, r.PostForm, http.StatusUnprocessableEntity, merge(in.Validate(h.svc.today()), parse))
		return
	}
	d, err := h.svc.Create(r.Context(), web.Principal(r), in)
	if err != nil {
		fields, status, ok := formError(err, "title")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderEntry(w, r, nil, r.PostForm, status, fields)
		return
	}
	http.Redirect(w, r, "/console/decisions/"+strconv.FormatInt(d.ID, 10)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) load(w http.ResponseWriter, r *http.Request) (*MajorDecision, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个决策事项。")
		return nil, false
	}
	d, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return d, true
}

func (h *Handlers) consoleEdit(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	form := entryForm(d)
	form.Set("adjusted_on", h.svc.today().String())
	h.renderEntry(w, r, d, form, http.StatusOK, nil)
}

func (h *Handlers) consoleUpdate(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderEntry(w, r, d, entryForm(d), web.Status(apperr.CodeOf(err)), map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	parse := map[string]string{}
	in := entryFromForm(r, parse)
	in.Year = d.Year
	form := r.PostForm
	form.Set("year", strconv.Itoa(d.Year))
	if len(parse) > 0 {
		h.renderEntry(w, r, d, form, http.StatusUnprocessableEntity, merge(in.Validate(h.svc.today()), parse))
		return
	}
	if _, err := h.svc.Update(r.Context(), web.Principal(r), d.ID, intField(r, "version"), in); err != nil {
		fields, status, ok := formError(err, "title")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderEntry(w, r, d, form, status, fields)
		return
	}
	http.Redirect(w, r, "/console/decisions/"+strconv.FormatInt(d.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

// ---------------------------------------------------------------- detail

type detailData struct {
	*Detail
	CanManage bool
	Today     string
	PortalURL string
	// StageOptions and HearingOp are the upload form's choices.
	StageOptions []web.Option
	HearingOp    []web.Option
}

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, id int64, status int, fields map[string]string) {
	p := web.Principal(r)
	det, err := h.svc.Detail(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, det.Title, web.Crumb{Label: strconv.Itoa(det.Year) + " 年目录", URL: "/console/decisions?year=" + strconv.Itoa(det.Year)},
		web.Crumb{Label: det.Title})
	v.SetErrors(fields, "removed_on", "removed_reason", "file", "title", "stage", "hearing")
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	d := &detailData{Detail: det, CanManage: auth.Allowed(p, auth.ManageDecisions), Today: h.svc.today().String()}
	if det.Catalogue.Published {
		if a, err := h.svc.Agencies.Agency(r.Context(), det.AgencyID); err == nil {
			d.PortalURL = decisionURL(a, det.ID)
		}
	}
	d.StageOptions = []web.Option{{Value: "", Label: "事项（不属于某一阶段）"}}
	for _, k := range StageKinds {
		d.StageOptions = append(d.StageOptions, web.Option{Value: string(k), Label: k.Label()})
	}
	d.HearingOp = []web.Option{{Value: "", Label: "（无）"}}
	for _, hr := range det.Hearings {
		d.HearingOp = append(d.HearingOp, web.Option{Value: strconv.FormatInt(hr.ID, 10), Label: hr.Kind.Label() + "：" + hr.Title})
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "decision/console_decision", v)
}

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个决策事项。")
		return
	}
	h.renderDetail(w, r, id, http.StatusOK, nil)
}

func (h *Handlers) consoleRemove(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderDetail(w, r, d.ID, web.Status(apperr.CodeOf(err)), map[string]string{"removed_reason": apperr.MessageOf(err)})
		return
	}
	parse := map[string]string{}
	on := dateField(r, parse, "removed_on")
	if len(parse) > 0 {
		h.renderDetail(w, r, d.ID, http.StatusUnprocessableEntity, parse)
		return
	}
	if err := h.svc.Remove(r.Context(), web.Principal(r), d.ID, intField(r, "version"), on, r.PostFormValue("removed_reason")); err != nil {
		fields, status, ok := formError(err, "removed_reason")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderDetail(w, r, d.ID, status, fields)
		return
	}
	http.Redirect(w, r, "/console/decisions/"+strconv.FormatInt(d.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

// ---------------------------------------------------------------- stages

func stageForm(st Stage, version int) url.Values {
	f := url.Values{"status": {string(st.Status)}, "started_on": {st.StartedOn.String()}, "finished_on": {st.FinishedOn.String()},
		"due_on": {st.DueOn.String()}, "responsible": {st.Responsible}, "summary": {st.Summary}, "reason": {st.Reason},
		"method": {st.Method}, "meeting": {st.Meeting}, "result": {string(st.Result)}, "dissent": {st.Dissent}, "venue": {st.Venue},
		"link": {st.Link}, "version": {strconv.Itoa(version)}}
	if st.ResponsibleUserID != 0 {
		f.Set("responsible_user", strconv.FormatInt(st.ResponsibleUserID, 10))
	}
	return f
}

func stageFromForm(r *http.Request, kind StageKind, parse map[string]string) Stage {
	st := Stage{Kind: kind, Status: StageStatus(web.Field(r, "status")), Responsible: r.PostFormValue("responsible"),
		ResponsibleUserID: web.FieldID(r, "responsible_user"), Summary: r.PostFormValue("summary"), Reason: r.PostFormValue("reason"),
		Method: r.PostFormValue("method"), Meeting: r.PostFormValue("meeting"), Result: Result(web.Field(r, "result")),
		Dissent: r.PostFormValue("dissent"), Venue: r.PostFormValue("venue"), Link: web.Field(r, "link")}
	if s := web.Field(r, "responsible_user"); s != "" && st.ResponsibleUserID == 0 {
		parse["responsible_user"] = "请选择本单位的工作人员。"
	}
	st.StartedOn = dateField(r, parse, "started_on")
	st.FinishedOn = dateField(r, parse, "finished_on")
	st.DueOn = dateField(r, parse, "due_on")
	return st
}

var stageOrder = []string{"status", "reason", "started_on", "due_on", "finished_on", "responsible_user", "responsible", "method", "meeting",
	"result", "dissent", "venue", "link", "summary"}

func (h *Handlers) loadStage(w http.ResponseWriter, r *http.Request) (*Detail, StageKind, bool) {
	id, ok := web.PathID(r, "id")
	kind := StageKind(r.PathValue("kind"))
	if !ok || !kind.Valid() {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个决策阶段。")
		return nil, "", false
	}
	det, err := h.svc.Detail(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, "", false
	}
	return det, kind, true
}

func (h *Handlers) renderStage(w http.ResponseWriter, r *http.Request, det *Detail, kind StageKind, form url.Values, status int, fields map[string]string) {
	v := h.consoleView(r, kind.Label()+"："+det.Title, web.Crumb{Label: det.Title, URL: "/console/decisions/" + strconv.FormatInt(det.ID, 10)},
		web.Crumb{Label: kind.Label()})
	v.Form = form
	v.SetErrors(fields, stageOrder...)
	var statuses []web.Option
	for _, s := range StageStatuses {
		if s == NotRequired && kind.Mandatory() {
			continue
		}
		statuses = append(statuses, web.Option{Value: string(s), Label: s.Label()})
	}
	results := []web.Option{{Value: "", Label: "请选择"}}
	for _, x := range Results {
		results = append(results, web.Option{Value: string(x), Label: x.Label()})
	}
	v.Data = map[string]any{"D": det, "Kind": kind, "Stage": det.Stages[kind], "Statuses": statuses, "Results": results,
		"Staff": h.staffOptions(r, det.AgencyID), "Today": h.svc.today().String(), "MinReviewDays": MinLegalityReviewDays}
	h.app.Render.Page(w, r, status, "decision/console_stage", v)
}

func (h *Handlers) consoleStage(w http.ResponseWriter, r *http.Request) {
	det, kind, ok := h.loadStage(w, r)
	if !ok {
		return
	}
	h.renderStage(w, r, det, kind, stageForm(det.Stages[kind], det.Version), http.StatusOK, nil)
}

func (h *Handlers) consoleSaveStage(w http.ResponseWriter, r *http.Request) {
	det, kind, ok := h.loadStage(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderStage(w, r, det, kind, stageForm(det.Stages[kind], det.Version), web.Status(apperr.CodeOf(err)), map[string]string{"status": apperr.MessageOf(err)})
		return
	}
	parse := map[string]string{}
	st := stageFromForm(r, kind, parse)
	if len(parse) > 0 {
		var fields map[string]string
		if cal, err := h.svc.Calendar.Calendar(r.Context()); err == nil {
			probe := st
			fields = probe.Validate(h.svc.today(), cal)
		}
		h.renderStage(w, r, det, kind, r.PostForm, http.StatusUnprocessableEntity, merge(fields, parse))
		return
	}
	if _, err := h.svc.SaveStage(r.Context(), web.Principal(r), det.ID, intField(r, "version"), st); err != nil {
		fields, status, ok := formError(err, "status")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderStage(w, r, det, kind, r.PostForm, status, fields)
		return
	}
	http.Redirect(w, r, "/console/decisions/"+strconv.FormatInt(det.ID, 10)+"?flash=saved#stage-"+string(kind), http.StatusSeeOther) // #nosec G710 -- a local path with a number and a stage kind
}

// ---------------------------------------------------------------- hearings

func hearingForm(hr *Hearing) url.Values {
	f := url.Values{"kind": {string(hr.Kind)}, "title": {hr.Title}, "held_on": {hr.HeldOn.String()}, "held_until": {hr.HeldUntil.String()},
		"time": {hr.Time}, "place": {hr.Place}, "announced_on": {hr.AnnouncedOn.String()}, "selection": {hr.Selection},
		"participants": {FormatParticipants(hr.Participants)}, "materials_sent_on": {hr.MaterialsSentOn.String()},
		"record_signed_on": {hr.RecordSignedOn.String()}, "summary": {hr.Summary}, "results": {hr.Results}}
	if hr.MaskNames {
		f.Set("mask_names", "1")
	}
	if hr.RecordSigned {
		f.Set("record_signed", "1")
	}
	return f
}

func hearingFromForm(r *http.Request, parse map[string]string) *Hearing {
	hr := &Hearing{Kind: Method(web.Field(r, "kind")), Title: r.PostFormValue("title"), Time: r.PostFormValue("time"), Place: r.PostFormValue("place"),
		Selection: r.PostFormValue("selection"), Participants: ParseParticipants(r.PostFormValue("participants")),
		MaskNames: r.PostFormValue("mask_names") == "1", RecordSigned: r.PostFormValue("record_signed") == "1",
		Summary: r.PostFormValue("summary"), Results: r.PostFormValue("results")}
	hr.HeldOn = dateField(r, parse, "held_on")
	hr.HeldUntil = dateField(r, parse, "held_until")
	hr.AnnouncedOn = dateField(r, parse, "announced_on")
	hr.MaterialsSentOn = dateField(r, parse, "materials_sent_on")
	hr.RecordSignedOn = dateField(r, parse, "record_signed_on")
	return hr
}

var hearingOrder = []string{"kind", "title", "held_on", "held_until", "time", "place", "announced_on", "selection", "participants",
	"materials_sent_on", "record_signed", "record_signed_on", "summary", "results"}

func (h *Handlers) renderHearing(w http.ResponseWriter, r *http.Request, d *MajorDecision, hr *Hearing, form url.Values, status int, fields map[string]string) {
	title, crumb, action := "登记听取意见情况", "登记听取意见情况", "/console/decisions/"+strconv.FormatInt(d.ID, 10)+"/hearings"
	if hr != nil {
		title, crumb = "修改："+hr.Title, hr.Title
		action += "/" + strconv.FormatInt(hr.ID, 10)
	}
	v := h.consoleView(r, title, web.Crumb{Label: d.Title, URL: "/console/decisions/" + strconv.FormatInt(d.ID, 10)}, web.Crumb{Label: crumb})
	v.Form = form
	v.SetErrors(fields, hearingOrder...)
	kinds := []web.Option{{Value: "", Label: "请选择"}}
	for _, k := range HearingKinds {
		kinds = append(kinds, web.Option{Value: string(k), Label: k.Label()})
	}
	v.Data = map[string]any{"D": d, "H": hr, "Kinds": kinds, "Action": action, "Today": h.svc.today().String()}
	h.app.Render.Page(w, r, status, "decision/console_hearing", v)
}

func (h *Handlers) consoleNewHearing(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	form := url.Values{"mask_names": {"1"}}
	if k := Method(r.URL.Query().Get("kind")); k.IsHearingKind() {
		form.Set("kind", string(k))
	}
	h.renderHearing(w, r, d, nil, form, http.StatusOK, nil)
}

func (h *Handlers) saveHearing(w http.ResponseWriter, r *http.Request, d *MajorDecision, old *Hearing) {
	if err := web.ParseForm(r); err != nil {
		h.renderHearing(w, r, d, old, url.Values{}, web.Status(apperr.CodeOf(err)), map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	parse := map[string]string{}
	hr := hearingFromForm(r, parse)
	if len(parse) > 0 {
		probe := *hr
		h.renderHearing(w, r, d, old, r.PostForm, http.StatusUnprocessableEntity, merge(probe.Validate(h.svc.today()), parse))
		return
	}
	var err error
	if old == nil {
		err = h.svc.AddHearing(r.Context(), web.Principal(r), d.ID, hr)
	} else {
		hr.ID = old.ID
		err = h.svc.UpdateHearing(r.Context(), web.Principal(r), d.ID, hr)
	}
	if err != nil {
		fields, status, ok := formError(err, "title")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderHearing(w, r, d, old, r.PostForm, status, fields)
		return
	}
	http.Redirect(w, r, "/console/decisions/"+strconv.FormatInt(d.ID, 10)+"?flash=saved#hearings", http.StatusSeeOther)
}

func (h *Handlers) consoleAddHearing(w http.ResponseWriter, r *http.Request) {
	if d, ok := h.load(w, r); ok {
		h.saveHearing(w, r, d, nil)
	}
}

func (h *Handlers) loadHearing(w http.ResponseWriter, r *http.Request) (*MajorDecision, *Hearing, bool) {
	id, ok1 := web.PathID(r, "id")
	hid, ok2 := web.PathID(r, "hearing")
	if !ok1 || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这条听取意见记录。")
		return nil, nil, false
	}
	d, hr, err := h.svc.Hearing(r.Context(), web.Principal(r), id, hid)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, nil, false
	}
	return d, hr, true
}

func (h *Handlers) consoleHearing(w http.ResponseWriter, r *http.Request) {
	if d, hr, ok := h.loadHearing(w, r); ok {
		h.renderHearing(w, r, d, hr, hearingForm(hr), http.StatusOK, nil)
	}
}

func (h *Handlers) consoleUpdateHearing(w http.ResponseWriter, r *http.Request) {
	if d, hr, ok := h.loadHearing(w, r); ok {
		h.saveHearing(w, r, d, hr)
	}
}

// ---------------------------------------------------------------- files

func (h *Handlers) consoleUpload(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderDetail(w, r, d.ID, web.Status(apperr.CodeOf(err)), map[string]string{"file": apperr.MessageOf(err)})
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	meta := FileMeta{Title: r.PostFormValue("title"), Stage: StageKind(web.Field(r, "stage")), HearingID: web.FieldID(r, "hearing"),
		Public: r.PostFormValue("public") == "1"}
	var up Upload
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				h.renderDetail(w, r, d.ID, http.StatusBadRequest, map[string]string{"file": "上传的文件无法读取，请重新选择。"})
				return
			}
			defer f.Close()
			up = Upload{Name: web.UploadName(fhs[0]), Reader: f}
		} else if len(fhs) > 0 {
			up = Upload{Name: web.UploadName(fhs[0]), Reader: strings.NewReader("")}
		}
	}
	if up.Reader == nil {
		fields := map[string]string{"file": "请选择要上传的文件。"}
		h.renderDetail(w, r, d.ID, http.StatusUnprocessableEntity, fields)
		return
	}
	if _, err := h.svc.AddFile(r.Context(), web.Principal(r), d.ID, meta, up); err != nil {
		fields, status, ok := formError(err, "file")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderDetail(w, r, d.ID, status, fields)
		return
	}
	http.Redirect(w, r, "/console/decisions/"+strconv.FormatInt(d.ID, 10)+"?flash=saved#files", http.StatusSeeOther)
}

func (h *Handlers) consoleDeleteFile(w http.ResponseWriter, r *http.Request) {
	id, ok1 := web.PathID(r, "id")
	fid, ok2 := web.PathID(r, "file")
	if !ok1 || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份材料。")
		return
	}
	if err := h.svc.RemoveFile(r.Context(), web.Principal(r), id, fid); err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/decisions/"+strconv.FormatInt(id, 10)+"?flash=deleted#files", http.StatusSeeOther)
}

func (h *Handlers) consoleFile(w http.ResponseWriter, r *http.Request) {
	id, ok1 := web.PathID(r, "id")
	fid, ok2 := web.PathID(r, "file")
	if !ok1 || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份材料。")
		return
	}
	f, rc, err := h.svc.OpenFile(r.Context(), web.Principal(r), id, fid)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	web.ServeDownload(w, f.FileName, f.ContentType, f.Size, rc)
}

// consoleArchive builds the ZIP in a temporary file first, so that a
// failure gives an error page rather than half a download.
func (h *Handlers) consoleArchive(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	tmp, err := os.CreateTemp("", "gongkai-decision-*.zip")
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := h.svc.Archive(r.Context(), web.Principal(r), d.ID, tmp); err != nil {
		h.app.Error(w, r, err)
		return
	}
	size, err := tmp.Seek(0, 2)
	if err == nil {
		_, err = tmp.Seek(0, 0)
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.ServeDownload(w, ArchiveName(d), "application/zip", size, tmp)
}
