package directory

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

// Clergy verification (教职人员身份核验). The public side never lists clergy:
// a person gives a name and a certificate number and learns whether a
// filing matches both, with the few fields the national query systems
// already publish. Against enumeration:
//
//   - both the name and the number must match (a number alone reveals
//     nothing: a wrong name and an unknown number give the same answer);
//   - each address may ask VerifyLimit times an hour and VerifyDayLimit
//     times a day, then gets 429 with Retry-After;
//   - after ChallengeAfterMisses answers of "no match" within an hour, the
//     form asks an accessible text question before it answers again;
//   - every query, answered or refused, is logged for the staff.

// The verification limits per client address.
var (
	VerifyLimit          = ratelimit.Rule{Max: 20, Window: time.Hour}
	VerifyDayLimit       = ratelimit.Rule{Max: 60, Window: 24 * time.Hour}
	ChallengeAfterMisses = ratelimit.Rule{Max: 3, Window: time.Hour}
)

// Query outcomes in the log.
const (
	OutcomeMatch     = "match"
	OutcomeNoMatch   = "no_match"
	OutcomeLimited   = "limited"
	OutcomeChallenge = "challenge_failed"
	OutcomeInvalid   = "invalid"
)

// OutcomeLabel is an outcome in Chinese.
func OutcomeLabel(o string) string {
	switch o {
	case OutcomeMatch:
		return "查询到"
	case OutcomeNoMatch:
		return "未查询到"
	case OutcomeLimited:
		return "超出频率限制"
	case OutcomeChallenge:
		return "验证问题未通过"
	case OutcomeInvalid:
		return "输入有误"
	}
	return o
}

// LimitedError refuses a query over the limits; Wait is how long until
// the address may ask again. It unwraps to a RateLimited apperr.Error.
type LimitedError struct {
	Wait time.Duration
	err  *apperr.Error
}

func (e *LimitedError) Error() string { return e.err.Error() }
func (e *LimitedError) Unwrap() error { return e.err }

// VerifyQuery is a public verification request.
type VerifyQuery struct {
	Name, Number string
	IP           string
}

// VerifyResult is the answer: Entry is nil when nothing matches.
type VerifyResult struct {
	Entry *Entry
	// PhotoToken is a short-lived signed reference to the photo ("" when
	// there is none).
	PhotoToken string
}

// NeedsChallenge reports whether ip must answer the challenge question
// before its next query.
func (s *Service) NeedsChallenge(ctx context.Context, ip string) bool {
	if s.Limiter == nil {
		return false
	}
	over, _, err := s.Limiter.Exceeded(ctx, "clergy.miss:"+ratelimit.Client(ip), ChallengeAfterMisses)
	return err != nil || over
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// LogRefused records a query refused before it was answered (the
// challenge failed): it counts as a miss.
func (s *Service) LogRefused(ctx context.Context, agencyID int64, q VerifyQuery, outcome string) error {
	if s.Limiter != nil {
		if _, _, err := s.Limiter.Hit(ctx, "clergy.miss:"+ratelimit.Client(q.IP), ChallengeAfterMisses); err != nil {
			return err
		}
	}
	return s.logQuery(ctx, agencyID, q, outcome, 0)
}

func (s *Service) logQuery(ctx context.Context, agencyID int64, q VerifyQuery, outcome string, entryID int64) error {
	var entry any
	if entryID != 0 {
		entry = entryID
	}
	name := strings.TrimSpace(q.Name)
	if unreadable(name) {
		name = "（无法识别的字符）"
	}
	number := strings.TrimSpace(q.Number)
	if unreadable(number) {
		number = "（无法识别的字符）"
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO clergy_queries (agency_id, queried_at, ip, name, number, outcome, entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			agencyID, s.now(), clip(q.IP, 64), clip(name, 60), clip(number, 60), outcome, entry)
		return err
	})
}

