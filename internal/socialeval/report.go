package socialeval

import (
	"context"
	"strconv"
)

// Report is a closed or published campaign's results, laid out for the
// pages and the API.
type Report struct {
	Campaign  *Campaign
	Overall   Cell
	Responses int // all groups
	// Previous is the agency's published campaign of the year before
	// (nil: 上年无可比数据); OverallChange the change of the overall score.
	Previous      *Campaign
	PreviousScore Cell
	OverallChange Delta
	Dimensions    []DimensionRow
	Groups        []GroupRow
	Chart         Chart
	Actions       []Action
	ActionsDone   int
}

// DimensionRow is a dimension's line of the report.
type DimensionRow struct {
	ID         int64
	Name       string
	Weight     int
	Score      Cell
	ByGroup    []Cell // in the order of the campaign's groups
	Previous   Cell   // the same dimension (by name) the year before
	Change     Delta
	Indicators []IndicatorRow
}

// IndicatorRow is an indicator's line of the report.
type IndicatorRow struct {
	ID      int64
	Name    string
	Weight  int
	Score   Cell
	ByGroup []Cell
}

// GroupRow is an evaluator group's line of the report.
type GroupRow struct {
	Group
	Score       Cell
	ByDimension []Cell // in the order of the dimensions
}

// Report builds the report of a closed or published campaign from its
// stored scores, with the year before and the improvement actions.
func (s *Service) Report(ctx context.Context, c *Campaign) (*Report, error) {
	scores, err := s.LoadScores(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	r := &Report{Campaign: c, Overall: scores.Cell(Key{})}
	for _, g := range c.Groups {
		r.Responses += g.Responses
		row := GroupRow{Group: g, Score: scores.Cell(Key{g.ID, 0})}
		for _, d := range c.Dimensions {
			row.ByDimension = append(row.ByDimension, scores.Cell(Key{g.ID, d.ID}))
		}
		r.Groups = append(r.Groups, row)
	}
	prev, ok, err := s.previous(ctx, c)
	if err != nil {
		return nil, err
	}
	prevDims := map[string]Cell{}
	if ok {
		ps, err := s.LoadScores(ctx, prev.ID)
		if err != nil {
			return nil, err
		}
		r.Previous, r.PreviousScore = prev, ps.Cell(Key{})
		r.OverallChange = deltaOf(r.Overall, r.PreviousScore)
		for _, d := range prev.Dimensions {
			prevDims[d.Name] = ps.Cell(Key{0, d.ID})
		}
	}
	for _, d := range c.Dimensions {
		row := DimensionRow{ID: d.ID, Name: d.Name, Weight: d.Weight, Score: scores.Cell(Key{0, d.ID}), Previous: prevDims[d.Name]}
		row.Change = deltaOf(row.Score, row.Previous)
		for _, g := range c.Groups {
			row.ByGroup = append(row.ByGroup, scores.Cell(Key{g.ID, d.ID}))
		}
		for _, l := range d.Children {
			ir := IndicatorRow{ID: l.ID, Name: l.Name, Weight: l.Weight, Score: scores.Cell(Key{0, l.ID})}
			for _, g := range c.Groups {
				ir.ByGroup = append(ir.ByGroup, scores.Cell(Key{g.ID, l.ID}))
			}
			row.Indicators = append(row.Indicators, ir)
		}
		r.Dimensions = append(r.Dimensions, row)
	}
	r.Chart = chartOf(r)
	if r.Actions, err = s.Actions(ctx, c); err != nil {
		return nil, err
	}
	for _, a := range r.Actions {
		if a.State == ActionDone {
			r.ActionsDone++
		}
	}
	return r, nil
}

// Chart is the dimensions' scores as a horizontal bar chart (server-rendered
// SVG; the report's table beside it has the same numbers).
type Chart struct {
	Width, Height int
	Bars          []ChartBar
	// Compare: each dimension has a second, thinner bar for the year
	// before.
	Compare  bool
	Year     int
	PrevYear int
}

// ChartBar is a dimension's bar(s), laid out.
type ChartBar struct {
	Label        string
	Score        Cell
	Previous     Cell
	Y, W         int // this year's bar
	PY, PW       int // the year before's bar
	TextY, PText int
	ValueX       int
	PValueX      int
}

// Chart geometry: labels on the left, bars scaled 0–100 points.
const (
	chartLabel = 170 // px for the labels
	chartBar   = 300 // px for 100 points
	chartWidth = chartLabel + chartBar + 60
)

func chartOf(r *Report) Chart {
	ch := Chart{Width: chartWidth, Compare: r.Previous != nil, Year: r.Campaign.Year}
	if r.Previous != nil {
		ch.PrevYear = r.Previous.Year
	}
	rowH := 30
	if ch.Compare {
		rowH = 44
	}
	y := 24 // room for the legend
	for _, d := range r.Dimensions {
		b := ChartBar{Label: d.Name, Score: d.Score, Previous: d.Previous, Y: y, TextY: y + 14}
		if d.Score.OK {
			b.W = int(d.Score.P) * chartBar / 10000
		}
		b.ValueX = chartLabel + b.W + 6
		if ch.Compare {
			b.PY = y + 22
			b.PText = b.PY + 10
			if d.Previous.OK {
				b.PW = int(d.Previous.P) * chartBar / 10000
			}
			b.PValueX = chartLabel + b.PW + 6
		}
		ch.Bars = append(ch.Bars, b)
		y += rowH
	}
	ch.Height = y + 4
	return ch
}

// Title is the chart's title (its accessible name).
func (ch Chart) Title() string {
	t := strconv.Itoa(ch.Year) + " 年度各评议维度得分"
	if ch.Compare {
		t += "及与 " + strconv.Itoa(ch.PrevYear) + " 年度的比较"
	}
	return t
}
