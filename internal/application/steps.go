package application

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

// Command is one workflow step taken by staff. Version is the version of
// the application the step was decided on (a stale version is a conflict).
// Fields not used by the action are ignored.
type Command struct {
	Action  Action
	Version int
	// On is the legal date of the step (the confirmation, the letter's
	// delivery, the opinion's arrival); zero means today. It may not be in
	// the future, nor before the application arrived.
	On   civil.Date
	Note string // internal note, or the reason of an extension
	// Assign.
	DivisionID, HandlerID int64
	// Correction: what must be corrected, listed once (一次性告知).
	Items string
	// Consultation.
	ConsultKind    ConsultKind
	Party          string
	ConsultationID int64
	Result         ConsultResult
	Opinion        string
	// Extension or Art. 35 delay, in working days.
	Days int
	// Fee.
	FeeMethod FeeMethod
	Quantity  int // rank in the month (per application) or pages
	// Reply.
	Outcome  Outcome
	Text     string // the reply's own words (what is provided, where, how)
	Withheld string // what is withheld and why (部分公开, 不予公开)
	Organ    string // the competent organ and its contact (不属于本机关)
	// Delivery.
	DeliveryMethod string
}

// Do takes a workflow step.
func (s *Service) Do(ctx context.Context, p *auth.Principal, id int64, c Command) (*Application, error) {
	c.Note = strings.TrimSpace(c.Note)
	for _, f := range []struct{ v, label string }{{c.Note, "说明"}, {c.Items, "补正事项"}, {c.Opinion, "意见"}, {c.Text, "答复内容"},
		{c.Withheld, "不予公开的内容及理由"}, {c.Organ, "负责公开的机关"}, {c.Party, "征求意见对象"}, {c.DeliveryMethod, "送达方式"}} {
		if hostile(f.v) || utf8Len(f.v) > 10000 {
			return nil, apperr.Invalidf("%s过长或含有无法识别的字符。", f.label)
		}
	}
	var out *Application
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
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
		if c.Version != 0 && c.Version != a.Version {
			return errStale
		}
		if !c.Action.Allowed(a.State) {
			if c.Action.Label() == "" {
				return apperr.Invalidf("未知的操作。")
			}
			return apperr.New(apperr.Conflict, fmt.Sprintf("申请当前为“%s”，不能%s。", a.State.Label(), c.Action.Label()))
		}
		today := s.today()
		if c.On.IsZero() {
			c.On = today
		}
		if c.On.After(today) {
			return apperr.FieldErrors(map[string]string{"on": "日期不能晚于今天。"})
		}
		if c.On.Before(a.ReceivedOn) {
			return apperr.FieldErrors(map[string]string{"on": "日期不能早于收到申请的日期（" + a.ReceivedOn.String() + "）。"})
		}
		from := a.State
		ev := Event{On: c.On, ActorID: p.UserID, Actor: p.Actor().Name, Action: c.Action, From: from, Note: c.Note}
		if err := s.step(ctx, tx, p, a, c, &ev); err != nil {
			return err
		}
		ev.To = a.State
		if err := s.retrack(ctx, tx, a); err != nil {
			return err
		}
		if err := saveApp(ctx, tx, a); err != nil {
			return err
		}
		if err := s.notice(ctx, tx, a, ev, ""); err != nil {
			return err
		}
		summary := fmt.Sprintf("申请 %s：%s", a.Number, c.Action.Label())
		if from != a.State {
			summary += fmt.Sprintf("（%s → %s）", from.Label(), a.State.Label())
		}
		if err := audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: a.AgencyID, Action: "application." + string(c.Action),
			ObjectType: "application", ObjectID: a.Number, Summary: summary}); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// step applies c to a and fills in the event (its notice to the applicant).
