package openday

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a, m := h.app, auth.ManageOpenDays
	a.Handle("GET /console/opendays", m, h.consoleList, web.Summary("政府开放日管理"))
	a.Handle("GET /console/opendays/new", m, h.consoleNew, web.Summary("新建政府开放日"))
	a.Handle("POST /console/opendays", m, h.consoleCreate, web.Summary("保存新建的政府开放日"))
	a.Handle("GET /console/opendays/{id}", m, h.consoleDetail, web.Summary("政府开放日详情与报名名单"))
	a.Handle("POST /console/opendays/{id}", m, h.consoleSave, web.Summary("修改政府开放日草稿"))
	a.Handle("POST /console/opendays/{id}/state", m, h.consoleState, web.Summary("发布、取消政府开放日或公布入选名单"))
	a.Handle("POST /console/opendays/{id}/signups", m, h.consoleSignup, web.Summary("代为报名（12345、电话）"))
	a.Handle("POST /console/opendays/{id}/signups/{sid}/cancel", m, h.consoleCancel, web.Summary("取消一条报名"))
	a.Handle("POST /console/opendays/{id}/select", m, h.consoleSelect, web.Summary("遴选：确定入选人员"))
	a.Handle("GET /console/opendays/{id}/checkin", m, h.consoleCheckin, web.Summary("现场签到"))
	a.Handle("POST /console/opendays/{id}/checkin", m, h.consoleCheckinPost, web.Summary("凭报名码签到"))
	a.Handle("POST /console/opendays/{id}/summary", m, h.consoleSummary, web.Summary("发布活动总结"))
	a.Handle("POST /console/opendays/{id}/evaluation", m, h.consoleEvaluation, web.Summary("邀请参加人员评价"))
	a.Handle("POST /console/opendays/{id}/photos", m, h.consolePhoto, web.Summary("上传活动照片"), web.Upload())
	a.Handle("POST /console/opendays/{id}/photos/{photo}/delete", m, h.consoleDeletePhoto, web.Summary("删除活动照片"))
}

func (h *Handlers) consoleView(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "opendays"
	v.Breadcrumbs = append([]web.Crumb{{Label: "政府开放日", URL: "/console/opendays"}}, crumbs...)
	return v
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.List(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "政府开放日")
	v.Breadcrumbs = nil
	v.Data = map[string]any{"List": list}
	h.app.Render.Page(w, r, http.StatusOK, "openday/console_list", v)
}

var eventOrder = []string{"theme", "series", "date", "start", "end", "place", "agenda", "signup_opens", "signup_closes", "capacity", "selection", "groups"}

var modeOptions = []web.Option{{Value: string(FirstCome), Label: FirstCome.Label()}, {Value: string(Selection), Label: Selection.Label()}}

func (h *Handlers) renderForm(w http.ResponseWriter, r *http.Request, status int, e *Event, form url.Values, fields map[string]string) {
	title, action := "新建政府开放日", "/console/opendays"
	if e != nil {
		title, action = e.Theme, "/console/opendays/"+strconv.FormatInt(e.ID, 10)
	}
	v := h.consoleView(r, title, web.Crumb{Label: title})
	v.Form = form
	v.SetErrors(fields, eventOrder...)
	v.Data = map[string]any{"Action": action, "Modes": modeOptions, "E": e}
	h.app.Render.Page(w, r, status, "openday/console_form", v)
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	if !allowed(web.Principal(r)) {
		h.app.Error(w, r, errForbidden)
		return
	}
	day := civil.Of(h.svc.Now()).AddDays(21)
	h.renderForm(w, r, http.StatusOK, nil, url.Values{"date": {day.String()}, "start": {"09:30"}, "end": {"11:30"}, "capacity": {"40"},
		"selection": {string(FirstCome)}, "groups": {DefaultGroups},
		"signup_opens":  {h.svc.Now().In(civil.Shanghai).Truncate(time.Hour).Format("2006-01-02T15:04")},
		"signup_closes": {day.AddDays(-2).String() + "T17:00"}}, nil)
}

