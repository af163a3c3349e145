// Package web is the HTTP layer shared by every capability: routing with a
// declared permission per route, the middleware (security headers, cross-
// origin protection, body limits, sessions, logging, metrics), server-side
// rendering of the portal and console layouts, forms, error pages and RFC 9457
// problem details.
package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
)

// Authenticator turns a session cookie or bearer token into a principal.
type Authenticator interface {
	Session(ctx context.Context, token, ip string) (*auth.Principal, error)
	AuthenticateToken(ctx context.Context, bearer, ip string) (*auth.Principal, error)
}

// Options configure the App.
type Options struct {
	Logger         *slog.Logger
	Auth           Authenticator
	Sites          SiteSource
	Secure         bool // HTTPS: Secure cookies and HSTS
	TrustedProxies []netip.Prefix
	MaxFormBytes   int64 // default 1 MiB
	MaxUploadBytes int64 // default 50 MiB
	Metrics        *Metrics
	// ConsoleNav adds capability sections to the console's left navigation.
	ConsoleNav []NavItem
	// BaseURL is the public address of the site (for absolute links).
	BaseURL string
	// FormKey signs the anti-automation tokens of public forms (App.Guard);
	// at least 32 random bytes. If nil, NewApp generates a random key, which
	// is fine for a single instance; several instances behind one address
	// must all be given the same key, or a form shown by one instance is
	// refused by another.
	FormKey []byte
	// FormMinFill is the minimum time between showing a public form and
	// submitting it; default 3 s, negative for none.
	FormMinFill time.Duration
}

// App is the HTTP application: its routes and everything handlers share.
type App struct {
	Logger         *slog.Logger
	Render         *Renderer
	Auth           Authenticator
	Sites          SiteSource
	Secure         bool
	TrustedProxies []netip.Prefix
	MaxFormBytes   int64
	MaxUploadBytes int64
	Metrics        *Metrics
	ConsoleNav     []NavItem
	BaseURL        string
	// Guard protects public forms from automated submissions.
	Guard *FormGuard

	mux    *http.ServeMux
	routes []Route
}

// NewApp returns an App with no routes but the static assets.
func NewApp(opts Options) (*App, error) {
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	key := opts.FormKey
	switch {
	case key == nil:
		key = make([]byte, FormKeySize)
		rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	case len(key) < FormKeySize:
		return nil, fmt.Errorf("web: FormKey must be at least %d bytes, got %d", FormKeySize, len(key))
	}
	minFill := opts.FormMinFill
	if minFill == 0 {
		minFill = 3 * time.Second
	}
	a := &App{
		Logger:         opts.Logger,
		Render:         r,
		Auth:           opts.Auth,
		Sites:          opts.Sites,
		Secure:         opts.Secure,
		TrustedProxies: opts.TrustedProxies,
		MaxFormBytes:   opts.MaxFormBytes,
		MaxUploadBytes: opts.MaxUploadBytes,
		Metrics:        opts.Metrics,
		ConsoleNav:     opts.ConsoleNav,
		BaseURL:        strings.TrimRight(opts.BaseURL, "/"),
		Guard:          NewFormGuard(key, minFill, nil),
		mux:            http.NewServeMux(),
	}
	if a.Logger == nil {
		a.Logger = slog.Default()
	}
	r.Logger = a.Logger
	if a.MaxFormBytes == 0 {
		a.MaxFormBytes = 1 << 20
	}
	if a.MaxUploadBytes == 0 {
		a.MaxUploadBytes = 50 << 20
	}
	if a.Sites == nil {
		a.Sites = func(*http.Request) Site { return Site{SiteName: "政务公开", HomeURL: "/"} }
	}
	a.Handle("GET /static/{file...}", auth.Public, a.serveStatic, Summary("静态资源"))
	return a, nil
}

// Kind says which face of gongkai a route belongs to.
type Kind string

// Route kinds.
const (
	KindPortal  Kind = "portal"
	KindConsole Kind = "console"
	KindAPI     Kind = "api"
)

// Route is a registered route with its declared permission.
type Route struct {
	Method  string
	Path    string
	Perm    auth.Permission
	Kind    Kind
	Summary string
	// Upload allows multipart bodies up to MaxUploadBytes.
	Upload bool
	// JSON means the route takes a JSON body (API writes).
	JSON bool
}

// Pattern is the ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// RouteOption adjusts a route.
type RouteOption func(*Route)

// Summary describes the route (for the OpenAPI document and the route list).
func Summary(s string) RouteOption { return func(r *Route) { r.Summary = s } }

// Upload lets the route take multipart file uploads.
func Upload() RouteOption { return func(r *Route) { r.Upload = true } }

// JSONBody marks an API route that takes a JSON request body.
func JSONBody() RouteOption { return func(r *Route) { r.JSON = true } }

// Handle registers pattern ("METHOD /path") with the permission it needs.
// Every route must declare one; registering a route twice panics.
func (a *App) Handle(pattern string, perm auth.Permission, h http.HandlerFunc, opts ...RouteOption) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("web: route %q must be \"METHOD /path\"", pattern))
	}
	if !perm.Known() {
		panic(fmt.Sprintf("web: route %q declares unknown permission %q", pattern, perm))
	}
	rt := Route{Method: method, Path: path, Perm: perm, Kind: KindPortal}
	switch {
	case strings.HasPrefix(path, "/console"):
		rt.Kind = KindConsole
	case strings.HasPrefix(path, "/api/"):
		rt.Kind = KindAPI
	}
	for _, o := range opts {
		o(&rt)
	}
	a.routes = append(a.routes, rt)
	a.mux.Handle(pattern, a.guard(rt, h))
}

// Routes returns every registered route, sorted.
func (a *App) Routes() []Route {
	out := append([]Route(nil), a.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}