func (s *Service) step(ctx context.Context, tx db.Tx, p *auth.Principal, a *Application, c Command, ev *Event) error {
	ag, err := s.Agencies.Agency(ctx, a.AgencyID)
	if err != nil {
		return err
	}
	switch c.Action {
	case ActRegister:
		if !p.Roles.Any(auth.Handler, auth.Approver) {
			return apperr.New(apperr.Forbidden, "登记申请由政府信息公开工作机构办理。")
		}
		rule := a.Channel.ReceiptRule()
		if a.Channel == OrdinaryMail && c.On != a.ReceivedOn {
			ev.Note = strings.TrimSpace(ev.Note + "\n注意：平常信函应于收到当日与申请人确认（收到 " + a.ReceivedOn.String() + "，确认 " + c.On.String() + "）。")
		}
		return s.registerStep(ctx, tx, a, c.On, rule, ev, ag)
	case ActAssign:
		if !p.Roles.Any(auth.Handler, auth.Approver) {
			return apperr.New(apperr.Forbidden, "分办由政府信息公开工作机构办理。")
		}
		if c.DivisionID == 0 && c.HandlerID == 0 {
			return apperr.FieldErrors(map[string]string{"division": "请选择承办处室或承办人。"})
		}
		if c.DivisionID != 0 {
			var n int
			tx.QueryRowContext(ctx, "SELECT count(*) FROM divisions WHERE id = $1 AND agency_id = $2", c.DivisionID, a.AgencyID).Scan(&n)
			if n == 0 {
				return apperr.FieldErrors(map[string]string{"division": "承办处室无效。"})
			}
		}
		if c.HandlerID != 0 {
			var n int
			tx.QueryRowContext(ctx, "SELECT count(*) FROM staff_users WHERE id = $1 AND agency_id = $2 AND disabled = FALSE", c.HandlerID, a.AgencyID).Scan(&n)
			if n == 0 {
				return apperr.FieldErrors(map[string]string{"handler": "承办人无效。"})
			}
		}
		a.DivisionID, a.HandlerID = c.DivisionID, c.HandlerID
		ev.Note = strings.TrimSpace("分办：" + assignee(ctx, tx, c.DivisionID, c.HandlerID) + "\n" + c.Note)
		return nil
	case ActNote:
		if c.Note == "" {
			return apperr.FieldErrors(map[string]string{"note": "请填写备注内容。"})
		}
		return nil
	case ActRequestCorrection:
		items := strings.TrimSpace(c.Items)
		if items == "" {
			return apperr.FieldErrors(map[string]string{"items": "请一次性列明需要补正的全部事项（第三十条）。"})
		}
		if !a.CorrectionSentOn.IsZero() {
			return apperr.New(apperr.Conflict, "补正应一次性告知；这件申请已告知过补正。")
		}
		cal, err := s.Calendar.Calendar(ctx)
		if err != nil {
			return err
		}
		last, err := cal.AddWorkingDays(a.ReceiptDate, CorrectionNoticeDays)
		if err != nil {
			return err
		}
		if c.On.After(last) {
			ev.Note = strings.TrimSpace(ev.Note + "\n注意：补正告知晚于收到申请之日起 7 个工作日（" + last.String() + "）。")
		}
		set, err := loadSettings(ctx, tx, a.AgencyID)
		if err != nil {
			return err
		}
		a.State, a.CorrectionSentOn = Correction, c.On
		r, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: ownerID(a.ID), Kind: kindCorrection,
			Start: c.On, WorkingDays: set.CorrectionDays})
		if err != nil {
			return err
		}
		a.CorrectionDue = r.Due
		ev.NoticeTitle = "补正申请告知书"
		ev.NoticeBody = s.letter(a, ag, "correction", map[string]string{"Items": items, "Due": r.Due.Chinese(),
			"Days": strconv.Itoa(set.CorrectionDays)})
		return nil
	case ActCorrected:
		// The reply period restarts from the receipt of the corrected
		// application (Art. 30); earlier pauses and extensions belong to the
		// old period.
		a.State, a.ClockStart, a.Pauses, a.ExtensionDays, a.DelayDays = Processing, c.On, nil, 0, 0
		if err := s.Calendar.Close(ctx, tx, deadlineOwner, ownerID(a.ID), kindCorrection); err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		ev.NoticeTitle = "已收到补正后的申请"
		ev.NoticeBody = fmt.Sprintf("%s已于%s收到您补正后的申请。根据条例第三十条，答复期限自收到补正后的申请之日起重新计算。", ag.Office(), c.On.Chinese())
		return nil
	case ActConsult:
		return s.consult(ctx, tx, a, c, ev)
	case ActConsulted:
		return s.consulted(ctx, tx, a, c, ev)
	case ActExtend:
		if !auth.Allowed(p, auth.ApproveApplications) {
			return apperr.New(apperr.Forbidden, "延期答复须经政府信息公开工作机构负责人同意（第三十三条）。")
		}
		if a.ExtensionDays > 0 {
			return apperr.New(apperr.Conflict, "答复期限只能延长一次。")
		}
		if c.Days < 1 || c.Days > MaxExtensionDays {
			return apperr.FieldErrors(map[string]string{"days": "延长的期限为 1 至 20 个工作日。"})
		}
		if c.Note == "" {
			return apperr.FieldErrors(map[string]string{"note": "请填写延期理由。"})
		}
		if !a.DueOn.IsZero() && c.On.After(a.DueOn) {
			return apperr.New(apperr.Conflict, "答复期限（"+a.DueOn.String()+"）已过，不能再延期。")
		}
		a.ExtensionDays = c.Days
		ev.NoticeTitle = "延期答复告知书"
		// The new due date is known only after retrack; the letter names it.
		ev.NoticeBody = "{{due}}"
		return nil
	case ActAskReasons:
		if strings.TrimSpace(c.Items) == "" {
			return apperr.FieldErrors(map[string]string{"items": "请写明需要申请人说明的事项。"})
		}
		a.State = Reasons
		ev.NoticeTitle = "说明理由告知书"
		ev.NoticeBody = s.letter(a, ag, "reasons", map[string]string{"Items": c.Items})
		return nil
	case ActReasonsAccepted:
		if c.Days < 1 || c.Days > 60 {
			return apperr.FieldErrors(map[string]string{"days": "延迟答复的合理期限为 1 至 60 个工作日。"})
		}
		a.State, a.DelayDays = Processing, c.Days
		ev.NoticeTitle = "延迟答复告知书"
		ev.NoticeBody = "{{due}}"
		return nil
	case ActFeeNotice:
		return s.feeNotice(ctx, tx, a, c, ev, ag)
	case ActFeePaid:
		a.State, a.FeePaidOn = Processing, c.On
		s.endPause(a, pauseFee, c.On)
		if err := s.Calendar.Close(ctx, tx, deadlineOwner, ownerID(a.ID), kindPayment); err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		ev.NoticeTitle = "已确认缴费"
		ev.NoticeBody = fmt.Sprintf("%s已确认收到您缴纳的信息处理费（%d 元），将继续办理您的申请。", ag.Office(), a.FeeAmount)
		return nil
	case ActReply:
		return s.reply(ctx, tx, a, c, ev, ag)
	case ActDeliver:
		m := strings.TrimSpace(c.DeliveryMethod)
		if m == "" {
			return apperr.FieldErrors(map[string]string{"delivery_method": "请填写送达方式（如电子邮件、邮寄挂号、当面领取）及凭证。"})
		}
		if c.On.Before(a.RepliedOn) {
			return apperr.FieldErrors(map[string]string{"on": "送达日期不能早于答复日期。"})
		}
		a.DeliveredOn, a.DeliveryRecord = c.On, m
		ev.Note = strings.TrimSpace("送达：" + m + "\n" + c.Note)
		return nil
	case ActWithdraw:
		if c.Note == "" {
			return apperr.FieldErrors(map[string]string{"note": "请填写申请人撤回申请的方式和时间（如书面撤回申请书）。"})
		}
		if err := s.close(ctx, tx, a, OutWithdrawn, c.On); err != nil {
			return err
		}
		ev.NoticeTitle = "申请已撤回"
		ev.NoticeBody = "根据您的撤回申请，本申请不再办理。"
		return nil
	case ActAbandon:
		return s.abandon(ctx, tx, a, c.On, ev, ag)
	}
	return apperr.Invalidf("未知的操作。")
}

