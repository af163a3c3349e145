package decision

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

// AgencyRef is what decisions need to know of an agency.
type AgencyRef struct {
	ID         int64
	Slug, Name string
}

// AgencyDirectory gives the agencies (wired in app).
type AgencyDirectory interface {
	Agency(ctx context.Context, id int64) (AgencyRef, error)
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
}

// ConsultationRef is a public consultation held for a decision.
type ConsultationRef struct {
	ID                int64
	Title, URL, State string // State in Chinese, e.g. 征求意见中 / 已结束 / 已反馈
	Opens, Closes     civil.Date
	Comments          int
	FeedbackURL       string // "" until the feedback report is published
}

// Consultations are the public consultations (向社会公开征求意见, 条例 Art. 15)
// held for decisions; the consultation capability implements it (wired in
// app).
type Consultations interface {
	ForDecision(ctx context.Context, decisionID int64) ([]ConsultationRef, error)
	// ArchiveFiles adds the consultations' files (comments and feedback as XLSX, the draft) to a decision archive.
	ArchiveFiles(ctx context.Context, decisionID int64, add func(name string, r io.Reader) error) error
}

// Deps are the services decisions use.
type Deps struct {
	DB       *db.DB
	Calendar *calendar.Service
	Blobs    blob.Store
	Agencies AgencyDirectory
	// MaxUpload bounds a document (default 50 MB).
	MaxUpload int64
	Now       func() time.Time
	// Version, if set, is bumped when a catalogue is published, so that
	// cached public pages (the sitemap) are renewed.
	Version *web.DBVersion
}

// renewed makes this instance see a committed bump at once.
func (s *Service) renewed(err error) error {
	if err == nil && s.Version != nil {
		s.Version.Invalidate()
	}
	return err
}

// Service is the rules of major decisions.
type Service struct {
	Deps
	// Consultations, if set, lists each decision's public consultations on
	// its pages and adds their files to its archive (nil: none).
	Consultations Consultations
}

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxUpload <= 0 {
		d.MaxUpload = 50 << 20
	}
	return &Service{Deps: d}
}

func (s *Service) today() civil.Date { return civil.Of(s.Now()) }

var (
	errStale     = apperr.New(apperr.Conflict, "这个决策事项刚被其他人修改过，请刷新页面后再操作。")
	errNone      = apperr.NotFoundf("没有这个决策事项。")
	errForbidden = apperr.New(apperr.Forbidden, "您无权办理本单位的重大行政决策事项。")
	errRemoved   = apperr.New(apperr.Conflict, "该事项已调整出目录，不能再办理。")
)

// allowed reports whether p holds perm as a member of an agency: decisions
// are an agency's own work, platform accounts have none.
func allowed(p *auth.Principal, perm auth.Permission) bool {
	return auth.Allowed(p, perm) && p.AgencyID != 0
}

// scoped returns a decision of p's agency; another agency's is not found.
func (s *Service) scoped(ctx context.Context, q db.Querier, p *auth.Principal, id int64, perm auth.Permission) (*MajorDecision, error) {
	if !allowed(p, perm) {
		return nil, errForbidden
	}
	d, err := getDecision(ctx, q, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && d.AgencyID != p.AgencyID) {
		return nil, errNone
	}
	return d, err
}

func record(ctx context.Context, tx db.Tx, p *auth.Principal, d *MajorDecision, action, summary, note string) error {
	if err := addEvent(ctx, tx, d.ID, Event{ActorID: p.UserID, Actor: p.Actor().Name, Action: action, Note: note}); err != nil {
		return err
	}
	return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: d.AgencyID, Action: "decision." + action, ObjectType: "decision",
		ObjectID: strconv.FormatInt(d.ID, 10), Summary: "《" + d.Title + "》" + summary})
}

func divisionName(ctx context.Context, q db.Querier, agencyID, id int64) (string, bool) {
	var name string
	err := q.QueryRowContext(ctx, "SELECT name FROM divisions WHERE id = $1 AND agency_id = $2", id, agencyID).Scan(&name)
	return name, err == nil
}

