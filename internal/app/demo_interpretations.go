package app

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// loadDemoInterpretations links the demo's policies to interpretations in
// three forms — a text interpretation of the 流动人口 opinion, a
// 图解 of the halal-food measures (three images with alt text and long
// descriptions) and a 问答 on the religious-affairs approval guide — and
// publishes one recent policy without its interpretation, so that the
// check has something to show; and gives one draft its pre-publication
// assessment.
func (c *Core) loadDemoInterpretations(ctx context.Context, agencyID int64, editor, reviewer, approver *auth.Principal) error {
	if editor == nil || reviewer == nil || approver == nil {
		return nil
	}
	svc := c.Disclosure
	itemID := func(title string) (int64, error) {
		var id int64
		err := c.DB.R.QueryRowContext(ctx, `SELECT id FROM items WHERE agency_id = $1 AND title = $2`, agencyID, title).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("demo item %s: %w", title, err)
		}
		return id, nil
	}
	col, err := svc.ColumnBySlug(ctx, agencyID, "zcwj")
	if err != nil {
		return err
	}
	today := civil.Of(svc.Now()).String()
	publish := func(id int64) error {
		for _, step := range []func() error{
			func() error { return svc.Submit(ctx, editor, id) },
			func() error { return svc.Review(ctx, reviewer, id, "") },
			func() error { return svc.Approve(ctx, approver, id) },
			func() error { return svc.Publish(ctx, approver, id, time.Time{}) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}
	newItem := func(title, genre, body string) (int64, error) {
		it, err := svc.Create(ctx, editor, agencyID, disclosure.DraftFields{Title: title, FormedOn: today, Genre: genre, FivePublics: []string{"decision"},
			Body: body, SourceType: "self", ColumnIDs: []int64{col.ID}, Publisher: "上海市民族和宗教事务局"})
		if err != nil {
			return 0, fmt.Errorf("demo interpretation %s: %w", title, err)
		}
		return it.ID, nil
	}

	// Text: a written interpretation of the 流动人口 opinion.
	opinion, err := itemID("关于加强本市少数民族流动人口服务管理工作的意见")
	if err != nil {
		return err
	}
	text, err := newItem("解读：《关于加强本市少数民族流动人口服务管理工作的意见》", "解读",
		"一、出台背景。\n\n二、主要内容：完善服务体系、加强就业服务、保障合法权益。\n\n三、工作要求。")
	if err != nil {
		return err
	}
	if err := svc.SaveInterpretation(ctx, editor, text, disclosure.InterpretationInput{Form: "text", Policies: strconv.FormatInt(opinion, 10)}); err != nil {
		return fmt.Errorf("demo text interpretation: %w", err)
	}
	if err := publish(text); err != nil {
		return fmt.Errorf("demo text interpretation: %w", err)
	}

	// 图解.
	measures, err := itemID("上海市清真食品管理实施办法")
	if err != nil {
		return err
	}
	graphic, err := newItem("图解：《上海市清真食品管理实施办法》", "解读", "用三张图读懂清真食品标志牌的申领、使用和监督。")
	if err != nil {
		return err
	}
	frames := map[int64][2]string{}
	for i, f := range [][2]string{
		{"清真食品标志牌申领流程：提交申请、区民族事务部门审核、10个工作日内作出决定、发放标志牌", "第一步，经营者向所在区民族事务主管部门提交申请材料；第二步，区民族事务主管部门审核；第三步，自收到材料之日起10个工作日内作出书面答复；第四步，符合条件的发放清真食品标志牌。"},
		{"标志牌使用规范：不得转让、出借、涂改、伪造，经营者变更须重新申领", "清真食品标志牌应当悬挂在经营场所的显著位置。标志牌不得转让、出借、涂改或者伪造；经营者、经营场所变更的，应当重新申领。"},
		{"监督举报渠道：12345 热线、区民族事务部门、市民族宗教局网站", "发现冒用清真食品标志牌等行为的，可以拨打12345市民服务热线，或者向区民族事务主管部门举报，也可以在市民族宗教局网站“我为政府网站找错”之外的领导信箱、留言板反映。"},
	} {
		att, err := svc.AddAttachment(ctx, editor, graphic, fmt.Sprintf("图解%d.png", i+1), bytes.NewReader(demoPNG))
		if err != nil {
			return fmt.Errorf("demo graphic image: %w", err)
		}
		frames[att] = f
	}
	if err := svc.SaveInterpretation(ctx, editor, graphic, disclosure.InterpretationInput{Form: "graphic", Policies: strconv.FormatInt(measures, 10), Frames: frames}); err != nil {
		return fmt.Errorf("demo graphic interpretation: %w", err)
	}
	if err := publish(graphic); err != nil {
		return fmt.Errorf("demo graphic interpretation: %w", err)
	}

	// 问答.
	guide, err := itemID("上海市宗教团体办理宗教事务审批事项指南（2025年版）")
	if err != nil {
		return err
	}
	qa, err := newItem("《上海市宗教团体办理宗教事务审批事项指南（2025年版）》问答", "解读", "围绕宗教团体最关心的审批问题，逐一解答。")
	if err != nil {
		return err
	}
	if err := svc.SaveInterpretation(ctx, editor, qa, disclosure.InterpretationInput{Form: "qa", Policies: strconv.FormatInt(guide, 10),
		QAText: "问：指南适用于哪些事项？\n答：适用于本市宗教团体向市民族宗教局申请办理的各类宗教事务审批事项。\n问：申请材料可以网上提交吗？\n答：可以，通过“一网通办”平台提交；纸质材料可以邮寄或者到窗口提交。\n问：审批期限是多长？\n答：除法律法规另有规定外，自受理之日起20个工作日内作出决定。"}); err != nil {
		return fmt.Errorf("demo Q&A interpretation: %w", err)
	}
	if err := publish(qa); err != nil {
		return fmt.Errorf("demo Q&A interpretation: %w", err)
	}

	// A new policy without its interpretation yet.
	recent, err := newItem("关于推进民族团结进步示范创建常态化的实施意见（演示）", "意见", "为推进民族团结进步示范创建常态化，提出如下意见。")
	if err != nil {
		return err
	}
	if err := publish(recent); err != nil {
		return fmt.Errorf("demo policy: %w", err)
	}

	// A draft marked major, with its assessment.
	major, err := newItem("关于调整部分清真牛羊肉基本供应点的通知（草稿）", "通知", "根据供应保障需要，拟调整部分基本供应点。")
	if err != nil {
		return err
	}
	return svc.SaveAssessment(ctx, editor, major, disclosure.AssessmentInput{Major: true, Reaction: "供应点调整涉及少数民族群众日常生活，可能引起附近居民关注和咨询。",
		Risk: "medium", Plan: "同步发布问答；12345 热线和各区民族宗教部门准备答复口径；调整前后两周加强舆情监测。", InterpretationReady: true})
}
