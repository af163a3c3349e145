package auth

// Permission is what a route needs. Every console and API route declares
// one when it is registered (internal/web), and Allowed is the single check
// that decides. A test walks every registered route with every role against
// a declared matrix.
type Permission string

// The permissions.
const (
	// Public needs nobody: portal pages, public API reads, health checks.
	Public Permission = "public"
	// Authenticated needs any staff member with a complete login.
	Authenticated Permission = "authenticated"
	// Partial is for the steps of logging in: the second factor and enrolment.
	Partial Permission = "partial"

	ManageAgencySettings Permission = "agency.settings"   // agency settings and divisions
	ManageStaff          Permission = "staff.manage"      // staff accounts of an agency
	ManageAgencies       Permission = "platform.agencies" // create agencies, platform settings
	ManageCalendar       Permission = "calendar.manage"   // the working-day calendar
	ReadAudit            Permission = "audit.read"        // search the audit log

	// Proactive disclosure (主动公开).
	ViewItems       Permission = "items.view"       // see the agency's items in the console
	EditItems       Permission = "items.edit"       // draft and edit items, upload attachments
	ReviewItems     Permission = "items.review"     // 保密审查: pass or return submitted items
	ApproveItems    Permission = "items.approve"    // approve reviewed items (when the agency requires it)
	PublishItems    Permission = "items.publish"    // publish or schedule reviewed/approved items
	WithdrawItems   Permission = "items.withdraw"   // 撤稿 and supersede published items
	ManageCatalogue Permission = "catalogue.manage" // columns, topics, topical columns, guide, sensitive words
	PostTopical     Permission = "topical.post"     // post updates to a topical column

	// Disclosure on application (依申请公开). Which applications a holder
	// sees, and whose personal data, the application service decides: the
	// disclosure office (handlers, approvers) sees its agency's, a division's
	// liaison those assigned to it.
	ViewApplications     Permission = "applications.view"     // the application list and files
	HandleApplications   Permission = "applications.handle"   // work on applications (the assigned liaison too)
	RecordApplications   Permission = "applications.record"   // the work unit: record paper, fax and e-mail applications
	ApproveApplications  Permission = "applications.approve"  // the head of the work unit: extensions
	ManageApplicationSet Permission = "applications.settings" // letter templates, seal, correction period

	// Public concerns (回应关切): letters, messages, site-error reports.
	ViewConcerns   Permission = "concerns.view"     // the case list and cases
	HandleConcerns Permission = "concerns.handle"   // assign, note, draft replies
	ReviewConcerns Permission = "concerns.review"   // approve replies, publish, moderate the board
	ManageConcerns Permission = "concerns.settings" // leaders, reply periods, routing rules
	ImportHotline  Permission = "concerns.import"   // receive 12345 work orders, record new-media and phone/visit cases

	// Major decisions (重大行政决策) and public consultations (征求意见).
	ViewDecisions       Permission = "decisions.view"         // the decision catalogue and files in the console
	ManageDecisions     Permission = "decisions.manage"       // catalogue entries, stages, hearings, documents
	ManageConsultations Permission = "consultations.manage"   // drafts, periods, publication of consultations
	ModerateComments    Permission = "consultations.moderate" // publish or withhold comments
	AnswerComments      Permission = "consultations.answer"   // group comments, answer them, the feedback report

	// Normative documents (行政规范性文件) and the standard disclosure
	// catalogue (公开标准目录).
	ManageNormative Permission = "normative.manage" // register normative documents, change their status, filings, cleanups
	ManageStandards Permission = "standards.manage" // the standard catalogue, power and service lists, coverage to-dos

	// Questionnaires, open days and social evaluation (社会评议).
	ManageSurveys  Permission = "surveys.manage"  // questionnaires: build, open, close, results and exports
	ManageOpenDays Permission = "opendays.manage" // open days: events, sign-ups, selection, check-in, summaries
	// ManageEvaluations runs social evaluation campaigns: groups, indicators,
	// invitations, scores, the report and the improvement actions.
	ManageEvaluations Permission = "evaluations.manage"

	// The staff work platform (issue 9).
	SuperviseTodos   Permission = "todos.supervise"   // the leader's supervision view (督办) across divisions
	ManageLiaisons   Permission = "liaisons.manage"   // the liaison roster (联络员) of the divisions
	ManageDocuments  Permission = "documents.manage"  // register official documents with their disclosure attribute (公文备案)
	ApproveDocuments Permission = "documents.approve" // approve a document's disclosure attribute
	ViewWorkPlan     Permission = "workplan.view"     // the work-plan tracker (工作要点台账)
	ManageWorkPlan   Permission = "workplan.manage"   // build the plan, assign divisions, record leader hearings
	ReportProgress   Permission = "workplan.progress" // post progress updates on a task
	ManageTraining   Permission = "training.manage"   // courses, sessions, attendance, the compliance report
	ManageNewMedia   Permission = "newmedia.manage"   // the new-media account registry and repost tasks

	// Service directories (work point 五(二)): religious activity venues
	// and halal food outlets; clergy filings, which hold personal
	// information, have their own permission and every reading is audited.
	ManageDirectories Permission = "directories.manage" // venues and halal outlets: entries, notices, imports, staleness
	ManageClergy      Permission = "clergy.manage"      // clergy filings, photos and the verification query log

	// Annual reports (政府信息公开工作年度报告, 条例 Art. 49–50).
	ManageAnnualReport   Permission = "annualreport.manage"  // draft the agency's report: texts, manual cells, overrides, imports
	PublishAnnualReport  Permission = "annualreport.publish" // publish the report and start corrections
	OverseeAnnualReports Permission = "annualreport.oversee" // which agencies have published; consolidated tables of several agencies
)

