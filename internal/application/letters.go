package application

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/template"
)

// Letter templates. Each is a text/template over LetterData; an agency may
// replace any of them (Settings.Templates, keyed as below). The texts follow
// the usual wording of the 条例's notices.
var defaultTemplates = map[string]string{
	"correction": `{{.Applicant}}：

本机关于{{.Receipt}}收到您提出的政府信息公开申请（申请编号 {{.Number}}）。经审查，您的申请内容不明确。根据《中华人民共和国政府信息公开条例》第三十条的规定，现一次性告知您需要补正的事项如下：

{{.Vars.Items}}

请您于{{.Vars.Due}}前（{{.Vars.Days}} 个工作日内）补正。答复期限自本机关收到补正后的申请之日起计算。无正当理由逾期不补正的，视为放弃申请，本机关将不再处理该政府信息公开申请。

您可以凭申请编号和查询码在网站“申请查询”中上传补正材料，也可以将补正材料送交或寄送本机关。

{{.Office}}
{{.Today}}`,

	"reasons": `{{.Applicant}}：

本机关收到您提出的政府信息公开申请（申请编号 {{.Number}}）。鉴于您申请公开政府信息的数量、频次明显超过合理范围，根据《中华人民共和国政府信息公开条例》第三十五条的规定，请您说明理由：

{{.Vars.Items}}

本机关认为申请理由不合理的，将告知您不予处理；认为申请理由合理，但无法在条例第三十三条规定的期限内答复的，将确定延迟答复的合理期限并告知您。

{{.Office}}
{{.Today}}`,

	"fee": `{{.Applicant}}：

关于您提出的政府信息公开申请（申请编号 {{.Number}}），根据《中华人民共和国政府信息公开条例》第四十二条和《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），本机关决定收取信息处理费。

收费依据：{{.Vars.Basis}}
计算方法：{{.Vars.Computation}}
应缴金额：人民币 {{.Vars.Amount}} 元。

请您自收到本通知次日起 20 个工作日内（{{.Vars.Due}}前）缴纳。逾期未缴纳的，视为放弃申请，本机关将不再处理该政府信息公开申请。

{{.Office}}
{{.Today}}`,

	"reply": `{{.Applicant}}：

本机关于{{.Receipt}}收到您提出的政府信息公开申请（申请编号 {{.Number}}），您申请获取“{{.Subject}}”。经审查，现答复如下：

{{.Decision}}
{{with .Text}}
{{.}}
{{end}}{{with .Withheld}}
不予公开的内容及理由：{{.}}
{{end}}{{with .Organ}}
负责公开该政府信息的机关及联系方式：{{.}}
{{end}}
依据：{{.Basis}}。

如对本答复不服，可以在收到本答复书之日起 60 日内依法申请行政复议，或者在 6 个月内依法向人民法院提起行政诉讼。

{{.Office}}
{{.Replied}}`,
}

