package application

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// ---------------------------------------------------------------- remedies

// RemedyKind is the kind of proceeding against a reply: the three blocks of
// annual-report table four.
type RemedyKind string

// Remedy kinds.
const (
	Reconsideration    RemedyKind = "reconsideration"     // 行政复议
	LitigationDirect   RemedyKind = "litigation_direct"   // 行政诉讼：未经复议直接起诉
	LitigationAfterRev RemedyKind = "litigation_after_rv" // 行政诉讼：复议后起诉
)

// RemedyKinds lists the kinds in the column order of table four.
var RemedyKinds = []RemedyKind{Reconsideration, LitigationDirect, LitigationAfterRev}

// Label is the Chinese name.
func (k RemedyKind) Label() string {
	switch k {
	case Reconsideration:
		return "行政复议"
	case LitigationDirect:
		return "行政诉讼（未经复议直接起诉）"
	case LitigationAfterRev:
		return "行政诉讼（复议后起诉）"
	}
	return ""
}

// RemedyResult is a proceeding's result (the columns of each block).
type RemedyResult string

// Results.
const (
	Maintained RemedyResult = "maintained" // 结果维持
	Corrected  RemedyResult = "corrected"  // 结果纠正
	OtherRes   RemedyResult = "other"      // 其他结果
	Pending    RemedyResult = "pending"    // 尚未审结
)

// RemedyResults lists the results in column order.
var RemedyResults = []RemedyResult{Maintained, Corrected, OtherRes, Pending}

// Label is the Chinese name.
func (r RemedyResult) Label() string {
	switch r {
	case Maintained:
		return "结果维持"
	case Corrected:
		return "结果纠正"
	case OtherRes:
		return "其他结果"
	case Pending:
		return "尚未审结"
	}
	return ""
}

// Remedy is a reconsideration or lawsuit about an application.
type Remedy struct {
	ID         int64
	Kind       RemedyKind
	FiledOn    civil.Date
	Body       string // 复议机关 or 法院
	CaseNumber string
	Result     RemedyResult
	DecidedOn  civil.Date
	Note       string
}

