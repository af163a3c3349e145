package training

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// AgencyRef is what training needs to know of an agency.
type AgencyRef struct {
	ID        int64
	ParentID  int64
	Slug      string
	Name      string
	ShortName string
	// District marks a district department (区级部门): the compliance
	// report expects each of a bureau's districts to be invited yearly.
	District bool
}

// KindLabel says what sort of agency it is relative to its parent.
func (a AgencyRef) KindLabel() string {
	if a.District {
		return "区级部门"
	}
	return "直属单位"
}

// Person is a staff account as training sees it.
type Person struct {
	UserID   int64
	AgencyID int64
	Username string
	Name     string
	Division string
	Roles    auth.Roles
}

// RoleLabels names the person's roles.
func (p Person) RoleLabels() string { return p.Roles.Labels() }

// Directory gives training the agencies and their staff (wired in app).
type Directory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	// Children are the agencies whose parent is id (district departments
	// and affiliated institutions).
	Children(ctx context.Context, id int64) ([]AgencyRef, error)
	// Staff are the active staff accounts of an agency.
	Staff(ctx context.Context, agencyID int64) ([]Person, error)
}

// Deps are the services training uses.
type Deps struct {
	DB        *db.DB
	Directory Directory
	Now       func() time.Time
	// ReminderMonth is the month from which the to-do centre reminds of
	// untrained staff and uninvited districts (default October: a
	// quarter of the year left to hold a session).
	ReminderMonth time.Month
	// PrepareDays is how far ahead an upcoming session shows as a to-do
	// (default 7 days).
	PrepareDays int
}

// Service is the rules of training.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.ReminderMonth < 1 || d.ReminderMonth > 12 {
		d.ReminderMonth = time.October
	}
	if d.PrepareDays <= 0 {
		d.PrepareDays = 7
	}
	return &Service{Deps: d}
}

var (
	errForbidden = apperr.New(apperr.Forbidden, "您无权管理本单位的培训。")
	errNoCourse  = apperr.NotFoundf("没有这门培训课程。")
	errNoSession = apperr.NotFoundf("没有这场培训。")
	errNoPerson  = apperr.NotFoundf("没有这位工作人员。")
	errStale     = apperr.New(apperr.Conflict, "这条记录刚被其他人修改过，请刷新页面后再操作。")
)

func allowed(p *auth.Principal) bool { return auth.Allowed(p, auth.ManageTraining) && p.AgencyID != 0 }

// Today is the date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

func record(ctx context.Context, tx db.Tx, actor audit.Actor, agencyID int64, action, objectType string, id int64, summary string) error {
	return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agencyID, Action: "training." + action, ObjectType: objectType,
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// ---------------------------------------------------------------- courses

const courseCols = `c.id, c.agency_id, c.title, c.topic, c.organiser, c.intro, c.version,
	(SELECT count(*) FROM training_sessions s WHERE s.course_id = c.id)`

func scanCourse(r interface{ Scan(...any) error }) (*Course, error) {
	c := &Course{}
	err := r.Scan(&c.ID, &c.AgencyID, &c.Title, &c.Topic, &c.Organiser, &c.Intro, &c.Version, &c.Sessions)
	return c, err
}

// Courses lists p's agency's courses by title.
func (s *Service) Courses(ctx context.Context, p *auth.Principal) ([]*Course, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT `+courseCols+` FROM training_courses c WHERE c.agency_id = $1 ORDER BY c.id DESC`, p.AgencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Course
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Course returns a course of p's agency.
func (s *Service) Course(ctx context.Context, p *auth.Principal, id int64) (*Course, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	c, err := scanCourse(s.DB.R.QueryRowContext(ctx, `SELECT `+courseCols+` FROM training_courses c WHERE c.id = $1 AND c.agency_id = $2`, id, p.AgencyID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoCourse
	}
	return c, err
}

// CreateCourse adds a course to p's agency.
func (s *Service) CreateCourse(ctx context.Context, p *auth.Principal, f CourseFields) (*Course, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	if m := f.check(); len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_courses (agency_id, title, topic, organiser, intro, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, p.AgencyID, f.Title, f.Topic, f.Organiser, f.Intro, now).Scan(&id); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.FieldErrors(map[string]string{"title": "已有同名的培训课程，请直接在该课程下新增场次。"})
			}
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "course.create", "training_course", id, "新建培训课程“"+f.Title+"”")
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, p, id)
}

// UpdateCourse changes a course of p's agency.
func (s *Service) UpdateCourse(ctx context.Context, p *auth.Principal, id int64, f CourseFields) error {
	if _, err := s.Course(ctx, p, id); err != nil {
		return err
	}
	if m := f.check(); len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE training_courses SET title = $1, topic = $2, organiser = $3, intro = $4, updated_at = $5, version = version + 1
			WHERE id = $6 AND agency_id = $7 AND version = $8`, f.Title, f.Topic, f.Organiser, f.Intro, db.Now(), id, p.AgencyID, f.Version)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.FieldErrors(map[string]string{"title": "已有同名的培训课程。"})
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "course.update", "training_course", id, "修改培训课程“"+f.Title+"”")
	})
}

