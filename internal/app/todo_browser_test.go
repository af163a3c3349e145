package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/app/browsertest"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// TestBrowserTodo: a handler opens the to-do list, narrows it with the
// filter form (a plain GET form), and a leader opens the supervision view;
// each page passes the accessibility rules at 1280 and 375 px.
func TestBrowserTodo(t *testing.T) {
	browsertest.Chromium(t)
	t.Parallel()
	e := apptest.New(t, db.SQLite)
	e.AddUser("mzzj", "bt.todo", auth.Handler, auth.Editor)
	plantTodos(t, e, principalOf(t, e, "bt.todo"))
	ctx := browsertest.New(t)
	open := func(path string) {
		t.Helper()
		browsertest.Run(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	check := func(page, shot string) {
		t.Helper()
		for _, w := range []int64{1280, 375} {
			c, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := chromedp.Do(c, chromedp.EmulateViewport(w, 900)); err != nil {
				t.Fatal(err)
			}
			cancel()
			browsertest.Axe(t, ctx, fmt.Sprintf("%s (%d px)", page, w))
			browsertest.Screenshot(t, ctx, fmt.Sprintf("%s-%d", shot, w), w)
		}
	}
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(principalOf(t, e, "bt.todo").UserID), "/console")
	open("/console/todo")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "已逾期") || !strings.Contains(got, "下一页") {
		t.Fatalf("list: %s", got)
	}
	check("the to-do list", "console-todo")
	browsertest.Run(t, ctx, chromedp.SetValue(chromedp.ID("f-state"), "soon"))
	browsertest.ClickAndWait(t, ctx, `form.filters button[type=submit]`)
	if loc := browsertest.Location(t, ctx); !strings.Contains(loc, "state=soon") {
		t.Errorf("filter form went to %s", loc)
	}
	if got := browsertest.Text(t, ctx, "table.todo-list tbody"); strings.Contains(got, "已逾期") || !strings.Contains(got, "宗教活动场所消防安全开放日") {
		t.Errorf("due-soon filter: %s", got)
	}
	check("the to-do list, due soon", "console-todo-soon")
	open("/console/todo?state=late")
	check("the to-do list with a bad filter", "console-todo-error")
	browsertest.SetCookie(t, ctx, e.URL, "gk_session", e.SessionFor(principalOf(t, e, "mzzj.approver").UserID), "/console")
	open("/console/todo/supervision")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "各处室待办数量") {
		t.Fatalf("supervision: %s", got)
	}
	check("the supervision view", "console-todo-supervision")
}
