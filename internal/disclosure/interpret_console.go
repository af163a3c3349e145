package disclosure

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerInterpretation() {
	a := h.app
	a.Handle("GET /console/items/{id}/interpretation", auth.ViewItems, h.consoleInterpretation, web.Summary("政策解读设置"))
	a.Handle("POST /console/items/{id}/interpretation", auth.EditItems, h.consoleSaveInterpretation, web.Summary("保存政策解读设置"))
	a.Handle("POST /console/items/{id}/interpretation/exempt", auth.EditItems, h.consoleExempt, web.Summary("政策文件无需解读"))
	a.Handle("GET /console/items/{id}/assessment", auth.ViewItems, h.consoleAssessment, web.Summary("发布前预测研判"))
	a.Handle("POST /console/items/{id}/assessment", auth.EditItems, h.consoleSaveAssessment, web.Summary("保存发布前预测研判"))
	a.Handle("GET /console/interpretations", auth.ViewItems, h.consoleInterpretationChecks, web.Summary("政策解读检查"))
}

type interpData struct {
	Item            *Item
	Interp          *Interpretation
	Interpretations []InterpRef
	Images          []Attachment
	Forms           []struct{ Code, Label string }
	Exempt          string
	Policy          bool
	CanEdit         bool
}

func (h *Handlers) renderInterpretation(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	a, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d := interpData{Item: it, Forms: InterpForms, CanEdit: auth.Allowed(web.Principal(r), auth.EditItems)}
	var err error
	if d.Interp, err = getInterpretation(ctx, h.svc.DB.R, it.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if d.Interpretations, err = interpretationsOf(ctx, h.svc.DB.R, it.ID, false); err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.svc.DB.R.QueryRowContext(ctx, `SELECT interpretation_exempt FROM items WHERE id = $1`, it.ID).Scan(&d.Exempt)
	atts, err := h.svc.Attachments(ctx, it.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	frames := map[int64]Frame{}
	if d.Interp != nil {
		for _, f := range d.Interp.Frames {
			frames[f.AttachmentID] = f
		}
	}
	if form == nil {
		form = url.Values{}
		if d.Interp != nil {
			form.Set("form", d.Interp.Form)
			var ids []string
			for _, id := range d.Interp.PolicyIDs {
				ids = append(ids, strconv.FormatInt(id, 10))
			}
			form.Set("policies", strings.Join(ids, " "))
			form.Set("transcript", d.Interp.Transcript)
			var qa []string
			for _, x := range d.Interp.QAs {
				qa = append(qa, "问："+x.Question+"\n答："+x.Answer)
			}
			form.Set("qa", strings.Join(qa, "\n"))
		}
		for _, at := range atts {
			if f, ok := frames[at.ID]; ok {
				form.Set("alt_"+strconv.FormatInt(at.ID, 10), f.Alt)
				form.Set("desc_"+strconv.FormatInt(at.ID, 10), f.Description)
			}
		}
		form.Set("exempt", d.Exempt)
	}
	for _, at := range atts {
		if strings.HasPrefix(at.ContentType, "image/") {
			d.Images = append(d.Images, at)
		}
	}
	v := h.consoleView(r, "政策解读："+it.Title, "items", web.Crumb{Label: "信息", URL: "/console/items"},
		web.Crumb{Label: it.Title, URL: "/console/items/" + strconv.FormatInt(it.ID, 10)}, web.Crumb{Label: "政策解读"})
	_ = a
	v.Form = form
	v.SetErrors(fields, "form", "policies", "transcript", "qa", "exempt")
	v.Data = d
	h.app.Render.Page(w, r, status, "disclosure/console_interpretation", v)
}

func (h *Handlers) consoleInterpretation(w http.ResponseWriter, r *http.Request) {
	h.renderInterpretation(w, r, http.StatusOK, nil, nil)
}

func (h *Handlers) consoleSaveInterpretation(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	if err := web.ParseForm(r); err != nil {
		h.renderInterpretation(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"form": apperr.MessageOf(err)})
		return
	}
	in := InterpretationInput{Form: web.Field(r, "form"), Policies: r.PostFormValue("policies"), Transcript: r.PostFormValue("transcript"),
		QAText: r.PostFormValue("qa"), Frames: map[int64][2]string{}}
	for k, vs := range r.PostForm {
		if rest, ok := strings.CutPrefix(k, "alt_"); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil {
				in.Frames[n] = [2]string{vs[0], r.PostFormValue("desc_" + rest)}
			}
		}
	}
	err := h.svc.SaveInterpretation(r.Context(), web.Principal(r), id, in)
	if err == nil {
		http.Redirect(w, r, "/console/items/"+strconv.FormatInt(id, 10)+"?flash=saved", http.StatusSeeOther)
		return
	}
	if f := apperr.FieldsOf(err); f != nil {
		h.renderInterpretation(w, r, http.StatusUnprocessableEntity, r.PostForm, f)
		return
	}
	if apperr.CodeOf(err) == apperr.Conflict {
		h.renderInterpretation(w, r, http.StatusConflict, r.PostForm, map[string]string{"form": apperr.MessageOf(err)})
		return
	}
	h.app.Error(w, r, err)
}

