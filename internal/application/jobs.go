package application

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/notify"
)

// calendarChanged moves the dates a calendar change altered and says so in
// each application's history.
func (s *Service) calendarChanged(ctx context.Context, tx db.Tx, changed []calendar.Change) error {
	byApp := map[int64][]calendar.Change{}
	var order []int64
	for _, c := range changed {
		id, err := strconv.ParseInt(c.OwnerID, 10, 64)
		if err != nil {
			continue
		}
		if _, ok := byApp[id]; !ok {
			order = append(order, id)
		}
		byApp[id] = append(byApp[id], c)
	}
	for _, id := range order {
		var notes []string
		for _, c := range byApp[id] {
			var (
				q     string
				label string
			)
			switch {
			case c.Kind == kindReply:
				q, label = "UPDATE applications SET due_on = $1 WHERE id = $2", "答复期限"
			case c.Kind == kindCorrection:
				q, label = "UPDATE applications SET correction_due = $1 WHERE id = $2", "补正期限"
			case c.Kind == kindPayment:
				q, label = "UPDATE applications SET fee_due = $1 WHERE id = $2", "缴费期限"
			case c.Kind == kindCorrectionNotice:
				label = "补正告知期限"
			case strings.HasPrefix(c.Kind, kindConsultPrefix):
				cid, _ := strconv.ParseInt(strings.TrimPrefix(c.Kind, kindConsultPrefix), 10, 64)
				if _, err := tx.ExecContext(ctx, "UPDATE application_consultations SET due_on = $1 WHERE id = $2", c.NewDue, cid); err != nil {
					return err
				}
				label = "征求意见期限"
			}
			if q != "" {
				if _, err := tx.ExecContext(ctx, q, c.NewDue, id); err != nil {
					return err
				}
			}
			notes = append(notes, fmt.Sprintf("%s由 %s 调整为 %s", label, c.OldDue, c.NewDue))
		}
		note := "工作日历调整：" + strings.Join(notes, "；") + "。"
		if err := addEvent(ctx, tx, id, Event{On: civil.Today(), Actor: "系统", Action: "deadline", Note: note, Public: true,
			NoticeTitle: "期限调整", NoticeBody: "因国家法定节假日安排调整，" + strings.Join(notes, "；") + "。"}); err != nil {
			return err
		}
	}
	return nil
}

// CloseExpired closes the applications whose correction or payment period
// ended without the applicant acting (deemed abandoned), and returns how
// many. Run daily.
func (s *Service) CloseExpired(ctx context.Context) (int, error) {
	today := s.today()
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id FROM applications
		WHERE (state = 'correction' AND correction_due < $1) OR (state = 'payment' AND fee_due < $1) ORDER BY id LIMIT 500`, today)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		err := s.DB.Tx(ctx, func(tx db.Tx) error {
			a, err := getApp(ctx, tx, id)
			if err != nil {
				return err
			}
			ag, err := s.Agencies.Agency(ctx, a.AgencyID)
			if err != nil {
				return err
			}
			from := a.State
			ev := Event{On: today, Actor: "系统", Action: ActAbandon, From: from}
			if err := s.abandon(ctx, tx, a, today, &ev, ag); err != nil {
				return err
			}
			ev.To = a.State
			if err := saveApp(ctx, tx, a); err != nil {
				return err
			}
			if err := s.notice(ctx, tx, a, ev, ""); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.System, audit.Event{AgencyID: a.AgencyID, Action: "application.abandon",
				ObjectType: "application", ObjectID: a.Number, Summary: "期限届满，视为放弃申请：" + a.Outcome.Label()})
		})
		if err != nil {
			if apperr.Is(err, apperr.Conflict) {
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// Reminder days: handlers are told at 5, 3 and 1 working days before a
// deadline (and on the day it is overdue).
var reminderDays = []int{5, 3, 1}

// SendReminders e-mails each handler (or, when none is assigned, the
// agency's disclosure office staff) about the deadlines of their open
// applications that are 5, 3 or 1 working days away or passed. It runs
// daily; the outbox dedupes a day's reminder.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	today := s.today()
	// #nosec G202 -- castText returns a cast of the constant column name for the dialect
	rows, err := s.DB.R.QueryContext(ctx, `SELECT a.id, a.number, a.agency_id, COALESCE(a.handler_id, 0), d.kind, d.due_day
		FROM calendar_deadlines d JOIN applications a ON d.owner = 'application' AND d.owner_id = `+castText(s.DB.Dialect, "a.id")+`
		WHERE d.open = TRUE AND a.state NOT IN ('replied', 'closed') ORDER BY a.id`)
	if err != nil {
		return 0, err
	}
	type due struct {
		id, agency, handler int64
		number, kind        string
		day                 civil.Date
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.number, &d.agency, &d.handler, &d.kind, &d.day); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	sent := 0
	for _, d := range list {
		left, err := cal.WorkingDaysBetween(today, d.day)
		if err != nil {
			continue
		}
		// The 补正 notice is a limit, not a duty: once it has passed there is
		// nothing left to remind of.
		remind := left < 0 && d.kind != kindCorrectionNotice
		for _, r := range reminderDays {
			remind = remind || left == r
		}
		if !remind {
			continue
		}
		label := deadlineLabel(d.kind)
		subject := fmt.Sprintf("【依申请公开】申请 %s 的%s还有 %d 个工作日到期（%s）", d.number, label, left, d.day)
		if left < 0 {
			subject = fmt.Sprintf("【依申请公开】申请 %s 的%s已逾期 %d 个工作日（%s）", d.number, label, -left, d.day)
		}
		to, err := s.reminderRecipients(ctx, d.agency, d.handler)
		if err != nil || len(to) == 0 {
			continue
		}
		text := subject + "\n\n请登录工作台处理：" + strings.TrimRight(s.BaseURL, "/") + "/console/applications/" + strconv.FormatInt(d.id, 10) + "\n"
		err = s.DB.Tx(ctx, func(tx db.Tx) error {
			_, err := notify.Queue(ctx, tx, notify.Message{To: to, Subject: subject, Text: text}, notify.QueueOptions{AgencyID: d.agency,
				Purpose: "application.reminder", DedupeKey: fmt.Sprintf("application.reminder:%d:%s:%s", d.id, d.kind, today)})
			return err
		})
		if err != nil && !apperr.Is(err, apperr.Invalid) {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

func deadlineLabel(kind string) string {
	switch {
	case kind == kindReply:
		return "答复期限"
	case kind == kindCorrectionNotice:
		return "补正告知期限"
	case kind == kindCorrection:
		return "申请人补正期限"
	case kind == kindPayment:
		return "缴费期限"
	case strings.HasPrefix(kind, kindConsultPrefix):
		return "征求意见期限"
	}
	return "期限"
}

func (s *Service) reminderRecipients(ctx context.Context, agencyID, handlerID int64) ([]string, error) {
	q := `SELECT DISTINCT u.email FROM staff_users u JOIN staff_roles r ON r.user_id = u.id
		WHERE u.agency_id = $1 AND u.disabled = FALSE AND u.email <> '' AND r.role IN ('handler', 'approver')`
	args := []any{agencyID}
	if handlerID != 0 {
		q = `SELECT email FROM staff_users WHERE id = $1 AND disabled = FALSE AND email <> ''`
		args = []any{handlerID}
	}
	rows, err := s.DB.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func castText(d db.Dialect, col string) string {
	if d == db.Postgres {
		return col + "::text"
	}
	return "CAST(" + col + " AS TEXT)"
}
