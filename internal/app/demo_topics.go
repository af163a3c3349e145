package app

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/hottopic"
)

// demoTopicsLast is the last day of the hand-labelled messages; the demo
// moves them so that this day is today.
var demoTopicsLast = civil.New(2026, 11, 29)

var demoWriters = []string{"张伟", "李娜", "王磊", "刘洋", "陈静", "杨帆", "赵敏", "黄强", "周婷", "吴刚", "马丽", "孙浩", "朱琳", "胡军", "郭燕", "何平"}

// loadDemoTopics files the 330 hand-labelled messages of the hot-topic
// evaluation set (internal/hottopic/testdata) as the bureau's letters,
// board posts, 12345 orders, new-media messages, calls and visits, site
// error reports and — the last fortnight's — disclosure applications, on
// their days, so that 热点发现 has three months of the public's concerns
// to work on. Older cases are answered; the recent ones are open. Then the
// topics are computed once.
func (c *Core) loadDemoTopics(ctx context.Context, agencyID int64, division int64, handler, head *auth.Principal) error {
	if handler == nil || head == nil {
		return nil
	}
	var msgs []hottopic.Labelled
	for _, name := range []string{"dev", "test"} {
		set, err := hottopic.LabelledSet(name)
		if err != nil {
			return err
		}
		msgs = append(msgs, set...)
	}
	now := c.Concerns.Now()
	today := civil.Of(now)
	shift := demoTopicsLast.DaysUntil(today)
	at := func(d civil.Date) func() time.Time {
		return func() time.Time {
			return d.StartUTC().Add(10 * time.Hour)
		}
	}
	var orders []concern.Order
	for i, m := range msgs {
		day := m.Day.AddDays(shift)
		subject, body := m.Subject()
		name := demoWriters[i%len(demoWriters)]
		phone := fmt.Sprintf("1380010%04d", i)
		svc := *c.Concerns
		svc.Now = at(day)
		l := concern.Letter{Subject: subject, Body: body, Name: name, Phone: phone}
		if i%3 == 0 {
			l.Notify, l.Email = true, fmt.Sprintf("writer%03d@example.com", i)
		}
		var cs *concern.Case
		var err error
		switch m.Channel {
		case "mailbox":
			l.Channel, l.Leader, l.Consent = concern.Mailbox, "局长 赵某某（演示）", i%2 == 0
			cs, _, err = svc.Submit(ctx, agencyID, l, fmt.Sprintf("demo-topic-%d", i))
		case "board":
			l.Channel = concern.Board
			cs, _, err = svc.Submit(ctx, agencyID, l, fmt.Sprintf("demo-topic-%d", i))
		case "site_error":
			l.Channel, l.PageURL, l.Name, l.Phone = concern.SiteError, "/o/mzzj/gk/", "", ""
			cs, _, err = svc.Submit(ctx, agencyID, l, fmt.Sprintf("demo-topic-%d", i))
		case "new_media", "phone_visit":
			l.Channel = concern.NewMedia
			if m.Channel == "phone_visit" {
				l.Channel = concern.Visit
			}
			l.Notify, l.Email = false, ""
			cs, err = svc.Record(ctx, handler, agencyID, l, day)
		case "hotline":
			orders = append(orders, concern.Order{Line: len(orders) + 2, ID: fmt.Sprintf("DEMO%s%04d", day.String()[:4], i), Title: subject,
				Body: body, Caller: name, Phone: phone, Dispatched: day, Due: day.AddDays(7)})
			continue
		case "application":
			if day.Before(today.AddDays(-14)) {
				continue // older applications would be overdue in the demo
			}
			if err := c.demoTopicApplication(ctx, agencyID, handler, i, day, subject, body); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("demo topics: message %s: unknown channel %q", m.ID, m.Channel)
		}
		if err != nil {
			return fmt.Errorf("demo topics: message %s: %w", m.ID, err)
		}
		if day.Before(today.AddDays(-10)) {
			if err := demoAnswer(ctx, c.Concerns, at(day.AddDays(3)), cs, division, handler, head); err != nil {
				return fmt.Errorf("demo topics: message %s: %w", m.ID, err)
			}
		}
	}
	if len(orders) > 0 {
		rep, err := c.Concerns.ImportOrders(ctx, handler, agencyID, orders, nil)
		if err != nil {
			return fmt.Errorf("demo topics: 12345 orders: %w", err)
		}
		if len(rep.Errors) > 0 {
			return fmt.Errorf("demo topics: 12345 orders: line %d: %s", rep.Errors[0].Line, rep.Errors[0].Message)
		}
	}
	_, err := c.Concerns.ComputeTopics(ctx, agencyID)
	return err
}

// demoAnswer replies to a case three days after it came in (a board post
// is approved for the board first).
func demoAnswer(ctx context.Context, svc *concern.Service, clock func() time.Time, cs *concern.Case, division int64, handler, head *auth.Principal) error {
	s := *svc
	s.Now = clock
	var cmds []struct {
		p   *auth.Principal
		cmd concern.Command
	}
	add := func(p *auth.Principal, cmd concern.Command) {
		cmds = append(cmds, struct {
			p   *auth.Principal
			cmd concern.Command
		}{p, cmd})
	}
	if cs.Channel == concern.Board {
		add(head, concern.Command{Action: concern.ActModerate, Moderation: concern.ModApproved})
	}
	if cs.State == concern.Received {
		add(handler, concern.Command{Action: concern.ActAssign, DivisionID: division})
	}
	add(handler, concern.Command{Action: concern.ActDraft, Draft: "感谢您的来信。您反映的问题已转有关处室和区民族宗教部门核实处理，我们将持续关注，并依法依规作出处理。"})
	add(handler, concern.Command{Action: concern.ActSubmit})
	add(head, concern.Command{Action: concern.ActApprove, Publish: cs.Consent})
	for _, c := range cmds {
		if _, err := s.Do(ctx, c.p, cs.ID, c.cmd); err != nil {
			return fmt.Errorf("%s: %w", c.cmd.Action, err)
		}
	}
	return nil
}

// demoTopicApplication records a labelled message of the application
// channel as an application made in person.
func (c *Core) demoTopicApplication(ctx context.Context, agencyID int64, handler *auth.Principal, i int, day civil.Date, title, desc string) error {
	a := application.Applicant{Type: application.NaturalPerson, Name: demoWriters[i%len(demoWriters)], IDType: application.IDCard,
		IDNumber: demoID(fmt.Sprintf("310104198001%02d%03d", 1+i%28, i%1000)), Phone: fmt.Sprintf("1380020%04d", i), Email: "applicant@example.com",
		Address: "上海市（演示地址）"}
	sub := application.Submission{AgencyID: agencyID, Channel: application.InPerson, ReceivedOn: day, SignedOn: day, Applicant: a,
		Request:  application.Request{Title: title, Description: desc, Form: application.Electronic, Delivery: application.ByEmail},
		Identity: &application.Upload{Name: "身份证明.png", Reader: bytes.NewReader(demoPNG)}}
	if _, err := c.Applications.Record(ctx, handler, sub); err != nil {
		return fmt.Errorf("demo application %s: %w", title, err)
	}
	return nil
}
