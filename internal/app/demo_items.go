package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/extract"
)

// demoDoc is a published item of the demo dataset.
type demoDoc struct {
	agency, column, title, docNumber, genre, topic, statutory, validity string
	five                                                                []string
	published                                                           string
	paragraphs                                                          []string
	attach                                                              string // "pdf", "docx", "xlsx" or ""
}

// p joins paragraphs into the Markdown body.
func body(paras []string) string { return strings.Join(paras, "\n\n") }

var demoTopics = []string{"民族工作", "宗教事务", "清真食品管理", "政务公开", "机构建设", "财政资金", "安全生产"}

// demoDocs are realistic items for 上海市民族和宗教事务局 (and one institution
// and one district office). Names of bodies follow the real structure; the
// documents themselves are written for the demo.
var demoDocs = []demoDoc{
	// 政府信息公开制度
	{agency: "mzzj", column: "system", title: "上海市民族和宗教事务局政府信息公开工作规定", docNumber: "沪民宗规〔2020〕1号", genre: "规定", topic: "政务公开", statutory: "20.15", validity: "valid", five: []string{"management"}, published: "2020-07-15", attach: "pdf",
		paragraphs: []string{"第一条 为了保障公民、法人和其他组织依法获取政府信息，提高政府工作的透明度，根据《中华人民共和国政府信息公开条例》和《上海市政府信息公开规定》，结合本局实际，制定本规定。",
			"第二条 本局办公室是本局政务公开工作的主管部门，负责组织、协调、推进本局政府信息公开工作，编制政府信息公开指南、目录和年度报告。",
			"第三条 本局各处室按照“谁制作、谁公开，谁获取、谁公开”的原则，负责本处室政府信息的梳理、保密审查和报送工作，设立政务公开联络员。",
			"第四条 主动公开的政府信息，应当自该信息形成或者变更之日起20个工作日内予以公开。法律、法规对公开期限另有规定的，从其规定。",
			"第五条 依申请公开的政府信息，按照《中华人民共和国政府信息公开条例》规定的程序和期限办理。",
			"第六条 本规定自发布之日起施行。"}},
	{agency: "mzzj", column: "system", title: "上海市民族和宗教事务局政府信息公开保密审查办法", docNumber: "沪民宗办〔2021〕8号", genre: "办法", topic: "政务公开", statutory: "20.15", validity: "valid", five: []string{"management"}, published: "2021-03-10",
		paragraphs: []string{"为规范政府信息公开保密审查工作，防止泄露国家秘密、工作秘密和个人隐私，制定本办法。",
			"拟公开的政府信息，由起草处室进行初审，办公室进行复审；涉及敏感事项的，报分管局领导审定。",
			"审查中发现含有公民身份证号码、手机号码、银行卡号等个人信息的，应当删除或者作去标识化处理后方可公开。",
			"对是否可以公开不能确定的，依照法律、法规和国家有关规定报有关主管部门或者保密行政管理部门确定。"}},
	{agency: "mzzj", column: "system", title: "上海市民族和宗教事务局依申请公开政府信息办理规程", genre: "规定", topic: "政务公开", statutory: "20.15", five: []string{"service"}, published: "2021-05-20",
		paragraphs: []string{"本规程适用于公民、法人或者其他组织向本局申请获取政府信息的办理工作。",
			"本局办公室统一受理政府信息公开申请。申请人可以通过网上申请、信函、当面提交等方式提出申请。",
			"能够当场答复的，当场予以答复；不能当场答复的，自收到申请之日起20个工作日内予以答复；需要延长答复期限的，经政府信息公开工作机构负责人同意并告知申请人，延长的期限最长不得超过20个工作日。",
			"答复应当使用规范的告知书，载明答复类型、依据和救济途径。"}},
	// 机构职能
	{agency: "mzzj", column: "jgzn", title: "上海市民族和宗教事务局主要职责和内设机构", genre: "其他", topic: "机构建设", statutory: "20.2", five: []string{"management"}, published: "2022-01-05",
		paragraphs: []string{"上海市民族和宗教事务局是市政府工作部门，负责全市民族和宗教工作。",
			"主要职责包括：贯彻执行党和国家关于民族、宗教工作的方针政策和法律法规；推进民族团结进步创建；依法管理宗教事务；负责清真食品管理的综合协调和监督；联系少数民族群众和宗教界人士。",
			"内设机构：办公室、政策法规处、民族工作一处、民族工作二处、宗教工作一处、宗教工作二处、宗教工作三处、人事处。",
			"办公地址：上海市黄浦区示范路100号（演示地址）；办公时间：工作日上午9:00—11:30，下午13:30—17:00。"}},
	{agency: "mzzj", column: "jgzn", title: "上海市民族和宗教事务局领导信息", genre: "名单", topic: "机构建设", statutory: "20.2", five: []string{"management"}, published: "2024-02-01",
		paragraphs: []string{"局长：主持全面工作。（演示数据，人员姓名从略）", "副局长：分管民族工作、清真食品管理工作。", "副局长：分管宗教工作、政策法规工作。"}},
	// 政策文件（规范性文件）
	{agency: "mzzj", column: "zcwj", title: "上海市清真食品管理实施办法", docNumber: "沪民宗规〔2022〕1号", genre: "办法", topic: "清真食品管理", statutory: "20.1", validity: "valid", five: []string{"decision", "service"}, published: "2022-04-18", attach: "pdf",
		paragraphs: []string{"第一条 为了尊重少数民族的饮食习惯，加强清真食品管理，根据《上海市清真食品管理条例》，制定本办法。",
			"第二条 本办法所称清真食品，是指按照回族等少数民族的饮食习惯屠宰、加工、制作的饮食、副食品和食品（简称“清真三食”）。",
			"第三条 生产经营清真食品的单位和个人，应当向所在区民族事务主管部门申领清真标志牌。区民族事务主管部门应当自收到申请材料之日起10个工作日内进行审核，并作出书面答复。",
			"第四条 市和区民族事务主管部门会同有关部门公布清真食品基本供应点名单，并在附近设置明显标识。",
			"第五条 本办法自2022年6月1日起施行，有效期至2027年5月31日。"}},
	{agency: "mzzj", column: "zcwj", title: "关于进一步规范宗教活动场所财务管理工作的通知", docNumber: "沪民宗规〔2023〕2号", genre: "通知", topic: "宗教事务", statutory: "20.1", validity: "valid", five: []string{"execution", "management"}, published: "2023-06-12",
		paragraphs: []string{"各区民族宗教工作部门，各宗教团体、宗教活动场所：",
			"为贯彻落实《宗教事务条例》和《宗教活动场所财务管理办法》，进一步规范宗教活动场所财务管理，现就有关事项通知如下。",
			"一、宗教活动场所应当建立健全财务管理制度，按照国家统一的财务、会计制度设置会计账簿，规范收支管理。",
			"二、宗教活动场所接受捐赠应当开具收据，不得强迫或者摊派；大额捐赠应当按照规定向区民族宗教工作部门报告。",
			"三、区民族宗教工作部门应当加强对宗教活动场所财务管理的指导和监督检查，每年开展一次专项检查。"}},
	{agency: "mzzj", column: "zcwj", title: "上海市宗教活动场所安全管理规定（试行）", docNumber: "沪民宗规〔2021〕3号", genre: "规定", topic: "安全生产", statutory: "20.1", validity: "expired", five: []string{"management"}, published: "2021-09-01",
		paragraphs: []string{"为加强宗教活动场所安全管理，保障信教群众和公众的人身财产安全，制定本规定。", "宗教活动场所是安全管理的责任主体，应当落实消防、治安、食品卫生等安全管理措施。", "本规定自2021年10月1日起施行，有效期两年。"}},
	{agency: "mzzj", column: "zcwj", title: "关于加强本市少数民族流动人口服务管理工作的意见", docNumber: "沪民宗规〔2024〕1号", genre: "意见", topic: "民族工作", statutory: "20.1", validity: "valid", five: []string{"decision", "service"}, published: "2024-03-28", attach: "docx",
		paragraphs: []string{"为做好新形势下本市少数民族流动人口服务管理工作，促进各民族交往交流交融，提出如下意见。",
			"一、坚持服务为先。在就业创业、子女入学、医疗卫生、法律援助等方面提供均等化服务。",
			"二、健全工作网络。依托街道（乡镇）社区服务中心，建立少数民族流动人口服务站点。",
			"三、加强政策宣传。运用门户网站、政务新媒体等渠道做好民族政策宣传解读。"}},
	{agency: "mzzj", column: "zcwj", title: "《关于加强本市少数民族流动人口服务管理工作的意见》政策解读", genre: "解读", topic: "民族工作", statutory: "20.1", five: []string{"decision"}, published: "2024-03-29",
		paragraphs: []string{"一、制定背景：随着经济社会发展，来沪少数民族流动人口数量增加，服务需求日益多样。", "二、主要内容：文件从服务为先、健全网络、加强宣传三个方面提出具体措施。", "三、适用范围：本市各级民族宗教工作部门及相关单位。", "如有疑问，可致电政策法规处咨询：021-63210000。"}},
	{agency: "mzzj", column: "zcwj", title: "上海市宗教团体办理宗教事务审批事项指南（2025年版）", docNumber: "沪民宗规〔2025〕1号", genre: "规定", topic: "宗教事务", statutory: "20.1", validity: "valid", five: []string{"service"}, published: "2025-02-20", attach: "pdf",
		paragraphs: []string{"本指南适用于宗教团体成立、变更、注销前的审查，宗教院校设立的审查，宗教活动场所筹备设立的审批等事项。",
			"申请人应当按照本指南提交材料。区民族宗教工作部门应当自受理之日起20日内提出审查意见。",
			"办理结果将在本局门户网站政务公开专栏公开。"}},
	// 规划计划
	{agency: "mzzj", column: "ghjh", title: "2022年上海市民族和宗教事务局政务公开工作要点", genre: "方案", topic: "政务公开", statutory: "20.3", five: []string{"decision", "execution"}, published: "2022-06-14", attach: "pdf",
		paragraphs: []string{"2022年本单位政务公开工作要以习近平新时代中国特色社会主义思想为指导，聚焦社会公众关切，全面提升政务公开的标准化规范化水平和工作能级。",
			"一、加强信息公开 保障社会稳定。做好民族宗教领域疫情防控信息公开；推进民族宗教系统单位信息公开。",
			"二、加强公开规范 回应社会关切。开展规范性文件动态公开；以政务公开积极回应社会关切；落实重大行政决策公众参与程序；开展有民族宗教特点的政府开放日活动。",
			"三、加强平台建设 提高公开质量。进一步细化公开标准目录编制；进一步强化政务公开平台建设。",
			"四、加强政策解读 积极引导舆论。五、加强公开保障 抓好工作落实。"}},
	{agency: "mzzj", column: "ghjh", title: "2023年上海市民族和宗教事务局政务公开工作要点", genre: "方案", topic: "政务公开", statutory: "20.3", five: []string{"decision", "execution"}, published: "2023-05-10",
		paragraphs: []string{"2023年本局政务公开工作围绕民族团结进步和宗教事务依法管理，着力提升公开质量和回应实效。", "一、深化重点领域信息公开。二、推进政务公开标准化规范化。三、提升政策解读回应水平。四、加强组织保障。"}},
	{agency: "mzzj", column: "ghjh", title: "上海市民族团结进步事业发展“十四五”规划", genre: "规划", topic: "民族工作", statutory: "20.3", five: []string{"decision"}, published: "2021-08-30", attach: "pdf",
		paragraphs: []string{"“十四五”时期，本市民族工作以铸牢中华民族共同体意识为主线，推动民族团结进步事业高质量发展。", "主要目标：民族团结进步创建全面深化，少数民族群众获得感、幸福感、安全感持续增强。", "重点任务：深化民族团结进步创建、完善城市民族工作服务管理体系、依法治理民族事务。"}},
	// 统计信息
	{agency: "mzzj", column: "tjxx", title: "2024年本市宗教活动场所基本情况统计", genre: "报告", topic: "宗教事务", statutory: "20.4", five: []string{"result"}, published: "2025-03-15", attach: "xlsx",
		paragraphs: []string{"截至2024年底，全市经登记的宗教活动场所共计若干处，分布于各区。（演示数据，具体数字见附件）", "按教别统计：佛教、道教、伊斯兰教、天主教、基督教。"}},
	// 行政许可和服务事项
	{agency: "mzzj", column: "xzxk", title: "宗教活动场所筹备设立审批办事指南", genre: "其他", topic: "宗教事务", statutory: "20.5", five: []string{"service"}, published: "2023-01-10",
		paragraphs: []string{"事项名称：宗教活动场所筹备设立审批。", "设定依据：《宗教事务条例》第二十一条、《上海市宗教事务条例》第十九条。", "申请条件：设立宗教活动场所的宗教团体应当符合法定条件。", "办理时限：区民族宗教工作部门自收到申请之日起30日内提出审核意见。", "办理地点：各区政务服务中心。"}},
	{agency: "mzzj", column: "xzxk", title: "2025年第一季度宗教活动场所设立审批结果公示", genre: "公告", topic: "宗教事务", statutory: "20.5", five: []string{"result"}, published: "2025-04-08",
		paragraphs: []string{"根据《宗教事务条例》有关规定，现将2025年第一季度宗教活动场所设立审批结果公示如下。（演示数据）", "公示期间如有异议，请向本局宗教工作一处反映。"}},
	{agency: "mzzj", column: "xzxk", title: "清真标志牌申领服务指南", genre: "其他", topic: "清真食品管理", statutory: "20.5", five: []string{"service"}, published: "2024-06-18",
		paragraphs: []string{"服务对象：在本市生产经营清真食品的单位和个人。", "申领条件：符合《上海市清真食品管理条例》规定的人员、设施和管理制度要求。", "办理时限：区民族事务主管部门自收到申请材料之日起10个工作日内审核并书面答复。", "咨询电话：各区民族宗教工作部门。"}},
	// 行政处罚和行政强制
	{agency: "mzzj", column: "xzcf", title: "上海市民族和宗教事务局行政处罚裁量基准", docNumber: "沪民宗规〔2023〕3号", genre: "规定", topic: "宗教事务", statutory: "20.6", validity: "valid", five: []string{"management"}, published: "2023-11-02",
		paragraphs: []string{"为规范行政处罚裁量权的行使，根据《中华人民共和国行政处罚法》等法律法规，制定本裁量基准。", "违反《上海市清真食品管理条例》的行为，按照情节轻微、一般、严重三档实施处罚。"}},
	// 财政预决算
	{agency: "mzzj", column: "czyjs", title: "上海市民族和宗教事务局2025年部门预算", genre: "报告", topic: "财政资金", statutory: "20.7", five: []string{"result"}, published: "2025-02-10", attach: "xlsx",
		paragraphs: []string{"根据市财政局统一部署，现将本局2025年部门预算公开如下。", "一、部门基本情况。二、部门预算收支情况说明。三、“三公”经费预算情况说明。四、政府采购预算情况。（演示数据，详见附件）"}},
	{agency: "mzzj", column: "czyjs", title: "上海市民族和宗教事务局2024年部门决算", genre: "报告", topic: "财政资金", statutory: "20.7", five: []string{"result"}, published: "2025-08-25",
		paragraphs: []string{"现将本局2024年部门决算公开如下。", "2024年度收入总计、支出总计及“三公”经费支出情况说明。（演示数据）"}},
	{agency: "mzzj", column: "czyjs", title: "上海市民族和宗教事务局2024年部门预算", genre: "报告", topic: "财政资金", statutory: "20.7", five: []string{"result"}, published: "2024-02-08",
		paragraphs: []string{"根据市财政局统一部署，现将本局2024年部门预算公开如下。（演示数据）"}},
	// 政府采购
	{agency: "mzzj", column: "zfcg", title: "民族宗教政务信息系统运维服务采购项目中标公告", genre: "公告", topic: "财政资金", statutory: "20.9", five: []string{"result"}, published: "2025-05-16",
		paragraphs: []string{"项目名称：民族宗教政务信息系统运维服务（演示）。", "采购方式：公开招标。", "中标供应商及金额：详见上海政府采购网。"}},
	// 应急管理
	{agency: "mzzj", column: "yjgl", title: "关于做好宗教活动场所疫情防控工作的通知", docNumber: "沪民宗发〔2022〕5号", genre: "通知", topic: "安全生产", statutory: "20.12", five: []string{"execution"}, published: "2022-03-20",
		paragraphs: []string{"各区民族宗教工作部门，各宗教团体：", "为做好疫情防控工作，现就宗教活动场所疫情防控有关事项通知如下。", "一、严格落实场所防控主体责任，做好人员进出管理、通风消毒等工作。", "二、暂停举办大型宗教活动，必要的宗教活动应当控制人数、缩短时间。", "三、加强对宗教教职人员和信教群众的宣传引导。"}},
	{agency: "mzzj", column: "yjgl", title: "上海市民族宗教领域突发事件应急预案", genre: "方案", topic: "安全生产", statutory: "20.12", five: []string{"decision"}, published: "2023-09-05",
		paragraphs: []string{"为有效预防和妥善处置民族宗教领域突发事件，制定本预案。", "突发事件分为特别重大、重大、较大和一般四级。", "本局成立应急工作领导小组，统一指挥应急处置工作。"}},
	// 监督检查
	{agency: "mzzj", column: "jdjc", title: "2024年清真食品经营场所专项检查情况通报", genre: "通报", topic: "清真食品管理", statutory: "20.13", five: []string{"result"}, published: "2024-12-20",
		paragraphs: []string{"2024年，本局会同各区民族事务主管部门对全市清真食品经营场所开展专项检查。", "检查发现的主要问题：个别单位清真标志牌悬挂不规范、从业人员比例不达标等，已责令整改。"}},
	// 人事信息
	{agency: "mzzj", column: "rsxx", title: "上海市民族和宗教事务局2025年度考试录用公务员拟录用人员公示", genre: "公告", topic: "机构建设", statutory: "20.14", five: []string{"result"}, published: "2025-06-30",
		paragraphs: []string{"根据2025年度上海市考试录用公务员工作安排，经笔试、面试、体检和考察，拟录用人员名单公示如下。（演示数据，姓名已作处理）", "公示期为5个工作日。"}},
	// 其他
	{agency: "mzzj", column: "qtxx", title: "上海市民族和宗教事务局2025年政府开放日活动公告", genre: "公告", topic: "政务公开", statutory: "20.15", five: []string{"service"}, published: "2025-09-12",
		paragraphs: []string{"为增进社会公众对民族宗教工作的了解，本局将举办以“民族团结一家亲”为主题的政府开放日活动。", "活动时间：2025年10月中旬；报名方式：通过本局门户网站报名。"}},
	// 年报
	{agency: "mzzj", column: "annual-report", title: "上海市民族和宗教事务局2022年政府信息公开工作年度报告", genre: "报告", topic: "政务公开", statutory: "20.15", five: []string{"result"}, published: "2023-01-30", attach: "pdf",
		paragraphs: []string{"本报告根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求编制。", "一、总体情况。二、主动公开政府信息情况。三、收到和处理政府信息公开申请情况。四、政府信息公开行政复议、行政诉讼情况。五、存在的主要问题及改进情况。六、其他需要报告的事项。"}},
	{agency: "mzzj", column: "annual-report", title: "上海市民族和宗教事务局2023年政府信息公开工作年度报告", genre: "报告", topic: "政务公开", statutory: "20.15", five: []string{"result"}, published: "2024-01-29",
		paragraphs: []string{"2023年，本局认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开工作。", "全年主动公开政府信息若干条，办理政府信息公开申请若干件。（演示数据）"}},
	{agency: "mzzj", column: "annual-report", title: "上海市民族和宗教事务局2024年政府信息公开工作年度报告", genre: "报告", topic: "政务公开", statutory: "20.15", five: []string{"result"}, published: "2025-01-27",
		paragraphs: []string{"2024年，本局坚持以公开为常态、不公开为例外，不断提升政务公开质量。", "收取信息处理费的情况：本年度无发出收费通知的情况。"}},
	{agency: "mzzj", column: "annual-report", title: "上海市民族和宗教事务局2025年政府信息公开工作年度报告", genre: "报告", topic: "政务公开", statutory: "20.15", five: []string{"result"}, published: "2026-01-26",
		paragraphs: []string{"2025年，本局聚焦社会公众关切，进一步完善清真食品、宗教活动场所、宗教教职人员等服务信息的动态更新机制。", "六、其他需要报告的事项：本年度无发出收费通知的情况。"}},
	// 工作动态（政务公开 / 民族团结）
	{agency: "mzzj", column: "qtxx", title: "本局召开2025年政务公开工作推进会", genre: "动态", topic: "政务公开", five: []string{"execution"}, published: "2025-04-22",
		paragraphs: []string{"4月22日，本局召开2025年政务公开工作推进会，听取各处室政务公开工作情况汇报，部署全年重点任务。", "会议要求，各处室联络员要每日查看政务公开工作平台待办事项，做好依申请公开、公文备案等模块的数据录入和维护。"}},
	{agency: "mzzj", column: "qtxx", title: "本市开展“民族团结进步月”系列活动", genre: "动态", topic: "民族工作", five: []string{"execution"}, published: "2025-09-26",
		paragraphs: []string{"9月，本市各区开展形式多样的民族团结进步宣传活动，促进各民族交往交流交融。", "活动期间，共举办主题讲座、文化展示、社区服务等活动若干场。"}},
	{agency: "mzzj", column: "qtxx", title: "本局举办政务公开业务培训", genre: "动态", topic: "政务公开", five: []string{"execution"}, published: "2025-11-06",
		paragraphs: []string{"11月6日，本局举办政务公开业务培训，局机关各处室和各区民族宗教工作部门政务公开工作人员参加。", "培训围绕《中华人民共和国政府信息公开条例》、依申请公开办理实务和政府信息公开年度报告编制进行讲解。"}},
	{agency: "mzzj", column: "qtxx", title: "清真食品基本供应点名单（2025年更新）", genre: "名单", topic: "清真食品管理", statutory: "20.15", five: []string{"service"}, published: "2025-10-15", attach: "xlsx",
		paragraphs: []string{"根据《上海市清真食品管理条例》第八条，现公布本市清真食品基本供应点名单（2025年更新）。", "各供应点附近设置了明显标识，方便少数民族群众购买清真食品。"}},
	{agency: "mzzj", column: "qtxx", title: "关于征集宗教活动场所服务管理意见建议的公告", genre: "公告", topic: "宗教事务", five: []string{"decision"}, published: "2026-03-02",
		paragraphs: []string{"为进一步做好宗教活动场所服务管理工作，现向社会公开征集意见建议。", "征集时间：2026年3月2日至4月1日。意见建议可通过本局门户网站领导信箱提交。"}},
	{agency: "mzzj", column: "qtxx", title: "本局开展宗教活动场所安全检查", genre: "动态", topic: "安全生产", five: []string{"execution"}, published: "2026-06-18",
		paragraphs: []string{"6月，本局会同消防、公安等部门对部分宗教活动场所开展安全检查，重点检查消防设施、用电安全和大型活动安全预案。", "对检查发现的问题，已当场反馈并督促整改。"}},
	{agency: "mzzj", column: "qtxx", title: "本局召开民族宗教领域政务新媒体管理工作会议", genre: "动态", topic: "政务公开", five: []string{"management"}, published: "2026-08-20",
		paragraphs: []string{"会议明确政务新媒体主管主办职责，要求对重要政策措施第一时间发布、转载，运用可视化形式做好政策解读。"}},
	{agency: "mzzj", column: "qtxx", title: "2026年上海市民族和宗教事务局政务公开工作要点", genre: "方案", topic: "政务公开", statutory: "20.3", five: []string{"decision"}, published: "2026-05-08",
		paragraphs: []string{"2026年本局政务公开工作聚焦民族团结进步、宗教事务依法管理和清真食品服务保障，推动政务公开提质增效。", "一、强化重点领域信息公开。二、深化政策解读与回应关切。三、加强平台和制度建设。"}},
	{agency: "mzzj", column: "zcwj", title: "关于做好宗教活动场所法人登记工作的通知", docNumber: "沪民宗发〔2026〕3号", genre: "通知", topic: "宗教事务", statutory: "20.1", validity: "valid", five: []string{"execution"}, published: "2026-04-15",
		paragraphs: []string{"各区民族宗教工作部门：", "为依法保护宗教活动场所合法权益，现就宗教活动场所法人登记工作通知如下。", "一、符合条件的宗教活动场所可以申请办理法人登记。", "二、区民族宗教工作部门应当做好指导服务。"}},
	{agency: "mzzj", column: "zcwj", title: "上海市少数民族特需商品供应保障办法", docNumber: "沪民宗规〔2019〕2号", genre: "办法", topic: "民族工作", statutory: "20.1", validity: "repealed", five: []string{"service"}, published: "2019-05-06",
		paragraphs: []string{"为保障少数民族特需商品供应，制定本办法。", "（本文件已于2024年废止。）"}},
	// Institution: 研究中心
	{agency: "mzzj-yjzx", column: "jgzn", title: "上海市民族宗教事务研究中心机构职能", genre: "其他", topic: "机构建设", statutory: "20.2", five: []string{"management"}, published: "2023-03-01",
		paragraphs: []string{"上海市民族宗教事务研究中心是上海市民族和宗教事务局所属事业单位。", "主要职能：开展民族宗教理论政策研究，为决策提供咨询服务，承担民族宗教信息资料的收集整理工作。"}},
	{agency: "mzzj-yjzx", column: "qtxx", title: "研究中心发布2024年度民族宗教研究课题指南", genre: "公告", topic: "民族工作", five: []string{"service"}, published: "2024-03-15", attach: "docx",
		paragraphs: []string{"为加强民族宗教理论政策研究，现发布2024年度研究课题指南，面向社会公开征集课题研究单位。", "课题方向：铸牢中华民族共同体意识、宗教中国化、城市民族工作、清真食品管理法治化等。"}},
	{agency: "mzzj-yjzx", column: "czyjs", title: "上海市民族宗教事务研究中心2025年单位预算", genre: "报告", topic: "财政资金", statutory: "20.7", five: []string{"result"}, published: "2025-02-12",
		paragraphs: []string{"现将本中心2025年单位预算公开如下。（演示数据）"}},
	{agency: "mzzj-yjzx", column: "qtxx", title: "研究中心举办“宗教中国化”学术研讨会", genre: "动态", topic: "宗教事务", five: []string{"execution"}, published: "2025-07-10",
		paragraphs: []string{"7月10日，研究中心举办学术研讨会，来自高校、科研机构和宗教界的代表参加。"}},
	{agency: "mzzj-yjzx", column: "annual-report", title: "上海市民族宗教事务研究中心2025年信息公开工作年度报告", genre: "报告", topic: "政务公开", five: []string{"result"}, published: "2026-01-28",
		paragraphs: []string{"2025年，本中心按照事业单位信息公开有关要求，做好机构职能、财务预决算等信息公开。"}},
	// District: 浦东
	{agency: "pudong-mzb", column: "jgzn", title: "浦东新区民族和宗教事务办公室主要职责", genre: "其他", topic: "机构建设", statutory: "20.2", five: []string{"management"}, published: "2022-02-10",
		paragraphs: []string{"浦东新区民族和宗教事务办公室负责本区民族宗教工作。", "内设综合科、民族科、宗教科。"}},
	{agency: "pudong-mzb", column: "xzxk", title: "浦东新区清真标志牌核发结果公告（2025年第三季度）", genre: "公告", topic: "清真食品管理", statutory: "20.5", five: []string{"result"}, published: "2025-10-09", attach: "xlsx",
		paragraphs: []string{"根据《上海市清真食品管理条例》，现将2025年第三季度本区清真标志牌核发结果公告如下。（演示数据，详见附件）"}},
	{agency: "pudong-mzb", column: "yjgl", title: "浦东新区宗教活动场所疫情防控工作提示", genre: "通知", topic: "安全生产", statutory: "20.12", five: []string{"execution"}, published: "2022-04-02",
		paragraphs: []string{"请各宗教活动场所严格落实疫情防控措施，做好进出人员登记和场所消毒工作。"}},
	{agency: "pudong-mzb", column: "qtxx", title: "浦东新区举办民族团结进步主题活动", genre: "动态", topic: "民族工作", five: []string{"execution"}, published: "2025-09-20",
		paragraphs: []string{"9月20日，浦东新区在陆家嘴社区举办民族团结进步主题活动。"}},
	{agency: "pudong-mzb", column: "annual-report", title: "浦东新区民族和宗教事务办公室2025年政府信息公开工作年度报告", genre: "报告", topic: "政务公开", five: []string{"result"}, published: "2026-01-29",
		paragraphs: []string{"2025年，本办按照《中华人民共和国政府信息公开条例》要求，做好政务公开各项工作。"}},
	{agency: "pudong-mzb", column: "czyjs", title: "浦东新区民族和宗教事务办公室2025年部门预算", genre: "报告", topic: "财政资金", statutory: "20.7", five: []string{"result"}, published: "2025-02-18",
		paragraphs: []string{"现将本办2025年部门预算公开如下。（演示数据）"}},
	// District: 黄浦
	{agency: "huangpu-mzb", column: "jgzn", title: "黄浦区民族和宗教事务办公室主要职责", genre: "其他", topic: "机构建设", statutory: "20.2", five: []string{"management"}, published: "2022-02-15",
		paragraphs: []string{"黄浦区民族和宗教事务办公室负责本区民族宗教工作。"}},
	{agency: "huangpu-mzb", column: "qtxx", title: "黄浦区清真食品经营单位名录", genre: "名单", topic: "清真食品管理", five: []string{"service"}, published: "2025-06-05",
		paragraphs: []string{"现公布本区持有清真标志牌的食品经营单位名录，方便群众查询。（演示数据）"}},
	{agency: "huangpu-mzb", column: "annual-report", title: "黄浦区民族和宗教事务办公室2025年政府信息公开工作年度报告", genre: "报告", topic: "政务公开", five: []string{"result"}, published: "2026-01-30",
		paragraphs: []string{"2025年，本办认真落实政务公开各项工作要求。"}},
	{agency: "mzzj", column: "xzxk", title: "宗教教职人员备案办事指南", genre: "其他", topic: "宗教事务", statutory: "20.5", five: []string{"service"}, published: "2024-09-03",
		paragraphs: []string{"事项名称：宗教教职人员备案。", "设定依据：《宗教事务条例》第三十六条、《上海市宗教事务条例》第二十七条。", "办理流程：宗教团体认定后，报民族宗教工作部门备案；备案后可按规定从事宗教教务活动。", "公众可通过本局门户网站查询宗教教职人员备案信息。"}},
	{agency: "mzzj", column: "jdjc", title: "2025年宗教活动场所消防安全专项检查情况通报", genre: "通报", topic: "安全生产", statutory: "20.13", five: []string{"result"}, published: "2025-12-12",
		paragraphs: []string{"2025年，本局会同市消防救援总队对全市宗教活动场所开展消防安全专项检查。", "总体情况良好，对发现的隐患已督促整改到位。"}},
	{agency: "mzzj", column: "qtxx", title: "本局召开民族宗教系统政务公开联络员会议", genre: "动态", topic: "政务公开", five: []string{"execution"}, published: "2026-02-26",
		paragraphs: []string{"会议通报了2025年政务公开工作考核情况，部署2026年政务公开重点工作。", "会议强调，各处室联络员要做好信息报送、依申请公开协办和政策解读工作。"}},
	{agency: "mzzj", column: "qtxx", title: "本局开展“清真食品安全进社区”宣传活动", genre: "动态", topic: "清真食品管理", five: []string{"execution"}, published: "2026-07-08",
		paragraphs: []string{"7月，本局联合各区在社区开展清真食品安全宣传活动，向群众讲解《上海市清真食品管理条例》和清真标志牌识别方法。"}},
	{agency: "mzzj", column: "zcwj", title: "关于做好2026年民族团结进步创建工作的通知", docNumber: "沪民宗发〔2026〕6号", genre: "通知", topic: "民族工作", statutory: "20.1", validity: "valid", five: []string{"execution"}, published: "2026-09-10",
		paragraphs: []string{"各区民族宗教工作部门：", "为深入推进民族团结进步创建工作，现就2026年有关工作通知如下。", "一、突出铸牢中华民族共同体意识主线。二、加强创建示范单位建设。三、做好宣传教育。"}},
	{agency: "pudong-mzb", column: "qtxx", title: "浦东新区少数民族服务站点名单", genre: "名单", topic: "民族工作", five: []string{"service"}, published: "2025-05-12",
		paragraphs: []string{"为方便来沪少数民族群众办事，现公布本区少数民族服务站点名单。（演示数据）"}},
	{agency: "mzzj-yjzx", column: "qtxx", title: "研究中心2026年度开放课题申报通知", genre: "通知", topic: "宗教事务", five: []string{"service"}, published: "2026-03-18",
		paragraphs: []string{"本中心面向社会公开征集2026年度开放课题，研究方向包括宗教事务依法管理、城市民族工作等。"}},
	{agency: "huangpu-mzb", column: "qtxx", title: "黄浦区宗教活动场所开放信息", genre: "其他", topic: "宗教事务", five: []string{"service"}, published: "2026-04-01",
		paragraphs: []string{"本区宗教活动场所开放时间如有调整，将及时在本网站公布。（演示数据）"}},
}

