package directory

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

// The API of the directories. The public part reads the venue and outlet
// directories (public fields only, personal data masked), checks a halal
// sign number, verifies a clergy member (rate-limited like the form, and
// never a list) and lists the recent updates. The staff part reads and
// writes the entries of each kind with the kind's permission.

// apiSegment is a kind's path segment in the API.
func apiSegment(k Kind) string {
	switch k {
	case Outlets:
		return "halal-outlets"
	case Clergy:
		return "clergy"
	}
	return "venues"
}

func (h *Handlers) registerAPI() {
	a := h.app
	a.Handle("GET /api/v1/venues", auth.Public, h.apiList(Venues), web.Summary("Religious activity venues of an agency and those below it (public fields)"))
	a.Handle("GET /api/v1/venues/{id}", auth.Public, h.apiEntry(Venues), web.Summary("One religious activity venue with its notices in force"))
	a.Handle("GET /api/v1/halal-outlets", auth.Public, h.apiList(Outlets), web.Summary("Halal food outlets of an agency and those below it (public fields)"))
	a.Handle("GET /api/v1/halal-outlets/check", auth.Public, h.apiSignCheck, web.Summary("Check a halal sign number"))
	a.Handle("GET /api/v1/halal-outlets/{id}", auth.Public, h.apiEntry(Outlets), web.Summary("One halal food outlet"))
	a.Handle("POST /api/v1/clergy/verify", auth.Public, h.apiVerify, web.Summary("Verify a clergy member by name and certificate number (rate-limited)"), web.JSONBody())
	a.Handle("GET /api/v1/directory-updates", auth.Public, h.apiUpdates, web.Summary("Recent public changes to the venue and halal outlet directories"))
	for _, k := range Kinds {
		base := "/api/v1/staff/" + apiSegment(k)
		l := string(k)
		a.Handle("GET "+base, Perm(k), h.apiStaffList(k), web.Summary("Entries of the "+l+" directory, all fields (staff)"))
		a.Handle("POST "+base, Perm(k), h.apiStaffCreate(k), web.Summary("Create a "+l+" entry (staff)"), web.JSONBody())
		a.Handle("GET "+base+"/{id}", Perm(k), h.apiStaffEntry(k), web.Summary("One "+l+" entry, all fields (staff)"))
		a.Handle("POST "+base+"/{id}", Perm(k), h.apiStaffUpdate(k), web.Summary("Update a "+l+" entry; version required (staff)"), web.JSONBody())
	}
}

// ---------------------------------------------------------------- JSON

// FieldJSON is a field as displayed.
type FieldJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// NoticeJSON is a venue's opening notice.
type NoticeJSON struct {
	Kind      string      `json:"kind"`
	KindLabel string      `json:"kind_label"`
	StartsOn  civil.Date  `json:"starts_on"`
	EndsOn    *civil.Date `json:"ends_on,omitempty"`
	Period    string      `json:"period"`
	Text      string      `json:"text"`
}

func noticesJSON(list []*Notice) []NoticeJSON {
	out := []NoticeJSON{}
	for _, n := range list {
		j := NoticeJSON{Kind: string(n.Kind), KindLabel: n.Kind.Label(), StartsOn: n.StartsOn, Period: n.Period(), Text: pii.MaskAll(n.Text)}
		if !n.EndsOn.IsZero() {
			end := n.EndsOn
			j.EndsOn = &end
		}
		out = append(out, j)
	}
	return out
}

// EntryJSON is a venue or an outlet in the public API: public fields only
// (values holds the machine values, fields the displayed ones), personal
// data masked.
type EntryJSON struct {
	ID          int64             `json:"id"`
	Kind        Kind              `json:"kind"`
	Name        string            `json:"name"`
	Number      string            `json:"number"`
	District    string            `json:"district"`
	Religion    string            `json:"religion,omitempty"`
	Category    string            `json:"category,omitempty"`
	Status      string            `json:"status"`
	StatusLabel string            `json:"status_label"`
	Active      bool              `json:"active"`
	Closed      bool              `json:"closed"`
	Values      map[string]string `json:"values"`
	Fields      []FieldJSON       `json:"fields"`
	Notices     []NoticeJSON      `json:"notices"`
	VerifiedOn  civil.Date        `json:"verified_on"`
	Agency      string            `json:"agency"`
	AgencyName  string            `json:"agency_name"`
	URL         string            `json:"url"`
}

