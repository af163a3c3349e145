package training

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/todo"
	"github.com/gongkai/gongkai/internal/xlsxprint"
)

// PersonStatus is one person counted by the compliance report.
type PersonStatus struct {
	Person
	Sessions int        // sessions attended in the year (held by the report's day)
	Last     civil.Date // the latest of them
}

// Trained reports whether the person attended a session in the year.
func (p PersonStatus) Trained() bool { return p.Sessions > 0 }

// DistrictStatus is one district department in the compliance report.
type DistrictStatus struct {
	AgencyRef
	Invitations int // sessions of the year it was invited to
	Attendees   int // attendances of its people in the year
}

// Invited reports whether the district was invited in the year.
func (d DistrictStatus) Invited() bool { return d.Invitations > 0 }

// Compliance is the yearly training compliance of an agency (see the
// package comment for the rule).
type Compliance struct {
	Agency    AgencyRef
	Year      int
	AsOf      civil.Date // sessions held after this day do not count yet
	Sessions  int        // sessions held in the year by AsOf
	Planned   int        // sessions of the year after AsOf
	People    []PersonStatus
	Untrained []PersonStatus
	Districts []DistrictStatus
	Uninvited []DistrictStatus
}

// Complete reports whether there is no gap.
func (c *Compliance) Complete() bool { return len(c.Untrained) == 0 && len(c.Uninvited) == 0 }

// TrainedCount is how many counted people were trained.
func (c *Compliance) TrainedCount() int { return len(c.People) - len(c.Untrained) }

// InvitedCount is how many districts were invited.
func (c *Compliance) InvitedCount() int { return len(c.Districts) - len(c.Uninvited) }

// Compliance computes p's agency's compliance report for year.
func (s *Service) Compliance(ctx context.Context, p *auth.Principal, year int) (*Compliance, error) {
	if !allowed(p) {
		return nil, errForbidden
	}
	if year < 2000 || year > 2100 {
		return nil, apperr.Invalidf("年份不正确。")
	}
	return s.compliance(ctx, p.AgencyID, year, s.Today())
}