// checkAdjustment requires the date and reason of a change to a published
// catalogue.
func checkAdjustment(fields map[string]string, on civil.Date, reason string, cat Catalogue, what string) {
	if on.IsZero() {
		if _, bad := fields["adjusted_on"]; !bad {
			fields["adjusted_on"] = fmt.Sprintf("%d 年目录已于 %s 公布，%s须填写调整日期。", cat.Year, cat.PublishedOn, what)
		}
	} else if on.Before(cat.PublishedOn) {
		fields["adjusted_on"] = "调整日期不能早于目录公布日期（" + cat.PublishedOn.String() + "）。"
	}
	if _, bad := fields["adjust_reason"]; !bad && utf8.RuneCountInString(strings.TrimSpace(reason)) < 5 {
		fields["adjust_reason"] = fmt.Sprintf("%d 年目录已于 %s 公布，%s须写明调整理由（至少 5 个字），理由将向社会公开。", cat.Year, cat.PublishedOn, what)
	}
}

// Create lists a decision in p's agency's catalogue of a year. Once that
// catalogue is published, the entry is an adjustment: it needs a date and a
// reason, which the portal shows.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Entry) (*MajorDecision, error) {
	if !allowed(p, auth.ManageDecisions) {
		return nil, errForbidden
	}
	fields := in.Validate(s.today())
	d := &MajorDecision{AgencyID: p.AgencyID, Year: in.Year, Title: in.Title, DivisionID: in.DivisionID, LegalBasis: in.LegalBasis,
		Summary: in.Summary, PlannedTiming: in.PlannedTiming, Methods: in.Methods, ExpertPlanned: in.ExpertPlanned, RiskPlanned: in.RiskPlanned,
		Status: Listed, InCatalogue: true, CreatedBy: p.UserID}
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		if in.DivisionID > 0 {
			name, ok := divisionName(ctx, tx, p.AgencyID, in.DivisionID)
			if !ok {
				fields["division"] = "请选择本单位的处室。"
			}
			d.Division = name
		}
		var cat Catalogue
		if _, bad := fields["year"]; !bad {
			var err error
			if cat, err = loadCatalogue(ctx, tx, p.AgencyID, in.Year); err != nil {
				return err
			}
			if cat.Published {
				checkAdjustment(fields, in.AdjustedOn, in.AdjustReason, cat, "新增事项")
			}
		}
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		if err := insertDecision(ctx, tx, d); err != nil {
			return err
		}
		note := fmt.Sprintf("列入 %d 年决策事项目录；承办单位：%s；计划完成时间：%s", d.Year, d.Division, d.PlannedTiming)
		if cat.Published {
			if err := insertAdjustment(ctx, tx, Adjustment{DecisionID: d.ID, Kind: Added, On: in.AdjustedOn, Reason: in.AdjustReason}, p.UserID); err != nil {
				return err
			}
			note += "；目录公布后新增，理由：" + in.AdjustReason
		}
		return record(ctx, tx, p, d, "create", fmt.Sprintf("列入 %d 年决策事项目录", d.Year), note)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Update changes a catalogue entry (its year stays). Once the catalogue is
// published, a change needs a date and a reason and is listed among the
// adjustments with what changed.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, version int, in Entry) (*MajorDecision, error) {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ManageDecisions)
	if err != nil {
		return nil, err
	}
	if !d.InCatalogue {
		return nil, errRemoved
	}
	in.Year = d.Year
	fields := in.Validate(s.today())
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		newDivision := d.Division
		if in.DivisionID > 0 {
			name, ok := divisionName(ctx, tx, d.AgencyID, in.DivisionID)
			if !ok {
				fields["division"] = "请选择本单位的处室。"
			}
			newDivision = name
		}
		changes := describeChanges(d, in, newDivision)
		cat, err := loadCatalogue(ctx, tx, d.AgencyID, d.Year)
		if err != nil {
			return err
		}
		if cat.Published && len(changes) > 0 {
			checkAdjustment(fields, in.AdjustedOn, in.AdjustReason, cat, "调整事项内容")
		}
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		if len(changes) == 0 {
			return nil
		}
		d.Title, d.DivisionID, d.Division, d.LegalBasis, d.Summary = in.Title, in.DivisionID, newDivision, in.LegalBasis, in.Summary
		d.PlannedTiming, d.Methods, d.ExpertPlanned, d.RiskPlanned = in.PlannedTiming, in.Methods, in.ExpertPlanned, in.RiskPlanned
		if err := saveDecision(ctx, tx, d, version); err != nil {
			return err
		}
		note := strings.Join(changes, "；")
		if cat.Published {
			if err := insertAdjustment(ctx, tx, Adjustment{DecisionID: d.ID, Kind: Changed, On: in.AdjustedOn, Reason: in.AdjustReason,
				Detail: note}, p.UserID); err != nil {
				return err
			}
			note += "；调整理由：" + in.AdjustReason
		}
		return record(ctx, tx, p, d, "update", "：修改目录事项", note)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func describeChanges(d *MajorDecision, in Entry, division string) []string {
	var out []string
	quote := func(label, from, to string) {
		if from != to {
			out = append(out, fmt.Sprintf("%s由“%s”改为“%s”", label, from, to))
		}
	}
	quote("事项名称", d.Title, in.Title)
	if d.DivisionID != in.DivisionID {
		quote("承办单位", d.Division, division)
	}
	if d.LegalBasis != in.LegalBasis {
		out = append(out, "决策依据已修改")
	}
	if d.Summary != in.Summary {
		out = append(out, "事项概述已修改")
	}
	quote("计划完成时间", d.PlannedTiming, in.PlannedTiming)
	quote("公众参与方式", MethodLabels(d.Methods), MethodLabels(in.Methods))
	plan := func(b bool) string {
		if b {
			return "需要"
		}
		return "不需要"
	}
	quote("专家论证", plan(d.ExpertPlanned), plan(in.ExpertPlanned))
	quote("风险评估", plan(d.RiskPlanned), plan(in.RiskPlanned))
	return out
}

