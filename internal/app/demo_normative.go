package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/normative"
)

// demoNormative is a normative document of the demo: an item of
// demo_items.go (by title) or a new one imported here.
type demoNormative struct {
	agency, title, number, kind, division, topic string
	issuers                                      []string
	interim                                      bool
	published, effective                         civil.Date
	expires                                      civil.Date // zero: the default period
	reason                                       string
	paragraphs                                   []string // new items only
}

// Titles the tests refer to.
const (
	demoNormHalal     = "上海市清真食品管理实施办法"
	demoNormRepealed  = "上海市少数民族特需商品供应保障办法"
	demoNormRepealer  = "上海市少数民族特需商品供应服务办法"
	demoNormAmended   = "上海市民族和宗教事务局行政处罚裁量基准"
	demoNormAmender   = "关于修改《上海市民族和宗教事务局行政处罚裁量基准》的决定"
	demoNormPending   = "上海市宗教活动场所消防安全管理办法"
	demoNormEvaluate  = "上海市清真食品生产经营监督检查办法（暂行）"
	demoNormCleanedUp = "关于宗教活动场所开展募捐活动的若干规定"
	demoNormCleanup   = "2025年度行政规范性文件清理"
)

func (c *Core) demoNormatives(today civil.Date) []demoNormative {
	d := civil.MustParse
	mz := []string{"上海市民族和宗教事务局"}
	pending := today.AddDays(-7)
	evaluate := normative.AddMonths(today, -21) // 暂行, 2 years: expires in about 3 months
	return []demoNormative{
		// Items of demo_items.go.
		{agency: "mzzj", title: demoNormHalal, number: "沪民宗规〔2022〕1号", kind: "办法", division: "民族工作二处", issuers: mz,
			published: d("2022-04-18"), effective: d("2022-06-01")},
		{agency: "mzzj", title: "关于进一步规范宗教活动场所财务管理工作的通知", number: "沪民宗规〔2023〕2号", kind: "通知", division: "宗教工作一处",
			issuers: []string{"上海市民族和宗教事务局", "上海市财政局"}, published: d("2023-06-12"), effective: d("2023-07-01")},
		{agency: "mzzj", title: "上海市宗教活动场所安全管理规定（试行）", number: "沪民宗规〔2021〕3号", kind: "规定", interim: true, division: "宗教工作二处",
			issuers: mz, published: d("2021-09-01"), effective: d("2021-10-01")},
		{agency: "mzzj", title: "关于加强本市少数民族流动人口服务管理工作的意见", number: "沪民宗规〔2024〕1号", kind: "意见", division: "民族工作一处",
			issuers: mz, published: d("2024-03-28"), effective: d("2024-05-01")},
		{agency: "mzzj", title: "上海市宗教团体办理宗教事务审批事项指南（2025年版）", number: "沪民宗规〔2025〕1号", kind: "规定", division: "政策法规处",
			issuers: mz, published: d("2025-02-20"), effective: d("2025-03-01")},
		{agency: "mzzj", title: demoNormAmended, number: "沪民宗规〔2023〕3号", kind: "规定", division: "政策法规处", issuers: mz,
			published: d("2023-11-02"), effective: d("2023-12-01")},
		{agency: "mzzj", title: demoNormRepealed, number: "沪民宗规〔2019〕2号", kind: "办法", division: "民族工作二处", issuers: mz,
			published: d("2019-05-06"), effective: d("2019-06-01")},
		// New items.
		{agency: "mzzj", title: demoNormRepealer, number: "沪民宗规〔2024〕2号", kind: "办法", division: "民族工作二处", topic: "民族工作", issuers: mz,
			published: d("2024-02-20"), effective: d("2024-03-01"), paragraphs: []string{
				"第一条 为做好本市少数民族特需商品供应服务工作，保障少数民族群众生活需要，制定本办法。",
				"第二条 市和区民族工作部门会同商务部门确定少数民族特需商品定点供应企业，并向社会公布。",
				"第三条 本办法自2024年3月1日起施行。2019年5月6日印发的《上海市少数民族特需商品供应保障办法》（沪民宗规〔2019〕2号）同时废止。"}},
		{agency: "mzzj", title: demoNormAmender, number: "沪民宗规〔2025〕4号", kind: "决定", division: "政策法规处", topic: "宗教事务", issuers: mz,
			published: d("2025-09-15"), effective: d("2025-10-01"), paragraphs: []string{
				"根据新修订的《中华人民共和国行政处罚法》，本局决定对《上海市民族和宗教事务局行政处罚裁量基准》（沪民宗规〔2023〕3号）作如下修改：",
				"一、第五条中“情节轻微”的情形增加“首次违法且危害后果轻微并及时改正的，可以不予行政处罚”。",
				"二、第八条中罚款幅度按照新标准调整。",
				"本决定自2025年10月1日起施行。"}},
		{agency: "mzzj", title: demoNormPending, number: fmt.Sprintf("沪民宗规〔%d〕6号", pending.Year), kind: "办法", division: "宗教工作二处", topic: "安全生产",
			issuers: []string{"上海市民族和宗教事务局", "上海市消防救援总队"}, published: pending, effective: pending.AddDays(31), paragraphs: []string{
				"第一条 为加强宗教活动场所消防安全管理，预防和减少火灾危害，制定本办法。",
				"第二条 宗教活动场所是消防安全责任主体，应当落实消防安全责任制，配备消防设施和器材。",
				"第三条 本办法自发布之日起三十日后施行。"}},
		{agency: "mzzj", title: demoNormEvaluate, number: fmt.Sprintf("沪民宗规〔%d〕7号", evaluate.Year), kind: "办法", interim: true, division: "民族工作二处",
			topic: "清真食品管理", issuers: mz, published: evaluate.AddDays(-10), effective: evaluate, paragraphs: []string{
				"第一条 为规范清真食品生产经营监督检查工作，制定本办法。",
				"第二条 区民族工作部门每年对辖区清真食品生产经营单位开展不少于一次的监督检查。",
				"第三条 本办法有效期两年。"}},
		{agency: "mzzj", title: demoNormCleanedUp, number: "沪民宗规〔2021〕5号", kind: "规定", division: "宗教工作三处", topic: "宗教事务", issuers: mz,
			published: d("2021-12-01"), effective: d("2022-01-01"), paragraphs: []string{
				"第一条 为规范宗教活动场所募捐活动，制定本规定。",
				"第二条 宗教活动场所开展募捐活动，应当向所在区民族宗教工作部门备案。"}},
		// 浦东新区
		{agency: "pudong-mzb", title: "浦东新区清真食品经营场所管理实施细则", number: "浦民宗规〔2023〕1号", kind: "细则", division: "民族科", topic: "清真食品管理",
			issuers: []string{"浦东新区民族和宗教事务办公室"}, published: d("2023-04-10"), effective: d("2023-05-01"), paragraphs: []string{
				"第一条 为加强本区清真食品经营场所管理，根据《上海市清真食品管理条例》，制定本细则。",
				"第二条 区民族和宗教事务办公室负责本区清真标志牌的核发和监督管理。"}},
		{agency: "pudong-mzb", title: "浦东新区少数民族困难群众帮扶办法（试行）", number: "浦民宗规〔2022〕2号", kind: "办法", interim: true, division: "民族科",
			topic: "民族工作", issuers: []string{"浦东新区民族和宗教事务办公室"}, published: d("2022-03-01"), effective: d("2022-03-01"), paragraphs: []string{
				"第一条 为做好本区少数民族困难群众帮扶工作，制定本办法。", "第二条 本办法试行两年。"}},
		{agency: "pudong-mzb", title: "浦东新区宗教活动场所公益慈善活动指引", number: "浦民宗规〔2025〕1号", kind: "意见", division: "宗教科", topic: "宗教事务",
			issuers: []string{"浦东新区民族和宗教事务办公室", "浦东新区民政局"}, published: d("2025-06-16"), effective: d("2025-07-01"), paragraphs: []string{
				"为引导宗教活动场所依法开展公益慈善活动，浦东新区民族和宗教事务办公室、浦东新区民政局联合制定本指引。",
				"一、宗教活动场所开展公益慈善活动，应当遵守法律法规，不得借慈善之名传播宗教。"}},
		// 黄浦区
		{agency: "huangpu-mzb", title: "黄浦区民族团结进步示范单位创建管理办法", number: "黄民宗规〔2024〕1号", kind: "办法", division: "民族宗教科", topic: "民族工作",
			issuers: []string{"黄浦区民族和宗教事务办公室"}, published: d("2024-08-20"), effective: d("2024-09-01"), paragraphs: []string{
				"第一条 为深入开展民族团结进步创建工作，规范示范单位的命名和管理，制定本办法。",
				"第二条 示范单位每三年复核一次。"}},
		{agency: "huangpu-mzb", title: "关于宗教活动场所开展安全检查的通告", number: "黄民宗规〔2025〕2号", kind: "通告", division: "民族宗教科", topic: "安全生产",
			issuers: []string{"黄浦区民族和宗教事务办公室"}, published: d("2025-03-01"), effective: d("2025-03-01"), paragraphs: []string{
				"为保障宗教活动场所安全，本区将于年内对辖区宗教活动场所开展安全检查，现通告如下。",
				"一、各宗教活动场所应当配合检查，如实提供有关情况。"}},
	}
}