// ---------------------------------------------------------------- sessions

const sessionCols = `s.id, s.course_id, s.agency_id, c.title, c.topic, s.held_on, s.start_time, s.place, s.format, s.trainer, s.materials, s.version,
	(SELECT count(*) FROM training_attendance a WHERE a.session_id = s.id)`

func scanSession(r interface{ Scan(...any) error }) (*Session, error) {
	x := &Session{}
	var format, materials string
	err := r.Scan(&x.ID, &x.CourseID, &x.AgencyID, &x.CourseTitle, &x.Topic, &x.HeldOn, &x.StartTime, &x.Place, &format, &x.Trainer, &materials,
		&x.Version, &x.Attendees)
	x.Format = Format(format)
	for l := range strings.SplitSeq(materials, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			x.Materials = append(x.Materials, l)
		}
	}
	return x, err
}

func (s *Service) listSessions(ctx context.Context, q db.Querier, where string, args ...any) ([]*Session, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+sessionCols+` FROM training_sessions s JOIN training_courses c ON c.id = s.course_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []*Session
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, x := range out {
		if x.Invited, err = s.invited(ctx, q, x.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) invited(ctx context.Context, q db.Querier, sessionID int64) ([]AgencyRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT agency_id FROM training_invites WHERE session_id = $1 ORDER BY agency_id`, sessionID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]AgencyRef, 0, len(ids))
	for _, id := range ids {
		a, err := s.Directory.Agency(ctx, id)
		if err != nil {
			a = AgencyRef{ID: id, Name: "（单位 " + strconv.FormatInt(id, 10) + "）"}
		}
		out = append(out, a)
	}
	return out, nil
}

// yearRange is the first and last day of a year.
func yearRange(year int) (civil.Date, civil.Date) {
	return civil.New(year, time.January, 1), civil.New(year, time.December, 31)
}

// Sessions lists p's agency's sessions of a year, latest first.
func (s *Service) Sessions(ctx context.Context, p *auth.Principal, year int) ([]*Session, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	from, to := yearRange(year)
	return s.listSessions(ctx, s.DB.R, `s.agency_id = $1 AND s.held_on >= $2 AND s.held_on <= $3 ORDER BY s.held_on DESC, s.id DESC`, p.AgencyID, from, to)
}

// CourseSessions lists a course's sessions, latest first.
func (s *Service) CourseSessions(ctx context.Context, p *auth.Principal, courseID int64) ([]*Session, error) {
	if _, err := s.Course(ctx, p, courseID); err != nil {
		return nil, err
	}
	return s.listSessions(ctx, s.DB.R, `s.course_id = $1 ORDER BY s.held_on DESC, s.id DESC`, courseID)
}

// Session returns a session of p's agency.
func (s *Service) Session(ctx context.Context, p *auth.Principal, id int64) (*Session, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	list, err := s.listSessions(ctx, s.DB.R, `s.id = $1 AND s.agency_id = $2`, id, p.AgencyID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errNoSession
	}
	return list[0], nil
}

