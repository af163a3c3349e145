package todo

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Division is a division of an agency (处室).
type Division struct {
	ID   int64
	Name string
}

// Person is a staff member as the to-do centre needs them: to name an
// assignee, to place an item in a division, and to send the digest.
type Person struct {
	UserID     int64
	AgencyID   int64
	DivisionID int64
	Name       string
	Email      string
	Roles      auth.Roles
}

// Principal is the person as the permission check sees them (for the
// digest, which runs without a request).
func (p Person) Principal() *auth.Principal {
	return &auth.Principal{UserID: p.UserID, Username: p.Name, DisplayName: p.Name, AgencyID: p.AgencyID, DivisionID: p.DivisionID,
		Roles: p.Roles, State: auth.StateActive}
}

// Directory gives the to-do centre the agencies' divisions and staff
// (wired in app; the agency and staff capabilities own them).
type Directory interface {
	// Divisions are an agency's divisions in their order.
	Divisions(ctx context.Context, agencyID int64) ([]Division, error)
	// Staff are the enabled staff accounts of an agency (0: of every
	// agency, for the digest).
	Staff(ctx context.Context, agencyID int64) ([]Person, error)
}

// Deps are the services the to-do centre uses.
type Deps struct {
	DB        *db.DB
	Calendar  *calendar.Service
	Directory Directory
	Logger    *slog.Logger
	// BaseURL is the console's public address, for links in the digest.
	BaseURL string
	Now     func() time.Time
}

// Service is the to-do centre: the registry of sources and the views,
// supervision and digest over what they list.
type Service struct {
	Registry
	Deps

	labelsMu sync.RWMutex
	labels   map[string]string
}

// NewService returns the to-do centre.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{Deps: d}
}

// Today is the date in Shanghai.
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

// defaultLabels name the sources of the platform in Chinese; a source
// registered under another name may set its own (SetLabel).
var defaultLabels = map[string]string{
	"application":  "依申请公开",
	"concern":      "回应关切",
	"disclosure":   "信息发布",
	"consultation": "征求意见",
	"normative":    "规范性文件",
	"standards":    "公开标准目录",
	"openday":      "政府开放日",
	"socialeval":   "社会评议",
	"documents":    "公文备案",
	"workplan":     "工作要点",
	"training":     "培训",
	"newmedia":     "政务新媒体",
	"directories":  "服务名录",
	"annualreport": "年度报告",
	"liaisons":     "联络员",
}

// SetLabel names a source in Chinese (its filter option and column).
func (s *Service) SetLabel(source, label string) {
	s.labelsMu.Lock()
	defer s.labelsMu.Unlock()
	if s.labels == nil {
		s.labels = map[string]string{}
	}
	s.labels[source] = label
}

// Label is a source's Chinese name (its registered name if it has none).
func (s *Service) Label(source string) string {
	s.labelsMu.RLock()
	l, ok := s.labels[source]
	s.labelsMu.RUnlock()
	if ok {
		return l
	}
	if l, ok := defaultLabels[source]; ok {
		return l
	}
	return source
}

// Failure is a source that could not list its items.
type Failure struct {
	Source string
	Label  string
	Err    error
}

// Gather asks every source for the open items of an agency as of today
// and returns them de-duplicated and in order (Sort). A source that fails
// (or panics) is logged and reported in the failures; the others' items
// are returned all the same.
func (s *Service) Gather(ctx context.Context, agencyID int64, today civil.Date) ([]Item, []Failure) {
	var (
		all      []Item
		failures []Failure
	)
	for _, name := range s.Sources() {
		fn, ok := s.Source(name)
		if !ok {
			continue
		}
		items, err := call(ctx, fn, agencyID, today)
		if err != nil {
			s.Logger.WarnContext(ctx, "to-do source failed", "source", name, "agency", agencyID, "error", err)
			failures = append(failures, Failure{Source: name, Label: s.Label(name), Err: err})
			continue
		}
		for _, it := range items {
			if it.Source == "" {
				it.Source = name
			}
			if it.AgencyID == 0 {
				it.AgencyID = agencyID
			}
			if it.AgencyID != agencyID || it.Due.IsZero() {
				continue // not this agency's, or not a dated duty
			}
			all = append(all, it)
		}
	}
	return Sort(Dedupe(all)), failures
}