// register fixes the legal date of receipt and starts the clock (Record's
// channels that need no confirmation).
func (s *Service) register(ctx context.Context, tx db.Tx, p *auth.Principal, a *Application, on civil.Date, rule string) error {
	ag, err := s.Agencies.Agency(ctx, a.AgencyID)
	if err != nil {
		return err
	}
	ev := Event{On: on, ActorID: p.UserID, Actor: p.Actor().Name, Action: ActRegister, From: a.State}
	if err := s.registerStep(ctx, tx, a, on, rule, &ev, ag); err != nil {
		return err
	}
	ev.To = a.State
	if err := s.retrack(ctx, tx, a); err != nil {
		return err
	}
	if err := saveApp(ctx, tx, a); err != nil {
		return err
	}
	return s.notice(ctx, tx, a, ev, "")
}

func (s *Service) registerStep(ctx context.Context, tx db.Tx, a *Application, on civil.Date, rule string, ev *Event, ag AgencyRef) error {
	a.State, a.ReceiptDate, a.ClockStart = Processing, on, on
	ev.Note = strings.TrimSpace(rule + "\n" + ev.Note)
	ev.NoticeTitle = "申请登记告知"
	ev.NoticeBody = "{{due}}"
	// The 补正 notice must come within 7 WD of receipt (Art. 30).
	_, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: ownerID(a.ID),
		Kind: kindCorrectionNotice, Start: on, WorkingDays: CorrectionNoticeDays})
	return err
}

