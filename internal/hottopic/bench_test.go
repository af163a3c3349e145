package hottopic

import "testing"

func benchmarkCluster(b *testing.B, n int) {
	docs, err := Synthetic(n, 1)
	if err != nil {
		b.Fatal(err)
	}
	seg := NewSegmenter()
	b.ResetTimer()
	for b.Loop() {
		c := NewCorpus(seg, docs)
		clusters := c.Cluster(Options{})
		b.ReportMetric(float64(len(clusters)), "clusters")
	}
}

// BenchmarkCluster100k is the target of issue 5: 100,000 messages in at
// most 60 s (docs/perf.md).
func BenchmarkCluster100k(b *testing.B) { benchmarkCluster(b, 100_000) }

func BenchmarkCluster10k(b *testing.B) { benchmarkCluster(b, 10_000) }

func BenchmarkSegment(b *testing.B) {
	docs, err := Synthetic(1000, 2)
	if err != nil {
		b.Fatal(err)
	}
	seg := NewSegmenter()
	b.ResetTimer()
	var words []string
	for i := 0; b.Loop(); i++ {
		words = seg.AppendWords(words[:0], docs[i%len(docs)].Text)
	}
}
