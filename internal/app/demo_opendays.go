package app

import (
	"context"
	"fmt"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/openday"
)

// Demo open days of 上海市民族和宗教事务局 (their names are invented).
const (
	demoOpenDayPast     = "走进民族宗教工作——政府开放日（演示）"
	demoOpenDayUpcoming = "民族团结进步开放周：少数民族特需商品保障开放日（演示）"
)

// loadOpenDaysDemo gives the bureau an open day held a month ago (its
// attendees checked in, its summary published) and one three weeks ahead
// with sign-up open and a few sign-ups.
func (c *Core) loadOpenDaysDemo(ctx context.Context, agencyID int64, editor, handler *auth.Principal) error {
	if editor == nil || handler == nil || agencyID == 0 {
		return nil
	}
	today := civil.Of(c.OpenDays.Now())
	at := func(d civil.Date, hour int) *openday.Service {
		s := *c.OpenDays
		s.Now = func() time.Time { return time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, civil.Shanghai) }
		return &s
	}
	stamp := func(d civil.Date, hm string) string { return d.String() + "T" + hm }
	people := []struct{ name, phone string }{{"马丽娟", "13900001001"}, {"阿依古丽", "13900001002"}, {"王建国", "13900001003"},
		{"李晓明", "13900001004"}, {"沈佳怡", "13900001005"}}

	// Held a month ago.
	day := today.AddDays(-30)
	s := at(day.AddDays(-25), 10)
	past, err := s.Create(ctx, editor, openday.Fields{Theme: demoOpenDayPast, Series: "民族团结进步开放周",
		Agenda: "09:30 参观民族团结进步成果展\n10:15 观看政务服务“一网通办”演示\n10:45 座谈交流：少数民族群众就业创业服务\n11:30 活动结束",
		Place:  "上海市民族和宗教事务局一楼多功能厅", Date: day.String(), Start: "09:30", End: "11:30",
		SignupOpens: stamp(day.AddDays(-20), "09:00"), SignupCloses: stamp(day.AddDays(-2), "17:00"), Capacity: "30",
		Selection: string(openday.FirstCome), Groups: "人大代表 3\n政协委员 3\n民族宗教界人士 6\n市民 15\n媒体 3"})
	if err != nil {
		return fmt.Errorf("demo open day: %w", err)
	}
	if err := s.Publish(ctx, editor, past.ID); err != nil {
		return err
	}
	s = at(day.AddDays(-10), 10)
	var codes []string
	for i, p := range people {
		group := past.Groups[3].ID
		if i == 0 {
			group = past.Groups[0].ID
		}
		r, err := s.SignUp(ctx, agencyID, past.ID, openday.SignupInput{Name: p.name, Phone: p.phone, GroupID: group}, fmt.Sprintf("demo-openday-%d", i), nil)
		if err != nil {
			return fmt.Errorf("demo sign-up: %w", err)
		}
		codes = append(codes, r.Code)
	}
	s = at(day, 9)
	for _, code := range codes[:4] {
		if _, err := s.CheckIn(ctx, handler, past.ID, code); err != nil {
			return fmt.Errorf("demo check-in: %w", err)
		}
	}
	if err := at(day.AddDays(1), 10).Finish(ctx, editor, past.ID, "本次开放日共有 4 位参加人员到场，其中人大代表 1 名、市民 3 名。参加人员参观了民族团结进步成果展，"+
		"观看了政务服务演示，并就少数民族群众就业创业服务提出了 6 条意见建议，已交相关处室研究办理。"); err != nil {
		return err
	}

	// Three weeks ahead, sign-up open.
	day = today.AddDays(21)
	s = at(today.AddDays(-3), 10)
	up, err := s.Create(ctx, editor, openday.Fields{Theme: demoOpenDayUpcoming, Series: "民族团结进步开放周",
		Agenda: "09:30 参观清真食品监管工作展示\n10:15 少数民族特需商品供应保障情况介绍\n10:45 座谈交流",
		Place:  "上海市民族和宗教事务局三楼会议室", Date: day.String(), Start: "09:30", End: "11:30",
		SignupOpens: stamp(today.AddDays(-2), "09:00"), SignupCloses: stamp(day.AddDays(-2), "17:00"), Capacity: "20",
		Selection: string(openday.FirstCome), Groups: "人大代表 2\n政协委员 2\n民族宗教界人士 4\n市民 10\n媒体 2"})
	if err != nil {
		return fmt.Errorf("demo open day: %w", err)
	}
	if err := s.Publish(ctx, editor, up.ID); err != nil {
		return err
	}
	s = at(today.AddDays(-1), 10)
	for i, p := range people[1:4] {
		if _, err := s.SignUp(ctx, agencyID, up.ID, openday.SignupInput{Name: p.name, Phone: p.phone, GroupID: up.Groups[3].ID},
			fmt.Sprintf("demo-openday-up-%d", i), nil); err != nil {
			return fmt.Errorf("demo sign-up: %w", err)
		}
	}
	return nil
}
