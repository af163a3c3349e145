package app

import (
	"context"
	"strconv"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/survey"
)

// demoSurveys: an open, anonymous questionnaire of 上海市民族和宗教事务局
// about its website and online services, with a skip question and a few
// responses; its results are public.
func (c *Core) demoSurveys(ctx context.Context, p *auth.Principal) error {
	s, err := c.Surveys.Define(ctx, p, survey.Definition{
		Title:          "上海市民族和宗教事务局网站及网上服务满意度调查",
		Intro:          "为进一步改进门户网站和网上办事服务，我们开展本次问卷调查。问卷匿名填写，约需 3 分钟。感谢您的支持！",
		Access:         survey.Anonymous,
		PublishResults: true,
		Open:           true,
		Questions: []survey.QuestionDef{
			{Kind: survey.Single, Title: "您是否在网上办理过本局的服务事项？", Required: true, Choices: []string{"是", "否"}},
			{Kind: survey.Scale, Title: "您对网上办理过程的满意程度", Required: true, ScaleMax: 5, ShowIf: &survey.Condition{Question: 1, Choice: 1}},
			{Kind: survey.Multiple, Title: "您经常访问本局网站的哪些栏目？", Choices: []string{"政府信息公开", "办事服务", "政策解读", "互动交流", "新闻动态"}},
			{Kind: survey.Matrix, Title: "请评价本局网站的以下方面", Rows: []string{"信息更新及时", "查找方便", "页面易读"}, Choices: []string{"满意", "一般", "不满意"}},
			{Kind: survey.LongText, Title: "您对本局网站和网上服务还有什么建议？"},
		},
	})
	if err != nil {
		return err
	}
	answers := []struct {
		done, sat string
		cols      []string
		matrix    [3]string
		text      string
	}{
		{"1", "5", []string{"1", "2"}, [3]string{"1", "1", "2"}, "希望增加办事进度的短信提醒。"},
		{"1", "4", []string{"2"}, [3]string{"1", "2", "1"}, ""},
		{"2", "", []string{"1", "3"}, [3]string{"2", "2", "1"}, "政策解读可以多一些图解。"},
		{"1", "3", []string{"2", "4"}, [3]string{"1", "3", "2"}, ""},
		{"2", "", []string{"5"}, [3]string{"1", "1", "1"}, ""},
		{"1", "5", []string{"1", "2", "3"}, [3]string{"1", "1", "1"}, "手机上查看很方便。"},
	}
	for _, a := range answers {
		ans := survey.Answers{"q1": {a.done}, "q2": {a.sat}, "q3": a.cols, "q5": {a.text}}
		for i, m := range a.matrix {
			ans["q4_"+strconv.Itoa(i+1)] = []string{m}
		}
		if _, err := c.Surveys.Submit(ctx, s.ID, survey.Submission{Answers: ans, IP: "demo"}); err != nil {
			return err
		}
	}
	return nil
}
