package pubstats

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Charts are drawn on the server as inline SVG: no script, no external
// file, readable without CSS. Each is an image with a name (aria-label),
// a <title> and a <desc>, and the page puts its data table right below
// it; the bars and labels inside are decorative for assistive technology
// (role="img" makes them so). The first series is filled with the
// agency's accent colour (.bar-a, at least 7:1 on white), the second with
// a slate grey (.bar-b, 5:1) under white stripes, so that the two series
// differ in more than colour; text uses the page's text colour.

// Series is a named row of values.
type Series struct {
	Name   string
	Values []int
}

// BarChart is a vertical bar chart of one or two series over categories
// (the months of a year).
type BarChart struct {
	ID     string // prefix of the ids inside, unique in the page
	Title  string
	Desc   string
	Labels []string
	Series []Series
}

// HBarChart is a horizontal bar chart of one series (few categories with
// longer names).
type HBarChart struct {
	ID     string
	Title  string
	Desc   string
	Labels []string
	Values []int
}

const (
	fontSize  = 13
	gridColor = "#c4c8cd"
)

// niceScale returns the top of the value axis and its step: the smallest
// 1, 2 or 5 × 10^k step with which four steps reach max.
func niceScale(max int) (top, step int) {
	if max <= 0 {
		return 4, 1
	}
	for mag := 1; ; mag *= 10 {
		for _, m := range []int{1, 2, 5} {
			if s := m * mag; s*4 >= max {
				return s * 4, s
			}
		}
	}
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// open writes the <svg> element with its name and description.
func open(b *strings.Builder, id, title, desc string, w, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" aria-describedby="%s-desc" font-size="%d">`,
		w, h, w, h, esc(title), esc(id), fontSize)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
}

// fill is the fill of series i: a class for the first, the striped
// pattern for the second.
func fill(id string, i int) string {
	if i == 0 {
		return `class="bar-a"`
	}
	return `fill="url(#` + esc(id) + `-stripes)"`
}

func stripes(b *strings.Builder, id string) {
	fmt.Fprintf(b, `<defs><pattern id="%s-stripes" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`+
		`<rect width="6" height="6" class="bar-b"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>`, esc(id))
}

// SVG draws the chart.
func (c BarChart) SVG() template.HTML {
	// Narrow, so that the text stays legible when a phone scales the
	// image down to its width.
	const w, h = 440, 250
	const left, right, top, bottom = 44, 6, 38, 28
	plotW, plotH := w-left-right, h-top-bottom
	peak := 0
	for _, s := range c.Series {
		for _, v := range s.Values {
			peak = max(peak, v)
		}
	}
	axisTop, step := niceScale(peak)
	y := func(v int) int { return top + plotH - v*plotH/axisTop }
	var b strings.Builder
	open(&b, c.ID, c.Title, c.Desc, w, h)
	if len(c.Series) > 1 {
		stripes(&b, c.ID)
	}
	// Legend, top left.
	x := left
	for i, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="10" width="16" height="16" %s stroke="currentColor" stroke-width="1"/>`, x, fill(c.ID, i))
		fmt.Fprintf(&b, `<text x="%d" y="23" fill="currentColor">%s</text>`, x+22, esc(s.Name))
		x += 22 + fontSize*len([]rune(s.Name)) + 24
	}
	// Value axis with gridlines.
	for v := 0; v <= axisTop; v += step {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1"/>`, left, y(v), w-right, y(v), gridColor)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="currentColor">%d</text>`, left-6, y(v)+4, v)
	}
	n := len(c.Labels)
	if n == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String()) // #nosec G203 -- SVG built of constant markup, numbers and esc()-escaped text
	}
	group := plotW / n
	barW := min(28, group*7/10/max(1, len(c.Series)))
	for i, label := range c.Labels {
		gx := left + i*group
		bx := gx + (group-barW*len(c.Series))/2
		for si, s := range c.Series {
			v := 0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			if v > 0 {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" %s/>`, bx+si*barW, y(v), barW, y(0)-y(v), fill(c.ID, si))
			}
			if len(c.Series) == 1 && v > 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="currentColor">%d</text>`, bx+barW/2, y(v)-4, v)
			}
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="currentColor">%s</text>`, gx+group/2, h-8, esc(label))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="currentColor" stroke-width="1"/>`, left, y(0), w-right, y(0))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- SVG built of constant markup, numbers and esc()-escaped text
}

// SVG draws the chart.
func (c HBarChart) SVG() template.HTML {
	const w, rowH, top, labelW, valueW = 440, 30, 6, 132, 44
	h := top*2 + rowH*max(1, len(c.Labels))
	plotW := w - labelW - valueW
	peak := 0
	for _, v := range c.Values {
		peak = max(peak, v)
	}
	var b strings.Builder
	open(&b, c.ID, c.Title, c.Desc, w, h)
	for i, label := range c.Labels {
		v := 0
		if i < len(c.Values) {
			v = c.Values[i]
		}
		ry := top + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="currentColor">%s</text>`, labelW-8, ry+rowH/2+5, esc(label))
		bw := 0
		if peak > 0 {
			bw = v * plotW / peak
		}
		if v > 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="bar-a"/>`, labelW, ry+6, max(bw, 2), rowH-12)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="currentColor">%d</text>`, labelW+max(bw, 2)+6, ry+rowH/2+5, v)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="currentColor" stroke-width="1"/>`, labelW, top, labelW, h-top)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- SVG built of constant markup, numbers and esc()-escaped text
}

// monthLabels are the category labels of a year's months.
func monthLabels() []string {
	out := make([]string, 12)
	for i := range out {
		out[i] = strconv.Itoa(i+1) + "月"
	}
	return out
}