// Invitable are the agencies a session of p's agency may invite: its
// child agencies (district departments first).
func (s *Service) Invitable(ctx context.Context, p *auth.Principal) ([]AgencyRef, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	kids, err := s.Directory.Children(ctx, p.AgencyID)
	if err != nil {
		return nil, err
	}
	var districts, others []AgencyRef
	for _, k := range kids {
		if k.District {
			districts = append(districts, k)
		} else {
			others = append(others, k)
		}
	}
	return append(districts, others...), nil
}

// CreateSession adds a session to a course of p's agency.
func (s *Service) CreateSession(ctx context.Context, p *auth.Principal, courseID int64, f SessionFields) (*Session, error) {
	c, err := s.Course(ctx, p, courseID)
	if err != nil {
		return nil, err
	}
	invitable, err := s.Invitable(ctx, p)
	if err != nil {
		return nil, err
	}
	x := &Session{CourseID: c.ID, AgencyID: p.AgencyID}
	if m := f.check(x, invitable); len(m) > 0 {
		return nil, apperr.FieldErrors(m)
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_sessions (course_id, agency_id, held_on, start_time, place, format, trainer, materials, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`, c.ID, p.AgencyID, x.HeldOn, x.StartTime, x.Place, string(x.Format), x.Trainer,
			strings.Join(x.Materials, "\n"), now).Scan(&x.ID); err != nil {
			return err
		}
		if err := saveInvites(ctx, tx, x.ID, x.Invited); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "session.create", "training_session", x.ID,
			"新增培训场次：“"+c.Title+"”（"+x.HeldOn.String()+"，"+x.Place+"）"+inviteSummary(x.Invited))
	})
	if err != nil {
		return nil, err
	}
	return s.Session(ctx, p, x.ID)
}

func inviteSummary(list []AgencyRef) string {
	if len(list) == 0 {
		return ""
	}
	names := make([]string, len(list))
	for i, a := range list {
		names[i] = a.Name
	}
	return "，邀请" + strings.Join(names, "、")
}

func saveInvites(ctx context.Context, tx db.Tx, sessionID int64, list []AgencyRef) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM training_invites WHERE session_id = $1`, sessionID); err != nil {
		return err
	}
	for _, a := range list {
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_invites (session_id, agency_id) VALUES ($1, $2)`, sessionID, a.ID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateSession changes a session of p's agency. An invited agency whose
// staff already attended cannot be taken off the invitation.
func (s *Service) UpdateSession(ctx context.Context, p *auth.Principal, id int64, f SessionFields) error {
	x, err := s.Session(ctx, p, id)
	if err != nil {
		return err
	}
	invitable, err := s.Invitable(ctx, p)
	if err != nil {
		return err
	}
	old := x.Invited
	if m := f.check(x, invitable); len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	attending, err := s.attendingAgencies(ctx, s.DB.R, id)
	if err != nil {
		return err
	}
	for _, a := range old {
		kept := false
		for _, b := range x.Invited {
			kept = kept || a.ID == b.ID
		}
		if !kept && attending[a.ID] {
			return apperr.FieldErrors(map[string]string{"invited": a.Name + "已有人员参训登记，不能取消对该单位的邀请；请先删除其参训记录。"})
		}
	}
	if !x.Held(s.Today()) && len(attending) > 0 {
		return apperr.FieldErrors(map[string]string{"held_on": "已有参训登记，培训日期不能改到今天之后。"})
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE training_sessions SET held_on = $1, start_time = $2, place = $3, format = $4, trainer = $5, materials = $6,
			updated_at = $7, version = version + 1 WHERE id = $8 AND agency_id = $9 AND version = $10`,
			x.HeldOn, x.StartTime, x.Place, string(x.Format), x.Trainer, strings.Join(x.Materials, "\n"), db.Now(), id, p.AgencyID, f.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if err := saveInvites(ctx, tx, id, x.Invited); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "session.update", "training_session", id,
			"修改培训场次：“"+x.CourseTitle+"”（"+x.HeldOn.String()+"）"+inviteSummary(x.Invited))
	})
}

