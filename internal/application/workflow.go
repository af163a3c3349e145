package application

import (
	"slices"
)

// State is where an application stands (domain-reference §1.5.10).
type State string

// States.
const (
	Received   State = "received"   // arrived; the legal date of receipt is not fixed yet (待登记)
	Processing State = "processing" // registered, the reply clock runs (办理中)
	Correction State = "correction" // a 补正 notice is out; the clock restarts on the corrected application
	Consulting State = "consulting" // a third party or another organ is consulted; the clock is paused
	Reasons    State = "reasons"    // Art. 35: the applicant is asked for reasons
	Payment    State = "payment"    // a fee notice is out (the clock pauses if the agency says so)
	Replied    State = "replied"    // answered (one outcome)
	Closed     State = "closed"     // ended without a reply: abandoned, withdrawn
)

var stateLabels = map[State]string{
	Received: "待登记", Processing: "办理中", Correction: "待补正", Consulting: "征求意见中",
	Reasons: "待说明理由", Payment: "待缴费", Replied: "已答复", Closed: "已终止",
}

// Label is the Chinese name.
func (s State) Label() string { return stateLabels[s] }

// Open reports whether the application still waits for a reply.
func (s State) Open() bool { return s != Replied && s != Closed }

// AllStates lists the states in workflow order.
var AllStates = []State{Received, Processing, Correction, Consulting, Reasons, Payment, Replied, Closed}

// Action is a step of the workflow. Each has the states it may start from.
type Action string

// Actions.
const (
	ActRegister          Action = "register"           // confirm receipt: fixes the legal date of receipt
	ActAssign            Action = "assign"             // hand to a division and handler
	ActNote              Action = "note"               // internal note
	ActRequestCorrection Action = "request_correction" // 补正告知
	ActCorrected         Action = "corrected"          // corrected application received
	ActConsult           Action = "consult"            // send a consultation letter
	ActConsulted         Action = "consulted"          // opinion received (or the period ended)
	ActExtend            Action = "extend"             // extension, once
	ActAskReasons        Action = "ask_reasons"        // Art. 35
	ActReasonsAccepted   Action = "reasons_accepted"   // reasonable: a delayed reply period
	ActFeeNotice         Action = "fee_notice"         // 收费通知
	ActFeePaid           Action = "fee_paid"           // payment confirmed
	ActReply             Action = "reply"              // the reply (告知书)
	ActDeliver           Action = "deliver"            // delivery record (送达)
	ActWithdraw          Action = "withdraw"           // the applicant withdraws
	ActAbandon           Action = "abandon"            // deemed abandoned (no correction / fee unpaid)
)

var actionLabels = map[Action]string{
	ActRegister: "登记（确认收到申请）", ActAssign: "分办", ActNote: "内部备注", ActRequestCorrection: "告知补正",
	ActCorrected: "收到补正材料", ActConsult: "征求意见", ActConsulted: "收到意见（征求意见结束）", ActExtend: "延期答复",
	ActAskReasons: "要求说明理由（第三十五条）", ActReasonsAccepted: "理由合理，确定延迟答复期限", ActFeeNotice: "发出收费通知",
	ActFeePaid: "确认已缴费", ActReply: "答复", ActDeliver: "送达登记", ActWithdraw: "撤回申请", ActAbandon: "视为放弃申请",
}

// Label is the Chinese name.
func (a Action) Label() string { return actionLabels[a] }

var transitions = map[Action][]State{
	ActRegister:          {Received},
	ActAssign:            {Received, Processing, Correction, Consulting, Reasons, Payment},
	ActNote:              AllStates,
	ActRequestCorrection: {Processing},
	ActCorrected:         {Correction},
	ActConsult:           {Processing, Consulting},
	ActConsulted:         {Consulting},
	ActExtend:            {Processing, Consulting},
	ActAskReasons:        {Processing},
	ActReasonsAccepted:   {Reasons},
	ActFeeNotice:         {Processing},
	ActFeePaid:           {Payment},
	ActReply:             {Processing, Reasons},
	ActDeliver:           {Replied},
	ActWithdraw:          {Received, Processing, Correction, Consulting, Reasons, Payment},
	ActAbandon:           {Correction, Payment},
}

// Allowed reports whether a may be taken in state s.
func (a Action) Allowed(s State) bool { return slices.Contains(transitions[a], s) }

// Outcome is the reply code of Art. 36–39 (with the Art. 14–16 ground for a
// refusal, and the closing reasons without a reply). Each maps to exactly
// one row of annual-report table three (Row).
type Outcome string

