package search

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/db"
)

// TestSearchPerf is the search benchmark of docs/perf.md. It is skipped
// unless GONGKAI_PERF=1:
//
//	GONGKAI_PERF=1 GONGKAI_PERF_DB=sqlite   go test ./internal/search -run TestSearchPerf -v -timeout 2h
//	GONGKAI_PERF=1 GONGKAI_PERF_DB=postgres GONGKAI_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//	    go test ./internal/search -run TestSearchPerf -v -timeout 2h
//
// It indexes GONGKAI_PERF_N (default 100,000) synthetic documents (a SQLite
// file in a temporary folder, or a new PostgreSQL schema dropped at the
// end), reports the build time, then runs the query mix below
// GONGKAI_PERF_ROUNDS times (default 20) in a shuffled order, one query at a
// time, and reports p50/p95/p99 of Search (top 20 with total, snippets and
// highlighting included) per query class and overall.
//
// GONGKAI_PERF_CLIENTS (default 1) runs that many searches at a time.
// GONGKAI_PERF_REUSE names a SQLite file or PostgreSQL schema to use and
// keep; when it already holds documents, they are searched without building.
func TestSearchPerf(t *testing.T) {
	if os.Getenv("GONGKAI_PERF") != "1" {
		t.Skip("set GONGKAI_PERF=1 to run the search benchmark (see docs/perf.md)")
	}
	n := envInt("GONGKAI_PERF_N", 100_000)
	rounds := envInt("GONGKAI_PERF_ROUNDS", 20)
	d := perfDB(t)
	ctx := context.Background()
	var have int
	if err := d.R.QueryRowContext(ctx, "SELECT count(*) FROM search_docs").Scan(&have); err != nil {
		t.Fatal(err)
	}
	if have > 0 {
		n = have
	} else {
		start := time.Now()
		loadSynthetic(t, d, 1, n)
		build := time.Since(start)
		fmt.Printf("build: %d documents in %v (%.0f documents/s)\n", n, build.Round(time.Second), float64(n)/build.Seconds())
		start = time.Now()
		if err := Optimize(ctx, d); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite {
			fmt.Printf("optimize: %v\n", time.Since(start).Round(time.Second))
		}
		if d.Dialect == db.Postgres {
			// What autovacuum does shortly after a bulk load.
			start = time.Now()
			for _, tbl := range []string{"search_docs", "search_parts"} {
				if _, err := d.W.ExecContext(ctx, "VACUUM ANALYZE "+tbl); err != nil {
					t.Fatal(err)
				}
			}
			fmt.Printf("vacuum analyze: %v\n", time.Since(start).Round(time.Second))
		}
	}
	reportSize(t, d)

	type query struct {
		class string
		r     Request
	}
	var mix []query
	add := func(class string, rs ...Request) {
		for _, r := range rs {
			mix = append(mix, query{class, r})
		}
	}
	q := func(s string) Request { return Request{Query: s} }
	add("2字常见", q("宗教"), q("管理"), q("民族"), q("安全"), q("公开"), q("清真"), q("服务"), q("场所"))
	add("2字少见", q("钦赐"), q("佘山"), q("鸿德"), q("诸圣"), q("沉香"), q("真如"), q("崇福"), q("怀恩"))
	add("4字", q("政务公开"), q("清真食品"), q("少数民族"), q("宗教团体"), q("行政许可"), q("民族团结"),
		q("疫情防控"), q("法律援助"), q("文物保护"), q("一网通办"), q("营商环境"), q("对口支援"))
	add("多词", q("宗教 安全"), q("清真 食品 监督"), q("民族 团结 进步"), q("政务公开 年度报告"),
		q("宗教活动场所 消防"), q("少数民族 就业"))
	add("短语", q(`"宗教活动场所安全管理"`), q(`"互联网宗教信息服务"`), q(`"社会主义核心价值观"`),
		q("沪民宗规〔2024〕3号"), q("2025年"), q(`"宗教 团体"`))
	add("稀有", q("沐恩堂 修缮"), q("钦赐仰殿 扩建"), q("古尔邦节 慰问"), q("佘山圣母大殿"), q("西林禅寺 负责人"), q("不存在的词"))
	add("筛选+查询",
		Request{Query: "宗教", AgencyIDs: []int64{3}},
		Request{Query: "清真", Year: 2024},
		Request{Query: "管理", ColumnID: 2, Kind: "通知"},
		Request{Query: "政务公开", AgencyIDs: []int64{1, 2, 3}},
		Request{Query: "民族", TopicID: 5, FivePublic: "服务"},
		Request{DocNumber: "沪民宗规〔2024〕"},
		Request{Year: 2025, AgencyIDs: []int64{1}})
	add("按日期",
		Request{Query: "宗教", Sort: Date},
		Request{Query: "清真食品", Sort: Date},
		Request{Query: "民族", Year: 2025, Sort: Date},
		Request{Query: "宗教活动场所", Sort: Date},
		Request{Query: "宗教", Sort: Date, Offset: 100})

	// Warm up and show what each query finds.
	fmt.Printf("%-10s %-40s %8s %s\n", "class", "query", "total", "first hit")
	for _, m := range mix {
		res, err := Search(ctx, d, m.r)
		if err != nil {
			t.Fatalf("%+v: %v", m.r, err)
		}
		total := strconv.Itoa(res.Total)
		if res.Estimated {
			total = "≈" + total
		}
		first := ""
		if len(res.Hits) > 0 {
			first = res.Hits[0].Title
		}
		fmt.Printf("%-10s %-40s %8s %s\n", m.class, describe(m.r), total, first)
	}

	rng := mrand.New(mrand.NewPCG(7, 7))
	order := make([]int, 0, rounds*len(mix))
	for range rounds {
		for i := range mix {
			order = append(order, i)
		}
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	// Clients search at the same time, each taking the next query of the
	// shuffled order (default one: latency without queueing).
	clients := envInt("GONGKAI_PERF_CLIENTS", 1)
	byClass := map[string][]time.Duration{}
	perQuery := make([][]time.Duration, len(mix))
	var all []time.Duration
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(order) {
					return
				}
				i := order[k]
				t0 := time.Now()
				if _, err := Search(ctx, d, mix[i].r); err != nil {
					t.Error(err)
					return
				}
				el := time.Since(t0)
				mu.Lock()
				byClass[mix[i].class] = append(byClass[mix[i].class], el)
				perQuery[i] = append(perQuery[i], el)
				all = append(all, el)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\n%s, %d documents, %d searches by %d client(s) in %v = %.0f searches/s (%d CPUs, %s/%s, %s; load average %s)\n",
		d.Dialect, n, len(all), clients, wall.Round(time.Millisecond), float64(len(all))/wall.Seconds(),
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("%-10s %6s %8s %8s %8s %8s\n", "class", "count", "p50", "p95", "p99", "max")
	seen := map[string]bool{}
	for _, m := range mix {
		if seen[m.class] {
			continue
		}
		seen[m.class] = true
		printStats(m.class, byClass[m.class])
	}
	printStats("all", all)
	fmt.Printf("\nslowest queries (p95):\n")
	idx := make([]int, len(mix))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(pct(perQuery[b], 95) - pct(perQuery[a], 95)) })
	for _, i := range idx[:min(8, len(idx))] {
		fmt.Printf("  %-10s %-40s p50 %6.1f ms  p95 %6.1f ms\n", mix[i].class, describe(mix[i].r), ms(pct(perQuery[i], 50)), ms(pct(perQuery[i], 95)))
	}
}

