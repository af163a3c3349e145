package openday

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/querycode"
	"github.com/gongkai/gongkai/internal/ratelimit"
	"github.com/gongkai/gongkai/internal/web"
)

// AgencyRef is what open days need to know of an agency.
type AgencyRef struct {
	ID         int64
	Slug, Name string
}

// AgencyDirectory gives the agencies (wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
}

// Attendee is a participant handed to the post-event evaluation.
type Attendee struct {
	SignupID int64
	Name     string
	Phone    string
	Email    string
}

// Evaluations sends the post-event evaluation (满意度评价) to the
// attendees: the questionnaire engine (internal/survey), wired in app. It
// returns each attendee's personal link by sign-up ID.
type Evaluations interface {
	// Invite makes the event's evaluation questionnaire and one
	// invitation link per attendee (keyed by sign-up id).
	Invite(ctx context.Context, agencyID, eventID int64, theme string, attendees []Attendee) (surveyID int64, links map[int64]string, err error)
	// ResultsURL is the public results page of the questionnaire.
	ResultsURL(surveyID int64) string
	// Summary is the questionnaire's published results in brief, for the
	// event's summary (nil when they are not public).
	Summary(ctx context.Context, surveyID int64) (*EvaluationSummary, error)
}

// EvaluationSummary are the evaluation's results in brief: how many
// answered and one line per choice or scale question.
type EvaluationSummary struct {
	URL       string
	Responses int
	Lines     []EvaluationLine
}

// EvaluationLine is a question and its result in words, e.g. "平均 4.60
// 分（满分 5 分）" or "达到预期 60%；超出预期 40%".
type EvaluationLine struct {
	Question string `json:"question"`
	Result   string `json:"result"`
}

// Deps are the services open days use.
type Deps struct {
	DB       *db.DB
	Agencies AgencyDirectory
	Limiter  *ratelimit.Limiter
	// Blobs keeps the photos of held events (may be nil: no photos).
	Blobs blob.Store
	// Evaluations may be nil: then no evaluation is offered.
	Evaluations Evaluations
	Version     *web.DBVersion
	BaseURL     string
	Now         func() time.Time
}

// Service is the rules of open days.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// Public sign-up limits.
var (
	SignupsPerIP = ratelimit.Rule{Max: 20, Window: time.Hour}
	CodeTriesIP  = ratelimit.Rule{Max: 30, Window: time.Hour}
)

const codePurpose = "openday"

var (
	errForbidden = apperr.New(apperr.Forbidden, "您无权管理本单位的政府开放日。")
	errNone      = apperr.NotFoundf("没有这个开放日活动。")
	errStale     = apperr.New(apperr.Conflict, "这个开放日刚被其他人修改过，请刷新页面后再操作。")
	errBadCode   = apperr.New(apperr.NotFound, "报名码不正确，请核对后重新输入。")
)

func allowed(p *auth.Principal) bool { return auth.Allowed(p, auth.ManageOpenDays) && p.AgencyID != 0 }

func (s *Service) today() civil.Date { return civil.Of(s.Now()) }

func (s *Service) tx(ctx context.Context, fn func(tx db.Tx) error) error {
	if err := s.DB.Tx(ctx, fn); err != nil {
		return err
	}
	if s.Version != nil {
		s.Version.Invalidate()
	}
	return nil
}

func (s *Service) bump(ctx context.Context, tx db.Tx) error {
	if s.Version == nil {
		return nil
	}
	return s.Version.Bump(ctx, tx)
}

func record(ctx context.Context, tx db.Tx, actor audit.Actor, agencyID int64, action, objectType string, id int64, summary string) error {
	return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agencyID, Action: "openday." + action, ObjectType: objectType,
		ObjectID: strconv.FormatInt(id, 10), Summary: summary})
}

// ---------------------------------------------------------------- store

const eventCols = `id, agency_id, theme, series, agenda, place, starts_at, ends_at, signup_opens, signup_closes, capacity, taken,
	selection, selection_published, state, summary, version, created_at, updated_at`

