package agency

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// Platform settings keys.
const (
	settingDefaultAgency = "default_agency"
	settingVersion       = "agency_version"
)

// Service is the agency capability's rules.
type Service struct {
	db *db.DB

	mu        sync.Mutex
	snap      *snapshot
	checkedAt time.Time
}

// NewService returns the service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// snapshot is every agency, cached for the portal (which reads them on every
// page) and refreshed when any instance bumps the version.
type snapshot struct {
	version   string
	all       []*Agency
	byID      map[int64]*Agency
	bySlug    map[string]*Agency
	byHost    map[string]*Agency
	defaultID int64
}

// cacheCheck is how often the cached agencies are compared with the database.
const cacheCheck = 2 * time.Second

func (s *Service) current(ctx context.Context) (*snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap != nil && time.Since(s.checkedAt) < cacheCheck {
		return s.snap, nil
	}
	v, err := getSetting(ctx, s.db.R, settingVersion)
	if err != nil {
		if s.snap != nil {
			return s.snap, nil // serve what we have while the database is away
		}
		return nil, db.Classify(err)
	}
	if s.snap != nil && s.snap.version == v {
		s.checkedAt = time.Now()
		return s.snap, nil
	}
	all, err := listAgencies(ctx, s.db.R, "")
	if err != nil {
		return nil, err
	}
	def, err := getSetting(ctx, s.db.R, settingDefaultAgency)
	if err != nil {
		return nil, db.Classify(err)
	}
	snap := &snapshot{version: v, all: all, byID: map[int64]*Agency{}, bySlug: map[string]*Agency{}, byHost: map[string]*Agency{}}
	for _, a := range all {
		snap.byID[a.ID] = a
		snap.bySlug[a.Slug] = a
		if a.Host != "" {
			snap.byHost[a.Host] = a
		}
		if a.Slug == def {
			snap.defaultID = a.ID
		}
	}
	s.snap, s.checkedAt = snap, time.Now()
	return snap, nil
}

// Current is the version of the agencies this instance serves (a
// web.ContentVersion for the page cache). Keying cached pages on it, rather
// than on the database row, means a page is never cached under a new
// version while rendered from the old agencies.
func (s *Service) Current(ctx context.Context) (string, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return "", err
	}
	return snap.version, nil
}

// bump marks the cached agencies stale on every instance.
func bump(ctx context.Context, tx db.Tx) error {
	return setSetting(ctx, tx, settingVersion, strconv.FormatInt(time.Now().UnixNano(), 36))
}

func (s *Service) invalidate() {
	s.mu.Lock()
	s.snap = nil
	s.mu.Unlock()
}

// Get returns an agency's public record.
func (s *Service) Get(ctx context.Context, id int64) (*Agency, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	if a, ok := snap.byID[id]; ok {
		return a, nil
	}
	return nil, apperr.NotFoundf("没有这个单位")
}

// BySlug returns the agency with that portal slug.
func (s *Service) BySlug(ctx context.Context, slug string) (*Agency, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	if a, ok := snap.bySlug[strings.ToLower(slug)]; ok {
		return a, nil
	}
	return nil, apperr.NotFoundf("没有这个单位")
}

// ForHost returns the agency that owns host name, or the platform's default
// agency, or NotFound when neither exists.
func (s *Service) ForHost(ctx context.Context, host string) (*Agency, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	h := strings.ToLower(host)
	if name, _, err := net.SplitHostPort(h); err == nil {
		h = name
	}
	if a, ok := snap.byHost[h]; ok && h != "" {
		return a, nil
	}
	if a, ok := snap.byID[snap.defaultID]; ok {
		return a, nil
	}
	return nil, apperr.NotFoundf("平台尚未设置默认单位")
}

// List returns every agency in display order.
func (s *Service) List(ctx context.Context) ([]*Agency, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return snap.all, nil
}

// Children returns the agencies whose parent is id.
func (s *Service) Children(ctx context.Context, id int64) ([]*Agency, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Agency
	for _, a := range snap.all {
		if a.ParentID == id {
			out = append(out, a)
		}
	}
	return out, nil
}

// Divisions returns an agency's divisions (机构设置 is public information).
func (s *Service) Divisions(ctx context.Context, agencyID int64) ([]Division, error) {
	return listDivisions(ctx, s.db.R, agencyID)
}

// ---------------------------------------------------------------- changes

func canManage(p *auth.Principal, agencyID int64) error {
	if !auth.Allowed(p, auth.ManageAgencySettings) || !p.CanActIn(agencyID) {
		return apperr.New(apperr.Forbidden, "您无权管理该单位的设置")
	}
	return nil
}

