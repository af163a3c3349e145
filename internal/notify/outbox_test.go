package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/config"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/jobs"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/notify/smtptest"
)

// TestMain silences the package's warnings (mail not configured) unless
// NOTIFY_TEST_LOG is set.
func TestMain(m *testing.M) {
	if os.Getenv("NOTIFY_TEST_LOG") == "" {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	os.Exit(m.Run())
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// outboxEnv is a database, a test SMTP server (STARTTLS and AUTH) and a job
// scheduler that sends through it, on a clock the test moves.
type outboxEnv struct {
	d     *db.DB
	srv   *smtptest.Server
	s     *jobs.Scheduler
	clock *clock
}

func newOutboxEnv(t *testing.T, d *db.DB) *outboxEnv {
	srv := smtptest.NewServer(t, smtptest.Options{StartTLS: true, Username: smtpUser, Password: smtpPass})
	e := &outboxEnv{d: d, srv: srv}
	e.s, e.clock = newScheduler(d, mailerFor(srv))
	return e
}

// newScheduler returns a scheduler with notify registered for m, on a fake
// clock a little ahead of the real one (jobs are queued on the real clock).
func newScheduler(d *db.DB, m notify.Mailer) (*jobs.Scheduler, *clock) {
	c := &clock{t: time.Now().Add(time.Second)}
	s := jobs.New(d, slog.New(slog.DiscardHandler), jobs.Options{KeepFinished: -1, Now: c.Now})
	notify.Register(s, m, d, slog.New(slog.DiscardHandler))
	return s, c
}

func runOnce(t *testing.T, s *jobs.Scheduler) {
	t.Helper()
	if err := s.RunOnce(context.Background()); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
}

func queue(t *testing.T, d *db.DB, msg notify.Message, opts notify.QueueOptions) int64 {
	t.Helper()
	var id int64
	err := d.Tx(context.Background(), func(tx db.Tx) error {
		var err error
		id, err = notify.Queue(context.Background(), tx, msg, opts)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func entry(t *testing.T, d *db.DB, id int64) notify.Entry {
	t.Helper()
	e, err := notify.Get(context.Background(), d.R, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func sendJobs(t *testing.T, d *db.DB) []jobs.Job {
	t.Helper()
	all, err := jobs.ListJobs(context.Background(), d.R, jobs.JobFilter{Kind: notify.SendJob})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.R.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestQueueInRolledBackTransactionSendsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOutboxEnv(t, d)
		ctx := context.Background()
		errRule := errors.New("business rule failed")
		err := d.Tx(ctx, func(tx db.Tx) error {
			if _, err := notify.Queue(ctx, tx, chineseMessage(), notify.QueueOptions{}); err != nil {
				return err
			}
			return errRule
		})
		if !errors.Is(err, errRule) {
			t.Fatalf("Tx: %v", err)
		}
		runOnce(t, e.s)
		if n := count(t, d, "outbox"); n != 0 {
			t.Errorf("%d outbox rows", n)
		}
		if n := count(t, d, "jobs"); n != 0 {
			t.Errorf("%d jobs", n)
		}
		if c := e.srv.Commands(); len(c) != 0 {
			t.Errorf("the SMTP server was contacted: %v", c)
		}
	})
}

func TestQueuedMailIsDeliveredAndMarkedSent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOutboxEnv(t, d)
		id := queue(t, d, chineseMessage(), notify.QueueOptions{Purpose: "reply"})
		before := entry(t, d, id)
		if before.Status != notify.StatusQueued || before.Attempts != 0 || before.MaxAttempts != notify.DefaultMaxAttempts ||
			strings.Join(before.Recipients, ",") != "zhangsan@example.cn,lisi@example.cn" || before.Subject != chineseMessage().Subject ||
			before.Purpose != "reply" || before.AgencyID != 0 || !before.SentAt.IsZero() || before.CreatedAt.IsZero() {
			t.Fatalf("queued entry %+v", before)
		}

		runOnce(t, e.s)
		m := checkReceived(t, e.srv, true, smtpUser)
		after := entry(t, d, id)
		if after.Status != notify.StatusSent || after.Attempts != 1 || after.LastError != "" || after.SentAt.IsZero() ||
			after.LastAttemptAt.IsZero() {
			t.Fatalf("sent entry %+v", after)
		}
		wantID := regexp.MustCompile(fmt.Sprintf(`^<gongkai\.outbox\.%d\.\d+@mzzj\.example\.gov\.cn>$`, id))
		if !wantID.MatchString(m.Header.Get("Message-ID")) {
			t.Errorf("Message-ID %q", m.Header.Get("Message-ID"))
		}
		if js := sendJobs(t, d); len(js) != 1 || js[0].Status != jobs.StatusDone {
			t.Errorf("jobs %+v", js)
		}
		// Nothing more to do: the message is not sent twice.
		e.clock.Add(time.Hour)
		runOnce(t, e.s)
		runOnce(t, e.s)
		if n := len(e.srv.Messages()); n != 1 {
			t.Errorf("%d messages delivered", n)
		}
	})
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOutboxEnv(t, d)
		e.srv.Fail(smtptest.StageRcpt, 451, 1)
		id := queue(t, d, chineseMessage(), notify.QueueOptions{})

		runOnce(t, e.s)
		got := entry(t, d, id)
		if got.Status != notify.StatusQueued || got.Attempts != 1 || !strings.Contains(got.LastError, "451") {
			t.Fatalf("after a 451: %+v", got)
		}
		if js := sendJobs(t, d); js[0].Status != jobs.StatusQueued || js[0].Attempts != 1 {
			t.Fatalf("job after a 451: %+v", js[0])
		}
		if len(e.srv.Messages()) != 0 {
			t.Fatal("delivered despite the 451")
		}
		runOnce(t, e.s) // the retry is not due yet
		if got := entry(t, d, id); got.Attempts != 1 {
			t.Fatalf("retried before the backoff: %+v", got)
		}

		e.clock.Add(time.Minute)
		runOnce(t, e.s)
		got = entry(t, d, id)
		if got.Status != notify.StatusSent || got.Attempts != 2 || got.LastError != "" {
			t.Fatalf("after the retry: %+v", got)
		}
		checkReceived(t, e.srv, true, smtpUser)
	})
}

