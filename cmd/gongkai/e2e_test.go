package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// These tests build the real binary and run it as an operator would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gongkai-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "gongkai")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server is a running gongkai serve process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string
	mu     sync.Mutex
	stdout strings.Builder
	stderr strings.Builder
	done   chan error
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.String()
}

func startServer(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	port := freePort(t)
	args = append([]string{"serve", "--addr", fmt.Sprintf(":%d", port), "--log-format", "json"}, args...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	s := &server{t: t, cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan error, 1)}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copyTo := func(r io.Reader, b *strings.Builder) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			b.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}
	var pipes sync.WaitGroup
	pipes.Add(2)
	go func() { defer pipes.Done(); copyTo(stdout, &s.stdout) }()
	go func() { defer pipes.Done(); copyTo(stderr, &s.stderr) }()
	go func() { pipes.Wait(); s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			s.mu.Lock()
			t.Logf("server stdout:\n%s\nserver stderr:\n%s", s.stdout.String(), s.stderr.String())
			s.mu.Unlock()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(s.base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("server exited: %v\n%s", err, s.stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("server did not become ready")
	return nil
}

// credentials reads the demo accounts printed at start-up.
func credentials(out string) map[string]string {
	creds := map[string]string{}
	re := regexp.MustCompile(`(?m)^(\S+)\s+([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})\s`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		creds[m[1]] = m[2]
	}
	return creds
}

type browser struct {
	t    *testing.T
	http *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(u string) (int, string, http.Header) {
	b.t.Helper()
	r, err := b.http.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(body), r.Header
}

func (b *browser) post(u string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(body), r.Header
}

// copyCookies gives b the cookies other holds for from, as if for to.
func (b *browser) copyCookies(other *browser, from, to string) {
	fu, _ := url.Parse(from + "/console/")
	tu, _ := url.Parse(to + "/console/")
	b.http.Jar.SetCookies(tu, other.http.Jar.Cookies(fu))
}

func TestServeDemoOnFreshData(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, []string{"GONGKAI_DATABASE_URL=", "GONGKAI_SECRET_KEY="}, "--demo", "--data", data)
	port := strings.TrimPrefix(s.base, "http://127.0.0.1:")
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		r, err := http.Get("http://" + host + ":" + port + "/healthz")
		if err != nil {
			t.Fatalf("healthz on %s: %v", host, err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("healthz on %s: %d", host, r.StatusCode)
		}
	}
	b := newBrowser(t)
	code, body, _ := b.get("http://[::1]:" + port + "/")
	if code != 200 || !strings.Contains(body, "上海市民族和宗教事务局") {
		t.Fatalf("home over IPv6: %d", code)
	}
	creds := credentials(s.output())
	if len(creds) < 10 || creds["mzzj.editor"] == "" || creds["admin"] == "" {
		t.Fatalf("demo accounts not printed:\n%s", s.output())
	}
	// The printed credentials work: an editor logs straight in; an
	// administrator is taken to the second-factor set-up.
	code, _, h := b.post(s.base+"/console/login", url.Values{"username": {"mzzj.editor"}, "password": {creds["mzzj.editor"]}})
	if code != 303 || h.Get("Location") != "/console/" {
		t.Fatalf("editor login: %d %s", code, h.Get("Location"))
	}
	if code, body, _ := b.get(s.base + "/console/"); code != 200 || !strings.Contains(body, "李思远") {
		t.Fatalf("dashboard: %d", code)
	}
	admin := newBrowser(t)
	code, _, h = admin.post(s.base+"/console/login", url.Values{"username": {"admin"}, "password": {creds["admin"]}})
	if code != 303 || h.Get("Location") != "/console/2fa/setup" {
		t.Fatalf("admin login: %d %s", code, h.Get("Location"))
	}
	if _, err := os.Stat(filepath.Join(data, "gongkai.db")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(data, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret key file: %v %v", fi, err)
	}
	if strings.Contains(s.stderr.String(), `"level":"ERROR"`) {
		t.Fatalf("errors logged:\n%s", s.stderr.String())
	}

	// Graceful shutdown: a request whose body is still arriving when
	// SIGTERM comes is answered, then the process exits cleanly.
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body2 := "username=nobody&password=Wrong-Password-1"
	fmt.Fprintf(conn, "POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body2), body2[:5])
	time.Sleep(200 * time.Millisecond)
	s.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	conn.Write([]byte(body2[5:]))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request was dropped: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("in-flight request: %d", resp.StatusCode)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("did not stop after SIGTERM")
	}

	// Restarting with --demo on the same data does not load it again.
	s2 := startServer(t, []string{"GONGKAI_DATABASE_URL=", "GONGKAI_SECRET_KEY="}, "--demo", "--data", data)
	if len(credentials(s2.output())) != 0 || !strings.Contains(s2.output(), "未重复加载") {
		t.Fatalf("demo loaded twice:\n%s", s2.output())
	}
}

// TestTwoInstancesShareOnePostgres runs two serve processes on one
// PostgreSQL database: they serve the same data, a session made on one is
// valid on the other, and a change made through one shows on the other.
func TestTwoInstancesShareOnePostgres(t *testing.T) {
	pg := dbtest.PostgresURL(t)
	env := []string{"GONGKAI_DATABASE_URL=" + pg, "GONGKAI_SECRET_KEY=" + auth.NewSecretKey()}
	a := startServer(t, env, "--demo", "--data", t.TempDir())
	b := startServer(t, env, "--demo", "--data", t.TempDir())
	creds := credentials(a.output())
	if len(creds) == 0 || len(credentials(b.output())) != 0 {
		t.Fatalf("demo must load once:\nA: %s\nB: %s", a.output(), b.output())
	}
	for _, s := range []*server{a, b} {
		if code, body, _ := newBrowser(t).get(s.base + "/o/mzzj/about"); code != 200 || !strings.Contains(body, "政策法规处") {
			t.Fatalf("%s: %d", s.base, code)
		}
	}
	// Enrol the administrator's second factor on A.
	ba := newBrowser(t)
	ba.post(a.base+"/console/login", url.Values{"username": {"mzzj.admin"}, "password": {creds["mzzj.admin"]}})
	_, setup, _ := ba.get(a.base + "/console/2fa/setup")
	m := regexp.MustCompile(`<code>([A-Z2-7 ]+)</code>`).FindStringSubmatch(setup)
	if m == nil {
		t.Fatalf("no secret on the setup page")
	}
	code, _ := auth.TOTPCode(strings.ReplaceAll(m[1], " ", ""), time.Now())
	if c, body, _ := ba.post(a.base+"/console/2fa/setup", url.Values{"code": {code}}); c != 303 {
		t.Fatalf("enrol: %d %s", c, body)
	}
	// The session cookie from A works on B.
	bb := newBrowser(t)
	bb.copyCookies(ba, a.base, b.base)
	c, body, _ := bb.get(b.base + "/console/staff")
	if c != 200 || !strings.Contains(body, "陈明华") {
		t.Fatalf("session from A on B: %d", c)
	}
	// A settings change through B shows on A's portal (cache invalidation).
	c, _, h := bb.get(b.base + "/console/agency")
	if c != 303 {
		t.Fatalf("agency redirect: %d", c)
	}
	form := url.Values{"address": {"上海市共享路2号"}, "accent": {""}, "intro": {"两个实例共享的数据"}}
	if c, body, _ := bb.post(b.base+h.Get("Location"), form); c != 303 {
		t.Fatalf("save on B: %d %s", c, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body, _ := newBrowser(t).get(a.base + "/o/mzzj/about")
		if strings.Contains(body, "上海市共享路2号") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("A never showed the change made through B")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Logging out on A ends the session on B too.
	ba.post(a.base+"/console/logout", nil)
	if c, _, _ := bb.get(b.base + "/console/staff"); c != 303 {
		t.Fatalf("session survived logout on the other instance: %d", c)
	}
}
