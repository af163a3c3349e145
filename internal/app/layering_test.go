package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gongkai/gongkai/"

// layers orders the packages: cmd → app → capabilities → shared services →
// db/config → base. A package may import only lower layers; shared
// services may also import each other; capabilities never import each
// other (they declare small interfaces, wired in app).
var layers = []struct {
	name     string
	level    int
	packages []string
}{
	{"base", 0, []string{"internal/apperr", "internal/civil"}},
	{"data", 10, []string{"internal/db", "internal/config"}},
	{"data test helper", 15, []string{"internal/db/dbtest"}},
	{"shared", 20, []string{"internal/web", "internal/auth", "internal/audit", "internal/calendar", "internal/ratelimit",
		"internal/blob", "internal/jobs", "internal/backup", "internal/search", "internal/textzh", "internal/notify",
		"internal/extract", "internal/pii", "internal/sensitive", "internal/pdf", "internal/querycode", "internal/hottopic", "internal/survey", "internal/todo", "internal/xlsxprint"}},
	{"shared test helper", 25, []string{"internal/notify/smtptest"}},
	{"capability", 30, []string{"internal/agency", "internal/staff", "internal/workcal", "internal/auditlog", "internal/disclosure", "internal/application", "internal/concern", "internal/decision", "internal/normative", "internal/stdcatalog", "internal/openday", "internal/consultation", "internal/socialeval", "internal/docregistry", "internal/workplan", "internal/training", "internal/newmedia", "internal/directory", "internal/annualreport", "internal/pubstats"}},
	{"composition", 40, []string{"internal/app"}},
	{"composition test helper", 45, []string{"internal/app/apptest", "internal/app/browsertest"}},
	{"command", 50, []string{"cmd/gongkai", "cmd/gkgen", "cmd/gkdrill"}},
}

func layerOf(pkg string) (string, int, bool) {
	rel := strings.TrimPrefix(pkg, module)
	for _, l := range layers {
		for _, p := range l.packages {
			if rel == p {
				return l.name, l.level, true
			}
		}
	}
	return "", 0, false
}

func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/gongkai/gongkai/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		name, level, ok := layerOf(pkg)
		if !ok {
			t.Errorf("package %s is not placed in a layer (add it to the layering test and docs/architecture.md)", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			iname, ilevel, ok := layerOf(imp)
			if !ok {
				continue // reported as its own line
			}
			switch {
			case ilevel < level:
			case ilevel == level && name == "shared":
			default:
				t.Errorf("%s (%s) imports %s (%s): imports must point down the layers", pkg, name, imp, iname)
			}
		}
	}
}
