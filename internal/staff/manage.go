package staff

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

var timeZero time.Time

func (h *Handlers) registerManagement() {
	a := h.app
	a.Handle("GET /console/staff", auth.ManageStaff, h.list, web.Summary("工作人员列表"))
	a.Handle("GET /console/staff/new", auth.ManageStaff, h.newForm, web.Summary("新增工作人员表单"))
	a.Handle("POST /console/staff", auth.ManageStaff, h.create, web.Summary("新增工作人员"))
	a.Handle("GET /console/staff/{id}", auth.ManageStaff, h.editForm, web.Summary("工作人员详情"))
	a.Handle("POST /console/staff/{id}", auth.ManageStaff, h.update, web.Summary("修改工作人员"))
	a.Handle("POST /console/staff/{id}/disable", auth.ManageStaff, h.disable, web.Summary("停用账号"))
	a.Handle("POST /console/staff/{id}/enable", auth.ManageStaff, h.enable, web.Summary("启用账号"))
	a.Handle("POST /console/staff/{id}/reset-password", auth.ManageStaff, h.resetPassword, web.Summary("重置密码"))
	a.Handle("POST /console/staff/{id}/reset-2fa", auth.ManageStaff, h.reset2FA, web.Summary("重置双因素认证"))
	a.Handle("GET /console/tokens", auth.Authenticated, h.myTokens, web.Summary("我的 API 令牌"))
	a.Handle("POST /console/tokens", auth.Authenticated, h.createToken, web.Summary("签发本人 API 令牌"))
	a.Handle("POST /console/tokens/{id}/revoke", auth.Authenticated, h.revokeToken, web.Summary("吊销 API 令牌"))
}