func (s *Service) attendingAgencies(ctx context.Context, q db.Querier, sessionID int64) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT agency_id FROM training_attendance WHERE session_id = $1`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------- attendance

const attendanceCols = `id, session_id, agency_id, COALESCE(user_id, 0), name, division, source`

func (s *Service) listAttendance(ctx context.Context, q db.Querier, where string, args ...any) ([]*Attendance, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attendanceCols+` FROM training_attendance WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Attendance
	for rows.Next() {
		a := &Attendance{}
		if err := rows.Scan(&a.ID, &a.SessionID, &a.AgencyID, &a.UserID, &a.Name, &a.Division, &a.Source); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Attendance lists a session's attendees by agency and name.
func (s *Service) Attendance(ctx context.Context, p *auth.Principal, sessionID int64) ([]*Attendance, error) {
	x, err := s.Session(ctx, p, sessionID)
	if err != nil {
		return nil, err
	}
	list, err := s.listAttendance(ctx, s.DB.R, `session_id = $1 ORDER BY id`, sessionID)
	if err != nil {
		return nil, err
	}
	names := s.agencyNames(ctx, x)
	for _, a := range list {
		a.Agency = names[a.AgencyID]
	}
	return list, nil
}

// participants are the organiser and the invited agencies of a session.
func (s *Service) participants(ctx context.Context, x *Session) []AgencyRef {
	own, err := s.Directory.Agency(ctx, x.AgencyID)
	if err != nil {
		own = AgencyRef{ID: x.AgencyID, Name: "本单位"}
	}
	return append([]AgencyRef{own}, x.Invited...)
}

func (s *Service) agencyNames(ctx context.Context, x *Session) map[int64]string {
	out := map[int64]string{}
	for _, a := range s.participants(ctx, x) {
		out[a.ID] = a.Name
	}
	return out
}

// Candidates are the staff of the organiser and the invited agencies,
// by agency, for picking attendees.
func (s *Service) Candidates(ctx context.Context, p *auth.Principal, sessionID int64) ([]AgencyStaff, error) {
	x, err := s.Session(ctx, p, sessionID)
	if err != nil {
		return nil, err
	}
	var out []AgencyStaff
	for _, a := range s.participants(ctx, x) {
		staff, err := s.Directory.Staff(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, AgencyStaff{Agency: a, Staff: staff})
	}
	return out, nil
}

// AgencyStaff are an agency's staff.
type AgencyStaff struct {
	Agency AgencyRef
	Staff  []Person
}

// newAttendee is an attendee about to be recorded.
type newAttendee struct {
	agencyID int64
	userID   int64
	name     string
	division string
}

// resolve matches a name typed for an agency to a staff account: the one
// account with that display name, if there is exactly one.
func resolve(staff []Person, name string) (Person, int) {
	var hit Person
	n := 0
	for _, s := range staff {
		if s.Name == name {
			hit = s
			n++
		}
	}
	return hit, n
}

// matchAgency finds an agency by its full or short name.
func matchAgency(list []AgencyRef, name string) (AgencyRef, bool) {
	name = strings.TrimSpace(name)
	for _, a := range list {
		if a.Name == name || a.ShortName != "" && a.ShortName == name {
			return a, true
		}
	}
	return AgencyRef{}, false
}

// AddAttendance records attendees of a held session: staff accounts
// picked by id (of the organiser or an invited agency) and free-text
// names, one a line — "姓名" for the organiser's people or "姓名 单位名称"
// for an invited agency's. A name that is exactly one account's display
// name in that agency is recorded as that account. Those already recorded
// are skipped; it returns how many were added.
func (s *Service) AddAttendance(ctx context.Context, p *auth.Principal, sessionID int64, userIDs []int64, names string) (int, error) {
	x, err := s.Session(ctx, p, sessionID)
	if err != nil {
		return 0, err
	}
	if !x.Held(s.Today()) {
		return 0, apperr.FieldErrors(map[string]string{"users": "培训尚未举办（" + x.HeldOn.Chinese() + "），举办后才能登记参训人员。"})
	}
	parts := s.participants(ctx, x)
	staff := map[int64][]Person{}
	byUser := map[int64]Person{}
	for _, a := range parts {
		list, err := s.Directory.Staff(ctx, a.ID)
		if err != nil {
			return 0, err
		}
		staff[a.ID] = list
		for _, u := range list {
			byUser[u.UserID] = u
		}
	}
	var add []newAttendee
	for _, id := range userIDs {
		u, ok := byUser[id]
		if !ok {
			return 0, apperr.FieldErrors(map[string]string{"users": "所选人员不属于主办单位或受邀单位，请重新选择。"})
		}
		add = append(add, newAttendee{agencyID: u.AgencyID, userID: u.UserID, name: u.Name, division: u.Division})
	}
	if strings.TrimSpace(names) != "" {
		lines := strings.Split(names, "\n")
		if len(lines) > MaxNames {
			return 0, apperr.FieldErrors(map[string]string{"names": "一次最多登记 " + strconv.Itoa(MaxNames) + " 人，请分批登记或使用文件导入。"})
		}
		for i, line := range lines {
			line = strings.TrimSpace(strings.ReplaceAll(line, "\u3000", " "))
			if line == "" {
				continue
			}
			name, unit := line, ""
			if j := strings.IndexAny(line, " \t，,"); j > 0 {
				name, unit = strings.TrimSpace(line[:j]), strings.Trim(strings.TrimSpace(line[j:]), "，, ")
			}
			if msg := checkName(name); msg != "" {
				return 0, apperr.FieldErrors(map[string]string{"names": "第 " + strconv.Itoa(i+1) + " 行：" + msg + "。"})
			}
			a := parts[0]
			if unit != "" {
				var ok bool
				if a, ok = matchAgency(parts, unit); !ok {
					return 0, apperr.FieldErrors(map[string]string{"names": "第 " + strconv.Itoa(i+1) + " 行：“" + clip(unit) + "”不是主办单位或受邀单位。"})
				}
			}
			na := newAttendee{agencyID: a.ID, name: name}
			if u, n := resolve(staff[a.ID], name); n == 1 {
				na.userID, na.division = u.UserID, u.Division
			}
			add = append(add, na)
		}
	}
	if len(add) == 0 {
		return 0, apperr.FieldErrors(map[string]string{"users": "请勾选参训人员或填写姓名。"})
	}
	n := 0
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		var err error
		n, err = insertAttendance(ctx, tx, p, x, add, "console")
		if err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "attendance.add", "training_session", x.ID,
			"登记“"+x.CourseTitle+"”（"+x.HeldOn.String()+"）参训人员 "+strconv.Itoa(n)+" 人")
	})
	return n, err
}