// VerifyClergy answers a public verification query against the filings of
// an agency and the agencies below it. Refused queries return RateLimited
// (with the wait in the message); every query is logged.
func (s *Service) VerifyClergy(ctx context.Context, agencyID int64, q VerifyQuery) (*VerifyResult, error) {
	if s.Limiter != nil {
		for _, rule := range []struct {
			key  string
			rule ratelimit.Rule
		}{{"clergy.verify:", VerifyLimit}, {"clergy.verify.day:", VerifyDayLimit}} {
			ok, wait, err := s.Limiter.Hit(ctx, rule.key+ratelimit.Client(q.IP), rule.rule)
			if err != nil {
				return nil, err
			}
			if !ok {
				if err := s.logQuery(ctx, agencyID, q, OutcomeLimited, 0); err != nil {
					return nil, err
				}
				mins := int(wait.Minutes()) + 1
				return nil, &LimitedError{Wait: wait, err: apperr.New(apperr.RateLimited, "查询过于频繁，请在 "+strconv.Itoa(mins)+" 分钟后再试。")}
			}
		}
	}
	bad := map[string]string{}
	name, number := NormalizeName(q.Name), NormalizeNumber(q.Number)
	switch {
	case name == "":
		bad["name"] = "请填写姓名（或法名、道号、教名）。"
	case utf8.RuneCountInString(name) > 50 || unreadable(q.Name):
		bad["name"] = "姓名不能超过 50 个字，且不能含有无法识别的字符。"
	}
	switch {
	case number == "":
		bad["number"] = "请填写教职人员证书编号。"
	case !numberRE.MatchString(number):
		bad["number"] = "证书编号只能由汉字、字母、数字和连接号组成，2 至 40 个字符。"
	}
	if len(bad) > 0 {
		if err := s.logQuery(ctx, agencyID, q, OutcomeInvalid, 0); err != nil {
			return nil, err
		}
		return nil, apperr.FieldErrors(bad)
	}
	ids, refs, err := s.family(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	list, err := s.query(ctx, s.DB.R, "e.kind = $1 AND e.number = $2", string(Clergy), number)
	if err != nil {
		return nil, err
	}
	var match *Entry
	if len(list) == 1 && contains(ids, list[0].AgencyID) {
		e := list[0]
		if NormalizeName(e.Values["name"]) == name || (e.Values["religious_name"] != "" && NormalizeName(e.Values["religious_name"]) == name) {
			match = e
		}
	}
	if match == nil {
		if s.Limiter != nil {
			if _, _, err := s.Limiter.Hit(ctx, "clergy.miss:"+ratelimit.Client(q.IP), ChallengeAfterMisses); err != nil {
				return nil, err
			}
		}
		if err := s.logQuery(ctx, agencyID, q, OutcomeNoMatch, 0); err != nil {
			return nil, err
		}
		return &VerifyResult{}, nil
	}
	if err := s.complete(ctx, []*Entry{match}, refs); err != nil {
		return nil, err
	}
	if err := s.logQuery(ctx, agencyID, q, OutcomeMatch, match.ID); err != nil {
		return nil, err
	}
	res := &VerifyResult{Entry: match}
	if match.PhotoID != 0 {
		res.PhotoToken = s.photoToken(match.ID, s.Now().Add(PhotoTokenTTL))
	}
	return res, nil
}

// PhotoTokenTTL is how long the photo of a match may be fetched.
const PhotoTokenTTL = 15 * time.Minute

func (s *Service) photoToken(id int64, expires time.Time) string {
	if len(s.PhotoKey) < 32 {
		return ""
	}
	b := make([]byte, 16, 32)
	// #nosec G115 -- the two int64s are stored as their 64 bits and read back by openToken
	binary.BigEndian.PutUint64(b, uint64(id))
	binary.BigEndian.PutUint64(b[8:], uint64(expires.Unix())) // #nosec G115 -- as above
	m := hmac.New(sha256.New, s.PhotoKey)
	m.Write([]byte("clergy-photo"))
	m.Write(b)
	b = append(b, m.Sum(nil)[:16]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Service) openToken(tok string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 32 || len(s.PhotoKey) < 32 {
		return 0, false
	}
	m := hmac.New(sha256.New, s.PhotoKey)
	m.Write([]byte("clergy-photo"))
	m.Write(b[:16])
	if !hmac.Equal(m.Sum(nil)[:16], b[16:]) {
		return 0, false
	}
	// #nosec G115 -- MAC-checked bits that photoToken wrote from int64s
	if time.Unix(int64(binary.BigEndian.Uint64(b[8:16])), 0).Before(s.Now()) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b[:8])), true // #nosec G115 -- as above
}

