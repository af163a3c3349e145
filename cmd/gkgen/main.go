// Command gkgen writes a corpus of realistic Chinese information items as
// an import file, for benchmarks and load tests:
//
//	go run ./cmd/gkgen -n 100000 > items.jsonl
//	gongkai import items items.jsonl
//
// Items are search.Synthetic documents (the same generator the search
// benchmark uses), spread over the demo dataset's agencies and columns;
// the same -seed and -n always give the same file.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/search"
)

// Demo agencies: the bureau, its two institutions and two districts.
var (
	districts    = []string{"huangpu-mzb", "pudong-mzb"}
	institutions = []string{"mzzj-yjzx", "mzzj-fwzx"}
	// The unified layout's item columns (法定主动公开内容 and its children).
	columns = []string{"zcwj", "jgzn", "ghjh", "tjxx", "xzxk", "xzcf", "czyjs", "sfxm", "zfcg", "yjgl", "jdjc", "rsxx", "qtxx"}
	topics  = []string{"民族工作", "宗教事务", "清真食品", "少数民族服务", "政务公开", "行政许可", "规范性文件", "安全管理",
		"教育培训", "统计信息", "财政资金", "人事信息"}
	fivePublics = map[string]string{"决策": "decision", "执行": "execution", "管理": "management", "服务": "service", "结果": "result"}
)

func main() {
	n := flag.Int("n", 1000, "number of items")
	seed := flag.Uint64("seed", 1, "corpus seed")
	prefix := flag.String("prefix", "GEN", "index-number prefix (items are numbered PREFIX/YEAR-SEQ)")
	flag.Parse()
	if err := write(os.Stdout, *n, *seed, *prefix, civil.Of(time.Now())); err != nil {
		fmt.Fprintln(os.Stderr, "gkgen:", err)
		os.Exit(1)
	}
}

func write(f *os.File, n int, seed uint64, prefix string, today civil.Date) error {
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := 1; i <= n; i++ {
		if err := enc.Encode(Item(seed, i, prefix, today)); err != nil {
			return err
		}
	}
	return w.Flush()
}

// Item is item i of the corpus as an import row.
func Item(seed uint64, i int, prefix string, today civil.Date) disclosure.ImportRow {
	d := search.Synthetic(seed, i)
	pub := d.PublishedOn
	if pub.After(today) {
		pub = today.AddDays(-int(d.SourceID % 300))
	}
	row := disclosure.ImportRow{
		Line:        i,
		Agency:      agencyOf(d.AgencyID),
		IndexNumber: fmt.Sprintf("%s/%d-%07d", prefix, pub.Year, i),
		Title:       d.Title,
		DocNumber:   d.DocNumber,
		PublishedOn: pub.String(),
		Genre:       d.Kind,
		Topic:       topics[int(d.TopicID-1)%len(topics)],
		Body:        d.Body,
		SourceType:  "self",
	}
	for _, c := range d.ColumnIDs {
		row.Columns = append(row.Columns, columns[int(c-1)%len(columns)])
	}
	row.Columns = dedupe(row.Columns)
	for _, f := range d.FivePublics {
		row.FivePublics = append(row.FivePublics, fivePublics[f])
	}
	return row
}

func agencyOf(id int64) string {
	switch {
	case id == 1:
		return "mzzj"
	case id <= 17:
		return districts[int(id)%len(districts)]
	default:
		return institutions[int(id)%len(institutions)]
	}
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
