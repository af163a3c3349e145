package concern_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

type fakeApps struct{ docs []concern.AppDoc }

func (f *fakeApps) TopicDocs(_ context.Context, _ int64, since civil.Date) ([]concern.AppDoc, error) {
	var out []concern.AppDoc
	for _, d := range f.docs {
		if !d.Day.Before(since) {
			out = append(out, d)
		}
	}
	return out, nil
}

// fakeResponses keeps response articles as rows of items (the foreign
// keys want them), published when the test says so.
type fakeResponses struct {
	d       *db.DB
	drafted []string
}

func (f *fakeResponses) DraftResponse(ctx context.Context, p *auth.Principal, agencyID int64, title, body string) (int64, error) {
	var id int64
	err := f.d.W.QueryRowContext(ctx, `INSERT INTO items (agency_id, title, status, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $3) RETURNING id`,
		agencyID, title, db.Now()).Scan(&id)
	f.drafted = append(f.drafted, title)
	return id, err
}

func (f *fakeResponses) ResponseItem(ctx context.Context, id int64) (concern.ResponseItem, error) {
	var title, status string
	if err := f.d.R.QueryRowContext(ctx, `SELECT title, status FROM items WHERE id = $1`, id).Scan(&title, &status); err != nil {
		return concern.ResponseItem{}, apperr.NotFoundf("没有这条信息")
	}
	return concern.ResponseItem{ID: id, Title: title, Status: status, Published: status == "published",
		URL: fmt.Sprintf("/o/a-bureau/items/%d", id), ConsoleURL: fmt.Sprintf("/console/items/%d", id)}, nil
}

// Messages about two concerns, in different words and channels, and some
// about nothing in particular.
var (
	fakeHalal = []string{
		"举报假冒清真：松江区一家面馆门口挂着清真牌子，后厨却在处理猪肉，老板说牌子是网上买的",
		"市民来电反映：徐汇区一家烧烤店店招印有清真字样，但店内售卖猪肉串，疑似冒用清真标志牌，要求查处",
		"杨浦区菜场卤味摊挂了清真的小牌子，卖的却是猪耳朵和猪头肉，谁来管管冒用清真标识的问题",
		"浦东新区川沙路一家清真餐厅的清真标识像是自己打印的，请核实是否冒用清真标志",
		"假清真必须严查：普陀区羊肉串店挂清真标志，店员说什么肉都有，猪肉也卖",
		"请问怎么举报冒用清真标志的饭店？宝山一家面馆老板自己都承认没有清真标志牌，还卖猪肉",
	}
	fakeMonks = []string{
		"人民广场地铁站出口天天有穿僧袍的假和尚拦人化缘，塞给你一个护身符就要钱",
		"徐汇区漕溪北路有身着道袍的男子送护身符后索要香火钱，假和尚假道士化缘谁来管",
		"南京路步行街多次看到假和尚向游客化缘，正规寺院的僧人不会上街化缘，请联合公安治理",
		"地铁2号线车厢里有穿僧衣的假和尚挨个化缘要钱，说是给老家建庙",
		"静安寺地铁站又被假和尚拦了，塞个护身符就要扫码给钱",
	}
	oneOffs = []string{
		"建议局网站增加英文版，方便外籍人士查询办事指南",
		"表扬民族工作一处的工作人员耐心解答我的咨询",
		"小区门口公交站台的顶棚坏了，下雨天没法等车",
	}
)

