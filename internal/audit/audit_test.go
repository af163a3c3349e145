package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// tamper runs sql with the append-only guard switched off, as a database
// administrator could.
func tamper(t *testing.T, d *db.DB, sql string) {
	t.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx db.Tx) error {
		if d.Dialect == db.Postgres {
			if _, err := tx.ExecContext(ctx, "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"); err != nil {
				return err
			}
		} else {
			for _, tr := range []string{"audit_entries_no_update", "audit_entries_no_delete"} {
				if _, err := tx.ExecContext(ctx, "DROP TRIGGER "+tr); err != nil {
					return err
				}
			}
		}
		_, err := tx.ExecContext(ctx, sql)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func record(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := d.Tx(ctx, func(tx db.Tx) error {
			return audit.Record(ctx, tx, audit.Actor{UserID: 0, Name: "张三", Roles: []string{"editor"}, IP: "127.0.0.1"},
				audit.Event{AgencyID: 0, Action: "test.do", ObjectType: "thing", ObjectID: fmt.Sprint(i), Summary: fmt.Sprintf("第 %d 次", i)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestChain(t *testing.T) {
	cases := []struct {
		name   string
		tamper string
		want   string
	}{
		{"intact", "", ""},
		{"edited summary", "UPDATE audit_entries SET summary = '改过' WHERE seq = 3", "edited"},
		{"edited actor", "UPDATE audit_entries SET actor = '李四' WHERE seq = 1", "edited"},
		{"deleted middle", "DELETE FROM audit_entries WHERE seq = 2", "missing"},
		{"deleted last", "DELETE FROM audit_entries WHERE seq = 5", "deleted from the end"},
		{"rehashed edit", "UPDATE audit_entries SET summary = 'x', hash = 'abc' WHERE seq = 4", "link"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				record(t, d, 5)
				if tc.tamper != "" {
					tamper(t, d, tc.tamper)
				}
				rep, err := audit.Verify(context.Background(), d.R)
				if err != nil {
					t.Fatal(err)
				}
				if tc.want == "" {
					if !rep.OK() || rep.Checked != 5 {
						t.Fatalf("intact chain reported %+v", rep)
					}
					return
				}
				if rep.OK() {
					t.Fatalf("tampering not detected: %+v", rep)
				}
				var msgs []string
				for _, p := range rep.Problems {
					msgs = append(msgs, p.Message)
				}
				if !strings.Contains(strings.Join(msgs, "; "), tc.want) {
					t.Fatalf("problems %v, want one mentioning %q", msgs, tc.want)
				}
			})
		})
	}
}

func TestRolledBackChangeLeavesNoEntry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.Tx(ctx, func(tx db.Tx) error {
			if err := audit.Record(ctx, tx, audit.System, audit.Event{Action: "x.y"}); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		if err == nil {
			t.Fatal("want error")
		}
		_, total, err := audit.Search(ctx, d.R, audit.Filter{AgencyID: audit.AllAgencies})
		if err != nil || total != 0 {
			t.Fatalf("total %d err %v", total, err)
		}
		record(t, d, 1)
		rep, _ := audit.Verify(ctx, d.R)
		if !rep.OK() {
			t.Fatalf("%+v", rep)
		}
	})
}

func TestConcurrentAppendsKeepTheChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 10 {
					err := d.Tx(ctx, func(tx db.Tx) error {
						return audit.Record(ctx, tx, audit.System, audit.Event{Action: "load.test", ObjectID: fmt.Sprintf("%d-%d", w, i)})
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		rep, err := audit.Verify(ctx, d.R)
		if err != nil || !rep.OK() || rep.Checked != 80 {
			t.Fatalf("%+v %v", rep, err)
		}
	})
}

func TestSearchScopesByAgency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := db.Now()
		var a, b int64
		d.Tx(ctx, func(tx db.Tx) error {
			tx.QueryRowContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at) VALUES ('a', 'bureau', 'A', $1, $1) RETURNING id`, now).Scan(&a)
			tx.QueryRowContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at) VALUES ('b', 'bureau', 'B', $1, $1) RETURNING id`, now).Scan(&b)
			return nil
		})
		for _, ag := range []int64{a, a, b, 0} {
			err := d.Tx(ctx, func(tx db.Tx) error {
				return audit.Record(ctx, tx, audit.Actor{Name: "王五"}, audit.Event{AgencyID: ag, Action: "staff.update", Summary: "修改 50%_折扣"})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			f    audit.Filter
			want int
		}{
			{audit.Filter{AgencyID: a}, 2},
			{audit.Filter{AgencyID: b}, 1},
			{audit.Filter{AgencyID: 0}, 1},
			{audit.Filter{AgencyID: audit.AllAgencies}, 4},
			{audit.Filter{AgencyID: a, Action: "staff."}, 2},
			{audit.Filter{AgencyID: a, Action: "agency."}, 0},
			{audit.Filter{AgencyID: audit.AllAgencies, Text: "50%_"}, 4},
			{audit.Filter{AgencyID: audit.AllAgencies, Text: "%'; DROP TABLE audit_entries; --"}, 0},
			{audit.Filter{AgencyID: audit.AllAgencies, From: now.Add(time.Hour)}, 0},
		} {
			got, total, err := audit.Search(ctx, d.R, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.want || len(got) != tc.want {
				t.Errorf("%+v: got %d/%d, want %d", tc.f, len(got), total, tc.want)
			}
			for _, e := range got {
				if tc.f.AgencyID > 0 && e.AgencyID != tc.f.AgencyID {
					t.Errorf("entry of agency %d leaked into agency %d's search", e.AgencyID, tc.f.AgencyID)
				}
			}
		}
	})
}

func TestPruneKeepsChainVerifiable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		record(t, d, 4)
		// Age the first three entries beyond the retention period.
		old := db.Now().Add(-400 * 24 * time.Hour)
		tamper(t, d, fmt.Sprintf("UPDATE audit_entries SET at = '%s' WHERE seq <= 3", old.Format("2006-01-02 15:04:05.999999-07:00")))
		// Re-hashing is not possible for the aged entries, but they are about to
		// be pruned; the remaining chain must verify.
		if _, err := audit.Prune(ctx, d, 100*24*time.Hour, 180*24*time.Hour); err == nil {
			t.Fatal("retention below 180 days accepted")
		}
		n, err := audit.Prune(ctx, d, 365*24*time.Hour, 180*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("pruned %d, want 3", n)
		}
		rep, err := audit.Verify(ctx, d.R)
		if err != nil || !rep.OK() {
			t.Fatalf("%+v %v", rep, err)
		}
		if rep.FirstSeq != 4 || rep.Checked != 2 { // entry 4 and the prune record
			t.Fatalf("%+v", rep)
		}
	})
}
