package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/socialeval"
	"github.com/gongkai/gongkai/internal/survey"
)

// Demo social evaluation of 上海市民族和宗教事务局: the campaigns of the last
// two years, answered, closed and published (the later one with three
// improvement actions: one done, one due soon, one overdue), and this
// year's campaign open, its public questionnaire on the portal.

// demoEvalYear describes a demo campaign.
type demoEvalYear struct {
	year       int
	indicators string
	// quality is the dimensions' mean answer in tenths (42 = 4.2), in the
	// order of the tree.
	quality []int
	// responses per group, in the order of socialeval.DefaultGroups.
	responses []int
	narrative socialeval.Narrative
}

// demoGroupBias shifts each group's answers (tenths): deputies and CPPCC
// members a little kinder, the public and third parties stricter.
var demoGroupBias = []int{3, 2, -3, -1, -5}

var demoComments = []string{
	"希望政策文件发布时同步配发图解，便于群众理解。",
	"网站搜索不够好用，按文号找不到文件。",
	"依申请公开的答复很规范，办理也及时。",
	"建议开放日活动多安排基层群众参加。",
	"清真食品监管信息更新可以再及时一些。",
	"少数民族群众办事指南希望增加多语种版本。",
}

// demoAnswers is the deterministic, varied answers of the r-th evaluator
// of group gi: one value 1–5 per indicator, then sometimes a comment.
func demoAnswers(y demoEvalYear, c *socialeval.Campaign, gi, r int) survey.Answers {
	a := survey.Answers{}
	seq := 0
	for di, d := range c.Dimensions {
		for range d.Children {
			seq++
			noise := (r*7+seq*3+gi*5+y.year)%13 - 6
			x := y.quality[di] + demoGroupBias[gi] + noise
			v := min(max((x+5)/10, 1), 5)
			a["q"+strconv.Itoa(seq)] = []string{strconv.Itoa(v)}
		}
	}
	if (r+gi)%3 == 0 {
		a["q"+strconv.Itoa(seq+1)] = []string{demoComments[(r+gi+y.year)%len(demoComments)]}
	}
	return a
}

func (c *Core) demoSocialEval(ctx context.Context, editor *auth.Principal) error {
	if editor == nil || c.Evaluations == nil {
		return nil
	}
	today := civil.Of(c.Evaluations.Now())
	last, before := today.Year-1, today.Year-2
	earlier := demoEvalYear{year: before, quality: []int{38, 40, 36, 41, 39}, responses: []int{4, 3, 8, 3, 2},
		indicators: "决策公开 25\n- 决策草案公开征求意见 40\n- 意见采纳情况反馈 30\n- 政策解读及时准确 30\n" +
			"管理服务公开 20\n- 权责清单和行政执法信息公开 50\n- 办事服务指南清晰完整 50\n" +
			"执行和结果公开 20\n- 重点工作推进情况公开 50\n- 政策执行效果和评估结果公开 50\n" +
			"政务公开平台建设 20\n- 网站和政务新媒体好用易用 40\n- 信息查找便捷 30\n- 政府开放日等互动活动 30\n" +
			"依申请公开 15\n- 申请渠道畅通 50\n- 答复及时规范 50\n",
		narrative: socialeval.Narrative{
			Summary: fmt.Sprintf("%d 年 10 月至 11 月，本局邀请人大代表、政协委员、新闻媒体和第三方机构，并面向社会公众公开征集，对本局政务公开工作开展社会评议，共收到有效答卷 20 份。"+
				"评议总体评价良好，平台建设和管理服务公开得分较高。", before),
			Problems: "一是执行和结果公开不够充分，重点工作推进情况更新不及时；二是政策解读形式单一；三是网站信息查找不够便捷。",
			Measures: "一是建立重点工作进展按季度公开机制；二是丰富政策解读形式；三是改进网站检索功能。",
		}}
	lastYear := demoEvalYear{year: last, quality: []int{42, 41, 40, 38, 44}, responses: []int{4, 4, 10, 3, 3},
		indicators: socialeval.DefaultIndicators,
		narrative: socialeval.Narrative{
			Summary: fmt.Sprintf("%d 年 10 月至 11 月，本局开展年度政务公开工作社会评议，邀请人大代表、政协委员、新闻媒体、第三方机构评议，"+
				"并在门户网站面向社会公众公开征集评价，共收到有效答卷 24 份。评议总体评价较好，依申请公开和决策公开得分较上年明显提高。", last),
			Problems: "一是政务公开平台的信息查找便捷性仍有不足，部分评议人反映按文号检索文件困难；二是政策执行效果和评估结果公开偏少；三是政府开放日等互动活动的覆盖面有待扩大。",
			Measures: "一是优化网站站内搜索，支持按文号、发布日期检索；二是对重点政策开展执行效果评估并公开评估结果；三是增加政府开放日场次，邀请更多基层群众参加；四是持续做好政策解读“一图读懂”。",
		}}
	if _, err := c.demoEvaluation(ctx, editor, earlier); err != nil {
		return fmt.Errorf("demo evaluation %d: %w", before, err)
	}
	camp, err := c.demoEvaluation(ctx, editor, lastYear)
	if err != nil {
		return fmt.Errorf("demo evaluation %d: %w", last, err)
	}
	leaf := func(dim, name string) string {
		for _, d := range camp.Dimensions {
			for _, l := range d.Children {
				if d.Name == dim && l.Name == name {
					return strconv.FormatInt(l.ID, 10)
				}
			}
		}
		return ""
	}
	for _, f := range []socialeval.ActionFields{
		{Title: "在政务公开专栏增设政策解读“一图读懂”栏目", IndicatorID: leaf("决策公开", "政策解读及时准确"), Division: "政策法规处",
			DueOn: today.AddDays(-40).String(), State: "done", DoneOn: today.AddDays(-45).String(),
			Note: "“一图读懂”栏目已上线，已对本年度出台的 6 件政策文件配发图解，并在政务新媒体同步推送。"},
		{Title: "优化网站站内搜索，支持按文号和发布日期检索", IndicatorID: leaf("政务公开平台建设", "信息查找便捷"), Division: "办公室",
			DueOn: today.AddDays(5).String()},
		{Title: "对重点政策开展执行效果评估并公开评估结果", IndicatorID: leaf("执行和结果公开", "政策执行效果和评估结果公开"), Division: "政策法规处",
			DueOn: today.AddDays(-10).String()},
	} {
		if _, err := c.Evaluations.AddAction(ctx, editor, camp.ID, f); err != nil {
			return fmt.Errorf("demo improvement action: %w", err)
		}
	}
	return c.demoOpenEvaluation(ctx, editor, today)
}

