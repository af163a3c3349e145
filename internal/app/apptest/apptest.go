// Package apptest builds a whole gongkai on a test database behind an
// httptest server, with a controllable clock and an HTTP client that keeps
// cookies and handles the login steps. It is used by tests only.
package apptest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/app"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/config"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/web"
)

// Password is the password of every account AddUser creates.
const Password = "Test-Lake-2026-Gk"

// Clock is a manual clock for the security services.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Env is a running test application.
type Env struct {
	T        testing.TB
	App      *app.App
	FastPath *web.FastPath
	URL      string
	Clock    *Clock
	Dialect  db.Dialect
	Config   *config.Config
	// Secrets maps user names to their TOTP secrets (after EnrolTOTP).
	Secrets map[string]string
}

// Each runs fn against a fresh application on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, d))
		})
	}
}

// New starts an application on a fresh database of the dialect, with the
// demo dataset loaded (a copy of the binary's demo template, see
// template.go).
func New(t testing.TB, dialect db.Dialect) *Env {
	t.Helper()
	return NewWith(t, dialect, nil)
}

// NewWith is New with extra GONGKAI_* settings (e.g. an SMTP server).
func NewWith(t testing.TB, dialect db.Dialect, extra map[string]string) *Env {
	t.Helper()
	env, started := instance(t, dialect)
	for k, v := range extra {
		env[k] = v
	}
	cfg := Config(t, env)
	// Public forms may be submitted at once (the minimum fill time is
	// tested in internal/web).
	cfg.FormMinFill = -1
	clock := &Clock{t: started}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, logger, app.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	// Served as gongkai serve does on plain HTTP: the fast path answers
	// cached public pages, net/http the rest.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fast := a.NewFastPath(&http.Server{Handler: a.Handler(),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)})
	go fast.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		fast.Shutdown(ctx)
		a.Close()
	})
	return &Env{T: t, App: a, FastPath: fast, URL: "http://" + ln.Addr().String(), Clock: clock, Dialect: dialect, Config: cfg, Secrets: map[string]string{}}
}