func (s *Service) consult(ctx context.Context, tx db.Tx, a *Application, c Command, ev *Event) error {
	party := strings.TrimSpace(c.Party)
	fields := map[string]string{}
	if c.ConsultKind.Label() == "" {
		fields["consult_kind"] = "请选择征求意见的类型。"
	}
	if party == "" || utf8Len(party) > 200 {
		fields["party"] = "请填写征求意见的对象（不超过 200 字）。"
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	due, err := cal.AddWorkingDays(c.On, ConsultationDays)
	if err != nil {
		return err
	}
	var cid int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO application_consultations (application_id, kind, party, sent_on, due_on)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, a.ID, c.ConsultKind, party, c.On, due).Scan(&cid); err != nil {
		return err
	}
	if _, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: ownerID(a.ID),
		Kind: kindConsultPrefix + strconv.FormatInt(cid, 10), Start: c.On, WorkingDays: ConsultationDays}); err != nil {
		return err
	}
	note := pauseThirdParty
	if c.ConsultKind == OtherOrgan {
		note = pauseOtherOrgan
	}
	// The clock stands still from the day after the letter until the
	// opinion arrives, at most until the 15 WD end (then the organ decides).
	if from := c.On.AddDays(1); !from.After(due) {
		a.Pauses = append(a.Pauses, calendar.Interval{From: from, To: due, Note: note + "#" + strconv.FormatInt(cid, 10)})
	}
	a.State = Consulting
	ev.Note = strings.TrimSpace(fmt.Sprintf("%s：%s，意见期限 %s", c.ConsultKind.Label(), party, due) + "\n" + c.Note)
	ev.NoticeTitle = "征求意见告知"
	ev.NoticeBody = "{{due}}"
	return nil
}

