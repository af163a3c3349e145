package survey

import (
	"net/http"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

// The public list of questionnaires (/o/{slug}/surveys) and the read-only
// API: the open questionnaires of an agency with their questions, and the
// published results.

func (h *Handlers) registerPublicList() {
	a := h.app
	a.Handle("GET /o/{slug}/surveys", auth.Public, h.portalList, web.Summary("问卷调查：正在收集的问卷和公开的结果"))
	a.Handle("GET /api/v1/surveys", auth.Public, h.apiList, web.Summary("Open questionnaires of an agency, and those with published results"))
	a.Handle("GET /api/v1/surveys/{id}", auth.Public, h.apiSurvey, web.Summary("One public questionnaire with its questions"))
	a.Handle("GET /api/v1/surveys/{id}/results", auth.Public, h.apiResults, web.Summary("The published results of a questionnaire"))
}

func (h *Handlers) portalList(w http.ResponseWriter, r *http.Request) {
	if h.svc.AgencyBySlug == nil {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	id, name, err := h.svc.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	open, results, err := h.svc.PublicList(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "问卷调查")
	if h.site != nil {
		v.Site = h.site(r, id)
	}
	slug := r.PathValue("slug")
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: "/"}, {Label: name, URL: "/o/" + slug + "/"}, {Label: "问卷调查"}}
	v.Data = map[string]any{"Name": name, "Open": open, "Results": results}
	h.app.Render.Page(w, r, http.StatusOK, "survey/portal_list", v)
}

// SurveyJSON is a questionnaire in the API.
type SurveyJSON struct {
	ID         int64          `json:"id"`
	Title      string         `json:"title"`
	Intro      string         `json:"intro,omitempty"`
	State      string         `json:"state"`
	Access     string         `json:"access"`
	OpenedAt   *time.Time     `json:"opened_at,omitempty"`
	ClosedAt   *time.Time     `json:"closed_at,omitempty"`
	Responses  int            `json:"responses"`
	URL        string         `json:"url"`
	ResultsURL string         `json:"results_url,omitempty"`
	Questions  []QuestionJSON `json:"questions,omitempty"`
}

// QuestionJSON is a question in the API.
type QuestionJSON struct {
	Seq      int      `json:"seq"`
	Kind     string   `json:"kind"`
	Title    string   `json:"title"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices,omitempty"`
	Rows     []string `json:"rows,omitempty"`
	ScaleMax int      `json:"scale_max,omitempty"`
	// ShowIf: asked only if question Seq was answered with choice Choice.
	ShowIf *Condition `json:"show_if,omitempty"`
}

func surveyJSON(v *Survey, questions bool) SurveyJSON {
	j := SurveyJSON{ID: v.ID, Title: v.Title, Intro: v.Intro, State: string(v.State), Access: string(v.Access), OpenedAt: v.OpenedAt,
		ClosedAt: v.ClosedAt, Responses: v.Responses, URL: URL(v.ID)}
	if v.PublishResults {
		j.ResultsURL = ResultsURL(v.ID)
	}
	if questions {
		for _, q := range v.Questions {
			j.Questions = append(j.Questions, QuestionJSON{Seq: q.Seq, Kind: string(q.Kind), Title: q.Title, Required: q.Required,
				Choices: q.Choices, Rows: q.Rows, ScaleMax: q.ScaleMax, ShowIf: q.ShowIf})
		}
	}
	return j
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	slug := r.URL.Query().Get("agency")
	if slug == "" || h.svc.AgencyBySlug == nil {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询参数有误", map[string]string{"agency": "请用 agency 参数指明单位标识"})
		return
	}
	id, _, err := h.svc.AgencyBySlug(r.Context(), slug)
	if err != nil {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询参数有误", map[string]string{"agency": "没有这个单位"})
		return
	}
	open, results, err := h.svc.PublicList(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := map[string][]SurveyJSON{"open": {}, "results": {}}
	for _, v := range open {
		out["open"] = append(out["open"], surveyJSON(v, false))
	}
	for _, v := range results {
		out["results"] = append(out["results"], surveyJSON(v, false))
	}
	web.WriteJSON(w, http.StatusOK, out)
}

func (h *Handlers) apiSurvey(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", "没有这份问卷", nil)
		return
	}
	v, err := h.svc.Public(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, surveyJSON(v, true))
}

// ResultJSON is a question's published result: counts per choice (scale
// value) or per matrix row; text answers are not published.
type ResultJSON struct {
	Seq      int             `json:"seq"`
	Kind     string          `json:"kind"`
	Title    string          `json:"title"`
	Answered int             `json:"answered"`
	Mean     string          `json:"mean,omitempty"`
	Counts   []CountJSON     `json:"counts,omitempty"`
	Rows     []RowResultJSON `json:"rows,omitempty"`
}

// CountJSON is a choice and how many chose it.
type CountJSON struct {
	Label   string `json:"label"`
	N       int    `json:"n"`
	Percent int    `json:"percent"`
}

// RowResultJSON is a matrix row's counts.
type RowResultJSON struct {
	Label  string      `json:"label"`
	Counts []CountJSON `json:"counts"`
}

func countsJSON(cs []Count) []CountJSON {
	out := make([]CountJSON, len(cs))
	for i, c := range cs {
		out[i] = CountJSON(c)
	}
	return out
}

func (h *Handlers) apiResults(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", "没有这份问卷", nil)
		return
	}
	res, err := h.svc.PublicResults(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := struct {
		Survey    SurveyJSON   `json:"survey"`
		Responses int          `json:"responses"`
		Questions []ResultJSON `json:"questions"`
	}{Survey: surveyJSON(res.Survey, false), Responses: res.Responses, Questions: []ResultJSON{}}
	for _, q := range res.Questions {
		if q.Kind == ShortText || q.Kind == LongText {
			out.Questions = append(out.Questions, ResultJSON{Seq: q.Seq, Kind: string(q.Kind), Title: q.Title, Answered: q.Answered})
			continue
		}
		j := ResultJSON{Seq: q.Seq, Kind: string(q.Kind), Title: q.Title, Answered: q.Answered, Mean: q.Mean, Counts: countsJSON(q.Counts)}
		for _, row := range q.Rows {
			j.Rows = append(j.Rows, RowResultJSON{Label: row.Label, Counts: countsJSON(row.Counts)})
		}
		out.Questions = append(out.Questions, j)
	}
	web.WriteJSON(w, http.StatusOK, out)
}