// UpdateSettings saves an agency's settings.
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, agencyID int64, in Settings) error {
	if err := canManage(p, agencyID); err != nil {
		return err
	}
	in.Normalise()
	if err := in.Validate(); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		old, err := getAgency(ctx, tx, "id = $1", agencyID)
		if err != nil {
			return err
		}
		if err := updateSettings(ctx, tx, agencyID, in); err != nil {
			return err
		}
		if err := bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "agency.settings.update",
			ObjectType: "agency", ObjectID: fmt.Sprint(agencyID), Summary: "修改单位设置：" + settingsDiff(old.Settings, in)})
	})
	s.invalidate()
	return err
}

// settingsDiff names the settings that changed.
func settingsDiff(a, b Settings) string {
	var out []string
	add := func(label, x, y string) {
		if x != y {
			out = append(out, label)
		}
	}
	add("机构职能", a.Intro, b.Intro)
	add("办公地址", a.Address, b.Address)
	add("邮政编码", a.Postcode, b.Postcode)
	add("办公时间", a.OfficeHours, b.OfficeHours)
	add("联系电话", a.Phone, b.Phone)
	add("传真", a.Fax, b.Fax)
	add("电子邮箱", a.Email, b.Email)
	add("公开工作机构", a.DisclosureOffice, b.DisclosureOffice)
	add("索引号前缀", a.IndexPrefix, b.IndexPrefix)
	add("网站标识码", a.SiteCode, b.SiteCode)
	add("ICP备案号", a.ICPNumber, b.ICPNumber)
	add("公安备案号", a.PoliceNumber, b.PoliceNumber)
	add("党政机关标识", a.PartyGovMark, b.PartyGovMark)
	add("主办单位", a.Sponsor, b.Sponsor)
	add("主题色", a.Accent, b.Accent)
	if len(out) == 0 {
		return "无变化"
	}
	return strings.Join(out, "、")
}

// Create adds an agency (platform administrators only).
func (s *Service) Create(ctx context.Context, p *auth.Principal, n NewAgency, st Settings) (*Agency, error) {
	if !auth.Allowed(p, auth.ManageAgencies) {
		return nil, apperr.New(apperr.Forbidden, "只有平台管理员可以新增单位")
	}
	n.normalise()
	st.Normalise()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		if n.ParentID != 0 {
			if _, err := getAgency(ctx, tx, "id = $1", n.ParentID); err != nil {
				return apperr.FieldErrors(map[string]string{"parent_id": "所选上级单位不存在"})
			}
		}
		var err error
		id, err = insertAgency(ctx, tx, n, st)
		if db.IsUniqueViolation(err) {
			return apperr.FieldErrors(map[string]string{"slug": "网址标识或独立域名已被其他单位使用"})
		}
		if err != nil {
			return err
		}
		if err := bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: id, Action: "agency.create",
			ObjectType: "agency", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("新增单位 %s（%s，/o/%s/）", n.Name, n.Kind.Label(), n.Slug)})
	})
	s.invalidate()
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// UpdateStructure changes an agency's name, slug, host, parent and kind
// (platform administrators only).
func (s *Service) UpdateStructure(ctx context.Context, p *auth.Principal, id int64, n NewAgency) error {
	if !auth.Allowed(p, auth.ManageAgencies) {
		return apperr.New(apperr.Forbidden, "只有平台管理员可以修改单位结构")
	}
	n.normalise()
	if err := n.Validate(); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		old, err := getAgency(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if n.ParentID != 0 {
			// No cycles: the new parent must not be the agency or below it.
			for pid := n.ParentID; pid != 0; {
				if pid == id {
					return apperr.FieldErrors(map[string]string{"parent_id": "上级单位不能是本单位或其下级单位"})
				}
				par, err := getAgency(ctx, tx, "id = $1", pid)
				if err != nil {
					return apperr.FieldErrors(map[string]string{"parent_id": "所选上级单位不存在"})
				}
				pid = par.ParentID
			}
		}
		if err := updateStructure(ctx, tx, id, n); db.IsUniqueViolation(err) {
			return apperr.FieldErrors(map[string]string{"slug": "网址标识或独立域名已被其他单位使用"})
		} else if err != nil {
			return err
		}
		if err := bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: id, Action: "agency.update",
			ObjectType: "agency", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("修改单位 %s → %s（/o/%s/）", old.Name, n.Name, n.Slug)})
	})
	s.invalidate()
	return err
}

// DefaultSlug returns the slug of the agency the platform's root page shows.
func (s *Service) DefaultSlug(ctx context.Context) (string, error) {
	return getSetting(ctx, s.db.R, settingDefaultAgency)
}

