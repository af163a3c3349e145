package training

import (
	"embed"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serve the training pages of the console.
type Handlers struct {
	app *web.App
	svc *Service
}

// Register adds the console routes.
func Register(app *web.App, svc *Service) (*Handlers, error) {
	if err := app.Render.AddPages("training", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc}
	a, m := app, auth.ManageTraining
	a.Handle("GET /console/training", m, h.list, web.Summary("培训：本年度培训场次与课程"))
	a.Handle("GET /console/training/courses/new", m, h.courseNew, web.Summary("新建培训课程"))
	a.Handle("POST /console/training/courses", m, h.courseCreate, web.Summary("保存新建的培训课程"))
	a.Handle("GET /console/training/courses/{id}", m, h.course, web.Summary("培训课程及其场次"))
	a.Handle("POST /console/training/courses/{id}", m, h.courseSave, web.Summary("修改培训课程"))
	a.Handle("POST /console/training/courses/{id}/sessions", m, h.sessionCreate, web.Summary("新增培训场次"))
	a.Handle("GET /console/training/sessions/{id}", m, h.session, web.Summary("培训场次与参训人员"))
	a.Handle("POST /console/training/sessions/{id}", m, h.sessionSave, web.Summary("修改培训场次"))
	a.Handle("POST /console/training/sessions/{id}/attendance", m, h.attendanceAdd, web.Summary("登记参训人员"))
	a.Handle("POST /console/training/sessions/{id}/attendance/{att}/delete", m, h.attendanceRemove, web.Summary("删除参训记录"))
	a.Handle("POST /console/training/sessions/{id}/import", m, h.attendanceImport, web.Summary("从 XLSX/CSV 文件导入参训人员"), web.Upload())
	a.Handle("GET /console/training/compliance", m, h.compliance, web.Summary("培训达标情况（年度）"))
	a.Handle("GET /console/training/compliance.xlsx", m, h.complianceXLSX, web.Summary("导出培训达标情况（XLSX）"))
	a.Handle("GET /console/training/ledger.xlsx", m, h.ledgerXLSX, web.Summary("导出培训台账（XLSX）"))
	a.Handle("GET /console/training/people/{id}", m, h.person, web.Summary("工作人员培训记录"))
	a.Handle("GET /console/training/me", auth.Authenticated, h.me, web.Summary("我的培训记录"))
	return h, nil
}

func (h *Handlers) view(r *http.Request, title string, crumbs ...web.Crumb) *web.View {
	v := h.app.NewView(r, title)
	v.Section = "training"
	v.Breadcrumbs = append([]web.Crumb{{Label: "培训", URL: "/console/training"}}, crumbs...)
	return v
}

// year reads ?year=, defaulting to the current year.
func (h *Handlers) year(r *http.Request) int {
	y, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || y < 2000 || y > 2100 {
		return h.svc.CurrentYear()
	}
	return y
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

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p, year := web.Principal(r), h.year(r)
	sessions, err := h.svc.Sessions(r.Context(), p, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	courses, err := h.svc.Courses(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	c, err := h.svc.Compliance(r.Context(), p, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, "培训")
	v.Breadcrumbs = nil
	cur := h.svc.CurrentYear()
	v.Data = map[string]any{"Year": year, "Years": []int{cur, cur - 1, cur - 2}, "Sessions": sessions, "Courses": courses, "C": c, "Today": h.svc.Today()}
	h.app.Render.Page(w, r, http.StatusOK, "training/console_list", v)
}

// ---------------------------------------------------------------- courses

var courseOrder = []string{"title", "topic", "organiser", "intro"}

func (h *Handlers) renderCourseForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string) {
	v := h.view(r, "新建培训课程", web.Crumb{Label: "新建培训课程"})
	v.Form = form
	v.SetErrors(fields, courseOrder...)
	h.app.Render.Page(w, r, status, "training/console_course_new", v)
}

func (h *Handlers) courseNew(w http.ResponseWriter, r *http.Request) {
	if !allowed(web.Principal(r)) {
		h.app.Error(w, r, errForbidden)
		return
	}
	org := "办公室（政务公开办）"
	if a, err := h.svc.Directory.Agency(r.Context(), web.Principal(r).AgencyID); err == nil {
		org = a.Name
	}
	h.renderCourseForm(w, r, http.StatusOK, url.Values{"organiser": {org}}, nil)
}

func courseForm(r *http.Request) CourseFields {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return CourseFields{Title: r.PostFormValue("title"), Topic: r.PostFormValue("topic"), Organiser: r.PostFormValue("organiser"),
		Intro: r.PostFormValue("intro"), Version: v}
}

func (h *Handlers) courseCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.renderCourseForm(w, r, web.Status(apperr.CodeOf(err)), url.Values{}, map[string]string{"title": apperr.MessageOf(err)})
		return
	}
	c, err := h.svc.CreateCourse(r.Context(), web.Principal(r), courseForm(r))
	if err != nil {
		if status, fields, ok := formFields(err, "title"); ok {
			h.renderCourseForm(w, r, status, r.PostForm, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/training/courses/"+strconv.FormatInt(c.ID, 10)+"?flash=created", http.StatusSeeOther)
}

type courseData struct {
	C         *Course
	Sessions  []*Session
	Formats   []web.Option
	Invitable []AgencyRef
	Today     any
	// Which form the errors belong to: "course" or "session".
	Failed string
}

func (h *Handlers) renderCourse(w http.ResponseWriter, r *http.Request, status int, c *Course, form url.Values, fields map[string]string, failed string) {
	p := web.Principal(r)
	sessions, err := h.svc.CourseSessions(r.Context(), p, c.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	invitable, err := h.svc.Invitable(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, c.Title, web.Crumb{Label: c.Title})
	if form == nil {
		form = url.Values{"title": {c.Title}, "topic": {c.Topic}, "organiser": {c.Organiser}, "intro": {c.Intro}, "version": {strconv.Itoa(c.Version)},
			"format": {string(Offline)}, "held_on": {h.svc.Today().AddDays(14).String()}, "start_time": {"14:00"}}
	}
	v.Form = form
	v.SetErrors(fields, append(courseOrder, sessionOrder...)...)
	v.Data = &courseData{C: c, Sessions: sessions, Formats: Formats, Invitable: invitable, Today: h.svc.Today(), Failed: failed}
	h.app.Render.Page(w, r, status, "training/console_course", v)
}

func (h *Handlers) courseOf(w http.ResponseWriter, r *http.Request) (*Course, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这门培训课程。")
		return nil, false
	}
	c, err := h.svc.Course(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return c, true
}

func (h *Handlers) course(w http.ResponseWriter, r *http.Request) {
	c, ok := h.courseOf(w, r)
	if !ok {
		return
	}
	h.renderCourse(w, r, http.StatusOK, c, nil, nil, "")
}

func (h *Handlers) courseSave(w http.ResponseWriter, r *http.Request) {
	c, ok := h.courseOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = h.svc.UpdateCourse(r.Context(), web.Principal(r), c.ID, courseForm(r))
	}
	if err != nil {
		if status, fields, ok := formFields(err, "title"); ok {
			if r.PostForm == nil {
				r.PostForm = url.Values{}
			}
			h.renderCourse(w, r, status, c, r.PostForm, fields, "course")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/training/courses/"+strconv.FormatInt(c.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

// ---------------------------------------------------------------- sessions

var sessionOrder = []string{"held_on", "start_time", "format", "place", "trainer", "invited", "materials"}

func sessionForm(r *http.Request) SessionFields {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	f := SessionFields{HeldOn: r.PostFormValue("held_on"), StartTime: r.PostFormValue("start_time"), Place: r.PostFormValue("place"),
		Format: r.PostFormValue("format"), Trainer: r.PostFormValue("trainer"), Materials: r.PostFormValue("materials"), Version: v}
	for _, s := range r.PostForm["invited"] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			n = -1 // refused by the check with a message
		}
		f.Invited = append(f.Invited, n)
	}
	return f
}

func (h *Handlers) sessionCreate(w http.ResponseWriter, r *http.Request) {
	c, ok := h.courseOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	var x *Session
	if err == nil {
		x, err = h.svc.CreateSession(r.Context(), web.Principal(r), c.ID, sessionForm(r))
	}
	if err != nil {
		if status, fields, ok := formFields(err, "held_on"); ok {
			if r.PostForm == nil {
				r.PostForm = url.Values{}
			}
			form := url.Values{"title": {c.Title}, "topic": {c.Topic}, "organiser": {c.Organiser}, "intro": {c.Intro}, "version": {strconv.Itoa(c.Version)}}
			for k, vs := range r.PostForm {
				if k != "version" {
					form[k] = vs
				}
			}
			h.renderCourse(w, r, status, c, form, fields, "session")
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, SessionURL(x.ID)+"?flash=created", http.StatusSeeOther)
}

type sessionData struct {
	X          *Session
	Attendance []*Attendance
	Candidates []AgencyStaff
	Recorded   map[int64]bool
	Formats    []web.Option
	Invitable  []AgencyRef
	InvitedIDs map[int64]bool
	Held       bool
	Columns    string
	Report     *ImportReport
	Refusal    string
	Rows       []RowError
}

func (h *Handlers) renderSession(w http.ResponseWriter, r *http.Request, status int, x *Session, form url.Values, fields map[string]string, d *sessionData) {
	p := web.Principal(r)
	if d == nil {
		d = &sessionData{}
	}
	var err error
	if d.Attendance, err = h.svc.Attendance(r.Context(), p, x.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if d.Candidates, err = h.svc.Candidates(r.Context(), p, x.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if d.Invitable, err = h.svc.Invitable(r.Context(), p); err != nil {
		h.app.Error(w, r, err)
		return
	}
	d.X, d.Formats, d.Held, d.Columns = x, Formats, x.Held(h.svc.Today()), strings.Join(ImportColumns, "、")
	d.Recorded = map[int64]bool{}
	for _, a := range d.Attendance {
		if a.UserID != 0 {
			d.Recorded[a.UserID] = true
		}
	}
	v := h.view(r, x.CourseTitle+"（"+x.HeldOn.String()+"）", web.Crumb{Label: x.CourseTitle, URL: "/console/training/courses/" + strconv.FormatInt(x.CourseID, 10)},
		web.Crumb{Label: x.HeldOn.String()})
	if form == nil {
		form = url.Values{"held_on": {x.HeldOn.String()}, "start_time": {x.StartTime}, "place": {x.Place}, "format": {string(x.Format)},
			"trainer": {x.Trainer}, "materials": {strings.Join(x.Materials, "\n")}, "version": {strconv.Itoa(x.Version)}}
		for _, a := range x.Invited {
			form["invited"] = append(form["invited"], strconv.FormatInt(a.ID, 10))
		}
	}
	d.InvitedIDs = map[int64]bool{}
	for _, s := range form["invited"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			d.InvitedIDs[n] = true
		}
	}
	v.Form = form
	v.SetErrors(fields, append(sessionOrder, "users", "names", "file", "_att")...)
	v.Data = d
	h.app.Render.Page(w, r, status, "training/console_session", v)
}

func (h *Handlers) sessionOf(w http.ResponseWriter, r *http.Request) (*Session, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这场培训。")
		return nil, false
	}
	x, err := h.svc.Session(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return x, true
}

func (h *Handlers) session(w http.ResponseWriter, r *http.Request) {
	x, ok := h.sessionOf(w, r)
	if !ok {
		return
	}
	h.renderSession(w, r, http.StatusOK, x, nil, nil, nil)
}

// post runs an action on a session; a refusal is shown on its page.
func (h *Handlers) post(w http.ResponseWriter, r *http.Request, field, anchor string, keepForm bool, fn func(x *Session) error) {
	x, ok := h.sessionOf(w, r)
	if !ok {
		return
	}
	err := web.ParseForm(r)
	if err == nil {
		err = fn(x)
	}
	if err != nil {
		if status, fields, ok := formFields(err, field); ok {
			var form url.Values
			if keepForm && r.PostForm != nil {
				form = r.PostForm
			}
			if x2, err := h.svc.Session(r.Context(), web.Principal(r), x.ID); err == nil {
				x = x2
			}
			h.renderSession(w, r, status, x, form, fields, nil)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, SessionURL(x.ID)+"?flash=saved"+anchor, http.StatusSeeOther)
}

func (h *Handlers) sessionSave(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "held_on", "", true, func(x *Session) error {
		return h.svc.UpdateSession(r.Context(), web.Principal(r), x.ID, sessionForm(r))
	})
}

func (h *Handlers) attendanceAdd(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "users", "#h-attendance", false, func(x *Session) error {
		var ids []int64
		for _, s := range r.PostForm["users"] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return apperr.FieldErrors(map[string]string{"users": "所选人员无法识别，请刷新页面后重新选择。"})
			}
			ids = append(ids, n)
		}
		_, err := h.svc.AddAttendance(r.Context(), web.Principal(r), x.ID, ids, r.PostFormValue("names"))
		return err
	})
}

func (h *Handlers) attendanceRemove(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "_att", "#h-attendance", false, func(x *Session) error {
		id, ok := web.PathID(r, "att")
		if !ok {
			return apperr.New(apperr.Conflict, "没有这条参训记录。")
		}
		return h.svc.RemoveAttendance(r.Context(), web.Principal(r), x.ID, id)
	})
}

func (h *Handlers) attendanceImport(w http.ResponseWriter, r *http.Request) {
	x, ok := h.sessionOf(w, r)
	if !ok {
		return
	}
	fail := func(status int, d *sessionData, fields map[string]string) {
		h.renderSession(w, r, status, x, nil, fields, d)
	}
	if err := web.ParseForm(r); err != nil {
		fail(web.Status(apperr.CodeOf(err)), nil, map[string]string{"file": apperr.MessageOf(err)})
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	var fh *multipart.FileHeader
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			fh = fhs[0]
		}
	}
	if fh == nil {
		fail(http.StatusUnprocessableEntity, nil, map[string]string{"file": "请选择要导入的 XLSX 或 CSV 文件。"})
		return
	}
	f, err := fh.Open()
	if err != nil {
		fail(http.StatusBadRequest, nil, map[string]string{"file": "上传的文件无法读取，请重新选择。"})
		return
	}
	defer f.Close()
	rep, err := h.svc.ImportAttendance(r.Context(), web.Principal(r), x.ID, web.UploadName(fh), f)
	var ie *ImportError
	switch {
	case errors.As(err, &ie):
		fail(http.StatusUnprocessableEntity, &sessionData{Refusal: ie.Message, Rows: ie.Rows}, map[string]string{"file": ie.Message})
		return
	case err != nil:
		if status, fields, ok := formFields(err, "file"); ok {
			fail(status, nil, fields)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	if x2, err := h.svc.Session(r.Context(), web.Principal(r), x.ID); err == nil {
		x = x2
	}
	h.renderSession(w, r, http.StatusOK, x, nil, nil, &sessionData{Report: rep})
}

// ---------------------------------------------------------------- reports

func (h *Handlers) compliance(w http.ResponseWriter, r *http.Request) {
	year := h.year(r)
	c, err := h.svc.Compliance(r.Context(), web.Principal(r), year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.view(r, strconv.Itoa(year)+"年培训达标情况", web.Crumb{Label: "培训达标情况"})
	cur := h.svc.CurrentYear()
	v.Data = map[string]any{"C": c, "Year": year, "Years": []int{cur, cur - 1, cur - 2}}
	h.app.Render.Page(w, r, http.StatusOK, "training/console_compliance", v)
}

func download(w http.ResponseWriter, ascii, name string) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(name))
	w.Header().Set("Cache-Control", "private, no-store")
}

func (h *Handlers) complianceXLSX(w http.ResponseWriter, r *http.Request) {
	year := h.year(r)
	download(w, "training-compliance-"+strconv.Itoa(year)+".xlsx", strconv.Itoa(year)+"年培训达标情况.xlsx")
	if err := h.svc.ExportCompliance(r.Context(), web.Principal(r), year, w); err != nil {
		w.Header().Del("Content-Disposition")
		h.app.Error(w, r, err)
	}
}

func (h *Handlers) ledgerXLSX(w http.ResponseWriter, r *http.Request) {
	year := h.year(r)
	download(w, "training-ledger-"+strconv.Itoa(year)+".xlsx", strconv.Itoa(year)+"年培训台账.xlsx")
	if err := h.svc.ExportLedger(r.Context(), web.Principal(r), year, w); err != nil {
		w.Header().Del("Content-Disposition")
		h.app.Error(w, r, err)
	}
}

func (h *Handlers) renderRecord(w http.ResponseWriter, r *http.Request, rec *PersonRecord, own bool) {
	title := rec.Person.Name + "的培训记录"
	v := h.view(r, title, web.Crumb{Label: title})
	if own {
		title = "我的培训记录"
		v = h.app.NewView(r, title)
		v.Section = "training-me"
	}
	v.Data = map[string]any{"R": rec, "Own": own, "Year": h.svc.CurrentYear()}
	web.NoStore(w)
	h.app.Render.Page(w, r, http.StatusOK, "training/console_record", v)
}

func (h *Handlers) person(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这位工作人员。")
		return
	}
	rec, err := h.svc.Record(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderRecord(w, r, rec, false)
}

func (h *Handlers) me(w http.ResponseWriter, r *http.Request) {
	rec, err := h.svc.MyRecord(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.renderRecord(w, r, rec, true)
}