func (h *Handlers) entryJSON(a AgencyRef, e *Entry) EntryJSON {
	fields, shown := h.publicFields(e)
	j := EntryJSON{ID: e.ID, Kind: e.Kind, Name: shown["name"], Number: e.Number, District: e.District, Status: e.Status, StatusLabel: e.StatusLabel(),
		Active: e.Active(), Closed: e.Closed(), Values: map[string]string{}, Fields: []FieldJSON{}, Notices: noticesJSON(e.Notices),
		VerifiedOn: e.VerifiedOn, Agency: e.AgencySlug, AgencyName: e.AgencyName, URL: h.app.BaseURL + PublicEntryURL(a.Slug, e.Kind, e.ID)}
	switch e.Kind {
	case Venues:
		j.Religion = e.Class
	case Outlets:
		j.Category = e.Class
	}
	for _, f := range h.svc.Schema(e.Kind).PublicFields() {
		j.Values[f.Key] = pii.MaskAll(e.Values[f.Key])
	}
	for _, f := range fields {
		j.Fields = append(j.Fields, FieldJSON(f))
	}
	return j
}

// ListJSON is a page of a list.
type ListJSON[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	Pages   int `json:"pages"`
	PerPage int `json:"per_page"`
}

// ---------------------------------------------------------------- public

// badQuery answers a request whose query parameters are wrong.
func badQuery(w http.ResponseWriter, r *http.Request, fields map[string]string) {
	web.WriteProblem(w, r, http.StatusBadRequest, string(apperr.Invalid), "查询参数有误", fields)
}

// apiAgency is the agency of a public API request: ?agency=slug, else the
// agency the site shows by default.
func (h *Handlers) apiAgency(w http.ResponseWriter, r *http.Request) (AgencyRef, bool) {
	ctx := r.Context()
	if slug := r.URL.Query().Get("agency"); slug != "" {
		a, err := h.svc.Agencies.AgencyBySlug(ctx, slug)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Invalid) {
				badQuery(w, r, map[string]string{"agency": "没有这个单位"})
			} else {
				h.app.Error(w, r, err)
			}
			return a, false
		}
		return a, true
	}
	if id := h.app.Sites(r).AgencyID; id != 0 {
		if a, err := h.svc.Agencies.Agency(ctx, id); err == nil {
			return a, true
		}
	}
	badQuery(w, r, map[string]string{"agency": "请用 agency 参数指明单位标识"})
	return AgencyRef{}, false
}

func (h *Handlers) apiList(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.apiAgency(w, r)
		if !ok {
			return
		}
		f, bad := h.publicFilter(k, r.URL.Query())
		if bad != nil {
			badQuery(w, r, bad)
			return
		}
		pg, err := h.svc.PublicList(r.Context(), a.ID, k, f)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		out := ListJSON[EntryJSON]{Items: []EntryJSON{}, Total: pg.Total, Page: pg.Page, Pages: pg.Pages, PerPage: pg.PerPage}
		for _, e := range pg.Entries {
			out.Items = append(out.Items, h.entryJSON(a, e))
		}
		web.WriteJSON(w, http.StatusOK, out)
	}
}

func (h *Handlers) apiEntry(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.apiAgency(w, r)
		if !ok {
			return
		}
		id, ok := web.PathID(r, "id")
		if !ok {
			web.WriteProblem(w, r, http.StatusNotFound, string(apperr.NotFound), "没有这条记录。", nil)
			return
		}
		e, err := h.svc.PublicEntry(r.Context(), a.ID, k, id)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		web.WriteJSON(w, http.StatusOK, h.entryJSON(a, e))
	}
}

// SignCheckJSON answers a halal sign check.
type SignCheckJSON struct {
	Number string     `json:"number"`
	Found  bool       `json:"found"`
	Valid  bool       `json:"valid"`
	Detail string     `json:"detail"`
	Outlet *EntryJSON `json:"outlet,omitempty"`
}

