package decision

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerAPI() {
	a := h.app
	a.Handle("GET /api/v1/decisions", auth.Public, h.apiList, web.Summary("Major decisions of the published decision catalogues"))
	a.Handle("GET /api/v1/decisions/{id}", auth.Public, h.apiDecision, web.Summary("One major decision with its stages, hearings, public documents and consultations"))
}

// apiPageSize is the number of decisions per page of the list.
const apiPageSize = 50

// CodeJSON is a coded value with its Chinese label.
type CodeJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// DecisionJSON is a decision in the API.
type DecisionJSON struct {
	ID                   int64              `json:"id"`
	Agency               string             `json:"agency"`
	Year                 int                `json:"year"`
	Title                string             `json:"title"`
	LeadDivision         string             `json:"lead_division"`
	LegalBasis           string             `json:"legal_basis"`
	Summary              string             `json:"summary,omitempty"`
	PlannedTiming        string             `json:"planned_timing"`
	ParticipationMethods []CodeJSON         `json:"participation_methods"`
	ExpertPlanned        bool               `json:"expert_argumentation_planned"`
	RiskPlanned          bool               `json:"risk_assessment_planned"`
	Status               CodeJSON           `json:"status"`
	InCatalogue          bool               `json:"in_catalogue"`
	RemovedOn            *civil.Date        `json:"removed_on,omitempty"`
	RemovedReason        string             `json:"removed_reason,omitempty"`
	URL                  string             `json:"url"`
	CataloguePublishedOn *civil.Date        `json:"catalogue_published_on,omitempty"`
	Stages               []StageJSON        `json:"stages,omitempty"`
	Hearings             []HearingJSON      `json:"hearings,omitempty"`
	Documents            []DocumentJSON     `json:"documents,omitempty"`
	Adjustments          []AdjustmentJSON   `json:"adjustments,omitempty"`
	Consultations        []ConsultationJSON `json:"consultations,omitempty"`
}

// StageJSON is a stage of a decision in the API.
type StageJSON struct {
	Kind              CodeJSON    `json:"kind"`
	Status            CodeJSON    `json:"status"`
	NotRequiredReason string      `json:"not_required_reason,omitempty"`
	StartedOn         *civil.Date `json:"started_on,omitempty"`
	FinishedOn        *civil.Date `json:"finished_on,omitempty"`
	ReviewDueOn       *civil.Date `json:"review_due_on,omitempty"`
	ReviewWorkingDays int         `json:"review_working_days,omitempty"`
	Method            string      `json:"method,omitempty"`
	Meeting           string      `json:"meeting,omitempty"`
	Result            *CodeJSON   `json:"result,omitempty"`
	Venue             string      `json:"venue,omitempty"`
	Link              string      `json:"link,omitempty"`
	Summary           string      `json:"summary,omitempty"`
}

// HearingJSON is a hearing or other way of hearing opinions in the API;
// participants' names are masked where the record says so.
type HearingJSON struct {
	Kind            CodeJSON      `json:"kind"`
	Title           string        `json:"title"`
	HeldOn          civil.Date    `json:"held_on"`
	HeldUntil       *civil.Date   `json:"held_until,omitempty"`
	Time            string        `json:"time,omitempty"`
	Place           string        `json:"place,omitempty"`
	AnnouncedOn     *civil.Date   `json:"announced_on,omitempty"`
	Selection       string        `json:"participant_selection,omitempty"`
	Participants    []Participant `json:"participants,omitempty"`
	MaterialsSentOn *civil.Date   `json:"materials_sent_on,omitempty"`
	RecordSigned    *bool         `json:"record_signed,omitempty"`
	RecordSignedOn  *civil.Date   `json:"record_signed_on,omitempty"`
	Summary         string        `json:"summary,omitempty"`
	Results         string        `json:"results,omitempty"`
}

