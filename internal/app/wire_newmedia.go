package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/newmedia"
	"github.com/gongkai/gongkai/internal/web"
)

// The new-media matrix (政务新媒体, issue 9 item 6) is wired here:
// openNewMedia builds its service (with the published information items
// of internal/disclosure for repost tasks) and registers its to-do source,
// registerNewMedia adds the portal and console routes, loadDemoNewMedia
// fills the demo.

// newMediaService names the new-media service for the Core's field.
type newMediaService = newmedia.Service

func (c *Core) openNewMedia() {
	c.NewMedia = newmedia.NewService(newmedia.Deps{DB: c.DB, Calendar: c.Calendar, Agencies: newMediaAgencies{c.Agencies},
		Items: newMediaItems{c}, Blobs: c.Blobs, Version: c.Version, Now: c.Disclosure.Now})
	c.Todos.Register("newmedia", c.NewMedia.Todos)
}

func (a *App) registerNewMedia(w *web.App, site func(r *http.Request, agencyID int64) web.Site) error {
	_, err := newmedia.Register(w, a.NewMedia, site)
	return err
}

// registerNewMediaJobs: the freshness flag and overdue reposts are
// computed when read and reach staff through the to-do centre; no job.
func (a *App) registerNewMediaJobs() {}

// newMediaAgencies gives new media the agencies.
type newMediaAgencies struct{ s *agency.Service }