// call runs a source, turning a panic into an error.
func call(ctx context.Context, fn SourceFunc, agencyID int64, today civil.Date) (items []Item, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(ctx, agencyID, today)
}

// Dedupe drops repeated items: the same work (source, kind, page, title)
// for the same person or division is listed once, with its earliest due
// date.
func Dedupe(items []Item) []Item {
	type key struct {
		source, kind, url, title string
		user, division           int64
	}
	at := map[key]int{}
	out := make([]Item, 0, len(items))
	for _, it := range items {
		k := key{it.Source, it.Kind, it.URL, it.Title, it.UserID, it.DivisionID}
		if i, ok := at[k]; ok {
			if it.Due.Before(out[i].Due) {
				out[i] = it
			}
			continue
		}
		at[k] = len(out)
		out = append(out, it)
	}
	return out
}

// Sort orders items by due date, then kind, then title (and page, so that
// the order is stable).
func Sort(items []Item) []Item {
	slices.SortStableFunc(items, func(a, b Item) int {
		return cmp.Or(a.Due.Compare(b.Due), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Title, b.Title), strings.Compare(a.URL, b.URL))
	})
	return items
}

// Visible reports whether p has it on their own list (我的待办): items
// assigned to them, and the unassigned items of their agency whose Perm
// they hold, of their division or of none (a person without a division
// sees every division's). An item without Perm is shown only to its
// assignee.
func Visible(p *auth.Principal, it Item) bool {
	if p == nil || !p.Complete() || p.AgencyID == 0 || it.AgencyID != p.AgencyID {
		return false
	}
	if it.UserID != 0 {
		return it.UserID == p.UserID
	}
	if it.Perm == "" || !auth.Allowed(p, it.Perm) {
		return false
	}
	return p.DivisionID == 0 || it.DivisionID == 0 || it.DivisionID == p.DivisionID
}

// Urgency is how close an item is to its due date.
type Urgency string

// Urgencies.
const (
	Overdue Urgency = "overdue" // 已逾期: the due date has passed
	DueSoon Urgency = "soon"    // 即将到期: due within SoonWorkingDays working days (today included)
	Later   Urgency = "later"
)

// SoonWorkingDays is how many working days ahead an item counts as due
// soon (即将到期).
const SoonWorkingDays = 3

// Label is the urgency in words (shown beside the colour).
func (u Urgency) Label() string {
	switch u {
	case Overdue:
		return "已逾期"
	case DueSoon:
		return "即将到期"
	}
	return "未到期"
}

// Entry is an item as a person's list shows it.
type Entry struct {
	Item
	Urgency Urgency
	// Days are the working days left until Due (negative: the working
	// days it is overdue); CalendarDays the same in calendar days.
	Days         int
	CalendarDays int
	SourceLabel  string
	Assignee     string // the name of UserID
	Division     string // the name of the item's division (or the assignee's)
	divisionID   int64
}

// DeadlineText says the deadline in words, e.g. "还剩 2 个工作日",
// "今日到期", "已逾期 3 个工作日".
func (e Entry) DeadlineText() string {
	switch {
	case e.Urgency == Overdue && e.Days < 0:
		return fmt.Sprintf("已逾期 %d 个工作日", -e.Days)
	case e.Urgency == Overdue:
		return fmt.Sprintf("已逾期 %d 天", -e.CalendarDays)
	case e.CalendarDays == 0:
		return "今日到期"
	case e.Days == 0:
		return "今日是到期前最后一个工作日"
	}
	return fmt.Sprintf("还剩 %d 个工作日", e.Days)
}

// DivisionOf is the division an entry belongs to: its own, else its
// assignee's (0: the agency as a whole).
func (e Entry) DivisionOf() int64 { return e.divisionID }

// staffIndex is an agency's people by ID and its divisions by ID.
type staffIndex struct {
	people    map[int64]Person
	divisions map[int64]string
	order     []Division
}

