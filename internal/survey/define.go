package survey

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/web"
)

// QuestionFormat documents the text format for the console.
const QuestionFormat = `每道题一段，段与段之间空一行。每段第一行是“题型 题目”，题型后加 * 表示必答；题型为：单选、多选、量表5、量表10、矩阵、短文本、长文本。
以“- ”开头的行是选项（单选、多选；矩阵的每一列）；以“= ”开头的行是矩阵的一行；
“条件：第N题=选项”表示仅当前面第 N 题（单选题）选了该选项时才显示本题。`

var kindNames = map[string]Kind{"单选": Single, "多选": Multiple, "矩阵": Matrix, "短文本": ShortText, "长文本": LongText, "量表5": Scale, "量表10": Scale}

// ParseQuestions reads questions in the text format:
//
//	单选* 您是否在网上办理过本局的服务事项？
//	- 是
//	- 否
//
//	量表5 您对办理过程的满意程度（1 为很不满意，5 为很满意）
//	条件：第1题=是
//
//	矩阵 请评价本局网站的以下方面
//	= 信息更新及时
//	= 查找方便
//	- 满意
//	- 一般
//	- 不满意
//
// A block's first line is the type (单选, 多选, 量表5, 量表10, 矩阵,
// 短文本, 长文本; * after it: required) and the title; "- " lines are
// choices (a matrix's columns), "= " lines a matrix's rows, "条件：第N题=选项"
// the skip condition. Errors name the question.
func ParseQuestions(text string) ([]QuestionDef, error) {
	if len(text) > MaxDefText*4 || utf8.RuneCountInString(text) > MaxDefText {
		return nil, fmt.Errorf("问题定义过长（不超过 %d 字）。", MaxDefText)
	}
	if web.Unreadable(text) {
		return nil, fmt.Errorf("问题定义含有无法识别的字符。")
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var blocks [][]string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			if cur != nil {
				blocks = append(blocks, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if cur != nil {
		blocks = append(blocks, cur)
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("请至少定义一道题。")
	}
	if len(blocks) > MaxQuestions {
		return nil, fmt.Errorf("题目不能超过 %d 道。", MaxQuestions)
	}
	out := make([]QuestionDef, 0, len(blocks))
	for i, b := range blocks {
		n := i + 1
		head, title, _ := strings.Cut(b[0], " ")
		var q QuestionDef
		if strings.HasSuffix(head, "*") {
			q.Required = true
			head = strings.TrimSuffix(head, "*")
		}
		kind, ok := kindNames[head]
		if !ok {
			return nil, fmt.Errorf("第 %d 题：第一行应以题型开头（单选、多选、量表5、量表10、矩阵、短文本、长文本），后接空格和题目。", n)
		}
		q.Kind, q.Title = kind, strings.TrimSpace(title)
		if kind == Scale {
			q.ScaleMax, _ = strconv.Atoi(strings.TrimPrefix(head, "量表"))
		}
		for _, line := range b[1:] {
			switch {
			case strings.HasPrefix(line, "- ") || line == "-":
				q.Choices = append(q.Choices, strings.TrimSpace(strings.TrimPrefix(line, "-")))
			case strings.HasPrefix(line, "= ") || line == "=":
				q.Rows = append(q.Rows, strings.TrimSpace(strings.TrimPrefix(line, "=")))
			case strings.HasPrefix(line, "条件：") || strings.HasPrefix(line, "条件:"):
				c := strings.TrimPrefix(strings.TrimPrefix(line, "条件："), "条件:")
				ref, choice, ok := strings.Cut(c, "=")
				ref = strings.TrimSpace(ref)
				num, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(ref, "第"), "题"))
				if !ok || err != nil || num < 1 || num >= n {
					return nil, fmt.Errorf("第 %d 题：条件应写作“条件：第N题=选项”，N 是前面的某道单选题。", n)
				}
				src := out[num-1]
				if src.Kind != Single {
					return nil, fmt.Errorf("第 %d 题：条件只能引用单选题，第 %d 题不是单选题。", n, num)
				}
				idx := -1
				for j, ch := range src.Choices {
					if ch == strings.TrimSpace(choice) {
						idx = j
					}
				}
				if idx < 0 {
					return nil, fmt.Errorf("第 %d 题：第 %d 题没有选项“%s”。", n, num, strings.TrimSpace(choice))
				}
				q.ShowIf = &Condition{Question: num, Choice: idx + 1}
			default:
				return nil, fmt.Errorf("第 %d 题：无法识别的行“%s”（选项以“- ”开头，矩阵的行以“= ”开头）。", n, clip(line, 30))
			}
		}
		if err := q.check(n, out); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// check validates a question given the questions before it.
func (q *QuestionDef) check(n int, before []QuestionDef) error {
	q.Title = strings.TrimSpace(q.Title)
	switch {
	case q.Title == "":
		return fmt.Errorf("第 %d 题：请填写题目。", n)
	case utf8.RuneCountInString(q.Title) > MaxChoice:
		return fmt.Errorf("第 %d 题：题目不超过 %d 字。", n, MaxChoice)
	}
	switch q.Kind {
	case Single, Multiple, Matrix:
		if len(q.Choices) < 2 {
			return fmt.Errorf("第 %d 题：%s题至少要有两个选项。", n, q.Kind.Label())
		}
	case Scale:
		if q.ScaleMax != 5 && q.ScaleMax != 10 {
			return fmt.Errorf("第 %d 题：量表只能是 1–5 或 1–10。", n)
		}
	case ShortText, LongText:
	default:
		return fmt.Errorf("第 %d 题：题型无效。", n)
	}
	if q.Kind == Matrix && len(q.Rows) < 1 {
		return fmt.Errorf("第 %d 题：矩阵题至少要有一行（以“= ”开头）。", n)
	}
	if q.Kind != Matrix && len(q.Rows) > 0 {
		return fmt.Errorf("第 %d 题：只有矩阵题可以有行。", n)
	}
	if (q.Kind == Scale || q.Kind == ShortText || q.Kind == LongText) && len(q.Choices) > 0 {
		return fmt.Errorf("第 %d 题：%s题没有选项。", n, q.Kind.Label())
	}
	if len(q.Choices) > MaxChoices || len(q.Rows) > MaxChoices {
		return fmt.Errorf("第 %d 题：选项或行不能超过 %d 个。", n, MaxChoices)
	}
	seen := map[string]bool{}
	for _, c := range q.Choices {
		if c == "" || utf8.RuneCountInString(c) > MaxChoice || strings.Contains(c, "\n") {
			return fmt.Errorf("第 %d 题：选项不能为空，不超过 %d 字。", n, MaxChoice)
		}
		if seen[c] {
			return fmt.Errorf("第 %d 题：选项“%s”重复。", n, clip(c, 30))
		}
		seen[c] = true
	}
	for _, c := range q.Rows {
		if c == "" || utf8.RuneCountInString(c) > MaxChoice || strings.Contains(c, "\n") {
			return fmt.Errorf("第 %d 题：矩阵的行不能为空，不超过 %d 字。", n, MaxChoice)
		}
	}
	if c := q.ShowIf; c != nil {
		if c.Question < 1 || c.Question >= n || before[c.Question-1].Kind != Single || c.Choice < 1 || c.Choice > len(before[c.Question-1].Choices) {
			return fmt.Errorf("第 %d 题：条件必须引用前面某道单选题的选项。", n)
		}
	}
	return nil
}

// FormatQuestions writes questions in the text format (ParseQuestions
// reads it back).
func FormatQuestions(qs []Question) string {
	var b strings.Builder
	for i, q := range qs {
		if i > 0 {
			b.WriteString("\n")
		}
		head := q.Kind.Label()
		if q.Kind == Scale {
			head += strconv.Itoa(q.ScaleMax)
		}
		if q.Required {
			head += "*"
		}
		b.WriteString(head + " " + q.Title + "\n")
		for _, r := range q.Rows {
			b.WriteString("= " + r + "\n")
		}
		for _, c := range q.Choices {
			b.WriteString("- " + c + "\n")
		}
		if c := q.ShowIf; c != nil && c.Question <= len(qs) && c.Choice <= len(qs[c.Question-1].Choices) {
			b.WriteString("条件：第" + strconv.Itoa(c.Question) + "题=" + qs[c.Question-1].Choices[c.Choice-1] + "\n")
		}
	}
	return b.String()
}
