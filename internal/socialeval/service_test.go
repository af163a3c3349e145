package socialeval_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/socialeval"
	"github.com/gongkai/gongkai/internal/survey"
)

type directory struct {
	list      []socialeval.AgencyRef
	divisions map[int64][]socialeval.Division
}

func (d *directory) Agency(_ context.Context, id int64) (socialeval.AgencyRef, error) {
	for _, a := range d.list {
		if a.ID == id {
			return a, nil
		}
	}
	return socialeval.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) AgencyBySlug(_ context.Context, slug string) (socialeval.AgencyRef, error) {
	for _, a := range d.list {
		if a.Slug == slug {
			return a, nil
		}
	}
	return socialeval.AgencyRef{}, apperr.NotFoundf("没有这个单位")
}

func (d *directory) Divisions(_ context.Context, id int64) ([]socialeval.Division, error) {
	return d.divisions[id], nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) set(s string) {
	t, err := time.ParseInLocation("2006-01-02T15:04", s, civil.Shanghai)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type fixture struct {
	svc     *socialeval.Service
	surveys *survey.Service
	clock   *clock
	d       *db.DB
	a, b    socialeval.AgencyRef
	editor  *auth.Principal
	editorB *auth.Principal
	others  map[auth.Role]*auth.Principal
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clock: &clock{}, d: d, others: map[auth.Role]*auth.Principal{}}
	f.clock.set("2026-11-02T10:00")
	op := auth.Operator("test")
	ag := agency.NewService(d)
	a, err := ag.Create(ctx, op, agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ag.Create(ctx, op, agency.NewAgency{Slug: "b-bureau", Kind: agency.Bureau, Name: "乙局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	f.a, f.b = socialeval.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, socialeval.AgencyRef{ID: b.ID, Slug: b.Slug, Name: b.Name}
	f.surveys = survey.NewService(survey.Deps{DB: d, Now: f.clock.Now})
	f.svc = socialeval.NewService(socialeval.Deps{DB: d, Surveys: f.surveys, Now: f.clock.Now,
		Agencies: &directory{list: []socialeval.AgencyRef{f.a, f.b}, divisions: map[int64][]socialeval.Division{a.ID: {{ID: 77, Name: "办公室"}}}}})
	p := func(agencyID int64, name string, roles ...auth.Role) *auth.Principal {
		return &auth.Principal{Username: name, DisplayName: name, AgencyID: agencyID, Roles: roles, State: auth.StateActive}
	}
	f.editor, f.editorB = p(a.ID, "editor", auth.Editor), p(b.ID, "editor.b", auth.Editor)
	for _, r := range []auth.Role{auth.AgencyAdmin, auth.Approver, auth.Reviewer, auth.Handler, auth.Liaison, auth.Auditor} {
		f.others[r] = p(a.ID, string(r), r)
	}
	return f
}

// The small campaign of the hand computation (see score_test.go): groups
// A (invitation, 60) and B (public, 40); D1 (60) with L1, L2 (50 each), D2
// (40) with L3.
const (
	testGroups     = "A组 60 邀请\nB组 40 公开"
	testIndicators = "D1 60\n- L1 50\n- L2 50\nD2 40\n- L3 100"
)

func fields(year int) socialeval.Fields {
	return socialeval.Fields{Title: fmt.Sprintf("%d年度社会评议", year), Year: strconv.Itoa(year), Intro: "请评价。", Groups: testGroups, Indicators: testIndicators}
}

func (f *fixture) get(t *testing.T, id int64) *socialeval.Campaign {
	t.Helper()
	c, err := f.svc.Get(context.Background(), f.editor, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answers(values ...int) survey.Answers {
	a := survey.Answers{}
	for i, v := range values {
		a["q"+strconv.Itoa(i+1)] = []string{strconv.Itoa(v)}
	}
	return a
}

// respond submits the answers of group A (with invitation tokens) and B.
func (f *fixture) respond(t *testing.T, c *socialeval.Campaign, a, b [][]int) {
	t.Helper()
	ctx := context.Background()
	if len(a) > 0 {
		invs, err := f.svc.Invite(ctx, f.editor, c.ID, c.Groups[0].ID, len(a))
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range a {
			if _, err := f.surveys.Submit(ctx, c.Groups[0].SurveyID, survey.Submission{Answers: answers(v...), Token: invs[i].Token}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, v := range b {
		if _, err := f.surveys.Submit(ctx, c.Groups[1].SurveyID, survey.Submission{Answers: answers(v...)}); err != nil {
			t.Fatal(err)
		}
	}
}

// run takes a campaign from draft to published with the answers given.
func (f *fixture) run(t *testing.T, fl socialeval.Fields, a, b [][]int) *socialeval.Campaign {
	t.Helper()
	ctx := context.Background()
	c, err := f.svc.Create(ctx, f.editor, fl)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Open(ctx, f.editor, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	c = f.get(t, c.ID)
	f.respond(t, c, a, b)
	if err := f.svc.Close(ctx, f.editor, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	c = f.get(t, c.ID)
	if err := f.svc.SaveNarrative(ctx, f.editor, c.ID, socialeval.Narrative{Summary: "总体", Problems: "问题", Measures: "措施"}, c.Version); err != nil {
		t.Fatal(err)
	}
	c = f.get(t, c.ID)
	if err := f.svc.Publish(ctx, f.editor, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	return f.get(t, c.ID)
}

// handA and handB are the answers of the hand computation (L1, L2, L3).
var (
	handA = [][]int{{5, 3, 5}, {4, 4, 5}}
	handB = [][]int{{3, 5, 2}, {3, 4, 3}, {4, 4, 4}}
)

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Errorf("%s: %v (code %s), want %s", what, err, apperr.CodeOf(err), code)
	}
}

// TestLifecycle: draft (edits with version checks) → open (one
// questionnaire per group, locked) → responses → closed (scores stored as
// computed by hand) → narrative → published (locked).
func TestEvaluationLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c, err := f.svc.Create(ctx, f.editor, fields(2026))
		if err != nil {
			t.Fatal(err)
		}
		if c.State != socialeval.Draft || len(c.Groups) != 2 || len(c.Dimensions) != 2 || len(c.Leaves()) != 3 || c.Version != 1 {
			t.Fatalf("created: %+v", c)
		}
		// A second campaign of the same year is refused beside the year.
		_, err = f.svc.Create(ctx, f.editor, fields(2026))
		if m := apperr.FieldsOf(err); m["year"] == "" {
			t.Errorf("second campaign of 2026: %v", err)
		}
		// Edits: a stale version is refused, the current one saves.
		fl := fields(2026)
		fl.Title, fl.Version = "改过的名称", 0
		_, err = f.svc.Update(ctx, f.editor, c.ID, fl)
		wantCode(t, "stale edit", err, apperr.Conflict)
		fl.Version = c.Version
		if c, err = f.svc.Update(ctx, f.editor, c.ID, fl); err != nil || c.Title != "改过的名称" || c.Version != 2 {
			t.Fatalf("edit: %v", err)
		}
		_, err = f.svc.Update(ctx, f.editor, c.ID, fl) // the same form again
		wantCode(t, "lost update", err, apperr.Conflict)
		fl.Groups, fl.Version = "A组 60 邀请\nB组 30 公开", c.Version
		_, err = f.svc.Update(ctx, f.editor, c.ID, fl)
		if m := apperr.FieldsOf(err); !strings.Contains(m["groups"], "现为 90") {
			t.Errorf("bad groups: %v", err)
		}
		// Nothing happens before the campaign opens.
		_, err = f.svc.Invite(ctx, f.editor, c.ID, c.Groups[0].ID, 3)
		if m := apperr.FieldsOf(err); m["group"] == "" {
			t.Errorf("invite a draft: %v", err)
		}
		wantCode(t, "close a draft", f.svc.Close(ctx, f.editor, c.ID, c.Version), apperr.Conflict)
		wantCode(t, "publish a draft", f.svc.Publish(ctx, f.editor, c.ID, c.Version), apperr.Conflict)
		_, err = f.svc.AddAction(ctx, f.editor, c.ID, socialeval.ActionFields{Title: "x", Division: "办公室", DueOn: "2027-01-01"})
		if apperr.FieldsOf(err)["title"] == "" {
			t.Errorf("action of a draft: %v", err)
		}

		// Open: one questionnaire per group, scale questions per indicator.
		wantCode(t, "stale open", f.svc.Open(ctx, f.editor, c.ID, 1), apperr.Conflict)
		if err := f.svc.Open(ctx, f.editor, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, c.ID)
		if c.State != socialeval.Open || c.OpenedAt == nil {
			t.Fatalf("opened: %+v", c)
		}
		for i, g := range c.Groups {
			sv, err := f.surveys.Get(ctx, f.editor, g.SurveyID)
			if err != nil {
				t.Fatal(err)
			}
			access := []survey.Access{survey.Invite, survey.Anonymous}[i]
			if sv.State != survey.Open || sv.Access != access || len(sv.Questions) != 4 || sv.Questions[0].Title != "D1：L1" ||
				sv.Questions[2].Title != "D2：L3" || sv.Questions[0].Kind != survey.Scale || sv.Questions[0].ScaleMax != 5 ||
				!sv.Questions[0].Required || sv.Questions[3].Kind != survey.LongText || sv.Questions[3].Required {
				t.Errorf("questionnaire of %s: %+v", g.Name, sv)
			}
		}
		wantCode(t, "open twice", f.svc.Open(ctx, f.editor, c.ID, c.Version), apperr.Conflict)
		fl.Groups, fl.Version = testGroups, c.Version
		_, err = f.svc.Update(ctx, f.editor, c.ID, fl)
		wantCode(t, "edit an open campaign", err, apperr.Conflict)

		// Invitations: the public group needs none; bad counts refused.
		for name, n := range map[string]int{"zero": 0, "too many": socialeval.MaxInvitations + 1, "negative": -5} {
			_, err := f.svc.Invite(ctx, f.editor, c.ID, c.Groups[0].ID, n)
			if apperr.FieldsOf(err)["count"] == "" {
				t.Errorf("invite %s: %v", name, err)
			}
		}
		_, err = f.svc.Invite(ctx, f.editor, c.ID, c.Groups[1].ID, 3)
		if !strings.Contains(apperr.FieldsOf(err)["group"], "公开填写") {
			t.Errorf("invite the public group: %v", err)
		}
		f.respond(t, c, handA, handB)
		// A link answers once.
		invs, err := f.svc.Invitations(ctx, f.editor, c)
		if err != nil || len(invs) != 1 || len(invs[0].List) != 2 || invs[0].Used != 2 {
			t.Fatalf("invitations: %+v %v", invs, err)
		}
		_, err = f.surveys.Submit(ctx, c.Groups[0].SurveyID, survey.Submission{Answers: answers(1, 1, 1), Token: invs[0].List[0].Token})
		wantCode(t, "link used twice", err, apperr.Conflict)
		if live := f.svc.LiveResponses(ctx, f.editor, c); live[c.Groups[0].ID] != 2 || live[c.Groups[1].ID] != 3 {
			t.Errorf("live responses %v", live)
		}

		// Close: scores as by hand; the questionnaires stop.
		wantCode(t, "stale close", f.svc.Close(ctx, f.editor, c.ID, c.Version-1), apperr.Conflict)
		if err := f.svc.Close(ctx, f.editor, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, c.ID)
		if c.State != socialeval.Closed || c.Overall.String() != "80.80" || c.Groups[0].Responses != 2 || c.Groups[1].Responses != 3 {
			t.Fatalf("closed: %+v", c)
		}
		_, err = f.surveys.Submit(ctx, c.Groups[1].SurveyID, survey.Submission{Answers: answers(1, 1, 1)})
		wantCode(t, "answer after closing", err, apperr.Conflict)
		rep, err := f.svc.Report(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Overall.String() != "80.80" || rep.Responses != 5 || rep.Previous != nil || rep.OverallChange.OK ||
			rep.Dimensions[0].Score.String() != "78.67" || rep.Dimensions[1].Score.String() != "84.00" ||
			rep.Dimensions[0].ByGroup[0].String() != "80.00" || rep.Dimensions[0].ByGroup[1].String() != "76.67" ||
			rep.Dimensions[0].Indicators[0].Score.String() != "80.67" || rep.Dimensions[0].Indicators[1].Score.String() != "76.67" ||
			rep.Groups[0].Score.String() != "88.00" || rep.Groups[1].Score.String() != "70.00" || len(rep.Chart.Bars) != 2 || rep.Chart.Compare {
			t.Errorf("report: %+v", rep)
		}
		if rep.Chart.Bars[0].W != 7867*300/10000 {
			t.Errorf("bar width %d", rep.Chart.Bars[0].W)
		}

		// Narrative, then publish (not before); afterwards locked.
		wantCode(t, "publish without narrative", f.svc.Publish(ctx, f.editor, c.ID, c.Version), apperr.Conflict)
		err = f.svc.SaveNarrative(ctx, f.editor, c.ID, socialeval.Narrative{Summary: strings.Repeat("长", socialeval.MaxNarrative+1)}, c.Version)
		if apperr.FieldsOf(err)["summary"] == "" {
			t.Errorf("oversized narrative: %v", err)
		}
		if err := f.svc.SaveNarrative(ctx, f.editor, c.ID, socialeval.Narrative{Summary: "总体"}, c.Version); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, c.ID)
		wantCode(t, "publish with part of the narrative", f.svc.Publish(ctx, f.editor, c.ID, c.Version), apperr.Conflict)
		n := socialeval.Narrative{Summary: "<script>alert(1)</script>总体", Problems: "问题'; DROP TABLE evaluations;--", Measures: "措施"}
		wantCode(t, "stale narrative", f.svc.SaveNarrative(ctx, f.editor, c.ID, n, c.Version-1), apperr.Conflict)
		if err := f.svc.SaveNarrative(ctx, f.editor, c.ID, n, c.Version); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, c.ID)
		if c.Narrative != n {
			t.Errorf("narrative stored as %+v", c.Narrative)
		}
		if err := f.svc.Publish(ctx, f.editor, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, c.ID)
		if c.State != socialeval.Published || c.PublishedAt == nil {
			t.Fatalf("published: %+v", c)
		}
		if apperr.FieldsOf(f.svc.SaveNarrative(ctx, f.editor, c.ID, n, c.Version))["summary"] == "" {
			t.Error("narrative changed after publishing")
		}
		wantCode(t, "publish twice", f.svc.Publish(ctx, f.editor, c.ID, c.Version), apperr.Conflict)
		wantCode(t, "close a published campaign", f.svc.Close(ctx, f.editor, c.ID, c.Version), apperr.Conflict)
		fl.Version = c.Version
		_, err = f.svc.Update(ctx, f.editor, c.ID, fl)
		wantCode(t, "edit a published campaign", err, apperr.Conflict)
		// The snapshot does not move, even if the questionnaire is reopened
		// and answered in its own console.
		if err := f.surveys.SetState(ctx, f.editor, c.Groups[1].SurveyID, survey.Open); err != nil {
			t.Fatal(err)
		}
		f.respond(t, c, nil, [][]int{{1, 1, 1}})
		if rep, _ := f.svc.Report(ctx, f.get(t, c.ID)); rep.Overall.String() != "80.80" {
			t.Errorf("the published report changed: %s", rep.Overall)
		}
		pub, err := f.svc.Public(ctx, f.a.ID, c.ID)
		if err != nil || pub.ID != c.ID {
			t.Errorf("public: %v", err)
		}
		var audits int
		d.R.QueryRow(`SELECT count(*) FROM audit_entries WHERE action LIKE 'evaluation.%'`).Scan(&audits)
		if audits < 7 { // create, update, open, invite, close, report ×2, publish
			t.Errorf("%d audit entries", audits)
		}
	})
}

// TestYearOnYear: the report compares with the agency's published campaign
// of the year before, dimension by name; a new dimension has no change.
func TestEvaluationYearOnYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		prev := f.run(t, fields(2025), handA, handB) // 80.80; D1 78.67, D2 84.00
		fl := fields(2026)
		fl.Indicators = "D1 50\n- L1 50\n- L2 50\nD3 50\n- L4 100"
		cur := f.run(t, fl, [][]int{{5, 5, 4}}, [][]int{{4, 4, 4}}) // D1: A 100, B 80 → 92; D3: A 80, B 80 → 80; overall 86
		rep, err := f.svc.Report(ctx, cur)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Previous == nil || rep.Previous.ID != prev.ID || rep.PreviousScore.String() != "80.80" || rep.Overall.String() != "86.00" ||
			rep.OverallChange.String() != "+5.20" || rep.OverallChange.Words() != "上升 5.20" {
			t.Fatalf("overall: %+v", rep)
		}
		if d1 := rep.Dimensions[0]; d1.Score.String() != "92.00" || d1.Previous.String() != "78.67" || d1.Change.String() != "+13.33" {
			t.Errorf("D1: %+v", d1)
		}
		if d3 := rep.Dimensions[1]; d3.Previous.OK || d3.Change.OK || d3.Change.String() != "—" {
			t.Errorf("D3 has no comparison: %+v", d3)
		}
		if !rep.Chart.Compare || rep.Chart.PrevYear != 2025 || !strings.Contains(rep.Chart.Title(), "与 2025 年度的比较") {
			t.Errorf("chart %+v", rep.Chart)
		}
		// A fall shows with the minus sign.
		lower := f.run(t, fields(2027), [][]int{{3, 3, 3}}, nil)
		rep, _ = f.svc.Report(ctx, lower)
		if rep.Overall.String() != "60.00" || rep.OverallChange.String() != "−26.00" {
			t.Errorf("2027: %s %s", rep.Overall, rep.OverallChange)
		}
		// Only a published year counts: 2029 compares with nothing (2028
		// is a draft).
		if _, err := f.svc.Create(ctx, f.editor, fields(2028)); err != nil {
			t.Fatal(err)
		}
		later := f.run(t, fields(2029), [][]int{{4, 4, 4}}, nil)
		if rep, _ := f.svc.Report(ctx, later); rep.Previous != nil {
			t.Errorf("2029 compared with %d", rep.Previous.Year)
		}
		list, err := f.svc.Published(ctx, f.a.ID)
		if err != nil || len(list) != 4 || list[0].Year != 2029 || list[3].Overall.String() != "80.80" {
			t.Errorf("published list: %v", err)
		}
		pubs, open, err := f.svc.PublicList(ctx, f.a.ID)
		if err != nil || len(pubs) != 4 || len(open) != 0 {
			t.Errorf("public list: %d %d %v", len(pubs), len(open), err)
		}
	})
}

// TestActions: added after closing, done needs a note, the due list is in
// due order with its flags; the published report shows the progress.
func TestEvaluationActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := f.run(t, fields(2025), handA, handB)
		leaf := strconv.FormatInt(c.Dimensions[0].Children[1].ID, 10)
		add := func(title, due string) *socialeval.Action {
			t.Helper()
			a, err := f.svc.AddAction(ctx, f.editor, c.ID, socialeval.ActionFields{Title: title, IndicatorID: leaf, Division: "办公室", DueOn: due})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		// Today is 2026-11-02.
		later := add("以后", "2026-12-31")
		overdue := add("逾期", "2026-10-30")
		soon := add("即将到期", "2026-11-09")
		today := add("今天到期", "2026-11-02")
		if later.DivisionID != 77 {
			t.Errorf("division of the agency not recognised: %+v", later)
		}
		list, err := f.svc.DueActions(ctx, f.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, a.Title+"/"+a.Flag())
		}
		if strings.Join(got, ",") != "逾期/已逾期 3 天,今天到期/即将到期（今天到期）,即将到期/即将到期（还剩 7 天）,以后/" {
			t.Errorf("due list: %v", got)
		}
		if list[0].Indicator != "D1：L2" || list[0].Campaign != c.Title || list[0].CampaignYear != 2025 {
			t.Errorf("due list item: %+v", list[0])
		}
		if l, _ := f.svc.DueActions(ctx, f.b.ID); len(l) != 0 {
			t.Errorf("another agency's due list: %v", l)
		}
		// Done needs a note; a done date in the future is refused.
		upd := socialeval.ActionFields{Title: "逾期", Division: "自由填写的处室", DueOn: "2026-10-30", State: "done", Version: overdue.Version}
		if m := apperr.FieldsOf(f.svc.UpdateAction(ctx, f.editor, c.ID, overdue.ID, upd)); !strings.Contains(m["note"], "完成情况说明") {
			t.Errorf("done without a note: %v", m)
		}
		upd.Note, upd.DoneOn = "已完成整改。", "2026-11-03"
		if m := apperr.FieldsOf(f.svc.UpdateAction(ctx, f.editor, c.ID, overdue.ID, upd)); m["done_on"] == "" {
			t.Errorf("done tomorrow: %v", m)
		}
		upd.DoneOn = ""
		if err := f.svc.UpdateAction(ctx, f.editor, c.ID, overdue.ID, upd); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "stale action", f.svc.UpdateAction(ctx, f.editor, c.ID, overdue.ID, upd), apperr.Conflict)
		got2, err := f.svc.Action(ctx, f.editor, c.ID, overdue.ID)
		if err != nil || got2.State != socialeval.ActionDone || got2.DoneOn.String() != "2026-11-02" || got2.Division != "自由填写的处室" || got2.DivisionID != 0 ||
			got2.IndicatorID != 0 || got2.Version != 2 {
			t.Errorf("done action: %+v %v", got2, err)
		}
		if l, _ := f.svc.DueActions(ctx, f.a.ID); len(l) != 3 || l[0].ID != today.ID {
			t.Errorf("done action still due: %v", l)
		}
		// The report lists open ones by due date, then the done.
		rep, _ := f.svc.Report(ctx, c)
		if len(rep.Actions) != 4 || rep.ActionsDone != 1 || rep.Actions[3].ID != overdue.ID || rep.Actions[0].ID != today.ID {
			t.Errorf("report actions: %+v", rep.Actions)
		}
		// Reopened: back on the due list.
		upd.State, upd.Version = "open", 2
		if err := f.svc.UpdateAction(ctx, f.editor, c.ID, overdue.ID, upd); err != nil {
			t.Fatal(err)
		}
		// Bad input beside each field.
		for name, tc := range map[string]struct {
			in    socialeval.ActionFields
			field string
		}{
			"empty":            {socialeval.ActionFields{}, "title"},
			"no division":      {socialeval.ActionFields{Title: "x", DueOn: "2027-01-01"}, "division"},
			"no due date":      {socialeval.ActionFields{Title: "x", Division: "办公室"}, "due_on"},
			"bad due date":     {socialeval.ActionFields{Title: "x", Division: "办公室", DueOn: "2027-02-30"}, "due_on"},
			"bad indicator":    {socialeval.ActionFields{Title: "x", Division: "办公室", DueOn: "2027-01-01", IndicatorID: "1; DROP TABLE x"}, "indicator"},
			"other indicator":  {socialeval.ActionFields{Title: "x", Division: "办公室", DueOn: "2027-01-01", IndicatorID: "999999"}, "indicator"},
			"bad state":        {socialeval.ActionFields{Title: "x", Division: "办公室", DueOn: "2027-01-01", State: "closed"}, "state"},
			"long title":       {socialeval.ActionFields{Title: strings.Repeat("长", 201), Division: "办公室", DueOn: "2027-01-01"}, "title"},
			"two-line title":   {socialeval.ActionFields{Title: "a\nb", Division: "办公室", DueOn: "2027-01-01"}, "title"},
			"markup division":  {socialeval.ActionFields{Title: "x", Division: "<b>处</b>", DueOn: "2027-01-01"}, "division"},
			"long note":        {socialeval.ActionFields{Title: "x", Division: "办公室", DueOn: "2027-01-01", Note: strings.Repeat("长", 2001)}, "note"},
			"unreadable title": {socialeval.ActionFields{Title: "x\x00", Division: "办公室", DueOn: "2027-01-01"}, "title"},
		} {
			_, err := f.svc.AddAction(ctx, f.editor, c.ID, tc.in)
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v, want a message for %s", name, err, tc.field)
			}
		}
		_ = soon
	})
}

