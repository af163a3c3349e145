// Package application is disclosure on application (依申请公开, 条例
// Art. 27–45): the public form, receipt and the applicant's status page, the
// handling workflow with its statutory clock, reply letters, fees and the
// statistics of annual-report table three.
package application

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/querycode"
	"github.com/gongkai/gongkai/internal/web"
)

// ApplicantType is the applicant column of annual-report table three:
// 自然人, or one of the five kinds of 法人或其他组织.
type ApplicantType string

// Applicant types.
const (
	NaturalPerson  ApplicantType = "natural"        // 自然人
	Business       ApplicantType = "business"       // 商业企业
	Research       ApplicantType = "research"       // 科研机构
	PublicInterest ApplicantType = "public_welfare" // 社会公益组织
	LegalService   ApplicantType = "legal_service"  // 法律服务机构
	OtherOrg       ApplicantType = "other_org"      // 其他
)

// ApplicantTypes lists the types in the column order of table three.
var ApplicantTypes = []ApplicantType{NaturalPerson, Business, Research, PublicInterest, LegalService, OtherOrg}

var applicantLabels = map[ApplicantType]string{
	NaturalPerson: "自然人", Business: "商业企业", Research: "科研机构",
	PublicInterest: "社会公益组织", LegalService: "法律服务机构", OtherOrg: "其他",
}

// Label is the Chinese name (the column header of table three).
func (t ApplicantType) Label() string { return applicantLabels[t] }

// Valid reports whether t is known.
func (t ApplicantType) Valid() bool { _, ok := applicantLabels[t]; return ok }

// Organisation reports whether t is a 法人或其他组织.
func (t ApplicantType) Organisation() bool { return t.Valid() && t != NaturalPerson }

// IDType is the kind of identity document.
type IDType string

// Identity documents. A natural person gives one of the personal documents,
// an organisation its 统一社会信用代码 (or, rarely, another registration number).
const (
	IDCard       IDType = "id_card"       // 居民身份证
	Passport     IDType = "passport"      // 护照
	HKMacauPass  IDType = "hk_macau"      // 港澳居民来往内地通行证
	TaiwanPass   IDType = "taiwan"        // 台湾居民来往大陆通行证
	ForeignerPR  IDType = "foreigner_pr"  // 外国人永久居留身份证
	CreditCode   IDType = "credit_code"   // 统一社会信用代码
	OtherOrgCode IDType = "other_org_reg" // 其他登记证号
)

// #nosec G101 -- names of identity document types, no credential
var idTypeLabels = map[IDType]string{
	IDCard: "居民身份证", Passport: "护照", HKMacauPass: "港澳居民来往内地通行证", TaiwanPass: "台湾居民来往大陆通行证",
	ForeignerPR: "外国人永久居留身份证", CreditCode: "统一社会信用代码", OtherOrgCode: "其他登记证号",
}

// Label is the Chinese name.
func (t IDType) Label() string { return idTypeLabels[t] }

// Personal reports whether the document identifies a natural person.
func (t IDType) Personal() bool {
	switch t {
	case IDCard, Passport, HKMacauPass, TaiwanPass, ForeignerPR:
		return true
	}
	return false
}

// PersonalIDTypes and OrgIDTypes list the documents per applicant kind.
var (
	PersonalIDTypes = []IDType{IDCard, Passport, HKMacauPass, TaiwanPass, ForeignerPR}
	OrgIDTypes      = []IDType{CreditCode, OtherOrgCode}
)

// Channel is how the application reached the organ; it decides the legal
// date of receipt (Art. 31).
type Channel string

// Channels.
const (
	Online         Channel = "online"          // the portal's form (互联网渠道)
	Email          Channel = "email"           // e-mail to the work unit (互联网渠道)
	Fax            Channel = "fax"             // the work unit's fax
	InPerson       Channel = "in_person"       // 当面提交
	RegisteredMail Channel = "registered_mail" // 挂号信、EMS 等需签收的邮件
	OrdinaryMail   Channel = "ordinary_mail"   // 平常信函
)

var channelLabels = map[Channel]string{
	Online: "网上申请", Email: "电子邮件", Fax: "传真", InPerson: "当面提交",
	RegisteredMail: "信函（需签收）", OrdinaryMail: "平常信函",
}

// Label is the Chinese name.
func (c Channel) Label() string { return channelLabels[c] }

// Valid reports whether c is known.
func (c Channel) Valid() bool { _, ok := channelLabels[c]; return ok }

