package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/stdcatalog"
)

// demoStd is an entry of the demo's standard catalogue for 上海市民族和宗教
// 事务局. items are (parts of) titles of the demo's published items that
// fulfil it. The catalogue is written for the demo in the standard column
// format (a 民族宗教 bureau is not one of the 26 pilot areas and builds its
// own department catalogue).
type demoStd struct {
	l1, l2, content, basis, limit, rule, monitor, division, list string
	channels, levels, five                                       []string
	specific, application                                        bool
	items                                                        []string
}

const (
	basisOGI    = "【行政法规】《中华人民共和国政府信息公开条例》"
	basisOGISH  = basisOGI + "\n【规章】《上海市政府信息公开规定》"
	basisRelig  = "【行政法规】《宗教事务条例》\n【地方性法规】《上海市宗教事务条例》"
	basisHalal  = "【地方性法规】《上海市清真食品管理条例》"
	basisBudget = "【法律】《中华人民共和国预算法》\n【规范性文件】《地方预决算公开操作规程》（财预〔2016〕143号）"
	limit20     = "信息形成（变更）之日起20个工作日内"
)

var (
	chWeb      = []string{"website", "newmedia"}
	chWebPaper = []string{"website", "gazette", "newmedia", "reading"}
	chService  = []string{"website", "center", "onsite", "hotline"}
)