// Remove adjusts a decision out of the catalogue (调整出目录) with the date
// and the reason, which the portal shows. A decision already made cannot be
// removed.
func (s *Service) Remove(ctx context.Context, p *auth.Principal, id int64, version int, on civil.Date, reason string) error {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ManageDecisions)
	if err != nil {
		return err
	}
	switch d.Status {
	case Removed:
		return errRemoved
	case Decided, Published:
		return apperr.New(apperr.Conflict, "该事项已作出决定，不能调整出目录。")
	}
	today := s.today()
	reason = strings.TrimSpace(reason)
	fields := map[string]string{}
	if on.IsZero() {
		fields["removed_on"] = "请填写调整日期。"
	}
	checkPast(fields, "removed_on", "调整日期", on, today)
	checkText(fields, "removed_reason", "调整理由", reason, true, maxReason)
	if _, bad := fields["removed_reason"]; !bad && utf8.RuneCountInString(reason) < 5 {
		fields["removed_reason"] = "请写明调整出目录的理由（至少 5 个字），理由将向社会公开。"
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		cat, err := loadCatalogue(ctx, tx, d.AgencyID, d.Year)
		if err != nil {
			return err
		}
		if cat.Published && !on.IsZero() && on.Before(cat.PublishedOn) {
			fields["removed_on"] = "调整日期不能早于目录公布日期（" + cat.PublishedOn.String() + "）。"
		}
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		d.InCatalogue, d.RemovedOn, d.RemovedReason, d.Status = false, on, reason, Removed
		if err := saveDecision(ctx, tx, d, version); err != nil {
			return err
		}
		if cat.Published {
			if err := insertAdjustment(ctx, tx, Adjustment{DecisionID: d.ID, Kind: Dropped, On: on, Reason: reason}, p.UserID); err != nil {
				return err
			}
		}
		return record(ctx, tx, p, d, "remove", "调整出目录", on.String()+" 调整出目录，理由："+reason)
	})
}

