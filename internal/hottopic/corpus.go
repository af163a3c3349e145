package hottopic

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
)

// Doc is one message to analyse: a letter, a board post, a hotline order,
// an application's description — Key is the caller's reference to it.
type Doc struct {
	Key  string
	Day  civil.Date // the day it was received (Asia/Shanghai)
	Text string
}

// Corpus holds a set of messages segmented into their content terms,
// ready for clustering and trend counting.
type Corpus struct {
	docs  []Doc
	day   []int32  // day number per doc
	terms []string // term id → term
	ids   map[string]int32
	df    []int32   // documents containing the term
	bags  [][]tfEnt // per doc: content terms with their counts, sorted by id
	seg   *Segmenter
}

type tfEnt struct {
	t int32
	n int32
}

// stopwords are words that say how someone writes, not what about:
// greetings, politeness, the hotline operator's formulas, and words every
// complaint uses. Corpus frequency down-weights the rest.
var stopwords = map[string]bool{}

func init() {
	for _, w := range []string{
		"您好", "你好", "领导", "局长", "尊敬", "谢谢", "感谢", "希望", "尽快", "处理", "问题", "反映", "市民", "来电",
		"要求", "情况", "请问", "咨询", "相关", "部门", "工作", "我们", "你们", "他们", "现在", "目前", "已经", "盼复",
		"答复", "回复", "解决", "一下", "这个", "那个", "什么", "怎么", "如何", "是否", "可以", "能否", "能够", "没有",
		"一个", "一些", "这些", "那些", "因为", "所以", "但是", "而且", "还是", "或者", "如果", "虽然", "不过", "然后",
		"时候", "时间", "地方", "本人", "自己", "大家", "有关", "关于", "进行", "需要", "应该", "以及", "并且", "不是",
		"知道", "觉得", "认为", "看到", "发现", "出现", "存在", "一直", "非常", "特别", "比较", "十分", "实在", "真的",
		"麻烦", "帮忙", "帮助", "给予", "予以", "落实", "核实", "重视", "关注", "此事", "此类", "上述", "以上", "如下",
		"来信", "留言", "信箱", "热线", "工单", "诉求", "建议", "意见", "投诉", "举报", "申请", "公开", "政府", "单位",
		"市民族", "宗教局", "民宗局", "贵局", "该局", "我局", "市里", "区里", "上海", "上海市", "本市", "我市", "谢谢您",
		"先生", "女士", "同志", "老师", "师傅", "电话", "联系", "联系电话", "号码", "手机", "地址", "姓名", "今天", "昨天",
		"最近", "近期", "近日", "今年", "去年", "每次", "多次", "几次", "很多", "不少", "一些", "有点", "东西", "事情",
		"望", "请", "能", "吗", "呢", "吧", "啊",
		// How letters and hotline records are written, whatever the topic.
		"有关部门", "相关部门", "群众", "市民群众", "来电人", "来访人", "来信人", "工作人员", "告知", "登记", "提供", "发布",
		"得到", "注意", "只有", "不要", "进去", "平时", "一名", "一家", "一位", "一次", "一周", "朋友", "前往", "使用", "真正",
		"根本", "开展", "行为", "附近", "门口", "旁边", "周边", "这边", "那边", "这里", "那里", "当地", "家里", "上班", "下班",
		"晚上", "早上", "中午", "上午", "下午", "周末", "每天", "天天", "经常", "总是", "一直", "还有", "其他", "其中", "主动",
		"遇到", "听说", "怀疑", "必须", "就要", "非要", "只能", "不会", "不能", "为准", "期间", "计划", "安排", "提前", "临时",
		"过去", "以来", "之前", "之后", "以后", "以前", "现场", "图片", "照片", "视频", "新闻", "网上", "网络", "手机号",
		"加强", "联合", "统一", "及时", "认真", "严肃", "彻底", "全面", "进一步", "切实", "依法", "规范", "管理", "监督",
		"处理结果", "结果", "回应", "说明", "解释", "了解", "询问", "表示", "称", "称其", "其母", "其子", "其父", "本人",
		"反馈", "反应", "转交", "转办", "转至", "已转", "核查", "查看", "检查", "调查", "跟进", "协调", "沟通", "联系方式",
		"怎样", "哪个", "哪里", "哪些", "为何", "为什么", "何时", "多久", "多少", "几点", "是不是", "算不算", "行不行",
		"不了了之", "没人管", "太", "很", "都", "也", "又", "还", "就", "才", "再", "更", "最", "挺",
		"该店", "此店", "这家", "那家", "店家", "该处", "此处", "依申请公开", "申请公开", "政府信息", "信息", "公开信息", "数量", "情况说明", "具体", "方面", "问题反映",
	} {
		stopwords[w] = true
	}
}

