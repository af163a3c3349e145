package disclosure_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/disclosure"
)

var testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func TestParseQAs(t *testing.T) {
	qas, err := disclosure.ParseQAs("问：适用范围？\n答：本市。\n\n问：何时施行？\n答：2027年1月1日起\n施行。")
	if err != nil || len(qas) != 2 || qas[1].Answer != "2027年1月1日起\n施行。" {
		t.Errorf("%+v %v", qas, err)
	}
	for _, bad := range []string{"答：没有问题", "随便写", "问：只有问题"} {
		if _, err := disclosure.ParseQAs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A policy published without its interpretation is listed; a 图解 with
// alt text for its image, published the next day, makes it late but
// answered, and links both ways.
func TestInterpretationRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		in := draft(f.colA, "关于清真食品经营管理的办法", "第一条 ……")
		in.Genre = "办法"
		policy := publish(t, f, f.editorA, f.reviewA, in)
		checks, problems, err := f.svc.InterpretationChecks(ctx, f.editorA, civilDate("2026-01-01"))
		if err != nil || len(checks) != 1 || checks[0].State != "pending" || problems != 1 {
			t.Fatalf("checks on the day: %+v %d %v", checks, problems, err)
		}
		f.clock.t = f.clock.t.Add(24 * time.Hour)
		checks, _, _ = f.svc.InterpretationChecks(ctx, f.editorA, civilDate("2026-01-01"))
		if checks[0].State != "missing" {
			t.Fatalf("the next day: %+v", checks[0])
		}

		ip, err := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "图解：清真食品经营管理办法", "一图读懂。"))
		if err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			in    disclosure.InterpretationInput
			field string
		}{
			"no form":           {disclosure.InterpretationInput{Policies: fmt.Sprint(policy.ID)}, "form"},
			"no policy":         {disclosure.InterpretationInput{Form: "text"}, "policies"},
			"unknown policy":    {disclosure.InterpretationInput{Form: "text", Policies: "999999"}, "policies"},
			"sql in policy":     {disclosure.InterpretationInput{Form: "text", Policies: "1' OR '1'='1"}, "policies"},
			"itself":            {disclosure.InterpretationInput{Form: "text", Policies: fmt.Sprint(ip.ID)}, "policies"},
			"graphic, no image": {disclosure.InterpretationInput{Form: "graphic", Policies: fmt.Sprint(policy.ID)}, "form"},
			"video, no file":    {disclosure.InterpretationInput{Form: "video", Policies: fmt.Sprint(policy.ID), Transcript: "字幕"}, "form"},
			"qa, malformed":     {disclosure.InterpretationInput{Form: "qa", Policies: fmt.Sprint(policy.ID), QAText: "答：先答"}, "qa"},
			"huge transcript":   {disclosure.InterpretationInput{Form: "interview", Policies: fmt.Sprint(policy.ID), Transcript: strings.Repeat("长", 100_001)}, "transcript"},
		} {
			if err := f.svc.SaveInterpretation(ctx, f.editorA, ip.ID, tc.in); apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		att, err := f.svc.AddAttachment(ctx, f.editorA, ip.ID, "图解1.png", bytes.NewReader(testPNG))
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("alt_%d", att)
		err = f.svc.SaveInterpretation(ctx, f.editorA, ip.ID, disclosure.InterpretationInput{Form: "graphic", Policies: fmt.Sprint(policy.ID)})
		if apperr.FieldsOf(err)[key] == "" {
			t.Fatalf("an image without alt text: %v", err)
		}
		if err := f.svc.SaveInterpretation(ctx, f.editorA, ip.ID, disclosure.InterpretationInput{Form: "graphic", Policies: fmt.Sprint(policy.ID),
			Frames: map[int64][2]string{att: {"办法的适用范围和主要制度示意图", "第一部分：适用范围……"}}}); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		for _, step := range []func() error{
			func() error { return f.svc.Submit(ctx, f.editorA, ip.ID) },
			func() error { return f.svc.Review(ctx, f.reviewA, ip.ID, "") },
			func() error { return f.svc.Publish(ctx, f.reviewA, ip.ID, time.Time{}) },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.svc.SaveInterpretation(ctx, f.editorA, ip.ID, disclosure.InterpretationInput{Form: "text", Policies: fmt.Sprint(policy.ID)}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a published interpretation changed without review: %v", err)
		}
		checks, problems, _ = f.svc.InterpretationChecks(ctx, f.editorA, civilDate("2026-01-01"))
		if len(checks) != 1 || checks[0].State != "late" || checks[0].FirstID != ip.ID || problems != 1 {
			t.Fatalf("after the interpretation: %+v", checks)
		}
		got, err := f.svc.Interpretation(ctx, ip.ID)
		if err != nil || got.Form != "graphic" || len(got.Frames) != 1 || got.Frames[0].Alt == "" || got.PolicyIDs[0] != policy.ID {
			t.Errorf("interpretation %+v %v", got, err)
		}
		// A policy that needs none leaves the list with its reason.
		in2 := draft(f.colA, "关于调整办公地址的规定", "……")
		in2.Genre = "规定"
		other := publish(t, f, f.editorA, f.reviewA, in2)
		if err := f.svc.SetInterpretationExempt(ctx, f.editorA, other.ID, "<script>"+strings.Repeat("长", 600)); apperr.FieldsOf(err)["exempt"] == "" {
			t.Errorf("oversized reason: %v", err)
		}
		if err := f.svc.SetInterpretationExempt(ctx, f.editorA, other.ID, "程序性规定，无需解读"); err != nil {
			t.Fatal(err)
		}
		checks, _, _ = f.svc.InterpretationChecks(ctx, f.editorA, civilDate("2026-01-01"))
		if len(checks) != 1 {
			t.Errorf("an exempt policy is listed: %+v", checks)
		}
	})
}

