package application

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerAPI() {
	a := h.app
	a.Handle("POST /api/v1/applications", auth.Public, h.apiSubmit, web.Summary("Submit an application for government information"), web.JSONBody(), web.Upload())
	a.Handle("POST /api/v1/applications/status", auth.Public, h.apiStatus, web.Summary("An application's status, by number and query code"), web.JSONBody())
	a.Handle("GET /api/v1/staff/applications", auth.ViewApplications, h.apiList, web.Summary("Applications of the token's agency (staff)"))
	a.Handle("POST /api/v1/staff/applications", auth.RecordApplications, h.apiRecord, web.Summary("Record an application received in person, by mail, fax or e-mail (staff)"), web.JSONBody(), web.Upload())
	a.Handle("GET /api/v1/staff/applications/statistics", auth.ViewApplications, h.apiStatistics, web.Summary("Annual-report tables three and four of a year (staff)"))
	a.Handle("GET /api/v1/staff/applications/{id}", auth.ViewApplications, h.apiDetail, web.Summary("One application with its history and deadlines (staff)"))
	a.Handle("POST /api/v1/staff/applications/{id}/actions", auth.HandleApplications, h.apiAct, web.Summary("Take a workflow step on an application (staff)"), web.JSONBody())
}

// decode reads a JSON body strictly (unknown fields are errors).
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return web.JSONError(err)
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "请求体只能包含一个 JSON 对象。")
	}
	return nil
}

// ApplicantJSON is the applicant in the API.
type ApplicantJSON struct {
	Type     ApplicantType `json:"type"`
	Name     string        `json:"name"`
	IDType   IDType        `json:"id_type"`
	IDNumber string        `json:"id_number"`
	Contact  string        `json:"contact,omitempty"`
	Phone    string        `json:"phone"`
	Email    string        `json:"email,omitempty"`
	Address  string        `json:"address,omitempty"`
	Postcode string        `json:"postcode,omitempty"`
}

// RequestJSON is what is asked for, in the API.
type RequestJSON struct {
	Title       string   `json:"title,omitempty"`
	DocNumber   string   `json:"doc_number,omitempty"`
	Description string   `json:"description,omitempty"`
	Purpose     string   `json:"purpose,omitempty"`
	Form        Form     `json:"form"`
	Delivery    Delivery `json:"delivery"`
}

// FileJSON is an uploaded file in a JSON body.
type FileJSON struct {
	FileName      string `json:"file_name"`
	ContentBase64 string `json:"content_base64"`
}

func (f *FileJSON) upload() (*Upload, error) {
	if f == nil || f.ContentBase64 == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(f.ContentBase64)
	if err != nil {
		return nil, apperr.FieldErrors(map[string]string{"identity": "文件内容须为 base64 编码。"})
	}
	return &Upload{Name: f.FileName, Reader: bytes.NewReader(b)}, nil
}

type submitJSON struct {
	Agency        string        `json:"agency"`
	Applicant     ApplicantJSON `json:"applicant"`
	Request       RequestJSON   `json:"request"`
	Declaration   bool          `json:"declaration"`
	IdentityProof *FileJSON     `json:"identity_proof"`
}

func (in submitJSON) submission(agencyID int64) (Submission, error) {
	up, err := in.IdentityProof.upload()
	a, q := in.Applicant, in.Request
	return Submission{AgencyID: agencyID, Declaration: in.Declaration, Identity: up,
		Applicant: Applicant(a),
		Request:   Request{Title: q.Title, DocNumber: q.DocNumber, Description: q.Description, Purpose: q.Purpose, Form: q.Form, Delivery: q.Delivery}}, err
}

func (h *Handlers) apiSubmit(w http.ResponseWriter, r *http.Request) {
	var in submitJSON
	if err := decode(r, &in); err != nil {
		h.app.Error(w, r, err)
		return
	}
	ag, err := h.svc.Agencies.AgencyBySlug(r.Context(), in.Agency)
	if err != nil {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "请指定受理申请的机关（agency）。", map[string]string{"agency": "没有这个机关"})
		return
	}
	sub, err := in.submission(ag.ID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	sub.IP = web.ClientIP(r.Context())
	rec, err := h.svc.Submit(r.Context(), sub)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	web.WriteJSON(w, http.StatusCreated, map[string]any{"number": rec.App.Number, "query_code": rec.Code, "state": rec.App.State,
		"status_url": h.app.BaseURL + "/apply/status"})
}

