package concern

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

func (h *Handlers) registerTopics() {
	a := h.app
	a.Handle("GET /console/concerns/topics", auth.ViewConcerns, h.topicsPage, web.Summary("热点发现"))
	a.Handle("POST /console/concerns/topics/compute", auth.HandleConcerns, h.topicsCompute, web.Summary("热点发现：重新计算"))
	a.Handle("GET /console/concerns/topics/{id}", auth.ViewConcerns, h.topicPage, web.Summary("热点话题详情"))
	a.Handle("POST /console/concerns/topics/{id}/mark", auth.HandleConcerns, h.topicMark, web.Summary("热点话题：标记处理"))
	a.Handle("POST /console/concerns/topics/{id}/response", auth.HandleConcerns, h.topicResponse, web.Summary("热点话题：起草回应"))
}

// Bar is one bar of a server-rendered chart, in SVG units.
type Bar struct {
	X, Y, W, H int
	Day        civil.Date
	N          int
}

// bars lays out counts as bars in a box of width × height.
func bars(counts []int, from civil.Date, width, height int) []Bar {
	if len(counts) == 0 {
		return nil
	}
	peak := 1
	for _, n := range counts {
		peak = max(peak, n)
	}
	step := width / len(counts)
	w := max(1, step-1)
	out := make([]Bar, len(counts))
	for i, n := range counts {
		h := n * height / peak
		if n > 0 && h < 2 {
			h = 2
		}
		out[i] = Bar{X: i * step, Y: height - h, W: w, H: h, Day: from.AddDays(i), N: n}
	}
	return out
}

type topicRow struct {
	*Topic
	Bars     []Bar
	Channels string
	Total    int
	Week     []int // the last seven days, for the data table
}

// channelSummary writes a topic's channels as "领导信箱 3 · 依申请公开 1".
func channelSummary(m map[string]int) string {
	var parts []string
	for _, c := range Channels {
		if n := m[string(c)]; n > 0 {
			parts = append(parts, c.Label()+" "+strconv.Itoa(n))
		}
	}
	if n := m["application"]; n > 0 {
		parts = append(parts, "依申请公开 "+strconv.Itoa(n))
	}
	return strings.Join(parts, " · ")
}

var topicViews = []web.Option{{Value: "", Label: "待处理"}, {Value: "handled", Label: "已处理"}, {Value: "answered", Label: "已回应"}, {Value: "all", Label: "全部"}}

func (h *Handlers) topicsPage(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	status := r.URL.Query().Get("status")
	d, err := h.svc.Topics(r.Context(), p, TopicFilter{Status: status})
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			h.app.ErrorPage(w, r, http.StatusBadRequest, apperr.MessageOf(err))
			return
		}
		h.app.Error(w, r, err)
		return
	}
	var rows []topicRow
	for _, t := range d.Topics {
		total := 0
		for _, n := range t.Series {
			total += n
		}
		rows = append(rows, topicRow{Topic: t, Bars: bars(t.Series, d.ChartFrom, 120, 28), Channels: channelSummary(t.Channels), Total: total,
			Week: t.Series[max(0, len(t.Series)-7):]})
	}
	var week []civil.Date
	for i := 6; i >= 0; i-- {
		week = append(week, h.svc.today().AddDays(-i))
	}
	v := h.consoleView(r, "热点发现", web.Crumb{Label: "热点发现"})
	v.Section = "concern-topics"
	type trendTable struct {
		Caption string
		Rows    []TrendRow
	}
	trends := []trendTable{{"今天（与此前 14 天的日均比较）", d.Day}, {"最近 7 天（与此前 8 周的周均比较）", d.Week}}
	v.Data = map[string]any{"D": d, "Rows": rows, "Trends": trends, "WeekDays": week, "Status": status, "Views": topicViews, "ChartTo": h.svc.today(),
		"CanCompute": auth.Allowed(p, auth.HandleConcerns)}
	h.app.Render.Page(w, r, http.StatusOK, "concern/console_topics", v)
}

func (h *Handlers) topicsCompute(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	if _, err := h.svc.RecomputeTopics(r.Context(), p); err != nil {
		if apperr.Is(err, apperr.RateLimited) {
			h.app.ErrorPage(w, r, http.StatusTooManyRequests, apperr.MessageOf(err))
			return
		}
		h.app.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/concerns/topics?flash=computed", http.StatusSeeOther)
}

func (h *Handlers) renderTopic(w http.ResponseWriter, r *http.Request, status int, fields map[string]string) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	p := web.Principal(r)
	d, err := h.svc.Topic(r.Context(), p, id)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	v := h.consoleView(r, "热点话题："+d.Label, web.Crumb{Label: "热点发现", URL: "/console/concerns/topics"}, web.Crumb{Label: d.Label})
	v.Section = "concern-topics"
	v.SetErrors(fields)
	if status != http.StatusOK {
		v.Form = r.PostForm
	} else {
		v.Form = url.Values{"title": {"关于" + strings.Join(d.Terms[:min(2, len(d.Terms))], "、") + "有关问题的回应"}}
	}
	peak := 0
	for _, n := range d.Series {
		peak = max(peak, n)
	}
	v.Data = map[string]any{"T": d, "Bars": bars(d.Series, d.ChartFrom, 600, 120), "ChartTo": h.svc.today(), "Peak": peak,
		"CanHandle": auth.Allowed(p, auth.HandleConcerns), "CanRespond": auth.Allowed(p, auth.HandleConcerns),
		"Channels": channelSummary(d.Channels)}
	h.app.Render.Page(w, r, status, "concern/console_topic", v)
}

func (h *Handlers) topicPage(w http.ResponseWriter, r *http.Request) {
	h.renderTopic(w, r, http.StatusOK, nil)
}

// topicFormError shows a service error next to the form's fields, or as
// the page error.
func (h *Handlers) topicFormError(w http.ResponseWriter, r *http.Request, err error, field string) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict, apperr.Forbidden:
		fields := apperr.FieldsOf(err)
		if fields == nil {
			fields = map[string]string{field: apperr.MessageOf(err)}
		}
		status := web.Status(apperr.CodeOf(err))
		if apperr.CodeOf(err) == apperr.Invalid {
			status = http.StatusUnprocessableEntity
		}
		h.renderTopic(w, r, status, fields)
	default:
		h.app.Error(w, r, err)
	}
}

func (h *Handlers) topicMark(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.topicFormError(w, r, err, "note")
		return
	}
	handled := r.PostFormValue("handled") != "0"
	if err := h.svc.MarkTopic(r.Context(), web.Principal(r), id, handled, r.PostFormValue("note")); err != nil {
		h.topicFormError(w, r, err, "note")
		return
	}
	http.Redirect(w, r, "/console/concerns/topics/"+strconv.FormatInt(id, 10)+"?flash=saved", http.StatusSeeOther)
}

func (h *Handlers) topicResponse(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r, "id")
	if !ok {
		h.app.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := web.ParseForm(r); err != nil {
		h.topicFormError(w, r, err, "title")
		return
	}
	if _, err := h.svc.DraftTopicResponse(r.Context(), web.Principal(r), id, r.PostFormValue("title"), r.PostFormValue("body")); err != nil {
		h.topicFormError(w, r, err, "title")
		return
	}
	http.Redirect(w, r, "/console/concerns/topics/"+strconv.FormatInt(id, 10)+"?flash=saved", http.StatusSeeOther)
}
