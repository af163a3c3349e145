package concern

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/web"
)

// ChannelStats are one channel's figures for a year.
type ChannelStats struct {
	Channel   Channel
	Received  int
	Replied   int
	AvgDays   float64 // mean working days from receipt to reply
	P90Days   int     // 90th percentile of the same
	Overdue   int     // replied late, or open and past due
	Rated     int
	Satisfied int // rated 满意 or 基本满意
}

// SatisfiedShare is the share of rated cases rated satisfied, in percent.
func (c ChannelStats) SatisfiedShare() string {
	if c.Rated == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*float64(c.Satisfied)/float64(c.Rated), 'f', 1, 64) + "%"
}

// AvgLabel writes the mean for people.
func (c ChannelStats) AvgLabel() string {
	if c.Replied == 0 {
		return "—"
	}
	return strconv.FormatFloat(c.AvgDays, 'f', 1, 64)
}

// MonthStats are one month's counts (all channels).
type MonthStats struct {
	Month             int
	Received, Replied int
	// Bar heights for the chart, in pixels.
	ReceivedH, RepliedH int
}

// Stats are an agency's public figures for a year.
type Stats struct {
	Year     int
	Channels []ChannelStats
	Total    ChannelStats
	Months   []MonthStats
}

// Statistics computes the public figures of an agency's cases received in
// a year; reply times are counted in working days on the official calendar.
func (s *Service) Statistics(ctx context.Context, agencyID int64, year int) (Stats, error) {
	st := Stats{Year: year}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return st, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT channel, state, received_on, due_on, replied_on, satisfaction FROM concerns
		WHERE agency_id = $1 AND received_on >= $2 AND received_on < $3 AND state <> 'merged'`,
		agencyID, civil.New(year, 1, 1), civil.New(year+1, 1, 1))
	if err != nil {
		return st, err
	}
	defer rows.Close()
	byChannel := map[Channel]*ChannelStats{}
	days := map[Channel][]int{}
	months := make([]MonthStats, 12)
	today := s.today()
	for rows.Next() {
		var (
			ch                     Channel
			state                  State
			received, due, replied civil.Date
			rating                 int
		)
		if err := rows.Scan(&ch, &state, &received, &due, &replied, &rating); err != nil {
			return st, err
		}
		cs := byChannel[ch]
		if cs == nil {
			cs = &ChannelStats{Channel: ch}
			byChannel[ch] = cs
		}
		cs.Received++
		months[received.Month-1].Received++
		if state == Replied && !replied.IsZero() {
			cs.Replied++
			months[replied.Month-1].Replied += map[bool]int{true: 1, false: 0}[replied.Year == year]
			if n, err := cal.WorkingDaysBetween(received, replied); err == nil {
				days[ch] = append(days[ch], n)
			}
			if !due.IsZero() && replied.After(due) {
				cs.Overdue++
			}
		} else if state.Open() && !due.IsZero() && today.After(due) {
			cs.Overdue++
		}
		if rating > 0 {
			cs.Rated++
			if rating >= 2 {
				cs.Satisfied++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	var all []int
	for _, ch := range Channels {
		cs := byChannel[ch]
		if cs == nil {
			cs = &ChannelStats{Channel: ch}
		}
		cs.AvgDays, cs.P90Days = meanP90(days[ch])
		all = append(all, days[ch]...)
		st.Channels = append(st.Channels, *cs)
		st.Total.Received += cs.Received
		st.Total.Replied += cs.Replied
		st.Total.Overdue += cs.Overdue
		st.Total.Rated += cs.Rated
		st.Total.Satisfied += cs.Satisfied
	}
	st.Total.AvgDays, st.Total.P90Days = meanP90(all)
	peak := 1
	for _, m := range months {
		peak = max(peak, m.Received, m.Replied)
	}
	for i := range months {
		months[i].Month = i + 1
		months[i].ReceivedH = months[i].Received * 120 / peak
		months[i].RepliedH = months[i].Replied * 120 / peak
	}
	st.Months = months
	return st, nil
}

// meanP90 returns the mean and the 90th percentile (nearest rank).
func meanP90(xs []int) (float64, int) {
	if len(xs) == 0 {
		return 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	sum := 0
	for _, x := range s {
		sum += x
	}
	rank := int(math.Ceil(0.9*float64(len(s)))) - 1
	return float64(sum) / float64(len(s)), s[max(rank, 0)]
}

func (h *Handlers) stats(w http.ResponseWriter, r *http.Request) {
	a, ok := h.agencyOf(w, r)
	if !ok {
		return
	}
	today := h.svc.today()
	year := today.Year
	if s := r.URL.Query().Get("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > today.Year {
			h.app.ErrorPage(w, r, http.StatusBadRequest, "年度无效。")
			return
		}
		year = y
	}
	st, err := h.svc.Statistics(r.Context(), a.ID, year)
	if err != nil {
		h.app.Error(w, r, err)
		return
	}
	var years []int
	for y := today.Year; y >= today.Year-4; y-- {
		years = append(years, y)
	}
	v := h.view(r, a.ID, "互动交流统计", web.Crumb{Label: "互动交流统计"})
	v.Data = map[string]any{"Agency": a, "S": st, "Years": years}
	h.app.Render.Page(w, r, http.StatusOK, "concern/portal_stats", v)
}
