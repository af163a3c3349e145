package application

import (
	"context"
	"fmt"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Columns of table three: the six applicant types and 总计.
const (
	colTotal = 6
	NumCols  = 7
)

// Table is annual-report table three (三、收到和处理政府信息公开申请情况)
// of one agency and year: 25 rows × 7 columns, in the order of Rows and
// ApplicantTypes with 总计 last.
type Table struct {
	AgencyID int64
	Year     int
	Cells    map[Row][NumCols]int
}

// Get returns a cell; col is 0–5 for the applicant types, 6 for 总计.
func (t Table) Get(r Row, col int) int { return t.Cells[r][col] }

// Cell is a cell that fails an identity.
type Cell struct {
	Row Row
	Col int
}

// Problem is a failed identity of §1.8, with the cells involved.
type Problem struct {
	Message string
	Cells   []Cell
}

// Check verifies the identities of §1.8 for every column: new + carried
// over = processed + carried forward; processed = the sum of the 21 outcome
// rows; and in every row 总计 = the sum of the six applicant columns.
func (t Table) Check() []Problem {
	var out []Problem
	for col := 0; col < NumCols; col++ {
		name := "总计"
		if col < colTotal {
			name = ApplicantTypes[col].Label()
		}
		in := t.Get(RowNewReceived, col) + t.Get(RowCarriedOver, col)
		done := t.Get(RowTotalProcessed, col) + t.Get(RowCarriedForward, col)
		if in != done {
			out = append(out, Problem{Message: fmt.Sprintf("%s列：本年新收（%d）加上年结转（%d）应等于办理结果总计（%d）加结转下年度（%d）",
				name, t.Get(RowNewReceived, col), t.Get(RowCarriedOver, col), t.Get(RowTotalProcessed, col), t.Get(RowCarriedForward, col)),
				Cells: []Cell{{RowNewReceived, col}, {RowCarriedOver, col}, {RowTotalProcessed, col}, {RowCarriedForward, col}}})
		}
		sum := 0
		for _, r := range outcomeRows() {
			sum += t.Get(r, col)
		}
		if sum != t.Get(RowTotalProcessed, col) {
			out = append(out, Problem{Message: fmt.Sprintf("%s列：办理结果各项之和（%d）应等于（七）总计（%d）", name, sum, t.Get(RowTotalProcessed, col)),
				Cells: []Cell{{RowTotalProcessed, col}}})
		}
	}
	for _, ri := range Rows {
		sum := 0
		for col := 0; col < colTotal; col++ {
			sum += t.Get(ri.Row, col)
		}
		if sum != t.Get(ri.Row, colTotal) {
			out = append(out, Problem{Message: fmt.Sprintf("%s%s%s：各类申请人之和（%d）应等于总计（%d）", ri.Level1, ri.Level2, ri.Label, sum, t.Get(ri.Row, colTotal)),
				Cells: []Cell{{ri.Row, colTotal}}})
		}
	}
	return out
}

// TableThree computes table three for an agency and year from the
// applications: an application counts as received in the year of its
// Art. 31 date of receipt (of its arrival while not registered); it is
// processed in the year it was replied to or closed, under the row of its
// outcome; what is open at the end of a year is carried forward and counts
// as carried over in the next.
func (s *Service) TableThree(ctx context.Context, agencyID int64, year int) (Table, error) {
	return tableThree(ctx, s.DB.R, agencyID, year)
}

func tableThree(ctx context.Context, q db.Querier, agencyID int64, year int) (Table, error) {
	if year < 2000 || year > 9999 {
		return Table{}, fmt.Errorf("年度无效：%d", year)
	}
	first := civil.New(year, 1, 1)
	next := civil.New(year+1, 1, 1)
	t := Table{AgencyID: agencyID, Year: year, Cells: map[Row][NumCols]int{}}
	rows, err := q.QueryContext(ctx, `SELECT applicant_type, outcome, COALESCE(receipt_date, received_on), COALESCE(replied_on, closed_on)
		FROM applications WHERE agency_id = $1 AND COALESCE(receipt_date, received_on) < $2
		AND (COALESCE(replied_on, closed_on) IS NULL OR COALESCE(replied_on, closed_on) >= $3)`, agencyID, next, first)
	if err != nil {
		return Table{}, err
	}
	defer rows.Close()
	add := func(r Row, col int) {
		c := t.Cells[r]
		c[col]++
		c[colTotal]++
		t.Cells[r] = c
	}
	for rows.Next() {
		var (
			typ      ApplicantType
			out      Outcome
			received civil.Date
			finished civil.Date
		)
		if err := rows.Scan(&typ, &out, &received, &finished); err != nil {
			return Table{}, err
		}
		col := -1
		for i, at := range ApplicantTypes {
			if at == typ {
				col = i
			}
		}
		if col < 0 {
			return Table{}, fmt.Errorf("unknown applicant type %q", typ)
		}
		if received.Before(first) {
			add(RowCarriedOver, col)
		} else {
			add(RowNewReceived, col)
		}
		if finished.IsZero() || !finished.Before(next) {
			add(RowCarriedForward, col)
			continue
		}
		info, ok := out.Info()
		if !ok {
			info.Row = RowOther
		}
		add(info.Row, col)
		add(RowTotalProcessed, col)
	}
	return t, rows.Err()
}