// StatusJSON is what the applicant sees, in the API.
type StatusJSON struct {
	Number      string       `json:"number"`
	Agency      string       `json:"agency"`
	State       State        `json:"state"`
	StateLabel  string       `json:"state_label"`
	Paused      bool         `json:"paused"`
	Subject     string       `json:"subject"`
	ReceivedOn  civil.Date   `json:"received_on"`
	ReceiptDate *civil.Date  `json:"receipt_date,omitempty"`
	DueOn       *civil.Date  `json:"due_on,omitempty"`
	Outcome     Outcome      `json:"outcome,omitempty"`
	RepliedOn   *civil.Date  `json:"replied_on,omitempty"`
	Notices     []NoticeJSON `json:"notices"`
}

// NoticeJSON is one notice to the applicant.
type NoticeJSON struct {
	On    civil.Date `json:"on"`
	Title string     `json:"title"`
	Body  string     `json:"body"`
}

func dateOrNil(d civil.Date) *civil.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

func (h *Handlers) apiStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Number string `json:"number"`
		Code   string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, err := h.svc.Lookup(r.Context(), in.Number, in.Code, web.ClientIP(r.Context()))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	st, err := h.svc.Status(r.Context(), a)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := StatusJSON{Number: a.Number, Agency: st.Agency.Slug, State: a.State, StateLabel: a.State.Label(), Paused: a.Paused(),
		Subject: a.Subject(), ReceivedOn: a.ReceivedOn, ReceiptDate: dateOrNil(a.ReceiptDate), Outcome: a.Outcome, RepliedOn: dateOrNil(a.RepliedOn),
		Notices: []NoticeJSON{}}
	if a.State.Open() {
		out.DueOn = dateOrNil(a.DueOn)
	}
	for _, n := range st.Notices {
		out.Notices = append(out.Notices, NoticeJSON{On: n.On, Title: n.NoticeTitle, Body: n.NoticeBody})
	}
	web.NoStore(w)
	web.WriteJSON(w, http.StatusOK, out)
}

