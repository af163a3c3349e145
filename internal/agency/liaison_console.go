package agency

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

// liaisonHandlers serve the roster pages of the console.
type liaisonHandlers struct {
	app *web.App
	svc *Service
}

// RegisterLiaisons adds the roster pages (/console/liaisons). Their
// templates come with Register, which must have been called on app.
func RegisterLiaisons(app *web.App, svc *Service) {
	h := &liaisonHandlers{app: app, svc: svc}
	app.Handle("GET /console/liaisons", auth.Authenticated, h.roster, web.Summary("联络员名单"))
	app.Handle("GET /console/liaisons/{div}/edit", auth.ManageLiaisons, h.edit, web.Summary("维护处室联络员表单"))
	app.Handle("POST /console/liaisons/{div}", auth.ManageLiaisons, h.save, web.Summary("保存处室联络员"))
}

type rosterData struct {
	Agency   *Agency
	Roster   []Liaison
	Missing  int
	CanEdit  bool
	Agencies []web.Option // platform staff choose the agency
}

// roster shows the agency's roster to its staff; platform staff choose an
// agency (?agency=ID) among those they may act in.
func (h *liaisonHandlers) roster(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	web.NoStore(w) // mobile numbers
	agencyID := p.AgencyID
	d := rosterData{}
	if p.Platform() {
		all, err := h.svc.List(r.Context())
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		d.Agencies = []web.Option{{Value: "", Label: "请选择单位"}}
		want, _ := strconv.ParseInt(r.URL.Query().Get("agency"), 10, 64)
		for _, a := range all {
			if p.CanActIn(a.ID) {
				d.Agencies = append(d.Agencies, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name, Selected: a.ID == want})
			}
		}
		agencyID = 0
		if want != 0 && p.CanActIn(want) {
			agencyID = want
		}
	}
	v := h.app.NewView(r, "联络员名单")
	v.Section = "liaisons"
	if agencyID != 0 {
		a, err := h.svc.Get(r.Context(), agencyID)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		roster, err := h.svc.Liaisons(r.Context(), agencyID)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		d.Agency, d.Roster = a, roster
		for _, l := range roster {
			if !l.Assigned() {
				d.Missing++
			}
		}
		d.CanEdit = auth.Allowed(p, auth.ManageLiaisons) && p.CanActIn(agencyID)
		v.Title = "联络员名单：" + a.Name
	}
	v.Data = d
	h.app.Render.Page(w, r, http.StatusOK, "agency/console_liaisons", v)
}

type liaisonFormData struct {
	Division   Division
	Candidates []web.Option
}

var liaisonFieldOrder = []string{"primary_user_id", "primary_name", "primary_position", "primary_office_phone", "primary_mobile", "primary_email",
	"deputy_user_id", "deputy_name", "deputy_position", "deputy_office_phone", "deputy_mobile", "deputy_email"}

// division loads the division in the path if it belongs to the principal's
// agency; any other is answered as not found.
func (h *liaisonHandlers) division(w http.ResponseWriter, r *http.Request) (Division, bool) {
	id, ok := web.PathID(r, "div")
	p := web.Principal(r)
	if !ok || p.AgencyID == 0 {
		h.app.ErrorPage(w, r, http.StatusNotFound, "没有这个处室")
		return Division{}, false
	}
	d, err := h.svc.Division(r.Context(), p.AgencyID, id)
	if err != nil {
		h.app.Error(w, r, err)
		return Division{}, false
	}
	return d, true
}

func (h *liaisonHandlers) render(w http.ResponseWriter, r *http.Request, status int, d Division, form url.Values, fields map[string]string) {
	web.NoStore(w)
	cands, err := h.svc.LiaisonCandidates(r.Context(), d.AgencyID, d.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	opts := []web.Option{{Value: "", Label: "（不关联账号）"}}
	for _, c := range cands {
		opts = append(opts, web.Option{Value: strconv.FormatInt(c.UserID, 10), Label: c.DisplayName})
	}
	v := h.app.NewView(r, "联络员："+d.Name)
	v.Section = "liaisons"
	v.Breadcrumbs = []web.Crumb{{Label: "联络员名单", URL: "/console/liaisons"}, {Label: d.Name}}
	v.Form = form
	v.SetErrors(fields, liaisonFieldOrder...)
	v.Data = liaisonFormData{Division: d, Candidates: opts}
	h.app.Render.Page(w, r, status, "agency/console_liaison_form", v)
}

func contactForm(c Contact, prefix string, form url.Values) {
	if c.UserID != 0 {
		form.Set(prefix+"user_id", strconv.FormatInt(c.UserID, 10))
	}
	form.Set(prefix+"name", c.Name)
	form.Set(prefix+"position", c.Position)
	form.Set(prefix+"office_phone", c.OfficePhone)
	form.Set(prefix+"mobile", c.Mobile)
	form.Set(prefix+"email", c.Email)
}

func (h *liaisonHandlers) edit(w http.ResponseWriter, r *http.Request) {
	d, ok := h.division(w, r)
	if !ok {
		return
	}
	l, err := h.svc.Liaison(r.Context(), d.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	form := url.Values{}
	contactForm(l.Primary, "primary_", form)
	contactForm(l.Deputy, "deputy_", form)
	h.render(w, r, http.StatusOK, d, form, nil)
}

func contactInput(r *http.Request, prefix string) ContactInput {
	return ContactInput{UserID: web.FieldID(r, prefix+"user_id"), Name: web.Field(r, prefix+"name"), Position: web.Field(r, prefix+"position"),
		OfficePhone: web.Field(r, prefix+"office_phone"), Mobile: web.Field(r, prefix+"mobile"), Email: web.Field(r, prefix+"email")}
}

func (h *liaisonHandlers) save(w http.ResponseWriter, r *http.Request) {
	d, ok := h.division(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.render(w, r, web.Status(apperr.CodeOf(err)), d, url.Values{}, map[string]string{"primary_name": apperr.MessageOf(err)})
		return
	}
	in := LiaisonInput{Primary: contactInput(r, "primary_"), Deputy: contactInput(r, "deputy_")}
	if err := h.svc.SetLiaison(r.Context(), web.Principal(r), d.AgencyID, d.ID, in); err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.render(w, r, http.StatusUnprocessableEntity, d, r.PostForm, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/liaisons?flash=saved", http.StatusSeeOther)
}
