package pubstats_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/pubstats"
)

func TestParseYear(t *testing.T) {
	today := civil.MustParse("2026-11-30")
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 2026}, {"2026", 2026}, {"2025", 2025}, {"2008", 2008},
	} {
		got, err := pubstats.ParseYear(tc.in, today)
		if err != nil || got != tc.want {
			t.Errorf("ParseYear(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"abc", "1800", "2007", "2027", "9999", "0", "-2025", "02025", " 2025", "2025 ", "2025.0", "２０２５",
		"2025' OR 1=1 --", "<script>alert(1)</script>", "2025;DROP TABLE items", "1e3", "+202", "20 5"} {
		_, err := pubstats.ParseYear(bad, today)
		msg := apperr.FieldsOf(err)["year"]
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(msg, "年度应为 2008 至 2026") {
			t.Errorf("ParseYear(%q): %v (%q)", bad, err, msg)
		}
	}
	if ys := pubstats.Years(today); len(ys) != 10 || ys[0] != 2026 || ys[9] != 2017 {
		t.Errorf("years %v", ys)
	}
	if ys := pubstats.Years(civil.MustParse("2010-01-01")); len(ys) != 3 || ys[2] != 2008 {
		t.Errorf("years from 2010: %v", ys)
	}
}

func TestPercentAndDays(t *testing.T) {
	if p := pubstats.Percent(2, 3); p == nil || *p != 66.7 {
		t.Errorf("2/3 = %v", p)
	}
	if pubstats.Percent(0, 0) != nil || pubstats.Days(3.2, 0) != nil {
		t.Error("no cases should give null")
	}
	if d := pubstats.Days(7.25, 4); d == nil || *d != 7.3 {
		t.Errorf("days %v", d)
	}
}

// lookup resolves a Figure key ("a.b.0.c") in decoded JSON.
func lookup(v any, key string) (any, bool) {
	for _, part := range strings.Split(key, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// sample is a full set of figures with hostile names.
func sample(t *testing.T) *pubstats.Statistics {
	t.Helper()
	svc := pubstats.NewService(pubstats.Deps{Items: fakeItems{}, Applications: fakeApps{}, Interactions: fakeInteractions{}, Consultations: fakeConsultations{},
		Now: func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, civil.Shanghai) }})
	st, err := svc.Statistics(context.Background(), pubstats.AgencyRef{ID: 1, Slug: "a", Name: "甲局"}, 2025)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Every figure of the CSV is the number at its key in the JSON.
func TestFiguresMatchJSON(t *testing.T) {
	st := sample(t)
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	figs := st.Figures()
	keys := map[string]bool{}
	for _, f := range figs {
		if keys[f.Key] {
			t.Errorf("key %s twice", f.Key)
		}
		keys[f.Key] = true
		v, ok := lookup(doc, f.Key)
		if !ok {
			t.Errorf("%s (%s): no such key in the JSON", f.Key, f.Label)
			continue
		}
		switch x := v.(type) {
		case nil:
			if f.Value != "" {
				t.Errorf("%s: CSV %q, JSON null", f.Key, f.Value)
			}
		case float64:
			got, err := strconv.ParseFloat(f.Value, 64)
			if err != nil || got != x {
				t.Errorf("%s: CSV %q, JSON %v", f.Key, f.Value, x)
			}
		default:
			t.Errorf("%s: JSON %T", f.Key, v)
		}
	}
	// Spot checks of the hand-set sample.
	want := map[string]string{"items.total": "7", "items.months.2.count": "4", "items.columns.0.count": "5",
		"applications.response.average_days": "7.3", "applications.response.max_days": "19", "applications.response.within_limit_percent": "75.0",
		"interactions.average_days": "", "interactions.channels.1.received": "2", "consultations.participants": "3"}
	for _, f := range figs {
		if w, ok := want[f.Key]; ok {
			if f.Value != w {
				t.Errorf("%s = %q, want %q", f.Key, f.Value, w)
			}
			delete(want, f.Key)
		}
	}
	if len(want) > 0 {
		t.Errorf("figures missing: %v", want)
	}
	if !st.Complete || st.AsOf != civil.MustParse("2026-11-30") || len(st.Items.Months) != 12 || len(st.Interactions.Months) != 12 {
		t.Errorf("statistics: complete %v as of %s, %d/%d months", st.Complete, st.AsOf, len(st.Items.Months), len(st.Interactions.Months))
	}
}

type fakeItems struct{}

func (fakeItems) Published(_ context.Context, _ int64, year int) (pubstats.ItemStats, error) {
	st := pubstats.ItemStats{Total: 7, Columns: []pubstats.ColumnCount{{Slug: "zcwj", Name: "政策文件", Parent: "法定主动公开内容", URL: "/o/a/gk/zcwj", Count: 5},
		{Slug: "x", Name: `<script>alert("x")</script>`, URL: "/o/a/gk/x", Count: 3}},
		FivePublics: []pubstats.NamedCount{{Key: "decision", Label: "决策公开", Count: 2}}}
	for m := 1; m <= 12; m++ {
		st.Months = append(st.Months, pubstats.MonthCount{Month: m})
	}
	st.Months[0].Count, st.Months[2].Count, st.Months[11].Count = 2, 4, 1
	return st, nil
}

func (fakeItems) EachEntry(context.Context, int64, func(*pubstats.CatalogueEntry) error) error {
	return nil
}

type fakeApps struct{}

func (fakeApps) Year(context.Context, int64, int) (pubstats.ApplicationStats, error) {
	max := 19
	return pubstats.ApplicationStats{Received: 4, CarriedOver: 1, Processed: 4, CarriedForward: 1,
		Outcomes: []pubstats.NamedCount{{Key: "granted", Label: "予以公开", Count: 3}, {Key: "other", Label: "其他处理", Count: 1}},
		Response: pubstats.Response{Replied: 4, AverageDays: pubstats.Days(29.0/4, 4), MaxDays: &max, Within20Days: 4, Within20DaysPercent: pubstats.Percent(4, 4),
			WithinLimit: 3, WithinLimitPercent: pubstats.Percent(3, 4)}}, nil
}

type fakeInteractions struct{}

// No months: the service fills the twelve.
func (fakeInteractions) Year(context.Context, int64, int) (pubstats.InteractionStats, error) {
	return pubstats.InteractionStats{Received: 2, Channels: []pubstats.ChannelStats{{Key: "mailbox", Label: "领导信箱"}, {Key: "board", Label: "留言板", Received: 2}}}, nil
}

type fakeConsultations struct{}

func (fakeConsultations) Year(context.Context, int64, int) (pubstats.ConsultationStats, error) {
	return pubstats.ConsultationStats{Held: 1, Comments: 4, Participants: 3, Consultations: []pubstats.ConsultationItem{{Title: "关于某办法的征求意见", Comments: 4, Participants: 3}}}, nil
}
