package calendar

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
)

// data holds the official arrangements shipped with the binary, one file per
// year in the format of NateScarlet/holiday-cn (MIT licence, see
// data/NOTICE): {"year": 2026, "papers": [notice URLs], "days": [{"name":
// "元旦", "date": "2026-01-01", "isOffDay": true}, …]}, where isOffDay false
// marks a make-up working day. To ship a new year, copy {YEAR}.json from
// that project (or write it from the State Council notice), check it against
// the notice, and run the tests: TestEmbeddedConsistency checks every file.
//
// Shipped: 2020–2027. 2020–2026 come from holiday-cn; 2027 is taken from the
// holiday table of 6tail/lunar-go v1.4.7 (MIT licence), as data/NOTICE
// explains, and has not been checked against the notice itself. Until an
// administrator enters it (or a release ships it), 2028 follows the
// Monday–Friday rule and results touching it are provisional.
//
//go:embed data/*.json
var data embed.FS

// holidayCN is the file format of NateScarlet/holiday-cn.
type holidayCN struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	Days   []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay bool   `json:"isOffDay"`
	} `json:"days"`
}

// DecodeHolidayCN reads one year file in the NateScarlet/holiday-cn format.
func DecodeHolidayCN(b []byte) (Arrangement, error) {
	var f holidayCN
	if err := json.Unmarshal(b, &f); err != nil {
		return Arrangement{}, fmt.Errorf("calendar: holiday-cn file: %w", err)
	}
	a := Arrangement{Year: f.Year, Source: strings.Join(f.Papers, " ")}
	for _, d := range f.Days {
		date, err := civil.Parse(d.Date)
		if err != nil {
			return Arrangement{}, fmt.Errorf("calendar: holiday-cn %d: %w", f.Year, err)
		}
		kind := MakeUp
		if d.IsOffDay {
			kind = Off
		}
		a.Days = append(a.Days, Day{Date: date, Kind: kind, Name: d.Name})
	}
	sortDays(a.Days)
	return a, nil
}

var embedded = sync.OnceValues(func() ([]Arrangement, error) {
	files, err := fs.Glob(data, "data/*.json")
	if err != nil {
		return nil, err
	}
	var out []Arrangement
	for _, name := range files {
		b, err := fs.ReadFile(data, name)
		if err != nil {
			return nil, err
		}
		a, err := DecodeHolidayCN(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := ValidateArrangement(a); err != nil {
			return nil, fmt.Errorf("calendar: %s: %w %v", name, err, apperr.FieldsOf(err))
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Arrangement) int { return a.Year - b.Year })
	return out, nil
})

var embeddedCalendar = sync.OnceValues(func() (*Calendar, error) {
	arrs, err := embedded()
	if err != nil {
		return nil, err
	}
	return New(arrs...)
})

// EmbeddedArrangements returns copies of the arrangements shipped with the
// binary, oldest year first. Service.Seed writes them to the database.
func EmbeddedArrangements() []Arrangement {
	arrs, err := embedded()
	if err != nil {
		panic(err) // the data is part of the binary; TestEmbeddedConsistency catches this
	}
	out := make([]Arrangement, len(arrs))
	for i, a := range arrs {
		a.Days = slices.Clone(a.Days)
		out[i] = a
	}
	return out
}

// Embedded returns the calendar of the arrangements shipped with the binary.
func Embedded() *Calendar {
	c, err := embeddedCalendar()
	if err != nil {
		panic(err) // the data is part of the binary; TestEmbeddedConsistency catches this
	}
	return c
}
