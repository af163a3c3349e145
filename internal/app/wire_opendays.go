package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/openday"
	"github.com/gongkai/gongkai/internal/survey"
	"github.com/gongkai/gongkai/internal/web"
)

// The open-day capability (政府开放日, issue 8) is wired here: openOpenDays
// builds its service in the Core, registerOpenDays adds its routes, and
// loadDemoOpenDays fills the demo (demo_opendays.go).

// openDaysService names the open days' service for the Core's field.
type openDaysService = openday.Service

func (c *Core) openOpenDays() {
	// The post-event evaluation is a questionnaire of internal/survey with
	// one invitation link per attendee.
	c.OpenDays = openday.NewService(openday.Deps{DB: c.DB, Agencies: openDayAgencies{c.Agencies}, Limiter: c.Limiter, Blobs: c.Blobs,
		Version: c.Version, BaseURL: c.Config.BaseURL, Now: c.Disclosure.Now, Evaluations: openDayEvaluations{c}})
}

func (a *App) registerOpenDays(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := openday.Register(w, a.OpenDays, site)
	return err
}

// registerOpenDaysJobs adds the reminder the day before an open day (in
// the morning). To be called from registerJobs (app.go belongs to the lead
// engineer).
func (a *App) registerOpenDaysJobs() {
	a.Jobs.Daily("openday.remind", 9, 0, func(ctx context.Context) error {
		_, err := a.OpenDays.RemindDue(ctx)
		return err
	})
}

// openDayAgencies gives open days the agencies.
type openDayAgencies struct{ s *agency.Service }

func (d openDayAgencies) Agency(ctx context.Context, id int64) (openday.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return openday.AgencyRef{}, err
	}
	return openday.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d openDayAgencies) AgencyBySlug(ctx context.Context, slug string) (openday.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return openday.AgencyRef{}, err
	}
	return openday.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (c *Core) loadDemoOpenDays(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	return c.loadOpenDaysDemo(ctx, ids["mzzj"], as("mzzj.editor"), as("mzzj.handler"))
}

// openDayEvaluations makes an open day's evaluation questionnaire: open at
// once, by invitation only (one response per attendee), results public.
type openDayEvaluations struct{ c *Core }

func (e openDayEvaluations) Invite(ctx context.Context, agencyID, eventID int64, theme string, attendees []openday.Attendee) (int64, map[int64]string, error) {
	// The open-day manager's action creates the questionnaire on the
	// agency's behalf (the survey service scopes it to the agency).
	p := &auth.Principal{Username: "openday", DisplayName: "政府开放日", AgencyID: agencyID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
	sv, err := e.c.Surveys.Define(ctx, p, survey.Definition{Title: "“" + theme + "”参加人员评价", Open: true, Access: survey.Invite, PublishResults: true,
		Intro: "感谢您参加本次政府开放日活动。请对活动作出评价，您的意见将用于改进今后的活动。",
		Questions: []survey.QuestionDef{
			{Kind: survey.Scale, Title: "您对本次活动的总体满意程度", Required: true, ScaleMax: 5},
			{Kind: survey.Single, Title: "活动内容是否达到了您的预期", Required: true, Choices: []string{"超出预期", "达到预期", "未达到预期"}},
			{Kind: survey.Single, Title: "您是否愿意再次参加政府开放日", Required: true, Choices: []string{"愿意", "不确定", "不愿意"}},
			{Kind: survey.LongText, Title: "您对今后的开放日活动有什么建议"},
		}})
	if err != nil {
		return 0, nil, err
	}
	invs, err := e.c.Surveys.Invite(ctx, p, sv.ID, len(attendees))
	if err != nil {
		return 0, nil, err
	}
	links := map[int64]string{}
	for i, a := range attendees {
		if i < len(invs) {
			links[a.SignupID] = invs[i].URL
		}
	}
	return sv.ID, links, nil
}

func (e openDayEvaluations) ResultsURL(surveyID int64) string {
	return survey.ResultsURL(surveyID)
}

// Summary puts the published results in words: the mean of a scale, the
// share of each choice (most chosen first); text answers stay on the
// results page.
func (e openDayEvaluations) Summary(ctx context.Context, surveyID int64) (*openday.EvaluationSummary, error) {
	res, err := e.c.Surveys.PublicResults(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	out := &openday.EvaluationSummary{Responses: res.Responses}
	for _, q := range res.Questions {
		if q.Answered == 0 {
			continue
		}
		var text string
		switch q.Kind {
		case survey.Scale:
			text = fmt.Sprintf("平均 %s 分（满分 %d 分，%d 人作答）", q.Mean, q.ScaleMax, q.Answered)
		case survey.Single, survey.Multiple:
			counts := slices.Clone(q.Counts)
			slices.SortStableFunc(counts, func(a, b survey.Count) int { return b.N - a.N })
			var parts []string
			for _, c := range counts {
				if c.N > 0 {
					parts = append(parts, fmt.Sprintf("%s %d%%", c.Label, c.Percent))
				}
			}
			text = strings.Join(parts, "；")
		default:
			continue
		}
		out.Lines = append(out.Lines, openday.EvaluationLine{Question: q.Title, Result: text})
	}
	return out, nil
}