// PublishCatalogue publishes p's agency's catalogue of a year (条例 Art. 3:
// after the Party committee at the same level agreed; note says so). From
// then on its entries are public and every change is an adjustment.
func (s *Service) PublishCatalogue(ctx context.Context, p *auth.Principal, year int, on civil.Date, note string) error {
	if !allowed(p, auth.ManageDecisions) {
		return errForbidden
	}
	today := s.today()
	note = strings.TrimSpace(note)
	fields := map[string]string{}
	if year < 2000 || year > today.Year+1 {
		fields["year"] = "目录年度无效。"
	}
	switch {
	case on.IsZero():
		fields["published_on"] = "请填写公布日期。"
	case on.After(today):
		fields["published_on"] = "公布日期不能晚于今天（" + today.String() + "）。"
	case on.Year < year-1 || on.Year > year:
		fields["published_on"] = fmt.Sprintf("%d 年目录的公布日期应在 %d 年或上一年。", year, year)
	}
	checkText(fields, "note", "党组（党委）同意情况", note, true, maxText)
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.renewed(s.DB.Tx(ctx, func(tx db.Tx) error {
		cat, err := loadCatalogue(ctx, tx, p.AgencyID, year)
		if err != nil {
			return err
		}
		if cat.Published {
			return apperr.New(apperr.Conflict, fmt.Sprintf("%d 年目录已于 %s 公布；此后的变化请以目录调整的方式登记。", year, cat.PublishedOn))
		}
		rows, err := tx.QueryContext(ctx, "SELECT id, title FROM decisions WHERE agency_id = $1 AND year = $2 AND in_catalogue = TRUE ORDER BY sort_order", p.AgencyID, year)
		if err != nil {
			return err
		}
		var entries []*MajorDecision
		for rows.Next() {
			d := &MajorDecision{AgencyID: p.AgencyID}
			if err := rows.Scan(&d.ID, &d.Title); err != nil {
				rows.Close()
				return err
			}
			entries = append(entries, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(entries) == 0 {
			return apperr.FieldErrors(map[string]string{"year": fmt.Sprintf("%d 年目录中还没有决策事项，不能公布。", year)})
		}
		// Publish only what is still unpublished: of two concurrent
		// publications one changes the row, the other is told it is done.
		res, err := tx.ExecContext(ctx, `INSERT INTO decision_catalogues (agency_id, year, published, published_on, note, published_by, updated_at)
			VALUES ($1, $2, TRUE, $3, $4, $5, $6)
			ON CONFLICT (agency_id, year) DO UPDATE SET published = TRUE, published_on = excluded.published_on, note = excluded.note,
				published_by = excluded.published_by, updated_at = excluded.updated_at
			WHERE decision_catalogues.published = FALSE`,
			p.AgencyID, year, on, note, nullID(p.UserID), db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("%d 年目录刚刚已由其他人公布。", year))
		}
		if s.Version != nil {
			if err := s.Version.Bump(ctx, tx); err != nil {
				return err
			}
		}
		for _, d := range entries {
			if err := addEvent(ctx, tx, d.ID, Event{ActorID: p.UserID, Actor: p.Actor().Name, Action: "catalogue.publish",
				Note: fmt.Sprintf("%d 年决策事项目录于 %s 公布（%s）", year, on, note)}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: p.AgencyID, Action: "decision.catalogue.publish", ObjectType: "decision_catalogue",
			ObjectID: fmt.Sprintf("%d/%d", p.AgencyID, year), Summary: fmt.Sprintf("公布 %d 年重大行政决策事项目录（%d 项），%s", year, len(entries), note)})
	}))
}

// Get returns a decision of p's agency.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*MajorDecision, error) {
	return s.scoped(ctx, s.DB.R, p, id, auth.ViewDecisions)
}

// List returns p's agency's decisions.
func (s *Service) List(ctx context.Context, p *auth.Principal, f ListFilter) ([]*MajorDecision, int, error) {
	if !allowed(p, auth.ViewDecisions) {
		return nil, 0, errForbidden
	}
	f.AgencyID, f.Public = p.AgencyID, false
	return listDecisions(ctx, s.DB.R, f)
}

// Years lists the years p's agency has entries for, and this year and the
// next (for planning), newest first.
func (s *Service) Years(ctx context.Context, p *auth.Principal) ([]int, error) {
	if !allowed(p, auth.ViewDecisions) {
		return nil, errForbidden
	}
	ys, err := years(ctx, s.DB.R, p.AgencyID, false)
	if err != nil {
		return nil, err
	}
	t := s.today().Year
	return mergeYears(append(ys, t+1, t)), nil
}