// Outcomes.
const (
	OutAlreadyPublic Outcome = "already_public" // 36(一) 已经主动公开
	OutDisclose      Outcome = "disclose"       // 36(二) 予以公开
	OutPartial       Outcome = "partial"        // 37 部分公开
	// 36(三) 不予公开, by ground.
	OutStateSecret     Outcome = "withhold.state_secret"
	OutLawForbids      Outcome = "withhold.law_forbids"
	OutSecurity        Outcome = "withhold.security_stability"
	OutThirdParty      Outcome = "withhold.third_party"
	OutInternalAffairs Outcome = "withhold.internal_affairs"
	OutProcessInfo     Outcome = "withhold.process_info"
	OutEnforcementFile Outcome = "withhold.enforcement_file"
	OutSpecialLaw      Outcome = "special_law"     // 36(七) 行政查询事项
	OutNotExist        Outcome = "not_exist"       // 36(四) 经检索没有
	OutNotOurs         Outcome = "not_ours"        // 36(五) 不属于本机关负责公开
	OutNeedsCreation   Outcome = "needs_creation"  // 38 需要另行制作
	OutStillUnclear    Outcome = "still_unclear"   // 30 补正后仍不明确
	OutPetition        Outcome = "petition"        // 39① 信访举报投诉
	OutRepeat          Outcome = "repeat"          // 36(六) 重复申请
	OutPublication     Outcome = "publication"     // 39② 公开出版物
	OutExcessive       Outcome = "excessive"       // 35 无正当理由大量反复申请
	OutConfirmReissue  Outcome = "confirm_reissue" // 要求确认或重新出具已获取信息
	OutNoCorrection    Outcome = "abandon.no_correction"
	OutFeeUnpaid       Outcome = "abandon.fee_unpaid"
	OutWithdrawn       Outcome = "withdrawn" // 申请人撤回
	OutOther           Outcome = "other"
)

// OutcomeInfo describes an outcome: its name, the articles it rests on, the
// report row, and whether it is a reply (a letter) or a closing.
type OutcomeInfo struct {
	Code     Outcome
	Label    string
	Basis    string // the legal basis cited in the letter
	Row      Row
	Reply    bool // made with a reply letter (告知书)
	Withheld bool // some or all information withheld: the letter gives reasons
}

// Outcomes lists every outcome, replies first, in the order of table three.
var Outcomes = []OutcomeInfo{
	{OutDisclose, "予以公开", "《中华人民共和国政府信息公开条例》第三十六条第（二）项", RowGranted, true, false},
	{OutAlreadyPublic, "已主动公开，告知获取方式", "《中华人民共和国政府信息公开条例》第三十六条第（一）项", RowGranted, true, false},
	{OutPartial, "部分公开", "《中华人民共和国政府信息公开条例》第三十七条", RowPartial, true, true},
	{OutStateSecret, "不予公开：属于国家秘密", "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项", RowStateSecret, true, true},
	{OutLawForbids, "不予公开：其他法律行政法规禁止公开", "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项", RowLawForbidden, true, true},
	{OutSecurity, "不予公开：危及“三安全一稳定”", "《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项", RowSecurity, true, true},
	{OutThirdParty, "不予公开：保护第三方合法权益", "《中华人民共和国政府信息公开条例》第十五条、第三十六条第（三）项", RowThirdParty, true, true},
	{OutInternalAffairs, "不予公开：属于三类内部事务信息", "《中华人民共和国政府信息公开条例》第十六条第一款、第三十六条第（三）项", RowInternalAffairs, true, true},
	{OutProcessInfo, "不予公开：属于四类过程性信息", "《中华人民共和国政府信息公开条例》第十六条第二款、第三十六条第（三）项", RowProcessInfo, true, true},
	{OutEnforcementFile, "不予公开：属于行政执法案卷", "《中华人民共和国政府信息公开条例》第十六条第二款、第三十六条第（三）项", RowEnforcementFile, true, true},
	{OutSpecialLaw, "不予公开：属于行政查询事项（按有关法律、行政法规办理）", "《中华人民共和国政府信息公开条例》第三十六条第（七）项", RowAdminQuery, true, true},
	{OutNotExist, "无法提供：经检索没有所需信息", "《中华人民共和国政府信息公开条例》第三十六条第（四）项", RowNotHeld, true, false},
	{OutNotOurs, "无法提供：不属于本机关负责公开", "《中华人民共和国政府信息公开条例》第三十六条第（五）项", RowNotHeld, true, false},
	{OutNeedsCreation, "无法提供：没有现成信息需要另行制作", "《中华人民共和国政府信息公开条例》第三十八条", RowNeedsCreation, true, false},
	{OutStillUnclear, "无法提供：补正后申请内容仍不明确", "《中华人民共和国政府信息公开条例》第三十条", RowStillUnclear, true, false},
	{OutPetition, "不予处理：信访举报投诉类申请", "《中华人民共和国政府信息公开条例》第三十九条第一款", RowPetition, true, false},
	{OutRepeat, "不予处理：重复申请", "《中华人民共和国政府信息公开条例》第三十六条第（六）项", RowRepeat, true, false},
	{OutPublication, "不予处理：要求提供公开出版物", "《中华人民共和国政府信息公开条例》第三十九条第二款", RowPublication, true, false},
	{OutExcessive, "不予处理：无正当理由大量反复申请", "《中华人民共和国政府信息公开条例》第三十五条", RowExcessive, true, false},
	{OutConfirmReissue, "不予处理：要求行政机关确认或重新出具已获取信息", "《中华人民共和国政府信息公开条例》第三十九条", RowConfirmReissue, true, false},
	{OutNoCorrection, "其他处理：逾期不补正，不再处理", "《中华人民共和国政府信息公开条例》第三十条", RowNoCorrection, false, false},
	{OutFeeUnpaid, "其他处理：逾期未缴纳信息处理费，不再处理", "《政府信息公开信息处理费管理办法》", RowFeeUnpaid, false, false},
	{OutWithdrawn, "其他处理：申请人撤回申请", "", RowOther, false, false},
	{OutOther, "其他处理", "", RowOther, true, false},
}