var demoStandards = []demoStd{
	{l1: "机构职能", l2: "主要职责", content: "本局主要职责，包括贯彻执行民族宗教工作方针政策、推进民族团结进步创建、依法管理宗教事务、清真食品管理综合协调等", basis: basisOGISH, limit: limit20, division: "办公室", channels: chWeb, five: []string{"management"}, items: []string{"主要职责和内设机构"}},
	{l1: "机构职能", l2: "内设机构", content: "内设机构名称及其职责", basis: basisOGISH, limit: limit20, division: "办公室", channels: chWeb, five: []string{"management"}, items: []string{"主要职责和内设机构"}},
	{l1: "机构职能", l2: "领导信息", content: "局领导姓名、职务、工作分工", basis: basisOGISH, limit: limit20, division: "人事处", channels: chWeb, five: []string{"management"}, items: []string{"领导信息"}},
	{l1: "机构职能", l2: "办公地址和联系方式", content: "办公地址、办公时间、联系电话、传真、电子邮箱", basis: basisOGISH, limit: limit20, division: "办公室", channels: chWeb, five: []string{"service"}, items: []string{"主要职责和内设机构"}},
	{l1: "政府信息公开", l2: "政府信息公开制度", content: "政府信息公开工作制度、保密审查制度、依申请公开办理规程", basis: basisOGISH, limit: limit20, division: "办公室", channels: chWeb, five: []string{"management"},
		items: []string{"政府信息公开工作规定", "政府信息公开保密审查办法", "依申请公开政府信息办理规程"}},
	{l1: "政府信息公开", l2: "政府信息公开指南", content: "公开信息的分类、编排体系、获取方式，政府信息公开工作机构的名称、办公地址、办公时间、联系电话", basis: basisOGI + "第十二条", limit: "长期公开，内容变更时及时更新", rule: "无", division: "办公室", channels: chWeb, five: []string{"service"}},
	{l1: "政府信息公开", l2: "政府信息公开工作年度报告", content: "上一年度政府信息公开工作年度报告", basis: basisOGI + "第四十九条、第五十条", limit: "每年1月31日前", monitor: "2023-01-01", division: "办公室", channels: chWebPaper, five: []string{"result"},
		items: []string{"2022年政府信息公开工作年度报告", "2023年政府信息公开工作年度报告", "2024年政府信息公开工作年度报告", "2025年政府信息公开工作年度报告"}},
	{l1: "政府信息公开", l2: "政务公开工作要点", content: "本局年度政务公开工作要点及任务分工", basis: "【规范性文件】上海市年度政务公开工作要点", limit: "每年5月31日前", monitor: "2026-01-01", division: "办公室", channels: chWeb, five: []string{"decision", "execution"},
		items: []string{"2026年上海市民族和宗教事务局政务公开工作要点", "2023年上海市民族和宗教事务局政务公开工作要点", "2022年上海市民族和宗教事务局政务公开工作要点"}},
	{l1: "政府信息公开", l2: "政府开放日", content: "政府开放日活动的时间、地点、报名方式和活动安排", basis: "【规范性文件】《上海市政府开放日活动实施办法》", limit: limit20, division: "办公室", channels: []string{"website", "newmedia", "push"}, five: []string{"service"}, items: []string{"政府开放日活动公告"}},
	{l1: "政策文件", l2: "行政规范性文件", content: "本局制定的行政规范性文件全文，及其有效性（现行有效、已修改、已废止、已失效）", basis: basisOGI + "\n【规章】《上海市行政规范性文件管理规定》", limit: "自签署之日起20个工作日内", division: "政策法规处", channels: chWebPaper, five: []string{"decision"},
		items: []string{"上海市清真食品管理实施办法", "关于进一步规范宗教活动场所财务管理工作的通知", "上海市宗教活动场所安全管理规定（试行）", "关于加强本市少数民族流动人口服务管理工作的意见", "上海市宗教团体办理宗教事务审批事项指南", "上海市少数民族特需商品供应保障办法"}},
	{l1: "政策文件", l2: "其他政策文件", content: "除规范性文件以外的本局政策性文件", basis: basisOGISH, limit: limit20, division: "政策法规处", channels: chWeb, five: []string{"execution"},
		items: []string{"关于做好宗教活动场所法人登记工作的通知", "关于做好2026年民族团结进步创建工作的通知", "关于做好宗教活动场所疫情防控工作的通知"}},
	{l1: "政策文件", l2: "政策解读", content: "政策文件的背景依据、目标任务、主要内容、适用范围、执行标准、关键词诠释和新旧政策差异", basis: "【规范性文件】《〈关于全面推进政务公开工作的意见〉实施细则》（国办发〔2016〕80号）", limit: "与政策文件同步发布，最迟不超过3个工作日", rule: "形成后3个工作日", division: "政策法规处", channels: chWeb, five: []string{"decision"},
		items: []string{"《关于加强本市少数民族流动人口服务管理工作的意见》政策解读"}},
	{l1: "政策文件", l2: "公开征求意见", content: "涉及群众切身利益的政策草案、征求意见的方式和期限、意见采纳情况", basis: "【行政法规】《重大行政决策程序暂行条例》", limit: "征求意见期间及意见采纳情况形成后及时公开", rule: "无", division: "政策法规处", channels: chWeb, five: []string{"decision"},
		items: []string{"关于征集宗教活动场所服务管理意见建议的公告"}},
	{l1: "规划计划", l2: "发展规划", content: "民族团结进步事业发展规划、宗教工作专项规划", basis: basisOGI + "第二十条", limit: limit20, division: "政策法规处", channels: chWebPaper, five: []string{"decision"}, items: []string{"上海市民族团结进步事业发展“十四五”规划"}},
	{l1: "统计信息", l2: "宗教活动场所基本情况统计", content: "上一年度全市宗教活动场所数量、分布等基本情况", basis: basisOGI + "第二十条\n【法律】《中华人民共和国统计法》", limit: "每年3月31日前", monitor: "2025-01-01", division: "宗教工作一处", channels: chWeb, five: []string{"result"},
		items: []string{"2024年本市宗教活动场所基本情况统计"}},
	{l1: "行政许可", l2: "宗教活动场所筹备设立审批", content: "审批依据、条件、程序、期限、申请材料和办事指南", basis: basisRelig, limit: limit20, division: "宗教工作一处", list: "QL-XK-001", channels: chService, levels: []string{"city", "district"}, five: []string{"service"},
		items: []string{"宗教活动场所筹备设立审批办事指南"}},
	{l1: "行政许可", l2: "宗教活动场所设立审批结果", content: "审批决定的场所名称、地址、审批结果和日期", basis: basisRelig + "\n【规范性文件】《国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》", limit: "自作出行政许可决定之日起7个工作日内", division: "宗教工作一处", list: "QL-XK-001", channels: chWeb, five: []string{"result"},
		items: []string{"2025年第一季度宗教活动场所设立审批结果公示", "2025年第三季度宗教活动场所设立审批结果公示"}},
	{l1: "行政许可", l2: "宗教活动场所登记", content: "宗教活动场所登记和法人登记的条件、程序、材料", basis: basisRelig, limit: limit20, division: "宗教工作二处", list: "QL-QT-002", channels: chService, levels: []string{"city", "district"}, five: []string{"service"},
		items: []string{"关于做好宗教活动场所法人登记工作的通知"}},
	{l1: "其他行政权力", l2: "宗教教职人员备案", content: "备案条件、程序、材料和办理时限", basis: basisRelig + "\n【部门规章】《宗教教职人员管理办法》", limit: limit20, division: "宗教工作二处", list: "QL-QT-001", channels: chService, five: []string{"service"},
		specific: true, items: []string{"宗教教职人员备案办事指南"}},
	{l1: "行政许可", l2: "清真食品标志牌核发", content: "清真标志牌的申领条件、程序、材料和核发结果", basis: basisHalal, limit: limit20, division: "民族工作二处", list: "QL-QT-003", channels: chService, levels: []string{"city", "district"}, five: []string{"service", "result"},
		specific: true, items: []string{"清真标志牌申领服务指南"}},
	{l1: "公共服务", l2: "清真食品基本供应点", content: "清真食品基本供应点名单、地址和营业时间", basis: basisHalal, limit: limit20, division: "民族工作二处", list: "FW-001", channels: []string{"website", "newmedia", "board", "push"}, levels: []string{"city", "district", "town"}, five: []string{"service"},
		items: []string{"清真食品基本供应点名单"}},
	{l1: "行政处罚", l2: "行政处罚裁量基准", content: "行政处罚的裁量基准及适用规则", basis: "【法律】《中华人民共和国行政处罚法》第三十四条", limit: limit20, division: "政策法规处", channels: chWeb, five: []string{"management"},
		items: []string{"行政处罚裁量基准"}},
	{l1: "行政处罚", l2: "行政处罚决定", content: "行政处罚决定书的案件名称、被处罚人、违法事实、处罚依据、处罚结果、作出决定的机关和日期", basis: "【法律】《中华人民共和国行政处罚法》第四十八条\n" + basisRelig, limit: "自作出行政处罚决定之日起7个工作日内", division: "政策法规处", list: "QL-CF-001", channels: chWeb, five: []string{"result"}},
	{l1: "民族工作", l2: "民族团结进步创建", content: "民族团结进步创建工作部署、示范单位名单和活动情况", basis: "【规范性文件】《关于全面深入持久开展民族团结进步宣传教育的意见》", limit: limit20, division: "民族工作一处", channels: []string{"website", "newmedia", "press", "board"}, levels: []string{"city", "district", "town"}, five: []string{"execution"},
		items: []string{"关于做好2026年民族团结进步创建工作的通知", "本市开展“民族团结进步月”系列活动"}},
	{l1: "民族工作", l2: "少数民族流动人口服务管理", content: "少数民族流动人口服务政策、服务站点和联系方式", basis: "【规范性文件】《关于加强本市少数民族流动人口服务管理工作的意见》", limit: limit20, division: "民族工作一处", list: "FW-002", channels: chService, levels: []string{"city", "district", "town"}, five: []string{"service"},
		items: []string{"关于加强本市少数民族流动人口服务管理工作的意见"}},
	{l1: "民族工作", l2: "少数民族特需商品供应", content: "少数民族特需商品供应保障政策", basis: "【规范性文件】少数民族特需商品供应保障相关规定", limit: limit20, division: "民族工作二处", channels: chWeb, five: []string{"service"},
		items: []string{"上海市少数民族特需商品供应保障办法"}},
	{l1: "宗教工作", l2: "宗教活动场所财务管理", content: "宗教活动场所财务管理制度和监督检查要求", basis: basisRelig + "\n【部门规章】《宗教活动场所财务管理办法》", limit: limit20, division: "宗教工作三处", channels: chWeb, five: []string{"management"},
		items: []string{"关于进一步规范宗教活动场所财务管理工作的通知"}},
	{l1: "宗教工作", l2: "宗教活动场所安全管理", content: "宗教活动场所消防、治安等安全管理规定和检查情况", basis: basisRelig + "\n【法律】《中华人民共和国消防法》", limit: limit20, division: "宗教工作三处", channels: chWeb, five: []string{"management", "result"},
		items: []string{"上海市宗教活动场所安全管理规定（试行）", "本局开展宗教活动场所安全检查", "2025年宗教活动场所消防安全专项检查情况通报"}},
	{l1: "宗教工作", l2: "宗教团体审批事项指南", content: "宗教团体办理宗教事务审批事项的条件、程序和材料", basis: basisRelig, limit: limit20, division: "宗教工作二处", list: "FW-003", channels: chService, five: []string{"service"},
		specific: true, items: []string{"上海市宗教团体办理宗教事务审批事项指南"}},
	{l1: "财政预决算", l2: "部门预算", content: "部门收支总表、收入总表、支出总表、财政拨款收支总表、一般公共预算支出表、“三公”经费预算及说明", basis: basisBudget, limit: "财政部门批复后20日内（每年3月31日前）", rule: "每年3月31日前", monitor: "2024-01-01", division: "办公室", channels: chWebPaper, five: []string{"result"},
		items: []string{"上海市民族和宗教事务局2025年部门预算", "上海市民族和宗教事务局2024年部门预算"}},
	{l1: "财政预决算", l2: "部门决算", content: "部门收支决算总表、财政拨款收支决算表、“三公”经费支出决算及说明", basis: basisBudget, limit: "财政部门批复后20日内（每年9月30日前）", rule: "每年9月30日前", monitor: "2025-01-01", division: "办公室", channels: chWebPaper, five: []string{"result"},
		items: []string{"上海市民族和宗教事务局2024年部门决算"}},
	{l1: "政府采购", l2: "采购项目中标（成交）结果", content: "采购项目名称、中标（成交）供应商、中标（成交）金额", basis: "【法律】《中华人民共和国政府采购法》\n【行政法规】《中华人民共和国政府采购法实施条例》", limit: "中标、成交供应商确定之日起2个工作日内", division: "办公室", channels: chWeb, five: []string{"result"},
		items: []string{"民族宗教政务信息系统运维服务采购项目中标公告"}},
	{l1: "应急管理", l2: "应急预案", content: "民族宗教领域突发事件应急预案", basis: "【法律】《中华人民共和国突发事件应对法》", limit: limit20, division: "办公室", channels: chWeb, five: []string{"decision"},
		items: []string{"上海市民族宗教领域突发事件应急预案"}},
	{l1: "应急管理", l2: "突发事件应对", content: "突发事件的应对措施、防控要求和工作提示", basis: "【法律】《中华人民共和国突发事件应对法》", limit: "及时发布", rule: "无", division: "宗教工作三处", channels: []string{"website", "newmedia", "press", "push"}, levels: []string{"city", "district", "town"}, five: []string{"execution"},
		items: []string{"关于做好宗教活动场所疫情防控工作的通知"}},
	{l1: "监督检查", l2: "清真食品专项检查", content: "清真食品生产经营专项检查的范围、发现的问题和整改情况", basis: basisHalal, limit: limit20, division: "民族工作二处", channels: chWeb, five: []string{"result"},
		items: []string{"2024年清真食品经营场所专项检查情况通报"}},
	{l1: "人事信息", l2: "公务员考试录用", content: "招录计划、拟录用人员名单", basis: "【部门规章】《公务员录用规定》", limit: "公示期不少于5个工作日，形成之日起7个工作日内", rule: "形成后7个工作日", division: "人事处", channels: chWeb, five: []string{"result"},
		items: []string{"2025年度考试录用公务员拟录用人员公示"}},
	{l1: "建议提案办理", l2: "人大代表建议和政协提案办理结果", content: "办理复文全文或摘要、办理总体情况", basis: "【规范性文件】《国务院办公厅关于做好全国人大代表建议和全国政协委员提案办理结果公开工作的通知》", limit: "答复代表委员后及时公开", rule: "无", division: "办公室", channels: chWeb, five: []string{"result"}},
	{l1: "工作动态", l2: "政务公开工作动态", content: "本局政务公开工作会议、培训和活动情况", basis: basisOGISH, limit: "及时发布", rule: "无", division: "办公室", channels: chWeb, five: []string{"execution"},
		items: []string{"本局召开2025年政务公开工作推进会", "本局举办政务公开业务培训", "本局召开民族宗教系统政务公开联络员会议", "本局召开民族宗教领域政务新媒体管理工作会议"}},
}

