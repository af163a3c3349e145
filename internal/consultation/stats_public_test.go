package consultation_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// A year's consultations for the public statistics: held (published,
// opened in the year), comments, participants told apart by e-mail, phone
// or address, and adoption only where the feedback is published.
func TestYearStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		held := func(opens, closes string) *consultation.Consultation {
			t.Helper()
			f.clock.at("2025-02-01")
			c := newConsultation(t, f, opens, closes, "")
			if err := f.svc.Publish(ctx, f.editor, c.ID); err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return c
		}
		comment := func(c *consultation.Consultation, day string, in consultation.CommentInput, ip string) *consultation.Comment {
			t.Helper()
			f.clock.at(day)
			m, err := f.svc.SubmitComment(ctx, f.a.ID, c.ID, in, ip, nil)
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return m
		}
		k1 := held("2025-03-01", "2025-03-30")
		k2 := held("2025-06-01", "2025-06-30")
		newConsultation(t, f, "2025-05-01", "2025-05-30", "") // a draft: not held
		held("2026-01-05", "2026-02-03")                      // another year
		// K1: five comments from three people (the same address in two
		// cases; two anonymous comments from one address).
		c1 := comment(k1, "2025-03-02", consultation.CommentInput{Body: "意见一", Email: "Wang@example.com"}, "203.0.113.1")
		comment(k1, "2025-03-03", consultation.CommentInput{Body: "意见二另写", Email: "wang@example.com"}, "203.0.113.2")
		comment(k1, "2025-03-04", consultation.CommentInput{Body: "意见三内容", Phone: "13900000001"}, "203.0.113.3")
		comment(k1, "2025-03-05", consultation.CommentInput{Body: "意见四内容"}, "203.0.113.4")
		comment(k1, "2025-03-06", consultation.CommentInput{Body: "意见五内容"}, "203.0.113.4")
		// K2: the same person again, and one without any address.
		c6 := comment(k2, "2025-06-02", consultation.CommentInput{Body: "意见六内容", Email: "wang@example.com"}, "203.0.113.9")
		c7 := comment(k2, "2025-06-03", consultation.CommentInput{Body: "意见七内容"}, "")
		// Both close; K2's feedback is published, K1's is not yet.
		f.clock.at("2025-07-01")
		if _, err := f.svc.CloseDue(ctx); err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct {
			c  *consultation.Consultation
			id int64
			as consultation.Answer
		}{{k1, c1.ID, consultation.Adopted}, {k2, c6.ID, consultation.Adopted}, {k2, c7.ID, consultation.Partly}} {
			if _, err := f.svc.Apply(ctx, f.handler, a.c.ID, consultation.Bulk{Action: "answer", IDs: []int64{a.id}, Answer: a.as, Reply: "已研究。"}); err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
		}
		if err := f.svc.PublishFeedback(ctx, f.handler, k2.ID, "共收到意见 2 条。"); err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}

		st, err := f.svc.YearStats(ctx, f.a.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if st.Held != 2 || st.Comments != 7 || st.Participants != 4 || st.Answered != 1 || st.Adopted != 1 || st.Partly != 1 {
			t.Errorf("stats %+v", st)
		}
		if len(st.Consultations) != 2 || st.Consultations[0].ID != k2.ID || st.Consultations[0].Comments != 2 || st.Consultations[0].Participants != 2 ||
			st.Consultations[1].Comments != 5 || st.Consultations[1].Participants != 3 || st.Consultations[1].OpensOn.String() != "2025-03-01" {
			t.Errorf("consultations %+v", st.Consultations)
		}
		if st, _ := f.svc.YearStats(ctx, f.a.ID, 2026); st.Held != 1 || st.Comments != 0 || st.Participants != 0 {
			t.Errorf("2026: %+v", st)
		}
		if st, _ := f.svc.YearStats(ctx, f.b.ID, 2025); st.Held != 0 || st.Consultations != nil {
			t.Errorf("agency B: %+v", st)
		}
	})
}
