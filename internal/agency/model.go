// Package agency is the multi-agency structure of the platform (集约化):
// agencies (bureaus, district bureaus, affiliated institutions) with a
// parent, their divisions (处室), their settings and footer identifiers, and
// each agency's section of the portal at /o/{slug}/.
package agency

import (
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Kind is what sort of organ an agency is.
type Kind string

// Agency kinds.
const (
	Bureau         Kind = "bureau"          // 委办局 / 机关
	DistrictBureau Kind = "district_bureau" // 区级部门
	Institution    Kind = "institution"     // 事业单位
)

// KindLabel is the Chinese name of a kind.
func (k Kind) Label() string {
	switch k {
	case Bureau:
		return "市级机关"
	case DistrictBureau:
		return "区级部门"
	case Institution:
		return "事业单位"
	}
	return string(k)
}

// Valid reports whether k is known.
func (k Kind) Valid() bool { return k == Bureau || k == DistrictBureau || k == Institution }

// Kinds lists the kinds for forms.
var Kinds = []Kind{Bureau, DistrictBureau, Institution}

// Accents are the accent colours an agency may choose; each passes WCAG AA
// contrast with white text and on white.
var Accents = []struct{ Class, Label string }{
	{"", "中国红（默认）"},
	{"accent-blue", "政务蓝"},
	{"accent-teal", "青绿"},
	{"accent-green", "深绿"},
	{"accent-purple", "紫"},
}

// Agency is one organ on the platform.
type Agency struct {
	ID        int64
	ParentID  int64
	Slug      string
	Kind      Kind
	Name      string
	ShortName string
	// Host is an optional own host name (e.g. mzzj.sh.gov.cn) whose root
	// serves this agency's section.
	Host      string
	SortOrder int
	Settings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Settings are what the agency administrator maintains.
type Settings struct {
	Intro            string // 机构职能 and overview
	Address          string // 办公地址
	Postcode         string
	OfficeHours      string // 办公时间
	Phone            string // 联系电话
	Fax              string // 传真号码
	Email            string // 电子邮箱 (互联网联系方式)
	DisclosureOffice string // 政府信息公开工作机构名称
	IndexPrefix      string // prefix of 索引号
	SiteCode         string // 网站标识码
	ICPNumber        string // ICP 备案号
	PoliceNumber     string // 公安备案号
	PartyGovMark     string // 党政机关标识: verification page URL
	Sponsor          string // 主办单位
	Accent           string // CSS accent class
}

// Division is a 处室.
type Division struct {
	ID        int64
	AgencyID  int64
	Name      string
	SortOrder int
	Staff     int // number of staff assigned (for the console list)
}

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	hostPattern     = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	postcodePattern = regexp.MustCompile(`^[0-9]{6}$`)
	phonePattern    = regexp.MustCompile(`^[0-9()（）+\-—、，, ;；转/]{5,60}$`)
	prefixPattern   = regexp.MustCompile(`^[0-9A-Za-z\-]{0,30}$`)
)

// reservedSlugs cannot name an agency because they are, or may become, paths.
var reservedSlugs = map[string]bool{"console": true, "api": true, "static": true, "o": true, "search": true, "admin": true}

// NewAgency is the input for creating an agency.
type NewAgency struct {
	ParentID  int64
	Slug      string
	Kind      Kind
	Name      string
	ShortName string
	Host      string
	SortOrder int
}

func (n *NewAgency) normalise() {
	n.Slug = strings.ToLower(strings.TrimSpace(n.Slug))
	n.Name = strings.TrimSpace(n.Name)
	n.ShortName = strings.TrimSpace(n.ShortName)
	n.Host = strings.ToLower(strings.TrimSpace(n.Host))
}

// Validate checks the structural fields.
func (n NewAgency) Validate() error {
	f := map[string]string{}
	if !slugPattern.MatchString(n.Slug) || reservedSlugs[n.Slug] {
		f["slug"] = "网址标识须为 2–40 位小写字母、数字或连字符（-），且不能是保留词"
	}
	if !n.Kind.Valid() {
		f["kind"] = "请选择单位类型"
	}
	checkText(f, "name", "单位名称", n.Name, 1, 60)
	checkText(f, "short_name", "简称", n.ShortName, 0, 20)
	if n.Host != "" && (!hostPattern.MatchString(n.Host) || len(n.Host) > 253) {
		f["host"] = "独立域名格式不正确，例如 mzzj.example.gov.cn（不含 http:// 和路径）"
	}
	if n.SortOrder < 0 || n.SortOrder > 9999 {
		f["sort_order"] = "排序须为 0–9999 的整数"
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return nil
}

// checkText enforces a length range and refuses markup characters in
// single-line fields that are shown in page headers.
func checkText(f map[string]string, field, label, v string, min, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case n < min && min > 0:
		f[field] = "请填写" + label
	case n > max:
		f[field] = label + "不能超过 " + strconv.Itoa(max) + " 个字"
	case strings.ContainsAny(v, "<>\x00") || strings.ContainsAny(v, "\r\n"):
		f[field] = label + "不能包含 < > 或换行等字符"
	}
}

// Normalise trims the settings.
func (s *Settings) Normalise() {
	for _, p := range []*string{&s.Address, &s.Postcode, &s.OfficeHours, &s.Phone, &s.Fax, &s.Email,
		&s.DisclosureOffice, &s.IndexPrefix, &s.SiteCode, &s.ICPNumber, &s.PoliceNumber, &s.PartyGovMark, &s.Sponsor, &s.Accent} {
		*p = strings.TrimSpace(*p)
	}
	s.Intro = strings.TrimSpace(strings.ReplaceAll(s.Intro, "\r\n", "\n"))
}

// Validate checks every setting and returns field errors in Chinese.
func (s Settings) Validate() error {
	f := map[string]string{}
	if utf8.RuneCountInString(s.Intro) > 5000 {
		f["intro"] = "机构职能简介不能超过 5000 字"
	}
	if strings.ContainsRune(s.Intro, 0) {
		f["intro"] = "机构职能简介包含无效字符"
	}
	checkText(f, "address", "办公地址", s.Address, 0, 120)
	if s.Postcode != "" && !postcodePattern.MatchString(s.Postcode) {
		f["postcode"] = "邮政编码须为 6 位数字"
	}
	checkText(f, "office_hours", "办公时间", s.OfficeHours, 0, 120)
	if s.Phone != "" && !phonePattern.MatchString(s.Phone) {
		f["phone"] = "联系电话格式不正确，例如 021-12345678"
	}
	if s.Fax != "" && !phonePattern.MatchString(s.Fax) {
		f["fax"] = "传真号码格式不正确，例如 021-12345678"
	}
	if s.Email != "" {
		if a, err := mail.ParseAddress(s.Email); err != nil || a.Address != s.Email || len(s.Email) > 254 {
			f["email"] = "电子邮箱格式不正确"
		}
	}
	checkText(f, "disclosure_office", "政府信息公开工作机构", s.DisclosureOffice, 0, 60)
	if !prefixPattern.MatchString(s.IndexPrefix) {
		f["index_prefix"] = "索引号前缀只能包含字母、数字和连字符，不超过 30 位"
	}
	checkText(f, "site_code", "网站标识码", s.SiteCode, 0, 30)
	checkText(f, "icp_number", "ICP备案号", s.ICPNumber, 0, 60)
	checkText(f, "police_number", "公安备案号", s.PoliceNumber, 0, 60)
	if s.PartyGovMark != "" {
		u, err := url.Parse(s.PartyGovMark)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s.PartyGovMark) > 300 {
			f["party_gov_mark"] = "党政机关标识须为核验页面的网址（以 https:// 或 http:// 开头）"
		}
	}
	checkText(f, "sponsor", "主办单位", s.Sponsor, 0, 60)
	known := false
	for _, a := range Accents {
		if a.Class == s.Accent {
			known = true
		}
	}
	if !known {
		f["accent"] = "请选择列表中的主题色"
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return nil
}

// ValidateDivisionName checks a division name.
func ValidateDivisionName(name string) error {
	f := map[string]string{}
	checkText(f, "name", "处室名称", name, 1, 40)
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return nil
}

// DisplayName is the short name if set.
func (a *Agency) DisplayName() string {
	if a.ShortName != "" {
		return a.ShortName
	}
	return a.Name
}

// HomeURL is the agency's section of the portal.
func (a *Agency) HomeURL() string { return "/o/" + a.Slug + "/" }
