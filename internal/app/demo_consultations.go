package app

import (
	"context"
	"fmt"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/consultation"
)

// demoUnityDraft is an invented draft of ten articles.
const demoUnityDraft = `本市民族团结进步示范单位创建评估办法（征求意见稿）（演示）
第一章 总则
第一条 为规范本市民族团结进步示范单位（区、社区）创建和评估工作，推动创建工作常态化，制定本办法。
第二条 本办法适用于本市机关、企事业单位、社区、学校和宗教活动场所开展的民族团结进步示范创建评估。
第三条 申报单位应当提交创建工作报告、特色做法材料和群众满意度调查结果；申报材料实行网上提交。
第四条 区民族工作部门应当自收到申报材料之日起20个工作日内完成初审，并将初审结果书面告知申报单位。
第五条 评估实行量化评分，满分100分，其中群众评价占30分；评分细则由市民族宗教部门另行公布。
第六条 评估结果在政府网站公示，公示期不少于7日；公示期间有异议的，应当组织复核。
第二章 动态管理
第七条 示范单位实行动态管理，每三年复核一次；复核不合格的，撤销命名并向社会公布。
第八条 示范单位有弄虚作假、发生严重影响民族团结事件等情形的，撤销其命名。
第九条 市和区民族工作部门应当建立示范单位信息库，在政府网站公布名单和创建经验。
第十条 本办法自2027年1月1日起施行。`

