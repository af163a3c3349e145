package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/pubstats"
)

func init() {
	matrixParts = append(matrixParts, map[string]string{
		"GET /o/{slug}/statistics":               public,
		"GET /o/{slug}/statistics.csv":           public,
		"GET /o/{slug}/statistics.json":          public,
		"GET /o/{slug}/open-data":                public,
		"GET /o/{slug}/open-data/catalogue.csv":  public,
		"GET /o/{slug}/open-data/catalogue.json": public,
	})
}

// The planted agency and the personal data its records carry (which no
// public statistic or export may show).
const (
	psSlug        = "ps-bureau"
	psApplicant   = "欧阳申请"
	psApplicantID = "11010519491231002X"
	psPhone       = "13812345678"
	psWriter      = "司马来信"
	psWriterPhone = "13911112222"
	psCommenter   = "comment.writer@example.com"
	psDraftTitle  = "统计页不应出现的草稿"
	psWithdrawn   = "统计页不应出现的撤回信息"
)

// plantStatistics gives a new agency a hand-countable year 2025 through
// the services (see each block for the expected figures).
func plantStatistics(t *testing.T, e *apptest.Env) agency.Agency {
	t.Helper()
	ctx := context.Background()
	op := auth.Operator("test")
	ag, err := e.App.Agencies.Create(ctx, op, agency.NewAgency{Slug: psSlug, Kind: agency.Bureau, Name: "统计测试局"}, agency.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	as := func(name string, role auth.Role) *auth.Principal {
		u := e.AddUser(psSlug, name, role)
		return &auth.Principal{UserID: u.ID, Username: name, DisplayName: name, AgencyID: ag.ID, Roles: auth.Roles{role}, State: auth.StateActive}
	}
	editor, approver, handler := as("ps.editor", auth.Editor), as("ps.approver", auth.Approver), as("ps.handler", auth.Handler)

	// Items: 2025 has five public ones — January 2, March 2 (one of them
	// superseded, still public), December 1; 政策文件 holds 4, 其他法定公开
	// 信息 2 (one item is in both). One more in 2024; one withdrawn and one
	// draft, never counted or listed.
	row := func(n int, title, on string, cols ...string) disclosure.ImportRow {
		return disclosure.ImportRow{Line: n, Agency: psSlug, IndexNumber: fmt.Sprintf("PS/%s-%02d", on[:4], n), Title: title, Publisher: "统计测试局办公室",
			DocNumber: fmt.Sprintf("统测发〔%s〕%d号", on[:4], n), SignedOn: on, PublishedOn: on, Columns: cols, Genre: "通知", FivePublics: []string{"result"}, Body: "正文"}
	}
	rows := []disclosure.ImportRow{
		row(1, "一月政策一", "2025-01-06", "zcwj"),
		row(2, "一月政策二", "2025-01-20", "zcwj"),
		row(3, "三月两栏目信息", "2025-03-03", "zcwj", "qtxx"),
		row(4, "年末其他信息", "2025-12-31", "qtxx"),
		row(5, psWithdrawn, "2025-03-04", "qtxx"),
		row(6, "=1+1 上年信息", "2024-12-31", "zcwj"),
		row(7, "三月被替代的政策", "2025-03-03", "zcwj"),
	}
	if rep, err := e.App.Disclosure.Import(ctx, op, rows, psSlug, t.TempDir()); err != nil || rep.Created != len(rows) {
		t.Fatalf("import %+v %v", rep, err)
	}
	itemID := func(n int, year string) int64 {
		var id int64
		if err := e.App.DB.R.QueryRow("SELECT id FROM items WHERE index_number = $1", fmt.Sprintf("PS/%s-%02d", year, n)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	if err := e.App.Disclosure.Withdraw(ctx, approver, itemID(5, "2025"), "发布有误"); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Disclosure.Supersede(ctx, approver, itemID(7, "2025"), itemID(3, "2025")); err != nil {
		t.Fatal(err)
	}
	col, err := e.App.Disclosure.ColumnBySlug(ctx, ag.ID, "qtxx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Disclosure.Create(ctx, editor, ag.ID, disclosure.DraftFields{Title: psDraftTitle, FormedOn: "2025-05-05", SourceType: "self", ColumnIDs: []int64{col.ID}}); err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}

	// Applications (dates without holidays): A 10 working days, B 13 less
	// 4 paused = 9, C 30 after a 20-day extension, D 25 (late), E withdrawn,
	// G still open. Received 6, processed 5, carried forward 1; replied 4,
	// mean 18.5, longest 30, within 20 days 2 (50%), on time 3 (75%).
	// The services as of a day (the service refuses dates more than a
	// year back, as a person entering them would be).
	noon := func(day string) func() time.Time {
		d := civil.MustParse(day)
		return func() time.Time { return time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai) }
	}
	apps := func(day string) *application.Service {
		s := *e.App.Applications
		s.Now = noon(day)
		return &s
	}
	record := func(day string) *application.Application {
		t.Helper()
		r, err := apps(day).Record(ctx, handler, application.Submission{AgencyID: ag.ID, Channel: application.InPerson, ReceivedOn: civil.MustParse(day),
			Applicant: application.Applicant{Type: application.NaturalPerson, Name: psApplicant, IDType: application.IDCard, IDNumber: psApplicantID,
				Phone: psPhone, Email: "applicant@example.com", Address: "上海市黄浦区人民大道200号"},
			Request:     application.Request{Title: "某年度统计资料", Description: "希望获取某年度统计资料", Form: application.Electronic, Delivery: application.ByEmail},
			Declaration: true})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		return r.App
	}
	do := func(p *auth.Principal, id int64, day string, c application.Command) {
		t.Helper()
		c.On = civil.MustParse(day)
		if _, err := apps(day).Do(ctx, p, id, c); err != nil {
			t.Fatalf("%s on %s: %v %v", c.Action, day, err, apperr.FieldsOf(err))
		}
	}
	disclose := application.Command{Action: application.ActReply, Outcome: application.OutDisclose, Text: "见附件"}
	a := record("2025-03-03")
	do(handler, a.ID, "2025-03-17", disclose)
	b := record("2025-07-01")
	do(handler, b.ID, "2025-07-02", application.Command{Action: application.ActConsult, ConsultKind: application.ThirdParty, Party: "第三方"})
	do(handler, b.ID, "2025-07-08", application.Command{Action: application.ActConsulted, Result: application.Agrees, Opinion: "同意"})
	do(handler, b.ID, "2025-07-18", application.Command{Action: application.ActReply, Outcome: application.OutPartial, Text: "见附件", Withheld: "第十五条"})
	c := record("2025-11-03")
	do(approver, c.ID, "2025-11-20", application.Command{Action: application.ActExtend, Days: 20, Note: "需要调取档案"})
	do(handler, c.ID, "2025-12-15", application.Command{Action: application.ActReply, Outcome: application.OutNotExist})
	d := record("2025-08-01")
	do(handler, d.ID, "2025-09-05", disclose)
	w := record("2025-04-01")
	do(handler, w.ID, "2025-04-10", application.Command{Action: application.ActWithdraw, Note: "书面撤回"})
	record("2025-12-22")

	// Letters, taken down on their days: two calls in March (one replied
	// after 4 working days), a new-media message in May replied after 5.
	at := func(day string) *concern.Service {
		s := *e.App.Concerns
		s.Now = noon(day)
		return &s
	}
	letter := func(ch concern.Channel, day, replyDay string) {
		t.Helper()
		cs, err := at(day).Record(ctx, handler, ag.ID, concern.Letter{Channel: ch, Category: "其他", Subject: "咨询统计事项", Body: "请问有关事项。",
			Name: psWriter, Phone: psWriterPhone}, civil.MustParse(day))
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if replyDay == "" {
			return
		}
		for _, step := range []struct {
			p *auth.Principal
			c concern.Command
		}{{handler, concern.Command{Action: concern.ActDraft, Draft: "已答复。"}}, {handler, concern.Command{Action: concern.ActSubmit}}, {approver, concern.Command{Action: concern.ActApprove}}} {
			if _, err := at(replyDay).Do(ctx, step.p, cs.ID, step.c); err != nil {
				t.Fatalf("%s: %v %v", step.c.Action, err, apperr.FieldsOf(err))
			}
		}
	}
	letter(concern.Visit, "2025-03-03", "2025-03-07")
	letter(concern.Visit, "2025-03-10", "")
	letter(concern.NewMedia, "2025-05-06", "2025-05-13")

	// A consultation in March 2025 with three comments from two people
	// (one writes twice, with the address in other capitals).
	cons := func(day string) *consultation.Service {
		s := *e.App.Consultations
		s.Now = noon(day)
		return &s
	}
	k, err := cons("2025-02-20").Create(ctx, editor, ag.ID, consultation.Fields{Title: "关于统计测试办法（征求意见稿）公开征求意见", Summary: "欢迎提出意见。",
		Draft: "第一条 为了测试，制定本办法。\n第二条 本办法自发布之日起施行。", OpensOn: "2025-03-01", ClosesOn: "2025-03-30"})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	if err := cons("2025-02-20").Publish(ctx, editor, k.ID); err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	for i, in := range []consultation.CommentInput{{Body: "建议一", Email: psCommenter}, {Body: "建议二，另有补充", Email: strings.ToUpper(psCommenter)}, {Body: "建议三，不留联系方式"}} {
		if _, err := cons("2025-03-05").SubmitComment(ctx, ag.ID, k.ID, in, fmt.Sprintf("198.51.100.%d", i+1), nil); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
	}
	return *ag
}

func floatPtr(f float64) *float64 { return &f }
func intPtr(n int) *int           { return &n }

// wantStatistics are the planted agency's 2025 figures, counted by hand.
func wantStatistics() pubstats.Statistics {
	months := func(counts map[int]int) []pubstats.MonthCount {
		out := make([]pubstats.MonthCount, 12)
		for i := range out {
			out[i] = pubstats.MonthCount{Month: i + 1, Count: counts[i+1]}
		}
		return out
	}
	pairs := make([]pubstats.MonthPair, 12)
	for i := range pairs {
		pairs[i].Month = i + 1
	}
	pairs[2].Received, pairs[2].Replied = 2, 1
	pairs[4].Received, pairs[4].Replied = 1, 1
	var channels []pubstats.ChannelStats
	for _, ch := range concern.Channels {
		c := pubstats.ChannelStats{Key: string(ch), Label: ch.Label()}
		switch ch {
		case concern.Visit:
			c.Received, c.Replied, c.AverageDays = 2, 1, floatPtr(4)
		case concern.NewMedia:
			c.Received, c.Replied, c.AverageDays = 1, 1, floatPtr(5)
		}
		channels = append(channels, c)
	}
	return pubstats.Statistics{Agency: pubstats.AgencyRef{Slug: psSlug, Name: "统计测试局"}, Year: 2025, Complete: true,
		Items: pubstats.ItemStats{Total: 5, Months: months(map[int]int{1: 2, 3: 2, 12: 1}),
			Columns: []pubstats.ColumnCount{{Slug: "zcwj", Name: "政策文件", Parent: "法定主动公开内容", URL: "/o/" + psSlug + "/gk/zcwj", Count: 4},
				{Slug: "qtxx", Name: "其他法定公开信息", Parent: "法定主动公开内容", URL: "/o/" + psSlug + "/gk/qtxx", Count: 2}},
			FivePublics: []pubstats.NamedCount{{Key: "decision", Label: "决策公开"}, {Key: "execution", Label: "执行公开"}, {Key: "management", Label: "管理公开"},
				{Key: "service", Label: "服务公开"}, {Key: "result", Label: "结果公开", Count: 5}}},
		Applications: pubstats.ApplicationStats{Received: 6, CarriedOver: 0, Processed: 5, CarriedForward: 1,
			Outcomes: []pubstats.NamedCount{{Key: "granted", Label: "予以公开", Count: 2}, {Key: "partial", Label: "部分公开", Count: 1}, {Key: "denied", Label: "不予公开"},
				{Key: "unable", Label: "无法提供", Count: 1}, {Key: "not_processed", Label: "不予处理"}, {Key: "other", Label: "其他处理", Count: 1}},
			Response: pubstats.Response{Replied: 4, AverageDays: floatPtr(18.5), MaxDays: intPtr(30), Within20Days: 2, Within20DaysPercent: floatPtr(50),
				WithinLimit: 3, WithinLimitPercent: floatPtr(75), Extended: 1}},
		Interactions: pubstats.InteractionStats{Received: 3, Replied: 2, AverageDays: floatPtr(4.5), Channels: channels, Months: pairs},
		Consultations: pubstats.ConsultationStats{Held: 1, Comments: 3, Participants: 2, Consultations: []pubstats.ConsultationItem{{Title: "关于统计测试办法（征求意见稿）公开征求意见",
			OpensOn: civil.MustParse("2025-03-01"), ClosesOn: civil.MustParse("2025-03-30"), Comments: 3, Participants: 2}}},
	}
}

// noPersonalData fails if a public body shows the planted people.
func noPersonalData(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range []string{psApplicant, psApplicantID, psPhone, psWriter, psWriterPhone, psCommenter, strings.ToUpper(psCommenter), "applicant@example.com", "198.51.100."} {
		if strings.Contains(body, s) {
			t.Errorf("%s shows personal data %q", what, s)
		}
	}
	if m := regexp.MustCompile(`1[3-9]\d{9}`).FindString(body); m != "" {
		t.Errorf("%s shows a mobile number %s", what, m)
	}
}

var svgRE = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// TestPubStatsHTTP: the statistics page, its CSV and JSON for a planted
// year match the hand-computed figures and each other; bad years get a
// clear 400; the charts are well-formed SVG images with names; nothing
// personal is shown.
func TestPubStatsHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ag := plantStatistics(t, e)
		c := e.Client()
		base := "/o/" + psSlug + "/statistics"

		// JSON: the hand-computed figures exactly.
		r := c.Get(base + ".json?year=2025")
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("json: %d %s\n%s", r.StatusCode, r.Header.Get("Content-Type"), r.Body)
		}
		var got pubstats.Statistics
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		want := wantStatistics()
		want.AsOf = got.AsOf
		for i := range got.Consultations.Consultations {
			got.Consultations.Consultations[i].URL = "" // the ID is the database's
		}
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		if string(gj) != string(wj) {
			t.Errorf("statistics JSON\n got %s\nwant %s", gj, wj)
		}
		if got.AsOf != civil.Of(e.Clock.Now()) {
			t.Errorf("as of %s", got.AsOf)
		}
		noPersonalData(t, "JSON", r.Body)

		// CSV: UTF-8 with BOM; every row is the JSON's number at its key.
		r = c.Get(base + ".csv?year=2025")
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(r.Body, "\uFEFF") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), psSlug+"-statistics-2025.csv") {
			t.Fatalf("csv: %d %v", r.StatusCode, r.Header)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != "年度,板块,指标,数值,单位,字段" || len(recs) != len(got.Figures())+1 {
			t.Fatalf("csv header %v, %d rows", recs[0], len(recs))
		}
		var doc any
		json.Unmarshal(gj, &doc)
		checked := 0
		for _, rec := range recs[1:] {
			v, ok := lookupKey(doc, rec[5])
			if rec[0] != "2025" || !ok {
				t.Errorf("csv row %v: key not in the JSON", rec)
				continue
			}
			switch x := v.(type) {
			case nil:
				if rec[3] != "" {
					t.Errorf("csv %s = %q, JSON null", rec[5], rec[3])
				}
			case float64:
				if f, err := strconv.ParseFloat(rec[3], 64); err != nil || f != x {
					t.Errorf("csv %s = %q, JSON %v", rec[5], rec[3], x)
				}
			}
			checked++
		}
		if checked < 60 {
			t.Errorf("only %d CSV rows checked", checked)
		}
		for _, row := range []string{"2025,信息发布,全年发布信息,5,条,items.total", "2025,依申请公开,平均答复用时,18.5,个工作日,applications.response.average_days",
			"2025,依申请公开,20个工作日内答复占比,50.0,%,applications.response.within_20_days_percent", "2025,征求意见,参与人数（估计）,2,人,consultations.participants",
			"2025,互动交流,来电来访：平均答复用时,4.0,个工作日,interactions.channels.5.average_days"} {
			if !strings.Contains(r.Body, row) {
				t.Errorf("csv lacks %s", row)
			}
		}
		noPersonalData(t, "CSV", r.Body)

		// The page: the same figures, four charts, all well-formed images.
		r = c.Get(base + "?year=2025")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("page: %d", r.StatusCode)
		}
		for _, s := range []string{"统计测试局 2025 年统计数据", "以下为 2025 年全年的数据",
			`<th scope="row">本年新收申请</th><td class="num">6</td>`, `<th scope="row">本年办结</th><td class="num">5</td>`,
			`<th scope="row">平均用时</th><td class="num">18.5 个工作日</td>`, `<th scope="row">最长用时</th><td class="num">30 个工作日</td>`,
			`<td class="num">2 件（50.0%）</td>`, `<td class="num">3 件（75.0%）</td>`,
			`<a href="/o/ps-bureau/gk/zcwj">法定主动公开内容 › 政策文件</a></th><td class="num">4</td>`,
			`<th scope="row">来电来访</th><td class="num">2</td><td class="num">1</td><td class="num">4.0</td>`,
			`<th scope="row">收到意见</th><td class="num">3 条</td>`, `<th scope="row">参与人数（按联系方式估计）</th><td class="num">2 人</td>`,
			`href="/o/ps-bureau/statistics.csv?year=2025"`, `<option value="2025" selected>`} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("page lacks %s", s)
			}
		}
		svgs := svgRE.FindAllString(r.Body, -1)
		if len(svgs) != 4 {
			t.Errorf("%d charts", len(svgs))
		}
		for _, svg := range svgs {
			if err := wellFormedXML(svg); err != nil {
				t.Errorf("chart is not well-formed XML: %v\n%s", err, svg)
			}
			if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, `aria-label="2025 年`) || !strings.Contains(svg, "<title id=") || !strings.Contains(svg, "<desc id=") {
				t.Errorf("chart without its name: %.200s", svg)
			}
		}
		if !strings.Contains(r.Body, "全年共 5 条") {
			t.Error("the items chart does not describe its total")
		}
		noPersonalData(t, "page", r.Body)
		// The charts need no script: the page's content carries none (the
		// layout's app.js only adds comfort).
		if main := r.Body[strings.Index(r.Body, "<main"):strings.Index(r.Body, "</main>")]; strings.Contains(main, "<script") || regexp.MustCompile(` on[a-z]+=`).MatchString(main) {
			t.Error("the statistics page's content carries a script")
		}

		// The current year by default, marked as running.
		r = c.Get(base)
		today := civil.Of(e.Clock.Now())
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, fmt.Sprintf("%d 年尚未结束，以下为截至 %s的数据", today.Year, today.Chinese())) {
			t.Errorf("current year: %d", r.StatusCode)
		}

		// A year older than the selector's offers is added to it.
		if r := c.Get(base + "?year=2010"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `<option value="2010" selected>`) {
			t.Errorf("2010: %d", r.StatusCode)
		}

		// Bad years: a Chinese 400 with the field marked, never 500.
		for _, bad := range []string{"abc", "1800", "2007", strconv.Itoa(today.Year + 1), "2025' OR 1=1 --", "<script>alert(1)</script>", "２０２５", "2025.5", "99999999999999999999"} {
			q := "?year=" + url.QueryEscape(bad)
			r := c.Get(base + q)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "年度应为 2008 至") || !strings.Contains(r.Body, `aria-invalid="true"`) ||
				strings.Contains(r.Body, "<script>alert") || strings.Contains(r.Body, "<svg") {
				t.Errorf("page year %q: %d", bad, r.StatusCode)
			}
			for _, ext := range []string{".csv", ".json"} {
				r := c.Get(base + ext + q)
				var p struct {
					Status int               `json:"status"`
					Errors map[string]string `json:"errors"`
				}
				json.Unmarshal([]byte(r.Body), &p)
				if r.StatusCode != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" || !strings.Contains(p.Errors["year"], "年度应为") {
					t.Errorf("%s year %q: %d %s", ext, bad, r.StatusCode, r.Body)
				}
			}
		}
		for _, path := range []string{"/o/no-such-agency/statistics", "/o/no-such-agency/statistics.json", "/o/no-such-agency/open-data/catalogue.csv"} {
			if r := c.Get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", path, r.StatusCode)
			}
		}

		// The navigation and the sitemap name the pages.
		if r := c.Get("/o/" + psSlug + "/"); !strings.Contains(r.Body, `href="/o/ps-bureau/statistics"`) {
			t.Error("no statistics link in the agency's navigation")
		}
		if r := c.Get("/sitemap.xml"); !strings.Contains(r.Body, "/o/mzzj/statistics</loc>") || !strings.Contains(r.Body, "/o/mzzj/open-data</loc>") {
			t.Error("the sitemap lacks the statistics pages")
		}
		_ = ag
	})
}

