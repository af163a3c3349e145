package app

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/docregistry"
	"github.com/gongkai/gongkai/internal/web"
)

// The official-document registry (公文备案, issue 9) is wired here: its
// draft items go through the disclosure workflow (docItems), its divisions
// and liaisons come from the agencies (docDirectory), and its to-dos feed
// the to-do centre.

// docRegistryService names the registry's service for the Core's field.
type docRegistryService = docregistry.Service

func (c *Core) openDocuments() {
	c.Documents = docregistry.NewService(docregistry.Deps{DB: c.DB, Calendar: c.Calendar, Items: docItems{c},
		Directory: docDirectory{c.Agencies}, Logger: c.Logger, Now: c.Disclosure.Now})
	if c.Todos != nil {
		c.Todos.Register(docregistry.TodoSource, c.Documents.Todos)
	}
}

func (a *App) registerDocuments(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := docregistry.Register(w, a.Documents, func(r *http.Request, agencyID int64) string {
		if ag, err := a.Agencies.Get(r.Context(), agencyID); err == nil {
			return ag.Name
		}
		return ""
	})
	return err
}

// registerDocumentsJobs retries, every hour, the draft items that could
// not be created when a proactive document was approved or signed.
func (a *App) registerDocumentsJobs() {
	a.Jobs.Every("docregistry.drafts", time.Hour, func(ctx context.Context) error {
		_, err := a.Documents.DraftPending(ctx)
		return err
	})
}

// docDirectory gives the registry the divisions and their liaisons: a
// division's documents go to its liaison's to-dos.
type docDirectory struct{ s *agency.Service }

func (d docDirectory) Divisions(ctx context.Context, agencyID int64) ([]docregistry.DivisionRef, error) {
	divs, err := d.s.Divisions(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]docregistry.DivisionRef, 0, len(divs))
	for _, v := range divs {
		out = append(out, docregistry.DivisionRef{ID: v.ID, Name: v.Name})
	}
	return out, nil
}

func (d docDirectory) LiaisonUser(ctx context.Context, divisionID int64) (int64, error) {
	l, err := d.s.Liaison(ctx, divisionID)
	if err != nil {
		return 0, err
	}
	return l.RouteTo(), nil
}

// docItems makes a proactive document's draft information item and reads
// the items' states back.
type docItems struct{ c *Core }

// documentColumns are the columns a document's item goes to, in order of
// preference: 政策文件, else 其他法定公开信息.
var documentColumns = []string{"zcwj", "qtxx"}

// genreOf takes the genre (文种) from the end of a title such as
// “关于……的通知”; 其他 when none is recognised.
func genreOf(title string) string {
	for _, g := range disclosure.Genres {
		if g != "其他" && strings.HasSuffix(title, g) {
			return g
		}
	}
	return "其他"
}

func (d docItems) DraftItem(ctx context.Context, p *auth.Principal, in docregistry.DraftRequest) (int64, error) {
	// Approving a proactive document is the decision to publish it: the
	// draft is started with the editing right this one action needs (as
	// with applications turned proactive, proactiveDrafts), and then goes
	// through 保密审查 and approval by the people who hold those duties.
	actor := *p
	actor.Roles = append(append(auth.Roles{}, p.Roles...), auth.Editor)
	actor.AgencyID = in.AgencyID
	var col *disclosure.Column
	for _, slug := range documentColumns {
		c, err := d.c.Disclosure.ColumnBySlug(ctx, in.AgencyID, slug)
		if err == nil {
			col = c
			break
		}
		if apperr.CodeOf(err) != apperr.NotFound {
			return 0, err
		}
	}
	f := disclosure.DraftFields{Title: in.Title, Publisher: in.Issuer, DocNumber: in.DocNumber, SignedOn: in.SignedOn.String(),
		FormedOn: in.FormedOn.String(), Genre: genreOf(in.Title), FivePublics: []string{"decision"}, SourceType: "self",
		Summary: "依公文公开属性源头认定为主动公开的公文（" + in.DocNumber + "）。",
		Body:    "（公文正文待补充：请上传或粘贴经签发的正文，经保密审查后发布。）"}
	if col != nil {
		f.ColumnIDs = []int64{col.ID}
	}
	it, err := d.c.Disclosure.Create(ctx, &actor, in.AgencyID, f)
	if err != nil {
		return 0, err
	}
	return it.ID, nil
}