// SetDefault makes an agency the one the platform's root page shows.
func (s *Service) SetDefault(ctx context.Context, p *auth.Principal, slug string) error {
	if !auth.Allowed(p, auth.ManageAgencies) {
		return apperr.New(apperr.Forbidden, "只有平台管理员可以设置默认单位")
	}
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		a, err := getAgency(ctx, tx, "slug = $1", slug)
		if err != nil {
			return err
		}
		if err := setSetting(ctx, tx, settingDefaultAgency, a.Slug); err != nil {
			return err
		}
		if err := bump(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{Action: "platform.default_agency",
			ObjectType: "agency", ObjectID: fmt.Sprint(a.ID), Summary: "平台首页默认单位设为 " + a.Name})
	})
	s.invalidate()
	return err
}

// CreateDivision adds a division to an agency.
func (s *Service) CreateDivision(ctx context.Context, p *auth.Principal, agencyID int64, name string, sort int) (int64, error) {
	if err := canManage(p, agencyID); err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	if err := ValidateDivisionName(name); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		var err error
		id, err = insertDivision(ctx, tx, agencyID, name, sort)
		if db.IsUniqueViolation(err) {
			return apperr.FieldErrors(map[string]string{"name": "本单位已有同名处室"})
		}
		if db.IsForeignKeyViolation(err) {
			return apperr.NotFoundf("没有这个单位")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "division.create",
			ObjectType: "division", ObjectID: fmt.Sprint(id), Summary: "新增处室 " + name})
	})
	return id, err
}

// UpdateDivision renames or re-sorts a division of the agency.
func (s *Service) UpdateDivision(ctx context.Context, p *auth.Principal, agencyID, id int64, name string, sort int) error {
	if err := canManage(p, agencyID); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if err := ValidateDivisionName(name); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx db.Tx) error {
		old, err := getDivision(ctx, tx, agencyID, id)
		if err != nil {
			return err
		}
		n, err := updateDivision(ctx, tx, agencyID, id, name, sort)
		if db.IsUniqueViolation(err) {
			return apperr.FieldErrors(map[string]string{"name": "本单位已有同名处室"})
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFoundf("没有这个处室")
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "division.update",
			ObjectType: "division", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("修改处室 %s → %s", old.Name, name)})
	})
}

// DeleteDivision removes a division that no staff member belongs to.
func (s *Service) DeleteDivision(ctx context.Context, p *auth.Principal, agencyID, id int64) error {
	if err := canManage(p, agencyID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx db.Tx) error {
		old, err := getDivision(ctx, tx, agencyID, id)
		if err != nil {
			return err
		}
		n, err := deleteDivision(ctx, tx, agencyID, id)
		if db.IsForeignKeyViolation(err) {
			return apperr.New(apperr.Conflict, "该处室仍有工作人员（含已停用账号），请先将他们调到其他处室再删除")
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFoundf("没有这个处室")
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "division.delete",
			ObjectType: "division", ObjectID: fmt.Sprint(id), Summary: "删除处室 " + old.Name})
	})
}

// Division returns one division of the agency.
func (s *Service) Division(ctx context.Context, agencyID, id int64) (Division, error) {
	return getDivision(ctx, s.db.R, agencyID, id)
}

// Seed creates an agency without a principal, for the demo dataset and
// first-run setup; it is audited as the system.
func (s *Service) Seed(ctx context.Context, tx db.Tx, n NewAgency, st Settings) (int64, error) {
	n.normalise()
	st.Normalise()
	if err := n.Validate(); err != nil {
		return 0, err
	}
	if err := st.Validate(); err != nil {
		return 0, err
	}
	id, err := insertAgency(ctx, tx, n, st)
	if err != nil {
		return 0, err
	}
	if err := bump(ctx, tx); err != nil {
		return 0, err
	}
	s.invalidate()
	return id, audit.Record(ctx, tx, audit.System, audit.Event{AgencyID: id, Action: "agency.create",
		ObjectType: "agency", ObjectID: fmt.Sprint(id), Summary: "初始化单位 " + n.Name})
}

// SeedDivision adds a division for the demo dataset and first-run setup.
func (s *Service) SeedDivision(ctx context.Context, tx db.Tx, agencyID int64, name string, sort int) (int64, error) {
	return insertDivision(ctx, tx, agencyID, name, sort)
}

// SeedDefault sets the default agency for the demo dataset and first-run setup.
func (s *Service) SeedDefault(ctx context.Context, tx db.Tx, slug string) error {
	if err := setSetting(ctx, tx, settingDefaultAgency, slug); err != nil {
		return err
	}
	s.invalidate()
	return bump(ctx, tx)
}
