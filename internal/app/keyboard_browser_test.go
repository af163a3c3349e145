package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/db"
)

// Keyboard-only journeys (issue 12 item 8): a citizen applies for
// information and comments on a draft using the keyboard alone — Tab to
// reach each field in order, typing, arrow keys in drop-down lists, Space
// for check boxes and Enter on the submit button. The only step done for
// the keyboard is choosing the file in the identity-proof field: that is
// the operating system's file dialog (the field itself is reached with
// Tab like any other).

// kbField is one field of a keyboard journey: its element ID and what to
// do there — type text, choose an option value with the arrow keys, or
// tick a check box.
type kbField struct {
	id, text, option string
	tick             bool
	file             string
}

// tabTo presses Tab until the element with id has the focus and returns
// how many presses it took; it fails after 60.
func tabTo(t *testing.T, ctx context.Context, id string) int {
	t.Helper()
	for n := 1; n <= 60; n++ {
		browsertest.Run(t, ctx, chromedp.KeyEvent(kb.Tab))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if err != nil {
			t.Fatal(err)
		}
		if got == id {
			return n
		}
	}
	t.Fatalf("#%s cannot be reached with the Tab key", id)
	return 0
}

// fillByKeyboard fills the fields in order with the keyboard.
func fillByKeyboard(t *testing.T, ctx context.Context, fields []kbField) {
	t.Helper()
	for _, f := range fields {
		tabTo(t, ctx, f.id)
		switch {
		case f.file != "":
			browsertest.Run(t, ctx, chromedp.SetUploadFiles(chromedp.ID(f.id), []string{f.file}))
		case f.tick:
			browsertest.Run(t, ctx, chromedp.KeyEvent(" "))
		case f.option != "":
			for i := 0; ; i++ {
				v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).value`, f.id)))
				if err != nil {
					t.Fatal(err)
				}
				if v == f.option {
					break
				}
				if i > 30 {
					t.Fatalf("#%s: option %q not reached with the arrow keys (at %q)", f.id, f.option, v)
				}
				browsertest.Run(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
			}
		default:
			browsertest.Run(t, ctx, chromedp.KeyEvent(f.text))
			v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).value`, f.id)))
			if err != nil || v != f.text {
				t.Fatalf("#%s holds %q after typing %q (%v)", f.id, v, f.text, err)
			}
		}
	}
}

// submitByKeyboard tabs to the form's submit button and presses Enter.
func submitByKeyboard(t *testing.T, ctx context.Context, form string) {
	t.Helper()
	for n := 1; n <= 30; n++ {
		browsertest.Run(t, ctx, chromedp.KeyEvent(kb.Tab))
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const a = document.activeElement;
			return !!a && a.type === "submit" && !!a.form && a.form.matches(%q); })()`, form)))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			// Mark the old document, press Enter and wait for a new,
			// complete one (as browsertest.ClickAndWait does for a click).
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__gkOld = true; true")); err != nil {
				t.Fatal(err)
			}
			browsertest.Run(t, ctx, chromedp.KeyEvent(kb.Enter))
			for i := 0; ; i++ {
				done, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!window.__gkOld && document.readyState === 'complete'"))
				if err == nil && done {
					return
				}
				if i > 600 {
					t.Fatalf("no new page after pressing Enter on the submit button of %s", form)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	t.Fatalf("no submit button of %s reached with the Tab key", form)
}

func TestBrowserKeyboardJourneys(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}

	// Apply for information.
	dir := t.TempDir()
	proof := filepath.Join(dir, "身份证.png")
	if err := os.WriteFile(proof, pngBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	open("/o/mzzj/apply")
	fillByKeyboard(t, ctx, []kbField{
		{id: "f-applicant_type", option: "natural"},
		{id: "f-name", text: "键盘用户"},
		{id: "f-id_type", option: "id_card"},
		{id: "f-id_number", text: "11010519491231002X"},
		{id: "f-identity", file: proof},
		{id: "f-phone", text: "021-63210000"},
		{id: "f-email", text: "keyboard@example.com"},
		{id: "f-title", text: "2025年本市清真食品经营单位名单"},
		{id: "f-description", text: "希望获取2025年本市清真食品经营单位的名单"},
		{id: "f-form", option: "electronic"},
		{id: "f-delivery", option: "email"},
	})
	// The declaration check box has no ID: tab until it has the focus.
	for n := 0; ; n++ {
		if n > 30 {
			t.Fatal("the declaration cannot be reached with the Tab key")
		}
		browsertest.Run(t, ctx, chromedp.KeyEvent(kb.Tab))
		name, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.name : ""`))
		if name == "declaration" {
			browsertest.Run(t, ctx, chromedp.KeyEvent(" "))
			break
		}
	}
	submitByKeyboard(t, ctx, `form[action="/o/mzzj/apply"]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "申请编号") || !strings.Contains(got, "查询码") {
		t.Fatalf("no receipt after a keyboard-only application: %s", got)
	}

	// Comment on an open consultation of the demo.
	var id int64
	if err := e.App.DB.R.QueryRow(`SELECT c.id FROM consultations c JOIN agencies a ON a.id = c.agency_id
		WHERE a.slug = 'mzzj' AND c.state = 'open' ORDER BY c.id LIMIT 1`).Scan(&id); err != nil {
		t.Fatalf("no open consultation in the demo: %v", err)
	}
	open(fmt.Sprintf("/o/mzzj/consultations/%d", id))
	fillByKeyboard(t, ctx, []kbField{
		{id: "f-body", text: "建议明确公告期限。"},
		{id: "f-name", text: "键盘用户"},
		{id: "f-email", text: "keyboard@example.com"},
	})
	for n := 0; ; n++ {
		if n > 30 {
			t.Fatal("the consent check box cannot be reached with the Tab key")
		}
		browsertest.Run(t, ctx, chromedp.KeyEvent(kb.Tab))
		name, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.name : ""`))
		if name == "consent" {
			browsertest.Run(t, ctx, chromedp.KeyEvent(" "))
			break
		}
	}
	submitByKeyboard(t, ctx, `form[action$="/comments#comment-form"]`)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "意见已提交") {
		t.Fatalf("no receipt after a keyboard-only comment: %s", got)
	}
}
