package agency

import (
	"net/http"
	"strconv"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerConsole() {
	a := h.app
	a.Handle("GET /console/agency", auth.ManageAgencySettings, h.consoleAgency, web.Summary("本单位设置入口"))
	a.Handle("GET /console/agencies", auth.ManageAgencies, h.consoleList, web.Summary("单位列表"))
	a.Handle("GET /console/agencies/new", auth.ManageAgencies, h.consoleNew, web.Summary("新增单位表单"))
	a.Handle("POST /console/agencies", auth.ManageAgencies, h.consoleCreate, web.Summary("新增单位"))
	a.Handle("POST /console/agencies/default", auth.ManageAgencies, h.consoleSetDefault, web.Summary("设置平台默认单位"))
	a.Handle("GET /console/agencies/{id}/structure", auth.ManageAgencies, h.consoleStructure, web.Summary("单位结构表单"))
	a.Handle("POST /console/agencies/{id}/structure", auth.ManageAgencies, h.consoleSaveStructure, web.Summary("修改单位结构"))
	a.Handle("GET /console/agencies/{id}/settings", auth.ManageAgencySettings, h.consoleSettings, web.Summary("单位设置表单"))
	a.Handle("POST /console/agencies/{id}/settings", auth.ManageAgencySettings, h.consoleSaveSettings, web.Summary("保存单位设置"))
	a.Handle("GET /console/agencies/{id}/divisions", auth.ManageAgencySettings, h.consoleDivisions, web.Summary("处室列表"))
	a.Handle("POST /console/agencies/{id}/divisions", auth.ManageAgencySettings, h.consoleCreateDivision, web.Summary("新增处室"))
	a.Handle("POST /console/agencies/{id}/divisions/{div}", auth.ManageAgencySettings, h.consoleUpdateDivision, web.Summary("修改处室"))
	a.Handle("POST /console/agencies/{id}/divisions/{div}/delete", auth.ManageAgencySettings, h.consoleDeleteDivision, web.Summary("删除处室"))
}

// scopedAgency loads the agency in the path if the principal may act in it;
// another agency is answered as not found.
func (h *Handlers) scopedAgency(w http.ResponseWriter, r *http.Request) (*Agency, bool) {
	id, ok := web.PathID(r, "id")
	p := web.Principal(r)
	if !ok || !p.CanActIn(id) {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return nil, false
	}
	a, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.app.Error(w, r, err)
		return nil, false
	}
	return a, true
}