func (d newMediaAgencies) Agency(ctx context.Context, id int64) (newmedia.AgencyRef, error) {
	a, err := d.s.Get(ctx, id)
	if err != nil {
		return newmedia.AgencyRef{}, err
	}
	return newmedia.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d newMediaAgencies) AgencyBySlug(ctx context.Context, slug string) (newmedia.AgencyRef, error) {
	a, err := d.s.BySlug(ctx, slug)
	if err != nil {
		return newmedia.AgencyRef{}, err
	}
	return newmedia.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

// newMediaItems adapts the published information items. An item's kind:
// an interpretation (it has interpretation data) → 政策解读; in a topical
// column (专题专栏: epidemic prevention, emergencies with rolling
// updates) → 突发事件、应急信息; in the 政策文件 column or of a policy genre
// → 重要政策; anything else → 其他重要信息.
type newMediaItems struct{ c *Core }

var newMediaPolicyGenres = map[string]bool{"意见": true, "办法": true, "规定": true, "决定": true, "规划": true, "方案": true, "通知": true, "通告": true}

func (n newMediaItems) ref(ctx context.Context, agencyID int64, it *disclosure.Item, cols map[int64]*disclosure.Column) newmedia.ItemRef {
	ref := newmedia.ItemRef{ID: it.ID, Title: it.Title, PublishedOn: it.PublishedOn, Kind: newmedia.OtherKind}
	if a, err := n.c.Agencies.Get(ctx, agencyID); err == nil {
		ref.URL = strings.TrimRight(n.c.Config.BaseURL, "/") + "/o/" + a.Slug + "/items/" + strconv.FormatInt(it.ID, 10)
	}
	topical, policy := false, newMediaPolicyGenres[it.Genre]
	for _, id := range it.ColumnIDs {
		if col := cols[id]; col != nil {
			topical = topical || col.Kind == disclosure.KindTopical
			policy = policy || col.Slug == "zcwj"
		}
	}
	switch in, err := n.c.Disclosure.Interpretation(ctx, it.ID); {
	case err == nil && in != nil || it.Genre == "解读":
		ref.Kind = newmedia.Interpretation
	case topical:
		ref.Kind = newmedia.Emergency
	case policy:
		ref.Kind = newmedia.Policy
	}
	return ref
}

func (n newMediaItems) columns(ctx context.Context, agencyID int64) map[int64]*disclosure.Column {
	out := map[int64]*disclosure.Column{}
	cols, err := n.c.Disclosure.Catalogue(ctx, agencyID)
	if err != nil {
		return out
	}
	var walk func([]*disclosure.Column)
	walk = func(list []*disclosure.Column) {
		for _, c := range list {
			out[c.ID] = c
			walk(c.Children)
		}
	}
	walk(cols)
	return out
}

func (n newMediaItems) PublishedItem(ctx context.Context, agencyID, id int64) (newmedia.ItemRef, error) {
	it, err := n.c.Disclosure.PublicItem(ctx, agencyID, id)
	if err != nil {
		return newmedia.ItemRef{}, err
	}
	return n.ref(ctx, agencyID, it, n.columns(ctx, agencyID)), nil
}

func (n newMediaItems) RecentItems(ctx context.Context, agencyID int64, limit int) ([]newmedia.ItemRef, error) {
	list, _, err := n.c.Disclosure.PublicList(ctx, disclosure.ListFilter{AgencyIDs: []int64{agencyID}, Limit: limit, NoCount: true})
	if err != nil {
		return nil, err
	}
	cols := n.columns(ctx, agencyID)
	out := make([]newmedia.ItemRef, len(list))
	for i, it := range list {
		out[i] = n.ref(ctx, agencyID, it, cols)
	}
	return out, nil
}

// The demo matrix of 上海市民族和宗教事务局 (account names and IDs are
// invented): a dozen accounts across the platforms, one in operation not
// updated for 20 days (stale), one paused, one closed; reposts of a
// published policy (done, with links), of an interpretation (one account
// overdue) and of an emergency notice (due in a few hours).
const (
	demoNewMediaStale    = "少数民族服务在线"
	demoNewMediaOperator = "王磊"
	demoNewMediaPhone    = "13800138123"
	demoRepostOverdue    = "《关于做好少数民族特需商品供应保障工作的通知》政策解读"
)

func (c *Core) loadDemoNewMedia(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	editor := as("mzzj.editor")
	if editor == nil || ids["mzzj"] == 0 {
		return nil
	}
	base := c.NewMedia
	today := civil.Of(base.Now())
	at := func(t time.Time) *newmedia.Service {
		s := *base
		s.Now = func() time.Time { return t }
		return &s
	}
	const bureau, yjzx, fwzx = "上海市民族和宗教事务局", "上海市民族宗教事务研究中心", "上海市少数民族服务中心"
	type acct struct {
		platform                     newmedia.Platform
		name, id, sponsor, op, phone string
		status                       newmedia.Status
		days                         int // since the last update
	}
	list := []acct{
		{newmedia.WeChat, "上海民族宗教", "shmzzj", bureau, "局办公室新媒体工作小组", "021-63210000", newmedia.Active, 1},
		{newmedia.Weibo, "上海民宗发布", "shmzfb", bureau, "局办公室新媒体工作小组", "021-63210000", newmedia.Active, 2},
		{newmedia.Douyin, "上海民族宗教", "shmzzj_dy", bureau, "局办公室新媒体工作小组", "", newmedia.Active, 3},
		{newmedia.Channels, "上海民族宗教", "shmzzj_sph", bureau, "局办公室新媒体工作小组", "", newmedia.Active, 4},
		{newmedia.Toutiao, "上海民族宗教", "shmzzj_tt", bureau, "局办公室新媒体工作小组", "", newmedia.Active, 5},
		{newmedia.Other, "上海民族宗教（学习强国号）", "", bureau, "局办公室新媒体工作小组", "", newmedia.Active, 6},
		{newmedia.WeChat, "民族团结进步在上海", "mztjsh", "上海市民族和宗教事务局民族工作处", demoNewMediaOperator, demoNewMediaPhone, newmedia.Active, 2},
		{newmedia.Channels, "民宗微课堂", "mzwkt", bureau, "局宣传教育处", "", newmedia.Active, 11},
		{newmedia.WeChat, "上海民族宗教研究", "shmzyj", yjzx, "研究中心综合办公室", "", newmedia.Active, 6},
		{newmedia.WeChat, demoNewMediaStale, "ssmzfw", fwzx, "服务中心办公室", "021-62470000", newmedia.Active, 20},
		{newmedia.Weibo, "清真食品服务", "qzspfw", fwzx, "服务中心办公室", "", newmedia.Paused, 60},
		{newmedia.Douyin, "民族文化节", "mzwhj", bureau, "局宣传教育处", "", newmedia.Closed, 200},
	}
	accounts := make([]*newmedia.Account, 0, len(list))
	for _, a := range list {
		x, err := base.CreateAccount(ctx, editor, newmedia.AccountFields{Platform: string(a.platform), Name: a.name, AccountID: a.id, Supervisor: bureau,
			Sponsor: a.sponsor, Operator: a.op, OperatorContact: a.phone, Status: string(a.status), LastUpdatedOn: today.AddDays(-a.days).String()})
		if err != nil {
			return fmt.Errorf("demo new-media account: %w", err)
		}
		accounts = append(accounts, x)
		if a.status == newmedia.Closed {
			continue
		}
		png, err := qrcode.Encode("https://mzzj.example.gov.cn/newmedia/"+a.id, qrcode.Medium, 256)
		if err != nil {
			return err
		}
		if err := base.SetQR(ctx, editor, x.ID, newmedia.Upload{Name: "qr.png", Reader: bytes.NewReader(png)}); err != nil {
			return fmt.Errorf("demo new-media QR: %w", err)
		}
	}
	// A published policy of the bureau, reposted six days ago on three
	// accounts, each within the day with its link.
	clock := func(d civil.Date, hour int) time.Time {
		return time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, civil.Shanghai)
	}
	day := today.AddDays(-6)
	s := at(clock(day, 10))
	f := newmedia.RepostFields{Mode: newmedia.ByWorkdays, Workdays: "1", AccountIDs: []int64{accounts[0].ID, accounts[1].ID, accounts[2].ID}}
	if items, err := s.RecentItems(ctx, editor); err == nil && len(items) > 0 {
		f.ItemID = items[0].ID
		for _, it := range items {
			if it.Kind == newmedia.Policy {
				f.ItemID = it.ID
				break
			}
		}
	} else {
		f.Title, f.URL, f.Kind = "上海市民族和宗教事务局2026年政务公开工作要点", "https://mzzj.example.gov.cn/gk/2026/gzyd.html", string(newmedia.Policy)
	}
	x, err := s.CreateRepost(ctx, editor, f)
	if err != nil {
		return fmt.Errorf("demo repost: %w", err)
	}
	s = at(clock(day, 15))
	for i, t := range x.Tasks {
		if err := s.CompleteTask(ctx, editor, x.ID, t.ID, fmt.Sprintf("https://mzzj.example.gov.cn/newmedia/posts/%d-%d", x.ID, i+1)); err != nil {
			return fmt.Errorf("demo repost done: %w", err)
		}
	}
	// An interpretation eight days ago, due in 2 working days: one account
	// reposted it, the other is overdue.
	day = today.AddDays(-8)
	s = at(clock(day, 9))
	y, err := s.CreateRepost(ctx, editor, newmedia.RepostFields{Title: demoRepostOverdue, URL: "https://mzzj.example.gov.cn/gk/zcjd/tsxsp.html",
		Kind: string(newmedia.Interpretation), Mode: newmedia.ByWorkdays, Workdays: "2", AccountIDs: []int64{accounts[0].ID, accounts[6].ID}})
	if err != nil {
		return fmt.Errorf("demo repost: %w", err)
	}
	if err := at(clock(day, 16)).CompleteTask(ctx, editor, y.ID, y.Tasks[0].ID, "https://mzzj.example.gov.cn/newmedia/posts/zcjd-1"); err != nil {
		return fmt.Errorf("demo repost done: %w", err)
	}
	// An emergency notice this morning, due in three hours.
	now := base.Now()
	if _, err := at(now.Add(-time.Hour)).CreateRepost(ctx, editor, newmedia.RepostFields{Title: "关于寒潮大风天气宗教活动场所安全防范的紧急提示",
		URL: "https://mzzj.example.gov.cn/gk/tfsj/hcdf.html", Kind: string(newmedia.Emergency), Mode: newmedia.ByMoment,
		DueAt: now.Add(3 * time.Hour).In(civil.Shanghai).Format("2006-01-02T15:04"), AccountIDs: []int64{accounts[0].ID, accounts[1].ID}}); err != nil {
		return fmt.Errorf("demo emergency repost: %w", err)
	}
	return nil
}
