package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// Rules of the declared matrix.
const (
	public        = "public"        // everybody, anonymous included
	partial       = "partial"       // any session, even mid-login
	authenticated = "authenticated" // any staff member with a complete login

	decisionViewers  = "agency_admin editor reviewer approver handler liaison" // auth.ViewDecisions
	decisionManagers = "agency_admin editor approver"                          // auth.ManageDecisions
	commentAnswerers = "editor approver handler liaison"                       // auth.AnswerComments
)

// matrix declares who may use every route. A route registered without an
// entry here fails the test, and so does an entry without a route.
// matrixParts are the rules of capabilities declared in their own test
// files (merged into matrix before the walk), and pathFillers fill their
// path parameters with objects of the demo (a filler returns "" when the
// path is not its own).
var (
	matrixParts []map[string]string
	pathFillers []func(e *apptest.Env, path string) string
)

var matrix = map[string]string{
	"GET /static/{file...}":        public,
	"GET /healthz":                 public,
	"GET /readyz":                  public,
	"GET /metrics":                 public, // then restricted by client network
	"POST /prefs/elderly":          public,
	"GET /{$}":                     public,
	"GET /o/{slug}/{$}":            public,
	"GET /o/{slug}/about":          public,
	"GET /agencies":                public,
	"GET /search":                  public,
	"GET /workdays":                public,
	"GET /api/v1/openapi.json":     public,
	"GET /api/v1/agencies":         public,
	"GET /api/v1/agencies/{slug}":  public,
	"GET /api/v1/workdays/add":     public,
	"GET /api/v1/workdays/between": public,
	"GET /api/v1/calendar/{year}":  public,

	"GET /console/login":      public,
	"POST /console/login":     public,
	"GET /console/login/2fa":  partial,
	"POST /console/login/2fa": partial,
	"GET /console/2fa/setup":  partial,
	"GET /console/2fa/qr.png": partial,
	"POST /console/2fa/setup": partial,
	"POST /console/logout":    partial,

	"GET /console/{$}":       authenticated,
	"GET /console/password":  authenticated,
	"POST /console/password": authenticated,
	"GET /api/v1/me":         authenticated,

	"GET /console/agency":                                "platform_admin agency_admin",
	"GET /console/agencies/{id}/settings":                "platform_admin agency_admin",
	"POST /console/agencies/{id}/settings":               "platform_admin agency_admin",
	"GET /console/agencies/{id}/divisions":               "platform_admin agency_admin",
	"POST /console/agencies/{id}/divisions":              "platform_admin agency_admin",
	"POST /console/agencies/{id}/divisions/{div}":        "platform_admin agency_admin",
	"POST /console/agencies/{id}/divisions/{div}/delete": "platform_admin agency_admin",
	"GET /console/agencies":                              "platform_admin",
	"GET /console/agencies/new":                          "platform_admin",
	"POST /console/agencies":                             "platform_admin",
	"POST /console/agencies/default":                     "platform_admin",
	"GET /console/agencies/{id}/structure":               "platform_admin",
	"POST /console/agencies/{id}/structure":              "platform_admin",

	"GET /console/staff":                      "platform_admin agency_admin",
	"GET /console/staff/new":                  "platform_admin agency_admin",
	"POST /console/staff":                     "platform_admin agency_admin",
	"GET /console/staff/{id}":                 "platform_admin agency_admin",
	"POST /console/staff/{id}":                "platform_admin agency_admin",
	"POST /console/staff/{id}/disable":        "platform_admin agency_admin",
	"POST /console/staff/{id}/enable":         "platform_admin agency_admin",
	"POST /console/staff/{id}/reset-password": "platform_admin agency_admin",
	"POST /console/staff/{id}/reset-2fa":      "platform_admin agency_admin",
	"GET /console/tokens":                     authenticated,
	"POST /console/tokens":                    authenticated,
	"POST /console/tokens/{id}/revoke":        authenticated,

	"GET /console/calendar":         "platform_admin agency_admin",
	"POST /console/calendar/{year}": "platform_admin agency_admin",

	"GET /o/{slug}/gk/{$}":                  public,
	"GET /o/{slug}/gk/{col}":                public,
	"GET /o/{slug}/gk/{col}/feed.atom":      public,
	"GET /o/{slug}/items/{id}":              public,
	"GET /o/{slug}/items/{id}/print":        public,
	"GET /o/{slug}/items/{id}/files/{att}":  public,
	"GET /o/{slug}/topics/{col}":            public,
	"GET /o/{slug}/topics/{col}/feed.atom":  public,
	"GET /o/{slug}/feed.atom":               public,
	"GET /items":                            public,
	"GET /sitemap.xml":                      public,
	"GET /api/v1/items":                     public,
	"GET /api/v1/items/{id}":                public,
	"GET /api/v1/agencies/{slug}/catalogue": public,
	"GET /api/v1/search":                    public,

	"GET /apply":                                         public,
	"GET /o/{slug}/apply":                                public,
	"POST /o/{slug}/apply":                               public,
	"GET /apply/status":                                  public,
	"POST /apply/status":                                 public,
	"POST /apply/status/logout":                          public,
	"GET /apply/status/{number}":                         public,
	"POST /apply/status/{number}/upload":                 public,
	"POST /apply/status/{number}/withdraw":               public,
	"POST /apply/status/{number}/paid":                   public,
	"GET /apply/status/{number}/files/{file}":            public,
	"GET /apply/status/{number}/letter":                  public,
	"GET /console/applications":                          "handler approver liaison",
	"GET /console/applications/settings":                 "agency_admin approver",
	"POST /console/applications/settings":                "agency_admin approver",
	"POST /console/applications/settings/seal":           "agency_admin approver",
	"GET /console/applications/{id}/letter.pdf":          "handler approver liaison",
	"GET /apply/status/{number}/letter.pdf":              public,
	"POST /console/applications/{id}/remedies":           "handler approver liaison",
	"POST /console/applications/{id}/proactive":          "handler approver liaison",
	"POST /api/v1/applications":                          public,
	"POST /api/v1/applications/status":                   public,
	"GET /api/v1/staff/applications":                     "handler approver liaison",
	"POST /api/v1/staff/applications":                    "handler approver",
	"GET /api/v1/staff/applications/statistics":          "handler approver liaison",
	"GET /api/v1/staff/applications/{id}":                "handler approver liaison",
	"POST /api/v1/staff/applications/{id}/actions":       "handler approver liaison",
	"GET /o/{slug}/mailbox":                              public,
	"POST /o/{slug}/mailbox":                             public,
	"GET /o/{slug}/board":                                public,
	"POST /o/{slug}/board":                               public,
	"GET /o/{slug}/letters":                              public,
	"GET /o/{slug}/letters/{number}":                     public,
	"GET /o/{slug}/concerns/stats":                       public,
	"GET /report-error":                                  public,
	"POST /report-error":                                 public,
	"GET /concern/status":                                public,
	"POST /concern/status":                               public,
	"GET /console/concerns":                              "handler approver liaison",
	"POST /console/concerns/settings/routes":             "agency_admin approver",
	"POST /console/concerns/settings/routes/{id}/delete": "agency_admin approver",
	"GET /console/concerns/settings":                     "agency_admin approver",
	"GET /console/concerns/topics":                       "handler approver",
	"POST /console/concerns/topics/compute":              "handler approver",
	"GET /console/concerns/topics/{id}":                  "handler approver",
	"POST /console/concerns/topics/{id}/mark":            "handler approver",
	"POST /console/concerns/topics/{id}/response":        "handler approver",
	"POST /console/concerns/settings":                    "agency_admin approver",
	"GET /console/concerns/new":                          "handler approver",
	"POST /console/concerns":                             "handler approver",
	"POST /api/v1/staff/concerns":                        "handler approver",
	"GET /console/concerns/import":                       "handler approver",
	"POST /console/concerns/import":                      "handler approver",
	"POST /api/v1/staff/concerns/hotline":                "handler approver",
	"GET /console/concerns/{id}":                         "handler approver liaison",
	"POST /console/concerns/{id}/act":                    "handler approver liaison",
	"GET /console/concerns/{id}/files/{file}":            "handler approver liaison",
	"POST /console/concerns/{id}/contact":                "handler approver liaison",
	"GET /console/applications/stats":                    "handler approver liaison",
	"GET /console/applications/{id}":                     "handler approver liaison",
	"GET /console/applications/{id}/files/{file}":        "handler approver liaison",
	"GET /console/applications/{id}/letter":              "handler approver liaison",
	"POST /console/applications/{id}/personal":           "handler approver liaison",
	"GET /console/applications/new":                      "handler approver",
	"POST /console/applications":                         "handler approver",
	"POST /console/applications/{id}/act":                "handler approver liaison",
	"POST /console/applications/{id}/files":              "handler approver liaison",
	"GET /console/items":                                 "agency_admin editor reviewer approver liaison",
	"GET /console/items/{id}":                            "agency_admin editor reviewer approver liaison",
	"GET /console/items/{id}/diff":                       "agency_admin editor reviewer approver liaison",
	"GET /console/items/{id}/files/{att}":                "agency_admin editor reviewer approver liaison",
	"GET /console/items/new":                             "agency_admin editor",
	"POST /console/items":                                "agency_admin editor",
	"POST /console/items/{id}":                           "agency_admin editor",
	"GET /console/items/{id}/interpretation":             "agency_admin editor reviewer approver liaison",
	"POST /console/items/{id}/interpretation":            "agency_admin editor",
	"POST /console/items/{id}/interpretation/exempt":     "agency_admin editor",
	"GET /console/items/{id}/assessment":                 "agency_admin editor reviewer approver liaison",
	"POST /console/items/{id}/assessment":                "agency_admin editor",
	"GET /console/interpretations":                       "agency_admin editor reviewer approver liaison",
	"POST /console/items/{id}/attachments":               "agency_admin editor",
	"POST /console/items/{id}/attachments/{att}/delete":  "agency_admin editor",
	"POST /console/items/{id}/submit":                    "agency_admin editor",
	"POST /console/items/{id}/return":                    "reviewer approver",
	"POST /console/items/{id}/review":                    "reviewer",
	"POST /console/items/{id}/approve":                   "approver",
	"POST /console/items/{id}/publish":                   "reviewer approver",
	"POST /console/items/{id}/withdraw":                  "agency_admin approver",
	"POST /console/items/{id}/supersede":                 "agency_admin approver",
	"POST /console/items/{id}/pin":                       "agency_admin",
	"GET /console/catalogue":                             "agency_admin",
	"POST /console/catalogue/columns":                    "agency_admin",
	"POST /console/catalogue/columns/{col}":              "agency_admin",
	"POST /console/catalogue/topics":                     "agency_admin",
	"GET /console/disclosure/settings":                   "agency_admin",
	"POST /console/disclosure/settings":                  "agency_admin",
	"GET /console/topical/{col}":                         "agency_admin editor",
	"POST /console/topical/{col}/updates":                "agency_admin editor",

	"GET /o/{slug}/decisions":                                   public,
	"GET /o/{slug}/decisions/{id}":                              public,
	"GET /o/{slug}/decisions/{id}/files/{file}":                 public,
	"GET /api/v1/decisions":                                     public,
	"GET /api/v1/decisions/{id}":                                public,
	"GET /console/decisions":                                    decisionViewers,
	"GET /console/decisions/new":                                decisionManagers,
	"POST /console/decisions":                                   decisionManagers,
	"POST /console/decisions/publish-catalogue":                 decisionManagers,
	"GET /console/decisions/{id}":                               decisionViewers,
	"GET /console/decisions/{id}/edit":                          decisionManagers,
	"POST /console/decisions/{id}":                              decisionManagers,
	"POST /console/decisions/{id}/remove":                       decisionManagers,
	"GET /console/decisions/{id}/stages/{kind}":                 decisionManagers,
	"POST /console/decisions/{id}/stages/{kind}":                decisionManagers,
	"GET /console/decisions/{id}/hearings/new":                  decisionManagers,
	"POST /console/decisions/{id}/hearings":                     decisionManagers,
	"GET /console/decisions/{id}/hearings/{hearing}":            decisionManagers,
	"POST /console/decisions/{id}/hearings/{hearing}":           decisionManagers,
	"POST /console/decisions/{id}/files":                        decisionManagers,
	"POST /console/decisions/{id}/files/{file}/delete":          decisionManagers,
	"GET /console/decisions/{id}/files/{file}":                  decisionViewers,
	"GET /console/decisions/{id}/archive.zip":                   decisionViewers,
	"GET /consultations":                                        public,
	"GET /o/{slug}/consultations":                               public,
	"GET /o/{slug}/consultations/feed.atom":                     public,
	"GET /o/{slug}/consultations/{id}":                          public,
	"POST /o/{slug}/consultations/{id}/comments":                public,
	"GET /o/{slug}/consultations/{id}/count.json":               public,
	"GET /o/{slug}/consultations/{id}/feedback":                 public,
	"GET /o/{slug}/consultations/{id}/files/{file}":             public,
	"GET /api/v1/consultations":                                 public,
	"GET /api/v1/consultations/{id}":                            public,
	"GET /console/consultations":                                decisionViewers,
	"GET /console/consultations/new":                            decisionManagers,
	"POST /console/consultations":                               decisionManagers,
	"GET /console/consultations/templates":                      decisionManagers,
	"POST /console/consultations/templates":                     decisionManagers,
	"GET /console/consultations/{id}":                           decisionViewers,
	"POST /console/consultations/{id}":                          decisionManagers,
	"POST /console/consultations/{id}/publish":                  decisionManagers,
	"POST /console/consultations/{id}/extend":                   decisionManagers,
	"POST /console/consultations/{id}/files":                    decisionManagers,
	"GET /console/consultations/{id}/comments":                  decisionViewers,
	"POST /console/consultations/{id}/comments":                 commentAnswerers,
	"POST /console/consultations/{id}/comments/moderate":        "editor reviewer approver",
	"GET /console/consultations/{id}/comments/{cid}":            decisionViewers,
	"POST /console/consultations/{id}/comments/{cid}":           commentAnswerers,
	"POST /console/consultations/{id}/comments/{cid}/contact":   commentAnswerers,
	"GET /console/consultations/{id}/comments/{cid}/attachment": commentAnswerers,
	"GET /console/consultations/{id}/groups":                    decisionViewers,
	"POST /console/consultations/{id}/groups":                   commentAnswerers,
	"POST /console/consultations/{id}/groups/{gid}":             commentAnswerers,
	"GET /console/consultations/{id}/export.xlsx":               decisionViewers,
	"POST /console/consultations/{id}/feedback":                 commentAnswerers,

	"GET /console/audit":         "auditor platform_auditor",
	"POST /console/audit/verify": "auditor platform_auditor",
	"GET /api/v1/audit":          "auditor platform_auditor",
}

