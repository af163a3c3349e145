package agency

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// The liaison roster (联络员): every division names a liaison officer, who
// takes the division's share of disclosure work (applications to answer,
// documents to publish, work-plan tasks), and a deputy. Other capabilities
// route work to the liaison through Service.Liaison, wired in app.

// LiaisonRole is the officer (primary) or the deputy.
type LiaisonRole string

// Liaison roles.
const (
	PrimaryLiaison LiaisonRole = "primary" // 联络员
	DeputyLiaison  LiaisonRole = "deputy"  // 副联络员（AB 角）
)

// Label is the Chinese name.
func (r LiaisonRole) Label() string {
	if r == DeputyLiaison {
		return "副联络员"
	}
	return "联络员"
}

// Contact is one person of the roster. Mobile is personal data: it is shown
// to staff only, never on the portal or in the audit log.
type Contact struct {
	// UserID is the linked staff account (0: none); Account is its display
	// name and Disabled tells that it has been disabled since.
	UserID      int64
	Account     string
	Disabled    bool
	Name        string
	Position    string // 职务
	OfficePhone string // 办公电话
	Mobile      string // 手机
	Email       string
}

// Set reports whether the contact is filled in.
func (c Contact) Set() bool { return c.Name != "" }

// Liaison is a division's entry of the roster.
type Liaison struct {
	AgencyID     int64
	DivisionID   int64
	DivisionName string
	Primary      Contact
	Deputy       Contact
	UpdatedBy    string
	UpdatedAt    time.Time
}

// Assigned reports whether the division has named its liaison officer.
func (l Liaison) Assigned() bool { return l.Primary.Set() }

// UserIDs are the linked staff accounts of the officer and the deputy (0
// where none is linked), for routing work.
func (l Liaison) UserIDs() (primary, deputy int64) {
	p, d := l.Primary.UserID, l.Deputy.UserID
	if l.Primary.Disabled {
		p = 0
	}
	if l.Deputy.Disabled {
		d = 0
	}
	return p, d
}

// RouteTo is the account that should receive the division's work: the
// officer's, else the deputy's, else 0 (the work goes to whoever holds the
// permission).
func (l Liaison) RouteTo() int64 {
	p, d := l.UserIDs()
	if p != 0 {
		return p
	}
	return d
}

// ContactInput is a contact as the roster form submits it.
type ContactInput struct {
	UserID      int64
	Name        string
	Position    string
	OfficePhone string
	Mobile      string
	Email       string
}

func (c *ContactInput) normalise() {
	for _, p := range []*string{&c.Name, &c.Position, &c.OfficePhone, &c.Mobile, &c.Email} {
		*p = strings.TrimSpace(*p)
	}
	c.Mobile = strings.NewReplacer(" ", "", "-", "").Replace(c.Mobile)
}

func (c ContactInput) empty() bool {
	return c.UserID == 0 && c.Name == "" && c.Position == "" && c.OfficePhone == "" && c.Mobile == "" && c.Email == ""
}

// LiaisonInput is the roster form of one division.
type LiaisonInput struct {
	Primary ContactInput
	Deputy  ContactInput
}

var mobilePattern = regexp.MustCompile(`^(\+?86)?1[3-9][0-9]{9}$`)

// validate checks one contact; prefix names its fields ("primary_" or
// "deputy_").
func (c ContactInput) validate(f map[string]string, prefix, label string) {
	if c.empty() {
		return
	}
	checkText(f, prefix+"name", label+"姓名", c.Name, 1, 20)
	checkText(f, prefix+"position", label+"职务", c.Position, 0, 30)
	if c.OfficePhone != "" && !phonePattern.MatchString(c.OfficePhone) {
		f[prefix+"office_phone"] = label + "办公电话格式不正确，例如 021-12345678"
	}
	if c.Mobile != "" && !mobilePattern.MatchString(c.Mobile) {
		f[prefix+"mobile"] = label + "手机号码须为 11 位手机号，例如 13812345678"
	}
	if c.Email != "" && !web.ValidEmail(c.Email) {
		f[prefix+"email"] = label + "电子邮箱格式不正确"
	}
}

// Validate checks the form: the deputy needs an officer, each filled
// contact a name, and the numbers and address their formats.
func (in LiaisonInput) Validate() error {
	f := map[string]string{}
	in.Primary.validate(f, "primary_", "联络员")
	in.Deputy.validate(f, "deputy_", "副联络员")
	if in.Primary.empty() && !in.Deputy.empty() {
		f["primary_name"] = "请先填写联络员，再填写副联络员"
	}
	if in.Primary.UserID != 0 && in.Primary.UserID == in.Deputy.UserID {
		f["deputy_user_id"] = "联络员和副联络员不能是同一个账号"
	}
	if len(f) > 0 {
		return apperr.FieldErrors(f)
	}
	return nil
}

