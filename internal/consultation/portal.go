package consultation

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// SiteFunc gives the layout data of an agency's section.
type SiteFunc func(r *http.Request, agencyID int64) web.Site

// Handlers serve the consultation pages.
type Handlers struct {
	app  *web.App
	svc  *Service
	site SiteFunc
}

const formName = "consultation-comment"

// Register adds the portal, API and console routes.
func Register(app *web.App, svc *Service, site SiteFunc) (*Handlers, error) {
	if err := app.Render.AddPages("consultation", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, site: site}
	app.Handle("GET /consultations", auth.Public, h.allList, web.Summary("征求意见（全平台）"))
	app.Handle("GET /o/{slug}/consultations", auth.Public, h.list, web.Summary("征求意见"))
	app.Handle("GET /o/{slug}/consultations/feed.atom", auth.Public, h.feed, web.Summary("征求意见 Atom 订阅"))
	app.Handle("GET /o/{slug}/consultations/{id}", auth.Public, h.page, web.Summary("征求意见：草案与意见"))
	app.Handle("POST /o/{slug}/consultations/{id}/comments", auth.Public, h.comment, web.Summary("征求意见：提交意见"), web.Upload())
	app.Handle("GET /o/{slug}/consultations/{id}/count.json", auth.Public, h.count, web.Summary("Comments received so far and the time left (for the live count)"))
	app.Handle("GET /o/{slug}/consultations/{id}/feedback", auth.Public, h.feedback, web.Summary("征求意见：采纳情况反馈"))
	app.Handle("GET /o/{slug}/consultations/{id}/files/{file}", auth.Public, h.file, web.Summary("征求意见：下载起草说明或依据文件"))
	app.Handle("GET /api/v1/consultations", auth.Public, h.apiList, web.Summary("Published public consultations, open ones first"))
	app.Handle("GET /api/v1/consultations/{id}", auth.Public, h.apiOne, web.Summary("One published consultation with its clauses, counts and feedback"))
	h.registerConsole()
	return h, nil
}

func (h *Handlers) view(r *http.Request, agencyID int64, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	if agencyID != 0 && h.site != nil {
		v.Site = h.site(r, agencyID)
	}
	v.Breadcrumbs = append([]web.Crumb{{Label: "首页", URL: "/"}}, crumbs...)
	return v
}

func (h *Handlers) agencyOf(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	a, err := h.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return a, false
	}
	return a, true
}

// published loads the consultation of the path for the public.
func (h *Handlers) published(w http.ResponseWriter, r *http.Request) (AgencyRef, *Consultation, bool) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return a, nil, false
	}
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这项征求意见。")
		return a, nil, false
	}
	c, err := h.svc.Public(r.Context(), a.ID, id)
	if err != nil {
		h.app.Error(w, r, err)
		return a, nil, false
	}
	return a, c, true
}

type listPage struct {
	Agency   *AgencyRef
	Open     []publicItem
	Upcoming []publicItem
	Closed   []publicItem
}

type publicItem struct {
	ListItem
	URL    string
	Agency string
}

func (h *Handlers) listPage(r *http.Request, a *AgencyRef) (listPage, error) {
	var id int64
	if a != nil {
		id = a.ID
	}
	list, err := h.svc.PublicList(r.Context(), id)
	if err != nil {
		return listPage{}, err
	}
	d := listPage{Agency: a}
	names := map[int64]AgencyRef{}
	for _, li := range list {
		ag, ok := names[li.AgencyID]
		if !ok {
			if ag, err = h.svc.Agencies.Agency(r.Context(), li.AgencyID); err != nil {
				return d, err
			}
			names[li.AgencyID] = ag
		}
		it := publicItem{ListItem: li, URL: URL(ag.Slug, li.ID), Agency: ag.Name}
		switch li.Phase {
		case PhaseOpen:
			d.Open = append(d.Open, it)
		case PhaseUpcoming:
			d.Upcoming = append(d.Upcoming, it)
		default:
			d.Closed = append(d.Closed, it)
		}
	}
	return d, nil
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	d, err := h.listPage(r, &a)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a.ID, "征求意见", web.Crumb{Label: a.Name, URL: "/o/" + a.Slug + "/"}, web.Crumb{Label: "征求意见"})
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "consultation/portal_list", v)
}