var demoPowerList = []stdcatalog.ListItem{
	{Code: "QL-XK-001", Name: "宗教活动场所筹备设立审批", Category: "行政许可", Basis: "《宗教事务条例》第二十一条", Division: "宗教工作一处"},
	{Code: "QL-QT-001", Name: "宗教教职人员备案", Category: "其他行政权力", Basis: "《宗教事务条例》第三十六条", Division: "宗教工作二处"},
	{Code: "QL-QT-002", Name: "宗教活动场所登记", Category: "其他行政权力", Basis: "《宗教事务条例》第二十三条", Division: "宗教工作二处"},
	{Code: "QL-QT-003", Name: "清真食品标志牌核发的指导和监督", Category: "其他行政权力", Basis: "《上海市清真食品管理条例》第十条", Division: "民族工作二处"},
	{Code: "QL-CF-001", Name: "擅自设立宗教活动场所的处罚", Category: "行政处罚", Basis: "《宗教事务条例》第六十九条", Division: "政策法规处"},
}

var demoServiceList = []stdcatalog.ListItem{
	{Code: "FW-001", Name: "清真食品基本供应点查询", Category: "公共服务", Basis: "《上海市清真食品管理条例》", Division: "民族工作二处"},
	{Code: "FW-002", Name: "少数民族流动人口服务咨询", Category: "公共服务", Basis: "《关于加强本市少数民族流动人口服务管理工作的意见》", Division: "民族工作一处"},
	{Code: "FW-003", Name: "宗教事务审批事项咨询", Category: "公共服务", Basis: "《宗教事务条例》", Division: "宗教工作二处"},
}

