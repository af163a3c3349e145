package annualreport

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// AgencyRef is what reports need to know of an agency.
type AgencyRef struct {
	ID, ParentID int64
	Slug, Name   string
	// Kind is the agency's kind ("bureau", "district_bureau",
	// "institution"); the consolidated view selects district bureaus by it.
	Kind string
}

// Agencies gives the agencies (wired in app).
type Agencies interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
	// All lists every agency of the platform.
	All(ctx context.Context) ([]AgencyRef, error)
}

// Fact is one computed fact for the narrative of section 一, under one of
// its five themes (主动公开, 依申请公开, 政府信息管理, 政府信息公开平台建设,
// 监督保障).
type Fact struct {
	Theme, Text string
}

// Themes are the five themes of section 一, in order.
var Themes = []string{"主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障"}

// Sources compute what the platform records for an agency and year (the
// other capabilities, wired in app).
type Sources interface {
	// TableThree is table three in the order of TableThreeRows ×
	// ApplicantColumns.
	TableThree(ctx context.Context, agencyID int64, year int) ([25][7]int64, error)
	// TableFour is table four in the order of RemedyBlocks × RemedyColumns.
	TableFour(ctx context.Context, agencyID int64, year int) ([3][5]int64, error)
	// Normative is the agency's normative documents issued and repealed in
	// the year and in force at its end.
	Normative(ctx context.Context, agencyID int64, year int) (issued, repealed, inForce int64, err error)
	// ProcessingFees is the 信息处理费 received in the year, in 元.
	ProcessingFees(ctx context.Context, agencyID int64, year int) (int64, error)
	// Facts are the facts for the narrative of section 一.
	Facts(ctx context.Context, agencyID int64, year int) ([]Fact, error)
}

// Deps are the services reports use.
type Deps struct {
	DB       *db.DB
	Agencies Agencies
	Sources  Sources
	Version  interface {
		Bump(ctx context.Context, tx db.Tx) error
		Invalidate()
	}
	Now func() time.Time
}

// Service is the rules of annual reports.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// State is where a report version is.
type State string

// States.
const (
	Draft      State = "draft"
	Published  State = "published"
	Superseded State = "superseded" // a published version replaced by a correction
)

// Label is the state in Chinese.
func (s State) Label() string {
	switch s {
	case Draft:
		return "草稿"
	case Published:
		return "已发布"
	case Superseded:
		return "已被更正"
	}
	return string(s)
}

// Sections whose text staff write.
const (
	SectionOverview = "overview" // 一、总体情况
	SectionProblems = "problems" // 五、存在的主要问题及改进情况
	SectionOther    = "other"    // 六、其他需要报告的事项
	MaxSectionRunes = 20000
	MaxReasonRunes  = 200
)

