package concern

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/hottopic"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

// 热点发现: every channel's messages of the last TopicWindowDays days, and
// the disclosure applications of the same days, are clustered into topics
// by hottopic; the clusters are kept (with their members) so that staff can
// look into them, mark them handled and answer one with a public response
// article, and so that a cluster keeps its identity — and its handling —
// from one computation to the next.

// TopicWindowDays is how far back the messages analysed go.
const TopicWindowDays = 180

// AppDoc is a disclosure application as hot-topic discovery sees it: its
// description of the information wanted.
type AppDoc struct {
	ID     int64
	Number string
	Day    civil.Date
	Text   string
}

// ApplicationDocs gives the applications' descriptions (wired in app; the
// applications' own workflow is not touched).
type ApplicationDocs interface {
	TopicDocs(ctx context.Context, agencyID int64, since civil.Date) ([]AppDoc, error)
}

// ResponseItem is a response article: an information item of the
// disclosure catalogue.
type ResponseItem struct {
	ID         int64
	Title      string
	URL        string // the public page
	ConsoleURL string // where staff edit, submit and publish it
	Status     string // the item's status, in Chinese
	Published  bool
}

// Responses drafts and looks up response articles (wired in app, on the
// disclosure capability: a response is reviewed and published like any
// other item).
type Responses interface {
	DraftResponse(ctx context.Context, p *auth.Principal, agencyID int64, title, body string) (int64, error)
	ResponseItem(ctx context.Context, id int64) (ResponseItem, error)
}

// TopicRun describes the last computation for an agency.
type TopicRun struct {
	ComputedAt   time.Time
	Messages     int
	Applications int
	Clusters     int
	Duration     time.Duration
}

// Topic is a stored cluster.
type Topic struct {
	ID             int64
	AgencyID       int64
	Label          string
	Terms          []string
	Size           int
	Recent         int // messages in the last 7 days
	FirstOn        civil.Date
	LastOn         civil.Date
	Active         bool
	HandledAt      *time.Time
	HandledNote    string
	ResponseItemID int64
	ComputedAt     time.Time
	// Channels counts the members per channel ("application" for the
	// disclosure applications); filled by the dashboard queries.
	Channels map[string]int
	// Series counts members per day over the chart's days.
	Series []int
}

// Status is the topic's handling in Chinese.
func (t *Topic) Status() string {
	switch {
	case t.ResponseItemID != 0:
		return "已回应"
	case t.HandledAt != nil:
		return "已处理"
	}
	return "未处理"
}

// HandledTime is when the topic was marked handled (zero if not).
func (t *Topic) HandledTime() time.Time {
	if t.HandledAt == nil {
		return time.Time{}
	}
	return *t.HandledAt
}

// TrendRow is a stored rising term.
type TrendRow struct {
	Term     string
	Count    int
	Baseline float64
	Score    float64
}

var segCache struct {
	sync.Mutex
	m map[int64]segEntry
}

type segEntry struct {
	terms string
	seg   *hottopic.Segmenter
}

func (s *Service) segmenter(agencyID int64, terms string) *hottopic.Segmenter {
	segCache.Lock()
	defer segCache.Unlock()
	if segCache.m == nil {
		segCache.m = map[int64]segEntry{}
	}
	if e, ok := segCache.m[agencyID]; ok && e.terms == terms {
		return e.seg
	}
	seg := hottopic.NewSegmenter(strings.Split(terms, "\n")...)
	segCache.m[agencyID] = segEntry{terms, seg}
	return seg
}

// maxDomainTerms bounds the agency's word list.
const maxDomainTerms = 500

func checkDomainTerms(s string) string {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		words := strings.Fields(line)
		if len(words) == 0 {
			continue
		}
		n++
		for _, w := range words {
			if k := utf8.RuneCountInString(w); k < 2 || k > 8 || hostile(w) || strings.ContainsAny(w, "<>&\"'") {
				return "每行一个词语，或一组用空格分开的同义词（首个为规范词）；每个词 2–8 个字（第 " + strconv.Itoa(n) + " 行不符合）。"
			}
		}
	}
	if n > maxDomainTerms {
		return "专用词不超过 " + strconv.Itoa(maxDomainTerms) + " 行。"
	}
	return ""
}