// insertAttendance adds those not yet recorded and returns how many.
func insertAttendance(ctx context.Context, tx db.Tx, p *auth.Principal, x *Session, add []newAttendee, source string) (int, error) {
	n := 0
	for _, a := range add {
		var exists int
		var err error
		if a.userID != 0 {
			err = tx.QueryRowContext(ctx, `SELECT count(*) FROM training_attendance WHERE session_id = $1 AND (user_id = $2 OR user_id IS NULL AND agency_id = $3 AND name = $4)`,
				x.ID, a.userID, a.agencyID, a.name).Scan(&exists)
		} else {
			err = tx.QueryRowContext(ctx, `SELECT count(*) FROM training_attendance WHERE session_id = $1 AND agency_id = $2 AND name = $3`,
				x.ID, a.agencyID, a.name).Scan(&exists)
		}
		if err != nil {
			return 0, err
		}
		if exists > 0 {
			continue
		}
		var user any
		if a.userID != 0 {
			user = a.userID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_attendance (session_id, agency_id, user_id, name, division, source, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, x.ID, a.agencyID, user, a.name, a.division, source, p.UserID, db.Now()); err != nil {
			if db.IsUniqueViolation(err) {
				continue
			}
			return 0, err
		}
		n++
	}
	return n, nil
}

// RemoveAttendance deletes an attendee of a session of p's agency.
func (s *Service) RemoveAttendance(ctx context.Context, p *auth.Principal, sessionID, id int64) error {
	x, err := s.Session(ctx, p, sessionID)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM training_attendance WHERE id = $1 AND session_id = $2`, id, sessionID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.Conflict, "没有这条参训记录，可能已被删除。")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM training_attendance WHERE id = $1`, id); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), p.AgencyID, "attendance.remove", "training_session", x.ID,
			"删除“"+x.CourseTitle+"”（"+x.HeldOn.String()+"）的参训记录："+name)
	})
}

