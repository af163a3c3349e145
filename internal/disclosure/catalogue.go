package disclosure

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/db"
)

// ColumnKind is what a column of the catalogue is.
type ColumnKind string

// Column kinds. The unified layout (国办公开办函〔2019〕61号) has five
// first-level columns; statutory content is divided by the Art. 20 items.
const (
	KindGuide       ColumnKind = "guide"       // 政府信息公开指南: a page built from the settings
	KindSystem      ColumnKind = "system"      // 政府信息公开制度
	KindStatutory   ColumnKind = "statutory"   // 法定主动公开内容 (a container)
	KindItems       ColumnKind = "items"       // an ordinary list of items
	KindReport      ColumnKind = "report"      // 政府信息公开年报
	KindApplication ColumnKind = "application" // 依申请公开 (the application pages)
	KindTopical     ColumnKind = "topical"     // 专题专栏
)

// Column is a column of an agency's catalogue, or a topical column.
type Column struct {
	ID            int64
	AgencyID      int64
	ParentID      int64
	Slug          string
	Name          string
	Kind          ColumnKind
	StatutoryItem string
	Intro         string
	Open          bool // topical columns: still being updated
	Hidden        bool
	SortOrder     int
	CreatedAt     time.Time
	Children      []*Column
}

// HoldsItems reports whether items can be placed in the column.
func (c *Column) HoldsItems() bool {
	return c.Kind == KindItems || c.Kind == KindSystem || c.Kind == KindReport || c.Kind == KindTopical
}

// defaultCatalogue is the unified layout every agency starts with.
var defaultCatalogue = []struct {
	slug, name    string
	kind          ColumnKind
	statutoryItem string
	children      []struct{ slug, name, item string }
}{
	{"guide", "政府信息公开指南", KindGuide, "", nil},
	{"system", "政府信息公开制度", KindSystem, "", nil},
	{"statutory", "法定主动公开内容", KindStatutory, "", []struct{ slug, name, item string }{
		{"jgzn", "机构职能", "20.2"},
		{"zcwj", "政策文件", "20.1"},
		{"ghjh", "规划计划", "20.3"},
		{"tjxx", "统计信息", "20.4"},
		{"xzxk", "行政许可和服务事项", "20.5"},
		{"xzcf", "行政处罚和行政强制", "20.6"},
		{"czyjs", "财政预决算", "20.7"},
		{"sfxm", "行政事业性收费", "20.8"},
		{"zfcg", "政府采购", "20.9"},
		{"yjgl", "应急管理", "20.12"},
		{"jdjc", "监督检查", "20.13"},
		{"rsxx", "人事信息", "20.14"},
		{"qtxx", "其他法定公开信息", "20.15"},
	}},
	{"annual-report", "政府信息公开年报", KindReport, "", nil},
	{"apply", "依申请公开", KindApplication, "", nil},
}

const columnSelect = `SELECT id, agency_id, COALESCE(parent_id, 0), slug, name, kind, statutory_item, intro, state, hidden, sort_order, created_at FROM catalogue_columns`

func scanColumn(row interface{ Scan(...any) error }) (*Column, error) {
	var c Column
	var kind, state string
	if err := row.Scan(&c.ID, &c.AgencyID, &c.ParentID, &c.Slug, &c.Name, &kind, &c.StatutoryItem, &c.Intro, &state, &c.Hidden, &c.SortOrder, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.Kind, c.Open = ColumnKind(kind), state == "open"
	return &c, nil
}

func listColumns(ctx context.Context, q db.Querier, agencyID int64) ([]*Column, error) {
	rows, err := q.QueryContext(ctx, columnSelect+" WHERE agency_id = $1 ORDER BY sort_order, id", agencyID)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Column
	for rows.Next() {
		c, err := scanColumn(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// seedCatalogue creates the unified layout for an agency that has none.
func seedCatalogue(ctx context.Context, tx db.Tx, agencyID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM catalogue_columns WHERE agency_id = $1", agencyID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	now := db.Now()
	for i, top := range defaultCatalogue {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO catalogue_columns (agency_id, slug, name, kind, statutory_item, sort_order, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, agencyID, top.slug, top.name, string(top.kind), top.statutoryItem, (i+1)*10, now).Scan(&id); err != nil {
			return err
		}
		for j, ch := range top.children {
			if _, err := tx.ExecContext(ctx, `INSERT INTO catalogue_columns (agency_id, parent_id, slug, name, kind, statutory_item, sort_order, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, agencyID, id, ch.slug, ch.name, string(KindItems), ch.item, (j+1)*10, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// Tree arranges columns into their hierarchy (topical columns excluded).
func Tree(cols []*Column) []*Column {
	byID := map[int64]*Column{}
	for _, c := range cols {
		c.Children = nil
		byID[c.ID] = c
	}
	var roots []*Column
	for _, c := range cols {
		if c.Kind == KindTopical {
			continue
		}
		if p, ok := byID[c.ParentID]; ok && c.ParentID != 0 {
			p.Children = append(p.Children, c)
		} else {
			roots = append(roots, c)
		}
	}
	return roots
}

var columnSlugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// ColumnInput is the editable part of a column.
type ColumnInput struct {
	ParentID      int64
	Slug          string
	Name          string
	Kind          ColumnKind
	StatutoryItem string
	Intro         string
	Open          bool
	Hidden        bool
	SortOrder     int
}

// Validate checks a column.
func (in *ColumnInput) Validate() error {
	f := map[string]string{}
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	in.Intro = strings.TrimSpace(in.Intro)
	if !columnSlugPattern.MatchString(in.Slug) {
		f["slug"] = "栏目标识须为 1–40 位小写字母、数字或连字符，例如 mzgz"
	}
	if n := utf8.RuneCountInString(in.Name); n == 0 || n > 40 || strings.ContainsAny(in.Name, "<>\r\n") {
		f["name"] = "栏目名称须为 1–40 个字，不能包含 < > 或换行"
	}
	if utf8.RuneCountInString(in.Intro) > 2000 {
		f["intro"] = "栏目说明不能超过 2000 字"
	}
	switch in.Kind {
	case KindItems, KindTopical, KindSystem, KindReport:
	default:
		f["kind"] = "只能新增信息列表栏目或专题专栏"
	}
	if in.StatutoryItem != "" && StatutoryLabel(in.StatutoryItem) == in.StatutoryItem {
		f["statutory_item"] = "请从列表中选择法定公开事项"
	}
	if in.SortOrder < 0 || in.SortOrder > 9999 {
		f["sort_order"] = "排序须为 0–9999 的整数"
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return nil
}
