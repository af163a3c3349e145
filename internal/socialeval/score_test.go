package socialeval

import "testing"

// The fixture of the hand computation: groups A (weight 60) and B (40);
// dimension D1 (60) with indicators L1 (50) and L2 (50), dimension D2 (40)
// with L3 (100).
func scoreFixture() ([]Group, []*Indicator) {
	groups := []Group{{ID: 1, Name: "A", Weight: 60}, {ID: 2, Name: "B", Weight: 40}}
	dims := []*Indicator{
		{ID: 10, Name: "D1", Weight: 60, Children: []*Indicator{{ID: 11, Name: "L1", Weight: 50}, {ID: 12, Name: "L2", Weight: 50}}},
		{ID: 20, Name: "D2", Weight: 40, Children: []*Indicator{{ID: 21, Name: "L3", Weight: 100}}},
	}
	return groups, dims
}

// tallyOf sums answers.
func tallyOf(values ...int) Tally {
	t := Tally{N: len(values)}
	for _, v := range values {
		t.Sum += v
	}
	return t
}

// TestComputeByHand checks every number against a hand computation:
//
//	A (2 responses): L1 5,4 → 4.5×20 = 90; L2 3,4 → 70; L3 5,5 → 100
//	  D1 = (50×90 + 50×70)/100 = 80; D2 = 100; A = 0.6×80 + 0.4×100 = 88
//	B (3 responses): L1 3,3,4 → 66.666…; L2 5,4,4 → 86.666…; L3 2,3,4 → 60
//	  D1 = 76.666…; D2 = 60; B = 0.6×76.666… + 0.4×60 = 70
//	across groups (A 60 %, B 40 %):
//	  L1 = 54 + 26.666… = 80.67; L2 = 42 + 34.666… = 76.67; L3 = 60 + 24 = 84
//	  D1 = 48 + 30.666… = 78.67; D2 = 84
//	  overall = 0.6×88 + 0.4×70 = 80.80 (= 0.6×78.666… + 0.4×84)
func TestEvaluationComputeByHand(t *testing.T) {
	groups, dims := scoreFixture()
	got := Compute(groups, dims, map[int64]int{1: 2, 2: 3}, map[int64]map[int64]Tally{
		1: {11: tallyOf(5, 4), 12: tallyOf(3, 4), 21: tallyOf(5, 5)},
		2: {11: tallyOf(3, 3, 4), 12: tallyOf(5, 4, 4), 21: tallyOf(2, 3, 4)},
	})
	want := Scores{
		{1, 11}: {9000, 2}, {1, 12}: {7000, 2}, {1, 21}: {10000, 2}, {1, 10}: {8000, 4}, {1, 20}: {10000, 2}, {1, 0}: {8800, 2},
		{2, 11}: {6667, 3}, {2, 12}: {8667, 3}, {2, 21}: {6000, 3}, {2, 10}: {7667, 6}, {2, 20}: {6000, 3}, {2, 0}: {7000, 3},
		{0, 11}: {8067, 5}, {0, 12}: {7667, 5}, {0, 21}: {8400, 5}, {0, 10}: {7867, 10}, {0, 20}: {8400, 5}, {0, 0}: {8080, 5},
	}
	check(t, got, want)
}

// TestComputeRenormalises: a group without responses does not count (the
// result is the other group's), nor does an indicator nobody answered.
func TestEvaluationComputeRenormalises(t *testing.T) {
	groups, dims := scoreFixture()
	got := Compute(groups, dims, map[int64]int{1: 2}, map[int64]map[int64]Tally{
		1: {11: tallyOf(5, 4), 12: tallyOf(3, 4), 21: tallyOf(5, 5)},
		2: {},
	})
	for k, v := range map[Key]Points{{0, 0}: 8800, {0, 10}: 8000, {0, 11}: 9000, {0, 20}: 10000} {
		if got[k].Points != v {
			t.Errorf("%v = %s, want %s", k, got[k].Points, v)
		}
	}
	for _, k := range []Key{{2, 0}, {2, 10}, {2, 11}} {
		if _, ok := got[k]; ok {
			t.Errorf("%v should be missing", k)
		}
	}
	// B answered only L1 (3 → 60) and L3 (1 → 20): D1_B = 60 (L1 alone),
	// B = 0.6×60 + 0.4×20 = 44; L2 across groups is A's 70;
	// D1 = 0.6×80 + 0.4×60 = 72; overall = 0.6×88 + 0.4×44 = 70.40.
	got = Compute(groups, dims, map[int64]int{1: 2, 2: 1}, map[int64]map[int64]Tally{
		1: {11: tallyOf(5, 4), 12: tallyOf(3, 4), 21: tallyOf(5, 5)},
		2: {11: tallyOf(3), 21: tallyOf(1)},
	})
	for k, v := range map[Key]Points{{2, 10}: 6000, {2, 0}: 4400, {0, 12}: 7000, {0, 10}: 7200, {0, 0}: 7040} {
		if got[k].Points != v {
			t.Errorf("partial: %v = %s, want %s", k, got[k].Points, v)
		}
	}
	if got[Key{0, 12}].Answers != 2 {
		t.Errorf("L2 rests on %d answers", got[Key{0, 12}].Answers)
	}
	// Nobody answered: no scores at all.
	if got := Compute(groups, dims, nil, nil); len(got) != 0 {
		t.Errorf("no answers: %v", got)
	}
}

// TestComputeExtremes: all 5s is 100, all 1s is 20, whatever the weights.
func TestEvaluationComputeExtremes(t *testing.T) {
	groups, dims := scoreFixture()
	for v, want := range map[int]Points{5: 10000, 1: 2000, 3: 6000} {
		got := Compute(groups, dims, map[int64]int{1: 1, 2: 1}, map[int64]map[int64]Tally{
			1: {11: tallyOf(v), 12: tallyOf(v), 21: tallyOf(v)}, 2: {11: tallyOf(v), 12: tallyOf(v), 21: tallyOf(v)}})
		for k, s := range got {
			if s.Points != want {
				t.Errorf("all %d: %v = %s", v, k, s.Points)
			}
		}
	}
}

func check(t *testing.T, got, want Scores) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%v = %+v (present %v), want %+v", k, g, ok, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %v", k)
		}
	}
}