func mergeYears(ys []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, y := range ys {
		if !seen[y] {
			seen[y] = true
			out = append(out, y)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] > out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Catalogue returns p's agency's catalogue of a year.
func (s *Service) Catalogue(ctx context.Context, p *auth.Principal, year int) (Catalogue, error) {
	if !allowed(p, auth.ViewDecisions) {
		return Catalogue{}, errForbidden
	}
	return loadCatalogue(ctx, s.DB.R, p.AgencyID, year)
}

// Detail is everything the console shows of a decision.
type Detail struct {
	*MajorDecision
	Catalogue     Catalogue
	Stages        map[StageKind]Stage
	Hearings      []*Hearing
	Files         []File
	Adjustments   []Adjustment
	Events        []Event
	Consultations []ConsultationRef
	// ConsultationsFailed: the consultations could not be listed.
	ConsultationsFailed bool
}

// Ordered returns the stages in the order of the procedure.
func (d *Detail) Ordered() []Stage { return Ordered(d.Stages) }

// Hearing returns a hearing of the decision (nil if none).
func (d *Detail) Hearing(id int64) *Hearing {
	for _, h := range d.Hearings {
		if h.ID == id {
			return h
		}
	}
	return nil
}

// FilesOf lists the documents of a stage ("" the decision as a whole) that
// belong to no hearing.
func (d *Detail) FilesOf(stage StageKind) []File {
	var out []File
	for _, f := range d.Files {
		if f.Stage == stage && f.HearingID == 0 {
			out = append(out, f)
		}
	}
	return out
}

// HearingFiles lists the documents of a hearing.
func (d *Detail) HearingFiles(id int64) []File {
	var out []File
	for _, f := range d.Files {
		if f.HearingID == id {
			out = append(out, f)
		}
	}
	return out
}

// Detail returns a decision of p's agency with its stages, hearings,
// documents, adjustments, history and consultations.
func (s *Service) Detail(ctx context.Context, p *auth.Principal, id int64) (*Detail, error) {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ViewDecisions)
	if err != nil {
		return nil, err
	}
	return s.detail(ctx, d, false)
}

func (s *Service) detail(ctx context.Context, d *MajorDecision, public bool) (*Detail, error) {
	q := s.DB.R
	out := &Detail{MajorDecision: d}
	var err error
	if out.Catalogue, err = loadCatalogue(ctx, q, d.AgencyID, d.Year); err != nil {
		return nil, err
	}
	if out.Stages, err = listStages(ctx, q, d.ID); err != nil {
		return nil, err
	}
	if st := out.Stages[Legality]; !st.StartedOn.IsZero() && !st.DueOn.IsZero() {
		if cal, err := s.Calendar.Calendar(ctx); err == nil {
			st.ReviewDays, _ = cal.WorkingDaysBetween(st.StartedOn, st.DueOn)
			out.Stages[Legality] = st
		}
	}
	if out.Hearings, err = listHearings(ctx, q, d.ID); err != nil {
		return nil, err
	}
	if out.Files, err = listFiles(ctx, q, d.ID, public); err != nil {
		return nil, err
	}
	if out.Adjustments, err = listAdjustments(ctx, q, "j.decision_id = $1", d.ID); err != nil {
		return nil, err
	}
	if !public {
		if out.Events, err = listEvents(ctx, q, d.ID); err != nil {
			return nil, err
		}
	}
	if s.Consultations != nil {
		refs, err := s.Consultations.ForDecision(ctx, d.ID)
		if err != nil {
			out.ConsultationsFailed = true
		} else {
			out.Consultations = refs
		}
	}
	return out, nil
}

// SaveStage records a stage of a decision; version is the decision's
// version the form was made from. The stage rules (Stage.Validate) and
// those between stages (CheckOrder) apply; the decision's status follows.
func (s *Service) SaveStage(ctx context.Context, p *auth.Principal, id int64, version int, st Stage) (*MajorDecision, error) {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ManageDecisions)
	if err != nil {
		return nil, err
	}
	if !d.InCatalogue {
		return nil, errRemoved
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	st.DecisionID = id
	fields := st.Validate(s.today(), cal)
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		stages, err := listStages(ctx, tx, id)
		if err != nil {
			return err
		}
		old := stages[st.Kind]
		if len(fields) == 0 {
			fields = CheckOrder(stages, st)
		}
		if st.ResponsibleUserID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM staff_users WHERE id = $1 AND agency_id = $2", st.ResponsibleUserID, d.AgencyID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				fields["responsible_user"] = "请选择本单位的工作人员。"
			}
		}
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		if err := saveStage(ctx, tx, st); err != nil {
			return err
		}
		stages[st.Kind] = st
		before := d.Status
		d.Status = DeriveStatus(d.InCatalogue, stages)
		if err := saveDecision(ctx, tx, d, version); err != nil {
			return err
		}
		note := describeStage(old, st)
		if before != d.Status {
			note += "；事项状态：" + before.Label() + " → " + d.Status.Label()
		}
		return record(ctx, tx, p, d, "stage", "："+st.Kind.Label()+" "+old.Status.Label()+" → "+st.Status.Label(), note)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func describeStage(old, st Stage) string {
	parts := []string{st.Kind.Label() + "：" + old.Status.Label() + " → " + st.Status.Label()}
	if st.Status == NotRequired {
		parts = append(parts, "理由："+st.Reason)
	}
	if !st.StartedOn.IsZero() {
		parts = append(parts, "开始 "+st.StartedOn.String())
	}
	if !st.DueOn.IsZero() {
		parts = append(parts, "审查期限 "+st.DueOn.String())
	}
	if !st.FinishedOn.IsZero() {
		parts = append(parts, "完成 "+st.FinishedOn.String())
	}
	if st.Result != "" {
		parts = append(parts, "结果："+st.Result.Label())
	}
	if st.Summary != old.Summary && st.Summary != "" {
		parts = append(parts, "办理情况已更新")
	}
	return strings.Join(parts, "；")
}

