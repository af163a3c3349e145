package application

import (
	"context"
	"fmt"
	htmltemplate "html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// TemplateKeys names the letters an agency may word itself.
var TemplateKeys = []struct{ Key, Label string }{
	{"correction", "补正申请告知书"}, {"reasons", "说明理由告知书"}, {"fee", "收费通知"}, {"reply", "答复书"},
}

// Settings returns an agency's application settings.
func (s *Service) Settings(ctx context.Context, agencyID int64) (Settings, error) {
	return loadSettings(ctx, s.DB.R, agencyID)
}

// DefaultTemplate returns the platform's wording of a letter.
func DefaultTemplate(key string) string { return defaultTemplates[key] }

// UpdateSettings saves an agency's settings; templates that do not parse
// are refused with the field.
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, in Settings) error {
	if !auth.Allowed(p, auth.ManageApplicationSet) || !p.CanActIn(in.AgencyID) {
		return apperr.New(apperr.Forbidden, "您无权修改依申请公开设置。")
	}
	fields := map[string]string{}
	if in.CorrectionDays < 1 || in.CorrectionDays > 60 {
		fields["correction_days"] = "补正期限为 1 至 60 个工作日。"
	}
	if in.RetentionYears < 1 || in.RetentionYears > 100 {
		fields["retention_years"] = "保存年限为 1 至 100 年。"
	}
	for _, k := range TemplateKeys {
		t := strings.TrimSpace(in.Templates[k.Key])
		if t == strings.TrimSpace(defaultTemplates[k.Key]) {
			t = ""
		}
		in.Templates[k.Key] = t
		switch {
		case t == "":
			delete(in.Templates, k.Key)
		case len([]rune(t)) > 10000 || hostile(t):
			fields["tpl_"+k.Key] = k.Label + "过长或含有无法识别的字符。"
		default:
			if err := ValidateTemplate(t); err != nil {
				fields["tpl_"+k.Key] = k.Label + "模板有误：" + err.Error()
			}
		}
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := saveSettings(ctx, tx, in); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: in.AgencyID, Action: "application.settings.update",
			ObjectType: "agency", ObjectID: strconv.FormatInt(in.AgencyID, 10),
			Summary: fmt.Sprintf("依申请公开设置：补正期限 %d 个工作日，收费期间%s，保存 %d 年，自定义信函 %d 种", in.CorrectionDays,
				map[bool]string{true: "暂停计时", false: "不暂停计时"}[in.FeePausesClock], in.RetentionYears, len(in.Templates))})
	})
}

type settingsData struct {
	Templates []templateField
	Seal      htmltemplate.URL
}

type templateField struct {
	Key, Label, Default string
}

func (h *Handlers) consoleSettings(w http.ResponseWriter, r *http.Request) {
	agencyID, ok := h.agencyID(w, r)
	if !ok {
		return
	}
	set, err := h.svc.Settings(r.Context(), agencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	form := map[string][]string{"correction_days": {strconv.Itoa(set.CorrectionDays)}, "retention_years": {strconv.Itoa(set.RetentionYears)}}
	if set.FeePausesClock {
		form["fee_pauses_clock"] = []string{"1"}
	}
	for _, k := range TemplateKeys {
		t := set.Templates[k.Key]
		if t == "" {
			t = defaultTemplates[k.Key]
		}
		form["tpl_"+k.Key] = []string{t}
	}
	h.renderSettings(w, r, form, http.StatusOK, nil)
}

func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, form map[string][]string, status int, fields map[string]string) {
	v := h.consoleView(r, "依申请公开设置", web.Crumb{Label: "设置"})
	v.Section = "application-settings"
	v.Form = form
	v.SetErrors(fields)
	d := settingsData{}
	for _, k := range TemplateKeys {
		d.Templates = append(d.Templates, templateField{Key: k.Key, Label: k.Label, Default: defaultTemplates[k.Key]})
	}
	if id, ok := h.agencyIDQuiet(r); ok {
		d.Seal = h.svc.sealURL(r.Context(), id)
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "application/console_settings", v)
}