// Override is a staff change of a computed cell.
type Override struct {
	Value    int64     `json:"value"`
	Computed int64     `json:"computed"`
	Reason   string    `json:"reason"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Report is one version of an agency's report on a year.
type Report struct {
	ID             int64
	AgencyID       int64
	Year           int
	Version        int
	Format         Format
	State          State
	Overview       string
	Problems       string
	Other          string
	Cells          Cells
	Computed       Cells
	Overrides      map[string]Override
	Sources        map[string]string // code → source note of a manual cell
	ProcessingFee  int64             // 元
	CorrectionNote string
	Imported       bool
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	RefreshedAt    time.Time
	PublishedAt    time.Time
	RowVersion     int

	// Filled when read.
	AgencyName, AgencySlug string
}

// Title is the report's official title.
func (r *Report) Title() string {
	return r.AgencyName + strconv.Itoa(r.Year) + "年政府信息公开工作年度报告"
}

// Locked reports whether the version can no longer be edited.
func (r *Report) Locked() bool { return r.State != Draft }

// Problems are the failed identities of the report's cells.
func (r *Report) Check() []Problem { return r.Format.Check(r.Cells) }

// Value is a cell.
func (r *Report) Value(code string) int64 { return r.Cells[code] }

// Show is a cell as printed.
func (r *Report) Show(code string) string { return r.Format.Display(code, r.Cells[code]) }

// DueOn is the statutory publication deadline of the report on year.
func DueOn(year int) civil.Date { return civil.New(year+1, DueMonth, DueDay) }

var (
	errForbidden = apperr.New(apperr.Forbidden, "您无权编制本单位的政府信息公开工作年度报告。")
	errNotFound  = apperr.NotFoundf("没有这份年度报告。")
	errLocked    = apperr.New(apperr.Conflict, "这份年度报告已发布，不能再修改；如需更正，请创建更正版本。")
	errStale     = apperr.New(apperr.Conflict, "这份年度报告刚被其他人修改过，请刷新页面后再操作。")
)

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Today is the date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

func allowed(p *auth.Principal, perm auth.Permission) error {
	if !auth.Allowed(p, perm) || p.AgencyID == 0 {
		return errForbidden
	}
	return nil
}

func (s *Service) record(ctx context.Context, tx db.Tx, p *auth.Principal, r *Report, action, summary string) error {
	return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: r.AgencyID, Action: "annualreport." + action, ObjectType: "annual_report",
		ObjectID: strconv.FormatInt(r.ID, 10), Summary: fmt.Sprintf("%d年度报告（第 %d 版）：%s", r.Year, r.Version, summary)})
}

// ------------------------------------------------------------ storage

const reportCols = `id, agency_id, year, version, format, state, overview, problems, other, cells, computed, overrides, sources,
	processing_fee, correction_note, imported, COALESCE(created_by, 0), created_at, updated_at, refreshed_at, published_at, row_version`

func scanReport(r interface{ Scan(...any) error }) (*Report, error) {
	x := &Report{}
	var format, state, cells, computed, overrides, sources string
	var refreshed, published sql.NullTime
	if err := r.Scan(&x.ID, &x.AgencyID, &x.Year, &x.Version, &format, &state, &x.Overview, &x.Problems, &x.Other, &cells, &computed,
		&overrides, &sources, &x.ProcessingFee, &x.CorrectionNote, &x.Imported, &x.CreatedBy, &x.CreatedAt, &x.UpdatedAt, &refreshed, &published,
		&x.RowVersion); err != nil {
		return nil, err
	}
	x.Format, x.State = Format(format), State(state)
	x.RefreshedAt, x.PublishedAt = refreshed.Time, published.Time
	for _, j := range []struct {
		s string
		v any
	}{{cells, &x.Cells}, {computed, &x.Computed}, {overrides, &x.Overrides}, {sources, &x.Sources}} {
		if err := json.Unmarshal([]byte(j.s), j.v); err != nil {
			return nil, fmt.Errorf("annualreport: report %d: %w", x.ID, err)
		}
	}
	if x.Cells == nil {
		x.Cells = Cells{}
	}
	if x.Computed == nil {
		x.Computed = Cells{}
	}
	if x.Overrides == nil {
		x.Overrides = map[string]Override{}
	}
	if x.Sources == nil {
		x.Sources = map[string]string{}
	}
	return x, nil
}

func (s *Service) query(ctx context.Context, q db.Querier, where string, args ...any) ([]*Report, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+reportCols+` FROM annual_reports WHERE `+where, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names := map[int64]AgencyRef{}
	for _, r := range out {
		a, ok := names[r.AgencyID]
		if !ok {
			a, _ = s.Agencies.Agency(ctx, r.AgencyID)
			names[r.AgencyID] = a
		}
		r.AgencyName, r.AgencySlug = a.Name, a.Slug
	}
	return out, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// save writes a draft's editable state, checking its row version.
func (s *Service) save(ctx context.Context, tx db.Tx, r *Report) error {
	res, err := tx.ExecContext(ctx, `UPDATE annual_reports SET overview = $1, problems = $2, other = $3, cells = $4, computed = $5, overrides = $6,
		sources = $7, processing_fee = $8, correction_note = $9, updated_at = $10, refreshed_at = $11, row_version = row_version + 1
		WHERE id = $12 AND row_version = $13 AND state = 'draft'`, r.Overview, r.Problems, r.Other, mustJSON(r.Cells), mustJSON(r.Computed),
		mustJSON(r.Overrides), mustJSON(r.Sources), r.ProcessingFee, r.CorrectionNote, s.now(), nullTime(r.RefreshedAt), r.ID, r.RowVersion)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errStale
	}
	r.RowVersion++
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (s *Service) insert(ctx context.Context, tx db.Tx, p *auth.Principal, r *Report) error {
	now := s.now()
	r.CreatedAt, r.UpdatedAt, r.RowVersion = now, now, 1
	var by any
	if p != nil && p.UserID != 0 {
		by = p.UserID
		r.CreatedBy = p.UserID
	}
	var published any
	if !r.PublishedAt.IsZero() {
		published = r.PublishedAt
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO annual_reports (agency_id, year, version, format, state, overview, problems, other, cells, computed,
		overrides, sources, processing_fee, correction_note, imported, created_by, created_at, updated_at, refreshed_at, published_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19) RETURNING id`,
		r.AgencyID, r.Year, r.Version, string(r.Format), string(r.State), r.Overview, r.Problems, r.Other, mustJSON(r.Cells), mustJSON(r.Computed),
		mustJSON(r.Overrides), mustJSON(r.Sources), r.ProcessingFee, r.CorrectionNote, r.Imported, by, now, nullTime(r.RefreshedAt), published).Scan(&r.ID)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "这一年度的报告刚被其他人创建，请刷新页面。")
	}
	return err
}