func (h *Handlers) allList(w http.ResponseWriter, r *http.Request) {
	d, err := h.listPage(r, nil)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, 0, "征求意见", web.Crumb{Label: "征求意见"})
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "consultation/portal_list", v)
}

type pageData struct {
	Agency    AgencyRef
	C         *Consultation
	Phase     Phase
	DaysLeft  int
	Deadline  string // RFC 3339, for the countdown script
	Count     int
	PerClause map[int64]int
	Clauses   []Clause
	Files     []File
	Comments  []PublicComment
	Decision  *DecisionRef
	Token     string
	Clause    int // preselected in the form
	Options   []web.Option
}

func (h *Handlers) pageData(r *http.Request, a AgencyRef, c *Consultation) (*pageData, error) {
	ctx := r.Context()
	d := &pageData{Agency: a, C: c, Phase: c.PhaseOn(h.svc.today()), DaysLeft: c.DaysLeft(h.svc.today()),
		Deadline: c.Deadline().Format(time.RFC3339), Token: h.app.Guard.Token(formName)}
	var err error
	if d.Clauses, err = h.svc.Clauses(ctx, c.ID); err != nil {
		return nil, err
	}
	if d.Files, err = h.svc.Files(ctx, c.ID); err != nil {
		return nil, err
	}
	st, err := h.svc.Stats(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	d.Count, d.PerClause = st.Total, st.ByClause
	if d.Comments, err = h.svc.PublicComments(ctx, c.ID, 50); err != nil {
		return nil, err
	}
	if c.DecisionID != 0 && h.svc.Decisions != nil {
		if dr, err := h.svc.Decisions.PublicDecision(ctx, c.AgencyID, c.DecisionID); err == nil {
			d.Decision = &dr
		}
	}
	d.Options = []web.Option{{Value: "0", Label: "对草案整体的意见"}}
	for _, cl := range d.Clauses {
		d.Options = append(d.Options, web.Option{Value: strconv.Itoa(cl.Seq), Label: cl.Label})
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("clause")); err == nil && n > 0 && n <= len(d.Clauses) {
		d.Clause = n
	}
	return d, nil
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.published(w, r)
	if !ok {
		return
	}
	d, err := h.pageData(r, a, c)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	v := h.view(r, a.ID, c.Title, web.Crumb{Label: "征求意见", URL: "/o/" + a.Slug + "/consultations"}, web.Crumb{Label: c.Title})
	v.Form = url.Values{"clause": {strconv.Itoa(d.Clause)}}
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "consultation/portal_page", v)
}

var commentOrder = []string{"_ft", "clause", "body", "attachment", "name", "phone", "email"}

