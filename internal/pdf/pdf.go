// Package pdf prints HTML documents to PDF with headless Chromium, the one
// renderer here that lays out Chinese text with the system's CJK fonts
// (pure-Go PDF libraries cannot load Debian's .ttc fonts). Letters and
// reports are rendered as self-contained HTML (styles inline, images as
// data: URLs) and printed from a temporary file, so the printer needs no
// network access to the server.
//
// Chromium runs inside its own sandbox whenever it can: a letter carries
// text (and images) that came from the public. It runs without the sandbox
// only as root, where Chromium refuses it, or when the system offers no
// usable sandbox (no unprivileged user namespaces and no setuid helper);
// both are logged once, so that an operator can run the service as an
// ordinary user or enable user namespaces.
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ErrUnavailable means no Chromium is installed (or configured).
var ErrUnavailable = errors.New("pdf: no Chromium found (install the chromium package or set GONGKAI_CHROMIUM)")

// Renderer prints HTML to PDF. The zero value looks for Chromium on PATH.
type Renderer struct {
	// Chromium is the browser's path; empty means the first of chromium,
	// chromium-browser, google-chrome and headless_shell found on PATH.
	Chromium string
	// Timeout bounds one rendering (default 30 s).
	Timeout time.Duration
	// slots bounds concurrent renderings (each is a browser process).
	once  sync.Once
	slots chan struct{}
	path  string
	// noSandbox is set once Chromium is found to need --no-sandbox.
	mu        sync.Mutex
	noSandbox bool
	// euid is os.Geteuid (replaced in tests).
	euid func() int
}

// sandboxUnavailable reports whether Chromium's error output says it
// cannot start its sandbox.
func sandboxUnavailable(stderr string) bool {
	return strings.Contains(stderr, "No usable sandbox") || strings.Contains(stderr, "without --no-sandbox is not supported")
}

func (r *Renderer) init() {
	r.once.Do(func() {
		r.slots = make(chan struct{}, 2)
		r.path = r.find()
		euid := os.Geteuid
		if r.euid != nil {
			euid = r.euid
		}
		if r.path != "" && euid() == 0 {
			r.setNoSandbox("the service runs as root, where Chromium refuses its sandbox")
		}
	})
}

// find returns the configured browser's path, or the first one on PATH.
func (r *Renderer) find() string {
	if r.Chromium != "" {
		if p, err := exec.LookPath(r.Chromium); err == nil {
			return p
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Available reports whether a browser was found.
func (r *Renderer) Available() bool {
	r.init()
	return r.path != ""
}

// Render prints the HTML document page to an A4 PDF.
func (r *Renderer) Render(ctx context.Context, page []byte) ([]byte, error) {
	r.init()
	if r.path == "" {
		return nil, ErrUnavailable
	}
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "gongkai-pdf-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "page.html")
	out := filepath.Join(dir, "page.pdf")
	if err := os.WriteFile(in, page, 0o600); err != nil {
		return nil, err
	}
	stderr, err := r.run(ctx, dir, in, out, r.sandboxOff())
	if err != nil && !r.sandboxOff() && sandboxUnavailable(stderr) {
		r.setNoSandbox("Chromium found no usable sandbox")
		stderr, err = r.run(ctx, dir, in, out, true)
	}
	if err != nil {
		return nil, fmt.Errorf("pdf: chromium: %w: %s", err, lastLine(stderr))
	}
	b, err := os.ReadFile(out) // #nosec G304 -- out is in the temporary folder made above
	if err != nil {
		return nil, fmt.Errorf("pdf: chromium wrote no PDF: %w: %s", err, lastLine(stderr))
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, errors.New("pdf: chromium wrote something that is not a PDF")
	}
	return b, nil
}

// run prints in to out with one Chromium process and returns its error
// output.
func (r *Renderer) run(ctx context.Context, dir, in, out string, noSandbox bool) (string, error) {
	args := []string{"--headless"}
	if noSandbox {
		args = append(args, "--no-sandbox")
	}
	args = append(args, "--disable-gpu", "--disable-extensions", "--no-first-run", "--disable-background-networking",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	// #nosec G204 -- the configured or found Chromium with constant flags and paths in our own temporary folder, no shell
	cmd := exec.CommandContext(ctx, r.path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "HOME="+dir)
	err := cmd.Run()
	return stderr.String(), err
}

func (r *Renderer) sandboxOff() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.noSandbox
}

func (r *Renderer) setNoSandbox(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.noSandbox {
		warnNoSandbox(r.path, why)
	}
	r.noSandbox = true
}

// warned holds the Chromium paths already warned about: the service has
// several renderers (annual reports, application letters), and one warning
// per process and browser is enough.
var warned sync.Map

func warnNoSandbox(path, why string) {
	if _, dup := warned.LoadOrStore(path, true); !dup {
		slog.Warn("pdf: Chromium runs without its sandbox: "+why+"; run the service as an ordinary user with unprivileged user namespaces enabled", "chromium", path)
	}
}

// Sandboxed reports whether the next rendering runs inside Chromium's
// sandbox (false once it was found to need --no-sandbox).
func (r *Renderer) Sandboxed() bool {
	r.init()
	return !r.sandboxOff()
}

func lastLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
