package hottopic

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// clusterLabelled clusters a labelled set with opt (oldest first, as the
// service does) and scores the result against the labels.
func clusterLabelled(t testing.TB, set []Labelled, opt Options) (Score, []Cluster, *Corpus, []string) {
	t.Helper()
	order := make([]int, len(set))
	for i := range set {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return set[a].Day.Compare(set[b].Day) })
	docs := make([]Doc, len(set))
	labels := make([]string, len(set))
	for k, i := range order {
		docs[k] = Doc{Key: set[i].ID, Day: set[i].Day, Text: set[i].Text}
		labels[k] = set[i].Topic
	}
	c := NewCorpus(NewSegmenter(), docs)
	clusters := c.Cluster(opt)
	assign := make([]int, len(docs))
	for i := range assign {
		assign[i] = -1
	}
	for k, cl := range clusters {
		for _, m := range cl.Members {
			assign[m] = k
		}
	}
	return Evaluate(labels, assign), clusters, c, labels
}

func loadSet(t testing.TB, name string) []Labelled {
	t.Helper()
	set, err := LabelledSet(name)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestLabelledSets(t *testing.T) {
	total := 0
	for _, name := range []string{"dev", "test"} {
		set := loadSet(t, name)
		topics := map[string]int{}
		seen := map[string]bool{}
		for _, l := range set {
			if seen[l.ID] {
				t.Errorf("%s: id %s twice", name, l.ID)
			}
			seen[l.ID] = true
			if l.Day.IsZero() || l.Text == "" {
				t.Errorf("%s: %s has no date or text", name, l.ID)
			}
			topics[l.Topic]++
		}
		if len(topics) < 10 {
			t.Errorf("%s: %d topics", name, len(topics))
		}
		total += len(set)
	}
	if total < 300 {
		t.Errorf("the labelled sets hold %d messages, want at least 300", total)
	}
}

// The defaults were chosen on the development set; the held-out set,
// about other topics, was clustered once with them. These floors sit just
// below what each measured (docs/perf.md), so that a change that makes
// clustering worse fails here.
func TestClusteringQuality(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		precision, recall     float64
		b3precision, b3recall float64
	}{
		{"dev", 0.78, 0.30, 0.82, 0.47},
		{"test", 0.74, 0.32, 0.80, 0.45},
	} {
		s, clusters, _, _ := clusterLabelled(t, loadSet(t, tc.name), Options{})
		t.Logf("%s: %d clusters; pairwise P=%.3f R=%.3f F1=%.3f; B-cubed P=%.3f R=%.3f F1=%.3f", tc.name, len(clusters),
			s.Precision, s.Recall, s.F1, s.BCubedPrecision, s.BCubedRecall, s.BCubedF1)
		if s.Precision < tc.precision || s.Recall < tc.recall || s.BCubedPrecision < tc.b3precision || s.BCubedRecall < tc.b3recall {
			t.Errorf("%s: quality fell below P≥%.2f R≥%.2f B³P≥%.2f B³R≥%.2f", tc.name, tc.precision, tc.recall, tc.b3precision, tc.b3recall)
		}
	}
}

// TestClusterDump prints the clusters of a set (HOTTOPIC_DUMP=dev or test).
func TestClusterDump(t *testing.T) {
	name := os.Getenv("HOTTOPIC_DUMP")
	if name == "" {
		t.Skip("set HOTTOPIC_DUMP=dev or test to print the clusters of a labelled set")
	}
	_, clusters, _, labels := clusterLabelled(t, loadSet(t, name), Options{})
	for _, k := range clusters {
		counts := map[string]int{}
		for _, m := range k.Members {
			counts[labels[m]]++
		}
		fmt.Printf("%3d  %-24s %v\n", len(k.Members), k.Label(), counts)
	}
}