func TestPermanentFailureMarksFailedAndRetryRequeues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newOutboxEnv(t, d)
		e.srv.Fail(smtptest.StageData, 554, -1)
		id := queue(t, d, chineseMessage(), notify.QueueOptions{})

		runOnce(t, e.s)
		got := entry(t, d, id)
		if got.Status != notify.StatusFailed || got.Attempts != 1 || !strings.Contains(got.LastError, "554") {
			t.Fatalf("after a 554: %+v", got)
		}
		if js := sendJobs(t, d); js[0].Status != jobs.StatusFailed || js[0].Attempts != 1 {
			t.Fatalf("job after a 554: %+v", js[0])
		}
		commands := len(e.srv.Commands())
		e.clock.Add(time.Hour)
		runOnce(t, e.s)
		if len(e.srv.Commands()) != commands {
			t.Fatal("tried again after a permanent failure")
		}

		// An operator retries it once the cause is fixed.
		e.srv.Fail(smtptest.StageData, 0, 0)
		if err := d.Tx(ctx, func(tx db.Tx) error { return notify.Retry(ctx, tx, id) }); err != nil {
			t.Fatal(err)
		}
		if err := d.Tx(ctx, func(tx db.Tx) error { return notify.Retry(ctx, tx, id) }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("retrying a queued message: %v", err)
		}
		e.clock.Add(time.Second)
		runOnce(t, e.s)
		if got := entry(t, d, id); got.Status != notify.StatusSent || got.Attempts != 1 {
			t.Fatalf("after Retry: %+v", got)
		}
		checkReceived(t, e.srv, true, smtpUser)
	})
}

func TestLastTemporaryFailureMarksFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOutboxEnv(t, d)
		e.srv.Fail(smtptest.StageRcpt, 450, -1)
		id := queue(t, d, chineseMessage(), notify.QueueOptions{MaxAttempts: 2})
		runOnce(t, e.s)
		if got := entry(t, d, id); got.Status != notify.StatusQueued || got.Attempts != 1 {
			t.Fatalf("after the first attempt: %+v", got)
		}
		e.clock.Add(time.Minute)
		runOnce(t, e.s)
		got := entry(t, d, id)
		if got.Status != notify.StatusFailed || got.Attempts != 2 || !strings.Contains(got.LastError, "450") {
			t.Fatalf("after the last attempt: %+v", got)
		}
		if js := sendJobs(t, d); js[0].Status != jobs.StatusFailed {
			t.Fatalf("job: %+v", js[0])
		}
	})
}

