package workplan

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// render writes a draft back as plan text: title, introduction, parts,
// points and sub-tasks, each title followed by "。" and its text.
func render(d *Draft) string {
	var b strings.Builder
	if d.Title != "" {
		b.WriteString(d.Title + "\n")
	}
	if d.Intro != "" {
		b.WriteString(d.Intro + "\n")
	}
	task := func(t *DraftTask) {
		b.WriteString(t.Number + t.Title + "。" + t.Body + "\n")
	}
	for _, p := range d.Parts {
		b.WriteString(p.Number + "、" + p.Title + "\n")
		for _, t := range p.Tasks {
			task(t)
			for _, s := range t.Subtasks {
				task(s)
			}
		}
	}
	return b.String()
}

func sameTask(a, b *DraftTask) bool {
	return a.Number == b.Number && a.Title == b.Title && a.Body == b.Body && a.Due == b.Due && a.DueRule == b.DueRule &&
		a.Division == b.Division && a.Error == b.Error && len(a.Subtasks) == len(b.Subtasks)
}

// FuzzParse: any pasted text gives a draft within the import bounds whose
// notes point at lines of the text; a draft that can be saved has a
// deadline and a rule for every task, and written back as text it parses
// to the same parts, points, sub-tasks and deadlines.
func FuzzParse(f *testing.F) {
	f.Add(Sample2022, 0)
	f.Add("2023年某局政务公开工作要点 发布时间:2023-01-01\n导语\n一、第一部分\n（一）要点一。6月底前完成。\n1. 子任务。9月15日前完成（责任处室：办公室）\n2. 另一个\n(二)要点二。第三季度\n二、第二部分\n（一）要点。长期坚持\n相关附件", 0)
	f.Add("一、部分\n（一）要点。2月30日前完成\n（一）重复\n三、跳号\n（十一）x。13月底前", 2024)
	f.Add("（一）没有部分\n一、\n二、x\n", 2022)
	f.Add("一、部分\n（一）要点。2023年12月底前\n1.a\n1.b\n", 2022)
	f.Add("一、a\r\n（一）b\r\nc\u00a0d\u3000\r\n附件：1", 2022)
	f.Add("\x00", 2022)
	f.Fuzz(func(t *testing.T, text string, year int) {
		d := Parse(text, year)
		lines := strings.Count(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(text, "\r\n", ""), "\r") + 1
		for _, n := range append(append([]LineNote{}, d.Notes...), d.RowErrors()...) {
			if n.Line < 0 || n.Line > lines || n.Text == "" || !utf8.ValidString(n.Text) {
				t.Fatalf("note %+v of a %d-line text", n, lines)
			}
		}
		if !d.OK() {
			return
		}
		if len(d.Parts) == 0 || len(d.Parts) > MaxParts || d.Tasks() > MaxTasks || d.Year < MinYear || d.Year > MaxYear {
			t.Fatalf("saveable draft out of bounds: %d parts, %d tasks, year %d", len(d.Parts), d.Tasks(), d.Year)
		}
		for _, p := range d.Parts {
			if p.Title == "" || len(p.Tasks) == 0 {
				t.Fatalf("part %+v", p)
			}
			for _, tk := range p.Tasks {
				for _, x := range append([]*DraftTask{tk}, tk.Subtasks...) {
					if x.Due.IsZero() || x.DueRule == "" || utf8.RuneCountInString(x.Title) > MaxTitleRunes {
						t.Fatalf("task %+v", x)
					}
					if x.Due.Year < MinYear-1 || x.Due.Year > MaxYear {
						t.Fatalf("task %q due %v", x.Title, x.Due)
					}
				}
			}
		}
		if d.Title == "" && d.Intro != "" {
			first, _, _ := strings.Cut(d.Intro, "\n")
			if isTitle(first) {
				return // the title line was only a posting date: the first intro line would become the title
			}
		}
		again := Parse(render(d), d.Year)
		if !again.OK() || again.Title != d.Title || again.Intro != d.Intro || len(again.Parts) != len(d.Parts) {
			t.Fatalf("rendered draft reads differently:\n%s\nerrors %v", render(d), again.RowErrors())
		}
		for i, p := range d.Parts {
			q := again.Parts[i]
			if q.Number != p.Number || q.Title != p.Title || len(q.Tasks) != len(p.Tasks) {
				t.Fatalf("part %+v reads back as %+v", p, q)
			}
			for j, tk := range p.Tasks {
				if !sameTask(tk, q.Tasks[j]) {
					t.Fatalf("task %+v reads back as %+v", tk, q.Tasks[j])
				}
				for k, s := range tk.Subtasks {
					if !sameTask(s, q.Tasks[j].Subtasks[k]) {
						t.Fatalf("sub-task %+v reads back as %+v", s, q.Tasks[j].Subtasks[k])
					}
				}
			}
		}
	})
}

// FuzzDeadlineOf: the deadline found in a point's text is a real date
// within the plan years, found by a stated rule, and the same every time;
// Chinese numerals read back as written.
func FuzzDeadlineOf(f *testing.F) {
	for _, s := range []string{"6月30日前完成", "2023年3月底前", "六月底", "6月前", "第二季度末", "每季度", "上半年", "年内", "长期坚持", "2月30日前", "13月底前",
		"9999年1月1日前", "十一月十五日前", "九十九月底前", "一二三月底", "0月1日前", ""} {
		f.Add(s, 2022, 42)
	}
	f.Fuzz(func(t *testing.T, text string, year, n int) {
		if year < MinYear || year > MaxYear {
			year = MinYear + (year%(MaxYear-MinYear+1)+(MaxYear-MinYear+1))%(MaxYear-MinYear+1)
		}
		due, rule, err := DeadlineOf(text, year)
		due2, rule2, err2 := DeadlineOf(text, year)
		if due != due2 || rule != rule2 || (err == nil) != (err2 == nil) {
			t.Fatalf("DeadlineOf(%q) is not deterministic", text)
		}
		if err != nil {
			if !due.IsZero() || err.Error() == "" {
				t.Fatalf("DeadlineOf(%q) = %v, %v", text, due, err)
			}
		} else if due.IsZero() || rule == "" || due.Year < MinYear-1 || due.Year > MaxYear {
			t.Fatalf("DeadlineOf(%q, %d) = %v, %q", text, year, due, rule)
		}
		if k := n%99 + 1; k > 0 {
			if got := chineseNumber(ChineseNumeral(k)); got != k {
				t.Fatalf("ChineseNumeral(%d) = %q reads as %d", k, ChineseNumeral(k), got)
			}
		}
	})
}
