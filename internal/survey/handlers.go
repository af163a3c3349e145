package survey

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the questionnaire pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

const formName = "survey-response"

// Register adds the public and console routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("survey", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /surveys/{id}", auth.Public, h.form, web.Summary("问卷：填写"))
	app.Handle("POST /surveys/{id}", auth.Public, h.submit, web.Summary("问卷：提交答卷"))
	app.Handle("GET /surveys/{id}/results", auth.Public, h.publicResults, web.Summary("问卷：公开的统计结果"))
	h.registerPublicList()

	app.Handle("GET /console/surveys", auth.ManageSurveys, h.consoleList, web.Summary("问卷"))
	app.Handle("GET /console/surveys/new", auth.ManageSurveys, h.consoleNew, web.Summary("新建问卷"))
	app.Handle("POST /console/surveys", auth.ManageSurveys, h.consoleCreate, web.Summary("保存新建的问卷"))
	app.Handle("GET /console/surveys/{id}", auth.ManageSurveys, h.consoleDetail, web.Summary("问卷：设置、题目和邀请链接"))
	app.Handle("POST /console/surveys/{id}", auth.ManageSurveys, h.consoleUpdate, web.Summary("保存问卷的修改"))
	app.Handle("POST /console/surveys/{id}/open", auth.ManageSurveys, h.consoleState(Open), web.Summary("问卷：开始收集"))
	app.Handle("POST /console/surveys/{id}/close", auth.ManageSurveys, h.consoleState(Closed), web.Summary("问卷：结束收集"))
	app.Handle("POST /console/surveys/{id}/invitations", auth.ManageSurveys, h.consoleInvite, web.Summary("问卷：生成邀请链接"))
	app.Handle("GET /console/surveys/{id}/results", auth.ManageSurveys, h.consoleResults, web.Summary("问卷：统计结果"))
	app.Handle("GET /console/surveys/{id}/export.xlsx", auth.ManageSurveys, h.consoleExport, web.Summary("问卷：导出全部答卷（XLSX）"))
	return h, nil
}

// ---------------------------------------------------------------- public

type formData struct {
	S       *Survey
	Token   string // the invitation token
	Guard   string
	Fields  []fieldData
	Closed  bool
	Results bool // results are published
}

// fieldData is a question as the form renders it, with its submitted value
// and error.
type fieldData struct {
	Question
	Condition string
	Error     string
	Selected  map[string]bool // by field value (matrix: "row:choice")
	Text      string
}

func (h *Handlers) publicView(r *http.Request, v *Survey, title string) *web.View {
	pv := h.app.NewView(r, title)
	if h.site != nil {
		pv.Site = h.site(r, v.AgencyID)
	}
	pv.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: v.Title}}
	return pv
}

func (h *Handlers) load(w http.ResponseWriter, r *http.Request) (*Survey, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份问卷。")
		return nil, false
	}
	v, err := h.svc.Public(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return v, true
}

func (h *Handlers) formData(v *Survey, token string, form url.Values, errs map[string]string) *formData {
	d := &formData{S: v, Token: token, Guard: h.app.Guard.Token(formName), Closed: v.State != Open, Results: v.PublishResults}
	for _, q := range v.Questions {
		f := fieldData{Question: q, Condition: q.ConditionText(v.Questions), Error: errs[q.Field()], Selected: map[string]bool{}}
		for _, s := range form[q.Field()] {
			f.Selected[s] = true
		}
		for r := range q.Rows {
			for _, s := range form[q.Field()+"_"+strconv.Itoa(r+1)] {
				f.Selected[strconv.Itoa(r+1)+":"+s] = true
			}
		}
		if q.Kind == ShortText || q.Kind == LongText {
			f.Text = form.Get(q.Field())
		}
		d.Fields = append(d.Fields, f)
	}
	return d
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request) {
	v, ok := h.load(w, r)
	if !ok {
		return
	}
	web.NoStore(w)
	token := r.URL.Query().Get("t")
	if v.State == Open {
		if err := h.svc.CheckToken(r.Context(), v, token); err != nil {
			h.app.Error(w, r, err)
			return
		}
	}
	pv := h.publicView(r, v, v.Title)
	pv.Form = url.Values{}
	pv.Data = h.formData(v, token, url.Values{}, nil)
	h.app.Render.Page(w, r, http.StatusOK, "survey/portal_form", pv)
}

