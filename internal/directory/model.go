// Package directory keeps the service directories of work point 五(二)
// current: registered religious activity venues (宗教活动场所), filed clergy
// (宗教教职人员) and halal food outlets (清真食品 / 清真三食).
//
// The three kinds share one engine: each kind declares its fields (label,
// type, options, whether the public may see it), and the engine validates
// forms, API bodies and import rows against that declaration, keeps a
// change history per entry, the last-verified date and the staleness
// alerts, and imports XLSX or CSV files all-or-nothing, matching rows on the
// entry's number (登记证号, 标志牌编号, 证书编号).
//
// Venues and outlets have public directories. Clergy never do: the public
// side only verifies a name and certificate number pair, rate-limited per
// address and logged.
package directory

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
)

// Kind is a directory.
type Kind string

// The directories.
const (
	Venues  Kind = "venue"  // 宗教活动场所
	Outlets Kind = "outlet" // 清真食品经营单位
	Clergy  Kind = "clergy" // 宗教教职人员
)

// Kinds lists the directories in menu order.
var Kinds = []Kind{Venues, Outlets, Clergy}

// Valid reports whether k is known.
func (k Kind) Valid() bool { return k == Venues || k == Outlets || k == Clergy }

// Label is the directory's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Venues:
		return "宗教活动场所"
	case Outlets:
		return "清真食品经营单位"
	case Clergy:
		return "宗教教职人员"
	}
	return string(k)
}

// Noun is what one entry is called.
func (k Kind) Noun() string {
	switch k {
	case Venues:
		return "场所"
	case Outlets:
		return "经营单位"
	case Clergy:
		return "教职人员"
	}
	return "记录"
}

// Slug is the kind's path segment ("venues", "halal", "clergy").
func (k Kind) Slug() string {
	switch k {
	case Venues:
		return "venues"
	case Outlets:
		return "halal"
	case Clergy:
		return "clergy"
	}
	return ""
}

// KindBySlug is the kind of a path segment.
func KindBySlug(s string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Slug() == s {
			return k, true
		}
	}
	return "", false
}

// Public reports whether the kind has a public directory (clergy do not).
func (k Kind) Public() bool { return k == Venues || k == Outlets }

// FieldType is how a field is entered and checked.
type FieldType int

// Field types.
const (
	Text     FieldType = iota // one line
	LongText                  // several lines
	Enum                      // one of Options
	Date                      // YYYY-MM-DD
	Bool                      // 是 / 否
	Landline                  // a public office telephone: mobile numbers are refused
	Number                    // the entry's registration number: the import key
)

// Option is one value of an Enum field.
type Option struct{ Value, Label string }

// Field is one column of a directory.
type Field struct {
	Key, Label string
	Type       FieldType
	Options    []Option
	Required   bool
	Max        int // in characters
	// Public fields are shown on the portal (for clergy: in a verification
	// match).
	Public bool
	// Hint is shown under the form field.
	Hint string
	// Aliases are other headers an import file may use for the column.
	Aliases []string
}

