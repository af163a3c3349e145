package disclosure

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// tagRE is one tag as bluemonday writes it: a name, then attributes with
// double-quoted values.
var tagRE = regexp.MustCompile(`^<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"<>]*")?)*)\s*/?>`)

var attrRE = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?`)

// bodyTags are the elements an item body may hold after sanitising.
var bodyTags = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`a abbr acronym address article aside b bdi bdo big blockquote br caption cite code col colgroup
		dd del details dfn div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 hgroup hr i img ins kbd li mark ol p pre q rp rt ruby s samp
		section small span strike strong sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr`) {
		bodyTags[t] = true
	}
}

// unsafeURL reports a URL that would run script when followed or loaded,
// read as a browser reads it (entities decoded, whitespace and controls
// ignored, any case).
func unsafeURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(html.UnescapeString(v)))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text") ||
		strings.HasPrefix(v, "data:application") || strings.HasPrefix(v, "data:image/svg")
}

// checkSanitised fails unless out is markup in which every tag is an
// allowed element whose attributes carry no event handler, style or
// script URL, and every other "<" is escaped.
func checkSanitised(t *testing.T, in, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") || strings.Contains(strings.ToLower(out), "<style") {
		t.Fatalf("RenderBody(%q) = %q", in, out)
	}
	for i := 0; i < len(out); i++ {
		if out[i] != '<' {
			continue
		}
		m := tagRE.FindStringSubmatch(out[i:])
		if m == nil {
			t.Fatalf("RenderBody(%q) = %q: unescaped < at %d", in, out, i)
		}
		if name := strings.ToLower(m[2]); !bodyTags[name] {
			t.Fatalf("RenderBody(%q) = %q: element <%s>", in, out, name)
		}
		for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
			name := strings.ToLower(a[1])
			if strings.HasPrefix(name, "on") || name == "style" || name == "srcdoc" || name == "formaction" {
				t.Fatalf("RenderBody(%q) = %q: attribute %s", in, out, name)
			}
			if (name == "href" || name == "src" || name == "cite" || name == "action" || name == "xlink:href") && unsafeURL(a[2]) {
				t.Fatalf("RenderBody(%q) = %q: %s=%q", in, out, name, a[2])
			}
		}
		i += len(m[0]) - 1
	}
}

// FuzzRenderBody: whatever Markdown (with raw HTML, autolinks, reference
// links and tables) an item body holds, the HTML the portal shows is inert,
// and PlainText keeps valid text valid.
func FuzzRenderBody(f *testing.F) {
	for _, s := range []string{
		"# 标题\n\n正文 **加粗** _斜体_\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n1. 一\n2. 二\n\n> 引用\n\n```\ncode <b>\n```",
		"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[点我](javascript:alert(1))", "[x](JaVaScRiPt&#58;alert(1))",
		"[x](java\tscript:alert(1))", "![x](data:text/html;base64,PHNjcmlwdD4=)", "<a href=\"vbscript:msgbox\">x</a>",
		"[x]: javascript:alert(1)\n\n[y][x]", "<https://example.cn/?a=<b>>", "www.example.cn/<script>", "<svg onload=alert(1)>",
		"<iframe srcdoc=\"<script>\">", "<style>*{}</style>", "<!-- <script> -->", "<![CDATA[<script>]]>", "<<script>>",
		"[x](<javascript:alert(1)>)", "<a href='&#x6A;avascript:alert(1)'>x</a>", "`<script>`", "\\<script>", "<p style=\"x:expression(1)\">",
		"<math><mi xlink:href=\"javascript:alert(1)\">", "<form action=javascript:alert(1)><input>", "\xff\xfe<", "~~删除~~ | a |\n|-|\n|<b>|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		out := string(RenderBody(md))
		checkSanitised(t, md, out)
		if utf8.ValidString(md) {
			if !utf8.ValidString(out) {
				t.Fatalf("RenderBody(%q) is not UTF-8", md)
			}
			if p := PlainText(md); !utf8.ValidString(p) {
				t.Fatalf("PlainText(%q) is not UTF-8", md)
			}
		}
	})
}
