package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
)

func init() {
	register("workdays", "工作日计算 (statutory working-day calculator)", runWorkdays)
}

// loadWorkdayCalendar returns the calendar the workdays command counts in.
// It is a variable so that the composition root can make it read the
// database (with the administrators' edits) instead of the shipped data.
var loadWorkdayCalendar = func(ctx context.Context, e env) (*calendar.Calendar, error) {
	return calendar.Embedded(), nil
}

const workdaysUsage = `Usage: gongkai workdays <subcommand> [flags]

Statutory working days (工作日): Monday–Friday, minus the statutory days off,
plus the make-up working days (调休上班) of the State Council's yearly notice.
The start day is not counted: the 1st working day is the first one after it.

Subcommands:
  add      --from DATE --days N [--pause FROM~TO]... [--explain]
           the N-th working day after DATE (e.g. the Art. 33 reply deadline)
  between  --from DATE --to DATE [--explain]
           the number of working days in (from, to]
  is       --date DATE
           whether DATE is a working day, and why
  show     --year YEAR [--csv]
           the year's arrangement (--csv: the import format 2026-01-01,休,元旦)

Dates are YYYY-MM-DD. --explain lists every counted day and every holiday
skipped. Years whose arrangement is not known follow Monday–Friday; results
that depend on them are marked as provisional.
`

func runWorkdays(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.Stderr, workdaysUsage)
		return errUsage
	}
	sub, rest := args[0], args[1:]
	var run func(context.Context, env, []string) error
	switch sub {
	case "add":
		run = workdaysAdd
	case "between":
		run = workdaysBetween
	case "is":
		run = workdaysIs
	case "show":
		run = workdaysShow
	case "-h", "--help", "help":
		fmt.Fprint(e.Stdout, workdaysUsage)
		return nil
	default:
		fmt.Fprintf(e.Stderr, "gongkai workdays: unknown subcommand %q\n\n%s", sub, workdaysUsage)
		return errUsage
	}
	err := run(ctx, e, rest)
	if apperr.Is(err, apperr.Invalid) {
		// Input the calendar refused (n out of range, a reversed pause…).
		fmt.Fprintf(e.Stderr, "gongkai workdays %s: %s\n", sub, apperr.MessageOf(err))
		return errUsage
	}
	return err
}

// workdaysFlags parses args for one subcommand; ok is false when the caller
// should return (help printed: err nil; bad flags: errUsage).
func workdaysFlags(e env, fs *flag.FlagSet, args []string) (ok bool, err error) {
	fs.SetOutput(e.Stderr)
	fs.StringVar(&workdaysSource.data, "data", "", "count in the calendar of this data folder [GONGKAI_DATA]")
	fs.StringVar(&workdaysSource.url, "database-url", "", "count in the calendar of this PostgreSQL database [GONGKAI_DATABASE_URL]")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, nil
		}
		return false, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Stderr, "gongkai %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return false, errUsage
	}
	return true, nil
}

// dateFlag is a required YYYY-MM-DD flag.
type dateFlag struct{ d civil.Date }

func (f *dateFlag) String() string { return f.d.String() }
func (f *dateFlag) Set(s string) error {
	d, err := civil.Parse(s)
	if err != nil {
		return fmt.Errorf("日期须为 YYYY-MM-DD 形式，如 2025-01-23")
	}
	f.d = d
	return nil
}

func requireDates(e env, fs *flag.FlagSet, flags map[string]*dateFlag) error {
	for _, name := range []string{"from", "to", "date"} {
		if f, ok := flags[name]; ok && f.d.IsZero() {
			fmt.Fprintf(e.Stderr, "gongkai %s: 请用 --%s 指定日期（YYYY-MM-DD）\n", fs.Name(), name)
			fs.Usage()
			return errUsage
		}
	}
	return nil
}

