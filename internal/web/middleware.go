package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
)

// SessionCookie is the console session cookie.
const SessionCookie = "gk_session"

type ctxKey int

const (
	keyRequestID ctxKey = iota // a *requestInfo (or, in tests, a string)
	keyClientIP
	keySessionToken
	keySessionExpired
)

// requestInfo is what the middleware knows about a request: one context
// value (and one allocation) instead of one per field.
type requestInfo struct {
	id, ip string
	idH    [1]string // the X-Request-ID header value, shared with the response
	// route is the pattern that answered, set by dispatch; routed says
	// dispatch ran (the route is "" if no pattern matched).
	route  string
	routed bool
	rw     responseWriter // observe's, allocated with the rest
}

func infoOf(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(keyRequestID).(*requestInfo)
	return i
}

// RequestID returns the ID of the request (shown on error pages as 错误编号).
func RequestID(ctx context.Context) string {
	switch v := ctx.Value(keyRequestID).(type) {
	case *requestInfo:
		return v.id
	case string:
		return v
	}
	return ""
}

// ClientIP returns the client address, taking X-Forwarded-For from trusted
// proxies into account.
func ClientIP(ctx context.Context) string {
	if i := infoOf(ctx); i != nil {
		return i.ip
	}
	s, _ := ctx.Value(keyClientIP).(string)
	return s
}

// SessionToken returns the console session token of the request, if any.
func SessionToken(ctx context.Context) string {
	s, _ := ctx.Value(keySessionToken).(string)
	return s
}

func sessionExpired(ctx context.Context) bool {
	b, _ := ctx.Value(keySessionExpired).(bool)
	return b
}

// Principal returns the authenticated caller of r, or nil.
func Principal(r *http.Request) *auth.Principal { return auth.FromContext(r.Context()) }

// Handler returns the whole application with its middleware.
func (a *App) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.ErrorPage(w, r, http.StatusForbidden, "跨站提交的请求已被拒绝。请在本网站的页面上重新提交。")
	}))
	// Outermost first: identify → security headers → observe → recover →
	// cross-origin check → URL check → routes. Recovery sits inside the
	// request ID, the headers and the metrics, so a panic still gets all three.
	var h http.Handler = http.HandlerFunc(a.dispatch)
	h = a.checkURL(h)
	h = cop.Handler(h)
	h = a.recoverPanics(h)
	h = a.observe(h)
	h = a.securityHeaders(h)
	h = a.identify(h)
	return h
}

// dispatch routes the request, answering unknown paths and methods with the
// Chinese error pages instead of the mux's plain text. It notes the route for
// observe, so that the mux is asked once here and once to serve (which also
// sets the path values), not a third time for the metrics.
func (a *App) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if i := infoOf(r.Context()); i != nil {
		i.route, i.routed = pattern, true
	}
	if pattern == "" {
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		status := rec.status
		// A redirect here is the mux's to the cleaned form of a path
		// (/static/../../etc/passwd → /etc/passwd) that no route matches
		// either: not found, rather than an error page with a redirect
		// status and no Location.
		if status == 0 || status == http.StatusOK || (status >= 300 && status < 400) {
			status = http.StatusNotFound
		}
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		a.ErrorPage(w, r, status, "")
		return
	}
	a.mux.ServeHTTP(w, r)
}

// statusRecorder captures what the mux's own 404/405 handlers would write.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }

func (a *App) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Logger.ErrorContext(r.Context(), "panic", slog.String("request_id", RequestID(r.Context())),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				a.Error(w, r, apperr.Wrap(apperr.Internal, "", fmt.Errorf("panic: %v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// identify gives the request an ID and works out the client address.
func (a *App) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		var id [16]byte
		rand.Read(b[:])
		hex.Encode(id[:], b[:])
		info := &requestInfo{id: string(id[:]), ip: a.clientIP(r)}
		info.idH[0] = info.id
		w.Header()["X-Request-Id"] = info.idH[:]
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, info)))
	})
}