// AppJSON is an application in the staff API. The applicant's details are
// masked: the API gives no route around the console's audited reveal.
type AppJSON struct {
	ID            int64               `json:"id"`
	Number        string              `json:"number"`
	Version       int                 `json:"version"`
	Channel       Channel             `json:"channel"`
	State         State               `json:"state"`
	Outcome       Outcome             `json:"outcome,omitempty"`
	Applicant     ApplicantJSON       `json:"applicant"`
	Request       RequestJSON         `json:"request"`
	ReceivedOn    civil.Date          `json:"received_on"`
	ReceiptDate   *civil.Date         `json:"receipt_date,omitempty"`
	DueOn         *civil.Date         `json:"due_on,omitempty"`
	ExtensionDays int                 `json:"extension_days"`
	Pauses        []calendar.Interval `json:"pauses"`
	CorrectionDue *civil.Date         `json:"correction_due,omitempty"`
	FeeAmount     int                 `json:"fee_amount,omitempty"`
	FeeDue        *civil.Date         `json:"fee_due,omitempty"`
	RepliedOn     *civil.Date         `json:"replied_on,omitempty"`
	ClosedOn      *civil.Date         `json:"closed_on,omitempty"`
	DivisionID    int64               `json:"division_id,omitempty"`
	HandlerID     int64               `json:"handler_id,omitempty"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

func appJSON(a *Application) AppJSON {
	m := a.Applicant.Masked()
	pauses := a.Pauses
	if pauses == nil {
		pauses = []calendar.Interval{}
	}
	return AppJSON{ID: a.ID, Number: a.Number, Version: a.Version, Channel: a.Channel, State: a.State, Outcome: a.Outcome,
		Applicant: ApplicantJSON(m),
		Request: RequestJSON{Title: a.Request.Title, DocNumber: a.Request.DocNumber, Description: a.Request.Description,
			Purpose: a.Request.Purpose, Form: a.Request.Form, Delivery: a.Request.Delivery},
		ReceivedOn: a.ReceivedOn, ReceiptDate: dateOrNil(a.ReceiptDate), DueOn: dateOrNil(a.DueOn), ExtensionDays: a.ExtensionDays,
		Pauses: pauses, CorrectionDue: dateOrNil(a.CorrectionDue), FeeAmount: a.FeeAmount, FeeDue: dateOrNil(a.FeeDue),
		RepliedOn: dateOrNil(a.RepliedOn), ClosedOn: dateOrNil(a.ClosedOn), DivisionID: a.DivisionID, HandlerID: a.HandlerID, UpdatedAt: a.UpdatedAt}
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	cal, err := h.svc.Calendar.Calendar(r.Context())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f, ok := h.filterFor(q.Get("view"), p.AgencyID, cal, h.svc.today())
	if !ok {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "view 须为 open、received、soon、overdue、done 或 all。", map[string]string{"view": "无效"})
		return
	}
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "page 须为 1 至 10000。", map[string]string{"page": "无效"})
			return
		}
		page = n
	}
	f.Limit, f.Offset = 50, (page-1)*50
	list, total, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	out := make([]AppJSON, 0, len(list))
	for _, a := range list {
		out = append(out, appJSON(a))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": total, "page": page, "applications": out})
}

func (h *Handlers) apiRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		submitJSON
		Channel    Channel    `json:"channel"`
		ReceivedOn civil.Date `json:"received_on"`
		SignedOn   civil.Date `json:"signed_on"`
	}
	if err := decode(r, &in); err != nil {
		h.app.Error(w, r, err)
		return
	}
	p := web.Principal(r)
	sub, err := in.submission(p.AgencyID)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	sub.Channel, sub.ReceivedOn, sub.SignedOn = in.Channel, in.ReceivedOn, in.SignedOn
	rec, err := h.svc.Record(r.Context(), p, sub)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.NoStore(w)
	web.WriteJSON(w, http.StatusCreated, map[string]any{"application": appJSON(rec.App), "query_code": rec.Code})
}

func (h *Handlers) apiDetail(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := h.svc.Detail(r.Context(), web.Principal(r), id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	events := make([]map[string]any, 0, len(d.Events))
	for _, e := range d.Events {
		ev := map[string]any{"at": e.At, "on": e.On, "actor": e.Actor, "action": e.Action, "label": e.ActionLabel(), "note": e.Note}
		if e.From != e.To {
			ev["from"], ev["to"] = e.From, e.To
		}
		if e.Public {
			ev["notice"] = map[string]string{"title": e.NoticeTitle, "body": e.NoticeBody}
		}
		events = append(events, ev)
	}
	deadlines := make([]map[string]any, 0, len(d.Deadlines))
	for _, dl := range d.Deadlines {
		deadlines = append(deadlines, map[string]any{"kind": dl.Kind, "label": deadlineLabel(dl.Kind), "start": dl.Start,
			"working_days": dl.WorkingDays, "due": dl.Due, "open": dl.Open, "provisional": dl.Provisional})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"application": appJSON(d.App), "events": events, "deadlines": deadlines,
		"consultations": nonNil(d.Consultations)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// actionJSON is a workflow step in the API (the fields of Command).
type actionJSON struct {
	Action         Action        `json:"action"`
	Version        int           `json:"version"`
	On             civil.Date    `json:"on"`
	Note           string        `json:"note"`
	DivisionID     int64         `json:"division_id"`
	HandlerID      int64         `json:"handler_id"`
	Items          string        `json:"items"`
	ConsultKind    ConsultKind   `json:"consult_kind"`
	Party          string        `json:"party"`
	ConsultationID int64         `json:"consultation_id"`
	Result         ConsultResult `json:"result"`
	Opinion        string        `json:"opinion"`
	Days           int           `json:"days"`
	FeeMethod      FeeMethod     `json:"fee_method"`
	Quantity       int           `json:"quantity"`
	Outcome        Outcome       `json:"outcome"`
	Text           string        `json:"text"`
	Withheld       string        `json:"withheld"`
	Organ          string        `json:"organ"`
	DeliveryMethod string        `json:"delivery_method"`
}

func (h *Handlers) apiAct(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var in actionJSON
	if err := decode(r, &in); err != nil {
		h.app.Error(w, r, err)
		return
	}
	if in.Version == 0 {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "请给出申请的当前版本（version），以免覆盖他人的办理。", map[string]string{"version": "必填"})
		return
	}
	a, err := h.svc.Do(r.Context(), web.Principal(r), id, Command(in))
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"application": appJSON(a)})
}

func (h *Handlers) apiStatistics(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 2008 || year > h.svc.today().Year {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "year 须为 2008 至今年之间的年份。", map[string]string{"year": "无效"})
		return
	}
	t3, err := h.svc.TableThree(r.Context(), p.AgencyID, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	t4, err := h.svc.TableFour(r.Context(), p.AgencyID, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	rows := make([]map[string]any, 0, len(Rows))
	for _, ri := range Rows {
		rows = append(rows, map[string]any{"row": ri.Row, "label": ri.Level1 + ri.Level2 + ri.Label, "cells": t3.Cells[ri.Row]})
	}
	problems := make([]string, 0)
	for _, pr := range t3.Check() {
		problems = append(problems, pr.Message)
	}
	columns := []string{}
	for _, at := range ApplicantTypes {
		columns = append(columns, at.Label())
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"year": year,
		"table_three": map[string]any{"columns": append(columns, "总计"), "rows": rows, "problems": problems},
		"table_four":  map[string]any{"blocks": []string{"行政复议", "未经复议直接起诉", "复议后起诉"}, "columns": []string{"结果维持", "结果纠正", "其他结果", "尚未审结", "总计"}, "cells": t4.Cells}})
}
