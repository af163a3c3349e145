package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/consultation"
)

// TestSitemapHTTP: the sitemap lists the pages of every capability with
// public pages (open days and their events, questionnaires, evaluation
// reports, the new-media matrix…), and a consultation published after the
// sitemap was cached appears at once (publishing renews the content
// version that the page cache keys on).
func TestSitemapHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Client()
		r := pub.Get("/sitemap.xml")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("sitemap: %d", r.StatusCode)
		}
		var report int64
		e.App.DB.R.QueryRow(`SELECT id FROM evaluations WHERE state = 'published' ORDER BY year DESC LIMIT 1`).Scan(&report)
		for _, want := range []string{"/o/mzzj/opendays</loc>", "/o/mzzj/surveys</loc>", "/o/mzzj/evaluations</loc>", "/o/mzzj/newmedia</loc>",
			fmt.Sprintf("/o/mzzj/opendays/%d</loc>", openDayID(e, demoOpenDayPastTitle)), fmt.Sprintf("/o/mzzj/evaluations/%d</loc>", report)} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the sitemap lacks %s", want)
			}
		}
		ctx := context.Background()
		today := civil.Of(e.Clock.Now())
		policy := principalOf(t, e, "mzzj.policy")
		c, err := e.App.Consultations.Create(ctx, policy, e.Agency("mzzj").ID, consultation.Fields{Title: "关于《民族团结进步宣传月活动方案（征求意见稿）》公开征求意见的公告",
			Summary: "欢迎提出意见。", Draft: "一、活动主题。\n二、活动安排。", Explanation: "起草说明。",
			OpensOn: today.String(), ClosesOn: today.AddDays(30).String()})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		page := consultation.URL("mzzj", c.ID) + "</loc>"
		if strings.Contains(pub.Get("/sitemap.xml").Body, page) {
			t.Fatal("a draft consultation is in the sitemap")
		}
		if err := e.App.Consultations.Publish(ctx, policy, c.ID); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pub.Get("/sitemap.xml").Body, page) {
			t.Error("a consultation published after the sitemap was cached is missing from it")
		}
	})
}