// ------------------------------------------------------------ reading

// Reports lists p's agency's report versions, newest year and version
// first.
func (s *Service) Reports(ctx context.Context, p *auth.Principal) ([]*Report, error) {
	if err := allowed(p, auth.ManageAnnualReport); err != nil {
		return nil, err
	}
	return s.query(ctx, s.DB.R, "agency_id = $1 ORDER BY year DESC, version DESC", p.AgencyID)
}

// Report returns a version of p's agency's report.
func (s *Service) Report(ctx context.Context, p *auth.Principal, id int64) (*Report, error) {
	if err := allowed(p, auth.ManageAnnualReport); err != nil {
		return nil, err
	}
	list, err := s.query(ctx, s.DB.R, "id = $1 AND agency_id = $2", id, p.AgencyID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errNotFound
	}
	return list[0], nil
}

// PublicReports are an agency's published reports (the current version
// of each year), newest first.
func (s *Service) PublicReports(ctx context.Context, agencyID int64) ([]*Report, error) {
	return s.query(ctx, s.DB.R, "agency_id = $1 AND state = 'published' ORDER BY year DESC", agencyID)
}

// PublicReport is the published version of an agency's report on a year,
// with the corrected versions before it (newest first).
func (s *Service) PublicReport(ctx context.Context, agencyID int64, year int) (*Report, []*Report, error) {
	list, err := s.query(ctx, s.DB.R, "agency_id = $1 AND year = $2 AND state IN ('published', 'superseded') ORDER BY version DESC", agencyID, year)
	if err != nil {
		return nil, nil, err
	}
	if len(list) == 0 || list[0].State != Published {
		return nil, nil, errNotFound
	}
	return list[0], list[1:], nil
}

// ------------------------------------------------------------ building

