package app_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/db"
)

// TestOpenAPIMatchesRoutes keeps /api/v1/openapi.json in step with the API
// routes the application registers: every route documented, nothing
// documented that does not exist, every $ref resolvable.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := apptest.New(t, db.SQLite)
	r := e.Client().Get("/api/v1/openapi.json")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, rt := range e.App.Web.Routes() {
		if rt.Kind == "api" {
			registered[rt.Method+" "+rt.Path] = true
		}
	}
	var missing, stale []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("API routes missing from openapi.json: %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("openapi.json documents routes that do not exist: %v", stale)
	}
	// Every $ref points at a defined component.
	var raw map[string]any
	json.Unmarshal([]byte(r.Body), &raw)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				var cur any = raw
				for _, p := range parts {
					m, ok := cur.(map[string]any)
					if !ok {
						cur = nil
						break
					}
					cur = m[p]
				}
				if cur == nil {
					t.Errorf("unresolved $ref %s", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(raw)
}