// listAgency is the agency whose staff the page shows: the principal's own,
// or for platform administrators the one chosen (0 = platform accounts).
func listAgency(r *http.Request) int64 {
	p := web.Principal(r)
	if !p.Platform() {
		return p.AgencyID
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("agency"), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

type listData struct {
	AgencyID   int64
	AgencyName string
	Agencies   []web.Option
	Users      []*auth.User
	Tokens     []*auth.Token
	Query      string
	Role       string
	Roles      []auth.Role
	Disabled   bool
	Now        time.Time
}

func (h *Handlers) agencyLabel(r *http.Request, id int64) string {
	if id == 0 {
		return "平台级账号"
	}
	return h.dir.AgencyName(r, id)
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	q := r.URL.Query()
	agencyID := listAgency(r)
	f := auth.StaffFilter{Text: q.Get("q"), Role: auth.Role(q.Get("role")), IncludeDisabled: q.Get("disabled") == "1"}
	if f.Role != "" && !f.Role.Valid() {
		f.Role = ""
	}
	users, err := h.svc.ListUsers(r.Context(), p, agencyID, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	tokens, err := h.svc.ListTokens(r.Context(), p, agencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	d := listData{AgencyID: agencyID, AgencyName: h.agencyLabel(r, agencyID), Users: users, Tokens: tokens,
		Query: f.Text, Role: string(f.Role), Roles: auth.AllRoles, Disabled: f.IncludeDisabled, Now: time.Now()}
	if p.Platform() {
		d.Agencies = append([]web.Option{{Value: "0", Label: "平台级账号"}}, h.dir.AgencyOptions(r)...)
		for i := range d.Agencies {
			d.Agencies[i].Selected = d.Agencies[i].Value == strconv.FormatInt(agencyID, 10)
		}
	}
	v := h.app.NewView(r, "工作人员管理")
	v.Section = "staff"
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "staff/console_staff", v)
}

type formData struct {
	User       *auth.User
	AgencyID   int64
	AgencyName string
	Divisions  []web.Option
	Roles      []roleChoice
	Password   string // shown once after creation or reset
	Tokens     []*auth.Token
	IsNew      bool
	// ReadOnly: an agency administrator looking at an auditor's account.
	ReadOnly bool
}

type roleChoice struct {
	Role    auth.Role
	Checked bool
	Note    string
}

func (h *Handlers) roleChoices(actor *auth.Principal, agencyID int64, current auth.Roles, form map[string][]string) []roleChoice {
	var out []roleChoice
	for _, rl := range auth.AllRoles {
		if agencyID == 0 && !rl.PlatformScoped() || agencyID != 0 && rl == auth.PlatformAdmin {
			continue
		}
		if rl == auth.Auditor && !actor.Roles.Has(auth.PlatformAdmin) && !current.Has(auth.Auditor) {
			continue // only the platform administrator appoints auditors
		}
		c := roleChoice{Role: rl, Checked: current.Has(rl)}
		if form != nil {
			c.Checked = false
			for _, v := range form["roles"] {
				if v == string(rl) {
					c.Checked = true
				}
			}
		}
		if rl.RequiresSecondFactor() {
			c.Note = "须启用双因素认证"
		}
		if rl == auth.Auditor {
			c.Note = "只能查阅审计日志，不得兼任其他角色；须启用双因素认证"
		}
		out = append(out, c)
	}
	return out
}

func (h *Handlers) renderForm(w http.ResponseWriter, r *http.Request, status int, d formData, form map[string][]string, fields map[string]string) {
	title := "新增工作人员"
	if !d.IsNew {
		title = "工作人员：" + d.User.DisplayName
	}
	v := h.app.NewView(r, title)
	v.Section = "staff"
	v.Breadcrumbs = []web.Crumb{{Label: "工作人员管理", URL: "/console/staff?agency=" + strconv.FormatInt(d.AgencyID, 10)}, {Label: title}}
	v.Form = form
	if fields != nil {
		v.SetErrors(fields, "username", "display_name", "email", "phone", "division_id", "roles", "password")
	}
	d.AgencyName = h.agencyLabel(r, d.AgencyID)
	if d.AgencyID != 0 {
		d.Divisions = append([]web.Option{{Value: "0", Label: "（未指定）"}}, h.dir.DivisionOptions(r, d.AgencyID)...)
	}
	var current auth.Roles
	if d.User != nil {
		current = d.User.Roles
	}
	d.Roles = h.roleChoices(web.Principal(r), d.AgencyID, current, form)
	d.ReadOnly = d.User != nil && d.User.Roles.Has(auth.Auditor) && !web.Principal(r).Roles.Has(auth.PlatformAdmin)
	v.Data = d
	h.app.Render.Page(w, r, status, "staff/console_staff_form", v)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	agencyID := listAgency(r)
	if !web.Principal(r).CanActIn(agencyID) {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	h.renderForm(w, r, http.StatusOK, formData{AgencyID: agencyID, IsNew: true}, nil, nil)
}

func rolesFromForm(r *http.Request) auth.Roles {
	var rs auth.Roles
	for _, v := range r.PostForm["roles"] {
		rl := auth.Role(v)
		if !rs.Has(rl) {
			rs = append(rs, rl)
		}
	}
	return rs
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	p := web.Principal(r)
	agencyID := p.AgencyID
	if p.Platform() {
		agencyID = web.FieldID(r, "agency_id")
	}
	in := auth.NewUser{
		AgencyID: agencyID, DivisionID: web.FieldID(r, "division_id"), Username: web.Field(r, "username"),
		DisplayName: web.Field(r, "display_name"), Email: web.Field(r, "email"), Phone: web.Field(r, "phone"),
		Roles: rolesFromForm(r), MustChangePassword: true,
	}
	u, password, err := h.svc.CreateUser(r.Context(), p, in)
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderForm(w, r, http.StatusUnprocessableEntity, formData{AgencyID: agencyID, IsNew: true}, r.PostForm, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	// The initial password is shown once, on this response only.
	h.renderForm(w, r, http.StatusCreated, formData{User: u, AgencyID: u.AgencyID, Password: password}, nil, nil)
}

func (h *Handlers) loadUser(w http.ResponseWriter, r *http.Request) (*auth.User, bool) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return nil, false
	}
	u, err := h.svc.GetUser(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return u, true
}

func (h *Handlers) userTokens(r *http.Request, u *auth.User) []*auth.Token {
	all, _ := h.svc.ListTokens(r.Context(), web.Principal(r), u.AgencyID)
	var out []*auth.Token
	for _, t := range all {
		if t.UserID == u.ID {
			out = append(out, t)
		}
	}
	return out
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	h.renderForm(w, r, http.StatusOK, formData{User: u, AgencyID: u.AgencyID, Tokens: h.userTokens(r, u)}, nil, nil)
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	up := auth.UserUpdate{DisplayName: web.Field(r, "display_name"), Email: web.Field(r, "email"), Phone: web.Field(r, "phone"),
		DivisionID: web.FieldID(r, "division_id"), Roles: rolesFromForm(r)}
	if _, err := h.svc.UpdateUser(r.Context(), web.Principal(r), u.ID, up); err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			form := r.PostForm
			form["username"] = []string{u.Username}
			h.renderForm(w, r, http.StatusUnprocessableEntity, formData{User: u, AgencyID: u.AgencyID, Tokens: h.userTokens(r, u)}, form, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/staff/"+strconv.FormatInt(u.ID, 10)+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	if err := h.svc.SetDisabled(r.Context(), web.Principal(r), u.ID, disabled); err != nil {
		h.app.Error(w, r, err)
		return
	}
	flash := "enabled"
	if disabled {
		flash = "disabled"
	}
	http.Redirect(w, r, "/console/staff/"+strconv.FormatInt(u.ID, 10)+"?flash="+flash, http.StatusSeeOther)
}

func (h *Handlers) disable(w http.ResponseWriter, r *http.Request) { h.setDisabled(w, r, true) }
func (h *Handlers) enable(w http.ResponseWriter, r *http.Request)  { h.setDisabled(w, r, false) }

func (h *Handlers) resetPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	pw, err := h.svc.ResetPassword(r.Context(), web.Principal(r), u.ID, "")
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	if fresh, err := h.svc.GetUser(r.Context(), web.Principal(r), u.ID); err == nil {
		u = fresh
	}
	h.renderForm(w, r, http.StatusOK, formData{User: u, AgencyID: u.AgencyID, Password: pw, Tokens: h.userTokens(r, u)}, nil, nil)
}

func (h *Handlers) reset2FA(w http.ResponseWriter, r *http.Request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	if err := h.svc.ResetSecondFactor(r.Context(), web.Principal(r), u.ID); err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/staff/"+strconv.FormatInt(u.ID, 10)+"?flash=2fa-reset", http.StatusSeeOther)
}

type tokensData struct {
	Tokens   []*auth.Token
	NewToken string
}

// myTokens lists the caller's own API tokens. A token acts with the
// account's rights, so only the account itself issues one.
func (h *Handlers) myTokens(w http.ResponseWriter, r *http.Request) {
	h.renderTokens(w, r, http.StatusOK, "", nil)
}

func (h *Handlers) renderTokens(w http.ResponseWriter, r *http.Request, status int, secret string, fields map[string]string) {
	p := web.Principal(r)
	toks, err := h.svc.OwnTokens(r.Context(), p)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "我的 API 令牌")
	v.Section = "tokens"
	if fields != nil {
		v.Form = r.PostForm
		v.SetErrors(fields, "name", "days")
	}
	v.Data = tokensData{Tokens: toks, NewToken: secret}
	h.app.Render.Page(w, r, status, "staff/console_tokens", v)
}

func (h *Handlers) createToken(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	days, err := strconv.Atoi(web.Field(r, "days"))
	if err != nil {
		days = -1
	}
	p := web.Principal(r)
	secret, _, err := h.svc.CreateToken(r.Context(), p, p.UserID, web.Field(r, "name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderTokens(w, r, http.StatusUnprocessableEntity, "", f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	h.renderTokens(w, r, http.StatusCreated, secret, nil)
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := h.svc.RevokeToken(r.Context(), web.Principal(r), id); err != nil {
		h.app.Error(w, r, err)
		return
	}
	back := web.SafeReturn(web.Field(r, "return"))
	if !strings.HasPrefix(back, "/console/") {
		back = "/console/tokens"
	}
	http.Redirect(w, r, back+"?flash=revoked", http.StatusSeeOther) // #nosec G710 -- back went through web.SafeReturn and must start with /console/
}