// ---------------------------------------------------------------- reads

// Liaison returns the roster entry of a division: its officer and deputy
// with their linked staff accounts. A division without a liaison is not an
// error (Assigned reports false); an unknown division is NotFound.
//
// Other capabilities use it (through an interface wired in app) to route a
// division's work: l.RouteTo() is the account to assign it to.
func (s *Service) Liaison(ctx context.Context, divisionID int64) (Liaison, error) {
	var l Liaison
	err := s.db.R.QueryRowContext(ctx, "SELECT id, agency_id, name FROM divisions WHERE id = $1", divisionID).
		Scan(&l.DivisionID, &l.AgencyID, &l.DivisionName)
	if err != nil {
		return Liaison{}, db.NotFound(err, "没有这个处室")
	}
	all, err := listLiaisonRows(ctx, s.db.R, "l.division_id = $1", divisionID)
	if err != nil {
		return Liaison{}, err
	}
	for _, r := range all {
		r.apply(&l)
	}
	return l, nil
}

// Liaisons returns the roster of an agency: one entry per division in
// display order, those without a liaison included.
func (s *Service) Liaisons(ctx context.Context, agencyID int64) ([]Liaison, error) {
	divs, err := listDivisions(ctx, s.db.R, agencyID)
	if err != nil {
		return nil, err
	}
	rows, err := listLiaisonRows(ctx, s.db.R, "l.agency_id = $1", agencyID)
	if err != nil {
		return nil, err
	}
	by := map[int64][]liaisonRow{}
	for _, r := range rows {
		by[r.divisionID] = append(by[r.divisionID], r)
	}
	out := make([]Liaison, 0, len(divs))
	for _, d := range divs {
		l := Liaison{AgencyID: agencyID, DivisionID: d.ID, DivisionName: d.Name}
		for _, r := range by[d.ID] {
			r.apply(&l)
		}
		out = append(out, l)
	}
	return out, nil
}

