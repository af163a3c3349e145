package auth_test

import (
	"reflect"
	"testing"

	"github.com/gongkai/gongkai/internal/auth"
)

// serviceMethods classifies every exported method of auth.Service by how
// its agency scope is proven. A new method fails this test until placed.
var serviceMethods = map[string]string{
	// Called across agencies in TestAgencyScopeOfStaffManagement.
	"CreateUser":        "isolation",
	"GetUser":           "isolation",
	"ListUsers":         "isolation",
	"UpdateUser":        "isolation",
	"SetDisabled":       "isolation",
	"ResetPassword":     "isolation",
	"ResetSecondFactor": "isolation",
	"CreateToken":       "isolation",
	"ListTokens":        "isolation",
	"RevokeToken":       "isolation",
	// Act on the caller's own account or session only.
	"ChangeOwnPassword": "self",
	"OwnTokens":         "self",
	"Login":             "self",
	"Session":           "self",
	"Logout":            "self",
	"SecondFactor":      "self",
	"BeginEnrolment":    "self",
	"ConfirmEnrolment":  "self",
	"AuthenticateToken": "self",
	// Operator commands and housekeeping, not reachable over HTTP.
	"UserByUsername":  "operator",
	"AllUsers":        "operator",
	"CleanupSessions": "operator",
}

func TestEveryServiceMethodIsClassified(t *testing.T) {
	typ := reflect.TypeOf(&auth.Service{})
	seen := map[string]bool{}
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		seen[name] = true
		if _, ok := serviceMethods[name]; !ok {
			t.Errorf("auth.Service.%s is not classified: prove its agency scope in TestAgencyScopeOfStaffManagement or declare it", name)
		}
	}
	for name := range serviceMethods {
		if !seen[name] {
			t.Errorf("serviceMethods lists %s, which auth.Service no longer has", name)
		}
	}
}