// PublicPhoto opens the photo a verification match referred to; NotFound
// once the token has expired.
func (s *Service) PublicPhoto(ctx context.Context, token string) (blob.Attachment, io.ReadCloser, error) {
	id, ok := s.openToken(token)
	if !ok {
		return blob.Attachment{}, nil, apperr.NotFoundf("照片链接已过期，请重新查询。")
	}
	list, err := s.query(ctx, s.DB.R, "e.id = $1 AND e.kind = $2", id, string(Clergy))
	if err != nil {
		return blob.Attachment{}, nil, err
	}
	if len(list) == 0 || list[0].PhotoID == 0 || s.Blobs == nil {
		return blob.Attachment{}, nil, apperr.NotFoundf("没有照片。")
	}
	return blob.OpenAttachment(ctx, s.DB.R, s.Blobs, list[0].AgencyID, list[0].PhotoID)
}

// Upload is an uploaded file as received.
type Upload struct {
	Name   string
	Reader io.Reader
}

// SetPhoto stores a clergy record's photo (JPEG or PNG), replacing the old.
func (s *Service) SetPhoto(ctx context.Context, p *auth.Principal, id int64, up Upload) error {
	if err := s.allowed(p, Clergy); err != nil {
		return err
	}
	e, err := s.entry(ctx, p, Clergy, id)
	if err != nil {
		return err
	}
	if !CanEdit(p, e) {
		return errNotOwn
	}
	if up.Reader == nil {
		return apperr.FieldErrors(map[string]string{"photo": "请选择照片。"})
	}
	if s.Blobs == nil {
		return apperr.New(apperr.Conflict, "附件存储尚未配置，不能上传照片。")
	}
	if strings.ContainsAny(up.Name, `/\`) || strings.Contains(up.Name, "..") {
		return apperr.FieldErrors(map[string]string{"photo": "文件名不能包含路径，请重命名后再上传。"})
	}
	stored, err := blob.Ingest(ctx, s.Blobs, up.Name, up.Reader, MaxPhotoBytes)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.TooLarge {
			return apperr.FieldErrors(map[string]string{"photo": apperr.MessageOf(err)})
		}
		return err
	}
	if stored.Kind != blob.JPEG && stored.Kind != blob.PNG {
		s.Blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		return apperr.FieldErrors(map[string]string{"photo": "照片只能是 JPG 或 PNG 图片。"})
	}
	var oldKey string
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		attID, err := blob.InsertAttachment(ctx, tx, stored.Attachment(e.AgencyID, "clergy-photo", p.UserID))
		if err != nil {
			return err
		}
		if oldKey, err = s.dropPhoto(ctx, tx, e.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE directory_entries SET photo_attachment_id = $1, updated_at = $2 WHERE id = $3`, attID, s.now(), e.ID); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, e, "photo", "form", nil, "", p, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, e.AgencyID, "clergy.photo", e.ID, "更换教职人员照片："+e.Name)
	})
	if err != nil {
		if db.RolledBack(err) {
			s.Blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		}
		return err
	}
	if oldKey != "" {
		s.Blobs.Delete(context.WithoutCancel(ctx), oldKey)
	}
	return nil
}

