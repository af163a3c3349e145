package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gongkai/gongkai/internal/auth"
)

// ElderlyCookie remembers the elderly-friendly mode (适老化: large text, high
// contrast) for a year.
const ElderlyCookie = "gk_elderly"

// ElderlyMode reports whether the visitor switched the elderly mode on.
func ElderlyMode(r *http.Request) bool {
	if !cookieMentioned(r, ElderlyCookie) {
		return false // most requests: no need to parse (and allocate) every cookie
	}
	c, err := r.Cookie(ElderlyCookie)
	return err == nil && c.Value == "1"
}

// cookieMentioned reports whether a Cookie header of r contains name at all.
func cookieMentioned(r *http.Request, name string) bool {
	for _, line := range r.Header["Cookie"] {
		if strings.Contains(line, name) {
			return true
		}
	}
	return false
}

// RegisterPreferences adds the elderly-mode switch: a plain form POST, so it
// works without JavaScript, that returns to the page it came from.
func (a *App) RegisterPreferences() {
	a.Handle("POST /prefs/elderly", auth.Public, a.toggleElderly, Summary("切换适老化模式"))
}

func (a *App) toggleElderly(w http.ResponseWriter, r *http.Request) {
	if err := ParseForm(r); err != nil {
		a.Error(w, r, err)
		return
	}
	on := r.PostForm.Get("on") == "1"
	// #nosec G124 -- Secure is set whenever the site is served over HTTPS (config.Secure: TLS or an https:// base URL); a plain-HTTP site cannot set it
	c := &http.Cookie{Name: ElderlyCookie, Value: "1", Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: a.Secure, SameSite: http.SameSiteLaxMode}
	if !on {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, SafeReturn(r.PostForm.Get("return")), http.StatusSeeOther) // #nosec G710 -- SafeReturn keeps the target a local path
}

// SafeReturn keeps a redirect target on this site: only local absolute paths
// ("/o/x/…") are accepted, never "//evil.example" or "https://…".
func SafeReturn(target string) string {
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return "/"
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	// Check the result again: "/%2f%2fevil" decodes to a path that is
	// re-encoded as "//evil", which a browser reads as another host.
	out := u.RequestURI()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") || strings.ContainsAny(out, "\r\n") {
		return "/"
	}
	return out
}