var outcomeIndex = func() map[Outcome]OutcomeInfo {
	m := map[Outcome]OutcomeInfo{}
	for _, o := range Outcomes {
		m[o.Code] = o
	}
	return m
}()

// Info returns the outcome's description; ok is false for an unknown code.
func (o Outcome) Info() (OutcomeInfo, bool) { i, ok := outcomeIndex[o]; return i, ok }

// Label is the Chinese name.
func (o Outcome) Label() string { return outcomeIndex[o].Label }

// ReplyOutcomes are the outcomes a handler may pick for a reply.
func ReplyOutcomes() []OutcomeInfo {
	var out []OutcomeInfo
	for _, o := range Outcomes {
		if o.Reply {
			out = append(out, o)
		}
	}
	return out
}

// Row is a numeric row of table three (domain-reference §1.8).
type Row string

// The 25 rows, top to bottom.
const (
	RowNewReceived     Row = "new_received"
	RowCarriedOver     Row = "carried_over"
	RowGranted         Row = "granted"
	RowPartial         Row = "partial"
	RowStateSecret     Row = "denied.state_secret"
	RowLawForbidden    Row = "denied.law_forbidden"
	RowSecurity        Row = "denied.security_stability"
	RowThirdParty      Row = "denied.third_party"
	RowInternalAffairs Row = "denied.internal_affairs"
	RowProcessInfo     Row = "denied.process_info"
	RowEnforcementFile Row = "denied.enforcement_file"
	RowAdminQuery      Row = "denied.admin_query"
	RowNotHeld         Row = "unable.not_held"
	RowNeedsCreation   Row = "unable.needs_creation"
	RowStillUnclear    Row = "unable.still_unclear"
	RowPetition        Row = "not_processed.petition"
	RowRepeat          Row = "not_processed.repeat"
	RowPublication     Row = "not_processed.publication"
	RowExcessive       Row = "not_processed.excessive"
	RowConfirmReissue  Row = "not_processed.confirm_reissue"
	RowNoCorrection    Row = "other.no_correction"
	RowFeeUnpaid       Row = "other.fee_unpaid"
	RowOther           Row = "other.other"
	RowTotalProcessed  Row = "total_processed"
	RowCarriedForward  Row = "carried_forward"
)

// RowInfo labels a row as the official table prints it.
type RowInfo struct {
	Row    Row
	Level1 string // 一、… (empty under a group)
	Level2 string // （一）…
	Label  string // the level-3 label, or empty
}

// Rows lists the 25 rows of table three in order.
var Rows = []RowInfo{
	{RowNewReceived, "一、本年新收政府信息公开申请数量", "", ""},
	{RowCarriedOver, "二、上年结转政府信息公开申请数量", "", ""},
	{RowGranted, "三、本年度办理结果", "（一）予以公开", ""},
	{RowPartial, "三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""},
	{RowStateSecret, "三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"},
	{RowLawForbidden, "三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"},
	{RowSecurity, "三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"},
	{RowThirdParty, "三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"},
	{RowInternalAffairs, "三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"},
	{RowProcessInfo, "三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"},
	{RowEnforcementFile, "三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"},
	{RowAdminQuery, "三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"},
	{RowNotHeld, "三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"},
	{RowNeedsCreation, "三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"},
	{RowStillUnclear, "三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"},
	{RowPetition, "三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"},
	{RowRepeat, "三、本年度办理结果", "（五）不予处理", "2.重复申请"},
	{RowPublication, "三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"},
	{RowExcessive, "三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"},
	{RowConfirmReissue, "三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"},
	{RowNoCorrection, "三、本年度办理结果", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"},
	{RowFeeUnpaid, "三、本年度办理结果", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"},
	{RowOther, "三、本年度办理结果", "（六）其他处理", "3.其他"},
	{RowTotalProcessed, "三、本年度办理结果", "（七）总计", ""},
	{RowCarriedForward, "四、结转下年度继续办理", "", ""},
}

// outcomeRows are the rows an application's result can land in (rows 3–23).
func outcomeRows() []Row {
	var out []Row
	for _, r := range Rows[2:23] {
		out = append(out, r.Row)
	}
	return out
}
