package consultation

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/consultations", auth.ViewDecisions, h.consoleList, web.Summary("征求意见管理"))
	a.Handle("GET /console/consultations/new", auth.ManageConsultations, h.consoleNew, web.Summary("新建征求意见"))
	a.Handle("POST /console/consultations", auth.ManageConsultations, h.consoleCreate, web.Summary("保存新建的征求意见"))
	a.Handle("GET /console/consultations/templates", auth.ManageConsultations, h.consoleTemplates, web.Summary("答复模板"))
	a.Handle("POST /console/consultations/templates", auth.ManageConsultations, h.consoleSaveTemplates, web.Summary("保存答复模板"))
	a.Handle("GET /console/consultations/{id}", auth.ViewDecisions, h.consoleDetail, web.Summary("征求意见详情"))
	a.Handle("POST /console/consultations/{id}", auth.ManageConsultations, h.consoleSave, web.Summary("修改征求意见草稿"))
	a.Handle("POST /console/consultations/{id}/publish", auth.ManageConsultations, h.consolePublish, web.Summary("发布征求意见"))
	a.Handle("POST /console/consultations/{id}/extend", auth.ManageConsultations, h.consoleExtend, web.Summary("延长征求意见期"))
	a.Handle("POST /console/consultations/{id}/files", auth.ManageConsultations, h.consoleAddFile, web.Summary("添加起草说明或依据文件"), web.Upload())
	a.Handle("GET /console/consultations/{id}/comments", auth.ViewDecisions, h.consoleComments, web.Summary("意见列表"))
	a.Handle("POST /console/consultations/{id}/comments", auth.AnswerComments, h.consoleBulk, web.Summary("批量分组或答复意见"))
	a.Handle("POST /console/consultations/{id}/comments/moderate", auth.ModerateComments, h.consoleBulk, web.Summary("批量审核意见"))
	a.Handle("GET /console/consultations/{id}/comments/{cid}", auth.ViewDecisions, h.consoleComment, web.Summary("一条意见"))
	a.Handle("POST /console/consultations/{id}/comments/{cid}", auth.AnswerComments, h.consoleAnswerOne, web.Summary("答复一条意见"))
	a.Handle("POST /console/consultations/{id}/comments/{cid}/contact", auth.AnswerComments, h.consoleContact, web.Summary("查看意见提出人联系方式（留痕）"))
	a.Handle("GET /console/consultations/{id}/comments/{cid}/attachment", auth.AnswerComments, h.consoleAttachment, web.Summary("下载意见附件（留痕）"))
	a.Handle("GET /console/consultations/{id}/groups", auth.ViewDecisions, h.consoleGroups, web.Summary("意见分组"))
	a.Handle("POST /console/consultations/{id}/groups", auth.AnswerComments, h.consoleAcceptSuggestion, web.Summary("按建议建立意见分组"))
	a.Handle("POST /console/consultations/{id}/groups/{gid}", auth.AnswerComments, h.consoleAnswerGroup, web.Summary("答复意见分组"))
	a.Handle("GET /console/consultations/{id}/export.xlsx", auth.ViewDecisions, h.consoleExport, web.Summary("导出意见和采纳情况（XLSX）"))
	a.Handle("POST /console/consultations/{id}/feedback", auth.AnswerComments, h.consoleFeedback, web.Summary("公布采纳情况"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "consultations"
	v.Breadcrumbs = append([]web.Crumb{{Label: "征求意见", URL: "/console/consultations"}}, crumbs...)
	return v
}

// formError shows a service error beside the fields, a conflict or a
// refusal at the top; anything else is an error page.
func formFields(err error, field string) (int, map[string]string, bool) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		if f := apperr.FieldsOf(err); f != nil {
			return http.StatusUnprocessableEntity, f, true
		}
		return http.StatusUnprocessableEntity, map[string]string{field: apperr.MessageOf(err)}, true
	case apperr.Conflict:
		return http.StatusConflict, map[string]string{field: apperr.MessageOf(err)}, true
	case apperr.Forbidden:
		return http.StatusForbidden, map[string]string{field: apperr.MessageOf(err)}, true
	case apperr.RateLimited:
		return http.StatusTooManyRequests, map[string]string{field: apperr.MessageOf(err)}, true
	}
	return 0, nil, false
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.List(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "征求意见")
	v.Breadcrumbs = nil
	v.Data = map[string]any{"List": list, "CanManage": auth.Allowed(web.Principal(r), auth.ManageConsultations)}
	h.app.Render.Page(w, r, http.StatusOK, "consultation/console_list", v)
}

