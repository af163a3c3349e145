package concern

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/notify"
)

// Action is a step staff take on a case.
type Action string

// Actions.
const (
	ActAssign    Action = "assign"    // 分办 to a division or handler
	ActNote      Action = "note"      // internal note
	ActDraft     Action = "draft"     // save a reply draft
	ActSubmit    Action = "submit"    // submit the draft for review
	ActApprove   Action = "approve"   // approve the reply (and publish where agreed)
	ActReturn    Action = "return"    // send the draft back
	ActModerate  Action = "moderate"  // board: publish or withhold the message
	ActSupervise Action = "supervise" // 督办 on or off
	ActReopen    Action = "reopen"    // reopen a replied case
	ActMerge     Action = "merge"     // merge a duplicate into another case
	ActSign      Action = "sign"      // 12345: 签收
	ActSendBack  Action = "send_back" // 12345: 退单 (not this agency's)
	ActDelay     Action = "delay"     // 12345: 延期 as granted by the city
	ActRate      Action = "rate"      // 回访满意度
)

var actionLabels = map[Action]string{
	ActAssign: "分办", ActNote: "内部备注", ActDraft: "保存答复稿", ActSubmit: "提交审核", ActApprove: "审核通过并答复",
	ActReturn: "退回修改", ActModerate: "留言审核", ActSupervise: "督办", ActReopen: "重新办理", ActMerge: "合并重复来信",
	"receive": "来信", "record": "录入", "deadline": "期限调整", "view_contact": "查看联系方式", "import": "导入工单",
	ActSign: "签收", ActSendBack: "退单", ActDelay: "延期", ActRate: "回访满意度",
}

// Label is the Chinese name.
func (a Action) Label() string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

var allowed = map[Action][]State{
	ActAssign:    {Received, Assigned},
	ActNote:      {Received, Assigned, Review, Replied, Merged},
	ActDraft:     {Received, Assigned},
	ActSubmit:    {Assigned},
	ActApprove:   {Review},
	ActReturn:    {Review},
	ActModerate:  {Received, Assigned, Review, Replied},
	ActSupervise: {Received, Assigned, Review},
	ActReopen:    {Replied},
	ActMerge:     {Received, Assigned},
	ActSign:      {Received},
	ActSendBack:  {Received, Assigned},
	ActDelay:     {Assigned, Review},
	ActRate:      {Replied},
}

// Allowed reports whether a may be taken in state s.
func (a Action) Allowed(s State) bool {
	for _, x := range allowed[a] {
		if x == s {
			return true
		}
	}
	return false
}

// reviewActions need the reviewer's permission.
var reviewActions = map[Action]bool{ActApprove: true, ActReturn: true, ActModerate: true, ActSupervise: true}

// Command is one step. Fields not used by the action are ignored.
type Command struct {
	Action     Action
	Version    int
	Note       string
	DivisionID int64
	HandlerID  int64
	Draft      string
	// Publish: approve and publish (only with the writer's consent, for
	// the mailbox and the board).
	Publish bool
	// Moderation: ModApproved or ModRejected.
	Moderation Moderation
	On         bool // supervise on or off
	Into       string
	// NewDue is the due date the city granted (12345 延期).
	NewDue civil.Date
	// Rating is the writer's satisfaction: 3 满意, 2 基本满意, 1 不满意.
	Rating int
}

// RatingLabel names a satisfaction rating.
func RatingLabel(n int) string {
	switch n {
	case 3:
		return "满意"
	case 2:
		return "基本满意"
	case 1:
		return "不满意"
	}
	return ""
}