// Config builds a validated configuration from environment values.
func Config(t testing.TB, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := configOf(env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func configOf(env map[string]string) (*config.Config, error) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f := config.Bind(fs, func(k string) string { return env[k] }, true)
	if err := fs.Parse(nil); err != nil {
		return nil, err
	}
	return f.Finish()
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Agency returns an agency of the demo dataset.
func (e *Env) Agency(slug string) *agency.Agency {
	e.T.Helper()
	a, err := e.App.Agencies.BySlug(context.Background(), slug)
	if err != nil {
		e.T.Fatal(err)
	}
	return a
}

// AddUser creates an account with the known Password (agencySlug "" =
// platform account).
func (e *Env) AddUser(agencySlug, username string, roles ...auth.Role) *auth.User {
	e.T.Helper()
	var agencyID int64
	if agencySlug != "" {
		agencyID = e.Agency(agencySlug).ID
	}
	u, _, err := e.App.Auth.CreateUser(context.Background(), auth.Operator("test"), auth.NewUser{
		AgencyID: agencyID, Username: username, DisplayName: "测试" + username, Roles: roles, Password: Password})
	if err != nil {
		e.T.Fatal(err)
	}
	return u
}

// EnrolTOTP sets up the second factor of an account through the service and
// remembers its secret.
func (e *Env) EnrolTOTP(username string) string {
	e.T.Helper()
	ctx := context.Background()
	res, err := e.App.Auth.Login(ctx, username, Password, "127.0.0.1", "apptest")
	if err != nil {
		e.T.Fatal(err)
	}
	p, err := e.App.Auth.Session(ctx, res.Token, "127.0.0.1")
	if err != nil {
		e.T.Fatal(err)
	}
	en, err := e.App.Auth.BeginEnrolment(ctx, p)
	if err != nil {
		e.T.Fatal(err)
	}
	code, _ := auth.TOTPCode(en.Secret, e.Clock.Now())
	tok, err := e.App.Auth.ConfirmEnrolment(ctx, p, res.Token, code, "127.0.0.1", "apptest")
	if err != nil {
		e.T.Fatal(err)
	}
	e.App.Auth.Logout(ctx, nil, tok)
	e.Secrets[username] = en.Secret
	e.Clock.Advance(30 * time.Second) // the enrolment code may not be replayed
	return en.Secret
}

// Response is a response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Client is a browser-like client: it keeps cookies, does not follow
// redirects (tests look at them), and sends same-origin fetch metadata.
type Client struct {
	e    *Env
	HTTP *http.Client
}

// Client returns a new client with an empty cookie jar.
func (e *Env) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{e: e, HTTP: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// Do sends req and reads the whole response.
func (c *Client) Do(req *http.Request) *Response {
	c.e.T.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.e.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.T.Fatal(err)
	}
	return &Response{Response: resp, Body: string(b)}
}

// Request builds a request to the test server.
func (c *Client) Request(method, path string, body io.Reader) *http.Request {
	c.e.T.Helper()
	req, err := http.NewRequest(method, c.e.URL+path, body)
	if err != nil {
		c.e.T.Fatal(err)
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", c.e.URL)
	}
	return req
}

// Get fetches path.
func (c *Client) Get(path string) *Response {
	c.e.T.Helper()
	return c.Do(c.Request(http.MethodGet, path, nil))
}

// PostForm submits a URL-encoded form as a browser on the same site would.
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.e.T.Helper()
	req := c.Request(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Login goes through the login form and, when asked, the second-factor step
// with the account's enrolled secret. It fails the test unless the login
// ends on a console page.
func (c *Client) Login(username string) {
	c.e.T.Helper()
	r := c.PostForm("/console/login", url.Values{"username": {username}, "password": {Password}, "next": {"/console/"}})
	if r.StatusCode != http.StatusSeeOther {
		c.e.T.Fatalf("login %s: status %d\n%s", username, r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	if strings.HasPrefix(loc, "/console/login/2fa") {
		secret := c.e.Secrets[username]
		if secret == "" {
			c.e.T.Fatalf("login %s: asks for TOTP but the account was not enrolled by the test", username)
		}
		c.e.Clock.Advance(30 * time.Second)
		code, _ := auth.TOTPCode(secret, c.e.Clock.Now())
		r = c.PostForm("/console/login/2fa", url.Values{"code": {code}, "next": {"/console/"}})
		if r.StatusCode != http.StatusSeeOther {
			c.e.T.Fatalf("2fa %s: status %d\n%s", username, r.StatusCode, r.Body)
		}
		loc = r.Header.Get("Location")
	}
	if !strings.HasPrefix(loc, "/console") || strings.HasPrefix(loc, "/console/login") {
		c.e.T.Fatalf("login %s ended at %s", username, loc)
	}
}

// Cookie returns the value of a cookie the client holds for the server.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.e.URL + "/console/")
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SessionFor opens a complete console session for an account directly in
// the database (as a finished login would) and returns the cookie value.
func (e *Env) SessionFor(userID int64) string {
	e.T.Helper()
	token := randomHex(32)
	sum := sha256.Sum256([]byte(token))
	now := e.Clock.Now().UTC()
	err := e.App.DB.Tx(context.Background(), func(tx db.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO sessions (id_hash, user_id, state, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, 'active', $3, $3, $4)`, hex.EncodeToString(sum[:]), userID, now, now.Add(auth.AbsoluteTimeout))
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
	return token
}

// TokenFor issues an API token for an account.
func (e *Env) TokenFor(userID int64) string {
	e.T.Helper()
	secret, _, err := e.App.Auth.CreateToken(context.Background(), auth.Operator("test"), userID, "test", 24*time.Hour)
	if err != nil {
		e.T.Fatal(err)
	}
	return secret
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