func (h *Handlers) comment(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.published(w, r)
	if !ok {
		return
	}
	web.NoStore(w)
	fail := func(status int, fields map[string]string) {
		d, err := h.pageData(r, a, c)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		v := h.view(r, a.ID, c.Title, web.Crumb{Label: "征求意见", URL: "/o/" + a.Slug + "/consultations"}, web.Crumb{Label: c.Title})
		v.Form = r.PostForm
		v.SetErrors(fields, commentOrder...)
		v.Data = d
		h.app.Render.Page(w, r, status, "consultation/portal_page", v)
	}
	if err := web.ParseForm(r); err != nil {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		fail(web.Status(apperr.CodeOf(err)), map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	if err := h.app.Guard.Check(r, formName); err != nil {
		fail(http.StatusBadRequest, map[string]string{"_ft": apperr.MessageOf(err)})
		return
	}
	in := CommentInput{Body: r.PostFormValue("body"), Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"),
		Email: r.PostFormValue("email"), Consent: r.PostFormValue("consent") == "1"}
	if s := web.Field(r, "clause"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1
		}
		in.ClauseSeq = n
	}
	var up *Upload
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["attachment"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				fail(http.StatusBadRequest, map[string]string{"attachment": "上传的文件无法读取，请重新选择。"})
				return
			}
			defer f.Close()
			up = &Upload{Name: fhs[0].Filename, Reader: f}
		}
	}
	m, err := h.svc.SubmitComment(r.Context(), a.ID, c.ID, in, web.ClientIP(r.Context()), up)
	if err != nil {
		switch {
		case apperr.FieldsOf(err) != nil:
			fail(http.StatusUnprocessableEntity, apperr.FieldsOf(err))
		case apperr.Is(err, apperr.RateLimited):
			fail(http.StatusTooManyRequests, map[string]string{"_ft": apperr.MessageOf(err)})
		case apperr.Is(err, apperr.Conflict):
			fail(http.StatusConflict, map[string]string{"_ft": apperr.MessageOf(err)})
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	v := h.view(r, a.ID, "意见已提交", web.Crumb{Label: "征求意见", URL: "/o/" + a.Slug + "/consultations"}, web.Crumb{Label: c.Title, URL: URL(a.Slug, c.ID)})
	v.Data = map[string]any{"Agency": a, "C": c, "M": m, "Email": m.Email != ""}
	h.app.Render.Page(w, r, http.StatusOK, "consultation/portal_receipt", v)
}

func (h *Handlers) count(w http.ResponseWriter, r *http.Request) {
	_, c, ok := h.published(w, r)
	if !ok {
		return
	}
	n, err := h.svc.Count(r.Context(), c.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	web.WriteJSON(w, http.StatusOK, map[string]any{"comments": n, "phase": c.PhaseOn(h.svc.today()), "phase_label": c.PhaseOn(h.svc.today()).Label(),
		"closes_at": c.Deadline().Format(time.RFC3339), "days_left": c.DaysLeft(h.svc.today())})
}

func (h *Handlers) feedback(w http.ResponseWriter, r *http.Request) {
	a, c, ok := h.published(w, r)
	if !ok {
		return
	}
	fb, err := h.svc.PublicFeedback(r.Context(), a.ID, c.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, a.ID, "采纳情况反馈："+c.Title, web.Crumb{Label: "征求意见", URL: "/o/" + a.Slug + "/consultations"},
		web.Crumb{Label: c.Title, URL: URL(a.Slug, c.ID)}, web.Crumb{Label: "采纳情况反馈"})
	v.Data = map[string]any{"Agency": a, "F": fb}
	h.app.Render.Page(w, r, http.StatusOK, "consultation/portal_feedback", v)
}

func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	_, c, ok := h.published(w, r)
	if !ok {
		return
	}
	fileID, ok := web.PathID(r, "file")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个文件。")
		return
	}
	f, rc, err := h.svc.OpenFile(r.Context(), web.Principal(r), c.ID, fileID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	defer rc.Close()
	web.ServeDownload(w, f.FileName, f.ContentType, f.Size, rc)
}

func (h *Handlers) feed(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	list, err := h.svc.PublicList(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	base := h.app.BaseURL
	self := "/o/" + a.Slug + "/consultations/feed.atom"
	f := web.AtomFeed{ID: base + self, Title: a.Name + " · 征求意见", Author: web.AtomPerson{Name: a.Name},
		Links: []web.AtomLink{{Rel: "self", Href: base + self, Type: "application/atom+xml"}, {Rel: "alternate", Href: base + "/o/" + a.Slug + "/consultations", Type: "text/html"}}}
	var updated time.Time
	for i, li := range list {
		if i == 50 {
			break
		}
		link := base + URL(a.Slug, li.ID)
		summary := "征求意见期：" + li.OpensOn.String() + " 至 " + li.ClosesOn.String()
		if li.Summary != "" {
			summary += "。" + li.Summary
		}
		f.Entries = append(f.Entries, web.AtomEntry{ID: link, Title: li.Title, Updated: web.AtomTime(li.PublishedAt),
			Link: web.AtomLink{Rel: "alternate", Href: link, Type: "text/html"}, Summary: &web.AtomText{Type: "text", Text: summary},
			Author: web.AtomPerson{Name: a.Name}})
		if li.PublishedAt.After(updated) {
			updated = li.PublishedAt
		}
	}
	web.WriteAtom(w, f, updated)
}

// ---------------------------------------------------------------- API

// JSON is a consultation in the API.
type JSON struct {
	ID          int64        `json:"id"`
	Agency      string       `json:"agency"`
	Title       string       `json:"title"`
	Summary     string       `json:"summary,omitempty"`
	Phase       Phase        `json:"phase"`
	OpensOn     civil.Date   `json:"opens_on"`
	ClosesOn    civil.Date   `json:"closes_on"`
	Days        int          `json:"days"`
	ShortReason string       `json:"short_reason,omitempty"`
	Comments    int          `json:"comments"`
	URL         string       `json:"url"`
	FeedbackURL string       `json:"feedback_url,omitempty"`
	Clauses     []ClauseJSON `json:"clauses,omitempty"`
	Explanation string       `json:"explanation,omitempty"`
}

// ClauseJSON is a clause in the API.
type ClauseJSON struct {
	Seq      int    `json:"seq"`
	Label    string `json:"label"`
	Text     string `json:"text"`
	Comments int    `json:"comments"`
}

func (h *Handlers) toJSON(a AgencyRef, li ListItem) JSON {
	j := JSON{ID: li.ID, Agency: a.Slug, Title: li.Title, Summary: li.Summary, Phase: li.PhaseOn(h.svc.today()), OpensOn: li.OpensOn,
		ClosesOn: li.ClosesOn, Days: li.Days(), ShortReason: li.ShortReason, Comments: li.Comments, URL: h.app.BaseURL + URL(a.Slug, li.ID)}
	if li.State == Answered {
		j.FeedbackURL = h.app.BaseURL + FeedbackURL(a.Slug, li.ID)
	}
	return j
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	var agencyID int64
	var only *AgencyRef
	if slug := r.URL.Query().Get("agency"); slug != "" {
		a, err := h.svc.Agencies.AgencyBySlug(r.Context(), slug)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		agencyID, only = a.ID, &a
	}
	phase := Phase(r.URL.Query().Get("phase"))
	if phase != "" && phase.Label() == "" || phase == PhaseDraft {
		h.app.Error(w, r, apperr.Invalidf("phase 只能是 upcoming、open、closed 或 answered。"))
		return
	}
	list, err := h.svc.PublicList(r.Context(), agencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := []JSON{}
	names := map[int64]AgencyRef{}
	if only != nil {
		names[only.ID] = *only
	}
	for _, li := range list {
		if phase != "" && li.Phase != phase {
			continue
		}
		a, ok := names[li.AgencyID]
		if !ok {
			if a, err = h.svc.Agencies.Agency(r.Context(), li.AgencyID); err != nil {
				h.app.Error(w, r, err)
				return
			}
			names[li.AgencyID] = a
		}
		out = append(out, h.toJSON(a, li))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"consultations": out})
}

func (h *Handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.Error(w, r, errNone)
		return
	}
	c, err := getConsultation(r.Context(), h.svc.DB.R, id)
	if down := db.Down(err); down != nil {
		h.app.Error(w, r, down)
		return
	}
	if err != nil || c.State == Draft {
		h.app.Error(w, r, errNone)
		return
	}
	a, err := h.svc.Agencies.Agency(r.Context(), c.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	st, err := h.svc.Stats(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	j := h.toJSON(a, ListItem{Consultation: c, Comments: st.Total})
	j.Explanation = c.Explanation
	clauses, err := h.svc.Clauses(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	for _, cl := range clauses {
		j.Clauses = append(j.Clauses, ClauseJSON{Seq: cl.Seq, Label: cl.Label, Text: cl.Body, Comments: st.ByClause[cl.ID]})
	}
	web.WriteJSON(w, http.StatusOK, j)
}
