// Package disclosure is proactive disclosure (主动公开, 条例 Art. 19–26):
// information items with their catalogue metadata, each agency's disclosure
// catalogue (公开目录) and guide (指南), the review and publishing workflow
// with 保密审查, topical columns (专题专栏), and the portal pages, feeds and
// API through which the public finds them.
package disclosure

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

// Status is where an item is in its life.
type Status string

// The workflow: draft → submitted → reviewed (保密审查) → approved (when the
// agency requires it) → scheduled or published → withdrawn (撤稿) or
// superseded. A submitted or reviewed item can be returned to draft; a
// withdrawn item can be edited and submitted again.
const (
	Draft      Status = "draft"
	Submitted  Status = "submitted"
	Reviewed   Status = "reviewed"
	Approved   Status = "approved"
	Scheduled  Status = "scheduled"
	Published  Status = "published"
	Withdrawn  Status = "withdrawn"
	Superseded Status = "superseded"
)

var statusLabels = map[Status]string{
	Draft: "草稿", Submitted: "待审核", Reviewed: "已审核", Approved: "已审批",
	Scheduled: "定时发布", Published: "已发布", Withdrawn: "已撤稿", Superseded: "已被替代",
}

// Label is the Chinese name of the status.
func (s Status) Label() string { return statusLabels[s] }

// Action is a step of the workflow.
type Action string

// The workflow actions.
const (
	ActSubmit    Action = "submit"
	ActReturn    Action = "return"
	ActReview    Action = "review"
	ActApprove   Action = "approve"
	ActPublish   Action = "publish"
	ActSchedule  Action = "schedule"
	ActWithdraw  Action = "withdraw"
	ActSupersede Action = "supersede"
	ActEdit      Action = "edit"
)

var actionLabels = map[Action]string{
	ActSubmit: "提交审核", ActReturn: "退回修改", ActReview: "审核通过（保密审查）", ActApprove: "审批通过",
	ActPublish: "发布", ActSchedule: "定时发布", ActWithdraw: "撤稿", ActSupersede: "标记为已被替代", ActEdit: "编辑",
}

// Label is the Chinese name of the action.
func (a Action) Label() string { return actionLabels[a] }

// Next returns the status an action leads to from s, or an error if the
// action is not allowed now. requireApproval is the agency's policy.
func Next(s Status, a Action, requireApproval bool) (Status, error) {
	switch {
	case a == ActEdit && (s == Draft || s == Withdrawn):
		return Draft, nil
	case a == ActSubmit && s == Draft:
		return Submitted, nil
	case a == ActReturn && (s == Submitted || s == Reviewed || s == Approved || s == Scheduled):
		return Draft, nil
	case a == ActReview && s == Submitted:
		return Reviewed, nil
	case a == ActApprove && s == Reviewed && requireApproval:
		return Approved, nil
	case (a == ActPublish || a == ActSchedule) && (s == Approved || (s == Reviewed && !requireApproval)):
		if a == ActSchedule {
			return Scheduled, nil
		}
		return Published, nil
	case a == ActPublish && s == Scheduled:
		return Published, nil
	case a == ActWithdraw && (s == Published || s == Scheduled):
		return Withdrawn, nil
	case a == ActSupersede && s == Published:
		return Superseded, nil
	}
	if a == ActApprove && !requireApproval {
		return s, apperr.New(apperr.Conflict, "本单位未要求审批，审核通过后即可发布")
	}
	if (a == ActPublish || a == ActSchedule) && s == Reviewed && requireApproval {
		return s, apperr.New(apperr.Conflict, "本单位要求审批：请先由审批人审批后再发布")
	}
	return s, apperr.New(apperr.Conflict, fmt.Sprintf("当前状态为“%s”，不能%s", s.Label(), a.Label()))
}

// Public reports whether the portal shows items in this status.
func (s Status) Public() bool { return s == Published || s == Superseded }

// FivePublic is one of the 五公开 dimensions.
type FivePublic string

// 五公开: 决策、执行、管理、服务、结果.
var FivePublics = []struct {
	Code  FivePublic
	Label string
}{
	{"decision", "决策公开"}, {"execution", "执行公开"}, {"management", "管理公开"}, {"service", "服务公开"}, {"result", "结果公开"},
}

