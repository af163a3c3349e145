package socialeval

// The score formula (评分方法), applied when a campaign closes:
//
//   - An answer v on the 1–5 scale scores v × 20 points: 1 → 20, 3 → 60,
//     5 → 100.
//   - A group's score of an indicator (二级指标) is the mean over the
//     group's answers to it.
//   - A group's score of a dimension (一级指标) is the weighted mean of its
//     indicators' scores by their weights, renormalised over the
//     indicators the group answered.
//   - A group's overall score is the weighted sum of its dimension scores
//     by the dimensions' weights (renormalised likewise).
//   - The score of an indicator, a dimension or the overall score across
//     groups is the weighted mean of the groups' scores by the groups'
//     weights, renormalised over the groups that have a score (a group
//     without responses does not pull the result down).
//
// Every number is computed from unrounded values and rounded to two
// decimals only when stored, so a shown total may differ from the sum of
// its shown parts by 0.01.

// Tally is a group's answers to one indicator: how many answered, and the
// sum of their values (1–5).
type Tally struct {
	N   int
	Sum int
}

// Key names a stored score: Group 0 is across all groups, Indicator 0 the
// overall score (of a group, or of the campaign).
type Key struct {
	Group     int64
	Indicator int64
}

// Score is a stored score and the number of answers (for a group's or the
// campaign's overall score: of responses) it rests on.
type Score struct {
	Points  Points
	Answers int
}

// Scores are a campaign's scores; a missing key means no data.
type Scores map[Key]Score

// Cell returns the score of k as a cell of the report.
func (s Scores) Cell(k Key) Cell {
	v, ok := s[k]
	return Cell{P: v.Points, OK: ok}
}

// Cell is a score that may be missing; it prints as "—" then.
type Cell struct {
	P  Points
	OK bool
}

func (c Cell) String() string {
	if !c.OK {
		return "—"
	}
	return c.P.String()
}

// JSON is the score for the API: a number, or nil.
func (c Cell) JSON() *float64 {
	if !c.OK {
		return nil
	}
	f := c.P.Float()
	return &f
}

// Delta is a year-on-year change that may be missing; it prints as "—"
// then, else as "+3.20" or "−1.05".
type Delta struct {
	P  Points
	OK bool
}

func (d Delta) String() string {
	if !d.OK {
		return "—"
	}
	return d.P.Change()
}

// Words is the change for a screen reader and the chart's table: "上升
// 3.20", "下降 1.05", "持平".
func (d Delta) Words() string {
	switch {
	case !d.OK:
		return "无可比数据"
	case d.P > 0:
		return "上升 " + d.P.String()
	case d.P < 0:
		return "下降 " + (-d.P).String()
	}
	return "持平"
}

// JSON is the change for the API: a number, or nil.
func (d Delta) JSON() *float64 {
	if !d.OK {
		return nil
	}
	f := d.P.Float()
	return &f
}

// deltaOf is a − b when both exist.
func deltaOf(a, b Cell) Delta {
	if !a.OK || !b.OK {
		return Delta{}
	}
	return Delta{P: a.P - b.P, OK: true}
}

// PointsPerStep is what one step of the 1–5 scale is worth: v × 20.
const PointsPerStep = 20

// wmean accumulates a weighted mean.
type wmean struct {
	num, den float64
	answers  int
}

func (w *wmean) add(weight int, x float64, answers int) {
	w.num += float64(weight) * x
	w.den += float64(weight)
	w.answers += answers
}

func (w *wmean) value() (float64, bool) {
	if w.den == 0 {
		return 0, false
	}
	return w.num / w.den, true
}

// Compute scores a campaign (see the formula above) from each group's
// number of responses and its tallies by indicator id.
func Compute(groups []Group, dims []*Indicator, responses map[int64]int, tallies map[int64]map[int64]Tally) Scores {
	exact := map[Key]float64{}
	answers := map[Key]int{}
	for _, g := range groups {
		var overall wmean
		for _, d := range dims {
			var dim wmean
			for _, l := range d.Children {
				t := tallies[g.ID][l.ID]
				if t.N <= 0 {
					continue
				}
				x := float64(PointsPerStep) * float64(t.Sum) / float64(t.N)
				k := Key{g.ID, l.ID}
				exact[k], answers[k] = x, t.N
				dim.add(l.Weight, x, t.N)
			}
			if x, ok := dim.value(); ok {
				k := Key{g.ID, d.ID}
				exact[k], answers[k] = x, dim.answers
				overall.add(d.Weight, x, 0)
			}
		}
		if x, ok := overall.value(); ok {
			k := Key{g.ID, 0}
			exact[k], answers[k] = x, responses[g.ID]
		}
	}
	// Across groups, by the groups' weights.
	across := func(id int64) {
		var m wmean
		for _, g := range groups {
			if x, ok := exact[Key{g.ID, id}]; ok {
				m.add(g.Weight, x, answers[Key{g.ID, id}])
			}
		}
		if x, ok := m.value(); ok {
			exact[Key{0, id}], answers[Key{0, id}] = x, m.answers
		}
	}
	for _, d := range dims {
		for _, l := range d.Children {
			across(l.ID)
		}
		across(d.ID)
	}
	across(0)
	out := Scores{}
	for k, x := range exact {
		out[k] = Score{Points: PointsOf(x), Answers: answers[k]}
	}
	return out
}