// Open returns the report of p's agency on a year to work on: the current
// draft, or the published version, or a new draft computed from the
// platform's records.
func (s *Service) Open(ctx context.Context, p *auth.Principal, year int) (*Report, error) {
	if err := allowed(p, auth.ManageAnnualReport); err != nil {
		return nil, err
	}
	today := s.Today()
	if year < FirstYear || year > today.Year {
		return nil, apperr.FieldErrors(map[string]string{"year": fmt.Sprintf("年度应在 %d 至 %d 之间。", FirstYear, today.Year)})
	}
	list, err := s.query(ctx, s.DB.R, "agency_id = $1 AND year = $2 ORDER BY version DESC", p.AgencyID, year)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		return list[0], nil
	}
	if year < 2021 {
		return nil, apperr.FieldErrors(map[string]string{"year": "2021 年以前的报告采用试行格式，请通过“导入历年报告”录入。"})
	}
	a, err := s.Agencies.Agency(ctx, p.AgencyID)
	if err != nil {
		return nil, err
	}
	r := &Report{AgencyID: p.AgencyID, Year: year, Version: 1, Format: Format2021, State: Draft, AgencyName: a.Name, AgencySlug: a.Slug,
		Cells: Cells{}, Computed: Cells{}, Overrides: map[string]Override{}, Sources: map[string]string{}}
	for _, code := range r.Format.Codes() {
		if r.Format.IsManual(code) {
			r.Sources[code] = ""
		}
	}
	if err := s.compute(ctx, r); err != nil {
		return nil, err
	}
	r.Overview, r.Other = s.defaultOverview(ctx, r), defaultOther(r)
	r.Problems = "（请填写本年度政府信息公开工作存在的主要问题及改进情况。）"
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := s.insert(ctx, tx, p, r); err != nil {
			return err
		}
		return s.record(ctx, tx, p, r, "create", "创建草稿，数据取自平台记录")
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// compute fills the computed cells from the sources and applies the
// overrides (an override stays, with the new computed value beside it).
func (s *Service) compute(ctx context.Context, r *Report) error {
	src := s.Sources
	t3, err := src.TableThree(ctx, r.AgencyID, r.Year)
	if err != nil {
		return err
	}
	t4, err := src.TableFour(ctx, r.AgencyID, r.Year)
	if err != nil {
		return err
	}
	issued, repealed, inForce, err := src.Normative(ctx, r.AgencyID, r.Year)
	if err != nil {
		return err
	}
	fee, err := src.ProcessingFees(ctx, r.AgencyID, r.Year)
	if err != nil {
		return err
	}
	c := Cells{T2("normative", "issued"): issued, T2("normative", "repealed"): repealed, T2("normative", "inforce"): inForce}
	for i, row := range TableThreeRows {
		for j, col := range ApplicantColumns {
			c[T3(row.Code, col.Code)] = t3[i][j]
		}
	}
	for i, b := range RemedyBlocks {
		for j, col := range RemedyColumns {
			c[T4(b.Code, col.Code)] = t4[i][j]
		}
	}
	r.Computed, r.ProcessingFee, r.RefreshedAt = c, fee, s.now()
	for _, code := range r.Format.Codes() {
		switch o, ok := r.Overrides[code]; {
		case ok:
			o.Computed = c[code]
			r.Overrides[code] = o
			r.Cells[code] = o.Value
		case r.Format.IsManual(code):
			if _, set := r.Cells[code]; !set {
				r.Cells[code] = 0
			}
		default:
			r.Cells[code] = c[code]
		}
	}
	return nil
}