// FivePublicLabel names a 五公开 code.
func FivePublicLabel(code string) string {
	for _, f := range FivePublics {
		if string(f.Code) == code {
			return f.Label
		}
	}
	return code
}

// Genres are the document types (体裁) offered in forms.
var Genres = []string{"通知", "公告", "通告", "通报", "意见", "办法", "规定", "决定", "规划", "方案", "要点", "报告", "批复", "函", "解读", "动态", "名单", "目录", "其他"}

// SourceTypes: who made the information (条例 Art. 10).
var SourceTypes = []struct{ Code, Label string }{
	{"self", "本机关制作"}, {"party", "从公民、法人或其他组织获取"}, {"organ", "从其他行政机关获取"},
}

// Methods are the 公开方式 of an item: proactive disclosure, or information
// first given on application and then published for everyone (条例 Art. 44).
var Methods = []string{"主动公开", "依申请公开转主动公开"}

// DefaultMethod is the 公开方式 of an item unless the editor says otherwise.
const DefaultMethod = "主动公开"

// Validity is the 有效性 of a document; normative documents use it later.
var Validities = []struct{ Code, Label string }{
	{"", "不适用"}, {"valid", "现行有效"}, {"amended", "已修改"}, {"repealed", "已废止"}, {"expired", "已失效"}, {"not_yet_effective", "尚未生效"},
}

// ValidityLabel names a validity code.
func ValidityLabel(code string) string {
	for _, v := range Validities {
		if v.Code == code {
			return v.Label
		}
	}
	return code
}

// StatutoryItems are the Art. 20 items (and Art. 21) an item may fulfil;
// the annual report and the catalogue use these codes.
var StatutoryItems = []struct{ Code, Label string }{
	{"20.1", "第二十条第（一）项 行政法规、规章和规范性文件"},
	{"20.2", "第二十条第（二）项 机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名"},
	{"20.3", "第二十条第（三）项 规划及相关政策"},
	{"20.4", "第二十条第（四）项 统计信息"},
	{"20.5", "第二十条第（五）项 行政许可和其他对外管理服务事项"},
	{"20.6", "第二十条第（六）项 行政处罚、行政强制"},
	{"20.7", "第二十条第（七）项 财政预算、决算"},
	{"20.8", "第二十条第（八）项 行政事业性收费"},
	{"20.9", "第二十条第（九）项 政府集中采购"},
	{"20.10", "第二十条第（十）项 重大建设项目"},
	{"20.11", "第二十条第（十一）项 扶贫、教育、医疗、社会保障、促进就业"},
	{"20.12", "第二十条第（十二）项 突发公共事件应急预案、预警信息及应对"},
	{"20.13", "第二十条第（十三）项 监督检查情况"},
	{"20.14", "第二十条第（十四）项 公务员招考"},
	{"20.15", "第二十条第（十五）项 法律法规规定的其他信息"},
	{"21", "第二十一条 市政建设、公共服务、公益事业等"},
}

// StatutoryLabel names a statutory item code.
func StatutoryLabel(code string) string {
	for _, s := range StatutoryItems {
		if s.Code == code {
			return s.Label
		}
	}
	return code
}

// Item is an information item (政府信息).
type Item struct {
	ID              int64
	AgencyID        int64
	IndexNumber     string // 索引号, assigned at first publication
	Title           string
	Publisher       string // 发布机构
	DocNumber       string // 发文字号
	SignedOn        civil.Date
	PublishedOn     civil.Date
	FormedOn        civil.Date // 生成/变更日期: starts the 20-working-day clock
	DueOn           civil.Date
	TopicID         int64
	Genre           string
	FivePublics     []string
	StatutoryItem   string
	Method          string // 公开方式
	Validity        string
	Keywords        string
	Summary         string
	Body            string // Markdown
	SourceType      string
	Status          Status
	ScheduledAt     time.Time
	PublishedAt     time.Time
	Late            bool
	Version         int
	WithdrawnReason string
	SupersededBy    int64
	CreatedBy       int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ColumnIDs       []int64
	RelatedIDs      []int64
}