func (d docItems) ItemStates(ctx context.Context, agencyID int64, ids []int64) (map[int64]docregistry.ItemState, error) {
	out := map[int64]docregistry.ItemState{}
	for len(ids) > 0 {
		batch := ids
		if len(batch) > 500 {
			batch = batch[:500]
		}
		ids = ids[len(batch):]
		args := []any{agencyID}
		marks := make([]string, len(batch))
		for i, id := range batch {
			args = append(args, id)
			marks[i] = "$" + strconv.Itoa(i+2)
		}
		// #nosec G202 -- only $N placeholders are joined in; the ids are in args
		rows, err := d.c.DB.R.QueryContext(ctx, `SELECT id, status, published_on, published_at FROM items
			WHERE agency_id = $1 AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var (
				id     int64
				status string
				on     civil.Date
				at     sql.NullTime
			)
			if err := rows.Scan(&id, &status, &on, &at); err != nil {
				rows.Close()
				return nil, err
			}
			s := disclosure.Status(status)
			st := docregistry.ItemState{ID: id, Status: s.Label(), ConsoleURL: fmt.Sprintf("/console/items/%d", id)}
			if at.Valid && (s == disclosure.Published || s == disclosure.Superseded || s == disclosure.Withdrawn) {
				st.Published = true
				st.PublishedOn = on
				if on.IsZero() {
					st.PublishedOn = civil.Of(at.Time)
				}
			}
			out[id] = st
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// demoDocument is a document of the demo registry: drafted and signed
// days before today (signed < 0: not signed), then approved, returned or
// left waiting; published tells that its item is published at once.
type demoDocument struct {
	prefix, title, division string
	attr                    docregistry.Attribute
	ground                  docregistry.Ground
	reason                  string
	signed                  int // days before today; -1: not signed
	decision                string
	published               bool
	reviewNote              string
}

// demoDocuments of 上海市民族和宗教事务局 (titles and numbers invented): one
// proactive document overdue (signed 45 days ago, its item still a draft),
// one published on time, others waiting for publication or approval, one
// returned, and non-disclosed ones of which two are due for their Art. 18
// re-review within the month.
var demoDocuments = []demoDocument{
	{"沪民宗发", "关于做好少数民族流动人口服务管理工作的通知", "民族工作一处", docregistry.Proactive, "", "", 45, "approve", false, ""},
	{"沪民宗发", "关于印发《宗教活动场所安全管理工作指引》的通知", "宗教工作一处", docregistry.Proactive, "", "", 12, "approve", true, ""},
	{"沪民宗发", "关于开展民族团结进步示范创建工作的通知", "民族工作二处", docregistry.Proactive, "", "", 3, "approve", false, ""},
	{"沪民宗发", "关于清真食品监督检查工作安排的通知", "民族工作一处", docregistry.Proactive, "", "", 24, "approve", false, ""},
	{"沪民宗发", "关于做好宗教院校招生工作的通知", "宗教工作三处", docregistry.Proactive, "", "", 8, "approve", false, ""},
	{"沪民宗办", "关于调整局机关处室工作职责分工的通知", "人事处", docregistry.Withheld, docregistry.GroundInternalAffairs,
		"内容为局机关内部处室职责分工调整，属于内部事务信息，对外不产生直接约束力。", 340, "approve", false, ""},
	{"沪民宗办", "关于民族宗教领域风险隐患排查情况的报告", "政策法规处", docregistry.Withheld, docregistry.GroundProcessInfo,
		"系向市政府报送的情况报告，属于请示报告类过程性信息。", 355, "approve", false, ""},
	{"沪民宗函", "关于某宗教团体负责人变更备案的复函", "宗教工作二处", docregistry.OnRequest, docregistry.GroundThirdParty,
		"涉及宗教团体负责人的个人信息，仅向申请人及相关当事人提供。", 60, "approve", false, ""},
	{"沪民宗函", "关于宗教活动场所财务监督管理有关问题的复函", "宗教工作一处", docregistry.OnRequest, docregistry.GroundNotProactive,
		"系对个别场所来函的答复，仅涉及特定对象。", 400, "approve", false, "经复核，复函仍只涉及个别场所的具体问题，维持依申请公开。"},
	{"沪民宗函", "关于征求《上海市宗教事务条例》修订意见的函", "政策法规处", docregistry.OnRequest, docregistry.GroundProcessInfo,
		"征求意见稿尚在修改过程中，属于过程稿。", -1, "", false, ""},
	{"沪民宗发", "关于举办少数民族传统体育运动会的通知", "办公室", docregistry.Proactive, "", "", -1, "", false, ""},
	{"沪民宗发", "关于政务公开工作要点任务分解的通知", "办公室", docregistry.Proactive, "", "", 2, "return", false, ""},
}

func (c *Core) loadDemoDocuments(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	agencyID := ids["mzzj"]
	clerk, approver, editor, reviewer := as("mzzj.policy"), as("mzzj.approver"), as("mzzj.editor"), as("mzzj.reviewer")
	if agencyID == 0 || clerk == nil || approver == nil || editor == nil || reviewer == nil {
		return nil
	}
	svc := c.Documents
	today := svc.Today()
	seq := map[string]int{}
	for _, dd := range demoDocuments {
		div := divisions["mzzj"][dd.division]
		if div == 0 {
			continue
		}
		drafted := today.AddDays(-7)
		signed := ""
		if dd.signed >= 0 {
			drafted = today.AddDays(-dd.signed - 6)
			signed = today.AddDays(-dd.signed).String()
		}
		key := dd.prefix + strconv.Itoa(drafted.Year)
		seq[key]++
		number := fmt.Sprintf("%s〔%d〕%d号", dd.prefix, drafted.Year, 20+seq[key]*3)
		d, err := svc.Register(ctx, clerk, docregistry.Input{DocNumber: number, Title: dd.title, Issuer: "上海市民族和宗教事务局", DivisionID: div,
			DraftedOn: drafted.String(), SignedOn: signed, Attribute: string(dd.attr), Ground: string(dd.ground), Reason: dd.reason})
		if err != nil {
			return fmt.Errorf("demo document %s: %w", dd.title, err)
		}
		switch dd.decision {
		case "approve":
			if err := svc.Decide(ctx, approver, d.ID, true, "同意。", 0); err != nil {
				return fmt.Errorf("demo document %s: %w", dd.title, err)
			}
		case "return":
			if err := svc.Decide(ctx, approver, d.ID, false, "请核对文号，并补充文件是否涉及具体个人信息的说明。", 0); err != nil {
				return err
			}
		}
		if dd.reviewNote != "" {
			if err := svc.ReviewDocument(ctx, clerk, d.ID, docregistry.ReviewInput{Outcome: string(docregistry.Keep), Note: dd.reviewNote}); err != nil {
				return fmt.Errorf("demo review %s: %w", dd.title, err)
			}
		}
		if dd.published {
			if err := c.publishDemoDocument(ctx, clerk, editor, reviewer, approver, d.ID); err != nil {
				return fmt.Errorf("demo publication %s: %w", dd.title, err)
			}
		}
	}
	return nil
}

// publishDemoDocument gives a document's draft item its text and takes it
// through review, approval and publication.
func (c *Core) publishDemoDocument(ctx context.Context, clerk, editor, reviewer, approver *auth.Principal, id int64) error {
	d, err := c.Documents.Get(ctx, clerk, id)
	if err != nil {
		return err
	}
	if d.ItemID == 0 {
		return fmt.Errorf("no draft item")
	}
	it, err := c.Disclosure.Get(ctx, editor, d.ItemID)
	if err != nil {
		return err
	}
	err = c.Disclosure.Update(ctx, editor, it.ID, disclosure.DraftFields{Title: it.Title, Publisher: it.Publisher, DocNumber: it.DocNumber,
		SignedOn: it.SignedOn.String(), FormedOn: it.FormedOn.String(), Genre: it.Genre, FivePublics: it.FivePublics, SourceType: it.SourceType,
		ColumnIDs: it.ColumnIDs, Method: it.Method, Summary: "规范宗教活动场所安全管理工作。",
		Body: "各区民族宗教工作部门，各宗教团体：\n\n为进一步做好宗教活动场所安全管理工作，现将《宗教活动场所安全管理工作指引》印发给你们，请结合实际认真贯彻执行。\n\n上海市民族和宗教事务局"})
	if err != nil {
		return err
	}
	for _, step := range []func() error{
		func() error { return c.Disclosure.Submit(ctx, editor, it.ID) },
		func() error { return c.Disclosure.Review(ctx, reviewer, it.ID, "") },
		func() error { return c.Disclosure.Approve(ctx, approver, it.ID) },
		func() error { return c.Disclosure.Publish(ctx, approver, it.ID, time.Time{}) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
