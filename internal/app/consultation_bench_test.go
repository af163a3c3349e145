package app_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/hottopic"
)

// BenchmarkConsultation10k: a consultation with 10,000 comments — the
// staff list (first page and a filtered page) and the XLSX export, each
// as the browser asks for it (issue 6: ≤ 2 s each; docs/perf.md). SQLite;
// GONGKAI_BENCH_POSTGRES=1 with GONGKAI_TEST_DATABASE_URL for PostgreSQL.
func BenchmarkConsultation10k(b *testing.B) {
	dialect := db.SQLite
	if os.Getenv("GONGKAI_BENCH_POSTGRES") == "1" {
		dialect = db.Postgres
	}
	e := apptest.New(b, dialect)
	var id int64
	e.App.DB.R.QueryRow(`SELECT id FROM consultations WHERE state = 'open' ORDER BY id LIMIT 1`).Scan(&id)
	var clauses []int64
	rows, err := e.App.DB.R.Query(`SELECT id FROM consultation_clauses WHERE consultation_id = $1 ORDER BY seq`, id)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var c int64
		rows.Scan(&c)
		clauses = append(clauses, c)
	}
	rows.Close()
	docs, err := hottopic.Synthetic(10_000, 5)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	for i := 0; i < len(docs); i += batch {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO comments (consultation_id, clause_id, body, name, phone, email, consent_publish, moderation, fingerprint, created_at) VALUES `)
		var args []any
		for k, d := range docs[i:min(i+batch, len(docs))] {
			if k > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			var clause any
			if j := (i + k) % (len(clauses) + 1); j < len(clauses) {
				clause = clauses[j]
			}
			args = append(args, id, clause, d.Text, "市民"+strconv.Itoa(i+k), fmt.Sprintf("139%08d", i+k), "", (i+k)%3 == 0,
				[]string{"pending", "approved", "rejected"}[(i+k)%3], consultation.Fingerprint(d.Text), time.Now().UTC())
		}
		if _, err := e.App.DB.W.Exec(sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.App.Consultations.Analyze(b.Context(), id); err != nil {
		b.Fatal(err)
	}
	e.AddUser("mzzj", "bench.handler", auth.Handler)
	c := e.Client()
	c.Login("bench.handler")
	base := "/console/consultations/" + strconv.FormatInt(id, 10)
	for _, tc := range []struct{ name, path string }{
		{"staff list", base + "/comments"},
		{"staff list, last page", base + "/comments?page=200"},
		{"staff list, unanswered on article 3", base + "/comments?clause=3&answered=no"},
		{"export XLSX", base + "/export.xlsx"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				r := c.Get(tc.path)
				if r.StatusCode != http.StatusOK || len(r.Body) < 1000 {
					b.Fatalf("%s: %d", tc.path, r.StatusCode)
				}
			}
		})
	}
}