func (a *App) clientIP(r *http.Request) string {
	return a.clientIPOf(r.RemoteAddr, r.Header["X-Forwarded-For"])
}

// clientIPOf is clientIP for a peer address and the X-Forwarded-For lines.
func (a *App) clientIPOf(remoteAddr string, xff []string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !a.trusted(addr.Unmap()) {
		return addrString(addr, host)
	}
	// Walk X-Forwarded-For from the right (the last header line first): the
	// first address not belonging to a trusted proxy is the client. An
	// unparsable hop ends the walk at the last trusted one.
	last, lastSrc := addr, host
	for l := len(xff) - 1; l >= 0; l-- {
		line := xff[l]
		for {
			hop := line
			i := strings.LastIndexByte(line, ',')
			if i >= 0 {
				hop, line = line[i+1:], line[:i]
			}
			hop = strings.TrimSpace(hop)
			h, err := netip.ParseAddr(hop)
			if err != nil {
				return addrString(last, lastSrc)
			}
			if !a.trusted(h.Unmap()) {
				return addrString(h, hop)
			}
			last, lastSrc = h, hop
			if i < 0 {
				break
			}
		}
	}
	return addrString(last, lastSrc) // every hop a trusted proxy, or no header
}

// addrString is a.Unmap().String(), without allocating for the usual case: an
// IPv4 address parsed from src, which netip only accepts in canonical form.
func addrString(a netip.Addr, src string) string {
	if a.Is4() {
		return src
	}
	return a.Unmap().String()
}

func (a *App) trusted(addr netip.Addr) bool {
	for _, p := range a.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ContentSecurityPolicy allows nothing inline and nothing from elsewhere.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// Header values set on every response, shared by all of them: a slice with
// len == cap, so that an Add by a handler copies it rather than writing
// into it (nothing assigns to an element of a header slice).
var (
	cspH         = []string{ContentSecurityPolicy}
	nosniffH     = []string{"nosniff"}
	frameDenyH   = []string{"DENY"}
	referrerH    = []string{"strict-origin-when-cross-origin"}
	openerH      = []string{"same-origin"}
	permissionsH = []string{"camera=(), microphone=(), geolocation=(), payment=()"}
	hstsH        = []string{"max-age=31536000; includeSubDomains"}
	noStoreH     = []string{"no-store"}
)

func (a *App) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Canonical keys, assigned directly: Header.Set would canonicalize
		// the key and allocate a value slice for each.
		h := w.Header()
		h["Content-Security-Policy"] = cspH
		h["X-Content-Type-Options"] = nosniffH
		h["X-Frame-Options"] = frameDenyH
		h["Referrer-Policy"] = referrerH
		h["Cross-Origin-Opener-Policy"] = openerH
		h["Permissions-Policy"] = permissionsH
		if r.TLS != nil || a.Secure {
			h["Strict-Transport-Security"] = hstsH
		}
		if strings.HasPrefix(r.URL.Path, "/console") || strings.HasPrefix(r.URL.Path, "/api/") {
			h["Cache-Control"] = noStoreH
		}
		next.ServeHTTP(w, r)
	})
}

