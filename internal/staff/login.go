// Package staff is the staff side of the console: logging in with the
// second factor, the dashboard, one's own password, and the management of
// staff accounts and API tokens by agency administrators.
package staff

import (
	"bytes"
	"embed"
	"net/http"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Directory is what staff pages need to know of agencies and divisions
// (implemented by the agency capability, wired in app).
type Directory interface {
	AgencyName(r *http.Request, id int64) string
	AgencyOptions(r *http.Request) []web.Option
	DivisionOptions(r *http.Request, agencyID int64) []web.Option
}

// DashboardCard is a block on the dashboard, contributed by a capability.
type DashboardCard func(r *http.Request, p *auth.Principal) *Card

// Card is a dashboard block.
type Card struct {
	Title string
	Value string
	Note  string
	Link  web.NavItem
}

// Handlers serve the staff pages.
type Handlers struct {
	app   *web.App
	svc   *auth.Service
	dir   Directory
	Cards []DashboardCard
}

// Register adds the staff routes and templates to app.
func Register(app *web.App, svc *auth.Service, dir Directory) (*Handlers, error) {
	if err := app.Render.AddPages("staff", templates); err != nil {
		return nil, err
	}
	h := &Handlers{app: app, svc: svc, dir: dir}
	a := app
	a.Handle("GET /console/login", auth.Public, h.loginForm, web.Summary("登录页"))
	a.Handle("POST /console/login", auth.Public, h.login, web.Summary("登录"))
	a.Handle("GET /console/login/2fa", auth.Partial, h.secondFactorForm, web.Summary("动态验证码页"))
	a.Handle("POST /console/login/2fa", auth.Partial, h.secondFactor, web.Summary("提交动态验证码"))
	a.Handle("GET /console/2fa/setup", auth.Partial, h.enrolForm, web.Summary("设置双因素认证"))
	a.Handle("GET /console/2fa/qr.png", auth.Partial, h.enrolQR, web.Summary("双因素认证二维码"))
	a.Handle("POST /console/2fa/setup", auth.Partial, h.enrol, web.Summary("确认双因素认证"))
	a.Handle("POST /console/logout", auth.Partial, h.logout, web.Summary("退出登录"))
	a.Handle("GET /console/{$}", auth.Authenticated, h.dashboard, web.Summary("工作台"))
	a.Handle("GET /console/password", auth.Authenticated, h.passwordForm, web.Summary("修改密码页"))
	a.Handle("POST /console/password", auth.Authenticated, h.changePassword, web.Summary("修改密码"))
	h.registerManagement()
	h.registerAPI()
	return h, nil
}

type loginData struct {
	Next    string
	Expired bool
}

func (h *Handlers) loginForm(w http.ResponseWriter, r *http.Request) {
	if p := web.Principal(r); p != nil && p.Complete() {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	v := h.app.NewView(r, "工作人员登录")
	v.Data = loginData{Next: web.SafeReturn(r.URL.Query().Get("next")), Expired: r.URL.Query().Get("expired") == "1"}
	h.app.Render.Page(w, r, http.StatusOK, "staff/console_login", v)
}

func (h *Handlers) login(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	ctx := r.Context()
	next := web.SafeReturn(r.PostForm.Get("next"))
	if !strings.HasPrefix(next, "/console") {
		next = "/console/"
	}
	res, err := h.svc.Login(ctx, r.PostForm.Get("username"), r.PostForm.Get("password"), web.ClientIP(ctx), r.UserAgent())
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.Unauthorized, apperr.Forbidden, apperr.RateLimited:
			v := h.app.NewView(r, "工作人员登录")
			v.Form = map[string][]string{"username": {r.PostForm.Get("username")}}
			msg := apperr.MessageOf(err)
			if f := apperr.FieldsOf(err); f != nil {
				msg = f["username"]
			}
			v.SetErrors(map[string]string{"password": msg})
			v.Data = loginData{Next: next}
			status := web.Status(apperr.CodeOf(err))
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "900")
			}
			h.app.Render.Page(w, r, status, "staff/console_login", v)
		default:
			h.app.Error(w, r, err)
		}
		return
	}
	// A session the browser already had (another account, or an unfinished
	// login) ends here rather than lingering until it expires.
	if old := web.SessionToken(ctx); old != "" {
		h.svc.Logout(ctx, nil, old)
	}
	h.app.SetSessionCookie(w, res.Token)
	switch res.State {
	case auth.StateSecondFactor:
		http.Redirect(w, r, "/console/login/2fa?next="+url.QueryEscape(next), http.StatusSeeOther)
	case auth.StateEnrol:
		http.Redirect(w, r, "/console/2fa/setup", http.StatusSeeOther)
	default:
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- next went through web.SafeReturn and must start with /console
	}
}

func (h *Handlers) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if p.Complete() {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	if p.State != auth.StateSecondFactor {
		http.Redirect(w, r, "/console/2fa/setup", http.StatusSeeOther)
		return
	}
	v := h.app.NewView(r, "输入动态验证码")
	v.Data = loginData{Next: web.SafeReturn(r.URL.Query().Get("next"))}
	h.app.Render.Page(w, r, http.StatusOK, "staff/console_2fa", v)
}

