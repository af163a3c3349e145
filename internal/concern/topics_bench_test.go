package concern_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/hottopic"
)

// BenchmarkComputeTopics100k is the whole hourly computation for an agency
// with 100,000 messages in its window: reading them, clustering, storing
// the clusters, members and rising terms (docs/perf.md). SQLite; set
// GONGKAI_BENCH_POSTGRES=1 with GONGKAI_TEST_DATABASE_URL for PostgreSQL.
func BenchmarkComputeTopics100k(b *testing.B) {
	var d *db.DB
	if os.Getenv("GONGKAI_BENCH_POSTGRES") == "1" {
		d = dbtest.Postgres(b)
	} else {
		d = dbtest.SQLite(b)
	}
	f := setup(b, d)
	ctx := context.Background()
	docs, err := hottopic.Synthetic(100_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	// The messages end on the fixture's today.
	today := f.clock.t
	last := docs[0].Day
	for _, doc := range docs {
		if doc.Day.After(last) {
			last = doc.Day
		}
	}
	shift := last.DaysUntil(civil.Of(today))
	const batch = 500
	for i := 0; i < len(docs); i += batch {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO concerns (agency_id, number, code_hash, channel, state, subject, body, received_at, received_on, created_at, updated_at) VALUES `)
		var args []any
		for k, doc := range docs[i:min(i+batch, len(docs))] {
			if k > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, 'x', 'board', 'replied', $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+5, n+5)
			day := doc.Day.AddDays(shift)
			subject, _, _ := strings.Cut(doc.Text, "，")
			args = append(args, f.a.ID, fmt.Sprintf("B%06d", i+k), subject, doc.Text, day.StartUTC().Add(10*time.Hour), day)
		}
		if _, err := d.W.ExecContext(ctx, sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		run, err := f.svc.ComputeTopics(ctx, f.a.ID)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(run.Clusters), "clusters")
		b.ReportMetric(float64(run.Messages), "messages")
	}
}