func (h *Handlers) apiSignCheck(w http.ResponseWriter, r *http.Request) {
	a, ok := h.apiAgency(w, r)
	if !ok {
		return
	}
	raw := r.URL.Query().Get("number")
	e, err := h.svc.CheckSign(r.Context(), a.ID, raw)
	out := SignCheckJSON{Number: NormalizeNumber(raw)}
	switch {
	case err == nil:
		j := h.entryJSON(a, e)
		out.Found, out.Valid, out.Outlet = true, e.Active(), &j
		out.Detail = "该标志牌目前有效。"
		if !e.Active() {
			out.Detail = "该标志牌" + e.StatusLabel() + "，目前无效。"
		}
	case apperr.FieldsOf(err) != nil:
		badQuery(w, r, apperr.FieldsOf(err))
		return
	case apperr.Is(err, apperr.NotFound):
		out.Detail = apperr.MessageOf(err)
	default:
		h.app.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// decodeBody reads a JSON body strictly: unknown fields and trailing
// content are refused.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return web.JSONError(err)
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "请求体只能包含一个 JSON 对象。")
	}
	return nil
}

// ClergyJSON is a verification match: the public fields only.
type ClergyJSON struct {
	Name          string `json:"name"`
	ReligiousName string `json:"religious_name,omitempty"`
	Religion      string `json:"religion"`
	Number        string `json:"number"`
	Venue         string `json:"venue"`
	Status        string `json:"status"`
	StatusLabel   string `json:"status_label"`
	// Valid is false when the filing was cancelled (注销).
	Valid    bool   `json:"valid"`
	PhotoURL string `json:"photo_url,omitempty"`
}

// VerifyJSON answers a verification query.
type VerifyJSON struct {
	Match  bool        `json:"match"`
	Detail string      `json:"detail"`
	Clergy *ClergyJSON `json:"clergy,omitempty"`
}