// loadDemoNormative registers the demo's normative documents of the bureau
// and two district offices in every status: one repealed and one amended
// by another document, one not yet in force, expired ones, a cleanup with
// its published result list, filings, and an evaluation due.
func (c *Core) loadDemoNormative(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	today := c.normativeToday()
	docs := c.demoNormatives(today)
	editors := map[string]*auth.Principal{"mzzj": as("mzzj.policy"), "pudong-mzb": as("pudong.editor"), "huangpu-mzb": as("huangpu.editor")}
	for slug, p := range editors {
		if p == nil {
			return fmt.Errorf("no demo editor for %s", slug)
		}
	}
	// The new items, published through the import path as demo_items.go
	// does.
	prefixes := map[string]string{}
	var rows []disclosure.ImportRow
	for i, d := range docs {
		if d.paragraphs == nil {
			continue
		}
		if _, ok := prefixes[d.agency]; !ok {
			a, err := c.Agencies.BySlug(ctx, d.agency)
			if err != nil {
				return err
			}
			prefixes[d.agency] = a.IndexPrefix
			if prefixes[d.agency] == "" {
				prefixes[d.agency] = strings.ToUpper(d.agency)
			}
		}
		genre := d.kind
		if genre == "细则" || genre == "规则" {
			genre = "其他"
		}
		rows = append(rows, disclosure.ImportRow{Line: i + 1, Agency: d.agency,
			IndexNumber: fmt.Sprintf("%s/%d-%05d", prefixes[d.agency], d.published.Year, 900+i), Title: d.title, DocNumber: d.number,
			Publisher: d.issuers[0], SignedOn: d.published.AddDays(-3).String(), PublishedOn: d.published.String(), FormedOn: d.published.String(),
			Topic: d.topic, Genre: genre, FivePublics: []string{"decision"}, StatutoryItem: "20.1", Summary: d.paragraphs[0],
			Body: strings.Join(d.paragraphs, "\n\n"), Columns: []string{"zcwj"}, Keywords: d.topic})
	}
	rep, err := c.Disclosure.Import(ctx, auth.Operator("serve --demo"), rows, "mzzj", "")
	if err != nil {
		return err
	}
	if rep.Rejected > 0 {
		return fmt.Errorf("%s", disclosure.FormatImportReport(rep))
	}
	item := map[string]int64{}
	for _, d := range docs {
		var id int64
		if err := c.DB.R.QueryRowContext(ctx, "SELECT id FROM items WHERE agency_id = $1 AND title = $2 ORDER BY id LIMIT 1", ids[d.agency], d.title).Scan(&id); err != nil {
			return fmt.Errorf("item %s: %w", d.title, err)
		}
		item[d.title] = id
		signed := d.published.AddDays(-3)
		if _, err := c.Normative.Register(ctx, editors[d.agency], normative.Input{ItemID: id, DocNumber: d.number, Issuers: strings.Join(d.issuers, "\n"),
			Kind: d.kind, Interim: d.interim, SignedOn: signed, PublishedOn: d.published, EffectiveOn: d.effective, ExpiresOn: d.expires,
			PeriodReason: d.reason, DivisionID: divisions[d.agency][d.division]}); err != nil {
			return fmt.Errorf("register %s: %w %v", d.title, err, apperr.FieldsOf(err))
		}
	}
	policy := editors["mzzj"]
	// Repealed and amended by later documents: both pages link each other.
	if err := c.Normative.ChangeStatus(ctx, policy, item[demoNormRepealed], normative.Change{To: normative.Repealed, On: civil.MustParse("2024-03-01"),
		RelatedItemID: item[demoNormRepealer], Reason: "由《上海市少数民族特需商品供应服务办法》（沪民宗规〔2024〕2号）第三条废止。"}); err != nil {
		return fmt.Errorf("repeal: %w", err)
	}
	if err := c.Normative.ChangeStatus(ctx, policy, item[demoNormAmended], normative.Change{To: normative.Amended, On: civil.MustParse("2025-10-01"),
		RelatedItemID: item[demoNormAmender], Reason: "第五条、第八条按新修订的《中华人民共和国行政处罚法》修改。"}); err != nil {
		return fmt.Errorf("amend: %w", err)
	}
	// Filings with the city government (市司法局 handles the review).
	for i, t := range []string{"关于进一步规范宗教活动场所财务管理工作的通知", "关于加强本市少数民族流动人口服务管理工作的意见", demoNormRepealer, demoNormAmender, demoNormHalal} {
		var published civil.Date
		for _, d := range docs {
			if d.title == t {
				published = d.published
			}
		}
		if err := c.Normative.AddFiling(ctx, policy, item[t], normative.Filing{FiledWith: "上海市人民政府（市司法局备案审查处）", FiledOn: published.AddDays(14),
			FilingNumber: fmt.Sprintf("沪府规备〔%d〕%d号", published.Year, 21+i*7), Note: "经审查，予以备案。"}); err != nil {
			return fmt.Errorf("filing: %w", err)
		}
	}
	pe := editors["pudong-mzb"]
	if err := c.Normative.AddFiling(ctx, pe, item["浦东新区清真食品经营场所管理实施细则"], normative.Filing{FiledWith: "浦东新区人民政府（区司法局）",
		FiledOn: civil.MustParse("2023-04-25"), FilingNumber: "浦府规备〔2023〕3号"}); err != nil {
		return fmt.Errorf("filing: %w", err)
	}
	// The yearly cleanup, published with a repeal.
	cid, err := c.Normative.CreateCleanup(ctx, policy, demoNormCleanup, "根据《上海市行政规范性文件管理规定》，对本局现行有效的行政规范性文件进行全面清理，逐件提出继续有效、修改或者废止的意见。")
	if err != nil {
		return err
	}
	entries := []struct {
		title    string
		decision normative.Decision
		reason   string
	}{
		{demoNormHalal, normative.Continue, "符合现行法律法规，继续有效。"},
		{"关于进一步规范宗教活动场所财务管理工作的通知", normative.Amend, "部分条款与新修订的《宗教活动场所财务管理办法》不一致，拟修改。"},
		{"关于加强本市少数民族流动人口服务管理工作的意见", normative.Continue, "继续有效。"},
		{demoNormCleanedUp, normative.Repeal, "调整对象已由《宗教事务条例》及配套规定规范，不再适用。"},
	}
	var add []int64
	for _, e := range entries {
		add = append(add, item[e.title])
	}
	if err := c.Normative.AddToCleanup(ctx, policy, cid, add); err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	for _, e := range entries {
		if err := c.Normative.Decide(ctx, policy, cid, item[e.title], e.decision, e.reason); err != nil {
			return fmt.Errorf("cleanup decision: %w", err)
		}
	}
	if err := c.Normative.PublishCleanup(ctx, policy, cid, civil.MustParse("2025-12-20")); err != nil {
		return fmt.Errorf("cleanup publication: %w", err)
	}
	// The evaluation reminders due today (the daily job's work).
	if _, err := c.Normative.RemindDue(ctx); err != nil {
		return err
	}
	return nil
}