// DocumentJSON is a public document in the API.
type DocumentJSON struct {
	Title       string `json:"title"`
	Stage       string `json:"stage,omitempty"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

// AdjustmentJSON is an adjustment of the catalogue in the API.
type AdjustmentJSON struct {
	Kind   CodeJSON   `json:"kind"`
	On     civil.Date `json:"on"`
	Reason string     `json:"reason"`
	Detail string     `json:"detail,omitempty"`
}

// ConsultationJSON is a consultation of a decision in the API.
type ConsultationJSON struct {
	Title       string      `json:"title"`
	URL         string      `json:"url"`
	State       string      `json:"state"`
	Opens       *civil.Date `json:"opens,omitempty"`
	Closes      *civil.Date `json:"closes,omitempty"`
	Comments    int         `json:"comments"`
	FeedbackURL string      `json:"feedback_url,omitempty"`
}

func datePtr(d civil.Date) *civil.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

func (h *Handlers) abs(path string) string {
	if path == "" || path[0] != '/' {
		return path
	}
	return h.app.BaseURL + path
}

func (h *Handlers) decisionJSON(a AgencyRef, d *MajorDecision) DecisionJSON {
	j := DecisionJSON{ID: d.ID, Agency: a.Slug, Year: d.Year, Title: d.Title, LeadDivision: d.Division, LegalBasis: d.LegalBasis,
		Summary: d.Summary, PlannedTiming: d.PlannedTiming, ParticipationMethods: []CodeJSON{}, ExpertPlanned: d.ExpertPlanned,
		RiskPlanned: d.RiskPlanned, Status: CodeJSON{string(d.Status), d.Status.Label()}, InCatalogue: d.InCatalogue,
		RemovedOn: datePtr(d.RemovedOn), RemovedReason: d.RemovedReason, URL: h.abs(decisionURL(a, d.ID))}
	for _, m := range d.Methods {
		j.ParticipationMethods = append(j.ParticipationMethods, CodeJSON{string(m), m.Label()})
	}
	return j
}

// agencyCache resolves agency IDs once per request.
type agencyCache struct {
	h *Handlers
	m map[int64]AgencyRef
}

func (c *agencyCache) get(ctx context.Context, id int64) AgencyRef {
	if a, ok := c.m[id]; ok {
		return a
	}
	a, _ := c.h.svc.Agencies.Agency(ctx, id)
	c.m[id] = a
	return a
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	fields := map[string]string{}
	f := ListFilter{Limit: apiPageSize}
	cache := &agencyCache{h: h, m: map[int64]AgencyRef{}}
	if slug := q.Get("agency"); slug != "" {
		a, err := h.svc.Agencies.AgencyBySlug(ctx, slug)
		if err != nil {
			fields["agency"] = "没有这个单位"
		} else {
			f.AgencyID = a.ID
			cache.m[a.ID] = a
		}
	}
	year, ok := readYear(r)
	if !ok {
		fields["year"] = "年度须为四位数字，例如 2026"
	}
	f.Year = year
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			fields["page"] = "页码须为正整数"
		}
		page = n
	}
	if len(fields) > 0 {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "查询参数有误", fields)
		return
	}
	f.Offset = (page - 1) * apiPageSize
	list, total, err := h.svc.PublicList(ctx, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := make([]DecisionJSON, 0, len(list))
	for _, d := range list {
		out = append(out, h.decisionJSON(cache.get(ctx, d.AgencyID), d))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": total, "page": page, "decisions": out})
}

func (h *Handlers) apiDecision(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := web.PathID(r, "id")
	if !ok {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", "没有这个决策事项", nil)
		return
	}
	det, err := h.svc.PublicDecision(ctx, 0, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, err := h.svc.Agencies.Agency(ctx, det.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	j := h.decisionJSON(a, det.MajorDecision)
	j.CataloguePublishedOn = datePtr(det.Catalogue.PublishedOn)
	for _, st := range det.Ordered() {
		if st.Kind == Evaluation && st.Status == NotStarted {
			continue
		}
		s := StageJSON{Kind: CodeJSON{string(st.Kind), st.Kind.Label()}, Status: CodeJSON{string(st.Status), st.Status.Label()},
			NotRequiredReason: st.Reason, StartedOn: datePtr(st.StartedOn), FinishedOn: datePtr(st.FinishedOn), ReviewDueOn: datePtr(st.DueOn),
			ReviewWorkingDays: st.ReviewDays, Method: st.Method, Meeting: st.Meeting, Venue: st.Venue, Link: st.Link, Summary: st.Summary}
		if st.Result != "" && st.Status == Done {
			s.Result = &CodeJSON{string(st.Result), st.Result.Label()}
		}
		j.Stages = append(j.Stages, s)
	}
	for _, hr := range det.Hearings {
		hj := HearingJSON{Kind: CodeJSON{string(hr.Kind), hr.Kind.Label()}, Title: hr.Title, HeldOn: hr.HeldOn, HeldUntil: datePtr(hr.HeldUntil),
			Time: hr.Time, Place: hr.Place, AnnouncedOn: datePtr(hr.AnnouncedOn), Selection: hr.Selection, Participants: hr.Participants,
			MaterialsSentOn: datePtr(hr.MaterialsSentOn), RecordSignedOn: datePtr(hr.RecordSignedOn), Summary: hr.Summary, Results: hr.Results}
		if hr.Kind == MethodHearing {
			signed := hr.RecordSigned
			hj.RecordSigned = &signed
		}
		j.Hearings = append(j.Hearings, hj)
	}
	for _, f := range det.Files {
		stage := ""
		if f.Stage != "" {
			stage = string(f.Stage)
		}
		j.Documents = append(j.Documents, DocumentJSON{Title: f.Title, Stage: stage, FileName: f.FileName, ContentType: f.ContentType,
			Size: f.Size, SHA256: f.SHA256, URL: h.abs(decisionURL(a, det.ID) + "/files/" + strconv.FormatInt(f.ID, 10))})
	}
	for _, adj := range det.Adjustments {
		j.Adjustments = append(j.Adjustments, AdjustmentJSON{Kind: CodeJSON{string(adj.Kind), adj.Kind.Label()}, On: adj.On, Reason: adj.Reason, Detail: adj.Detail})
	}
	for _, c := range det.Consultations {
		j.Consultations = append(j.Consultations, ConsultationJSON{Title: c.Title, URL: h.abs(c.URL), State: c.State, Opens: datePtr(c.Opens),
			Closes: datePtr(c.Closes), Comments: c.Comments, FeedbackURL: h.abs(c.FeedbackURL)})
	}
	web.WriteJSON(w, http.StatusOK, j)
}
