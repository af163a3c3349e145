package todo

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/notify"
)

// DigestLater is how many of the items not yet due soon a digest lists
// (the rest are counted).
const DigestLater = 10

// Digest is one person's daily digest.
type Digest struct {
	Person  Person
	Day     civil.Date
	Entries []Entry // the person's list, overdue first, then by due date
	Overdue int
	DueSoon int
}

// Due reports whether the digest is worth sending: something is overdue or
// due soon.
func (d *Digest) Due() bool { return d.Overdue+d.DueSoon > 0 }

// Subject is the mail's subject.
func (d *Digest) Subject() string {
	return fmt.Sprintf("【待办提醒】%s：已逾期 %d 项，即将到期 %d 项", d.Day, d.Overdue, d.DueSoon)
}

// Text is the mail's body: overdue items first, then those due soon, then
// up to DigestLater of the others.
func (d *Digest) Text(baseURL string) string {
	base := strings.TrimRight(baseURL, "/")
	var b strings.Builder
	fmt.Fprintf(&b, "%s：\n\n截至%s，您共有 %d 项待办，其中已逾期 %d 项、%d 个工作日内到期 %d 项。\n",
		d.Person.Name, d.Day.Chinese(), len(d.Entries), d.Overdue, SoonWorkingDays, d.DueSoon)
	section := func(title string, list []Entry) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n【%s】\n", title)
		for i, e := range list {
			fmt.Fprintf(&b, "%d. [%s] %s：%s\n   期限 %s（%s）", i+1, e.SourceLabel, e.Kind, e.Title, e.Due, e.DeadlineText())
			if e.Note != "" {
				fmt.Fprintf(&b, "；%s", e.Note)
			}
			b.WriteString("\n")
			if e.URL != "" {
				fmt.Fprintf(&b, "   %s%s\n", base, e.URL)
			}
		}
	}
	var overdue, soon, later []Entry
	for _, e := range d.Entries {
		switch e.Urgency {
		case Overdue:
			overdue = append(overdue, e)
		case DueSoon:
			soon = append(soon, e)
		default:
			later = append(later, e)
		}
	}
	section("已逾期", overdue)
	section(fmt.Sprintf("%d 个工作日内到期", SoonWorkingDays), soon)
	more := 0
	if len(later) > DigestLater {
		later, more = later[:DigestLater], len(later)-DigestLater
	}
	section("其他待办", later)
	if more > 0 {
		fmt.Fprintf(&b, "……另有 %d 项期限较远的待办。\n", more)
	}
	fmt.Fprintf(&b, "\n查看全部待办：%s/console/todo\n\n本邮件由政务公开平台每个工作日自动发送，请勿直接回复。\n", base)
	return b.String()
}

// digestFor builds person's digest for day from their agency's items.
func (s *Service) digestFor(ctx context.Context, person Person, items []Item, day civil.Date, ix staffIndex) *Digest {
	d := &Digest{Person: person, Day: day}
	p := person.Principal()
	var mine []Item
	for _, it := range items {
		if Visible(p, it) {
			mine = append(mine, it)
		}
	}
	var overdue, rest []Entry
	for _, e := range s.entries(ctx, mine, day, ix) {
		switch e.Urgency {
		case Overdue:
			d.Overdue++
			overdue = append(overdue, e)
		case DueSoon:
			d.DueSoon++
			rest = append(rest, e)
		default:
			rest = append(rest, e)
		}
	}
	d.Entries = append(overdue, rest...)
	return d
}

// SendDigests queues today's digest for every enabled staff member of an
// agency who has an e-mail address and something overdue or due soon, at
// most once a day per person (todo_digests, in the transaction that queues
// the mail; the outbox's dedupe key says the same). Nothing is sent on a
// day off (weekends and holidays on the working-day calendar). It returns
// how many were queued. Run daily (the to-do centre's job).
func (s *Service) SendDigests(ctx context.Context) (int, error) {
	if s.Directory == nil {
		return 0, nil
	}
	day := s.Today()
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	if !cal.IsWorkingDay(day) {
		return 0, nil
	}
	people, err := s.Directory.Staff(ctx, 0)
	if err != nil {
		return 0, err
	}
	byAgency := map[int64][]Person{}
	var agencies []int64
	for _, p := range people {
		if p.AgencyID == 0 || strings.TrimSpace(p.Email) == "" {
			continue
		}
		if _, ok := byAgency[p.AgencyID]; !ok {
			agencies = append(agencies, p.AgencyID)
		}
		byAgency[p.AgencyID] = append(byAgency[p.AgencyID], p)
	}
	sent := 0
	for _, agencyID := range agencies {
		items, failures := s.Gather(ctx, agencyID, day)
		if len(failures) > 0 {
			// The digest goes out with what could be gathered; the
			// failures are logged by Gather.
			s.Logger.WarnContext(ctx, "to-do digest incomplete", "agency", agencyID, "failed_sources", len(failures))
		}
		ix := s.index(ctx, agencyID)
		for _, person := range byAgency[agencyID] {
			d := s.digestFor(ctx, person, items, day, ix)
			if !d.Due() {
				continue
			}
			ok, err := s.queueDigest(ctx, d)
			if err != nil {
				if apperr.Is(err, apperr.Invalid) {
					// A malformed address: nothing to send it to.
					s.Logger.WarnContext(ctx, "to-do digest not queued", "user", person.UserID, "error", err)
					continue
				}
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
	return sent, nil
}

// queueDigest records and queues d, unless it was already sent today.
func (s *Service) queueDigest(ctx context.Context, d *Digest) (bool, error) {
	queued := false
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO todo_digests (user_id, day, agency_id, items, overdue, due_soon, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, day) DO NOTHING`,
			d.Person.UserID, d.Day, d.Person.AgencyID, len(d.Entries), d.Overdue, d.DueSoon, db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already sent today
		}
		to := (&mail.Address{Name: d.Person.Name, Address: strings.TrimSpace(d.Person.Email)}).String()
		id, err := notify.Queue(ctx, tx, notify.Message{To: []string{to}, Subject: d.Subject(), Text: d.Text(s.BaseURL),
			Headers: map[string]string{"Auto-Submitted": "auto-generated"}},
			notify.QueueOptions{AgencyID: d.Person.AgencyID, Purpose: "todo.digest",
				DedupeKey: fmt.Sprintf("todo.digest:%s:%d", d.Day, d.Person.UserID)})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE todo_digests SET outbox_id = $1 WHERE user_id = $2 AND day = $3", id, d.Person.UserID, d.Day); err != nil {
			return err
		}
		queued = true
		return nil
	})
	return queued, err
}

// Sent reports whether a person's digest of day was queued.
func (s *Service) Sent(ctx context.Context, userID int64, day civil.Date) (bool, error) {
	var n int
	err := s.DB.R.QueryRowContext(ctx, "SELECT count(*) FROM todo_digests WHERE user_id = $1 AND day = $2", userID, day).Scan(&n)
	return n > 0, err
}