func TestHotTopics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		apps := &fakeApps{docs: []concern.AppDoc{{ID: 7, Number: "2026-000007", Day: civil.MustParse("2026-10-30"),
			Text: "申请公开本市查处冒用清真标志牌案件的数量及处理结果，包括挂清真牌子卖猪肉的面馆"}}}
		resp := &fakeResponses{d: d}
		f.svc.ApplicationDocs, f.svc.Responses = apps, resp

		var halalIDs []int64
		file := func(i int, text string, notify bool) *concern.Case {
			subject, body, _ := strings.Cut(text, "，")
			if body == "" {
				body = text
			}
			l := concern.Letter{Channel: concern.Board, Subject: firstN(subject, 40), Body: body, Name: "张三", Phone: fmt.Sprintf("139000000%02d", i)}
			if i%2 == 0 {
				l.Channel, l.Leader = concern.Mailbox, "局长 王某某"
			}
			if notify {
				l.Notify, l.Email = true, fmt.Sprintf("writer%d@example.com", i)
			}
			c, _, err := f.svc.Submit(ctx, f.a.ID, l, fmt.Sprintf("203.0.113.%d", i))
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return c
		}
		day := 0
		for i, text := range fakeHalal {
			f.clock.at(fmt.Sprintf("2026-10-%02d", 20+day))
			day++
			c := file(i, text, i < 2)
			halalIDs = append(halalIDs, c.ID)
		}
		for i, text := range fakeMonks {
			f.clock.at(fmt.Sprintf("2026-10-%02d", 26+i)) // the last week: rising
			file(20+i, text, false)
		}
		for i, text := range oneOffs {
			file(40+i, text, false)
		}
		// Another agency's letter on the same subject stays out.
		other := letter(concern.Board)
		other.Subject, other.Body = "冒用清真标志", fakeHalal[0]
		if _, _, err := f.svc.Submit(ctx, f.b.ID, other, "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
		f.clock.at("2026-10-31")

		// Only handlers may recompute; everyone with the list may look.
		run, err := f.svc.ComputeTopics(ctx, f.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if run.Messages != len(fakeHalal)+len(fakeMonks)+len(oneOffs) || run.Applications != 1 {
			t.Errorf("run: %+v", run)
		}
		dash, err := f.svc.Topics(ctx, f.handler, concern.TopicFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(dash.Topics) < 2 {
			t.Fatalf("%d topics: %+v", len(dash.Topics), dash.Topics)
		}
		halal, monks := findTopic(dash.Topics, "清真"), findTopic(dash.Topics, "和尚")
		if halal == nil || monks == nil || halal.ID == monks.ID {
			t.Fatalf("topics: %v", labels(dash.Topics))
		}
		if halal.Size < 5 || monks.Size < 4 {
			t.Errorf("sizes: halal %d, monks %d", halal.Size, monks.Size)
		}
		if halal.Channels["application"] != 1 || dash.ApplicationsInTopics != 1 {
			t.Errorf("the application is not in the halal topic: %v", halal.Channels)
		}
		if halal.Channels["mailbox"]+halal.Channels["board"]+halal.Channels["application"] != halal.Size {
			t.Errorf("channels %v do not add up to %d", halal.Channels, halal.Size)
		}
		sum := 0
		for _, n := range halal.Series {
			sum += n
		}
		if sum != halal.Size || len(halal.Series) != concern.ChartDays {
			t.Errorf("series %v, size %d", halal.Series, halal.Size)
		}
		if len(dash.Week) == 0 || !strings.Contains(dash.Week[0].Term, "和尚") || dash.Week[0].Baseline != 0 {
			t.Errorf("rising terms this week: %+v", dash.Week)
		}

		// Staff of another agency see nothing.
		if _, err := f.svc.Topic(ctx, f.handlerB, halal.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's handler: %v", err)
		}
		liaison := principal(f.a.ID, "liaison", auth.Liaison)
		liaison.DivisionID = f.ethnic
		// The topics are drawn from every letter of the agency: a division's
		// liaison does not see them.
		if _, err := f.svc.Topic(ctx, liaison, halal.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a liaison sees a topic: %v", err)
		}
		if _, err := f.svc.Topics(ctx, liaison, concern.TopicFilter{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a liaison sees the dashboard: %v", err)
		}
		if _, err := f.svc.RecomputeTopics(ctx, liaison); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a liaison recomputed: %v", err)
		}
		full, err := f.svc.Topic(ctx, f.handler, halal.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range full.Members {
			if m.Subject == "" || m.URL == "" {
				t.Errorf("the handler does not see %+v", m)
			}
		}

		// Handled, then recomputed: the topic keeps its id and its handling.
		if err := f.svc.MarkTopic(ctx, liaison, halal.ID, true, "<script>"+strings.Repeat("长", 600)); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("oversized note: %v", err)
		}
		if err := f.svc.MarkTopic(ctx, f.handlerB, halal.ID, true, ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency marked it: %v", err)
		}
		if err := f.svc.MarkTopic(ctx, f.handler, halal.ID, true, "已会同区民宗办开展专项检查"); err != nil {
			t.Fatal(err)
		}
		f.clock.at("2026-11-02")
		file(60, "长宁区天山路一家清真烧烤挂牌清真，晚上却卖猪蹄，冒用清真标志请查处", false)
		if _, err := f.svc.ComputeTopics(ctx, f.a.ID); err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Topic(ctx, f.handler, halal.ID)
		if err != nil {
			t.Fatalf("the handled topic lost its id: %v", err)
		}
		if again.HandledAt == nil || again.HandledNote != "已会同区民宗办开展专项检查" || again.Size != halal.Size+1 {
			t.Errorf("after recomputing: handled %v size %d (was %d)", again.HandledAt, again.Size, halal.Size)
		}
		open, _ := f.svc.Topics(ctx, f.handler, concern.TopicFilter{})
		if findTopic(open.Topics, "清真") != nil {
			t.Error("a handled topic is still listed as open")
		}
		if _, err := f.svc.Topics(ctx, f.handler, concern.TopicFilter{Status: "'; DROP TABLE concerns; --"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("bad filter: %v", err)
		}

		// A response: drafted as an item, linked to the letters once
		// published, and mailed to the writers who asked.
		if _, err := f.svc.DraftTopicResponse(ctx, f.handler, halal.ID, "", "正文"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("no title: %v", err)
		}
		if _, err := f.svc.DraftTopicResponse(ctx, f.handler, halal.ID, "关于<script>的回应", "正文"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("markup in the title: %v", err)
		}
		itemID, err := f.svc.DraftTopicResponse(ctx, f.handler, halal.ID, "关于冒用清真标志问题的回应", "我局已开展专项检查。")
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if _, err := f.svc.DraftTopicResponse(ctx, f.handler, halal.ID, "再来一篇", "正文"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a second response: %v", err)
		}
		if n, err := f.svc.LinkResponses(ctx, f.a.ID); err != nil || n != 0 {
			t.Errorf("a draft linked %d letters: %v", n, err)
		}
		if _, err := d.W.Exec("UPDATE items SET status = 'published' WHERE id = $1", itemID); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.LinkResponses(ctx, 0)
		if err != nil || n != again.Size-1 { // the members that are letters (not the application)
			t.Errorf("linked %d letters (want %d): %v", n, again.Size-1, err)
		}
		if n, _ := f.svc.LinkResponses(ctx, 0); n != 0 {
			t.Errorf("linked again: %d", n)
		}
		c, err := f.svc.Get(ctx, f.handler, halalIDs[0])
		if err != nil || c.ResponseItemID != itemID {
			t.Fatalf("letter's response: %d %v", c.ResponseItemID, err)
		}
		if r := f.svc.CaseResponse(ctx, c); r == nil || r.Title != "关于冒用清真标志问题的回应" {
			t.Errorf("case response: %+v", r)
		}
		var mails int
		d.R.QueryRow("SELECT count(*) FROM outbox WHERE purpose = 'concern.response'").Scan(&mails)
		if mails != 2 {
			t.Errorf("%d response mails, want 2 (the writers who asked)", mails)
		}
		var audits int
		d.R.QueryRow("SELECT count(*) FROM audit_entries WHERE action LIKE 'concern.topic.%'").Scan(&audits)
		if audits != 2 {
			t.Errorf("%d audit entries for marking and responding", audits)
		}
	})
}

func TestDomainTermsSetting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		set, _ := f.svc.Settings(ctx, f.a.ID)
		for _, bad := range []string{"清", "清真标志牌清真标志牌", "<b>清真</b>", "清真\x00牌"} {
			set.DomainTerms = bad
			if err := f.svc.UpdateSettings(ctx, f.head, set); apperr.FieldsOf(err)["domain_terms"] == "" {
				t.Errorf("%q accepted: %v", bad, err)
			}
		}
		set.DomainTerms = "清真牌 清真牌子 清真招牌\n开斋节"
		if err := f.svc.UpdateSettings(ctx, f.head, set); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		got, _ := f.svc.Settings(ctx, f.a.ID)
		if got.DomainTerms != set.DomainTerms {
			t.Errorf("saved %q", got.DomainTerms)
		}
	})
}

func findTopic(ts []*concern.Topic, term string) *concern.Topic {
	for _, t := range ts {
		for _, w := range t.Terms[:min(3, len(t.Terms))] {
			if strings.Contains(w, term) {
				return t
			}
		}
	}
	return nil
}

func labels(ts []*concern.Topic) []string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s(%d)", t.Label, t.Size))
	}
	return out
}

func firstN(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
