package hottopic

import (
	"math"
	"slices"
	"strings"
)

// Options tune the clustering; the zero value takes the defaults, which
// were chosen on the development half of the labelled set
// (testdata/labelled-dev.jsonl) and then measured on the held-out half.
type Options struct {
	// Threshold is the least cosine similarity between a message and a
	// cluster's centroid for the message to join it.
	Threshold float64
	// MaxTerms is how many of a message's strongest terms describe it.
	MaxTerms int
	// MinSize is the smallest group reported as a cluster.
	MinSize int
	// Passes is the number of reassignment passes after the first.
	Passes int
	// Expand is the weight with which a message's terms bring in the
	// terms associated with them in the corpus (used in the same messages
	// more than chance would have it), so that two messages about one
	// thing in different words can meet; negative: no expansion.
	Expand float64
	// MinAssociation is the least association (the cosine between two
	// terms' sets of messages) for a term to be brought in.
	MinAssociation float64
}

// Default options.
const (
	DefaultThreshold      = 0.40
	DefaultMaxTerms       = 20
	DefaultMinSize        = 2
	DefaultPasses         = 2
	DefaultExpand         = 0.5
	DefaultMinAssociation = 0.3
)

func (o Options) withDefaults() Options {
	if o.Threshold <= 0 {
		o.Threshold = DefaultThreshold
	}
	if o.MaxTerms <= 0 {
		o.MaxTerms = DefaultMaxTerms
	}
	if o.MinSize <= 0 {
		o.MinSize = DefaultMinSize
	}
	if o.Expand == 0 {
		o.Expand = DefaultExpand
	}
	if o.MinAssociation <= 0 {
		o.MinAssociation = DefaultMinAssociation
	}
	if o.Passes < 0 {
		o.Passes = 0
	} else if o.Passes == 0 {
		o.Passes = DefaultPasses
	}
	return o
}

type wEnt struct {
	t int32
	w float32
}

// Cluster is a group of messages about one concern.
type Cluster struct {
	// Members are document indexes in the corpus, oldest first.
	Members []int
	// Terms are the words that describe the cluster, strongest first.
	Terms []string
	// Similarity per member: how close it is to the cluster's centre.
	Similarity []float64
}

// Label is the cluster's name: its three strongest terms.
func (c Cluster) Label() string {
	n := min(3, len(c.Terms))
	return strings.Join(c.Terms[:n], " · ")
}

// vectors returns each document's strongest terms, weighted by
// (1 + ln tf) × idf and normalised to unit length. Terms in a single
// document cannot link it to another and are left out, and so are terms
// in more than a quarter of a large corpus, which say nothing specific.
func (c *Corpus) vectors(opt Options) [][]wEnt {
	n := len(c.docs)
	// #nosec G115 -- n is the number of documents of one corpus (one agency), far below 2^31
	maxDF := int32(n)
	if n >= 40 {
		maxDF = int32(n / 4) // #nosec G115 -- as above
	}
	idf := make([]float64, len(c.terms))
	for t := range c.terms {
		idf[t] = c.idf(int32(t))
	}
	out := make([][]wEnt, n)
	var assoc map[int32][]wEnt
	if opt.Expand > 0 {
		assoc = c.associations(maxDF, opt.MinAssociation)
	}
	for i, bag := range c.bags {
		v := make([]wEnt, 0, len(bag))
		for _, e := range bag {
			if c.df[e.t] < 2 || c.df[e.t] > maxDF {
				continue
			}
			v = append(v, wEnt{e.t, float32((1 + math.Log(float64(e.n))) * idf[e.t])})
		}
		if assoc != nil {
			add := map[int32]float32{}
			for _, e := range v {
				for _, a := range assoc[e.t] {
					add[a.t] += float32(opt.Expand) * e.w * a.w
				}
			}
			for k := range v {
				if x, ok := add[v[k].t]; ok {
					v[k].w += x
					delete(add, v[k].t)
				}
			}
			for t, x := range add {
				v = append(v, wEnt{t, x})
			}
		}
		if len(v) > opt.MaxTerms {
			slices.SortFunc(v, func(a, b wEnt) int {
				switch {
				case a.w > b.w:
					return -1
				case a.w < b.w:
					return 1
				}
				return int(a.t - b.t)
			})
			v = v[:opt.MaxTerms]
		}
		var sum float64
		for _, e := range v {
			sum += float64(e.w) * float64(e.w)
		}
		norm := float32(math.Sqrt(sum))
		for k := range v {
			v[k].w /= norm
		}
		slices.SortFunc(v, func(a, b wEnt) int { return int(a.t - b.t) })
		out[i] = v
	}
	return out
}