// Do takes a step on a case.
func (s *Service) Do(ctx context.Context, p *auth.Principal, id int64, cmd Command) (*Case, error) {
	cmd.Note, cmd.Draft = strings.TrimSpace(cmd.Note), strings.TrimSpace(cmd.Draft)
	if hostile(cmd.Note) || hostile(cmd.Draft) || len([]rune(cmd.Note)) > 2000 || len([]rune(cmd.Draft)) > 5000 {
		return nil, apperr.FieldErrors(map[string]string{"note": "内容过长或含有无法识别的字符。"})
	}
	if actionLabels[cmd.Action] == "" || allowed[cmd.Action] == nil {
		return nil, apperr.Invalidf("未知的操作。")
	}
	var out *Case
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		c, err := getCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(p, c) {
			return errNone
		}
		need := auth.HandleConcerns
		if reviewActions[cmd.Action] {
			need = auth.ReviewConcerns
		}
		if !auth.Allowed(p, need) {
			return apperr.New(apperr.Forbidden, "您无权执行此操作。")
		}
		if cmd.Version != 0 && cmd.Version != c.Version {
			return errStale
		}
		if !cmd.Action.Allowed(c.State) {
			return apperr.New(apperr.Conflict, fmt.Sprintf("来信当前为“%s”，不能%s。", c.State.Label(), cmd.Action.Label()))
		}
		from := c.State
		note, err := s.step(ctx, tx, c, cmd)
		if err != nil {
			return err
		}
		if err := saveCase(ctx, tx, c); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, c.ID, Event{On: s.today(), ActorID: p.UserID, Actor: p.Actor().Name, Action: cmd.Action,
			From: from, To: c.State, Note: strings.TrimSpace(note + "\n" + cmd.Note)}); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "concern." + string(cmd.Action),
			ObjectType: "concern", ObjectID: c.Number, Summary: c.Number + "：" + cmd.Action.Label() + " " + note}); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