func scanEvent(r interface{ Scan(...any) error }) (*Event, error) {
	e := &Event{}
	var sel, st string
	err := r.Scan(&e.ID, &e.AgencyID, &e.Theme, &e.Series, &e.Agenda, &e.Place, &e.StartsAt, &e.EndsAt, &e.SignupOpens, &e.SignupCloses,
		&e.Capacity, &e.Taken, &sel, &e.SelectionPublished, &st, &e.Summary, &e.Version, &e.CreatedAt, &e.UpdatedAt)
	e.Selection, e.State = Mode(sel), State(st)
	return e, err
}

func getEvent(ctx context.Context, q db.Querier, id int64) (*Event, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventCols+` FROM opendays WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNone
	}
	if err != nil {
		return nil, err
	}
	e.Groups, err = listGroups(ctx, q, id)
	return e, err
}

func listGroups(ctx context.Context, q db.Querier, eventID int64) ([]Group, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, name, quota, taken FROM openday_groups WHERE event_id = $1 ORDER BY seq`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.Seq, &g.Name, &g.Quota, &g.Taken); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func listEvents(ctx context.Context, q db.Querier, where string, args ...any) ([]*Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventCols+` FROM opendays WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const signupCols = `s.id, s.event_id, s.group_id, g.name, s.name, s.phone, s.email, s.status, s.waitlist_pos, s.source, s.checked_in_at, s.created_at`

func scanSignup(r interface{ Scan(...any) error }) (*Signup, error) {
	x := &Signup{}
	var st string
	var in sql.NullTime
	err := r.Scan(&x.ID, &x.EventID, &x.GroupID, &x.Group, &x.Name, &x.Phone, &x.Email, &st, &x.WaitlistPos, &x.Source, &in, &x.CreatedAt)
	x.Status = Status(st)
	if in.Valid {
		t := in.Time
		x.CheckedInAt = &t
	}
	return x, err
}

func listSignups(ctx context.Context, q db.Querier, where string, args ...any) ([]*Signup, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+signupCols+` FROM openday_signups s JOIN openday_groups g ON g.id = s.group_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Signup
	for rows.Next() {
		x, err := scanSignup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func getSignup(ctx context.Context, q db.Querier, where string, args ...any) (*Signup, error) {
	list, err := listSignups(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errBadCode
	}
	return list[0], nil
}

// lock takes the event's row for the rest of tx: every change of seats
// of one event runs one after the other.
func lock(ctx context.Context, tx db.Tx, id int64) (*Event, error) {
	res, err := tx.ExecContext(ctx, `UPDATE opendays SET waitlist_next = waitlist_next WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errNone
	}
	return getEvent(ctx, tx, id)
}

// takeSeat takes a seat of the group and of the event, or none.
func takeSeat(ctx context.Context, tx db.Tx, eventID, groupID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE openday_groups SET taken = taken + 1 WHERE id = $1 AND event_id = $2 AND taken < quota`, groupID, eventID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	res, err = tx.ExecContext(ctx, `UPDATE opendays SET taken = taken + 1 WHERE id = $1 AND taken < capacity`, eventID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = tx.ExecContext(ctx, `UPDATE openday_groups SET taken = taken - 1 WHERE id = $1`, groupID)
		return false, err
	}
	return true, nil
}

func freeSeat(ctx context.Context, tx db.Tx, eventID, groupID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE openday_groups SET taken = taken - 1 WHERE id = $1 AND taken > 0`, groupID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE opendays SET taken = taken - 1 WHERE id = $1 AND taken > 0`, eventID)
	return err
}

// ---------------------------------------------------------------- events

// List returns p's agency's events, newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]*Event, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	return listEvents(ctx, s.DB.R, `agency_id = $1 ORDER BY starts_at DESC, id DESC`, p.AgencyID)
}

// Get returns an event of p's agency.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Event, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	e, err := getEvent(ctx, s.DB.R, id)
	if err == nil && e.AgencyID != p.AgencyID {
		return nil, errNone
	}
	return e, err
}