// grants says which roles hold each permission beyond Public/Authenticated.
var grants = map[Permission]Roles{
	ManageAgencySettings: {PlatformAdmin, AgencyAdmin},
	ManageStaff:          {PlatformAdmin, AgencyAdmin},
	ManageAgencies:       {PlatformAdmin},
	ManageCalendar:       {PlatformAdmin, AgencyAdmin},
	ReadAudit:            {Auditor},
	ViewItems:            {AgencyAdmin, Editor, Reviewer, Approver, Liaison},
	EditItems:            {AgencyAdmin, Editor},
	ReviewItems:          {Reviewer},
	ApproveItems:         {Approver},
	PublishItems:         {Reviewer, Approver},
	WithdrawItems:        {AgencyAdmin, Approver},
	ManageCatalogue:      {AgencyAdmin},
	PostTopical:          {AgencyAdmin, Editor},
	ViewApplications:     {Handler, Approver, Liaison},
	HandleApplications:   {Handler, Approver, Liaison},
	RecordApplications:   {Handler, Approver},
	ApproveApplications:  {Approver},
	ManageApplicationSet: {AgencyAdmin, Approver},
	ViewConcerns:         {Handler, Approver, Liaison},
	HandleConcerns:       {Handler, Approver, Liaison},
	ReviewConcerns:       {Approver},
	ManageConcerns:       {AgencyAdmin, Approver},
	ImportHotline:        {Handler, Approver},
	ViewDecisions:        {AgencyAdmin, Editor, Reviewer, Approver, Handler, Liaison},
	ManageDecisions:      {AgencyAdmin, Editor, Approver},
	ManageConsultations:  {AgencyAdmin, Editor, Approver},
	ModerateComments:     {Editor, Reviewer, Approver},
	AnswerComments:       {Editor, Approver, Handler, Liaison},
	ManageNormative:      {AgencyAdmin, Editor},
	ManageStandards:      {AgencyAdmin, Editor},
	ManageSurveys:        {AgencyAdmin, Editor},
	ManageOpenDays:       {AgencyAdmin, Editor, Handler},
	ManageEvaluations:    {AgencyAdmin, Editor, Approver},
	SuperviseTodos:       {AgencyAdmin, Approver},
	ManageLiaisons:       {AgencyAdmin},
	ManageDocuments:      {AgencyAdmin, Editor, Approver, Liaison},
	ApproveDocuments:     {Approver},
	ViewWorkPlan:         {AgencyAdmin, Editor, Reviewer, Approver, Handler, Liaison},
	ManageWorkPlan:       {AgencyAdmin, Approver},
	ReportProgress:       {AgencyAdmin, Editor, Approver, Handler, Liaison},
	ManageTraining:       {AgencyAdmin, Editor},
	ManageNewMedia:       {AgencyAdmin, Editor},
	ManageDirectories:    {AgencyAdmin, Editor},
	ManageClergy:         {AgencyAdmin, Editor},
	ManageAnnualReport:   {AgencyAdmin, Editor, Approver},
	PublishAnnualReport:  {AgencyAdmin, Approver},
	OverseeAnnualReports: {PlatformAdmin, AgencyAdmin},
}

// Known reports whether p is a declared permission.
func (p Permission) Known() bool {
	switch p {
	case Public, Authenticated, Partial:
		return true
	}
	_, ok := grants[p]
	return ok
}

// Allowed is the one permission check. p is nil for anonymous requests.
// Agency scope (staff act only within their own agency) is checked by the
// services on every store call that takes an agency.
func Allowed(p *Principal, perm Permission) bool {
	switch perm {
	case Public:
		return true
	case Partial:
		return p != nil
	case Authenticated:
		return p != nil && p.Complete()
	}
	if p == nil || !p.Complete() {
		return false
	}
	return p.Roles.Any(grants[perm]...)
}
