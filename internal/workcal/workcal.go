// Package workcal puts the working-day calendar in front of people: the
// administrators' calendar page (enter a new year's arrangement from the
// State Council notice), a public working-day calculator, and the API.
package workcal

import (
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serve the calendar pages.
type Handlers struct {
	app *web.App
	db  *db.DB
	cal *calendar.Service
}

// Register adds the calendar routes.
func Register(app *web.App, d *db.DB, cal *calendar.Service) error {
	if err := app.Render.AddPages("workcal", templates); err != nil {
		return err
	}
	h := &Handlers{app: app, db: d, cal: cal}
	app.Handle("GET /console/calendar", auth.ManageCalendar, h.consoleCalendar, web.Summary("工作日历"))
	app.Handle("POST /console/calendar/{year}", auth.ManageCalendar, h.consoleSetYear, web.Summary("录入年度放假安排"))
	app.Handle("GET /workdays", auth.Public, h.calculator, web.Summary("工作日计算器"))
	app.Handle("GET /api/v1/workdays/add", auth.Public, h.apiAdd, web.Summary("Add working days to a date (start day excluded)"))
	app.Handle("GET /api/v1/workdays/between", auth.Public, h.apiBetween, web.Summary("Count working days in (from, to]"))
	app.Handle("GET /api/v1/calendar/{year}", auth.Public, h.apiYear, web.Summary("A year's statutory days off and make-up working days"))
	return nil
}

type yearView struct {
	Year   int
	Info   *calendar.YearInfo
	Days   []calendar.Day
	Text   string
	Stored bool
}

type consoleData struct {
	Years    []calendar.YearInfo
	Selected yearView
	Next     int
}

func (h *Handlers) consoleCalendar(w http.ResponseWriter, r *http.Request) {
	year := civil.Today().Year
	if s := r.URL.Query().Get("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > 2100 {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "年份应为 2000–2100 之间的四位数字。")
			return
		}
		year = y
	}
	h.renderConsole(w, r, http.StatusOK, year, "", nil)
}

func (h *Handlers) renderConsole(w http.ResponseWriter, r *http.Request, status, year int, text string, fields map[string]string) {
	ctx := r.Context()
	years, err := calendar.ListYears(ctx, h.db.R)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	cal, err := h.cal.Calendar(ctx)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	sel := yearView{Year: year}
	for i := range years {
		if years[i].Year == year {
			sel.Info = &years[i]
			sel.Stored = true
		}
	}
	if a, ok := cal.Arrangement(year); ok {
		sel.Days = a.Days
	}
	sel.Text = calendar.FormatArrangement(sel.Days)
	if fields != nil {
		sel.Text = text
	}
	next := civil.Today().Year + 1
	v := h.app.NewView(r, "工作日历")
	v.Section = "calendar"
	if fields != nil {
		v.SetErrors(fields, "year", "source", "arrangement", "days")
		v.Form = map[string][]string{"source": {r.PostForm.Get("source")}}
	}
	v.Data = consoleData{Years: years, Selected: sel, Next: next}
	h.app.Render.Page(w, r, status, "workcal/console_calendar", v)
}