// checkURL refuses paths and queries that are not valid UTF-8.
func (a *App) checkURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) {
			a.ErrorPage(w, r, http.StatusBadRequest, "网址包含无效字符。")
			return
		}
		if r.URL.RawQuery != "" {
			q, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil || !validValues(q) {
				a.ErrorPage(w, r, http.StatusBadRequest, "网址中的查询参数无效或包含无效字符。")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func validValues(v url.Values) bool {
	for k, vs := range v {
		if !utf8.ValidString(k) {
			return false
		}
		for _, s := range vs {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				return false
			}
		}
	}
	return true
}

// responseWriter records the status for logs and metrics.
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (a *App) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := r.Context()
		info := infoOf(ctx)
		var rw *responseWriter
		if info != nil {
			info.rw = responseWriter{ResponseWriter: w}
			rw = &info.rw
		} else {
			rw = &responseWriter{ResponseWriter: w}
		}
		next.ServeHTTP(rw, r)
		end := time.Now()
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		d := end.Sub(start)
		var pattern string
		if info != nil && info.routed {
			pattern = info.route
		} else {
			// Refused before routing (cross-origin check, URL check) or a
			// panic on the way: ask the mux which route it was for.
			_, pattern = a.mux.Handler(r)
		}
		if pattern == "" {
			pattern = "unmatched"
		}
		var id, ip string
		if info != nil {
			id, ip = info.id, info.ip
		} else {
			id, ip = RequestID(ctx), ClientIP(ctx)
		}
		a.record(ctx, end, d, r.Method, pattern, r.URL.Path, rw.status, rw.bytes, ip, id)
	})
}

// record counts a finished request in the metrics and writes its
// access-log line (the fast path calls it too).
func (a *App) record(ctx context.Context, end time.Time, d time.Duration, method, route, path string, status int, bytes int64, ip, id string) {
	if a.Metrics != nil {
		a.Metrics.observe(route, method, status, d)
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	} else if route == "GET /static/{file...}" || route == "GET /healthz" || route == "GET /metrics" {
		level = slog.LevelDebug
	}
	// The handler directly, not Logger.Log: that would also look up the
	// caller's program counter, which costs more than the rest and tells
	// nothing about a request.
	lh := a.Logger.Handler()
	if !lh.Enabled(ctx, level) {
		return
	}
	rec := slog.NewRecord(end, level, "request", 0)
	rec.AddAttrs(slog.String("method", method), slog.String("route", route),
		slog.String("path", path), slog.Int("status", status), slog.Duration("duration", d),
		slog.Int64("bytes", bytes), slog.String("ip", ip), slog.String("request_id", id))
	lh.Handle(ctx, rec)
}

// guard wraps a route's handler with its body limits, content-type check,
// authentication and permission check.
func (a *App) guard(rt Route, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.checkBody(w, r, rt) {
			return
		}
		ctx := r.Context()
		var p *auth.Principal
		switch rt.Kind {
		case KindConsole:
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				sp, err := a.Auth.Session(ctx, c.Value, ClientIP(ctx))
				switch {
				case err == nil:
					p = sp
					ctx = context.WithValue(ctx, keySessionToken, c.Value)
				case apperr.Is(err, apperr.Unauthorized):
					a.ClearSessionCookie(w)
					ctx = context.WithValue(ctx, keySessionExpired, true)
				default:
					a.Error(w, r, err)
					return
				}
			}
		case KindAPI:
			if hdr := r.Header.Get("Authorization"); hdr != "" {
				bearer, ok := strings.CutPrefix(hdr, "Bearer ")
				if !ok {
					w.Header().Set("WWW-Authenticate", `Bearer realm="gongkai"`)
					WriteProblem(w, r, http.StatusUnauthorized, string(apperr.Unauthorized), "Authorization 头须为 Bearer 令牌", nil)
					return
				}
				tp, err := a.Auth.AuthenticateToken(ctx, strings.TrimSpace(bearer), ClientIP(ctx))
				if err != nil {
					w.Header().Set("WWW-Authenticate", `Bearer realm="gongkai", error="invalid_token"`)
					a.Error(w, r, err)
					return
				}
				p = tp
			}
		}
		if p != nil {
			ctx = auth.WithPrincipal(ctx, p)
		}
		if ctx != r.Context() {
			r = r.WithContext(ctx) // a copy of the request: only when needed
		}
		if !auth.Allowed(p, rt.Perm) {
			a.deny(w, r, rt, p)
			return
		}
		if rt.Kind == KindAPI && p != nil && p.MustChangePassword {
			WriteProblem(w, r, http.StatusForbidden, string(apperr.Forbidden), "该账号仍在使用初始密码，请先登录工作台修改密码", nil)
			return
		}
		if rt.Kind == KindConsole && p != nil && p.Complete() && p.MustChangePassword &&
			rt.Path != "/console/password" && rt.Path != "/console/logout" {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/password", http.StatusSeeOther)
				return
			}
			a.ErrorPage(w, r, http.StatusForbidden, "请先修改初始密码。")
			return
		}
		h(w, r)
	})
}