func describe(r Request) string {
	var parts []string
	if r.Query != "" {
		parts = append(parts, r.Query)
	}
	if len(r.AgencyIDs) > 0 {
		parts = append(parts, fmt.Sprintf("agency=%v", r.AgencyIDs))
	}
	if r.Year != 0 {
		parts = append(parts, fmt.Sprintf("year=%d", r.Year))
	}
	if r.ColumnID != 0 {
		parts = append(parts, fmt.Sprintf("column=%d", r.ColumnID))
	}
	if r.TopicID != 0 {
		parts = append(parts, fmt.Sprintf("topic=%d", r.TopicID))
	}
	if r.Kind != "" {
		parts = append(parts, "kind="+r.Kind)
	}
	if r.FivePublic != "" {
		parts = append(parts, "5pub="+r.FivePublic)
	}
	if r.DocNumber != "" {
		parts = append(parts, "文号="+r.DocNumber)
	}
	if r.Sort == Date {
		parts = append(parts, "by date")
	}
	if r.Offset != 0 {
		parts = append(parts, fmt.Sprintf("offset=%d", r.Offset))
	}
	return strings.Join(parts, " ")
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func printStats(name string, ds []time.Duration) {
	fmt.Printf("%-10s %6d %6.1fms %6.1fms %6.1fms %6.1fms\n", name, len(ds),
		ms(pct(ds, 50)), ms(pct(ds, 95)), ms(pct(ds, 99)), ms(slices.Max(ds)))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// perfDB opens the benchmark database: reused (GONGKAI_PERF_REUSE) or new.
func perfDB(t *testing.T) *db.DB {
	ctx := context.Background()
	reuse := os.Getenv("GONGKAI_PERF_REUSE")
	if os.Getenv("GONGKAI_PERF_DB") == "postgres" {
		base := os.Getenv("GONGKAI_TEST_DATABASE_URL")
		if base == "" {
			t.Fatal("GONGKAI_TEST_DATABASE_URL is not set")
		}
		schema := reuse
		if schema == "" {
			var b [4]byte
			rand.Read(b[:])
			schema = "gkperf_" + hex.EncodeToString(b[:])
		}
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE SCHEMA IF NOT EXISTS " + schema); err != nil {
			t.Fatal(err)
		}
		if reuse == "" {
			t.Cleanup(func() {
				a, err := sql.Open("pgx", base)
				if err == nil {
					a.Exec("DROP SCHEMA " + schema + " CASCADE")
					a.Close()
				}
			})
		}
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		qv := u.Query()
		qv.Set("search_path", schema)
		u.RawQuery = qv.Encode()
		d, err := db.Open(ctx, db.Options{URL: u.String()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("postgres schema %s\n", schema)
		return d
	}
	path := reuse
	if path == "" {
		path = filepath.Join(t.TempDir(), db.SQLiteFile)
	}
	d, err := db.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("sqlite file %s\n", path)
	return d
}

func reportSize(t *testing.T, d *db.DB) {
	ctx := context.Background()
	if d.Dialect == db.Postgres {
		var docs, parts, idx string
		err := d.R.QueryRowContext(ctx, `SELECT pg_size_pretty(pg_total_relation_size('search_docs')),
			pg_size_pretty(pg_total_relation_size('search_parts') - pg_relation_size('search_parts_tsv')),
			pg_size_pretty(pg_relation_size('search_parts_tsv'))`).Scan(&docs, &parts, &idx)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("size: search_docs %s, search_parts %s, GIN index %s\n", docs, parts, idx)
		return
	}
	st, err := os.Stat(d.Path)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("size: database file %.0f MB\n", float64(st.Size())/(1<<20))
}