// loadDemoItems publishes the demo items (through the import path, which is
// what a migrating bureau would use), sets up the guide, topics, a topical
// column with updates, and leaves a few items mid-workflow for the console.
func (c *Core) loadDemoItems(ctx context.Context, editors, admins map[string]*auth.Principal) error {
	dir, err := os.MkdirTemp("", "gongkai-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	op := auth.Operator("serve --demo")
	for _, slug := range []string{"mzzj", "mzzj-yjzx", "mzzj-fwzx", "pudong-mzb", "huangpu-mzb"} {
		a, err := c.Agencies.BySlug(ctx, slug)
		if err != nil {
			return err
		}
		if _, err := c.Disclosure.Catalogue(ctx, a.ID); err != nil {
			return err
		}
		for i, t := range demoTopics {
			if _, err := c.Disclosure.CreateTopic(ctx, admins[slug], a.ID, t, i); err != nil {
				return err
			}
		}
	}
	// The demo items carry index numbers in each agency's own pattern, as
	// a migrated site's would; new publications skip the numbers taken.
	prefixes := map[string]string{}
	for _, slug := range []string{"mzzj", "mzzj-yjzx", "mzzj-fwzx", "pudong-mzb", "huangpu-mzb"} {
		a, err := c.Agencies.BySlug(ctx, slug)
		if err != nil {
			return err
		}
		prefixes[slug] = a.IndexPrefix
		if prefixes[slug] == "" {
			prefixes[slug] = strings.ToUpper(slug)
		}
	}
	seq := map[string]int{}
	var rows []disclosure.ImportRow
	for i, d := range demoDocs {
		year := d.published[:4]
		seq[d.agency+year]++
		row := disclosure.ImportRow{Line: i + 1, Agency: d.agency, IndexNumber: fmt.Sprintf("%s/%s-%05d", prefixes[d.agency], year, seq[d.agency+year]),
			Title: d.title, DocNumber: d.docNumber, PublishedOn: d.published, FormedOn: d.published, Topic: d.topic, Genre: d.genre,
			FivePublics: d.five, StatutoryItem: d.statutory, Validity: d.validity, Summary: summaryOf(d.paragraphs), Body: body(d.paragraphs),
			Columns: []string{d.column}, Keywords: d.topic}
		if d.docNumber != "" {
			row.SignedOn = d.published
		}
		if d.attach != "" {
			name := fmt.Sprintf("%02d-%s.%s", i+1, fileTitle(d.title), d.attach)
			var b []byte
			switch d.attach {
			case "pdf":
				b = extract.MakePDF(d.title, d.paragraphs)
			case "docx":
				b = extract.MakeDOCX(append([]string{d.title}, d.paragraphs...))
			case "xlsx":
				b = extract.MakeXLSX(demoTable(d.title))
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				return err
			}
			row.Attachments = []string{name}
		}
		rows = append(rows, row)
	}
	rep, err := c.Disclosure.Import(ctx, op, rows, "mzzj", dir)
	if err != nil {
		return err
	}
	if rep.Rejected > 0 {
		return fmt.Errorf("demo items: %s", disclosure.FormatImportReport(rep))
	}
	mzzj, err := c.Agencies.BySlug(ctx, "mzzj")
	if err != nil {
		return err
	}
	st := disclosure.Settings{AgencyID: mzzj.ID, IndexPattern: disclosure.DefaultIndexPattern, RequireApproval: true,
		SensitiveWords:      "# 本局保密审查敏感词（演示）\n内部资料\n绝密\n机密\n秘密级",
		GuideClassification: "本局主动公开的政府信息分为：政府信息公开制度、机构职能、政策文件、规划计划、统计信息、行政许可和服务事项、行政处罚和行政强制、财政预决算、政府采购、应急管理、监督检查、人事信息、其他法定公开信息以及政府信息公开年报。",
		GuideAccess:         "主动公开的政府信息可通过本局门户网站“政府信息公开”栏目查阅、检索和下载，也可在市档案馆、上海图书馆的政府信息公开查阅点查阅。依申请公开的，可通过网上申请、信函或当面提交等方式向本局办公室提出。"}
	admin := admins["mzzj"]
	if err := c.Disclosure.UpdateSettings(ctx, admin, st); err != nil {
		return err
	}
	// Pinned notices: the year's work plan heads the home page and its column.
	latest, _, err := c.Disclosure.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{mzzj.ID}, Limit: 200, NoCount: true})
	if err != nil {
		return err
	}
	for _, it := range latest {
		if strings.Contains(it.Title, "政务公开工作要点") {
			full, err := c.Disclosure.PublicItem(ctx, mzzj.ID, it.ID)
			if err != nil {
				return err
			}
			if err := c.Disclosure.SetPinned(ctx, admin, it.ID, full.ColumnIDs[0], true); err != nil {
				return err
			}
			break // the newest only
		}
	}
	// The topical column of work point 一(一), with a rolling stream.
	colID, err := c.Disclosure.CreateColumn(ctx, admin, mzzj.ID, disclosure.ColumnInput{Slug: "yqfk", Name: "宗教活动场所疫情防控", Kind: disclosure.KindTopical,
		Intro: "集中发布本市宗教活动场所疫情防控政策、工作动态和服务信息（2022年专题，演示数据）。", Open: true, SortOrder: 10})
	if err != nil {
		return err
	}
	for _, u := range []string{
		"本市宗教活动场所自即日起暂停集体宗教活动，请信教群众在家中进行宗教生活。",
		"市民族宗教局发布《关于做好宗教活动场所疫情防控工作的通知》，要求各场所落实防控主体责任。",
		"各区民族宗教工作部门对辖区宗教活动场所开展防控检查，共检查场所若干处。",
		"宗教活动场所有序恢复开放：实行预约、限流、错峰，进入场所须配合做好健康监测。",
	} {
		if _, err := c.Disclosure.PostUpdate(ctx, admin, mzzj.ID, colID, u, 0, false); err != nil {
			return err
		}
	}
	// Items mid-workflow: a submitted one awaiting review, and a draft with a
	// planted ID number that the review will block.
	if ed := editors["mzzj"]; ed != nil {
		cols, err := c.Disclosure.Catalogue(ctx, mzzj.ID)
		if err != nil {
			return err
		}
		var qtxx int64
		for _, col := range cols {
			if col.Slug == "qtxx" {
				qtxx = col.ID
			}
		}
		today := civil.Today().String()
		it, err := c.Disclosure.Create(ctx, ed, mzzj.ID, disclosure.DraftFields{Title: "关于开展2026年度清真食品经营场所专项检查的通知", FormedOn: today,
			Genre: "通知", FivePublics: []string{"execution"}, SourceType: "self", ColumnIDs: []int64{qtxx},
			Summary: "部署2026年度清真食品经营场所专项检查。", Body: "各区民族宗教工作部门：\n\n为加强清真食品管理，现部署开展2026年度清真食品经营场所专项检查。"})
		if err != nil {
			return err
		}
		if err := c.Disclosure.Submit(ctx, ed, it.ID); err != nil {
			return err
		}
		if _, err := c.Disclosure.Create(ctx, ed, mzzj.ID, disclosure.DraftFields{Title: "关于表彰宗教活动场所安全管理先进个人的决定（草稿）", FormedOn: today,
			Genre: "决定", SourceType: "self", ColumnIDs: []int64{qtxx},
			Body: "经研究，决定对以下同志予以表彰：\n\n张某某（身份证号 310101199001011234），联系电话 13812345678。"}); err != nil {
			return err
		}
	}
	return nil
}

func summaryOf(paras []string) string {
	s := paras[0]
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "……"
	}
	return s
}

func fileTitle(t string) string {
	r := []rune(strings.NewReplacer("《", "", "》", "", "“", "", "”", "").Replace(t))
	if len(r) > 30 {
		r = r[:30]
	}
	return string(r)
}

func demoTable(title string) [][]string {
	return [][]string{
		{title},
		{"序号", "项目", "数量", "备注"},
		{"1", "佛教", "（演示）", "清真食品、宗教活动场所等数据为演示数据"},
		{"2", "道教", "（演示）", ""},
		{"3", "伊斯兰教", "（演示）", "清真"},
		{"4", "天主教", "（演示）", ""},
		{"5", "基督教", "（演示）", ""},
	}
}