func (h *Handlers) consoleSaveSettings(w http.ResponseWriter, r *http.Request) {
	agencyID, ok := h.agencyID(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderSettings(w, r, r.PostForm, web.Status(apperr.CodeOf(err)), map[string]string{"correction_days": apperr.MessageOf(err)})
		return
	}
	in := Settings{AgencyID: agencyID, FeePausesClock: r.PostFormValue("fee_pauses_clock") == "1", Templates: map[string]string{}}
	fields := map[string]string{}
	var err error
	if in.CorrectionDays, err = strconv.Atoi(web.Field(r, "correction_days")); err != nil {
		fields["correction_days"] = "请填写工作日天数。"
	}
	if in.RetentionYears, err = strconv.Atoi(web.Field(r, "retention_years")); err != nil {
		fields["retention_years"] = "请填写年数。"
	}
	for _, k := range TemplateKeys {
		in.Templates[k.Key] = r.PostFormValue("tpl_" + k.Key)
	}
	if old, err := h.svc.Settings(r.Context(), agencyID); err == nil {
		in.SealAttachmentID = old.SealAttachmentID
	}
	if len(fields) == 0 {
		if err = h.svc.UpdateSettings(r.Context(), web.Principal(r), in); err == nil {
			http.Redirect(w, r, "/console/applications/settings?flash=saved", http.StatusSeeOther)
			return
		}
		if fields = apperr.FieldsOf(err); fields == nil {
			h.app.Error(w, r, err)
			return
		}
	}
	h.renderSettings(w, r, r.PostForm, http.StatusUnprocessableEntity, fields)
}

// SetSeal stores the agency's seal image (PNG or JPEG, for letters); an
// empty upload removes it.
func (s *Service) SetSeal(ctx context.Context, p *auth.Principal, agencyID int64, u *Upload) error {
	if !auth.Allowed(p, auth.ManageApplicationSet) || !p.CanActIn(agencyID) {
		return apperr.New(apperr.Forbidden, "您无权修改依申请公开设置。")
	}
	var attID int64
	var up blob.Upload
	if u != nil {
		var err error
		if up, err = blob.Ingest(ctx, s.Blobs, u.Name, u.Reader, 2<<20); err != nil {
			return err
		}
		if up.Kind != blob.PNG && up.Kind != blob.JPEG {
			s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
			return apperr.Invalidf("印章图片须为 PNG 或 JPG 格式（建议透明背景的 PNG）。")
		}
	}
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		set, err := loadSettings(ctx, tx, agencyID)
		if err != nil {
			return err
		}
		summary := "删除信函印章图片"
		if u != nil {
			if attID, err = blob.InsertAttachment(ctx, tx, up.Attachment(agencyID, "seal", p.UserID)); err != nil {
				return err
			}
			summary = "更换信函印章图片：" + up.FileName
		}
		set.SealAttachmentID = attID
		if err := saveSettings(ctx, tx, set); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "application.settings.seal",
			ObjectType: "agency", ObjectID: strconv.FormatInt(agencyID, 10), Summary: summary})
	})
	if db.RolledBack(err) && u != nil {
		s.Blobs.Delete(context.WithoutCancel(ctx), up.Key)
	}
	return err
}

func (h *Handlers) consoleSeal(w http.ResponseWriter, r *http.Request) {
	agencyID, ok := h.agencyID(w, r)
	if !ok {
		return
	}
	fail := func(msg string) {
		form := map[string][]string{}
		h.renderSettings(w, r, form, http.StatusUnprocessableEntity, map[string]string{"seal": msg})
	}
	if err := web.ParseForm(r); err != nil {
		fail(apperr.MessageOf(err))
		return
	}
	var u *Upload
	if r.PostFormValue("remove") != "1" {
		up, done, err := formFile(r, "seal")
		defer done()
		if err != nil || up == nil {
			fail(orMessage(err, "请选择印章图片。"))
			return
		}
		u = up
	}
	if err := h.svc.SetSeal(r.Context(), web.Principal(r), agencyID, u); err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.TooLarge:
			fail(apperr.MessageOf(err))
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/console/applications/settings?flash=saved", http.StatusSeeOther)
}