// loadStandardsDemo imports the power and service lists and the catalogue
// through the import paths staff use, plants a late publication (a
// 设立审批结果 published about six weeks after it was formed, against a
// 7-working-day rule) for the monitor, links the entries to the demo's
// items, and makes one later adjustment so the change log has more than
// the first compilation.
func (c *Core) loadStandardsDemo(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	ed := as("mzzj.editor")
	if ed == nil || ids["mzzj"] == 0 {
		return nil
	}
	if _, err := c.Standards.ImportList(ctx, ed, stdcatalog.PowerList, demoPowerList); err != nil {
		return err
	}
	if _, err := c.Standards.ImportList(ctx, ed, stdcatalog.ServiceList, demoServiceList); err != nil {
		return err
	}
	rows := make([]stdcatalog.Fields, 0, len(demoStandards))
	for i, d := range demoStandards {
		f := stdcatalog.Fields{Line: i + 1, Seq: i + 1, L1: d.l1, L2: d.l2, Content: d.content, Basis: d.basis, TimeLimit: d.limit,
			MonitorFrom: d.monitor, Subject: "上海市民族和宗教事务局", Channels: d.channels, Audiences: []string{"public"}, Modes: []string{"proactive"},
			Levels: d.levels, FivePublics: d.five, Division: d.division, ListItem: d.list}
		if d.rule != "" {
			r, ok := stdcatalog.ParseRule(d.rule)
			if !ok {
				return fmt.Errorf("demo standard %s: rule %q", d.l2, d.rule)
			}
			f.RuleKind, f.RuleDays, f.RuleDate = string(r.Kind), fmt.Sprint(r.Days), fmt.Sprintf("%02d-%02d", r.Month, r.Day)
		}
		if d.specific {
			f.Audiences = append(f.Audiences, "specific")
		}
		if d.application {
			f.Modes = append(f.Modes, "application")
		}
		if len(f.Levels) == 0 {
			f.Levels = []string{"city"}
		}
		rows = append(rows, f)
	}
	if _, err := c.Standards.Import(ctx, ed, rows, "依据国办发〔2019〕54号文件，编制本局政务公开标准目录", false); err != nil {
		return err
	}
	// The planted late publication: formed 10 October, published 28
	// November 2025.
	a, err := c.Agencies.Get(ctx, ids["mzzj"])
	if err != nil {
		return err
	}
	prefix := a.IndexPrefix
	if prefix == "" {
		prefix = "MZZJ"
	}
	rep, err := c.Disclosure.Import(ctx, auth.Operator("serve --demo"), []disclosure.ImportRow{{Line: 1, Agency: "mzzj", IndexNumber: prefix + "/2025-00090",
		Title: "2025年第三季度宗教活动场所设立审批结果公示", PublishedOn: "2025-11-28", FormedOn: "2025-10-10", Genre: "公告", Topic: "宗教事务",
		FivePublics: []string{"result"}, StatutoryItem: "20.5", Columns: []string{"xzxk"}, Keywords: "宗教事务",
		Summary: "2025年第三季度宗教活动场所设立审批结果。", Body: "根据《宗教事务条例》，现将2025年第三季度宗教活动场所设立审批结果公示如下。\n\n（演示数据）"}}, "mzzj", "")
	if err != nil {
		return err
	}
	if rep.Rejected > 0 {
		return fmt.Errorf("demo late item: %s", disclosure.FormatImportReport(rep))
	}
	// Links, by title, to the agency's published items.
	titles := map[string]int64{}
	rs, err := c.DB.R.QueryContext(ctx, `SELECT id, title FROM items WHERE agency_id = $1 AND status IN ('published', 'superseded')`, ids["mzzj"])
	if err != nil {
		return err
	}
	for rs.Next() {
		var id int64
		var t string
		if err := rs.Scan(&id, &t); err != nil {
			rs.Close()
			return err
		}
		titles[t] = id
	}
	rs.Close()
	entries, err := c.Standards.List(ctx, ed, stdcatalog.Filter{})
	if err != nil {
		return err
	}
	byName := map[string]*stdcatalog.Entry{}
	for _, e := range entries {
		byName[e.L1+"/"+e.L2] = e
	}
	links := map[int64][]int64{}
	for _, d := range demoStandards {
		e := byName[d.l1+"/"+d.l2]
		var itemIDs []int64
		for _, part := range d.items {
			found := int64(0)
			for t, id := range titles {
				if strings.Contains(t, part) && (found == 0 || id < found) {
					found = id
				}
			}
			if found == 0 {
				return fmt.Errorf("demo standard %s: no item %q", d.l2, part)
			}
			itemIDs = append(itemIDs, found)
		}
		if len(itemIDs) > 0 {
			links[e.ID] = itemIDs
		}
	}
	if err := c.Standards.LinkAll(ctx, ed, links); err != nil {
		return err
	}
	// A later adjustment: the halal-food entry gains the district level's
	// 便民服务站 after the 2025 list update.
	if e := byName["公共服务/清真食品基本供应点"]; e != nil {
		f := stdcatalog.Fields{Seq: e.Seq, L1: e.L1, L2: e.L2, Content: e.Content, Basis: e.Basis, TimeLimit: e.TimeLimit, RuleKind: string(e.Rule.Kind),
			RuleDays: fmt.Sprint(e.Rule.Days), Subject: e.Subject, Channels: append(append([]string{}, e.Channels...), "station"), Audiences: e.Audiences,
			Modes: e.Modes, Levels: e.Levels, FivePublics: e.FivePublics, DivisionID: e.DivisionID, ListItemID: e.ListItemID}
		if err := c.Standards.Update(ctx, ed, e.ID, e.Version, f, "清真食品基本供应点名单更新后，增加在街镇便民服务站张贴公示"); err != nil {
			return err
		}
	}
	return nil
}
