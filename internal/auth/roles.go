package auth

import (
	"slices"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Role is a staff duty. A staff member may hold several, within limits that
// keep system, security and audit duties apart (三员分立).
type Role string

// The roles.
const (
	PlatformAdmin Role = "platform_admin" // 平台管理员: runs the platform for many agencies
	AgencyAdmin   Role = "agency_admin"   // 单位管理员: the agency's settings, staff, calendar
	Editor        Role = "editor"         // 编辑: drafts items, columns, directory entries
	Reviewer      Role = "reviewer"       // 审核（保密审查）: checks drafts before publication
	Handler       Role = "handler"        // 经办: registers and answers applications and messages
	Approver      Role = "approver"       // 审批: approves extensions, replies, publications
	Liaison       Role = "liaison"        // 联络员: a division's disclosure liaison
	Auditor       Role = "auditor"        // 审计员: reads the audit log, changes nothing
)

// AllRoles lists every role in display order.
var AllRoles = []Role{PlatformAdmin, AgencyAdmin, Editor, Reviewer, Handler, Approver, Liaison, Auditor}

var roleLabels = map[Role]string{
	PlatformAdmin: "平台管理员",
	AgencyAdmin:   "单位管理员",
	Editor:        "信息编辑",
	Reviewer:      "审核员（保密审查）",
	Handler:       "经办人",
	Approver:      "审批人",
	Liaison:       "政务公开联络员",
	Auditor:       "安全审计员",
}

// Label is the Chinese name of the role.
func (r Role) Label() string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleLabels[r]; return ok }

// RequiresSecondFactor: every administrator duty — system, security and
// audit — logs in with TOTP (等保三级: two-factor authentication for
// administrators).
func (r Role) RequiresSecondFactor() bool {
	return r == PlatformAdmin || r == AgencyAdmin || r == Auditor
}

// PlatformScoped roles may be held by platform staff, who belong to no agency.
func (r Role) PlatformScoped() bool { return r == PlatformAdmin || r == Auditor }

// Roles is a set of roles.
type Roles []Role

// Has reports whether rs contains r.
func (rs Roles) Has(r Role) bool { return slices.Contains(rs, r) }

// Any reports whether rs contains one of want.
func (rs Roles) Any(want ...Role) bool {
	for _, r := range want {
		if rs.Has(r) {
			return true
		}
	}
	return false
}

// RequiresSecondFactor reports whether any role needs TOTP.
func (rs Roles) RequiresSecondFactor() bool {
	for _, r := range rs {
		if r.RequiresSecondFactor() {
			return true
		}
	}
	return false
}

// Strings returns the role codes.
func (rs Roles) Strings() []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// Labels returns the Chinese names, joined.
func (rs Roles) Labels() string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Label()
	}
	return strings.Join(out, "、")
}

// ParseRoles reads a comma-separated list of role codes.
func ParseRoles(s string) (Roles, error) {
	var rs Roles
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		r := Role(p)
		if !r.Valid() {
			return nil, apperr.Invalidf("未知角色：%s", p)
		}
		if !rs.Has(r) {
			rs = append(rs, r)
		}
	}
	return rs, nil
}

// CheckRoles enforces the separation of duties for an account in agencyID
// (0 = platform staff):
//   - at least one role;
//   - the auditor holds no other role (审计员 audits the administrators);
//   - the platform administrator holds no agency duty;
//   - platform staff hold only platform roles, and agency staff no platform role.
func CheckRoles(rs Roles, agencyID int64) error {
	if len(rs) == 0 {
		return apperr.FieldErrors(map[string]string{"roles": "请至少选择一个角色"})
	}
	for _, r := range rs {
		if !r.Valid() {
			return apperr.FieldErrors(map[string]string{"roles": "未知角色：" + string(r)})
		}
	}
	if rs.Has(Auditor) && len(rs) > 1 {
		return apperr.FieldErrors(map[string]string{"roles": "安全审计员不能兼任其他角色（系统、安全、审计职责分离）"})
	}
	if rs.Has(PlatformAdmin) && len(rs) > 1 {
		return apperr.FieldErrors(map[string]string{"roles": "平台管理员不能兼任单位内的业务角色"})
	}
	if agencyID == 0 {
		for _, r := range rs {
			if !r.PlatformScoped() {
				return apperr.FieldErrors(map[string]string{"roles": "平台级账号只能是平台管理员或安全审计员"})
			}
		}
	} else if rs.Has(PlatformAdmin) {
		return apperr.FieldErrors(map[string]string{"roles": "平台管理员账号不属于任何单位"})
	}
	return nil
}