// dropPhoto unlinks and deletes an entry's photo attachment row, returning
// its blob key to delete after commit.
func (s *Service) dropPhoto(ctx context.Context, tx db.Tx, id int64) (string, error) {
	var old sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT photo_attachment_id FROM directory_entries WHERE id = $1`, id).Scan(&old); err != nil {
		return "", err
	}
	if !old.Valid {
		return "", nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE directory_entries SET photo_attachment_id = NULL WHERE id = $1`, id); err != nil {
		return "", err
	}
	var key string
	if err := tx.QueryRowContext(ctx, `SELECT blob_key FROM attachments WHERE id = $1`, old.Int64).Scan(&key); err != nil {
		return "", err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1`, old.Int64)
	return key, err
}

// RemovePhoto deletes a clergy record's photo.
func (s *Service) RemovePhoto(ctx context.Context, p *auth.Principal, id int64) error {
	if err := s.allowed(p, Clergy); err != nil {
		return err
	}
	e, err := s.entry(ctx, p, Clergy, id)
	if err != nil {
		return err
	}
	if !CanEdit(p, e) {
		return errNotOwn
	}
	var key string
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		var err error
		if key, err = s.dropPhoto(ctx, tx, e.ID); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, e, "photo_removed", "form", nil, "", p, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, e.AgencyID, "clergy.photo_remove", e.ID, "删除教职人员照片："+e.Name)
	})
	if err == nil && key != "" && s.Blobs != nil {
		s.Blobs.Delete(context.WithoutCancel(ctx), key)
	}
	return err
}

// Photo opens a clergy record's photo for the console.
func (s *Service) Photo(ctx context.Context, p *auth.Principal, id int64) (blob.Attachment, io.ReadCloser, error) {
	if err := s.allowed(p, Clergy); err != nil {
		return blob.Attachment{}, nil, err
	}
	e, err := s.entry(ctx, p, Clergy, id)
	if err != nil {
		return blob.Attachment{}, nil, err
	}
	if e.PhotoID == 0 || s.Blobs == nil {
		return blob.Attachment{}, nil, apperr.NotFoundf("没有照片。")
	}
	return blob.OpenAttachment(ctx, s.DB.R, s.Blobs, e.AgencyID, e.PhotoID)
}

// QueryLogEntry is one logged verification query.
type QueryLogEntry struct {
	ID       int64
	AgencyID int64
	At       time.Time
	IP       string
	Name     string
	Number   string
	Outcome  string
	EntryID  int64
}

// OutcomeLabel is the outcome in Chinese.
func (q QueryLogEntry) OutcomeLabel() string { return OutcomeLabel(q.Outcome) }

// QueryLogPerPage is the length of a page of the query log.
const QueryLogPerPage = 50

// QueryLog lists the verification queries made against p's agency's
// pages (and those below it), newest first; outcome narrows it.
func (s *Service) QueryLog(ctx context.Context, p *auth.Principal, outcome string, page int) ([]QueryLogEntry, int, error) {
	if err := s.allowed(p, Clergy); err != nil {
		return nil, 0, err
	}
	ids, _, err := s.family(ctx, p.AgencyID)
	if err != nil {
		return nil, 0, err
	}
	args := []any{}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	where := "agency_id IN (" + strings.Join(ph, ", ") + ")"
	if outcome != "" {
		args = append(args, outcome)
		where += " AND outcome = $" + strconv.Itoa(len(args))
	}
	var total int
	if err := s.DB.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM clergy_queries WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, db.Classify(err)
	}
	// A page number from the URL: capped so that the offset cannot overflow
	// into a negative OFFSET (a database error instead of an empty page).
	page = min(max(page, 1), 1<<20)
	// #nosec G202 G701 -- where holds only $N placeholders and constant text; the values are in args
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, agency_id, queried_at, ip, name, number, outcome, COALESCE(entry_id, 0) FROM clergy_queries WHERE `+where+
		` ORDER BY queried_at DESC, id DESC LIMIT `+strconv.Itoa(QueryLogPerPage)+` OFFSET `+strconv.Itoa((page-1)*QueryLogPerPage), args...)
	if err != nil {
		return nil, 0, db.Classify(err)
	}
	defer rows.Close()
	var out []QueryLogEntry
	for rows.Next() {
		var q QueryLogEntry
		if err := rows.Scan(&q.ID, &q.AgencyID, &q.At, &q.IP, &q.Name, &q.Number, &q.Outcome, &q.EntryID); err != nil {
			return nil, 0, err
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		return s.record(ctx, tx, p, p.AgencyID, "clergy.querylog", 0, "查看教职人员核验查询记录（第 "+strconv.Itoa(page)+" 页）")
	})
	return out, total, err
}
