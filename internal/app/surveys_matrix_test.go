package app_test

import (
	"fmt"
	"strings"

	"github.com/gongkai/gongkai/internal/app/apptest"
)

// The questionnaire engine's routes in the role matrix: the public form
// and results are public, the whole console is auth.ManageSurveys.
const surveyManagers = "agency_admin editor"

func init() {
	matrixParts = append(matrixParts, map[string]string{
		"GET /surveys/{id}":                      public,
		"POST /surveys/{id}":                     public,
		"GET /surveys/{id}/results":              public,
		"GET /o/{slug}/surveys":                  public,
		"GET /api/v1/surveys":                    public,
		"GET /api/v1/surveys/{id}":               public,
		"GET /api/v1/surveys/{id}/results":       public,
		"GET /console/surveys":                   surveyManagers,
		"GET /console/surveys/new":               surveyManagers,
		"POST /console/surveys":                  surveyManagers,
		"GET /console/surveys/{id}":              surveyManagers,
		"POST /console/surveys/{id}":             surveyManagers,
		"POST /console/surveys/{id}/open":        surveyManagers,
		"POST /console/surveys/{id}/close":       surveyManagers,
		"POST /console/surveys/{id}/invitations": surveyManagers,
		"GET /console/surveys/{id}/results":      surveyManagers,
		"GET /console/surveys/{id}/export.xlsx":  surveyManagers,
	})
	// The walk uses the demo questionnaire of 上海市民族和宗教事务局.
	pathFillers = append(pathFillers, func(e *apptest.Env, path string) string {
		if !strings.Contains(path, "/surveys/{id}") {
			return ""
		}
		var id int64
		e.App.DB.R.QueryRow(`SELECT s.id FROM surveys s JOIN agencies a ON a.id = s.agency_id WHERE a.slug = 'mzzj' ORDER BY s.id LIMIT 1`).Scan(&id)
		return strings.Replace(path, "{id}", fmt.Sprint(id), 1)
	})
}