// centroid is the sum of its members' vectors.
type centroid struct {
	w     map[int32]float32
	sumSq float64
	n     int
}

func (ce *centroid) add(v []wEnt, sign float32) {
	for _, e := range v {
		old := ce.w[e.t]
		nw := old + sign*e.w
		ce.sumSq += float64(nw)*float64(nw) - float64(old)*float64(old)
		if nw < 1e-6 {
			nw = 0 // kept, so that the term's posting stays single
		}
		ce.w[e.t] = nw
	}
	if sign > 0 {
		ce.n++
	} else {
		ce.n--
	}
}

// clusterer assigns documents to centroids found through an inverted
// index from term to the centroids that contain it.
type clusterer struct {
	vecs     [][]wEnt
	cents    []*centroid
	postings map[int32][]int32 // term → centroid ids (may hold stale ids; checked on use)
	acc      []float64
	seen     []bool
	touched  []int32
}

func (cl *clusterer) index(ci int32, v []wEnt) {
	ce := cl.cents[ci]
	for _, e := range v {
		if _, had := ce.w[e.t]; !had {
			cl.postings[e.t] = append(cl.postings[e.t], ci)
		}
	}
}

// best returns the centroid most similar to v and the cosine similarity.
func (cl *clusterer) best(v []wEnt) (int32, float64) {
	cl.touched = cl.touched[:0]
	for _, e := range v {
		for _, ci := range cl.postings[e.t] {
			ce := cl.cents[ci]
			if ce == nil || ce.n == 0 {
				continue
			}
			w := ce.w[e.t]
			if w == 0 {
				continue
			}
			if !cl.seen[ci] {
				cl.seen[ci] = true
				cl.touched = append(cl.touched, ci)
			}
			cl.acc[ci] += float64(e.w) * float64(w)
		}
	}
	bi, bs := int32(-1), 0.0
	for _, ci := range cl.touched {
		s := cl.acc[ci] / math.Sqrt(cl.cents[ci].sumSq)
		cl.acc[ci], cl.seen[ci] = 0, false
		if s > bs || (s == bs && ci < bi) {
			bi, bs = ci, s
		}
	}
	return bi, bs
}

func (cl *clusterer) grow(n int) {
	for len(cl.acc) < n {
		cl.acc = append(cl.acc, 0)
		cl.seen = append(cl.seen, false)
	}
}