func listRemedies(ctx context.Context, q db.Querier, appID int64) ([]Remedy, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, filed_on, body, case_number, result, decided_on, note
		FROM application_remedies WHERE application_id = $1 ORDER BY id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Remedy
	for rows.Next() {
		var r Remedy
		if err := rows.Scan(&r.ID, &r.Kind, &r.FiledOn, &r.Body, &r.CaseNumber, &r.Result, &r.DecidedOn, &r.Note); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Remedies returns the proceedings about an application.
func (s *Service) Remedies(ctx context.Context, p *auth.Principal, id int64) ([]Remedy, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return listRemedies(ctx, s.DB.R, id)
}

// SaveRemedy records a proceeding (ID 0) or its result, for a replied or
// closed application.
func (s *Service) SaveRemedy(ctx context.Context, p *auth.Principal, id int64, in Remedy) error {
	fields := map[string]string{}
	in.Body, in.CaseNumber, in.Note = strings.TrimSpace(in.Body), strings.TrimSpace(in.CaseNumber), strings.TrimSpace(in.Note)
	today := s.today()
	if in.Kind.Label() == "" {
		fields["remedy_kind"] = "请选择行政复议或行政诉讼。"
	}
	if in.FiledOn.IsZero() || in.FiledOn.After(today) {
		fields["filed_on"] = "请填写申请复议或起诉的日期（不晚于今天）。"
	}
	if in.Result == "" {
		in.Result = Pending
	}
	if in.Result.Label() == "" {
		fields["result"] = "结果无效。"
	}
	if in.Result != Pending && (in.DecidedOn.IsZero() || in.DecidedOn.Before(in.FiledOn) || in.DecidedOn.After(today)) {
		fields["decided_on"] = "请填写作出决定或裁判的日期（不早于申请或起诉日期，不晚于今天）。"
	}
	if in.Result == Pending {
		in.DecidedOn = civil.Date{}
	}
	for k, v := range map[string]string{"body": in.Body, "case_number": in.CaseNumber, "note": in.Note} {
		if hostile(v) || utf8Len(v) > 500 {
			fields[k] = "内容过长或含有无法识别的字符。"
		}
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		a, err := getApp(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(p, a) {
			return errNoApp
		}
		if !canAct(p, a) {
			return apperr.New(apperr.Forbidden, "您无权办理这件申请。")
		}
		if a.State.Open() {
			return apperr.New(apperr.Conflict, "申请办结后才能登记行政复议或行政诉讼。")
		}
		done := a.RepliedOn
		if done.IsZero() {
			done = a.ClosedOn
		}
		if in.FiledOn.Before(done) {
			return apperr.FieldErrors(map[string]string{"filed_on": "申请复议或起诉的日期不能早于答复或办结日期（" + done.String() + "）。"})
		}
		if in.ID == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO application_remedies (application_id, kind, filed_on, body, case_number, result, decided_on, note, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, a.ID, in.Kind, in.FiledOn, in.Body, in.CaseNumber, in.Result, in.DecidedOn, in.Note, db.Now()); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE application_remedies SET kind = $3, filed_on = $4, body = $5, case_number = $6,
				result = $7, decided_on = $8, note = $9 WHERE id = $1 AND application_id = $2`,
				in.ID, a.ID, in.Kind, in.FiledOn, in.Body, in.CaseNumber, in.Result, in.DecidedOn, in.Note)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.NotFoundf("没有这条复议或诉讼记录。")
			}
		}
		note := fmt.Sprintf("%s（%s 提起%s%s）：%s", in.Kind.Label(), in.FiledOn, in.Body, map[bool]string{true: "，案号 " + in.CaseNumber, false: ""}[in.CaseNumber != ""], in.Result.Label())
		if err := addEvent(ctx, tx, a.ID, Event{On: today, ActorID: p.UserID, Actor: p.Actor().Name, Action: "remedy", Note: note}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: a.AgencyID, Action: "application.remedy",
			ObjectType: "application", ObjectID: a.Number, Summary: "申请 " + a.Number + " 登记" + note})
	})
}

// TableFour is annual-report table four of an agency and year: for each of
// the three blocks (RemedyKinds), the counts by result and the total.
// Proceedings count in the year they were filed, with their result as at 31
// December of that year (decided later: 尚未审结).
type TableFour struct {
	Year  int
	Cells [3][5]int // block × (维持, 纠正, 其他, 尚未审结, 总计)
}

// TableFour computes table four.
func (s *Service) TableFour(ctx context.Context, agencyID int64, year int) (TableFour, error) {
	t := TableFour{Year: year}
	first, next := civil.New(year, 1, 1), civil.New(year+1, 1, 1)
	rows, err := s.DB.R.QueryContext(ctx, `SELECT r.kind, r.result, r.decided_on FROM application_remedies r
		JOIN applications a ON a.id = r.application_id
		WHERE a.agency_id = $1 AND r.filed_on >= $2 AND r.filed_on < $3`, agencyID, first, next)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			kind    RemedyKind
			result  RemedyResult
			decided civil.Date
		)
		if err := rows.Scan(&kind, &result, &decided); err != nil {
			return t, err
		}
		b := slices.Index(RemedyKinds, kind)
		if b < 0 {
			continue
		}
		if decided.IsZero() || !decided.Before(next) {
			result = Pending
		}
		c := slices.Index(RemedyResults, result)
		if c < 0 {
			c = 2
		}
		t.Cells[b][c]++
		t.Cells[b][4]++
	}
	return t, rows.Err()
}

// ---------------------------------------------------------------- Art. 44

// Drafts turns information disclosed on application into a draft for
// proactive disclosure (implemented by the disclosure capability, wired in
// app). It returns the console address of the new draft.
type Drafts interface {
	DraftFromApplication(ctx context.Context, p *auth.Principal, agencyID int64, d ProactiveDraft) (string, error)
}

// ProactiveDraft is what an application gives the new draft.
type ProactiveDraft struct {
	Title string
	Body  string
	Files []DraftFile
}

// DraftFile is a file provided with the reply, copied to the draft.
type DraftFile struct {
	Name   string
	Reader io.Reader
}

// ToProactive starts a draft proactive item from a replied application
// whose information was (partly) disclosed (条例 Art. 44: information many
// ask for, which may be disclosed, is to be disclosed proactively). The
// draft goes through the usual review before publication.
func (s *Service) ToProactive(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if s.Drafts == nil {
		return "", apperr.New(apperr.Conflict, "本平台未启用主动公开。")
	}
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return "", err
	}
	if !canAct(p, a) {
		return "", apperr.New(apperr.Forbidden, "您无权办理这件申请。")
	}
	if a.State != Replied || (a.Outcome != OutDisclose && a.Outcome != OutPartial) {
		return "", apperr.New(apperr.Conflict, "只有予以公开或部分公开的答复可以转为主动公开。")
	}
	files, err := listFiles(ctx, s.DB.R, a.ID)
	if err != nil {
		return "", err
	}
	d := ProactiveDraft{Title: a.Request.Title, Body: a.ReplyText}
	if d.Title == "" {
		d.Title = a.Subject()
	}
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for _, f := range files {
		if f.Kind != FileReply {
			continue
		}
		rc, err := s.openAttachment(ctx, a.AgencyID, f.AttachmentID)
		if err != nil {
			return "", err
		}
		closers = append(closers, rc)
		d.Files = append(d.Files, DraftFile{Name: f.Name, Reader: rc})
	}
	url, err := s.Drafts.DraftFromApplication(ctx, p, a.AgencyID, d)
	if err != nil {
		return "", err
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		if err := addEvent(ctx, tx, a.ID, Event{On: s.today(), ActorID: p.UserID, Actor: p.Actor().Name, Action: "to_proactive",
			Note: "依条例第四十四条转为主动公开草稿：" + url}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: a.AgencyID, Action: "application.to_proactive",
			ObjectType: "application", ObjectID: a.Number, Summary: "申请 " + a.Number + " 的答复信息转为主动公开草稿"})
	})
	return url, err
}

// ---------------------------------------------------------------- repeats

// Similar is an earlier application that looks like this one.
type Similar struct {
	App        *Application
	Score      float64 // share of shared character pairs, 0–1
	SamePerson bool    // the same identity number
}

// SimilarTo returns up to five earlier applications of the agency (the last
// two years) whose request shares most of its character pairs with this
// one's, or that come from the same person and look alike, to spot repeated
// applications (Art. 36 (六)).
func (s *Service) SimilarTo(ctx context.Context, p *auth.Principal, id int64) ([]Similar, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	want := pairs(a.Request.Title + " " + a.Request.DocNumber + " " + a.Request.Description)
	if len(want) == 0 {
		return nil, nil
	}
	since := civil.Of(s.Now().Add(-2 * 365 * 24 * time.Hour))
	rows, err := s.DB.R.QueryContext(ctx, "SELECT "+appColumns+` FROM applications
		WHERE agency_id = $1 AND id <> $2 AND received_on >= $3 AND id < $2 ORDER BY id DESC LIMIT 2000`, a.AgencyID, a.ID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Similar
	for rows.Next() {
		b, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		score := overlap(want, pairs(b.Request.Title+" "+b.Request.DocNumber+" "+b.Request.Description))
		same := b.Applicant.IDNumber != "" && b.Applicant.IDNumber == a.Applicant.IDNumber
		if score >= 0.5 || (same && score >= 0.3) {
			b.Applicant = b.Applicant.Masked()
			out = append(out, Similar{App: b, Score: score, SamePerson: same})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(x, y Similar) int {
		switch {
		case x.SamePerson != y.SamePerson:
			if x.SamePerson {
				return -1
			}
			return 1
		case x.Score > y.Score:
			return -1
		case x.Score < y.Score:
			return 1
		}
		return 0
	})
	if len(out) > 5 {
		out = out[:5]
	}
	return out, nil
}

// pairs is the set of adjacent letter or digit pairs of s (Chinese text has
// no spaces; pairs of characters are its natural unit).
func pairs(s string) map[string]bool {
	var rs []rune
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, r)
		} else {
			rs = append(rs, ' ')
		}
	}
	out := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		if rs[i] != ' ' && rs[i+1] != ' ' {
			out[string(rs[i:i+2])] = true
		}
	}
	return out
}

// overlap is the share of a's pairs that b has too.
func overlap(a, b map[string]bool) float64 {
	if len(a) == 0 {
		return 0
	}
	n := 0
	for k := range a {
		if b[k] {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

// ---------------------------------------------------------------- retention

// PurgeExpired removes the personal data of applications replied to or
// closed more than the agency's retention period ago: the applicant's
// name, identity number and contact details are cleared and the files the
// applicant sent deleted; what the statistics need (the applicant type,
// dates, outcome) stays. It returns how many applications were purged.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	today := s.today()
	rows, err := s.DB.R.QueryContext(ctx, `SELECT a.id, a.agency_id, COALESCE(a.replied_on, a.closed_on), COALESCE(st.retention_years, 10)
		FROM applications a LEFT JOIN application_settings st ON st.agency_id = a.agency_id
		WHERE a.state IN ('replied', 'closed') AND a.purged_on IS NULL ORDER BY a.id`)
	if err != nil {
		return 0, err
	}
	type due struct {
		id, agency int64
	}
	var list []due
	for rows.Next() {
		var (
			id, agency int64
			done       civil.Date
			years      int
		)
		if err := rows.Scan(&id, &agency, &done, &years); err != nil {
			rows.Close()
			return 0, err
		}
		if !done.IsZero() && done.Time().AddDate(years, 0, 0).Before(today.Time()) {
			list = append(list, due{id, agency})
		}
	}
	rows.Close()
	n := 0
	for _, d := range list {
		var keys []string
		err := s.DB.Tx(ctx, func(tx db.Tx) error {
			frows, err := tx.QueryContext(ctx, `SELECT f.id, f.attachment_id, att.blob_key FROM application_files f
				JOIN attachments att ON att.id = f.attachment_id WHERE f.application_id = $1 AND f.from_applicant = TRUE`, d.id)
			if err != nil {
				return err
			}
			var fileIDs, attIDs []int64
			for frows.Next() {
				var fid, aid int64
				var key string
				if err := frows.Scan(&fid, &aid, &key); err != nil {
					frows.Close()
					return err
				}
				fileIDs, attIDs, keys = append(fileIDs, fid), append(attIDs, aid), append(keys, key)
			}
			frows.Close()
			for i := range fileIDs {
				if _, err := tx.ExecContext(ctx, "DELETE FROM application_files WHERE id = $1", fileIDs[i]); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "DELETE FROM attachments WHERE id = $1", attIDs[i]); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE applications SET applicant_name = '（已删除）', id_number = '', contact = '',
				phone = '', email = '', address = '', postcode = '', purged_on = $2 WHERE id = $1`, d.id, today); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, d.id, Event{On: today, Actor: "系统", Action: "purge",
				Note: fmt.Sprintf("保存期限届满，删除申请人个人信息和提交的 %d 个文件", len(fileIDs))}); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.System, audit.Event{AgencyID: d.agency, Action: "application.purge",
				ObjectType: "application", ObjectID: strconv.FormatInt(d.id, 10), Summary: "保存期限届满，删除申请人个人信息"})
		})
		if err != nil {
			return n, err
		}
		for _, k := range keys {
			s.Blobs.Delete(ctx, k) // the rows are gone; a blob left behind is an orphan the blob job removes
		}
		n++
	}
	return n, nil
}

// MonthlyRank is the application's place among those the same applicant (by
// identity number) made to the agency in the same calendar month: the rank
// that sets the per-application fee band.
func (s *Service) MonthlyRank(ctx context.Context, a *Application) (int, error) {
	first := civil.New(a.ReceivedOn.Year, a.ReceivedOn.Month, 1)
	next := first.AddDays(32)
	next = civil.New(next.Year, next.Month, 1)
	var n int
	err := s.DB.R.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE agency_id = $1 AND id_type = $2 AND id_number = $3
		AND received_on >= $4 AND received_on < $5 AND id <= $6`, a.AgencyID, a.Applicant.IDType, a.Applicant.IDNumber, first, next, a.ID).Scan(&n)
	return n, err
}