func workdaysAdd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("workdays add", flag.ContinueOnError)
	var from dateFlag
	fs.Var(&from, "from", "起算日期 `DATE`（不计入）")
	days := -1
	fs.Func("days", "工作日天数 `N`（0 至 1000）", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("须为整数")
		}
		days = n
		return nil
	})
	explain := fs.Bool("explain", false, "逐日列出计入的工作日和跳过的节假日")
	var pauses []calendar.Interval
	fs.Func("pause", "暂停计算的区间 `FROM~TO`（含首尾，可重复；如征求第三方意见期间，条例第三十三条）", func(s string) error {
		a, b, ok := strings.Cut(s, "~")
		if !ok {
			return fmt.Errorf("暂停区间须写成 FROM~TO，如 2025-02-10~2025-02-14")
		}
		f, err1 := civil.Parse(strings.TrimSpace(a))
		t, err2 := civil.Parse(strings.TrimSpace(b))
		if err1 != nil || err2 != nil {
			return fmt.Errorf("暂停区间的日期须为 YYYY-MM-DD 形式")
		}
		pauses = append(pauses, calendar.Interval{From: f, To: t})
		return nil
	})
	if ok, err := workdaysFlags(e, fs, args); !ok {
		return err
	}
	if err := requireDates(e, fs, map[string]*dateFlag{"from": &from}); err != nil {
		return err
	}
	if days < 0 {
		fmt.Fprintf(e.Stderr, "gongkai workdays add: 请用 --days 指定工作日天数（0 至 %d）\n", calendar.MaxWorkingDays)
		fs.Usage()
		return errUsage
	}
	cal, err := loadWorkdayCalendar(ctx, e)
	if err != nil {
		return err
	}
	if !*explain {
		r, err := cal.Deadline(from.d, days, pauses)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, r.Due)
		workdaysWarn(e.Stderr, r.Uncovered)
		return nil
	}
	x, err := cal.ExplainDeadline(from.d, days, pauses)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "起算日 %s %s（不计入），加 %d 个工作日：\n", from.d, calendar.WeekdayName(from.d.Weekday()), days)
	workdaysSteps(e.Stdout, x)
	fmt.Fprintf(e.Stdout, "到期日：%s %s\n", x.To, calendar.WeekdayName(x.To.Weekday()))
	workdaysWarn(e.Stdout, x.Uncovered)
	return nil
}

func workdaysBetween(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("workdays between", flag.ContinueOnError)
	var from, to dateFlag
	fs.Var(&from, "from", "开始日期 `DATE`（不计入）")
	fs.Var(&to, "to", "结束日期 `DATE`（计入）")
	explain := fs.Bool("explain", false, "逐日列出计入的工作日和跳过的节假日")
	if ok, err := workdaysFlags(e, fs, args); !ok {
		return err
	}
	if err := requireDates(e, fs, map[string]*dateFlag{"from": &from, "to": &to}); err != nil {
		return err
	}
	cal, err := loadWorkdayCalendar(ctx, e)
	if err != nil {
		return err
	}
	n, err := cal.WorkingDaysBetween(from.d, to.d)
	if err != nil {
		return err
	}
	lo, hi := from.d, to.d
	if hi.Before(lo) {
		lo, hi = hi, lo
	}
	if !*explain {
		fmt.Fprintln(e.Stdout, n)
		workdaysWarn(e.Stderr, cal.Uncovered(lo, hi))
		return nil
	}
	x, err := cal.ExplainBetween(lo, hi)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s %s（不计入）至 %s %s（计入）：\n", lo, calendar.WeekdayName(lo.Weekday()), hi, calendar.WeekdayName(hi.Weekday()))
	workdaysSteps(e.Stdout, x)
	fmt.Fprintf(e.Stdout, "工作日：%d 天\n", n)
	workdaysWarn(e.Stdout, x.Uncovered)
	return nil
}