// StaffChannels are the channels staff record (the portal files Online).
var StaffChannels = []Channel{InPerson, RegisteredMail, OrdinaryMail, Fax, Email}

// NeedsConfirmation reports whether the legal date of receipt is the day
// both sides confirm (Internet channels, fax; Art. 31) or the day the work
// unit confirms with the applicant (ordinary mail), rather than the day of
// arrival or signature.
func (c Channel) NeedsConfirmation() bool {
	return c == Online || c == Email || c == Fax || c == OrdinaryMail
}

// ReceiptRule explains the Art. 31 rule of the channel, in Chinese.
func (c Channel) ReceiptRule() string {
	switch c {
	case InPerson:
		return "当面提交的，以提交之日为收到申请之日。"
	case RegisteredMail:
		return "以邮寄方式提交且需签收的，以签收之日为收到申请之日。"
	case OrdinaryMail:
		return "以平常信函等无需签收的邮寄方式提交的，政府信息公开工作机构应当于收到申请的当日与申请人确认，确认之日为收到申请之日。"
	default:
		return "通过互联网渠道或者政府信息公开工作机构的传真提交的，以双方确认之日为收到申请之日。"
	}
}

// Form is the requested form of the information (Art. 29 (三)).
type Form string

// Forms.
const (
	Electronic Form = "electronic" // 电子文本
	Paper      Form = "paper"      // 纸质文本
)

var formLabels = map[Form]string{Electronic: "电子文本", Paper: "纸质文本"}

// Label is the Chinese name.
func (f Form) Label() string { return formLabels[f] }

// Delivery is how the applicant wants to get it.
type Delivery string

// Deliveries.
const (
	ByEmail  Delivery = "email"   // 电子邮件
	ByPost   Delivery = "post"    // 邮寄
	InOffice Delivery = "collect" // 当面领取
	OnSite   Delivery = "on_site" // 现场查阅
)

var deliveryLabels = map[Delivery]string{ByEmail: "电子邮件", ByPost: "邮寄", InOffice: "当面领取", OnSite: "现场查阅"}

// Label is the Chinese name.
func (d Delivery) Label() string { return deliveryLabels[d] }

// Applicant is who applies. Everything here is personal information: it is
// shown only to the staff entitled to it (see Service.CanSeePersonal), and
// never on a public page.
type Applicant struct {
	Type     ApplicantType
	Name     string // 姓名 or 名称
	IDType   IDType
	IDNumber string
	// Contact is the organisation's contact person (联系人), or empty.
	Contact  string
	Phone    string
	Email    string
	Address  string
	Postcode string
}

// Request is what is asked for.
type Request struct {
	Title       string // 所需信息的名称
	DocNumber   string // 文号
	Description string // 其他特征性描述
	Purpose     string // 用途（选填）
	Form        Form
	Delivery    Delivery
	FeeWaiver   bool // 申请减免费用 (not used by the 2019 条例's fee rules but asked by local forms)
}

// Field limits, in characters.
const (
	maxName        = 100
	maxIDNumber    = 40
	maxContact     = 50
	maxPhone       = 30
	maxAddress     = 200
	maxTitle       = 200
	maxDocNumber   = 100
	maxDescription = 2000
	maxPurpose     = 500
	maxNote        = 2000
)

var (
	postcodeRE = regexp.MustCompile(`^\d{6}$`)
	passportRE = regexp.MustCompile(`^[A-Z0-9]{5,20}$`)
)

// NormalizeID reads an identity number as typed, the way a query code is
// read: full-width letters and digits become ASCII, letters upper case,
// spaces and hyphens go.
func NormalizeID(s string) string { return querycode.Normalize(s) }

// NormalizePhone drops spaces and full-width digits.
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if r >= '０' && r <= '９' {
			r = r - '０' + '0'
		}
		if r == ' ' || r == '\u3000' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hostile(s string) bool { return web.Unreadable(s) }

func checkText(fields map[string]string, key, label, v string, required bool, max int) {
	web.CheckText(fields, key, label, v, required, max)
}