func (h *Handlers) consoleSetYear(w http.ResponseWriter, r *http.Request) {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || year < 2000 || year > 2100 {
		h.app.ErrorPage(w, r, http.StatusBadRequest, "年份应为 2000–2100 之间的四位数字。")
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.app.Error(w, r, err)
		return
	}
	text := r.PostForm.Get("arrangement")
	source := web.Field(r, "source")
	if len(text) > 20000 {
		h.renderConsole(w, r, http.StatusUnprocessableEntity, year, text[:20000], map[string]string{"arrangement": "内容过长，请只粘贴该年度的放假与调休日期"})
		return
	}
	days, err := calendar.ParseArrangement(text)
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderConsole(w, r, http.StatusUnprocessableEntity, year, text, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	p := web.Principal(r)
	// The calendar is one for the whole platform (the State Council's). An
	// agency administrator may enter a year nobody has entered yet — the new
	// notice — but only the platform administrator may change a year that is
	// already in use by every agency's deadlines.
	if !p.Roles.Has(auth.PlatformAdmin) {
		cal, err := h.cal.Calendar(r.Context())
		if err != nil {
			h.app.Error(w, r, err)
			return
		}
		if cal.Covers(year) {
			h.renderConsole(w, r, http.StatusForbidden, year, text, map[string]string{"arrangement": fmt.Sprintf("%d 年的放假安排已经录入，只能由平台管理员修改。如发现错误，请联系平台管理员。", year)})
			return
		}
	}
	var changes []calendar.Change
	err = h.db.Tx(r.Context(), func(tx db.Tx) error {
		var err error
		changes, err = h.cal.SetYear(r.Context(), tx, year, days, source, p.Actor().Name)
		if err != nil {
			return err
		}
		off, makeup := 0, 0
		for _, d := range days {
			if d.Kind == calendar.Off {
				off++
			} else {
				makeup++
			}
		}
		return audit.Record(r.Context(), tx, p.Actor(), audit.Event{AgencyID: p.AgencyID, Action: "calendar.year.set", ObjectType: "calendar", ObjectID: strconv.Itoa(year),
			Summary: fmt.Sprintf("录入 %d 年放假安排：放假 %d 天、调休上班 %d 天；重新计算期限 %d 个；依据：%s", year, off, makeup, len(changes), source)})
	})
	if err != nil {
		if f := apperr.FieldsOf(err); f != nil {
			h.renderConsole(w, r, http.StatusUnprocessableEntity, year, text, f)
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/calendar?year="+strconv.Itoa(year)+"&flash=saved", http.StatusSeeOther)
}

type calcData struct {
	Mode        string
	From        string
	Days        string
	To          string
	Result      string
	Explanation *calendar.Explanation
	Provisional bool
}

// calculator is the public working-day calculator: the same arithmetic the
// platform uses for every statutory deadline, explained day by day.
func (h *Handlers) calculator(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := calcData{Mode: q.Get("mode"), From: q.Get("from"), Days: q.Get("days"), To: q.Get("to")}
	if d.Mode != "between" {
		d.Mode = "add"
	}
	v := h.app.NewView(r, "工作日计算器")
	v.Breadcrumbs = []web.Crumb{{Label: "首页", URL: v.Site.HomeURL}, {Label: "工作日计算器"}}
	v.Form = q
	status := http.StatusOK
	if d.From != "" {
		exp, fields := h.compute(r, d)
		if fields != nil {
			v.SetErrors(fields, "from", "days", "to")
			status = http.StatusBadRequest
		} else {
			d.Explanation = &exp
			d.Provisional = exp.Provisional()
			if d.Mode == "add" {
				d.Result = exp.To.Chinese() + "（" + calendar.WeekdayName(exp.To.Weekday()) + "）"
			} else {
				d.Result = strconv.Itoa(exp.Count) + " 个工作日"
			}
		}
	}
	v.Data = d
	h.app.Render.Page(w, r, status, "workcal/portal_calculator", v)
}

func (h *Handlers) compute(r *http.Request, d calcData) (calendar.Explanation, map[string]string) {
	fields := map[string]string{}
	from, err := civil.Parse(strings.TrimSpace(d.From))
	if err != nil || from.Year < 2000 || from.Year > 2100 {
		fields["from"] = "请输入 2000–2100 年之间的有效日期，例如 2025-01-23"
	}
	var n int
	var to civil.Date
	if d.Mode == "add" {
		n, err = strconv.Atoi(strings.TrimSpace(d.Days))
		if err != nil || n < 0 || n > 365 {
			fields["days"] = "工作日数应为 0–365 的整数"
		}
	} else {
		to, err = civil.Parse(strings.TrimSpace(d.To))
		if err != nil || to.Year < 2000 || to.Year > 2100 {
			fields["to"] = "请输入 2000–2100 年之间的有效日期，例如 2025-02-26"
		}
	}
	if len(fields) > 0 {
		return calendar.Explanation{}, fields
	}
	cal, err := h.cal.Calendar(r.Context())
	if err != nil {
		return calendar.Explanation{}, map[string]string{"from": apperr.MessageOf(err)}
	}
	var exp calendar.Explanation
	if d.Mode == "add" {
		exp, err = cal.Explain(from, n)
	} else {
		exp, err = cal.ExplainBetween(from, to)
	}
	if err != nil {
		return exp, map[string]string{"from": apperr.MessageOf(err)}
	}
	return exp, nil
}

func (h *Handlers) apiAdd(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	exp, fields := h.compute(r, calcData{Mode: "add", From: q.Get("from"), Days: q.Get("days")})
	if fields != nil {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "参数有误", fields)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"from": exp.From, "days": exp.Count, "due": exp.To,
		"provisional": exp.Provisional(), "uncovered_years": exp.Uncovered})
}

func (h *Handlers) apiBetween(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	exp, fields := h.compute(r, calcData{Mode: "between", From: q.Get("from"), To: q.Get("to")})
	if fields != nil {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "参数有误", fields)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"from": exp.From, "to": exp.To, "working_days": exp.Count,
		"provisional": exp.Provisional(), "uncovered_years": exp.Uncovered})
}

// DayJSON is a listed day of an arrangement.
type DayJSON struct {
	Date civil.Date `json:"date"`
	Kind string     `json:"kind"`
	Name string     `json:"name,omitempty"`
}

func (h *Handlers) apiYear(w http.ResponseWriter, r *http.Request) {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || year < 2000 || year > 2100 {
		web.WriteProblem(w, r, http.StatusBadRequest, "invalid", "年份应为 2000–2100 之间的四位数字", nil)
		return
	}
	cal, err := h.cal.Calendar(r.Context())
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	a, ok := cal.Arrangement(year)
	if !ok {
		web.WriteProblem(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("尚未录入 %d 年的放假安排", year), nil)
		return
	}
	days := make([]DayJSON, 0, len(a.Days))
	for _, d := range a.Days {
		days = append(days, DayJSON{Date: d.Date, Kind: string(d.Kind), Name: d.Name})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"year": year, "source": a.Source, "days": days})
}