func workdaysIs(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("workdays is", flag.ContinueOnError)
	var date dateFlag
	fs.Var(&date, "date", "日期 `DATE`")
	if ok, err := workdaysFlags(e, fs, args); !ok {
		return err
	}
	if err := requireDates(e, fs, map[string]*dateFlag{"date": &date}); err != nil {
		return err
	}
	cal, err := loadWorkdayCalendar(ctx, e)
	if err != nil {
		return err
	}
	info := cal.Describe(date.d)
	status := "休息日"
	if info.Working {
		status = "工作日"
	}
	var reason string
	switch {
	case info.Kind == calendar.MakeUp:
		reason = "调休上班"
	case info.Kind == calendar.Off:
		reason = "放假"
	case !info.Working:
		reason = "周末"
	}
	if reason != "" && info.Name != "" {
		reason += "（" + info.Name + "）"
	}
	line := fmt.Sprintf("%s %s：%s", date.d, calendar.WeekdayName(info.Weekday), status)
	if reason != "" {
		line += "，" + reason
	}
	fmt.Fprintln(e.Stdout, line)
	if info.Presumed {
		workdaysWarn(e.Stdout, cal.Uncovered(date.d.AddDays(-1), date.d))
	}
	return nil
}

func workdaysShow(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("workdays show", flag.ContinueOnError)
	year := fs.Int("year", 0, "年份 `YEAR`")
	csv := fs.Bool("csv", false, "以导入格式输出（日期,休/班,名称）")
	if ok, err := workdaysFlags(e, fs, args); !ok {
		return err
	}
	if *year == 0 {
		fmt.Fprintln(e.Stderr, "gongkai workdays show: 请用 --year 指定年份")
		fs.Usage()
		return errUsage
	}
	cal, err := loadWorkdayCalendar(ctx, e)
	if err != nil {
		return err
	}
	a, ok := cal.Arrangement(*year)
	if !ok {
		var known []string
		for _, y := range cal.Years() {
			known = append(known, strconv.Itoa(y))
		}
		return fmt.Errorf("%d 年的放假安排尚未录入，该年按周一至周五计算（已有：%s）", *year, strings.Join(known, "、"))
	}
	if *csv {
		fmt.Fprint(e.Stdout, calendar.FormatArrangement(a.Days))
		return nil
	}
	fmt.Fprintf(e.Stdout, "%d 年放假安排", a.Year)
	if a.Source != "" {
		fmt.Fprintf(e.Stdout, "（来源：%s）", a.Source)
	}
	fmt.Fprintln(e.Stdout)
	for _, d := range a.Days {
		fmt.Fprintf(e.Stdout, "%s %s  %s  %s\n", d.Date, calendar.WeekdayName(d.Date.Weekday()), d.Kind.Label(), d.Name)
	}
	first := civil.Date{Year: a.Year, Month: 1, Day: 1}
	n, err := cal.WorkingDaysBetween(first.AddDays(-1), civil.Date{Year: a.Year, Month: 12, Day: 31})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "全年工作日：%d 天\n", n)
	return nil
}

// workdaysSteps prints the counted days, the holidays and paused days
// skipped, and how many ordinary weekend days were skipped.
func workdaysSteps(w io.Writer, x calendar.Explanation) {
	weekends := 0
	for _, s := range x.Steps {
		mark := "-"
		switch {
		case s.Counted():
			mark = strconv.Itoa(s.N)
		case s.Kind == "" && !s.Paused:
			weekends++
			continue
		}
		fmt.Fprintf(w, "%4s  %s %s  %s\n", mark, s.Date, calendar.WeekdayName(s.Weekday), s.Reason())
	}
	if weekends > 0 {
		fmt.Fprintf(w, "（另有 %d 天普通周末不计）\n", weekends)
	}
}

// workdaysWarn says that a result depends on years whose arrangement is not
// known yet.
func workdaysWarn(w io.Writer, years []int) {
	if len(years) == 0 {
		return
	}
	ys := make([]string, len(years))
	for i, y := range years {
		ys[i] = strconv.Itoa(y)
	}
	fmt.Fprintf(w, "注意：%s 年的放假安排尚未公布或录入，相关日期按周一至周五推定；公布后须重新计算。\n", strings.Join(ys, "、"))
}