func (h *Handlers) secondFactor(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	ctx := r.Context()
	next := web.SafeReturn(r.PostForm.Get("next"))
	if !strings.HasPrefix(next, "/console") {
		next = "/console/"
	}
	if web.Principal(r).Complete() {
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- next went through web.SafeReturn and must start with /console
		return
	}
	token, err := h.svc.SecondFactor(ctx, web.Principal(r), web.SessionToken(ctx), r.PostForm.Get("code"), web.ClientIP(ctx), r.UserAgent())
	if err != nil {
		if apperr.Is(err, apperr.Unauthorized) {
			http.Redirect(w, r, "/console/login?expired=1", http.StatusSeeOther)
			return
		}
		if apperr.Is(err, apperr.Forbidden) {
			h.app.ClearSessionCookie(w)
		}
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Forbidden) {
			v := h.app.NewView(r, "输入动态验证码")
			msg := apperr.MessageOf(err)
			if f := apperr.FieldsOf(err); f != nil {
				msg = f["code"]
			}
			v.SetErrors(map[string]string{"code": msg})
			v.Data = loginData{Next: next}
			h.app.Render.Page(w, r, web.Status(apperr.CodeOf(err)), "staff/console_2fa", v)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	h.app.SetSessionCookie(w, token)
	http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- next went through web.SafeReturn and must start with /console
}

type enrolData struct {
	Secret  string
	Grouped string
	Forced  bool
}

func (h *Handlers) enrolForm(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if p.State == auth.StateSecondFactor {
		http.Redirect(w, r, "/console/login/2fa", http.StatusSeeOther)
		return
	}
	h.renderEnrol(w, r, http.StatusOK, nil)
}

func (h *Handlers) renderEnrol(w http.ResponseWriter, r *http.Request, status int, fields map[string]string) {
	p := web.Principal(r)
	en, err := h.svc.BeginEnrolment(r.Context(), p)
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			http.Redirect(w, r, "/console/", http.StatusSeeOther)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "设置双因素认证")
	if fields != nil {
		v.SetErrors(fields)
	}
	var groups []string
	for i := 0; i < len(en.Secret); i += 4 {
		groups = append(groups, en.Secret[i:min(i+4, len(en.Secret))])
	}
	v.Data = enrolData{Secret: en.Secret, Grouped: strings.Join(groups, " "), Forced: p.State == auth.StateEnrol}
	h.app.Render.Page(w, r, status, "staff/console_enrol", v)
}

func (h *Handlers) enrolQR(w http.ResponseWriter, r *http.Request) {
	en, err := h.svc.BeginEnrolment(r.Context(), web.Principal(r))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	png, err := qrcode.Encode(en.URI, qrcode.Medium, 256)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", timeZero, bytes.NewReader(png))
}

func (h *Handlers) enrol(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	ctx := r.Context()
	token, err := h.svc.ConfirmEnrolment(ctx, web.Principal(r), web.SessionToken(ctx), r.PostForm.Get("code"), web.ClientIP(ctx), r.UserAgent())
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderEnrol(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	h.app.SetSessionCookie(w, token)
	http.Redirect(w, r, "/console/?flash=2fa", http.StatusSeeOther)
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := h.svc.Logout(ctx, web.Principal(r), web.SessionToken(ctx)); err != nil {
		h.app.Error(w, r, err)
		return
	}
	h.app.ClearSessionCookie(w)
	http.Redirect(w, r, "/console/login?flash=loggedout", http.StatusSeeOther)
}

func (h *Handlers) passwordForm(w http.ResponseWriter, r *http.Request) {
	v := h.app.NewView(r, "修改密码")
	v.Section = "password"
	h.app.Render.Page(w, r, http.StatusOK, "staff/console_password", v)
}

func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	ctx := r.Context()
	err := h.svc.ChangeOwnPassword(ctx, web.Principal(r), web.SessionToken(ctx), r.PostForm.Get("current"), r.PostForm.Get("password"), r.PostForm.Get("confirm"))
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			v := h.app.NewView(r, "修改密码")
			v.Section = "password"
			v.SetErrors(f, "current", "password", "confirm")
			h.app.Render.Page(w, r, http.StatusUnprocessableEntity, "staff/console_password", v)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/?flash=password", http.StatusSeeOther)
}

type dashboardData struct {
	AgencyName string
	Cards      []*Card
	Missing2FA bool
}

func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	d := dashboardData{AgencyName: "平台", Missing2FA: !p.TOTPEnabled && !p.ViaToken}
	if p.AgencyID != 0 {
		d.AgencyName = h.dir.AgencyName(r, p.AgencyID)
	}
	for _, c := range h.Cards {
		if card := c(r, p); card != nil {
			d.Cards = append(d.Cards, card)
		}
	}
	v := h.app.NewView(r, "工作台")
	v.Section = "dashboard"
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "staff/console_dashboard", v)
}