func (s *Service) index(ctx context.Context, agencyID int64) staffIndex {
	ix := staffIndex{people: map[int64]Person{}, divisions: map[int64]string{}}
	if s.Directory == nil {
		return ix
	}
	if people, err := s.Directory.Staff(ctx, agencyID); err == nil {
		for _, p := range people {
			ix.people[p.UserID] = p
		}
	} else {
		s.Logger.WarnContext(ctx, "to-do: staff not listed", "agency", agencyID, "error", err)
	}
	if divs, err := s.Directory.Divisions(ctx, agencyID); err == nil {
		ix.order = divs
		for _, d := range divs {
			ix.divisions[d.ID] = d.Name
		}
	} else {
		s.Logger.WarnContext(ctx, "to-do: divisions not listed", "agency", agencyID, "error", err)
	}
	return ix
}

// entries turns items into entries: urgency on the working-day calendar,
// names of source, assignee and division.
func (s *Service) entries(ctx context.Context, items []Item, today civil.Date, ix staffIndex) []Entry {
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		s.Logger.WarnContext(ctx, "to-do: calendar unavailable, counting calendar days", "error", err)
		cal = nil
	}
	out := make([]Entry, 0, len(items))
	for _, it := range items {
		e := Entry{Item: it, SourceLabel: s.Label(it.Source), divisionID: it.DivisionID}
		if p, ok := ix.people[it.UserID]; ok && it.UserID != 0 {
			e.Assignee = p.Name
			if e.divisionID == 0 {
				e.divisionID = p.DivisionID
			}
		}
		e.Division = ix.divisions[e.divisionID]
		e.Urgency, e.Days = urgency(cal, today, it.Due)
		e.CalendarDays = today.DaysUntil(it.Due)
		out = append(out, e)
	}
	return out
}

// urgency places due against today. Days are working days on the
// calendar (calendar days if it is unavailable).
func urgency(cal *calendar.Calendar, today, due civil.Date) (Urgency, int) {
	days := today.DaysUntil(due)
	if cal != nil {
		if n, err := cal.WorkingDaysBetween(today, due); err == nil {
			days = n
		}
	}
	switch {
	case due.Before(today):
		return Overdue, days
	case days <= SoonWorkingDays:
		return DueSoon, days
	}
	return Later, days
}

// View is whose items a list shows.
type View string

// Views.
const (
	Mine        View = "mine"     // 我的待办
	OwnDivision View = "division" // 本处室
	WholeAgency View = "agency"   // 本单位 (SuperviseTodos)
)

// maxQueryRune bounds the title search.
const maxQueryRune = 50

// Label is the view's name.
func (v View) Label() string {
	switch v {
	case OwnDivision:
		return "本处室"
	case WholeAgency:
		return "本单位"
	}
	return "我的待办"
}

// Filter narrows a list. The zero value is the person's own list.
type Filter struct {
	View   View
	Source string  // a registered source's name ("" all)
	Kind   string  // an item kind ("" all)
	State  Urgency // Overdue, DueSoon ("" all)
	Query  string  // words in the title
}

// Views are the views p may choose.
func Views(p *auth.Principal) []View {
	v := []View{Mine}
	if p != nil && p.DivisionID != 0 {
		v = append(v, OwnDivision)
	}
	if auth.Allowed(p, auth.SuperviseTodos) {
		v = append(v, WholeAgency)
	}
	return v
}

