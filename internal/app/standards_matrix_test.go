package app_test

import (
	"fmt"
	"strings"

	"github.com/gongkai/gongkai/internal/app/apptest"
)

// The standard catalogue's routes in the role matrix: reading in the
// console is auth.ViewItems, changes auth.ManageStandards.
const (
	standardViewers  = "agency_admin editor reviewer approver liaison"
	standardManagers = "agency_admin editor"
)

func init() {
	matrixParts = append(matrixParts, map[string]string{
		"GET /o/{slug}/standards":                          public,
		"GET /o/{slug}/standards/print":                    public,
		"GET /console/standards":                           standardViewers,
		"GET /console/standards/new":                       standardManagers,
		"POST /console/standards":                          standardManagers,
		"GET /console/standards/export.xlsx":               standardViewers,
		"GET /console/standards/import":                    standardManagers,
		"POST /console/standards/import":                   standardManagers,
		"GET /console/standards/lists":                     standardViewers,
		"POST /console/standards/lists":                    standardManagers,
		"GET /console/standards/coverage":                  standardViewers,
		"GET /console/standards/{id}":                      standardViewers,
		"GET /console/standards/{id}/edit":                 standardManagers,
		"POST /console/standards/{id}":                     standardManagers,
		"POST /console/standards/{id}/remove":              standardManagers,
		"POST /console/standards/{id}/links":               standardManagers,
		"POST /console/standards/{id}/links/{item}/delete": standardManagers,
	})
	// The walk uses the demo's first entry of 上海市民族和宗教事务局 and
	// an item linked to it.
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.HasPrefix(path, "/console/standards/{id}") {
			return ""
		}
		var entry, item int64
		e.App.DB.R.QueryRow(`SELECT s.id, COALESCE(MIN(l.item_id), 0) FROM std_entries s JOIN agencies a ON a.id = s.agency_id
			LEFT JOIN std_links l ON l.entry_id = s.id WHERE a.slug = 'mzzj' AND s.removed = FALSE GROUP BY s.id ORDER BY s.id LIMIT 1`).Scan(&entry, &item)
		return strings.NewReplacer("{id}", fmt.Sprint(entry), "{item}", fmt.Sprint(item)).Replace(path)
	})
}
