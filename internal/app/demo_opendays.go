package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/openday"
	"github.com/gongkai/gongkai/internal/survey"
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
	if err := c.demoOpenDayAftermath(ctx, at(day.AddDays(1), 11), editor, past.ID); err != nil {
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

// demoOpenDayAftermath gives the held open day its photos (drawn here,
// each with its alt text) and its evaluation: the attendees invited, three
// of the four answered.
func (c *Core) demoOpenDayAftermath(ctx context.Context, s *openday.Service, editor *auth.Principal, id int64) error {
	photos := []struct {
		alt, caption string
		scene        int
	}{
		{"参加人员在一楼多功能厅参观民族团结进步成果展，讲解员在展板前介绍", "参观民族团结进步成果展", 0},
		{"座谈会现场：参加人员围坐在会议桌旁，与工作人员交流就业创业服务", "座谈交流", 1},
	}
	for _, p := range photos {
		if _, err := s.AddPhoto(ctx, editor, id, openday.Upload{Name: "现场照片.png", Reader: bytes.NewReader(demoScene(p.scene))}, p.alt, p.caption); err != nil {
			return fmt.Errorf("demo open-day photo: %w", err)
		}
	}
	if _, err := s.InviteEvaluation(ctx, editor, id); err != nil {
		return fmt.Errorf("demo open-day evaluation: %w", err)
	}
	var surveyID int64
	if err := c.DB.R.QueryRowContext(ctx, `SELECT evaluation_survey_id FROM opendays WHERE id = $1`, id).Scan(&surveyID); err != nil {
		return err
	}
	rows, err := c.DB.R.QueryContext(ctx, `SELECT token FROM survey_tokens WHERE survey_id = $1 ORDER BY id`, surveyID)
	if err != nil {
		return err
	}
	var tokens []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tokens = append(tokens, t)
	}
	rows.Close()
	answers := []survey.Answers{
		{"q1": {"5"}, "q2": {"1"}, "q3": {"1"}, "q4": {"希望以后多安排与少数民族群众面对面交流的环节。"}},
		{"q1": {"4"}, "q2": {"2"}, "q3": {"1"}, "q4": {"展览内容丰富，建议提前在网站公布活动资料。"}},
		{"q1": {"5"}, "q2": {"2"}, "q3": {"2"}},
	}
	for i, a := range answers {
		if i >= len(tokens)-1 { // the last attendee has not answered
			break
		}
		if _, err := c.Surveys.Submit(ctx, surveyID, survey.Submission{Answers: a, Token: tokens[i], IP: "demo"}); err != nil {
			return fmt.Errorf("demo open-day evaluation answer: %w", err)
		}
	}
	return nil
}

// demoScene draws a plain picture for the demo's photos (0: an exhibition
// with panels and visitors, 1: a meeting table with people around it).
func demoScene(kind int) []byte {
	const w, h = 640, 400
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill := func(x0, y0, x1, y1 int, c color.RGBA) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	person := func(x, y int, c color.RGBA) {
		for dy := -12; dy <= 12; dy++ {
			for dx := -12; dx <= 12; dx++ {
				if dx*dx+dy*dy <= 144 {
					img.SetRGBA(x+dx, y+dy, color.RGBA{233, 196, 160, 255})
				}
			}
		}
		fill(x-16, y+14, x+16, y+70, c)
	}
	fill(0, 0, w, h, color.RGBA{236, 232, 222, 255}) // wall
	fill(0, 300, w, h, color.RGBA{176, 150, 120, 255})
	coats := []color.RGBA{{40, 60, 110, 255}, {150, 40, 40, 255}, {60, 110, 70, 255}, {90, 90, 90, 255}, {120, 80, 140, 255}}
	if kind == 0 {
		for i := range 3 {
			x := 60 + i*190
			fill(x, 60, x+150, 230, color.RGBA{190, 30, 30, 255})
			fill(x+10, 70, x+140, 120, color.RGBA{250, 240, 220, 255})
			fill(x+10, 130, x+140, 220, color.RGBA{245, 245, 245, 255})
		}
		for i := range 5 {
			person(90+i*115, 250, coats[i])
		}
	} else {
		fill(120, 250, 520, 300, color.RGBA{120, 80, 50, 255})
		for i := range 5 {
			person(150+i*85, 195, coats[i])
		}
		fill(230, 40, 410, 150, color.RGBA{30, 60, 120, 255})
		fill(245, 55, 395, 80, color.RGBA{250, 250, 250, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