// AddHearing records a hearing, symposium, visit, written consultation or
// survey held for a decision.
func (s *Service) AddHearing(ctx context.Context, p *auth.Principal, id int64, h *Hearing) error {
	return s.saveHearing(ctx, p, id, h, true)
}

// UpdateHearing changes a hearing record.
func (s *Service) UpdateHearing(ctx context.Context, p *auth.Principal, id int64, h *Hearing) error {
	return s.saveHearing(ctx, p, id, h, false)
}

func (s *Service) saveHearing(ctx context.Context, p *auth.Principal, id int64, h *Hearing, add bool) error {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ManageDecisions)
	if err != nil {
		return err
	}
	if !d.InCatalogue {
		return errRemoved
	}
	h.DecisionID = id
	if fields := h.Validate(s.today()); len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		note := fmt.Sprintf("%s“%s”，%s", h.Kind.Label(), h.Title, h.HeldOn)
		if h.Place != "" {
			note += "，" + h.Place
		}
		if len(h.Participants) > 0 {
			note += fmt.Sprintf("，参加人 %d 人", len(h.Participants))
		}
		if add {
			if err := insertHearing(ctx, tx, h, p.UserID); err != nil {
				return err
			}
			return record(ctx, tx, p, d, "hearing.add", "：登记"+h.Kind.Label()+"“"+h.Title+"”", note)
		}
		if _, err := getHearing(ctx, tx, id, h.ID); err != nil {
			return err
		}
		if err := updateHearing(ctx, tx, h); err != nil {
			return err
		}
		return record(ctx, tx, p, d, "hearing.update", "：修改"+h.Kind.Label()+"“"+h.Title+"”", note)
	})
}

// Hearing returns a hearing record of a decision of p's agency.
func (s *Service) Hearing(ctx context.Context, p *auth.Principal, id, hearingID int64) (*MajorDecision, *Hearing, error) {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ViewDecisions)
	if err != nil {
		return nil, nil, err
	}
	h, err := getHearing(ctx, s.DB.R, id, hearingID)
	return d, h, err
}

// Upload is a document being uploaded.
type Upload struct {
	Name   string
	Reader io.Reader
}

