package hottopic

import (
	"slices"
	"unicode"
)

// NearDuplicates finds groups of texts that are nearly the same: the
// character trigrams of two texts (letters and digits only) overlap with
// a Jaccard similarity of at least minJaccard. It returns, for each text,
// the index of the first text of its group, or -1 when it is in none.
// Candidates come from MinHash signatures (32 hashes in 8 bands of 4),
// each candidate pair is checked exactly, so no pair below minJaccard is
// joined directly (groups are joined transitively).
func NearDuplicates(texts []string, minJaccard float64) []int {
	const (
		k     = 32
		bands = 8
		rows  = k / bands
	)
	sets := make([][]uint64, len(texts))
	sigs := make([][k]uint64, len(texts))
	var buf []rune
	for i, t := range texts {
		buf = buf[:0]
		for _, r := range t {
			if r >= 0xFF01 && r <= 0xFF5E {
				r -= 0xFEE0
			}
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				buf = append(buf, unicode.ToLower(r))
			}
		}
		var set []uint64
		for j := 0; j+3 <= len(buf); j++ {
			h := uint64(fnvOffset)
			for _, r := range buf[j : j+3] {
				h ^= uint64(r) // #nosec G115 -- hashing: the rune's bits (letters and digits, never negative)
				h *= fnvPrime
			}
			set = append(set, h)
		}
		if len(set) == 0 && len(buf) > 0 {
			h := uint64(fnvOffset)
			for _, r := range buf {
				h ^= uint64(r) // #nosec G115 -- hashing: the rune's bits (letters and digits, never negative)
				h *= fnvPrime
			}
			set = append(set, h)
		}
		slices.Sort(set)
		set = slices.Compact(set)
		sets[i] = set
		for s := range sigs[i] {
			sigs[i][s] = ^uint64(0)
		}
		for _, h := range set {
			for s := range k {
				if v := mix(h + uint64(s)*0x9E3779B97F4A7C15); v < sigs[i][s] {
					sigs[i][s] = v
				}
			}
		}
	}
	parent := make([]int, len(texts))
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	checked := map[[2]int]bool{}
	for b := range bands {
		buckets := map[uint64][]int{}
		for i := range texts {
			if len(sets[i]) == 0 {
				continue
			}
			h := uint64(fnvOffset)
			for _, v := range sigs[i][b*rows : (b+1)*rows] {
				h ^= v
				h *= fnvPrime
			}
			buckets[h] = append(buckets[h], i)
		}
		for _, list := range buckets {
			for x := 1; x < len(list); x++ {
				for y := 0; y < x; y++ {
					a, c := list[y], list[x]
					if find(a) == find(c) || checked[[2]int{a, c}] {
						continue
					}
					checked[[2]int{a, c}] = true
					if jaccard(sets[a], sets[c]) >= minJaccard {
						ra, rc := find(a), find(c)
						if ra < rc {
							parent[rc] = ra
						} else {
							parent[ra] = rc
						}
					}
				}
			}
		}
	}
	out := make([]int, len(texts))
	size := map[int]int{}
	for i := range texts {
		size[find(i)]++
	}
	for i := range texts {
		r := find(i)
		if size[r] < 2 {
			out[i] = -1
		} else {
			out[i] = r
		}
	}
	return out
}

// mix is SplitMix64's finaliser: a cheap, well-spread hash of h.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 27
	h *= 0x94D049BB133111EB
	h ^= h >> 31
	return h
}

// jaccard of two sorted sets.
func jaccard(a, b []uint64) float64 {
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			both++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - both
	if union == 0 {
		return 0
	}
	return float64(both) / float64(union)
}
