package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/ratelimit"
	"github.com/gongkai/gongkai/internal/textzh"
)

// AgencyRef is what the directories need to know of an agency.
type AgencyRef struct {
	ID, ParentID int64
	Slug, Name   string
}

// DivisionRef is a division for the responsible-division choice.
type DivisionRef struct {
	ID   int64
	Name string
}

// Agencies gives the agencies, their divisions and liaisons (wired in app).
type Agencies interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
	// Family is the agency and every agency below it (district bureaus
	// under the city bureau), the agency first.
	Family(ctx context.Context, id int64) ([]AgencyRef, error)
	Divisions(ctx context.Context, agencyID int64) ([]DivisionRef, error)
	// LiaisonUser is the staff account a division's work goes to (0: none).
	LiaisonUser(ctx context.Context, divisionID int64) (int64, error)
}

// Deps are the services the directories use.
type Deps struct {
	DB       *db.DB
	Agencies Agencies
	// Blobs keeps clergy photos (nil: no photos).
	Blobs   blob.Store
	Limiter *ratelimit.Limiter
	Version interface {
		Bump(ctx context.Context, tx db.Tx) error
		Invalidate()
	}
	Now func() time.Time
	// Districts are the district choices (default: Shanghai's sixteen).
	Districts []string
	// StaleMonths is how long a verification stays current unless an
	// agency sets its own (default 12).
	StaleMonths int
	// PhotoKey signs the short-lived addresses of clergy photos shown in a
	// verification match (at least 32 bytes; nil: photos are not shown).
	PhotoKey []byte
}

// Service is the rules of the directories.
type Service struct {
	Deps
	schemas map[Kind]*Schema
}

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if len(d.Districts) == 0 {
		d.Districts = DefaultDistricts
	}
	if d.StaleMonths <= 0 {
		d.StaleMonths = DefaultStaleMonths
	}
	return &Service{Deps: d, schemas: Schemas(d.Districts)}
}

// Limits and defaults.
const (
	DefaultStaleMonths = 12
	MaxStaleMonths     = 60
	// StaleWarnDays: an entry shows in the to-dos this many days before its
	// verification turns stale.
	StaleWarnDays = 30
	MinQueryRunes = 2
	MaxQueryRunes = 50
	PerPage       = 20
	MaxPhotoBytes = 2 << 20
	MaxNoticeText = 500
)

// Schema is a kind's declaration.
func (s *Service) Schema(k Kind) *Schema { return s.schemas[k] }

// Today is the date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

// Perm is the permission that manages a kind.
func Perm(k Kind) auth.Permission {
	if k == Clergy {
		return auth.ManageClergy
	}
	return auth.ManageDirectories
}

var (
	errNotFound = apperr.NotFoundf("没有这条记录。")
	errStale    = apperr.New(apperr.Conflict, "这条记录刚被其他人修改过，请刷新页面后再修改。")
	errNotOwn   = apperr.New(apperr.Forbidden, "这条记录由其他单位维护，您只能查看。")
)

func forbidden(k Kind) error {
	return apperr.New(apperr.Forbidden, "您无权管理"+k.Label()+"信息。")
}

func (s *Service) allowed(p *auth.Principal, k Kind) error {
	if !k.Valid() {
		return errNotFound
	}
	if !auth.Allowed(p, Perm(k)) || p.AgencyID == 0 {
		return forbidden(k)
	}
	return nil
}

// family is the IDs of an agency and those below it.
func (s *Service) family(ctx context.Context, agencyID int64) ([]int64, map[int64]AgencyRef, error) {
	list, err := s.Agencies.Family(ctx, agencyID)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, 0, len(list))
	refs := map[int64]AgencyRef{}
	for _, a := range list {
		ids = append(ids, a.ID)
		refs[a.ID] = a
	}
	return ids, refs, nil
}

func (s *Service) record(ctx context.Context, tx db.Tx, p *auth.Principal, agencyID int64, action string, id int64, summary string) error {
	return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "directory." + action, ObjectType: "directory_entry",
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// tx runs fn and tells the page caches that public content changed.
func (s *Service) tx(ctx context.Context, fn func(tx db.Tx) error) error {
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.Version != nil {
			return s.Version.Bump(ctx, tx)
		}
		return nil
	})
	if err == nil && s.Version != nil {
		s.Version.Invalidate()
	}
	return err
}

