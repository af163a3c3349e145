package pubstats

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/civil"
)

// checkSVG fails unless out is one well-formed svg element with no script,
// event handler, foreign object or external reference: the labels (names of
// channels, categories and columns) are text only.
func checkSVG(t *testing.T, out string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(out))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if e.Name.Local != "svg" {
					t.Fatalf("root <%s>", e.Name.Local)
				}
			}
			depth++
			switch strings.ToLower(e.Name.Local) {
			case "script", "foreignobject", "iframe", "image", "use", "a", "style":
				t.Fatalf("element <%s> in %s", e.Name.Local, out)
			}
			for _, a := range e.Attr {
				n := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(n, "on") || n == "href" || n == "style" {
					t.Fatalf("attribute %s=%q", a.Name.Local, a.Value)
				}
			}
		case xml.EndElement:
			depth--
		case xml.ProcInst, xml.Directive:
			t.Fatalf("%T in %s", tok, out)
		}
	}
	if roots != 1 || depth != 0 {
		t.Fatalf("%d roots, depth %d", roots, depth)
	}
}

func clean(s string) string {
	// XML 1.0 cannot carry these characters at all; the pages never hold them.
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xfffe || r == 0xffff || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// FuzzChartSVG: the inline SVG charts of the public statistics pages are
// well-formed, inert markup whatever their labels, titles and values; the
// ?year= parameter is a year in range or an Invalid error.
func FuzzChartSVG(f *testing.F) {
	f.Add("领导信箱", "留言板", `"><script>alert(1)</script>`, "x' onload='alert(1)", int64(12), int64(-3), "2024")
	f.Add("", "", "", "", int64(0), int64(0), "")
	f.Add("&amp;", "]]>", "<![CDATA[", "</svg><svg onload=alert(1)>", int64(1_000_000_000), int64(7), "０２４")
	f.Fuzz(func(t *testing.T, l1, l2, title, id string, v1, v2 int64, year string) {
		l1, l2, title, id = clean(l1), clean(l2), clean(title), clean(id)
		v1 %= 1_000_000_000
		v2 %= 1_000_000_000
		bc := BarChart{ID: id, Title: title, Desc: title, Labels: []string{l1, l2, "三月"},
			Series: []Series{{Name: l1, Values: []int{int(v1), int(v2)}}, {Name: l2, Values: []int{int(v2)}}}}
		checkSVG(t, string(bc.SVG()))
		bc.Series = bc.Series[:1]
		checkSVG(t, string(bc.SVG()))
		hc := HBarChart{ID: id, Title: title, Desc: l2, Labels: []string{l1, l2}, Values: []int{int(v1), int(v2), 5}}
		checkSVG(t, string(hc.SVG()))
		today := civil.New(2026, 5, 1)
		y, err := ParseYear(year, today)
		if err != nil {
			return
		}
		if y < MinYear || y > today.Year || (year != "" && year != strings.TrimSpace(year)) {
			t.Fatalf("ParseYear(%q) = %d", year, y)
		}
	})
}
