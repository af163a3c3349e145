package disclosure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// 政策解读 (domain-reference §4.4): an interpretation is an information
// item linked to the policies it explains, in one of these forms. A
// policy — an item of the 政策文件 column or of a policy genre — is to be
// published with its interpretation, or followed by it within the
// agency's number of working days (default 0); the disclosure office sees
// the policies that are not.

// InterpForms are the forms of interpretation.
var InterpForms = []struct{ Code, Label string }{
	{"text", "文字解读"}, {"graphic", "图解"}, {"video", "视频解读"}, {"audio", "音频解读"}, {"qa", "问答解读"}, {"interview", "新闻发布会或访谈实录"},
}

// InterpFormLabel names a form.
func InterpFormLabel(code string) string {
	for _, f := range InterpForms {
		if f.Code == code {
			return f.Label
		}
	}
	return ""
}

// policyGenres are the genres of documents that state policy.
var policyGenres = map[string]bool{"意见": true, "办法": true, "规定": true, "决定": true, "规划": true, "方案": true}

// policyColumn is the 政策文件 column of the unified catalogue.
const policyColumn = "zcwj"

// Frame is one image of a 图解.
type Frame struct {
	AttachmentID int64
	Seq          int
	Alt          string
	Description  string
	FileName     string
}

// QA is a question and its answer.
type QA struct {
	Question, Answer string
}

// Interpretation is an item's interpretation data.
type Interpretation struct {
	ItemID     int64
	Form       string
	Transcript string // captions or transcript of a video or audio, the record of an interview
	PolicyIDs  []int64
	Frames     []Frame
	QAs        []QA
}

// FormLabel names the form.
func (in *Interpretation) FormLabel() string { return InterpFormLabel(in.Form) }

// InterpRef is an item on the other side of an interpretation link.
type InterpRef struct {
	ID          int64
	Title       string
	Form        string
	PublishedOn civil.Date
	Published   bool
}

// FormLabel names the interpretation's form ("" for a policy).
func (r InterpRef) FormLabel() string { return InterpFormLabel(r.Form) }

// Limits of the interpretation form.
const (
	maxTranscript = 100_000
	maxQAs        = 100
	maxAlt        = 200
	maxLongDesc   = 5000
)

