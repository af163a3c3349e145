package app

import (
	"bytes"
	"context"
	"fmt"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/decision"
)

// demoPDF is a tiny PDF standing in for the documents of a decision.
func demoPDF(title string) []byte {
	return []byte("%PDF-1.4\n% " + title + "\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

// quarter names the quarter of a day: 2026年第三季度.
func quarter(d civil.Date) string {
	return fmt.Sprintf("%d年第%s季度", d.Year, []string{"一", "二", "三", "四"}[(int(d.Month)-1)/3])
}

// loadDemoDecisions gives the bureau a decision catalogue (条例 Art. 3) for
// the year that began some eight months before today, dated relative to
// today so that every date is in the past: one decision through every stage
// and published, with a hearing whose participant list is public with the
// names masked; one in legality review; one adjusted out of the catalogue;
// one added during the year and in public participation. The people are
// invented.
func (c *Core) loadDemoDecisions(ctx context.Context, agencyID int64, divisions map[string]int64, staff, admin *auth.Principal) error {
	if staff == nil || admin == nil {
		return nil
	}
	svc := c.Decisions
	today := civil.Of(svc.Now())
	at := func(days int) civil.Date { return today.AddDays(-days) }
	year := at(240).Year
	cal, err := c.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	create := func(e decision.Entry) (*decision.MajorDecision, error) {
		e.Year = year
		d, err := svc.Create(ctx, staff, e)
		if err != nil {
			return nil, fmt.Errorf("demo decision %s: %w", e.Title, err)
		}
		return d, nil
	}
	stage := func(d *decision.MajorDecision, st decision.Stage) error {
		nd, err := svc.SaveStage(ctx, staff, d.ID, d.Version, st)
		if err != nil {
			return fmt.Errorf("demo decision %s, %s: %w", d.Title, st.Kind, err)
		}
		*d = *nd
		return nil
	}
	file := func(d *decision.MajorDecision, title string, st decision.StageKind, hearing int64, public bool) error {
		_, err := svc.AddFile(ctx, staff, d.ID, decision.FileMeta{Title: title, Stage: st, HearingID: hearing, Public: public},
			decision.Upload{Name: title + ".pdf", Reader: bytes.NewReader(demoPDF(title))})
		if err != nil {
			return fmt.Errorf("demo decision file %s: %w", title, err)
		}
		return nil
	}

	halal, err := create(decision.Entry{Title: "《上海市清真食品管理规定实施细则》修订", DivisionID: divisions["民族工作二处"],
		LegalBasis:    "《上海市清真食品管理条例》；《上海市行政规范性文件管理规定》",
		Summary:       "根据清真食品生产经营的新情况，细化清真食品经营许可、标识使用和监督检查的要求，明确过渡期安排。",
		PlannedTiming: quarter(at(100)), Methods: []decision.Method{decision.MethodPublicComment, decision.MethodHearing, decision.MethodSymposium},
		ExpertPlanned: true})
	if err != nil {
		return err
	}
	venues, err := create(decision.Entry{Title: "本市宗教活动场所安全管理三年行动计划", DivisionID: divisions["宗教工作一处"],
		LegalBasis:    "《宗教事务条例》；《上海市宗教事务条例》；《中华人民共和国消防法》",
		Summary:       "围绕消防、建筑、大型活动和食品安全，建立宗教活动场所安全隐患排查整治和常态化管理机制。",
		PlannedTiming: quarter(at(40)), Methods: []decision.Method{decision.MethodPublicComment, decision.MethodSymposium, decision.MethodVisit},
		RiskPlanned: true})
	if err != nil {
		return err
	}
	migrants, err := create(decision.Entry{Title: "本市少数民族流动人口服务管理办法", DivisionID: divisions["民族工作一处"],
		LegalBasis:    "《城市民族工作条例》；《上海市实施〈中华人民共和国民族区域自治法〉若干规定》",
		PlannedTiming: quarter(at(90)), Methods: []decision.Method{decision.MethodPublicComment, decision.MethodWritten}})
	if err != nil {
		return err
	}
	pubOn := civil.New(year, 2, 10)
	if err := svc.PublishCatalogue(ctx, admin, year, pubOn, "经局党组会议审议同意"); err != nil {
		return fmt.Errorf("demo decision catalogue: %w", err)
	}

	// 1. The halal-food rules: every stage, published.
	if err := stage(halal, decision.Stage{Kind: decision.Participation, Status: decision.Done, StartedOn: at(212), FinishedOn: at(172),
		Summary: "通过本局网站公开征求意见 30 日，召开座谈会和听证会各 1 场，共收到意见建议 46 条，采纳或部分采纳 19 条。"}); err != nil {
		return err
	}
	heldOn := at(180)
	hearing := &decision.Hearing{Kind: decision.MethodHearing, Title: "《上海市清真食品管理规定实施细则（修订草案）》听证会", HeldOn: heldOn,
		Time: "14:00", Place: "上海市民族和宗教事务局第一会议室", AnnouncedOn: at(195),
		Selection: "在本局网站公告后公开报名，按清真食品生产经营企业、行业组织、少数民族群众和社区居民四类，由公证人员现场随机抽取。",
		Participants: []decision.Participant{{Name: "马建华", Role: "清真餐饮企业代表"}, {Name: "白志刚", Role: "清真食品行业组织代表"},
			{Name: "金秀英", Role: "社区居民代表"}, {Name: "丁学明", Role: "少数民族群众代表"}, {Name: "欧阳晓东", Role: "律师"}},
		MaskNames: true, MaterialsSentOn: at(190), RecordSigned: true, RecordSignedOn: heldOn,
		Summary: "听证参加人对过渡期、标识管理和监督检查频次发表意见；多数意见建议将过渡期由 3 个月延长至 6 个月。"}
	if err := svc.AddHearing(ctx, staff, halal.ID, hearing); err != nil {
		return fmt.Errorf("demo hearing: %w", err)
	}
	symposium := &decision.Hearing{Kind: decision.MethodSymposium, Title: "清真食品生产经营企业座谈会", HeldOn: at(200), Place: "局第二会议室",
		Participants: []decision.Participant{{Name: "杨丽萍", Role: "清真食品生产企业"}, {Name: "马学勤", Role: "清真餐饮连锁企业"}},
		MaskNames:    true, Summary: "企业希望统一标识式样，并给出充足的过渡期。"}
	if err := svc.AddHearing(ctx, staff, halal.ID, symposium); err != nil {
		return fmt.Errorf("demo symposium: %w", err)
	}
	if err := stage(halal, decision.Stage{Kind: decision.Expert, Status: decision.Done, StartedOn: at(165), FinishedOn: at(152), Method: "论证会",
		Summary: "邀请食品安全、民族学和法学专家 5 人召开论证会，专家书面意见均已签名。"}); err != nil {
		return err
	}
	if err := stage(halal, decision.Stage{Kind: decision.Risk, Status: decision.NotRequired,
		Reason: "本次修订细化现行管理要求，不新增对生产经营者的限制性措施，经初步分析不存在影响社会稳定、公共安全的风险点。"}); err != nil {
		return err
	}
	legalFrom := at(140)
	legalDue, err := cal.AddWorkingDays(legalFrom, 10)
	if err != nil {
		return err
	}
	if err := stage(halal, decision.Stage{Kind: decision.Legality, Status: decision.Done, StartedOn: legalFrom, DueOn: legalDue, FinishedOn: legalDue,
		Responsible: "政策法规处", Summary: "经审查，修订草案的制定主体、程序和内容符合法律法规规定，建议对第十二条的表述作文字修改。"}); err != nil {
		return err
	}
	decidedOn := legalDue.AddDays(7)
	if err := stage(halal, decision.Stage{Kind: decision.Collective, Status: decision.Done, FinishedOn: decidedOn,
		Meeting: fmt.Sprintf("局长办公会议（%d年第9次）", decidedOn.Year), Result: decision.AdoptedRevised,
		Dissent: "有意见认为过渡期宜延长至 6 个月，会议采纳。"}); err != nil {
		return err
	}
	if err := stage(halal, decision.Stage{Kind: decision.Publication, Status: decision.Done, FinishedOn: decidedOn.AddDays(6),
		Venue: "上海市民族和宗教事务局门户网站；《上海市人民政府公报》", Link: "/o/mzzj/gk/",
		Summary: "同步发布政策解读，说明公众意见的采纳情况。"}); err != nil {
		return err
	}
	if err := file(halal, "修订草案（征求意见稿）", decision.Participation, 0, true); err != nil {
		return err
	}
	if err := file(halal, "听证笔录", "", hearing.ID, false); err != nil {
		return err
	}
	if err := file(halal, "合法性审查意见", decision.Legality, 0, false); err != nil {
		return err
	}
	if err := file(halal, "修订说明", "", 0, true); err != nil {
		return err
	}

	// 2. The venues' safety plan: in legality review.
	if err := stage(venues, decision.Stage{Kind: decision.Participation, Status: decision.Done, StartedOn: at(120), FinishedOn: at(60),
		Summary: "召开宗教活动场所负责人座谈会 2 场，实地走访场所 12 处。"}); err != nil {
		return err
	}
	if err := svc.AddHearing(ctx, staff, venues.ID, &decision.Hearing{Kind: decision.MethodVisit, Title: "宗教活动场所安全管理实地走访",
		HeldOn: at(100), HeldUntil: at(90), Place: "黄浦区、浦东新区、徐汇区的 12 处宗教活动场所", MaskNames: true,
		Summary: "重点了解消防设施、疏散通道和大型活动安全管理情况。"}); err != nil {
		return fmt.Errorf("demo visit: %w", err)
	}
	if err := stage(venues, decision.Stage{Kind: decision.Expert, Status: decision.NotRequired,
		Reason: "本计划以落实现行消防、建筑和大型活动安全管理规定为主，不涉及专业性、技术性较强的新标准。"}); err != nil {
		return err
	}
	if err := stage(venues, decision.Stage{Kind: decision.Risk, Status: decision.Done, StartedOn: at(55), FinishedOn: at(25),
		Method: "重点走访、会商分析", Summary: "形成风险评估报告，提出分类整治、分步实施的防范措施。"}); err != nil {
		return err
	}
	if _, err := svc.Update(ctx, staff, venues.ID, venues.Version, decision.Entry{Title: venues.Title, DivisionID: venues.DivisionID,
		LegalBasis: venues.LegalBasis, Summary: venues.Summary, PlannedTiming: quarter(today.AddDays(60)), Methods: venues.Methods,
		RiskPlanned: true, AdjustedOn: at(20), AdjustReason: "扩大实地走访范围，计划完成时间相应顺延。"}); err != nil {
		return fmt.Errorf("demo decision update: %w", err)
	}
	if nd, err := svc.Get(ctx, staff, venues.ID); err == nil {
		venues = nd
	}
	if err := stage(venues, decision.Stage{Kind: decision.Legality, Status: decision.InProgress, StartedOn: at(3), Responsible: "政策法规处"}); err != nil {
		return err
	}

	// 3. Adjusted out of the catalogue.
	if err := svc.Remove(ctx, staff, migrants.ID, migrants.Version, at(60),
		"相关内容纳入市政府统筹制定的来沪人员服务管理政策，本局不再单独制定，调整出本年度目录。"); err != nil {
		return fmt.Errorf("demo decision removal: %w", err)
	}

	// 4. Added during the year; in public participation.
	unity, err := create(decision.Entry{Title: "本市民族团结进步示范单位创建评估办法", DivisionID: divisions["民族工作一处"],
		LegalBasis: "《上海市促进民族团结进步条例》", PlannedTiming: quarter(today.AddDays(90)),
		Methods: []decision.Method{decision.MethodPublicComment, decision.MethodQuestionnaire}, AdjustedOn: at(30),
		AdjustReason: "根据市民族团结进步表彰工作安排新增。"})
	if err != nil {
		return err
	}
	if err := stage(unity, decision.Stage{Kind: decision.Participation, Status: decision.InProgress, StartedOn: at(10)}); err != nil {
		return err
	}
	return svc.AddHearing(ctx, staff, unity.ID, &decision.Hearing{Kind: decision.MethodQuestionnaire, Title: "创建评估指标问卷调查",
		HeldOn: at(10), MaskNames: true, Results: "已回收问卷 312 份，对“群众满意度”指标的赞成率为 87%。"})
}
