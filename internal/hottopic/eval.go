package hottopic

// Score measures a clustering against hand labels.
type Score struct {
	// Pairwise: of the pairs of messages put in one cluster, the share
	// that have the same label (precision), and of the pairs with the same
	// label, the share put in one cluster (recall).
	Precision, Recall, F1 float64
	// B-cubed: the same questions asked per message and averaged, which
	// does not let the largest topics dominate.
	BCubedPrecision, BCubedRecall, BCubedF1 float64
}

// Evaluate compares predicted clusters with labels. labels[i] is message
// i's topic, "" for a message about nothing else in the set; cluster[i] is
// its predicted cluster, negative when it was left unclustered. Unlabelled
// and unclustered messages each form a group of their own.
func Evaluate(labels []string, cluster []int) Score {
	n := len(labels)
	gold := make([]int, n)
	goldIDs := map[string]int{}
	pred := make([]int, n)
	for i := range n {
		if labels[i] == "" {
			gold[i] = -1 - i
		} else {
			id, ok := goldIDs[labels[i]]
			if !ok {
				id = len(goldIDs)
				goldIDs[labels[i]] = id
			}
			gold[i] = id
		}
		if cluster[i] < 0 {
			pred[i] = -1 - i
		} else {
			pred[i] = cluster[i]
		}
	}
	type key struct{ g, p int }
	both := map[key]int{}
	gs, ps := map[int]int{}, map[int]int{}
	for i := range n {
		both[key{gold[i], pred[i]}]++
		gs[gold[i]]++
		ps[pred[i]]++
	}
	pairs := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	var tp, pp, gp float64
	for _, k := range both {
		tp += pairs(k)
	}
	for _, k := range ps {
		pp += pairs(k)
	}
	for _, k := range gs {
		gp += pairs(k)
	}
	var s Score
	s.Precision, s.Recall = ratio(tp, pp), ratio(tp, gp)
	s.F1 = f1(s.Precision, s.Recall)
	var bp, br float64
	for i := range n {
		k := float64(both[key{gold[i], pred[i]}])
		bp += k / float64(ps[pred[i]])
		br += k / float64(gs[gold[i]])
	}
	if n > 0 {
		s.BCubedPrecision, s.BCubedRecall = bp/float64(n), br/float64(n)
	}
	s.BCubedF1 = f1(s.BCubedPrecision, s.BCubedRecall)
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 1
	}
	return a / b
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
