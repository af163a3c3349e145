package app_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// BenchmarkPubStats5k: an agency with 5,000 published items — the
// open-data catalogue as CSV and JSON (rendered on every request, and
// from the page cache), and the statistics page and JSON of the year
// (docs/perf.md). SQLite; GONGKAI_BENCH_POSTGRES=1 with
// GONGKAI_TEST_DATABASE_URL for PostgreSQL.
func BenchmarkPubStats5k(b *testing.B) {
	dialect := db.SQLite
	if os.Getenv("GONGKAI_BENCH_POSTGRES") == "1" {
		dialect = db.Postgres
	}
	e := apptest.New(b, dialect)
	const n, slug = 5000, "bench-bureau"
	op := auth.Operator("bench")
	if _, err := e.App.Agencies.Create(b.Context(), op, agency.NewAgency{Slug: slug, Kind: agency.Bureau, Name: "基准测试局"}, agency.Settings{}); err != nil {
		b.Fatal(err)
	}
	cols := []string{"zcwj", "qtxx", "ghjh", "tjxx", "jdjc"}
	rows := make([]disclosure.ImportRow, n)
	start := civil.MustParse("2025-01-01")
	for i := range rows {
		on := start.AddDays(i * 365 / n).String()
		rows[i] = disclosure.ImportRow{Line: i + 1, Agency: slug, IndexNumber: fmt.Sprintf("BENCH/2025-%05d", i+1),
			Title: fmt.Sprintf("关于做好第%d项民族宗教工作的通知", i+1), Publisher: "基准测试局办公室", DocNumber: fmt.Sprintf("基测发〔2025〕%d号", i+1),
			SignedOn: on, PublishedOn: on, Genre: "通知", FivePublics: []string{"execution", "result"},
			Columns: []string{cols[i%len(cols)]}, Body: "为进一步做好有关工作，现将有关事项通知如下。"}
	}
	if rep, err := e.App.Disclosure.Import(b.Context(), op, rows, slug, b.TempDir()); err != nil || rep.Created != n {
		b.Fatalf("import %+v %v", rep, err)
	}
	c := e.Client()
	base := "/o/" + slug
	for _, tc := range []struct {
		name, path string
		fresh      bool // a new query string each time: rendered, not from the cache
		min        int
	}{
		{"catalogue.csv rendered", base + "/open-data/catalogue.csv", true, n * 100},
		{"catalogue.json rendered", base + "/open-data/catalogue.json", true, n * 200},
		{"catalogue.csv cached", base + "/open-data/catalogue.csv", false, n * 100},
		{"statistics page 2025", base + "/statistics?year=2025", true, 10_000},
		{"statistics.json 2025", base + "/statistics.json?year=2025", true, 2_000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				path := tc.path
				if tc.fresh {
					i++
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					path += sep + "n=" + strconv.Itoa(i)
				}
				r := c.Get(path)
				if r.StatusCode != http.StatusOK || len(r.Body) < tc.min {
					b.Fatalf("%s: %d, %d bytes", path, r.StatusCode, len(r.Body))
				}
				b.SetBytes(int64(len(r.Body)))
			}
		})
	}
}