// DivisionsWithoutLiaison lists the divisions of an agency that have not
// named a liaison officer (the to-do "处室未指定联络员").
func (s *Service) DivisionsWithoutLiaison(ctx context.Context, agencyID int64) ([]Division, error) {
	roster, err := s.Liaisons(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	var out []Division
	for _, l := range roster {
		if !l.Assigned() {
			out = append(out, Division{ID: l.DivisionID, AgencyID: agencyID, Name: l.DivisionName})
		}
	}
	return out, nil
}

// LiaisonCandidate is a staff account that may be linked to a division's
// roster entry.
type LiaisonCandidate struct {
	UserID      int64
	DisplayName string
	Email       string
	Phone       string
}

// LiaisonCandidates lists the active staff accounts of a division.
func (s *Service) LiaisonCandidates(ctx context.Context, agencyID, divisionID int64) ([]LiaisonCandidate, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, display_name, email, phone FROM staff_users
		WHERE agency_id = $1 AND division_id = $2 AND disabled = $3 ORDER BY display_name, id`, agencyID, divisionID, false)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []LiaisonCandidate
	for rows.Next() {
		var c LiaisonCandidate
		if err := rows.Scan(&c.UserID, &c.DisplayName, &c.Email, &c.Phone); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------- changes

func canManageLiaisons(p *auth.Principal, agencyID int64) error {
	if !auth.Allowed(p, auth.ManageLiaisons) || !p.CanActIn(agencyID) {
		return apperr.New(apperr.Forbidden, "您无权维护该单位的联络员名单")
	}
	return nil
}

// SetLiaison saves a division's officer and deputy (an empty contact
// removes it). A linked account must be an active member of the division;
// its name and e-mail fill the contact's when they are left empty. The
// change is audited without the phone numbers.
func (s *Service) SetLiaison(ctx context.Context, p *auth.Principal, agencyID, divisionID int64, in LiaisonInput) error {
	if err := canManageLiaisons(p, agencyID); err != nil {
		return err
	}
	in.Primary.normalise()
	in.Deputy.normalise()
	return s.db.Tx(ctx, func(tx db.Tx) error {
		div, err := getDivision(ctx, tx, agencyID, divisionID)
		if err != nil {
			return err
		}
		f := map[string]string{}
		for _, c := range []struct {
			in    *ContactInput
			field string
		}{{&in.Primary, "primary_user_id"}, {&in.Deputy, "deputy_user_id"}} {
			if c.in.UserID == 0 {
				continue
			}
			var name, email, phone string
			err := tx.QueryRowContext(ctx, `SELECT display_name, email, phone FROM staff_users
				WHERE id = $1 AND agency_id = $2 AND division_id = $3 AND disabled = $4`, c.in.UserID, agencyID, divisionID, false).
				Scan(&name, &email, &phone)
			if errors.Is(err, sql.ErrNoRows) {
				f[c.field] = "所选账号不是本处室在岗的工作人员"
				continue
			}
			if err != nil {
				return err
			}
			if c.in.Name == "" {
				c.in.Name = name
			}
			if c.in.Email == "" {
				c.in.Email = email
			}
			if c.in.Mobile == "" && mobilePattern.MatchString(phone) {
				c.in.Mobile = phone
			}
		}
		if err := in.Validate(); err != nil {
			for k, v := range apperr.FieldsOf(err) {
				f[k] = v
			}
		}
		if len(f) > 0 {
			return apperr.FieldErrors(f)
		}
		old := Liaison{DivisionID: divisionID}
		rows, err := listLiaisonRows(ctx, tx, "l.division_id = $1", divisionID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			r.apply(&old)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM division_liaisons WHERE division_id = $1", divisionID); err != nil {
			return err
		}
		now := db.Now()
		for _, c := range []struct {
			role LiaisonRole
			in   ContactInput
		}{{PrimaryLiaison, in.Primary}, {DeputyLiaison, in.Deputy}} {
			if c.in.empty() {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO division_liaisons (division_id, agency_id, role, user_id, name, position,
				office_phone, mobile, email, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				divisionID, agencyID, string(c.role), nullID(c.in.UserID), c.in.Name, c.in.Position, c.in.OfficePhone, c.in.Mobile,
				c.in.Email, p.Actor().Name, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "liaison.update",
			ObjectType: "division", ObjectID: fmt.Sprint(divisionID), Summary: liaisonSummary(div.Name, old, in)})
	})
}

// liaisonSummary says what changed, naming people but never their numbers.
func liaisonSummary(division string, old Liaison, in LiaisonInput) string {
	who := func(c ContactInput) string {
		if c.empty() {
			return "（无）"
		}
		return c.Name
	}
	s := fmt.Sprintf("设置%s的联络员：%s；副联络员：%s", division, who(in.Primary), who(in.Deputy))
	var changed []string
	for _, c := range []struct {
		label string
		old   Contact
		in    ContactInput
	}{{"联络员", old.Primary, in.Primary}, {"副联络员", old.Deputy, in.Deputy}} {
		if c.old.Mobile != c.in.Mobile {
			changed = append(changed, c.label+"手机")
		}
		if c.old.OfficePhone != c.in.OfficePhone {
			changed = append(changed, c.label+"办公电话")
		}
		if c.old.Email != c.in.Email {
			changed = append(changed, c.label+"邮箱")
		}
	}
	if len(changed) > 0 {
		s += "（变更：" + strings.Join(changed, "、") + "）"
	}
	return s
}

// ---------------------------------------------------------------- store

type liaisonRow struct {
	divisionID int64
	role       LiaisonRole
	c          Contact
	by         string
	at         time.Time
}

func (r liaisonRow) apply(l *Liaison) {
	if r.role == DeputyLiaison {
		l.Deputy = r.c
	} else {
		l.Primary = r.c
	}
	if r.at.After(l.UpdatedAt) {
		l.UpdatedAt, l.UpdatedBy = r.at, r.by
	}
}

func listLiaisonRows(ctx context.Context, q db.Querier, where string, args ...any) ([]liaisonRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT l.division_id, l.role, COALESCE(l.user_id, 0), COALESCE(u.display_name, ''), COALESCE(u.disabled, FALSE), l.name, l.position, l.office_phone, l.mobile, l.email, l.updated_by, l.updated_at
		FROM division_liaisons l LEFT JOIN staff_users u ON u.id = l.user_id WHERE `+where, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []liaisonRow
	for rows.Next() {
		var r liaisonRow
		var role string
		if err := rows.Scan(&r.divisionID, &role, &r.c.UserID, &r.c.Account, &r.c.Disabled, &r.c.Name, &r.c.Position,
			&r.c.OfficePhone, &r.c.Mobile, &r.c.Email, &r.by, &r.at); err != nil {
			return nil, err
		}
		r.role = LiaisonRole(role)
		out = append(out, r)
	}
	return out, rows.Err()
}