// Draft is the editable part of an item, as a form submits it.
type DraftFields struct {
	Title         string
	Publisher     string
	DocNumber     string
	SignedOn      string
	FormedOn      string
	TopicID       int64
	Genre         string
	FivePublics   []string
	StatutoryItem string
	Validity      string
	Method        string
	Keywords      string
	Summary       string
	Body          string
	SourceType    string
	ColumnIDs     []int64
	RelatedIDs    []int64
}

// docNumberPattern accepts 文号 such as 沪民宗规〔2022〕1号, 沪府办发[2024]12号,
// 国办发明电〔2025〕7号, after bracket normalisation.
var docNumberPattern = regexp.MustCompile(`^[\p{Han}A-Za-z]{1,20}〔(19|20)\d{2}〕\d{1,5}号$`)

// NormalizeDocNumber writes the year brackets of a 文号 as 〔〕, the form in
// the 党政机关公文格式 (GB/T 9704), so that 〔2022〕, [2022], 【2022】,
// （2022） and (2022) compare alike; spaces are removed.
func NormalizeDocNumber(s string) string {
	s = strings.Join(strings.Fields(s), "")
	r := strings.NewReplacer("[", "〔", "]", "〕", "【", "〔", "】", "〕", "（", "〔", "）", "〕", "(", "〔", ")", "〕", "［", "〔", "］", "〕", "〖", "〔", "〗", "〕")
	return r.Replace(s)
}