// deny answers a request without the permission it needs: anonymous console
// visitors go to the login page (or the next login step), the API gets 401
// or 403 problem documents.
func (a *App) deny(w http.ResponseWriter, r *http.Request, rt Route, p *auth.Principal) {
	if rt.Kind == KindAPI {
		if p == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gongkai"`)
			WriteProblem(w, r, http.StatusUnauthorized, string(apperr.Unauthorized), "需要 API 令牌（Authorization: Bearer …）", nil)
			return
		}
		WriteProblem(w, r, http.StatusForbidden, string(apperr.Forbidden), "该令牌的账号没有执行此操作的权限", nil)
		return
	}
	if p == nil || !p.Complete() {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			target := "/console/login"
			switch {
			case p != nil && p.State == auth.StateSecondFactor:
				target = "/console/login/2fa"
			case p != nil && p.State == auth.StateEnrol:
				target = "/console/2fa/setup"
			case sessionExpired(r.Context()):
				target += "?expired=1&next=" + url.QueryEscape(r.URL.RequestURI())
			default:
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		msg := "请先登录。"
		if sessionExpired(r.Context()) {
			msg = "登录已过期（超过 15 分钟未操作或已超过 12 小时），请重新登录后再提交。"
		}
		a.ErrorPage(w, r, http.StatusUnauthorized, msg)
		return
	}
	a.ErrorPage(w, r, http.StatusForbidden, "")
}

// checkBody enforces the request body rules of rt for unsafe methods.
func (a *App) checkBody(w http.ResponseWriter, r *http.Request, rt Route) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	limit := a.MaxFormBytes
	if rt.Upload {
		limit = a.MaxUploadBytes
	}
	if r.ContentLength > limit {
		a.Error(w, r, apperr.New(apperr.TooLarge, fmt.Sprintf("提交的内容超过了 %s 的上限。", humanBytes(limit))))
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return true // an empty POST (e.g. a logout button without fields)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	ok := err == nil
	if ok {
		switch {
		case rt.JSON:
			ok = mt == "application/json"
		case rt.Kind == KindAPI:
			ok = mt == "application/json" || mt == "application/x-www-form-urlencoded"
		case rt.Upload:
			ok = mt == "multipart/form-data" || mt == "application/x-www-form-urlencoded"
		default:
			ok = mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
		}
	}
	if !ok {
		msg := "不支持的提交格式，请通过页面上的表单提交。"
		if rt.Kind == KindAPI {
			msg = "请求体须为 application/json"
		}
		if IsAPI(r) {
			WriteProblem(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type", msg, nil)
		} else {
			a.ErrorPage(w, r, http.StatusUnsupportedMediaType, msg)
		}
		return false
	}
	return true
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// SetSessionCookie stores a console session token.
func (a *App) SetSessionCookie(w http.ResponseWriter, token string) {
	// #nosec G124 -- Secure is set whenever the site is served over HTTPS (config.Secure: TLS or an https:// base URL); a plain-HTTP site cannot set it
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/console", HttpOnly: true,
		Secure: a.Secure, SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the console session cookie.
func (a *App) ClearSessionCookie(w http.ResponseWriter) {
	// #nosec G124 -- Secure is set whenever the site is served over HTTPS (config.Secure: TLS or an https:// base URL); a plain-HTTP site cannot set it
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/console", HttpOnly: true,
		Secure: a.Secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