// TestScoping: another agency's staff get "not found"; roles without the
// permission are refused.
func TestEvaluationScoping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := f.run(t, fields(2025), handA, handB)
		a, err := f.svc.AddAction(ctx, f.editor, c.ID, socialeval.ActionFields{Title: "整改", Division: "办公室", DueOn: "2027-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Get(ctx, f.editorB, c.ID)
		wantCode(t, "get", err, apperr.NotFound)
		_, err = f.svc.Invite(ctx, f.editorB, c.ID, c.Groups[0].ID, 1)
		wantCode(t, "invite", err, apperr.NotFound)
		_, err = f.svc.AddAction(ctx, f.editorB, c.ID, socialeval.ActionFields{Title: "x", Division: "y", DueOn: "2027-01-01"})
		wantCode(t, "add action", err, apperr.NotFound)
		wantCode(t, "update action", f.svc.UpdateAction(ctx, f.editorB, c.ID, a.ID, socialeval.ActionFields{Title: "x", Division: "y", DueOn: "2027-01-01", Version: 1}), apperr.NotFound)
		wantCode(t, "narrative", f.svc.SaveNarrative(ctx, f.editorB, c.ID, socialeval.Narrative{}, c.Version), apperr.NotFound)
		wantCode(t, "publish", f.svc.Publish(ctx, f.editorB, c.ID, c.Version), apperr.NotFound)
		if list, err := f.svc.List(ctx, f.editorB); err != nil || len(list) != 0 {
			t.Errorf("B's list: %d %v", len(list), err)
		}
		if _, err := f.svc.Public(ctx, f.b.ID, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("public under another agency: %v", err)
		}
		// An action of one campaign cannot be reached through another.
		other := f.run(t, fields(2026), handA, nil)
		wantCode(t, "action via another campaign", f.svc.UpdateAction(ctx, f.editor, other.ID, a.ID,
			socialeval.ActionFields{Title: "x", Division: "y", DueOn: "2027-01-01", Version: 1}), apperr.NotFound)
		for role, p := range f.others {
			_, err := f.svc.List(ctx, p)
			allowed := role == auth.AgencyAdmin || role == auth.Approver
			if (err == nil) != allowed {
				t.Errorf("%s: %v", role, err)
			}
		}
		_, err = f.svc.Create(ctx, nil, fields(2030))
		wantCode(t, "nobody", err, apperr.Forbidden)
		_, err = f.svc.Create(ctx, &auth.Principal{Username: "root", Roles: auth.Roles{auth.PlatformAdmin}, State: auth.StateActive}, fields(2030))
		wantCode(t, "platform admin without an agency", err, apperr.Forbidden)
		// A draft and an open campaign are not public.
		draft, _ := f.svc.Create(ctx, f.editor, fields(2031))
		if _, err := f.svc.Public(ctx, f.a.ID, draft.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("draft public: %v", err)
		}
	})
}