// Validate checks a draft and returns field errors in Chinese. Dates are
// parsed; today bounds the formed and signed dates.
func (d *DraftFields) Validate(today civil.Date, knownTopic func(int64) bool) (signed, formed civil.Date, err error) {
	f := map[string]string{}
	d.Title = strings.TrimSpace(d.Title)
	d.Publisher = strings.TrimSpace(d.Publisher)
	d.DocNumber = NormalizeDocNumber(d.DocNumber)
	d.Keywords = strings.TrimSpace(d.Keywords)
	d.Summary = strings.TrimSpace(d.Summary)
	d.Body = strings.ReplaceAll(d.Body, "\r\n", "\n")
	text := func(field, label, v string, min, max int, oneLine bool) {
		n := utf8.RuneCountInString(v)
		switch {
		case n < min:
			f[field] = "请填写" + label
		case n > max:
			f[field] = label + "不能超过 " + strconv.Itoa(max) + " 个字（当前 " + strconv.Itoa(n) + " 个）"
		case strings.ContainsRune(v, 0):
			f[field] = label + "包含无效字符"
		case oneLine && strings.ContainsAny(v, "\r\n"):
			f[field] = label + "不能换行"
		case oneLine && strings.ContainsAny(v, "<>"):
			// Titles and names are plain text; an angle bracket is markup
			// pasted by mistake (or an attack). 书名号《》 are fine.
			f[field] = label + "不能包含尖括号 < >，书名请用《》"
		}
	}
	text("title", "标题", d.Title, 1, 200, true)
	text("publisher", "发布机构", d.Publisher, 0, 60, true)
	text("keywords", "关键词", d.Keywords, 0, 100, true)
	text("summary", "内容概述", d.Summary, 0, 500, false)
	text("body", "正文", d.Body, 0, 200000, false)
	if d.DocNumber != "" && !docNumberPattern.MatchString(d.DocNumber) {
		f["doc_number"] = "发文字号格式应为“机关代字〔年份〕序号号”，例如：沪民宗规〔2022〕1号"
	}
	var err1 error
	if s := strings.TrimSpace(d.SignedOn); s != "" {
		if signed, err1 = civil.Parse(s); err1 != nil || signed.Year < 1949 {
			f["signed_on"] = "成文日期格式应为 2025-01-31"
		} else if signed.After(today) {
			f["signed_on"] = "成文日期不能晚于今天"
		}
	}
	if s := strings.TrimSpace(d.FormedOn); s != "" {
		if formed, err1 = civil.Parse(s); err1 != nil || formed.Year < 1949 {
			f["formed_on"] = "生成日期格式应为 2025-01-31"
		} else if formed.After(today) {
			f["formed_on"] = "生成日期不能晚于今天"
		}
	} else {
		f["formed_on"] = "请填写信息生成（变更）日期：主动公开期限（20 个工作日）从这一天起算"
	}
	if !signed.IsZero() && !formed.IsZero() && formed.Before(signed) {
		f["formed_on"] = "生成日期不能早于成文日期"
	}
	if d.TopicID != 0 && (knownTopic == nil || !knownTopic(d.TopicID)) {
		f["topic_id"] = "所选主题分类不存在"
	}
	if d.Genre != "" && !contains(Genres, d.Genre) {
		f["genre"] = "请从列表中选择体裁"
	}
	seen := map[string]bool{}
	var fp []string
	for _, c := range d.FivePublics {
		if FivePublicLabel(c) == c {
			f["five_publics"] = "“五公开”选项无效"
			continue
		}
		if !seen[c] {
			seen[c] = true
			fp = append(fp, c)
		}
	}
	d.FivePublics = fp
	if d.StatutoryItem != "" && StatutoryLabel(d.StatutoryItem) == d.StatutoryItem {
		f["statutory_item"] = "请从列表中选择法定公开事项"
	}
	if ValidityLabel(d.Validity) == d.Validity && d.Validity != "" {
		f["validity"] = "请从列表中选择有效性"
	}
	if d.Method == "" {
		d.Method = DefaultMethod
	}
	if !contains(Methods, d.Method) {
		f["method"] = "请从列表中选择公开方式"
	}
	ok := false
	for _, s := range SourceTypes {
		if s.Code == d.SourceType {
			ok = true
		}
	}
	if !ok {
		f["source_type"] = "请选择信息来源"
	}
	if len(d.ColumnIDs) == 0 {
		f["column_ids"] = "请至少选择一个公开目录栏目"
	}
	if len(d.ColumnIDs) > 10 {
		f["column_ids"] = "一条信息最多放入 10 个栏目"
	}
	if len(d.RelatedIDs) > 20 {
		f["related_ids"] = "相关信息最多 20 条"
	}
	if len(f) > 0 {
		return signed, formed, apperr.FieldErrors(f)
	}
	return signed, formed, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// IndexPattern is how an agency's 索引号 are formed, e.g.
// "{prefix}/{year}-{seq:05}". Placeholders: {prefix}, {year}, {month},
// {seq} and {seq:NN} (zero-padded to NN digits).
type IndexPattern string

// DefaultIndexPattern is the common organisation-code/year-sequence form.
const DefaultIndexPattern IndexPattern = "{prefix}/{year}-{seq:05}"

var placeholder = regexp.MustCompile(`\{(prefix|year|month|seq(?::0?(\d{1,2}))?)\}`)

// Validate checks that the pattern has a sequence and nothing unknown.
func (p IndexPattern) Validate() error {
	s := string(p)
	if utf8.RuneCountInString(s) > 60 || !strings.Contains(s, "{seq") || !strings.Contains(s, "{year}") {
		return apperr.FieldErrors(map[string]string{"index_pattern": "索引号规则须包含 {year} 和 {seq}（或 {seq:05}），不超过 60 个字符"})
	}
	rest := placeholder.ReplaceAllString(s, "")
	if strings.ContainsAny(rest, "{}<>\"' ") {
		return apperr.FieldErrors(map[string]string{"index_pattern": "索引号规则含有未知占位符或无效字符；可用：{prefix} {year} {month} {seq} {seq:05}"})
	}
	return nil
}

// Format produces the index number for a sequence in a year.
func (p IndexPattern) Format(prefix string, on civil.Date, seq int) string {
	return placeholder.ReplaceAllStringFunc(string(p), func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		switch {
		case sub[1] == "prefix":
			return prefix
		case sub[1] == "year":
			return strconv.Itoa(on.Year)
		case sub[1] == "month":
			return fmt.Sprintf("%02d", int(on.Month))
		case sub[2] != "":
			w, _ := strconv.Atoi(sub[2])
			return fmt.Sprintf("%0*d", w, seq)
		default:
			return strconv.Itoa(seq)
		}
	})
}

// PublishDeadline is the Art. 26 rule: within 20 working days of the day
// the information is formed or changed.
const PublishDeadline = 20
