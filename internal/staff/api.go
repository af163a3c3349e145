package staff

import (
	"net/http"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerAPI() {
	h.app.Handle("GET /api/v1/me", auth.Authenticated, h.apiMe, web.Summary("The account the bearer token acts as"))
}

// MeJSON describes the caller of the API.
type MeJSON struct {
	ID          int64    `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	AgencyID    int64    `json:"agency_id,omitempty"`
	Roles       []string `json:"roles"`
}

func (h *Handlers) apiMe(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	web.WriteJSON(w, http.StatusOK, MeJSON{ID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, AgencyID: p.AgencyID, Roles: p.Roles.Strings()})
}
