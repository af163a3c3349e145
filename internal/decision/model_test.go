package decision

import (
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/civil"
)

var today = civil.MustParse("2026-11-02")

func d(s string) civil.Date { return civil.MustParse(s) }

// TestLegalityReviewOnTheCalendar: 条例 Art. 27 gives the legality review at
// least 7 working days, counted on the official calendar. A draft sent on
// Tue 2026-09-29 has 09-30 (1), then 国庆 2026-10-01…07 off, 10-08 (2),
// 10-09 (3), Sat 10-10 a make-up working day (4), 10-12 (5), 10-13 (6),
// 10-14 (7): seven calendar days later (10-06) is still in the holiday.
func TestLegalityReviewOnTheCalendar(t *testing.T) {
	cal := calendar.Embedded()
	for _, tc := range []struct {
		due  string
		ok   bool
		want string // the due date after validation
	}{
		{"", true, "2026-10-14"},
		{"2026-10-06", false, ""},
		{"2026-10-09", false, ""},
		{"2026-10-13", false, ""},
		{"2026-10-14", true, "2026-10-14"},
		{"2026-10-20", true, "2026-10-20"},
	} {
		st := Stage{Kind: Legality, Status: InProgress, StartedOn: d("2026-09-29")}
		if tc.due != "" {
			st.DueOn = d(tc.due)
		}
		fields := st.Validate(today, cal)
		if got := fields["due_on"] == ""; got != tc.ok {
			t.Errorf("due %s: ok=%v, want %v (%v)", tc.due, got, tc.ok, fields)
		}
		if !tc.ok && !strings.Contains(fields["due_on"], "2026-10-14") {
			t.Errorf("due %s: the message should name the earliest lawful date: %s", tc.due, fields["due_on"])
		}
		if tc.ok && st.DueOn.String() != tc.want {
			t.Errorf("due %s: became %s, want %s", tc.due, st.DueOn, tc.want)
		}
	}
}

func TestStageValidate(t *testing.T) {
	cal := calendar.Embedded()
	for name, tc := range map[string]struct {
		st    Stage
		field string // "" when valid
	}{
		"legality never skipped":        {Stage{Kind: Legality, Status: NotRequired, Reason: "不需要审查的理由"}, "status"},
		"collective never skipped":      {Stage{Kind: Collective, Status: NotRequired, Reason: "不需要讨论的理由"}, "status"},
		"expert skipped without reason": {Stage{Kind: Expert, Status: NotRequired}, "reason"},
		"expert skipped, short reason":  {Stage{Kind: Expert, Status: NotRequired, Reason: "不需要"}, "reason"},
		"risk skipped with a reason":    {Stage{Kind: Risk, Status: NotRequired, Reason: "不涉及社会稳定和公共安全风险"}, ""},
		"unknown status":                {Stage{Kind: Expert, Status: "finished"}, "status"},
		"in progress without start":     {Stage{Kind: Expert, Status: InProgress}, "started_on"},
		"done without end":              {Stage{Kind: Risk, Status: Done, StartedOn: d("2026-10-08")}, "finished_on"},
		"end before start":              {Stage{Kind: Risk, Status: Done, StartedOn: d("2026-10-08"), FinishedOn: d("2026-10-01")}, "finished_on"},
		"start in the future":           {Stage{Kind: Participation, Status: InProgress, StartedOn: d("2026-12-01")}, "started_on"},
		"collective without meeting":    {Stage{Kind: Collective, Status: Done, FinishedOn: d("2026-10-20"), Result: Adopted}, "meeting"},
		"collective without result":     {Stage{Kind: Collective, Status: Done, FinishedOn: d("2026-10-20"), Meeting: "局长办公会议"}, "result"},
		"collective bad result":         {Stage{Kind: Collective, Status: Done, FinishedOn: d("2026-10-20"), Meeting: "局长办公会议", Result: "maybe"}, "result"},
		"collective done":               {Stage{Kind: Collective, Status: Done, FinishedOn: d("2026-10-20"), Meeting: "局长办公会议", Result: Adopted}, ""},
		"publication without venue":     {Stage{Kind: Publication, Status: Done, FinishedOn: d("2026-10-21")}, "venue"},
		"publication javascript link":   {Stage{Kind: Publication, Status: Done, FinishedOn: d("2026-10-21"), Venue: "门户网站", Link: "javascript:alert(1)"}, "link"},
		"publication site path":         {Stage{Kind: Publication, Status: Done, FinishedOn: d("2026-10-21"), Venue: "门户网站", Link: "/o/mzzj/items/1"}, ""},
		"script in the summary":         {Stage{Kind: Participation, Status: NotStarted, Summary: "<script>alert(1)</script>"}, "summary"},
		"a lone less-than is fine":      {Stage{Kind: Participation, Status: NotStarted, Summary: "参加人数<50"}, ""},
		"oversized summary":             {Stage{Kind: Participation, Status: NotStarted, Summary: strings.Repeat("长", 50000)}, "summary"},
		"control characters":            {Stage{Kind: Participation, Status: NotStarted, Responsible: "张\x00三"}, "responsible"},
	} {
		st := tc.st
		fields := st.Validate(today, cal)
		switch {
		case tc.field == "" && len(fields) > 0:
			t.Errorf("%s: unexpected %v", name, fields)
		case tc.field != "" && fields[tc.field] == "":
			t.Errorf("%s: no message for %s (%v)", name, tc.field, fields)
		}
	}
	// A stage marked not required forgets its dates; its reason is kept.
	st := Stage{Kind: Expert, Status: NotRequired, Reason: "不涉及专业性、技术性问题", StartedOn: d("2026-10-08")}
	if f := st.Validate(today, cal); len(f) > 0 || !st.StartedOn.IsZero() || st.Reason == "" {
		t.Errorf("not required: %v %+v", f, st)
	}
}

