package app

import (
	"bytes"
	"context"
	"fmt"

	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/pii"
)

// demoPNG is a one-pixel image standing in for an identity proof.
var demoPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func demoID(first17 string) string { return first17 + string(pii.IDCheckChar(first17)) }

func demoCredit(first17 string) string { return first17 + string(pii.CreditCheckChar(first17)) }

// loadDemoApplications files applications to the bureau in every state of
// the workflow: waiting to be registered, running, awaiting correction, in
// consultation, answered (this year and last, one carried over), so that
// the console, the applicant's status page and table three all have data.
// The applicants are invented.
func (c *Core) loadDemoApplications(ctx context.Context, agencyID int64, handler, head *auth.Principal) error {
	if handler == nil || head == nil {
		return nil
	}
	svc := c.Applications
	today := civil.Of(svc.Now())
	person := func(name, id17, phone string) application.Applicant {
		return application.Applicant{Type: application.NaturalPerson, Name: name, IDType: application.IDCard, IDNumber: demoID(id17),
			Phone: phone, Email: "applicant@example.com", Address: "上海市（演示地址）"}
	}
	org := func(t application.ApplicantType, name, credit17, contact string) application.Applicant {
		return application.Applicant{Type: t, Name: name, IDType: application.CreditCode, IDNumber: demoCredit(credit17),
			Contact: contact, Phone: "021-64000000", Email: "office@example.com", Address: "上海市（演示地址）"}
	}
	request := func(title, desc string) application.Request {
		return application.Request{Title: title, Description: desc, Form: application.Electronic, Delivery: application.ByEmail}
	}
	record := func(ch application.Channel, daysAgo int, a application.Applicant, q application.Request) (*application.Application, error) {
		on := today.AddDays(-daysAgo)
		sub := application.Submission{AgencyID: agencyID, Channel: ch, ReceivedOn: on, SignedOn: on, Applicant: a, Request: q,
			Identity: &application.Upload{Name: "身份证明.png", Reader: bytes.NewReader(demoPNG)}}
		r, err := svc.Record(ctx, handler, sub)
		if err != nil {
			return nil, fmt.Errorf("demo application %s: %w", q.Title, err)
		}
		return r.App, nil
	}
	step := func(p *auth.Principal, a *application.Application, daysAgo int, cmd application.Command) error {
		cmd.On = today.AddDays(-daysAgo)
		if cmd.On.Before(a.ReceivedOn) {
			cmd.On = a.ReceivedOn
		}
		_, err := svc.Do(ctx, p, a.ID, cmd)
		if err != nil {
			return fmt.Errorf("demo application %s, %s: %w", a.Number, cmd.Action, err)
		}
		return nil
	}
	// Answered: consulted a third party, then disclosed.
	a, err := record(application.InPerson, 45, person("王立新", "31010419750312251", "13800000001"),
		request("2025年度本市宗教活动场所年检结果汇总", "本市2025年度宗教活动场所年度检查的结果汇总表"))
	if err != nil {
		return err
	}
	for _, s := range []struct {
		p   *auth.Principal
		ago int
		cmd application.Command
	}{
		{handler, 40, application.Command{Action: application.ActConsult, ConsultKind: application.ThirdParty, Party: "有关宗教活动场所管理组织"}},
		{handler, 33, application.Command{Action: application.ActConsulted, Result: application.Agrees, Opinion: "同意公开汇总结果"}},
		{handler, 28, application.Command{Action: application.ActReply, Outcome: application.OutDisclose, Text: "现将2025年度本市宗教活动场所年检结果汇总表通过电子邮件发送给您。"}},
		{handler, 27, application.Command{Action: application.ActDeliver, DeliveryMethod: "电子邮件发送至申请人邮箱"}},
	} {
		if err := step(s.p, a, s.ago, s.cmd); err != nil {
			return err
		}
	}
	if err := svc.SaveRemedy(ctx, handler, a.ID, application.Remedy{Kind: application.Reconsideration, FiledOn: today.AddDays(-10),
		Body: "上海市人民政府（演示）"}); err != nil {
		return fmt.Errorf("demo remedy: %w", err)
	}
	// Answered in part, by a law firm.
	if a, err = record(application.RegisteredMail, 70, org(application.LegalService, "上海某某律师事务所（演示）", "31310000MD0000001", "赵律师"),
		request("某宗教团体换届选举备案材料", "2024年某宗教团体换届选举的备案材料")); err != nil {
		return err
	}
	if err := step(handler, a, 50, application.Command{Action: application.ActReply, Outcome: application.OutPartial,
		Text: "提供备案通知书。", Withheld: "备案材料中的个人身份信息涉及个人隐私，依据条例第十五条不予公开。"}); err != nil {
		return err
	}
	// Running, assigned, due in a few working days.
	if a, err = record(application.RegisteredMail, 18, person("李红", "31011019820915362", "13800000002"),
		request("清真食品经营许可相关规范性文件", "本市关于清真食品经营的现行规范性文件目录")); err != nil {
		return err
	}
	if err := step(handler, a, 17, application.Command{Action: application.ActAssign, HandlerID: handler.UserID}); err != nil {
		return err
	}
	// Awaiting correction.
	if a, err = record(application.Email, 6, person("陈思", "31010519900101001", "13800000003"), request("", "有关部门的文件")); err != nil {
		return err
	}
	if err := step(handler, a, 5, application.Command{Action: application.ActRegister, Note: "电话与申请人确认"}); err != nil {
		return err
	}
	if err := step(handler, a, 4, application.Command{Action: application.ActRequestCorrection,
		Items: "1. 请写明所需信息的名称、文号或者制作机关；\n2. 请写明所需信息的大致形成时间。"}); err != nil {
		return err
	}
	// In consultation with another organ.
	if a, err = record(application.InPerson, 9, org(application.Research, "上海宗教文化研究中心（演示）", "12310000MB0000001", "周老师"),
		request("少数民族流动人口服务管理工作情况", "2025年本市少数民族流动人口服务管理工作的统计数据")); err != nil {
		return err
	}
	if err := step(handler, a, 6, application.Command{Action: application.ActConsult, ConsultKind: application.OtherOrgan, Party: "市公安局（共同制作机关）"}); err != nil {
		return err
	}
	// Filed online today, waiting to be registered.
	_, err = svc.Submit(ctx, application.Submission{AgencyID: agencyID, Applicant: person("孙海", "31011519881230401", "13800000004"),
		Request: request("2026年民族团结进步创建示范单位名单", "本市2026年命名的民族团结进步创建示范单位名单"), Declaration: true,
		Identity: &application.Upload{Name: "身份证.png", Reader: bytes.NewReader(demoPNG)}, IP: "demo"})
	return err
}