// PublicList returns an agency's published and past events: upcoming
// first (soonest first), then past ones (latest first).
func (s *Service) PublicList(ctx context.Context, agencyID int64) (upcoming, past []*Event, err error) {
	list, err := listEvents(ctx, s.DB.R, `agency_id = $1 AND state IN ('published', 'done', 'cancelled') ORDER BY starts_at DESC, id DESC`, agencyID)
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	for _, e := range list {
		if e.State == Published && !e.Past(now) || e.State == Cancelled && !e.Past(now) {
			upcoming = append([]*Event{e}, upcoming...)
		} else if e.State != Cancelled {
			past = append(past, e)
		}
	}
	return upcoming, past, nil
}

// Public returns an event the public may see.
func (s *Service) Public(ctx context.Context, agencyID, id int64) (*Event, error) {
	e, err := getEvent(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if e.AgencyID != agencyID || e.State == Draft {
		return nil, errNone
	}
	return e, nil
}

// Create adds a draft event to p's agency.
func (s *Service) Create(ctx context.Context, p *auth.Principal, f Fields) (*Event, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	e := &Event{AgencyID: p.AgencyID, State: Draft}
	msgs, groups := f.check(e)
	if len(msgs) > 0 {
		return nil, apperr.FieldErrors(msgs)
	}
	err := s.tx(ctx, func(tx db.Tx) error {
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO opendays (agency_id, theme, series, agenda, place, starts_at, ends_at, signup_opens, signup_closes,
				capacity, selection, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			e.AgencyID, e.Theme, e.Series, e.Agenda, e.Place, e.StartsAt.UTC(), e.EndsAt.UTC(), e.SignupOpens.UTC(), e.SignupCloses.UTC(),
			e.Capacity, string(e.Selection), string(Draft), now).Scan(&e.ID); err != nil {
			return err
		}
		if err := saveGroups(ctx, tx, e.ID, groups); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), e.AgencyID, "create", "openday", e.ID, "新建政府开放日“"+e.Theme+"”")
	})
	if err != nil {
		return nil, err
	}
	return getEvent(ctx, s.DB.R, e.ID)
}

func saveGroups(ctx context.Context, tx db.Tx, eventID int64, groups []Group) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM openday_groups WHERE event_id = $1`, eventID); err != nil {
		return err
	}
	for _, g := range groups {
		if _, err := tx.ExecContext(ctx, `INSERT INTO openday_groups (event_id, seq, name, quota) VALUES ($1, $2, $3, $4)`, eventID, g.Seq, g.Name, g.Quota); err != nil {
			return err
		}
	}
	return nil
}

// Update changes a draft event.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, f Fields) (*Event, error) {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if e.State != Draft {
		return nil, apperr.New(apperr.Conflict, "开放日已发布，不能再修改；如需变更，请取消后重新发布。")
	}
	msgs, groups := f.check(e)
	if len(msgs) > 0 {
		return nil, apperr.FieldErrors(msgs)
	}
	err = s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE opendays SET theme = $1, series = $2, agenda = $3, place = $4, starts_at = $5, ends_at = $6,
			signup_opens = $7, signup_closes = $8, capacity = $9, selection = $10, updated_at = $11, version = version + 1
			WHERE id = $12 AND version = $13 AND state = 'draft'`,
			e.Theme, e.Series, e.Agenda, e.Place, e.StartsAt.UTC(), e.EndsAt.UTC(), e.SignupOpens.UTC(), e.SignupCloses.UTC(), e.Capacity,
			string(e.Selection), db.Now(), id, f.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if err := saveGroups(ctx, tx, id, groups); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), e.AgencyID, "update", "openday", id, "修改政府开放日“"+e.Theme+"”")
	})
	if err != nil {
		return nil, err
	}
	return getEvent(ctx, s.DB.R, id)
}