func (s *Service) consulted(ctx context.Context, tx db.Tx, a *Application, c Command, ev *Event) error {
	list, err := listConsultations(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	var con *Consultation
	open := 0
	for i := range list {
		if list[i].AnsweredOn.IsZero() {
			open++
			if c.ConsultationID == 0 || list[i].ID == c.ConsultationID {
				if con == nil {
					con = &list[i]
				}
			}
		}
	}
	if con == nil {
		return apperr.New(apperr.Conflict, "没有待答复的征求意见。")
	}
	if c.Result.Label() == "" {
		return apperr.FieldErrors(map[string]string{"result": "请选择征求意见的结果。"})
	}
	if c.Result == NoAnswer && !c.On.After(con.DueOn) {
		return apperr.FieldErrors(map[string]string{"result": "意见期限（" + con.DueOn.String() + "）尚未届满，不能登记为逾期未提出意见。"})
	}
	if c.Result == Overruled && strings.TrimSpace(c.Note) == "" {
		return apperr.FieldErrors(map[string]string{"note": "决定公开的，请写明不公开可能对公共利益造成重大影响的理由，并书面告知第三方（第三十二条）。"})
	}
	if c.On.Before(con.SentOn) {
		return apperr.FieldErrors(map[string]string{"on": "收到意见的日期不能早于发出征求意见的日期。"})
	}
	if _, err := tx.ExecContext(ctx, `UPDATE application_consultations SET answered_on = $2, result = $3, opinion = $4, decision = $5 WHERE id = $1`,
		con.ID, c.On, c.Result, strings.TrimSpace(c.Opinion), c.Note); err != nil {
		return err
	}
	if err := s.Calendar.Close(ctx, tx, deadlineOwner, ownerID(a.ID), kindConsultPrefix+strconv.FormatInt(con.ID, 10)); err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	// The pause ends with the opinion, or with the period if it came late.
	end := c.On
	if end.After(con.DueOn) {
		end = con.DueOn
	}
	suffix := "#" + strconv.FormatInt(con.ID, 10)
	var kept []calendar.Interval
	for _, iv := range a.Pauses {
		if strings.HasSuffix(iv.Note, suffix) {
			if end.Before(iv.From) {
				continue // answered the day the letter went out: no pause
			}
			iv.To = end
		}
		kept = append(kept, iv)
	}
	a.Pauses = kept
	if open == 1 {
		a.State = Processing
	}
	ev.Note = strings.TrimSpace(fmt.Sprintf("%s意见：%s", con.Party, c.Result.Label()) + "\n" + strings.TrimSpace(c.Opinion) + "\n" + c.Note)
	ev.NoticeTitle = "征求意见结束"
	ev.NoticeBody = "{{due}}"
	return nil
}

func (s *Service) feeNotice(ctx context.Context, tx db.Tx, a *Application, c Command, ev *Event, ag AgencyRef) error {
	var (
		fee Fee
		err error
	)
	switch c.FeeMethod {
	case PerApplication:
		fee, err = ApplicationFee(c.Quantity)
	case PerVolume:
		fee, err = VolumeFee(c.Quantity)
	default:
		return apperr.FieldErrors(map[string]string{"fee_method": "请选择计收方式（按件或按量，只能选择一种）。"})
	}
	if err != nil {
		return apperr.FieldErrors(map[string]string{"quantity": err.Error() + "。"})
	}
	if fee.Amount == 0 {
		return apperr.FieldErrors(map[string]string{"quantity": "按此数量不收费（" + fee.Explain() + "），无需发出收费通知。"})
	}
	if c.Note == "" {
		return apperr.FieldErrors(map[string]string{"note": "请写明收费依据（申请的数量或频次明显超过合理范围的情况，第四十二条）。"})
	}
	set, err := loadSettings(ctx, tx, a.AgencyID)
	if err != nil {
		return err
	}
	r, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: ownerID(a.ID), Kind: kindPayment,
		Start: c.On, WorkingDays: PaymentDays})
	if err != nil {
		return err
	}
	a.State, a.FeeMethod, a.FeeQuantity, a.FeeAmount, a.FeeNoticeOn, a.FeeDue, a.FeePaidOn = Payment, fee.Method, fee.Quantity, fee.Amount, c.On, r.Due, civil.Date{}
	if set.FeePausesClock {
		if from := c.On.AddDays(1); !from.After(r.Due) {
			a.Pauses = append(a.Pauses, calendar.Interval{From: from, To: r.Due, Note: pauseFee})
		}
	}
	ev.NoticeTitle = "收费通知"
	ev.NoticeBody = s.letter(a, ag, "fee", map[string]string{"Basis": c.Note, "Computation": fee.Explain(),
		"Amount": strconv.Itoa(fee.Amount), "Due": r.Due.Chinese()})
	return nil
}

// endPause closes the open pause with note at day on (inclusive).
func (s *Service) endPause(a *Application, note string, on civil.Date) {
	var kept []calendar.Interval
	for _, iv := range a.Pauses {
		if iv.Note == note && !on.After(iv.To) {
			if on.Before(iv.From) {
				continue
			}
			iv.To = on
		}
		kept = append(kept, iv)
	}
	a.Pauses = kept
}

