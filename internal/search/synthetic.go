package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
)

// Synthetic returns document number i (1-based) of a deterministic corpus of
// realistic Chinese government documents, for tests, benchmarks and demo
// data. The same (seed, i) always gives the same document, so a corpus of any
// size can be generated in parallel. Titles follow the usual patterns
// (关于做好2025年宗教活动场所安全管理工作的通知, 关于印发《…办法》的通知);
// bodies run from a few hundred to a few thousand characters (one in 25
// carries attachment text of up to ~20,000 more: a table of places of
// worship) built from the vocabulary of a municipal 民族宗教 bureau and its
// districts. Each document has a topic whose words it uses, and words are
// drawn with a Zipf-like skew, so that some words are everywhere (工作, 宗教),
// topic words are in a minority of documents and named places of worship
// are rare; about 70% have a 文号 such as 沪民宗规〔2024〕3号.
func Synthetic(seed uint64, i int) Doc {
	r := rand.New(rand.NewPCG(seed, uint64(i))) // #nosec G404 G115 -- reproducible synthetic documents for benchmarks; i is a document number >= 0
	g := gen{r: r}
	year := 2014 + g.skewYear()
	month := 1 + r.IntN(12)
	day := 1 + r.IntN(28)
	pub := civil.New(year, time.Month(month), day)
	agency := g.agency()
	topic := r.IntN(len(synTopics))
	kind := synKinds[g.zipf(len(synKinds))]
	d := Doc{
		Source:      "item",
		SourceID:    int64(i),
		AgencyID:    int64(agency + 1),
		URL:         fmt.Sprintf("/items/%d", i),
		PublishedOn: pub,
		Kind:        kind,
		TopicID:     int64(topic + 1),
	}
	// Columns: one to three of thirty.
	nc := 1 + r.IntN(3)
	for range nc {
		c := int64(1 + g.zipf(30))
		dup := false
		for _, x := range d.ColumnIDs {
			dup = dup || x == c
		}
		if !dup {
			d.ColumnIDs = append(d.ColumnIDs, c)
		}
	}
	for _, fp := range []string{"决策", "执行", "管理", "服务", "结果"} {
		if r.IntN(3) == 0 {
			d.FivePublics = append(d.FivePublics, fp)
		}
	}
	if r.IntN(10) < 7 {
		prefix := synDocPrefixes[g.zipf(len(synDocPrefixes))]
		if agency >= 1 && agency <= len(synDistricts) && r.IntN(2) == 0 {
			prefix = synDistrictShort[agency-1] + "民宗"
		}
		d.DocNumber = fmt.Sprintf("%s〔%d〕%d号", prefix, year, 1+g.zipf(60))
	}
	t := synTopics[topic]
	g.topic = topic
	g.district = r.IntN(len(synDistricts))
	if agency >= 1 && agency <= len(synDistricts) {
		g.district = agency - 1
	}
	g.place = -1
	if r.IntN(20) == 0 {
		g.place = r.IntN(len(synPlaces)) // a few documents name a place
	}
	d.Title = g.title(year, t, kind, agency)
	d.Body = g.body(year, t, d.DocNumber, agency)
	return d
}

type gen struct {
	r *rand.Rand
	// topic, district and place (-1: none) of the document being made.
	topic, district, place int
}

// districtPlaces gives each district four of the places of worship, for
// its tables.
var districtPlaces = func() [][]string {
	out := make([][]string, len(synDistricts))
	for i := range synDistricts {
		r := rand.New(rand.NewPCG(uint64(i), 77)) // #nosec G404 -- a fixed deterministic draw, no secret
		for _, j := range r.Perm(len(synPlaces))[:4] {
			out[i] = append(out[i], synPlaces[j])
		}
	}
	return out
}()

// topicWords gives each topic its own words: a deterministic draw of
// twelve of synTopicWords, so that a topic's documents share a vocabulary
// and most words are found in a minority of documents, as in a real
// collection.
var topicWords = func() [][]string {
	out := make([][]string, len(synTopics))
	for i := range synTopics {
		r := rand.New(rand.NewPCG(uint64(i), 99)) // #nosec G404 -- a fixed deterministic draw, no secret
		perm := r.Perm(len(synTopicWords))
		for _, j := range perm[:12] {
			out[i] = append(out[i], synTopicWords[j])
		}
	}
	return out
}()

