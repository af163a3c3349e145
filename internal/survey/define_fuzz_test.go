package survey

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/web"
)

const fuzzDefinition = `单选* 您是否在网上办理过本局的服务事项？
- 是
- 否

量表5 您对办理过程的满意程度
条件：第1题=是

多选 您通过哪些渠道了解本局信息？
- 网站
- 公众号
- 其他

矩阵* 请评价本局网站的以下方面
= 信息更新及时
= 查找方便
- 满意
- 一般
- 不满意

短文本 您的建议

长文本* 其他意见`

func asQuestions(defs []QuestionDef) []Question {
	qs := make([]Question, len(defs))
	for i, d := range defs {
		qs[i] = Question{ID: int64(100 + i), Seq: i + 1, QuestionDef: d}
	}
	return qs
}

// FuzzParseQuestions: a questionnaire definition is either refused with
// a message or gives valid questions that FormatQuestions writes back to
// a text that parses to the same questions.
func FuzzParseQuestions(f *testing.F) {
	f.Add(fuzzDefinition)
	f.Add("单选 a\n- x\n- x")
	f.Add("单选 a\n- x\n- y\n\n单选 b\n- 1\n- 2\n条件：第1题=y\n\n量表10* c\n条件：第2题=2")
	f.Add("多选 a\n-\n- b")
	f.Add("矩阵 m\n= r\n- a\n- b\n条件:第0题=a")
	f.Add("短文本\n\n\n长文本 x\r\n- a")
	f.Add("量表7 x")
	f.Fuzz(func(t *testing.T, text string) {
		defs, err := ParseQuestions(text)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty message")
			}
			return
		}
		if len(defs) == 0 || len(defs) > MaxQuestions {
			t.Fatalf("%d questions", len(defs))
		}
		for i, d := range defs {
			if err := d.check(i+1, defs[:i]); err != nil {
				t.Fatalf("question %d %+v: %v", i+1, d, err)
			}
		}
		back := FormatQuestions(asQuestions(defs))
		again, err := ParseQuestions(back)
		if err != nil {
			t.Fatalf("formatted definition refused: %v\n%s", err, back)
		}
		if !reflect.DeepEqual(again, defs) {
			t.Fatalf("round trip differs:\n%+v\n%+v\n%s", defs, again, back)
		}
	})
}

// FuzzAnswers: whatever a respondent posts (any fields, repeated values,
// out-of-range choices, overlong or unreadable text), the answers stored
// are within the questionnaire: visible questions only, choices in range
// and unique, text trimmed, readable and within its limit; every required
// visible question is answered or has a message.
func FuzzAnswers(f *testing.F) {
	f.Add(fuzzDefinition, "q1=1&q2=5&q3=1&q3=3&q4_1=1&q4_2=3&q5=x&q6=y")
	f.Add(fuzzDefinition, "q1=2&q2=5&q3=9&q4_1=0&q6=%00")
	f.Add(fuzzDefinition, "q1=1&q1=2&q3=1&q3=1&q4_1=1&q4_1=2&q5=a&q5=b")
	f.Add(fuzzDefinition, "q1=+1&q2=05&q3=-1&q4_3=1&q6="+strings.Repeat("长", MaxLong+1))
	f.Add("单选 a\n- x\n- y\n\n单选 b\n- 1\n- 2\n条件：第1题=y\n\n短文本* c\n条件：第2题=2", "q1=2&q2=2&q3=%20")
	f.Fuzz(func(t *testing.T, def, form string) {
		defs, err := ParseQuestions(def)
		if err != nil {
			return
		}
		vals, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		qs := asQuestions(defs)
		a := Answers(vals)
		rows, fields := check(qs, a)
		vis := Visible(qs, a)
		byID := map[int64]int{}
		for i, q := range qs {
			byID[q.ID] = i
		}
		answered := map[int]bool{}
		type key struct {
			q           int64
			row, choice int
		}
		seen := map[key]bool{}
		for _, r := range rows {
			i, ok := byID[r.question]
			if !ok || !vis[i] {
				t.Fatalf("answer %+v to a hidden or unknown question", r)
			}
			q := qs[i]
			if _, bad := fields[q.Field()]; bad && q.Kind != Multiple && q.Kind != Matrix {
				t.Fatalf("answer %+v stored with message %q", r, fields[q.Field()])
			}
			answered[i] = true
			k := key{r.question, r.row, r.choice}
			if seen[k] {
				t.Fatalf("answer %+v stored twice", r)
			}
			seen[k] = true
			switch q.Kind {
			case Single, Multiple:
				if r.choice < 1 || r.choice > len(q.Choices) || r.row != 0 {
					t.Fatalf("answer %+v to %+v", r, q)
				}
			case Scale:
				if r.choice < 1 || r.choice > q.ScaleMax {
					t.Fatalf("answer %+v to a 1–%d scale", r, q.ScaleMax)
				}
			case Matrix:
				if r.choice < 1 || r.choice > len(q.Choices) || r.row < 1 || r.row > len(q.Rows) {
					t.Fatalf("answer %+v to %+v", r, q)
				}
			case ShortText, LongText:
				limit := MaxShort
				if q.Kind == LongText {
					limit = MaxLong
				}
				if r.body == "" || r.body != strings.TrimSpace(r.body) || utf8.RuneCountInString(r.body) > limit || web.Unreadable(r.body) {
					t.Fatalf("text answer %q", r.body)
				}
			}
		}
		for i, q := range qs {
			if vis[i] && q.Required && !answered[i] {
				if _, ok := fields[q.Field()]; !ok {
					t.Fatalf("required question %d unanswered without a message (form %q)", i+1, form)
				}
			}
			if c := q.ShowIf; c != nil && vis[i] {
				src := a[qs[c.Question-1].Field()]
				if len(src) != 1 {
					t.Fatalf("question %d shown without an answer to question %d", i+1, c.Question)
				}
				if n, err := strconv.Atoi(src[0]); !vis[c.Question-1] || err != nil || n != c.Choice {
					t.Fatalf("question %d shown without its condition", i+1)
				}
			}
		}
	})
}