func (h *Handlers) decisionOptions(r *http.Request) []web.Option {
	opts := []web.Option{{Value: "0", Label: "（不属于重大行政决策）"}}
	if h.svc.Decisions == nil {
		return opts
	}
	list, err := h.svc.Decisions.Decisions(r.Context(), web.Principal(r).AgencyID)
	if err != nil {
		return opts
	}
	for _, d := range list {
		opts = append(opts, web.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Title})
	}
	return opts
}

func (h *Handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	v := h.consoleView(r, "新建征求意见", web.Crumb{Label: "新建"})
	v.Form = form
	v.SetErrors(fields, "title", "decision_id", "summary", "draft", "explanation", "opens_on", "closes_on", "short_reason")
	v.Data = &detailData{New: true, C: &Consultation{State: Draft}, Decisions: h.decisionOptions(r), Action: "/console/consultations", MinDays: MinDays}
	h.app.Render.Page(w, r, status, "consultation/console_detail", v)
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	today := h.svc.today()
	h.renderNew(w, r, http.StatusOK, url.Values{"opens_on": {today.String()}, "closes_on": {today.AddDays(MinDays - 1).String()}}, nil)
}

func fieldsFrom(r *http.Request) Fields {
	f := Fields{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), Draft: r.PostFormValue("draft"),
		Explanation: r.PostFormValue("explanation"), OpensOn: r.PostFormValue("opens_on"), ClosesOn: r.PostFormValue("closes_on"),
		ShortReason: r.PostFormValue("short_reason")}
	if s := web.Field(r, "decision_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			n = -1
		}
		f.DecisionID = n
	}
	return f
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderNew(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	c, err := h.svc.Create(r.Context(), web.Principal(r), web.Principal(r).AgencyID, fieldsFrom(r))
	if err != nil {
		if status, fields, ok := formFields(err, "title"); ok {
			h.renderNew(w, r, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/consultations/"+strconv.FormatInt(c.ID, 10)+"?flash=created", http.StatusSeeOther)
}

type detailData struct {
	New       bool
	C         *Consultation
	Phase     Phase
	DaysLeft  int
	Clauses   []Clause
	Files     []File
	Stats     Stats
	Problems  map[string]string
	Decisions []web.Option
	PublicURL string
	CanManage bool
	CanAnswer bool
	Action    string
	MinDays   int
}

func (h *Handlers) loadDetail(w http.ResponseWriter, r *http.Request) (*detailData, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这项征求意见。")
		return nil, false
	}
	p := web.Principal(r)
	c, err := h.svc.Get(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	today := h.svc.today()
	d := &detailData{C: c, Phase: c.PhaseOn(today), DaysLeft: c.DaysLeft(today), CanManage: auth.Allowed(p, auth.ManageConsultations),
		CanAnswer: auth.Allowed(p, auth.AnswerComments), Action: "/console/consultations/" + strconv.FormatInt(id, 10), MinDays: MinDays}
	if d.Clauses, err = h.svc.Clauses(r.Context(), id); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if d.Files, err = h.svc.Files(r.Context(), id); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if d.Stats, err = h.svc.Stats(r.Context(), id); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if c.State == Draft {
		d.Problems = PublishProblems(c, len(d.Clauses), today)
		d.Decisions = h.decisionOptions(r)
	}
	if a, err := h.svc.Agencies.Agency(r.Context(), c.AgencyID); err == nil {
		d.PublicURL = URL(a.Slug, id)
	}
	return d, true
}

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, d *detailData, status int, form url.Values, fields map[string]string) {
	v := h.consoleView(r, d.C.Title, web.Crumb{Label: d.C.Title})
	if form == nil {
		form = url.Values{"title": {d.C.Title}, "summary": {d.C.Summary}, "draft": {d.C.Draft}, "explanation": {d.C.Explanation},
			"opens_on": {d.C.OpensOn.String()}, "closes_on": {d.C.ClosesOn.String()}, "short_reason": {d.C.ShortReason},
			"decision_id": {strconv.FormatInt(d.C.DecisionID, 10)}, "version": {strconv.Itoa(d.C.Version)}}
		if d.C.FeedbackIntro != "" {
			form.Set("intro", d.C.FeedbackIntro)
		}
	}
	v.Form = form
	v.SetErrors(fields, "title", "decision_id", "summary", "draft", "explanation", "opens_on", "closes_on", "short_reason", "file_title", "file", "reason", "intro")
	v.Data = d
	h.app.Render.Page(w, r, status, "consultation/console_detail", v)
}

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	if d, ok := h.loadDetail(w, r); ok {
		h.renderDetail(w, r, d, http.StatusOK, nil, nil)
	}
}

// afterPost redirects on success or shows the detail page with the errors.
func (h *Handlers) afterPost(w http.ResponseWriter, r *http.Request, err error, field, flash string) {
	if err == nil {
		id, _ := web.PathID(r, "id")
		http.Redirect(w, r, "/console/consultations/"+strconv.FormatInt(id, 10)+"?flash="+flash, http.StatusSeeOther)
		return
	}
	status, fields, ok := formFields(err, field)
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	if d, ok := h.loadDetail(w, r); ok {
		form := r.PostForm
		if field != "title" {
			form = nil // keep the draft as stored
		}
		h.renderDetail(w, r, d, status, form, fields)
	}
}

func (h *Handlers) consoleSave(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	if err := web.ParseForm(r); err != nil {
		h.afterPost(w, r, err, "title", "")
		return
	}
	version, _ := strconv.Atoi(web.Field(r, "version"))
	h.afterPost(w, r, h.svc.Update(r.Context(), web.Principal(r), id, version, fieldsFrom(r)), "title", "saved")
}

func (h *Handlers) consolePublish(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	h.afterPost(w, r, h.svc.Publish(r.Context(), web.Principal(r), id), "publish", "saved")
}

func (h *Handlers) consoleExtend(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	if err := web.ParseForm(r); err != nil {
		h.afterPost(w, r, err, "reason", "")
		return
	}
	closes, err := civil.Parse(strings.TrimSpace(r.PostFormValue("new_closes_on")))
	if err != nil {
		h.afterPost(w, r, apperr.FieldErrors(map[string]string{"new_closes_on": "日期格式应为 2026-01-31。"}), "reason", "")
		return
	}
	h.afterPost(w, r, h.svc.Extend(r.Context(), web.Principal(r), id, closes, r.PostFormValue("reason")), "reason", "saved")
}

func (h *Handlers) consoleAddFile(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	if err := web.ParseForm(r); err != nil {
		h.afterPost(w, r, apperr.FieldErrors(map[string]string{"file": apperr.MessageOf(err)}), "file", "")
		return
	}
	var up Upload
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				h.afterPost(w, r, apperr.FieldErrors(map[string]string{"file": "上传的文件无法读取，请重新选择。"}), "file", "")
				return
			}
			defer f.Close()
			up = Upload{Name: fhs[0].Filename, Reader: f}
		}
	}
	if up.Reader == nil {
		h.afterPost(w, r, apperr.FieldErrors(map[string]string{"file": "请选择文件。"}), "file", "")
		return
	}
	h.afterPost(w, r, h.svc.AddFile(r.Context(), web.Principal(r), id, r.PostFormValue("file_title"), up), "file", "saved")
}