// zipf picks an index in [0, n) with probability ∝ 1/(k+1).
func (g gen) zipf(n int) int {
	// Inverse transform on the harmonic series, approximated by exp.
	h := 0.0
	for k := 1; k <= n; k++ {
		h += 1 / float64(k)
	}
	u := g.r.Float64() * h
	for k := 1; k <= n; k++ {
		u -= 1 / float64(k)
		if u <= 0 {
			return k - 1
		}
	}
	return n - 1
}

func (g gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// skewYear returns 0…12 (2014…2026), more recent years more likely.
func (g gen) skewYear() int {
	a, b := g.r.IntN(13), g.r.IntN(13)
	return max(a, b)
}

// agency: 0 = the municipal bureau (40%), 1…16 the district bureaus, 17…19
// institutions.
func (g gen) agency() int {
	switch x := g.r.IntN(100); {
	case x < 40:
		return 0
	case x < 90:
		return 1 + g.r.IntN(len(synDistricts))
	default:
		return 1 + len(synDistricts) + g.r.IntN(3)
	}
}

func (g gen) agencyName(agency int) string {
	switch {
	case agency == 0:
		return "上海市民族和宗教事务局"
	case agency <= len(synDistricts):
		return synDistricts[agency-1] + "民族和宗教事务办公室"
	default:
		return synInstitutions[(agency-1-len(synDistricts))%len(synInstitutions)]
	}
}

func (g gen) title(year int, topic, kind string, agency int) string {
	switch g.r.IntN(9) {
	case 0:
		return fmt.Sprintf("关于做好%d年%s工作的通知", year, topic)
	case 1:
		return fmt.Sprintf("关于印发《上海市%s办法》的通知", strings.TrimSuffix(topic, "工作"))
	case 2:
		return fmt.Sprintf("%s关于%s的%s", g.agencyName(agency), topic, kind)
	case 3:
		return fmt.Sprintf("关于进一步加强%s的意见", topic)
	case 4:
		return fmt.Sprintf("%d年%s工作要点", year, topic)
	case 5:
		return fmt.Sprintf("%s%d年政府信息公开工作年度报告", g.agencyName(agency), year-1)
	case 6:
		if g.place < 0 {
			g.place = g.r.IntN(len(synPlaces))
		}
		return fmt.Sprintf("关于同意%s%s%s的批复", synDistricts[g.district], synPlaces[g.place], g.pick(synApprovals))
	case 7:
		return fmt.Sprintf("关于开展%d年度%s专项检查的通知", year, topic)
	default:
		return fmt.Sprintf("关于%s有关事项的%s", topic, kind)
	}
}

func (g gen) sentence(year int, topic string) string {
	tpl := synSentences[g.zipf(len(synSentences))]
	var b strings.Builder
	for i := 0; i < len(tpl); i++ {
		if tpl[i] != '{' {
			b.WriteByte(tpl[i])
			continue
		}
		j := strings.IndexByte(tpl[i:], '}')
		key := tpl[i+1 : i+j]
		i += j
		switch key {
		case "T":
			if g.r.IntN(5) != 0 {
				b.WriteString(topic)
			} else {
				b.WriteString(synTopics[g.zipf(len(synTopics))])
			}
		case "W":
			if g.r.IntN(20) < 9 {
				b.WriteString(synGeneralWords[g.zipf(len(synGeneralWords))])
			} else {
				tw := topicWords[g.topic]
				b.WriteString(tw[g.zipf(len(tw))])
			}
		case "V":
			b.WriteString(synVerbs[g.zipf(len(synVerbs))])
		case "D":
			if g.r.IntN(5) != 0 {
				b.WriteString(synDistricts[g.district])
			} else {
				b.WriteString(g.pick(synDistricts))
			}
		case "P":
			if g.place >= 0 {
				b.WriteString(synPlaces[g.place])
			} else {
				b.WriteString("各宗教活动场所")
			}
		case "L":
			b.WriteString(synLaws[g.zipf(len(synLaws))])
		case "Y":
			fmt.Fprintf(&b, "%d", year)
		case "N":
			fmt.Fprintf(&b, "%d", 1+g.r.IntN(500))
		case "M":
			fmt.Fprintf(&b, "%d月%d日", 1+g.r.IntN(12), 1+g.r.IntN(28))
		}
	}
	return b.String()
}

func (g gen) body(year int, topic, docNumber string, agency int) string {
	var b strings.Builder
	switch g.r.IntN(3) {
	case 0:
		b.WriteString("各区民族宗教工作部门，各有关单位：\n")
	case 1:
		b.WriteString("各宗教团体，各宗教活动场所：\n")
	}
	// 300 … 5,000 characters, log-uniform-ish.
	target := 300 + int(4700*g.r.Float64()*g.r.Float64())
	para := 0
	for n := 0; n < target; {
		s := g.sentence(year, topic)
		b.WriteString(s)
		n += len([]rune(s))
		if g.r.IntN(4) == 0 {
			para++
			b.WriteString("\n" + synNumerals[para%len(synNumerals)] + "、")
		}
	}
	b.WriteString("\n\n" + g.agencyName(agency) + "\n")
	fmt.Fprintf(&b, "%d年%d月%d日\n", year, 1+g.r.IntN(12), 1+g.r.IntN(28))
	if docNumber != "" && g.r.IntN(2) == 0 {
		b.WriteString("（此件公开发布）" + docNumber + "\n")
	}
	// One in twenty-five carries attachment text: a table of places of
	// worship.
	if g.r.IntN(25) == 0 {
		b.WriteString("\n附件：" + g.pick(synDistricts) + "宗教活动场所名录\n")
		rows := 20 + g.r.IntN(400)
		places := districtPlaces[g.district]
		district := synDistricts[g.district]
		for k := 1; k <= rows; k++ {
			fmt.Fprintf(&b, "%d %s%s 地址：%s%s路%d号 负责人：%s 电话：021-%08d\n", k, district, places[g.r.IntN(len(places))],
				district, g.pick(synRoads), 1+g.r.IntN(999), g.pick(synSurnames)+g.pick(synGivenNames), 50000000+g.r.IntN(49999999))
		}
	}
	return b.String()
}

var synNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

var synDistricts = []string{"黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
	"宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区"}

var synDistrictShort = []string{"黄", "徐", "长", "静", "普", "虹", "杨", "闵", "宝", "嘉", "浦", "金", "松", "青", "奉", "崇"}

var synInstitutions = []string{"上海市民族和宗教事务局宗教研究中心", "上海市少数民族联合会", "上海市民族宗教信息服务中心"}

var synDocPrefixes = []string{"沪民宗规", "沪民宗发", "沪民宗", "沪民宗函", "沪民宗办", "沪民宗复", "沪府办发", "沪民宗联"}

var synKinds = []string{"通知", "公告", "意见", "办法", "批复", "报告", "规定", "决定", "函", "方案", "要点", "通报", "解读"}

var synTopics = []string{
	"宗教活动场所安全管理", "清真食品监督管理", "少数民族流动人口服务管理", "民族团结进步创建",
	"宗教院校教育管理", "政务公开", "规范性文件清理", "行政许可事项办理", "宗教教职人员备案",
	"民族工作条例实施", "宗教团体财务管理", "互联网宗教信息服务管理", "少数民族节庆活动保障",
	"清真餐饮服务规范", "宗教活动场所消防安全", "宗教活动场所疫情防控", "民族语言文字工作",
	"宗教领域风险隐患排查", "信访工作", "档案管理", "统计调查", "安全生产", "双拥共建",
	"宗教慈善活动规范", "大型宗教活动审批", "宗教房产管理", "少数民族学生就学服务",
	"民族宗教法治宣传教育", "政府信息公开工作", "行政执法公示", "优化营商环境", "乡村振兴对口支援",
	"宗教文物保护", "宗教活动场所设立审批", "民族特需商品供应", "宗教界人士培训", "民族宗教干部队伍建设",
	"宗教用品市场监管", "少数民族传统体育", "民族医药发展",
}

// synGeneralWords are found in every kind of document.
var synGeneralWords = []string{
	"工作", "宗教", "管理", "民族", "服务", "安全", "加强", "落实", "制度", "单位", "检查", "责任",
	"宗教活动场所", "少数民族", "宗教团体", "法律法规", "依法管理", "属地管理", "监督检查", "台账",
	"备案", "公示", "社区", "街道", "培训",
}

// synTopicWords are shared out among the topics (see topicWords).
var synTopicWords = []string{
	"政务公开", "规范性文件", "行政许可", "清真食品", "信息公开",
	"主体责任", "风险隐患", "应急预案", "疫情防控", "消防设施", "教职人员", "信教群众",
	"民族团结", "统一战线", "社会主义核心价值观", "中国化方向", "分级负责",
	"审批", "年度报告", "考核评价", "专项整治", "联席会议",
	"网格化管理", "乡镇", "志愿服务", "慈善公益", "文物保护", "财务公开", "民主管理",
	"清真餐饮", "民族特需商品", "流动人口", "就业创业", "子女入学", "法律援助", "矛盾纠纷", "调解",
	"互联网宗教信息", "舆情", "网络安全", "档案", "统计数据", "绩效", "预算", "政府采购", "营商环境",
	"一网通办", "行政执法", "双随机一公开", "信用监管", "投诉举报", "依申请公开", "主动公开", "政策解读",
	"回应关切", "宗教院校", "宗教文化", "节庆活动", "斋月", "古尔邦节", "开斋节", "圣诞节",
	"浴佛节", "中元节", "藏历新年", "那达慕", "泼水节", "火把节", "穆斯林", "佛教", "道教", "天主教",
	"基督教", "伊斯兰教", "民族语文", "双语", "非物质文化遗产", "对口支援", "东西部协作", "乡村振兴",
}

var synVerbs = []string{"进一步加强", "认真落实", "切实做好", "扎实推进", "严格执行", "不断完善", "全面排查",
	"积极开展", "深入推进", "依法规范", "统筹协调", "及时报告", "广泛宣传", "定期检查", "妥善处置"}

var synLaws = []string{"《宗教事务条例》", "《上海市宗教事务条例》", "《中华人民共和国政府信息公开条例》",
	"《上海市民族工作条例》", "《宗教活动场所管理办法》", "《清真食品管理条例》", "《中华人民共和国行政许可法》",
	"《中华人民共和国安全生产法》", "《中华人民共和国消防法》", "《互联网宗教信息服务管理办法》",
	"《宗教教职人员管理办法》", "《宗教团体管理办法》", "《上海市清真食品管理条例》", "《中华人民共和国民族区域自治法》"}

var synPlaces = []string{"玉佛禅寺", "静安寺", "龙华寺", "沉香阁", "真如寺", "沪西清真寺", "小桃园清真寺",
	"松江清真寺", "福佑路清真寺", "徐家汇天主堂", "佘山圣母大殿", "董家渡天主堂", "沐恩堂", "国际礼拜堂",
	"景灵堂", "鸿德堂", "白云观", "城隍庙", "钦赐仰殿", "东岳行宫", "广福寺", "西林禅寺", "太平寺",
	"宝山寺", "法华寺", "圆通寺", "崇福道院", "清心堂", "诸圣堂", "怀恩堂"}

var synApprovals = []string{"扩建工程", "修缮项目", "举行大型宗教活动", "登记变更", "设立宗教活动场所",
	"开展宗教教育培训", "接受境外捐赠", "改建部分房屋", "新建配套用房", "更换负责人"}

var synRoads = []string{"南京西", "淮海中", "延安东", "四川北", "肇嘉浜", "漕溪北", "长寿", "江宁", "西藏南",
	"中山南", "沪闵", "共和新", "浦东南", "张杨", "世纪大道", "虹桥", "天山", "武宁", "大连", "控江"}

var synSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}

