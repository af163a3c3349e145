package stdcatalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// AgencyRef is what the catalogue needs to know of an agency.
type AgencyRef struct {
	ID         int64
	Slug, Name string
}

// AgencyDirectory gives the agencies (wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
}

// ItemRef is an information item (政府信息) as the catalogue sees it.
type ItemRef struct {
	ID          int64
	AgencyID    int64
	Title       string
	Status      string // the item's workflow status
	Public      bool   // published (or superseded): on the portal
	FormedOn    civil.Date
	PublishedOn civil.Date
	Columns     []string // names of its catalogue columns
	URL         string   // its public page
}

// Items reads the information items of internal/disclosure (wired in app).
type Items interface {
	// Items returns those of ids that belong to the agency.
	Items(ctx context.Context, agencyID int64, ids []int64) (map[int64]ItemRef, error)
	// Search finds the agency's public items whose title contains query,
	// newest first.
	Search(ctx context.Context, agencyID int64, query string, limit int) ([]ItemRef, error)
}

// Deps are the services the catalogue uses.
type Deps struct {
	DB       *db.DB
	Calendar *calendar.Service
	Agencies AgencyDirectory
	Items    Items
	// Version is the public pages' content version: the catalogue page and
	// item pages (their notices) change with the catalogue.
	Version *web.DBVersion
	Now     func() time.Time
}

// Service is the rules of the standard catalogue.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// Today is the service's date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

var (
	errStale     = apperr.New(apperr.Conflict, "这个目录事项刚被其他人修改过，请刷新页面后再操作。")
	errForbidden = apperr.New(apperr.Forbidden, "您无权维护本单位的公开标准目录。")
)

// allowed reports whether p holds perm as a member of an agency: the
// catalogue is an agency's own, platform accounts have none.
func allowed(p *auth.Principal, perm auth.Permission) bool {
	return auth.Allowed(p, perm) && p.AgencyID != 0
}

func (s *Service) scoped(ctx context.Context, q db.Querier, p *auth.Principal, id int64, perm auth.Permission) (*Entry, error) {
	if !allowed(p, perm) {
		return nil, errForbidden
	}
	e, err := getEntry(ctx, q, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (e.AgencyID != p.AgencyID || e.Removed)) {
		return nil, errNone
	}
	return e, err
}

func (s *Service) bump(ctx context.Context, tx db.Tx) error {
	if s.Version == nil {
		return nil
	}
	return s.Version.Bump(ctx, tx)
}

func (s *Service) invalidate() {
	if s.Version != nil {
		s.Version.Invalidate()
	}
}

func (s *Service) tx(ctx context.Context, fn func(tx db.Tx) error) error {
	if err := s.DB.Tx(ctx, fn); err != nil {
		return err
	}
	s.invalidate()
	return nil
}

func record(ctx context.Context, tx db.Tx, p *auth.Principal, agencyID int64, action, objectID, summary string) error {
	return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "standards." + action, ObjectType: "standard_entry",
		ObjectID: objectID, Summary: summary})
}

// resolve checks f into e and finds its division and list item in the
// agency; messages go into the returned map by form field.
func resolve(ctx context.Context, q db.Querier, agencyID int64, f Fields, e *Entry) map[string]string {
	fields := f.check(e)
	e.AgencyID = agencyID
	switch {
	case f.DivisionID > 0 || f.Division != "":
		id, name, ok := findDivision(ctx, q, agencyID, f.DivisionID, f.Division)
		if !ok {
			if f.Division != "" {
				fields["division"] = "责任处室“" + clip(f.Division) + "”不是本单位的处室。"
			} else {
				fields["division"] = "请选择本单位的处室。"
			}
		}
		e.DivisionID, e.Division = id, name
	default:
		fields["division"] = "请选择责任处室。"
	}
	e.ListItemID, e.ListItem = 0, ""
	if f.ListItemID < 0 {
		fields["list_item"] = "请从本单位的清单中选择。"
	} else if f.ListItemID > 0 || f.ListItem != "" {
		id, ref, ok := findListItem(ctx, q, agencyID, f.ListItemID, f.ListItem)
		if !ok {
			if f.ListItem != "" {
				fields["list_item"] = "事项编码“" + clip(f.ListItem) + "”不在本单位的权责清单或公共服务事项清单中。"
			} else {
				fields["list_item"] = "请从本单位的清单中选择。"
			}
		}
		e.ListItemID, e.ListItem = id, ref
	}
	return fields
}

