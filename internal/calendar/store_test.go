package calendar_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// clock is a settable time source for the service's cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func version(t *testing.T, d *db.DB) string {
	t.Helper()
	var v string
	if err := d.R.QueryRowContext(context.Background(), `SELECT value FROM platform_settings WHERE key = 'calendar_version'`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func seeded(t *testing.T, d *db.DB, opts ...calendar.Option) *calendar.Service {
	t.Helper()
	s := calendar.NewService(d, opts...)
	years, err := s.Seed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(years, []int{2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027}) {
		t.Fatalf("seeded %v", years)
	}
	return s
}

func TestStoreSeed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if v := version(t, d); v != "0" {
			t.Fatalf("initial version %s", v)
		}
		s := seeded(t, d)
		if version(t, d) == "0" {
			t.Error("seeding did not bump the version")
		}
		c, err := s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(c.Arrangements(), calendar.Embedded().Arrangements(), func(a, b calendar.Arrangement) bool {
			return a.Year == b.Year && a.Source == b.Source && slices.Equal(a.Days, b.Days)
		}) {
			t.Error("stored calendar differs from the embedded one")
		}
		if due, _ := c.AddWorkingDays(d0("2025-01-23"), 20); due != d0("2025-02-26") {
			t.Errorf("§8.4 vector on the stored calendar: %s", due)
		}
		years, err := calendar.ListYears(ctx, d.R)
		if err != nil {
			t.Fatal(err)
		}
		if len(years) != 8 || years[3].Year != 2023 || years[3].Origin != calendar.OriginEmbedded || years[3].Days != 34 || years[3].UpdatedAt.IsZero() {
			t.Errorf("ListYears: %+v", years)
		}
		if y := years[len(years)-1]; y.Year != 2027 || y.Origin != calendar.OriginEmbedded || y.Days != 34 || !strings.Contains(y.Source, "6tail/lunar-go") {
			t.Errorf("ListYears 2027: %+v", y)
		}

		// Seeding again changes nothing.
		v := version(t, d)
		again, err := calendar.NewService(d).Seed(ctx)
		if err != nil || len(again) != 0 || version(t, d) != v {
			t.Errorf("second seed: %v %v, version %s → %s", again, err, v, version(t, d))
		}

		// A year seeded by an older release (origin embedded, different data)
		// is brought up to date; an admin-edited year is never touched.
		if _, err := d.W.ExecContext(ctx, `DELETE FROM calendar_days WHERE day = $1`, d0("2021-10-07")); err != nil {
			t.Fatal(err)
		}
		edited := []calendar.Day{{Date: d0("2024-01-01"), Kind: calendar.Off, Name: "元旦"}}
		if err := d.Tx(ctx, func(tx db.Tx) error {
			_, err := s.SetYear(ctx, tx, 2024, edited, "测试", "admin1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		again, err = calendar.NewService(d).Seed(ctx)
		if err != nil || !slices.Equal(again, []int{2021}) {
			t.Fatalf("seed after changes: %v %v", again, err)
		}
		c, err = calendar.Load(ctx, d.R)
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := c.Arrangement(2024); !slices.Equal(a.Days, edited) || a.Source != "测试" {
			t.Errorf("seed overwrote the edited year 2024: %+v", a)
		}
		if c.IsWorkingDay(d0("2021-10-07")) {
			t.Error("seed did not restore 2021-10-07")
		}
	})
}

// A database seeded by a release that shipped only 2020–2026 gets 2027 from
// this one: an open deadline that ran into 2027 on the Monday–Friday
// presumption is recomputed and stops being provisional. A 2027 that an
// administrator entered before the upgrade is kept.
func TestStoreSeedNewlyShippedYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		seeded(t, d)
		dropYear := func() {
			t.Helper()
			for _, q := range []string{`DELETE FROM calendar_days WHERE year = $1`, `DELETE FROM calendar_years WHERE year = $1`} {
				if _, err := d.W.ExecContext(ctx, q, 2027); err != nil {
					t.Fatal(err)
				}
			}
		}
		dropYear()

		s := calendar.NewService(d)
		var calls [][]calendar.Change
		s.OnChange("fake", func(_ context.Context, _ db.Tx, changed []calendar.Change) error {
			calls = append(calls, changed)
			return nil
		})
		// Without 2027: 2026-12-30 is a Wednesday; 12-31 (Thu), 2027-01-01
		// (Fri), 01-04 (Mon) … 01-06 (Wed) are the 5 WD.
		var r calendar.Result
		err := d.Tx(ctx, func(tx db.Tx) error {
			var err error
			r, err = s.Track(ctx, tx, calendar.TrackedDeadline{Owner: "fake", OwnerID: "P", Kind: "reply", Start: d0("2026-12-30"), WorkingDays: 5})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.Due != d0("2027-01-06") || !slices.Equal(r.Uncovered, []int{2027}) {
			t.Fatalf("before the upgrade: %+v", r)
		}

		years, err := s.Seed(ctx)
		if err != nil || !slices.Equal(years, []int{2027}) {
			t.Fatalf("upgrade seed: %v %v", years, err)
		}
		// With 2027 元旦 (01-01 … 01-03) off: 12-31, 01-04 … 01-07.
		if len(calls) != 1 || len(calls[0]) != 1 {
			t.Fatalf("listener calls %+v", calls)
		}
		if ch := calls[0][0]; ch.OwnerID != "P" || ch.OldDue != d0("2027-01-06") || ch.NewDue != d0("2027-01-07") ||
			!ch.OldProvisional || ch.Provisional {
			t.Errorf("change %+v", ch)
		}
		if got, err := calendar.GetDeadline(ctx, d.R, "fake", "P", "reply"); err != nil || got.Due != d0("2027-01-07") || got.Provisional {
			t.Errorf("stored P: %+v %v", got, err)
		}

		// An administrator entered 2027 before the upgrade: seeding keeps it.
		dropYear()
		admin := []calendar.Day{{Date: d0("2027-01-01"), Kind: calendar.Off, Name: "元旦"}}
		if err := d.Tx(ctx, func(tx db.Tx) error {
			_, err := s.SetYear(ctx, tx, 2027, admin, "国办发明电〔2026〕X号", "admin1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if years, err := calendar.NewService(d).Seed(ctx); err != nil || len(years) != 0 {
			t.Errorf("seed over the administrator's 2027: %v %v", years, err)
		}
		c, err := calendar.Load(ctx, d.R)
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := c.Arrangement(2027); !slices.Equal(a.Days, admin) || a.Source != "国办发明电〔2026〕X号" {
			t.Errorf("seed overwrote the administrator's 2027: %+v", a)
		}
	})
}

func TestStoreSetYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := &clock{now: time.Date(2027, 11, 1, 9, 0, 0, 0, time.UTC)}
		s := seeded(t, d, calendar.WithClock(clk.Now))
		c, err := s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Covers(2028) {
			t.Fatal("2028 covered before it was entered")
		}

		// An administrator enters the 2028 notice from a pasted table
		// (2028-01-03 is a Monday, 01-25 a Tuesday, 01-29 and 02-05 Saturdays).
		days, err := calendar.ParseArrangement("2028-01-03,休,元旦\n2028-01-25~2028-01-31,休,春节\n2028-01-29,班,春节")
		if err == nil {
			t.Fatal("overlap of 01-29 not reported")
		}
		days, err = calendar.ParseArrangement("2028-01-03,休,元旦\n2028-01-25~2028-01-31,休,春节\n2028-02-05,班,春节")
		if err != nil {
			t.Fatal(err)
		}
		before := version(t, d)
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := s.SetYear(ctx, tx, 2028, days, " 国办发明电〔2027〕1号 ", "admin1")
			return err
		})
		if err != nil {
			t.Fatalf("%v %v", err, apperr.FieldsOf(err))
		}
		if version(t, d) == before {
			t.Error("SetYear did not bump the version")
		}
		// The service sees its own change at once, without waiting.
		c, err = s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 01-27 is a Thursday inside the block, 02-05 the make-up Saturday.
		if !c.Covers(2028) || c.IsWorkingDay(d0("2028-01-27")) || !c.IsWorkingDay(d0("2028-02-05")) {
			t.Error("SetYear not visible")
		}
		if a, _ := c.Arrangement(2028); a.Source != "国办发明电〔2027〕1号" || len(a.Days) != 9 {
			t.Errorf("stored 2028: %+v", a)
		}

		// Replacing drops days no longer listed.
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := s.SetYear(ctx, tx, 2028, days[:1], "更正", "admin2")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c, _ = s.Calendar(ctx)
		if !c.IsWorkingDay(d0("2028-01-27")) || c.IsWorkingDay(d0("2028-02-05")) || c.IsWorkingDay(d0("2028-01-03")) {
			t.Error("replaced days still in effect")
		}

		// Validation: rule errors, and a day that another year's notice lists.
		for _, tc := range []struct {
			year int
			days []calendar.Day
			want string
		}{
			{2028, []calendar.Day{{Date: d0("2028-01-04"), Kind: calendar.MakeUp, Name: "元旦"}}, "2028-01-04 是星期二，调休上班日须为周六或周日"},
			{2022, []calendar.Day{{Date: d0("2022-12-31"), Kind: calendar.Off, Name: "元旦"}}, "2022-12-31 已列入 2023 年的放假安排"},
		} {
			v := version(t, d)
			err := d.Tx(ctx, func(tx db.Tx) error {
				_, err := s.SetYear(ctx, tx, tc.year, tc.days, "", "admin1")
				return err
			})
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.FieldsOf(err)["days"], tc.want) {
				t.Errorf("SetYear(%d): %v %v, want %q", tc.year, err, apperr.FieldsOf(err), tc.want)
			}
			if version(t, d) != v {
				t.Error("failed SetYear bumped the version")
			}
		}
	})
}

func TestStoreCacheAcrossInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := &clock{now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
		a := seeded(t, d, calendar.WithClock(clk.Now), calendar.WithCheckInterval(5*time.Second))
		b := calendar.NewService(d)
		clk.Advance(6 * time.Second) // past the forced checks that follow a's own seeding
		ca, err := a.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Instance b changes 2026; a keeps its cached copy until the interval
		// has passed, then reloads.
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := b.SetYear(ctx, tx, 2026, []calendar.Day{{Date: d0("2026-01-01"), Kind: calendar.Off, Name: "元旦"}}, "", "admin")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := a.Calendar(ctx); c != ca {
			t.Error("instance a reloaded before the check interval")
		}
		clk.Advance(6 * time.Second)
		c, err := a.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c == ca || !c.IsWorkingDay(d0("2026-02-16")) {
			t.Error("instance a did not pick up the change")
		}
		// Without a change the check keeps the same calendar.
		clk.Advance(6 * time.Second)
		if again, _ := a.Calendar(ctx); again != c {
			t.Error("reloaded without a version change")
		}
	})
}

func TestTracker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)

		// The fake capability keeps its own due-date column, updated by its
		// listener in the same transaction.
		if _, err := d.W.ExecContext(ctx, `CREATE TABLE fake_requests (id TEXT PRIMARY KEY, due TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		var calls [][]calendar.Change
		s.OnChange("fake", func(ctx context.Context, tx db.Tx, changed []calendar.Change) error {
			calls = append(calls, changed)
			for _, c := range changed {
				if _, err := tx.ExecContext(ctx, `UPDATE fake_requests SET due = $2 WHERE id = $1`, c.OwnerID, c.NewDue.String()); err != nil {
					return err
				}
			}
			return nil
		})
		track := func(id, kind, start string, n int, pauses ...calendar.Interval) calendar.Result {
			t.Helper()
			var r calendar.Result
			err := d.Tx(ctx, func(tx db.Tx) error {
				var err error
				r, err = s.Track(ctx, tx, calendar.TrackedDeadline{Owner: "fake", OwnerID: id, Kind: kind, Start: d0(start), WorkingDays: n, Pauses: pauses})
				if err != nil {
					return err
				}
				_, err = tx.ExecContext(ctx, `INSERT INTO fake_requests (id, due) VALUES ($1, $2)
					ON CONFLICT (id) DO UPDATE SET due = excluded.due`, id, r.Due.String())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		fakeDue := func(id string) string {
			t.Helper()
			var due string
			if err := d.R.QueryRowContext(ctx, `SELECT due FROM fake_requests WHERE id = $1`, id).Scan(&due); err != nil {
				t.Fatal(err)
			}
			return due
		}

		if r := track("A", "reply", "2025-01-23", 20); r.Due != d0("2025-02-26") || r.Provisional() {
			t.Fatalf("track A: %+v", r)
		}
		pause := calendar.Interval{From: d0("2025-02-10"), To: d0("2025-02-14"), Note: "征求第三方意见"}
		if r := track("B", "reply", "2025-01-23", 20, pause); r.Due != d0("2025-03-05") {
			t.Fatalf("track B: %+v", r)
		}
		if r := track("C", "reply", "2024-03-01", 20); r.Due != d0("2024-03-29") {
			t.Fatalf("track C: %+v", r)
		}
		// 2027-12-15 is a Wednesday: 12-16 … 12-31 hold 12 WD, and with 2028
		// presumed Monday–Friday, 2028-01-03 … 01-07 and 01-10 … 01-12 the
		// other 8.
		if r := track("D", "reply", "2027-12-15", 20); !r.Provisional() || r.Due != d0("2028-01-12") {
			t.Fatalf("track D: %+v", r)
		}
		track("E", "reply", "2025-01-23", 20)
		if err := d.Tx(ctx, func(tx db.Tx) error { return s.Close(ctx, tx, "fake", "E", "reply") }); err != nil {
			t.Fatal(err)
		}
		// Track is an upsert: re-tracking A with the same inputs keeps one row.
		track("A", "reply", "2025-01-23", 20)
		got, err := calendar.GetDeadline(ctx, d.R, "fake", "B", "reply")
		if err != nil {
			t.Fatal(err)
		}
		if !got.Open || got.Due != d0("2025-03-05") || got.WorkingDays != 20 || len(got.Pauses) != 1 || got.Pauses[0] != pause {
			t.Errorf("GetDeadline B: %+v", got)
		}

		// 2025 changes: 2025-02-10 becomes a day off. A and B (open, span
		// touching 2025) are recomputed; C (2024) and E (closed) are not.
		c, _ := s.Calendar(ctx)
		a25, _ := c.Arrangement(2025)
		days := append(a25.Days, calendar.Day{Date: d0("2025-02-10"), Kind: calendar.Off, Name: "测试"})
		var changes []calendar.Change
		err = d.Tx(ctx, func(tx db.Tx) error {
			changes, err = s.SetYear(ctx, tx, 2025, days, a25.Source, "admin1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || len(calls) != 1 || len(calls[0]) != 1 {
			t.Fatalf("changes %+v, listener calls %+v", changes, calls)
		}
		byID := map[string]calendar.Change{}
		for _, ch := range changes {
			byID[ch.OwnerID] = ch
		}
		if ch := byID["A"]; ch.OldDue != d0("2025-02-26") || ch.NewDue != d0("2025-02-27") || ch.Kind != "reply" {
			t.Errorf("change A: %+v", ch)
		}
		// B's pause covers 2025-02-10 already: the day was not counted before
		// either, so B does not move.
		if _, moved := byID["B"]; moved {
			t.Errorf("B moved: %+v", byID["B"])
		}
		if fakeDue("A") != "2025-02-27" || fakeDue("C") != "2024-03-29" || fakeDue("E") != "2025-02-26" {
			t.Errorf("fake dues: A %s C %s E %s", fakeDue("A"), fakeDue("C"), fakeDue("E"))
		}
		for id, want := range map[string]string{"A": "2025-02-27", "B": "2025-03-05", "C": "2024-03-29", "E": "2025-02-26"} {
			got, err := calendar.GetDeadline(ctx, d.R, "fake", id, "reply")
			if err != nil || got.Due != d0(want) {
				t.Errorf("stored %s: %s %v, want %s", id, got.Due, err, want)
			}
		}

		// The 2028 notice arrives: D stops being provisional, and as 2028-01-03
		// (Monday) is now a day off, its due date moves one WD, to Thursday.
		calls = nil
		err = d.Tx(ctx, func(tx db.Tx) error {
			changes, err = s.SetYear(ctx, tx, 2028, []calendar.Day{{Date: d0("2028-01-03"), Kind: calendar.Off, Name: "元旦"}}, "", "admin1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].OwnerID != "D" || !changes[0].OldProvisional || changes[0].Provisional ||
			changes[0].OldDue != d0("2028-01-12") || changes[0].NewDue != d0("2028-01-13") || len(calls) != 1 {
			t.Errorf("2028 changes %+v, calls %d", changes, len(calls))
		}

		// A listener error aborts the whole change.
		s.OnChange("fake", func(context.Context, db.Tx, []calendar.Change) error { return errors.New("boom") })
		v := version(t, d)
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := s.SetYear(ctx, tx, 2025, a25.Days, a25.Source, "admin1")
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("listener error not returned: %v", err)
		}
		if version(t, d) != v || fakeDue("A") != "2025-02-27" {
			t.Error("failed SetYear was not rolled back")
		}
		if got, _ := calendar.GetDeadline(ctx, d.R, "fake", "A", "reply"); got.Due != d0("2025-02-27") {
			t.Errorf("A after rollback: %s", got.Due)
		}

		// Closing.
		err = d.Tx(ctx, func(tx db.Tx) error { return s.Close(ctx, tx, "fake", "nope", "reply") })
		if !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Close of unknown deadline: %v", err)
		}
		track("A", "correction_notice", "2025-01-23", 7)
		var closed int
		err = d.Tx(ctx, func(tx db.Tx) error {
			closed, err = s.CloseAll(ctx, tx, "fake", "A")
			return err
		})
		if err != nil || closed != 2 {
			t.Errorf("CloseAll: %d %v", closed, err)
		}
		list, err := calendar.ListDeadlines(ctx, d.R, "fake", "A")
		if err != nil || len(list) != 2 || list[0].Kind != "correction_notice" || list[0].Open || list[1].Open {
			t.Errorf("ListDeadlines: %+v %v", list, err)
		}
		if _, err := calendar.GetDeadline(ctx, d.R, "fake", "A", "nope"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetDeadline unknown: %v", err)
		}

		// Invalid input.
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := s.Track(ctx, tx, calendar.TrackedDeadline{Owner: "fake", OwnerID: "X", Kind: "reply", Start: d0("2025-01-01"), WorkingDays: -1})
			return err
		})
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Track with n = -1: %v", err)
		}
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := s.Track(ctx, tx, calendar.TrackedDeadline{OwnerID: "X", Kind: "reply", Start: d0("2025-01-01"), WorkingDays: 1})
			return err
		})
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Track without owner: %v", err)
		}
	})
}

func d0(s string) civil.Date { return civil.MustParse(s) }

// Several instances starting at once seed each year exactly once.
func TestStoreSeedConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total []int
			errs  []error
		)
		for range 4 {
			wg.Go(func() {
				years, err := calendar.NewService(d).Seed(ctx)
				mu.Lock()
				defer mu.Unlock()
				total = append(total, years...)
				if err != nil {
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		slices.Sort(total)
		if !slices.Equal(total, []int{2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027}) {
			t.Errorf("years written %v", total)
		}
	})
}