// ---------------------------------------------------------------- records

// RecordLine is a session a person attended.
type RecordLine struct {
	SessionID int64
	Course    string
	Topic     string
	HeldOn    civil.Date
	Format    Format
	Place     string
	Organiser string
}

// YearRecord are a person's sessions of one year.
type YearRecord struct {
	Year  int
	Lines []RecordLine
}

// PersonRecord is a person's training record, latest year first.
type PersonRecord struct {
	Person  Person
	Agency  AgencyRef
	Counted bool // holds a disclosure role: must be trained every year
	Years   []YearRecord
}

// TrainedIn reports whether the record has a session in year.
func (r *PersonRecord) TrainedIn(year int) bool {
	for _, y := range r.Years {
		if y.Year == year && len(y.Lines) > 0 {
			return true
		}
	}
	return false
}

func (s *Service) personRecord(ctx context.Context, person Person) (*PersonRecord, error) {
	rec := &PersonRecord{Person: person, Counted: InDisclosureRole(person.Roles)}
	rec.Agency, _ = s.Directory.Agency(ctx, person.AgencyID)
	rows, err := s.DB.R.QueryContext(ctx, `SELECT s.id, c.title, c.topic, s.held_on, s.format, s.place, c.organiser FROM training_attendance a
		JOIN training_sessions s ON s.id = a.session_id JOIN training_courses c ON c.id = s.course_id
		WHERE a.user_id = $1 ORDER BY s.held_on DESC, s.id DESC`, person.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var l RecordLine
		var format string
		if err := rows.Scan(&l.SessionID, &l.Course, &l.Topic, &l.HeldOn, &format, &l.Place, &l.Organiser); err != nil {
			return nil, err
		}
		l.Format = Format(format)
		if n := len(rec.Years); n == 0 || rec.Years[n-1].Year != l.HeldOn.Year {
			rec.Years = append(rec.Years, YearRecord{Year: l.HeldOn.Year})
		}
		rec.Years[len(rec.Years)-1].Lines = append(rec.Years[len(rec.Years)-1].Lines, l)
	}
	return rec, rows.Err()
}

// MyRecord is the caller's own training record (any staff member).
func (s *Service) MyRecord(ctx context.Context, p *auth.Principal) (*PersonRecord, error) {
	if p == nil || !p.Complete() || p.UserID == 0 {
		return nil, apperr.New(apperr.Unauthorized, "请先登录。")
	}
	person := Person{UserID: p.UserID, AgencyID: p.AgencyID, Username: p.Username, Name: p.DisplayName, Roles: p.Roles}
	if p.AgencyID != 0 {
		if list, err := s.Directory.Staff(ctx, p.AgencyID); err == nil {
			for _, u := range list {
				if u.UserID == p.UserID {
					person = u
				}
			}
		}
	}
	if person.Name == "" {
		person.Name = p.Username
	}
	return s.personRecord(ctx, person)
}

// Record is a staff member's training record, for the training managers
// of the person's agency or of its parent (a city bureau sees its
// districts' people).
func (s *Service) Record(ctx context.Context, p *auth.Principal, userID int64) (*PersonRecord, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	agencies := []int64{p.AgencyID}
	kids, err := s.Directory.Children(ctx, p.AgencyID)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		agencies = append(agencies, k.ID)
	}
	for _, id := range agencies {
		list, err := s.Directory.Staff(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, u := range list {
			if u.UserID == userID {
				return s.personRecord(ctx, u)
			}
		}
	}
	return nil, errNoPerson
}