func formOf(r *http.Request) Fields {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return Fields{Theme: r.PostFormValue("theme"), Series: r.PostFormValue("series"), Agenda: r.PostFormValue("agenda"), Place: r.PostFormValue("place"),
		Date: r.PostFormValue("date"), Start: r.PostFormValue("start"), End: r.PostFormValue("end"), SignupOpens: r.PostFormValue("signup_opens"),
		SignupCloses: r.PostFormValue("signup_closes"), Capacity: r.PostFormValue("capacity"), Selection: r.PostFormValue("selection"),
		Groups: r.PostFormValue("groups"), Version: v}
}

func formFields(err error, field string) (int, map[string]string, bool) {
	if f := apperr.FieldsOf(err); f != nil {
		return http.StatusUnprocessableEntity, f, true
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.TooLarge:
		return web.Status(apperr.CodeOf(err)), map[string]string{field: apperr.MessageOf(err)}, true
	case apperr.Conflict:
		return http.StatusConflict, map[string]string{field: apperr.MessageOf(err)}, true
	}
	return 0, nil, false
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderForm(w, r, web.Status(apperr.CodeOf(err)), nil, url.Values{}, map[string]string{"theme": apperr.MessageOf(err)})
		return
	}
	e, err := h.svc.Create(r.Context(), web.Principal(r), formOf(r))
	if err != nil {
		if status, fields, ok := formFields(err, "theme"); ok {
			h.renderForm(w, r, status, nil, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/opendays/"+strconv.FormatInt(e.ID, 10)+"?flash=created", http.StatusSeeOther)
}

func (h *Handlers) event(w http.ResponseWriter, r *http.Request) (*Event, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个开放日活动。")
		return nil, false
	}
	e, err := h.svc.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return e, true
}

func eventForm(e *Event) url.Values {
	s := e.StartsAt.In(civil.Shanghai)
	return url.Values{"theme": {e.Theme}, "series": {e.Series}, "agenda": {e.Agenda}, "place": {e.Place}, "date": {civil.Of(s).String()},
		"start": {s.Format("15:04")}, "end": {e.EndsAt.In(civil.Shanghai).Format("15:04")},
		"signup_opens":  {e.SignupOpens.In(civil.Shanghai).Format("2006-01-02T15:04")},
		"signup_closes": {e.SignupCloses.In(civil.Shanghai).Format("2006-01-02T15:04")},
		"capacity":      {strconv.Itoa(e.Capacity)}, "selection": {string(e.Selection)}, "groups": {GroupsText(e.Groups)},
		"version": {strconv.Itoa(e.Version)}}
}

type detailData struct {
	E          *Event
	Signups    []*Signup
	PublicURL  string
	Past       bool
	Phase      Phase
	Groups     []web.Option
	CanEval    bool
	CheckedIn  int
	Applicants int
	Photos     []*Photo
	// EvalURL is the evaluation's results once the attendees are invited.
	EvalURL string
}

func (h *Handlers) renderDetail(w http.ResponseWriter, r *http.Request, status int, e *Event, form url.Values, fields map[string]string) {
	if e.State == Draft && form == nil && fields == nil {
		h.renderForm(w, r, status, e, eventForm(e), nil)
		return
	}
	list, err := h.svc.Signups(r.Context(), web.Principal(r), e.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	now := h.svc.Now()
	d := &detailData{E: e, Signups: list, Past: e.Past(now), Phase: e.SignupPhase(now), EvalURL: h.svc.EvaluationURL(r.Context(), e.ID)}
	d.CanEval = h.svc.Evaluations != nil && e.State == Done && d.EvalURL == ""
	for _, x := range list {
		if x.CheckedInAt != nil {
			d.CheckedIn++
		}
		if x.Status == Applied {
			d.Applicants++
		}
	}
	d.Groups = []web.Option{{Value: "", Label: "请选择"}}
	for _, g := range e.Groups {
		d.Groups = append(d.Groups, web.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name + "（剩余 " + strconv.Itoa(g.Left()) + "）"})
	}
	if a, err := h.svc.Agencies.Agency(r.Context(), e.AgencyID); err == nil {
		d.PublicURL = URL(a.Slug, e.ID)
	}
	v := h.consoleView(r, e.Theme, web.Crumb{Label: e.Theme})
	if form == nil {
		form = url.Values{"summary": {e.Summary}}
	}
	v.Form = form
	v.SetErrors(fields, "_state", "name", "phone", "email", "group", "summary", "photo", "alt", "caption")
	if d.Photos, err = h.svc.Photos(r.Context(), e.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "openday/console_detail", v)
}

func (h *Handlers) consoleDetail(w http.ResponseWriter, r *http.Request) {
	e, ok := h.event(w, r)
	if !ok {
		return
	}
	h.renderDetail(w, r, http.StatusOK, e, nil, nil)
}

func (h *Handlers) consoleSave(w http.ResponseWriter, r *http.Request) {
	e, ok := h.event(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderForm(w, r, web.Status(apperr.CodeOf(err)), e, eventForm(e), map[string]string{"theme": apperr.MessageOf(err)})
		return
	}
	if _, err := h.svc.Update(r.Context(), web.Principal(r), e.ID, formOf(r)); err != nil {
		if status, fields, ok := formFields(err, "theme"); ok {
			h.renderForm(w, r, status, e, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/opendays/"+strconv.FormatInt(e.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

// post runs a simple action; its refusal shows at the top of the detail.
func (h *Handlers) post(w http.ResponseWriter, r *http.Request, field string, fn func(e *Event) error) {
	e, ok := h.event(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = fn(e)
	}
	if err != nil {
		if status, fields, ok := formFields(err, field); ok {
			if e2, err := h.svc.Get(r.Context(), web.Principal(r), e.ID); err == nil {
				e = e2
			}
			h.renderDetail(w, r, status, e, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/opendays/"+strconv.FormatInt(e.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) consoleState(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "_state", func(e *Event) error {
		p := web.Principal(r)
		switch r.PostFormValue("action") {
		case "publish":
			return h.svc.Publish(r.Context(), p, e.ID)
		case "cancel":
			return h.svc.Cancel(r.Context(), p, e.ID)
		case "selection":
			return h.svc.PublishSelection(r.Context(), p, e.ID)
		}
		return apperr.Invalidf("无法识别的操作。")
	})
}

func (h *Handlers) consoleSignup(w http.ResponseWriter, r *http.Request) {
	e, ok := h.event(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderDetail(w, r, web.Status(apperr.CodeOf(err)), e, url.Values{}, map[string]string{"name": apperr.MessageOf(err)})
		return
	}
	in := SignupInput{Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), GroupID: web.FieldID(r, "group")}
	rc, err := h.svc.SignUp(r.Context(), e.AgencyID, e.ID, in, web.ClientIP(r.Context()), web.Principal(r))
	if err != nil {
		if status, fields, ok := formFields(err, "name"); ok {
			h.renderDetail(w, r, status, e, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	a, _ := h.svc.Agencies.Agency(r.Context(), e.AgencyID)
	v := h.consoleView(r, "代为报名成功", web.Crumb{Label: e.Theme, URL: "/console/opendays/" + strconv.FormatInt(e.ID, 10)}, web.Crumb{Label: "代为报名"})
	v.Data = map[string]any{"E": e, "R": rc, "QR": URL(a.Slug, e.ID) + "/qr.png?code=" + rc.Code}
	web.NoStore(w)
	h.app.Render.Page(w, r, http.StatusOK, "openday/console_receipt", v)
}

func (h *Handlers) consoleCancel(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "_state", func(e *Event) error {
		sid, ok := web.PathID(r, "sid")
		if !ok {
			return apperr.New(apperr.Conflict, "没有这条报名。")
		}
		err := h.svc.CancelByStaff(r.Context(), web.Principal(r), e.ID, sid)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.New(apperr.Conflict, apperr.MessageOf(err))
		}
		return err
	})
}

func (h *Handlers) consoleSelect(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "_state", func(e *Event) error {
		var ids []int64
		for _, s := range r.PostForm["signup"] {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
				ids = append(ids, n)
			}
		}
		if len(ids) == 0 {
			return apperr.New(apperr.Conflict, "请勾选入选人员。")
		}
		_, err := h.svc.Select(r.Context(), web.Principal(r), e.ID, ids)
		return err
	})
}

func (h *Handlers) consoleSummary(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "summary", func(e *Event) error {
		return h.svc.Finish(r.Context(), web.Principal(r), e.ID, r.PostFormValue("summary"))
	})
}

func (h *Handlers) consoleEvaluation(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "_state", func(e *Event) error {
		_, err := h.svc.InviteEvaluation(r.Context(), web.Principal(r), e.ID)
		return err
	})
}

func (h *Handlers) renderCheckin(w http.ResponseWriter, r *http.Request, status int, e *Event, done *Signup, fields map[string]string) {
	v := h.consoleView(r, "现场签到", web.Crumb{Label: e.Theme, URL: "/console/opendays/" + strconv.FormatInt(e.ID, 10)}, web.Crumb{Label: "现场签到"})
	v.Form = url.Values{}
	if fields != nil {
		v.Form = r.PostForm
	}
	v.SetErrors(fields, "code")
	var masked string
	if done != nil {
		masked = web.MaskName(done.Name) + "（" + done.Group + "）"
	}
	v.Data = map[string]any{"E": e, "Done": done, "Masked": masked}
	web.NoStore(w)
	h.app.Render.Page(w, r, status, "openday/console_checkin", v)
}

func (h *Handlers) consoleCheckin(w http.ResponseWriter, r *http.Request) {
	e, ok := h.event(w, r)
	if !ok {
		return
	}
	h.renderCheckin(w, r, http.StatusOK, e, nil, nil)
}

func (h *Handlers) consoleCheckinPost(w http.ResponseWriter, r *http.Request) {
	e, ok := h.event(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		r.PostForm = url.Values{}
		h.renderCheckin(w, r, web.Status(apperr.CodeOf(err)), e, nil, map[string]string{"code": apperr.MessageOf(err)})
		return
	}
	code := web.Field(r, "code")
	if code == "" {
		h.renderCheckin(w, r, http.StatusUnprocessableEntity, e, nil, map[string]string{"code": "请输入或扫描报名码。"})
		return
	}
	if len(code) > 40 {
		h.renderCheckin(w, r, http.StatusUnprocessableEntity, e, nil, map[string]string{"code": "报名码不正确，请核对后重新输入。"})
		return
	}
	x, err := h.svc.CheckIn(r.Context(), web.Principal(r), e.ID, code)
	if err != nil {
		if status, fields, ok := formFields(err, "code"); ok {
			h.renderCheckin(w, r, status, e, nil, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	h.renderCheckin(w, r, http.StatusOK, e, x, nil)
}

func (h *Handlers) consolePhoto(w http.ResponseWriter, r *http.Request) {
	e, ok := h.event(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.renderDetail(w, r, web.Status(apperr.CodeOf(err)), e, url.Values{}, map[string]string{"photo": apperr.MessageOf(err)})
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	var up Upload
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["photo"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				h.renderDetail(w, r, http.StatusBadRequest, e, r.PostForm, map[string]string{"photo": "上传的文件无法读取，请重新选择。"})
				return
			}
			defer f.Close()
			up = Upload{Name: web.UploadName(fhs[0]), Reader: f}
		}
	}
	if _, err := h.svc.AddPhoto(r.Context(), web.Principal(r), e.ID, up, r.PostFormValue("alt"), r.PostFormValue("caption")); err != nil {
		if status, fields, ok := formFields(err, "photo"); ok {
			h.renderDetail(w, r, status, e, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/opendays/"+strconv.FormatInt(e.ID, 10)+"?flash=saved#h-photos", http.StatusSeeOther)
}

func (h *Handlers) consoleDeletePhoto(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "photo", func(e *Event) error {
		pid, ok := web.PathID(r, "photo")
		if !ok {
			return apperr.New(apperr.Conflict, "没有这张照片。")
		}
		return h.svc.RemovePhoto(r.Context(), web.Principal(r), e.ID, pid)
	})
}