func (h *Handlers) apiVerify(w http.ResponseWriter, r *http.Request) {
	a, ok := h.apiAgency(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	web.NoStore(w)
	var in struct {
		Name   string `json:"name"`
		Number string `json:"number"`
	}
	if err := decodeBody(r, &in); err != nil {
		h.app.Error(w, r, err)
		return
	}
	q := VerifyQuery{Name: in.Name, Number: in.Number, IP: web.ClientIP(ctx)}
	if h.svc.NeedsChallenge(ctx, q.IP) {
		// The API cannot ask the question: the address goes to the form.
		if err := h.svc.LogRefused(ctx, a.ID, q, OutcomeChallenge); err != nil {
			h.app.Error(w, r, err)
			return
		}
		w.Header().Set("Retry-After", retryAfter(ChallengeAfterMisses.Window))
		web.WriteProblem(w, r, http.StatusTooManyRequests, string(apperr.RateLimited),
			"该地址多次未查询到结果，需要回答验证问题后才能继续查询，请使用网页表单："+h.app.BaseURL+"/o/"+a.Slug+"/clergy", nil)
		return
	}
	res, err := h.svc.VerifyClergy(ctx, a.ID, q)
	if err != nil {
		var lim *LimitedError
		if errors.As(err, &lim) {
			w.Header().Set("Retry-After", retryAfter(lim.Wait))
		}
		h.app.Error(w, r, err)
		return
	}
	out := VerifyJSON{Detail: "未查询到与所填姓名和证书编号相符的备案信息。"}
	if e := res.Entry; e != nil {
		_, m := h.publicFields(e)
		out.Match = true
		out.Clergy = &ClergyJSON{Name: m["name"], ReligiousName: m["religious_name"], Religion: e.Values["religion"], Number: e.Number,
			Venue: m["venue"], Status: e.Status, StatusLabel: e.StatusLabel(), Valid: e.Active()}
		if res.PhotoToken != "" {
			out.Clergy.PhotoURL = h.app.BaseURL + "/o/" + a.Slug + "/clergy/photo/" + res.PhotoToken
		}
		out.Detail = "查询到备案信息，备案状态：" + e.StatusLabel() + "。"
		if !e.Active() {
			out.Detail = "查询到的备案已注销，目前不是备案的宗教教职人员。"
		}
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// UpdateJSON is a line of the recent updates.
type UpdateJSON struct {
	At        time.Time `json:"at"`
	Kind      Kind      `json:"kind"`
	KindLabel string    `json:"kind_label"`
	EntryID   int64     `json:"entry_id"`
	Name      string    `json:"name"`
	Action    string    `json:"action"`
	Details   string    `json:"details,omitempty"`
	URL       string    `json:"url"`
}

func (h *Handlers) apiUpdates(w http.ResponseWriter, r *http.Request) {
	a, ok := h.apiAgency(w, r)
	if !ok {
		return
	}
	limit := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxUpdates {
			badQuery(w, r, map[string]string{"limit": "limit 应为 1 至 100 之间的整数"})
			return
		}
		limit = n
	}
	rows, err := h.updateRows(r, a, limit)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := []UpdateJSON{}
	for _, u := range rows {
		out = append(out, UpdateJSON{At: u.At, Kind: u.Kind, KindLabel: u.Kind.Label(), EntryID: u.EntryID, Name: u.Name, Action: u.Action,
			Details: u.Details, URL: h.app.BaseURL + u.URL})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// ---------------------------------------------------------------- staff

// StaffEntryJSON is an entry with every field, for staff.
type StaffEntryJSON struct {
	ID          int64             `json:"id"`
	Kind        Kind              `json:"kind"`
	Agency      string            `json:"agency"`
	AgencyName  string            `json:"agency_name"`
	Number      string            `json:"number"`
	Name        string            `json:"name"`
	District    string            `json:"district,omitempty"`
	Class       string            `json:"class,omitempty"`
	Status      string            `json:"status"`
	StatusLabel string            `json:"status_label"`
	Values      map[string]string `json:"values"`
	Fields      []FieldJSON       `json:"fields"`
	DivisionID  int64             `json:"division_id"`
	VerifiedOn  civil.Date        `json:"verified_on"`
	StaleOn     civil.Date        `json:"stale_on"`
	Stale       bool              `json:"stale"`
	Version     int               `json:"version"`
	Editable    bool              `json:"editable"`
	HasPhoto    bool              `json:"has_photo,omitempty"`
	Notices     []NoticeJSON      `json:"notices,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	URL         string            `json:"url"`
}

func (h *Handlers) staffJSON(p *auth.Principal, e *Entry) StaffEntryJSON {
	j := StaffEntryJSON{ID: e.ID, Kind: e.Kind, Agency: e.AgencySlug, AgencyName: e.AgencyName, Number: e.Number, Name: e.Name, District: e.District,
		Class: e.Class, Status: e.Status, StatusLabel: e.StatusLabel(), Values: map[string]string{}, Fields: []FieldJSON{}, DivisionID: e.DivisionID,
		VerifiedOn: e.VerifiedOn, StaleOn: e.StaleOn, Stale: e.Stale, Version: e.Version, Editable: CanEdit(p, e), HasPhoto: e.PhotoID != 0,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, URL: h.app.BaseURL + EntryURL(e.Kind, e.ID)}
	for _, f := range h.svc.Schema(e.Kind).Fields {
		j.Values[f.Key] = e.Values[f.Key]
	}
	for _, f := range h.svc.StaffValues(e) {
		j.Fields = append(j.Fields, FieldJSON(f))
	}
	if e.Kind == Venues {
		j.Notices = noticesJSON(e.Notices)
	}
	return j
}

// staffFilter is publicFilter plus the staff's own: stale=1 and agency
// (a slug of the family).
func (h *Handlers) staffFilter(r *http.Request, k Kind) (Filter, map[string]string, error) {
	q := r.URL.Query()
	f, bad := h.publicFilter(k, q)
	if bad == nil {
		bad = map[string]string{}
	}
	switch q.Get("stale") {
	case "", "0":
	case "1":
		f.Stale = true
	default:
		bad["stale"] = "stale 只能是 1（只看待核实的记录）"
	}
	if slug := q.Get("agency"); slug != "" {
		family, err := h.svc.Family(r.Context(), web.Principal(r))
		if err != nil {
			return f, nil, err
		}
		for _, a := range family {
			if a.Slug == slug {
				f.AgencyID = a.ID
			}
		}
		if f.AgencyID == 0 {
			bad["agency"] = "没有这个单位，或不属于本单位及下属单位"
		}
	}
	if len(bad) == 0 {
		bad = nil
	}
	return f, bad, nil
}

func (h *Handlers) apiStaffList(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.Principal(r)
		f, bad, err := h.staffFilter(r, k)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		if bad != nil {
			badQuery(w, r, bad)
			return
		}
		pg, err := h.svc.List(r.Context(), p, k, f)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		out := ListJSON[StaffEntryJSON]{Items: []StaffEntryJSON{}, Total: pg.Total, Page: pg.Page, Pages: pg.Pages, PerPage: pg.PerPage}
		for _, e := range pg.Entries {
			out.Items = append(out.Items, h.staffJSON(p, e))
		}
		web.NoStore(w)
		web.WriteJSON(w, http.StatusOK, out)
	}
}

func (h *Handlers) apiStaffEntry(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := web.PathID(r, "id")
		if !ok {
			web.WriteProblem(w, r, http.StatusNotFound, string(apperr.NotFound), "没有这条记录。", nil)
			return
		}
		p := web.Principal(r)
		e, err := h.svc.Entry(r.Context(), p, k, id)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		web.NoStore(w)
		web.WriteJSON(w, http.StatusOK, h.staffJSON(p, e))
	}
}

// staffBody is an entry as the API writes it: every value (an update
// replaces them all, as the form does), the responsible division, the
// last-verified date and, for an update, the version it was read at.
type staffBody struct {
	Values     map[string]any `json:"values"`
	DivisionID int64          `json:"division_id"`
	VerifiedOn string         `json:"verified_on"`
	Version    int            `json:"version"`
}

// input turns the body into the service's Input: values may be strings,
// numbers, booleans (Bool fields) or null (empty); unknown keys are
// refused.
func (b staffBody) input(sc *Schema) (Input, map[string]string) {
	in := Input{Values: Values{}, DivisionID: b.DivisionID, VerifiedOn: b.VerifiedOn, Version: b.Version, Source: "api"}
	bad := map[string]string{}
	for key, v := range b.Values {
		f, ok := sc.Field(key)
		if !ok {
			bad["values"] = "values 含有未知字段：" + clip(key, 40)
			continue
		}
		switch x := v.(type) {
		case nil:
			in.Values[key] = ""
		case string:
			in.Values[key] = x
		case bool:
			if x {
				in.Values[key] = "1"
			} else {
				in.Values[key] = ""
			}
		case json.Number:
			in.Values[key] = x.String()
		default:
			bad[key] = f.Label + "应为文字。"
		}
	}
	if len(bad) == 0 {
		bad = nil
	}
	return in, bad
}

func (h *Handlers) apiStaffCreate(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body staffBody
		if err := decodeBody(r, &body); err != nil {
			h.app.Error(w, r, err)
			return
		}
		in, bad := body.input(h.svc.Schema(k))
		if bad != nil {
			h.app.Error(w, r, apperr.FieldErrors(bad))
			return
		}
		p := web.Principal(r)
		e, err := h.svc.Create(r.Context(), p, k, in)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/staff/"+apiSegment(k)+"/"+strconv.FormatInt(e.ID, 10))
		web.WriteJSON(w, http.StatusCreated, h.staffJSON(p, e))
	}
}

func (h *Handlers) apiStaffUpdate(k Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := web.PathID(r, "id")
		if !ok {
			web.WriteProblem(w, r, http.StatusNotFound, string(apperr.NotFound), "没有这条记录。", nil)
			return
		}
		var body staffBody
		if err := decodeBody(r, &body); err != nil {
			h.app.Error(w, r, err)
			return
		}
		in, bad := body.input(h.svc.Schema(k))
		if body.Version <= 0 {
			if bad == nil {
				bad = map[string]string{}
			}
			bad["version"] = "请提供读取记录时得到的 version（版本号），以免覆盖他人的修改。"
		}
		if bad != nil {
			h.app.Error(w, r, apperr.FieldErrors(bad))
			return
		}
		p := web.Principal(r)
		if err := h.svc.Update(r.Context(), p, k, id, in); err != nil {
			h.app.Error(w, r, err)
			return
		}
		e, err := h.svc.Entry(r.Context(), p, k, id)
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		web.WriteJSON(w, http.StatusOK, h.staffJSON(p, e))
	}
}