func (s *Service) step(ctx context.Context, tx db.Tx, c *Case, cmd Command) (string, error) {
	today := s.today()
	switch cmd.Action {
	case ActAssign:
		if cmd.DivisionID == 0 && cmd.HandlerID == 0 {
			return "", apperr.FieldErrors(map[string]string{"division": "请选择承办处室或承办人。"})
		}
		for _, chk := range []struct {
			id         int64
			query, key string
		}{{cmd.DivisionID, "SELECT count(*) FROM divisions WHERE id = $1 AND agency_id = $2", "division"},
			{cmd.HandlerID, "SELECT count(*) FROM staff_users WHERE id = $1 AND agency_id = $2 AND disabled = FALSE", "handler"}} {
			if chk.id == 0 {
				continue
			}
			var n int
			tx.QueryRowContext(ctx, chk.query, chk.id, c.AgencyID).Scan(&n)
			if n == 0 {
				return "", apperr.FieldErrors(map[string]string{chk.key: "无效的选择。"})
			}
		}
		c.DivisionID, c.HandlerID, c.State = cmd.DivisionID, cmd.HandlerID, Assigned
		return "分办", nil
	case ActNote:
		if cmd.Note == "" {
			return "", apperr.FieldErrors(map[string]string{"note": "请填写备注。"})
		}
		return "", nil
	case ActDraft:
		if cmd.Draft == "" {
			return "", apperr.FieldErrors(map[string]string{"draft": "请填写答复内容。"})
		}
		c.ReplyDraft = cmd.Draft
		if c.State == Received {
			c.State = Assigned
		}
		return "", nil
	case ActSubmit:
		if strings.TrimSpace(c.ReplyDraft) == "" {
			return "", apperr.FieldErrors(map[string]string{"draft": "请先保存答复稿。"})
		}
		c.State = Review
		return "", nil
	case ActReturn:
		if cmd.Note == "" {
			return "", apperr.FieldErrors(map[string]string{"note": "请写明退回理由。"})
		}
		c.State = Assigned
		return "", nil
	case ActApprove:
		c.Reply, c.RepliedOn, c.State = c.ReplyDraft, today, Replied
		if err := s.Calendar.Close(ctx, tx, deadlineOwner, strconv.FormatInt(c.ID, 10), "reply"); err != nil && !apperr.Is(err, apperr.NotFound) {
			return "", err
		}
		note := "答复"
		if c.Email != "" {
			// The writer hears of the reply by mail too (through the outbox, with this transaction).
			msg := notify.Message{To: []string{c.Email}, Subject: "【" + c.Channel.Label() + " " + c.Number + "】已答复",
				Text: "您好：\n\n您提交的“" + c.Subject + "”已答复：\n\n" + c.Reply + "\n\n（凭编号和查询码可在网站“来信查询”中查看。本邮件由系统自动发送，请勿回复。）\n"}
			if _, err := notify.Queue(ctx, tx, msg, notify.QueueOptions{AgencyID: c.AgencyID, Purpose: "concern.reply"}); err != nil && !apperr.Is(err, apperr.Invalid) {
				return "", err
			}
		}
		switch {
		case !cmd.Publish:
		case c.Channel != Mailbox && c.Channel != Board:
			return "", apperr.FieldErrors(map[string]string{"publish": "该渠道的来信不在网站公开。"})
		case !c.Consent:
			return "", apperr.FieldErrors(map[string]string{"publish": "来信人未同意公开，不能公开。"})
		case c.Channel == Board && c.Moderation != ModApproved:
			return "", apperr.FieldErrors(map[string]string{"publish": "留言尚未通过审核，不能公开。"})
		default:
			c.Published, c.PublishedAt = true, s.Now().UTC()
			note = "答复并公开（来信人已同意公开）"
		}
		return note, nil
	case ActModerate:
		if c.Channel != Board {
			return "", apperr.New(apperr.Conflict, "只有留言板的留言需要审核。")
		}
		switch cmd.Moderation {
		case ModApproved:
			c.Moderation, c.Published = ModApproved, true
			if c.PublishedAt.IsZero() {
				c.PublishedAt = s.Now().UTC()
			}
			return "留言公开", nil
		case ModRejected:
			if cmd.Note == "" {
				return "", apperr.FieldErrors(map[string]string{"note": "请写明不予公开的理由。"})
			}
			c.Moderation, c.Published = ModRejected, false
			return "留言不予公开", nil
		}
		return "", apperr.FieldErrors(map[string]string{"moderation": "请选择审核结果。"})
	case ActSupervise:
		c.Supervised = cmd.On
		if cmd.On {
			return "列入督办", nil
		}
		return "取消督办", nil
	case ActReopen:
		if cmd.Note == "" {
			return "", apperr.FieldErrors(map[string]string{"note": "请写明重新办理的原因。"})
		}
		set, err := loadSettings(ctx, tx, c.AgencyID)
		if err != nil {
			return "", err
		}
		r, err := s.Calendar.Track(ctx, tx, trackedReply(c, today, set.DaysFor(c.Channel)))
		if err != nil {
			return "", err
		}
		c.State, c.DueOn = Assigned, r.Due
		return "重新办理，答复期限 " + r.Due.String(), nil
	case ActSign, ActSendBack, ActDelay:
		if c.Channel != Hotline {
			return "", apperr.New(apperr.Conflict, "签收、退单和延期只用于 12345 工单。")
		}
		switch cmd.Action {
		case ActSign:
			c.State = Assigned
			return "签收", nil
		case ActSendBack:
			if cmd.Note == "" {
				return "", apperr.FieldErrors(map[string]string{"note": "请写明退单理由（如不属于本单位职责）。"})
			}
			c.State = Returned
			return "退单", nil
		}
		if cmd.NewDue.IsZero() || !cmd.NewDue.After(c.DueOn) {
			return "", apperr.FieldErrors(map[string]string{"new_due": "请填写热线批准的新办理时限（晚于原时限 " + c.DueOn.String() + "）。"})
		}
		old := c.DueOn
		c.DueOn = cmd.NewDue
		return "延期：办理时限由 " + old.String() + " 改为 " + cmd.NewDue.String(), nil
	case ActRate:
		if RatingLabel(cmd.Rating) == "" {
			return "", apperr.FieldErrors(map[string]string{"rating": "请选择满意度。"})
		}
		c.Satisfaction = cmd.Rating
		return "回访满意度：" + RatingLabel(cmd.Rating), nil
	case ActMerge:
		into, err := getCaseByNumber(ctx, tx, strings.ToUpper(strings.TrimSpace(cmd.Into)))
		if err != nil || into.AgencyID != c.AgencyID || into.ID == c.ID || into.State == Merged {
			return "", apperr.FieldErrors(map[string]string{"into": "请填写本单位另一件来信的编号。"})
		}
		c.MergedInto, c.State = into.ID, Merged
		if err := s.Calendar.Close(ctx, tx, deadlineOwner, strconv.FormatInt(c.ID, 10), "reply"); err != nil && !apperr.Is(err, apperr.NotFound) {
			return "", err
		}
		return "合并到 " + into.Number, nil
	}
	return "", apperr.Invalidf("未知的操作。")
}

func trackedReply(c *Case, start civil.Date, days int) calendar.TrackedDeadline {
	return calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: strconv.FormatInt(c.ID, 10), Kind: "reply", Start: start, WorkingDays: days}
}