func (h *Handlers) consoleAgency(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if p.AgencyID == 0 {
		http.Redirect(w, r, "/console/agencies", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/agencies/"+strconv.FormatInt(p.AgencyID, 10)+"/settings", http.StatusSeeOther)
}

type listData struct {
	Agencies    []*Agency
	DefaultSlug string
	Names       map[int64]string
}

func (h *Handlers) consoleList(w http.ResponseWriter, r *http.Request) {
	all, err := h.svc.List(r.Context())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	def, _ := h.svc.DefaultSlug(r.Context())
	names := map[int64]string{}
	for _, a := range all {
		names[a.ID] = a.Name
	}
	v := h.app.NewView(r, "单位管理")
	v.Section = "agencies"
	v.Data = listData{Agencies: all, DefaultSlug: def, Names: names}
	h.app.Render.Page(w, r, http.StatusOK, "agency/console_agencies", v)
}

type structureData struct {
	Agency  *Agency
	Kinds   []web.Option
	Parents []web.Option
	Accents []web.Option
	IsNew   bool
}

func (h *Handlers) structureOptions(r *http.Request, self int64) structureData {
	d := structureData{}
	for _, k := range Kinds {
		d.Kinds = append(d.Kinds, web.Option{Value: string(k), Label: k.Label()})
	}
	d.Parents = append(d.Parents, web.Option{Value: "0", Label: "（无上级单位）"})
	all, _ := h.svc.List(r.Context())
	for _, a := range all {
		if a.ID != self {
			d.Parents = append(d.Parents, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name})
		}
	}
	for _, ac := range Accents {
		d.Accents = append(d.Accents, web.Option{Value: ac.Class, Label: ac.Label})
	}
	return d
}

func (h *Handlers) consoleNew(w http.ResponseWriter, r *http.Request) {
	h.renderStructure(w, r, nil, http.StatusOK, nil)
}

// renderStructure shows the structure form of a (nil: a new agency), with
// the submitted values and their errors after a failed save.
func (h *Handlers) renderStructure(w http.ResponseWriter, r *http.Request, a *Agency, status int, fields map[string]string) {
	title, crumb, self := "新增单位", "新增单位", int64(0)
	if a != nil {
		title, crumb, self = "单位结构："+a.Name, a.Name, a.ID
	}
	v := h.app.NewView(r, title)
	v.Section = "agencies"
	v.Breadcrumbs = []web.Crumb{{Label: "单位管理", URL: "/console/agencies"}, {Label: crumb}}
	if fields != nil {
		v.Form = r.PostForm
		v.SetErrors(fields, "name", "short_name", "slug", "kind", "parent_id", "host", "sort_order")
	}
	d := h.structureOptions(r, self)
	d.Agency, d.IsNew = a, a == nil
	v.Data = d
	h.app.Render.Page(w, r, status, "agency/console_structure", v)
}

func structureFromForm(r *http.Request) NewAgency {
	sort, _ := strconv.Atoi(web.Field(r, "sort_order"))
	return NewAgency{
		ParentID:  web.FieldID(r, "parent_id"),
		Slug:      web.Field(r, "slug"),
		Kind:      Kind(web.Field(r, "kind")),
		Name:      web.Field(r, "name"),
		ShortName: web.Field(r, "short_name"),
		Host:      web.Field(r, "host"),
		SortOrder: sort,
	}
}

func (h *Handlers) consoleCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, err := h.svc.Create(r.Context(), web.Principal(r), structureFromForm(r), Settings{})
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderStructure(w, r, nil, http.StatusUnprocessableEntity, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/agencies/"+strconv.FormatInt(a.ID, 10)+"/settings?flash=created", http.StatusSeeOther)
}

func (h *Handlers) consoleStructure(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	h.renderStructure(w, r, a, http.StatusOK, nil)
}

func (h *Handlers) consoleSaveStructure(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := h.svc.UpdateStructure(r.Context(), web.Principal(r), a.ID, structureFromForm(r)); err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderStructure(w, r, a, http.StatusUnprocessableEntity, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/agencies?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) consoleSetDefault(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := h.svc.SetDefault(r.Context(), web.Principal(r), web.Field(r, "slug")); err != nil {
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/agencies?flash=saved", http.StatusSeeOther)
}

type settingsData struct {
	Agency  *Agency
	Accents []web.Option
	Missing []string
}

// MissingGuideFields lists the Art. 12 contact fields of the disclosure
// guide that the agency has not filled in.
func MissingGuideFields(a *Agency) []string {
	var out []string
	for _, f := range []struct{ v, label string }{
		{a.DisclosureOffice, "政府信息公开工作机构名称"}, {a.Address, "办公地址"}, {a.OfficeHours, "办公时间"},
		{a.Phone, "联系电话"}, {a.Fax, "传真号码"}, {a.Email, "互联网联系方式（电子邮箱）"},
	} {
		if f.v == "" {
			out = append(out, f.label)
		}
	}
	return out
}

func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, a *Agency, status int, form map[string][]string, fields map[string]string) {
	v := h.app.NewView(r, "单位设置："+a.Name)
	v.Section = "agency"
	v.Breadcrumbs = []web.Crumb{{Label: "单位设置"}}
	if web.Principal(r).Platform() {
		v.Section = "agencies"
		v.Breadcrumbs = []web.Crumb{{Label: "单位管理", URL: "/console/agencies"}, {Label: a.Name}}
	}
	v.Form = form
	if fields != nil {
		v.SetErrors(fields, "intro", "address", "postcode", "office_hours", "phone", "fax", "email", "disclosure_office",
			"index_prefix", "site_code", "icp_number", "police_number", "party_gov_mark", "sponsor", "accent")
	}
	d := settingsData{Agency: a, Missing: MissingGuideFields(a)}
	for _, ac := range Accents {
		d.Accents = append(d.Accents, web.Option{Value: ac.Class, Label: ac.Label})
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "agency/console_settings", v)
}

func (h *Handlers) consoleSettings(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	h.renderSettings(w, r, a, http.StatusOK, nil, nil)
}

func settingsFromForm(r *http.Request) Settings {
	return Settings{
		Intro: web.Field(r, "intro"), Address: web.Field(r, "address"), Postcode: web.Field(r, "postcode"),
		OfficeHours: web.Field(r, "office_hours"), Phone: web.Field(r, "phone"), Fax: web.Field(r, "fax"),
		Email: web.Field(r, "email"), DisclosureOffice: web.Field(r, "disclosure_office"),
		IndexPrefix: web.Field(r, "index_prefix"), SiteCode: web.Field(r, "site_code"),
		ICPNumber: web.Field(r, "icp_number"), PoliceNumber: web.Field(r, "police_number"),
		PartyGovMark: web.Field(r, "party_gov_mark"), Sponsor: web.Field(r, "sponsor"), Accent: web.Field(r, "accent"),
	}
}

func (h *Handlers) consoleSaveSettings(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if err := h.svc.UpdateSettings(r.Context(), web.Principal(r), a.ID, settingsFromForm(r)); err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderSettings(w, r, a, http.StatusUnprocessableEntity, r.PostForm, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/agencies/"+strconv.FormatInt(a.ID, 10)+"/settings?flash=saved", http.StatusSeeOther)
}

type divisionsData struct {
	Agency    *Agency
	Divisions []Division
	EditID    int64
}

func (h *Handlers) renderDivisions(w http.ResponseWriter, r *http.Request, a *Agency, status int, fields map[string]string, editID int64) {
	divs, err := h.svc.Divisions(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.app.NewView(r, "内设处室："+a.Name)
	v.Section = "agency"
	v.Breadcrumbs = []web.Crumb{{Label: "单位设置", URL: "/console/agencies/" + strconv.FormatInt(a.ID, 10) + "/settings"}, {Label: "内设处室"}}
	if fields != nil {
		v.Form = r.PostForm
		v.SetErrors(fields, "name", "sort_order")
	}
	v.Data = divisionsData{Agency: a, Divisions: divs, EditID: editID}
	h.app.Render.Page(w, r, status, "agency/console_divisions", v)
}

func (h *Handlers) consoleDivisions(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	h.renderDivisions(w, r, a, http.StatusOK, nil, 0)
}

func sortField(r *http.Request) (int, map[string]string) {
	s := web.Field(r, "sort_order")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 9999 {
		return 0, map[string]string{"sort_order": "排序须为 0–9999 的整数"}
	}
	return n, nil
}

func (h *Handlers) divisionResult(w http.ResponseWriter, r *http.Request, a *Agency, err error, editID int64) {
	if err == nil {
		http.Redirect(w, r, "/console/agencies/"+strconv.FormatInt(a.ID, 10)+"/divisions?flash=saved", http.StatusSeeOther)
		return
	}
	if f := apperr.FieldsOf(err); f != nil {
		h.renderDivisions(w, r, a, http.StatusUnprocessableEntity, f, editID)
		return
	}
	h.app.Error(w, r, err)
}

func (h *Handlers) consoleCreateDivision(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	sort, f := sortField(r)
	if f != nil {
		h.divisionResult(w, r, a, apperr.FieldErrors(f), 0)
		return
	}
	_, err := h.svc.CreateDivision(r.Context(), web.Principal(r), a.ID, web.Field(r, "name"), sort)
	h.divisionResult(w, r, a, err, 0)
}

func (h *Handlers) consoleUpdateDivision(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	div, ok := web.PathID(r, "div")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	sort, f := sortField(r)
	if f != nil {
		h.divisionResult(w, r, a, apperr.FieldErrors(f), div)
		return
	}
	h.divisionResult(w, r, a, h.svc.UpdateDivision(r.Context(), web.Principal(r), a.ID, div, web.Field(r, "name"), sort), div)
}

func (h *Handlers) consoleDeleteDivision(w http.ResponseWriter, r *http.Request) {
	a, ok := h.scopedAgency(w, r)
	if !ok {
		return
	}
	div, ok := web.PathID(r, "div")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	h.divisionResult(w, r, a, h.svc.DeleteDivision(r.Context(), web.Principal(r), a.ID, div), 0)
}