// setState moves an event from one of the states in from to to.
func (s *Service) setState(ctx context.Context, p *auth.Principal, id int64, to State, summary, action, what string, from ...State) error {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	ok := false
	for _, st := range from {
		ok = ok || e.State == st
	}
	if !ok {
		return apperr.New(apperr.Conflict, "开放日当前为“"+e.State.Label()+"”，不能"+what+"。")
	}
	return s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE opendays SET state = $1, summary = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND state = $5`,
			string(to), summary, db.Now(), id, string(e.State))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), e.AgencyID, action, "openday", id, what+"政府开放日“"+e.Theme+"”")
	})
}

// Publish puts a draft on the portal.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id int64) error {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !e.SignupCloses.After(s.Now()) {
		return apperr.New(apperr.Conflict, "报名截止时间已过，请先修改报名时间再发布。")
	}
	return s.setState(ctx, p, id, Published, e.Summary, "publish", "发布", Draft)
}

// Cancel calls an event off.
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, id int64) error {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	return s.setState(ctx, p, id, Cancelled, e.Summary, "cancel", "取消", Draft, Published)
}

// Finish marks an event that has taken place as held, with its summary
// for the portal (it may be rewritten later).
func (s *Service) Finish(ctx context.Context, p *auth.Principal, id int64, summary string) error {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	m := map[string]string{}
	web.CheckText(m, "summary", "活动总结", summary, true, 10000)
	if len(m) > 0 {
		return apperr.FieldErrors(m)
	}
	if !e.Past(s.Now()) {
		return apperr.New(apperr.Conflict, "活动尚未开始，举办后才能发布活动总结。")
	}
	return s.setState(ctx, p, id, Done, summary, "finish", "发布活动总结：", Published, Done)
}

// ---------------------------------------------------------------- sign-ups

// SignUp signs a person up: on the portal (staff nil, ip the client's) or
// by staff taking a 12345 or telephone sign-up. A duplicate phone number
// is refused; a full group or event puts the person on the waitlist
// (first come) — or every sign-up awaits the 遴选.
func (s *Service) SignUp(ctx context.Context, agencyID, id int64, in SignupInput, ip string, staff *auth.Principal) (*Receipt, error) {
	var e *Event
	var err error
	if staff != nil {
		if e, err = s.Get(ctx, staff, id); err != nil {
			return nil, err
		}
	} else if e, err = s.Public(ctx, agencyID, id); err != nil {
		return nil, err
	}
	switch e.SignupPhase(s.Now()) {
	case PhaseNotYet:
		return nil, apperr.New(apperr.Conflict, "报名尚未开始，请于 "+Clock(e.SignupOpens)+"起报名。")
	case PhaseClosed:
		return nil, apperr.New(apperr.Conflict, "报名已截止。")
	}
	if f := in.Validate(e.Groups); len(f) > 0 {
		return nil, apperr.FieldErrors(f)
	}
	if staff == nil && s.Limiter != nil {
		if ok, _, err := s.Limiter.Hit(ctx, "openday.signup:"+ratelimit.Client(ip), SignupsPerIP); err != nil {
			return nil, err
		} else if !ok {
			return nil, apperr.New(apperr.RateLimited, "本网络提交的报名过多，请稍后再试。")
		}
	}
	actor, source := audit.Actor{Name: "公众（网上）", IP: ip}, "web"
	if staff != nil {
		actor, source = staff.Actor(), "staff"
	}
	code := querycode.New()
	rc := &Receipt{Code: code}
	var sid int64
	err = s.tx(ctx, func(tx db.Tx) error {
		ev, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if ev.State != Published {
			return apperr.New(apperr.Conflict, "报名已截止。")
		}
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM openday_signups WHERE event_id = $1 AND phone = $2 AND status <> 'cancelled'`, id, in.Phone).Scan(&dup); err != nil {
			return err
		}
		if dup > 0 {
			return apperr.FieldErrors(map[string]string{"phone": "这个手机号码已经报名本次活动，不能重复报名。如需查询，请使用报名时取得的报名码。"})
		}
		status, pos := Applied, 0
		if ev.Selection == FirstCome {
			ok, err := takeSeat(ctx, tx, id, in.GroupID)
			if err != nil {
				return err
			}
			status = Confirmed
			if !ok {
				status = Waitlisted
				if err := tx.QueryRowContext(ctx, `UPDATE opendays SET waitlist_next = waitlist_next + 1 WHERE id = $1 RETURNING waitlist_next`, id).Scan(&pos); err != nil {
					return err
				}
			}
		}
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO openday_signups (event_id, group_id, name, phone, email, code_hash, status, waitlist_pos, source, ip, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			id, in.GroupID, in.Name, in.Phone, in.Email, querycode.Hash(codePurpose, strconv.FormatInt(id, 10), code), string(status), pos, source, ip, now).Scan(&sid); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.FieldErrors(map[string]string{"phone": "这个手机号码已经报名本次活动，不能重复报名。"})
			}
			return err
		}
		if status == Waitlisted {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM openday_signups WHERE event_id = $1 AND status = 'waitlisted' AND waitlist_pos <= $2`, id, pos).Scan(&rc.Place); err != nil {
				return err
			}
		}
		return record(ctx, tx, actor, ev.AgencyID, "signup", "openday_signup", sid, web.MaskName(in.Name)+"报名“"+ev.Theme+"”（"+status.Label()+"）")
	})
	if err != nil {
		return nil, err
	}
	if rc.Signup, err = getSignup(ctx, s.DB.R, `s.id = $1`, sid); err != nil {
		return nil, err
	}
	return rc, nil
}

// Signups lists an event's sign-ups for staff: confirmed and applied in
// arrival order, then the waitlist, then the rest.
func (s *Service) Signups(ctx context.Context, p *auth.Principal, id int64) ([]*Signup, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return listSignups(ctx, s.DB.R, `s.event_id = $1 ORDER BY CASE s.status WHEN 'confirmed' THEN 0 WHEN 'applied' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END,
		s.waitlist_pos, s.id`, id)
}

// Selected lists the names chosen in a 遴选, masked, once staff have
// published the list.
func (s *Service) Selected(ctx context.Context, e *Event) ([]string, error) {
	if e.Selection != Selection || !e.SelectionPublished {
		return nil, nil
	}
	list, err := listSignups(ctx, s.DB.R, `s.event_id = $1 AND s.status = 'confirmed' ORDER BY g.seq, s.id`, e.ID)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.Group + "：" + web.MaskName(x.Name)
	}
	return out, nil
}

// ByCode finds a sign-up by its registration code.
func (s *Service) byCode(ctx context.Context, q db.Querier, eventID int64, code string) (*Signup, error) {
	code = querycode.Normalize(code)
	if len(code) != querycode.Length {
		return nil, errBadCode
	}
	return getSignup(ctx, q, `s.event_id = $1 AND s.code_hash = $2`, eventID, querycode.Hash(codePurpose, strconv.FormatInt(eventID, 10), code))
}

// withdraw cancels a sign-up in tx (the event locked) and gives its seat
// to the first on the waitlist who fits.
func (s *Service) withdraw(ctx context.Context, tx db.Tx, ev *Event, x *Signup, actor audit.Actor) error {
	if x.Status == Withdrawn || x.Status == NotSelected {
		return apperr.New(apperr.Conflict, "这条报名已经取消。")
	}
	if x.CheckedInAt != nil {
		return apperr.New(apperr.Conflict, "已签到的报名不能取消。")
	}
	res, err := tx.ExecContext(ctx, `UPDATE openday_signups SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = $3`, db.Now(), x.ID, string(x.Status))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "这条报名刚被处理过，请刷新后再试。")
	}
	if err := record(ctx, tx, actor, ev.AgencyID, "withdraw", "openday_signup", x.ID, "取消"+web.MaskName(x.Name)+"的报名"); err != nil {
		return err
	}
	if x.Status != Confirmed {
		return nil
	}
	if err := freeSeat(ctx, tx, ev.ID, x.GroupID); err != nil {
		return err
	}
	return s.promote(ctx, tx, ev, actor)
}

// promote gives free seats to the waitlist in order.
func (s *Service) promote(ctx context.Context, tx db.Tx, ev *Event, actor audit.Actor) error {
	if ev.Selection != FirstCome || ev.State != Published {
		return nil
	}
	waiting, err := listSignups(ctx, tx, `s.event_id = $1 AND s.status = 'waitlisted' ORDER BY s.waitlist_pos, s.id`, ev.ID)
	if err != nil {
		return err
	}
	for _, w := range waiting {
		ok, err := takeSeat(ctx, tx, ev.ID, w.GroupID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE openday_signups SET status = 'confirmed', updated_at = $1 WHERE id = $2`, db.Now(), w.ID); err != nil {
			return err
		}
		if err := record(ctx, tx, actor, ev.AgencyID, "promote", "openday_signup", w.ID, web.MaskName(w.Name)+"由候补转为报名成功"); err != nil {
			return err
		}
		if w.Email != "" {
			if _, err := notify.Queue(ctx, tx, notify.Message{To: []string{w.Email}, Subject: "政府开放日候补成功：" + ev.Theme,
				Text: w.Name + "：\n\n您候补报名的“" + ev.Theme + "”已有空余名额，您已报名成功。\n时间：" + ev.When() + "\n地点：" + ev.Place + "\n请凭报名码签到。\n"},
				notify.QueueOptions{AgencyID: ev.AgencyID, Purpose: "openday", DedupeKey: "openday.promote:" + strconv.FormatInt(w.ID, 10)}); err != nil {
				return err
			}
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT capacity - taken FROM opendays WHERE id = $1`, ev.ID).Scan(&left); err != nil {
			return err
		}
		if left <= 0 {
			break
		}
	}
	return nil
}

// CancelByCode is the registrant's own cancellation: the phone number and
// the registration code must both match.
func (s *Service) CancelByCode(ctx context.Context, agencyID, id int64, phone, code, ip string) error {
	if _, err := s.Public(ctx, agencyID, id); err != nil {
		return err
	}
	if s.Limiter != nil {
		if ok, _, err := s.Limiter.Hit(ctx, "openday.code:"+ratelimit.Client(ip), CodeTriesIP); err != nil {
			return err
		} else if !ok {
			return apperr.New(apperr.RateLimited, "尝试次数过多，请稍后再试。")
		}
	}
	return s.tx(ctx, func(tx db.Tx) error {
		ev, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		x, err := s.byCode(ctx, tx, id, code)
		if down := db.Down(err); down != nil {
			return down
		}
		if err != nil || x.Phone != phone {
			return apperr.New(apperr.NotFound, "手机号码或报名码不正确，请核对后重新输入。")
		}
		if !s.Now().Before(ev.StartsAt) {
			return apperr.New(apperr.Conflict, "活动已经开始，不能再取消报名。")
		}
		return s.withdraw(ctx, tx, ev, x, audit.Actor{Name: "公众（网上）", IP: ip})
	})
}

// CancelByStaff cancels a sign-up of p's agency.
func (s *Service) CancelByStaff(ctx context.Context, p *auth.Principal, id, signupID int64) error {
	if _, err := s.Get(ctx, p, id); err != nil {
		return err
	}
	return s.tx(ctx, func(tx db.Tx) error {
		ev, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		x, err := getSignup(ctx, tx, `s.id = $1 AND s.event_id = $2`, signupID, id)
		if errors.Is(err, errBadCode) {
			return apperr.NotFoundf("没有这条报名。")
		}
		if err != nil {
			return err
		}
		return s.withdraw(ctx, tx, ev, x, p.Actor())
	})
}

// Select confirms applicants in a 遴选 event, as far as seats allow.
func (s *Service) Select(ctx context.Context, p *auth.Principal, id int64, signupIDs []int64) (int, error) {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return 0, err
	}
	if e.Selection != Selection || e.State != Published {
		return 0, apperr.New(apperr.Conflict, "只有已发布的遴选类开放日可以确定入选人员。")
	}
	n := 0
	err = s.tx(ctx, func(tx db.Tx) error {
		if _, err := lock(ctx, tx, id); err != nil {
			return err
		}
		for _, sid := range signupIDs {
			x, err := getSignup(ctx, tx, `s.id = $1 AND s.event_id = $2 AND s.status = 'applied'`, sid, id)
			if err != nil {
				continue
			}
			ok, err := takeSeat(ctx, tx, id, x.GroupID)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.New(apperr.Conflict, "“"+x.Group+"”或总名额已满，"+web.MaskName(x.Name)+"未能入选；本次选择均未保存。")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE openday_signups SET status = 'confirmed', updated_at = $1 WHERE id = $2`, db.Now(), sid); err != nil {
				return err
			}
			if err := record(ctx, tx, p.Actor(), e.AgencyID, "select", "openday_signup", sid, web.MaskName(x.Name)+"入选"); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// PublishSelection closes the 遴选: the rest are not selected and the