// OptionLabel is the label of an Enum value (the value itself otherwise).
func (f Field) OptionLabel(v string) string {
	for _, o := range f.Options {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// Religions are the five religions (教别).
var Religions = []string{"佛教", "道教", "伊斯兰教", "天主教", "基督教"}

// DefaultDistricts are Shanghai's sixteen districts.
var DefaultDistricts = []string{"黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区",
	"嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区"}

func plain(values ...string) []Option {
	out := make([]Option, len(values))
	for i, v := range values {
		out[i] = Option{Value: v, Label: v}
	}
	return out
}

// Statuses of each kind. A venue's temporary closure is not a status but a
// dated notice (see Notice): it starts and ends by itself.
const (
	VenueRegistered = "registered" // 已登记
	VenueCancelled  = "cancelled"  // 已注销
	OutletValid     = "valid"      // 有效
	OutletReturned  = "returned"   // 已交回（停止经营）
	OutletRevoked   = "revoked"    // 已收回（撤销）
	ClergyFiled     = "filed"      // 备案
	ClergyCancelled = "cancelled"  // 注销
)

// Schema is the declaration of one kind's fields.
type Schema struct {
	Kind   Kind
	Fields []Field
	// Columns that lists filter on: the name, district and class (religion
	// or category) fields' keys.
	NameKey, DistrictKey, ClassKey string
	// Active is the status value of an entry in force.
	Active string
}

// Field returns the field with key.
func (s *Schema) Field(key string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// PublicFields are the fields the public may see.
func (s *Schema) PublicFields() []Field {
	var out []Field
	for _, f := range s.Fields {
		if f.Public {
			out = append(out, f)
		}
	}
	return out
}

// Schemas returns the three kinds' declarations for a list of districts.
func Schemas(districts []string) map[Kind]*Schema {
	if len(districts) == 0 {
		districts = DefaultDistricts
	}
	district := Field{Key: "district", Label: "所在区", Type: Enum, Options: plain(districts...), Required: true, Public: true, Aliases: []string{"区", "所属区", "区域"}}
	religion := Field{Key: "religion", Label: "教别", Type: Enum, Options: plain(Religions...), Required: true, Public: true, Aliases: []string{"宗教", "宗教类别"}}
	note := Field{Key: "note", Label: "备注（仅内部可见）", Type: LongText, Max: 500, Aliases: []string{"备注"}}
	venues := &Schema{Kind: Venues, NameKey: "name", DistrictKey: "district", ClassKey: "religion", Active: VenueRegistered, Fields: []Field{
		religion,
		{Key: "name", Label: "场所名称", Type: Text, Required: true, Max: 100, Public: true, Aliases: []string{"名称"}},
		{Key: "venue_type", Label: "场所类型", Type: Enum, Options: plain("寺观教堂", "其他固定处所"), Required: true, Public: true, Aliases: []string{"类型"}},
		{Key: "number", Label: "登记证号", Type: Number, Required: true, Max: 40, Public: true, Hint: "《宗教活动场所登记证》编号；导入时按此号匹配已有记录。", Aliases: []string{"登记证编号", "证号"}},
		district,
		{Key: "address", Label: "地址", Type: Text, Required: true, Max: 200, Public: true, Aliases: []string{"场所地址"}},
		{Key: "leader", Label: "负责人", Type: Text, Required: true, Max: 50, Public: true, Aliases: []string{"场所负责人"}},
		{Key: "opening", Label: "开放时间", Type: Text, Max: 200, Public: true, Hint: "例如：每日 7:00—16:30，农历初一、十五 6:00 开放。临时闭馆请用“开放变动通知”。", Aliases: []string{"开放信息"}},
		{Key: "phone", Label: "场所办公电话", Type: Landline, Max: 40, Public: true, Hint: "只填场所的办公固定电话，不要填写个人手机号。", Aliases: []string{"联系电话", "电话"}},
		{Key: "status", Label: "登记状态", Type: Enum, Options: []Option{{VenueRegistered, "已登记"}, {VenueCancelled, "已注销"}}, Required: true, Public: true, Aliases: []string{"状态"}},
		note,
	}}
	outlets := &Schema{Kind: Outlets, NameKey: "name", DistrictKey: "district", ClassKey: "category", Active: OutletValid, Fields: []Field{
		{Key: "name", Label: "单位名称", Type: Text, Required: true, Max: 100, Public: true, Aliases: []string{"名称", "经营单位"}},
		{Key: "category", Label: "类别", Type: Enum, Options: plain("饮食", "副食品", "食品"), Required: true, Public: true, Aliases: []string{"经营类别"}},
		{Key: "number", Label: "标志牌编号", Type: Number, Required: true, Max: 40, Public: true, Hint: "清真标志牌编号；导入时按此号匹配已有记录。", Aliases: []string{"清真标志牌编号", "标志牌号"}},
		district,
		{Key: "address", Label: "地址", Type: Text, Required: true, Max: 200, Public: true, Aliases: []string{"经营地址"}},
		{Key: "issuer", Label: "发证部门", Type: Text, Required: true, Max: 100, Public: true, Aliases: []string{"发放部门", "颁发部门"}},
		{Key: "supply_point", Label: "基本供应点", Type: Bool, Public: true, Hint: "是否列入清真食品基本供应点名单。", Aliases: []string{"是否基本供应点", "清真食品基本供应点"}},
		{Key: "phone", Label: "经营场所电话", Type: Landline, Max: 40, Public: true, Hint: "只填经营场所的固定电话，不要填写个人手机号。", Aliases: []string{"联系电话", "电话"}},
		{Key: "status", Label: "标志牌状态", Type: Enum, Options: []Option{{OutletValid, "有效"}, {OutletReturned, "已交回"}, {OutletRevoked, "已收回"}}, Required: true, Public: true, Aliases: []string{"状态"}},
		note,
	}}
	clergy := &Schema{Kind: Clergy, NameKey: "name", ClassKey: "religion", Active: ClergyFiled, Fields: []Field{
		{Key: "name", Label: "姓名", Type: Text, Required: true, Max: 50, Public: true},
		{Key: "religious_name", Label: "法名/道号/教名", Type: Text, Max: 50, Public: true, Aliases: []string{"法名", "道号", "教名"}},
		religion,
		{Key: "number", Label: "教职人员证书编号", Type: Number, Required: true, Max: 40, Public: true, Hint: "导入时按此号匹配已有记录。", Aliases: []string{"证书编号", "证号"}},
		{Key: "venue", Label: "所在宗教活动场所", Type: Text, Required: true, Max: 100, Public: true, Aliases: []string{"所在场所", "场所"}},
		{Key: "filed_on", Label: "备案日期", Type: Date, Required: true, Aliases: []string{"备案时间"}},
		{Key: "status", Label: "备案状态", Type: Enum, Options: []Option{{ClergyFiled, "备案"}, {ClergyCancelled, "注销"}}, Required: true, Public: true, Aliases: []string{"状态"}},
		note,
	}}
	return map[Kind]*Schema{Venues: venues, Outlets: outlets, Clergy: clergy}
}

// Values are an entry's field values by key (Enum fields hold the value,
// Bool fields "1" or "", Date fields YYYY-MM-DD).
type Values map[string]string

// Entry is one record of a directory.
type Entry struct {
	ID         int64
	AgencyID   int64
	Kind       Kind
	Number     string
	Name       string
	District   string
	Class      string
	Status     string
	Values     Values
	DivisionID int64
	// PhotoID is the attachment of a clergy photo (0: none).
	PhotoID    int64
	VerifiedOn civil.Date
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int

	// Filled when read: the agency's name and slug, the notices in force
	// today (venues), whether the verification is stale and when it turns
	// stale.
	AgencyName, AgencySlug string
	Notices                []*Notice
	Stale                  bool
	StaleOn                civil.Date
}

// Closed reports whether a venue is closed today by a notice.
func (e *Entry) Closed() bool {
	for _, n := range e.Notices {
		if n.Kind == ClosureNotice {
			return true
		}
	}
	return false
}

// Active reports whether the entry is in force (registered, valid, filed).
func (e *Entry) Active() bool {
	switch e.Kind {
	case Venues:
		return e.Status == VenueRegistered
	case Outlets:
		return e.Status == OutletValid
	}
	return e.Status == ClergyFiled
}

// StatusLabel is the status as the public reads it today: a registered
// venue closed by a notice is 暂停开放.
func (e *Entry) StatusLabel() string {
	if e.Kind == Venues && e.Status == VenueRegistered && e.Closed() {
		return "暂停开放"
	}
	return statusLabel(e.Kind, e.Status)
}

func statusLabel(k Kind, v string) string {
	switch v {
	case VenueRegistered:
		return "已登记"
	case OutletValid:
		return "有效"
	case OutletReturned:
		return "已交回"
	case OutletRevoked:
		return "已收回"
	case ClergyFiled:
		return "备案"
	case VenueCancelled:
		if k == Clergy {
			return "注销"
		}
		return "已注销"
	}
	return v
}

// NoticeKind is what a notice announces.
type NoticeKind string

// Notice kinds.
const (
	ClosureNotice NoticeKind = "closure" // 暂停开放
	HoursNotice   NoticeKind = "hours"   // 开放时间调整
)

// Label is the kind's Chinese name.
func (k NoticeKind) Label() string {
	if k == ClosureNotice {
		return "暂停开放"
	}
	if k == HoursNotice {
		return "开放时间调整"
	}
	return string(k)
}

// Notice is a dated announcement on a venue's page.
type Notice struct {
	ID        int64
	EntryID   int64
	Kind      NoticeKind
	StartsOn  civil.Date
	EndsOn    civil.Date // zero: until withdrawn
	Text      string
	CreatedBy int64
	CreatedAt time.Time
	Withdrawn bool
}

// InForce reports whether the notice shows on day.
func (n *Notice) InForce(day civil.Date) bool {
	return !n.Withdrawn && !day.Before(n.StartsOn) && (n.EndsOn.IsZero() || !day.After(n.EndsOn))
}

// Phase says where day is in the notice's life: "scheduled", "in_force",
// "ended" or "withdrawn".
func (n *Notice) Phase(day civil.Date) string {
	switch {
	case n.Withdrawn:
		return "withdrawn"
	case day.Before(n.StartsOn):
		return "scheduled"
	case n.InForce(day):
		return "in_force"
	}
	return "ended"
}

// PhaseLabel is Phase in Chinese.
func (n *Notice) PhaseLabel(day civil.Date) string {
	switch n.Phase(day) {
	case "withdrawn":
		return "已撤回"
	case "scheduled":
		return "待生效"
	case "in_force":
		return "生效中"
	}
	return "已结束"
}

// Change is one field's change in an entry's history.
type Change struct {
	Field string `json:"field"`
	Label string `json:"label"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// History is one event in an entry's history.
type History struct {
	ID        int64
	EntryID   int64
	AgencyID  int64
	Kind      Kind
	Action    string // created, updated, verified, notice, notice_withdrawn, photo
	Source    string // form, import, api
	Changes   []Change
	Note      string
	ActorID   int64
	ActorName string
	At        time.Time
}

// ActionLabel is the event in Chinese.
func (h *History) ActionLabel() string {
	switch h.Action {
	case "created":
		return "新增"
	case "updated":
		return "修改"
	case "verified":
		return "核实"
	case "notice":
		return "发布开放变动通知"
	case "notice_withdrawn":
		return "撤回开放变动通知"
	case "photo":
		return "更换照片"
	case "photo_removed":
		return "删除照片"
	}
	return h.Action
}

// SourceLabel is the channel in Chinese.
func (h *History) SourceLabel() string {
	switch h.Source {
	case "import":
		return "批量导入"
	case "api":
		return "接口"
	}
	return "表单"
}

// ------------------------------------------------------------ validation

var (
	numberRE   = regexp.MustCompile(`^[0-9A-Za-z\p{Han}（）()〔〕［］\[\]\-—_/·.]{2,40}$`)
	landlineRE = regexp.MustCompile(`^[0-9()（）+\-—、，, ;；转/]{5,40}$`)
	mobileRE   = regexp.MustCompile(`1[3-9][0-9]{9}`)
	dashRE     = regexp.MustCompile(`[\s\-—()（）+]`)
)

// NormalizeNumber is the form numbers are stored and matched in: trimmed,
// full-width letters, digits and brackets narrowed, upper case.
func NormalizeNumber(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			r -= 0xFEE0
		case r == '－':
			r = '-'
		case r == '\u3000' || r == ' ':
			continue
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// NormalizeName is the form names are compared in when verifying: spaces
// removed, full-width Latin letters narrowed, the middle dot unified.
func NormalizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '\u3000' || r == '\t':
			continue
		case r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			r -= 0xFEE0
		case r == '•' || r == '・' || r == '．' || r == '.':
			r = '·'
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// unreadable reports control characters or invalid UTF-8.
func unreadable(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return true
		}
	}
	return false
}

// IsMobile reports whether s contains a mainland mobile number.
func IsMobile(s string) bool { return mobileRE.MatchString(dashRE.ReplaceAllString(s, "")) }

// Check validates and normalises v against the schema; it returns the
// messages by field key (nil when v is valid). Enum fields accept the value
// or the label; Bool fields 是/否/1/0/true/false.
func (s *Schema) Check(v Values) map[string]string {
	bad := map[string]string{}
	for _, f := range s.Fields {
		raw := strings.TrimSpace(v[f.Key])
		if f.Type != LongText {
			raw = strings.Join(strings.Fields(raw), " ")
		}
		if unreadable(raw) {
			bad[f.Key] = f.Label + "含有无法识别的字符。"
			continue
		}
		if raw == "" {
			if f.Required {
				bad[f.Key] = "请填写" + f.Label + "。"
				if f.Type == Enum {
					bad[f.Key] = "请选择" + f.Label + "。"
				}
			}
			v[f.Key] = ""
			continue
		}
		if f.Max > 0 && utf8.RuneCountInString(raw) > f.Max {
			bad[f.Key] = f.Label + "不能超过 " + strconv.Itoa(f.Max) + " 个字。"
			continue
		}
		switch f.Type {
		case Enum:
			val := ""
			for _, o := range f.Options {
				if raw == o.Value || raw == o.Label {
					val = o.Value
				}
			}
			if val == "" {
				labels := make([]string, len(f.Options))
				for i, o := range f.Options {
					labels[i] = o.Label
				}
				bad[f.Key] = f.Label + "应为以下之一：" + strings.Join(labels, "、") + "。"
				continue
			}
			raw = val
		case Bool:
			switch strings.ToLower(raw) {
			case "是", "1", "true", "yes", "y", "on":
				raw = "1"
			case "否", "0", "false", "no", "n", "":
				raw = ""
			default:
				bad[f.Key] = f.Label + "请填写“是”或“否”。"
				continue
			}
		case Date:
			d, err := ParseDate(raw)
			if err != nil {
				bad[f.Key] = f.Label + "应为日期，格式如 2024-03-01。"
				continue
			}
			raw = d.String()
		case Landline:
			if IsMobile(raw) {
				bad[f.Key] = f.Label + "不能是个人手机号，请填写办公固定电话。"
				continue
			}
			if !landlineRE.MatchString(raw) {
				bad[f.Key] = f.Label + "格式不正确，例如 021-63210000。"
				continue
			}
		case Number:
			raw = NormalizeNumber(raw)
			if !numberRE.MatchString(raw) {
				bad[f.Key] = f.Label + "只能由汉字、字母、数字和连接号组成，2 至 40 个字符。"
				continue
			}
		case Text:
			if strings.ContainsAny(raw, "<>") {
				bad[f.Key] = f.Label + "不能含有尖括号。"
				continue
			}
		}
		v[f.Key] = raw
	}
	for k := range v {
		if _, ok := s.Field(k); !ok {
			delete(v, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

// Display is a field's value as a person reads it (labels for Enum and
// Bool fields).
func (f Field) Display(v string) string {
	switch f.Type {
	case Enum:
		return f.OptionLabel(v)
	case Bool:
		if v == "1" {
			return "是"
		}
		return "否"
	}
	return v
}

// diff lists the changed fields between two value sets.
func (s *Schema) diff(old, new Values) []Change {
	var out []Change
	for _, f := range s.Fields {
		if old[f.Key] != new[f.Key] {
			out = append(out, Change{Field: f.Key, Label: f.Label, Old: f.Display(old[f.Key]), New: f.Display(new[f.Key])})
		}
	}
	return out
}

var looseDateRE = regexp.MustCompile(`^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?$`)

// ParseDate reads a date written as 2024-03-01, 2024/3/1, 2024.3.1 or
// 2024年3月1日.
func ParseDate(s string) (civil.Date, error) {
	m := looseDateRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return civil.Date{}, errBadDate
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	out := civil.New(y, time.Month(mo), d)
	if out.Year != y || int(out.Month) != mo || out.Day != d || y < 1900 || y > 2200 {
		return civil.Date{}, errBadDate
	}
	return out, nil
}

var errBadDate = errors.New("directory: not a date")

// addMonths is day plus n calendar months.
func addMonths(day civil.Date, n int) civil.Date { return civil.Of(day.Time().AddDate(0, n, 0)) }