func TestCheckOrder(t *testing.T) {
	legalDone := Stage{Kind: Legality, Status: Done, StartedOn: d("2026-09-29"), DueOn: d("2026-10-14"), FinishedOn: d("2026-10-14")}
	collDone := Stage{Kind: Collective, Status: Done, FinishedOn: d("2026-10-20"), Meeting: "局长办公会议", Result: Adopted}
	pubDone := Stage{Kind: Publication, Status: Done, FinishedOn: d("2026-10-25"), Venue: "门户网站"}
	base := func(ss ...Stage) map[StageKind]Stage {
		m := map[StageKind]Stage{}
		for _, k := range StageKinds {
			m[k] = Stage{Kind: k, Status: NotStarted}
		}
		for _, s := range ss {
			m[s.Kind] = s
		}
		return m
	}
	rejected := collDone
	rejected.Result = Rejected
	early := collDone
	early.FinishedOn = d("2026-10-10")
	undone := legalDone
	undone.Status, undone.FinishedOn = InProgress, civil.Date{}
	late := legalDone
	late.FinishedOn = d("2026-10-21")
	for name, tc := range map[string]struct {
		stages map[StageKind]Stage
		next   Stage
		field  string
	}{
		"decision before legality review":  {base(Stage{Kind: Legality, Status: InProgress, StartedOn: d("2026-09-29")}), collDone, "status"},
		"decision dated before the review": {base(legalDone), early, "finished_on"},
		"decision after the review":        {base(legalDone), collDone, ""},
		"review undone under a decision":   {base(legalDone, collDone), undone, "status"},
		"review ending after the decision": {base(legalDone, collDone), late, "finished_on"},
		"publication before a decision":    {base(legalDone), pubDone, "status"},
		"publication of a rejection":       {base(legalDone, rejected), pubDone, "status"},
		"publication after the decision":   {base(legalDone, collDone), pubDone, ""},
		"decision rejected once published": {base(legalDone, collDone, pubDone), rejected, "status"},
		"evaluation before publication":    {base(legalDone, collDone), Stage{Kind: Evaluation, Status: InProgress, StartedOn: d("2026-10-30")}, "status"},
		"evaluation after publication":     {base(legalDone, collDone, pubDone), Stage{Kind: Evaluation, Status: InProgress, StartedOn: d("2026-10-30")}, ""},
	} {
		fields := CheckOrder(tc.stages, tc.next)
		switch {
		case tc.field == "" && len(fields) > 0:
			t.Errorf("%s: unexpected %v", name, fields)
		case tc.field != "" && fields[tc.field] == "":
			t.Errorf("%s: no message for %s (%v)", name, tc.field, fields)
		}
	}
}