// loadDemoConsultations gives the bureau a consultation answered two
// months ago (with its feedback report) for the venue-safety plan of the
// decision catalogue, an open one on the unity-model draft — comments on
// article 3 and on the whole, a near-identical campaign — and a draft.
func (c *Core) loadDemoConsultations(ctx context.Context, agencyID int64, editor, approver, handler *auth.Principal) error {
	if editor == nil || approver == nil || handler == nil {
		return nil
	}
	today := civil.Of(c.Consultations.Now())
	at := func(d civil.Date) *consultation.Service {
		s := *c.Consultations
		s.Now = func() time.Time { return d.StartUTC().Add(9 * time.Hour) }
		return &s
	}
	comment := func(s *consultation.Service, id int64, i int, in consultation.CommentInput) (*consultation.Comment, error) {
		m, err := s.SubmitComment(ctx, agencyID, id, in, fmt.Sprintf("demo-comment-%d-%d", id, i), nil)
		if err != nil {
			return nil, fmt.Errorf("demo comment %d: %w", i, err)
		}
		return m, nil
	}

	decisionOf := func(like string) int64 {
		var id int64
		c.DB.R.QueryRowContext(ctx, `SELECT id FROM decisions WHERE agency_id = $1 AND title LIKE $2 ORDER BY id LIMIT 1`, agencyID, like).Scan(&id)
		return id
	}
	// Answered: a plan put to the public by paragraphs.
	opened := today.AddDays(-75)
	s := at(opened)
	plan, err := s.Create(ctx, editor, agencyID, consultation.Fields{Title: "关于《本市宗教活动场所安全管理三年行动计划（征求意见稿）》公开征求意见的公告（演示）",
		Summary:     "为做好宗教活动场所安全管理工作，现将行动计划征求意见稿公开征求意见。请于征求意见期内在本页提出意见。",
		Draft:       "一、总体要求：以消防、建筑和大型活动安全为重点，三年内实现本市宗教活动场所安全隐患动态清零。\n二、主要任务：开展消防设施达标改造，建立电气线路年度检测制度，推广电子香烛和集中焚香点。\n三、大型活动管理：节日期间人流量较大的场所实行预约限流，会同公安、交通部门做好周边交通组织。\n四、保障措施：各区民族宗教部门每年开展两次安全检查，检查结果向社会公开。",
		Explanation: "本计划依据《宗教事务条例》《上海市宗教事务条例》和本市安全生产有关规定起草。", OpensOn: opened.String(), ClosesOn: opened.AddDays(29).String(),
		DecisionID: decisionOf("%宗教活动场所安全管理%")})
	if err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	if err := s.Publish(ctx, editor, plan.ID); err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	var planComments []int64
	for i, in := range []consultation.CommentInput{
		{ClauseSeq: 2, Body: "建议电子香烛推广给场所留出过渡期，并由政府给予一定补贴。", Name: "陈立", Email: "demo1@example.com", Consent: true},
		{ClauseSeq: 3, Body: "节日限流请保留现场登记，老年人不会用手机预约。", Name: "王淑芬", Consent: true},
		{ClauseSeq: 3, Body: "预约限流好，但请提前公布各场所的限流人数。", Name: "李明"},
		{ClauseSeq: 4, Body: "安全检查结果公开很好，建议同时公开整改情况。", Name: "赵刚", Email: "demo2@example.com", Consent: true},
		{Body: "总体支持，希望三年计划有年度目标和考核。", Consent: true},
	} {
		m, err := comment(at(opened.AddDays(3+i*4)), plan.ID, i, in)
		if err != nil {
			return err
		}
		planComments = append(planComments, m.ID)
	}
	later := at(opened.AddDays(31))
	if _, err := later.CloseDue(ctx); err != nil {
		return err
	}
	if _, err := later.Apply(ctx, approver, plan.ID, consultation.Bulk{Action: "approve", IDs: planComments}); err != nil {
		return err
	}
	if _, err := later.Apply(ctx, handler, plan.ID, consultation.Bulk{Action: "group", IDs: planComments[1:3], GroupLabel: "节日预约限流的方式和信息公开"}); err != nil {
		return err
	}
	groups, err := later.Groups(ctx, handler, plan.ID)
	if err != nil || len(groups) == 0 {
		return fmt.Errorf("demo consultation groups: %v", err)
	}
	if err := later.AnswerGroup(ctx, handler, plan.ID, groups[0].ID, groups[0].Label, consultation.Adopted, "已增加“保留现场登记通道、提前公布限流人数”的规定。"); err != nil {
		return err
	}
	for _, a := range []struct {
		id     int64
		answer consultation.Answer
		reply  string
	}{
		{planComments[0], consultation.Partly, "已增加一年过渡期；补贴事项涉及财政预算，将另行研究。"},
		{planComments[3], consultation.Adopted, "已增加“整改情况一并公开”的规定。"},
		{planComments[4], consultation.Adopted, "已在保障措施中增加年度目标和考核要求。"},
	} {
		if _, err := later.Apply(ctx, handler, plan.ID, consultation.Bulk{Action: "answer", IDs: []int64{a.id}, Answer: a.answer, Reply: a.reply}); err != nil {
			return err
		}
	}
	if err := at(opened.AddDays(35)).PublishFeedback(ctx, handler, plan.ID, "征求意见期间共收到意见 5 条，经认真研究，采纳 4 条、部分采纳 1 条，现将采纳情况公布如下。"); err != nil {
		return fmt.Errorf("demo feedback: %w", err)
	}

	// Open: the unity-model draft, for its entry of the catalogue.
	opened = today.AddDays(-10)
	s = at(opened)
	unity, err := s.Create(ctx, editor, agencyID, consultation.Fields{Title: "关于《本市民族团结进步示范单位创建评估办法（征求意见稿）》公开征求意见的公告（演示）",
		Summary: "为规范民族团结进步示范创建评估工作，我局起草了评估办法，现向社会公开征求意见。可以对草案整体提出意见，也可以针对具体条款。",
		Draft:   demoUnityDraft, Explanation: "一、起草背景：示范创建已开展多年，评估标准不统一、动态管理不足。\n二、主要内容：明确申报材料和初审期限（第三、四条），实行量化评分和公示（第五、六条），建立三年复核和撤销命名制度（第七、八条）。",
		OpensOn: opened.String(), ClosesOn: opened.AddDays(29).String(), DecisionID: decisionOf("%示范单位%")})
	if err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	if err := s.Publish(ctx, editor, unity.ID); err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	var approve []int64
	inputs := []consultation.CommentInput{
		{ClauseSeq: 3, Body: "第三条要求的申报材料太多，社区人手有限，建议简化为创建报告加特色案例。", Name: "马建国", Email: "demo3@example.com", Consent: true},
		{ClauseSeq: 6, Body: "支持评估结果公示，建议同时公布评分明细。", Name: "刘芳", Consent: true},
		{ClauseSeq: 7, Body: "三年复核间隔偏长，建议改为两年，并引入群众评议。", Name: "白雪", Consent: true},
		{Body: "总体赞成，建议对宗教活动场所的创建标准单独作出规定。", Name: "杨帆", Phone: "13800009901"},
	}
	for i := 0; i < 6; i++ {
		text := "强烈建议删除第五条的量化评分，民族团结工作不能简单打分，请改为定性评价。"
		if i%2 == 1 {
			text += "谢谢！"
		}
		inputs = append(inputs, consultation.CommentInput{ClauseSeq: 5, Body: text})
	}
	for i, in := range inputs {
		m, err := comment(at(opened.AddDays(1+i%9)), unity.ID, i, in)
		if err != nil {
			return err
		}
		if in.Consent {
			approve = append(approve, m.ID)
		}
	}
	if _, err := c.Consultations.Analyze(ctx, unity.ID); err != nil {
		return err
	}
	if _, err := c.Consultations.Apply(ctx, approver, unity.ID, consultation.Bulk{Action: "approve", IDs: approve}); err != nil {
		return err
	}

	// A draft being prepared.
	_, err = c.Consultations.Create(ctx, editor, agencyID, consultation.Fields{Title: "关于《少数民族流动人口服务管理办法（草案）》公开征求意见的公告（演示，草稿）",
		Draft:   "第一条 为做好少数民族流动人口服务管理工作，制定本办法。\n第二条 本办法适用于在本市居住、就业的少数民族流动人口的服务管理。",
		OpensOn: today.AddDays(7).String(), ClosesOn: today.AddDays(36).String()})
	return err
}
