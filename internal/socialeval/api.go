package socialeval

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerAPI() {
	h.app.Handle("GET /api/v1/evaluations", auth.Public, h.apiList, web.Summary("Published social evaluation campaigns (社会评议)"))
	h.app.Handle("GET /api/v1/evaluations/{id}", auth.Public, h.apiCampaign,
		web.Summary("One published social evaluation: overall, dimension and group scores, year-on-year change, improvement actions"))
}

// CampaignJSON is a published campaign in the API list.
type CampaignJSON struct {
	ID          int64     `json:"id"`
	Agency      string    `json:"agency"`
	AgencyName  string    `json:"agency_name"`
	Year        int       `json:"year"`
	Title       string    `json:"title"`
	PublishedAt time.Time `json:"published_at"`
	Overall     *float64  `json:"overall"`
	URL         string    `json:"url"`
}

// ReportJSON is a published campaign's results. Scores are points 0–100
// with two decimals (an answer v on the 1–5 scale is worth v × 20); null
// where there were no answers.
type ReportJSON struct {
	CampaignJSON
	Intro      string          `json:"intro,omitempty"`
	Responses  int             `json:"responses"`
	Previous   *PreviousJSON   `json:"previous"`
	Dimensions []DimensionJSON `json:"dimensions"`
	Groups     []GroupJSON     `json:"groups"`
	Narrative  NarrativeJSON   `json:"narrative"`
	Actions    []ActionJSON    `json:"actions"`
}

// PreviousJSON is the year before's published campaign.
type PreviousJSON struct {
	ID      int64    `json:"id"`
	Year    int      `json:"year"`
	Overall *float64 `json:"overall"`
	Change  *float64 `json:"change"`
}

// GroupScoreJSON is a group's score of a dimension or an indicator.
type GroupScoreJSON struct {
	Group string   `json:"group"`
	Score *float64 `json:"score"`
}

// DimensionJSON is a dimension with its indicators.
type DimensionJSON struct {
	Name       string           `json:"name"`
	Weight     int              `json:"weight"`
	Score      *float64         `json:"score"`
	Previous   *float64         `json:"previous"`
	Change     *float64         `json:"change"`
	ByGroup    []GroupScoreJSON `json:"by_group"`
	Indicators []IndicatorJSON  `json:"indicators"`
}

// IndicatorJSON is an indicator's scores.
type IndicatorJSON struct {
	Name    string           `json:"name"`
	Weight  int              `json:"weight"`
	Score   *float64         `json:"score"`
	ByGroup []GroupScoreJSON `json:"by_group"`
}

// GroupJSON is an evaluator group's result.
type GroupJSON struct {
	Name      string   `json:"name"`
	Weight    int      `json:"weight"`
	Access    string   `json:"access"`
	Responses int      `json:"responses"`
	Score     *float64 `json:"score"`
}

// NarrativeJSON is the report's text.
type NarrativeJSON struct {
	Summary  string `json:"summary"`
	Problems string `json:"problems"`
	Measures string `json:"measures"`
}

// ActionJSON is an improvement action and its progress.
type ActionJSON struct {
	Title     string      `json:"title"`
	Indicator string      `json:"indicator,omitempty"`
	Division  string      `json:"division"`
	DueOn     civil.Date  `json:"due_on"`
	State     string      `json:"state"`
	DoneOn    *civil.Date `json:"done_on,omitempty"`
	Note      string      `json:"note,omitempty"`
}

func (h *Handlers) abs(path string) string {
	return strings.TrimRight(h.app.BaseURL, "/") + path
}

func (h *Handlers) campaignJSON(a AgencyRef, c *Campaign) CampaignJSON {
	j := CampaignJSON{ID: c.ID, Agency: a.Slug, AgencyName: a.Name, Year: c.Year, Title: c.Title, Overall: c.Overall.JSON(),
		URL: h.abs(URL(a.Slug, c.ID))}
	if c.PublishedAt != nil {
		j.PublishedAt = c.PublishedAt.UTC()
	}
	return j
}

func (h *Handlers) agencyByID(ctx context.Context, cache map[int64]AgencyRef, id int64) AgencyRef {
	if a, ok := cache[id]; ok {
		return a
	}
	a, _ := h.svc.Agencies.Agency(ctx, id)
	cache[id] = a
	return a
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cache := map[int64]AgencyRef{}
	var agencyID int64
	if slug := r.URL.Query().Get("agency"); slug != "" {
		a, err := h.svc.Agencies.AgencyBySlug(ctx, slug)
		if err != nil {
			web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询参数有误", map[string]string{"agency": "没有这个单位"})
			return
		}
		agencyID, cache[a.ID] = a.ID, a
	}
	list, err := h.svc.Published(ctx, agencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := make([]CampaignJSON, 0, len(list))
	for _, c := range list {
		out = append(out, h.campaignJSON(h.agencyByID(ctx, cache, c.AgencyID), c))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"evaluations": out})
}

func (h *Handlers) apiCampaign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := web.PathID(r, "id")
	if !ok {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", "没有这个社会评议活动。", nil)
		return
	}
	c, err := h.svc.Public(ctx, 0, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	rep, err := h.svc.Report(ctx, c)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, err := h.svc.Agencies.Agency(ctx, c.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	j := ReportJSON{CampaignJSON: h.campaignJSON(a, c), Intro: c.Intro, Responses: rep.Responses,
		Narrative:  NarrativeJSON{Summary: c.Narrative.Summary, Problems: c.Narrative.Problems, Measures: c.Narrative.Measures},
		Dimensions: []DimensionJSON{}, Groups: []GroupJSON{}, Actions: []ActionJSON{}}
	if rep.Previous != nil {
		j.Previous = &PreviousJSON{ID: rep.Previous.ID, Year: rep.Previous.Year, Overall: rep.PreviousScore.JSON(), Change: rep.OverallChange.JSON()}
	}
	byGroup := func(cells []Cell) []GroupScoreJSON {
		out := make([]GroupScoreJSON, len(cells))
		for i, cell := range cells {
			out[i] = GroupScoreJSON{Group: c.Groups[i].Name, Score: cell.JSON()}
		}
		return out
	}
	for _, d := range rep.Dimensions {
		dj := DimensionJSON{Name: d.Name, Weight: d.Weight, Score: d.Score.JSON(), Previous: d.Previous.JSON(), Change: d.Change.JSON(),
			ByGroup: byGroup(d.ByGroup), Indicators: []IndicatorJSON{}}
		for _, l := range d.Indicators {
			dj.Indicators = append(dj.Indicators, IndicatorJSON{Name: l.Name, Weight: l.Weight, Score: l.Score.JSON(), ByGroup: byGroup(l.ByGroup)})
		}
		j.Dimensions = append(j.Dimensions, dj)
	}
	for _, g := range rep.Groups {
		j.Groups = append(j.Groups, GroupJSON{Name: g.Name, Weight: g.Weight, Access: string(g.Access), Responses: g.Responses, Score: g.Score.JSON()})
	}
	for _, x := range rep.Actions {
		aj := ActionJSON{Title: x.Title, Indicator: x.Indicator, Division: x.Division, DueOn: x.DueOn, State: string(x.State)}
		if x.State == ActionDone {
			d := x.DoneOn
			aj.DoneOn, aj.Note = &d, x.Note
		}
		j.Actions = append(j.Actions, aj)
	}
	web.WriteJSON(w, http.StatusOK, j)
}