func TestWithoutSMTPMailStaysQueuedUntilConfigured(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		off, _ := newScheduler(d, notify.NewSMTP(config.SMTP{}))
		id := queue(t, d, chineseMessage(), notify.QueueOptions{})
		runOnce(t, off)
		got := entry(t, d, id)
		if got.Status != notify.StatusQueued || got.LastError != "未配置邮件服务器" || got.Attempts != 0 {
			t.Fatalf("without SMTP: %+v", got)
		}
		if js := sendJobs(t, d); len(js) != 1 || js[0].Status != jobs.StatusDone {
			t.Fatalf("jobs %+v", js)
		}
		// The console finds it among the queued mail, with the reason.
		list, err := notify.ListOutbox(ctx, d.R, notify.Filter{Status: notify.StatusQueued})
		if err != nil || len(list) != 1 || list[0].LastError != "未配置邮件服务器" {
			t.Fatalf("ListOutbox: %+v %v", list, err)
		}
		// Resume does nothing while mail is off.
		runOnce(t, off)
		if js := sendJobs(t, d); len(js) != 1 {
			t.Fatalf("jobs %+v", js)
		}

		// Mail is configured and the instance restarted: the periodic
		// resume job queues the message again, and it goes out.
		srv := smtptest.NewServer(t, smtptest.Options{StartTLS: true, Username: smtpUser, Password: smtpPass})
		on, c := newScheduler(d, mailerFor(srv))
		runOnce(t, on) // registers the periodic job
		c.Add(notify.ResumeInterval)
		runOnce(t, on) // runs it
		runOnce(t, on) // sends (if the previous cycle did not already)
		got = entry(t, d, id)
		if got.Status != notify.StatusSent || got.Attempts != 1 || got.LastError != "" {
			t.Fatalf("after configuring SMTP: %+v", got)
		}
		checkReceived(t, srv, true, smtpUser)

		// Resume leaves messages that have a pending job alone.
		id2 := queue(t, d, chineseMessage(), notify.QueueOptions{SendAt: time.Now().Add(time.Hour)})
		if n, err := notify.Resume(ctx, d); err != nil || n != 0 {
			t.Fatalf("Resume: %d %v", n, err)
		}
		var pending int
		d.R.QueryRow(`SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND kind = $1`, notify.SendJob).Scan(&pending)
		if pending != 1 {
			t.Fatalf("%d pending send jobs after Resume, want 1", pending)
		}
		if got := entry(t, d, id2); !got.SendAfter.After(time.Now().Add(50 * time.Minute)) {
			t.Fatalf("delayed message: %+v", got)
		}
	})
}

func TestQueueDedupeKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOutboxEnv(t, d)
		opts := notify.QueueOptions{DedupeKey: "digest:2026-03-02:staff:17", Purpose: "digest"}
		id := queue(t, d, chineseMessage(), opts)
		if again := queue(t, d, chineseMessage(), opts); again != id {
			t.Fatalf("second Queue gave %d, want %d", again, id)
		}
		if n := len(sendJobs(t, d)); n != 1 {
			t.Fatalf("%d send jobs", n)
		}
		runOnce(t, e.s)
		if again := queue(t, d, chineseMessage(), opts); again != id {
			t.Fatalf("Queue after sending gave %d, want %d", again, id)
		}
		e.clock.Add(time.Minute)
		runOnce(t, e.s)
		if n := len(e.srv.Messages()); n != 1 {
			t.Fatalf("%d messages delivered", n)
		}
		if got := entry(t, d, id); got.DedupeKey != opts.DedupeKey {
			t.Errorf("entry %+v", got)
		}
	})
}

func TestQueueRefusesInvalidMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		bad := chineseMessage()
		bad.To = []string{"zhangsan@example.cn\r\nBcc: everyone@example.cn"}
		err := d.Tx(ctx, func(tx db.Tx) error {
			_, err := notify.Queue(ctx, tx, bad, notify.QueueOptions{})
			return err
		})
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("Queue: %v", err)
		}
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := notify.Queue(ctx, tx, chineseMessage(), notify.QueueOptions{AgencyID: 999})
			return err
		})
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("Queue for a missing agency: %v", err)
		}
		if n := count(t, d, "outbox"); n != 0 {
			t.Errorf("%d rows", n)
		}
	})
}

func TestListOutboxFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var a, b int64
		err := d.Tx(ctx, func(tx db.Tx) error {
			now := db.Now()
			for _, x := range []struct {
				slug string
				id   *int64
			}{{"a", &a}, {"b", &b}} {
				if err := tx.QueryRowContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at)
					VALUES ($1, 'bureau', $1, $2, $2) RETURNING id`, x.slug, now).Scan(x.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		msg := chineseMessage()
		msg.HTML = "<p>您好</p>"
		msg.Headers = map[string]string{"Auto-Submitted": "auto-generated"}
		ids := []int64{
			queue(t, d, msg, notify.QueueOptions{AgencyID: a, Purpose: "reply"}),
			queue(t, d, msg, notify.QueueOptions{AgencyID: b, Purpose: "digest"}),
			queue(t, d, msg, notify.QueueOptions{AgencyID: a, Purpose: "digest"}),
			queue(t, d, msg, notify.QueueOptions{Purpose: "digest"}),
		}
		idsOf := func(f notify.Filter) string {
			t.Helper()
			list, err := notify.ListOutbox(ctx, d.R, f)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, e := range list {
				for i, id := range ids {
					if e.ID == id {
						s = append(s, fmt.Sprint(i))
					}
				}
			}
			return strings.Join(s, ",")
		}
		for _, c := range []struct {
			f    notify.Filter
			want string
		}{
			{notify.Filter{}, "3,2,1,0"},
			{notify.Filter{AgencyID: a}, "2,0"},
			{notify.Filter{AgencyID: a, Purpose: "digest"}, "2"},
			{notify.Filter{Purpose: "digest"}, "3,2,1"},
			{notify.Filter{Status: notify.StatusSent}, ""},
			{notify.Filter{BeforeID: ids[2]}, "1,0"},
			{notify.Filter{Limit: 1}, "3"},
		} {
			if got := idsOf(c.f); got != c.want {
				t.Errorf("%+v: %s, want %s", c.f, got, c.want)
			}
		}
		got := entry(t, d, ids[0])
		if got.AgencyID != a || got.Message.HTML != msg.HTML || got.Message.Headers["Auto-Submitted"] != "auto-generated" ||
			strings.Join(got.Message.To, "|") != strings.Join(msg.To, "|") {
			t.Errorf("entry %+v", got)
		}
		if _, err := notify.Get(ctx, d.R, 12345); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Get missing: %v", err)
		}
	})
}

// The HTML alternative survives the outbox and the SMTP conversation.
func TestOutboxSendsHTMLAlternative(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOutboxEnv(t, d)
		msg := chineseMessage()
		msg.HTML = "<p>张三您好：</p><p>您的申请已受理。</p>"
		queue(t, d, msg, notify.QueueOptions{})
		runOnce(t, e.s)
		m := checkReceived(t, e.srv, true, smtpUser)
		mt, _, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/alternative" {
			t.Errorf("Content-Type %q", m.Header.Get("Content-Type"))
		}
		if _, err := io.ReadAll(strings.NewReader(string(m.Body))); err != nil || len(m.Body) == 0 {
			t.Errorf("body %v", err)
		}
	})
}

// TestWithoutSMTPWarnsOnce: an instance without mail queues a message per
// reply and sign-up; the log says so once, not once per message.
func TestWithoutSMTPWarnsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		c := &clock{t: time.Now().Add(time.Second)}
		s := jobs.New(d, slog.New(slog.DiscardHandler), jobs.Options{KeepFinished: -1, Now: c.Now})
		notify.Register(s, notify.NewSMTP(config.SMTP{}), d, log)
		for i := 0; i < 3; i++ {
			queue(t, d, chineseMessage(), notify.QueueOptions{})
		}
		runOnce(t, s)
		runOnce(t, s)
		if n := count(t, d, "outbox"); n != 3 {
			t.Fatalf("%d messages", n)
		}
		list, err := notify.ListOutbox(context.Background(), d.R, notify.Filter{Status: notify.StatusQueued})
		if err != nil || len(list) != 3 || list[2].LastError != "未配置邮件服务器" {
			t.Fatalf("ListOutbox: %+v %v", list, err)
		}
		if n := strings.Count(logs.String(), "no SMTP server is configured"); n != 1 {
			t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
		}
	})
}
