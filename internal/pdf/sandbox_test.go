package pdf

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeChromium is a stand-in browser: it records its arguments, refuses to
// start without --no-sandbox when FAKE_NO_SANDBOX=1 (as Chromium does when
// the system has no usable sandbox), fails with another error when
// FAKE_FAIL=1, and otherwise writes a PDF header to --print-to-pdf.
const fakeChromium = `#!/bin/sh
nosb=0; out=""
for a in "$@"; do
	case $a in
	--no-sandbox) nosb=1 ;;
	--print-to-pdf=*) out=${a#--print-to-pdf=} ;;
	esac
done
echo "$nosb" >>"$FAKE_LOG"
echo "dbus noise" >&2
if [ "$FAKE_FAIL" = 1 ]; then echo "some other failure" >&2; exit 3; fi
if [ $nosb = 0 ] && [ "$FAKE_NO_SANDBOX" = 1 ]; then
	echo "[1:1:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox! Update your kernel" >&2
	exit 1
fi
printf '%%PDF-1.4 fake' >"$out"
`

// TestSandbox: Chromium runs in its sandbox unless the service runs as
// root or the system has no usable sandbox, in which case the renderer
// falls back to --no-sandbox once and remembers it.
func TestSandbox(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(bin, []byte(fakeChromium), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name          string
		euid          int
		noSandbox     bool
		fail          bool
		wantRuns      string // "0" a sandboxed run, "1" a run with --no-sandbox, per line
		wantSandboxed bool
		wantErr       bool
	}{
		{"user, sandbox works", 1000, false, false, "0\n0\n", true, false},
		{"user, no usable sandbox", 1000, true, false, "0\n1\n1\n", false, false},
		{"root", 0, false, false, "1\n1\n", false, false},
		{"user, another failure", 1000, false, true, "0\n0\n", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			logf := filepath.Join(t.TempDir(), "runs")
			t.Setenv("FAKE_LOG", logf)
			t.Setenv("FAKE_NO_SANDBOX", map[bool]string{true: "1"}[c.noSandbox])
			t.Setenv("FAKE_FAIL", map[bool]string{true: "1"}[c.fail])
			r := &Renderer{Chromium: bin, euid: func() int { return c.euid }}
			for i := 0; i < 2; i++ {
				b, err := r.Render(context.Background(), []byte("<p>公开"))
				if (err != nil) != c.wantErr {
					t.Fatalf("render %d: %v", i, err)
				}
				if err == nil && !strings.HasPrefix(string(b), "%PDF-") {
					t.Fatalf("render %d: %q", i, b)
				}
			}
			runs, err := os.ReadFile(logf)
			if err != nil {
				t.Fatal(err)
			}
			if string(runs) != c.wantRuns {
				t.Errorf("runs (1 = --no-sandbox): %q, want %q", runs, c.wantRuns)
			}
			if r.Sandboxed() != c.wantSandboxed {
				t.Errorf("Sandboxed() = %v", r.Sandboxed())
			}
		})
	}
}

// TestSandboxWarnsOnce: the service has several renderers; running without
// the sandbox is logged once per browser, not once per renderer.
func TestSandboxWarnsOnce(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(bin, []byte(fakeChromium), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_LOG", filepath.Join(t.TempDir(), "runs"))
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(prev)
	for i := 0; i < 3; i++ {
		r := &Renderer{Chromium: bin, euid: func() int { return 0 }}
		if _, err := r.Render(context.Background(), []byte("<p>公开")); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "runs without its sandbox"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
}