func getInterpretation(ctx context.Context, q db.Querier, itemID int64) (*Interpretation, error) {
	in := &Interpretation{ItemID: itemID}
	err := q.QueryRowContext(ctx, `SELECT form, transcript FROM interpretations WHERE item_id = $1`, itemID).Scan(&in.Form, &in.Transcript)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT policy_id FROM interpretation_links WHERE interpretation_id = $1 ORDER BY policy_id`, itemID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		in.PolicyIDs = append(in.PolicyIDs, id)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT f.attachment_id, f.seq, f.alt, f.description, a.file_name FROM interpretation_frames f
		JOIN attachments a ON a.id = f.attachment_id WHERE f.item_id = $1 ORDER BY f.seq`, itemID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var f Frame
		if err := rows.Scan(&f.AttachmentID, &f.Seq, &f.Alt, &f.Description, &f.FileName); err != nil {
			rows.Close()
			return nil, err
		}
		in.Frames = append(in.Frames, f)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT question, answer FROM interpretation_qas WHERE item_id = $1 ORDER BY seq`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var qa QA
		if err := rows.Scan(&qa.Question, &qa.Answer); err != nil {
			return nil, err
		}
		in.QAs = append(in.QAs, qa)
	}
	return in, rows.Err()
}

// Interpretation returns an item's interpretation data (nil: the item is
// not an interpretation).
func (s *Service) Interpretation(ctx context.Context, itemID int64) (*Interpretation, error) {
	return getInterpretation(ctx, s.DB.R, itemID)
}

// InterpretationInput is the interpretation form.
type InterpretationInput struct {
	Form       string
	Policies   string // item ids or index numbers, separated by spaces, commas or lines
	Transcript string
	QAText     string // 问：… / 答：… lines
	// Frames are the alt text and long description per image attachment.
	Frames map[int64][2]string
}

// ParseQAs reads question–answer pairs: a line starting with 问 (or Q)
// opens a question, one starting with 答 (or A) its answer; further lines
// continue the current part.
func ParseQAs(text string) ([]QA, error) {
	var out []QA
	var cur *QA
	part := 0 // 1 question, 2 answer
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if rest, ok := cutAny(t, "问：", "问:", "Q：", "Q:"); ok {
			out = append(out, QA{Question: strings.TrimSpace(rest)})
			cur, part = &out[len(out)-1], 1
			continue
		}
		if rest, ok := cutAny(t, "答：", "答:", "A：", "A:"); ok {
			if cur == nil || part != 1 {
				return nil, fmt.Errorf("第 %d 行：“答：”前面应有“问：”", i+1)
			}
			cur.Answer, part = strings.TrimSpace(rest), 2
			continue
		}
		switch part {
		case 1:
			cur.Question += "\n" + t
		case 2:
			cur.Answer += "\n" + t
		default:
			return nil, fmt.Errorf("第 %d 行：请以“问：”开始一个问题", i+1)
		}
	}
	for i, qa := range out {
		if qa.Question == "" || qa.Answer == "" {
			return nil, fmt.Errorf("第 %d 个问题缺少问题或回答", i+1)
		}
	}
	return out, nil
}

func cutAny(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}

// resolvePolicies reads item ids or index numbers of the agency's items.
func resolvePolicies(ctx context.Context, q db.Querier, agencyID, self int64, text string) ([]int64, string) {
	seen := map[int64]bool{}
	var out []int64
	for _, f := range strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	}) {
		var id int64
		var err error
		if n, perr := strconv.ParseInt(f, 10, 64); perr == nil {
			err = q.QueryRowContext(ctx, `SELECT id FROM items WHERE id = $1 AND agency_id = $2`, n, agencyID).Scan(&id)
		} else {
			err = q.QueryRowContext(ctx, `SELECT id FROM items WHERE index_number = $1 AND agency_id = $2`, f, agencyID).Scan(&id)
		}
		if err != nil {
			return nil, "找不到本单位的信息“" + firstN(f, 30) + "”：请填写信息编号或索引号。"
		}
		if id == self {
			return nil, "解读不能解读自己。"
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, "请填写所解读政策的信息编号或索引号。"
	}
	if len(out) > 20 {
		return nil, "一篇解读最多对应 20 个政策文件。"
	}
	return out, ""
}

func firstN(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// SaveInterpretation makes an item an interpretation of the given
// policies, in a form, with what the form needs: images with alt text for
// 图解, a media file and its transcript for video and audio, question–
// answer pairs for 问答.
func (s *Service) SaveInterpretation(ctx context.Context, p *auth.Principal, itemID int64, in InterpretationInput) error {
	it, err := s.scoped(ctx, s.DB.R, p, itemID)
	if err != nil {
		return err
	}
	if err := need(p, auth.EditItems, it.AgencyID); err != nil {
		return err
	}
	if it.Status != Draft && it.Status != Withdrawn {
		// What an interpretation shows is public content: it changes only
		// in a draft, and reaches the portal through review like the rest.
		return apperr.New(apperr.Conflict, "只有草稿（或已撤稿）的信息可以修改解读内容；已发布的信息请撤稿修改后重新审核发布。")
	}
	fields := map[string]string{}
	if InterpFormLabel(in.Form) == "" {
		fields["form"] = "请选择解读形式。"
	}
	policies, msg := resolvePolicies(ctx, s.DB.R, it.AgencyID, itemID, in.Policies)
	if msg != "" {
		fields["policies"] = msg
	}
	in.Transcript = strings.TrimSpace(strings.ReplaceAll(in.Transcript, "\r\n", "\n"))
	web.CheckText(fields, "transcript", "文字实录或字幕", in.Transcript, in.Form == "video" || in.Form == "audio" || in.Form == "interview", maxTranscript)
	var qas []QA
	if in.Form == "qa" {
		if utf8.RuneCountInString(in.QAText) > maxTranscript || web.Unreadable(in.QAText) {
			fields["qa"] = "问答内容过长或含有无法识别的字符。"
		} else if qas, err = ParseQAs(in.QAText); err != nil {
			fields["qa"] = err.Error()
		} else if len(qas) == 0 {
			fields["qa"] = "请按“问：……”“答：……”填写至少一组问答。"
		} else if len(qas) > maxQAs {
			fields["qa"] = fmt.Sprintf("问答不超过 %d 组。", maxQAs)
		}
	}
	atts, err := listAttachments(ctx, s.DB.R, itemID)
	if err != nil {
		return err
	}
	var frames []Frame
	hasMedia := false
	for _, a := range atts {
		switch {
		case strings.HasPrefix(a.ContentType, "image/"):
			if in.Form != "graphic" {
				continue
			}
			v := in.Frames[a.ID]
			alt, desc := strings.TrimSpace(v[0]), strings.TrimSpace(v[1])
			key := "alt_" + strconv.FormatInt(a.ID, 10)
			web.CheckText(fields, key, "图片“"+a.FileName+"”的替代文字", alt, true, maxAlt)
			web.CheckText(fields, "desc_"+strconv.FormatInt(a.ID, 10), "图片“"+a.FileName+"”的详细说明", desc, false, maxLongDesc)
			frames = append(frames, Frame{AttachmentID: a.ID, Seq: len(frames) + 1, Alt: alt, Description: desc})
		case a.ContentType == "video/mp4":
			hasMedia = true
		}
	}
	switch {
	case in.Form == "graphic" && len(frames) == 0:
		fields["form"] = "图解须先上传图片（JPG 或 PNG）作为附件。"
	case (in.Form == "video" || in.Form == "audio") && !hasMedia:
		fields["form"] = "视频或音频解读须先上传 MP4（或 M4A）文件作为附件。"
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO interpretations (item_id, form, transcript, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (item_id) DO UPDATE SET form = excluded.form, transcript = excluded.transcript, updated_at = excluded.updated_at`,
			itemID, in.Form, in.Transcript, db.Now()); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM interpretation_links WHERE interpretation_id = $1`, `DELETE FROM interpretation_frames WHERE item_id = $1`,
			`DELETE FROM interpretation_qas WHERE item_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, itemID); err != nil {
				return err
			}
		}
		for _, pid := range policies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO interpretation_links (interpretation_id, policy_id) VALUES ($1, $2)`, itemID, pid); err != nil {
				return err
			}
		}
		for _, f := range frames {
			if _, err := tx.ExecContext(ctx, `INSERT INTO interpretation_frames (item_id, attachment_id, seq, alt, description) VALUES ($1, $2, $3, $4, $5)`,
				itemID, f.AttachmentID, f.Seq, f.Alt, f.Description); err != nil {
				return err
			}
		}
		for i, qa := range qas {
			if _, err := tx.ExecContext(ctx, `INSERT INTO interpretation_qas (item_id, seq, question, answer) VALUES ($1, $2, $3, $4)`,
				itemID, i+1, qa.Question, qa.Answer); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.interpretation", ObjectType: "item",
			ObjectID: strconv.FormatInt(itemID, 10), Summary: fmt.Sprintf("《%s》设为%s，解读 %d 个政策文件", it.Title, InterpFormLabel(in.Form), len(policies))}); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
}

// SetInterpretationExempt records why a policy needs no interpretation
// ("" to require one again).
func (s *Service) SetInterpretationExempt(ctx context.Context, p *auth.Principal, itemID int64, reason string) error {
	it, err := s.scoped(ctx, s.DB.R, p, itemID)
	if err != nil {
		return err
	}
	if err := need(p, auth.EditItems, it.AgencyID); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	fields := map[string]string{}
	web.CheckText(fields, "exempt", "无需解读的理由", reason, false, 500)
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE items SET interpretation_exempt = $1 WHERE id = $2`, reason, itemID); err != nil {
			return err
		}
		summary := "《" + it.Title + "》无需解读：" + reason
		if reason == "" {
			summary = "《" + it.Title + "》恢复为需要解读"
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.interpretation.exempt", ObjectType: "item",
			ObjectID: strconv.FormatInt(itemID, 10), Summary: summary})
	})
}