// defaultOverview is section 一 pre-filled from the facts, one paragraph
// per theme.
func (s *Service) defaultOverview(ctx context.Context, r *Report) string {
	facts, err := s.Sources.Facts(ctx, r.AgencyID, r.Year)
	if err != nil {
		facts = nil
	}
	byTheme := map[string][]string{}
	for _, f := range facts {
		byTheme[f.Theme] = append(byTheme[f.Theme], strings.TrimSuffix(f.Text, "。"))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d年，%s深入贯彻《中华人民共和国政府信息公开条例》，按照本年度政务公开工作要点，扎实推进政府信息公开工作。现将有关情况报告如下。\n", r.Year, r.AgencyName)
	nums := []string{"（一）", "（二）", "（三）", "（四）", "（五）"}
	for i, theme := range Themes {
		b.WriteString("\n" + nums[i] + theme + "\n")
		if len(byTheme[theme]) == 0 {
			b.WriteString("（请补充本方面的工作情况。）\n")
			continue
		}
		b.WriteString(strings.Join(byTheme[theme], "；") + "。\n")
	}
	return strings.TrimSpace(b.String())
}

func feeSentence(r *Report) string {
	if r.ProcessingFee == 0 {
		return fmt.Sprintf("%d年，本机关未收取信息处理费。", r.Year)
	}
	return fmt.Sprintf("%d年，本机关依据《政府信息公开信息处理费管理办法》收取信息处理费%s元。", r.Year, yuan(r.ProcessingFee))
}

func yuan(v int64) string { return strconv.FormatInt(v, 10) }

func defaultOther(r *Report) string { return feeSentence(r) }

// load returns a draft of p's agency for a change, checking the row
// version the change was made on.
func (s *Service) load(ctx context.Context, p *auth.Principal, perm auth.Permission, id int64, rowVersion int) (*Report, error) {
	if err := allowed(p, perm); err != nil {
		return nil, err
	}
	r, err := s.Report(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.Locked() {
		return nil, errLocked
	}
	if rowVersion != r.RowVersion {
		return nil, errStale
	}
	return r, nil
}

// Refresh recomputes a draft's computed cells from the platform's records
// (the overrides stay).
func (s *Service) Refresh(ctx context.Context, p *auth.Principal, id int64, rowVersion int) error {
	r, err := s.load(ctx, p, auth.ManageAnnualReport, id, rowVersion)
	if err != nil {
		return err
	}
	if r.Imported {
		return apperr.New(apperr.Conflict, "导入的历年报告没有可重新计算的数据。")
	}
	oldFee := r.ProcessingFee
	if err := s.compute(ctx, r); err != nil {
		return err
	}
	if oldFee != r.ProcessingFee && strings.Contains(r.Other, "信息处理费") {
		r.Other = strings.Replace(r.Other, feeSentence(&Report{Year: r.Year, ProcessingFee: oldFee}), feeSentence(r), 1)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := s.save(ctx, tx, r); err != nil {
			return err
		}
		return s.record(ctx, tx, p, r, "refresh", "按平台记录重新计算表格数据")
	})
}

// SaveSection changes the text of section 一, 五 or 六.
func (s *Service) SaveSection(ctx context.Context, p *auth.Principal, id int64, rowVersion int, section, text string) error {
	r, err := s.load(ctx, p, auth.ManageAnnualReport, id, rowVersion)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case text == "":
		return apperr.FieldErrors(map[string]string{section: "请填写本部分内容。"})
	case utf8.RuneCountInString(text) > MaxSectionRunes:
		return apperr.FieldErrors(map[string]string{section: "本部分不能超过 20000 字。"})
	case !utf8.ValidString(text) || strings.ContainsRune(text, 0):
		return apperr.FieldErrors(map[string]string{section: "内容含有无法识别的字符。"})
	}
	label := ""
	switch section {
	case SectionOverview:
		r.Overview, label = text, "一、总体情况"
	case SectionProblems:
		r.Problems, label = text, "五、存在的主要问题及改进情况"
	case SectionOther:
		r.Other, label = text, "六、其他需要报告的事项"
	default:
		return apperr.NotFoundf("没有这一部分。")
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := s.save(ctx, tx, r); err != nil {
			return err
		}
		return s.record(ctx, tx, p, r, "section", "修改“"+label+"”")
	})
}

// CellInput is a staff change of one cell: the value as typed (万元 for
// amounts), and the reason (overrides of computed cells) or the source
// (manual cells).
type CellInput struct {
	Code, Value, Note string
}

// SetCell sets a manual cell (with its source) or overrides a computed one
// (with a reason; both are audited). A value equal to the computed one
// removes the override.
func (s *Service) SetCell(ctx context.Context, p *auth.Principal, id int64, rowVersion int, in CellInput) error {
	err := s.SetCells(ctx, p, id, rowVersion, []CellInput{in})
	var ce *CellError
	if errors.As(err, &ce) {
		return ce.Err
	}
	return err
}