// check validates f for p, by form field.
func (s *Service) check(p *auth.Principal, f *Filter) error {
	fields := map[string]string{}
	if f.View == "" {
		f.View = Mine
	}
	if !slices.Contains(Views(p), f.View) {
		switch f.View {
		case OwnDivision:
			fields["view"] = "您的账号未分配处室，无法查看本处室待办。"
		case WholeAgency:
			fields["view"] = "只有单位管理员和审批人可以查看本单位全部待办。"
		default:
			fields["view"] = "请选择我的待办、本处室或本单位。"
		}
	}
	if f.Source != "" && !slices.Contains(s.Sources(), f.Source) {
		fields["source"] = "没有这个待办来源，请从列表中选择。"
	}
	switch f.State {
	case "", Overdue, DueSoon:
	default:
		fields["state"] = "请选择已逾期或即将到期。"
	}
	f.Query = strings.TrimSpace(f.Query)
	if !utf8.ValidString(f.Query) || utf8.RuneCountInString(f.Query) > maxQueryRune || strings.ContainsFunc(f.Query, isControl) {
		fields["q"] = fmt.Sprintf("搜索词不能超过 %d 个字，也不能含控制字符。", maxQueryRune)
	}
	if utf8.RuneCountInString(f.Kind) > 100 || !utf8.ValidString(f.Kind) {
		fields["kind"] = "请从列表中选择待办类别。"
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// List is a person's view of the to-do centre.
type List struct {
	Filter  Filter
	Today   civil.Date
	Entries []Entry // after the filters, in order
	// Counts over the whole view, before the filters.
	Total, Overdue, DueSoon int
	// Sources and Kinds are the choices of the filters (those in the view).
	Sources  []Choice
	Kinds    []Choice
	Failures []Failure
}

// Choice is a filter option with its count.
type Choice struct {
	Value, Label string
	N            int
}

// FailureText is the notice shown when sources failed.
func (l *List) FailureText() string {
	if len(l.Failures) == 0 {
		return ""
	}
	names := make([]string, len(l.Failures))
	for i, f := range l.Failures {
		names[i] = f.Label
	}
	return "部分待办暂时无法获取：" + strings.Join(names, "、") + "。请稍后刷新，或到相应页面查看。"
}

// List returns p's view of their agency's to-dos as of today. Invalid
// filters are field errors (view, source, kind, state, q).
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) (*List, error) {
	if !auth.Allowed(p, auth.Authenticated) {
		return nil, apperr.New(apperr.Forbidden, "请先登录。")
	}
	if err := s.check(p, &f); err != nil {
		return nil, err
	}
	today := s.Today()
	l := &List{Filter: f, Today: today}
	if p.AgencyID == 0 {
		return l, nil // platform staff have no agency work
	}
	items, failures := s.Gather(ctx, p.AgencyID, today)
	l.Failures = failures
	ix := s.index(ctx, p.AgencyID)
	var view []Entry
	for _, e := range s.entries(ctx, items, today, ix) {
		if inView(p, f.View, e) {
			view = append(view, e)
		}
	}
	sources, kinds := map[string]int{}, map[string]int{}
	for _, e := range view {
		l.Total++
		switch e.Urgency {
		case Overdue:
			l.Overdue++
		case DueSoon:
			l.DueSoon++
		}
		sources[e.Source]++
		kinds[e.Kind]++
		if f.Source != "" && e.Source != f.Source || f.Kind != "" && e.Kind != f.Kind || f.State != "" && e.Urgency != f.State ||
			f.Query != "" && !strings.Contains(strings.ToLower(e.Title), strings.ToLower(f.Query)) {
			continue
		}
		l.Entries = append(l.Entries, e)
	}
	for _, name := range s.Sources() {
		l.Sources = append(l.Sources, Choice{Value: name, Label: s.Label(name), N: sources[name]})
	}
	for k, n := range kinds {
		l.Kinds = append(l.Kinds, Choice{Value: k, Label: k, N: n})
	}
	slices.SortFunc(l.Kinds, func(a, b Choice) int { return strings.Compare(a.Value, b.Value) })
	return l, nil
}

// inView reports whether e belongs to the view for p.
func inView(p *auth.Principal, v View, e Entry) bool {
	if e.AgencyID != p.AgencyID {
		return false
	}
	switch v {
	case WholeAgency:
		return auth.Allowed(p, auth.SuperviseTodos)
	case OwnDivision:
		// The division's work of the kinds p handles: unassigned or a
		// colleague's.
		if p.DivisionID == 0 || e.DivisionOf() != p.DivisionID {
			return false
		}
		return Visible(p, e.Item) || (e.Perm != "" && auth.Allowed(p, e.Perm))
	}
	return Visible(p, e.Item)
}

// Counts are p's own overdue and due-soon items (the console home's card).
func (s *Service) Counts(ctx context.Context, p *auth.Principal) (total, overdue, soon int, err error) {
	l, err := s.List(ctx, p, Filter{})
	if err != nil {
		return 0, 0, 0, err
	}
	return l.Total, l.Overdue, l.DueSoon, nil
}