func (s *Service) compliance(ctx context.Context, agencyID int64, year int, today civil.Date) (*Compliance, error) {
	a, err := s.Directory.Agency(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	from, to := yearRange(year)
	asOf := to
	if today.Before(asOf) {
		asOf = today
	}
	c := &Compliance{Agency: a, Year: year, AsOf: asOf}
	if err := s.DB.R.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN held_on <= $2 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN held_on > $2 THEN 1 ELSE 0 END), 0)
			FROM training_sessions WHERE agency_id = $1 AND held_on >= $3 AND held_on <= $4`, agencyID, asOf, from, to).Scan(&c.Sessions, &c.Planned); err != nil {
		return nil, err
	}
	// People: attendance at the agency's sessions held in the year by asOf.
	type tally struct {
		n    int
		last civil.Date
	}
	attended := map[int64]*tally{}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT a.user_id, s.held_on FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id
		WHERE s.agency_id = $1 AND s.held_on >= $2 AND s.held_on <= $3 AND a.user_id IS NOT NULL`, agencyID, from, asOf)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var uid int64
		var d civil.Date
		if err := rows.Scan(&uid, &d); err != nil {
			rows.Close()
			return nil, err
		}
		t := attended[uid]
		if t == nil {
			t = &tally{}
			attended[uid] = t
		}
		t.n++
		if d.After(t.last) {
			t.last = d
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	staff, err := s.Directory.Staff(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	for _, u := range staff {
		if !InDisclosureRole(u.Roles) {
			continue
		}
		ps := PersonStatus{Person: u}
		if t := attended[u.UserID]; t != nil {
			ps.Sessions, ps.Last = t.n, t.last
		}
		c.People = append(c.People, ps)
		if !ps.Trained() {
			c.Untrained = append(c.Untrained, ps)
		}
	}
	// Districts: invitations to the agency's sessions of the year.
	kids, err := s.Directory.Children(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	invites, err := countBy(ctx, s.DB.R, `SELECT i.agency_id, count(*) FROM training_invites i JOIN training_sessions s ON s.id = i.session_id
		WHERE s.agency_id = $1 AND s.held_on >= $2 AND s.held_on <= $3 GROUP BY i.agency_id`, agencyID, from, to)
	if err != nil {
		return nil, err
	}
	attendees, err := countBy(ctx, s.DB.R, `SELECT a.agency_id, count(*) FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id
		WHERE s.agency_id = $1 AND s.held_on >= $2 AND s.held_on <= $3 GROUP BY a.agency_id`, agencyID, from, asOf)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		if !k.District {
			continue
		}
		d := DistrictStatus{AgencyRef: k, Invitations: invites[k.ID], Attendees: attendees[k.ID]}
		c.Districts = append(c.Districts, d)
		if !d.Invited() {
			c.Uninvited = append(c.Uninvited, d)
		}
	}
	return c, nil
}

func countBy(ctx context.Context, q db.Querier, query string, args ...any) (map[int64]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------- to-dos

// Todos lists the agency's training work for the to-do centre: from the
// reminder month on, the staff not trained and the districts not invited
// this year (due 31 December); and the sessions of the next PrepareDays
// days to prepare (due the day before).
func (s *Service) Todos(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
	var out []todo.Item
	upcoming, err := s.listSessions(ctx, s.DB.R, `s.agency_id = $1 AND s.held_on > $2 AND s.held_on <= $3 ORDER BY s.held_on, s.id`,
		agencyID, today, today.AddDays(s.PrepareDays))
	if err != nil {
		return nil, err
	}
	for _, x := range upcoming {
		note := x.Format.Label() + "，" + x.Place
		if len(x.Invited) > 0 {
			note += "；邀请" + strconv.Itoa(len(x.Invited)) + " 个单位"
		}
		out = append(out, todo.Item{Source: "training", Kind: "筹备培训", Title: "培训即将举办：" + x.CourseTitle + "（" + x.HeldOn.Chinese() + "）",
			URL: SessionURL(x.ID), Due: x.HeldOn.AddDays(-1), AgencyID: agencyID, Perm: auth.ManageTraining, Note: note})
	}
	if today.Month < s.ReminderMonth {
		return out, nil
	}
	c, err := s.compliance(ctx, agencyID, today.Year, today)
	if err != nil {
		return nil, err
	}
	_, end := yearRange(today.Year)
	url := "/console/training/compliance?year=" + strconv.Itoa(today.Year)
	if n := len(c.Untrained); n > 0 {
		out = append(out, todo.Item{Source: "training", Kind: "组织培训", Title: fmt.Sprintf("%d 名工作人员本年度尚未参加培训", n),
			URL: url, Due: end, AgencyID: agencyID, Perm: auth.ManageTraining, Note: names(c.Untrained)})
	}
	if n := len(c.Uninvited); n > 0 {
		var list []string
		for _, d := range c.Uninvited {
			list = append(list, d.Name)
		}
		out = append(out, todo.Item{Source: "training", Kind: "邀请区级部门", Title: fmt.Sprintf("%d 个区级部门本年度尚未受邀", n),
			URL: url, Due: end, AgencyID: agencyID, Perm: auth.ManageTraining, Note: strings.Join(list, "、")})
	}
	return out, nil
}

func names(list []PersonStatus) string {
	var out []string
	for i, p := range list {
		if i == 5 {
			out = append(out, "等")
			break
		}
		out = append(out, p.Name)
	}
	return strings.Join(out, "、")
}

// SessionURL is a session's console page.
func SessionURL(id int64) string { return "/console/training/sessions/" + strconv.FormatInt(id, 10) }

// ---------------------------------------------------------------- exports

// ExportLedger writes the training ledger (培训台账) of a year: the
// sessions, and every attendee.
func (s *Service) ExportLedger(ctx context.Context, p *auth.Principal, year int, w io.Writer) error {
	list, err := s.Sessions(ctx, p, year)
	if err != nil {
		return err
	}
	a, _ := s.Directory.Agency(ctx, p.AgencyID)
	sort.SliceStable(list, func(i, j int) bool { return list[i].HeldOn.Before(list[j].HeldOn) })
	note := "导出日期：" + s.Today().Chinese()
	sessions := xlsxprint.Sheet{Name: "培训台账", Title: fmt.Sprintf("%s%d年政务公开培训台账", a.Name, year), Note: note,
		Header: []string{"序号", "培训日期", "课程名称", "培训主题", "主办单位", "形式", "地点", "授课人", "邀请单位", "参训人数", "培训材料"},
		Widths: []float64{6, 12, 28, 20, 18, 6, 20, 12, 28, 8, 30}}
	people := xlsxprint.Sheet{Name: "参训人员", Title: fmt.Sprintf("%s%d年政务公开培训参训人员名单", a.Name, year), Note: note,
		Header: []string{"序号", "培训日期", "课程名称", "姓名", "单位", "处室", "登记方式"},
		Widths: []float64{6, 12, 30, 12, 30, 16, 10}}
	org := map[int64]string{}
	for i, x := range list {
		c, err := s.Course(ctx, p, x.CourseID)
		if err == nil {
			org[x.ID] = c.Organiser
		}
		sessions.Rows = append(sessions.Rows, []any{i + 1, x.HeldOn.String(), x.CourseTitle, x.Topic, org[x.ID], x.Format.Label(), x.Place,
			x.Trainer, x.InvitedNames(), x.Attendees, strings.Join(x.Materials, "\n")})
		att, err := s.Attendance(ctx, p, x.ID)
		if err != nil {
			return err
		}
		for _, at := range att {
			people.Rows = append(people.Rows, []any{len(people.Rows) + 1, x.HeldOn.String(), x.CourseTitle, at.Name, at.Agency, at.Division, at.SourceLabel()})
		}
	}
	if err := s.DB.Tx(ctx, func(tx db.Tx) error {
		return record(ctx, tx, p.Actor(), p.AgencyID, "export", "training_ledger", int64(year), fmt.Sprintf("导出%d年培训台账", year))
	}); err != nil {
		return err
	}
	return xlsxprint.Write(w, sessions, people)
}

// ExportCompliance writes the compliance report of a year.
func (s *Service) ExportCompliance(ctx context.Context, p *auth.Principal, year int, w io.Writer) error {
	c, err := s.Compliance(ctx, p, year)
	if err != nil {
		return err
	}
	note := fmt.Sprintf("统计截至 %s；本年度已举办培训 %d 场；应训人员 %d 人，已参训 %d 人，未参训 %d 人", c.AsOf.Chinese(), c.Sessions,
		len(c.People), c.TrainedCount(), len(c.Untrained))
	people := xlsxprint.Sheet{Name: "应训人员", Title: fmt.Sprintf("%s%d年政务公开培训达标情况（人员）", c.Agency.Name, year), Note: note,
		Header: []string{"序号", "姓名", "账号", "处室", "岗位角色", "本年度参训次数", "最近参训日期", "达标情况"},
		Widths: []float64{6, 12, 16, 16, 30, 10, 14, 12}}
	for i, ps := range c.People {
		state, last := "未参训", ""
		if ps.Trained() {
			state, last = "已参训", ps.Last.String()
		}
		people.Rows = append(people.Rows, []any{i + 1, ps.Name, ps.Username, ps.Division, ps.RoleLabels(), ps.Sessions, last, state})
	}
	dnote := fmt.Sprintf("统计截至 %s；区级部门 %d 个，已受邀 %d 个，未受邀 %d 个", c.AsOf.Chinese(), len(c.Districts), c.InvitedCount(), len(c.Uninvited))
	districts := xlsxprint.Sheet{Name: "区级部门", Title: fmt.Sprintf("%s%d年政务公开培训达标情况（区级部门）", c.Agency.Name, year), Note: dnote,
		Header: []string{"序号", "单位", "本年度受邀次数", "参训人次", "达标情况"},
		Widths: []float64{6, 36, 14, 10, 12}}
	for i, d := range c.Districts {
		state := "未受邀"
		if d.Invited() {
			state = "已受邀"
		}
		districts.Rows = append(districts.Rows, []any{i + 1, d.Name, d.Invitations, d.Attendees, state})
	}
	if err := s.DB.Tx(ctx, func(tx db.Tx) error {
		return record(ctx, tx, p.Actor(), p.AgencyID, "export", "training_compliance", int64(year), fmt.Sprintf("导出%d年培训达标情况", year))
	}); err != nil {
		return err
	}
	return xlsxprint.Write(w, people, districts)
}

// ---------------------------------------------------------------- import

// RowError is a bad row of an import file, by line.
type RowError struct {
	Line    int
	Message string
}

// ImportError refuses a whole file; nothing was recorded.
type ImportError struct {
	Message string
	Rows    []RowError
}

func (e *ImportError) Error() string { return e.Message }

// ImportReport says what an import did.
type ImportReport struct {
	Rows, Added, Skipped int
}

// ImportColumns name the columns of an attendance file; 姓名 and 单位 are
// required, 账号 and 处室 optional, in any order.
var ImportColumns = []string{"姓名", "单位", "账号", "处室"}

// ImportAttendance records the attendees listed in an XLSX or CSV file:
// a header row naming the columns, then one person a row. 单位 is the
// full or short name of the organiser or an invited agency; 账号 (a staff
// user name of that agency) links the row to the account, as does a name
// that is exactly one account's display name there. Every bad row is
// reported by its line and the whole file refused; rows already recorded
// are skipped.
func (s *Service) ImportAttendance(ctx context.Context, p *auth.Principal, sessionID int64, fileName string, r io.Reader) (*ImportReport, error) {
	x, err := s.Session(ctx, p, sessionID)
	if err != nil {
		return nil, err
	}
	if !x.Held(s.Today()) {
		return nil, apperr.New(apperr.Conflict, "培训尚未举办（"+x.HeldOn.Chinese()+"），举办后才能导入参训人员。")
	}
	if strings.ContainsAny(fileName, `/\`) || strings.Contains(fileName, "..") {
		return nil, apperr.FieldErrors(map[string]string{"file": "文件名不能包含路径，请重命名后再上传。"})
	}
	rows, err := readRows(fileName, r)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return nil, apperr.FieldErrors(map[string]string{"file": apperr.MessageOf(err)})
		}
		return nil, err
	}
	for len(rows) > 0 && len(strings.Join(rows[len(rows)-1], "")) == 0 {
		rows = rows[:len(rows)-1]
	}
	if len(rows) == 0 {
		return nil, &ImportError{Message: "文件是空的。"}
	}
	col := map[string]int{"姓名": -1, "单位": -1, "账号": -1, "处室": -1}
	for i, h := range rows[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, ok := col[h]; ok && col[h] < 0 {
			col[h] = i
		}
	}
	for _, need := range []string{"姓名", "单位"} {
		if col[need] < 0 {
			return nil, &ImportError{Message: "第 1 行（表头）缺少“" + need + "”列。表头应为：" + strings.Join(ImportColumns, "、") + "（账号、处室可省略）。"}
		}
	}
	if len(rows)-1 > MaxImportRows {
		return nil, &ImportError{Message: fmt.Sprintf("一次最多导入 %d 人。", MaxImportRows)}
	}
	parts := s.participants(ctx, x)
	staff := map[int64][]Person{}
	for _, a := range parts {
		if staff[a.ID], err = s.Directory.Staff(ctx, a.ID); err != nil {
			return nil, err
		}
	}
	var add []newAttendee
	var bad []RowError
	seen := map[string]int{}
	for i, row := range rows[1:] {
		line := i + 2
		name, unit, account, division := cellAt(row, col["姓名"]), cellAt(row, col["单位"]), cellAt(row, col["账号"]), cellAt(row, col["处室"])
		if name == "" && unit == "" && account == "" && division == "" {
			continue
		}
		fail := func(msg string) { bad = append(bad, RowError{Line: line, Message: msg}) }
		if msg := checkName(name); msg != "" {
			fail(msg + "。")
			continue
		}
		a, ok := matchAgency(parts, unit)
		if unit == "" {
			fail("单位不能为空。")
			continue
		}
		if !ok {
			fail("“" + clip(unit) + "”不是主办单位或本场培训的受邀单位。")
			continue
		}
		if msg := checkName(division); division != "" && msg != "" {
			fail("处室" + strings.TrimPrefix(msg, "姓名") + "。")
			continue
		}
		na := newAttendee{agencyID: a.ID, name: name, division: division}
		switch {
		case account != "":
			var hit *Person
			for _, u := range staff[a.ID] {
				if u.Username == account {
					u := u
					hit = &u
				}
			}
			if hit == nil {
				fail("账号“" + clip(account) + "”不是" + a.Name + "的工作人员账号。")
				continue
			}
			if hit.Name != name {
				fail("账号“" + clip(account) + "”的姓名是“" + hit.Name + "”，与填写的“" + name + "”不一致。")
				continue
			}
			na.userID = hit.UserID
		default:
			if u, n := resolve(staff[a.ID], name); n == 1 {
				na.userID = u.UserID
			} else if n > 1 {
				fail(a.Name + "有 " + strconv.Itoa(n) + " 个名为“" + name + "”的账号，请填写账号以区分。")
				continue
			}
		}
		if na.division == "" && na.userID != 0 {
			for _, u := range staff[a.ID] {
				if u.UserID == na.userID {
					na.division = u.Division
				}
			}
		}
		key := strconv.FormatInt(a.ID, 10) + "/" + name
		if na.userID != 0 {
			key = "u" + strconv.FormatInt(na.userID, 10)
		}
		if first, dup := seen[key]; dup {
			fail(fmt.Sprintf("与第 %d 行重复。", first))
			continue
		}
		seen[key] = line
		add = append(add, na)
	}
	if len(bad) > 0 {
		return nil, &ImportError{Message: fmt.Sprintf("文件有 %d 行需要修改，本次没有导入任何人员。", len(bad)), Rows: bad}
	}
	if len(add) == 0 {
		return nil, &ImportError{Message: "文件中没有参训人员。"}
	}
	rep := &ImportReport{Rows: len(add)}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		n, err := insertAttendance(ctx, tx, p, x, add, "import")
		if err != nil {
			return err
		}
		rep.Added, rep.Skipped = n, len(add)-n
		return record(ctx, tx, p.Actor(), p.AgencyID, "attendance.import", "training_session", x.ID,
			fmt.Sprintf("导入“%s”（%s）参训人员：%d 行，新增 %d 人，已登记跳过 %d 人", x.CourseTitle, x.HeldOn, rep.Rows, rep.Added, rep.Skipped))
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// CurrentYear is the year in Shanghai.
func (s *Service) CurrentYear() int { return s.Now().In(civil.Shanghai).Year() }

// YearSummary is an agency's training in a year as of today, for the
// annual report: sessions held, and people in disclosure roles trained out
// of those counted.
func (s *Service) YearSummary(ctx context.Context, agencyID int64, year int) (sessions, trained, people int, err error) {
	c, err := s.compliance(ctx, agencyID, year, civil.Of(s.Now()))
	if err != nil {
		return 0, 0, 0, err
	}
	return c.Sessions, c.TrainedCount(), len(c.People), nil
}