func (h *Handlers) consoleExempt(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	err := h.svc.SetInterpretationExempt(r.Context(), web.Principal(r), id, r.PostFormValue("exempt"))
	if err == nil {
		http.Redirect(w, r, "/console/items/"+strconv.FormatInt(id, 10)+"/interpretation?flash=saved", http.StatusSeeOther)
		return
	}
	if f := apperr.FieldsOf(err); f != nil {
		h.renderInterpretation(w, r, http.StatusUnprocessableEntity, r.PostForm, f)
		return
	}
	h.app.Error(w, r, err)
}

func (h *Handlers) renderAssessment(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	_, it, ok := h.loadItem(w, r)
	if !ok {
		return
	}
	a, major, err := h.svc.Assessment(r.Context(), web.Principal(r), it.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if form == nil {
		form = url.Values{}
		if major {
			form.Set("major", "1")
		}
		if a != nil {
			form.Set("reaction", a.Reaction)
			form.Set("risk", a.Risk)
			form.Set("plan", a.Plan)
			if a.InterpretationReady {
				form.Set("interpretation_ready", "1")
			}
		}
	}
	risks := []web.Option{{Value: "", Label: "请选择"}}
	for _, x := range Risks {
		risks = append(risks, web.Option{Value: x.Code, Label: x.Label})
	}
	v := h.consoleView(r, "发布前预测研判："+it.Title, "items", web.Crumb{Label: "信息", URL: "/console/items"},
		web.Crumb{Label: it.Title, URL: "/console/items/" + strconv.FormatInt(it.ID, 10)}, web.Crumb{Label: "发布前预测研判"})
	v.Form = form
	v.SetErrors(fields, "reaction", "risk", "plan")
	v.Data = map[string]any{"Item": it, "Risks": risks, "CanEdit": auth.Allowed(web.Principal(r), auth.EditItems)}
	h.app.Render.Page(w, r, status, "disclosure/console_assessment", v)
}

func (h *Handlers) consoleAssessment(w http.ResponseWriter, r *http.Request) {
	h.renderAssessment(w, r, http.StatusOK, nil, nil)
}

func (h *Handlers) consoleSaveAssessment(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r, "id")
	if err := web.ParseForm(r); err != nil {
		h.renderAssessment(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"reaction": apperr.MessageOf(err)})
		return
	}
	err := h.svc.SaveAssessment(r.Context(), web.Principal(r), id, AssessmentInput{Major: r.PostFormValue("major") == "1",
		Reaction: r.PostFormValue("reaction"), Risk: web.Field(r, "risk"), Plan: r.PostFormValue("plan"),
		InterpretationReady: r.PostFormValue("interpretation_ready") == "1"})
	if err == nil {
		http.Redirect(w, r, "/console/items/"+strconv.FormatInt(id, 10)+"?flash=saved", http.StatusSeeOther)
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		h.renderAssessment(w, r, http.StatusUnprocessableEntity, r.PostForm, apperr.FieldsOf(err))
	case apperr.Conflict:
		h.renderAssessment(w, r, http.StatusConflict, r.PostForm, map[string]string{"reaction": apperr.MessageOf(err)})
	default:
		h.app.Error(w, r, err)
	}
}

func (h *Handlers) consoleInterpretationChecks(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	since := h.svc.today().AddDays(-365)
	checks, problems, err := h.svc.InterpretationChecks(r.Context(), p, since)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	st, _ := h.svc.Settings(r.Context(), p.AgencyID)
	v := h.consoleView(r, "政策解读检查", "interpretations", web.Crumb{Label: "政策解读检查"})
	v.Data = map[string]any{"Checks": checks, "Problems": problems, "Since": since, "Days": st.InterpretationDays}
	h.app.Render.Page(w, r, http.StatusOK, "disclosure/console_interpretations", v)
}
