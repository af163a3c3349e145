package agency_test

import (
	"reflect"
	"testing"

	"github.com/gongkai/gongkai/internal/agency"
)

// serviceMethods classifies every exported method of agency.Service. A new
// method fails this test until it is placed here: either its agency scope
// is proven in TestAgencyIsolation, or it reads only public data.
var serviceMethods = map[string]string{
	// Changes: each is called with another agency's identifiers in
	// TestAgencyIsolation and must be refused.
	"UpdateSettings":  "isolation",
	"CreateDivision":  "isolation",
	"UpdateDivision":  "isolation",
	"DeleteDivision":  "isolation",
	"Division":        "isolation",
	"UpdateStructure": "isolation",
	"Create":          "isolation",
	"SetDefault":      "isolation",
	// Reads of public data (机构设置, contact details are published under
	// 条例 Art. 20(二)).
	"Get":         "public",
	"BySlug":      "public",
	"ForHost":     "public",
	"List":        "public",
	"Children":    "public",
	"Divisions":   "public",
	"DefaultSlug": "public",
	"Current":     "public",
	// Start-up and demo seeding, run by the operator without a principal.
	"Seed":         "operator",
	"SeedDivision": "operator",
	"SeedDefault":  "operator",
}

func TestEveryServiceMethodIsClassified(t *testing.T) {
	typ := reflect.TypeOf(&agency.Service{})
	seen := map[string]bool{}
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		seen[name] = true
		if _, ok := serviceMethods[name]; !ok {
			t.Errorf("agency.Service.%s is not classified: prove its agency scope in TestAgencyIsolation or declare it public", name)
		}
	}
	for name := range serviceMethods {
		if !seen[name] {
			t.Errorf("serviceMethods lists %s, which agency.Service no longer has", name)
		}
	}
}