// A major item is not approved or published before its assessment.
func TestPrePublicationAssessment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		it, err := f.svc.Create(ctx, f.editorA, f.a.ID, draft(f.colA, "关于调整清真牛羊肉供应点的通知", "……"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SaveAssessment(ctx, f.editorA, it.ID, disclosure.AssessmentInput{Major: true}); len(apperr.FieldsOf(err)) != 3 {
			t.Fatalf("an empty assessment: %v", apperr.FieldsOf(err))
		}
		if err := f.svc.SaveAssessment(ctx, f.editorA, it.ID, disclosure.AssessmentInput{Major: true, Reaction: "x", Plan: "y", Risk: "extreme"}); apperr.FieldsOf(err)["risk"] == "" {
			t.Errorf("an unknown risk: %v", err)
		}
		// Marked major without the assessment: the flag alone is not saved.
		if _, major, _ := f.svc.Assessment(ctx, f.editorA, it.ID); major {
			t.Error("a refused assessment left the item marked major")
		}
		if err := f.svc.SaveAssessment(ctx, f.editorA, it.ID, disclosure.AssessmentInput{Major: true, Reaction: "供应点调整可能引起附近居民关注。",
			Risk: "medium", Plan: "同步发布答问，12345 备好口径。", InterpretationReady: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.Exec(`DELETE FROM item_assessments WHERE item_id = $1`, it.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Submit(ctx, f.editorA, it.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Review(ctx, f.reviewA, it.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Publish(ctx, f.reviewA, it.ID, time.Time{}); apperr.FieldsOf(err)["assessment"] == "" {
			t.Fatalf("a major item published without its assessment: %v", err)
		}
		if err := f.svc.SaveAssessment(ctx, f.editorA, it.ID, disclosure.AssessmentInput{Major: true, Reaction: "关注", Risk: "low", Plan: "答问"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Publish(ctx, f.reviewA, it.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SaveAssessment(ctx, f.editorA, it.ID, disclosure.AssessmentInput{}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("assessment changed after publication: %v", err)
		}
	})
}

func civilDate(s string) civil.Date { return civil.MustParse(s) }