// masked list of the selected goes on the event page.
func (s *Service) PublishSelection(ctx context.Context, p *auth.Principal, id int64) error {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if e.Selection != Selection || e.State != Published {
		return apperr.New(apperr.Conflict, "只有已发布的遴选类开放日可以公布入选名单。")
	}
	return s.tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE openday_signups SET status = 'rejected', updated_at = $1 WHERE event_id = $2 AND status = 'applied'`, db.Now(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opendays SET selection_published = TRUE, updated_at = $1 WHERE id = $2`, db.Now(), id); err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		return record(ctx, tx, p.Actor(), e.AgencyID, "selection", "openday", id, "公布“"+e.Theme+"”入选名单")
	})
}

// CheckIn checks a confirmed sign-up in by its code.
func (s *Service) CheckIn(ctx context.Context, p *auth.Principal, id int64, code string) (*Signup, error) {
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if e.State != Published && e.State != Done {
		return nil, apperr.FieldErrors(map[string]string{"code": "开放日当前为“" + e.State.Label() + "”，不能签到。"})
	}
	var x *Signup
	err = s.tx(ctx, func(tx db.Tx) error {
		if x, err = s.byCode(ctx, tx, id, code); err != nil {
			return apperr.FieldErrors(map[string]string{"code": "报名码不正确，请核对后重新输入。"})
		}
		if x.Status != Confirmed {
			return apperr.FieldErrors(map[string]string{"code": "这个报名码的报名状态为“" + x.Status.Label() + "”，不能签到。"})
		}
		if x.CheckedInAt != nil {
			return apperr.FieldErrors(map[string]string{"code": web.MaskName(x.Name) + "已于 " + Clock(*x.CheckedInAt) + "签到，请勿重复签到。"})
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE openday_signups SET checked_in_at = $1, updated_at = $1 WHERE id = $2`, now, x.ID); err != nil {
			return err
		}
		x.CheckedInAt = &now
		return record(ctx, tx, p.Actor(), e.AgencyID, "checkin", "openday_signup", x.ID, web.MaskName(x.Name)+"签到")
	})
	return x, err
}

// RemindDue e-mails those confirmed for tomorrow's events who left an
// address (once each); it returns how many were queued. A daily job.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	tomorrow := s.today().AddDays(1)
	from := time.Date(tomorrow.Year, tomorrow.Month, tomorrow.Day, 0, 0, 0, 0, civil.Shanghai)
	events, err := listEvents(ctx, s.DB.R, `state = 'published' AND starts_at >= $1 AND starts_at < $2`, from.UTC(), from.AddDate(0, 0, 1).UTC())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range events {
		list, err := listSignups(ctx, s.DB.R, `s.event_id = $1 AND s.status = 'confirmed' AND s.email <> '' AND s.reminded_at IS NULL`, ev.ID)
		if err != nil {
			return n, err
		}
		for _, x := range list {
			err := s.DB.Tx(ctx, func(tx db.Tx) error {
				if _, err := notify.Queue(ctx, tx, notify.Message{To: []string{x.Email}, Subject: "政府开放日提醒：" + ev.Theme,
					Text: x.Name + "：\n\n您报名的“" + ev.Theme + "”将于明天举行。\n时间：" + ev.When() + "\n地点：" + ev.Place + "\n请携带报名码按时签到。\n"},
					notify.QueueOptions{AgencyID: ev.AgencyID, Purpose: "openday", DedupeKey: "openday.remind:" + strconv.FormatInt(x.ID, 10)}); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `UPDATE openday_signups SET reminded_at = $1 WHERE id = $2`, db.Now(), x.ID)
				return err
			})
			if err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// Attendees are those checked in at an event.
func (s *Service) Attendees(ctx context.Context, p *auth.Principal, id int64) ([]Attendee, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	list, err := listSignups(ctx, s.DB.R, `s.event_id = $1 AND s.status = 'confirmed' AND s.checked_in_at IS NOT NULL ORDER BY s.id`, id)
	if err != nil {
		return nil, err
	}
	out := make([]Attendee, len(list))
	for i, x := range list {
		out[i] = Attendee{SignupID: x.ID, Name: x.Name, Phone: x.Phone, Email: x.Email}
	}
	return out, nil
}

// InviteEvaluation hands the attendees of a held event to the evaluation
// questionnaire; it returns how many were invited.
func (s *Service) InviteEvaluation(ctx context.Context, p *auth.Principal, id int64) (int, error) {
	if s.Evaluations == nil {
		return 0, apperr.New(apperr.Conflict, "问卷评价服务尚未启用。")
	}
	e, err := s.Get(ctx, p, id)
	if err != nil {
		return 0, err
	}
	if e.State != Done {
		return 0, apperr.New(apperr.Conflict, "活动举办并发布总结后，才能邀请参加人员评价。")
	}
	list, err := s.Attendees(ctx, p, id)
	if err != nil {
		return 0, err
	}
	var already int64
	if err := s.DB.R.QueryRowContext(ctx, `SELECT COALESCE(evaluation_survey_id, 0) FROM opendays WHERE id = $1`, id).Scan(&already); err != nil {
		return 0, err
	}
	if already != 0 {
		return 0, apperr.New(apperr.Conflict, "已经邀请过参加人员评价。")
	}
	if len(list) == 0 {
		return 0, apperr.New(apperr.Conflict, "没有已签到的参加人员，无需评价。")
	}
	surveyID, links, err := s.Evaluations.Invite(ctx, e.AgencyID, id, e.Theme, list)
	if err != nil {
		return 0, err
	}
	err = s.tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE opendays SET evaluation_survey_id = $1 WHERE id = $2 AND evaluation_survey_id IS NULL`, surveyID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "已经邀请过参加人员评价。")
		}
		for _, at := range list {
			link := links[at.SignupID]
			if at.Email == "" || link == "" {
				continue
			}
			text := fmt.Sprintf("%s：\n\n感谢您参加“%s”。请花几分钟时间填写评价问卷（每人一份，只能提交一次）：\n%s\n\n本邮件由系统发送，请勿直接回复。\n", at.Name, e.Theme, absolute(s.BaseURL, link))
			if _, err := notify.Queue(ctx, tx, notify.Message{To: []string{at.Email}, Subject: "政府开放日评价：" + e.Theme, Text: text},
				notify.QueueOptions{AgencyID: e.AgencyID, Purpose: "openday", DedupeKey: "openday.evaluation:" + strconv.FormatInt(at.SignupID, 10)}); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.Actor(), e.AgencyID, "evaluate", "openday", id, "邀请“"+e.Theme+"”参加人员评价（"+strconv.Itoa(len(links))+" 人）")
	})
	return len(links), err
}

