package pubstats_test

import (
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/pubstats"
)

// wellFormed parses an SVG as XML and returns its elements by name.
func wellFormed(t *testing.T, svg string) map[string][]xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	d.Strict = true
	out := map[string][]xml.StartElement{}
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			depth++
			out[x.Name.Local] = append(out[x.Name.Local], x)
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Fatalf("unbalanced elements")
	}
	return out
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestBarChartSVG(t *testing.T) {
	vals := []int{2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	svg := string(pubstats.BarChart{ID: "c1", Title: `每月发布 <b>"信息"</b> & 更多`, Desc: "柱状图 <script>alert(1)</script>",
		Labels: []string{"1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"},
		Series: []pubstats.Series{{Name: "发布信息（条）", Values: vals}}}.SVG())
	els := wellFormed(t, svg)
	root := els["svg"][0]
	if attr(root, "role") != "img" || attr(root, "aria-label") != `每月发布 <b>"信息"</b> & 更多` || attr(root, "aria-describedby") != "c1-desc" {
		t.Errorf("root attributes: %v", root.Attr)
	}
	if len(els["title"]) != 1 || len(els["desc"]) != 1 || attr(els["desc"][0], "id") != "c1-desc" {
		t.Errorf("title/desc: %v %v", els["title"], els["desc"])
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, "<b>") {
		t.Error("markup in labels was not escaped")
	}
	// One bar per non-zero value (plus the legend swatch), heights in
	// proportion: the axis tops at 4 (steps of 1) so 4 fills the plot.
	var heights []int
	for _, r := range els["rect"] {
		if attr(r, "class") == "bar-a" && attr(r, "y") != "10" {
			h, _ := strconv.Atoi(attr(r, "height"))
			heights = append(heights, h)
		}
	}
	if len(heights) != 3 || heights[0] != heights[1]/2 || heights[2] != heights[1]/4 {
		t.Errorf("bar heights %v", heights)
	}
	// Value labels above the bars of a single series.
	for _, v := range []string{">2</text>", ">4</text>", ">1</text>"} {
		if !strings.Contains(svg, v) {
			t.Errorf("value label %s missing", v)
		}
	}
	if !strings.Contains(svg, ">12月</text>") {
		t.Error("month labels missing")
	}
}

func TestTwoSeriesDifferInMoreThanColour(t *testing.T) {
	svg := string(pubstats.BarChart{ID: "c2", Title: "收到和答复", Desc: "d", Labels: []string{"1月", "2月"},
		Series: []pubstats.Series{{Name: "收到", Values: []int{3, 1}}, {Name: "答复", Values: []int{2, 0}}}}.SVG())
	els := wellFormed(t, svg)
	if len(els["pattern"]) != 1 || attr(els["pattern"][0], "id") != "c2-stripes" {
		t.Fatalf("no stripe pattern: %s", svg)
	}
	striped := 0
	for _, r := range els["rect"] {
		if attr(r, "fill") == "url(#c2-stripes)" {
			striped++
		}
	}
	if striped != 2 { // the legend swatch and the one non-zero bar
		t.Errorf("%d striped rects", striped)
	}
}

func TestHBarChartSVG(t *testing.T) {
	svg := string(pubstats.HBarChart{ID: "h", Title: "办理结果", Desc: "条形图", Labels: []string{"予以公开", "部分公开", "不予公开"}, Values: []int{6, 3, 0}}.SVG())
	els := wellFormed(t, svg)
	var widths []int
	for _, r := range els["rect"] {
		w, _ := strconv.Atoi(attr(r, "width"))
		widths = append(widths, w)
	}
	if len(widths) != 2 || widths[1]*2 != widths[0] {
		t.Errorf("bar widths %v", widths)
	}
	if n := len(regexp.MustCompile(`>0</text>`).FindAllString(svg, -1)); n != 1 {
		t.Errorf("the zero row should show 0 once: %d", n)
	}
	// An empty chart is still a valid image.
	wellFormed(t, string(pubstats.HBarChart{ID: "e", Title: "空", Desc: "无数据"}.SVG()))
	wellFormed(t, string(pubstats.BarChart{ID: "e2", Title: "空", Desc: "无数据", Labels: []string{"1月"}, Series: []pubstats.Series{{Name: "x"}}}.SVG()))
}