// interpretationsOf lists the interpretations of a policy (published ones
// only when public).
func interpretationsOf(ctx context.Context, q db.Querier, policyID int64, public bool) ([]InterpRef, error) {
	query := `SELECT i.id, i.title, n.form, i.published_on, i.status FROM interpretation_links l JOIN items i ON i.id = l.interpretation_id
		JOIN interpretations n ON n.item_id = i.id WHERE l.policy_id = $1`
	if public {
		query += ` AND i.status IN ('published', 'superseded')`
	}
	return scanRefs(ctx, q, query+` ORDER BY i.published_on, i.id`, policyID)
}

// policiesOf lists the policies an interpretation explains.
func policiesOf(ctx context.Context, q db.Querier, interpID int64, public bool) ([]InterpRef, error) {
	query := `SELECT i.id, i.title, '', i.published_on, i.status FROM interpretation_links l JOIN items i ON i.id = l.policy_id
		WHERE l.interpretation_id = $1`
	if public {
		query += ` AND i.status IN ('published', 'superseded')`
	}
	return scanRefs(ctx, q, query+` ORDER BY i.id`, interpID)
}

func scanRefs(ctx context.Context, q db.Querier, query string, id int64) ([]InterpRef, error) {
	rows, err := q.QueryContext(ctx, query, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InterpRef
	for rows.Next() {
		var r InterpRef
		var status string
		if err := rows.Scan(&r.ID, &r.Title, &r.Form, &r.PublishedOn, &status); err != nil {
			return nil, err
		}
		r.Published = Status(status).Public()
		out = append(out, r)
	}
	return out, rows.Err()
}

// InterpCheck is a policy under the interpretation rule.
type InterpCheck struct {
	PolicyID    int64
	Title       string
	PublishedOn civil.Date
	Due         civil.Date // the last day an interpretation may be published
	First       civil.Date // the first interpretation's publication, zero none
	FirstTitle  string
	FirstID     int64
	// State: ok, pending (none yet, still in time), missing (none, late),
	// late (published after the deadline).
	State string
}

// StateLabel is the state in Chinese.
func (c InterpCheck) StateLabel() string {
	switch c.State {
	case "ok":
		return "按时解读"
	case "pending":
		return "尚未解读（仍在期限内）"
	case "missing":
		return "未解读，已超过期限"
	case "late":
		return "解读晚于规定期限"
	}
	return c.State
}

// Problem reports whether the check is a violation to follow up.
func (c InterpCheck) Problem() bool { return c.State != "ok" }

// InterpretationChecks applies the rule to the agency's policies
// published since since: each needs an interpretation published with it
// or within the agency's working days (条例 and the 政务公开 work points:
// 政策文件与解读材料同步组织、同步审签、同步部署).
func (s *Service) InterpretationChecks(ctx context.Context, p *auth.Principal, since civil.Date) ([]InterpCheck, int, error) {
	if err := need(p, auth.ViewItems, p.AgencyID); err != nil {
		return nil, 0, err
	}
	st, err := getSettings(ctx, s.DB.R, p.AgencyID)
	if err != nil {
		return nil, 0, err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT i.id, i.title, i.published_on, i.genre,
			EXISTS (SELECT 1 FROM item_columns ic JOIN catalogue_columns c ON c.id = ic.column_id WHERE ic.item_id = i.id AND c.slug = $3)
		FROM items i WHERE i.agency_id = $1 AND i.status IN ('published', 'superseded') AND i.published_on >= $2
			AND i.interpretation_exempt = '' AND NOT EXISTS (SELECT 1 FROM interpretations n WHERE n.item_id = i.id)
		ORDER BY i.published_on DESC, i.id DESC`, p.AgencyID, since, policyColumn)
	if err != nil {
		return nil, 0, err
	}
	var out []InterpCheck
	for rows.Next() {
		var c InterpCheck
		var genre string
		var inColumn bool
		if err := rows.Scan(&c.PolicyID, &c.Title, &c.PublishedOn, &genre, &inColumn); err != nil {
			rows.Close()
			return nil, 0, err
		}
		if (inColumn || policyGenres[genre]) && genre != "解读" {
			out = append(out, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	today := s.today()
	problems := 0
	for i := range out {
		c := &out[i]
		if c.Due, err = cal.AddWorkingDays(c.PublishedOn, st.InterpretationDays); err != nil {
			return nil, 0, err
		}
		refs, err := interpretationsOf(ctx, s.DB.R, c.PolicyID, true)
		if err != nil {
			return nil, 0, err
		}
		if len(refs) > 0 {
			c.First, c.FirstTitle, c.FirstID = refs[0].PublishedOn, refs[0].Title, refs[0].ID
		}
		switch {
		case c.First.IsZero() && today.After(c.Due):
			c.State = "missing"
		case c.First.IsZero():
			c.State = "pending"
		case c.First.After(c.Due):
			c.State = "late"
		default:
			c.State = "ok"
		}
		if c.Problem() {
			problems++
		}
	}
	return out, problems, nil
}

// ---------------------------------------------------------------- 预测研判

// Assessment is the pre-publication assessment of a major item.
type Assessment struct {
	Reaction            string // expected public reaction
	Risk                string // low, medium, high
	Plan                string // response plan
	InterpretationReady bool
	AssessedBy          int64
	AssessedAt          time.Time
}

// Risks are the risk levels.
var Risks = []struct{ Code, Label string }{{"low", "低"}, {"medium", "中"}, {"high", "高"}}

// RiskLabel names a risk level.
func RiskLabel(code string) string {
	for _, r := range Risks {
		if r.Code == code {
			return r.Label
		}
	}
	return ""
}

func getAssessment(ctx context.Context, q db.Querier, itemID int64) (*Assessment, error) {
	var a Assessment
	var by sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT reaction, risk, plan, interpretation_ready, assessed_by, assessed_at FROM item_assessments WHERE item_id = $1`, itemID).
		Scan(&a.Reaction, &a.Risk, &a.Plan, &a.InterpretationReady, &by, &a.AssessedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	a.AssessedBy = by.Int64
	return &a, err
}

// Assessment returns an item's assessment (nil: none) and whether the
// item is marked major.
func (s *Service) Assessment(ctx context.Context, p *auth.Principal, itemID int64) (*Assessment, bool, error) {
	if _, err := s.scoped(ctx, s.DB.R, p, itemID); err != nil {
		return nil, false, err
	}
	var major bool
	if err := s.DB.R.QueryRowContext(ctx, `SELECT major FROM items WHERE id = $1`, itemID).Scan(&major); err != nil {
		return nil, false, err
	}
	a, err := getAssessment(ctx, s.DB.R, itemID)
	return a, major, err
}

// AssessmentInput is the 预测研判 form.
type AssessmentInput struct {
	Major               bool
	Reaction, Risk      string
	Plan                string
	InterpretationReady bool
}

// SaveAssessment marks an item major (or not) and records its
// assessment, which the approver sees and which approval requires.
func (s *Service) SaveAssessment(ctx context.Context, p *auth.Principal, itemID int64, in AssessmentInput) error {
	it, err := s.scoped(ctx, s.DB.R, p, itemID)
	if err != nil {
		return err
	}
	if err := need(p, auth.EditItems, it.AgencyID); err != nil {
		return err
	}
	in.Reaction, in.Plan = strings.TrimSpace(in.Reaction), strings.TrimSpace(in.Plan)
	fields := map[string]string{}
	if in.Major {
		web.CheckText(fields, "reaction", "预计社会反应", in.Reaction, true, 2000)
		web.CheckText(fields, "plan", "应对预案", in.Plan, true, 2000)
		if RiskLabel(in.Risk) == "" {
			fields["risk"] = "请选择风险等级。"
		}
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	if it.Status != Draft && it.Status != Submitted && it.Status != Reviewed {
		return apperr.New(apperr.Conflict, "信息已经审批或发布，不能再修改预测研判。")
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE items SET major = $1 WHERE id = $2`, in.Major, itemID); err != nil {
			return err
		}
		if in.Major {
			if _, err := tx.ExecContext(ctx, `INSERT INTO item_assessments (item_id, reaction, risk, plan, interpretation_ready, assessed_by, assessed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (item_id) DO UPDATE SET reaction = excluded.reaction, risk = excluded.risk,
				plan = excluded.plan, interpretation_ready = excluded.interpretation_ready, assessed_by = excluded.assessed_by, assessed_at = excluded.assessed_at`,
				itemID, in.Reaction, in.Risk, in.Plan, in.InterpretationReady, nullID(p.UserID), db.Now()); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `DELETE FROM item_assessments WHERE item_id = $1`, itemID); err != nil {
			return err
		}
		summary := "《" + it.Title + "》不作为重大信息"
		if in.Major {
			summary = "《" + it.Title + "》发布前预测研判：风险" + RiskLabel(in.Risk)
		}
		if err := event(ctx, tx, itemID, p.UserID, p.Actor().Name, ActEdit, it.Status, it.Status, summary); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: it.AgencyID, Action: "item.assessment", ObjectType: "item",
			ObjectID: strconv.FormatInt(itemID, 10), Summary: summary})
	})
}

// errNoAssessment: a major item is not approved or published without its
// assessment.
var errNoAssessment = apperr.FieldErrors(map[string]string{"assessment": "这是重大信息：请先完成发布前预测研判（预计社会反应、风险等级、应对预案），审批人据此审批。"})

// assessed reports whether a major item has its assessment (true for
// items that are not major).
func assessed(ctx context.Context, q db.Querier, itemID int64) (bool, error) {
	var major, has bool
	err := q.QueryRowContext(ctx, `SELECT major, EXISTS (SELECT 1 FROM item_assessments a WHERE a.item_id = items.id) FROM items WHERE id = $1`, itemID).
		Scan(&major, &has)
	return !major || has, err
}

// RiskLabel names the assessment's risk level.
func (a *Assessment) RiskLabel() string { return RiskLabel(a.Risk) }
