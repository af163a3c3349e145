// Package pdf prints HTML documents to PDF with headless Chromium, the one
// renderer here that lays out Chinese text with the system's CJK fonts
// (pure-Go PDF libraries cannot load Debian's .ttc fonts). Letters and
// reports are rendered as self-contained HTML (styles inline, images as
// data: URLs) and printed from a temporary file, so the printer needs no
// network access to the server.
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
}

func (r *Renderer) init() {
	r.once.Do(func() {
		r.slots = make(chan struct{}, 2)
		if r.Chromium != "" {
			if p, err := exec.LookPath(r.Chromium); err == nil {
				r.path = p
			}
			return
		}
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
			if p, err := exec.LookPath(name); err == nil {
				r.path = p
				return
			}
		}
	})
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
	// #nosec G204 -- the configured or found Chromium with constant flags and paths in our own temporary folder, no shell
	cmd := exec.CommandContext(ctx, r.path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
		"--no-first-run", "--disable-background-networking", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pdf: chromium: %w: %s", err, lastLine(stderr.String()))
	}
	b, err := os.ReadFile(out) // #nosec G304 -- out is in the temporary folder made above
	if err != nil {
		return nil, fmt.Errorf("pdf: chromium wrote no PDF: %w: %s", err, lastLine(stderr.String()))
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, errors.New("pdf: chromium wrote something that is not a PDF")
	}
	return b, nil
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