// CellError is a refused change of one cell of SetCells: Err holds field
// errors keyed "value" or "note".
type CellError struct {
	Code string
	Err  error
}

func (e *CellError) Error() string { return e.Code + ": " + e.Err.Error() }
func (e *CellError) Unwrap() error { return e.Err }

// SetCells applies several cell changes (as SetCell) all or nothing: one
// saved version and one audit record per cell, in one transaction.
func (s *Service) SetCells(ctx context.Context, p *auth.Principal, id int64, rowVersion int, ins []CellInput) error {
	r, err := s.load(ctx, p, auth.ManageAnnualReport, id, rowVersion)
	if err != nil {
		return err
	}
	var summaries []string
	for _, in := range ins {
		summary, err := s.applyCell(p, r, in)
		if err != nil {
			return &CellError{Code: in.Code, Err: err}
		}
		summaries = append(summaries, summary)
	}
	if len(summaries) == 0 {
		return nil
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := s.save(ctx, tx, r); err != nil {
			return err
		}
		for _, summary := range summaries {
			if err := s.record(ctx, tx, p, r, "cell", summary); err != nil {
				return err
			}
		}
		return nil
	})
}

// applyCell changes one cell of r in memory and returns the audit summary.
func (s *Service) applyCell(p *auth.Principal, r *Report, in CellInput) (string, error) {
	known := false
	for _, c := range r.Format.Codes() {
		known = known || c == in.Code
	}
	if !known {
		return "", apperr.NotFoundf("没有这个单元格。")
	}
	var v int64
	var err error
	if r.Format.IsMoney(in.Code) {
		v, err = ParseWan(in.Value)
	} else {
		v, err = ParseCount(in.Value)
	}
	if err != nil {
		return "", apperr.FieldErrors(map[string]string{"value": err.Error() + "。"})
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > MaxReasonRunes || !utf8.ValidString(note) || strings.ContainsRune(note, 0) {
		return "", apperr.FieldErrors(map[string]string{"note": "说明不能超过 200 个字，且不能含有无法识别的字符。"})
	}
	label := r.Format.CellLabel(in.Code)
	old := r.Cells[in.Code]
	switch {
	case r.Format.IsManual(in.Code):
		if note == "" {
			return "", apperr.FieldErrors(map[string]string{"note": "请说明数据来源（如：行政许可办件系统统计、财务处提供）。"})
		}
		r.Cells[in.Code], r.Sources[in.Code] = v, note
		return fmt.Sprintf("填写%s：%s → %s（来源：%s）", label, r.Format.Display(in.Code, old), r.Format.Display(in.Code, v), note), nil
	case v == r.Computed[in.Code]:
		delete(r.Overrides, in.Code)
		r.Cells[in.Code] = v
		return fmt.Sprintf("撤销%s的人工修正，恢复平台计算值 %s", label, r.Format.Display(in.Code, v)), nil
	default:
		if note == "" {
			return "", apperr.FieldErrors(map[string]string{"note": "修改平台计算的数据须说明理由。"})
		}
		r.Overrides[in.Code] = Override{Value: v, Computed: r.Computed[in.Code], Reason: note, By: p.DisplayName, At: s.now()}
		r.Cells[in.Code] = v
		return fmt.Sprintf("人工修正%s：平台计算 %s，改为 %s（理由：%s）", label, r.Format.Display(in.Code, r.Computed[in.Code]), r.Format.Display(in.Code, v), note), nil
	}
}

// ErrIdentities refuses publication: the identities fail.
type ErrIdentities struct{ Problems []Problem }

func (e *ErrIdentities) Error() string {
	return fmt.Sprintf("有 %d 处数据不符合年度报告格式的勾稽关系，不能发布。", len(e.Problems))
}

// Unwrap makes it a Conflict.
func (e *ErrIdentities) Unwrap() error { return apperr.New(apperr.Conflict, e.Error()) }

// Publish publishes a draft: every identity must hold and the narrative
// sections must be written. A correction supersedes the version before.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id int64, rowVersion int) error {
	r, err := s.load(ctx, p, auth.PublishAnnualReport, id, rowVersion)
	if err != nil {
		return err
	}
	if probs := r.Check(); len(probs) > 0 {
		return &ErrIdentities{Problems: probs}
	}
	for sec, text := range map[string]string{SectionOverview: r.Overview, SectionProblems: r.Problems, SectionOther: r.Other} {
		if strings.TrimSpace(text) == "" || strings.Contains(text, "（请填写") || strings.Contains(text, "（请补充") {
			return apperr.FieldErrors(map[string]string{sec: "本部分还有待填写的内容（“请填写”“请补充”的提示），请完成后再发布。"})
		}
	}
	if r.Version > 1 && strings.TrimSpace(r.CorrectionNote) == "" {
		return apperr.FieldErrors(map[string]string{"correction_note": "更正版本须写明更正说明。"})
	}
	now := s.now()
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE annual_reports SET state = 'superseded', updated_at = $1
			WHERE agency_id = $2 AND year = $3 AND state = 'published'`, now, r.AgencyID, r.Year); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE annual_reports SET state = 'published', published_at = $1, published_by = $2, updated_at = $1,
			row_version = row_version + 1 WHERE id = $3 AND state = 'draft' AND row_version = $4`, now, p.UserID, r.ID, r.RowVersion)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if s.Version != nil {
			if err := s.Version.Bump(ctx, tx); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, p, r, "publish", "发布")
	})
	if err == nil && s.Version != nil {
		s.Version.Invalidate()
	}
	return err
}

