package calendar_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
)

func TestParseArrangement(t *testing.T) {
	text := "\uFEFF日期,类型,名称\n" +
		"# 国务院办公厅关于2026年部分节假日安排的通知\n" +
		"2026-01-01,休,元旦\r\n" +
		"2026-01-02，放假，元旦\n" +
		"2026/1/3\toff\t元旦\n" +
		"2026-01-04\t班\t元旦\n" +
		"\n" +
		"2026-02-14 班 春节\n" +
		"2026年2月15日~2026年2月23日 休 春节\n" +
		"２０２６－０２－２８ 上班 春节\n" +
		"2026-09-20,makeup\n"
	days, err := calendar.ParseArrangement(text)
	if err != nil {
		t.Fatalf("%v %v", err, apperr.FieldsOf(err))
	}
	if len(days) != 16 {
		t.Fatalf("got %d days: %v", len(days), days)
	}
	want := map[string]calendar.Day{
		"2026-01-01": {Kind: calendar.Off, Name: "元旦"},
		"2026-01-02": {Kind: calendar.Off, Name: "元旦"},
		"2026-01-03": {Kind: calendar.Off, Name: "元旦"},
		"2026-01-04": {Kind: calendar.MakeUp, Name: "元旦"},
		"2026-02-14": {Kind: calendar.MakeUp, Name: "春节"},
		"2026-02-15": {Kind: calendar.Off, Name: "春节"},
		"2026-02-23": {Kind: calendar.Off, Name: "春节"},
		"2026-02-28": {Kind: calendar.MakeUp, Name: "春节"},
		"2026-09-20": {Kind: calendar.MakeUp, Name: ""},
	}
	for _, day := range days {
		if w, ok := want[day.Date.String()]; ok && (w.Kind != day.Kind || w.Name != day.Name) {
			t.Errorf("%s: got %s %q, want %s %q", day.Date, day.Kind, day.Name, w.Kind, w.Name)
		}
	}
	if !slices.IsSortedFunc(days, func(a, b calendar.Day) int { return a.Date.Compare(b.Date) }) {
		t.Error("days not sorted")
	}
}

func TestParseArrangementErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want []string
	}{
		{"empty", "\n# nothing\n", []string{"没有读到任何日期"}},
		{"bad date", "2026-13-01,休,元旦", []string{"第 1 行：无法识别日期“2026-13-01”"}},
		{"missing kind", "2026-01-01", []string{"第 1 行：缺少类型"}},
		{"unknown kind", "2026-01-01,假期调整,元旦", []string{"第 1 行：无法识别类型“假期调整”"}},
		{"duplicate", "2026-01-01,休,元旦\n2026-01-01,班,元旦", []string{"第 2 行：2026-01-01 与第 1 行重复"}},
		{"range overlap", "2026-02-15~2026-02-23,休,春节\n2026-02-20,休,春节", []string{"第 2 行：2026-02-20 与第 1 行重复"}},
		{"reversed range", "2026-02-23至2026-02-15,休,春节", []string{"第 1 行：日期范围“2026-02-23至2026-02-15”的结束日期早于开始日期"}},
		{"long range", "2026-01-01~2026-03-01,休,春节", []string{"超过 31 天"}},
		{"missing date", ",休,元旦", []string{"第 1 行：缺少日期"}},
		{"several lines", "2026-01-01,休,元旦\nfoo\n2026-01-04,班,元旦\n2026-02-30,休", []string{"第 2 行：", "第 4 行："}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, err := calendar.ParseArrangement(tc.text)
			if err == nil {
				t.Fatalf("no error, days %v", days)
			}
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("error %v is not invalid", err)
			}
			msg := apperr.FieldsOf(err)["arrangement"]
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestFormatArrangementRoundTrip(t *testing.T) {
	for _, a := range calendar.EmbeddedArrangements() {
		text := calendar.FormatArrangement(a.Days)
		back, err := calendar.ParseArrangement(text)
		if err != nil {
			t.Fatalf("%d: %v %v", a.Year, err, apperr.FieldsOf(err))
		}
		if !slices.Equal(back, a.Days) {
			t.Errorf("%d: round trip differs", a.Year)
		}
	}
	got := calendar.FormatArrangement([]calendar.Day{
		{Date: d("2026-01-04"), Kind: calendar.MakeUp},
		{Date: d("2026-01-01"), Kind: calendar.Off, Name: "元旦"},
	})
	if got != "2026-01-01,休,元旦\n2026-01-04,班\n" {
		t.Errorf("FormatArrangement = %q", got)
	}
}

func TestValidateArrangement(t *testing.T) {
	day := func(date string, k calendar.Kind, name string) calendar.Day {
		return calendar.Day{Date: d(date), Kind: k, Name: name}
	}
	ok := []calendar.Day{day("2026-01-01", calendar.Off, "元旦"), day("2026-01-04", calendar.MakeUp, "元旦")}
	if err := calendar.ValidateArrangement(calendar.Arrangement{Year: 2026, Days: ok}); err != nil {
		t.Fatalf("valid arrangement rejected: %v", apperr.FieldsOf(err))
	}
	boundary := []calendar.Day{day("2022-12-31", calendar.Off, "元旦"), day("2023-01-01", calendar.Off, "元旦")}
	if err := calendar.ValidateArrangement(calendar.Arrangement{Year: 2023, Days: boundary}); err != nil {
		t.Fatalf("boundary day rejected: %v", apperr.FieldsOf(err))
	}
	for _, tc := range []struct {
		name  string
		year  int
		days  []calendar.Day
		field string
		want  string
	}{
		{"year out of range", 1999, ok, "year", "年份须在 2000 至 2100 之间"},
		{"no days", 2026, nil, "days", "请至少填写一天"},
		{"other year", 2026, []calendar.Day{day("2025-10-01", calendar.Off, "国庆节")}, "days", "2025-10-01 不在 2026 年内"},
		{"next year", 2026, []calendar.Day{day("2027-01-01", calendar.Off, "元旦")}, "days", "2027-01-01 不在 2026 年内"},
		{"too early in December", 2026, []calendar.Day{day("2025-12-17", calendar.Off, "元旦")}, "days", "不在 2026 年内"},
		{"make-up on a weekday", 2026, []calendar.Day{day("2026-01-05", calendar.MakeUp, "元旦")}, "days", "2026-01-05 是星期一，调休上班日须为周六或周日"},
		{"unnamed weekend off", 2026, []calendar.Day{day("2026-01-10", calendar.Off, "")}, "days", "2026-01-10 是星期六，本来就休息"},
		{"both kinds", 2026, []calendar.Day{day("2026-01-03", calendar.Off, "元旦"), day("2026-01-03", calendar.MakeUp, "元旦")}, "days", "不能既放假又调休上班"},
		{"duplicate", 2026, []calendar.Day{day("2026-01-01", calendar.Off, "元旦"), day("2026-01-01", calendar.Off, "元旦")}, "days", "2026-01-01 重复填写"},
		{"bad kind", 2026, []calendar.Day{day("2026-01-01", "holiday", "元旦")}, "days", "类型须为“休”或“班”"},
		{"impossible date", 2026, []calendar.Day{{Date: civil.Date{Year: 2026, Month: time.February, Day: 30}, Kind: calendar.Off}}, "days", "第 1 项的日期无效"},
		{"comma in name", 2026, []calendar.Day{day("2026-01-01", calendar.Off, "元旦,新年")}, "days", "不能包含逗号"},
		{"long name", 2026, []calendar.Day{day("2026-01-01", calendar.Off, strings.Repeat("节", 31))}, "days", "节日名称过长"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := calendar.ValidateArrangement(calendar.Arrangement{Year: tc.year, Days: tc.days})
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("error %v", err)
			}
			if msg := apperr.FieldsOf(err)[tc.field]; !strings.Contains(msg, tc.want) {
				t.Errorf("field %s = %q, want it to contain %q (all: %v)", tc.field, msg, tc.want, apperr.FieldsOf(err))
			}
		})
	}
}

// FuzzParseArrangement: pasted text never panics, and whatever parses
// survives a Format/Parse round trip.
func FuzzParseArrangement(f *testing.F) {
	f.Add("2026-01-01,休,元旦\n2026-01-04\t班\t元旦\n2026-02-14 班 春节")
	f.Add("日期,类型,名称\n2026年2月15日至2026年2月23日,放假,春节")
	f.Add("２０２６／１／１，off")
	f.Add("2026-02-15~2026-02-23 休 春节\n# x\n\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		days, err := calendar.ParseArrangement(text)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		back, err := calendar.ParseArrangement(calendar.FormatArrangement(days))
		if err != nil {
			t.Fatalf("formatted text does not parse: %v %v", err, apperr.FieldsOf(err))
		}
		if !slices.Equal(back, days) {
			t.Fatalf("round trip differs:\n%v\n%v", days, back)
		}
	})
}
