package survey

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/xlsxprint"
)

// Results counts a questionnaire's answers for staff of its agency.
func (s *Service) Results(ctx context.Context, p *auth.Principal, id int64) (*Results, error) {
	v, err := s.scoped(ctx, s.DB.R, p, id)
	if err != nil {
		return nil, err
	}
	return s.results(ctx, v, true)
}

// PublicResults are the results the staff chose to publish (no text
// answers: they may name people).
func (s *Service) PublicResults(ctx context.Context, id int64) (*Results, error) {
	v, err := s.Public(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.PublishResults {
		return nil, errNone
	}
	return s.results(ctx, v, false)
}

func (s *Service) results(ctx context.Context, v *Survey, texts bool) (*Results, error) {
	res := &Results{Survey: v, Responses: v.Responses}
	type key struct {
		q           int64
		row, choice int
	}
	counts := map[key]int{}
	answered := map[int64]int{}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT a.question_id, a.row_no, a.choice, count(*) FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
		WHERE r.survey_id = $1 AND a.body = '' GROUP BY a.question_id, a.row_no, a.choice`, v.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k key
		var n int
		if err := rows.Scan(&k.q, &k.row, &k.choice, &n); err != nil {
			rows.Close()
			return nil, err
		}
		counts[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.R.QueryContext(ctx, `SELECT a.question_id, count(DISTINCT a.response_id) FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
		WHERE r.survey_id = $1 GROUP BY a.question_id`, v.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var q int64
		var n int
		if err := rows.Scan(&q, &n); err != nil {
			rows.Close()
			return nil, err
		}
		answered[q] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	bars := func(q int64, row int, labels []string, base int) []Count {
		out := make([]Count, len(labels))
		for i, l := range labels {
			n := counts[key{q, row, i + 1}]
			out[i] = Count{Label: l, N: n}
			if base > 0 {
				out[i].Percent = (n*100 + base/2) / base
			}
		}
		return out
	}
	for _, q := range v.Questions {
		qr := QuestionResult{Question: q, Answered: answered[q.ID]}
		switch q.Kind {
		case Single, Multiple:
			qr.Counts = bars(q.ID, 0, q.Choices, qr.Answered)
		case Scale:
			labels := make([]string, q.ScaleMax)
			sum := 0
			for i := range labels {
				labels[i] = strconv.Itoa(i + 1)
				sum += (i + 1) * counts[key{q.ID, 0, i + 1}]
			}
			qr.Counts = bars(q.ID, 0, labels, qr.Answered)
			if qr.Answered > 0 {
				qr.Mean = fmt.Sprintf("%.2f", float64(sum)/float64(qr.Answered))
			}
		case Matrix:
			for r, label := range q.Rows {
				base := 0
				for c := range q.Choices {
					base += counts[key{q.ID, r + 1, c + 1}]
				}
				qr.Rows = append(qr.Rows, RowResult{Label: label, Counts: bars(q.ID, r+1, q.Choices, base)})
			}
		case ShortText, LongText:
			if texts {
				trows, err := s.DB.R.QueryContext(ctx, "SELECT body FROM survey_answers WHERE question_id = $1 AND body <> '' ORDER BY id DESC LIMIT 200", q.ID)
				if err != nil {
					return nil, err
				}
				for trows.Next() {
					var t string
					if err := trows.Scan(&t); err != nil {
						trows.Close()
						return nil, err
					}
					qr.Texts = append(qr.Texts, t)
				}
				trows.Close()
				if err := trows.Err(); err != nil {
					return nil, err
				}
			}
		}
		res.Questions = append(res.Questions, qr)
	}
	return res, nil
}

// Export writes all responses as an XLSX workbook (one row per response,
// one column per question or matrix row; skipped questions are marked)
// and records the export.
func (s *Service) Export(ctx context.Context, p *auth.Principal, id int64, w io.Writer) error {
	v, err := s.scoped(ctx, s.DB.R, p, id)
	if err != nil {
		return err
	}
	if err := s.DB.Tx(ctx, func(tx db.Tx) error {
		return record(ctx, tx, p.Actor(), v.AgencyID, id, "export", "导出问卷“"+v.Title+"”的答卷")
	}); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "答卷"
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	header := []any{"编号", "提交时间"}
	if v.Access == OpenToAll {
		header = append(header, "姓名", "联系方式")
	}
	type col struct {
		q   Question
		row int
	}
	var cols []col
	for _, q := range v.Questions {
		if q.Kind == Matrix {
			for r, label := range q.Rows {
				cols = append(cols, col{q, r + 1})
				header = append(header, fmt.Sprintf("%d. %s：%s", q.Seq, q.Title, label))
			}
			continue
		}
		cols = append(cols, col{q, 0})
		header = append(header, fmt.Sprintf("%d. %s", q.Seq, q.Title))
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	// All answers by response, in one pass.
	type cellKey struct {
		q   int64
		row int
	}
	answers := map[int64]map[cellKey][]string{}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT a.response_id, a.question_id, a.row_no, a.choice, a.body FROM survey_answers a
		JOIN survey_responses r ON r.id = a.response_id WHERE r.survey_id = $1 ORDER BY a.id`, id)
	if err != nil {
		return err
	}
	byID := map[int64]Question{}
	for _, q := range v.Questions {
		byID[q.ID] = q
	}
	for rows.Next() {
		var rid, qid int64
		var row, choice int
		var body string
		if err := rows.Scan(&rid, &qid, &row, &choice, &body); err != nil {
			rows.Close()
			return err
		}
		q := byID[qid]
		text := body
		if body == "" {
			switch {
			case q.Kind == Scale:
				text = strconv.Itoa(choice)
			case choice >= 1 && choice <= len(q.Choices):
				text = q.Choices[choice-1]
			}
		}
		if answers[rid] == nil {
			answers[rid] = map[cellKey][]string{}
		}
		k := cellKey{qid, row}
		answers[rid][k] = append(answers[rid][k], text)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rrows, err := s.DB.R.QueryContext(ctx, "SELECT id, name, contact, created_at FROM survey_responses WHERE survey_id = $1 ORDER BY id", id)
	if err != nil {
		return err
	}
	defer rrows.Close()
	n := 1
	for rrows.Next() {
		var rid int64
		var name, contact string
		var at = v.CreatedAt
		if err := rrows.Scan(&rid, &name, &contact, &at); err != nil {
			return err
		}
		n++
		line := []any{rid, at.In(civil.Shanghai).Format("2006-01-02 15:04")}
		if v.Access == OpenToAll {
			line = append(line, xlsxprint.CellSafe(name), xlsxprint.CellSafe(contact))
		}
		given := answers[rid]
		a := Answers{}
		for _, q := range v.Questions {
			if q.Kind == Single {
				if l := given[cellKey{q.ID, 0}]; len(l) == 1 {
					for i, c := range q.Choices {
						if c == l[0] {
							a[q.Field()] = []string{strconv.Itoa(i + 1)}
						}
					}
				}
			}
		}
		vis := Visible(v.Questions, a)
		for _, c := range cols {
			if !vis[c.q.Seq-1] {
				line = append(line, "（跳过）")
				continue
			}
			line = append(line, xlsxprint.CellSafe(strings.Join(given[cellKey{c.q.ID, c.row}], "；")))
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, line); err != nil {
			return err
		}
	}
	if err := rrows.Err(); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
