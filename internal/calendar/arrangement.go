package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

// Validation limits for arrangements entered by administrators.
const (
	MinYear       = 2000
	MaxYear       = 2100
	maxNameRunes  = 30
	maxSourceLen  = 1000
	maxProblems   = 20
	maxRangeDays  = 31
	maxImportDays = 400
)

// ValidateArrangement checks an arrangement entered by an administrator (or
// shipped with the binary) before it replaces a year:
//
//   - every date is real and lies in the year, or from December 18 of the
//     previous year on (a notice may start the 元旦 block there, §8.2);
//   - no date is listed twice, and none is both off and make-up;
//   - make-up working days are Saturdays or Sundays (a weekday is a working
//     day anyway; 《全国年节及纪念日放假办法》 Art. 7 moves weekend rest days);
//   - a Saturday or Sunday listed as off carries the holiday's name (an
//     ordinary weekend needs no entry);
//   - names are short and contain no separator of the import format.
//
// Problems come back as apperr.FieldErrors with Chinese messages under the
// keys "year", "source" and "days".
func ValidateArrangement(a Arrangement) error {
	fields := map[string]string{}
	if a.Year < MinYear || a.Year > MaxYear {
		fields["year"] = fmt.Sprintf("年份须在 %d 至 %d 之间。", MinYear, MaxYear)
	}
	if len(a.Source) > maxSourceLen {
		fields["source"] = fmt.Sprintf("来源说明过长（最多 %d 个字节）。", maxSourceLen)
	}
	var problems []string
	report := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	if len(a.Days) == 0 {
		report("请至少填写一天放假或调休上班安排")
	}
	if len(a.Days) > maxImportDays {
		report("安排的天数过多（最多 %d 天）", maxImportDays)
	}
	seen := map[civil.Date]Kind{}
	for i, d := range a.Days {
		if !validDate(d.Date) {
			report("第 %d 项的日期无效", i+1)
			continue
		}
		if _, ok := fields["year"]; !ok && (d.Date.Before(boundaryFrom(a.Year)) || d.Date.Year > a.Year) {
			report("%s 不在 %d 年内（跨年的元旦安排最早可从上一年 12 月 18 日开始）", d.Date, a.Year)
		}
		wd := WeekdayName(d.Date.Weekday())
		switch d.Kind {
		case Off:
			if isWeekend(d.Date.Weekday()) && strings.TrimSpace(d.Name) == "" {
				report("%s 是%s，本来就休息；如属节日放假，请填写节日名称", d.Date, wd)
			}
		case MakeUp:
			if !isWeekend(d.Date.Weekday()) {
				report("%s 是%s，调休上班日须为周六或周日", d.Date, wd)
			}
		default:
			report("%s 的类型须为“休”或“班”", d.Date)
		}
		if k, dup := seen[d.Date]; dup {
			if k == d.Kind {
				report("%s 重复填写", d.Date)
			} else {
				report("%s 不能既放假又调休上班", d.Date)
			}
		}
		seen[d.Date] = d.Kind
		if msg := checkName(d.Name); msg != "" {
			report("%s 的%s", d.Date, msg)
		}
	}
	if len(problems) > 0 {
		if len(problems) > maxProblems {
			problems = append(problems[:maxProblems], fmt.Sprintf("……另有 %d 处问题", len(problems)-maxProblems))
		}
		fields["days"] = strings.Join(problems, "；") + "。"
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return nil
}

func checkName(name string) string {
	if utf8.RuneCountInString(name) > maxNameRunes {
		return fmt.Sprintf("节日名称过长（最多 %d 个字）", maxNameRunes)
	}
	for _, r := range name {
		if r == ',' || r == '，' || unicode.IsControl(r) {
			return "节日名称不能包含逗号、制表符或换行"
		}
	}
	if name != strings.TrimSpace(name) {
		return "节日名称首尾不能有空格"
	}
	return ""
}

// ParseArrangement reads an arrangement pasted from the State Council
// notice's table or a spreadsheet, one day (or range of days) per line:
//
//	2026-01-01,休,元旦
//	2026-01-04	班	元旦
//	2026-02-14 班 春节
//	2026-02-15~2026-02-23 休 春节
//
// Fields are separated by a tab, a comma (, or ，) or spaces; the kind is
// 休/放假/off for a day off and 班/上班/调休上班/makeup for a make-up working
// day; the name is optional. Dates may be written 2026-1-4, 2026/1/4,
// 2026.1.4 or 2026年1月4日; a range (~, ～, 至 or 到) covers at most 31 days.
// Blank lines, lines starting with # and a header line (日期,类型,名称) are
// ignored. All errors are reported at once with their line numbers, under
// the field key "arrangement". ParseArrangement checks syntax and duplicates
// only; ValidateArrangement checks the rules.
func ParseArrangement(text string) ([]Day, error) {
	text = strings.TrimPrefix(text, "\uFEFF")
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	var (
		days     []Day
		problems []string
		lineOf   = map[civil.Date]int{}
		started  bool
	)
	report := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("第 %d 行：", line)+fmt.Sprintf(format, args...))
	}
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		line := strings.TrimSpace(foldWidth(raw))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := splitFields(line)
		if !started {
			started = true
			if _, _, err := parseDateRange(fields[0]); err != nil && isHeader(fields[0]) {
				continue
			}
		}
		from, to, err := parseDateRange(fields[0])
		if err != nil {
			report(n, "%s", err.Error())
			continue
		}
		if len(fields) < 2 || fields[1] == "" {
			report(n, "缺少类型，请填写“休”或“班”")
			continue
		}
		kind, ok := parseKind(fields[1])
		if !ok {
			report(n, "无法识别类型“%s”，请填写“休”（放假）或“班”（调休上班）", fields[1])
			continue
		}
		name := strings.TrimSpace(strings.Join(fields[2:], " "))
		if msg := checkName(name); msg != "" {
			report(n, "%s", msg)
			continue
		}
		for d := from; !d.After(to); d = d.AddDays(1) {
			if prev, dup := lineOf[d]; dup {
				report(n, "%s 与第 %d 行重复", d, prev)
				continue
			}
			lineOf[d] = n
			days = append(days, Day{Date: d, Kind: kind, Name: name})
		}
		if len(days) > maxImportDays {
			report(n, "天数过多（最多 %d 天），其余各行未读取", maxImportDays)
			break
		}
	}
	if len(problems) == 0 && len(days) == 0 {
		problems = append(problems, "没有读到任何日期，请每行填写一天，例如：2026-01-01,休,元旦")
	}
	if len(problems) > 0 {
		if len(problems) > maxProblems {
			problems = append(problems[:maxProblems], fmt.Sprintf("……另有 %d 处错误", len(problems)-maxProblems))
		}
		return nil, apperr.FieldErrors(map[string]string{"arrangement": strings.Join(problems, "；") + "。"})
	}
	sortDays(days)
	return days, nil
}

