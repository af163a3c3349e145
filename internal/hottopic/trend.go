package hottopic

import (
	"math"
	"slices"
	"strings"

	"github.com/gongkai/gongkai/internal/civil"
)

// Trend is a term that is being written about more than usual.
type Trend struct {
	Term string
	// Count is the number of messages using the term in the period.
	Count int
	// Baseline is the average per period over the periods before.
	Baseline float64
	// Score is the burst: how far Count is above Baseline, in units of
	// the spread a Poisson count of that mean has (with one added so
	// that a term new this period does not score infinitely).
	Score float64
}

// Trending returns the terms whose use in the period of periodDays days
// ending with the day end (included) rises most above their average over
// the baseline periods before it, strongest first, at most limit. A term
// must appear in at least minCount messages of the period.
func (c *Corpus) Trending(end civil.Date, periodDays, baselinePeriods, minCount, limit int) []Trend {
	if periodDays < 1 {
		periodDays = 1
	}
	endN := int32(epoch.DaysUntil(end)) // #nosec G115 -- days from 2000-01-01 to a civil date fit an int32
	curFrom := endN - int32(periodDays) + 1
	baseFrom := curFrom - int32(periodDays*baselinePeriods) // #nosec G115 -- callers pass periods of days to weeks and a few of them
	cur := map[int32]int{}
	before := map[int32]int{}
	for i, bag := range c.bags {
		d := c.day[i]
		if d > endN || d < baseFrom {
			continue
		}
		m := before
		if d >= curFrom {
			m = cur
		}
		for _, e := range bag {
			m[e.t]++
		}
	}
	var out []Trend
	for t, n := range cur {
		if n < minCount {
			continue
		}
		base := 0.0
		if baselinePeriods > 0 {
			base = float64(before[t]) / float64(baselinePeriods)
		}
		if float64(n) <= base {
			continue
		}
		out = append(out, Trend{Term: c.terms[t], Count: n, Baseline: base, Score: (float64(n) - base) / math.Sqrt(base+1)})
	}
	slices.SortFunc(out, func(a, b Trend) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.Count != b.Count:
			return b.Count - a.Count
		}
		return strings.Compare(a.Term, b.Term)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Daily counts the given documents per day from from to to (both
// included); documents outside the range are not counted.
func (c *Corpus) Daily(members []int, from, to civil.Date) []int {
	f := int32(epoch.DaysUntil(from))          // #nosec G115 -- days from 2000-01-01 to a civil date fit an int32
	n := int(int32(epoch.DaysUntil(to))-f) + 1 // #nosec G115 -- as above
	if n <= 0 {
		return nil
	}
	out := make([]int, n)
	for _, m := range members {
		if k := int(c.day[m] - f); k >= 0 && k < n {
			out[k]++
		}
	}
	return out
}