func (h *Handlers) consoleFeedback(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	if err := web.ParseForm(r); err != nil {
		h.afterPost(w, r, err, "intro", "")
		return
	}
	h.afterPost(w, r, h.svc.PublishFeedback(r.Context(), web.Principal(r), id, r.PostFormValue("intro")), "intro", "saved")
}

func (h *Handlers) consoleExport(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="consultation-%d.xlsx"`, id))
	w.Header().Set("Cache-Control", "private, no-store")
	if err := h.svc.ExportXLSX(r.Context(), web.Principal(r), id, w); err != nil {
		w.Header().Del("Content-Disposition")
		h.app.Error(w, r, err)
	}
}

// ---------------------------------------------------------------- comments

const pageSize = 50

type commentsData struct {
	C           *Consultation
	Phase       Phase
	Comments    []*Comment
	Total       int
	Stats       Stats
	Groups      []Group
	Templates   []Template
	Clauses     []web.Option
	GroupOpts   []web.Option
	Filter      CommentFilter
	Page        int
	PrevURL     string
	NextURL     string
	Answers     []web.Option
	CanAnswer   bool
	CanModerate bool
	Base        string
}

var answerOptions = []web.Option{{Value: "", Label: "请选择"}, {Value: string(Adopted), Label: "采纳"}, {Value: string(Partly), Label: "部分采纳"}, {Value: string(NotAdopted), Label: "未采纳"}}

func (h *Handlers) loadComments(w http.ResponseWriter, r *http.Request) (*commentsData, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这项征求意见。")
		return nil, false
	}
	p := web.Principal(r)
	c, err := h.svc.Get(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	q := r.URL.Query()
	f := CommentFilter{ClauseSeq: -1, Limit: pageSize}
	if s := q.Get("clause"); s != "" && s != "-1" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxClauses {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "条款筛选无效。")
			return nil, false
		}
		f.ClauseSeq = n
	}
	switch m := q.Get("moderation"); m {
	case "", string(ModPending), string(ModApproved), string(ModRejected):
		f.Moderation = m
	default:
		h.app.ErrorPage(w, r, http.StatusBadRequest, "审核状态筛选无效。")
		return nil, false
	}
	switch a := q.Get("answered"); a {
	case "", "yes", "no":
		f.Answered = a
	default:
		h.app.ErrorPage(w, r, http.StatusBadRequest, "答复状态筛选无效。")
		return nil, false
	}
	switch fl := q.Get("flag"); fl {
	case "", "duplicate", "campaign":
		f.Flag = fl
	default:
		h.app.ErrorPage(w, r, http.StatusBadRequest, "标记筛选无效。")
		return nil, false
	}
	if s := q.Get("group"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "分组筛选无效。")
			return nil, false
		}
		f.GroupID = n
	}
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		if len([]rune(s)) > 50 || web.Unreadable(s) {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "搜索词不超过 50 个字。")
			return nil, false
		}
		f.Query = s
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n < 100000 {
		page = n
	}
	f.Offset = (page - 1) * pageSize
	d := &commentsData{C: c, Phase: c.PhaseOn(h.svc.today()), Filter: f, Page: page, Answers: answerOptions,
		CanAnswer: auth.Allowed(p, auth.AnswerComments), CanModerate: auth.Allowed(p, auth.ModerateComments),
		Base: "/console/consultations/" + strconv.FormatInt(id, 10)}
	if d.Comments, d.Total, err = h.svc.Comments(r.Context(), p, id, f); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if d.Stats, err = h.svc.Stats(r.Context(), id); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if d.Groups, err = h.svc.Groups(r.Context(), p, id); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	if d.Templates, err = h.svc.Templates(r.Context(), c.AgencyID); err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	clauses, err := h.svc.Clauses(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	d.Clauses = []web.Option{{Value: "-1", Label: "全部"}, {Value: "0", Label: "整体意见"}}
	for _, cl := range clauses {
		d.Clauses = append(d.Clauses, web.Option{Value: strconv.Itoa(cl.Seq), Label: cl.Label})
	}
	d.GroupOpts = []web.Option{{Value: "0", Label: "（新建分组）"}}
	for _, g := range d.Groups {
		d.GroupOpts = append(d.GroupOpts, web.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Label})
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		return d.Base + "/comments?" + v.Encode()
	}
	if page > 1 {
		d.PrevURL = link(page - 1)
	}
	if page*pageSize < d.Total {
		d.NextURL = link(page + 1)
	}
	return d, true
}

func (h *Handlers) renderComments(w http.ResponseWriter, r *http.Request, d *commentsData, status int, fields map[string]string) {
	v := h.consoleView(r, "意见列表："+d.C.Title, web.Crumb{Label: d.C.Title, URL: d.Base}, web.Crumb{Label: "意见列表"})
	v.SetErrors(fields, "ids", "action", "reason", "group_id", "group_label", "answer", "reply")
	if status != http.StatusOK {
		v.Form = r.PostForm
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "consultation/console_comments", v)
}

func (h *Handlers) consoleComments(w http.ResponseWriter, r *http.Request) {
	if d, ok := h.loadComments(w, r); ok {
		h.renderComments(w, r, d, http.StatusOK, nil)
	}
}

// reply returns the form's reason, or the chosen template's.
func (h *Handlers) reply(r *http.Request, agencyID int64, answer Answer) (Answer, string) {
	reply := strings.TrimSpace(r.PostFormValue("reply"))
	tid, _ := strconv.ParseInt(web.Field(r, "template"), 10, 64)
	if reply == "" && tid != 0 {
		ts, _ := h.svc.Templates(r.Context(), agencyID)
		for _, t := range ts {
			if t.ID == tid {
				reply = t.Text
				if answer == "" {
					answer = t.Answer
				}
			}
		}
	}
	return answer, reply
}

func (h *Handlers) consoleBulk(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	p := web.Principal(r)
	var fields map[string]string
	status := http.StatusUnprocessableEntity
	if err := web.ParseForm(r); err != nil {
		fields = map[string]string{"ids": apperr.MessageOf(err)}
	} else {
		b := Bulk{Action: web.Field(r, "action"), Reason: r.PostFormValue("reason"), GroupLabel: r.PostFormValue("group_label")}
		// The moderation route takes moderation actions only (it is open to
		// moderators who do not answer comments).
		if strings.HasSuffix(r.URL.Path, "/moderate") && b.Action != "approve" && b.Action != "reject" {
			fields = map[string]string{"ids": "请选择“审核通过”或“不予公开”。"}
		}
		for _, s := range r.PostForm["ids"] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				fields = map[string]string{"ids": "所选意见无效。"}
				break
			}
			b.IDs = append(b.IDs, n)
		}
		b.GroupID, _ = strconv.ParseInt(web.Field(r, "group_id"), 10, 64)
		b.Answer, b.Reply = h.reply(r, p.AgencyID, Answer(web.Field(r, "answer")))
		if fields == nil {
			n, err := h.svc.Apply(r.Context(), p, id, b)
			if err == nil {
				back := r.PostFormValue("back")
				if !strings.HasPrefix(back, "/console/consultations/"+strconv.FormatInt(id, 10)+"/comments") {
					back = "/console/consultations/" + strconv.FormatInt(id, 10) + "/comments"
				}
				sep := "?"
				if strings.Contains(back, "?") {
					sep = "&"
				}
				_ = n
				http.Redirect(w, r, back+sep+"flash=saved", http.StatusSeeOther) // #nosec G710 -- back must start with this consultation's local comments path (checked above)
				return
			}
			var ok bool
			if status, fields, ok = formFields(err, "ids"); !ok {
				h.app.Error(w, r, err)
				return
			}
		}
	}
	if d, ok := h.loadComments(w, r); ok {
		h.renderComments(w, r, d, status, fields)
	}
}

func (h *Handlers) loadComment(w http.ResponseWriter, r *http.Request, contact bool) (*Consultation, *Comment, bool) {
	id, ok := web.PathID(r, "id")
	cid, ok2 := web.PathID(r, "cid")
	if !ok || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这条意见。")
		return nil, nil, false
	}
	p := web.Principal(r)
	c, err := h.svc.Get(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, nil, false
	}
	m, err := h.svc.Comment(r.Context(), p, id, cid, contact)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, nil, false
	}
	return c, m, true
}

func (h *Handlers) renderComment(w http.ResponseWriter, r *http.Request, c *Consultation, m *Comment, contact bool, status int, fields map[string]string) {
	p := web.Principal(r)
	v := h.consoleView(r, "意见 "+strconv.FormatInt(m.ID, 10), web.Crumb{Label: c.Title, URL: "/console/consultations/" + strconv.FormatInt(c.ID, 10)},
		web.Crumb{Label: "意见列表", URL: "/console/consultations/" + strconv.FormatInt(c.ID, 10) + "/comments"}, web.Crumb{Label: "意见 " + strconv.FormatInt(m.ID, 10)})
	v.SetErrors(fields, "answer", "reply")
	if status != http.StatusOK {
		v.Form = r.PostForm
	} else {
		v.Form = url.Values{"answer": {string(m.Answer)}, "reply": {m.Reply}}
	}
	ts, _ := h.svc.Templates(r.Context(), c.AgencyID)
	v.Data = map[string]any{"C": c, "M": m, "Contact": contact, "Answers": answerOptions, "Templates": ts,
		"CanAnswer": auth.Allowed(p, auth.AnswerComments) && c.State != Answered, "CanOpen": auth.Allowed(p, auth.AnswerComments),
		"Base": "/console/consultations/" + strconv.FormatInt(c.ID, 10)}
	h.app.Render.Page(w, r, status, "consultation/console_comment", v)
}

func (h *Handlers) consoleComment(w http.ResponseWriter, r *http.Request) {
	if c, m, ok := h.loadComment(w, r, false); ok {
		h.renderComment(w, r, c, m, false, http.StatusOK, nil)
	}
}

func (h *Handlers) consoleContact(w http.ResponseWriter, r *http.Request) {
	if c, m, ok := h.loadComment(w, r, true); ok {
		web.NoStore(w)
		h.renderComment(w, r, c, m, true, http.StatusOK, nil)
	}
}

func (h *Handlers) consoleAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	cid, ok2 := web.PathID(r, "cid")
	if !ok || !ok2 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个附件。")
		return
	}
	a, rc, err := h.svc.OpenAttachment(r.Context(), web.Principal(r), id, cid)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	web.ServeDownload(w, a.FileName, a.ContentType, a.Size, rc)
}

func (h *Handlers) consoleAnswerOne(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	cid, _ := web.PathID(r, "cid")
	p := web.Principal(r)
	var err error
	if err = web.ParseForm(r); err == nil {
		answer, reply := h.reply(r, p.AgencyID, Answer(web.Field(r, "answer")))
		_, err = h.svc.Apply(r.Context(), p, id, Bulk{IDs: []int64{cid}, Action: "answer", Answer: answer, Reply: reply})
	}
	if err == nil {
		http.Redirect(w, r, "/console/consultations/"+strconv.FormatInt(id, 10)+"/comments/"+strconv.FormatInt(cid, 10)+"?flash=saved", http.StatusSeeOther)
		return
	}
	status, fields, ok := formFields(err, "answer")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	if c, m, ok := h.loadComment(w, r, false); ok {
		h.renderComment(w, r, c, m, false, status, fields)
	}
}

// ---------------------------------------------------------------- groups

func (h *Handlers) renderGroups(w http.ResponseWriter, r *http.Request, status int, fields map[string]string) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	p := web.Principal(r)
	c, err := h.svc.Get(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	groups, err := h.svc.Groups(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var suggestions []Suggestion
	if c.State != Draft && c.State != Answered {
		if suggestions, err = h.svc.Suggest(r.Context(), p, id); err != nil {
			h.app.Error(w, r, err)
			return
		}
	}
	ts, _ := h.svc.Templates(r.Context(), c.AgencyID)
	v := h.consoleView(r, "意见分组："+c.Title, web.Crumb{Label: c.Title, URL: "/console/consultations/" + strconv.FormatInt(id, 10)}, web.Crumb{Label: "意见分组"})
	v.SetErrors(fields, "label", "answer", "reply", "ids")
	v.Data = map[string]any{"C": c, "Groups": groups, "Suggestions": suggestions, "Answers": answerOptions, "Templates": ts,
		"CanAnswer": auth.Allowed(p, auth.AnswerComments) && c.State != Answered, "Base": "/console/consultations/" + strconv.FormatInt(id, 10),
		"Failed": r.PostFormValue("group")}
	h.app.Render.Page(w, r, status, "consultation/console_groups", v)
}

func (h *Handlers) consoleGroups(w http.ResponseWriter, r *http.Request) {
	h.renderGroups(w, r, http.StatusOK, nil)
}

func (h *Handlers) consoleAnswerGroup(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	gid, ok := web.PathID(r, "gid")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个分组。")
		return
	}
	p := web.Principal(r)
	var err error
	if err = web.ParseForm(r); err == nil {
		answer, reply := h.reply(r, p.AgencyID, Answer(web.Field(r, "answer")))
		err = h.svc.AnswerGroup(r.Context(), p, id, gid, r.PostFormValue("label"), answer, reply)
	}
	if err == nil {
		http.Redirect(w, r, "/console/consultations/"+strconv.FormatInt(id, 10)+"/groups?flash=saved", http.StatusSeeOther)
		return
	}
	status, fields, ok := formFields(err, "label")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderGroups(w, r, status, fields)
}

func (h *Handlers) consoleAcceptSuggestion(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	var err error
	if err = web.ParseForm(r); err == nil {
		b := Bulk{Action: "group", GroupLabel: r.PostFormValue("label")}
		for _, s := range r.PostForm["ids"] {
			n, perr := strconv.ParseInt(s, 10, 64)
			if perr != nil || n <= 0 {
				err = apperr.FieldErrors(map[string]string{"ids": "所选意见无效。"})
				break
			}
			b.IDs = append(b.IDs, n)
		}
		if err == nil {
			_, err = h.svc.Apply(r.Context(), web.Principal(r), id, b)
			if f := apperr.FieldsOf(err); f != nil && f["group_label"] != "" {
				err = apperr.FieldErrors(map[string]string{"label": f["group_label"]})
			}
		}
	}
	if err == nil {
		http.Redirect(w, r, "/console/consultations/"+strconv.FormatInt(id, 10)+"/groups?flash=saved", http.StatusSeeOther)
		return
	}
	status, fields, ok := formFields(err, "ids")
	if !ok {
		h.app.Error(w, r, err)
		return
	}
	h.renderGroups(w, r, status, fields)
}

// ---------------------------------------------------------------- templates

func (h *Handlers) renderTemplates(w http.ResponseWriter, r *http.Request, status int, text string, fields map[string]string) {
	v := h.consoleView(r, "答复模板", web.Crumb{Label: "答复模板"})
	v.Form = url.Values{"templates": {text}}
	v.SetErrors(fields, "templates")
	h.app.Render.Page(w, r, status, "consultation/console_templates", v)
}

func (h *Handlers) consoleTemplates(w http.ResponseWriter, r *http.Request) {
	ts, err := h.svc.Templates(r.Context(), web.Principal(r).AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var lines []string
	for _, t := range ts {
		lines = append(lines, t.Answer.Label()+"："+t.Text)
	}
	h.renderTemplates(w, r, http.StatusOK, strings.Join(lines, "\n"), nil)
}

// ParseTemplates reads one template a line: 采纳：…, 部分采纳：…, 未采纳：….
func ParseTemplates(text string) ([]Template, map[string]string) {
	var out []Template
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var t Template
		for _, a := range []Answer{Partly, NotAdopted, Adopted} { // 部分采纳 and 未采纳 before 采纳
			for _, sep := range []string{"：", ":"} {
				if rest, ok := strings.CutPrefix(line, a.Label()+sep); ok && t.Answer == "" {
					t.Answer, t.Text = a, strings.TrimSpace(rest)
				}
			}
		}
		if t.Answer == "" || t.Text == "" {
			return nil, map[string]string{"templates": fmt.Sprintf("第 %d 行应以“采纳：”“部分采纳：”或“未采纳：”开头，后接理由。", i+1)}
		}
		out = append(out, t)
	}
	return out, nil
}

func (h *Handlers) consoleSaveTemplates(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderTemplates(w, r, web.Status(apperr.CodeOf(err)), "", map[string]string{"templates": apperr.MessageOf(err)})
		return
	}
	text := r.PostFormValue("templates")
	ts, fields := ParseTemplates(text)
	if fields == nil {
		err := h.svc.SaveTemplates(r.Context(), web.Principal(r), web.Principal(r).AgencyID, ts)
		if err == nil {
			http.Redirect(w, r, "/console/consultations/templates?flash=saved", http.StatusSeeOther)
			return
		}
		status, f, ok := formFields(err, "templates")
		if !ok {
			h.app.Error(w, r, err)
			return
		}
		h.renderTemplates(w, r, status, text, f)
		return
	}
	h.renderTemplates(w, r, http.StatusUnprocessableEntity, text, fields)
}
