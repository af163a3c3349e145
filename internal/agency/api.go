package agency

import (
	"net/http"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerAPI() {
	h.app.Handle("GET /api/v1/agencies", auth.Public, h.apiList, web.Summary("List the agencies on the platform"))
	h.app.Handle("GET /api/v1/agencies/{slug}", auth.Public, h.apiGet, web.Summary("One agency with its public contact data and divisions"))
}

// AgencyJSON is the public API form of an agency.
type AgencyJSON struct {
	ID               int64          `json:"id"`
	Slug             string         `json:"slug"`
	Kind             Kind           `json:"kind"`
	Name             string         `json:"name"`
	ShortName        string         `json:"short_name,omitempty"`
	ParentID         int64          `json:"parent_id,omitempty"`
	URL              string         `json:"url"`
	Address          string         `json:"address,omitempty"`
	Postcode         string         `json:"postcode,omitempty"`
	OfficeHours      string         `json:"office_hours,omitempty"`
	Phone            string         `json:"phone,omitempty"`
	Fax              string         `json:"fax,omitempty"`
	Email            string         `json:"email,omitempty"`
	DisclosureOffice string         `json:"disclosure_office,omitempty"`
	Divisions        []DivisionJSON `json:"divisions,omitempty"`
}

// DivisionJSON is the public API form of a division.
type DivisionJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func toJSON(a *Agency) AgencyJSON {
	return AgencyJSON{ID: a.ID, Slug: a.Slug, Kind: a.Kind, Name: a.Name, ShortName: a.ShortName, ParentID: a.ParentID,
		URL: a.HomeURL(), Address: a.Address, Postcode: a.Postcode, OfficeHours: a.OfficeHours, Phone: a.Phone,
		Fax: a.Fax, Email: a.Email, DisclosureOffice: a.DisclosureOffice}
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	all, err := h.svc.List(r.Context())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := make([]AgencyJSON, 0, len(all))
	for _, a := range all {
		out = append(out, toJSON(a))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"agencies": out})
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	divs, err := h.svc.Divisions(r.Context(), a.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	j := toJSON(a)
	for _, d := range divs {
		j.Divisions = append(j.Divisions, DivisionJSON{ID: d.ID, Name: d.Name})
	}
	web.WriteJSON(w, http.StatusOK, j)
}