type memberRef struct {
	source string // "concern" or "application"
	id     int64
}

// ComputeTopics clusters the agency's recent messages and applications,
// stores the clusters and the rising terms, and links the members of
// answered clusters to their response (see LinkResponses).
func (s *Service) ComputeTopics(ctx context.Context, agencyID int64) (TopicRun, error) {
	start := time.Now()
	today := s.today()
	since := today.AddDays(-TopicWindowDays)
	set, err := loadSettings(ctx, s.DB.R, agencyID)
	if err != nil {
		return TopicRun{}, err
	}
	var docs []hottopic.Doc
	var refs []memberRef
	rows, err := s.DB.R.QueryContext(ctx, `SELECT id, received_on, subject, body FROM concerns
		WHERE agency_id = $1 AND received_on >= $2 ORDER BY received_at, id`, agencyID, since)
	if err != nil {
		return TopicRun{}, err
	}
	for rows.Next() {
		var id int64
		var d civil.Date
		var subject, body string
		if err := rows.Scan(&id, &d, &subject, &body); err != nil {
			rows.Close()
			return TopicRun{}, err
		}
		docs = append(docs, hottopic.Doc{Key: "c" + strconv.FormatInt(id, 10), Day: d, Text: subject + "\n" + body})
		refs = append(refs, memberRef{"concern", id})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return TopicRun{}, err
	}
	run := TopicRun{Messages: len(docs)}
	if s.ApplicationDocs != nil {
		apps, err := s.ApplicationDocs.TopicDocs(ctx, agencyID, since)
		if err != nil {
			return TopicRun{}, err
		}
		for _, a := range apps {
			docs = append(docs, hottopic.Doc{Key: "a" + strconv.FormatInt(a.ID, 10), Day: a.Day, Text: a.Text})
			refs = append(refs, memberRef{"application", a.ID})
		}
		run.Applications = len(apps)
	}
	corpus := hottopic.NewCorpus(s.segmenter(agencyID, set.DomainTerms), docs)
	clusters := corpus.Cluster(hottopic.Options{})
	day := corpus.Trending(today, 1, 14, 2, 15)
	week := corpus.Trending(today, 7, 8, 3, 15)
	run.Clusters = len(clusters)
	now := db.Now()
	run.ComputedAt = now
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		// The run row first: on PostgreSQL its row lock makes concurrent
		// computations for one agency wait for each other.
		if _, err := tx.ExecContext(ctx, `INSERT INTO topic_runs (agency_id, computed_at, messages, applications, clusters, duration_ms)
			VALUES ($1, $2, $3, $4, $5, 0)
			ON CONFLICT (agency_id) DO UPDATE SET computed_at = excluded.computed_at, messages = excluded.messages,
				applications = excluded.applications, clusters = excluded.clusters`,
			agencyID, now, run.Messages, run.Applications, run.Clusters); err != nil {
			return err
		}
		old, err := oldMembership(ctx, tx, agencyID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM topic_members WHERE cluster_id IN (SELECT id FROM topic_clusters WHERE agency_id = $1)`, agencyID); err != nil {
			return err
		}
		claimed := map[int64]bool{}
		var members []memberRow
		week7 := today.AddDays(-6)
		for _, k := range clusters {
			// The earlier cluster that most of these messages were in, if
			// it also was mostly these messages, lives on.
			votes := map[int64]int{}
			for _, m := range k.Members {
				if cid, ok := old.of[refs[m]]; ok {
					votes[cid]++
				}
			}
			var id int64
			bestVotes := 0
			for cid, v := range votes {
				if claimed[cid] {
					continue
				}
				need := int(math.Ceil(0.5 * float64(min(len(k.Members), old.size[cid]))))
				if v >= max(1, need) && (v > bestVotes || v == bestVotes && cid < id) {
					id, bestVotes = cid, v
				}
			}
			first, last := corpus.Doc(k.Members[0]).Day, corpus.Doc(k.Members[0]).Day
			recent := 0
			for _, m := range k.Members {
				d := corpus.Doc(m).Day
				if d.Before(first) {
					first = d
				}
				if d.After(last) {
					last = d
				}
				if !d.Before(week7) {
					recent++
				}
			}
			label, terms := k.Label(), strings.Join(k.Terms, " ")
			if id != 0 {
				claimed[id] = true
				if _, err := tx.ExecContext(ctx, `UPDATE topic_clusters SET label = $1, terms = $2, size = $3, recent = $4,
					first_on = $5, last_on = $6, active = TRUE, computed_at = $7 WHERE id = $8`,
					label, terms, len(k.Members), recent, first, last, now, id); err != nil {
					return err
				}
			} else if err := tx.QueryRowContext(ctx, `INSERT INTO topic_clusters (agency_id, label, terms, size, recent, first_on, last_on,
					active, computed_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $8) RETURNING id`,
				agencyID, label, terms, len(k.Members), recent, first, last, now).Scan(&id); err != nil {
				return err
			}
			for j, m := range k.Members {
				members = append(members, memberRow{refs[m], id, k.Similarity[j], corpus.Doc(m).Day})
			}
		}
		// Earlier clusters no longer found: kept if staff handled or
		// answered them, otherwise forgotten.
		for cid := range old.size {
			if claimed[cid] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM topic_clusters WHERE id = $1 AND handled_at IS NULL AND response_item_id IS NULL`, cid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE topic_clusters SET active = FALSE, recent = 0 WHERE id = $1`, cid); err != nil {
				return err
			}
		}
		if err := insertMembers(ctx, tx, members); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM topic_trends WHERE agency_id = $1`, agencyID); err != nil {
			return err
		}
		for period, list := range map[string][]hottopic.Trend{"day": day, "week": week} {
			for i, t := range list {
				if _, err := tx.ExecContext(ctx, `INSERT INTO topic_trends (agency_id, period, rank, term, count, baseline, score)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, agencyID, period, i+1, t.Term, t.Count, t.Baseline, t.Score); err != nil {
					return err
				}
			}
		}
		run.Duration = time.Since(start)
		_, err = tx.ExecContext(ctx, `UPDATE topic_runs SET duration_ms = $1 WHERE agency_id = $2`, run.Duration.Milliseconds(), agencyID)
		return err
	})
	if err != nil {
		return TopicRun{}, err
	}
	if _, err := s.LinkResponses(ctx, agencyID); err != nil {
		return run, err
	}
	return run, nil
}

type membership struct {
	of   map[memberRef]int64
	size map[int64]int
}

func oldMembership(ctx context.Context, q db.Querier, agencyID int64) (membership, error) {
	m := membership{of: map[memberRef]int64{}, size: map[int64]int{}}
	rows, err := q.QueryContext(ctx, `SELECT c.id, m.source, m.source_id FROM topic_clusters c
		LEFT JOIN topic_members m ON m.cluster_id = c.id WHERE c.agency_id = $1`, agencyID)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var cid int64
		var source *string
		var sid *int64
		if err := rows.Scan(&cid, &source, &sid); err != nil {
			return m, err
		}
		if _, ok := m.size[cid]; !ok {
			m.size[cid] = 0
		}
		if source != nil && sid != nil {
			m.of[memberRef{*source, *sid}] = cid
			m.size[cid]++
		}
	}
	return m, rows.Err()
}

type memberRow struct {
	ref        memberRef
	cluster    int64
	similarity float64
	on         civil.Date
}

// insertMembers writes the memberships a hundred rows per statement.
func insertMembers(ctx context.Context, tx db.Tx, rows []memberRow) error {
	const batch = 100
	for len(rows) > 0 {
		n := min(batch, len(rows))
		var sb strings.Builder
		sb.WriteString("INSERT INTO topic_members (source, source_id, cluster_id, similarity, on_date) VALUES ")
		args := make([]any, 0, n*5)
		for i, r := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			k := i * 5
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5)
			args = append(args, r.ref.source, r.ref.id, r.cluster, math.Round(r.similarity*1000)/1000, r.on)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// RecomputeRule bounds recomputations asked for in the console (the
// hourly job keeps the topics current anyway).
var RecomputeRule = ratelimit.Rule{Max: 6, Window: time.Hour}

// RecomputeTopics is ComputeTopics asked for by staff: permitted to the
// work unit, limited per agency and audited.
func (s *Service) RecomputeTopics(ctx context.Context, p *auth.Principal) (TopicRun, error) {
	if err := topicPerm(p, p.AgencyID); err != nil || !auth.Allowed(p, auth.HandleConcerns) {
		return TopicRun{}, apperr.New(apperr.Forbidden, "您无权重新计算热点话题。")
	}
	if s.Limiter != nil {
		if ok, _, err := s.Limiter.Hit(ctx, "concern.topics.compute:"+strconv.FormatInt(p.AgencyID, 10), RecomputeRule); err != nil {
			return TopicRun{}, err
		} else if !ok {
			return TopicRun{}, apperr.New(apperr.RateLimited, "重新计算过于频繁，请稍后再试；系统每小时也会自动计算。")
		}
	}
	run, err := s.ComputeTopics(ctx, p.AgencyID)
	if err != nil {
		return run, err
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: p.AgencyID, Action: "concern.topics.compute", ObjectType: "agency",
			ObjectID: strconv.FormatInt(p.AgencyID, 10), Summary: fmt.Sprintf("重新计算热点话题：%d 件来信、%d 件申请，%d 个话题", run.Messages, run.Applications, run.Clusters)})
	})
	return run, err
}

// ComputeAllTopics recomputes every agency that has messages (the hourly
// job).
func (s *Service) ComputeAllTopics(ctx context.Context) (int, error) {
	ids, err := agenciesWithConcerns(ctx, s.DB.R, s.today().AddDays(-TopicWindowDays))
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := s.ComputeTopics(ctx, id); err != nil {
			return 0, fmt.Errorf("hot topics of agency %d: %w", id, err)
		}
	}
	return len(ids), nil
}

func agenciesWithConcerns(ctx context.Context, q db.Querier, since civil.Date) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT agency_id FROM concerns WHERE received_on >= $1
		UNION SELECT agency_id FROM topic_runs ORDER BY 1`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// LinkResponses links the messages of answered clusters to their response
// once it is published, and e-mails the writers who asked to be told. It
// runs after each computation and every few minutes (so that writers hear
// of a response soon after it is published); agencyID 0 means all.
func (s *Service) LinkResponses(ctx context.Context, agencyID int64) (int, error) {
	q := `SELECT DISTINCT c.response_item_id FROM topic_clusters c JOIN topic_members m ON m.cluster_id = c.id AND m.source = 'concern'
		JOIN concerns co ON co.id = m.source_id WHERE c.response_item_id IS NOT NULL AND co.response_item_id IS NULL`
	args := []any{}
	if agencyID != 0 {
		q += " AND c.agency_id = $1"
		args = append(args, agencyID)
	}
	rows, err := s.DB.R.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	var items []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		items = append(items, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || s.Responses == nil {
		return 0, err
	}
	linked := 0
	for _, itemID := range items {
		item, err := s.Responses.ResponseItem(ctx, itemID)
		if err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				continue
			}
			return linked, err
		}
		if !item.Published {
			continue
		}
		err = s.DB.Tx(ctx, func(tx db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT co.id, co.agency_id, co.number, co.subject, co.writer_email, co.notify_response
				FROM topic_clusters c JOIN topic_members m ON m.cluster_id = c.id AND m.source = 'concern'
				JOIN concerns co ON co.id = m.source_id WHERE c.response_item_id = $1 AND co.response_item_id IS NULL`, itemID)
			if err != nil {
				return err
			}
			type target struct {
				id, agency             int64
				number, subject, email string
				notify                 bool
			}
			var ts []target
			for rows.Next() {
				var t target
				if err := rows.Scan(&t.id, &t.agency, &t.number, &t.subject, &t.email, &t.notify); err != nil {
					rows.Close()
					return err
				}
				ts = append(ts, t)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, t := range ts {
				if _, err := tx.ExecContext(ctx, `UPDATE concerns SET response_item_id = $1 WHERE id = $2 AND response_item_id IS NULL`, itemID, t.id); err != nil {
					return err
				}
				if err := addEvent(ctx, tx, t.id, Event{On: s.today(), Actor: "系统", Action: "response",
					Note: "已关联本单位发布的回应《" + item.Title + "》"}); err != nil {
					return err
				}
				if t.notify && t.email != "" {
					text := fmt.Sprintf("您好：\n\n您的来信（编号 %s，“%s”）所反映的问题，本单位已发布公开回应《%s》：\n%s\n\n您的来信仍按规定单独办理和答复。本邮件由系统发送，请勿直接回复。\n",
						t.number, t.subject, item.Title, s.absURL(item.URL))
					if _, err := notify.Queue(ctx, tx, notify.Message{To: []string{t.email}, Subject: "【回应关切】" + item.Title, Text: text},
						notify.QueueOptions{AgencyID: t.agency, Purpose: "concern.response"}); err != nil {
						return err
					}
				}
				linked++
			}
			return nil
		})
		if err != nil {
			return linked, err
		}
	}
	return linked, nil
}

func (s *Service) absURL(u string) string {
	if s.BaseURL == "" || !strings.HasPrefix(u, "/") {
		return u
	}
	return strings.TrimRight(s.BaseURL, "/") + u
}

// TopicDashboard is what the dashboard shows.
type TopicDashboard struct {
	Run    *TopicRun
	Topics []*Topic
	Day    []TrendRow
	Week   []TrendRow
	// ChartFrom is the first day of the topics' Series.
	ChartFrom civil.Date
	// Applications counts the disclosure applications analysed and those
	// in a topic.
	Applications, ApplicationsInTopics int
}

// ChartDays is the length of the dashboard's trend charts.
const ChartDays = 30

// TopicFilter selects the dashboard's topics.
type TopicFilter struct {
	Status string // "" (open), "handled", "answered", "all"
	Limit  int
}

// topicPerm: the topics are drawn from all of the agency's letters and
// applications, so only those who may see all of them (handlers and
// approvers of the work unit) see the dashboard; a division's liaison
// would otherwise read the words of letters not theirs.
func topicPerm(p *auth.Principal, agencyID int64) error {
	if p == nil || p.AgencyID == 0 || p.AgencyID != agencyID {
		return apperr.NotFoundf("没有这个热点话题。")
	}
	if !auth.Allowed(p, auth.ViewConcerns) || !p.Roles.Any(auth.Handler, auth.Approver) {
		return apperr.New(apperr.Forbidden, "热点话题汇集本单位全部来信，只有经办人和审批人可以查看。")
	}
	return nil
}

const topicColumns = `SELECT id, agency_id, label, terms, size, recent, first_on, last_on, active, handled_at, handled_note,
	COALESCE(response_item_id, 0), computed_at FROM topic_clusters`

func scanTopic(row interface{ Scan(...any) error }) (*Topic, error) {
	t := &Topic{}
	var terms string
	var handled *time.Time
	if err := row.Scan(&t.ID, &t.AgencyID, &t.Label, &terms, &t.Size, &t.Recent, &t.FirstOn, &t.LastOn, &t.Active, &handled,
		&t.HandledNote, &t.ResponseItemID, &t.ComputedAt); err != nil {
		return nil, err
	}
	t.Terms = strings.Fields(terms)
	t.HandledAt = handled
	return t, nil
}

// Topics returns the dashboard of p's agency.
func (s *Service) Topics(ctx context.Context, p *auth.Principal, f TopicFilter) (*TopicDashboard, error) {
	if err := topicPerm(p, p.AgencyID); err != nil {
		return nil, err
	}
	d := &TopicDashboard{ChartFrom: s.today().AddDays(-(ChartDays - 1))}
	var run TopicRun
	var ms int64
	err := s.DB.R.QueryRowContext(ctx, `SELECT computed_at, messages, applications, clusters, duration_ms FROM topic_runs WHERE agency_id = $1`, p.AgencyID).
		Scan(&run.ComputedAt, &run.Messages, &run.Applications, &run.Clusters, &ms)
	switch {
	case err == nil:
		run.Duration = time.Duration(ms) * time.Millisecond
		d.Run = &run
		d.Applications = run.Applications
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	q := topicColumns + " WHERE agency_id = $1"
	switch f.Status {
	case "":
		q += " AND active = TRUE AND handled_at IS NULL AND response_item_id IS NULL"
	case "handled":
		q += " AND handled_at IS NOT NULL"
	case "answered":
		q += " AND response_item_id IS NOT NULL"
	case "all":
	default:
		return nil, apperr.Invalidf("状态筛选无效。")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q += " ORDER BY active DESC, recent DESC, size DESC, id LIMIT " + strconv.Itoa(f.Limit) // #nosec G202 -- a number, 1 to 200
	rows, err := s.DB.R.QueryContext(ctx, q, p.AgencyID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Topic{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		t.Channels, t.Series = map[string]int{}, make([]int, ChartDays)
		d.Topics = append(d.Topics, t)
		byID[t.ID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.fillTopicCounts(ctx, p.AgencyID, d.ChartFrom, byID); err != nil {
		return nil, err
	}
	if err := s.DB.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM topic_members m JOIN topic_clusters c ON c.id = m.cluster_id
		WHERE c.agency_id = $1 AND m.source = 'application'`, p.AgencyID).Scan(&d.ApplicationsInTopics); err != nil {
		return nil, err
	}
	trows, err := s.DB.R.QueryContext(ctx, `SELECT period, term, count, baseline, score FROM topic_trends WHERE agency_id = $1 ORDER BY period, rank`, p.AgencyID)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var period string
		var t TrendRow
		if err := trows.Scan(&period, &t.Term, &t.Count, &t.Baseline, &t.Score); err != nil {
			return nil, err
		}
		if period == "day" {
			d.Day = append(d.Day, t)
		} else {
			d.Week = append(d.Week, t)
		}
	}
	return d, trows.Err()
}

// fillTopicCounts counts the topics' members per channel and per day.
func (s *Service) fillTopicCounts(ctx context.Context, agencyID int64, from civil.Date, byID map[int64]*Topic) error {
	if len(byID) == 0 {
		return nil
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT m.cluster_id, COALESCE(co.channel, m.source), COUNT(*) FROM topic_members m
		JOIN topic_clusters c ON c.id = m.cluster_id
		LEFT JOIN concerns co ON m.source = 'concern' AND co.id = m.source_id
		WHERE c.agency_id = $1 GROUP BY m.cluster_id, COALESCE(co.channel, m.source)`, agencyID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var ch string
		var n int
		if err := rows.Scan(&id, &ch, &n); err != nil {
			rows.Close()
			return err
		}
		if t := byID[id]; t != nil {
			t.Channels[ch] = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.DB.R.QueryContext(ctx, `SELECT m.cluster_id, m.on_date, COUNT(*) FROM topic_members m
		JOIN topic_clusters c ON c.id = m.cluster_id
		WHERE c.agency_id = $1 AND m.on_date >= $2 GROUP BY m.cluster_id, m.on_date`, agencyID, from)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var day civil.Date
		var n int
		if err := rows.Scan(&id, &day, &n); err != nil {
			return err
		}
		if t := byID[id]; t != nil {
			if k := from.DaysUntil(day); k >= 0 && k < len(t.Series) {
				t.Series[k] += n
			}
		}
	}
	return rows.Err()
}

// TopicMember is one message of a topic as staff see it.
type TopicMember struct {
	Source     string // "concern" or "application"
	ID         int64
	Number     string
	Channel    string // the channel's label, or 依申请公开
	Subject    string // empty when p may not see the message
	On         civil.Date
	State      string
	Similarity float64
	URL        string
}

// TopicDetail is a topic with its members and daily counts.
type TopicDetail struct {
	*Topic
	Members   []TopicMember
	ChartFrom civil.Date
	Response  *ResponseItem
}

// TopicDetailDays is the length of a topic's chart.
const TopicDetailDays = 60

// Topic returns one topic of p's agency.
func (s *Service) Topic(ctx context.Context, p *auth.Principal, id int64) (*TopicDetail, error) {
	t, err := scanTopic(s.DB.R.QueryRowContext(ctx, topicColumns+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("没有这个热点话题，可能已在重新计算后合并或消失。")
	}
	if err != nil {
		return nil, err
	}
	if err := topicPerm(p, t.AgencyID); err != nil {
		return nil, err
	}
	d := &TopicDetail{Topic: t, ChartFrom: s.today().AddDays(-(TopicDetailDays - 1))}
	t.Channels, t.Series = map[string]int{}, make([]int, TopicDetailDays)
	if err := s.fillTopicCounts(ctx, t.AgencyID, d.ChartFrom, map[int64]*Topic{t.ID: t}); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, `SELECT m.source, m.source_id, m.similarity, m.on_date,
		COALESCE(co.number, ''), COALESCE(co.channel, ''), COALESCE(co.subject, ''), COALESCE(co.state, ''),
		COALESCE(co.division_id, 0), COALESCE(co.handler_id, 0)
		FROM topic_members m LEFT JOIN concerns co ON m.source = 'concern' AND co.id = m.source_id
		WHERE m.cluster_id = $1 ORDER BY m.on_date DESC, m.source, m.source_id DESC`, id)
	if err != nil {
		return nil, err
	}
	var appIDs []int64
	for rows.Next() {
		var m TopicMember
		var ch, state string
		var division, handler int64
		if err := rows.Scan(&m.Source, &m.ID, &m.Similarity, &m.On, &m.Number, &ch, &m.Subject, &state, &division, &handler); err != nil {
			rows.Close()
			return nil, err
		}
		if m.Source == "concern" {
			m.Channel, m.State = Channel(ch).Label(), State(state).Label()
			if !canSee(p, &Case{AgencyID: t.AgencyID, DivisionID: division, HandlerID: handler}) {
				m.Subject = ""
			} else {
				m.URL = "/console/concerns/" + strconv.FormatInt(m.ID, 10)
			}
		} else {
			m.Channel = "依申请公开"
			appIDs = append(appIDs, m.ID)
		}
		d.Members = append(d.Members, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Applications are shown to the work unit (who see them all); a
	// liaison sees only the number of them here.
	if len(appIDs) > 0 && s.ApplicationDocs != nil && auth.Allowed(p, auth.ViewApplications) && p.Roles.Any(auth.Handler, auth.Approver) {
		apps, err := s.ApplicationDocs.TopicDocs(ctx, t.AgencyID, s.today().AddDays(-TopicWindowDays-1))
		if err != nil {
			return nil, err
		}
		byID := map[int64]AppDoc{}
		for _, a := range apps {
			byID[a.ID] = a
		}
		for i := range d.Members {
			m := &d.Members[i]
			if a, ok := byID[m.ID]; ok && m.Source == "application" {
				m.Number, m.Subject = a.Number, firstRunes(a.Text, 80)
				m.URL = "/console/applications/" + strconv.FormatInt(m.ID, 10)
			}
		}
	}
	if t.ResponseItemID != 0 && s.Responses != nil {
		if item, err := s.Responses.ResponseItem(ctx, t.ResponseItemID); err == nil {
			d.Response = &item
		}
	}
	return d, nil
}

func firstRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// MarkTopic marks a topic handled (with a note) or, with handled false,
// open again.
func (s *Service) MarkTopic(ctx context.Context, p *auth.Principal, id int64, handled bool, note string) error {
	note = strings.TrimSpace(note)
	if hostile(note) || utf8.RuneCountInString(note) > 500 {
		return apperr.FieldErrors(map[string]string{"note": "处理说明不超过 500 字，且不能含有无法识别的字符。"})
	}
	if !auth.Allowed(p, auth.HandleConcerns) {
		return apperr.New(apperr.Forbidden, "您无权处理热点话题。")
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		t, err := scanTopic(tx.QueryRowContext(ctx, topicColumns+" WHERE id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("没有这个热点话题。")
		}
		if err != nil {
			return err
		}
		if err := topicPerm(p, t.AgencyID); err != nil {
			return err
		}
		summary := "热点话题“" + t.Label + "”标记为已处理"
		if handled {
			_, err = tx.ExecContext(ctx, `UPDATE topic_clusters SET handled_at = $1, handled_by = $2, handled_note = $3 WHERE id = $4`,
				db.Now(), nullUser(p.UserID), note, id)
		} else {
			summary = "热点话题“" + t.Label + "”重新列为未处理"
			_, err = tx.ExecContext(ctx, `UPDATE topic_clusters SET handled_at = NULL, handled_by = NULL, handled_note = '' WHERE id = $1`, id)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: t.AgencyID, Action: "concern.topic.mark",
			ObjectType: "topic", ObjectID: strconv.FormatInt(id, 10), Summary: summary})
	})
}

func nullUser(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Response limits.
const (
	maxResponseTitle = 200
	maxResponseBody  = 20000
)

// DraftTopicResponse drafts the response article of a topic as an
// information item (which then goes through the disclosure workflow) and
// links it to the topic.
func (s *Service) DraftTopicResponse(ctx context.Context, p *auth.Principal, id int64, title, body string) (int64, error) {
	if s.Responses == nil {
		return 0, apperr.New(apperr.Conflict, "本平台没有启用信息发布，不能起草回应。")
	}
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	fields := map[string]string{}
	checkText(fields, "title", "回应标题", title, true, maxResponseTitle)
	checkText(fields, "body", "回应正文", body, true, maxResponseBody)
	if strings.ContainsAny(title, "<>\r\n") {
		fields["title"] = "回应标题不能换行或包含尖括号 < >，书名请用《》。"
	}
	if len(fields) > 0 {
		return 0, apperr.FieldErrors(fields)
	}
	t, err := scanTopic(s.DB.R.QueryRowContext(ctx, topicColumns+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.NotFoundf("没有这个热点话题。")
	}
	if err != nil {
		return 0, err
	}
	if err := topicPerm(p, t.AgencyID); err != nil {
		return 0, err
	}
	if t.ResponseItemID != 0 {
		return 0, apperr.New(apperr.Conflict, "这个话题已有回应稿，请在信息发布中修改。")
	}
	if !auth.Allowed(p, auth.HandleConcerns) {
		return 0, apperr.New(apperr.Forbidden, "您无权为热点话题起草回应。")
	}
	itemID, err := s.Responses.DraftResponse(ctx, p, t.AgencyID, title, body)
	if err != nil {
		return 0, err
	}
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE topic_clusters SET response_item_id = $1 WHERE id = $2 AND response_item_id IS NULL`, itemID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "这个话题刚被其他人起草了回应，请刷新页面。")
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: t.AgencyID, Action: "concern.topic.response",
			ObjectType: "topic", ObjectID: strconv.FormatInt(id, 10), Summary: "为热点话题“" + t.Label + "”起草回应《" + title + "》（信息 " + strconv.FormatInt(itemID, 10) + "）"})
	})
	return itemID, err
}

// CaseResponse returns the published response a case is linked to, if any.
func (s *Service) CaseResponse(ctx context.Context, c *Case) *ResponseItem {
	if c == nil || c.ResponseItemID == 0 || s.Responses == nil {
		return nil
	}
	item, err := s.Responses.ResponseItem(ctx, c.ResponseItemID)
	if err != nil || !item.Published {
		return nil
	}
	return &item
}
