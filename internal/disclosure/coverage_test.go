package disclosure_test

import (
	"reflect"
	"testing"

	"github.com/gongkai/gongkai/internal/disclosure"
)

// serviceMethods classifies every exported method of disclosure.Service. A
// new method fails this test until it is placed here.
var serviceMethods = map[string]string{
	// Staff actions and reads: each is called with another agency's
	// identifiers in TestAgencyIsolation and must be refused.
	"UpdateSettings":          "isolation",
	"CreateColumn":            "isolation",
	"UpdateColumn":            "isolation",
	"CreateTopic":             "isolation",
	"Create":                  "isolation",
	"Update":                  "isolation",
	"AddAttachment":           "isolation",
	"RemoveAttachment":        "isolation",
	"Submit":                  "isolation",
	"Return":                  "isolation",
	"Review":                  "isolation",
	"Approve":                 "isolation",
	"Publish":                 "isolation",
	"Withdraw":                "isolation",
	"Supersede":               "isolation",
	"Get":                     "isolation",
	"History":                 "isolation",
	"ConsoleList":             "isolation",
	"SetPinned":               "isolation",
	"DueSoon":                 "isolation",
	"PostUpdate":              "isolation",
	"Import":                  "isolation",
	"ImportFile":              "isolation", // the same row checks as Import
	"SaveInterpretation":      "isolation",
	"SetInterpretationExempt": "isolation",
	"Assessment":              "isolation",
	"SaveAssessment":          "isolation",
	// The caller's own agency (p.AgencyID) by construction.
	"InterpretationChecks": "isolation",
	// Reads of published information (the portal and the public API):
	// they return only published or superseded items, public columns and
	// the guide.
	"PublicItem":     "public",
	"PublicList":     "public",
	"Pinned":         "public",
	"PinnedInAgency": "public",
	"Related":        "public",
	"Catalogue":      "public",
	"ColumnBySlug":   "public",
	"Topics":         "public",
	"TopicalColumns": "public",
	"Updates":        "public",
	"Settings":       "public",
	"PublicRefs":     "public",
	"CountPublic":    "public",
	// Aggregates and metadata of the public items of one agency, for the
	// statistics page and the open-data export (stats_public_test.go).
	"PublishedStats":  "public",
	"EachPublicEntry": "public",
	// Helpers over an item the caller has already loaded through Get or
	// PublicItem (which did the scoping).
	"Attachments":    "loaded",
	"Interpretation": "loaded",
	"Findings":       "loaded",
	// The scheduled-publication job, run by the system.
	"PublishDue": "system",
	// Called by the normative-document library in its own transaction,
	// after it checked the caller's agency (wired in app).
	"SetValidity": "system",
	// The to-do centre's source (wired in app), asked for the agency of
	// the signed-in person; todo_test.go checks that only that agency's
	// items come back.
	"DueWork": "system",
}

func TestEveryServiceMethodIsClassified(t *testing.T) {
	typ := reflect.TypeOf(&disclosure.Service{})
	seen := map[string]bool{}
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		seen[name] = true
		if _, ok := serviceMethods[name]; !ok {
			t.Errorf("disclosure.Service.%s is not classified: prove its agency scope in TestAgencyIsolation or declare it public", name)
		}
	}
	for name := range serviceMethods {
		if !seen[name] {
			t.Errorf("serviceMethods lists %s, which disclosure.Service no longer has", name)
		}
	}
}
