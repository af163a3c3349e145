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
)

// Rules of the declared matrix.
const (
	public        = "public"        // everybody, anonymous included
	partial       = "partial"       // any session, even mid-login
	authenticated = "authenticated" // any staff member with a complete login
)

// matrix declares who may use every route. A route registered without an
// entry here fails the test, and so does an entry without a route.
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
		tokens := map[string]string{}
		for _, a := range actors[1:] {
			tokens[a.name] = e.TokenFor(a.userID)
		}

		routes := e.App.Web.Routes()
		registered := map[string]bool{}
		for _, rt := range routes {
			registered[rt.Pattern()] = true
			rule, ok := matrix[rt.Pattern()]
			if !ok {
				t.Errorf("route %s has no rule in the declared role matrix", rt.Pattern())
				continue
			}
			for _, a := range actors {
				path := fill(rt.Path, a, mzzj.ID, divID, victim.ID, victimToken.ID)
				c := e.Client()
				req := c.Request(rt.Method, path, strings.NewReader("x=1"))
				if rt.Method == http.MethodPost {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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
			}
		}
		for p := range matrix {
			if !registered[p] {
				t.Errorf("the matrix declares %s but no such route is registered", p)
			}
		}
	})
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

// fill substitutes path parameters with objects the actor may act on.
func fill(path string, a actor, mzzjID, divID, victimID, tokenID int64) string {
	agency := a.agency
	if agency == 0 {
		agency = mzzjID
	}
	r := strings.NewReplacer(
		"{$}", "",
		"{file...}", "site.css",
		"{slug}", "mzzj",
		"{year}", "2030",
		"{div}", fmt.Sprint(divID),
	)
	path = r.Replace(path)
	switch {
	case strings.HasPrefix(path, "/console/agencies/{id}"):
		path = strings.Replace(path, "{id}", fmt.Sprint(agency), 1)
	case strings.HasPrefix(path, "/console/staff/{id}"):
		path = strings.Replace(path, "{id}", fmt.Sprint(victimID), 1)
	case strings.HasPrefix(path, "/console/tokens/{id}"):
		path = strings.Replace(path, "{id}", fmt.Sprint(tokenID), 1)
	}
	return path
}