// Cluster groups the corpus's documents: a first pass in the order given
// (callers pass oldest first) puts each message into the most similar
// cluster so far or starts a new one, the way topic-detection systems
// follow a stream of news; then each pass moves every message to the
// cluster whose centre is now closest, which undoes the order's
// accidents. Only clusters of at least MinSize messages are returned,
// largest first.
func (c *Corpus) Cluster(opt Options) []Cluster {
	opt = opt.withDefaults()
	vecs := c.vectors(opt)
	cl := &clusterer{vecs: vecs, postings: map[int32][]int32{}}
	assign := make([]int32, len(vecs))
	for i, v := range vecs {
		assign[i] = -1
		if len(v) == 0 {
			continue
		}
		cl.grow(len(cl.cents) + 1)
		ci, s := cl.best(v)
		if ci < 0 || s < opt.Threshold {
			ci = int32(len(cl.cents)) // #nosec G115 -- there are fewer clusters than documents, far below 2^31
			cl.cents = append(cl.cents, &centroid{w: make(map[int32]float32, len(v))})
			cl.grow(len(cl.cents))
		}
		cl.index(ci, v)
		cl.cents[ci].add(v, 1)
		assign[i] = ci
	}
	for pass := 0; pass < opt.Passes; pass++ {
		moved := 0
		for i, v := range vecs {
			if len(v) == 0 {
				continue
			}
			cur := assign[i]
			cl.cents[cur].add(v, -1)
			ci, s := cl.best(v)
			if ci < 0 || s < opt.Threshold {
				if cl.cents[cur].n == 0 {
					ci = cur // alone already: stay
				} else {
					ci = int32(len(cl.cents)) // #nosec G115 -- there are fewer clusters than documents, far below 2^31
					cl.cents = append(cl.cents, &centroid{w: make(map[int32]float32, len(v))})
					cl.grow(len(cl.cents))
				}
			}
			cl.index(ci, v)
			cl.cents[ci].add(v, 1)
			if ci != cur {
				moved++
			}
			assign[i] = ci
		}
		if moved == 0 {
			break
		}
	}
	groups := map[int32][]int{}
	for i, ci := range assign {
		if ci >= 0 {
			groups[ci] = append(groups[ci], i)
		}
	}
	var out []Cluster
	for ci, members := range groups {
		if len(members) < opt.MinSize {
			continue
		}
		out = append(out, c.describe(cl.cents[ci], members, vecs))
	}
	slices.SortFunc(out, func(a, b Cluster) int {
		if len(a.Members) != len(b.Members) {
			return len(b.Members) - len(a.Members)
		}
		return a.Members[0] - b.Members[0]
	})
	return out
}

// describe names a cluster by the terms most of its members share,
// weighted by rarity, and measures each member against the centre.
func (c *Corpus) describe(ce *centroid, members []int, vecs [][]wEnt) Cluster {
	type tw struct {
		t int32
		w float64
	}
	var ts []tw
	for t, w := range ce.w {
		if w > 0 {
			ts = append(ts, tw{t, float64(w)})
		}
	}
	slices.SortFunc(ts, func(a, b tw) int {
		switch {
		case a.w > b.w:
			return -1
		case a.w < b.w:
			return 1
		}
		return strings.Compare(c.terms[a.t], c.terms[b.t])
	})
	k := Cluster{Members: members}
	for i := 0; i < len(ts) && i < 8; i++ {
		k.Terms = append(k.Terms, c.terms[ts[i].t])
	}
	norm := math.Sqrt(ce.sumSq)
	for _, m := range members {
		var dot float64
		for _, e := range vecs[m] {
			dot += float64(e.w) * float64(ce.w[e.t])
		}
		k.Similarity = append(k.Similarity, dot/norm)
	}
	return k
}

// associations returns, per term, the terms used in the same messages
// more than chance would have it: the cosine between the two terms' sets
// of messages, kept when at least min and the terms share two messages or
// more.
func (c *Corpus) associations(maxDF int32, min float64) map[int32][]wEnt {
	type pair struct{ a, b int32 }
	co := map[pair]int32{}
	var ts []int32
	for _, bag := range c.bags {
		ts = ts[:0]
		for _, e := range bag {
			if c.df[e.t] >= 2 && c.df[e.t] <= maxDF {
				ts = append(ts, e.t)
			}
		}
		for x := 0; x < len(ts); x++ {
			for y := x + 1; y < len(ts); y++ {
				co[pair{ts[x], ts[y]}]++
			}
		}
	}
	out := map[int32][]wEnt{}
	for p, n := range co {
		if n < 2 {
			continue
		}
		a := float64(n) / math.Sqrt(float64(c.df[p.a])*float64(c.df[p.b]))
		if a < min {
			continue
		}
		out[p.a] = append(out[p.a], wEnt{p.b, float32(a)})
		out[p.b] = append(out[p.b], wEnt{p.a, float32(a)})
	}
	return out
}