// TestPubStatsOpenData: the catalogue export lists exactly the items the
// portal shows, with their public metadata, the same in CSV and JSON,
// follows withdrawals through the page cache, and carries no personal data.
func TestPubStatsOpenData(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ag := plantStatistics(t, e)
		ctx := context.Background()
		c := e.Client()
		base := "/o/" + psSlug + "/open-data"
		r := c.Get(base)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `href="/o/ps-bureau/open-data/catalogue.csv"`) || !strings.Contains(r.Body, `href="/o/ps-bureau/statistics.json"`) ||
			!strings.Contains(r.Body, "<code>index_number</code>") {
			t.Fatalf("open-data page: %d", r.StatusCode)
		}

		r = c.Get(base + "/catalogue.csv")
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Body, "\uFEFF") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("catalogue.csv: %d %v", r.StatusCode, r.Header)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := strings.Join(recs[0], ",")
		if header != "编号,索引号,标题,发文字号,发布机构,成文日期,发布日期,栏目,主题分类,体裁,五公开,有效性,公开方式,已被替代,网址" {
			t.Errorf("header %s", header)
		}
		var titles []string
		for _, rec := range recs[1:] {
			titles = append(titles, rec[2])
		}
		// Newest first; the withdrawn item and the draft are not there; a
		// title a spreadsheet would take for a formula is kept as text.
		if got := strings.Join(titles, "|"); got != "年末其他信息|三月被替代的政策|三月两栏目信息|一月政策二|一月政策一|'=1+1 上年信息" {
			t.Errorf("titles %s", got)
		}
		if strings.Contains(r.Body, psWithdrawn) || strings.Contains(r.Body, psDraftTitle) {
			t.Error("the export lists an item the portal does not show")
		}
		both := recs[3]
		if both[1] != "PS/2025-03" || both[3] != "统测发〔2025〕3号" || both[4] != "统计测试局办公室" || both[5] != "2025-03-03" || both[6] != "2025-03-03" ||
			both[7] != "政策文件；其他法定公开信息" || both[9] != "通知" || both[10] != "结果公开" || both[12] != "主动公开" || both[13] != "否" ||
			!strings.HasSuffix(both[14], "/o/ps-bureau/items/"+both[0]) || !strings.HasPrefix(both[14], "http") {
			t.Errorf("row %v", both)
		}
		if recs[2][13] != "是" {
			t.Errorf("the superseded item is not marked: %v", recs[2])
		}
		noPersonalData(t, "catalogue.csv", r.Body)

		// JSON: the same items and fields.
		r = c.Get(base + "/catalogue.json")
		var doc struct {
			Agency pubstats.AgencyRef        `json:"agency"`
			Fields []map[string]string       `json:"fields"`
			Items  []pubstats.CatalogueEntry `json:"items"`
			Count  int                       `json:"count"`
		}
		if err := json.Unmarshal([]byte(r.Body), &doc); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("catalogue.json: %d %v\n%s", r.StatusCode, err, r.Body)
		}
		if doc.Count != 6 || len(doc.Items) != 6 || doc.Agency.Slug != psSlug || len(doc.Fields) != len(recs[0]) {
			t.Fatalf("json: %d items, count %d, %d fields", len(doc.Items), doc.Count, len(doc.Fields))
		}
		for i, it := range doc.Items {
			rec := recs[i+1]
			if strconv.FormatInt(it.ID, 10) != rec[0] || it.IndexNumber != rec[1] || strings.TrimPrefix(rec[2], "'") != it.Title || it.URL != rec[14] ||
				strings.Join(it.Columns, "；") != rec[7] || it.PublishedOn.String() != rec[6] {
				t.Errorf("item %d: JSON %+v, CSV %v", i, it, rec)
			}
		}
		if doc.Items[0].Columns == nil || doc.Items[2].Superseded || !doc.Items[1].Superseded {
			t.Errorf("json items %+v", doc.Items[:3])
		}

		// Cached, and renewed when an item is withdrawn.
		again := c.Get(base + "/catalogue.csv")
		if again.Body != c.Get(base+"/catalogue.csv").Body || again.Header.Get("ETag") == "" {
			t.Error("the catalogue is not served from the page cache")
		}
		approver := e.AddUser(psSlug, "ps.approver2", auth.Approver)
		p := &auth.Principal{UserID: approver.ID, Username: "ps.approver2", AgencyID: ag.ID, Roles: auth.Roles{auth.Approver}, State: auth.StateActive}
		var id int64
		e.App.DB.R.QueryRow("SELECT id FROM items WHERE index_number = 'PS/2025-04'").Scan(&id)
		if err := e.App.Disclosure.Withdraw(ctx, p, id, "测试撤回"); err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{".csv", ".json"} {
			if body := c.Get(base + "/catalogue" + ext).Body; strings.Contains(body, "年末其他信息") {
				t.Errorf("catalogue%s still lists the withdrawn item", ext)
			}
		}

		// A column the portal hides is named neither in the export nor in
		// the statistics.
		admin := e.AddUser(psSlug, "ps.admin", auth.AgencyAdmin)
		pa := &auth.Principal{UserID: admin.ID, Username: "ps.admin", AgencyID: ag.ID, Roles: auth.Roles{auth.AgencyAdmin}, State: auth.StateActive}
		col, err := e.App.Disclosure.ColumnBySlug(ctx, ag.ID, "qtxx")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.App.Disclosure.UpdateColumn(ctx, pa, ag.ID, col.ID, disclosure.ColumnInput{Name: col.Name, StatutoryItem: col.StatutoryItem,
			Hidden: true, SortOrder: col.SortOrder}); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if body := c.Get(base + "/catalogue.csv").Body; strings.Contains(body, "其他法定公开信息") || !strings.Contains(body, "三月两栏目信息") {
			t.Error("the export names a hidden column, or lost its item")
		}
		var st pubstats.Statistics
		json.Unmarshal([]byte(c.Get("/o/"+psSlug+"/statistics.json?year=2025").Body), &st)
		if len(st.Items.Columns) != 1 || st.Items.Columns[0].Slug != "zcwj" || st.Items.Total != 4 { // December's item was withdrawn above
			t.Errorf("statistics with a hidden column: %+v", st.Items)
		}

		// The demo bureau: every public item, once.
		var public int
		e.App.DB.R.QueryRow("SELECT count(*) FROM items WHERE agency_id = $1 AND status IN ('published', 'superseded')", e.Agency("mzzj").ID).Scan(&public)
		r = c.Get("/o/mzzj/open-data/catalogue.json")
		doc.Items, doc.Count = nil, 0
		json.Unmarshal([]byte(r.Body), &doc)
		seen := map[int64]bool{}
		for _, it := range doc.Items {
			seen[it.ID] = true
		}
		if public < 20 || doc.Count != public || len(seen) != public {
			t.Errorf("mzzj: %d public items, export has %d (%d distinct)", public, doc.Count, len(seen))
		}
	})
}

func lookupKey(v any, key string) (any, bool) {
	for _, part := range strings.Split(key, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func wellFormedXML(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