// ---------------------------------------------------------------- entries

// List returns p's agency's entries.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Entry, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	return listEntries(ctx, s.DB.R, p.AgencyID, f)
}

// Get returns an entry of p's agency.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Entry, error) {
	return s.scoped(ctx, s.DB.R, p, id, auth.ViewItems)
}

// L1s are the agency's 一级事项, in catalogue order.
func (s *Service) L1s(ctx context.Context, agencyID int64) ([]string, error) {
	list, err := listEntries(ctx, s.DB.R, agencyID, Filter{})
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range list {
		if !seen[e.L1] {
			seen[e.L1] = true
			out = append(out, e.L1)
		}
	}
	return out, nil
}

// Create adds an entry to p's agency's catalogue; the change log says when
// and why.
func (s *Service) Create(ctx context.Context, p *auth.Principal, f Fields, reason string) (*Entry, error) {
	if !allowed(p, auth.ManageStandards) {
		return nil, errForbidden
	}
	e := &Entry{}
	err := s.tx(ctx, func(tx db.Tx) error {
		fields := resolve(ctx, tx, p.AgencyID, f, e)
		reason = checkReason(fields, reason)
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		if err := insertEntry(ctx, tx, e); err != nil {
			return err
		}
		if err := insertChange(ctx, tx, p.AgencyID, Change{EntryID: e.ID, Kind: Added, On: s.Today(), L1: e.L1, L2: e.L2,
			Detail: "公开时限：" + e.TimeLimit + "；责任处室：" + e.Division, Reason: reason, Actor: p.Actor().Name}); err != nil {
			return err
		}
		if err := record(ctx, tx, p, p.AgencyID, "create", strconv.FormatInt(e.ID, 10), "公开标准目录新增事项："+e.Name()+"；理由："+reason); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Update changes an entry (version guards against lost updates); the
// change log says what changed and why.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, version int, f Fields, reason string) error {
	return s.tx(ctx, func(tx db.Tx) error {
		old, err := s.scoped(ctx, tx, p, id, auth.ManageStandards)
		if err != nil {
			return err
		}
		e := &Entry{ID: id, CreatedAt: old.CreatedAt}
		fields := resolve(ctx, tx, p.AgencyID, f, e)
		reason = checkReason(fields, reason)
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		if version != old.Version {
			return errStale
		}
		if e.Seq == 0 {
			e.Seq = old.Seq
		}
		detail := Diff(old, e)
		if detail == "" {
			return apperr.FieldErrors(map[string]string{"reason": "没有修改任何内容。"})
		}
		if err := updateEntry(ctx, tx, e, version); err != nil {
			return err
		}
		if err := insertChange(ctx, tx, p.AgencyID, Change{EntryID: id, Kind: Edited, On: s.Today(), L1: e.L1, L2: e.L2, Detail: detail,
			Reason: reason, Actor: p.Actor().Name}); err != nil {
			return err
		}
		if err := record(ctx, tx, p, p.AgencyID, "update", strconv.FormatInt(id, 10), "公开标准目录调整事项："+e.Name()+"；"+detail+"；理由："+reason); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
}

// Remove takes an entry out of the catalogue (it stays in the change log).
func (s *Service) Remove(ctx context.Context, p *auth.Principal, id int64, reason string) error {
	return s.tx(ctx, func(tx db.Tx) error {
		e, err := s.scoped(ctx, tx, p, id, auth.ManageStandards)
		if err != nil {
			return err
		}
		fields := map[string]string{}
		reason = checkReason(fields, reason)
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		return s.remove(ctx, tx, p, e, reason)
	})
}

func (s *Service) remove(ctx context.Context, tx db.Tx, p *auth.Principal, e *Entry, reason string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE std_entries SET removed = TRUE, removed_on = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
		s.Today(), db.Now(), e.ID); err != nil {
		return err
	}
	if err := insertChange(ctx, tx, e.AgencyID, Change{EntryID: e.ID, Kind: Removed, On: s.Today(), L1: e.L1, L2: e.L2, Reason: reason, Actor: p.Actor().Name}); err != nil {
		return err
	}
	if err := record(ctx, tx, p, e.AgencyID, "remove", strconv.FormatInt(e.ID, 10), "公开标准目录移出事项："+e.Name()+"；理由："+reason); err != nil {
		return err
	}
	return s.bump(ctx, tx)
}

// Changes is the change log of p's agency's catalogue, or of one entry.
func (s *Service) Changes(ctx context.Context, p *auth.Principal, entryID int64) ([]Change, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	return listChanges(ctx, s.DB.R, p.AgencyID, entryID, 500)
}

// ---------------------------------------------------------------- import and export

// ImportReport says what an import did.
type ImportReport struct {
	Rows, Added, Changed, Unchanged, Removed int
}

// Import applies a catalogue file to p's agency's catalogue in one
// transaction: entries are matched by 一级事项 and 二级事项; new ones are
// added, changed ones updated (each with a change-log line giving reason),
// and with removeMissing the entries the file no longer lists are removed.
// A bad row refuses the whole file (*ImportError, rows by line).
func (s *Service) Import(ctx context.Context, p *auth.Principal, rows []Fields, reason string, removeMissing bool) (ImportReport, error) {
	var rep ImportReport
	if !allowed(p, auth.ManageStandards) {
		return rep, errForbidden
	}
	fields := map[string]string{}
	reason = checkReason(fields, reason)
	if len(fields) > 0 {
		return rep, apperr.FieldErrors(fields)
	}
	rep.Rows = len(rows)
	err := s.tx(ctx, func(tx db.Tx) error {
		existing, err := listEntries(ctx, tx, p.AgencyID, Filter{})
		if err != nil {
			return err
		}
		byName := map[string]*Entry{}
		for _, e := range existing {
			byName[e.L1+"\x00"+e.L2] = e
		}
		seen := map[string]int{}
		var bad []RowError
		entries := make([]*Entry, len(rows))
		for i, f := range rows {
			e := &Entry{}
			msgs := resolve(ctx, tx, p.AgencyID, f, e)
			if len(msgs) > 0 {
				var parts []string
				for _, k := range FieldOrder {
					if m, ok := msgs[k]; ok {
						parts = append(parts, strings.TrimSuffix(m, "。"))
					}
				}
				bad = append(bad, RowError{Line: f.Line, Message: strings.Join(parts, "；") + "。"})
				continue
			}
			key := e.L1 + "\x00" + e.L2
			if prev, dup := seen[key]; dup {
				bad = append(bad, RowError{Line: f.Line, Message: fmt.Sprintf("事项“%s”与第 %d 行重复。", clip(e.Name()), prev)})
				continue
			}
			seen[key] = f.Line
			entries[i] = e
		}
		if len(bad) > 0 {
			return &ImportError{Message: fmt.Sprintf("有 %d 行无法导入，整个文件未导入。请修改后重新上传。", len(bad)), Rows: bad}
		}
		today, actor := s.Today(), p.Actor().Name
		for _, e := range entries {
			old := byName[e.L1+"\x00"+e.L2]
			if old == nil {
				if err := insertEntry(ctx, tx, e); err != nil {
					return err
				}
				rep.Added++
				if err := insertChange(ctx, tx, p.AgencyID, Change{EntryID: e.ID, Kind: Added, On: today, L1: e.L1, L2: e.L2,
					Detail: "导入；公开时限：" + e.TimeLimit, Reason: reason, Actor: actor}); err != nil {
					return err
				}
				continue
			}
			e.ID = old.ID
			if e.Seq == 0 {
				e.Seq = old.Seq
			}
			detail := Diff(old, e)
			if detail == "" {
				rep.Unchanged++
				continue
			}
			if err := updateEntry(ctx, tx, e, old.Version); err != nil {
				return err
			}
			rep.Changed++
			if err := insertChange(ctx, tx, p.AgencyID, Change{EntryID: e.ID, Kind: Edited, On: today, L1: e.L1, L2: e.L2, Detail: "导入；" + detail,
				Reason: reason, Actor: actor}); err != nil {
				return err
			}
		}
		if removeMissing {
			for _, old := range existing {
				if _, ok := seen[old.L1+"\x00"+old.L2]; ok {
					continue
				}
				if _, err := tx.ExecContext(ctx, `UPDATE std_entries SET removed = TRUE, removed_on = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
					today, db.Now(), old.ID); err != nil {
					return err
				}
				rep.Removed++
				if err := insertChange(ctx, tx, p.AgencyID, Change{EntryID: old.ID, Kind: Removed, On: today, L1: old.L1, L2: old.L2,
					Detail: "导入的目录中已无此事项", Reason: reason, Actor: actor}); err != nil {
					return err
				}
			}
		}
		if err := record(ctx, tx, p, p.AgencyID, "import", "", fmt.Sprintf("导入公开标准目录：%d 行，新增 %d 项，调整 %d 项，未变 %d 项，移出 %d 项；理由：%s",
			rep.Rows, rep.Added, rep.Changed, rep.Unchanged, rep.Removed, reason)); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
	if err != nil {
		return ImportReport{}, err
	}
	return rep, nil
}

// Export writes p's agency's catalogue in the standard layout.
func (s *Service) Export(ctx context.Context, p *auth.Principal, w io.Writer) error {
	if !allowed(p, auth.ViewItems) {
		return errForbidden
	}
	list, err := listEntries(ctx, s.DB.R, p.AgencyID, Filter{})
	if err != nil {
		return err
	}
	items, err := listItems(ctx, s.DB.R, p.AgencyID, "")
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	for _, it := range items {
		codes[it.ID] = it.Code
	}
	title := "政务公开标准目录"
	if a, err := s.Agencies.Agency(ctx, p.AgencyID); err == nil {
		title = a.Name + title
	}
	return WriteCatalogue(w, title, list, codes)
}

// ---------------------------------------------------------------- power and service lists

// ListItems returns p's agency's power and service lists.
func (s *Service) ListItems(ctx context.Context, p *auth.Principal, kind ListKind) ([]ListItem, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	return listItems(ctx, s.DB.R, p.AgencyID, kind)
}

// ListReport says what a list import did.
type ListReport struct{ Rows, Added, Changed int }

// ImportList adds or updates (by 事项编码) the items of a list, all or
// nothing.
func (s *Service) ImportList(ctx context.Context, p *auth.Principal, kind ListKind, items []ListItem) (ListReport, error) {
	var rep ListReport
	if !allowed(p, auth.ManageStandards) {
		return rep, errForbidden
	}
	if kind != PowerList && kind != ServiceList {
		return rep, apperr.FieldErrors(map[string]string{"list": "请选择清单类型。"})
	}
	rep.Rows = len(items)
	err := s.tx(ctx, func(tx db.Tx) error {
		now := db.Now()
		for _, it := range items {
			var id int64
			var name, category, basis, division string
			err := tx.QueryRowContext(ctx, `SELECT id, name, category, basis, division FROM std_list_items WHERE agency_id = $1 AND list = $2 AND code = $3`,
				p.AgencyID, string(kind), it.Code).Scan(&id, &name, &category, &basis, &division)
			switch {
			case err == nil:
				if name == it.Name && category == it.Category && basis == it.Basis && division == it.Division {
					continue
				}
				if _, err := tx.ExecContext(ctx, `UPDATE std_list_items SET name = $1, category = $2, basis = $3, division = $4, updated_at = $5 WHERE id = $6`,
					it.Name, it.Category, it.Basis, it.Division, now, id); err != nil {
					return err
				}
				rep.Changed++
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO std_list_items (agency_id, list, code, name, category, basis, division, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, p.AgencyID, string(kind), it.Code, it.Name, it.Category, it.Basis, it.Division, now); err != nil {
					return err
				}
				rep.Added++
			default:
				return err
			}
		}
		if err := audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: p.AgencyID, Action: "standards.list_import", ObjectType: "standard_list",
			ObjectID: string(kind), Summary: fmt.Sprintf("导入%s：%d 行，新增 %d 项，更新 %d 项", kind.Label(), rep.Rows, rep.Added, rep.Changed)}); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
	if err != nil {
		return ListReport{}, err
	}
	return rep, nil
}

// ---------------------------------------------------------------- links

// Linked returns the items linked to an entry, newest first.
func (s *Service) Linked(ctx context.Context, p *auth.Principal, entryID int64) ([]ItemRef, error) {
	e, err := s.scoped(ctx, s.DB.R, p, entryID, auth.ViewItems)
	if err != nil {
		return nil, err
	}
	m, err := s.linkedItems(ctx, e.AgencyID, e.ID)
	if err != nil {
		return nil, err
	}
	return m[e.ID], nil
}

// linkedItems maps the agency's entries (or one) to their linked items,
// newest publication first.
func (s *Service) linkedItems(ctx context.Context, agencyID, entryID int64) (map[int64][]ItemRef, error) {
	links, err := linksOf(ctx, s.DB.R, agencyID, entryID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, l := range links {
		ids = append(ids, l...)
	}
	out := map[int64][]ItemRef{}
	if len(ids) == 0 {
		return out, nil
	}
	items, err := s.Items.Items(ctx, agencyID, ids)
	if err != nil {
		return nil, err
	}
	for e, l := range links {
		for _, id := range l {
			if it, ok := items[id]; ok {
				out[e] = append(out[e], it)
			}
		}
		sort.SliceStable(out[e], func(i, j int) bool {
			a, b := out[e][i], out[e][j]
			if a.PublishedOn != b.PublishedOn {
				return a.PublishedOn.After(b.PublishedOn)
			}
			return a.ID > b.ID
		})
	}
	return out, nil
}

// SearchItems finds public items of p's agency by title, to link.
func (s *Service) SearchItems(ctx context.Context, p *auth.Principal, query string) ([]ItemRef, error) {
	if !allowed(p, auth.ViewItems) {
		return nil, errForbidden
	}
	query = strings.TrimSpace(query)
	if len([]rune(query)) > 100 {
		return nil, apperr.FieldErrors(map[string]string{"q": "检索词不能超过 100 个字。"})
	}
	if web.Unreadable(query) {
		return nil, apperr.FieldErrors(map[string]string{"q": "检索词含有无法识别的字符。"})
	}
	return s.Items.Search(ctx, p.AgencyID, query, 20)
}

// Link tags items of p's agency as fulfilling an entry; their pages name
// the entry.
func (s *Service) Link(ctx context.Context, p *auth.Principal, entryID int64, itemIDs ...int64) error {
	return s.LinkAll(ctx, p, map[int64][]int64{entryID: itemIDs})
}

// LinkAll links items to several entries in one transaction (after an
// import, the demo): all or nothing, one audit entry.
func (s *Service) LinkAll(ctx context.Context, p *auth.Principal, links map[int64][]int64) error {
	if !allowed(p, auth.ManageStandards) {
		return errForbidden
	}
	entryIDs := make([]int64, 0, len(links))
	var itemIDs []int64
	for id, items := range links {
		if len(items) == 0 {
			return apperr.FieldErrors(map[string]string{"item_id": "请选择要关联的信息。"})
		}
		entryIDs = append(entryIDs, id)
		itemIDs = append(itemIDs, items...)
	}
	if len(entryIDs) == 0 {
		return apperr.FieldErrors(map[string]string{"item_id": "请选择要关联的信息。"})
	}
	sort.Slice(entryIDs, func(i, j int) bool { return entryIDs[i] < entryIDs[j] })
	items, err := s.Items.Items(ctx, p.AgencyID, itemIDs)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx db.Tx) error {
		var lines []string
		objectID := ""
		for _, entryID := range entryIDs {
			e, err := s.scoped(ctx, tx, p, entryID, auth.ManageStandards)
			if err != nil {
				return err
			}
			var titles []string
			for _, id := range links[entryID] {
				it, ok := items[id]
				if !ok || !it.Public {
					return apperr.FieldErrors(map[string]string{"item_id": "只能关联本单位已公开的信息。"})
				}
				res, err := tx.ExecContext(ctx, `INSERT INTO std_links (entry_id, item_id, created_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
					e.ID, id, nullID(p.UserID), db.Now())
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					titles = append(titles, "《"+it.Title+"》")
				}
			}
			if len(titles) > 0 {
				lines = append(lines, "目录事项 "+e.Name()+" 关联信息："+strings.Join(titles, "、"))
				objectID = strconv.FormatInt(e.ID, 10)
			}
		}
		if len(lines) == 0 {
			return nil
		}
		if len(entryIDs) > 1 {
			objectID = ""
		}
		if err := record(ctx, tx, p, p.AgencyID, "link", objectID, strings.Join(lines, "；")); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
}

// Unlink removes a link.
func (s *Service) Unlink(ctx context.Context, p *auth.Principal, entryID, itemID int64) error {
	return s.tx(ctx, func(tx db.Tx) error {
		e, err := s.scoped(ctx, tx, p, entryID, auth.ManageStandards)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM std_links WHERE entry_id = $1 AND item_id = $2`, e.ID, itemID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("该信息没有关联到这个事项。")
		}
		if err := record(ctx, tx, p, e.AgencyID, "unlink", strconv.FormatInt(e.ID, 10), fmt.Sprintf("目录事项 %s 取消关联信息 %d", e.Name(), itemID)); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
}

// EntriesOfItem are the entries an item fulfils (for its page).
func (s *Service) EntriesOfItem(ctx context.Context, agencyID, itemID int64) ([]*Entry, error) {
	return entriesOfItem(ctx, s.DB.R, agencyID, itemID)
}

// ---------------------------------------------------------------- coverage

// Coverage runs the monitor over p's agency's catalogue.
func (s *Service) Coverage(ctx context.Context, p *auth.Principal) (Coverage, error) {
	if !allowed(p, auth.ViewItems) {
		return Coverage{}, errForbidden
	}
	return s.CoverageOf(ctx, p.AgencyID)
}

// CoverageOf runs the monitor over an agency's catalogue (jobs, tests).
func (s *Service) CoverageOf(ctx context.Context, agencyID int64) (Coverage, error) {
	entries, err := listEntries(ctx, s.DB.R, agencyID, Filter{})
	if err != nil {
		return Coverage{}, err
	}
	links, err := s.linkedItems(ctx, agencyID, 0)
	if err != nil {
		return Coverage{}, err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return Coverage{}, err
	}
	return Compute(entries, links, cal, s.Today()), nil
}

// ---------------------------------------------------------------- public

// Group is the entries under one 一级事项.
type Group struct {
	L1      string
	Anchor  string
	Entries []PublicEntry
}

// PublicEntry is an entry with its latest items.
type PublicEntry struct {
	*Entry
	Latest []ItemRef
	More   int // linked public items not shown
}

// PublicCatalogue is the public page of an agency's catalogue.
type PublicCatalogue struct {
	Groups  []Group
	Total   int
	Changes []Change
}

// LatestPerEntry is how many items the public page lists under an entry.
const LatestPerEntry = 3

// Public returns an agency's catalogue as the public sees it: entries by
// 一级事项 with their latest public items, and the change log.
func (s *Service) Public(ctx context.Context, agencyID int64) (*PublicCatalogue, error) {
	entries, err := listEntries(ctx, s.DB.R, agencyID, Filter{})
	if err != nil {
		return nil, err
	}
	links, err := s.linkedItems(ctx, agencyID, 0)
	if err != nil {
		return nil, err
	}
	pc := &PublicCatalogue{Total: len(entries)}
	index := map[string]int{}
	for _, e := range entries {
		i, ok := index[e.L1]
		if !ok {
			i = len(pc.Groups)
			index[e.L1] = i
			pc.Groups = append(pc.Groups, Group{L1: e.L1, Anchor: "l1-" + strconv.Itoa(i+1)})
		}
		pe := PublicEntry{Entry: e}
		for _, it := range links[e.ID] {
			if !it.Public {
				continue
			}
			if len(pe.Latest) < LatestPerEntry {
				pe.Latest = append(pe.Latest, it)
			} else {
				pe.More++
			}
		}
		pc.Groups[i].Entries = append(pc.Groups[i].Entries, pe)
	}
	if pc.Changes, err = listChanges(ctx, s.DB.R, agencyID, 0, 200); err != nil {
		return nil, err
	}
	return pc, nil
}