func (h *Handlers) submit(w http.ResponseWriter, r *http.Request) {
	v, ok := h.load(w, r)
	if !ok {
		return
	}
	web.NoStore(w)
	token := r.URL.Query().Get("t")
	fail := func(status int, fields map[string]string) {
		pv := h.publicView(r, v, v.Title)
		form := r.PostForm
		if form == nil {
			form = url.Values{}
		}
		pv.Form = form
		var order []string
		for _, q := range v.Questions {
			order = append(order, q.Field())
		}
		pv.SetErrors(fields, append([]string{"_ft"}, append(order, "name", "contact")...)...)
		// The list at the top names the question; the message beside it
		// need not.
		pv.ErrorList = nil
		if m := fields["_ft"]; m != "" {
			pv.ErrorList = append(pv.ErrorList, m)
		}
		for _, q := range v.Questions {
			if m := fields[q.Field()]; m != "" {
				pv.ErrorList = append(pv.ErrorList, fmt.Sprintf("第 %d 题：%s", q.Seq, m))
			}
		}
		for _, k := range []string{"name", "contact"} {
			if m := fields[k]; m != "" {
				pv.ErrorList = append(pv.ErrorList, m)
			}
		}
		pv.Data = h.formData(v, token, form, fields)
		h.app.Render.Page(w, r, status, "survey/portal_form", pv)
	}
	if err := web.ParseForm(r); err != nil {
		fail(web.Status(apperr.CodeOf(err)), map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	if t := r.PostFormValue("t"); t != "" {
		token = t
	}
	if err := h.app.Guard.Check(r, formName); err != nil {
		fail(http.StatusBadRequest, map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	ans := Answers{}
	for k, vals := range r.PostForm {
		if strings.HasPrefix(k, "q") {
			ans[k] = vals
		}
	}
	_, err := h.svc.Submit(r.Context(), v.ID, Submission{Answers: ans, Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact"),
		Token: token, IP: web.ClientIP(r.Context())})
	if err != nil {
		switch {
		case apperr.FieldsOf(err) != nil:
			fail(http.StatusUnprocessableEntity, apperr.FieldsOf(err))
		case apperr.Is(err, apperr.Conflict), apperr.Is(err, apperr.Forbidden):
			h.app.ErrorPage(w, r, web.Status(apperr.CodeOf(err)), apperr.MessageOf(err))
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	pv := h.publicView(r, v, "答卷已提交")
	pv.Data = v
	h.app.Render.Page(w, r, http.StatusOK, "survey/portal_thanks", pv)
}

func (h *Handlers) publicResults(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份问卷。")
		return
	}
	res, err := h.svc.PublicResults(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	pv := h.publicView(r, res.Survey, res.Survey.Title+"：统计结果")
	pv.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: res.Survey.Title, URL: URL(id)}, {Label: "统计结果"}}
	pv.Data = chartsOf(res)
	h.app.Render.Page(w, r, http.StatusOK, "survey/portal_results", pv)
}

// ---------------------------------------------------------------- charts

// Bar is a horizontal bar of a chart, laid out for the SVG.
type Bar struct {
	Count
	Short       string // the label cut to fit the chart (the table has it whole)
	Y, W, TextY int
}

// Chart is a question's (or a matrix row's) bar chart.
type Chart struct {
	ID     string
	Title  string
	Bars   []Bar
	Height int
}

type chartQuestion struct {
	QuestionResult
	Charts []Chart
}

type chartsData struct {
	R         *Results
	Questions []chartQuestion
}

const barMax = 240 // px of the longest possible bar (100 %)

func chart(id, title string, counts []Count) Chart {
	c := Chart{ID: id, Title: title}
	for i, n := range counts {
		c.Bars = append(c.Bars, Bar{Count: n, Short: clip(n.Label, 12), Y: i*24 + 4, W: n.Percent * barMax / 100, TextY: i*24 + 19})
	}
	c.Height = len(counts)*24 + 8
	return c
}

func chartsOf(res *Results) *chartsData {
	d := &chartsData{R: res}
	for _, q := range res.Questions {
		cq := chartQuestion{QuestionResult: q}
		id := "chart-" + strconv.Itoa(q.Seq)
		switch {
		case len(q.Counts) > 0:
			cq.Charts = append(cq.Charts, chart(id, q.Title, q.Counts))
		case len(q.Rows) > 0:
			for i, row := range q.Rows {
				cq.Charts = append(cq.Charts, chart(id+"-"+strconv.Itoa(i+1), row.Label, row.Counts))
			}
		}
		d.Questions = append(d.Questions, cq)
	}
	return d
}

// ---------------------------------------------------------------- console

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "surveys"
	v.Breadcrumbs = append([]web.Crumb{{Label: "问卷", URL: "/console/surveys"}}, crumbs...)
	return v
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.List(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "问卷")
	v.Breadcrumbs = nil
	v.Data = list
	h.app.Render.Page(w, r, http.StatusOK, "survey/console_list", v)
}

type editData struct {
	S           *Survey
	Format      string
	Accesses    []web.Option
	Invitations []Invitation
	Used        int
	Editable    bool
}

func accessOptions() []web.Option {
	var out []web.Option
	for _, a := range Accesses {
		out = append(out, web.Option{Value: string(a), Label: a.Label()})
	}
	return out
}

var editOrder = []string{"title", "intro", "access", "questions"}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	v := h.consoleView(r, "新建问卷", web.Crumb{Label: "新建"})
	v.Form = url.Values{"access": {string(Anonymous)}}
	v.Data = &editData{Format: QuestionFormat, Accesses: accessOptions(), Editable: true}
	h.app.Render.Page(w, r, http.StatusOK, "survey/console_edit", v)
}

// definitionOf reads the settings form; a questions parse error is a field
// message.
func definitionOf(r *http.Request, withQuestions bool) (Definition, map[string]string) {
	d := Definition{Title: r.PostFormValue("title"), Intro: r.PostFormValue("intro"), Access: Access(r.PostFormValue("access")),
		PublishResults: r.PostFormValue("publish") == "1"}
	f := map[string]string{}
	if withQuestions {
		qs, err := ParseQuestions(r.PostFormValue("questions"))
		if err != nil {
			f["questions"] = err.Error()
		}
		d.Questions = qs
	}
	return d, f
}

func (h *Handlers) editFail(w http.ResponseWriter, r *http.Request, s *Survey, status int, fields map[string]string) {
	title := "新建问卷"
	if s != nil {
		title = "修改问卷"
	}
	v := h.consoleView(r, title, web.Crumb{Label: title})
	v.Form = r.PostForm
	if v.Form == nil {
		v.Form = url.Values{}
	}
	v.SetErrors(fields, editOrder...)
	d := &editData{S: s, Format: QuestionFormat, Accesses: accessOptions(), Editable: s == nil || s.State == Draft}
	v.Data = d
	h.app.Render.Page(w, r, status, "survey/console_edit", v)
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.editFail(w, r, nil, web.Status(apperr.CodeOf(err)), map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	def, f := definitionOf(r, true)
	if len(f) > 0 {
		if g := checkDefinition(&def); len(g) > 0 {
			for k, m := range g {
				if f[k] == "" {
					f[k] = m
				}
			}
		}
		h.editFail(w, r, nil, http.StatusUnprocessableEntity, f)
		return
	}
	s, err := h.svc.Define(r.Context(), web.Principal(r), def)
	if err != nil {
		if fs := apperr.FieldsOf(err); fs != nil {
			h.editFail(w, r, nil, http.StatusUnprocessableEntity, fs)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/surveys/"+strconv.FormatInt(s.ID, 10)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) scoped(w http.ResponseWriter, r *http.Request) (*Survey, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这份问卷。")
		return nil, false
	}
	s, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return s, true
}

func (h *Handlers) detailData(r *http.Request, s *Survey) (*editData, error) {
	d := &editData{S: s, Format: QuestionFormat, Accesses: accessOptions(), Editable: s.State == Draft}
	var err error
	if d.Invitations, err = h.svc.Invitations(r.Context(), web.Principal(r), s.ID); err != nil {
		return nil, err
	}
	for _, inv := range d.Invitations {
		if inv.Used() {
			d.Used++
		}
	}
	return d, nil
}

func surveyForm(s *Survey) url.Values {
	f := url.Values{"title": {s.Title}, "intro": {s.Intro}, "access": {string(s.Access)}, "questions": {FormatQuestions(s.Questions)},
		"version": {strconv.Itoa(s.Version)}}
	if s.PublishResults {
		f.Set("publish", "1")
	}
	return f
}

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	s, ok := h.scoped(w, r)
	if !ok {
		return
	}
	d, err := h.detailData(r, s)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, s.Title, web.Crumb{Label: s.Title})
	v.Form = surveyForm(s)
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "survey/console_edit", v)
}

func (h *Handlers) detailFail(w http.ResponseWriter, r *http.Request, s *Survey, status int, fields map[string]string) {
	d, err := h.detailData(r, s)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, s.Title, web.Crumb{Label: s.Title})
	v.Form = surveyForm(s)
	if r.PostForm.Has("title") || r.PostForm.Has("questions") { // the settings form: show what was sent
		v.Form = r.PostForm
	}
	v.SetErrors(fields, append(editOrder, "n", "_state")...)
	v.Data = d
	h.app.Render.Page(w, r, status, "survey/console_edit", v)
}

func (h *Handlers) consoleUpdate(w http.ResponseWriter, r *http.Request) {
	s, ok := h.scoped(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.detailFail(w, r, s, web.Status(apperr.CodeOf(err)), map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	replace := s.State == Draft && r.PostForm.Has("questions")
	def, f := definitionOf(r, replace)
	if len(f) > 0 {
		h.detailFail(w, r, s, http.StatusUnprocessableEntity, f)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if err := h.svc.Update(r.Context(), web.Principal(r), s.ID, version, def, replace); err != nil {
		switch {
		case apperr.FieldsOf(err) != nil:
			h.detailFail(w, r, s, http.StatusUnprocessableEntity, apperr.FieldsOf(err))
		case apperr.Is(err, apperr.Conflict):
			h.detailFail(w, r, s, http.StatusConflict, map[string]string{"title": apperr.MessageOf(err)})
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/console/surveys/"+strconv.FormatInt(s.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) consoleState(to State) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.scoped(w, r)
		if !ok {
			return
		}
		if err := h.svc.SetState(r.Context(), web.Principal(r), s.ID, to); err != nil {
			if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
				h.detailFail(w, r, s, web.Status(c), map[string]string{"_state": apperr.MessageOf(err)})
				return
			}
			h.app.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/console/surveys/"+strconv.FormatInt(s.ID, 10)+"?flash=saved", http.StatusSeeOther)
	}
}

func (h *Handlers) consoleInvite(w http.ResponseWriter, r *http.Request) {
	s, ok := h.scoped(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.detailFail(w, r, s, web.Status(apperr.CodeOf(err)), map[string]string{"n": apperr.MessageOf(err)})
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("n")))
	if err != nil {
		h.detailFail(w, r, s, http.StatusUnprocessableEntity, map[string]string{"n": "请填写要生成的邀请链接个数（1 至 1000）。"})
		return
	}
	if _, err := h.svc.Invite(r.Context(), web.Principal(r), s.ID, n); err != nil {
		if fs := apperr.FieldsOf(err); fs != nil {
			h.detailFail(w, r, s, http.StatusUnprocessableEntity, fs)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/surveys/"+strconv.FormatInt(s.ID, 10)+"?flash=created#invitations", http.StatusSeeOther)
}

func (h *Handlers) consoleResults(w http.ResponseWriter, r *http.Request) {
	s, ok := h.scoped(w, r)
	if !ok {
		return
	}
	res, err := h.svc.Results(r.Context(), web.Principal(r), s.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, s.Title+"：统计结果", web.Crumb{Label: s.Title, URL: "/console/surveys/" + strconv.FormatInt(s.ID, 10)}, web.Crumb{Label: "统计结果"})
	v.Data = chartsOf(res)
	h.app.Render.Page(w, r, http.StatusOK, "survey/console_results", v)
}

func (h *Handlers) consoleExport(w http.ResponseWriter, r *http.Request) {
	s, ok := h.scoped(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := h.svc.Export(r.Context(), web.Principal(r), s.ID, &buf); err != nil {
		h.app.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="survey-`+strconv.FormatInt(s.ID, 10)+`.xlsx"`)
	web.NoStore(w)
	w.Write(buf.Bytes())
}
