package annualreport

import (
	"bytes"
	_ "embed"
	"html/template"
)

// The tables of sections 二, 三 and 四 as HTML, laid out as the official
// format prints them (merged header and group cells), from one template
// used by the portal page, the console and the printable (PDF) page. The
// XLSX file follows the same layout (Layout).

//go:embed tables.tmpl
var tablesSource string

var tablesTemplate = template.Must(template.New("tables").Parse(tablesSource))

// Label is a header or row label cell with its spans.
type Label struct {
	Text             string
	RowSpan, ColSpan int
}

// CellView is one numeric cell as shown.
type CellView struct {
	Code, Text string
	// Bad marks a cell of a failed identity; Overridden one changed by
	// staff (with Note the reason); Manual one entered by staff (Note the
	// source).
	Bad, Overridden, Manual bool
	Note                    string
}

// RowView is a table row: its label cells (only those that start on this
// row) and its numbers.
type RowView struct {
	Labels []Label
	Cells  []CellView
}

// PartView is one sub-table of section 二.
type PartView struct {
	Caption string
	Span    int // the caption's column span
	Columns []Column
	Rows    []RowView
}

// TablesView is everything the tables template shows.
type TablesView struct {
	Format    Format
	Two       []PartView
	ThreeNote string
	Three     []RowView
	Four      []CellView
	FourHeads []string
	// Annotate shows the staff marks (overridden, manual, failing cells).
	Annotate bool
}

// View lays out a report's cells; bad lists the cells of failed
// identities (nil: none shown).
func View(r *Report, annotate bool) TablesView {
	bad := map[string]bool{}
	if annotate {
		for _, p := range r.Check() {
			for _, c := range p.Codes {
				bad[c] = true
			}
		}
	}
	cell := func(code string) CellView {
		v := CellView{Code: code, Text: r.Show(code), Bad: bad[code]}
		if o, ok := r.Overrides[code]; ok {
			v.Overridden, v.Note = true, "平台计算 "+r.Format.Display(code, o.Computed)+"；修正理由："+o.Reason
		} else if r.Format.IsManual(code) {
			v.Manual, v.Note = true, r.Sources[code]
		}
		return v
	}
	tv := TablesView{Format: r.Format, Annotate: annotate, ThreeNote: "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"}
	for _, p := range r.Format.TableTwo() {
		pv := PartView{Caption: p.Caption, Columns: p.Columns, Span: len(p.Columns) + 1}
		for _, row := range p.Rows {
			rv := RowView{Labels: []Label{{Text: row.Label, RowSpan: 1, ColSpan: 1}}}
			for _, c := range p.Columns {
				rv.Cells = append(rv.Cells, cell(T2(row.Code, c.Code)))
			}
			pv.Rows = append(pv.Rows, rv)
		}
		tv.Two = append(tv.Two, pv)
	}
	for _, lr := range LayoutThree(r.Format) {
		rv := RowView{Labels: lr.Labels}
		for _, c := range ApplicantColumns {
			rv.Cells = append(rv.Cells, cell(T3(lr.Row.Code, c.Code)))
		}
		tv.Three = append(tv.Three, rv)
	}
	for _, b := range RemedyBlocks {
		for _, c := range RemedyColumns {
			tv.Four = append(tv.Four, cell(T4(b.Code, c.Code)))
			tv.FourHeads = append(tv.FourHeads, c.Label)
		}
	}
	return tv
}

// LaidRow is a table-three row with the label cells that start on it.
type LaidRow struct {
	Row    Row
	Labels []Label
}

// LayoutThree places table three's labels in three label columns with the
// official merges: a level-1 label alone spans the three columns; the
// group 三、本年度办理结果 spans its rows in the first column; a level-2
// label without level 3 spans two columns; a level-2 group spans its rows
// in the second column.
func LayoutThree(f Format) []LaidRow {
	rows := f.TableThree()
	var out []LaidRow
	for i, r := range rows {
		lr := LaidRow{Row: r}
		switch {
		case r.Level2 == "":
			lr.Labels = append(lr.Labels, Label{Text: r.Level1, RowSpan: 1, ColSpan: 3})
		default:
			if i == 0 || rows[i-1].Level1 != r.Level1 {
				n := 0
				for _, x := range rows[i:] {
					if x.Level1 != r.Level1 {
						break
					}
					n++
				}
				lr.Labels = append(lr.Labels, Label{Text: r.Level1, RowSpan: n, ColSpan: 1})
			}
			if r.Level3 == "" {
				lr.Labels = append(lr.Labels, Label{Text: r.Level2, RowSpan: 1, ColSpan: 2})
				break
			}
			if rows[i-1].Level2 != r.Level2 {
				n := 0
				for _, x := range rows[i:] {
					if x.Level2 != r.Level2 {
						break
					}
					n++
				}
				lr.Labels = append(lr.Labels, Label{Text: r.Level2, RowSpan: n, ColSpan: 1})
			}
			lr.Labels = append(lr.Labels, Label{Text: r.Level3, RowSpan: 1, ColSpan: 1})
		}
		out = append(out, lr)
	}
	return out
}

// Tables renders the tables of sections 二, 三 and 四 as HTML (each under
// its section heading); annotate adds the staff marks.
func Tables(r *Report, annotate bool) template.HTML {
	var b bytes.Buffer
	if err := tablesTemplate.Execute(&b, View(r, annotate)); err != nil {
		return template.HTML("<p>表格无法显示。</p>")
	}
	return template.HTML(b.String()) // #nosec G203 -- the output of the html/template tablesTemplate, escaped by it
}
