// Package auth is staff security: accounts and roles, argon2id passwords with
// a policy, lockout and per-IP throttling, server-side sessions shared by all
// instances, TOTP second factor, API tokens, and the single permission check.
package auth

import (
	"context"

	"github.com/gongkai/gongkai/internal/audit"
)

// SessionState is how far a login has got.
type SessionState string

// Session states. Only Active sessions reach the console; the others reach
// only the next login step.
const (
	StateSecondFactor SessionState = "second_factor" // password right, TOTP code needed
	StateEnrol        SessionState = "enrol"         // password right, TOTP must be set up first
	StateActive       SessionState = "active"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID             int64
	Username           string
	DisplayName        string
	AgencyID           int64 // 0 for platform staff
	DivisionID         int64
	Roles              Roles
	State              SessionState
	MustChangePassword bool
	TOTPEnabled        bool
	// ViaToken is set for API bearer tokens (always complete).
	ViaToken bool
	TokenID  int64
	// IP is the client address, for the audit log.
	IP string
}

// Complete reports whether every login step is done.
func (p *Principal) Complete() bool {
	return p != nil && (p.ViaToken || p.State == StateActive)
}

// Platform reports whether p belongs to no single agency.
func (p *Principal) Platform() bool { return p.AgencyID == 0 }

// CanActIn reports whether p may act on agency's non-public data: platform
// administrators and platform auditors in every agency, everybody else only
// in their own.
func (p *Principal) CanActIn(agencyID int64) bool {
	if p == nil {
		return false
	}
	if p.AgencyID == 0 {
		return p.Roles.Any(PlatformAdmin, Auditor)
	}
	return p.AgencyID == agencyID
}

// Actor describes p for the audit log.
func (p *Principal) Actor() audit.Actor {
	if p == nil {
		return audit.Actor{Name: "anonymous"}
	}
	name := p.Username
	if p.DisplayName != "" {
		name = p.DisplayName + "（" + p.Username + "）"
	}
	if p.ViaToken {
		name += " [API]"
	}
	return audit.Actor{UserID: p.UserID, Name: name, Roles: p.Roles.Strings(), AgencyID: p.AgencyID, IP: p.IP}
}

// Operator is the principal for commands run on the server by its operator
// (gongkai user …, gongkai token …): a platform administrator without an account.
func Operator(command string) *Principal {
	return &Principal{Username: "cli:" + command, Roles: Roles{PlatformAdmin}, State: StateActive, IP: "local"}
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of the request, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
