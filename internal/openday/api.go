package openday

import (
	"net/http"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

// The read-only API of open days: an agency's upcoming and past events,
// and one event with its groups, summary, photos and evaluation.

func (h *Handlers) registerAPI() {
	a := h.app
	a.Handle("GET /api/v1/opendays", auth.Public, h.apiList, web.Summary("Open days of an agency: upcoming (with sign-up state) and past"))
	a.Handle("GET /api/v1/opendays/{id}", auth.Public, h.apiEvent, web.Summary("One open day with its groups, summary, photos and evaluation results"))
}

// EventJSON is an open day in the API.
type EventJSON struct {
	ID           int64       `json:"id"`
	Agency       string      `json:"agency"`
	Theme        string      `json:"theme"`
	Series       string      `json:"series,omitempty"`
	Place        string      `json:"place"`
	Agenda       string      `json:"agenda,omitempty"`
	StartsAt     time.Time   `json:"starts_at"`
	EndsAt       time.Time   `json:"ends_at"`
	SignupOpens  time.Time   `json:"signup_opens"`
	SignupCloses time.Time   `json:"signup_closes"`
	Capacity     int         `json:"capacity"`
	SeatsLeft    *int        `json:"seats_left,omitempty"` // first come only
	Selection    CodeJSON    `json:"selection"`
	State        CodeJSON    `json:"state"`
	Signup       CodeJSON    `json:"signup"`
	URL          string      `json:"url"`
	Groups       []GroupJSON `json:"groups,omitempty"`
	Selected     []string    `json:"selected,omitempty"` // masked names, once published
	Summary      string      `json:"summary,omitempty"`
	Photos       []PhotoJSON `json:"photos,omitempty"`
	Evaluation   *EvalJSON   `json:"evaluation,omitempty"`
}

// CodeJSON is a coded value with its Chinese label.
type CodeJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// GroupJSON is a participant group.
type GroupJSON struct {
	Name      string `json:"name"`
	Quota     int    `json:"quota"`
	SeatsLeft *int   `json:"seats_left,omitempty"`
}

// PhotoJSON is a photo of the summary.
type PhotoJSON struct {
	URL     string `json:"url"`
	Alt     string `json:"alt"`
	Caption string `json:"caption,omitempty"`
}

// EvalJSON is the attendees' evaluation in brief.
type EvalJSON struct {
	Responses  int              `json:"responses"`
	ResultsURL string           `json:"results_url"`
	Lines      []EvaluationLine `json:"lines"`
}

func (h *Handlers) eventJSON(a AgencyRef, e *Event) EventJSON {
	now := h.svc.Now()
	phase := e.SignupPhase(now)
	state := CodeJSON{string(e.State), e.State.Label()}
	j := EventJSON{ID: e.ID, Agency: a.Slug, Theme: e.Theme, Series: e.Series, Place: e.Place, Agenda: e.Agenda, StartsAt: e.StartsAt,
		EndsAt: e.EndsAt, SignupOpens: e.SignupOpens, SignupCloses: e.SignupCloses, Capacity: e.Capacity,
		Selection: CodeJSON{string(e.Selection), e.Selection.Label()}, State: state, Signup: CodeJSON{string(phase), phase.Label()}, URL: URL(a.Slug, e.ID)}
	if e.State != Published {
		j.Signup = CodeJSON{string(PhaseClosed), PhaseClosed.Label()}
	}
	if e.Selection == FirstCome {
		left := e.Left()
		j.SeatsLeft = &left
	}
	return j
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	slug := r.URL.Query().Get("agency")
	if slug == "" {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询参数有误", map[string]string{"agency": "请用 agency 参数指明单位标识"})
		return
	}
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), slug)
	if err != nil {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询参数有误", map[string]string{"agency": "没有这个单位"})
		return
	}
	up, past, err := h.svc.PublicList(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := map[string][]EventJSON{"upcoming": {}, "past": {}}
	for _, e := range up {
		out["upcoming"] = append(out["upcoming"], h.eventJSON(a, e))
	}
	for _, e := range past {
		out["past"] = append(out["past"], h.eventJSON(a, e))
	}
	web.WriteJSON(w, http.StatusOK, out)
}

func (h *Handlers) apiEvent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := web.PathID(r, "id")
	if !ok {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", "没有这个开放日活动", nil)
		return
	}
	e, err := getEvent(ctx, h.svc.DB.R, id)
	if err == nil && e.State == Draft {
		err = errNone
	}
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, err := h.svc.Agencies.Agency(ctx, e.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d, err := h.pageData(r, a, e)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	j := h.eventJSON(a, e)
	for _, g := range e.Groups {
		gj := GroupJSON{Name: g.Name, Quota: g.Quota}
		if e.Selection == FirstCome {
			left := g.Left()
			gj.SeatsLeft = &left
		}
		j.Groups = append(j.Groups, gj)
	}
	j.Selected = d.Selected
	if e.State == Done {
		j.Summary = e.Summary
		for _, p := range d.Photos {
			j.Photos = append(j.Photos, PhotoJSON{URL: PhotoURL(a.Slug, e.ID, p.ID), Alt: p.Alt, Caption: p.Caption})
		}
		if d.Eval != nil {
			j.Evaluation = &EvalJSON{Responses: d.Eval.Responses, ResultsURL: d.Eval.URL, Lines: d.Eval.Lines}
		}
	}
	web.NoStore(w)
	web.WriteJSON(w, http.StatusOK, j)
}