// demoEvaluation runs a campaign of a past year from draft to published,
// on that year's dates.
func (c *Core) demoEvaluation(ctx context.Context, editor *auth.Principal, y demoEvalYear) (*socialeval.Campaign, error) {
	at := func(month time.Month, day int) *socialeval.Service {
		s := *c.Evaluations
		t := time.Date(y.year, month, day, 10, 0, 0, 0, civil.Shanghai)
		s.Now = func() time.Time { return t }
		return &s
	}
	camp, err := at(10, 8).Create(ctx, editor, socialeval.Fields{Title: fmt.Sprintf("上海市民族和宗教事务局%d年度政务公开工作社会评议", y.year),
		Year: strconv.Itoa(y.year), Intro: "为了解社会各界对本局政务公开工作的评价，现开展年度社会评议，评议结果和整改情况将向社会公开。",
		Groups: socialeval.DefaultGroups, Indicators: y.indicators})
	if err != nil {
		return nil, err
	}
	if err := at(10, 10).Open(ctx, editor, camp.ID, camp.Version); err != nil {
		return nil, err
	}
	if camp, err = c.Evaluations.Get(ctx, editor, camp.ID); err != nil {
		return nil, err
	}
	for gi, g := range camp.Groups {
		n := y.responses[gi]
		var tokens []string
		if g.Access == socialeval.ByInvitation {
			// One more link than answers: one invitee did not respond.
			invs, err := at(10, 10).Invite(ctx, editor, camp.ID, g.ID, n+1)
			if err != nil {
				return nil, err
			}
			for _, inv := range invs {
				tokens = append(tokens, inv.Token)
			}
		}
		for r := range n {
			sub := survey.Submission{Answers: demoAnswers(y, camp, gi, r), IP: "demo-evaluation"}
			if tokens != nil {
				sub.Token = tokens[r]
			}
			if _, err := c.Surveys.Submit(ctx, g.SurveyID, sub); err != nil {
				return nil, fmt.Errorf("demo response (%s): %w", g.Name, err)
			}
		}
	}
	steps := []func(*socialeval.Campaign) error{
		func(x *socialeval.Campaign) error { return at(11, 20).Close(ctx, editor, x.ID, x.Version) },
		func(x *socialeval.Campaign) error {
			return at(11, 28).SaveNarrative(ctx, editor, x.ID, y.narrative, x.Version)
		},
		func(x *socialeval.Campaign) error { return at(12, 5).Publish(ctx, editor, x.ID, x.Version) },
	}
	for _, step := range steps {
		if camp, err = c.Evaluations.Get(ctx, editor, camp.ID); err != nil {
			return nil, err
		}
		if err := step(camp); err != nil {
			return nil, err
		}
	}
	return c.Evaluations.Get(ctx, editor, camp.ID)
}

// demoOpenEvaluation opens this year's campaign: invitations sent to the
// deputies (two answered), and a few answers of the public.
func (c *Core) demoOpenEvaluation(ctx context.Context, editor *auth.Principal, today civil.Date) error {
	s := *c.Evaluations
	start := today.AddDays(-18).Time()
	s.Now = func() time.Time { return start }
	y := demoEvalYear{year: today.Year, quality: []int{43, 42, 41, 42, 44}}
	camp, err := s.Create(ctx, editor, socialeval.Fields{Title: fmt.Sprintf("上海市民族和宗教事务局%d年度政务公开工作社会评议", y.year),
		Year: strconv.Itoa(y.year), Intro: "欢迎您对本局政务公开工作进行评价。问卷匿名填写，约需 5 分钟。",
		Groups: socialeval.DefaultGroups, Indicators: socialeval.DefaultIndicators})
	if err != nil {
		return err
	}
	if err := s.Open(ctx, editor, camp.ID, camp.Version); err != nil {
		return err
	}
	if camp, err = c.Evaluations.Get(ctx, editor, camp.ID); err != nil {
		return err
	}
	for gi, g := range camp.Groups {
		switch {
		case g.Access == socialeval.ByInvitation && gi == 0:
			invs, err := c.Evaluations.Invite(ctx, editor, camp.ID, g.ID, 5)
			if err != nil {
				return err
			}
			for r, inv := range invs[:2] {
				if _, err := c.Surveys.Submit(ctx, g.SurveyID, survey.Submission{Answers: demoAnswers(y, camp, gi, r), Token: inv.Token, IP: "demo-evaluation"}); err != nil {
					return err
				}
			}
		case g.Access == socialeval.OpenToPublic:
			for r := range 3 {
				if _, err := c.Surveys.Submit(ctx, g.SurveyID, survey.Submission{Answers: demoAnswers(y, camp, gi, r), IP: "demo-evaluation"}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