var synGivenNames = []string{"明", "华", "伟", "芳", "静", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "超",
	"建国", "文华", "志强", "海燕", "秀英", "玉兰", "德明", "晓东", "学军", "振华", "阿里木", "古丽"}

var synSentences = []string{
	"各单位要{V}{T}工作，{V}{W}和{W}。",
	"根据{L}和{L}的有关规定，结合本市实际，现就{T}有关事项通知如下。",
	"要坚持{W}和{W}相结合，{V}{W}，确保{W}落到实处。",
	"{D}{P}要{V}{W}，建立健全{W}制度，{V}{W}。",
	"截至{Y}年{M}，全市共有{W}{N}个，{W}{N}人，{W}{N}项。",
	"{Y}年，我局{V}{T}，共办理{W}{N}件，{W}{N}件。",
	"各区民族宗教工作部门要{V}{W}，对{W}开展{W}，发现问题及时整改。",
	"本办法自{Y}年{M}起施行，有效期至{Y}年12月31日。",
	"对违反{L}的行为，由{W}部门依法予以处理；构成犯罪的，依法追究刑事责任。",
	"{P}{V}{T}，组织{W}{N}人次参加{W}。",
	"联系人：{W}处，电话：021-{N}{N}。",
	"请各单位于{Y}年{M}前将{W}情况报送我局{W}处。",
	"{T}是{W}的重要内容，事关{W}和{W}。",
	"加强对{W}的{W}，{V}{W}，防范化解{W}。",
	"本通知由上海市民族和宗教事务局负责解释。",
	"要发挥{W}作用，引导{W}{V}{W}。",
	"建立{W}和{W}协调机制，定期召开{W}，通报{T}情况。",
	"{D}共有{W}{N}处，其中{W}{N}处，{W}{N}处。",
	"申请人可通过“一网通办”平台在线提交{W}申请，承诺办结时限为{N}个工作日。",
	"对{W}中发现的{W}，要建立台账，明确责任，限期整改。",
}