// minDictIDF drops function words the stoplist misses: words this common
// in the general corpus (的 0.9, 我们 2.6, 问题 4.0) carry no topic.
const minDictIDF = 4.2

// content reports whether a segmented word is a content term.
func (s *Segmenter) content(w string) bool {
	if stopwords[w] {
		return false
	}
	r, _ := utf8.DecodeRuneInString(w)
	n := utf8.RuneCountInString(w)
	if r < utf8.RuneSelf {
		// Letters and digits: words like "app" or "404", not phone or
		// order numbers.
		digits := true
		for i := 0; i < len(w); i++ {
			if w[i] < '0' || w[i] > '9' {
				digits = false
				break
			}
		}
		if digits {
			// Years (2026) date a message, they do not say what it is about.
			return n >= 3 && n <= 5 && !(n == 4 && (w[:2] == "19" || w[:2] == "20"))
		}
		return n >= 2 && n <= 20
	}
	if n < 2 {
		return false
	}
	if n >= 3 && placeName(w) && !s.known(w) {
		return false
	}
	if v, ok := s.IDF(w); ok && v < minDictIDF {
		return false
	}
	return true
}

// placeSuffixes end the names of districts, towns, streets and housing
// estates: where a message comes from is not what it is about (and would
// link unrelated messages from one district).
var placeSuffixes = []string{"区", "县", "镇", "乡", "街道", "路", "街", "村", "弄", "号", "里", "苑", "园"}

func placeName(w string) bool {
	for _, suf := range placeSuffixes {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

var epoch = civil.New(2000, 1, 1)

// NewCorpus segments the documents.
func NewCorpus(seg *Segmenter, docs []Doc) *Corpus {
	c := &Corpus{docs: docs, ids: map[string]int32{}, seg: seg,
		day: make([]int32, len(docs)), bags: make([][]tfEnt, len(docs))}
	words := make([]string, 0, 256)
	counts := map[int32]int32{}
	dayCache := map[civil.Date]int32{}
	for i, d := range docs {
		dn, ok := dayCache[d.Day]
		if !ok {
			dn = int32(epoch.DaysUntil(d.Day)) // #nosec G115 -- days from 2000-01-01 to a civil date (years 1 to 9999) fit an int32
			dayCache[d.Day] = dn
		}
		c.day[i] = dn
		words = seg.AppendWords(words[:0], d.Text)
		clear(counts)
		intern := func(w string) int32 {
			id, ok := c.ids[w]
			if !ok {
				id = int32(len(c.terms)) // #nosec G115 -- distinct terms of the messages of one agency, far below 2^31
				c.ids[w] = id
				c.terms = append(c.terms, w)
				c.df = append(c.df, 0)
			}
			return id
		}
		for _, w := range words {
			w = seg.Canonical(w)
			if !seg.content(w) {
				continue
			}
			counts[intern(w)]++
		}
		bag := make([]tfEnt, 0, len(counts))
		for t, n := range counts {
			bag = append(bag, tfEnt{t, n})
			c.df[t]++
		}
		slices.SortFunc(bag, func(a, b tfEnt) int { return int(a.t - b.t) })
		c.bags[i] = bag
	}
	return c
}

// Len is the number of documents.
func (c *Corpus) Len() int { return len(c.docs) }

// Doc returns document i.
func (c *Corpus) Doc(i int) Doc { return c.docs[i] }

// Terms returns the content terms of document i.
func (c *Corpus) Terms(i int) []string {
	out := make([]string, len(c.bags[i]))
	for k, e := range c.bags[i] {
		out[k] = c.terms[e.t]
	}
	return out
}

// idf weighs a term by how rare it is in this corpus and, so that a small
// corpus is not misled by chance, in the general one.
func (c *Corpus) idf(t int32) float64 {
	n := float64(len(c.docs))
	corpus := math.Log((n + 1) / (float64(c.df[t]) + 0.5))
	dict := float64(c.seg.dict.maxIDF)
	if v, ok := c.seg.IDF(c.terms[t]); ok {
		dict = float64(v)
	}
	return corpus * math.Sqrt(dict)
}
