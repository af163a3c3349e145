package calendar

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// DefaultCheckInterval is how often Service.Calendar asks the database
// whether another instance changed the calendar.
const DefaultCheckInterval = 5 * time.Second

// Listener is told, inside the transaction that changed the calendar, which
// of its owner's open deadlines got a new due date, so that the capability
// can update its own columns in the same transaction. An error aborts the
// change.
type Listener func(ctx context.Context, tx db.Tx, changed []Change) error

// Service keeps the database's calendar: it seeds the shipped years, lets
// administrators replace a year, caches the current *Calendar for every
// request and reloads it when any instance changed it (a version counter in
// platform_settings, checked at most every CheckInterval), and tracks the
// deadlines that depend on it.
type Service struct {
	db         *db.DB
	checkEvery time.Duration
	now        func() time.Time

	refresh sync.Mutex // serialises reloads

	mu         sync.Mutex // guards the fields below
	cal        *Calendar
	version    int64
	checkedAt  time.Time
	forceUntil time.Time
	listeners  map[string][]Listener
}

// Option configures a Service.
type Option func(*Service)

// WithCheckInterval sets how often the version counter is checked.
func WithCheckInterval(d time.Duration) Option { return func(s *Service) { s.checkEvery = d } }

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a service over d. Call Seed once at start-up, after
// migrating.
func NewService(d *db.DB, opts ...Option) *Service {
	s := &Service{db: d, checkEvery: DefaultCheckInterval, now: time.Now, listeners: map[string][]Listener{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// OnChange registers fn for the deadlines of owner (e.g. "application").
// Register listeners while wiring the application, before serving.
func (s *Service) OnChange(owner string, fn Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners[owner] = append(s.listeners[owner], fn)
}

// Calendar returns the current calendar. It is cached; at most every
// CheckInterval one cheap query checks whether another instance (or this
// one) changed it. If the check fails but a calendar is cached, the cached
// one is returned.
func (s *Service) Calendar(ctx context.Context) (*Calendar, error) {
	if c, ok := s.fresh(); ok {
		return c, nil
	}
	s.refresh.Lock()
	defer s.refresh.Unlock()
	if c, ok := s.fresh(); ok { // another goroutine refreshed meanwhile
		return c, nil
	}
	s.mu.Lock()
	cached, cachedVersion := s.cal, s.version
	s.mu.Unlock()

	v, err := readVersion(ctx, s.db.R)
	if err != nil {
		if cached != nil {
			return cached, nil
		}
		return nil, db.Classify(err)
	}
	c := cached
	if c == nil || v != cachedVersion {
		if c, v, err = loadSnapshot(ctx, s.db); err != nil {
			if cached != nil {
				return cached, nil
			}
			return nil, err
		}
	}
	s.mu.Lock()
	s.cal, s.version, s.checkedAt = c, v, s.now()
	s.mu.Unlock()
	return c, nil
}

func (s *Service) fresh() (*Calendar, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.cal == nil || now.Before(s.forceUntil) || now.Sub(s.checkedAt) >= s.checkEvery {
		return nil, false
	}
	return s.cal, true
}

// invalidate makes the next Calendar calls check the version until one
// CheckInterval has passed, so that this instance sees its own change as
// soon as the transaction commits.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.forceUntil = s.now().Add(s.checkEvery)
	s.mu.Unlock()
}

// calendarInTx returns the calendar as tx sees it: the cached one if its
// version is current, otherwise one loaded through tx. It holds the version
// row's share lock (see readVersionShared).
func (s *Service) calendarInTx(ctx context.Context, tx db.Tx) (*Calendar, error) {
	v, err := readVersionShared(ctx, tx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	c, cv := s.cal, s.version
	s.mu.Unlock()
	if c != nil && cv == v {
		return c, nil
	}
	return Load(ctx, tx)
}

// Seed writes the arrangements shipped with the binary: years not yet in the
// database are inserted, and years seeded earlier (origin embedded) are
// updated if this release ships different data. Years an administrator
// entered or edited are never touched. Open deadlines of the changed years
// are recomputed. It returns the years written; it is safe to run on every
// start-up and from several instances at once.
func (s *Service) Seed(ctx context.Context) ([]int, error) {
	emb := EmbeddedArrangements()
	plan, err := seedPlan(ctx, s.db.R, emb)
	if err != nil || len(plan) == 0 {
		return nil, db.Classify(err)
	}
	var written []int
	err = s.db.Tx(ctx, func(tx db.Tx) error {
		written = nil
		if _, err := bumpVersion(ctx, tx); err != nil { // lock, then look again
			return err
		}
		plan, err := seedPlan(ctx, tx, emb)
		if err != nil {
			return err
		}
		for _, a := range plan {
			if _, err := s.setYear(ctx, tx, a, OriginEmbedded, "system"); err != nil {
				return fmt.Errorf("calendar: seed %d: %w", a.Year, err)
			}
			written = append(written, a.Year)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return written, nil
}

// seedPlan returns the embedded arrangements the database lacks or holds in
// an older embedded version.
func seedPlan(ctx context.Context, q db.Querier, emb []Arrangement) ([]Arrangement, error) {
	var plan []Arrangement
	for _, a := range emb {
		stored, origin, ok, err := storedYear(ctx, q, a.Year)
		if err != nil {
			return nil, err
		}
		if !ok || (origin == OriginEmbedded && !sameArrangement(stored, a)) {
			plan = append(plan, a)
		}
	}
	return plan, nil
}

func sameArrangement(a, b Arrangement) bool {
	return a.Year == b.Year && a.Source == b.Source && slices.Equal(a.Days, b.Days)
}

// SetYear replaces the arrangement of year with days, as entered by an
// administrator from the State Council notice (ParseArrangement reads a
// pasted table). It validates the input (ValidateArrangement, and no date
// may belong to another year's arrangement), writes it, bumps the calendar
// version, recomputes every open deadline whose span touches the year, and
// calls the listeners of their owners, all inside tx. It returns the
// deadlines that changed. Validation errors are apperr.FieldErrors.
func (s *Service) SetYear(ctx context.Context, tx db.Tx, year int, days []Day, source, updatedBy string) ([]Change, error) {
	a := Arrangement{Year: year, Source: strings.TrimSpace(source), Days: slices.Clone(days)}
	sortDays(a.Days)
	if err := ValidateArrangement(a); err != nil {
		return nil, err
	}
	return s.setYear(ctx, tx, a, OriginAdmin, updatedBy)
}

func (s *Service) setYear(ctx context.Context, tx db.Tx, a Arrangement, origin, by string) ([]Change, error) {
	if _, err := bumpVersion(ctx, tx); err != nil {
		return nil, err
	}
	first := civil.Date{Year: a.Year, Month: time.January, Day: 1}
	last := civil.Date{Year: a.Year, Month: time.December, Day: 31}
	lo, hi := boundaryFrom(a.Year), last
	for _, d := range a.Days {
		lo, hi = minDate(lo, d.Date), maxDate(hi, d.Date)
	}
	others, err := daysOfOtherYears(ctx, tx, a.Year, lo, hi)
	if err != nil {
		return nil, err
	}
	var clashes []string
	for _, d := range a.Days {
		if y, ok := others[d.Date]; ok {
			clashes = append(clashes, fmt.Sprintf("%s 已列入 %d 年的放假安排，请先从该年中删除", d.Date, y))
		}
	}
	if len(clashes) > 0 {
		return nil, apperr.FieldErrors(map[string]string{"days": strings.Join(clashes, "；") + "。"})
	}

	// The span to recompute: the year, the December days its notice may
	// list, and any day the old or new arrangement lists.
	from, to := minDate(boundaryFrom(a.Year), first), last
	oldFirst, oldLast, err := dayRange(ctx, tx, a.Year)
	if err != nil {
		return nil, err
	}
	if !oldFirst.IsZero() {
		from, to = minDate(from, oldFirst), maxDate(to, oldLast)
	}
	from, to = minDate(from, lo), maxDate(to, hi)

	if err := writeYear(ctx, tx, a, origin, by, db.Now()); err != nil {
		return nil, err
	}
	changes, err := s.Recompute(ctx, tx, from, to)
	if err != nil {
		return nil, err
	}
	s.invalidate()
	return changes, nil
}

func minDate(a, b civil.Date) civil.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b civil.Date) civil.Date {
	if b.After(a) {
		return b
	}
	return a
}