func TestDeriveStatus(t *testing.T) {
	m := func(kv ...any) map[StageKind]Stage {
		out := map[StageKind]Stage{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(StageKind)] = Stage{Kind: kv[i].(StageKind), Status: kv[i+1].(StageStatus)}
		}
		return out
	}
	for _, tc := range []struct {
		in     bool
		stages map[StageKind]Stage
		want   Status
	}{
		{true, m(), Listed},
		{true, m(Participation, InProgress), Participating},
		{true, m(Participation, Done), Participating},
		{true, m(Participation, Done, Expert, NotRequired, Risk, InProgress), InReview},
		{true, m(Legality, Done, Collective, Done), Decided},
		{true, m(Collective, Done, Publication, Done), Published},
		{false, m(Participation, Done), Removed},
	} {
		if got := DeriveStatus(tc.in, tc.stages); got != tc.want {
			t.Errorf("%v %v: %s, want %s", tc.in, tc.stages, got, tc.want)
		}
	}
}

// TestHearingMaterialsSevenDays: 条例 Art. 17 — the materials reach the
// participants at least 7 (calendar) days before the hearing.
func TestHearingMaterialsSevenDays(t *testing.T) {
	hearing := func(sent string) *Hearing {
		return &Hearing{Kind: MethodHearing, Title: "听证会", HeldOn: d("2026-10-20"), Place: "第一会议室", AnnouncedOn: d("2026-10-01"),
			Selection: "公开报名，随机抽取", MaterialsSentOn: d(sent), MaskNames: true}
	}
	f := hearing("2026-10-14").Validate(today)
	if !strings.Contains(f["materials_sent_on"], "7 日前") || !strings.Contains(f["materials_sent_on"], "2026-10-13") {
		t.Errorf("6 days before: %v", f)
	}
	if f := hearing("2026-10-13").Validate(today); len(f) > 0 {
		t.Errorf("7 days before: %v", f)
	}
	for name, tc := range map[string]struct {
		h     *Hearing
		field string
	}{
		"no announcement":                 {&Hearing{Kind: MethodHearing, Title: "听证会", HeldOn: d("2026-10-20"), Place: "会议室", Selection: "报名", MaterialsSentOn: d("2026-10-10")}, "announced_on"},
		"announced on the day":            {&Hearing{Kind: MethodHearing, Title: "听证会", HeldOn: d("2026-10-20"), Place: "会议室", Selection: "报名", AnnouncedOn: d("2026-10-20"), MaterialsSentOn: d("2026-10-10")}, "announced_on"},
		"no selection method":             {&Hearing{Kind: MethodHearing, Title: "听证会", HeldOn: d("2026-10-20"), Place: "会议室", AnnouncedOn: d("2026-10-01"), MaterialsSentOn: d("2026-10-10")}, "selection"},
		"no materials date":               {&Hearing{Kind: MethodHearing, Title: "听证会", HeldOn: d("2026-10-20"), Place: "会议室", Selection: "报名", AnnouncedOn: d("2026-10-01")}, "materials_sent_on"},
		"signed before held":              {&Hearing{Kind: MethodHearing, Title: "听证会", HeldOn: d("2026-12-20"), Place: "会议室", Selection: "报名", AnnouncedOn: d("2026-10-01"), MaterialsSentOn: d("2026-10-10"), RecordSigned: true}, "record_signed"},
		"signed without date":             {&Hearing{Kind: MethodHearing, Title: "听证会", HeldOn: d("2026-10-20"), Place: "会议室", Selection: "报名", AnnouncedOn: d("2026-10-01"), MaterialsSentOn: d("2026-10-10"), RecordSigned: true}, "record_signed_on"},
		"symposium needs place":           {&Hearing{Kind: MethodSymposium, Title: "座谈会", HeldOn: d("2026-10-20")}, "place"},
		"public comment is not a hearing": {&Hearing{Kind: MethodPublicComment, Title: "征求意见", HeldOn: d("2026-10-20")}, "kind"},
		"bad participant":                 {&Hearing{Kind: MethodSymposium, Title: "座谈会", HeldOn: d("2026-10-20"), Place: "会议室", Participants: ParseParticipants("张三，居民\n<script>x</script>")}, "participants"},
		"survey without place":            {&Hearing{Kind: MethodQuestionnaire, Title: "问卷", HeldOn: d("2026-10-20"), Results: "回收 100 份"}, ""},
	} {
		f := tc.h.Validate(today)
		switch {
		case tc.field == "" && len(f) > 0:
			t.Errorf("%s: unexpected %v", name, f)
		case tc.field != "" && f[tc.field] == "":
			t.Errorf("%s: no message for %s (%v)", name, tc.field, f)
		}
	}
}