// Validate checks the applicant's details; errors are keyed by form field.
// It normalises the ID number and phone in place.
func (a *Applicant) Validate(fields map[string]string) {
	a.Name = strings.TrimSpace(a.Name)
	a.IDNumber = NormalizeID(a.IDNumber)
	a.Phone = NormalizePhone(a.Phone)
	a.Email = strings.TrimSpace(a.Email)
	a.Address = strings.TrimSpace(a.Address)
	a.Postcode = strings.TrimSpace(a.Postcode)
	a.Contact = strings.TrimSpace(a.Contact)
	if !a.Type.Valid() {
		fields["applicant_type"] = "请选择申请人类型（自然人，或法人或其他组织的类别）。"
	}
	nameLabel := "姓名"
	if a.Type.Organisation() {
		nameLabel = "单位名称"
	}
	checkText(fields, "name", nameLabel, a.Name, true, maxName)
	switch {
	case a.IDType == "":
		fields["id_type"] = "请选择证件类型。"
	case a.IDType.Label() == "":
		fields["id_type"] = "证件类型无效。"
	case a.Type.Valid() && a.Type.Organisation() && a.IDType.Personal():
		fields["id_type"] = "法人或其他组织请选择统一社会信用代码或其他登记证号。"
	case a.Type == NaturalPerson && !a.IDType.Personal():
		fields["id_type"] = "自然人请选择个人身份证件。"
	}
	if _, bad := fields["id_type"]; !bad {
		switch {
		case a.IDNumber == "":
			fields["id_number"] = "请填写证件号码。"
		case utf8.RuneCountInString(a.IDNumber) > maxIDNumber:
			fields["id_number"] = "证件号码过长。"
		case a.IDType == IDCard && !pii.ValidIDNumber(a.IDNumber):
			fields["id_number"] = "居民身份证号码无效：应为 18 位，最后一位校验码须正确（请核对是否输错）。"
		case a.IDType == CreditCode && !pii.ValidCreditCode(a.IDNumber):
			fields["id_number"] = "统一社会信用代码无效：应为 18 位，最后一位校验码须正确（请核对是否输错）。"
		case a.IDType != IDCard && a.IDType != CreditCode && !passportRE.MatchString(a.IDNumber):
			fields["id_number"] = "证件号码只能包含字母和数字（5 至 20 位）。"
		}
	}
	if a.Type.Organisation() {
		checkText(fields, "contact", "联系人", a.Contact, true, maxContact)
	} else {
		checkText(fields, "contact", "联系人", a.Contact, false, maxContact)
	}
	switch {
	case a.Phone == "":
		fields["phone"] = "请填写联系电话。"
	case !web.ValidPhone(a.Phone):
		fields["phone"] = "联系电话格式不正确（手机号 11 位，或带区号的固定电话，如 021-12345678）。"
	}
	if a.Email != "" && !web.ValidEmail(a.Email) {
		fields["email"] = "电子邮箱格式不正确。"
	}
	checkText(fields, "address", "通信地址", a.Address, false, maxAddress)
	if a.Postcode != "" && !postcodeRE.MatchString(a.Postcode) {
		fields["postcode"] = "邮政编码应为 6 位数字。"
	}
}

// Validate checks the request; delivery needs the matching contact detail.
func (q *Request) Validate(a Applicant, fields map[string]string) {
	q.Title = strings.TrimSpace(q.Title)
	q.DocNumber = strings.TrimSpace(q.DocNumber)
	q.Description = strings.TrimSpace(q.Description)
	q.Purpose = strings.TrimSpace(q.Purpose)
	checkText(fields, "title", "所需信息的名称", q.Title, false, maxTitle)
	checkText(fields, "doc_number", "文号", q.DocNumber, false, maxDocNumber)
	checkText(fields, "description", "所需信息的特征描述", q.Description, false, maxDescription)
	if q.Title == "" && q.Description == "" && q.DocNumber == "" {
		fields["title"] = "请填写所需信息的名称、文号或者便于查询的其他特征性描述（至少一项）。"
	}
	checkText(fields, "purpose", "用途", q.Purpose, false, maxPurpose)
	if q.Form.Label() == "" {
		fields["form"] = "请选择信息的提供形式。"
	}
	switch {
	case q.Delivery.Label() == "":
		fields["delivery"] = "请选择获取信息的方式。"
	case q.Delivery == ByEmail && a.Email == "" && fields["email"] == "":
		fields["email"] = "选择通过电子邮件获取信息时，请填写电子邮箱。"
	case q.Delivery == ByPost && a.Address == "" && fields["address"] == "":
		fields["address"] = "选择邮寄时，请填写通信地址。"
	}
	if q.Delivery == ByEmail && q.Form == Paper {
		fields["delivery"] = "纸质文本不能通过电子邮件提供，请选择邮寄、当面领取或现场查阅。"
	}
}
