package application

import (
	"fmt"
	"strings"
)

// FeeMethod is how a 信息处理费 is charged (国办函〔2020〕109号): per
// application, counted per applicant per calendar month, or per volume.
// One method per application, never both.
type FeeMethod string

// Fee methods.
const (
	PerApplication FeeMethod = "per_application" // 按件计收
	PerVolume      FeeMethod = "per_volume"      // 按量计收
)

// Label is the Chinese name.
func (m FeeMethod) Label() string {
	switch m {
	case PerApplication:
		return "按件计收"
	case PerVolume:
		return "按量计收"
	}
	return ""
}

// FeeBand is one band of a progressive computation.
type FeeBand struct {
	From, To int // inclusive; To 0 means open-ended
	Rate     int // 元 per unit
	Units    int // units charged in this band
	Amount   int // 元
}

// Fee is a computed fee with its bands, for the notice.
type Fee struct {
	Method FeeMethod
	// Quantity is the application's rank in the month (per application) or
	// the page count (per volume).
	Quantity int
	Bands    []FeeBand
	Amount   int // 元
}

// Explain writes the computation for the fee notice, in Chinese.
func (f Fee) Explain() string {
	var b strings.Builder
	switch f.Method {
	case PerApplication:
		fmt.Fprintf(&b, "按件计收：本申请为申请人本自然月内提出的第 %d 件申请。", f.Quantity)
	case PerVolume:
		fmt.Fprintf(&b, "按量计收：共 %d 页（张）。", f.Quantity)
	}
	for _, band := range f.Bands {
		if band.Units == 0 {
			continue
		}
		to := fmt.Sprint(band.To)
		if band.To == 0 {
			to = "以上"
		}
		unit := "页"
		if f.Method == PerApplication {
			unit = "件"
		}
		fmt.Fprintf(&b, "第 %d–%s %s部分 %d %s × %d 元 = %d 元；", band.From, to, unit, band.Units, unit, band.Rate, band.Amount)
	}
	fmt.Fprintf(&b, "合计 %d 元。", f.Amount)
	return b.String()
}

// MaxFeeQuantity bounds the rank or page count (no real notice is near it).
const MaxFeeQuantity = 100000

// ApplicationFee is the fee of the rank-th application (1-based) one
// applicant made in a calendar month: 1–10 free; 11–30 100 元; from 31 on,
// bands of 10 that each add 100 元 (31–40 200 元, 41–50 300 元, …). Only the
// application's own band applies: the method charges each application by the
// band its rank falls in.
func ApplicationFee(rank int) (Fee, error) {
	if rank < 1 || rank > MaxFeeQuantity {
		return Fee{}, fmt.Errorf("申请件次须在 1 至 %d 之间", MaxFeeQuantity)
	}
	f := Fee{Method: PerApplication, Quantity: rank}
	var band FeeBand
	switch {
	case rank <= 10:
		band = FeeBand{From: 1, To: 10, Rate: 0}
	case rank <= 30:
		band = FeeBand{From: 11, To: 30, Rate: 100}
	default:
		k := (rank - 31) / 10 // 0 for 31–40
		band = FeeBand{From: 31 + 10*k, To: 40 + 10*k, Rate: 200 + 100*k}
	}
	band.Units, band.Amount = 1, band.Rate
	f.Bands, f.Amount = []FeeBand{band}, band.Amount
	return f, nil
}

// volumeBands are the per-volume bands: ≤30 pages free, 31–100 10 元/page,
// 101–200 20 元/page, 201 and more 40 元/page, each rate for the part in
// its band (超额累进).
var volumeBands = []FeeBand{{From: 1, To: 30, Rate: 0}, {From: 31, To: 100, Rate: 10}, {From: 101, To: 200, Rate: 20}, {From: 201, Rate: 40}}

// VolumeFee is the fee for pages pages.
func VolumeFee(pages int) (Fee, error) {
	if pages < 1 || pages > MaxFeeQuantity {
		return Fee{}, fmt.Errorf("页数须在 1 至 %d 之间", MaxFeeQuantity)
	}
	f := Fee{Method: PerVolume, Quantity: pages}
	for _, b := range volumeBands {
		top := b.To
		if top == 0 || top > pages {
			top = pages
		}
		if top >= b.From {
			b.Units = top - b.From + 1
		}
		b.Amount = b.Units * b.Rate
		f.Amount += b.Amount
		f.Bands = append(f.Bands, b)
	}
	return f, nil
}