// checkFileName refuses names that carry a path: a browser sends a bare
// name, so "../../etc/passwd.pdf" is somebody probing.
func checkFileName(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "请选择要上传的文件。"
	case web.Unreadable(name):
		return "文件名含有无法识别的字符，请改名后重新上传。"
	case strings.ContainsAny(name, `/\`) || strings.Contains(name, ".."):
		return "文件名不能包含路径（/ 或 \\）或“..”，请改名后重新上传。"
	case utf8.RuneCountInString(name) > 200:
		return "文件名过长（不超过 200 个字），请改名后重新上传。"
	}
	return ""
}

// AddFile stores a document of a decision: the bytes are checked (the
// platform's allow-list of PDF, OFD, Word, Excel, pictures and video, by
// content) and written before the row commits.
func (s *Service) AddFile(ctx context.Context, p *auth.Principal, id int64, meta FileMeta, up Upload) (*File, error) {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ManageDecisions)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	meta.Title = strings.TrimSpace(meta.Title)
	checkText(fields, "title", "材料名称", meta.Title, false, maxFileTitle)
	if meta.Stage != "" && !meta.Stage.Valid() {
		fields["stage"] = "所属阶段无效。"
	}
	if msg := checkFileName(up.Name); msg != "" {
		fields["file"] = msg
	}
	if meta.HearingID != 0 {
		if _, err := getHearing(ctx, s.DB.R, id, meta.HearingID); err != nil {
			fields["hearing"] = "没有这条听取意见记录。"
		}
	}
	if len(fields) > 0 {
		return nil, apperr.FieldErrors(fields)
	}
	stored, err := blob.Ingest(ctx, s.Blobs, up.Name, up.Reader, s.MaxUpload)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.TooLarge {
			return nil, apperr.FieldErrors(map[string]string{"file": apperr.MessageOf(err)})
		}
		return nil, err
	}
	if meta.Title == "" {
		meta.Title = strings.TrimSuffix(stored.FileName, stored.Kind.Ext())
	}
	f := &File{DecisionID: id, Title: meta.Title, Stage: meta.Stage, HearingID: meta.HearingID, Public: meta.Public, FileName: stored.FileName,
		ContentType: stored.ContentType, Size: stored.Size, SHA256: stored.SHA256}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if f.AttachmentID, err = blob.InsertAttachment(ctx, tx, stored.Attachment(d.AgencyID, "decision", p.UserID)); err != nil {
			return err
		}
		f.CreatedAt = db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO decision_files (decision_id, stage, hearing_id, attachment_id, title, public, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, id, f.Stage, nullID(f.HearingID), f.AttachmentID, f.Title, f.Public,
			nullID(p.UserID), f.CreatedAt).Scan(&f.ID); err != nil {
			return err
		}
		where := "事项"
		if f.Stage != "" {
			where = f.Stage.Label()
		}
		vis := "不公开"
		if f.Public {
			vis = "公开"
		}
		return record(ctx, tx, p, d, "file.add", "：上传材料“"+f.Title+"”", fmt.Sprintf("%s材料“%s”（%s，%d 字节，%s）", where, f.Title, f.FileName, f.Size, vis))
	})
	if err != nil {
		if db.RolledBack(err) {
			s.Blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		}
		return nil, err
	}
	return f, nil
}

// RemoveFile takes a document off a decision (the attachment row stays for
// the audit trail).
func (s *Service) RemoveFile(ctx context.Context, p *auth.Principal, id, fileID int64) error {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ManageDecisions)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		var title string
		if err := tx.QueryRowContext(ctx, "SELECT title FROM decision_files WHERE id = $1 AND decision_id = $2", fileID, id).Scan(&title); err != nil {
			return db.NotFound(err, "没有这份材料。")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM decision_files WHERE id = $1 AND decision_id = $2", fileID, id); err != nil {
			return err
		}
		return record(ctx, tx, p, d, "file.remove", "：删除材料“"+title+"”", "删除材料“"+title+"”")
	})
}

// OpenFile opens a document of a decision of p's agency; downloads are
// audited (hearing records may name people).
func (s *Service) OpenFile(ctx context.Context, p *auth.Principal, id, fileID int64) (File, io.ReadCloser, error) {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ViewDecisions)
	if err != nil {
		return File{}, nil, err
	}
	f, rc, err := s.open(ctx, d, fileID, false)
	if err != nil {
		return File{}, nil, err
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: d.AgencyID, Action: "decision.file.download", ObjectType: "decision",
			ObjectID: strconv.FormatInt(d.ID, 10), Summary: "下载《" + d.Title + "》的材料“" + f.Title + "”"})
	})
	if err != nil {
		rc.Close()
		return File{}, nil, err
	}
	return f, rc, nil
}

func (s *Service) open(ctx context.Context, d *MajorDecision, fileID int64, public bool) (File, io.ReadCloser, error) {
	files, err := listFiles(ctx, s.DB.R, d.ID, public)
	if err != nil {
		return File{}, nil, err
	}
	for _, f := range files {
		if f.ID == fileID {
			_, rc, err := blob.OpenAttachment(ctx, s.DB.R, s.Blobs, d.AgencyID, f.AttachmentID)
			return f, rc, err
		}
	}
	return File{}, nil, apperr.NotFoundf("没有这份材料。")
}

// ---------------------------------------------------------------- public

// PublicCatalogue is an agency's published catalogue of a year.
type PublicCatalogue struct {
	Catalogue
	// Years are the years with a published catalogue, newest first.
	Years []int
	// Entries are in the catalogue; Removed were adjusted out of it.
	Entries     []*MajorDecision
	Removed     []*MajorDecision
	Adjustments []Adjustment
}

// PublicCatalogue returns an agency's published catalogue of year (0: the
// latest). Without a published catalogue of that year it is not found.
func (s *Service) PublicCatalogue(ctx context.Context, agencyID int64, year int) (*PublicCatalogue, error) {
	ys, err := years(ctx, s.DB.R, agencyID, true)
	if err != nil {
		return nil, err
	}
	out := &PublicCatalogue{Years: ys}
	if year == 0 {
		if len(ys) == 0 {
			return out, nil
		}
		year = ys[0]
	}
	if out.Catalogue, err = loadCatalogue(ctx, s.DB.R, agencyID, year); err != nil {
		return nil, err
	}
	if !out.Published {
		return nil, apperr.NotFoundf("%d 年的重大行政决策事项目录尚未公布。", year)
	}
	list, _, err := listDecisions(ctx, s.DB.R, ListFilter{AgencyID: agencyID, Year: year, Public: true})
	if err != nil {
		return nil, err
	}
	for _, d := range list {
		maskDecision(d)
		switch {
		case d.InCatalogue:
			out.Entries = append(out.Entries, d)
		case !d.RemovedOn.Before(out.PublishedOn):
			out.Removed = append(out.Removed, d)
		}
	}
	if out.Adjustments, err = listAdjustments(ctx, s.DB.R, "d.agency_id = $1 AND d.year = $2", agencyID, year); err != nil {
		return nil, err
	}
	for i := range out.Adjustments {
		out.Adjustments[i].Reason = pii.MaskAll(out.Adjustments[i].Reason)
		out.Adjustments[i].Detail = pii.MaskAll(out.Adjustments[i].Detail)
	}
	return out, nil
}

func maskDecision(d *MajorDecision) {
	d.LegalBasis, d.Summary, d.RemovedReason = pii.MaskAll(d.LegalBasis), pii.MaskAll(d.Summary), pii.MaskAll(d.RemovedReason)
}

// PublicDecision returns a decision of a published catalogue as the public
// sees it: public documents only, hearing participants' names masked where
// the record says so, no staff names, personal identifiers in texts masked.
// agencyID 0 accepts any agency (the API).
func (s *Service) PublicDecision(ctx context.Context, agencyID, id int64) (*Detail, error) {
	d, err := s.publicByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if agencyID != 0 && d.AgencyID != agencyID {
		return nil, errNone
	}
	out, err := s.detail(ctx, d, true)
	if err != nil {
		return nil, err
	}
	maskDecision(out.MajorDecision)
	for k, st := range out.Stages {
		st.Responsible, st.ResponsibleUserID, st.ResponsibleName, st.Dissent = "", 0, "", ""
		st.Summary, st.Reason, st.Method = pii.MaskAll(st.Summary), pii.MaskAll(st.Reason), pii.MaskAll(st.Method)
		st.Meeting, st.Venue = pii.MaskAll(st.Meeting), pii.MaskAll(st.Venue)
		if st.Status == NotStarted {
			st.Summary = ""
		}
		out.Stages[k] = st
	}
	for _, h := range out.Hearings {
		maskHearing(h)
	}
	for i := range out.Adjustments {
		out.Adjustments[i].Reason, out.Adjustments[i].Detail = pii.MaskAll(out.Adjustments[i].Reason), pii.MaskAll(out.Adjustments[i].Detail)
	}
	return out, nil
}

// publicByID returns a decision of a published catalogue.
func (s *Service) publicByID(ctx context.Context, id int64) (*MajorDecision, error) {
	d, err := getDecision(ctx, s.DB.R, id)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, errNone
		}
		return nil, err
	}
	cat, err := loadCatalogue(ctx, s.DB.R, d.AgencyID, d.Year)
	if err != nil {
		return nil, err
	}
	// Entries dropped before the catalogue was published were never public.
	if !cat.Published || (!d.InCatalogue && d.RemovedOn.Before(cat.PublishedOn)) {
		return nil, errNone
	}
	return d, nil
}

// maskHearing makes a hearing record fit for a public page.
func maskHearing(h *Hearing) {
	for i, p := range h.Participants {
		if h.MaskNames {
			p.Name = MaskName(p.Name)
		}
		p.Role = pii.MaskAll(p.Role)
		h.Participants[i] = p
	}
	h.Place, h.Selection, h.Summary, h.Results = pii.MaskAll(h.Place), pii.MaskAll(h.Selection), pii.MaskAll(h.Summary), pii.MaskAll(h.Results)
}

// MaskName is a participant's name as public pages show it (web.MaskName:
// 张*, 欧阳**).
func MaskName(name string) string {
	if m := web.MaskName(name); m != "" {
		return m
	}
	return "*"
}

// PublicList lists the decisions of published catalogues.
func (s *Service) PublicList(ctx context.Context, f ListFilter) ([]*MajorDecision, int, error) {
	f.Public, f.Status = true, ""
	list, total, err := listDecisions(ctx, s.DB.R, f)
	for _, d := range list {
		maskDecision(d)
	}
	return list, total, err
}

// OpenPublicFile opens a public document of a decision of a published
// catalogue.
func (s *Service) OpenPublicFile(ctx context.Context, agencyID, id, fileID int64) (File, io.ReadCloser, error) {
	d, err := s.publicByID(ctx, id)
	if err != nil {
		return File{}, nil, err
	}
	if d.AgencyID != agencyID {
		return File{}, nil, errNone
	}
	return s.open(ctx, d, fileID, true)
}