func (s *Service) reply(ctx context.Context, tx db.Tx, a *Application, c Command, ev *Event, ag AgencyRef) error {
	info, ok := c.Outcome.Info()
	if !ok || !info.Reply {
		return apperr.FieldErrors(map[string]string{"outcome": "请选择答复类型。"})
	}
	fields := map[string]string{}
	text := strings.TrimSpace(c.Text)
	withheld := strings.TrimSpace(c.Withheld)
	organ := strings.TrimSpace(c.Organ)
	if info.Withheld && withheld == "" {
		fields["withheld"] = "请写明不予公开的内容及理由（条例第三十六条第（三）项、第三十七条）。"
	}
	if c.Outcome == OutNotOurs && organ == "" {
		fields["organ"] = "能够确定负责公开该信息的机关的，请告知其名称和联系方式（第三十六条第（五）项）；无法确定的请写明。"
	}
	if (c.Outcome == OutDisclose || c.Outcome == OutPartial || c.Outcome == OutAlreadyPublic) && text == "" {
		fields["text"] = "请写明提供的信息，或获取信息的方式、途径和时间。"
	}
	if c.Outcome == OutStillUnclear && a.CorrectionSentOn.IsZero() {
		fields["outcome"] = "未告知补正的申请，不能以“补正后申请内容仍不明确”答复。"
	}
	if c.Outcome == OutExcessive && a.State != Reasons {
		fields["outcome"] = "以“无正当理由大量反复申请”不予处理前，须先要求申请人说明理由（第三十五条）。"
	}
	if len(fields) > 0 {
		return apperr.FieldErrors(fields)
	}
	a.Outcome, a.RepliedOn, a.ReplyText, a.ReplyWithheld, a.ReplyOrgan = c.Outcome, c.On, text, withheld, organ
	a.State = Replied
	if _, err := s.Calendar.CloseAll(ctx, tx, deadlineOwner, ownerID(a.ID)); err != nil {
		return err
	}
	ev.NoticeTitle = "政府信息公开申请答复书"
	ev.NoticeBody = s.ReplyLetter(a, ag)
	ev.Note = strings.TrimSpace("答复类型：" + info.Label + "\n" + c.Note)
	return nil
}

func (s *Service) abandon(ctx context.Context, tx db.Tx, a *Application, on civil.Date, ev *Event, ag AgencyRef) error {
	switch a.State {
	case Correction:
		if !on.After(a.CorrectionDue) {
			return apperr.New(apperr.Conflict, "补正期限（"+a.CorrectionDue.String()+"）尚未届满。")
		}
		if err := s.close(ctx, tx, a, OutNoCorrection, on); err != nil {
			return err
		}
		ev.NoticeTitle = "终止办理告知"
		ev.NoticeBody = fmt.Sprintf("您未在补正期限（%s）内补正申请，根据《中华人民共和国政府信息公开条例》第三十条，视为放弃申请，%s不再处理该政府信息公开申请。", a.CorrectionDue.Chinese(), ag.Office())
	case Payment:
		if !on.After(a.FeeDue) {
			return apperr.New(apperr.Conflict, "缴费期限（"+a.FeeDue.String()+"）尚未届满。")
		}
		if err := s.close(ctx, tx, a, OutFeeUnpaid, on); err != nil {
			return err
		}
		ev.NoticeTitle = "终止办理告知"
		ev.NoticeBody = fmt.Sprintf("您未在缴费期限（%s）内缴纳信息处理费，视为放弃申请，%s不再处理该政府信息公开申请。", a.FeeDue.Chinese(), ag.Office())
	}
	return nil
}

// close ends an application without a reply.
func (s *Service) close(ctx context.Context, tx db.Tx, a *Application, out Outcome, on civil.Date) error {
	a.State, a.Outcome, a.ClosedOn = Closed, out, on
	if _, err := s.Calendar.CloseAll(ctx, tx, deadlineOwner, ownerID(a.ID)); err != nil {
		return err
	}
	a.DueOn = civil.Date{}
	return nil
}

// retrack recomputes the reply deadline from a's clock start, periods and
// pauses, and stores it in the tracker (so a calendar change moves it).
func (s *Service) retrack(ctx context.Context, tx db.Tx, a *Application) error {
	if !a.State.Open() || a.ClockStart.IsZero() {
		return nil
	}
	if a.State == Correction {
		// The period restarts from the corrected application: none runs now.
		if err := s.Calendar.Close(ctx, tx, deadlineOwner, ownerID(a.ID), kindReply); err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		a.DueOn = civil.Date{}
		return nil
	}
	r, err := s.Calendar.Track(ctx, tx, calendar.TrackedDeadline{Owner: deadlineOwner, OwnerID: ownerID(a.ID), Kind: kindReply,
		Start: a.ClockStart, WorkingDays: ReplyDays + a.ExtensionDays + a.DelayDays, Pauses: a.Pauses})
	if err != nil {
		return err
	}
	a.DueOn = r.Due
	return nil
}

