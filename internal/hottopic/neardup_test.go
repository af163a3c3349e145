package hottopic

import (
	"fmt"
	"testing"
)

func TestNearDuplicates(t *testing.T) {
	campaign := "强烈反对第三条的修改，清真食品经营者不应增加额外的备案负担，请保留原条款。"
	texts := []string{
		campaign,
		"建议第五条增加少数民族流动人口的就业服务内容。",
		campaign + "谢谢！",
		"强烈反对第三条的修改，清真食品经营者不应增加额外的备案负担，请保留原条款",
		"第七条的罚款数额偏高，建议降低。",
		"",
		"同意",
		"同意",
	}
	got := NearDuplicates(texts, 0.8)
	want := []int{0, -1, 0, 0, -1, -1, 6, 6}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func BenchmarkNearDuplicates10k(b *testing.B) {
	docs, err := Synthetic(10_000, 3)
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = d.Text
	}
	for i := 0; i < 2000; i++ { // a campaign: one text sent 2,000 times
		texts[i*5] = "强烈反对第三条的修改，清真食品经营者不应增加额外的备案负担，请保留原条款。"
	}
	b.ResetTimer()
	for b.Loop() {
		NearDuplicates(texts, 0.8)
	}
}