// Correct starts a correction of a published report: a new draft version
// with the same content and the note saying what it corrects.
func (s *Service) Correct(ctx context.Context, p *auth.Principal, id int64, note string) (*Report, error) {
	if err := allowed(p, auth.PublishAnnualReport); err != nil {
		return nil, err
	}
	r, err := s.Report(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.State != Published {
		return nil, apperr.New(apperr.Conflict, "只能更正已发布的当前版本。")
	}
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return nil, apperr.FieldErrors(map[string]string{"correction_note": "请写明更正说明（更正了什么、为什么）。"})
	case utf8.RuneCountInString(note) > 500 || !utf8.ValidString(note) || strings.ContainsRune(note, 0):
		return nil, apperr.FieldErrors(map[string]string{"correction_note": "更正说明不能超过 500 个字。"})
	}
	drafts, err := s.query(ctx, s.DB.R, "agency_id = $1 AND year = $2 AND state = 'draft'", r.AgencyID, r.Year)
	if err != nil {
		return nil, err
	}
	if len(drafts) > 0 {
		return nil, apperr.New(apperr.Conflict, "这一年度已有一份更正草稿，请在草稿中继续修改。")
	}
	n := *r
	n.ID, n.Version, n.State, n.CorrectionNote, n.PublishedAt = 0, r.Version+1, Draft, note, time.Time{}
	n.Cells, n.Overrides, n.Sources = clone(r.Cells), cloneOverrides(r.Overrides), cloneMap(r.Sources)
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := s.insert(ctx, tx, p, &n); err != nil {
			return err
		}
		return s.record(ctx, tx, p, &n, "correct", "创建更正版本："+note)
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func clone(c Cells) Cells {
	out := Cells{}
	for k, v := range c {
		out[k] = v
	}
	return out
}

func cloneOverrides(m map[string]Override) map[string]Override {
	out := map[string]Override{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ------------------------------------------------------------ oversight

// AgencyStatus is one agency's report on a year as the platform sees it.
type AgencyStatus struct {
	Agency      AgencyRef
	Report      *Report // the current version (nil: not started)
	PublishedOn civil.Date
	Late        bool // published after the deadline, or not published and the deadline has passed
}

// Status lists every agency (the platform administrator) or p's agency
// and those below it with their report on a year.
func (s *Service) Status(ctx context.Context, p *auth.Principal, year int) ([]AgencyStatus, error) {
	if !auth.Allowed(p, auth.OverseeAnnualReports) {
		return nil, errForbidden
	}
	all, err := s.Agencies.All(ctx)
	if err != nil {
		return nil, err
	}
	scope := s.scope(all, p)
	reports, err := s.query(ctx, s.DB.R, "year = $1 ORDER BY version DESC", year)
	if err != nil {
		return nil, err
	}
	current := map[int64]*Report{}
	for _, r := range reports {
		if cur, ok := current[r.AgencyID]; !ok || cur.State == Superseded && r.Version > cur.Version {
			current[r.AgencyID] = r
		}
		if r.State == Published {
			current[r.AgencyID] = r
		}
	}
	due := DueOn(year)
	today := s.Today()
	var out []AgencyStatus
	for _, a := range scope {
		st := AgencyStatus{Agency: a, Report: current[a.ID]}
		if st.Report != nil && st.Report.State == Published {
			st.PublishedOn = civil.Of(st.Report.PublishedAt)
			// An imported report was published before it reached the
			// platform: its date here is the import's.
			st.Late = st.PublishedOn.After(due) && !st.Report.Imported
		} else {
			st.Late = today.After(due)
		}
		out = append(out, st)
	}
	return out, nil
}

// scope is every agency for the platform administrator, else p's agency
// and the agencies below it.
func (s *Service) scope(all []AgencyRef, p *auth.Principal) []AgencyRef {
	if p.AgencyID == 0 {
		return all
	}
	in := map[int64]bool{p.AgencyID: true}
	var out []AgencyRef
	for changed := true; changed; {
		changed = false
		for _, a := range all {
			if !in[a.ID] && in[a.ParentID] {
				in[a.ID], changed = true, true
			}
		}
	}
	for _, a := range all {
		if in[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// Aggregate is the tables of several agencies summed.
type Aggregate struct {
	Year     int
	Agencies []AgencyStatus
	Cells    Cells
	// Live lists the agencies without a published report, whose figures
	// are computed from the platform's records as of today.
	Live []AgencyRef
}

// Aggregate sums the tables of a set of agencies within p's scope for a
// year: each agency's published report, or, where none is published,
// its figures computed now (listed in Live).
func (s *Service) Aggregate(ctx context.Context, p *auth.Principal, year int, agencyIDs []int64) (*Aggregate, error) {
	status, err := s.Status(ctx, p, year)
	if err != nil {
		return nil, err
	}
	want, chosen := map[int64]bool{}, map[int64]bool{}
	for _, id := range agencyIDs {
		want[id], chosen[id] = true, true
	}
	agg := &Aggregate{Year: year, Cells: Cells{}}
	for _, st := range status {
		if len(chosen) > 0 && !chosen[st.Agency.ID] {
			continue
		}
		delete(want, st.Agency.ID)
		agg.Agencies = append(agg.Agencies, st)
		var cells Cells
		if st.Report != nil && st.Report.State == Published && st.Report.Format == Format2021 {
			cells = st.Report.Cells
		} else {
			r := &Report{AgencyID: st.Agency.ID, Year: year, Format: Format2021, Cells: Cells{}, Overrides: map[string]Override{}}
			if err := s.compute(ctx, r); err != nil {
				return nil, err
			}
			cells = r.Cells
			agg.Live = append(agg.Live, st.Agency)
		}
		for k, v := range cells {
			agg.Cells[k] += v
		}
	}
	if len(want) > 0 {
		return nil, apperr.FieldErrors(map[string]string{"agencies": "所选单位中有不在您汇总范围内的单位。"})
	}
	sort.SliceStable(agg.Live, func(i, j int) bool { return agg.Live[i].ID < agg.Live[j].ID })
	return agg, nil
}