// notice stores the event and, when it carries a notice, sends it to the
// applicant by e-mail (through the outbox, in tx) and SMS. code, when set,
// is the query code (only the receipt mail carries it).
func (s *Service) notice(ctx context.Context, tx db.Tx, a *Application, ev Event, code string) error {
	if ev.NoticeBody == "{{due}}" {
		ev.NoticeBody = s.dueNotice(ctx, a, ev)
	}
	ev.Public = ev.NoticeTitle != ""
	if err := addEvent(ctx, tx, a.ID, ev); err != nil {
		return err
	}
	if !ev.Public {
		return nil
	}
	if a.Applicant.Email != "" {
		text := "尊敬的申请人：\n\n" + ev.NoticeBody + "\n\n申请编号：" + a.Number + "\n"
		if code != "" {
			text += "查询码：" + code + "（请妥善保管，工作人员不会向您索要查询码）\n"
		}
		if s.BaseURL != "" {
			text += "查询办理进度：" + strings.TrimRight(s.BaseURL, "/") + "/apply/status\n"
		}
		text += "\n（本邮件由政府信息公开平台自动发送，请勿直接回复。）\n"
		msg := notify.Message{To: []string{a.Applicant.Email}, Subject: "【政府信息公开申请 " + a.Number + "】" + ev.NoticeTitle, Text: text}
		if _, err := notify.Queue(ctx, tx, msg, notify.QueueOptions{AgencyID: a.AgencyID, Purpose: "application"}); err != nil {
			// A malformed address must not block the workflow; the notice is
			// on the status page regardless.
			if !apperr.Is(err, apperr.Invalid) {
				return err
			}
		}
	}
	if a.Applicant.Phone != "" && s.SMS != nil {
		s.SMS.Send(ctx, a.Applicant.Phone, "您的政府信息公开申请（"+a.Number+"）有新进展："+ev.NoticeTitle+"。请凭申请编号和查询码在网站查看。")
	}
	return nil
}

// dueNotice is the text of the notices that report the reply deadline.
func (s *Service) dueNotice(ctx context.Context, a *Application, ev Event) string {
	ag, _ := s.Agencies.Agency(ctx, a.AgencyID)
	due := a.DueOn.Chinese()
	switch ev.Action {
	case ActRegister:
		return fmt.Sprintf("%s已确认收到您的政府信息公开申请，收到申请之日为%s。根据《中华人民共和国政府信息公开条例》第三十三条，我机关将在收到申请之日起 20 个工作日内（%s前）予以答复；如需延长答复期限，将另行告知。", ag.Office(), a.ReceiptDate.Chinese(), due)
	case ActExtend:
		return fmt.Sprintf("因%s，经%s负责人同意，根据《中华人民共和国政府信息公开条例》第三十三条第二款，答复期限延长 %d 个工作日，至%s。", trimPeriod(ev.Note), ag.Office(), a.ExtensionDays, due)
	case ActReasonsAccepted:
		return fmt.Sprintf("您说明的理由合理。因无法在条例第三十三条规定的期限内答复，根据条例第三十五条，确定延迟答复的合理期限为 %d 个工作日，我机关将于%s前答复。", a.DelayDays, due)
	case ActConsult:
		return fmt.Sprintf("您申请公开的信息需要书面征求意见（条例第三十二条、第三十四条）。征求意见所需时间不计算在答复期限内（条例第三十三条第三款）。预计答复期限为%s；征求意见结束后将告知您最终的答复期限。", due)
	case ActConsulted:
		return fmt.Sprintf("征求意见已结束，征求意见所需时间不计算在答复期限内。答复期限为%s。", due)
	}
	return "答复期限：" + due
}

func trimPeriod(s string) string {
	s = strings.TrimSpace(strings.Split(s, "\n")[0])
	return strings.TrimRight(s, "。.")
}

// assignee names a division and a handler for the history.
func assignee(ctx context.Context, q db.Querier, divisionID, handlerID int64) string {
	var parts []string
	if divisionID != 0 {
		var name string
		q.QueryRowContext(ctx, "SELECT name FROM divisions WHERE id = $1", divisionID).Scan(&name)
		parts = append(parts, "承办处室 "+name)
	}
	if handlerID != 0 {
		var name, user string
		q.QueryRowContext(ctx, "SELECT display_name, username FROM staff_users WHERE id = $1", handlerID).Scan(&name, &user)
		if name == "" {
			name = user
		}
		parts = append(parts, "承办人 "+name)
	}
	return strings.Join(parts, "，")
}