// decisions are the opening sentences of each outcome's reply.
//
// #nosec G101 -- letter wording, no credential
var decisions = map[Outcome]string{
	OutDisclose:        "您申请获取的政府信息属于公开范围，本机关予以公开。",
	OutAlreadyPublic:   "您申请获取的政府信息已经主动公开，您可以通过以下方式、途径获取。",
	OutPartial:         "您申请获取的政府信息中，部分内容属于不予公开的范围，且能够作区分处理，本机关向您提供可以公开的部分，并说明不予公开部分的理由。",
	OutStateSecret:     "您申请获取的政府信息属于依法确定为国家秘密的政府信息，不予公开。",
	OutLawForbids:      "您申请获取的政府信息属于法律、行政法规禁止公开的政府信息，不予公开。",
	OutSecurity:        "您申请获取的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定，不予公开。",
	OutThirdParty:      "您申请获取的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，不予公开。",
	OutInternalAffairs: "您申请获取的政府信息属于行政机关的内部事务信息，不予公开。",
	OutProcessInfo:     "您申请获取的政府信息属于行政机关在履行行政管理职能过程中形成的过程性信息，不予公开。",
	OutEnforcementFile: "您申请获取的政府信息属于行政执法案卷信息，不予公开。",
	OutSpecialLaw:      "您申请获取的信息属于法律、行政法规对信息的获取有特别规定的情形，请您按照有关法律、行政法规的规定办理。",
	OutNotExist:        "经检索，本机关没有您申请获取的政府信息，该政府信息不存在。",
	OutNotOurs:         "您申请获取的政府信息不属于本机关负责公开。",
	OutNeedsCreation:   "您申请获取的信息需要本机关对现有政府信息进行加工、分析，本机关不予提供。",
	OutStillUnclear:    "您补正后的申请内容仍不明确，本机关无法提供。",
	OutPetition:        "您提出的申请以政府信息公开申请的形式进行信访、投诉、举报等活动，本机关不作为政府信息公开申请处理。您可以通过信访、投诉、举报等渠道反映。",
	OutRepeat:          "本机关已就您申请公开的政府信息作出答复，您重复申请公开相同政府信息，本机关不予重复处理。",
	OutPublication:     "您申请获取的是公开出版物，请您通过公开发行渠道获取。",
	OutExcessive:       "您申请公开政府信息的数量、频次明显超过合理范围，且说明的理由不合理，本机关不予处理。",
	OutConfirmReissue:  "您要求本机关确认或者重新出具已获取的信息，不属于政府信息公开申请的处理范围，本机关不予处理。",
	OutOther:           "",
}

// LetterData is what letter templates see.
type LetterData struct {
	Applicant string
	Number    string
	Receipt   string
	Subject   string
	Office    string
	Today     string
	Replied   string
	Decision  string
	Basis     string
	Text      string
	Withheld  string
	Organ     string
	Vars      map[string]string
}

func (s *Service) letterData(a *Application, ag AgencyRef, vars map[string]string) LetterData {
	receipt := a.ReceiptDate
	if receipt.IsZero() {
		receipt = a.ReceivedOn
	}
	return LetterData{Applicant: a.Applicant.Name, Number: a.Number, Receipt: receipt.Chinese(), Subject: a.Subject(),
		Office: ag.Office(), Today: s.today().Chinese(), Replied: a.RepliedOn.Chinese(), Vars: vars}
}

// letter renders the template key for a (the agency's own text if it set one).
func (s *Service) letter(a *Application, ag AgencyRef, key string, vars map[string]string) string {
	return s.render(a.AgencyID, key, s.letterData(a, ag, vars))
}

// ReplyLetter renders the reply letter (答复书) of a replied application.
func (s *Service) ReplyLetter(a *Application, ag AgencyRef) string {
	d := s.letterData(a, ag, nil)
	info, _ := a.Outcome.Info()
	d.Decision, d.Basis = decisions[a.Outcome], strings.TrimSuffix(info.Basis, "。")
	if d.Basis == "" {
		d.Basis = "《中华人民共和国政府信息公开条例》"
	}
	d.Text, d.Withheld, d.Organ = a.ReplyText, a.ReplyWithheld, a.ReplyOrgan
	return s.render(a.AgencyID, "reply", d)
}

// render executes the agency's template for key, or the default; an agency
// template that fails falls back to the default rather than failing the step
// (ValidateTemplate keeps broken ones from being saved).
func (s *Service) render(agencyID int64, key string, d LetterData) string {
	if s.DB != nil {
		if set, err := loadSettings(context.Background(), s.DB.R, agencyID); err == nil {
			if t := strings.TrimSpace(set.Templates[key]); t != "" {
				if out, err := executeLetter(t, d); err == nil {
					return out
				}
			}
		}
	}
	out, err := executeLetter(defaultTemplates[key], d)
	if err != nil {
		return fmt.Sprintf("（信函模板 %s 有误：%v）", key, err)
	}
	return out
}

// ValidateTemplate checks an agency's letter template before it is saved.
func ValidateTemplate(text string) error {
	_, err := executeLetter(text, LetterData{Vars: map[string]string{}})
	return err
}

func executeLetter(text string, d LetterData) (string, error) {
	t, err := template.New("letter").Option("missingkey=zero").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	// Collapse the blank lines that empty sections leave.
	out := b.String()
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(out), nil
}