type actor struct {
	name   string // the key used in the matrix
	userID int64
	agency int64
}

func TestRoleMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		mzzj := e.Agency("mzzj")
		actors := []actor{{name: "anonymous"}}
		roles := []struct {
			name   string
			agency string
			role   auth.Role
		}{
			{"platform_admin", "", auth.PlatformAdmin},
			{"platform_auditor", "", auth.Auditor},
			{"agency_admin", "mzzj", auth.AgencyAdmin},
			{"editor", "mzzj", auth.Editor},
			{"reviewer", "mzzj", auth.Reviewer},
			{"handler", "mzzj", auth.Handler},
			{"approver", "mzzj", auth.Approver},
			{"liaison", "mzzj", auth.Liaison},
			{"auditor", "mzzj", auth.Auditor},
		}
		for _, r := range roles {
			u := e.AddUser(r.agency, "m."+strings.ReplaceAll(r.name, "_", "-"), r.role)
			actors = append(actors, actor{name: r.name, userID: u.ID, agency: u.AgencyID})
		}
		victim := e.AddUser("mzzj", "m.victim", auth.Editor)
		divID, err := e.App.Agencies.CreateDivision(ctx, auth.Operator("test"), mzzj.ID, "矩阵测试处", 0)
		if err != nil {
			t.Fatal(err)
		}
		_, victimToken, err := e.App.Auth.CreateToken(ctx, auth.Operator("test"), victim.ID, "matrix", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		ids := matrixIDs{mzzj: mzzj.ID, div: divID, victim: victim.ID, token: victimToken.ID}
		editor := &auth.Principal{UserID: actors[4].userID, Username: "m.editor", AgencyID: mzzj.ID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
		draft, err := e.App.Disclosure.Create(ctx, editor, mzzj.ID, disclosure.DraftFields{Title: "矩阵测试草稿", FormedOn: "2026-01-05", SourceType: "self", ColumnIDs: []int64{columnID(t, e, mzzj.ID, "qtxx")}})
		if err != nil {
			t.Fatal(err)
		}
		ids.draft = draft.ID
		ids.column = columnID(t, e, mzzj.ID, "qtxx")
		ids.topical = columnID(t, e, mzzj.ID, "yqfk")
		e.App.DB.R.QueryRow("SELECT id FROM items WHERE agency_id = $1 AND status = 'published' ORDER BY id LIMIT 1", mzzj.ID).Scan(&ids.published)
		// The demo decision with a hearing and documents, so that the
		// decision routes are walked on a real record.
		e.App.DB.R.QueryRow(`SELECT d.id, h.id, f.id FROM decisions d JOIN decision_hearings h ON h.decision_id = d.id
			JOIN decision_files f ON f.decision_id = d.id AND f.public = TRUE WHERE d.agency_id = $1 ORDER BY d.id, h.id, f.id LIMIT 1`, mzzj.ID).
			Scan(&ids.decision, &ids.hearing, &ids.decisionFile)
		// The demo's answered consultation, with a comment in a group.
		e.App.DB.R.QueryRow(`SELECT c.consultation_id, c.id, c.group_id FROM comments c JOIN consultations k ON k.id = c.consultation_id
			WHERE k.agency_id = $1 AND c.group_id IS NOT NULL ORDER BY c.id LIMIT 1`, mzzj.ID).Scan(&ids.consultation, &ids.comment, &ids.group)
		tokens := map[string]string{}
		for _, a := range actors[1:] {
			tokens[a.name] = e.TokenFor(a.userID)
		}

		routes := e.App.Web.Routes()
		registered := map[string]bool{}
		for _, rt := range routes {
			registered[rt.Pattern()] = true
			rule, ok := mergedMatrix()[rt.Pattern()]
			if !ok {
				t.Errorf("route %s has no rule in the declared role matrix", rt.Pattern())
				continue
			}
			for _, a := range actors {
				path := fill(rt.Path, a, ids)
				for _, f := range pathFillers {
					if p := f(e, rt.Path); p != "" {
						path = p
					}
				}
				c := e.Client()
				body, ctype := "x=1", "application/x-www-form-urlencoded"
				if rt.JSON {
					body, ctype = "{}", "application/json"
				}
				req := c.Request(rt.Method, path, strings.NewReader(body))
				if rt.Method == http.MethodPost {
					req.Header.Set("Content-Type", ctype)
				}
				if a.userID != 0 {
					if rt.Kind == "api" {
						req.Header.Set("Authorization", "Bearer "+tokens[a.name])
					} else {
						req.AddCookie(&http.Cookie{Name: "gk_session", Value: e.SessionFor(a.userID)})
					}
				}
				resp := c.Do(req)
				// The guard answers a GET without the right by sending the
				// browser to the login page, anything else with 401/403.
				denied := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden ||
					(rt.Method == http.MethodGet && resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/console/login"))
				want := allowedBy(rule, a.name)
				if denied == want {
					t.Errorf("%s %s as %s: status %d (location %q), want allowed=%v by rule %q",
						rt.Method, path, a.name, resp.StatusCode, resp.Header.Get("Location"), want, rule)
				}
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s as %s: status %d", rt.Method, path, a.name, resp.StatusCode)
				}
				// A form body that does not decode (a bad %-escape, as
				// sqlmap sends) is the client's error, never a 500.
				if want && rt.Method == http.MethodPost && !rt.JSON {
					undecodable := c.Request(rt.Method, path, strings.NewReader("x=%' &return=%zz"))
					undecodable.Header = req.Header.Clone() // the same session or token
					if bad := c.Do(undecodable); bad.StatusCode >= 500 {
						t.Errorf("%s %s as %s with an undecodable form: status %d", rt.Method, path, a.name, bad.StatusCode)
					}
				}
			}
		}
		for p := range mergedMatrix() {
			if !registered[p] {
				t.Errorf("the matrix declares %s but no such route is registered", p)
			}
		}
	})
}