// absolute makes a site-relative link absolute.
func absolute(base, link string) string {
	if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") {
		return link
	}
	return strings.TrimRight(base, "/") + link
}

// EvaluationSummary is the published evaluation of an event in brief, nil
// when there is none (or its results are not public).
func (s *Service) EvaluationSummary(ctx context.Context, eventID int64) *EvaluationSummary {
	if s.Evaluations == nil {
		return nil
	}
	var id int64
	if err := s.DB.R.QueryRowContext(ctx, `SELECT COALESCE(evaluation_survey_id, 0) FROM opendays WHERE id = $1`, eventID).Scan(&id); err != nil || id == 0 {
		return nil
	}
	sum, err := s.Evaluations.Summary(ctx, id)
	if err != nil || sum == nil {
		return nil
	}
	sum.URL = s.Evaluations.ResultsURL(id)
	return sum
}

// EvaluationURL is the public results page of an event's evaluation, ""
// when there is none.
func (s *Service) EvaluationURL(ctx context.Context, eventID int64) string {
	if s.Evaluations == nil {
		return ""
	}
	var id int64
	if err := s.DB.R.QueryRowContext(ctx, `SELECT COALESCE(evaluation_survey_id, 0) FROM opendays WHERE id = $1`, eventID).Scan(&id); err != nil || id == 0 {
		return ""
	}
	return s.Evaluations.ResultsURL(id)
}