func TestParticipants(t *testing.T) {
	ps := ParseParticipants("马建华，清真餐饮企业代表\n\n 白志刚,行业协会 \n欧阳晓东\n金秀英|居民代表")
	want := []Participant{{"马建华", "清真餐饮企业代表"}, {"白志刚", "行业协会"}, {"欧阳晓东", ""}, {"金秀英", "居民代表"}}
	if len(ps) != len(want) {
		t.Fatalf("%v", ps)
	}
	for i := range want {
		if ps[i] != want[i] {
			t.Errorf("%d: %v, want %v", i, ps[i], want[i])
		}
	}
	if got := ParseParticipants(FormatParticipants(want)); len(got) != 4 || got[1] != want[1] {
		t.Errorf("round trip: %v", got)
	}
	if MaskName("欧阳晓东") != "欧阳**" || MaskName("马建华") != "马**" {
		t.Errorf("masking: %s %s", MaskName("欧阳晓东"), MaskName("马建华"))
	}
}

func TestEntryValidate(t *testing.T) {
	ok := Entry{Year: 2026, Title: "《上海市清真食品管理规定实施细则》修订", DivisionID: 1, LegalBasis: "《上海市清真食品管理条例》",
		PlannedTiming: "2026年第三季度", Methods: []Method{MethodHearing, MethodPublicComment, MethodHearing}}
	if f := ok.Validate(today); len(f) > 0 || len(ok.Methods) != 2 || ok.Methods[0] != MethodPublicComment {
		t.Fatalf("%v %v", f, ok.Methods)
	}
	for name, tc := range map[string]struct {
		mod   func(*Entry)
		field string
	}{
		"no title":        {func(e *Entry) { e.Title = " " }, "title"},
		"long title":      {func(e *Entry) { e.Title = strings.Repeat("长", 50000) }, "title"},
		"script title":    {func(e *Entry) { e.Title = "<script>alert(1)</script>" }, "title"},
		"no division":     {func(e *Entry) { e.DivisionID = 0 }, "division"},
		"year far ahead":  {func(e *Entry) { e.Year = 2099 }, "year"},
		"no methods":      {func(e *Entry) { e.Methods = nil }, "methods"},
		"unknown method":  {func(e *Entry) { e.Methods = []Method{"'; DROP TABLE decisions; --"} }, "methods"},
		"no timing":       {func(e *Entry) { e.PlannedTiming = "" }, "planned_timing"},
		"future adjusted": {func(e *Entry) { e.AdjustedOn = d("2027-01-01") }, "adjusted_on"},
	} {
		e := ok
		e.Methods = append([]Method(nil), ok.Methods...)
		tc.mod(&e)
		if f := e.Validate(today); f[tc.field] == "" {
			t.Errorf("%s: no message for %s (%v)", name, tc.field, f)
		}
	}
	// SQL metacharacters in text are text.
	e := ok
	e.Title = "O'Brien; DROP TABLE decisions; --"
	if f := e.Validate(today); len(f) > 0 {
		t.Errorf("apostrophes: %v", f)
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"意见汇总.xlsx":        "征求意见/意见汇总.xlsx",
		"../../etc/passwd": "征求意见/etc/passwd",
		"/abs/草案.docx":     "征求意见/abs/草案.docx",
		`..\..\win.ini`:    "征求意见/win.ini",
		"":                 "征求意见/文件",
		"第一次征求意见/反馈报告.xlsx": "征求意见/第一次征求意见/反馈报告.xlsx",
	} {
		if got := cleanPath("征求意见", in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
