package app

import (
	"context"
	"fmt"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/concern"
)

// loadDemoConcerns gives the bureau its mailbox leaders, a routing rule and
// letters, board messages and a site-error report in different states.
// Writers are invented.
func (c *Core) loadDemoConcerns(ctx context.Context, agencyID int64, divisions map[string]int64, handler, head *auth.Principal) error {
	if handler == nil || head == nil {
		return nil
	}
	svc := c.Concerns
	if err := svc.UpdateSettings(ctx, head, concern.Settings{AgencyID: agencyID, Days: map[concern.Channel]int{},
		Leaders: []concern.Leader{{Title: "局长", Name: "赵某某（演示）"}, {Title: "副局长", Name: "钱某某（演示）"}}}); err != nil {
		return err
	}
	for _, r := range []struct {
		category, keyword, division string
	}{{"宗教事务", "", "宗教工作一处"}, {"民族事务", "", "民族工作一处"}, {"", "清真", "民族工作二处"}} {
		if _, err := c.DB.W.ExecContext(ctx, `INSERT INTO concern_routes (agency_id, category, keyword, division_id) VALUES ($1, $2, $3, $4)`,
			agencyID, r.category, r.keyword, divisions[r.division]); err != nil {
			return err
		}
	}
	type step struct {
		p   *auth.Principal
		cmd concern.Command
	}
	file := func(l concern.Letter, ip string, steps ...step) error {
		cs, _, err := svc.Submit(ctx, agencyID, l, ip)
		if err != nil {
			return fmt.Errorf("demo letter %s: %w", l.Subject, err)
		}
		for _, s := range steps {
			if _, err := svc.Do(ctx, s.p, cs.ID, s.cmd); err != nil {
				return fmt.Errorf("demo letter %s, %s: %w", l.Subject, s.cmd.Action, err)
			}
		}
		return nil
	}
	answer := func(reply string, publish bool) []step {
		return []step{{handler, concern.Command{Action: concern.ActDraft, Draft: reply}}, {handler, concern.Command{Action: concern.ActSubmit}},
			{head, concern.Command{Action: concern.ActApprove, Publish: publish}}}
	}
	if err := file(concern.Letter{Channel: concern.Mailbox, Leader: "局长 赵某某（演示）", Category: "宗教事务", Consent: true,
		Subject: "建议宗教活动场所周末延长开放时间", Body: "周末前往场所的市民较多，建议适当延长开放时间，并公布各场所的开放安排。",
		Name: "周明", Phone: "13800000011"}, "demo-1", answer("感谢您的建议。我局已请各宗教活动场所根据接待能力研究周末开放安排，并将在本网站“宗教活动场所”栏目公布。", true)...); err != nil {
		return err
	}
	if err := file(concern.Letter{Channel: concern.Board, Category: "民族事务", Subject: "少数民族学生有哪些助学政策？",
		Body: "孩子明年上高中，想了解本市面向少数民族学生的助学政策。", Name: "马丽", Phone: "13800000012"}, "demo-2",
		append([]step{{head, concern.Command{Action: concern.ActModerate, Moderation: concern.ModApproved}}},
			answer("本市少数民族学生可按规定享受助学金等资助，具体请咨询就读学校或区教育部门，也可拨打 12345 热线。", true)...)...); err != nil {
		return err
	}
	if err := file(concern.Letter{Channel: concern.Board, Category: "其他", Subject: "清真食品标识在哪里查询？",
		Body: "想核实一家餐厅的清真标志牌是否有效。", Name: "李强", Phone: "13800000013"}, "demo-3",
		step{head, concern.Command{Action: concern.ActModerate, Moderation: concern.ModApproved}}); err != nil {
		return err
	}
	if err := file(concern.Letter{Channel: concern.Mailbox, Leader: "副局长 钱某某（演示）", Category: "民族事务",
		Subject: "反映社区民族团结活动场地不足", Body: "社区开展民族团结进步活动时场地紧张，希望协调。", Name: "王芳", Phone: "13800000014"}, "demo-4",
		step{head, concern.Command{Action: concern.ActSupervise, On: true, Note: "请民族工作一处本周内联系来信人"}}); err != nil {
		return err
	}
	return file(concern.Letter{Channel: concern.SiteError, Subject: "链接打不开", Body: "政府信息公开指南页面中的一个链接无法打开。",
		PageURL: "/o/mzzj/gk/guide"}, "demo-5")
}
