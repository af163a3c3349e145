package hottopic

import (
	"bufio"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"strings"
	"unicode"

	"github.com/gongkai/gongkai/internal/civil"
)

// The labelled messages: written by hand for a city ethnic and religious
// affairs bureau, each with the topic it is about ("" for a message about
// nothing else in the set). labelled-dev.jsonl chose the defaults;
// labelled-test.jsonl, about other topics, measures them (docs/perf.md).
// The demo data uses them too, so that the dashboard has something to find.
//
//go:embed testdata/labelled-*.jsonl
var labelledFS embed.FS

// Labelled is one labelled message.
type Labelled struct {
	ID      string     `json:"id"`
	Day     civil.Date `json:"date"`
	Channel string     `json:"channel"` // mailbox, board, hotline, new_media, phone_visit, site_error or application
	Topic   string     `json:"topic"`
	Text    string     `json:"text"`
}

// Subject is the text before the first line break or full-width colon
// (the message's title), at most 40 characters; Body is the rest.
func (l Labelled) Subject() (subject, body string) {
	t := l.Text
	if i := strings.IndexAny(t, "\n："); i > 0 && len([]rune(t[:i])) <= 40 {
		_, size := firstRune(t[i:])
		return strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+size:])
	}
	r := []rune(t)
	if len(r) <= 20 {
		return t, t
	}
	return string(r[:20]) + "…", t
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		if i == 0 {
			n := len(string(r))
			return r, n
		}
	}
	return 0, 0
}

// LabelledSet returns the messages of one labelled file: "dev" or "test".
func LabelledSet(name string) ([]Labelled, error) {
	b, err := fs.ReadFile(labelledFS, path.Join("testdata", "labelled-"+name+".jsonl"))
	if err != nil {
		return nil, err
	}
	var out []Labelled
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var l Labelled
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			return nil, fmt.Errorf("labelled-%s.jsonl line %d: %w", name, n, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// Synthetic makes n messages for the benchmark from the labelled ones:
// each is two to four clauses of messages about one topic (or, one in
// five, of unrelated messages), carrying one of a few thousand case
// markers (a shop, a venue, an order — thirty messages each on average), spread
// over 180 days. The vocabulary is the labelled sets', so the common
// terms are far more common than in real mail: a hard case for the
// inverted index.
func Synthetic(n int, seed uint64) ([]Doc, error) {
	var all []Labelled
	for _, name := range []string{"dev", "test"} {
		set, err := LabelledSet(name)
		if err != nil {
			return nil, err
		}
		all = append(all, set...)
	}
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("，。！？；\n：,.!?;", r) || unicode.IsSpace(r) })
	}
	byTopic := map[string][][]string{}
	var topics []string
	for _, l := range all {
		if _, ok := byTopic[l.Topic]; !ok && l.Topic != "" {
			topics = append(topics, l.Topic)
		}
		byTopic[l.Topic] = append(byTopic[l.Topic], split(l.Text))
	}
	rng := rand.New(rand.NewPCG(seed, 1)) // #nosec G404 -- reproducible synthetic demo/test data from a seed, no secret
	start := epoch.AddDays(9600)
	docs := make([]Doc, n)
	markers := max(1, n/30)
	for i := range docs {
		pool := byTopic[""]
		if rng.IntN(5) > 0 {
			pool = byTopic[topics[rng.IntN(len(topics))]]
		}
		var parts []string
		for k := 2 + rng.IntN(3); k > 0; k-- {
			msg := pool[rng.IntN(len(pool))]
			parts = append(parts, msg[rng.IntN(len(msg))])
		}
		parts = append(parts, fmt.Sprintf("编号 c%d", rng.IntN(markers)))
		docs[i] = Doc{Key: fmt.Sprint(i), Day: start.AddDays(rng.IntN(180)), Text: strings.Join(parts, "，")}
	}
	return docs, nil
}
