package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
)

func runWorkdaysCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = run(context.Background(), e, append([]string{"workdays"}, args...))
	return code, out.String(), errb.String()
}

func TestWorkdaysCLI(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // exact, unless contains is set
		has    []string
		stderr []string
		quiet  bool // stderr must be empty
	}{
		{name: "add §8.4", args: []string{"add", "--from", "2025-01-23", "--days", "20"}, stdout: "2025-02-26\n"},
		{name: "add 7 WD", args: []string{"add", "--from", "2025-01-23", "--days", "7"}, stdout: "2025-02-08\n"},
		{name: "add across 国庆 2025", args: []string{"add", "--from=2025-09-26", "--days=20"}, stdout: "2025-10-30\n"},
		{name: "add with pause", args: []string{"add", "--from", "2025-01-23", "--days", "20", "--pause", "2025-02-10~2025-02-14"}, stdout: "2025-03-05\n"},
		// 2027-12-30 is a Thursday: 12-31, then 2028-01-03 (Mon) … 01-06 (Thu), presumed.
		{name: "add into 2028 warns on stderr", args: []string{"add", "--from", "2027-12-30", "--days", "5"}, stdout: "2028-01-06\n",
			stderr: []string{"2028 年的放假安排尚未公布"}},
		// 2026-12-30 is a Wednesday: 12-31, then 元旦 2027-01-01 … 01-03 off, 01-04 … 01-07.
		{name: "add into 2027 is final", args: []string{"add", "--from", "2026-12-30", "--days", "5"}, stdout: "2027-01-07\n", quiet: true},
		{name: "add across 春节 2027", args: []string{"add", "--from", "2027-01-28", "--days", "20"}, stdout: "2027-03-03\n", quiet: true},
		{name: "between across 春节 2027", args: []string{"between", "--from", "2027-01-28", "--to", "2027-02-15"}, stdout: "8\n", quiet: true},
		{name: "between", args: []string{"between", "--from", "2025-01-24", "--to", "2025-02-08"}, stdout: "6\n"},
		{name: "between reversed", args: []string{"between", "--from", "2025-02-08", "--to", "2025-01-24"}, stdout: "-6\n"},
		{name: "add explain", args: []string{"add", "--from", "2025-01-23", "--days", "7", "--explain"}, has: []string{
			"起算日 2025-01-23 星期四（不计入），加 7 个工作日：\n",
			"   1  2025-01-24 星期五  工作日\n",
			"   2  2025-01-26 星期日  调休上班（春节）\n",
			"   -  2025-01-28 星期二  放假（春节）\n",
			"   7  2025-02-08 星期六  调休上班（春节）\n",
			"（另有 1 天普通周末不计）\n",
			"到期日：2025-02-08 星期六\n",
		}},
		{name: "between explain", args: []string{"between", "--from", "2025-09-26", "--to", "2025-10-11", "--explain"}, has: []string{
			"   1  2025-09-28 星期日  调休上班（国庆节、中秋节）\n",
			"   -  2025-10-01 星期三  放假（国庆节、中秋节）\n",
			"   6  2025-10-11 星期六  调休上班（国庆节、中秋节）\n",
			"工作日：6 天\n",
		}},
		{name: "is make-up day", args: []string{"is", "--date", "2025-01-26"}, stdout: "2025-01-26 星期日：工作日，调休上班（春节）\n"},
		{name: "is holiday", args: []string{"is", "--date", "2025-10-06"}, stdout: "2025-10-06 星期一：休息日，放假（国庆节、中秋节）\n"},
		{name: "is weekend", args: []string{"is", "--date", "2025-02-09"}, stdout: "2025-02-09 星期日：休息日，周末\n"},
		{name: "is ordinary", args: []string{"is", "--date", "2025-02-10"}, stdout: "2025-02-10 星期一：工作日\n"},
		{name: "is presumed", args: []string{"is", "--date", "2028-01-03"}, has: []string{"2028-01-03 星期一：工作日\n", "2028 年的放假安排尚未公布"}},
		{name: "is 2027 元旦", args: []string{"is", "--date", "2027-01-01"}, stdout: "2027-01-01 星期五：休息日，放假（元旦）\n"},
		{name: "is 2027 make-up day", args: []string{"is", "--date", "2027-02-14"}, stdout: "2027-02-14 星期日：工作日，调休上班（春节）\n"},
		{name: "show", args: []string{"show", "--year", "2026"}, has: []string{
			"2026 年放假安排（来源：https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm）\n",
			"2026-01-04 星期日  班  元旦\n",
			"2026-02-15 星期日  休  春节\n",
			"2026-10-10 星期六  班  国庆节\n",
			"全年工作日：",
		}},
		{name: "show csv", args: []string{"show", "--year", "2025", "--csv"}, has: []string{"2025-01-01,休,元旦\n2025-01-26,班,春节\n"}},
		{name: "show 2027", args: []string{"show", "--year", "2027"}, has: []string{
			"2027 年放假安排（来源：国务院办公厅关于2027年部分节假日安排的通知（据 6tail/lunar-go v1.4.7 节假日数据，请与通知原文核对））\n",
			"2027-01-31 星期日  班  春节\n",
			"2027-02-05 星期五  休  春节\n",
			"2027-02-14 星期日  班  春节\n",
			"2027-10-09 星期六  班  国庆节\n",
			"全年工作日：248 天\n",
		}},
		{name: "show unknown year", args: []string{"show", "--year", "2028"}, code: 1, stderr: []string{
			"2028 年的放假安排尚未录入", "（已有：2020、2021、2022、2023、2024、2025、2026、2027）"}},

		{name: "no subcommand", args: nil, code: 2, stderr: []string{"Usage: gongkai workdays"}},
		{name: "unknown subcommand", args: []string{"sum"}, code: 2, stderr: []string{`unknown subcommand "sum"`}},
		{name: "bad date", args: []string{"add", "--from", "2025-13-01", "--days", "1"}, code: 2, stderr: []string{"日期须为 YYYY-MM-DD"}},
		{name: "missing from", args: []string{"add", "--days", "1"}, code: 2, stderr: []string{"请用 --from 指定日期"}},
		{name: "missing days", args: []string{"add", "--from", "2025-01-23"}, code: 2, stderr: []string{"请用 --days 指定工作日天数"}},
		{name: "too many days", args: []string{"add", "--from", "2025-01-23", "--days", "5000"}, code: 2, stderr: []string{"工作日天数须在 0 至 1000 之间"}},
		{name: "reversed pause", args: []string{"add", "--from", "2025-01-23", "--days", "5", "--pause", "2025-02-14~2025-02-10"}, code: 2, stderr: []string{"晚于结束日期"}},
		{name: "unknown flag", args: []string{"is", "--when", "2025-01-01"}, code: 2, stderr: []string{"flag provided but not defined"}},
		{name: "stray argument", args: []string{"is", "--date", "2025-01-01", "x"}, code: 2, stderr: []string{`unexpected argument "x"`}},
		{name: "help", args: []string{"--help"}, code: 0, has: []string{"Usage: gongkai workdays"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runWorkdaysCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if tc.stdout != "" && out != tc.stdout {
				t.Errorf("stdout %q, want %q", out, tc.stdout)
			}
			for _, h := range tc.has {
				if !strings.Contains(out, h) {
					t.Errorf("stdout lacks %q:\n%s", h, out)
				}
			}
			for _, h := range tc.stderr {
				if !strings.Contains(errOut, h) {
					t.Errorf("stderr lacks %q:\n%s", h, errOut)
				}
			}
			if tc.quiet && errOut != "" {
				t.Errorf("stderr %q, want none", errOut)
			}
		})
	}
}

// The composition root may swap the calendar source; the command uses it.
func TestWorkdaysCLICalendarSource(t *testing.T) {
	old := loadWorkdayCalendar
	t.Cleanup(func() { loadWorkdayCalendar = old })
	loadWorkdayCalendar = func(context.Context, env) (*calendar.Calendar, error) {
		return calendar.New(calendar.Arrangement{Year: 2025, Days: []calendar.Day{
			{Date: civil.MustParse("2025-01-24"), Kind: calendar.Off, Name: "测试"},
		}})
	}
	code, out, _ := runWorkdaysCLI(t, "add", "--from", "2025-01-23", "--days", "1")
	if code != 0 || out != "2025-01-27\n" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
}
