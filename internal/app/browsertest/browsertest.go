// Package browsertest runs user journeys in real headless Chromium. Without
// Chromium the tests skip, unless GONGKAI_TEST_REQUIRE_BROWSER=1 (set by
// .ci/run), which makes a missing browser a failure.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// EnvRequire makes a missing Chromium fail the tests instead of skipping them.
const EnvRequire = "GONGKAI_TEST_REQUIRE_BROWSER"

// EnvScreenshots names a folder to save screenshots in (for looking at pages).
const EnvScreenshots = "GONGKAI_SCREENSHOTS"

// Chromium returns the browser executable, skipping the test when absent.
func Chromium(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("GONGKAI_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("Chromium not found but %s=1: install it (apt-get install -y chromium fonts-wqy-microhei)", EnvRequire)
	}
	t.Skip("browser tests skipped: Chromium not found (apt-get install -y chromium fonts-wqy-microhei, or set GONGKAI_CHROMIUM)")
	return ""
}

// New starts a headless Chromium with a fresh profile and returns a
// chromedp context for one tab. Everything stops when the test ends.
func New(t testing.TB) context.Context {
	t.Helper()
	exe := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// Run runs steps with a time limit.
func Run(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatal(err)
	}
}

// Text returns the text of the first element matching a CSS selector.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Location returns the current URL.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Screenshot saves a full-page PNG at the given width into
// $GONGKAI_SCREENSHOTS, if set.
func Screenshot(t testing.TB, ctx context.Context, name string, width int64) {
	t.Helper()
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		return
	}
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o750) // #nosec G703 -- test support: the folder the developer named in EnvScreenshots
	file := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".png")
	if err := os.WriteFile(file, png, 0o600); err != nil { // #nosec G703 -- test support: that folder, a name from the test
		t.Fatal(err)
	}
	chromedp.Do(c, chromedp.EmulateViewport(1280, 900))
}

// EnvAxe names axe.min.js from the npm package axe-core; .ci/run installs it
// (npm install axe-core) and sets it, with EnvRequireAxe=1.
const (
	EnvAxe        = "GONGKAI_AXE"
	EnvRequireAxe = "GONGKAI_TEST_REQUIRE_AXE"
)

// AxeViolation is one failed accessibility rule.
type AxeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// Axe runs axe-core's WCAG 2.1 A/AA rules on the current page and fails the
// test for every violation. Without axe-core it logs and returns, unless
// EnvRequireAxe=1.
func Axe(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	path := os.Getenv(EnvAxe)
	if path == "" {
		if os.Getenv(EnvRequireAxe) == "1" {
			t.Fatalf("%s is not set but %s=1", EnvAxe, EnvRequireAxe)
		}
		t.Logf("accessibility check of %s skipped: set %s to axe.min.js (npm install axe-core)", page, EnvAxe)
		return
	}
	src, err := os.ReadFile(path) // #nosec G304 G703 -- test support: axe.min.js named by EnvAxe
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Evaluate[any](string(src))); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	const script = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))})).concat(r.passes.length < 10 ? [{id: "too-few-passes", help: "axe ran only " + r.passes.length + " rules"}] : [])))`
	out, err := chromedp.Run(c, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", page, err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	for _, v := range vs {
		t.Errorf("accessibility (%s) on %s: %s [%s] at %v", v.Impact, page, v.Help, v.ID, v.Nodes)
	}
}

// SetCookie stores a cookie for baseURL in the browser (an HttpOnly one,
// as the server would set it), e.g. a console session opened with
// apptest.Env.SessionFor, to switch the acting user within one journey.
func SetCookie(t testing.TB, ctx context.Context, baseURL, name, value, path string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	httpOnly := true
	if _, err := chromedp.Call(c, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: baseURL + path,
		Path: path, HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax}); err != nil {
		t.Fatalf("set cookie %s: %v", name, err)
	}
}

// ClickAndWait clicks an element that loads a new page (a form's submit
// button, a link) and waits until the new document has loaded, so that
// the next step does not read the old page. window.confirm answers yes.
func ClickAndWait(t testing.TB, ctx context.Context, css string) {
	t.Helper()
	Run(t, ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool]("window.confirm = function () { return true; }; window.__gkOld = true; true")(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(css)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// The old document's context disappears during navigation, so
			// evaluation errors are retried until the new page answers.
			for {
				done, err := chromedp.Evaluate[bool]("!window.__gkOld && document.readyState === 'complete'")(ctx, tg)
				if err == nil && done {
					return nil
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("waiting for the page after clicking %s: %w", css, ctx.Err())
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
	)
}