func mergedMatrix() map[string]string {
	out := make(map[string]string, len(matrix))
	for k, v := range matrix {
		out[k] = v
	}
	for _, part := range matrixParts {
		for k, v := range part {
			out[k] = v
		}
	}
	return out
}

func allowedBy(rule, actor string) bool {
	switch rule {
	case public:
		return true
	case partial, authenticated:
		return actor != "anonymous"
	}
	for _, r := range strings.Fields(rule) {
		if r == actor {
			return true
		}
	}
	return false
}

// matrixIDs are the objects the walk uses for path parameters.
type matrixIDs struct {
	mzzj, div, victim, token, draft, published, column, topical int64
	decision, hearing, decisionFile                             int64
	consultation, comment, group                                int64
}

func columnID(t *testing.T, e *apptest.Env, agencyID int64, slug string) int64 {
	t.Helper()
	c, err := e.App.Disclosure.ColumnBySlug(context.Background(), agencyID, slug)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// fill substitutes path parameters with objects the actor may act on.
func fill(path string, a actor, ids matrixIDs) string {
	agency := a.agency
	if agency == 0 {
		agency = ids.mzzj
	}
	r := strings.NewReplacer(
		"{$}", "",
		"{file...}", "site.css",
		"{slug}", "mzzj",
		"{year}", "2030",
		"{div}", fmt.Sprint(ids.div),
		"{att}", "1",
	)
	path = r.Replace(path)
	if strings.Contains(path, "/consultations/{id}") {
		return strings.NewReplacer("{id}", fmt.Sprint(ids.consultation), "{cid}", fmt.Sprint(ids.comment), "{gid}", fmt.Sprint(ids.group),
			"{file}", "1").Replace(path)
	}
	if strings.Contains(path, "/decisions/{id}") {
		return strings.NewReplacer("{id}", fmt.Sprint(ids.decision), "{kind}", "legality", "{hearing}", fmt.Sprint(ids.hearing),
			"{file}", fmt.Sprint(ids.decisionFile)).Replace(path)
	}
	switch {
	case strings.HasPrefix(path, "/console/agencies/{id}"):
		path = strings.Replace(path, "{id}", fmt.Sprint(agency), 1)
	case strings.HasPrefix(path, "/console/staff/{id}"):
		path = strings.Replace(path, "{id}", fmt.Sprint(ids.victim), 1)
	case strings.HasPrefix(path, "/console/tokens/{id}"):
		path = strings.Replace(path, "{id}", fmt.Sprint(ids.token), 1)
	case strings.HasPrefix(path, "/console/items/{id}"):
		path = strings.Replace(path, "{id}", fmt.Sprint(ids.draft), 1)
	case strings.HasPrefix(path, "/console/catalogue/columns/{col}"):
		path = strings.Replace(path, "{col}", fmt.Sprint(ids.column), 1)
	case strings.HasPrefix(path, "/console/topical/{col}"):
		path = strings.Replace(path, "{col}", fmt.Sprint(ids.topical), 1)
	case strings.Contains(path, "/topics/{col}"):
		path = strings.Replace(path, "{col}", "yqfk", 1)
	case strings.Contains(path, "{col}"):
		path = strings.Replace(path, "{col}", "zcwj", 1)
	}
	return strings.Replace(path, "{id}", fmt.Sprint(ids.published), 1)
}