// FormatArrangement writes days in the form ParseArrangement reads, one line
// per day in date order: 2026-01-01,休,元旦.
func FormatArrangement(days []Day) string {
	days = slices.Clone(days)
	sortDays(days)
	var b strings.Builder
	for _, d := range days {
		b.WriteString(d.Date.String())
		b.WriteByte(',')
		b.WriteString(d.Kind.Label())
		if d.Name != "" {
			b.WriteByte(',')
			b.WriteString(d.Name)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// foldWidth turns full-width digits and date punctuation into ASCII, as
// Chinese documents and spreadsheets often contain them.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '－':
			return '-'
		case r == '／':
			return '/'
		case r == '．':
			return '.'
		}
		return r
	}, s)
}

func splitFields(line string) []string {
	var parts []string
	switch {
	case strings.Contains(line, "\t"):
		parts = strings.Split(line, "\t")
	case strings.ContainsAny(line, ",，"):
		parts = strings.Split(strings.ReplaceAll(line, "，", ","), ",")
	default:
		parts = strings.Fields(line)
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		out = append(out, strings.TrimSpace(p))
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

func isHeader(field string) bool {
	f := strings.ToLower(field)
	return strings.Contains(f, "日期") || strings.Contains(f, "date")
}

var rangeSeparators = []string{"~", "～", "至", "到"}

func parseDateRange(s string) (from, to civil.Date, err error) {
	for _, sep := range rangeSeparators {
		if a, b, ok := strings.Cut(s, sep); ok {
			if from, err = parseDate(strings.TrimSpace(a)); err != nil {
				return
			}
			if to, err = parseDate(strings.TrimSpace(b)); err != nil {
				return
			}
			switch {
			case to.Before(from):
				err = fmt.Errorf("日期范围“%s”的结束日期早于开始日期", s)
			case from.DaysUntil(to) >= maxRangeDays:
				err = fmt.Errorf("日期范围“%s”超过 %d 天", s, maxRangeDays)
			}
			return
		}
	}
	from, err = parseDate(s)
	return from, from, err
}

var dateLayouts = []string{"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日"}

func parseDate(s string) (civil.Date, error) {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			d := civil.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
			if validDate(d) {
				return d, nil
			}
		}
	}
	if s == "" {
		return civil.Date{}, fmt.Errorf("缺少日期")
	}
	return civil.Date{}, fmt.Errorf("无法识别日期“%s”，请写成 2026-01-01 的形式", s)
}

func parseKind(s string) (Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "休", "休息", "放假", "假", "off", "holiday", "rest":
		return Off, true
	case "班", "上班", "调休上班", "补班", "makeup", "make-up", "work", "workday":
		return MakeUp, true
	}
	return "", false
}