// TestBadInput: missing, malformed, oversized and hostile input is
// refused beside its field or stored verbatim (markup is escaped when
// shown, by the templates).
func TestEvaluationBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for name, tc := range map[string]struct {
			in    socialeval.Fields
			field string
		}{
			"missing":        {socialeval.Fields{}, "title"},
			"no year":        {socialeval.Fields{Title: "t", Groups: testGroups, Indicators: testIndicators}, "year"},
			"malformed year": {socialeval.Fields{Title: "t", Year: "2O26", Groups: testGroups, Indicators: testIndicators}, "year"},
			"oversized":      {socialeval.Fields{Title: strings.Repeat("长", 50_000), Year: "2026", Groups: testGroups, Indicators: testIndicators}, "title"},
			"huge groups":    {socialeval.Fields{Title: "t", Year: "2026", Groups: strings.Repeat("组 1 邀请\n", 20_000), Indicators: testIndicators}, "groups"},
			"bad tree":       {socialeval.Fields{Title: "t", Year: "2026", Groups: testGroups, Indicators: "'; DROP TABLE evaluations;-- 100"}, "indicators"},
		} {
			_, err := f.svc.Create(ctx, f.editor, tc.in)
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v, want a message for %s", name, err, tc.field)
			}
		}
		fl := fields(2026)
		fl.Title = "<script>alert(1)</script>'; DROP TABLE evaluations;--"
		fl.Groups = "O'Brien\" 组 60 邀请\n公众 40 公开"
		c, err := f.svc.Create(ctx, f.editor, fl)
		if err != nil {
			t.Fatal(err)
		}
		c = f.get(t, c.ID)
		if c.Title != fl.Title || c.Groups[0].Name != "O'Brien\" 组" {
			t.Errorf("stored %q / %q", c.Title, c.Groups[0].Name)
		}
		if list, err := f.svc.List(ctx, f.editor); err != nil || len(list) != 1 {
			t.Errorf("list after hostile input: %v", err)
		}
		if socialeval.GroupsText(c.Groups) != "O'Brien\" 组 60 邀请\n公众 40 公开\n" || socialeval.IndicatorsText(c.Dimensions) != testIndicators+"\n" {
			t.Errorf("texts: %q %q", socialeval.GroupsText(c.Groups), socialeval.IndicatorsText(c.Dimensions))
		}
	})
}