// ------------------------------------------------------------ reading

const entryCols = `e.id, e.agency_id, e.kind, e.number, e.name, e.district, e.class, e.status, e.data, COALESCE(e.division_id, 0),
	COALESCE(e.photo_attachment_id, 0), e.verified_on, e.created_at, e.updated_at, e.version`

func scanEntry(r interface{ Scan(...any) error }) (*Entry, error) {
	e := &Entry{}
	var kind, data string
	if err := r.Scan(&e.ID, &e.AgencyID, &kind, &e.Number, &e.Name, &e.District, &e.Class, &e.Status, &data, &e.DivisionID,
		&e.PhotoID, &e.VerifiedOn, &e.CreatedAt, &e.UpdatedAt, &e.Version); err != nil {
		return nil, err
	}
	e.Kind = Kind(kind)
	e.Values = Values{}
	if err := json.Unmarshal([]byte(data), &e.Values); err != nil {
		return nil, fmt.Errorf("directory: entry %d data: %w", e.ID, err)
	}
	return e, nil
}

func (s *Service) query(ctx context.Context, q db.Querier, where string, args ...any) ([]*Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+` FROM directory_entries e WHERE `+where, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// staleMonths is an agency's rule for a kind.
func (s *Service) staleMonths(ctx context.Context, q db.Querier, agencyID int64, k Kind) (int, int64, error) {
	var months int
	var div sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT stale_months, division_id FROM directory_settings WHERE agency_id = $1 AND kind = $2`, agencyID, string(k)).Scan(&months, &div)
	if err == sql.ErrNoRows {
		return s.StaleMonths, 0, nil
	}
	if err != nil {
		return 0, 0, db.Classify(err)
	}
	return months, div.Int64, nil
}

// complete fills the read-time facts: agency, notices in force, staleness.
func (s *Service) complete(ctx context.Context, list []*Entry, refs map[int64]AgencyRef) error {
	today := s.Today()
	rules := map[string]int{}
	var venueIDs []int64
	for _, e := range list {
		if a, ok := refs[e.AgencyID]; ok {
			e.AgencyName, e.AgencySlug = a.Name, a.Slug
		} else if a, err := s.Agencies.Agency(ctx, e.AgencyID); err == nil {
			e.AgencyName, e.AgencySlug = a.Name, a.Slug
		}
		key := strconv.FormatInt(e.AgencyID, 10) + string(e.Kind)
		months, ok := rules[key]
		if !ok {
			m, _, err := s.staleMonths(ctx, s.DB.R, e.AgencyID, e.Kind)
			if err != nil {
				return err
			}
			rules[key], months = m, m
		}
		e.StaleOn = addMonths(e.VerifiedOn, months)
		e.Stale = e.Active() && !today.Before(e.StaleOn)
		if e.Kind == Venues {
			venueIDs = append(venueIDs, e.ID)
		}
	}
	if len(venueIDs) == 0 {
		return nil
	}
	notices, err := s.noticesOf(ctx, s.DB.R, venueIDs, today)
	if err != nil {
		return err
	}
	for _, e := range list {
		e.Notices = notices[e.ID]
	}
	return nil
}

// Filter narrows a directory list.
type Filter struct {
	Query    string
	District string
	Class    string // religion or category
	Status   string
	// VenueType / SupplyPoint narrow venues and outlets.
	VenueType   string
	SupplyPoint bool
	// Stale keeps only entries whose verification is stale (staff).
	Stale bool
	// AgencyID keeps only one agency of the family (staff; 0: all).
	AgencyID int64
	Page     int // from 1
	PerPage  int // 0: PerPage; -1: all
}

// Page is a page of a list.
type Page struct {
	Entries       []*Entry
	Total         int
	Page, PerPage int
	Pages         int
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchText is what the search column holds for an entry.
func (s *Service) searchText(k Kind, v Values) string {
	sc := s.schemas[k]
	var parts []string
	for _, f := range sc.Fields {
		if f.Key == "note" || f.Type == Bool || f.Type == Date {
			continue
		}
		if k == Clergy && !f.Public {
			continue
		}
		parts = append(parts, f.Display(v[f.Key]))
	}
	return textzh.Normalize(strings.Join(parts, " "))
}

// CheckQuery validates a search query: at least two characters.
func CheckQuery(q string) (string, error) {
	q = strings.Join(strings.Fields(q), " ")
	if q == "" {
		return "", nil
	}
	if unreadable(q) {
		return "", apperr.FieldErrors(map[string]string{"q": "搜索词含有无法识别的字符。"})
	}
	n := utf8.RuneCountInString(strings.ReplaceAll(q, " ", ""))
	if n < MinQueryRunes {
		return "", apperr.FieldErrors(map[string]string{"q": "请输入至少 2 个字再搜索。"})
	}
	if n > MaxQueryRunes {
		return "", apperr.FieldErrors(map[string]string{"q": "搜索词不能超过 50 个字。"})
	}
	return q, nil
}

func (s *Service) list(ctx context.Context, k Kind, agencies []int64, f Filter, public bool) (*Page, error) {
	q, err := CheckQuery(f.Query)
	if err != nil {
		return nil, err
	}
	where := []string{"e.kind = $1"}
	args := []any{string(k)}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	ids := make([]string, len(agencies))
	for i, id := range agencies {
		ids[i] = arg(id)
	}
	where = append(where, "e.agency_id IN ("+strings.Join(ids, ", ")+")")
	if f.AgencyID != 0 {
		where = append(where, "e.agency_id = "+arg(f.AgencyID))
	}
	for _, term := range strings.Fields(q) {
		where = append(where, `e.search LIKE `+arg("%"+escapeLike(textzh.Normalize(term))+"%")+` ESCAPE '\'`)
	}
	if f.District != "" {
		where = append(where, "e.district = "+arg(f.District))
	}
	if f.Class != "" {
		where = append(where, "e.class = "+arg(f.Class))
	}
	if f.Status != "" {
		where = append(where, "e.status = "+arg(f.Status))
	}
	list, err := s.query(ctx, s.DB.R, strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, err
	}
	var kept []*Entry
	for _, e := range list {
		if f.VenueType != "" && e.Values["venue_type"] != f.VenueType {
			continue
		}
		if f.SupplyPoint && e.Values["supply_point"] != "1" {
			continue
		}
		kept = append(kept, e)
	}
	list = kept
	_, refs, err := s.family(ctx, agencies[0])
	if err != nil {
		return nil, err
	}
	if err := s.complete(ctx, list, refs); err != nil {
		return nil, err
	}
	if f.Stale {
		kept = nil
		for _, e := range list {
			if e.Stale {
				kept = append(kept, e)
			}
		}
		list = kept
	}
	order := map[string]int{}
	for i, d := range s.Districts {
		order[d] = i
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if public && a.Active() != b.Active() {
			return a.Active()
		}
		if order[a.District] != order[b.District] {
			return order[a.District] < order[b.District]
		}
		if a.Class != b.Class {
			return a.Class < b.Class
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	pg := &Page{Total: len(list), Page: max(f.Page, 1), PerPage: f.PerPage}
	if pg.PerPage == 0 {
		pg.PerPage = PerPage
	}
	if pg.PerPage < 0 {
		pg.Entries, pg.Pages, pg.Page = list, 1, 1
		return pg, nil
	}
	pg.Pages = max(1, (pg.Total+pg.PerPage-1)/pg.PerPage)
	pg.Page = min(pg.Page, pg.Pages)
	from := (pg.Page - 1) * pg.PerPage
	pg.Entries = list[from:min(from+pg.PerPage, len(list))]
	return pg, nil
}

// List is a directory as p's agency sees it: its own entries and those of
// the agencies below it.
func (s *Service) List(ctx context.Context, p *auth.Principal, k Kind, f Filter) (*Page, error) {
	if err := s.allowed(p, k); err != nil {
		return nil, err
	}
	ids, _, err := s.family(ctx, p.AgencyID)
	if err != nil {
		return nil, err
	}
	return s.list(ctx, k, ids, f, false)
}

// Family lists p's agency and those below it (for the agency filter).
func (s *Service) Family(ctx context.Context, p *auth.Principal) ([]AgencyRef, error) {
	return s.Agencies.Family(ctx, p.AgencyID)
}

// Entry returns an entry p's agency may see. Reading a clergy record is
// recorded in the audit log: it holds personal information.
func (s *Service) Entry(ctx context.Context, p *auth.Principal, k Kind, id int64) (*Entry, error) {
	if err := s.allowed(p, k); err != nil {
		return nil, err
	}
	e, err := s.entry(ctx, p, k, id)
	if err != nil {
		return nil, err
	}
	if k == Clergy {
		if err := s.DB.Tx(ctx, func(tx db.Tx) error {
			return s.record(ctx, tx, p, e.AgencyID, "clergy.view", e.ID, "查看教职人员备案信息："+e.Name+"（"+e.Number+"）")
		}); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (s *Service) entry(ctx context.Context, p *auth.Principal, k Kind, id int64) (*Entry, error) {
	return s.inFamily(ctx, p.AgencyID, k, "e.id = $2", id)
}

// inFamily is the one entry of a kind matching cond ($2 is arg) held by
// agencyID or an agency below it; NotFound otherwise.
func (s *Service) inFamily(ctx context.Context, agencyID int64, k Kind, cond string, arg any) (*Entry, error) {
	ids, refs, err := s.family(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	list, err := s.query(ctx, s.DB.R, "e.kind = $1 AND "+cond, string(k), arg)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || !contains(ids, list[0].AgencyID) {
		return nil, errNotFound
	}
	if err := s.complete(ctx, list, refs); err != nil {
		return nil, err
	}
	return list[0], nil
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// CanEdit reports whether p's agency maintains the entry (a parent bureau
// sees the entries of the agencies below it but does not edit them).
func CanEdit(p *auth.Principal, e *Entry) bool {
	return p != nil && auth.Allowed(p, Perm(e.Kind)) && p.AgencyID == e.AgencyID
}

// ------------------------------------------------------------ writing

// Input is an entry as entered (form, API or import row).
type Input struct {
	Values     Values
	DivisionID int64
	// VerifiedOn is the last-verified date (YYYY-MM-DD; empty: today for a
	// new entry, unchanged for an existing one).
	VerifiedOn string
	// Version is the version the change was made on (updates).
	Version int
	// Source is form, api or import (default form).
	Source string
}

// check validates in for agency: the fields, the division and the date.
func (s *Service) check(ctx context.Context, agencyID int64, k Kind, in *Input) (civil.Date, map[string]string) {
	if in.Values == nil {
		in.Values = Values{}
	}
	bad := s.schemas[k].Check(in.Values)
	if bad == nil {
		bad = map[string]string{}
	}
	if in.DivisionID != 0 {
		ok := false
		if divs, err := s.Agencies.Divisions(ctx, agencyID); err == nil {
			for _, d := range divs {
				ok = ok || d.ID == in.DivisionID
			}
		}
		if !ok {
			bad["division"] = "请从列表中选择本单位的处室。"
		}
	}
	var day civil.Date
	if v := strings.TrimSpace(in.VerifiedOn); v != "" {
		d, err := ParseDate(v)
		switch {
		case err != nil:
			bad["verified_on"] = "核实日期应为日期，格式如 2026-03-01。"
		case d.After(s.Today()):
			bad["verified_on"] = "核实日期不能晚于今天。"
		default:
			day = d
		}
	}
	if len(bad) == 0 {
		return day, nil
	}
	return day, bad
}

func (s *Service) divisionName(ctx context.Context, agencyID, id int64) string {
	if id == 0 {
		return ""
	}
	if divs, err := s.Agencies.Divisions(ctx, agencyID); err == nil {
		for _, d := range divs {
			if d.ID == id {
				return d.Name
			}
		}
	}
	return ""
}

func duplicateNumber(k Kind, err error) error {
	if db.IsUniqueViolation(err) {
		f, _ := Schemas(nil)[k].Field("number")
		return apperr.FieldErrors(map[string]string{"number": "该" + f.Label + "已登记，请在列表中找到原记录修改。"})
	}
	return err
}

func (s *Service) columns(k Kind, v Values) (name, district, class, status string) {
	sc := s.schemas[k]
	name, status = v[sc.NameKey], v["status"]
	if sc.DistrictKey != "" {
		district = v[sc.DistrictKey]
	}
	if sc.ClassKey != "" {
		class = v[sc.ClassKey]
	}
	return
}

func addHistory(ctx context.Context, tx db.Tx, e *Entry, action, source string, changes []Change, note string, p *auth.Principal, at time.Time) error {
	if changes == nil {
		changes = []Change{}
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	var actor any
	name := ""
	if p != nil {
		if p.UserID != 0 {
			actor = p.UserID
		}
		name = p.DisplayName
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO directory_changes (entry_id, agency_id, kind, action, source, changes, note, actor_id, actor_name, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, e.AgencyID, string(e.Kind), action, sourceOf(source), string(b), note, actor, name, at)
	return err
}

func sourceOf(s string) string {
	if s == "import" || s == "api" {
		return s
	}
	return "form"
}

// insert writes a new entry of agency in tx with its history.
func (s *Service) insert(ctx context.Context, tx db.Tx, p *auth.Principal, agencyID int64, k Kind, in Input, verified civil.Date) (*Entry, error) {
	name, district, class, status := s.columns(k, in.Values)
	data, err := json.Marshal(in.Values)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if verified.IsZero() {
		verified = civil.Of(s.Now())
	}
	e := &Entry{AgencyID: agencyID, Kind: k, Number: in.Values["number"], Name: name, District: district, Class: class, Status: status,
		Values: in.Values, DivisionID: in.DivisionID, VerifiedOn: verified, Version: 1, CreatedAt: now, UpdatedAt: now}
	var div any
	if in.DivisionID != 0 {
		div = in.DivisionID
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO directory_entries (agency_id, kind, number, name, district, class, status, search, data, division_id,
		verified_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		agencyID, string(k), e.Number, name, district, class, status, s.searchText(k, in.Values), string(data), div, verified, now).Scan(&e.ID); err != nil {
		return nil, duplicateNumber(k, err)
	}
	changes := s.schemas[k].diff(Values{}, in.Values)
	if err := addHistory(ctx, tx, e, "created", in.Source, changes, "", p, now); err != nil {
		return nil, err
	}
	if err := s.record(ctx, tx, p, agencyID, string(k)+".create", e.ID, "新增"+k.Label()+"："+name+"（"+e.Number+"）"); err != nil {
		return nil, err
	}
	return e, nil
}

// Create adds an entry of p's agency.
func (s *Service) Create(ctx context.Context, p *auth.Principal, k Kind, in Input) (*Entry, error) {
	if err := s.allowed(p, k); err != nil {
		return nil, err
	}
	verified, bad := s.check(ctx, p.AgencyID, k, &in)
	if bad != nil {
		return nil, apperr.FieldErrors(bad)
	}
	var e *Entry
	err := s.tx(ctx, func(tx db.Tx) error {
		var err error
		e, err = s.insert(ctx, tx, p, p.AgencyID, k, in, verified)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.entry(ctx, p, k, e.ID)
}

// update writes in over e in tx; it reports whether anything changed.
func (s *Service) update(ctx context.Context, tx db.Tx, p *auth.Principal, e *Entry, in Input, verified civil.Date, checkVersion bool) (bool, error) {
	changes := s.schemas[e.Kind].diff(e.Values, in.Values)
	if in.DivisionID != e.DivisionID {
		changes = append(changes, Change{Field: "division", Label: "责任处室", Old: s.divisionName(ctx, e.AgencyID, e.DivisionID),
			New: s.divisionName(ctx, e.AgencyID, in.DivisionID)})
	}
	newVerified := !verified.IsZero() && verified.After(e.VerifiedOn)
	if len(changes) == 0 && !newVerified {
		if checkVersion && in.Version != e.Version {
			return false, errStale
		}
		return false, nil
	}
	if verified.IsZero() || !verified.After(e.VerifiedOn) {
		verified = e.VerifiedOn
	}
	name, district, class, status := s.columns(e.Kind, in.Values)
	data, err := json.Marshal(in.Values)
	if err != nil {
		return false, err
	}
	var div any
	if in.DivisionID != 0 {
		div = in.DivisionID
	}
	now := s.now()
	q := `UPDATE directory_entries SET number = $1, name = $2, district = $3, class = $4, status = $5, search = $6, data = $7, division_id = $8,
		verified_on = $9, updated_at = $10, version = version + 1 WHERE id = $11`
	args := []any{in.Values["number"], name, district, class, status, s.searchText(e.Kind, in.Values), string(data), div, verified, now, e.ID}
	if checkVersion {
		q += " AND version = $12"
		args = append(args, in.Version)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, duplicateNumber(e.Kind, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, errStale
	}
	if len(changes) > 0 {
		if err := addHistory(ctx, tx, e, "updated", in.Source, changes, "", p, now); err != nil {
			return false, err
		}
		labels := make([]string, len(changes))
		for i, c := range changes {
			labels[i] = c.Label
		}
		if err := s.record(ctx, tx, p, e.AgencyID, string(e.Kind)+".update", e.ID, "修改"+e.Kind.Label()+"："+name+"（"+strings.Join(labels, "、")+"）"); err != nil {
			return false, err
		}
	}
	if newVerified && (len(changes) > 0 || in.Source != "import") {
		if err := addHistory(ctx, tx, e, "verified", in.Source, nil, "核实日期 "+verified.String(), p, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Update changes an entry p's agency maintains.
func (s *Service) Update(ctx context.Context, p *auth.Principal, k Kind, id int64, in Input) error {
	if err := s.allowed(p, k); err != nil {
		return err
	}
	e, err := s.entry(ctx, p, k, id)
	if err != nil {
		return err
	}
	if !CanEdit(p, e) {
		return errNotOwn
	}
	verified, bad := s.check(ctx, e.AgencyID, k, &in)
	if bad != nil {
		return apperr.FieldErrors(bad)
	}
	return s.tx(ctx, func(tx db.Tx) error {
		_, err := s.update(ctx, tx, p, e, in, verified, true)
		return err
	})
}

// MarkVerified records that staff checked an entry today and found it
// current.
func (s *Service) MarkVerified(ctx context.Context, p *auth.Principal, k Kind, id int64, note string) error {
	if err := s.allowed(p, k); err != nil {
		return err
	}
	e, err := s.entry(ctx, p, k, id)
	if err != nil {
		return err
	}
	if !CanEdit(p, e) {
		return errNotOwn
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 || unreadable(note) {
		return apperr.FieldErrors(map[string]string{"note": "核实说明不能超过 200 个字，且不能含有无法识别的字符。"})
	}
	today := s.Today()
	return s.tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE directory_entries SET verified_on = $1, updated_at = $2 WHERE id = $3`, today, s.now(), e.ID); err != nil {
			return err
		}
		text := "核实日期 " + today.String()
		if note != "" {
			text += "：" + note
		}
		if err := addHistory(ctx, tx, e, "verified", "form", nil, text, p, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, e.AgencyID, string(k)+".verify", e.ID, "核实"+k.Label()+"："+e.Name)
	})
}

// History lists an entry's changes, newest first.
func (s *Service) History(ctx context.Context, p *auth.Principal, k Kind, id int64) ([]*History, error) {
	if err := s.allowed(p, k); err != nil {
		return nil, err
	}
	if _, err := s.entry(ctx, p, k, id); err != nil {
		return nil, err
	}
	return s.history(ctx, "entry_id = $1", id)
}

func (s *Service) history(ctx context.Context, where string, args ...any) ([]*History, error) {
	// #nosec G202 -- where is a constant condition with $N placeholders (History)
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, entry_id, agency_id, kind, action, source, changes, note, COALESCE(actor_id, 0), actor_name, changed_at
		FROM directory_changes WHERE `+where+` ORDER BY changed_at DESC, id DESC`, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*History
	for rows.Next() {
		h := &History{}
		var kind, changes string
		if err := rows.Scan(&h.ID, &h.EntryID, &h.AgencyID, &kind, &h.Action, &h.Source, &changes, &h.Note, &h.ActorID, &h.ActorName, &h.At); err != nil {
			return nil, err
		}
		h.Kind = Kind(kind)
		if err := json.Unmarshal([]byte(changes), &h.Changes); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ------------------------------------------------------------ settings

// Settings are an agency's rules for one kind.
type Settings struct {
	DivisionID  int64
	StaleMonths int
}

// Settings returns p's agency's rules for a kind.
func (s *Service) Settings(ctx context.Context, p *auth.Principal, k Kind) (Settings, error) {
	if err := s.allowed(p, k); err != nil {
		return Settings{}, err
	}
	months, div, err := s.staleMonths(ctx, s.DB.R, p.AgencyID, k)
	return Settings{DivisionID: div, StaleMonths: months}, err
}

// SetSettings changes p's agency's rules for a kind. months is as entered.
func (s *Service) SetSettings(ctx context.Context, p *auth.Principal, k Kind, divisionID int64, months string) error {
	if err := s.allowed(p, k); err != nil {
		return err
	}
	bad := map[string]string{}
	n, err := strconv.Atoi(strings.TrimSpace(months))
	if err != nil || n < 1 || n > MaxStaleMonths {
		bad["stale_months"] = "核实周期应为 1 至 60 之间的整数（月）。"
	}
	in := Input{DivisionID: divisionID}
	if divisionID != 0 {
		if _, b := s.check(ctx, p.AgencyID, k, &Input{DivisionID: divisionID, Values: s.placeholder(k)}); b != nil && b["division"] != "" {
			bad["division"] = b["division"]
		}
	}
	if len(bad) > 0 {
		return apperr.FieldErrors(bad)
	}
	var div any
	if in.DivisionID != 0 {
		div = in.DivisionID
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO directory_settings (agency_id, kind, division_id, stale_months) VALUES ($1, $2, $3, $4)
			ON CONFLICT (agency_id, kind) DO UPDATE SET division_id = excluded.division_id, stale_months = excluded.stale_months`,
			p.AgencyID, string(k), div, n); err != nil {
			return err
		}
		return s.record(ctx, tx, p, p.AgencyID, string(k)+".settings", 0, k.Label()+"核实周期设为 "+strconv.Itoa(n)+" 个月；责任处室："+
			orDash(s.divisionName(ctx, p.AgencyID, divisionID)))
	})
}

// placeholder is a valid value set used to check only the division.
func (s *Service) placeholder(k Kind) Values {
	v := Values{}
	for _, f := range s.schemas[k].Fields {
		switch f.Type {
		case Enum:
			v[f.Key] = f.Options[0].Value
		case Date:
			v[f.Key] = "2024-01-01"
		case Number:
			v[f.Key] = "X1"
		case Landline, Bool, LongText:
		default:
			v[f.Key] = "x"
		}
	}
	return v
}

func orDash(s string) string {
	if s == "" {
		return "未指定"
	}
	return s
}

// ------------------------------------------------------------ public side

// FieldValue is one field of an entry as shown.
type FieldValue struct {
	Key, Label, Value string
}

// PublicValues are an entry's public fields for the portal, personal data
// masked (a mobile number typed into a free-text field never shows).
func (s *Service) PublicValues(e *Entry) []FieldValue {
	var out []FieldValue
	for _, f := range s.schemas[e.Kind].PublicFields() {
		v := f.Display(e.Values[f.Key])
		if f.Key == "status" {
			v = e.StatusLabel()
		}
		if f.Type == Bool && e.Values[f.Key] == "" && f.Key != "supply_point" {
			continue
		}
		if v == "" {
			continue
		}
		out = append(out, FieldValue{Key: f.Key, Label: f.Label, Value: pii.MaskAll(v)})
	}
	return out
}

// StaffValues are every field of an entry for the console.
func (s *Service) StaffValues(e *Entry) []FieldValue {
	var out []FieldValue
	for _, f := range s.schemas[e.Kind].Fields {
		out = append(out, FieldValue{Key: f.Key, Label: f.Label, Value: f.Display(e.Values[f.Key])})
	}
	return out
}

func (s *Service) publicKind(k Kind) error {
	if !k.Public() {
		return errNotFound
	}
	return nil
}

// PublicList is an agency's public directory of a kind (venues or
// outlets): its entries and those of the agencies below it.
func (s *Service) PublicList(ctx context.Context, agencyID int64, k Kind, f Filter) (*Page, error) {
	if err := s.publicKind(k); err != nil {
		return nil, err
	}
	ids, _, err := s.family(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	f.Stale, f.AgencyID = false, 0
	return s.list(ctx, k, ids, f, true)
}

// PublicEntry is one entry of an agency's public directory.
func (s *Service) PublicEntry(ctx context.Context, agencyID int64, k Kind, id int64) (*Entry, error) {
	if err := s.publicKind(k); err != nil {
		return nil, err
	}
	return s.inFamily(ctx, agencyID, k, "e.id = $2", id)
}

// CheckSign looks up a halal sign number in an agency's directory; NotFound
// when no outlet holds it.
func (s *Service) CheckSign(ctx context.Context, agencyID int64, number string) (*Entry, error) {
	n := NormalizeNumber(number)
	if n == "" {
		return nil, apperr.FieldErrors(map[string]string{"number": "请输入标志牌编号。"})
	}
	if !numberRE.MatchString(n) {
		return nil, apperr.FieldErrors(map[string]string{"number": "标志牌编号只能由汉字、字母、数字和连接号组成，2 至 40 个字符。"})
	}
	e, err := s.inFamily(ctx, agencyID, Outlets, "e.number = $2", n)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.NotFoundf("没有查到标志牌编号为“%s”的清真食品经营单位。", n)
	}
	return e, err
}

// Update is one line of the public "recent updates" list.
type Update struct {
	// ID is the change's (unique and stable, for feed entry IDs).
	ID         int64
	At         time.Time
	Kind       Kind
	EntryID    int64
	Name       string
	Action     string // 新增, 信息变更, 注销, 暂停开放, …
	Fields     []string
	AgencySlug string
}

// RecentUpdates are the latest public changes to an agency's venue and
// outlet directories (and those of the agencies below it): new entries,
// changed public fields, notices. Staff-only fields and clergy never show.
func (s *Service) RecentUpdates(ctx context.Context, agencyID int64, limit int) ([]Update, error) {
	ids, refs, err := s.family(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	ph := make([]string, len(ids))
	args := []any{}
	for i, id := range ids {
		args = append(args, id)
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	// #nosec G202 G701 -- $N placeholders and a strconv number (limit is 1 to 200); the ids are in args
	rows, err := s.DB.R.QueryContext(ctx, `SELECT c.id, c.entry_id, c.kind, c.action, c.changes, c.note, c.changed_at, e.name, e.agency_id
		FROM directory_changes c JOIN directory_entries e ON e.id = c.entry_id
		WHERE c.kind IN ('venue', 'outlet') AND c.action IN ('created', 'updated', 'notice') AND c.agency_id IN (`+strings.Join(ph, ", ")+`)
		ORDER BY c.changed_at DESC, c.id DESC LIMIT `+strconv.Itoa(limit*3), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []Update
	for rows.Next() && len(out) < limit {
		var u Update
		var kind, action, changes, note string
		var agency int64
		if err := rows.Scan(&u.ID, &u.EntryID, &kind, &action, &changes, &note, &u.At, &u.Name, &agency); err != nil {
			return nil, err
		}
		u.Kind, u.AgencySlug = Kind(kind), refs[agency].Slug
		var list []Change
		if err := json.Unmarshal([]byte(changes), &list); err != nil {
			return nil, err
		}
		sc := s.schemas[u.Kind]
		switch action {
		case "created":
			u.Action = "新增"
		case "notice":
			u.Action = "开放变动通知"
			if note != "" {
				u.Fields = []string{note}
			}
		default:
			u.Action = "信息变更"
			for _, c := range list {
				if f, ok := sc.Field(c.Field); ok && f.Public {
					u.Fields = append(u.Fields, f.Label)
					if c.Field == "status" {
						u.Action = "状态变更为“" + c.New + "”"
					}
				}
			}
			if len(u.Fields) == 0 {
				continue
			}
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// now is the service clock's moment as stored (UTC, microseconds), so
// that histories and logs follow the clock the rules use.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }
